"""The metric registry and how weekly counters become metrics.

The model records raw weekly *counters* (leads, customers activated within 30 days, capacity used, ...) into
preallocated arrays. Every metric is defined here once, as a ratio or sum of counters, and the same definition
serves the weekly table, the run summary and the departments' view of their KPI during a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from sim.work import DRIVERS

#: Longest time to first success that is binned exactly (days); later successes fall in the last bin.
MAX_DAYS = 365
WEEKS_PER_MONTH = 52 / 12
#: Weeks at the end of a run over which level metrics ("end") are averaged for the summary.
END_WINDOW = 13

COUNTERS: tuple[str, ...] = (
    "leads",
    "deals",
    "campaign_active",
    "calls",
    "onboarding_started",
    "abandoned",
    "cohort_closed",
    "activated30",
    "first_successes",
    "contacts",
    "paying",
    "paying_end",
    "active_users",
    "churned",
    "revenue",
    "released",
    "promises_due",
    "promises_kept",
    "milestones_due",
    "milestones_on_time",
    "reviews",
    "capacity",
    "capacity_used",
    "goal_capacity",
    "switches",
    "team_weeks",
    "lead_time_sum",
    "cycle_time_sum",
    "touch_sum",
    "offered_work",
    "wip_over_limit",
    "unreleased",
    "handoffs_sum",
    "belief_error_sum",
    "belief_error_n",
    "priority_churn_sum",
    "escalations",
    "attainment_sum",
    "attainment_n",
    "wip",
    "backlog",
    "experiments",
    "loudest_capacity",
    *(f"driver_{d}" for d in DRIVERS),
)

Kind = Literal["outcome", "output", "organisation"]
Agg = Literal["sum", "ratio", "end", "change", "median", "trend", "steady"]
#: Weeks over which ``queue_growth`` is read week by week.
TREND_WINDOW = 13
#: A run is in a steady state when its backlog grows by less than this share of its weekly throughput.
STEADY_SHARE = 0.1


@dataclass(frozen=True)
class Metric:
    """A named measure: what it counts, whether it is an outcome or an output, and its unit."""

    name: str
    kind: Kind
    unit: str
    description: str
    better: Literal["higher", "lower"]
    agg: Agg
    num: str = ""
    den: str | None = None
    scale: float = 1.0
    #: For outcome metrics: how strongly each product driver moves it (used to judge an item's value for it).
    drivers: tuple[float, ...] | None = None
    #: For output metrics: which item kinds count towards it (None: every released item).
    kinds: frozenset[str] | None = None


def _m(*args, **kwargs) -> Metric:
    return Metric(*args, **kwargs)


_SENS = dict(zip(DRIVERS, range(len(DRIVERS))))


def _drivers(**weights: float) -> tuple[float, ...]:
    vec = [0.0] * len(DRIVERS)
    for name, w in weights.items():
        vec[_SENS[name]] = w
    return tuple(vec)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        # --- outcomes: what customers do
        _m(
            "activation_rate_30d",
            "outcome",
            "share",
            "Share of new customers whose first success came within 30 days of buying.",
            "higher",
            "ratio",
            "activated30",
            "cohort_closed",
            drivers=_drivers(onboarding_ease=1.0, self_service=0.5, feature_fit=0.3),
        ),
        _m(
            "median_days_to_first_success",
            "outcome",
            "days",
            "Median days from purchase to a customer's first success.",
            "lower",
            "median",
            drivers=_drivers(onboarding_ease=1.0, self_service=0.5, feature_fit=0.3),
        ),
        _m(
            "onboarding_dropoff",
            "outcome",
            "share",
            "Share of customers ending onboarding who abandoned the setup flow.",
            "lower",
            "ratio",
            "abandoned",
            "cohort_closed",
            drivers=_drivers(onboarding_ease=1.0, self_service=0.3),
        ),
        _m(
            "support_contacts_per_customer",
            "outcome",
            "contacts / customer / month",
            "Support contacts per paying customer per month.",
            "lower",
            "ratio",
            "contacts",
            "paying",
            WEEKS_PER_MONTH,
            drivers=_drivers(reliability=1.0, self_service=0.8, onboarding_ease=0.3),
        ),
        _m(
            "churn_rate",
            "outcome",
            "share / year",
            "Paying customers lost, annualised.",
            "lower",
            "ratio",
            "churned",
            "paying",
            52.0,
            drivers=_drivers(feature_fit=0.6, reliability=0.5, onboarding_ease=0.3),
        ),
        _m(
            "revenue",
            "outcome",
            "EUR",
            "Subscription revenue over the run (weekly: that week's).",
            "higher",
            "sum",
            "revenue",
            drivers=_drivers(onboarding_ease=0.5, feature_fit=0.6, reliability=0.4, self_service=0.2),
        ),
        _m(
            "outcome_index",
            "outcome",
            "index 0-100",
            "Customers actually using the product: activated customers per 100 paying customers "
            "(summary: mean of the last 13 weeks).",
            "higher",
            "end",
            "active_users",
            "paying_end",
            100.0,
            drivers=_drivers(onboarding_ease=1.0, self_service=0.5, feature_fit=0.5, reliability=0.4),
        ),
        _m(
            "outcome_change",
            "outcome",
            "index points",
            "Change of the outcome index from the first weeks to the last 13 weeks.",
            "higher",
            "change",
            "active_users",
            "paying_end",
            100.0,
            drivers=_drivers(onboarding_ease=1.0, self_service=0.5, feature_fit=0.5, reliability=0.4),
        ),
        # --- outputs: what departments deliver
        _m("features_delivered", "output", "items", "Work items released to customers.", "higher", "sum", "released"),
        _m(
            "promises_on_time_rate",
            "output",
            "share",
            "Share of promises to key accounts delivered by their due date.",
            "higher",
            "ratio",
            "promises_kept",
            "promises_due",
            kinds=frozenset({"key_account_feature"}),
        ),
        _m(
            "onboarding_calls",
            "output",
            "calls",
            "Onboarding calls held by Customer Success.",
            "higher",
            "sum",
            "calls",
            kinds=frozenset({"onboarding_material"}),
        ),
        _m(
            "leads",
            "output",
            "leads",
            "New leads entering the funnel.",
            "higher",
            "sum",
            "leads",
            kinds=frozenset({"campaign_support"}),
        ),
        _m(
            "deals_closed",
            "output",
            "deals",
            "Leads that bought the product.",
            "higher",
            "sum",
            "deals",
            kinds=frozenset({"key_account_feature"}),
        ),
        _m(
            "milestones_on_plan_rate",
            "output",
            "share",
            "Share of plan milestones delivered on time.",
            "higher",
            "ratio",
            "milestones_on_time",
            "milestones_due",
            kinds=frozenset({"milestone_deliverable"}),
        ),
        _m("reviews_cleared", "output", "reviews", "Approval reviews passed.", "higher", "sum", "reviews"),
        _m(
            "output_attainment",
            "output",
            "share",
            "Mean attainment of the departments' output KPIs (each capped at 1).",
            "higher",
            "ratio",
            "attainment_sum",
            "attainment_n",
        ),
        # --- organisation: how the work flows
        _m(
            "shared_goal_capacity_share",
            "organisation",
            "share",
            "Share of team capacity spent on items (and tests of items) whose true value serves the shared success "
            "criterion.",
            "higher",
            "ratio",
            "goal_capacity",
            "capacity_used",
        ),
        _m(
            "context_switches",
            "organisation",
            "switches / team-week",
            "Work streams (purposes: a department's KPI, or the customer outcome) a team serves at once, beyond the "
            "first.",
            "lower",
            "ratio",
            "switches",
            "team_weeks",
        ),
        _m(
            "lead_time_weeks",
            "organisation",
            "weeks",
            "Weeks from a request (or the team's own idea) to its release, waiting in the backlog included.",
            "lower",
            "ratio",
            "lead_time_sum",
            "released",
        ),
        _m(
            "cycle_time_weeks",
            "organisation",
            "weeks",
            "Weeks from starting an item to its release.",
            "lower",
            "ratio",
            "cycle_time_sum",
            "released",
        ),
        _m(
            "flow_efficiency",
            "organisation",
            "share",
            "Share of an item's cycle time in which it was worked on.",
            "higher",
            "ratio",
            "touch_sum",
            "cycle_time_sum",
        ),
        _m(
            "handoffs_per_item",
            "organisation",
            "hand-offs",
            "Hand-offs (approvals, dependencies) per released item.",
            "lower",
            "ratio",
            "handoffs_sum",
            "released",
        ),
        _m(
            "offered_load",
            "organisation",
            "ratio",
            "Person-weeks of work requested (demands, ideas, dependencies) per person-week of team capacity.",
            "lower",
            "ratio",
            "offered_work",
            "capacity",
        ),
        _m(
            "wip_over_limit",
            "organisation",
            "items / team-week",
            "Items in development beyond the team's WIP limit (forced work, loud demands without a real choice).",
            "lower",
            "ratio",
            "wip_over_limit",
            "team_weeks",
        ),
        _m(
            "queue_growth",
            "organisation",
            "items / week",
            "How fast unreleased work (backlog and work in progress) piles up: least-squares slope over the second "
            "half of the run (weekly: change over the last 13 weeks, per week).",
            "lower",
            "trend",
            "unreleased",
        ),
        _m(
            "steady_state",
            "organisation",
            "1 = yes",
            "Whether the run settled: 1 if unreleased work grew by at most a tenth of the weekly throughput over the "
            "second half of the run, else 0 (the queue never settles: offered work exceeds what the teams can do).",
            "higher",
            "steady",
            "unreleased",
            "released",
        ),
        _m(
            "belief_error",
            "organisation",
            "driver points",
            "Mean absolute error of the teams' beliefs about item effects.",
            "lower",
            "ratio",
            "belief_error_sum",
            "belief_error_n",
        ),
        _m(
            "priority_churn",
            "organisation",
            "share / team-week",
            "How much a team's top priorities change from one week to the next.",
            "lower",
            "ratio",
            "priority_churn_sum",
            "team_weeks",
        ),
        _m(
            "loudest_voice_share",
            "organisation",
            "share",
            "Share of team capacity used on the demands of the most influential department.",
            "lower",
            "ratio",
            "loudest_capacity",
            "capacity_used",
        ),
        _m(
            "escalations",
            "organisation",
            "escalations",
            "Demands escalated over the team's head.",
            "lower",
            "sum",
            "escalations",
        ),
        _m(
            "capacity_utilisation",
            "organisation",
            "share",
            "Share of team capacity that produced work.",
            "higher",
            "ratio",
            "capacity_used",
            "capacity",
        ),
    ]
}


def format_number(value: float | None, digits: int = 4) -> str:
    """A number for people: thousands with separators and no decimals, smaller values to ``digits`` digits;
    an undefined value (no data) is "—"."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.{digits}g}"


def metric(name: str) -> Metric:
    """The registered metric ``name``; a KeyError names the allowed metrics."""
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}; allowed: {', '.join(METRICS)}") from None


class Records:
    """Preallocated weekly counters of one run."""

    def __init__(self, weeks: int):
        self.weeks = weeks
        self.c = {name: np.zeros(weeks) for name in COUNTERS}
        self.success_days = np.zeros((weeks, MAX_DAYS + 1), dtype=np.int64)
        #: person-weeks of team work per requester (department, team, or "experiments") and week
        self.by_requester: dict[str, np.ndarray] = {}
        #: the same per requester and kind of work (experiments: kind "experiments")
        self.by_work: dict[tuple[str, str], np.ndarray] = {}

    def add(self, name: str, t: int, value: float) -> None:
        self.c[name][t] += value

    def add_work(self, requester: str, t: int, person_weeks: float, kind: str = "experiments") -> None:
        if requester not in self.by_requester:
            self.by_requester[requester] = np.zeros(self.weeks)
        self.by_requester[requester][t] += person_weeks
        if (requester, kind) not in self.by_work:
            self.by_work[(requester, kind)] = np.zeros(self.weeks)
        self.by_work[(requester, kind)][t] += person_weeks


def capacity_frame(rec: Records) -> pd.DataFrame:
    """Where the teams' time went: long table of week, requester, kind, person_weeks (weeks with work only)."""
    keys = sorted(rec.by_work)
    work = np.array([rec.by_work[k] for k in keys]).reshape(len(keys), rec.weeks)
    which, week = np.nonzero(work > 0)
    requesters = np.array([k[0] for k in keys], dtype=object)
    kinds = np.array([k[1] for k in keys], dtype=object)
    return pd.DataFrame(
        {
            "week": week + 1,
            "requester": requesters[which],
            "kind": kinds[which],
            "person_weeks": work[which, week],
        }
    )


def _median_from_hist(hist: np.ndarray) -> float:
    total = hist.sum()
    if total == 0:
        return float("nan")
    return float(np.searchsorted(np.cumsum(hist), (total + 1) / 2))


def window_value(m: Metric, rec: Records, start: int, stop: int) -> float:
    """The metric over weeks [start, stop): per-week mean for sums, ratio of sums otherwise; NaN if undefined."""
    start = max(start, 0)
    if stop <= start:
        return float("nan")
    if m.agg == "median":
        return _median_from_hist(rec.success_days[start:stop].sum(axis=0))
    if m.agg in ("trend", "steady"):
        return _slope(rec.c[m.num][start:stop]) if m.agg == "trend" else _steady(rec, start, stop)
    num = rec.c[m.num][start:stop].sum()
    if m.agg == "sum":
        return float(num) * m.scale / (stop - start)
    if m.agg in ("end", "change"):
        num, den = rec.c[m.num][stop - 1], rec.c[m.den][stop - 1]
    else:
        den = rec.c[m.den][start:stop].sum()
    return float(num) * m.scale / float(den) if den > 0 else float("nan")


def weekly_frame(rec: Records, weeks: int | None = None) -> pd.DataFrame:
    """One row per week, one column per metric and per product driver. Undefined ratios carry the last value."""
    n = rec.weeks if weeks is None else weeks
    cols: dict[str, np.ndarray] = {"week": np.arange(1, n + 1)}
    first_index = None
    for m in METRICS.values():
        if m.agg == "median":
            values = np.array([_median_from_hist(rec.success_days[t]) for t in range(n)])
        elif m.agg == "trend":
            level = rec.c[m.num][:n]
            values = np.full(n, np.nan)
            values[TREND_WINDOW:] = (level[TREND_WINDOW:] - level[:-TREND_WINDOW]) / TREND_WINDOW
        elif m.agg == "steady":
            values = np.array([_steady(rec, max(0, t + 1 - 2 * TREND_WINDOW), t + 1) for t in range(n)])
        elif m.agg == "sum":
            values = rec.c[m.num][:n] * m.scale
        else:
            num, den = rec.c[m.num][:n], rec.c[m.den][:n]
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.where(den > 0, num * m.scale / np.where(den > 0, den, 1), np.nan)
            if m.agg == "change":
                first_index = first_index if first_index is not None else _first_window_mean(rec, m, n)
                values = values - first_index
        cols[m.name] = values
    for d in DRIVERS:
        cols[d] = rec.c[f"driver_{d}"][:n].copy()
    frame = pd.DataFrame(cols)
    return frame.ffill()


def _first_window_mean(rec: Records, m: Metric, n: int) -> float:
    """The metric's mean over the first weeks (up to 4): the baseline of a change; NaN without data."""
    w = min(4, n)
    num, den = rec.c[m.num][:w], rec.c[m.den][:w]
    ok = den > 0
    return float(np.mean(num[ok] * m.scale / den[ok])) if ok.any() else float("nan")


def summarise(rec: Records, weeks: int | None = None) -> dict[str, float]:
    """The run's summary: metric -> one number (see each metric's description for how it aggregates)."""
    n = rec.weeks if weeks is None else weeks
    out: dict[str, float] = {}
    for m in METRICS.values():
        if m.agg == "median":
            v = _median_from_hist(rec.success_days[:n].sum(axis=0))
        elif m.agg in ("trend", "steady"):
            v = window_value(m, rec, n // 2, n)
        elif m.agg == "sum":
            v = float(rec.c[m.num][:n].sum() * m.scale)
        elif m.agg in ("end", "change"):
            w = min(END_WINDOW, n)
            num, den = rec.c[m.num][n - w : n], rec.c[m.den][n - w : n]
            ok = den > 0
            v = float(np.mean(num[ok] * m.scale / den[ok])) if ok.any() else float("nan")
            if m.agg == "change":
                v -= _first_window_mean(rec, m, n)
        else:
            den = rec.c[m.den][:n].sum()
            v = float(rec.c[m.num][:n].sum() * m.scale / den) if den > 0 else float("nan")
        out[m.name] = v
    return out


def _slope(level: np.ndarray) -> float:
    """Least-squares slope of a weekly series (per week); NaN with fewer than two weeks."""
    if level.size < 2:
        return float("nan")
    return float(np.polyfit(np.arange(level.size), level, 1)[0])


def _steady(rec: Records, start: int, stop: int) -> float:
    """1.0 when unreleased work grew by at most STEADY_SHARE of the weekly throughput over [start, stop), else
    0."""
    if stop - start < 2:
        return float("nan")
    growth = _slope(rec.c["unreleased"][start:stop])
    throughput = rec.c["released"][start:stop].mean()
    return float(growth <= STEADY_SHARE * max(throughput, 1e-9))
