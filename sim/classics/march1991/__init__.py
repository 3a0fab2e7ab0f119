"""March (1991): mutual learning (``model``) between individuals (``agents``) and an organisational code."""
