"""Sweeps at scale: the driver's memory over 10,000 and 100,000 runs, planning a 1,000,000-point design, and the
cost of Mesa's datacollector. Prints the figures of docs/PERFORMANCE.md ("Sweeps at scale").

- runs: a sweep of the cheapest model run there is (an NK firm, N = 4, one period) on 2 local workers into a folder;
  the driver's resident memory is sampled every 0.1 s (its peak, and its peak over its level once planning is done),
  with the wall time, the throughput, the time to the first finished part and runs.parquet's size;
- planning: a 1000 x 1000 grid of the alignment model (1,000,000 points, each its own run): the plan's time and the
  time until the first part is written, in a fresh process (``alignsim sweep --yes``), which is then stopped;
- resume: continuing a finished sweep folder of many small parts (plan, the scan of every part, the merge into
  runs.parquet), with the ledger of parts already checked against the plan (``parts/.verified``) and without it
  (every part parsed and compared with the plan, as before the ledger; an older folder's case);
- datacollector: one 52-week b2b_activation run, and building its DataCollector from the records.

``--smoke`` runs each case once, tiny (seconds; figures not meaningful).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from sim.research.sweep import make_plan, spec_from_dict, sweep  # noqa: E402
from sim.runner import process_pool  # noqa: E402


class Sampler:
    """The resident memory of this process, sampled in a thread."""

    def __init__(self, period: float = 0.1):
        self.period, self.peak, self.samples = period, 0, 0
        self.process = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            self.samples += 1
            time.sleep(self.period)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def nk_spec(runs: int) -> dict:
    """An NK sweep of about ``runs`` runs: 80 points (K x proposals x incentive x interaction x alternatives) x
    runs / 80 seeds (one point below 80 runs)."""
    full = runs >= 80
    return {
        "scenario": "nk_departments",
        "periods": 1,
        "seeds": runs // 80 if full else runs,
        "metrics": ["performance"],
        "parameters": {
            "N": [4],
            "K": [0, 1] if full else [1],
            "proposals": [1, 2] if full else [2],
            "incentive": ["departmental", "firm"] if full else ["firm"],
            "interaction": ["block", "random"] if full else ["random"],
            "alternatives": [1, 2, 3, 4, 5] if full else [2],
        },
    }


def run_case(runs: int, workers: int, folder: Path) -> dict:
    spec = spec_from_dict(nk_spec(runs))
    out = folder / f"sweep-{runs}"
    shutil.rmtree(out, ignore_errors=True)
    first: list[float] = []

    def watch() -> None:
        while not first:
            if (out / "parts").is_dir() and any((out / "parts").glob("runs-*.parquet")):
                first.append(time.perf_counter())
            time.sleep(0.05)

    planned = make_plan(spec, None)
    with Sampler() as mem:
        level = psutil.Process().memory_info().rss
        start = time.perf_counter()
        threading.Thread(target=watch, daemon=True).start()
        with process_pool(workers) as pool:
            sweep(spec, out=out, executor=pool, workers=workers, budget=None, table=False)
        seconds = time.perf_counter() - start
        if not first:
            first.append(time.perf_counter())
    return {
        "runs": planned.n_runs,
        "seconds": seconds,
        "per_second": planned.n_runs / seconds,
        "first_part_s": first[0] - start,
        "planning_s": planned.planning_seconds,
        "driver_level": level,
        "driver_peak": mem.peak,
        "runs_parquet": (out / "runs.parquet").stat().st_size,
    }


def planning_case(points_per_axis: int, folder: Path) -> dict:
    """Plan a points_per_axis^2 grid in-process, then time a fresh `alignsim sweep` to its first part."""
    values = [round(i / (points_per_axis - 1), 6) for i in range(points_per_axis)]
    data = {
        "scenario": "b2b_activation",
        "weeks": 1,
        "metrics": ["leads"],
        "parameters": {"leadership.trump": values, "assumptions.folk_wisdom": values},
    }
    start = time.perf_counter()
    p = make_plan(spec_from_dict(data), None)
    plan_s = time.perf_counter() - start
    spec = folder / "big.toml"
    spec.write_text(
        'scenario = "b2b_activation"\nweeks = 1\nmetrics = ["leads"]\n[parameters]\n'
        f'"leadership.trump" = {values}\n"assumptions.folk_wisdom" = {values}\n'
    )
    out = folder / "big"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out", str(out), "--yes", "--workers", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    first = None
    try:
        while time.perf_counter() - start < 600 and proc.poll() is None:
            if (out / "parts").is_dir() and any((out / "parts").glob("runs-*.parquet")):
                first = time.perf_counter() - start
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return {"points": len(p.points), "plan_s": plan_s, "first_part_s": first}


def resume_case(parts: int, workers: int, folder: Path) -> dict:
    """A finished NK sweep of ``parts`` parts (2 runs each), continued twice: with its ledger, then without."""
    out = folder / f"resume-{parts}"
    shutil.rmtree(out, ignore_errors=True)
    spec = spec_from_dict(nk_spec(2 * parts))
    with process_pool(workers) as pool:
        sweep(spec, out=out, executor=pool, workers=workers, chunk_size=2, budget=None, table=False)
    n = len(list((out / "parts").glob("runs-*.parquet")))
    start = time.perf_counter()
    sweep(out, workers=1, budget=None, table=False)
    trusted = time.perf_counter() - start
    (out / "parts" / ".verified").unlink()
    start = time.perf_counter()
    sweep(out, workers=1, budget=None, table=False)
    full = time.perf_counter() - start
    return {"parts": n, "trusted_s": trusted, "full_s": full}


def datacollector_case() -> dict:
    from sim import load_scenario
    from sim.model import AlignmentModel

    scenario = load_scenario("b2b_activation")
    start = time.perf_counter()
    model = AlignmentModel(scenario, seed=0).run()
    run_s = time.perf_counter() - start
    start = time.perf_counter()
    model.datacollector.get_agent_vars_dataframe()
    return {"run_s": run_s, "collector_s": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one tiny repetition of each case (seconds)")
    parser.add_argument("--runs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--parts", type=int, default=2_000, help="parts of the resume case (2 runs each)")
    args = parser.parse_args()
    sizes = [20, 200] if args.smoke else args.runs
    axis = 20 if args.smoke else 1000
    parts = 20 if args.smoke else args.parts
    with tempfile.TemporaryDirectory(prefix="alignsim-sweep-scale-") as tmp:
        folder = Path(tmp)
        print(f"sweeps of NK runs (N=4, one period) on {args.workers} local workers, into a folder")
        print(
            f"{'runs':>9} {'wall':>8} {'runs/s':>8} {'1st part':>9} {'planning':>9} {'driver':>9} {'peak':>9}"
            f" {'over':>8} {'runs.parquet':>13}"
        )
        for n in sizes:
            r = run_case(n, args.workers, folder)
            print(
                f"{r['runs']:>9,} {r['seconds']:>7.1f}s {r['per_second']:>8.0f} {r['first_part_s']:>8.2f}s "
                f"{r['planning_s']:>8.3f}s {mib(r['driver_level']):>9} {mib(r['driver_peak']):>9} "
                f"{mib(r['driver_peak'] - r['driver_level']):>8} {mib(r['runs_parquet']):>13}"
            )
        pc = planning_case(axis, folder)
        first = f"{pc['first_part_s']:.1f} s" if pc["first_part_s"] is not None else "none within 600 s"
        print(
            f"\nplanning a {pc['points']:,}-point grid of the alignment model: {pc['plan_s']:.1f} s in-process; "
            f"`alignsim sweep` to its first finished part (startup and imports included): {first}"
        )
        rc = resume_case(parts, args.workers, folder)
        per = {k: rc[k] / rc["parts"] * 1000 for k in ("trusted_s", "full_s")}
        print(
            f"\ncontinuing a finished sweep of {rc['parts']:,} parts (plan, scan, merge into runs.parquet): "
            f"{rc['trusted_s']:.1f} s with its ledger ({per['trusted_s']:.2f} ms a part), {rc['full_s']:.1f} s "
            f"checking every part against the plan ({per['full_s']:.2f} ms a part)"
        )
        dc = datacollector_case()
        print(
            f"\nb2b_activation, 52 weeks: run {dc['run_s']:.3f} s; its Mesa DataCollector built from the records "
            f"{dc['collector_s']:.3f} s (only when asked for)"
        )


if __name__ == "__main__":
    main()
