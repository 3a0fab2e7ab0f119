"""Running ensembles: seeds on a shared process pool give exactly the serial results, and the first seeds can
be shown before the rest arrive."""

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
