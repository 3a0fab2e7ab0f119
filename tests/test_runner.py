"""Running ensembles: seeds on a shared process pool give exactly the serial results, and the first seeds can
be shown before the rest arrive."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import load_scenario, run_many
from sim.runner import process_pool, run_progressively


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("b2b_activation", {"weeks": 16, "customers.population": 800})


@pytest.fixture(scope="module")
def pool():
    with process_pool(2, shared=True) as executor:
        yield executor


def test_a_pool_gives_the_serial_results_exactly(scenario, pool):
    serial, parallel = run_many(scenario, 6), run_many(scenario, 6, executor=pool)
    pd.testing.assert_frame_equal(serial.summary, parallel.summary, check_exact=True)
    pd.testing.assert_frame_equal(serial.weekly, parallel.weekly, check_exact=True)
    pd.testing.assert_frame_equal(serial.extra["capacity"], parallel.extra["capacity"], check_exact=True)


def test_progressive_results_start_with_the_first_seeds_and_end_with_all(scenario, pool):
    steps = list(run_progressively(scenario, 6, pool, first=2))
    assert [s.seeds for s in steps] == [[0, 1], list(range(6))]
    pd.testing.assert_frame_equal(steps[-1].summary, run_many(scenario, 6).summary, check_exact=True)


def test_the_first_seeds_of_an_ensemble_pair_with_a_partial_one(scenario, pool):
    full = run_many(scenario, 6)
    head = full.head(2)
    partial = next(run_progressively(scenario, 6, pool, first=2))
    assert head.seeds == partial.seeds == [0, 1]
    pd.testing.assert_frame_equal(head.summary, partial.summary, check_exact=True)
    pd.testing.assert_frame_equal(head.extra["capacity"], partial.extra["capacity"], check_exact=True)
    assert full.head(10) is full


def test_closing_a_progressive_run_early_leaves_the_pool_usable(scenario, pool):
    steps = run_progressively(scenario, 40, pool, first=2)
    next(steps)
    steps.close()
    assert run_many(scenario, 2, executor=pool).seeds == [0, 1]  # the pool is free and still works


def test_compare_means_are_over_the_pairs_where_both_runs_have_data():
    from sim.runner import EnsembleResult, compare

    def result(values):
        return EnsembleResult(
            scenario=None,
            seeds=[0, 1, 2],
            summary=pd.DataFrame({"seed": [0, 1, 2], "m": values}),
            weekly=pd.DataFrame(),
        )

    table = compare(result([1.0, 2.0, float("nan")]), result([2.0, 4.0, 100.0]))
    row = table.loc["m"]
    assert row["pairs"] == 2
    assert (row["mean_a"], row["mean_b"]) == (1.5, 3.0)  # seed 2 (no data in A) is left out of both means
    assert row["difference"] == pytest.approx(row["mean_b"] - row["mean_a"])


# ---------------------------------------------------------------- memory over many runs, and recycled workers

#: Bounds written before they were measured: growth of the resident memory of a process over hundreds of runs
#: (after a warm-up), and the models left alive. Mesa 3.3 alone keeps every model: about 45 MiB and 400 models here.
MAX_GROWTH_MIB = 10.0
CHEAP = {
    "b2b_activation": {"weeks": 4, "customers.population": 100},
    "march1991": {},
    "nk_departments": {},
}


def _rss_mib() -> float:
    import gc

    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _live_models() -> int:
    import gc

    import mesa

    gc.collect()
    # type(), not isinstance(): a dead weak proxy among the objects raises ReferenceError when asked its class
    return sum(issubclass(type(o), mesa.Model) for o in gc.get_objects())


def _runs(name: str, seeds: range) -> None:
    from sim import run

    scenario = load_scenario(name, CHEAP[name])
    for seed in seeds:
        run(scenario, seed)


MANY_RUNS = """
import json, sys
sys.path.insert(0, ".")
from tests.test_runner import CHEAP, _live_models, _rss_mib, _runs
for name in CHEAP:
    _runs(name, range(10))
before = _rss_mib()
for name, n in zip(CHEAP, (200, 100, 100)):
    _runs(name, range(10, 10 + n))
print(json.dumps({"growth": _rss_mib() - before, "models": _live_models()}))
"""


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="resident memory read from /proc")
def test_hundreds_of_runs_in_one_process_keep_memory_flat():
    """Every model (alignment and the classics) is freed when its run ends, and the process does not grow."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", MANY_RUNS], cwd=root, capture_output=True, text=True, check=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["models"] == 0
    assert figures["growth"] < MAX_GROWTH_MIB, figures


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="resident memory read from /proc")
def test_hundreds_of_runs_in_one_pool_worker_keep_memory_flat():
    with process_pool(1, tasks_per_worker=None) as pool:
        for name in CHEAP:
            pool.submit(_runs, name, range(10)).result()
        before = pool.submit(_rss_mib).result()
        futures = [
            pool.submit(_runs, name, range(s, s + 10))
            for name, n in zip(CHEAP, (200, 100, 100))
            for s in range(10, 10 + n, 10)
        ]
        for f in futures:
            f.result()
        growth, models = pool.submit(_rss_mib).result() - before, pool.submit(_live_models).result()
    assert models == 0
    assert growth < MAX_GROWTH_MIB, growth


def test_agents_are_numbered_per_model_as_before():
    from sim.model import AlignmentModel

    scenario = load_scenario("b2b_activation", CHEAP["b2b_activation"])
    first, second = AlignmentModel(scenario, seed=1), AlignmentModel(scenario, seed=1)
    ids = sorted(a.unique_id for a in first.agents)
    assert ids == list(range(1, len(ids) + 1)) == sorted(a.unique_id for a in second.agents)


def test_freeing_models_is_a_no_op_on_a_mesa_without_the_table(monkeypatch):
    import mesa

    from sim.runner import free_models_after_their_runs

    table = mesa.Agent._ids
    free_models_after_their_runs()  # done already: nothing changes
    assert mesa.Agent._ids is table
    monkeypatch.delattr(mesa.Agent, "_ids")  # Mesa >= 3.4 numbers agents in the model
    free_models_after_their_runs()
    assert not hasattr(mesa.Agent, "_ids")


def test_recycled_workers_give_the_serial_results(scenario):
    with process_pool(2, tasks_per_worker=1) as pool:
        parallel = run_many(scenario, 6, executor=pool)
        pids = {pool.submit(os.getpid).result() for _ in range(6)}
        assert pool.replaced >= 5
    serial = run_many(scenario, 6)
    pd.testing.assert_frame_equal(serial.summary, parallel.summary, check_exact=True)
    pd.testing.assert_frame_equal(serial.weekly, parallel.weekly, check_exact=True)
    assert len(pids) >= 3  # fresh processes, not the same two


def test_a_pool_needs_at_least_one_task_per_worker():
    with pytest.raises(ValueError, match="tasks_per_worker"):
        process_pool(1, tasks_per_worker=0)
