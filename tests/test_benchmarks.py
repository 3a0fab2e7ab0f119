"""Every benchmark runs: a smoke run of each script in benchmarks/ (one repetition, tiny sizes, no timing asserted),
so that none can rot unnoticed (benchmarks/app_latency.py once waited for a sentence the page no longer showed).

The contract every ``benchmarks/*.py`` script follows (docs/PERFORMANCE.md, "Benchmarks"): it accepts ``--smoke``
and then, started as ``python benchmarks/NAME.py --smoke`` from the repository root, exits 0 within a few minutes
on a busy 2-core machine, prints its figures, uses free ports for any server it starts and stops them, and writes
nothing but temporary files. A script that needs Debian's chromium may assume it (``make test`` installs it).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Every script in benchmarks/ but the package and the app's server helper that benchmarks and browser tests share.
SCRIPTS = sorted(p.name for p in (ROOT / "benchmarks").glob("*.py") if p.name not in ("__init__.py", "server.py"))
#: Seconds a smoke run may take on a busy machine before it counts as hung.
TIMEOUT = 600
BROWSER = os.environ.get("ALIGNSIM_SKIP_BROWSER") == "1"


def test_the_benchmarks_are_found():
    assert {"app_latency.py", "bench.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_benchmark_has_a_smoke_run(script):
    source = (ROOT / "benchmarks" / script).read_text(encoding="utf-8")
    assert "--smoke" in source, f"benchmarks/{script} must accept --smoke (the contract in docs/PERFORMANCE.md)"
    if BROWSER and ("playwright" in source or "chromium" in source):
        pytest.skip("ALIGNSIM_SKIP_BROWSER=1 and this benchmark drives a browser")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--smoke"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, f"benchmarks/{script} --smoke exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    assert proc.stdout.strip(), f"benchmarks/{script} --smoke printed no figures"
