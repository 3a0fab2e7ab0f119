"""The README is a landing page: short, with the two quick-start commands, a Python example that runs, and links
that lead somewhere."""

import math
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()

#: A landing page, not a manual (the anchors of the field are 3-9 KB; the rest lives on the docs site).
MAX_BYTES = 6 * 1024


def test_readme_is_a_landing_page():
    size = len(README.encode())
    assert size <= MAX_BYTES, f"README.md is {size} bytes (at most {MAX_BYTES}): move the detail into docs/"


def test_the_quick_start_commands_are_the_makefile_targets_that_create_the_venv():
    block = re.search(r"## Quick start\n.*?```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines()]
    assert commands == ["make app", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    for target in ("app", "test"):
        (rule,) = re.findall(rf"^{target}:(.*)$", makefile, re.M)
        assert "$(STAMP)" in rule, f"make {target} must create .venv (depend on $(STAMP))"


def test_every_relative_link_and_picture_exists():
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README)
    local = [t for t in targets if "://" not in t]
    assert local, "the README links into the docs"
    assert [t for t in local if not (ROOT / t).exists()] == []
    assert sum(t.endswith(".png") for t in local) == 1, "one picture"


def test_the_python_example_runs(tmp_path):
    """The README's Python example, run as a reader would paste it, in a fresh process outside the checkout."""
    (example,) = re.findall(r"```python\n(.*?)```", README, re.S)
    (tmp_path / "example.py").write_text(example)
    proc = subprocess.run(
        [sys.executable, "example.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    # it prints the aggregate: a row per metric with its mean and interval
    header, *rows = [line.split() for line in proc.stdout.splitlines() if line.strip()]
    assert header == ["mean", "ci_low", "ci_high"]
    metrics = {row[0]: [float(v) for v in row[1:]] for row in rows if len(row) == 4 and row[0] != "metric"}
    assert "activation_rate_30d" in metrics
    # a metric undefined in every run (a KPI nobody was measured on) is NaN throughout; the others are intervals
    low_ok = all(lo <= mean <= hi for mean, lo, hi in metrics.values() if not math.isnan(mean))
    assert low_ok, proc.stdout


def test_the_api_page_shows_the_same_example():
    (example,) = re.findall(r"```python\n(.*?)```", README, re.S)
    api = (ROOT / "docs" / "api" / "index.md").read_text()
    assert f"```python\n{example}```" in api
