"""The Streamlit app (entry: ``app.py`` at the repository root; ``make app`` starts it through ``ui.serve``).

The app holds no model logic: it edits scenarios (``sim.present.levers``), runs them through the registry's runner
and draws results (``sim.present``). ``ui.pages`` holds one script per page.
"""
