"""The one label registry: how people see each metric.

Every metric of the alignment model has a human name, a unit kind that decides how a value and a difference are
written (a share as a percentage and its difference in percentage points, money with its currency and thousands
separators, counts and weeks with sensible precision), and a help text that says what it measures and which way is
better. Tiles, charts, tables, exports meant for people and the CLI's human output all take their names and
numbers from here; machine outputs (CSV, Parquet, JSON columns) keep the code names.

Strings are marked with ``N_`` and translated with ``_`` where shown (``sim.i18n``); numbers are formatted with
``sim.i18n.number/percent/money`` for the current language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from sim.i18n import N_, _, money, number, percent
from sim.metrics import METRICS

Unit = Literal["share", "money", "count", "weeks", "days", "rate", "index"]


@dataclass(frozen=True)
class Label:
    """How people see one metric: ``name`` (a noun phrase), ``unit`` kind, ``digits`` after the decimal point,
    ``suffix`` (the unit in words after a count, e.g. "calls"), and ``help``."""

    metric: str
    name: str
    unit: Unit
    digits: int
    suffix: str
    help: str

    @property
    def better(self) -> str:
        return METRICS[self.metric].better if self.metric in METRICS else "higher"


def _l(metric: str, name: str, unit: Unit, digits: int, suffix: str, measures: str) -> Label:
    return Label(metric, name, unit, digits, suffix, measures)


LABELS: dict[str, Label] = {
    lab.metric: lab
    for lab in [
        # outcomes: what customers do
        _l(
            "activation_rate_30d",
            N_("30-day activation"),
            "share",
            0,
            "",
            N_("Share of new customers whose first success came within 30 days of buying. Higher is better."),
        ),
        _l(
            "median_days_to_first_success",
            N_("Days to first success"),
            "days",
            0,
            N_("days"),
            N_("Median days from purchase to a customer's first success. Lower is better."),
        ),
        _l(
            "onboarding_dropoff",
            N_("Onboarding drop-off"),
            "share",
            0,
            "",
            N_("Share of customers ending onboarding who abandoned the setup flow. Lower is better."),
        ),
        _l(
            "support_contacts_per_customer",
            N_("Support contacts"),
            "rate",
            2,
            N_("per customer per month"),
            N_("Support contacts per paying customer per month. Lower is better."),
        ),
        _l(
            "churn_rate",
            N_("Churn"),
            "share",
            1,
            N_("a year"),
            N_("Paying customers lost in a year, as a share of paying customers. Lower is better."),
        ),
        _l(
            "revenue",
            N_("Revenue"),
            "money",
            0,
            "",
            N_("Subscription revenue over the whole run (per week in charts over time). Higher is better."),
        ),
        _l(
            "value",
            N_("Value"),
            "money",
            0,
            "",
            N_(
                "Revenue plus what the customers who actively use the product get from it, over the whole run (per "
                "week in charts over time). Higher is better."
            ),
        ),
        _l(
            "outcome_index",
            N_("Value created"),
            "index",
            1,
            N_("per 100 possible"),
            N_(
                "Value for customers and the business per account in the market: paying accounts and customers "
                "actively using the product, per 100 possible, over the last 13 weeks: the shared outcome. Higher is "
                "better."
            ),
        ),
        _l(
            "outcome_change",
            N_("Change in value created"),
            "index",
            2,
            N_("points"),
            N_("How much the value created moved from the first weeks to the last 13 weeks. Higher is better."),
        ),
        _l(
            "active_share",
            N_("Customers using the product"),
            "index",
            1,
            N_("per 100 paying"),
            N_("Activated customers per 100 paying customers, over the last 13 weeks. Higher is better."),
        ),
        # outputs: what departments deliver
        _l(
            "features_delivered",
            N_("Items released"),
            "count",
            0,
            N_("items"),
            N_(
                "Work items released to customers. Higher counts as better for the departments, but it is an output: "
                "it says nothing about what customers got."
            ),
        ),
        _l(
            "promises_on_time_rate",
            N_("Key-account promises on time"),
            "share",
            0,
            "",
            N_("Share of promises to key accounts delivered by their due date. Higher is better for Sales."),
        ),
        _l(
            "onboarding_calls",
            N_("Onboarding calls"),
            "count",
            0,
            N_("calls"),
            N_(
                "Onboarding calls held by Customer Success. More calls count as better for Customer Success; they cost "
                "its time."
            ),
        ),
        _l(
            "leads",
            N_("Leads"),
            "count",
            0,
            N_("leads"),
            N_("New leads entering the funnel. Higher is better for Marketing."),
        ),
        _l(
            "deals_closed",
            N_("Deals closed"),
            "count",
            0,
            N_("deals"),
            N_("Leads that bought the product. Higher is better."),
        ),
        _l(
            "milestones_on_plan_rate",
            N_("Milestones on plan"),
            "share",
            0,
            "",
            N_("Share of plan milestones delivered on time. Higher is better for Finance."),
        ),
        _l(
            "reviews_cleared",
            N_("Reviews cleared"),
            "count",
            0,
            N_("reviews"),
            N_("Approval reviews passed. Higher is better for the approving unit."),
        ),
        _l(
            "output_attainment",
            N_("Departments' KPI attainment"),
            "share",
            0,
            "",
            N_(
                "How well the departments hit their own output KPIs (mean, each capped at 100%). Higher is better for "
                "the departments; it is not what customers get."
            ),
        ),
        # organisation: how the work flows
        _l(
            "shared_goal_capacity_share",
            N_("Team time on the shared goal"),
            "share",
            0,
            "",
            N_(
                "Share of the team's working time spent on work that truly serves the shared success criterion. Higher "
                "is better."
            ),
        ),
        _l(
            "context_switches",
            N_("Context switches"),
            "rate",
            2,
            N_("per team-week"),
            N_("Work streams a team serves at once beyond the first, per team-week. Lower is better."),
        ),
        _l(
            "lead_time_weeks",
            N_("Lead time"),
            "weeks",
            1,
            N_("weeks"),
            N_("Weeks from a request to its release, waiting in the backlog included. Lower is better."),
        ),
        _l(
            "cycle_time_weeks",
            N_("Cycle time"),
            "weeks",
            1,
            N_("weeks"),
            N_("Weeks from starting an item to its release. Lower is better."),
        ),
        _l(
            "flow_efficiency",
            N_("Flow efficiency"),
            "share",
            0,
            "",
            N_("Share of an item's cycle time in which it was worked on. Higher is better."),
        ),
        _l(
            "handoffs_per_item",
            N_("Hand-offs per item"),
            "rate",
            1,
            N_("per item"),
            N_("Approvals and dependencies per released item. Lower is better."),
        ),
        _l(
            "offered_load",
            N_("Work requested per capacity"),
            "rate",
            2,
            "",
            N_(
                "Person-weeks of work requested per person-week of team capacity. Above 1 the queue grows. Lower is "
                "better."
            ),
        ),
        _l(
            "wip_over_limit",
            N_("Work beyond the WIP limit"),
            "rate",
            2,
            N_("items per team-week"),
            N_("Items in development beyond the team's WIP limit (forced work). Lower is better."),
        ),
        _l(
            "queue_growth",
            N_("Queue growth"),
            "rate",
            1,
            N_("items per week"),
            N_("How fast unreleased work piles up over the second half of the run. Lower is better."),
        ),
        _l(
            "steady_state",
            N_("Settled"),
            "rate",
            0,
            "",
            N_("1 if the queue of unreleased work settled over the second half of the run, else 0. Higher is better."),
        ),
        _l(
            "belief_error",
            N_("Belief error"),
            "rate",
            2,
            N_("driver points"),
            N_("How wrong the teams' beliefs about the effect of work are (mean absolute error). Lower is better."),
        ),
        _l(
            "priority_churn",
            N_("Priority churn"),
            "share",
            0,
            N_("per team-week"),
            N_("How much a team's top priorities change from one week to the next. Lower is better."),
        ),
        _l(
            "loudest_voice_share",
            N_("Team time for the loudest voice"),
            "share",
            0,
            "",
            N_("Share of the team's time used on the demands of the most influential department. Lower is better."),
        ),
        _l(
            "escalations",
            N_("Escalations"),
            "count",
            0,
            N_("escalations"),
            N_("Demands escalated over the team's head. Lower is better."),
        ),
        _l(
            "capacity_utilisation",
            N_("Capacity used"),
            "share",
            0,
            "",
            N_("Share of team capacity that produced work. Higher is better."),
        ),
    ]
}

#: The classic reference models' metrics and series (``sim.classics.march1991.model``,
#: ``sim.classics.nk_departments.model``), for people: their names, units and help are shown in the app's language;
#: the models' METRICS keep their English for the CLI and JSON.
REFERENCE_LABELS: dict[str, Label] = {
    lab.metric: lab
    for lab in [
        # March (1991)
        _l(
            "equilibrium_knowledge",
            N_("The code's knowledge at the end"),
            "rate",
            3,
            "",
            N_(
                "How much of reality the organisational code knows at the end of the run: from -1 to 1 (the paper's "
                "knowledge score; at equilibrium when there is no turnover or turbulence). Higher is better."
            ),
        ),
        _l(
            "code_knowledge",
            N_("The code's knowledge"),
            "rate",
            3,
            "",
            N_("How much of reality the organisational code knows: from -1 to 1. Higher is better."),
        ),
        _l(
            "individual_knowledge",
            N_("Individuals' knowledge"),
            "rate",
            3,
            "",
            N_("How much of reality the individuals know on average: from -1 to 1. Higher is better."),
        ),
        _l(
            "divergence",
            N_("Diversity of beliefs"),
            "share",
            0,
            "",
            N_(
                "Share of the individuals' beliefs that differ from the code (0: everyone thinks alike). Lower is "
                "better for the code's agreement; some diversity is what lets the code learn."
            ),
        ),
        _l(
            "periods_run",
            N_("Periods run"),
            "count",
            0,
            N_("periods"),
            N_("Periods until the run ended. Lower: the organisation settled sooner."),
        ),
        _l(
            "equilibrium",
            N_("Runs that reached equilibrium"),
            "share",
            0,
            "",
            N_("Share of runs that ended at equilibrium rather than at the period limit."),
        ),
        # the NK firm (Rivkin & Siggelkow 2003)
        _l(
            "performance",
            N_("Firm performance"),
            "share",
            1,
            N_("of the best possible"),
            N_(
                "The firm's performance at the end of the run, as a share of the best configuration there is. Higher "
                "is better."
            ),
        ),
        _l(
            "performance_mean",
            N_("Firm performance over the run"),
            "share",
            1,
            N_("of the best possible"),
            N_(
                "The firm's performance averaged over all periods, as a share of the best there is (fast search "
                "counts). Higher is better."
            ),
        ),
        _l(
            "at_optimum",
            N_("Runs that found the best configuration"),
            "share",
            0,
            "",
            N_("Share of runs in which the firm ends on the best configuration there is. Higher is better."),
        ),
        _l(
            "changes",
            N_("Decisions changed"),
            "count",
            1,
            N_("decisions"),
            N_("Decisions changed over the run: how unstable the firm is. Lower is better."),
        ),
        _l(
            "cross_interaction",
            N_("Interactions across departments"),
            "share",
            0,
            "",
            N_(
                "Share of the interactions between decisions that cross the department boundary (set by the landscape, "
                "not by the run). Lower makes the departments easier to coordinate."
            ),
        ),
        _l(
            "department_a",
            N_("Department A's performance"),
            "rate",
            3,
            "",
            N_("Department A's own performance on its decisions."),
        ),
        _l(
            "department_b",
            N_("Department B's performance"),
            "rate",
            3,
            "",
            N_("Department B's own performance on its decisions."),
        ),
    ]
}

#: The currency of money metrics (the scenario's annual contract value is in euros).
CURRENCY = "EUR"


def label(metric: str) -> Label:
    """The label of ``metric`` (of the alignment model or a reference model); any other gets its code name in words."""
    if metric in LABELS:
        return LABELS[metric]
    if metric in REFERENCE_LABELS:
        return REFERENCE_LABELS[metric]
    return Label(metric, metric.replace("_", " "), "rate", 3, "", "")


def name(metric: str) -> str:
    """The metric's human name in the current language."""
    return _(label(metric).name)


def help_text(metric: str) -> str:
    """What the metric measures and which way is better, in the current language."""
    return _(label(metric).help) if label(metric).help else ""


def unit_text(metric: str) -> str:
    """The unit as shown next to a name in a chart title or table (``%``, ``EUR``, ``weeks``)."""
    lab = label(metric)
    if lab.unit == "share":
        return "%" + (" " + _(lab.suffix) if lab.suffix else "")
    if lab.unit == "money":
        return CURRENCY
    return _(lab.suffix) if lab.suffix else ""


def title(metric: str) -> str:
    """Name with unit, for chart titles and table headers: ``30-day activation (%)``."""
    unit = unit_text(metric)
    return _("{name} ({unit})").format(name=name(metric), unit=unit) if unit else name(metric)


def _finite(value: float | None) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def value(metric: str, v: float | None, unit: bool = True) -> str:
    """A value for people: ``37%``, ``€26,724,346``, ``346 calls``, ``4.2 weeks``, ``0.74 per customer per month``;
    "—" when undefined. ``unit=False`` leaves out the unit in words (for a value next to one that has it)."""
    if not _finite(v):
        return "—"
    lab = label(metric)
    if lab.unit == "share":
        return percent(v, lab.digits)
    if lab.unit == "money":
        return money(v, CURRENCY, lab.digits)
    return _with_unit(lab, number(v, lab.digits), unit)


def digits_for(metric: str, d: float) -> int:
    """Decimals that show a difference of size ``d`` of ``metric`` sensibly (at least its label's precision; two
    significant digits for a small difference), in the unit it is written in (points for shares)."""
    lab = label(metric)
    size = abs(d) * (100 if lab.unit == "share" else 1)
    if lab.unit == "money" or size == 0 or not math.isfinite(size):
        return 0 if lab.unit == "money" else lab.digits
    return max(lab.digits, min(_precision(size), 6)) if size < 10**-lab.digits * 10 else lab.digits


def difference(metric: str, d: float | None, digits: int | None = None, unit: bool = True) -> str:
    """A signed difference for people: percentage points for shares (``+2 pts``), money with its currency
    (``−€12,400``), counts and weeks with the value's precision; "—" when undefined. ``digits`` fixes the
    decimals (e.g. a confidence interval written with its difference's precision); ``unit=False`` leaves out the
    unit in words (percentage points and currencies stay)."""
    if not _finite(d):
        return "—"
    lab = label(metric)
    digits = digits_for(metric, d) if digits is None else digits
    sign = "+" if d > 0 else "−" if d < 0 else "±"
    size = abs(d)
    if lab.unit == "share":
        return _("{sign}{number} pts").format(sign=sign, number=number(size * 100, digits))
    if lab.unit == "money":
        return sign + money(size, CURRENCY, 0 if size >= 1 else 2)
    return _with_unit(lab, sign + number(size, digits), unit)


def _with_unit(lab: Label, text: str, unit: bool) -> str:
    """A number with its unit in words when asked for and the label has one: "346 calls", "0.74 per customer per
    month", "84.5 per 100 paying"."""
    return _("{number} {unit}").format(number=text, unit=_(lab.suffix)) if unit and lab.suffix else text


def relative(d: float | None, reference: float | None) -> str:
    """A difference relative to a reference value as a signed percentage (``−3%``); "" when undefined."""
    if not _finite(d) or not _finite(reference) or abs(reference) < 1e-12:
        return ""
    share = d / abs(reference)
    if abs(share) < 0.0005:
        return ""  # would read as +0.0%
    digits = 1 if abs(share) < 0.1 else 0
    sign = "+" if share > 0 else "−" if share < 0 else "±"
    return sign + percent(abs(share), digits)


def _precision(size: float) -> int:
    """Decimals that show the first two significant digits of a small number (0.0123 -> 3)."""
    return min(6, max(0, 1 - math.floor(math.log10(size))))


def human_table_names(metrics: list[str]) -> dict[str, str]:
    """Code name -> title, to rename a table's index or columns for people."""
    return {m: title(m) for m in metrics}
