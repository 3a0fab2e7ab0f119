"""Scenarios: the validated description of one organisation, its product, customers and levers.

A scenario is a TOML file checked against the pydantic schema of the model it names (``model = "..."``; the
alignment model when it names none: its schema is ``Scenario`` below, the reference models keep theirs next to
their model). For the alignment model, every value a file does not give falls back to the default organisation
below, and so do the departments it does not name, unless it says ``default_departments = false`` (then its
``[departments]`` are all the departments there are; ``WITHOUT_ROLE`` says what a missing role means). This
module holds the schema only: reading files, ``extends``, ``--set`` overrides and TOML writing are the input
boundary's (``sim.input``).
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_serializer, field_validator, model_validator

from sim.i18n import N_, Message
from sim.input import DEFAULT_MODEL, SCHEMA_VERSION, apply_overrides, deep_merge, dumps_toml
from sim.metrics import METRICS
from sim.work import DEFAULT_KINDS, OUTCOME

#: Bounds declared once: the role classes re-declare defaults with these types and keep the bounds.
Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Target = Annotated[float, Field(ge=0.0, description="weekly target of the KPI")]
RequestWeights = Annotated[
    dict[str, Annotated[float, Field(ge=0.0, le=10.0)]],
    Field(description='team -> weight of demands ("*": every team)'),
]
DemandRate = Annotated[float, Field(ge=0.0, le=20.0, description="demands per week at full KPI gap")]
ReviewCapacity = Annotated[float, Field(gt=0.0, le=1000.0, description="items reviewed per week when approving")]
#: Highest proxy quality a KPI may have: four times the value of work aimed at the customer outcome.
MAX_PROXY = 4.0
#: In a department's ``requests``, the weight for every team not named explicitly.
ALL_TEAMS = "*"
Driver = Literal["onboarding_ease", "feature_fit", "reliability", "self_service"]


class _Strict(BaseModel):
    """Unknown fields are refused and every float is finite (no nan or inf) unless a field says otherwise."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False, allow_inf_nan=False)


class LeadershipLevers(_Strict):
    """Direction: the shared success criterion, how much it trumps local KPIs, whether priorities are real choices."""

    shared_criterion: str = Field("activation_rate_30d", description="metric all units are asked to serve")
    shared_target: float = Field(0.45, ge=0.0, description="target value of the shared criterion")
    trump: Unit = Field(0.0, description="how much the shared criterion overrides local KPIs (0 none, 1 fully)")
    real_choice: bool = Field(True, description="teams may say no: the WIP limit holds against demands")

    @field_validator("shared_criterion")
    @classmethod
    def _known_metric(cls, v: str) -> str:
        if v not in METRICS:
            raise ValueError(
                Message(N_("unknown metric {value}; allowed: {allowed}"), value=repr(v), allowed=", ".join(METRICS))
            )
        return v


class Funding(_Strict):
    """Project funding plans teams by milestones and shrinks them after go-live; product funding keeps them."""

    mode: Literal["product", "project"] = "product"
    go_live_week: int = Field(26, ge=1, description="project funding: week of go-live, after which people leave")
    retention: Unit = Field(0.2, description="project funding: share of the team kept after go-live")
    handover: Unit = Field(
        0.0,
        description="project funding: share of what the people who leave at go-live had "
        "learned that stays (documentation, hand-over)",
    )
    switch_to_product_week: int | None = Field(None, ge=1, description="week the organisation moves to product funding")


class Product(_Strict):
    """The product drivers at week 0 and how fast they decay without care."""

    onboarding_ease: Unit = 0.30
    feature_fit: Unit = 0.55
    reliability: Unit = 0.60
    self_service: Unit = 0.30
    decay: float = Field(0.002, ge=0.0, le=0.1, description="weekly relative decay of every driver")


class Customers(_Strict):
    """The customer population and its funnel rates (weekly probabilities unless stated). The population starts
    in the steady state of the week-0 product, so outcome changes during a run come from what happens in it."""

    population: int = Field(5000, ge=10, le=5_000_000, description="number of accounts (prospects and customers)")
    lead_rate: Unit = Field(0.006, description="weekly chance a prospect becomes a lead (organic)")
    lead_loss: Unit = Field(0.10, description="weekly chance a lead goes cold")
    close_rate: Unit = Field(0.10, description="weekly chance a lead buys, at feature fit 1")
    acv: float = Field(12_000.0, ge=0.0, description="annual contract value per account (EUR)")
    activation_hazard: Unit = Field(0.28, description="weekly chance of first success at perfect drivers")
    late_activation: Unit = Field(
        0.3,
        description="stalled customers' activation chance relative to onboarding, "
        "fading with weeks stalled (13-week time constant)",
    )
    abandon_rate: Unit = Field(0.06, description="weekly chance of abandoning setup at onboarding ease 0")
    churn_activated: Unit = Field(0.0015, description="weekly churn of activated customers at average drivers")
    churn_stalled: Unit = Field(0.006, description="weekly churn of stalled customers")
    winback: Unit = Field(0.01, description="weekly chance a churned account becomes a prospect again")
    contact_rate: float = Field(0.12, ge=0.0, le=10.0, description="weekly support contacts per activated customer")
    call_boost: Unit = Field(0.008, description="added activation chance in a week with an onboarding call")
    campaign_lead_quality: Unit = Field(0.6, description="campaign leads' activation relative to organic leads")
    # the shape of the funnel's response to the product drivers (docs/MODEL.md §7)
    hazard_onboarding: Unit = Field(
        0.6,
        description="weight of onboarding ease in the activation hazard (the three weights sum to 1 by default); "
        "chosen: getting started is mostly the set-up flow",
    )
    hazard_self_service: Unit = Field(
        0.25, description="weight of self-service in the activation hazard; chosen: customers who can help themselves"
    )
    hazard_fit: Unit = Field(
        0.15,
        description="weight of feature fit in the activation hazard; chosen: a first success needs a fitting feature",
    )
    stale_weeks: float = Field(
        13.0,
        gt=0.0,
        le=520.0,
        description="weeks (time constant) over which a stalled customer's chance of a late first success fades; "
        "chosen: a quarter",
    )
    churn_fit_slope: float = Field(
        2.0,
        ge=0.0,
        le=20.0,
        description="relative rise of active churn per point of feature fit below its pivot; chosen: fit is the "
        "main reason B2B customers leave",
    )
    churn_fit_pivot: Unit = Field(
        0.55, description="feature fit at which active churn is churn_activated; chosen: the default product"
    )
    churn_reliability_slope: float = Field(
        1.5,
        ge=0.0,
        le=20.0,
        description="relative rise of active churn per point of reliability below its pivot; chosen: a little "
        "below fit",
    )
    churn_reliability_pivot: Unit = Field(
        0.6, description="reliability at which active churn is churn_activated; chosen: the default product"
    )
    churn_floor: Unit = Field(
        0.2,
        description="lowest active churn, relative to churn_activated (however good the product); chosen: some "
        "customers always leave",
    )
    contacts_onboarding: float = Field(
        3.0,
        ge=0.0,
        le=50.0,
        description="support contacts of a customer in onboarding, relative to an activated one; chosen "
        "(docs/MODEL.md §11)",
    )
    contacts_stalled: float = Field(
        2.0,
        ge=0.0,
        le=50.0,
        description="support contacts of a stalled customer, relative to an activated one; chosen (docs/MODEL.md §11)",
    )
    contacts_reliability: float = Field(
        1.5, ge=0.0, le=20.0, description="relative rise of contacts at reliability 0 (none at reliability 1); chosen"
    )
    contacts_self_service: Unit = Field(
        0.6, description="share of contacts self-service removes at self-service 1; chosen"
    )


class Behaviour(_Strict):
    """The tuned constants of how units decide, learn and work: each with its unit and its source, or "chosen" and
    why (docs/MODEL.md §10, "Behaviour"). Defaults are the model's; moving them is how a reader tests whether a
    lesson hinges on them (the global sensitivity analysis, docs/SENSITIVITY.md)."""

    # departments
    kpi_window: int = Field(
        4, ge=1, le=52, description="weeks a department looks back at its KPI; chosen: a monthly KPI review"
    )
    shared_window: int = Field(
        8,
        ge=1,
        le=104,
        description="weeks over which the shared criterion's progress is read; chosen: longer than a KPI window, "
        "as it steers the whole organisation",
    )
    progress_without_data: float = Field(
        0.5,
        ge=0.0,
        le=2.0,
        description="KPI progress a department assumes before its KPI has any data (drives its demands only): every "
        "KPI in week 0, and for longer a KPI that stays undefined (promises kept, before the first is due); chosen: "
        "half-way, neither on target nor far off",
    )
    demand_floor: Unit = Field(
        0.3,
        description="share of its full demand rate a department keeps sending with its KPI on target (the rest "
        "grows with the KPI gap); chosen: departments keep asking even on target",
    )
    patience: int = Field(
        6, ge=1, le=104, description="weeks a demand waits unstarted before its requester may escalate it; chosen"
    )
    promise_escalation_weeks: int = Field(
        2,
        ge=0,
        le=52,
        description="weeks before a promise's due date that Sales escalates it at the latest; chosen",
    )
    escalation_floor: Unit = Field(
        0.5,
        description="chance an unaligned department escalates an overdue demand with its KPI on target (rising to "
        "1 at a full KPI gap); chosen",
    )
    campaign_lead_weeks: int = Field(
        6, ge=0, le=52, description="weeks before its campaign that Marketing starts asking for work; chosen"
    )
    goal_fit_threshold: Unit = Field(
        0.5,
        description="share of the best kind's value per person-week from which a kind counts as serving the "
        "shared criterion (asked for on its behalf; shared_goal_capacity_share); chosen: half the best",
    )
    # teams: ranking
    value_weight_without_evidence: Unit = Field(
        0.25,
        description="weight of believed value against pressure for a fully aligned team without evidence (rising "
        "to 1 with full evidence); chosen: without data the loudest voice wins",
    )
    age_bonus: float = Field(
        0.002,
        ge=0.0,
        le=1.0,
        description="rank score added per week an item has waited (ties go to older work); chosen: small",
    )
    urgency_due_weeks: int = Field(
        3, ge=0, le=52, description="weeks before a due date from which an item is urgent; chosen"
    )
    urgency_due_bonus: float = Field(
        2.0, ge=0.0, le=100.0, description="pressure multiplier added to an urgent item (due soon); chosen"
    )
    urgency_escalated_bonus: float = Field(
        2.0, ge=0.0, le=100.0, description="pressure multiplier added to an escalated item; chosen"
    )
    loud_pressure: Unit = Field(
        0.5,
        description="pressure from which a demand is loud (without a real choice it is admitted past the WIP "
        "limit); chosen: the requesters above middling influence",
    )
    wip_cap_factor: int = Field(
        4,
        ge=1,
        le=100,
        description="without a real choice, items in development are capped at this multiple of the WIP limit; chosen",
    )
    # teams: capacity and work
    skills_base: float = Field(
        0.8, ge=0.0, le=2.0, description="team capacity factor at HR skills 0; chosen: 1 at skills 0.5"
    )
    skills_gain: float = Field(
        0.4, ge=0.0, le=2.0, description="capacity factor added per unit of HR skills; chosen: 1.2 at skills 1"
    )
    min_focus: Unit = Field(
        0.3,
        description="lowest share of capacity left however many streams a team juggles; chosen",
    )
    idea_shelf_life: int = Field(
        26, ge=1, le=520, description="weeks after which a team's own idea nobody started leaves its backlog; chosen"
    )
    dependency_size: Unit = Field(
        0.3, description="size of dependency work, relative to the item that needs it; chosen"
    )
    rework_size: Unit = Field(0.25, description="share of an item's size redone when an approver sends it back; chosen")
    size_sd: float = Field(
        0.3,
        ge=0.0,
        le=2.0,
        description="spread (sd of the log) of item sizes around their kind's mean; the log-normal's location "
        "is −size_sd²/2, which keeps the mean size at the kind's size; chosen",
    )
    # teams: beliefs, data and learning
    prior_sd: float = Field(
        0.006,
        gt=0.0,
        le=1.0,
        description="prior uncertainty (sd, driver points) of a team's belief about a kind's mean effect; chosen: "
        "the size of a kind's mean effect",
    )
    item_sd: float = Field(
        0.008,
        gt=0.0,
        le=1.0,
        description="item-to-item spread of effects as a team sees it in one measured item (sd, driver points); chosen",
    )
    belief_noise: float = Field(
        0.002,
        ge=0.0,
        le=1.0,
        description="sd of each team's own deviation from the common belief at week 0, at insight 0; chosen",
    )
    evidence_from_insight: Unit = Field(0.5, description="evidence a team starts with per unit of UX insight; chosen")
    experiment_cost: float = Field(
        0.5, gt=0.0, le=20.0, description="person-weeks one experiment costs; chosen: a few days"
    )
    test_noise_factor: float = Field(
        1.5,
        ge=0.0,
        le=20.0,
        description="noise of an experiment's reading relative to a released item's measurement; chosen",
    )
    lag_min: int = Field(1, ge=0, le=52, description="measurement lag (weeks) at data maturity 1; chosen")
    lag_span: int = Field(
        12,
        ge=0,
        le=104,
        description="weeks of measurement lag added at data maturity 0 (lag = lag_min + round(lag_span · (1 − "
        "maturity))); chosen: a quarter",
    )
    noise_min: float = Field(
        0.001, ge=0.0, le=1.0, description="measurement noise (sd, driver points) at data maturity 1; chosen"
    )
    noise_span: float = Field(
        0.01,
        ge=0.0,
        le=1.0,
        description="measurement noise added at data maturity 0 (sd, driver points); chosen: larger than a kind's "
        "mean effect",
    )
    # the size of every effect
    effect_scale: float = Field(
        0.003,
        gt=0.0,
        le=1.0,
        description="driver points (summed over drivers) one person-week of work aimed at the customer outcome moves "
        "the week-0 product by; sets the size of every effect (docs/MODEL.md §6 and §11: a team on such work for "
        "most of a year moves onboarding ease by about a quarter)",
    )


#: A KPI's proxy quality: 1 is a perfect proxy; above 1 the KPI knows more than the shared criterion (the work it asks
#: for is worth more to customers than the work aimed at them).
Proxy = Annotated[float, Field(ge=0.0, le=MAX_PROXY)]


class KpiProxy(_Strict):
    """How good a proxy each department's KPI is for value (for customers and the business): what a person-week of the
    work its KPI asks for is worth, relative to a person-week of work aimed at the customer outcome (1: a perfect
    proxy; above 1: the KPI knows better than the criterion aimed at customers). Defaults: docs/MODEL.md ("The premise
    as named assumptions")."""

    sales: Proxy = Field(0.2, description="key-account features promised to close deals")
    marketing: Proxy = Field(0.05, description="campaign support work that raises leads")
    customer_success: Proxy = Field(0.15, description="onboarding material that supports calls")
    customer_support: Proxy = Field(0.9, description="bug fixes that cut support contacts")
    finance: Proxy = Field(0.2, description="milestone deliverables of the fixed plan")
    legal: Proxy = Field(0.05, description="compliance changes that clear reviews")


class Assumptions(_Strict):
    """The article's premise as named assumptions a user can see and move: local KPIs are poor proxies for the
    customer outcome, and the organisation's beliefs about what works are mostly wrong."""

    kpi_proxy: KpiProxy = Field(default_factory=KpiProxy)
    folk_wisdom: Unit = Field(
        0.25,
        description="how right the organisation's beliefs about what works are (0: it "
        "believes every KPI is a perfect proxy; 1: it knows the true effects)",
    )
    customer_value: float = Field(
        1.0,
        ge=0.0,
        le=20.0,
        description="value yardstick: what a week of active use is worth to a customer, as a multiple of what it "
        "pays (0: value is revenue only); chosen: equal weight to customers and the business (docs/MODEL.md §3)",
    )
    value_horizon_weeks: int = Field(
        156,
        ge=1,
        le=2000,
        description="value yardstick: weeks over which the organisation values a change of the product (driver "
        "weights are its sensitivities over them); chosen: three years, a common SaaS business-case horizon",
    )

    def proxy(self, role: str) -> float:
        """The proxy quality of the KPI of ``role``."""
        return float(getattr(self.kpi_proxy, role))


class Kind(_Strict):
    """A kind of work item: which drivers it moves, how big it is and whose KPI it serves. Its true mean effect and
    the organisation's belief about it are derived from ``[assumptions]`` (docs/MODEL.md, "Work items"); ``true``
    or ``believed`` given here replace the derived values for this kind."""

    serves: str = Field(
        description='role whose KPI this work serves, or "outcome" (aimed at the customer outcome '
        "itself); required for a new kind: its value follows from it"
    )
    direction: dict[Driver, float] = Field(
        description="drivers it moves and their relative weights (required for a new kind)"
    )
    size: float = Field(2.0, gt=0.0, le=100.0, description="mean size in person-weeks")
    effect_sd: float = Field(
        1.5,
        ge=0.0,
        le=5.0,
        description="item-to-item spread (sd), relative to the mean effect; 1.5 makes about a quarter of items harmful",
    )
    true: dict[Driver, float] | None = Field(
        None, description="explicit true mean effect per driver (replaces the derived one)"
    )
    believed: dict[Driver, float] | None = Field(
        None, description="explicit folk belief per driver (replaces the derived one)"
    )

    @field_validator("serves")
    @classmethod
    def _known_purpose(cls, v: str) -> str:
        allowed = (OUTCOME, *KpiProxy.model_fields)
        if v not in allowed:
            raise ValueError(
                Message(N_("unknown purpose {value}; allowed: {allowed}"), value=repr(v), allowed=", ".join(allowed))
            )
        return v


class Team(_Strict):
    """A product team: people, WIP limit, its own alignment, and where its work must pass."""

    capacity: float = Field(6.0, gt=0.0, le=500.0, description="people (person-weeks per week)")
    wip_limit: int = Field(3, ge=1, le=100)
    alignment: Unit = Field(0.5, description="weight on believed outcome value against requesters' pressure")
    influence: Unit = Field(0.3, description="the weight of the team's own ideas")
    switch_cost: Unit = Field(0.15, description="capacity lost per extra work stream")
    discovery_rate: float = Field(1.5, ge=0.0, le=20.0, description="own outcome ideas per week")
    experiment_share: Unit = Field(0.1, description="share of capacity for cheap experiments (needs data)")
    approval_chain: list[str] = Field(default_factory=lambda: ["legal"], description="approving units, in order")
    depends_on: dict[str, Unit] = Field(default_factory=dict, description="team -> share of items needing it")


class _DepartmentSettings(_Strict):
    kpi: str
    target: Target
    alignment: Unit = 0.2
    influence: Unit = 0.5
    requests: RequestWeights = Field(default_factory=dict)
    demand_rate: DemandRate = 0.5
    review_capacity: ReviewCapacity = 3.0
    rework_share: Unit = Field(0.1, description="share of reviewed items sent back for rework when approving")

    @field_validator("kpi")
    @classmethod
    def _known_metric(cls, v: str) -> str:
        if v not in METRICS:
            raise ValueError(
                Message(N_("unknown metric {value}; allowed: {allowed}"), value=repr(v), allowed=", ".join(METRICS))
            )
        return v


class LeadershipSettings(_DepartmentSettings):
    role: Literal["leadership"] = "leadership"
    kpi: str = "outcome_index"
    target: Target = 45.0
    alignment: Unit = 1.0
    influence: Unit = 1.0
    review_capacity: ReviewCapacity = 1.0


class SalesSettings(_DepartmentSettings):
    role: Literal["sales"] = "sales"
    kpi: str = "deals_closed"
    target: Target = 5.0
    influence: Unit = 0.8
    requests: RequestWeights = Field(default_factory=lambda: {ALL_TEAMS: 1.0})
    demand_rate: DemandRate = 0.6
    promise_due_weeks: int = Field(8, ge=1, le=520, description="weeks from a promise to its due date")
    max_open_promises: int = Field(2, ge=0, le=100, description="key accounts that can hold a promise at once")


#: How a scenario file says that Marketing runs no campaign (``campaign_start_week = "none"``).
NO_CAMPAIGN = "none"


class MarketingSettings(_DepartmentSettings):
    role: Literal["marketing"] = "marketing"
    kpi: str = "leads"
    target: Target = 16.0
    influence: Unit = 0.6
    requests: RequestWeights = Field(default_factory=lambda: {ALL_TEAMS: 1.0})
    demand_rate: DemandRate = 0.4
    campaign_start_week: int | None = Field(
        8, ge=1, description='planned campaign start ("none" in TOML, None in Python: no campaign)'
    )
    campaign_weeks: int = Field(8, ge=1, le=520)
    campaign_lift: float = Field(1.5, ge=0.0, le=20.0, description="extra leads during a campaign, relative")
    readiness_threshold: Unit = Field(0.9, description="share of the shared target before an aligned launch")

    @field_validator("campaign_start_week", mode="before")
    @classmethod
    def _no_campaign(cls, v: Any) -> Any:
        """``"none"`` is no campaign: TOML has no null, and a key left out means the default's campaign."""
        return None if isinstance(v, str) and v.strip().lower() == NO_CAMPAIGN else v

    @field_serializer("campaign_start_week", when_used="json")
    def _write_no_campaign(self, v: int | None) -> int | str:
        """No campaign written as ``"none"``, so that it survives a round trip through TOML."""
        return NO_CAMPAIGN if v is None else v


class CustomerSuccessSettings(_DepartmentSettings):
    role: Literal["customer_success"] = "customer_success"
    kpi: str = "onboarding_calls"
    target: Target = 14.0
    influence: Unit = 0.4
    requests: RequestWeights = Field(default_factory=lambda: {ALL_TEAMS: 1.0})
    demand_rate: DemandRate = 0.5
    call_capacity: float = Field(15.0, ge=0.0, le=100_000.0, description="onboarding calls per week")


class CustomerSupportSettings(_DepartmentSettings):
    role: Literal["customer_support"] = "customer_support"
    kpi: str = "support_contacts_per_customer"
    target: Target = 0.45
    alignment: Unit = 0.4
    influence: Unit = 0.5
    requests: RequestWeights = Field(default_factory=lambda: {ALL_TEAMS: 1.0})
    demand_rate: DemandRate = 0.6


class FinanceSettings(_DepartmentSettings):
    role: Literal["finance"] = "finance"
    kpi: str = "milestones_on_plan_rate"
    target: Target = 0.9
    influence: Unit = 0.7
    requests: RequestWeights = Field(default_factory=lambda: {ALL_TEAMS: 1.0})
    demand_rate: DemandRate = 0.0
    plan_items: int = Field(8, ge=0, le=500, description="milestone items in the fixed delivery plan")
    milestone_every_weeks: int = Field(4, ge=1, le=520)
    plan_kind: str = Field("milestone_deliverable", description="item kind of the plan's milestones")


class LegalSettings(_DepartmentSettings):
    role: Literal["legal"] = "legal"
    kpi: str = "reviews_cleared"
    target: Target = 1.5
    alignment: Unit = 0.3
    influence: Unit = 0.5
    requests: RequestWeights = Field(default_factory=lambda: {ALL_TEAMS: 1.0})
    demand_rate: DemandRate = 0.1
    review_capacity: ReviewCapacity = 4.0


class UXDesignSettings(_DepartmentSettings):
    role: Literal["ux_design"] = "ux_design"
    kpi: str = "activation_rate_30d"
    target: Target = 0.45
    alignment: Unit = 0.6
    influence: Unit = 0.3
    requests: RequestWeights = Field(default_factory=lambda: {ALL_TEAMS: 1.0})
    demand_rate: DemandRate = 0.15
    insight: Unit = Field(0.3, description="how close the teams' initial beliefs are to the truth")


class DataAnalyticsSettings(_DepartmentSettings):
    role: Literal["data_analytics"] = "data_analytics"
    kpi: str = "belief_error"
    target: Target = 0.01
    alignment: Unit = 0.5
    influence: Unit = 0.2
    maturity: Unit = Field(0.5, description="data maturity: 0 no measurement, 1 fast and precise")


class HRSettings(_DepartmentSettings):
    role: Literal["hr"] = "hr"
    kpi: str = "features_delivered"
    target: Target = 1.5
    influence: Unit = 0.2
    skills: Unit = Field(0.6, description="skills and staffing of teams: scales effective capacity")


#: The settings of any department (its ``role`` says which schema applies).
DepartmentSettings = Annotated[
    LeadershipSettings
    | SalesSettings
    | MarketingSettings
    | CustomerSuccessSettings
    | CustomerSupportSettings
    | FinanceSettings
    | LegalSettings
    | UXDesignSettings
    | DataAnalyticsSettings
    | HRSettings,
    Field(discriminator="role"),
]
ROLES: dict[str, type[_DepartmentSettings]] = {
    cls.model_fields["role"].default: cls
    for cls in (
        LeadershipSettings,
        SalesSettings,
        MarketingSettings,
        CustomerSuccessSettings,
        CustomerSupportSettings,
        FinanceSettings,
        LegalSettings,
        UXDesignSettings,
        DataAnalyticsSettings,
        HRSettings,
    )
}

#: What the model does without a department of each role (``default_departments = false`` and the role not
#: listed): no role is required; these are the fallbacks of ``sim.model`` and ``sim.agents.department``, said for
#: people (the import's notes; docs/MODEL.md). Translate with ``_``.
WITHOUT_ROLE: dict[str, str] = {
    "leadership": N_(
        "the shared goal and how much it trumps local KPIs still steer every unit; no leadership unit signs off work"
    ),
    "sales": N_("no features promised to key accounts"),
    "marketing": N_("no campaigns: leads come from the market's organic inflow only"),
    "customer_success": N_("no onboarding calls"),
    "customer_support": N_("no bug-fix requests from support (customers still contact you)"),
    "finance": N_("no fixed milestone plan (project funding still shrinks the teams after go-live)"),
    "legal": N_("no compliance-change requests and no legal sign-off"),
    "ux_design": N_("no user insight: teams start from the organisation's common beliefs (insight 0)"),
    "data_analytics": N_(
        "nobody measures what shipped work does: teams never learn from data and run no experiments (data maturity 0)"
    ),
    "hr": N_("teams work at the capacity given (no skills adjustment: skills 0.5)"),
}


def _default_departments() -> dict[str, Any]:
    return {role: cls.model_validate({}) for role, cls in ROLES.items()}


def _default_kinds() -> dict[str, Kind]:
    return {name: Kind(**spec) for name, spec in DEFAULT_KINDS.items()}


def _without_none(value: Any) -> Any:
    """A dumped scenario without its unset values: TOML has no null, and a key left out reads back as its default
    (which is None for these; a value that means something when None is written as text, e.g. ``NO_CAMPAIGN``)."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


class ScenarioBase(_Strict):
    """What every model's scenario has: a name, a description and the registered model that runs it.

    Each registered model has its own schema (a subclass); ``model`` picks the schema when a file is loaded.
    """

    name: str = "default"
    description: str = ""
    model: str = Field(DEFAULT_MODEL, description="registered model that runs this scenario")
    #: Mappings whose keys are free names (teams, drivers): overrides may add keys there, TOML writes them inline.
    free_mappings: ClassVar[frozenset[str]] = frozenset()
    #: Settings about what the file itself lists (how ``complete`` reads it): set in the file, never overridden.
    file_only: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def complete(cls, data: dict[str, Any]) -> dict[str, Any]:
        """File data with the model's defaults filled in where a plain field default is not enough."""
        return data

    def with_overrides(self, overrides: dict[str, Any] | None) -> ScenarioBase:
        """A new scenario with dotted-path values replaced, validated as a whole (``sim.input``)."""
        return apply_overrides(self, overrides) if overrides else self

    def to_toml(self) -> str:
        """The fully resolved scenario as TOML text, starting with the file format's ``schema_version``."""
        return dumps_toml({"schema_version": SCHEMA_VERSION, **_without_none(self.model_dump(mode="json"))})


class Scenario(ScenarioBase):
    """One organisation and its levers for the alignment model. ``Scenario()`` is the default organisation."""

    model: Literal["alignment"] = "alignment"
    free_mappings: ClassVar[frozenset[str]] = frozenset({"requests", "depends_on", "true", "believed", "direction"})
    file_only: ClassVar[frozenset[str]] = frozenset({"default_departments"})
    weeks: int = Field(52, ge=1, le=2000)
    default_departments: StrictBool = Field(
        True,
        description="true: the default organisation's departments fill in those [departments] does not "
        "name (presets name only what they change); false: [departments] lists every department there is",
    )
    leadership: LeadershipLevers = Field(default_factory=LeadershipLevers)
    funding: Funding = Field(default_factory=Funding)
    product: Product = Field(default_factory=Product)
    customers: Customers = Field(default_factory=Customers)
    teams: dict[str, Team] = Field(default_factory=lambda: {"core": Team()})
    departments: dict[str, DepartmentSettings] = Field(default_factory=_default_departments)
    kinds: dict[str, Kind] = Field(default_factory=_default_kinds)
    assumptions: Assumptions = Field(default_factory=Assumptions)
    behaviour: Behaviour = Field(default_factory=Behaviour)

    @classmethod
    def complete(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Departments, teams and kinds named in ``data`` are merged into the default organisation's (with
        ``default_departments = false``, only the departments ``data`` names exist)."""
        return _with_defaults(data)

    @model_validator(mode="after")
    def _check_references(self) -> Scenario:
        if not self.teams:
            raise ValueError(Message(N_("teams: at least one product team is required")))
        clash = set(self.teams) & set(self.departments)
        if clash:
            raise ValueError(
                Message(
                    N_("teams and departments share the name(s) {names}; unit names must be unique"),
                    names=sorted(clash),
                )
            )
        team_names = ", ".join(self.teams)
        for name, dept in self.departments.items():
            for requested in dept.requests:
                if requested not in self.teams and requested != ALL_TEAMS:
                    raise ValueError(
                        Message(
                            N_('{field}: unknown team {value}; allowed: {allowed} or "{all}" (every team)'),
                            field=f"departments.{name}.requests",
                            value=repr(requested),
                            allowed=team_names,
                            all=ALL_TEAMS,
                        )
                    )
            if isinstance(dept, FinanceSettings) and dept.plan_kind not in self.kinds:
                raise ValueError(
                    Message(
                        N_("{field}: unknown kind {value}; allowed: {allowed}"),
                        field=f"departments.{name}.plan_kind",
                        value=repr(dept.plan_kind),
                        allowed=", ".join(self.kinds),
                    )
                )
        for team_name, team in self.teams.items():
            for approver in team.approval_chain:
                if approver not in self.departments and "approval_chain" not in team.model_fields_set:
                    raise ValueError(
                        Message(
                            N_(
                                "{field}: the default chain {chain} names {value}, which is not a "
                                "department of this scenario; give the chain (approval_chain = [] "
                                "for none); known departments: {allowed}"
                            ),
                            field=f"teams.{team_name}.approval_chain",
                            chain=" > ".join(team.approval_chain),
                            value=repr(approver),
                            allowed=", ".join(self.departments),
                        )
                    )
                if approver not in self.departments:
                    raise ValueError(
                        Message(
                            N_("{field}: unknown department {value}; known departments: {allowed}"),
                            field=f"teams.{team_name}.approval_chain",
                            value=repr(approver),
                            allowed=", ".join(self.departments),
                        )
                    )
            twice = sorted(u for u, n in Counter(team.approval_chain).items() if n > 1)
            if twice:
                raise ValueError(
                    Message(
                        N_("{field}: {names} appear(s) more than once; each unit approves once"),
                        field=f"teams.{team_name}.approval_chain",
                        names=", ".join(map(repr, twice)),
                    )
                )
            for other in team.depends_on:
                if other not in self.teams or other == team_name:
                    raise ValueError(
                        Message(
                            N_("{field}: unknown team {value}; allowed: {allowed}"),
                            field=f"teams.{team_name}.depends_on",
                            value=repr(other),
                            allowed=", ".join(t for t in self.teams if t != team_name),
                        )
                    )
        for kind in DEFAULT_KINDS:
            if kind not in self.kinds:
                raise ValueError(Message(N_("kinds: the built-in kind {kind} is missing"), kind=repr(kind)))
        from sim.organisation import approval_cycle  # late import: organisation reads scenarios

        cycle = approval_cycle(self)
        if cycle:
            raise ValueError(
                Message(
                    N_("approval chains form a cycle: {cycle}; approvals must flow one way"), cycle=" -> ".join(cycle)
                )
            )
        return self

    def request_weights(self, department: str) -> dict[str, float]:
        """Team -> weight of a department's demands, with ``"*"`` expanded to every team not named."""
        given = self.departments[department].requests
        default = given.get(ALL_TEAMS, 0.0)
        weights = {team: float(given.get(team, default)) for team in self.teams}
        return {team: w for team, w in weights.items() if w > 0}


def _with_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """Fill departments, teams and kinds named in ``data`` from the default organisation. Without the default
    departments (``default_departments = false``) a department of a default name still takes that department's
    settings for the values it does not give, and no other department is added."""
    defaults = Scenario.model_construct().model_dump(mode="python")
    out = dict(data)
    for table in ("departments", "kinds"):
        given = out.get(table, {})
        if not isinstance(given, dict):
            continue
        if table == "departments" and out.get("default_departments") is False:
            out[table] = {
                name: deep_merge(defaults[table][name], dept)
                if name in defaults[table] and isinstance(dept, dict)
                else dept
                for name, dept in given.items()
            }
        else:
            out[table] = deep_merge(defaults[table], given)
    if "teams" not in out:  # the default team, with only what its default sets (so a default chain is known as one)
        out["teams"] = {
            name: team.model_dump(exclude_unset=True) for name, team in Scenario.model_construct().teams.items()
        }
    return out
