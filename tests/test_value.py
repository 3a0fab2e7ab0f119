"""The value yardstick is derived from the model's own customers, not set by hand.

The funnel's expected path (``sim.value``) is checked against the simulated population, and every driver weight the
model steers by is checked against finite differences on the *simulated* funnel over paired seeds: a weight that
disagrees with the customers beyond a stated tolerance fails, as the hand-set weights of earlier versions do.
"""

import numpy as np
import pytest

from sim import Scenario, load_scenario
from sim.agents.customers import CustomerPopulation
from sim.metrics import METRICS, Records, summarise
from sim.model import AlignmentModel
from sim.value import driver_weights, expected_records, normalised, yardstick

BASE = np.array([0.30, 0.55, 0.60, 0.30])  # the default week-0 product
PARAMS = Scenario().customers.model_copy(update={"population": 20_000})
#: Weeks of the simulated finite differences (the yardstick is derived over the same weeks).
WEEKS = 104
#: Driver step of the simulated differences (driver points): large enough to rise above the draws' noise.
STEP = 0.05
#: Paired seeds of the simulated differences (both sides of a difference run on the same seed).
SEEDS = (0, 1, 2, 3)
#: How far a weight the model uses may sit from the simulated funnel's, on the scale where the strongest driver is 1:
#: over four paired seeds of 20,000 accounts the simulated weights of the weaker drivers vary by about ±0.05 from
#: seed to seed, and the chain's expected path and the finite step add a few hundredths.
TOLERANCE = 0.15
#: Outcome metrics whose weights are checked (the median day is an integer: a small step rarely moves it).
CHECKED = [
    "activation_rate_30d",
    "onboarding_dropoff",
    "support_contacts_per_customer",
    "churn_rate",
    "revenue",
    "value",
    "outcome_index",
    "active_share",
]


def _simulate(drivers, seed: int) -> dict[str, float]:
    pop = CustomerPopulation(PARAMS, np.random.default_rng(seed), BASE, customer_value=1.0)  # same start every arm
    rec = Records(WEEKS)
    for t in range(WEEKS):
        pop.step(t, np.asarray(drivers, dtype=float), 0.0, 0.0, 0, rec)
    return summarise(rec)


@pytest.fixture(scope="module")
def simulated_weights() -> dict[str, np.ndarray]:
    """Each metric's driver weights measured on the simulated funnel: central differences, paired by seed."""
    slopes = {m: np.zeros(4) for m in CHECKED}
    for seed in SEEDS:
        for j in range(4):
            up, down = BASE.copy(), BASE.copy()
            up[j] += STEP
            down[j] -= STEP
            hi, lo = _simulate(up, seed), _simulate(down, seed)
            for m in CHECKED:
                slopes[m][j] += (hi[m] - lo[m]) / (2 * STEP) / len(SEEDS)
    return {m: normalised(s, METRICS[m].better) for m, s in slopes.items()}


def _disagreement(weights: np.ndarray, simulated: np.ndarray) -> float:
    return float(np.abs(np.asarray(weights) - simulated).max())


@pytest.mark.parametrize("metric", CHECKED)
def test_derived_weights_agree_with_the_simulated_funnel(metric, simulated_weights):
    derived = driver_weights(PARAMS, BASE, WEEKS, 1.0).weights[metric]
    sim = simulated_weights[metric]
    assert _disagreement(derived, sim) <= TOLERANCE, (metric, derived.round(3), sim.round(3))
    assert int(np.argmax(derived)) == int(np.argmax(sim)), metric  # the strongest driver is the same


def test_the_check_fails_for_the_hand_set_weights_of_earlier_versions(simulated_weights):
    """Onboarding 1.0, fit 0.5, reliability 0.4, self-service 0.5 was the customer outcome by hand: the customers
    disagree (fit, not onboarding, is worth most), and the check says so."""
    hand_set = np.array([1.0, 0.5, 0.4, 0.5])
    assert _disagreement(hand_set, simulated_weights["value"]) > TOLERANCE
    assert _disagreement(hand_set, simulated_weights["revenue"]) > TOLERANCE


def test_the_model_steers_by_the_derived_weights_only():
    """Every outcome criterion a unit can be asked to serve is valued with the funnel's weights for it, derived at the
    scenario's week-0 product; output criteria have none (they count kinds of work)."""
    for name, m in METRICS.items():
        s = Scenario().with_overrides({"leadership.shared_criterion": name, "customers.population": 100})
        model = AlignmentModel(s, seed=0)
        if m.kind == "outcome":
            np.testing.assert_array_equal(model.goal_drivers, yardstick(s).weights[name])
        else:
            assert model.goal_drivers is None


def test_value_metrics_share_one_yardstick():
    y = yardstick(Scenario())
    for m in ("outcome_index", "outcome_change"):
        np.testing.assert_array_equal(y.weights[m], y.value)
    assert y.horizon == Scenario().assumptions.value_horizon_weeks
    assert np.abs(y.value).max() == 1.0


def test_the_yardstick_follows_the_named_assumptions():
    """Value counted as revenue only (customer_value 0) weighs onboarding less than value that counts customers who
    use the product; a longer horizon gives slow drivers (churn: fit, reliability) more room."""
    money = yardstick(Scenario().with_overrides({"assumptions.customer_value": 0.0})).value
    both = yardstick(Scenario()).value
    assert money[0] < both[0]
    np.testing.assert_allclose(money, yardstick(Scenario()).weights["revenue"], atol=1e-9)


@pytest.mark.parametrize("weeks", [52, 260])
def test_the_expected_funnel_is_the_mean_of_the_simulated_one(weeks):
    """Revenue, value and paying customers over 1 and 5 years: the chain's expectation and the mean of simulated
    populations (20,000 accounts, 4 seeds) agree within half a percent; the money metrics stay right at long
    horizons."""
    expected = summarise(expected_records(PARAMS, BASE, weeks, 1.0))
    runs = []
    for seed in range(4):
        pop = CustomerPopulation(PARAMS, np.random.default_rng(seed), BASE, customer_value=1.0)
        rec = Records(weeks)
        for t in range(weeks):
            pop.step(t, BASE, 0.0, 0.0, 0, rec)
        runs.append(summarise(rec))
    for m in ("revenue", "value", "outcome_index", "active_share"):
        simulated = np.mean([r[m] for r in runs])
        assert simulated == pytest.approx(expected[m], rel=0.005), m
    assert expected["revenue"] == pytest.approx(
        weeks * PARAMS.acv / 52 * PARAMS.population * expected["outcome_index"] / 100, rel=0.2
    )


def test_a_product_that_never_changes_keeps_its_value_flat_for_five_years():
    """No team work that moves drivers and no decay: the population starts in its steady state and stays there, so
    the outcome index does not drift over 260 weeks (what moves it in a run is what happens in it)."""
    s = load_scenario(
        "b2b_activation",
        {
            "weeks": 260,
            "product.decay": 0.0,
            "teams.core.capacity": 0.01,
            "departments.marketing.campaign_start_week": None,
            "departments.sales.max_open_promises": 0,
            "departments.customer_success.call_capacity": 0.0,
            "customers.population": 20_000,
        },
    )
    model = AlignmentModel(s, seed=0).run()
    c = model.records.c
    index = 100 * c["value_accounts"] / c["value_potential"]
    assert abs(index[-13:].mean() - index[:4].mean()) < 0.5
