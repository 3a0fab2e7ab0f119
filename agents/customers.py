"""The customer population: one NumPy array entry per account, not one Python object.

Accounts move through ``prospect -> lead -> onboarding -> activated | stalled -> churned -> prospect``.
Each week every account draws the same three uniforms whatever the levers, so a lever shifts thresholds rather
than reshuffling draws (common random numbers across scenarios).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from sim.metrics import MAX_DAYS, Records

PROSPECT, LEAD, ONBOARDING, ACTIVATED, STALLED, CHURNED = range(6)
STATES = ("prospect", "lead", "onboarding", "activated", "stalled", "churned")
#: Weeks of onboarding after which a customer without first success is stalled (covers days 0-34).
ONBOARDING_WEEKS = 5
ACTIVATION_DAYS = 30
#: Stalled accounts are tracked by weeks stalled up to this age in the steady state (older ones are pooled: their
#: chance of a late first success, exp(-156 / 13) of the first week's, is negligible, so the chain is exact).
STALLED_AGES = 156
#: Positions of the steady-state chain: prospect, lead, onboarding weeks 0..4, activated, stalled weeks 0..155,
#: churned.
CHAIN_LEAD = 1
CHAIN_ONBOARDING = 2
CHAIN_ACTIVATED = CHAIN_ONBOARDING + ONBOARDING_WEEKS
CHAIN_STALLED = CHAIN_ACTIVATED + 1
CHAIN_CHURNED = CHAIN_STALLED + STALLED_AGES


def activation_hazard(p, drivers) -> float:
    """Weekly chance of a first success for an organic customer in onboarding (without a call)."""
    onboarding_ease, feature_fit, _, self_service = drivers
    mix = p.hazard_onboarding * onboarding_ease + p.hazard_self_service * self_service + p.hazard_fit * feature_fit
    return p.activation_hazard * mix


def abandon_chance(p, drivers) -> float:
    """Weekly chance of abandoning the set-up flow."""
    return p.abandon_rate * (1.0 - drivers[0])


def active_churn(p, drivers) -> float:
    """Weekly churn of an activated customer: worse fit and reliability raise it."""
    _, feature_fit, reliability, _ = drivers
    worse_fit = p.churn_fit_slope * (p.churn_fit_pivot - feature_fit)
    worse_reliability = p.churn_reliability_slope * (p.churn_reliability_pivot - reliability)
    return p.churn_activated * max(p.churn_floor, 1.0 + worse_fit + worse_reliability)


def contact_factor(p, drivers) -> float:
    """Support contacts relative to ``contact_rate``, per customer load: poor reliability raises them, self-service
    cuts them."""
    reliability, self_service = drivers[2], drivers[3]
    return (1.0 + p.contacts_reliability * (1.0 - reliability)) * (1.0 - p.contacts_self_service * self_service)


def late_activation(p, h: float, weeks_stalled) -> np.ndarray | float:
    """Weekly chance that a stalled customer still reaches a first success; it fades with weeks stalled."""
    return h * p.late_activation * np.exp(-np.asarray(weeks_stalled) / p.stale_weeks)


def transition_matrix(p, drivers) -> np.ndarray:
    """The funnel's weekly transitions as a Markov chain over its positions (``CHAIN_*``: prospect, lead,
    onboarding weeks 0..4, activated, stalled weeks 0..155 pooled beyond, churned) for a product held at
    ``drivers``, without campaigns, calls or promises: the same rules ``CustomerPopulation.step`` applies to each
    account."""
    n_onb, n_st = ONBOARDING_WEEKS, STALLED_AGES
    i_lead, i_onb, i_act, i_st, i_churn = CHAIN_LEAD, CHAIN_ONBOARDING, CHAIN_ACTIVATED, CHAIN_STALLED, CHAIN_CHURNED
    size = i_churn + 1
    P = np.zeros((size, size))
    P[0, i_lead], P[0, 0] = p.lead_rate, 1.0 - p.lead_rate
    close = p.close_rate * drivers[1]
    cold = min(p.lead_loss, 1.0 - close)
    P[i_lead, i_onb], P[i_lead, 0], P[i_lead, i_lead] = close, cold, 1.0 - close - cold
    h, ab = activation_hazard(p, drivers), abandon_chance(p, drivers)
    for a in range(n_onb):
        succeed = min(h, 1.0)
        drop = min(ab, 1.0 - succeed)
        P[i_onb + a, i_act] = succeed
        P[i_onb + a, i_st] += drop
        rest = 1.0 - succeed - drop
        P[i_onb + a, i_st if a == n_onb - 1 else i_onb + a + 1] += rest
    churn = min(active_churn(p, drivers), 1.0)
    P[i_act, i_churn], P[i_act, i_act] = churn, 1.0 - churn
    for a in range(n_st):
        late = min(float(late_activation(p, h, a)), 1.0)
        leave = min(p.churn_stalled, 1.0 - late)
        P[i_st + a, i_act] = late
        P[i_st + a, i_churn] = leave
        P[i_st + a, i_st + min(a + 1, n_st - 1)] += 1.0 - late - leave
    P[i_churn, 0], P[i_churn, i_churn] = p.winback, 1.0 - p.winback
    return P


def steady_state(p, drivers) -> np.ndarray:
    """The long-run share of accounts in each funnel position (:func:`transition_matrix`) if the product stayed as
    it is."""
    P = transition_matrix(p, drivers)
    size = P.shape[0]
    # stationary distribution: pi P = pi, sum(pi) = 1 (least squares is robust to absorbing corner cases)
    A = np.vstack([P.T - np.eye(size), np.ones(size)])
    b = np.zeros(size + 1)
    b[-1] = 1.0
    pi = np.linalg.lstsq(A, b, rcond=None)[0]
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


def starting_shares(p, drivers) -> np.ndarray:
    """:func:`steady_state`, solved once per process for the same funnel parameters and product (read-only): the
    solve is most of a model's set-up, and every seed of an ensemble starts from the same one."""
    if not hasattr(p, "model_dump_json"):  # parameters that are not a scenario's: solved every time
        return steady_state(p, drivers)
    return _solved_steady_state(p.model_dump_json(), tuple(float(d) for d in drivers))


@lru_cache(maxsize=64)
def _solved_steady_state(params_json: str, drivers: tuple[float, ...]) -> np.ndarray:
    from sim.scenario import Customers

    pi = steady_state(Customers.model_validate_json(params_json), np.array(drivers))
    pi.setflags(write=False)
    return pi


class CustomerPopulation:
    """All accounts of the market and their funnel state, starting in the steady state of the week-0 product."""

    def __init__(self, params, rng: np.random.Generator, drivers: np.ndarray, customer_value: float = 1.0):
        self.p = params
        #: what a week of active use is worth to a customer, as a multiple of what it pays (the value yardstick)
        self.customer_value = customer_value
        self.rng = rng
        n = params.population
        pi = starting_shares(params, drivers)
        position = rng.choice(pi.size, size=n, p=pi)
        self.state = np.select(
            [
                position < CHAIN_LEAD,
                position < CHAIN_ONBOARDING,
                position < CHAIN_ACTIVATED,
                position == CHAIN_ACTIVATED,
                position < CHAIN_CHURNED,
            ],
            [PROSPECT, LEAD, ONBOARDING, ACTIVATED, STALLED],
            CHURNED,
        ).astype(np.int8)
        weeks_in = np.where(
            self.state == ONBOARDING,
            position - CHAIN_ONBOARDING,
            np.where(self.state == STALLED, position - CHAIN_STALLED, 0),
        )
        self.entered = (-weeks_in).astype(np.int32)  # week 0 minus the weeks already spent in the state
        self.from_campaign = np.zeros(n, dtype=bool)
        #: bought during the run (or in onboarding at its start): counts for time to first success
        self.tracked = self.state == ONBOARDING
        self.bought = self.entered.copy()

    def counts(self) -> np.ndarray:
        """Accounts per state, in the order of ``STATES``."""
        return np.bincount(self.state, minlength=len(STATES))

    def step(self, t: int, drivers: np.ndarray, campaign: float, calls: float, key_deals: int, rec: Records) -> None:
        """Advance every account by one week and record the funnel counters for week ``t``.

        Accounts in onboarding and stalled accounts are handled by index (``onb``, ``stalled``): only they can reach
        a first success, and each account's numbers are the same as if every account were computed."""
        p, n = self.p, self.state.size
        feature_fit = drivers[1]
        u = self.rng.random(n, dtype=np.float32)
        u_day = self.rng.random(n, dtype=np.float32)
        u_call = self.rng.random(n, dtype=np.float32)
        state = self.state
        new = state.copy()

        # prospects -> leads (campaigns lift inflow; their leads fit less well)
        lift = campaign
        is_prospect = state == PROSPECT
        to_lead = is_prospect & (u < p.lead_rate * (1.0 + lift))
        new[to_lead] = LEAD
        self.from_campaign[to_lead] = u_day[to_lead] < (lift / (1.0 + lift))
        rec.add("leads", t, np.count_nonzero(to_lead))

        # leads -> onboarding (bought) or back to prospects (gone cold)
        is_lead = state == LEAD
        p_close = p.close_rate * feature_fit
        bought = is_lead & (u < p_close)
        cold = is_lead & ~bought & (u < p_close + p.lead_loss)
        new[cold] = PROSPECT
        self.from_campaign[cold] = False
        bought_idx = np.flatnonzero(bought)
        if key_deals > 0:  # promises kept: key accounts sign (from the remaining leads, then prospects)
            pool = np.flatnonzero(is_lead & ~bought & ~cold)
            if pool.size < key_deals:
                pool = np.concatenate([pool, np.flatnonzero(is_prospect & ~to_lead)])
            bought_idx = np.concatenate([bought_idx, pool[:key_deals]])
        new[bought_idx] = ONBOARDING
        self.tracked[bought_idx] = True
        self.bought[bought_idx] = t + 1
        rec.add("deals", t, bought_idx.size)
        rec.add("onboarding_started", t, bought_idx.size)

        # onboarding: first success, abandoned setup, or stalled at the end of the window
        hazard = activation_hazard(p, drivers)
        onb = np.flatnonzero(state == ONBOARDING)
        u_onb = u[onb]
        n_calls = int(min(calls, onb.size))
        called = np.zeros(onb.size, dtype=bool)
        if n_calls:
            called[np.argsort(u_call[onb], kind="stable")[:n_calls]] = True
        rec.add("calls", t, n_calls)
        h = np.where(self.from_campaign[onb], hazard * p.campaign_lead_quality, hazard) + p.call_boost * called
        p_abandon = abandon_chance(p, drivers)
        success = u_onb < h
        abandon = ~success & (u_onb < h + p_abandon)
        window_over = ~success & ~abandon & (t - self.entered[onb] >= ONBOARDING_WEEKS - 1)
        new[onb[success]] = ACTIVATED
        new[onb[abandon | window_over]] = STALLED
        n_success, n_abandon = np.count_nonzero(success), np.count_nonzero(abandon)
        rec.add("abandoned", t, n_abandon)
        rec.add("cohort_closed", t, n_success + n_abandon + np.count_nonzero(window_over))

        # stalled: late first success or churn; activated: churn driven by fit and reliability
        stalled = np.flatnonzero(state == STALLED)
        u_stalled = u[stalled]
        p_late = late_activation(p, hazard, t - self.entered[stalled])
        late = u_stalled < p_late
        stalled_churn = ~late & (u_stalled < p_late + p.churn_stalled)
        new[stalled[late]] = ACTIVATED
        # first successes (onboarding's first), and the days from purchase to each
        succeeded = np.concatenate([onb[success], stalled[late]])
        days = np.clip(7 * (t - self.bought[succeeded]) + (7 * u_day[succeeded]).astype(np.int32), 0, MAX_DAYS)
        rec.add("activated30", t, np.count_nonzero(days[:n_success] <= ACTIVATION_DAYS))
        first = self.tracked[succeeded]
        np.add.at(rec.success_days[t], days[first], 1)
        rec.add("first_successes", t, np.count_nonzero(first))
        is_active = state == ACTIVATED
        lost = is_active & (u < active_churn(p, drivers))
        new[stalled[stalled_churn]] = CHURNED
        new[lost] = CHURNED
        rec.add("churned", t, np.count_nonzero(stalled_churn) + np.count_nonzero(lost))
        back = (state == CHURNED) & (u < p.winback)
        new[back] = PROSPECT
        self.from_campaign[back] = False

        self.entered[new != state] = t + 1
        self.state = new

        # support contacts and revenue from the paying accounts at the start of the week
        n_onboarding, n_active, n_stalled = onb.size, np.count_nonzero(is_active), stalled.size
        paying = n_onboarding + n_active + n_stalled
        load = n_active + p.contacts_onboarding * n_onboarding + p.contacts_stalled * n_stalled
        lam = p.contact_rate * load * contact_factor(p, drivers)
        rec.add("contacts", t, self.rng.poisson(lam))
        rec.add("paying", t, paying)
        rec.add("revenue", t, paying * p.acv / 52.0)
        lam = self.customer_value
        rec.add("value", t, (paying + lam * n_active) * p.acv / 52.0)
        active_end = np.count_nonzero(new == ACTIVATED)
        paying_end = np.count_nonzero(new == ONBOARDING) + active_end + np.count_nonzero(new == STALLED)
        rec.add("active_users", t, active_end)
        rec.add("paying_end", t, paying_end)
        rec.add("value_accounts", t, paying_end + lam * active_end)
        rec.add("value_potential", t, (1.0 + lam) * n)
