"""An NK firm (``model``) whose department managers propose and whose CEO decides (``agents``)."""
