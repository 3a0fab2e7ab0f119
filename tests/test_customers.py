"""The vectorised customer population."""

import numpy as np
import pytest

from agents.customers import ACTIVATED, ONBOARDING, PROSPECT, STALLED, STATES, CustomerPopulation
from sim import Scenario
from sim.metrics import Records


def _population(seed=0, **params):
    p = Scenario().customers.model_copy(update=params)
    return CustomerPopulation(p, np.random.default_rng(seed))


def _simulate(pop, weeks, drivers, campaign=0.0, calls=0.0):
    rec = Records(weeks)
    for t in range(weeks):
        pop.step(t, np.asarray(drivers, dtype=float), campaign, calls, 0, rec)
    return rec


def test_population_is_numpy_backed_and_starts_with_the_installed_base():
    pop = _population(population=1000, installed_base=0.3, installed_active=0.5)
    assert isinstance(pop.state, np.ndarray) and pop.state.size == 1000
    counts = pop.counts()
    assert counts[ACTIVATED] == 150 and counts[STALLED] == 150 and counts[PROSPECT] == 700


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
    rate = lambda r: r.c["activated30"].sum() / r.c["cohort_closed"].sum()
    assert rate(camp) < rate(base)


def test_calls_are_capped_by_customers_in_onboarding():
    pop = _population(population=500)
    rec = Records(10)
    for t in range(10):
        onboarding = (pop.state == ONBOARDING).sum()
        pop.step(t, np.full(4, 0.5), 0.0, 1000.0, 0, rec)
        assert rec.c["calls"][t] == onboarding


def test_time_to_first_success_excludes_the_installed_base():
    pop = _population(population=400, installed_base=1.0, installed_active=0.0, lead_rate=0.0)
    rec = _simulate(pop, 20, [1.0, 1.0, 1.0, 1.0])
    assert rec.success_days.sum() == 0


@pytest.mark.parametrize("seed", [0, 1])
def test_same_seed_same_funnel(seed):
    a = _simulate(_population(seed, population=800), 15, [0.4, 0.5, 0.6, 0.3])
    b = _simulate(_population(seed, population=800), 15, [0.4, 0.5, 0.6, 0.3])
    for name in a.c:
        assert np.array_equal(a.c[name], b.c[name])
