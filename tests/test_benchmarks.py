"""Every benchmark runs: a smoke run of each script in benchmarks/ (one repetition, tiny sizes, no timing asserted),
so that none can rot unnoticed (benchmarks/app_latency.py once waited for a sentence the page no longer showed).

The contract every ``benchmarks/*.py`` script follows (docs/PERFORMANCE.md, "Benchmarks"): it accepts ``--smoke``
and then, started as ``python benchmarks/NAME.py --smoke`` from the repository root, exits 0 within a few minutes
on a busy 2-core machine, prints its figures, uses free ports for any server it starts and stops them, and writes
nothing but temporary files. A script that needs Debian's chromium may assume it (``make test`` installs it).
The scripts in ``IN_PROCESS`` have their smoke run in-process in another test (one smoke run per script).
"""

import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Every script in benchmarks/ but the package and the app's server helper that benchmarks and browser tests share.
SCRIPTS = sorted(p.name for p in (ROOT / "benchmarks").glob("*.py") if p.name not in ("__init__.py", "server.py"))
#: Scripts whose smoke run a test runs in-process, with its ``--smoke`` settings and more checks than an exit code
#: (the soak's checks by name, the room's saves): one smoke run each, not a second one here as a subprocess.
IN_PROCESS = {
    "workshop_soak.py": (
        "tests.ui.test_workshop_soak",
        "test_a_small_workshop_survives_refreshes_reconnects_a_restart_and_two_facilitator_tabs",
    ),
    "workshop_room.py": ("tests.ui.test_workshop_soak", "test_the_room_benchmark_smoke_run"),
}
#: Seconds a smoke run may take on a busy machine before it counts as hung.
TIMEOUT = 600
#: The smoke runs open the app's pages at the fewest seeds the page offers (5), never the presets' 20-seed ensembles
#: that a server started as `make app` warms in the background: their servers warm none (``ALIGNSIM_WARM_PRESETS``,
#: ui/results.py), which cost app_latency's smoke run about 9 of its 30 CPU-seconds.
SMOKE_ENV = {"ALIGNSIM_WARM_PRESETS": ""}
BROWSER = os.environ.get("ALIGNSIM_SKIP_BROWSER") == "1"


def test_the_benchmarks_are_found():
    assert {"app_latency.py", "bench.py"} <= set(SCRIPTS)
    assert set(IN_PROCESS) <= set(SCRIPTS)
    for script, (module, name) in IN_PROCESS.items():  # the test that runs it in-process exists and uses --smoke's
        source = inspect.getsource(getattr(importlib.import_module(module), name))
        assert script.removesuffix(".py") in source and ("SMOKE" in source or '"--smoke"' in source), script


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_benchmark_accepts_smoke(script):
    source = (ROOT / "benchmarks" / script).read_text(encoding="utf-8")
    assert "--smoke" in source, f"benchmarks/{script} must accept --smoke (the contract in docs/PERFORMANCE.md)"


@pytest.mark.parametrize("script", [s for s in SCRIPTS if s not in IN_PROCESS])
def test_every_benchmark_has_a_smoke_run(script):
    source = (ROOT / "benchmarks" / script).read_text(encoding="utf-8")
    if BROWSER and ("playwright" in source or "chromium" in source):
        pytest.skip("ALIGNSIM_SKIP_BROWSER=1 and this benchmark drives a browser")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--smoke"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **SMOKE_ENV},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, f"benchmarks/{script} --smoke exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    assert proc.stdout.strip(), f"benchmarks/{script} --smoke printed no figures"
