"""Workshop mode: a room plays the departments of a scenario round by round against the model.

- ``store``: workshops, seats and decisions in SQLite, and who may do what;
- ``links``: the workshop page's query parameters, validated;
- ``replay``: a table's decisions replayed through the model, and its counterfactual;
- ``report``: the debrief's tables and charts.
"""
