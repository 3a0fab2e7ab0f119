"""The one label registry: how people see each metric, product driver and kind of work.

Every metric (of the alignment model and of the reference models) has a human name, a unit kind that decides how a
value and a difference are written (a share as a percentage and its difference in percentage points, money with its
currency and thousands separators, counts and weeks with sensible precision), and a help text that says what it
measures; which way is better is said from the metric registry (``direction_text``), the same registry the verdict
(``sim.present.verdict``) judges by. Tiles, charts, tables, exports meant for people and the CLI's human output all
take their names and numbers from here; machine outputs (CSV, Parquet, JSON columns) keep the code names.

Strings are marked with ``N_`` and translated with ``_`` where shown (``sim.i18n``); numbers are formatted with
``sim.i18n.number/percent/money`` for the current language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from sim.i18n import N_, _, figure, money, number, percent
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
        """Which way is better, from the metric's registry (``metric_spec``); "higher" for a series."""
        spec = metric_spec(self.metric)
        return str(spec.better) if spec is not None else "higher"


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
            N_("Share of new customers whose first success came within 30 days of buying."),
        ),
        _l(
            "median_days_to_first_success",
            N_("Days to first success"),
            "days",
            0,
            N_("days"),
            N_("Median days from purchase to a customer's first success."),
        ),
        _l(
            "onboarding_dropoff",
            N_("Onboarding drop-off"),
            "share",
            0,
            "",
            N_("Share of customers ending onboarding who abandoned the setup flow."),
        ),
        _l(
            "support_contacts_per_customer",
            N_("Support contacts"),
            "rate",
            2,
            N_("per customer per month"),
            N_("Support contacts per paying customer per month."),
        ),
        _l(
            "churn_rate",
            N_("Churn"),
            "share",
            1,
            N_("a year"),
            N_("Paying customers lost in a year, as a share of paying customers."),
        ),
        _l(
            "revenue",
            N_("Revenue"),
            "money",
            0,
            "",
            N_("Subscription revenue over the whole run (per week in charts over time)."),
        ),
        _l(
            "value",
            N_("Value"),
            "money",
            0,
            "",
            N_(
                "Revenue plus what the customers who actively use the product get from it, over the whole run (per "
                "week in charts over time)."
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
                "actively using the product, per 100 possible, over the last 13 weeks: the shared outcome."
            ),
        ),
        _l(
            "outcome_change",
            N_("Change in value created"),
            "index",
            2,
            N_("points"),
            N_("How much the value created moved from the first weeks to the last 13 weeks."),
        ),
        _l(
            "active_share",
            N_("Customers using the product"),
            "index",
            1,
            N_("per 100 paying"),
            N_("Activated customers per 100 paying customers, over the last 13 weeks."),
        ),
        # outputs: what departments deliver
        _l(
            "features_delivered",
            N_("Items released"),
            "count",
            0,
            N_("items"),
            N_("Work items released to customers."),
        ),
        _l(
            "promises_on_time_rate",
            N_("Key-account promises on time"),
            "share",
            0,
            "",
            N_("Share of promises to key accounts delivered by their due date: Sales' measure."),
        ),
        _l(
            "onboarding_calls",
            N_("Onboarding calls"),
            "count",
            0,
            N_("calls"),
            N_("Onboarding calls held by Customer Success: its measure; the calls cost its time."),
        ),
        _l(
            "leads",
            N_("Leads"),
            "count",
            0,
            N_("leads"),
            N_("New leads entering the funnel: Marketing's measure."),
        ),
        _l(
            "deals_closed",
            N_("Deals closed"),
            "count",
            0,
            N_("deals"),
            N_("Leads that bought the product."),
        ),
        _l(
            "milestones_on_plan_rate",
            N_("Milestones on plan"),
            "share",
            0,
            "",
            N_("Share of plan milestones delivered on time: Finance's measure."),
        ),
        _l(
            "reviews_cleared",
            N_("Reviews cleared"),
            "count",
            0,
            N_("reviews"),
            N_("Approval reviews passed: the approving units' measure."),
        ),
        _l(
            "output_attainment",
            N_("Departments' KPI attainment"),
            "share",
            0,
            "",
            N_("How well the departments hit their own output KPIs (mean, each capped at 100%)."),
        ),
        # organisation: how the work flows
        _l(
            "shared_goal_capacity_share",
            N_("Team time on the shared goal"),
            "share",
            0,
            "",
            N_("Share of the team's working time spent on work that truly serves the shared success criterion."),
        ),
        _l(
            "context_switches",
            N_("Context switches"),
            "rate",
            2,
            N_("per team-week"),
            N_("Work streams a team serves at once beyond the first, per team-week."),
        ),
        _l(
            "lead_time_weeks",
            N_("Lead time"),
            "weeks",
            1,
            N_("weeks"),
            N_("Weeks from a request to its release, waiting in the backlog included."),
        ),
        _l(
            "cycle_time_weeks",
            N_("Cycle time"),
            "weeks",
            1,
            N_("weeks"),
            N_("Weeks from starting an item to its release."),
        ),
        _l(
            "flow_efficiency",
            N_("Flow efficiency"),
            "share",
            0,
            "",
            N_("Share of an item's cycle time in which it was worked on."),
        ),
        _l(
            "handoffs_per_item",
            N_("Hand-offs per item"),
            "rate",
            1,
            N_("per item"),
            N_("Approvals and dependencies per released item."),
        ),
        _l(
            "offered_load",
            N_("Work requested per capacity"),
            "rate",
            2,
            "",
            N_("Person-weeks of work requested per person-week of team capacity. Above 1 the queue grows."),
        ),
        _l(
            "wip_over_limit",
            N_("Work beyond the WIP limit"),
            "rate",
            2,
            N_("items per team-week"),
            N_("Items in development beyond the team's WIP limit (forced work)."),
        ),
        _l(
            "queue_growth",
            N_("Queue growth"),
            "rate",
            1,
            N_("items per week"),
            N_("How fast unreleased work piles up over the second half of the run."),
        ),
        _l(
            "steady_state",
            N_("Settled"),
            "rate",
            0,
            "",
            N_("1 if the queue of unreleased work settled over the second half of the run, else 0."),
        ),
        _l(
            "belief_error",
            N_("Belief error"),
            "rate",
            2,
            N_("driver points"),
            N_("How wrong the teams' beliefs about the effect of work are (mean absolute error)."),
        ),
        _l(
            "priority_churn",
            N_("Priority churn"),
            "share",
            0,
            N_("per team-week"),
            N_("How much a team's top priorities change from one week to the next."),
        ),
        _l(
            "loudest_voice_share",
            N_("Team time for the loudest voice"),
            "share",
            0,
            "",
            N_("Share of the team's time used on the demands of the most influential department."),
        ),
        _l(
            "escalations",
            N_("Escalations"),
            "count",
            0,
            N_("escalations"),
            N_("Demands escalated over the team's head."),
        ),
        _l(
            "capacity_utilisation",
            N_("Capacity used"),
            "share",
            0,
            "",
            N_("Share of team capacity that produced work."),
        ),
        # the classic reference models' metrics and series (``sim.classics.march1991.model``,
        # ``sim.classics.nk_departments.model``): their names, units and help in the app's language; the models'
        # METRICS keep their English for the CLI and JSON
        # March (1991)
        _l(
            "equilibrium_knowledge",
            N_("The code's knowledge at the end"),
            "rate",
            3,
            "",
            N_(
                "How much of reality the organisational code knows at the end of the run: from -1 to 1 (the paper's "
                "knowledge score; at equilibrium when there is no turnover or turbulence)."
            ),
        ),
        _l(
            "code_knowledge",
            N_("The code's knowledge"),
            "rate",
            3,
            "",
            N_("How much of reality the organisational code knows: from -1 to 1."),
        ),
        _l(
            "individual_knowledge",
            N_("Individuals' knowledge"),
            "rate",
            3,
            "",
            N_("How much of reality the individuals know on average: from -1 to 1."),
        ),
        _l(
            "divergence",
            N_("Diversity of beliefs"),
            "share",
            0,
            "",
            N_(
                "Share of the individuals' beliefs that differ from the code (0: everyone thinks alike); some "
                "diversity is what lets the code learn."
            ),
        ),
        _l(
            "periods_run",
            N_("Periods run"),
            "count",
            0,
            N_("periods"),
            N_("Periods until the run ended (fewer: the organisation settled sooner)."),
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
            N_("The firm's performance at the end of the run, as a share of the best configuration there is."),
        ),
        _l(
            "performance_mean",
            N_("Firm performance over the run"),
            "share",
            1,
            N_("of the best possible"),
            N_(
                "The firm's performance averaged over all periods, as a share of the best there is (fast search "
                "counts)."
            ),
        ),
        _l(
            "at_optimum",
            N_("Runs that found the best configuration"),
            "share",
            0,
            "",
            N_("Share of runs in which the firm ends on the best configuration there is."),
        ),
        _l(
            "changes",
            N_("Decisions changed"),
            "count",
            1,
            N_("decisions"),
            N_("Decisions changed over the run: how unstable the firm is."),
        ),
        _l(
            "cross_interaction",
            N_("Interactions across departments"),
            "share",
            0,
            "",
            N_(
                "Share of the interactions between decisions that cross the department boundary (set by the landscape, "
                "not by the run); fewer make the departments easier to coordinate."
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
    return Label(metric, metric.replace("_", " "), "rate", 3, "", "")


def metric_spec(metric: str) -> Any:
    """The metric's entry in its model's registry (kind, unit, better direction): the alignment model's first, then
    the other registered models'; None for a series that is no metric."""
    if metric in METRICS:
        return METRICS[metric]
    from sim.registry import MODELS

    for spec in MODELS.values():
        found = spec.metrics().get(metric)
        if found is not None:
            return found
    return None


def name(metric: str) -> str:
    """The metric's human name in the current language."""
    return _(label(metric).name)


def in_text(words: str) -> str:
    """A name as it reads inside a sentence: the first letter small (``Revenue`` -> ``revenue``), an abbreviation
    kept (``NPS``)."""
    return words[:1].lower() + words[1:] if words[:2] != words[:2].upper() else words


#: What the registry's direction means, said once for every metric (translate with ``_``).
DIRECTION = {
    "higher": N_("Higher is better."),
    "lower": N_("Lower is better."),
    "output": N_("An output: it counts what was delivered, not what customers got, so more is not better by itself."),
}


def direction_text(metric: str) -> str:
    """Which way is better, from the metric registry (``sim.present.verdict`` judges by the same); "" for a series
    that is no metric."""
    spec = metric_spec(metric)
    if spec is None:
        return ""
    return _(DIRECTION["output"] if spec.kind == "output" else DIRECTION[spec.better])


def help_text(metric: str) -> str:
    """What the metric measures and which way is better, in the current language."""
    meaning = _(label(metric).help) if label(metric).help else ""
    return " ".join(part for part in (meaning, direction_text(metric)) if part)


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


def tile_title(metric: str) -> str:
    """A tile's heading: the name with the unit in words where the number alone would not say it (``Lead time
    (weeks)``, ``Support contacts (per customer per month)``); shares, money and counts carry their unit in the
    number or the name."""
    lab = label(metric)
    if lab.suffix and lab.unit not in ("share", "money", "count"):
        return _("{name} ({unit})").format(name=name(metric), unit=_(lab.suffix))
    return name(metric)


def _finite(value: float | None) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def value(metric: str, v: float | None, unit: bool = True, digits: int | None = None) -> str:
    """A value for people: ``37%``, ``€26,724,346``, ``346 calls``, ``4.2 weeks``, ``0.74 per customer per month``;
    "—" when undefined. ``unit=False`` leaves out the unit in words (for a value next to one that has it);
    ``digits`` replaces the label's decimals (``apart``: two values that must not read alike)."""
    if not _finite(v):
        return "—"
    lab = label(metric)
    digits = lab.digits if digits is None else digits
    if lab.unit == "share":
        text = percent(v, digits)
    elif lab.unit == "money":
        text = money(v, CURRENCY, digits)
    else:
        text = _with_unit(lab, number(v, digits), unit)
    return text.replace("-", "−", 1) if text.startswith("-") else text  # a true minus, as differences have


def apart(metric: str, reference: float, others: list[float]) -> int:
    """Decimals with which each of ``others`` reads differently from ``reference``: the label's, or one more at a
    time (at most three more), so that a clear difference is never shown as ``0.81 → 0.81`` beside its verdict."""
    lab = label(metric)
    digits = lab.digits
    while digits < lab.digits + 3 and any(
        o != reference and value(metric, o, False, digits) == value(metric, reference, False, digits) for o in others
    ):
        digits += 1
    return digits


def digits_for(metric: str, d: float, low: float | None = None, high: float | None = None) -> int:
    """Decimals that show a difference of size ``d`` of ``metric`` sensibly, in the unit it is written in (points
    for shares): at least its label's precision, two significant digits for a small difference; and, given where
    it likely lies (its 95% interval ``low`` to ``high``), no more than that interval supports: two significant
    digits of its width (``+0.0028`` likely between ``−0.2420`` and ``+0.2475`` reads ``+0.00``, ``−0.24`` and
    ``+0.25``), but enough that an interval excluding zero never shows an end of zero."""
    lab = label(metric)
    scale = 100 if lab.unit == "share" else 1
    size = abs(d) * scale
    if lab.unit == "money" or size == 0 or not math.isfinite(size):
        return 0 if lab.unit == "money" else lab.digits
    digits = max(lab.digits, min(_precision(size), 6)) if size < 10**-lab.digits * 10 else lab.digits
    if low is None or high is None or not (_finite(low) and _finite(high)) or high <= low:
        return digits
    digits = min(digits, _precision((high - low) * scale))
    if low > 0 or high < 0:  # its sign is clear: neither end may read as zero
        while digits < 6 and round(min(abs(low), abs(high)) * scale, digits) == 0:
            digits += 1
    return digits


def difference(
    metric: str, d: float | None, digits: int | None = None, unit: bool = True, in_points: bool = True
) -> str:
    """A signed difference for people: percentage points for shares (``+2 pts``), money with its currency
    (``−€12,400``), counts and weeks with the value's precision; "—" when undefined. ``digits`` fixes the
    decimals (e.g. an interval written with its difference's precision); ``unit=False`` leaves out the unit in
    words, ``in_points=False`` the "pts" of a share (the first end of an interval); currencies stay."""
    if d is None or not _finite(d):
        return "—"
    lab = label(metric)
    digits = digits_for(metric, d) if digits is None else digits
    if lab.unit == "share":
        return points(d, digits) if in_points else signed(d * 100, digits)
    if lab.unit == "money":
        return _sign(d) + money(abs(d), CURRENCY, 0 if abs(d) >= 1 else 2)
    return _with_unit(lab, signed(d, digits), unit)


def _sign(d: float) -> str:
    """A difference's sign as people write it: ``+``, a true minus ``−``, or ``±`` for none."""
    return "+" if d > 0 else "−" if d < 0 else "±"


def signed(d: float, digits: int) -> str:
    """A signed number in the current language: ``+1.2``, ``−0,8``."""
    return _sign(d) + number(abs(d), digits)


def points(share: float, digits: int) -> str:
    """A difference of shares (0 to 1) in percentage points: ``+2.0 pts``, ``−0,31 pct.-point``."""
    return _("{sign}{number} pts").format(sign=_sign(share), number=number(abs(share) * 100, digits))


def interval(metric: str, d: float, low: float, high: float, unit: bool = True) -> str:
    """Where a difference ``d`` likely lies (its 95% interval), with the precision the interval supports
    (``digits_for``) and the unit written once, at the end: ``+1.0 to +3.0 pts``, ``−0.012 to −0.007 per customer
    per month``, ``−€12,400 to +€3,100``; ``unit=False`` leaves out the unit in words."""
    digits = digits_for(metric, d, low, high)
    return _("{low} to {high}").format(
        low=difference(metric, low, digits, unit=False, in_points=False), high=difference(metric, high, digits, unit)
    )


def likely(metric: str, d: float, low: float, high: float) -> str:
    """A difference and where it likely lies (its 95% interval), all three with the precision the interval
    supports: ``+2.1 pts (likely between +0.9 and +3.3 pts)``; "no data" when undefined."""
    if not _finite(d):
        return _("no data")
    digits = digits_for(metric, d, low, high)
    return _("{difference} (likely between {low} and {high})").format(
        difference=difference(metric, d, digits),
        low=difference(metric, low, digits, unit=False, in_points=False),
        high=difference(metric, high, digits, unit=False),
    )


def _with_unit(lab: Label, text: str, unit: bool) -> str:
    """A number with its unit in words when asked for and the label has one: "346 calls", "0.74 per customer per
    month", "84.5 per 100 paying"."""
    return _("{number} {unit}").format(number=text, unit=_(lab.suffix)) if unit and lab.suffix else text


def relative(d: float | None, reference: float | None) -> str:
    """A difference relative to a reference value as a signed percentage (``−3%``); "" when undefined."""
    if d is None or reference is None or not _finite(d) or not _finite(reference) or abs(reference) < 1e-12:
        return ""
    share = d / abs(reference)
    if abs(share) < 0.0005:
        return ""  # would read as +0.0%
    digits = 1 if abs(share) < 0.1 else 0
    return _sign(share) + percent(abs(share), digits)


def _precision(size: float) -> int:
    """Decimals that show the first two significant digits of a small number (0.0123 -> 3)."""
    return min(6, max(0, 1 - math.floor(math.log10(size))))


#: The product drivers (``sim.work.DRIVERS``) named for people (translate with ``_``).
DRIVER_NAMES = {
    "onboarding_ease": N_("onboarding ease"),
    "feature_fit": N_("feature fit"),
    "reliability": N_("reliability"),
    "self_service": N_("self-service"),
}
#: The kinds of work (``sim.work.DEFAULT_KINDS``) named for people (translate with ``_``).
KIND_NAMES = {
    "onboarding_simplification": N_("onboarding simplification"),
    "guided_setup": N_("guided setup"),
    "workflow_fit": N_("workflow fit"),
    "customer_need_feature": N_("customer-need features"),
    "key_account_feature": N_("key-account features"),
    "campaign_support": N_("campaign support"),
    "onboarding_material": N_("onboarding material"),
    "bug_fix": N_("bug fixes"),
    "milestone_deliverable": N_("milestone deliverables"),
    "self_service_feature": N_("self-service features"),
    "compliance_change": N_("compliance changes"),
    "experiments": N_("experiments"),
}


def driver_name(driver: str) -> str:
    """A product driver's name in the current language (another name in words)."""
    return _(DRIVER_NAMES[driver]) if driver in DRIVER_NAMES else driver.replace("_", " ")


def kind_name(kind: str) -> str:
    """A kind of work's name in the current language (a kind a scenario adds: its name in words)."""
    return _(KIND_NAMES[kind]) if kind in KIND_NAMES else kind.replace("_", " ")


#: The organisation graph's measures (``sim.organisation.measures``) as people read them (translate with ``_``).
MEASURES = {
    "units": N_("Units (departments and teams)"),
    "longest_approval_chain": N_("Longest approval chain (sign-offs)"),
    "requesters_per_team": N_("Departments sending demands per team"),
    "dependencies": N_("Dependencies between teams"),
    "bottleneck_centrality": N_("Bottleneck: share of the routes between units that pass through the busiest one"),
}
#: Graph measures written as a percentage (the others as numbers).
MEASURE_SHARES = {"bottleneck_centrality"}


def measure_name(code: str) -> str:
    """A graph measure's name in the current language (another by its code in words)."""
    return _(MEASURES[code]) if code in MEASURES else code.replace("_", " ")


def measure_value(code: str, value: float) -> str:
    """A graph measure's value: a share as a percentage, a count or mean as a number."""
    return percent(value, 0) if code in MEASURE_SHARES else figure(value, 2)
