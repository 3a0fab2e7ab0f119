"""DESIGN.md's claims as paired-seed experiments: what is compared, on which metric, where it holds and where not.

Each claim compares arm A with arm B (a preset plus overrides) over the same seeds. Its checks say which way a
metric must move (B - A, with a 95% CI that excludes zero) or bound one arm's mean. Some claims are *failing
levers*: settings where alignment does not help, which the model must show rather than always rewarding it.
The first check of a claim is its headline (metric, difference, CI); all checks must pass. Each claim runs on its
registered count of paired seeds (``Claim.seeds``: what its checks need to pass with high power, by the rule of
``sim.research.power`` applied to the pilot seeds that set the bounds); ``evaluate(seeds=N)`` forces N on all.

Every claim rests on the article's premise, which the scenario states as named assumptions (``[assumptions]``:
how good a proxy each KPI is, how right the organisation's beliefs are). A claim's ``fails`` names a setting,
reached through those assumptions or the scenario's own levers, where the lever must *not* help; ``claim_map``
shows each claim's headline effect across the assumptions and team capacity.

The human reports (``table``, ``markdown``) are in the current language (``sim.i18n``; ``alignsim claims --lang
da``); the JSON report and the frames stay in English for scripts.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from babel.numbers import get_decimal_symbol
from cachetools import LRUCache

from sim import i18n
from sim.i18n import N_, _
from sim.input import load_scenario
from sim.metrics import METRICS, format_number
from sim.present.levers import get_value
from sim.runner import process_pool, run_many, versions
from sim.scenario import KpiProxy, Scenario
from sim.stats import mean_ci, paired_difference

DEFAULT_SEEDS = 30
#: The seeds of the pilot run from which the catalogue's bounds were set, and each claim's seed count
#: (``Claim.seeds``, by the power rule of ``sim.research.power``); no reported block uses them.
PILOT_SEEDS = "500..515"
#: How the bounds and the seed counts came to be, in the order it happened (the markdown report says it).
HISTORY = N_(
    "on 30 seeds per claim, blocks 0..29 and 1000..1029 then showed three checks under-powered: R1's headline on "
    "the first, C5's failure side and F3's headline on the second (effects two to two and a half standard errors "
    "from their bounds pass a block of 30 about two times in three). Each claim's seed count was then set by a "
    "power rule on the pilot seeds alone, taking the pilot's effect as the true one; on those counts R1's headline "
    "failed on seeds 0..39 (-51,900 [-137,219, 33,419] against the pilot's -203,062), the failure a pilot's point "
    "estimate invites. The rule was then safeguarded for every claim, and these counts (column *seeds*) are its: "
    "enough seeds for each check to pass with {power} power, the pilot's margin from the bound taken at the lower "
    "limit of its two-sided {safeguard} confidence interval (safeguard power, Perugini, Gallucci and Costantini "
    "2014) and its standard deviation at its upper {confidence} confidence limit, at least {low} and at most {high} "
    "(`python -m sim.research.power`, docs/claims/power_plan.csv). No bound, metric or arm was changed."
)
#: The first block run after the seed counts were set, and what the report says of it.
FRESH_BLOCK = 3000
FRESH_WORDS = N_(
    "the claims were first run on seeds from {first} after the safeguarded counts were set; block 0 had run before "
    "on the earlier counts (R1 on seeds 0..39), blocks 1000 and 2000 too"
)


@dataclass(frozen=True)
class Arm:
    """A preset with overrides, run for ``weeks`` (None: the preset's horizon)."""

    scenario: str
    overrides: tuple[tuple[str, Any], ...] = ()
    weeks: int | None = None

    def build(self, perturb: tuple[str, float] | None = None) -> Scenario:
        s = load_scenario(self.scenario, dict(self.overrides))
        assert isinstance(s, Scenario), f"{self.scenario}: claims run the alignment model"
        over: dict[str, Any] = {} if self.weeks is None else {"weeks": self.weeks}
        if perturb is not None:
            path, factor = perturb
            value = get_value(s, path)
            over[path] = type(value)(value * factor) if isinstance(value, int) else value * factor
        out = s.with_overrides(over) if over else s
        assert isinstance(out, Scenario)
        return out

    @property
    def label(self) -> str:
        parts = [f"{k}={v}" for k, v in self.overrides] + ([f"weeks={self.weeks}"] if self.weeks else [])
        return self.scenario + (f" ({', '.join(parts)})" if parts else "")

    def under(self, overrides: dict[str, Any]) -> Arm:
        """The same arm with more overrides (later ones win)."""
        merged = dict(self.overrides) | overrides
        return Arm(self.scenario, tuple(merged.items()), self.weeks)


def arm(scenario: str, weeks: int | None = None, **overrides: Any) -> Arm:
    """An arm; override keys use ``__`` for dots (``leadership__trump=1``)."""
    return Arm(scenario, tuple((k.replace("__", "."), v) for k, v in overrides.items()), weeks)


@dataclass(frozen=True)
class Check:
    """``increase``/``decrease``: B - A's CI lies above/below zero. ``no_gain``/``no_loss``: B - A's CI stays below
    ``bound`` / above ``-bound`` (a practically irrelevant gain or loss). ``at_least``/``at_most``/``within``: arm
    ``on``'s mean CI lies above/below/between bounds."""

    metric: str
    expect: Literal["increase", "decrease", "no_gain", "no_loss", "at_least", "at_most", "within"]
    bound: float = 0.0
    upper: float = 0.0
    on: Literal["a", "b"] = "a"

    def describe(self) -> str:
        """The check in words, in the current language."""
        return _(CHECK_WORDS[self.expect]).format(
            metric=metric_words(self.metric), arm=self.on.upper(), bound=_g(self.bound), upper=_g(self.upper)
        )


def metric_words(metric: str) -> str:
    """A metric as the report names it: its code name in English (the report is the reference docs/CLAIMS.md and
    the CLI's), its name for people with the code in another language (``Aktivering inden for 30 dage
    (activation_rate_30d)``), since a reader of the translation is not expected to read code names."""
    if i18n.current() == i18n.DEFAULT:
        return metric
    from sim.present.labels import name

    return _("{name} ({code})").format(name=name(metric), code=metric)


#: How each kind of check reads (translate with ``_``).
CHECK_WORDS = {
    "increase": N_("{metric} rises (B - A > 0)"),
    "decrease": N_("{metric} falls (B - A < 0)"),
    "no_gain": N_("{metric} gains less than {bound} (B - A)"),
    "no_loss": N_("{metric} loses less than {bound} (B - A)"),
    "at_least": N_("{metric} of {arm} at least {bound}"),
    "at_most": N_("{metric} of {arm} at most {bound}"),
    "within": N_("{metric} of {arm} within [{bound}, {upper}]"),
}
#: A map cell's verdict and a failed check's kind, in words (translate with ``_``).
VERDICT_WORDS = {
    "holds": N_("holds"),
    "vanishes": N_("vanishes"),
    "reverses": N_("reverses"),
    "reversed": N_("reversed"),
    "same direction, not significant": N_("same direction, not significant"),
    "bound exceeded": N_("bound exceeded"),
}


def _g(value: float) -> str:
    """A bound as ``{:g}`` would write it, with the locale's decimal sign."""
    text = f"{value:g}"
    return text if i18n.current() == i18n.DEFAULT else text.replace(".", get_decimal_symbol(i18n.locale()))


def _n(value: float | None, digits: int = 4) -> str:
    """A number in a report: exactly ``format_number`` in English, the locale's separators otherwise."""
    return format_number(value, digits) if i18n.current() == i18n.DEFAULT else i18n.figure(value, digits)


def _ci(low: float, high: float) -> str:
    """A confidence interval, ``[0.1, 0.3]`` (Danish: ``[0,1; 0,3]``, as the decimal sign is a comma)."""
    return _("[{low}, {high}]").format(low=_n(low), high=_n(high))


def _pct(share: float, digits: int = 0) -> str:
    return f"{share:.{digits}%}" if i18n.current() == i18n.DEFAULT else i18n.percent(share, digits)


@dataclass(frozen=True)
class Failure:
    """Where a claim's lever must not help: ``overrides`` applied to both arms, and the checks that show it."""

    story: str
    overrides: tuple[tuple[str, Any], ...]
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    story: str
    a: Arm
    b: Arm
    checks: tuple[Check, ...]
    lever_fails: bool = False
    fails: Failure | None = None
    #: Arms between A and B whose steps decompose B - A (e.g. headcount, then continuity), as (label, arm).
    parts: tuple[tuple[str, Arm], ...] = ()
    #: The paired seeds the claim runs on (its registered count): what its checks need to pass with 99% power on
    #: a fresh block, by the rule in ``sim.research.power`` applied to the pilot seeds alone (set 2026-12-04,
    #: after the bounds; ``python -m sim.research.power`` recomputes it).
    seeds: int = DEFAULT_SEEDS

    def failure_arms(self) -> tuple[Arm, Arm] | None:
        if self.fails is None:
            return None
        extra = dict(self.fails.overrides)
        return self.a.under(extra), self.b.under(extra)


def holds_when(scenario: Scenario) -> str:
    """One plain sentence on the named assumptions a scenario's results rest on, and where the lesson fails."""
    from sim.present.levers import ROLE_NAMES, possessive

    roles = {d.role for d in scenario.departments.values()}
    a = scenario.assumptions
    proxies = ", ".join(
        f"{possessive(_(ROLE_NAMES[r]))} {_pct(a.proxy(r))}" for r in KpiProxy.model_fields if r in roles
    ) or _("none of these departments is steered by such a KPI here")
    return _(
        "These results rest on named assumptions: how much a person-week of the work each department's KPI asks "
        "for does for customers, against the same effort aimed at them ({proxies}), how right the organisation's "
        "beliefs about what works are ({folk_wisdom}), and what a week of use is worth to a customer against what "
        "it pays ({customer_value}). A shared criterion of value pays off, in money too, when KPIs are poor "
        "proxies; where they know more than the criterion, trumping them costs value; a criterion that is only a "
        "proxy for value (30-day activation) moves itself and loses money; and aligned on a vanity metric the "
        "organisation does no better than the silo (docs/CLAIMS.md)."
    ).format(proxies=proxies, folk_wisdom=_pct(a.folk_wisdom), customer_value=_g(a.customer_value))


def premise(proxy: float | None = None, folk_wisdom: float | None = None) -> dict[str, Any]:
    """Overrides of the named assumptions: every KPI's proxy quality set to ``proxy``, and ``folk_wisdom``."""
    out: dict[str, Any] = {}
    if proxy is not None:
        out |= {f"assumptions.kpi_proxy.{role}": proxy for role in KpiProxy.model_fields}
    if folk_wisdom is not None:
        out["assumptions.folk_wisdom"] = folk_wisdom
    return out


#: The premise reversed: every KPI a perfect proxy for value, and beliefs right.
RIGHT_WORLD = tuple(premise(proxy=1.0, folk_wisdom=1.0).items())
#: The premise from its other side: every local KPI knows more than the shared criterion (its work does twice what
#: the same effort aimed at customers would), and the organisation knows it.
KPIS_KNOW_MORE = tuple(premise(proxy=2.0, folk_wisdom=1.0).items())
#: The default premise (every proxy and folk wisdom as the schema's defaults), to undo another premise in an arm.
DEFAULT_PREMISE = tuple(
    {
        **{f"assumptions.kpi_proxy.{r}": f.default for r, f in KpiProxy.model_fields.items()},
        "assumptions.folk_wisdom": 0.25,
    }.items()
)
#: A vanity shared criterion: everyone is asked to serve the count of items delivered.
VANITY = (("leadership.shared_criterion", "features_delivered"),)
#: Value as the shared criterion (the outcome index: value for customers and the business, sim.value).
ON_VALUE: dict[str, Any] = {"leadership__shared_criterion": "outcome_index", "leadership__shared_target": 45.0}
#: Revenue as the shared criterion (its target: a week's revenue a little above the default organisation's).
ON_REVENUE: dict[str, Any] = {"leadership__shared_criterion": "revenue", "leadership__shared_target": 520_000.0}
#: Metrics every claim reports beside its headline, with intervals: the money and the customers it keeps.
TRADEOFFS: tuple[str, ...] = ("revenue", "churn_rate")


#: The catalogue. Bounds were written from the pilot (``PILOT_SEEDS``) before any reported block ran; each claim's
#: ``seeds`` was set on 2026-12-04 by the power rule of ``sim.research.power`` on the same pilot (99% power per check,
#: the pilot's SD at its upper 90% limit, 30..200; docs/claims/power_plan.csv), with no bound, metric or arm changed.
CLAIMS: tuple[Claim, ...] = (
    Claim(
        "C1",
        N_("Siloed output KPIs: outputs are hit, the outcome stays flat"),
        N_(
            "Every department hits most of its own output KPI while the value customers and the business get barely "
            "moves; product logic (a shared criterion of value that trumps local KPIs, a real choice, data) moves it."
        ),
        arm("b2b_activation"),
        arm("product_logic"),
        (
            Check("outcome_change", "increase"),
            Check("output_attainment", "at_least", 0.75),
            Check("outcome_change", "within", -1.5, 1.5),
        ),
        fails=Failure(
            N_(
                "When the shared criterion is a vanity metric (features delivered), product logic gains next to no "
                "value and no money over the silo."
            ),
            VANITY,
            (Check("outcome_change", "no_gain", 0.5), Check("revenue", "no_gain", 150_000.0)),
        ),
        seeds=30,
    ),
    Claim(
        "C2",
        N_("A shared success criterion that trumps local KPIs raises the outcome and cuts context switching"),
        N_("The product team steers on value (A); leadership makes value win every conflict with a local KPI (B)."),
        arm("b2b_activation", **ON_VALUE),
        arm("b2b_activation", leadership__trump=1.0, **ON_VALUE),
        (
            Check("outcome_change", "increase"),
            Check("context_switches", "decrease"),
            Check("revenue", "increase"),
        ),
        fails=Failure(
            N_(
                "When the shared criterion is a vanity metric (features delivered), trumping local KPIs gains no "
                "value and no money."
            ),
            VANITY,
            (Check("outcome_change", "no_gain", 0.3), Check("revenue", "no_gain", 100_000.0)),
        ),
        seeds=39,
    ),
    Claim(
        "C3",
        N_("Partial transformation gains less than full alignment and shows more friction"),
        N_(
            "Only the product team steers on value (A); then the rest of the organisation follows (B): more value, "
            "fewer escalations."
        ),
        arm("partial_transformation", **ON_VALUE),
        arm("partial_transformation", leadership__trump=0.9, **ON_VALUE),
        (
            Check("outcome_change", "increase"),
            Check("escalations", "decrease"),
        ),
        fails=Failure(
            N_(
                "When the shared criterion is a vanity metric (features delivered), the rest of the organisation "
                "following it adds no value and no money."
            ),
            VANITY,
            (Check("outcome_change", "no_gain", 0.3), Check("revenue", "no_gain", 100_000.0)),
        ),
        seeds=42,
    ),
    Claim(
        "C4",
        N_("Product funding beats project funding over a long horizon; after go-live the outcome stalls"),
        N_(
            "An organisation that steers on value, over three years: its team is funded as a project that goes "
            "live in week 24, after which most people leave (A), or as a product team from go-live on (B). The "
            "difference splits into steps: knowledge (A with a full hand-over of what the leavers learned), "
            "headcount (A with every person kept) and measurement and ownership (B: someone still measures after "
            "go-live, runs tests and owns the backlog)."
        ),
        arm("product_logic", weeks=156, funding__mode="project", funding__go_live_week=24),
        arm(
            "product_logic",
            weeks=156,
            funding__mode="project",
            funding__go_live_week=24,
            funding__switch_to_product_week=24,
        ),
        (
            Check("outcome_change", "increase"),
            Check("revenue", "increase"),
            Check("support_contacts_per_customer", "decrease"),
        ),
        fails=Failure(
            N_(
                "With every person kept after go-live and no data to learn from, project and product funding do "
                "about equally well: continuity is worth what it lets a team learn."
            ),
            (("funding.retention", 1.0), ("departments.data_analytics.maturity", 0.0)),
            (Check("outcome_change", "no_gain", 0.5), Check("revenue", "no_gain", 300_000.0)),
        ),
        parts=(
            (
                "knowledge",
                arm(
                    "product_logic", weeks=156, funding__mode="project", funding__go_live_week=24, funding__handover=1.0
                ),
            ),
            (
                "headcount",
                arm(
                    "product_logic",
                    weeks=156,
                    funding__mode="project",
                    funding__go_live_week=24,
                    funding__retention=1.0,
                ),
            ),
        ),
        seeds=153,
    ),
    Claim(
        "C5",
        N_("Better data speeds learning and raises the outcome; without data the loudest voice wins"),
        N_(
            "An organisation that can act on what it learns, without data and user insight (A) and with fast, "
            "precise measurement (B)."
        ),
        arm("product_logic", departments__data_analytics__maturity=0.0, departments__ux_design__insight=0.0),
        arm("product_logic", departments__data_analytics__maturity=0.9),
        (
            Check("outcome_change", "increase"),
            Check("belief_error", "decrease"),
            Check("loudest_voice_share", "decrease"),
        ),
        fails=Failure(
            N_("When the organisation's beliefs are already right, data adds little value and little money."),
            (("assumptions.folk_wisdom", 1.0),),
            (Check("outcome_change", "no_gain", 0.4), Check("revenue", "no_gain", 150_000.0)),
        ),
        seeds=130,
    ),
    Claim(
        "C6",
        N_("A campaign before onboarding is easy brings leads but low activation and more support load"),
        N_(
            "The same organisation without (A) and with (B) a big early campaign. It brings more paying customers "
            "(revenue rises), of whom fewer get started."
        ),
        arm("campaign_before_onboarding", departments__marketing__campaign_lift=0.0),
        arm("campaign_before_onboarding"),
        (
            Check("activation_rate_30d", "decrease"),
            Check("leads", "increase"),
            Check("support_contacts_per_customer", "increase"),
        ),
        fails=Failure(
            N_(
                "When campaign leads are as good as organic ones (leads a perfect proxy for customers who will use "
                "the product) and Customer Success can call every new customer, the campaign costs at most a few "
                "points of activation (against about six) and still earns money."
            ),
            (("customers.campaign_lead_quality", 1.0), ("departments.customer_success.call_capacity", 100.0)),
            (Check("activation_rate_30d", "no_loss", 0.035), Check("revenue", "no_loss", 0.0)),
        ),
        seeds=75,
    ),
    Claim(
        "C7",
        N_("Longer approval chains mean longer lead times and less delivered value"),
        N_("One sign-off (A) against four with little capacity (B)."),
        arm("b2b_activation"),
        arm("long_approval_chain"),
        (
            Check("lead_time_weeks", "increase"),
            Check("features_delivered", "decrease"),
            Check("outcome_change", "decrease"),
        ),
        fails=Failure(
            N_(
                "When every approver has ample capacity and sends nothing back, four sign-offs still add a week "
                "each to the lead time but cost little value and little money: most of the chain's harm is its "
                "queues, not its length."
            ),
            tuple(
                (f"departments.{d}.{f}", v)
                for d in ("legal", "marketing", "finance", "leadership")
                for f, v in (("review_capacity", 20.0), ("rework_share", 0.0))
            ),
            (
                Check("lead_time_weeks", "increase"),
                Check("outcome_change", "no_loss", 0.4),
                Check("revenue", "no_loss", 150_000.0),
            ),
        ),
        seeds=30,
    ),
    Claim(
        "F1",
        N_("Lever fails: alignment on the wrong shared criterion"),
        N_(
            "The siloed organisation (A) against everyone aligned on features delivered (B): more output, and no "
            "more value than the silo."
        ),
        arm("b2b_activation"),
        arm("b2b_activation", leadership__trump=1.0, leadership__shared_criterion="features_delivered"),
        (
            Check("outcome_change", "no_gain", 0.3),
            Check("revenue", "no_gain", 100_000.0),
            Check("features_delivered", "increase"),
        ),
        lever_fails=True,
        seeds=30,
    ),
    Claim(
        "F2",
        N_("Lever fails: better data in an organisation that cannot act on it"),
        N_(
            "The siloed organisation of the article (the team cannot say no, pressure decides) without (A) and with "
            "(B) fast, precise measurement. The team learns, but priorities stay with the loudest voices: it gains "
            "little value (compare C5)."
        ),
        arm("b2b_activation", departments__data_analytics__maturity=0.0, departments__ux_design__insight=0.0),
        arm("b2b_activation", departments__data_analytics__maturity=0.9),
        (Check("outcome_change", "no_gain", 0.4), Check("belief_error", "decrease")),
        lever_fails=True,
        seeds=30,
    ),
    Claim(
        "F3",
        N_("Lever fails: everyone aligned on a vanity metric (leads)"),
        N_(
            "The siloed organisation (A) against everyone aligned on leads (B): Marketing launches whatever the "
            "onboarding, everyone asks for campaign support instead of work on the product; fewer customers get "
            "started."
        ),
        arm("b2b_activation"),
        arm("b2b_activation", leadership__trump=1.0, leadership__shared_criterion="leads"),
        (Check("outcome_change", "decrease"), Check("activation_rate_30d", "no_gain", 0.01)),
        lever_fails=True,
        seeds=69,
    ),
    Claim(
        "F4",
        N_("Lever fails: a shared criterion that is a proxy for value (30-day activation)"),
        N_(
            "The siloed organisation (A) against everyone aligned on 30-day activation (B), the product team's goal in "
            "the article: activation rises, value does not, and money is lost: work moves from feature fit, which "
            "brings and keeps customers, to onboarding."
        ),
        arm("b2b_activation"),
        arm("b2b_activation", leadership__trump=1.0),
        (
            Check("activation_rate_30d", "increase"),
            Check("outcome_change", "no_gain", 0.3),
            Check("revenue", "no_gain", 0.0),
        ),
        lever_fails=True,
        seeds=30,
    ),
    Claim(
        "R1",
        N_("The lesson reverses where local KPIs know more than the shared criterion"),
        N_(
            "Every local KPI's work does twice what the same effort aimed at customers would (proxy quality 2), and "
            "the organisation knows it; the shared criterion is 30-day activation. Trumping the local KPIs (B against "
            "A) then destroys value and money, however much activation rises."
        ),
        arm("b2b_activation").under(dict(KPIS_KNOW_MORE)),
        arm("b2b_activation", leadership__trump=1.0).under(dict(KPIS_KNOW_MORE)),
        (
            Check("value", "decrease"),
            Check("revenue", "decrease"),
            Check("activation_rate_30d", "increase"),
        ),
        fails=Failure(
            N_(
                "Where the premise holds (the default proxies and beliefs) and the shared criterion is value, the "
                "same lever does not destroy value or money."
            ),
            (
                *DEFAULT_PREMISE,
                ("leadership.shared_criterion", "outcome_index"),
                ("leadership.shared_target", 45.0),
            ),
            (Check("value", "increase"), Check("revenue", "increase")),
        ),
        seeds=68,
    ),
    Claim(
        "A1",
        N_("Aligned on revenue rather than on 30-day activation: more money and value, fewer customers using it"),
        N_(
            "Everyone aligned on 30-day activation (A) against everyone aligned on revenue (B). Revenue weighs the "
            "drivers that bring and keep paying accounts (feature fit, reliability); activation weighs getting "
            "started (onboarding). Aligned on revenue the organisation earns more and creates more value, and fewer "
            "of its new customers get started within 30 days."
        ),
        arm("b2b_activation", leadership__trump=1.0),
        arm("b2b_activation", leadership__trump=1.0, **ON_REVENUE),
        (
            Check("revenue", "increase"),
            Check("outcome_change", "increase"),
            Check("activation_rate_30d", "decrease"),
            Check("active_share", "decrease"),
        ),
        fails=Failure(
            N_(
                "When a first success depends on feature fit alone (no set-up to abandon, onboarding ease and "
                "self-service play no part), both criteria ask for the same work: no more money, no less activation."
            ),
            (
                ("customers.hazard_onboarding", 0.0),
                ("customers.hazard_self_service", 0.0),
                ("customers.hazard_fit", 1.0),
                ("customers.abandon_rate", 0.0),
            ),
            (Check("revenue", "no_gain", 100_000.0), Check("activation_rate_30d", "no_loss", 0.03)),
        ),
        seeds=84,
    ),
)

#: The named assumptions and team capacity over which ``claim_map`` shows each claim's headline effect.
MAP_FOLK_WISDOM: tuple[float, ...] = (0.0, 0.5, 1.0)
#: None: the scenario's own (default) proxies; 2: every KPI knows more than the shared criterion
MAP_PROXY: tuple[float | None, ...] = (None, 0.5, 1.0, 2.0)
MAP_CAPACITY: tuple[float, ...] = (2.0, 4.0, 9.0, 12.0)
MAP_SEEDS = 16


def map_settings() -> list[dict[str, Any]]:
    """The settings of a claim map: a grid over folk wisdom x KPI proxy quality, then team capacity alone."""
    grid = [{"axis": "assumptions", "folk_wisdom": w, "kpi_proxy": p} for p in MAP_PROXY for w in MAP_FOLK_WISDOM]
    return grid + [{"axis": "capacity", "capacity": c} for c in MAP_CAPACITY]


def _setting_overrides(setting: dict[str, Any]) -> dict[str, Any]:
    if setting["axis"] == "capacity":
        return {"teams.core.capacity": setting["capacity"]}
    return premise(proxy=setting["kpi_proxy"], folk_wisdom=setting["folk_wisdom"])


#: Parameters moved by -25% and +25%, one at a time, in the robustness analysis.
ROBUSTNESS_PARAMETERS: tuple[str, ...] = (
    "customers.activation_hazard",
    "customers.lead_rate",
    "customers.close_rate",
    "customers.churn_stalled",
    "customers.contact_rate",
    "product.onboarding_ease",
    "product.decay",
    "teams.core.capacity",
    "teams.core.switch_cost",
    "teams.core.discovery_rate",
    "departments.sales.demand_rate",
    "departments.customer_support.demand_rate",
    "kinds.onboarding_simplification.size",
    "kinds.key_account_feature.effect_sd",
    "behaviour.effect_scale",
    "behaviour.demand_floor",
    "behaviour.value_weight_without_evidence",
    "assumptions.folk_wisdom",
    "assumptions.kpi_proxy.sales",
    "assumptions.kpi_proxy.finance",
    "assumptions.customer_value",
    "assumptions.value_horizon_weeks",
)


@dataclass(frozen=True)
class Why:
    """What moved between A and B, from the runs' details (means over paired seeds): the kinds of work the teams'
    time moved from and to (person-weeks over the run), the product driver whose move cost most revenue (level over
    the last 13 weeks, and the revenue the funnel puts on that move), and the customer results that followed."""

    costs_money: bool
    revenue: tuple[float, float, float]
    time_from: tuple[str, float]
    time_to: tuple[str, float]
    driver: tuple[str, float, float]
    deals: float
    churn: float
    active_share: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "costs_money": self.costs_money,
            "revenue": list(self.revenue),
            "time_from": {"kind": self.time_from[0], "person_weeks": self.time_from[1]},
            "time_to": {"kind": self.time_to[0], "person_weeks": self.time_to[1]},
            "driver": {"name": self.driver[0], "change": self.driver[1], "revenue": self.driver[2]},
            "deals_closed": self.deals,
            "churn_rate": self.churn,
            "active_share": self.active_share,
        }

    def words(self) -> str:
        """The reason in a sentence (current language)."""
        d, low, high = self.revenue
        time = (
            _("Team time moved from {from_kind} ({from_pw} person-weeks over the run) to {to_kind} (+{to_pw});")
            if self.time_from[1] < 0
            else _("The teams had more time for everything, most of it for {to_kind} (+{to_pw} person-weeks);")
        )
        moved = (
            time
            + " "
            + _(
                "{driver} moved by {change} (worth {money} of revenue over the run, by the funnel's sensitivity); "
                "deals closed changed by {deals}, churn by {churn} points a year and customers using the product "
                "by {active} per 100 paying."
            )
        ).format(
            from_kind=self.time_from[0],
            from_pw=_n(self.time_from[1], 3),
            to_kind=self.time_to[0],
            to_pw=_n(self.time_to[1], 3),
            driver=self.driver[0],
            change=_n(self.driver[1], 2),
            money=_money(self.driver[2]),
            deals=_n(self.deals, 3),
            churn=_n(100 * self.churn, 2),
            active=_n(self.active_share, 2),
        )
        if self.costs_money:
            return (
                _("B improves the headline and costs money: revenue {d} (95% CI {low} to {high}).").format(
                    d=_money(d), low=_money(low), high=_money(high)
                )
                + " "
                + moved
            )
        return moved


def _money(value: float) -> str:
    """EUR, signed, to the thousand: ``-€191k``, ``+€1.2M``."""
    sign = "-" if value < 0 else "+"
    v = abs(value)
    text = f"€{v / 1e6:.2f}M" if v >= 1e6 else f"€{v / 1e3:.0f}k"
    if i18n.current() != i18n.DEFAULT:
        text = text.replace(".", get_decimal_symbol(i18n.locale()))
    return sign + text


@dataclass
class CheckResult:
    check: Check
    value: float
    ci_low: float
    ci_high: float
    passed: bool


@dataclass
class ClaimResult:
    claim: Claim
    seeds: list[int]
    checks: list[CheckResult] = field(default_factory=list)
    #: the failure side: the same checks' results with the claim's ``fails`` overrides in both arms
    failure: list[CheckResult] = field(default_factory=list)
    #: B - A split into steps through ``claim.parts``: (label, metric, difference, ci_low, ci_high)
    parts: list[tuple[str, str, float, float, float]] = field(default_factory=list)
    #: the money and the customers beside the headline: (metric, difference, ci_low, ci_high) for ``TRADEOFFS``
    tradeoffs: list[tuple[str, float, float, float]] = field(default_factory=list)
    #: why B moved what it moved (``Why``), in English; None without the runs' details
    why: Why | None = None

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks) and all(c.passed for c in self.failure)

    @property
    def registered(self) -> bool:
        """Whether the claim ran on its registered count of seeds (``Claim.seeds``), not a count forced on all."""
        return len(self.seeds) == self.claim.seeds

    def as_dict(self) -> dict[str, Any]:
        head = self.checks[0]
        out = {
            "id": self.claim.id,
            "title": self.claim.title,
            "metric": head.check.metric,
            "difference": head.value,
            "ci_low": head.ci_low,
            "ci_high": head.ci_high,
            "passed": self.passed,
            "seeds": self.seeds,
            "registered_seeds": self.claim.seeds,
            "lever_fails": self.claim.lever_fails,
            "a": self.claim.a.label,
            "b": self.claim.b.label,
            "checks": [_check_dict(c) for c in self.checks],
        }
        if self.claim.fails is not None:
            out["fails"] = {
                "story": self.claim.fails.story,
                "overrides": dict(self.claim.fails.overrides),
                "checks": [_check_dict(c) for c in self.failure],
            }
        if self.parts:
            out["parts"] = [
                {"step": label, "metric": m, "difference": d, "ci_low": lo, "ci_high": hi}
                for label, m, d, lo, hi in self.parts
            ]
        out["tradeoffs"] = [
            {"metric": m, "difference": d, "ci_low": lo, "ci_high": hi} for m, d, lo, hi in self.tradeoffs
        ]
        if self.why is not None:
            out["why"] = {**self.why.as_dict(), "text": self.why.words()}
        return out


def _check_dict(c: CheckResult) -> dict[str, Any]:
    return {"check": c.check.describe(), "value": c.value, "ci_low": c.ci_low, "ci_high": c.ci_high, "passed": c.passed}


def _judge_checks(checks: Iterable[Check], a: pd.DataFrame, b: pd.DataFrame) -> list[CheckResult]:
    out = []
    for check in checks:
        if check.expect in ("increase", "decrease", "no_gain", "no_loss"):
            d = paired_difference(a[check.metric], b[check.metric])
            value, low, high = d["difference"], d["ci_low"], d["ci_high"]
            passed = {
                "increase": low > 0,
                "decrease": high < 0,
                "no_gain": high < check.bound,
                "no_loss": low > -check.bound,
            }[check.expect]
        else:
            value, low, high = mean_ci((a if check.on == "a" else b)[check.metric])
            passed = {
                "at_least": low >= check.bound,
                "at_most": high <= check.bound,
                "within": check.bound <= low and high <= check.upper,
            }[check.expect]
        out.append(CheckResult(check, float(value), float(low), float(high), bool(passed)))
    return out


def judge(
    claim: Claim, a: pd.DataFrame, b: pd.DataFrame, seeds: list[int], summaries: dict[Arm, pd.DataFrame] | None = None
) -> ClaimResult:
    """Evaluate a claim's checks on the two arms' per-seed summaries (rows in seed order); with ``summaries`` of
    its other arms, also its failure side and the steps of its decomposition."""
    result = ClaimResult(claim, seeds, _judge_checks(claim.checks, a, b))
    for m in TRADEOFFS:
        d = paired_difference(a[m], b[m])
        result.tradeoffs.append((m, d["difference"], d["ci_low"], d["ci_high"]))
    if TIME in "".join(a.columns):
        result.why = why(claim, result, a, b)
    if summaries is None:
        return result
    failing = claim.failure_arms()
    if failing is not None and claim.fails is not None:
        result.failure = _judge_checks(claim.fails.checks, summaries[failing[0]], summaries[failing[1]])
    chain = [claim.a, *(x for _label, x in claim.parts), claim.b]
    labels = [label for label, _arm in claim.parts] + ["measurement and ownership" if claim.parts else ""]
    if claim.parts:
        metrics = dict.fromkeys(c.metric for c in claim.checks if c.expect in ("increase", "decrease"))
        for (x, y), label in zip(itertools.pairwise(chain), labels):
            for m in metrics:
                d = paired_difference(summaries[x][m], summaries[y][m])
                result.parts.append((label, m, d["difference"], d["ci_low"], d["ci_high"]))
    return result


#: Prefixes of the per-seed details ``_summary`` adds to a run's metrics: person-weeks per kind of work, and each
#: driver's level over the last weeks of the run.
TIME, DRIVER = "time:", "driver:"


def why(claim: Claim, result: ClaimResult, a: pd.DataFrame, b: pd.DataFrame) -> Why:
    """What moved from A to B and why money followed (means of paired differences over seeds)."""
    from sim.value import yardstick
    from sim.work import DRIVERS

    def diff(column: str) -> float:
        x = a.get(column, 0.0)
        y = b.get(column, 0.0)
        return float(np.nanmean(np.asarray(y - x, dtype=float)))

    kinds = sorted({c for c in (*a.columns, *b.columns) if c.startswith(TIME)})
    moves = {c.removeprefix(TIME): diff(c) for c in kinds}
    time_from = min(moves.items(), key=lambda kv: kv[1]) if moves else ("", 0.0)
    time_to = max(moves.items(), key=lambda kv: kv[1]) if moves else ("", 0.0)
    rev = paired_difference(a["revenue"], b["revenue"])
    slopes = yardstick(claim.a.build()).slopes["revenue"]  # revenue per driver point, over the value horizon
    weeks = float(a["weeks"].iloc[0]) if "weeks" in a else 52.0
    horizon = yardstick(claim.a.build()).horizon
    money = {d: slopes[j] * diff(DRIVER + d) * weeks / horizon for j, d in enumerate(DRIVERS)}
    # the driver whose move counts most in the direction revenue went
    driver = (min if rev["difference"] < 0 else max)(money, key=lambda d: money[d])
    head = result.checks[0]
    better = (head.check.expect == "increase") == (METRICS[head.check.metric].better == "higher")
    costs = head.passed and head.check.expect in ("increase", "decrease") and better and rev["ci_high"] < 0
    return Why(
        costs_money=bool(costs),
        revenue=(rev["difference"], rev["ci_low"], rev["ci_high"]),
        time_from=time_from,
        time_to=time_to,
        driver=(driver, diff(DRIVER + driver), money[driver]),
        deals=diff("deals_closed"),
        churn=diff("churn_rate"),
        active_share=diff("active_share"),
    )


def arms_of(claim: Claim) -> list[Arm]:
    """Every arm a claim needs: A, B, its failure side and the steps of its decomposition."""
    failing = claim.failure_arms() or ()
    return [claim.a, claim.b, *failing, *(x for _label, x in claim.parts)]


def _how(result: CheckResult) -> str:
    """Why a check failed: the effect reversed, or it kept its direction but lost significance."""
    expect = result.check.expect
    if expect in ("increase", "decrease"):
        reversed_ = result.value < 0 if expect == "increase" else result.value > 0
        return "reversed" if reversed_ else "same direction, not significant"
    return "bound exceeded"


def _summary(args: tuple[Arm, tuple[str, float] | None, tuple[int, ...]]) -> pd.DataFrame:
    """An arm's per-seed summary with the details ``why`` reads: person-weeks per kind of work (``time:<kind>``)
    and each driver's level over the last 13 weeks (``driver:<driver>``)."""
    from sim.metrics import END_WINDOW
    from sim.work import DRIVERS

    a, perturb, seeds = args
    ensemble = run_many(a.build(perturb), list(seeds))
    frame = ensemble.summary.set_index("seed")
    time = ensemble.extra["capacity"].pivot_table(
        index="seed", columns="kind", values="person_weeks", aggfunc="sum", fill_value=0.0
    )
    time.columns = [TIME + str(c) for c in time.columns]
    weekly = ensemble.weekly
    last = weekly[weekly["week"] > weekly.groupby("seed")["week"].transform("max") - END_WINDOW]
    drivers = last.groupby("seed")[list(DRIVERS)].mean()
    drivers.columns = [DRIVER + str(c) for c in drivers.columns]
    out = frame.join(time).join(drivers).fillna({c: 0.0 for c in time.columns})
    out["weeks"] = float(weekly["week"].max())
    return out.reset_index()


def _map(fn, jobs: list, workers: int) -> list:
    if workers <= 1 or len(jobs) <= 1:
        return [fn(j) for j in jobs]
    with process_pool(workers) as pool:
        return list(pool.map(fn, jobs))


#: Per-seed summaries of the ensembles run in this process, least recently used out first: an arm shared between
#: claims, or reached by two sets of overrides, or run by a second report on the same seeds, runs once.
MAX_SUMMARIES = 512
_summaries: LRUCache = LRUCache(maxsize=MAX_SUMMARIES)
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached ensemble summary (tests; a changed model in the same process)."""
    with _lock:
        _summaries.clear()


def _key(job: tuple[Arm, tuple[str, float] | None, tuple[int, ...]]) -> tuple[bytes, tuple[int, ...]]:
    """The scenario an arm runs (its JSON: everything it holds, perturbation included) and the seeds."""
    a, perturb, seeds = job
    return hashlib.blake2b(a.build(perturb).model_dump_json().encode(), digest_size=16).digest(), tuple(seeds)


def _from_longer(key: tuple[bytes, tuple[int, ...]]) -> pd.DataFrame | None:
    """The rows of ``key``'s seeds from a stored ensemble of the same scenario on more seeds (e.g. a claim's
    registered block, for a quick look on fewer), in the order asked; None if there is none."""
    digest, seeds = key
    for (other, stored), frame in list(_summaries.items()):
        if other == digest and set(seeds) <= set(stored):
            return frame.set_index("seed").loc[list(seeds)].reset_index()
    return None


def summaries(
    jobs: list[tuple[Arm, tuple[str, float] | None, tuple[int, ...]]], workers: int = 1
) -> list[pd.DataFrame]:
    """Each job's per-seed summary (``_summary``), in order: jobs that run the same scenario on the same seeds run
    once, and ensembles this process has run before, on these seeds or more, are not run again (a copy of the
    stored frame, or of its rows for these seeds)."""
    keys = [_key(job) for job in jobs]
    with _lock:
        found = {key: _summaries[key] for key in keys if key in _summaries}
        for key in keys:
            if key not in found and (frame := _from_longer(key)) is not None:
                found[key] = frame
    todo = {key: job for key, job in zip(keys, jobs) if key not in found}
    for key, frame in zip(todo, _map(_summary, list(todo.values()), workers)):
        with _lock:
            _summaries[key] = frame
        found[key] = frame
    return [found[key].copy() for key in keys]


def seed_block(seeds: int | Iterable[int], start: int = 0) -> list[int]:
    """``seeds`` paired seeds from ``start`` (``start..start+seeds-1``), or the seeds given."""
    return list(range(start, start + seeds)) if isinstance(seeds, int) else [int(x) for x in seeds]


def arm_blocks(
    claims: Iterable[Claim] = CLAIMS, seeds: int | list[int] | None = None, start: int = 0
) -> dict[Arm, list[int]]:
    """The seeds each arm runs on: the longest block of the claims that use it (every claim's block starts at
    ``start``, so a shorter one is its prefix)."""
    out: dict[Arm, list[int]] = {}
    for c in claims:
        block = seed_block(c.seeds if seeds is None else seeds, start)
        for x in arms_of(c):
            if len(block) > len(out.get(x, ())):
                out[x] = block
    return out


def evaluate(
    claims: Iterable[Claim] = CLAIMS, seeds: int | list[int] | None = None, workers: int = 1, start: int = 0
) -> list[ClaimResult]:
    """Run every claim's arms and judge them, failure sides and decompositions included. Each claim runs on its
    registered count of paired seeds from ``start`` (``claim.seeds``; ``seeds=None``), or every claim on ``seeds``
    seeds from ``start`` (or the list given), which is not the registered count. An arm shared between claims runs
    once, on the longest block any of them needs, and a claim with fewer seeds takes that block's first seeds."""
    claims = list(claims)
    blocks = arm_blocks(claims, seeds, start)
    frames = dict(zip(blocks, summaries([(x, None, tuple(b)) for x, b in blocks.items()], workers)))
    results = []
    for c in claims:
        seed_list = seed_block(c.seeds if seeds is None else seeds, start)
        by_arm = {x: frames[x].iloc[: len(seed_list)].reset_index(drop=True) for x in arms_of(c)}
        assert all(list(f["seed"]) == seed_list for f in by_arm.values()), c.id
        results.append(judge(c, by_arm[c.a], by_arm[c.b], seed_list, by_arm))
    return results


def claim_map(claims: Iterable[Claim] = CLAIMS, seeds: int = MAP_SEEDS, workers: int = 1) -> pd.DataFrame:
    """Each claim's headline effect (B - A with its 95% CI) across the named assumptions and team capacity: a row
    per claim and setting, with a verdict: holds, vanishes (the CI reaches zero) or reverses."""
    claims = list(claims)
    seed_list = tuple(range(seeds))
    jobs: dict[Arm, None] = {}
    for setting in map_settings():
        extra = _setting_overrides(setting)
        for c in claims:
            for x in (c.a, c.b):
                jobs.setdefault(x.under(extra), None)
    keys = list(jobs)
    results = dict(zip(keys, summaries([(x, None, seed_list) for x in keys], workers)))
    rows = []
    for setting in map_settings():
        extra = _setting_overrides(setting)
        for c in claims:
            head = c.checks[0]
            r = _judge_checks([head], results[c.a.under(extra)], results[c.b.under(extra)])[0]
            rows.append(
                {
                    "claim": c.id,
                    **{k: setting.get(k) for k in ("axis", "folk_wisdom", "kpi_proxy", "capacity")},
                    "metric": head.metric,
                    "difference": r.value,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                    "verdict": _verdict(r),
                }
            )
    return pd.DataFrame(rows)


def _verdict(r: CheckResult) -> str:
    if r.passed:
        return "holds"
    if (
        r.check.expect in ("increase", "decrease")
        and _how(r) == "reversed"
        and (r.ci_high < 0 if r.check.expect == "increase" else r.ci_low > 0)
    ):
        return "reverses"
    return "vanishes"


def robustness(
    claims: Iterable[Claim] = CLAIMS,
    seeds: int = DEFAULT_SEEDS,
    workers: int = 1,
    parameters: Iterable[str] = ROBUSTNESS_PARAMETERS,
    factors=(0.75, 1.25),
) -> pd.DataFrame:
    """Each claim under each parameter moved by each factor, one at a time: a row per claim and setting."""
    claims = list(claims)
    seed_list = list(range(seeds))
    settings = [(p, f) for p in parameters for f in factors]
    arms = list(dict.fromkeys(y for c in claims for y in (c.a, c.b)))
    jobs = [(x, s, tuple(seed_list)) for s in settings for x in arms]
    results = dict(zip([(j[0], j[1]) for j in jobs], summaries(jobs, workers)))
    rows = []
    for setting in settings:
        path, factor = setting
        for c in claims:
            r = judge(c, results[(c.a, setting)], results[(c.b, setting)], seed_list)
            failed = [f"{x.check.describe()} ({_(VERDICT_WORDS[_how(x)])})" for x in r.checks if not x.passed]
            rows.append(
                {
                    "claim": c.id,
                    "parameter": path,
                    "factor": factor,
                    "passed": r.passed,
                    "headline": r.checks[0].value,
                    "failed_checks": "; ".join(failed),
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- reports


#: The steps of a decomposition, in words (translate with ``_``).
STEP_WORDS = {
    "knowledge": N_("knowledge"),
    "headcount": N_("headcount"),
    "measurement and ownership": N_("measurement and ownership"),
}


def _step(label: str) -> str:
    return _(STEP_WORDS[label]) if label in STEP_WORDS else label


def _yes(passed: bool) -> str:
    return _("yes") if passed else "**" + _("no") + "**"


def _block(results: list[ClaimResult]) -> str:
    """The seeds a report ran, in words: ``0..29 (30 paired seeds per arm, ...)``."""
    first = results[0].seeds[0]
    counts = sorted({len(r.seeds) for r in results})
    if all(r.registered for r in results) and len(counts) > 1:
        return _(
            "from {first}, each claim on its registered count ({low} to {high} paired seeds per arm, set by a "
            "power rule on the pilot)"
        ).format(first=first, low=counts[0], high=counts[-1])
    seeds = results[0].seeds
    text = _("{first}..{last} ({n} paired seeds per arm)").format(first=first, last=seeds[-1], n=len(seeds))
    if not all(r.registered for r in results):
        text += " " + _("for every claim: not the registered counts")
    return text


def _seeds_of(r: ClaimResult) -> str:
    return f"{r.seeds[0]}..{r.seeds[-1]} ({len(r.seeds)})"


def table(results: list[ClaimResult], robust: pd.DataFrame | None = None) -> str:
    """Plain-text report, in the current language."""
    lines = [
        _("claims over paired seeds {block}; difference = B - A, 95% CI").format(block=_block(results)),
        "",
    ]
    for r in results:
        verdict = _("PASS") if r.passed else _("FAIL")
        lines.append(f"{r.claim.id}  {verdict}  {_(r.claim.title)}")
        lines.append("      " + _("seeds:") + " " + _seeds_of(r))
        lines.append(f"      A: {r.claim.a.label}")
        lines.append(f"      B: {r.claim.b.label}")
        for c in r.checks:
            lines.append(_check_line(c))
        if r.failure and r.claim.fails is not None:
            lines.append(
                "      " + _("where it fails:") + " " + ", ".join(f"{k}={v}" for k, v in r.claim.fails.overrides)
            )
            lines += [_check_line(c) for c in r.failure]
        for label, m, d, lo, hi in r.parts:
            step = _("step")
            lines.append(f"      {step} {_step(label):10s} {m:48s} {_n(d):>10} {_ci(lo, hi)}")
        beside = _("beside it")
        for m, d, lo, hi in r.tradeoffs:
            lines.append(f"      {beside} {metric_words(m):51s} {_n(d):>10} {_ci(lo, hi)}")
        if r.why is not None:
            lines += _wrapped(_("why:") + " " + r.why.words(), "      ")
        lines.append("")
    passed = sum(r.passed for r in results)
    lines.append(_("{passed} of {total} claims hold").format(passed=passed, total=len(results)))
    if robust is not None:
        lines += ["", _robust_summary(robust).to_string()]
    return "\n".join(lines) + "\n"


def _wrapped(text: str, indent: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, 116, initial_indent=indent, subsequent_indent=indent + "  ")


def _check_line(c: CheckResult) -> str:
    return f"      [{'ok' if c.passed else '--'}] {c.check.describe():58s} {_n(c.value):>10} {_ci(c.ci_low, c.ci_high)}"


def _robust_summary(robust: pd.DataFrame) -> pd.DataFrame:
    """Claim x parameter: which of -25% / +25% keep the claim."""
    ok, breaks = _("ok"), _("BREAKS")

    def mark(group: pd.DataFrame) -> str:
        return " ".join(f"{f - 1:+.0%}:{ok if p else breaks}" for f, p in zip(group["factor"], group["passed"]))

    return robust.groupby(["parameter", "claim"]).apply(mark, include_groups=False).unstack("claim")


def _markdown_table(frame: pd.DataFrame) -> str:
    head = [frame.index.name or "", *map(str, frame.columns)]
    rows = [[f"`{idx}`", *map(str, row)] for idx, row in zip(frame.index, frame.to_numpy())]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def _summary_table(results: list[ClaimResult]) -> list[str]:
    """One row per claim: whether it holds, its headline, and revenue and churn beside it."""
    head = [_("claim"), _("holds"), _("seeds"), _("headline metric"), _("difference"), _("95% CI")]
    head += [metric_words(m) + " " + _("(B − A, 95% CI)") for m in TRADEOFFS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lever_fails = " *(" + _("lever fails") + ")*"
    for r in results:
        h = r.checks[0]
        beside = [f"{_n(d)} {_ci(lo, hi)}" for _m, d, lo, hi in r.tradeoffs]
        lines.append(
            f"| {r.claim.id} {_(r.claim.title)}{lever_fails if r.claim.lever_fails else ''} | "
            f"{_yes(r.passed)} | {len(r.seeds)} | {metric_words(h.check.metric)} | {_n(h.value)} | "
            f"{_ci(h.ci_low, h.ci_high)} | " + " | ".join(beside) + " |"
        )
    return lines


def _check_row(c: CheckResult) -> str:
    return f"| {c.check.describe()} | {_n(c.value)} | {_ci(c.ci_low, c.ci_high)} | {_yes(c.passed)} |"


def _map_table(rows: pd.DataFrame) -> str:
    """A claim's map as a Markdown table: KPI proxy quality x folk wisdom, then team capacity."""
    if rows.empty:
        return ""
    grid = rows[rows["axis"] == "assumptions"]
    cell = {
        (
            r.kpi_proxy if not pd.isna(r.kpi_proxy) else None,
            r.folk_wisdom,
        ): f"{_n(r.difference, 3)} {_(VERDICT_WORDS[r.verdict])}"
        for r in grid.itertuples()
    }
    metric = rows["metric"].iloc[0]
    lines = [
        _("Map of the headline ({metric}, B − A): rows set every KPI's proxy quality, columns folk wisdom.").format(
            metric=metric_words(metric)
        ),
        "",
        "| " + _("KPI proxy \\ folk wisdom") + " | " + " | ".join(_g(w) for w in MAP_FOLK_WISDOM) + " |",
        "|---|" + "---|" * len(MAP_FOLK_WISDOM),
    ]
    for p in MAP_PROXY:
        name = _("scenario's own") if p is None else _("all {value}").format(value=_g(p))
        lines.append(f"| {name} | " + " | ".join(cell.get((p, w), "") for w in MAP_FOLK_WISDOM) + " |")
    cap = rows[rows["axis"] == "capacity"]
    lines += [
        "",
        "| " + _("team capacity") + " | " + " | ".join(_g(c) for c in cap["capacity"]) + " |",
        "|---|" + "---|" * len(cap),
        "| "
        + _("difference")
        + " | "
        + " | ".join(f"{_n(d, 3)} {_(VERDICT_WORDS[v])}" for d, v in zip(cap["difference"], cap["verdict"]))
        + " |",
    ]
    return "\n".join(lines)


def _command(
    results: list[ClaimResult],
    robust: pd.DataFrame | None,
    robustness_seeds: int,
    maps: pd.DataFrame | None,
    map_seeds: int,
    confirm: list[ClaimResult] | None,
) -> str:
    """The ``alignsim claims`` command that makes this report (seed counts included where they are not the
    defaults: ``--seeds`` where the claims did not run on their registered counts)."""
    seeds = results[0].seeds
    parts = ["alignsim claims --format markdown"]
    if not all(r.registered for r in results):
        parts.append(f"--seeds {len(seeds)}")
    if seeds[0] != 0:
        parts.append(f"--seed-start {seeds[0]}")
    if robust is not None:
        parts.append("--robustness" + (f" --robustness-seeds {robustness_seeds}" if robustness_seeds != 30 else ""))
    if maps is not None:
        parts.append(
            "--map"
            + (f" --map-seeds {map_seeds}" if map_seeds != MAP_SEEDS else "")
            + " --map-chart docs/claims/map.png"
        )
    if confirm:
        parts.append(f"--confirm-start {confirm[0].seeds[0]}")
    return " ".join(parts)


def _history() -> str:
    from sim.research import power

    return _(HISTORY).format(
        power=_pct(power.POWER),
        safeguard=_pct(power.SAFEGUARD),
        confidence=_pct(power.SD_CONFIDENCE),
        low=DEFAULT_SEEDS,
        high=power.MAX_SEEDS,
    )


def markdown(
    results: list[ClaimResult],
    robust: pd.DataFrame | None,
    robustness_seeds: int,
    maps: pd.DataFrame | None = None,
    map_seeds: int = MAP_SEEDS,
    confirm: list[ClaimResult] | None = None,
) -> str:
    """The report as Markdown in the current language (docs/CLAIMS.md is generated with it in English); with
    ``confirm``, the same claims on a second seed block that set no bound."""
    seed_line = "- " + _("seeds: {block}").format(block=_block(results))
    if robust is not None:
        seed_line += "; " + _("robustness: {n} seeds").format(n=robustness_seeds)
    holding = sum(r.passed for r in results)
    summary = _(
        "**{passed} of {total} claims hold.** Claims marked *lever fails* show settings where alignment does "
        "not pay; they hold when the report shows the failure. Every claim also names where it fails (its "
        "checks must pass too), and rests on the named assumptions of the scenario (`[assumptions]`: how "
        "good a proxy each KPI is for the customer outcome, how right the organisation's beliefs are; "
        "docs/MODEL.md)."
    ).format(passed=holding, total=len(results))
    if maps is not None:
        summary += " " + _(
            "Each claim's map shows its headline over those assumptions and team capacity ({n} seeds "
            "per cell): *holds* (95% CI on the claimed side of zero), *vanishes* (the CI reaches zero) "
            "or *reverses*; the chart is [claims/map.png](claims/map.png)."
        ).format(n=map_seeds)
    check_head = ["| " + " | ".join([_("check"), _("value"), _("95% CI"), _("holds")]) + " |", "|---|---|---|---|"]
    out = [
        "# " + _("The claims, checked"),
        "",
        _("Generated by `{command}` (see the README for the seeds) — do not edit by hand.").format(
            command=_command(results, robust, robustness_seeds, maps, map_seeds, confirm)
        ),
        "",
        seed_line,
        "- " + _("versions:") + " " + ", ".join(f"{k} {val}" for k, val in versions().items()),
        "- " + _("difference = B − A, paired by seed, with a t-based 95% confidence interval"),
        "- "
        + _(
            "every bound was written in the catalogue (`sim/research/claims.py`) before these seeds were run, from "
            "a pilot on seeds {pilot}; {confirm}"
        ).format(
            pilot=PILOT_SEEDS,
            confirm=_("a second block of seeds that set no bound is at the end of this report")
            if confirm
            else _("run `alignsim claims --seed-start 1000` for a block that set no bound"),
        ),
        "- " + _history(),
        *(["- " + _(FRESH_WORDS).format(first=FRESH_BLOCK)] if confirm and confirm[0].seeds[0] == FRESH_BLOCK else []),
        "",
        summary,
        "",
        *(["![" + _("Where each claim holds") + "](claims/map.png)", ""] if maps is not None else []),
        *_summary_table(results),
    ]
    for r in results:
        out += [
            "",
            f"## {r.claim.id}: {_(r.claim.title)}",
            "",
            _(r.claim.story),
            "",
            f"- A: `{r.claim.a.label}`",
            f"- B: `{r.claim.b.label}`",
            "- " + _("seeds:") + " " + _seeds_of(r),
            "",
            *check_head,
        ]
        out += [_check_row(c) for c in r.checks]
        out += [
            "",
            "**" + _("Beside the headline.") + "** " + _("Money and customers kept (B − A):"),
            "",
            "| " + " | ".join([_("metric"), _("difference"), _("95% CI")]) + " |",
            "|---|---|---|",
            *(f"| {metric_words(m)} | {_n(d)} | {_ci(lo, hi)} |" for m, d, lo, hi in r.tradeoffs),
        ]
        if r.why is not None:
            out += ["", "**" + _("Why.") + "** " + r.why.words()]
        if r.claim.fails is not None:
            over = ", ".join(f"`{k}={v}`" for k, v in r.claim.fails.overrides)
            out += [
                "",
                "**"
                + _("Where it fails.")
                + "** "
                + _("{story} ({overrides}, in both arms)").format(story=_(r.claim.fails.story), overrides=over),
                "",
                *check_head,
            ]
            out += [_check_row(c) for c in r.failure]
        if r.parts:
            out += [
                "",
                "**" + _("Where the difference comes from") + "** " + _("(B − A in steps, paired by seed):"),
                "",
                "| " + " | ".join([_("step"), _("metric"), _("difference"), _("95% CI")]) + " |",
                "|---|---|---|---|",
            ]
            out += [
                f"| {_step(label)} | {metric_words(m)} | {_n(d)} | {_ci(lo, hi)} |" for label, m, d, lo, hi in r.parts
            ]
        if maps is not None:
            out += ["", _map_table(maps[maps["claim"] == r.claim.id])]
    if confirm:
        first = confirm[0].seeds[0]
        out += [
            "",
            "## " + _("The same claims on seeds that set no bound"),
            "",
            _(
                "Seeds {block}, run after the bounds were written: {passed} of {total} claims hold, failure sides "
                "included (`alignsim claims --seed-start {first}`)."
            ).format(
                block=_block(confirm),
                first=first,
                passed=sum(r.passed for r in confirm),
                total=len(confirm),
            ),
            "",
            *_summary_table(confirm),
        ]
        failed = [
            f"- {r.claim.id}: "
            + "; ".join(
                f"{c.check.describe()}: {_n(c.value)} {_ci(c.ci_low, c.ci_high)}"
                for c in (*r.checks, *r.failure)
                if not c.passed
            )
            for r in confirm
            if not r.passed
        ]
        out += ["", *failed] if failed else []
    if robust is not None:
        broken = robust[~robust["passed"]]
        out += [
            "",
            "## " + _("Robustness"),
            "",
            _(
                "Each parameter below is moved by −25% and +25% in both arms of every claim, one at a time ({n} "
                "seeds). A cell reads `-25%:ok +25%:ok` when the claim holds both ways. A failed check is either "
                "*reversed* (the effect changed sign) or *same direction, not significant* (the 95% interval now "
                "reaches zero); for bounds, *bound exceeded*."
            ).format(n=robustness_seeds),
            "",
            _markdown_table(_robust_summary(robust)),
            "",
            _("{broken} of {total} perturbed claims break.").format(broken=len(broken), total=len(robust)),
        ]
        if len(broken):
            out += [
                "",
                "| " + " | ".join([_("claim"), _("parameter"), _("change"), _("failed checks")]) + " |",
                "|---|---|---|---|",
            ]
            out += [
                f"| {b.claim} | `{b.parameter}` | {b.factor - 1:+.0%} | {b.failed_checks} |"
                for b in broken.itertuples()
            ]
    return "\n".join(out) + "\n"
