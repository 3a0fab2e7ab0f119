"""Presentation: how people see results, shared by the CLI, the app and the exported files.

- ``labels``: each metric's name, unit, help and direction;
- ``levers``: the levers a leader can pull, in words;
- ``answer``: the answer first, in plain sentences;
- ``charts``: Altair charts of results;
- ``assessment``: the article's three questions as a self-assessment.
"""
