"""The vectorised customer population."""

import numpy as np
import pytest

from sim import Scenario
from sim.agents.customers import (
    CHAIN_ACTIVATED,
    CHAIN_CHURNED,
    CHAIN_LEAD,
    CHAIN_ONBOARDING,
    CHAIN_STALLED,
    ONBOARDING,
    STATES,
    CustomerPopulation,
    steady_state,
)
from sim.metrics import Records


def _population(seed=0, drivers=(0.3, 0.55, 0.6, 0.3), **params):
    p = Scenario().customers.model_copy(update=params)
    return CustomerPopulation(p, np.random.default_rng(seed), np.asarray(drivers, dtype=float))


def _simulate(pop, weeks, drivers, campaign=0.0, calls=0.0):
    rec = Records(weeks)
    for t in range(weeks):
        pop.step(t, np.asarray(drivers, dtype=float), campaign, calls, 0, rec)
    return rec


def test_population_is_numpy_backed_and_starts_in_the_steady_state():
    drivers = np.array([0.3, 0.55, 0.6, 0.3])
    pop = _population(population=200_000, drivers=drivers)
    assert isinstance(pop.state, np.ndarray) and pop.state.size == 200_000
    pi = steady_state(Scenario().customers, drivers)
    shares = pop.counts() / pop.state.size
    expected = [
        pi[0],
        pi[CHAIN_LEAD],
        pi[CHAIN_ONBOARDING:CHAIN_ACTIVATED].sum(),
        pi[CHAIN_ACTIVATED],
        pi[CHAIN_STALLED:CHAIN_CHURNED].sum(),
        pi[CHAIN_CHURNED],
    ]
    assert shares == pytest.approx(expected, abs=0.005)


def test_the_steady_state_stays_steady_when_nothing_changes():
    drivers = [0.3, 0.55, 0.6, 0.3]
    pop = _population(3, population=50_000, drivers=drivers)
    start = pop.counts() / 50_000
    _simulate(pop, 52, drivers)
    assert pop.counts() / 50_000 == pytest.approx(start, abs=0.01)


def test_steady_state_is_a_distribution_that_improves_with_the_product():
    worse = steady_state(Scenario().customers, np.array([0.2, 0.5, 0.5, 0.2]))
    better = steady_state(Scenario().customers, np.array([0.7, 0.5, 0.5, 0.7]))
    for pi in (worse, better):
        assert pi.sum() == pytest.approx(1.0) and (pi >= 0).all()

    def active_share(pi):
        return pi[CHAIN_ACTIVATED] / pi[CHAIN_ONBOARDING:CHAIN_CHURNED].sum()

    assert active_share(better) > active_share(worse)


def test_customers_are_conserved_every_week():
    pop = _population(population=2000)
    rec = Records(60)
    rng = np.random.default_rng(1)
    for t in range(60):
        pop.step(t, rng.random(4), float(rng.random() < 0.3) * 2, 10.0, int(rng.integers(3)), rec)
        assert pop.counts().sum() == 2000
        assert len(pop.counts()) == len(STATES)


def test_easier_onboarding_activates_more_customers_over_seeds():
    hard, easy = [], []
    for seed in range(20):
        for drivers, out in (([0.2, 0.5, 0.6, 0.3], hard), ([0.7, 0.5, 0.6, 0.3], easy)):
            rec = _simulate(_population(seed, population=3000), 40, drivers)
            out.append(rec.c["activated30"].sum() / rec.c["cohort_closed"].sum())
    diff = np.array(easy) - np.array(hard)
    assert diff.mean() > 0.1 and (diff > 0).all()


def test_campaign_brings_leads_that_activate_less():
    base = _simulate(_population(3, population=5000), 30, [0.3, 0.5, 0.6, 0.3])
    camp = _simulate(_population(3, population=5000), 30, [0.3, 0.5, 0.6, 0.3], campaign=3.0)
    assert camp.c["leads"].sum() > 2 * base.c["leads"].sum()

    def rate(r):
        return r.c["activated30"].sum() / r.c["cohort_closed"].sum()

    assert rate(camp) < rate(base)


def test_calls_are_capped_by_customers_in_onboarding():
    pop = _population(population=500)
    rec = Records(10)
    for t in range(10):
        onboarding = (pop.state == ONBOARDING).sum()
        pop.step(t, np.full(4, 0.5), 0.0, 1000.0, 0, rec)
        assert rec.c["calls"][t] == onboarding


def test_time_to_first_success_counts_only_customers_in_onboarding_or_bought_during_the_run():
    pop = _population(population=20_000)
    pop.p = pop.p.model_copy(update={"lead_rate": 0.0, "close_rate": 0.0})  # from now on nobody new buys
    in_onboarding = int((pop.state == ONBOARDING).sum())
    assert in_onboarding > 0
    rec = _simulate(pop, 20, [1.0, 1.0, 1.0, 1.0])
    assert 0 < rec.success_days.sum() <= in_onboarding


@pytest.mark.parametrize("seed", [0, 1])
def test_same_seed_same_funnel(seed):
    a = _simulate(_population(seed, population=800), 15, [0.4, 0.5, 0.6, 0.3])
    b = _simulate(_population(seed, population=800), 15, [0.4, 0.5, 0.6, 0.3])
    for name in a.c:
        assert np.array_equal(a.c[name], b.c[name])
