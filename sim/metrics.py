"""The metric registry and how weekly counters become metrics.

The model records raw weekly *counters* (leads, customers activated within 30 days, capacity used, ...) into
preallocated arrays. Every metric is defined here once, as a ratio or sum of counters, and the same definition
serves the weekly table, the run summary and the departments' view of their KPI during a run.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Literal

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
    "value",
    "value_accounts",
    "value_potential",
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


@dataclass(frozen=True, kw_only=True)
class Metric:
    """A named measure: what it counts, whether it is an outcome or an output, and its unit."""

    name: str
    kind: Kind
    unit: str
    description: str
    better: Literal["higher", "lower"]
    agg: Agg
    #: the counter summed (or read) for the metric, and the counter it is divided by ("": none)
    num: str = ""
    den: str = ""
    scale: float = 1.0
    #: For output metrics: which item kinds count towards it (None: every released item).
    kinds: frozenset[str] | None = None


METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        # --- outcomes: what customers do
        Metric(
            name="activation_rate_30d",
            kind="outcome",
            unit="share",
            description="Share of new customers whose first success came within 30 days of buying.",
            better="higher",
            agg="ratio",
            num="activated30",
            den="cohort_closed",
        ),
        Metric(
            name="median_days_to_first_success",
            kind="outcome",
            unit="days",
            description="Median days from purchase to a customer's first success.",
            better="lower",
            agg="median",
        ),
        Metric(
            name="onboarding_dropoff",
            kind="outcome",
            unit="share",
            description="Share of customers ending onboarding who abandoned the setup flow.",
            better="lower",
            agg="ratio",
            num="abandoned",
            den="cohort_closed",
        ),
        Metric(
            name="support_contacts_per_customer",
            kind="outcome",
            unit="contacts / customer / month",
            description="Support contacts per paying customer per month.",
            better="lower",
            agg="ratio",
            num="contacts",
            den="paying",
            scale=WEEKS_PER_MONTH,
        ),
        Metric(
            name="churn_rate",
            kind="outcome",
            unit="share / year",
            description="Paying customers lost, annualised.",
            better="lower",
            agg="ratio",
            num="churned",
            den="paying",
            scale=52.0,
        ),
        Metric(
            name="revenue",
            kind="outcome",
            unit="EUR",
            description="Subscription revenue over the run (weekly: that week's).",
            better="higher",
            agg="sum",
            num="revenue",
        ),
        Metric(
            name="value",
            kind="outcome",
            unit="EUR",
            description="Value for customers and for the business over the run: revenue, plus what the customers who "
            "actively use the product get from it (assumptions.customer_value times what they pay; weekly: that "
            "week's).",
            better="higher",
            agg="sum",
            num="value",
        ),
        Metric(
            name="outcome_index",
            kind="outcome",
            unit="index 0-100",
            description="Value realised per account in the market: paying accounts plus customer_value times the "
            "accounts actively using the product, per (1 + customer_value) accounts, times 100 (summary: mean of the "
            "last 13 weeks).",
            better="higher",
            agg="end",
            num="value_accounts",
            den="value_potential",
            scale=100.0,
        ),
        Metric(
            name="outcome_change",
            kind="outcome",
            unit="index points",
            description="Change of the outcome index (value) from the first weeks to the last 13 weeks.",
            better="higher",
            agg="change",
            num="value_accounts",
            den="value_potential",
            scale=100.0,
        ),
        Metric(
            name="active_share",
            kind="outcome",
            unit="index 0-100",
            description="Customers actually using the product: activated customers per 100 paying customers (summary: "
            "mean of the last 13 weeks).",
            better="higher",
            agg="end",
            num="active_users",
            den="paying_end",
            scale=100.0,
        ),
        # --- outputs: what departments deliver
        Metric(
            name="features_delivered",
            kind="output",
            unit="items",
            description="Work items released to customers.",
            better="higher",
            agg="sum",
            num="released",
        ),
        Metric(
            name="promises_on_time_rate",
            kind="output",
            unit="share",
            description="Share of promises to key accounts delivered by their due date.",
            better="higher",
            agg="ratio",
            num="promises_kept",
            den="promises_due",
            kinds=frozenset({"key_account_feature"}),
        ),
        Metric(
            name="onboarding_calls",
            kind="output",
            unit="calls",
            description="Onboarding calls held by Customer Success.",
            better="higher",
            agg="sum",
            num="calls",
            kinds=frozenset({"onboarding_material"}),
        ),
        Metric(
            name="leads",
            kind="output",
            unit="leads",
            description="New leads entering the funnel.",
            better="higher",
            agg="sum",
            num="leads",
            kinds=frozenset({"campaign_support"}),
        ),
        Metric(
            name="deals_closed",
            kind="output",
            unit="deals",
            description="Leads that bought the product.",
            better="higher",
            agg="sum",
            num="deals",
            kinds=frozenset({"key_account_feature"}),
        ),
        Metric(
            name="milestones_on_plan_rate",
            kind="output",
            unit="share",
            description="Share of plan milestones delivered on time.",
            better="higher",
            agg="ratio",
            num="milestones_on_time",
            den="milestones_due",
            kinds=frozenset({"milestone_deliverable"}),
        ),
        Metric(
            name="reviews_cleared",
            kind="output",
            unit="reviews",
            description="Approval reviews passed.",
            better="higher",
            agg="sum",
            num="reviews",
        ),
        Metric(
            name="output_attainment",
            kind="output",
            unit="share",
            description="Mean attainment of the departments' output KPIs (each capped at 1).",
            better="higher",
            agg="ratio",
            num="attainment_sum",
            den="attainment_n",
        ),
        # --- organisation: how the work flows
        Metric(
            name="shared_goal_capacity_share",
            kind="organisation",
            unit="share",
            description="Share of team capacity spent on items (and tests of items) whose true value serves the shared "
            "success criterion.",
            better="higher",
            agg="ratio",
            num="goal_capacity",
            den="capacity_used",
        ),
        Metric(
            name="context_switches",
            kind="organisation",
            unit="switches / team-week",
            description="Work streams (purposes: a department's KPI, or the customer outcome) a team serves at once, "
            "beyond the first.",
            better="lower",
            agg="ratio",
            num="switches",
            den="team_weeks",
        ),
        Metric(
            name="lead_time_weeks",
            kind="organisation",
            unit="weeks",
            description="Weeks from a request (or the team's own idea) to its release, waiting in the backlog "
            "included.",
            better="lower",
            agg="ratio",
            num="lead_time_sum",
            den="released",
        ),
        Metric(
            name="cycle_time_weeks",
            kind="organisation",
            unit="weeks",
            description="Weeks from starting an item to its release.",
            better="lower",
            agg="ratio",
            num="cycle_time_sum",
            den="released",
        ),
        Metric(
            name="flow_efficiency",
            kind="organisation",
            unit="share",
            description="Share of an item's cycle time in which it was worked on.",
            better="higher",
            agg="ratio",
            num="touch_sum",
            den="cycle_time_sum",
        ),
        Metric(
            name="handoffs_per_item",
            kind="organisation",
            unit="hand-offs",
            description="Hand-offs (approvals, dependencies) per released item.",
            better="lower",
            agg="ratio",
            num="handoffs_sum",
            den="released",
        ),
        Metric(
            name="offered_load",
            kind="organisation",
            unit="ratio",
            description="Person-weeks of work requested (demands, ideas, dependencies) per person-week of team "
            "capacity.",
            better="lower",
            agg="ratio",
            num="offered_work",
            den="capacity",
        ),
        Metric(
            name="wip_over_limit",
            kind="organisation",
            unit="items / team-week",
            description="Items in development beyond the team's WIP limit (forced work, loud demands without a real "
            "choice).",
            better="lower",
            agg="ratio",
            num="wip_over_limit",
            den="team_weeks",
        ),
        Metric(
            name="queue_growth",
            kind="organisation",
            unit="items / week",
            description="How fast unreleased work (backlog and work in progress) piles up: least-squares slope over "
            "the second half of the run (weekly: change over the last 13 weeks, per week).",
            better="lower",
            agg="trend",
            num="unreleased",
        ),
        Metric(
            name="steady_state",
            kind="organisation",
            unit="1 = yes",
            description="Whether the run settled: 1 if unreleased work grew by at most a tenth of the weekly "
            "throughput over the second half of the run, else 0 (the queue never settles: offered work exceeds what "
            "the teams can do).",
            better="higher",
            agg="steady",
            num="unreleased",
            den="released",
        ),
        Metric(
            name="belief_error",
            kind="organisation",
            unit="driver points",
            description="Mean absolute error of the teams' beliefs about item effects.",
            better="lower",
            agg="ratio",
            num="belief_error_sum",
            den="belief_error_n",
        ),
        Metric(
            name="priority_churn",
            kind="organisation",
            unit="share / team-week",
            description="How much a team's top priorities change from one week to the next.",
            better="lower",
            agg="ratio",
            num="priority_churn_sum",
            den="team_weeks",
        ),
        Metric(
            name="loudest_voice_share",
            kind="organisation",
            unit="share",
            description="Share of team capacity used on the demands of the most influential department.",
            better="lower",
            agg="ratio",
            num="loudest_capacity",
            den="capacity_used",
        ),
        Metric(
            name="escalations",
            kind="organisation",
            unit="escalations",
            description="Demands escalated over the team's head.",
            better="lower",
            agg="sum",
            num="escalations",
        ),
        Metric(
            name="capacity_utilisation",
            kind="organisation",
            unit="share",
            description="Share of team capacity that produced work.",
            better="higher",
            agg="ratio",
            num="capacity_used",
            den="capacity",
        ),
    ]
}


def format_number(value: float | None, digits: int = 4) -> str:
    """A number for people: thousands with separators and no decimals, smaller values to ``digits`` digits;
    an undefined value (no data) is "—"."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.{digits}g}"


def progress(value: float | None, target: float, better: str) -> float:
    """Attainment of a target: value / target when higher is better, target / value when lower is better; NaN when
    the value is undefined (no data); a target of 0 is always met (1), and a lower-is-better value of 0 counts 2."""
    if value is None or math.isnan(value):
        return math.nan
    if better == "higher":
        return value / target if target > 0 else 1.0
    return target / value if value > 0 else 2.0


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
        #: first successes per week and day after purchase (counts; expected counts in ``sim.value``)
        self.success_days: np.ndarray = np.zeros((weeks, MAX_DAYS + 1), dtype=np.int64)
        #: person-weeks of team work per requester (department, team, or "experiments") and week
        self.by_requester: dict[str, np.ndarray] = {}
        #: the same per requester and kind of work (an experiment counts under the kind of the item it tests)
        self.by_kind: dict[tuple[str, str], np.ndarray] = {}

    def add(self, name: str, t: int, value: float | np.number[Any]) -> None:
        self.c[name][t] += value

    def add_work(self, requester: str, kind: str, t: int, person_weeks: float) -> None:
        """Person-weeks a team spent in week ``t`` on work of ``kind`` for ``requester``."""
        if requester not in self.by_requester:
            self.by_requester[requester] = np.zeros(self.weeks)
        self.by_requester[requester][t] += person_weeks
        if (requester, kind) not in self.by_kind:
            self.by_kind[requester, kind] = np.zeros(self.weeks)
        self.by_kind[requester, kind][t] += person_weeks


def capacity_frame(rec: Records) -> pd.DataFrame:
    """Where the teams' time went: long table of week, requester, kind, person_weeks (weeks with work only), in the
    order of requester, kind and week. Summed over kinds it is the time per requester."""
    keys = sorted(rec.by_kind)
    work = np.array([rec.by_kind[k] for k in keys]).reshape(len(keys), rec.weeks)
    row, week = np.nonzero(work > 0)
    who = np.array([k[0] for k in keys], dtype=object)
    what = np.array([k[1] for k in keys], dtype=object)
    return pd.DataFrame({"week": week + 1, "requester": who[row], "kind": what[row], "person_weeks": work[row, week]})


def _median_from_hist(hist: np.ndarray) -> float:
    total = hist.sum()
    if total == 0:
        return float("nan")
    return float(np.searchsorted(np.cumsum(hist), (total + 1) / 2))


def _medians_from_hists(hists: np.ndarray) -> np.ndarray:
    """:func:`_median_from_hist` of every row at once (whole counts: the same numbers)."""
    cumulative = np.cumsum(hists, axis=1)
    total = cumulative[:, -1]
    # a search on the left is the number of cumulative counts below the middle (they never decrease)
    below = np.count_nonzero(cumulative < ((total + 1) / 2)[:, None], axis=1)
    return np.where(total > 0, below, np.nan)


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
            values = _medians_from_hists(rec.success_days[:n])
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
    # the closed form of a straight-line fit (polyfit's lstsq wakes BLAS threads every week: slow beside a pool)
    x, xx = _centred_weeks(level.size)
    return float(x @ (level - level.mean()) / xx)


@functools.lru_cache(maxsize=1024)
def _centred_weeks(size: int) -> tuple[np.ndarray, float]:
    """Weeks 0 .. size - 1 less their mean, and their sum of squares: the half of a straight-line fit that depends
    on the number of weeks only (read-only)."""
    x = np.arange(size, dtype=float)
    x -= x.mean()
    x.setflags(write=False)
    return x, x @ x


def _steady(rec: Records, start: int, stop: int) -> float:
    """1.0 when unreleased work grew by at most STEADY_SHARE of the weekly throughput over [start, stop), else
    0."""
    if stop - start < 2:
        return float("nan")
    growth = _slope(rec.c["unreleased"][start:stop])
    throughput = rec.c["released"][start:stop].mean()
    return float(growth <= STEADY_SHARE * max(throughput, 1e-9))
