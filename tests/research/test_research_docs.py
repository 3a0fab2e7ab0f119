"""The research docs run: the notebook in docs/examples executes (a sweep, PRIM, charts), and RESEARCH.md's
plotting script draws a chart whose axes read the dotted parameter columns."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_discovery_notebook_runs(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "docs" / "examples" / "discovery.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook without outputs"
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "coverage" in text and "density" in text and "feature scores" in text
    data = [o.get("data", {}) for o in outputs]
    charts = [d for d in data if any("vegalite" in k for k in d) or "vegaEmbed" in d.get("text/html", "")]
    assert len(charts) == 2, "the discovery chart and the scatter of cases"
    assert any("widget-view" in k for d in data for k in d), "the sweep's progress as a notebook widget"
    assert (tmp_path / "results" / "discovery_notebook" / "runs.parquet").is_file()


def test_the_research_plotting_script_draws_both_axes(tmp_path):
    text = (ROOT / "docs" / "RESEARCH.md").read_text()
    script = re.search(r"```python\n(\"\"\"Sweep Sales.*?)```", text, re.S).group(1)
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    (tmp_path / "example.py").write_text(script)
    proc = subprocess.run(
        [sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)}
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    svg = (tmp_path / "results" / "sales" / "activation.svg").read_text()
    assert "undefined" not in svg, "an axis reads a dotted column as a nested field"
    assert "Sales&apos; alignment" in svg or "Sales' alignment" in svg
