"""The customer population: one NumPy array entry per account, not one Python object.

Accounts move through ``prospect -> lead -> onboarding -> activated | stalled -> churned -> prospect``.
Each week every account draws the same three uniforms whatever the levers, so a lever shifts thresholds rather
than reshuffling draws (common random numbers across scenarios).
"""

from __future__ import annotations

import numpy as np

from sim.metrics import MAX_DAYS, Records

PROSPECT, LEAD, ONBOARDING, ACTIVATED, STALLED, CHURNED = range(6)
STATES = ("prospect", "lead", "onboarding", "activated", "stalled", "churned")
#: Weeks of onboarding after which a customer without first success is stalled (covers days 0-34).
ONBOARDING_WEEKS = 5
ACTIVATION_DAYS = 30
#: Time constant (weeks) with which a stalled customer's chance of a late first success fades.
STALE_WEEKS = 13


class CustomerPopulation:
    """All accounts of the market and their funnel state."""

    def __init__(self, params, rng: np.random.Generator):
        self.p = params
        self.rng = rng
        n = params.population
        self.state = np.full(n, PROSPECT, dtype=np.int8)
        self.entered = np.zeros(n, dtype=np.int32)
        self.from_campaign = np.zeros(n, dtype=bool)
        self.tracked = np.zeros(n, dtype=bool)
        self.bought = np.zeros(n, dtype=np.int32)  # bought during the run: counts for time to first success
        installed = int(round(params.installed_base * n))
        self.state[:installed] = STALLED
        self.state[:int(round(params.installed_active * installed))] = ACTIVATED
        self.entered[:installed] = -STALE_WEEKS

    def counts(self) -> np.ndarray:
        """Accounts per state, in the order of ``STATES``."""
        return np.bincount(self.state, minlength=len(STATES))

    def step(self, t: int, drivers: np.ndarray, campaign: float, calls: float, key_deals: int,
             rec: Records) -> None:
        """Advance every account by one week and record the funnel counters for week ``t``."""
        p, n = self.p, self.state.size
        onboarding_ease, feature_fit, reliability, self_service = drivers
        u = self.rng.random(n, dtype=np.float32)
        u_day = self.rng.random(n, dtype=np.float32)
        u_call = self.rng.random(n, dtype=np.float32)
        state, age = self.state, t - self.entered
        new = state.copy()

        # prospects -> leads (campaigns lift inflow; their leads fit less well)
        lift = campaign
        is_prospect = state == PROSPECT
        to_lead = is_prospect & (u < p.lead_rate * (1.0 + lift))
        new[to_lead] = LEAD
        self.from_campaign[to_lead] = u_day[to_lead] < (lift / (1.0 + lift))
        rec.add("leads", t, to_lead.sum())

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
        quality = 0.6 * onboarding_ease + 0.25 * self_service + 0.15 * feature_fit
        hazard = p.activation_hazard * quality
        is_onb = state == ONBOARDING
        onb_idx = np.flatnonzero(is_onb)
        n_calls = int(min(calls, onb_idx.size))
        called = np.zeros(n, dtype=bool)
        if n_calls:
            order = np.argsort(u_call[onb_idx], kind="stable")[:n_calls]
            called[onb_idx[order]] = True
        rec.add("calls", t, n_calls)
        h = np.where(self.from_campaign, hazard * p.campaign_lead_quality, hazard) + p.call_boost * called
        p_abandon = p.abandon_rate * (1.0 - onboarding_ease)
        success = is_onb & (u < h)
        abandon = is_onb & ~success & (u < h + p_abandon)
        days = np.clip(7 * (t - self.bought) + (7 * u_day).astype(np.int32), 0, MAX_DAYS)
        in_time = success & (days <= ACTIVATION_DAYS)
        window_over = is_onb & ~success & ~abandon & (age >= ONBOARDING_WEEKS - 1)
        new[success] = ACTIVATED
        new[abandon | window_over] = STALLED
        rec.add("abandoned", t, abandon.sum())
        rec.add("cohort_closed", t, success.sum() + abandon.sum() + window_over.sum())
        rec.add("activated30", t, in_time.sum())

        # stalled: late first success or churn; activated: churn driven by fit and reliability
        is_stalled = state == STALLED
        p_late = hazard * p.late_activation * np.exp(-age / STALE_WEEKS)
        late = is_stalled & (u < p_late)
        stalled_churn = is_stalled & ~late & (u < p_late + p.churn_stalled)
        new[late] = ACTIVATED
        first = (success | late) & self.tracked
        np.add.at(rec.success_days[t], days[first], 1)
        rec.add("first_successes", t, first.sum())
        risk = max(0.2, 1.0 + 2.0 * (0.55 - feature_fit) + 1.5 * (0.6 - reliability))
        is_active = state == ACTIVATED
        active_churn = is_active & (u < p.churn_activated * risk)
        churned = stalled_churn | active_churn
        new[churned] = CHURNED
        rec.add("churned", t, churned.sum())
        back = (state == CHURNED) & (u < p.winback)
        new[back] = PROSPECT
        self.from_campaign[back] = False

        self.entered[new != state] = t + 1
        self.state = new

        # support contacts and revenue from the paying accounts at the start of the week
        counts = np.bincount(state, minlength=len(STATES))
        paying = counts[ONBOARDING] + counts[ACTIVATED] + counts[STALLED]
        load = counts[ACTIVATED] + 3.0 * counts[ONBOARDING] + 2.0 * counts[STALLED]
        lam = p.contact_rate * load * (1.0 + 1.5 * (1.0 - reliability)) * (1.0 - 0.6 * self_service)
        rec.add("contacts", t, self.rng.poisson(lam))
        rec.add("paying", t, paying)
        rec.add("revenue", t, paying * p.acv / 52.0)
        after = np.bincount(new, minlength=len(STATES))
        rec.add("active_users", t, after[ACTIVATED])
        rec.add("paying_end", t, after[ONBOARDING] + after[ACTIVATED] + after[STALLED])
