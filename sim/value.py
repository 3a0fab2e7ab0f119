"""The yardstick: value for customers and for the business, derived from the model's own customer funnel.

Value over a horizon of H weeks (``assumptions.value_horizon_weeks``) is what the paying accounts pay plus what the
accounts that actively use the product get from it, valued at ``assumptions.customer_value`` times what they pay:

    value = Σ_t (paying_t + λ · active_t) · acv / 52

How much each product driver is worth is not set by hand: it is the sensitivity of this value to the driver in the
funnel itself. The funnel is a Markov chain (``sim.agents.customers.transition_matrix``) whose expected path from
the week-0 steady state can be computed exactly; every outcome metric is read from the expected weekly counters of
that path (the same definitions as a run's summary, ``sim.metrics.summarise``), and its driver weights are central
finite differences of it, signed so that a positive weight means the driver makes the metric better, and scaled so
that the strongest driver has weight 1 (:func:`driver_weights`).

One yardstick serves every use: the proxy quality of each KPI (``sim.work.derive_catalogue``), every unit's goal fit
and value for an outcome criterion (``sim.model.AlignmentModel``), and the outcome index (value realised per account
in the market, a weekly reading of the same quantity). docs/MODEL.md §3 gives the equations.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from sim.agents.customers import (
    ACTIVATION_DAYS,
    CHAIN_ACTIVATED,
    CHAIN_CHURNED,
    CHAIN_LEAD,
    CHAIN_ONBOARDING,
    CHAIN_STALLED,
    ONBOARDING_WEEKS,
    STALLED_AGES,
    abandon_chance,
    activation_hazard,
    active_churn,
    contact_factor,
    late_activation,
    steady_state,
    transition_matrix,
)
from sim.metrics import MAX_DAYS, METRICS, Records, summarise
from sim.work import DRIVERS

if TYPE_CHECKING:
    from sim.scenario import Customers, Scenario

#: Driver step of the central finite differences (driver points); small against every driver's range.
STEP = 0.01
#: Values of kinds of work closer than this (relative to the best) are equal: goal fits of 1 and ties are decided by
#: a named rule, never by rounding (a department asks for its own kind on a tie).
TOLERANCE = 1e-9
#: Metrics that read value itself (their driver weights are the yardstick's).
VALUE_METRICS = ("value", "outcome_index", "outcome_change")


def expected_records(customers: Customers, drivers: np.ndarray, weeks: int, customer_value: float) -> Records:
    """The expected weekly counters of the funnel over ``weeks`` weeks, starting in the steady state of the default
    product ``customers`` were drawn for and with the product held at ``drivers`` (no campaigns, calls or promises).

    Exact for every counter a summary's outcome metrics read, except the day of a late first success, which the
    chain does not remember (taken as the middle of the week ``ONBOARDING_WEEKS`` plus the weeks stalled after
    purchase)."""
    d = np.asarray(drivers, dtype=float)
    return _expected(customers, d, d, weeks, customer_value)


def _expected(customers: Customers, start: np.ndarray, drivers: np.ndarray, weeks: int, lam: float) -> Records:
    p, n = customers, float(customers.population)
    P = transition_matrix(p, drivers)
    x = np.empty((weeks + 1, P.shape[0]))
    x[0] = steady_state(p, start)
    for t in range(weeks):
        x[t + 1] = x[t] @ P
    now, after = x[:-1] * n, x[1:] * n
    onb = slice(CHAIN_ONBOARDING, CHAIN_ACTIVATED)
    stalled = slice(CHAIN_STALLED, CHAIN_CHURNED)
    h, ab = min(activation_hazard(p, drivers), 1.0), abandon_chance(p, drivers)
    drop = min(ab, 1.0 - h)
    ages = np.arange(STALLED_AGES)
    late = np.minimum(np.asarray(late_activation(p, h, ages), dtype=float), 1.0)
    leave = np.minimum(p.churn_stalled, 1.0 - late)
    onboarding = now[:, onb]
    success = onboarding * h  # by week of onboarding (age 0..4)
    window_over = onboarding[:, -1] * (1.0 - h - drop)
    # a first success in onboarding week a falls on day 7a + U, U uniform on 0..6: within 30 days for a <= 3, and
    # for a = 4 on days 28, 29, 30 (3 of 7)
    in_time = np.array([min(7, max(0, ACTIVATION_DAYS - 7 * a + 1)) / 7 for a in range(ONBOARDING_WEEKS)])
    rec = Records(weeks)
    c = rec.c
    c["leads"][:] = now[:, 0] * p.lead_rate
    c["deals"][:] = now[:, CHAIN_LEAD] * p.close_rate * drivers[1]
    c["onboarding_started"][:] = c["deals"]
    c["abandoned"][:] = onboarding.sum(axis=1) * drop
    c["cohort_closed"][:] = success.sum(axis=1) + c["abandoned"] + window_over
    c["activated30"][:] = success @ in_time
    late_now = now[:, stalled] * late
    c["first_successes"][:] = success.sum(axis=1) + late_now.sum(axis=1)
    c["churned"][:] = now[:, CHAIN_ACTIVATED] * min(active_churn(p, drivers), 1.0) + now[:, stalled] @ leave
    active, stalled_n = now[:, CHAIN_ACTIVATED], now[:, stalled].sum(axis=1)
    paying = onboarding.sum(axis=1) + active + stalled_n
    load = active + p.contacts_onboarding * onboarding.sum(axis=1) + p.contacts_stalled * stalled_n
    c["contacts"][:] = p.contact_rate * load * contact_factor(p, drivers)
    c["paying"][:] = paying
    c["revenue"][:] = paying * p.acv / 52.0
    c["value"][:] = (paying + lam * active) * p.acv / 52.0
    c["active_users"][:] = after[:, CHAIN_ACTIVATED]
    c["paying_end"][:] = after[:, CHAIN_ONBOARDING:CHAIN_CHURNED].sum(axis=1)
    c["value_accounts"][:] = c["paying_end"] + lam * c["active_users"]
    c["value_potential"][:] = (1.0 + lam) * n
    for d, v in zip(DRIVERS, drivers):
        c[f"driver_{d}"][:] = v
    rec.success_days = hist = np.zeros((weeks, MAX_DAYS + 1))  # expected counts: not whole numbers
    for a in range(ONBOARDING_WEEKS):
        for day in range(7 * a, 7 * a + 7):
            hist[:, min(day, MAX_DAYS)] += success[:, a] / 7.0
    for age in ages:
        hist[:, min(7 * (ONBOARDING_WEEKS + int(age)) + 3, MAX_DAYS)] += late_now[:, age]
    return rec


def _median(hist: np.ndarray) -> float:
    """The median day of a histogram of days, interpolated within its day (a smooth function of the counts)."""
    cum = np.cumsum(hist)
    total = cum[-1]
    if total <= 0:
        return float("nan")
    k = int(np.searchsorted(cum, total / 2))
    below = cum[k - 1] if k > 0 else 0.0
    return float(k + (total / 2 - below) / hist[k]) if hist[k] > 0 else float(k)


def outcome_values(
    customers: Customers, drivers: np.ndarray, weeks: int, customer_value: float, start: np.ndarray | None = None
) -> dict[str, float]:
    """Every outcome metric's expected summary over ``weeks`` weeks with the product held at ``drivers`` from the
    steady state of ``start`` (default: of ``drivers``, the funnel's own long-run response)."""
    d = np.asarray(drivers, dtype=float)
    rec = _expected(customers, d if start is None else np.asarray(start, dtype=float), d, weeks, customer_value)
    out = {m: v for m, v in summarise(rec).items() if METRICS[m].kind == "outcome"}
    out["median_days_to_first_success"] = _median(rec.success_days.sum(axis=0))
    return out


def sensitivities(
    customers: Customers, drivers: np.ndarray, weeks: int, customer_value: float
) -> dict[str, np.ndarray]:
    """d metric / d driver for every outcome metric, per driver point: the product moves from ``drivers`` at week 0
    and stays there for ``weeks`` weeks, starting in the steady state of ``drivers`` (central differences)."""
    d0 = np.asarray(drivers, dtype=float)
    rows: dict[str, np.ndarray] = {}
    for j in range(len(DRIVERS)):
        up, down = d0.copy(), d0.copy()
        up[j], down[j] = min(1.0, d0[j] + STEP), max(0.0, d0[j] - STEP)
        hi = outcome_values(customers, up, weeks, customer_value, start=d0)
        lo = outcome_values(customers, down, weeks, customer_value, start=d0)
        for m in hi:
            rows.setdefault(m, np.zeros(len(DRIVERS)))[j] = (hi[m] - lo[m]) / (up[j] - down[j])
    return rows


def normalised(slopes: np.ndarray, better: str) -> np.ndarray:
    """Driver weights from slopes: positive when the driver makes the metric better, the strongest 1 (all 0 when the
    metric does not respond)."""
    w = slopes if better == "higher" else -slopes
    top = np.abs(w).max()
    return w / top if top > 0 else np.zeros_like(w)


@dataclass(frozen=True)
class Yardstick:
    """Driver weights of every outcome metric, derived from a scenario's funnel at its week-0 product."""

    horizon: int
    customer_value: float
    #: metric -> weights in the order of ``DRIVERS`` (the value metrics share value's)
    weights: dict[str, np.ndarray]
    #: metric -> d metric / d driver (per driver point, unsigned), over the horizon
    slopes: dict[str, np.ndarray]

    @property
    def value(self) -> np.ndarray:
        """The yardstick itself: how much each driver is worth in value for customers and the business."""
        return self.weights["value"]


def driver_weights(customers: Customers, drivers: np.ndarray, weeks: int, customer_value: float) -> Yardstick:
    """The yardstick of a funnel at a product (cached: the same funnel and product give the same weights)."""
    return _cached(customers.model_dump_json(), tuple(float(v) for v in drivers), int(weeks), float(customer_value))


@lru_cache(maxsize=256)
def _cached(customers_json: str, drivers: tuple[float, ...], weeks: int, lam: float) -> Yardstick:
    from sim.scenario import Customers

    customers = Customers.model_validate_json(customers_json)
    slopes = sensitivities(customers, np.array(drivers), weeks, lam)
    weights = {m: normalised(s, METRICS[m].better) for m, s in slopes.items()}
    for m in VALUE_METRICS:
        weights[m] = weights["value"]
    for w in weights.values():
        w.setflags(write=False)
    return Yardstick(weeks, lam, weights, slopes)


def yardstick(scenario: Scenario) -> Yardstick:
    """The yardstick of a scenario: its funnel, its week-0 product, its value horizon and customer value."""
    drivers = np.array([getattr(scenario.product, d) for d in DRIVERS])
    a = scenario.assumptions
    return driver_weights(scenario.customers, drivers, a.value_horizon_weeks, a.customer_value)
