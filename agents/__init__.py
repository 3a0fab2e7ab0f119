"""The alignment model's Mesa agents: departments and product teams, and the customer population (NumPy arrays).

Installed as ``sim.agents`` (this folder keeps the top-level name the project was specified with; nothing is
installed under the global name ``agents``).
"""
