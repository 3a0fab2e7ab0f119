"""The NK firm with departmental incentives: invariants, and Rivkin & Siggelkow's logic over paired seeds."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import load_scenario, run, run_many
from sim.classics.nk_departments.model import NKFirmModel, NKScenario


def _paired(metric="performance", seeds=200, **settings_):
    departmental = run_many(load_scenario("nk_departments", {**settings_, "incentive": "departmental"}), seeds)
    firm = run_many(load_scenario("nk_departments", {**settings_, "incentive": "firm"}), seeds)
    return firm.summary[metric].to_numpy() - departmental.summary[metric].to_numpy()


@pytest.mark.parametrize("ceo", ["screen", "rubber_stamp"])
@pytest.mark.parametrize("k", [0, 2, 4])
def test_with_block_interaction_both_incentives_give_identical_trajectories(ceo, k):
    for seed in range(10):
        runs = [
            run(
                load_scenario("nk_departments", {"interaction": "block", "K": k, "ceo": ceo, "incentive": incentive}),
                seed,
            )
            for incentive in ("departmental", "firm")
        ]
        assert runs[0].weekly.equals(runs[1].weekly)


def test_firm_wide_incentives_are_worth_nothing_without_cross_department_interaction_and_more_with_it():
    for ceo in ("screen", "rubber_stamp"):
        assert (_paired(seeds=30, interaction="block", K=3, ceo=ceo) == 0).all()
        diff = _paired(interaction="random", K=3, ceo=ceo)  # about half the interactions cross departments
        low = diff.mean() - 1.96 * diff.std(ddof=1) / np.sqrt(len(diff))
        assert low > 0, (ceo, diff.mean())


def test_departmental_incentives_without_a_screening_ceo_keep_the_firm_in_flux():
    flux = _paired("changes", seeds=100, interaction="random", K=3, ceo="rubber_stamp")
    assert flux.mean() < -3  # firm-wide incentives: several fewer decision changes per run


def test_a_screening_ceo_never_lets_firm_performance_fall():
    for seed in range(20):
        for incentive in ("departmental", "firm"):
            perf = run(load_scenario("nk_departments", {"incentive": incentive, "ceo": "screen"}), seed).weekly
            assert (np.diff(perf["performance"]) >= 0).all()


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 10),
    k=st.integers(0, 9),
    interaction=st.sampled_from(["block", "random", "full"]),
    incentive=st.sampled_from(["departmental", "firm"]),
    ceo=st.sampled_from(["screen", "rubber_stamp"]),
    alternatives=st.integers(1, 4),
    proposals=st.integers(1, 4),
    seed=st.integers(0, 2**31),
)
def test_performance_is_a_share_of_the_maximum_and_changes_stay_inside_departments(
    n, k, interaction, incentive, ceo, alternatives, proposals, seed
):
    k = min(k, n // 2 - 1 if interaction == "block" else n - 1)
    model = NKFirmModel(
        NKScenario(
            N=n,
            K=max(k, 0),
            interaction=interaction,
            incentive=incentive,
            ceo=ceo,
            alternatives=alternatives,
            proposals=proposals,
            periods=15,
        ),
        seed=seed,
    )
    for _ in range(15):
        before = model.config
        model.step()
        assert bin(before ^ model.config).count("1") <= 2  # at most one decision per department
        for manager in model.managers:
            assert len(manager.proposals) <= proposals
            assert all(mask & ~sum(1 << int(d) for d in manager.decisions) == 0 for mask in manager.proposals)
    frame = model.frame()
    assert frame["performance"].between(0, 1).all() and len(frame) == 15
    summary = model.summary()
    assert summary["at_optimum"] == float(summary["performance"] == 1.0)


def test_same_seed_same_run_and_the_landscape_does_not_depend_on_the_organisation():
    a, b = run(load_scenario("nk_departments"), 7), run(load_scenario("nk_departments"), 7)
    assert a.weekly.equals(b.weekly)
    screen = NKFirmModel(NKScenario(ceo="screen", incentive="firm"), seed=7)
    stamp = NKFirmModel(NKScenario(ceo="rubber_stamp", alternatives=5), seed=7)
    assert np.array_equal(screen.landscape.firm, stamp.landscape.firm) and screen.config == stamp.config
