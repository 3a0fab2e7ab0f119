"""March (1991): the mechanics, the equilibrium, and the paper's findings over ensembles of paired seeds."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import load_scenario, run, run_many
from sim.classics.march1991.model import MarchModel, MarchScenario

#: Equilibrium knowledge at (p1, p2) from an independent recreation of March's original program with 10,000
#: replications (Workiewicz 2019, following Rodan 2005 and Christensen 2015); the paper itself used 80.
RECREATION = {(0.1, 0.9): 0.972, (0.9, 0.9): 0.728, (0.5, 0.5): 0.811, (0.1, 0.1): 0.863, (0.9, 0.1): 0.813}


def _knowledge(p1, p2, seeds=80, **more):
    ens = run_many(load_scenario("march1991", {"p1": p1, "p2": p2, **more}), seeds)
    return ens.summary["equilibrium_knowledge"].to_numpy()


@pytest.mark.parametrize("p1,p2", sorted(RECREATION))
def test_equilibrium_knowledge_matches_the_recreated_figure_1(p1, p2):
    k = _knowledge(p1, p2)
    standard_error = k.std(ddof=1) / np.sqrt(len(k))
    assert abs(k.mean() - RECREATION[p1, p2]) < max(0.025, 3 * standard_error), k.mean()


def test_slow_socialisation_gives_more_knowledge_when_the_code_learns_fast():
    slow, fast = _knowledge(0.1, 0.9), _knowledge(0.9, 0.9)  # paired: same seeds, same realities
    diff = slow - fast
    assert diff.mean() > 0.15 and diff.mean() / diff.std(ddof=1) > 1.0


def test_a_closed_run_ends_at_a_true_equilibrium_where_nothing_can_change_any_more():
    for seed in range(15):
        model = MarchModel(MarchScenario(p1=0.3, p2=0.6, m=12, n=15), seed=seed).run()
        assert model.at_equilibrium and model.period < model.limit
        nonzero = model.code != 0
        assert (model.beliefs[:, nonzero] == model.code[nonzero]).all()
        code, beliefs = model.code.copy(), model.beliefs.copy()
        for _ in range(60):  # keep stepping past the end: no coin flip may move anything
            model.step()
        assert (model.code == code).all() and (model.beliefs == beliefs).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    m=st.integers(1, 8), n=st.integers(1, 8), p1=st.floats(0.05, 1), p2=st.floats(0.05, 1), seed=st.integers(0, 2**31)
)
def test_equilibrium_is_exact_for_any_small_organisation(m, n, p1, p2, seed):
    model = MarchModel(MarchScenario(m=m, n=n, p1=p1, p2=p2, equilibrium_limit=5000), seed=seed).run()
    assert model.at_equilibrium
    code, beliefs = model.code.copy(), model.beliefs.copy()
    for _ in range(40):
        model.step()
    assert (model.code == code).all() and (model.beliefs == beliefs).all()


def test_without_code_learning_nothing_is_learned_and_without_socialisation_beliefs_stay():
    frozen = MarchModel(MarchScenario(p2=0.0), seed=3).run()
    assert frozen.period == 1 and frozen.at_equilibrium and (frozen.code == 0).all()
    model = MarchModel(MarchScenario(p1=0.0, p2=0.9, p3=0.0, p4=0.0, equilibrium_limit=200), seed=3)
    start = model.beliefs.copy()
    model.run()
    assert (model.beliefs == start).all() and (model.code != 0).any()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    m=st.integers(1, 12),
    n=st.integers(1, 12),
    p1=st.floats(0, 1),
    p2=st.floats(0, 1),
    p3=st.floats(0, 1),
    p4=st.floats(0, 1),
    seed=st.integers(0, 2**31),
)
def test_beliefs_stay_in_minus_one_zero_one_and_scores_in_range(m, n, p1, p2, p3, p4, seed):
    model = MarchModel(
        MarchScenario(m=m, n=n, p1=p1, p2=p2, p3=p3, p4=p4, periods=30, equilibrium_limit=300), seed=seed
    ).run()
    assert set(np.unique(model.beliefs)) <= {-1, 0, 1} and set(np.unique(model.code)) <= {-1, 0, 1}
    assert set(np.unique(model.reality)) <= {-1, 1} and len(model.agents) == n
    frame = model.frame()
    assert frame[["code_knowledge", "individual_knowledge"]].abs().le(1).all().all()
    assert frame["divergence"].between(0, 1).all() and len(frame) == model.period <= 300


def test_same_seed_same_run_and_levers_do_not_reshuffle_reality():
    a, b = run(load_scenario("march1991"), seed=5), run(load_scenario("march1991"), seed=5)
    assert a.weekly.equals(b.weekly) and a.summary == b.summary
    slow = MarchModel(MarchScenario(p1=0.1), seed=5)
    fast = MarchModel(MarchScenario(p1=0.9, p3=0.2), seed=5)
    assert (slow.reality == fast.reality).all() and (slow.beliefs == fast.beliefs).all()


def test_turnover_replaces_individuals_with_newcomers():
    model = MarchModel(MarchScenario(p3=0.5, periods=10), seed=1)
    first = {a.unique_id for a in model.agents}
    model.run()
    assert len(model.agents) == 50 and len(first - {a.unique_id for a in model.agents}) > 40
    assert sorted(a.seat for a in model.agents) == list(range(50))


def test_moderate_turnover_raises_code_knowledge_when_socialisation_is_fast():
    base = load_scenario("march1991_turnover")  # p1 = 0.9, p3 = 0.1, 100 periods
    with_turnover = run_many(base, 60).summary["equilibrium_knowledge"].to_numpy()
    without = run_many(base.with_overrides({"p3": 0.0}), 60).summary["equilibrium_knowledge"].to_numpy()
    diff = with_turnover - without
    assert diff.mean() > 0.15 and diff.mean() / diff.std(ddof=1) > 1.0


def test_in_a_turbulent_world_knowledge_decays_without_turnover_and_holds_with_it():
    base = load_scenario("march1991_turbulence", {"periods": 300})  # p4 = 0.02, no turnover
    closed = run_many(base, 20).weekly.pivot(index="period", columns="seed", values="code_knowledge")
    open_ = run_many(base.with_overrides({"p3": 0.1}), 20).weekly.pivot(
        index="period", columns="seed", values="code_knowledge"
    )
    assert closed.loc[300].mean() < closed.loc[20].mean() - 0.3  # learned, then lost it
    assert (open_.loc[200:300].mean() - closed.loc[200:300].mean()).mean() > 0.3
