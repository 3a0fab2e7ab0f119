"""Speed and memory of alignsim runs. Prints a table; run with `make bench`.

Figures: one default b2b_activation run (52 weeks), a 20-seed ensemble, and a large run
(100 000 customers, 260 weeks), each with wall time and the process's peak memory.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim import load_scenario, run, run_many  # noqa: E402


def _timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7, help="repetitions of the small runs (median reported)")
    parser.add_argument("--quick", action="store_true", help="skip the large run")
    args = parser.parse_args()

    b2b = load_scenario("b2b_activation")
    run(b2b, seed=0)  # warm-up: imports and caches
    rows = []
    t = _timed(lambda: run(b2b, seed=1), args.repeat)
    rows.append(("b2b_activation, 1 run, 52 weeks", statistics.median(t), min(t), _peak_mib()))
    t = _timed(lambda: run_many(b2b, 20), max(1, args.repeat // 3))
    rows.append(("b2b_activation, 20 seeds, 52 weeks", statistics.median(t), min(t), _peak_mib()))
    if not args.quick:
        big = b2b.with_overrides({"customers.population": 100_000, "weeks": 260})
        t = _timed(lambda: run(big, seed=0), 1)
        rows.append(("100 000 customers, 260 weeks", t[0], t[0], _peak_mib()))

    print(f"{'case':<38} {'median s':>9} {'min s':>8} {'peak MiB':>9}")
    for name, med, low, peak in rows:
        print(f"{name:<38} {med:9.3f} {low:8.3f} {peak:9.0f}")
    print("(peak MiB is the process's peak resident memory so far, cumulative down the table)")


if __name__ == "__main__":
    main()
