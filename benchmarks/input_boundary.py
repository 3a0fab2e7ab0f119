"""What the input boundary costs, and how well the cost budget predicts a run. Prints two tables.

1. Hostile texts of at most 256 KiB (deep nesting, a dotted key of 120 000 parts, 10 000 tables, a long
   approval chain, ...): seconds until the boundary answers and the peak memory it allocated (tracemalloc).
2. The registry's estimated seconds of one seed against the measured seconds (wall and CPU: on a busy machine
   the wall time grows with the load), for a few scenarios of each model.

Run: `.venv/bin/python benchmarks/input_boundary.py` (docs/RELIABILITY.md records its last output).
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim import load_scenario, run  # noqa: E402
from sim.input import ScenarioError, scenario_from_toml  # noqa: E402
from sim.registry import cost  # noqa: E402

HOSTILE = {
    "1000 nested arrays": "v = " + "[" * 1000 + "]" * 1000,
    "a dotted key of 120 000 parts": "a" + ".a" * 120_000 + " = 1",
    "10 000 team tables": "".join(f"[teams.t{i}]\n" for i in range(10_000)),
    "5 000 teams (69 KB)": "".join(f"[teams.t{i}]\n" for i in range(5_000)),
    "approval chain of 25 000": "[teams.core]\napproval_chain = [" + '"legal",' * 25_000 + "]",
    "array of 120 000 numbers": "v = [" + "1," * 120_000 + "]",
    "120 000 escaped quotes": 'description = "' + '\\"' * 120_000 + '"',
}

COSTS = [
    ("b2b_activation", {}),
    ("b2b_activation", {"customers.population": 100_000, "weeks": 104}),
    ("march1991_turnover", {"n": 500, "m": 300, "periods": 200}),
    ("march1991", {}),
    ("march1991", {"p1": 0.001, "p2": 0.001}),  # issue 26's slow corner: 10,779 periods, once estimated at 0.04 s
    ("march1991", {"p1": 0.01, "p2": 0.01}),
    ("march1991", {"n": 200, "m": 200, "p1": 0.03, "p2": 0.01}),
    ("march1991", {"n": 10, "m": 300, "p1": 1.0, "p2": 0.01}),
    ("nk_departments", {"N": 16}),
    ("nk_departments", {"periods": 2000}),
]


def _answer(text: str) -> str:
    try:
        scenario_from_toml(text, "bench")
        return "accepted"
    except ScenarioError as exc:
        return str(exc)[:60]


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--smoke", action="store_true", help="two hostile texts and two scenarios (the test suite's run)"
    )
    args = parser.parse_args(argv)
    hostile = dict(list(HOSTILE.items())[:2]) if args.smoke else HOSTILE
    costs = COSTS[:1] + COSTS[-2:-1] if args.smoke else COSTS
    print(f"{'hostile text':32} {'bytes':>8} {'seconds':>8} {'peak MiB':>9}  answer")
    for label, text in hostile.items():
        start = time.perf_counter()
        answer = _answer(text)
        seconds = time.perf_counter() - start
        tracemalloc.start()  # a second pass for memory: tracing slows the first one down
        _answer(text)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"{label:32} {len(text.encode()):8,} {seconds:8.3f} {peak:9.1f}  {answer}")
    print()
    run(load_scenario("b2b_activation"), 0)  # warm up imports
    print(f"{'scenario':60} {'estimated s':>11} {'measured s':>10} {'CPU s':>7}")  # CPU: the load does not count
    for name, overrides in costs:
        s = load_scenario(name, overrides)
        start, cpu = time.perf_counter(), time.process_time()
        run(s, 0)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        label = name + (" " + " ".join(f"{k}={v}" for k, v in overrides.items()) if overrides else "")
        print(f"{label:60} {cost(s):11.3f} {wall:10.3f} {cpu:7.3f}")


if __name__ == "__main__":
    main()
