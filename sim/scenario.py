"""Scenarios: the validated description of one organisation, its product, customers and levers.

A scenario is a TOML file checked against the pydantic schema of the model it names (``model = "..."``; the
alignment model when it names none: its schema is ``Scenario`` below, the reference models keep theirs next to
their model). Files may ``extends`` another scenario (a bundled name or a path); for the alignment model, every
value not given falls back to the default organisation below. Any value can be overridden
by a dotted path, e.g. ``departments.sales.alignment=0.9`` or ``customers.population=100000``.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.metrics import METRICS
from sim.work import DEFAULT_KINDS, OUTCOME

def _scenario_dir() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "scenarios"  # a pip-installed package carries the presets as sim/scenarios
    return installed if installed.is_dir() else here.parent / "scenarios"


SCENARIO_DIR = _scenario_dir()
#: Uploaded or user files larger than this are refused before parsing.
MAX_FILE_BYTES = 256 * 1024

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
#: In a department's ``requests``, the weight for every team not named explicitly.
ALL_TEAMS = "*"
#: The model a scenario file is for when it names none.
DEFAULT_MODEL = "alignment"
Driver = Literal["onboarding_ease", "feature_fit", "reliability", "self_service"]


class ScenarioError(ValueError):
    """A scenario file, override or value that cannot be used; the message names the field and allowed values."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Leadership(_Strict):
    """Direction: the shared success criterion, how much it trumps local KPIs, whether priorities are real choices."""

    shared_criterion: str = Field("activation_rate_30d", description="metric all units are asked to serve")
    shared_target: float = Field(0.45, ge=0.0, description="target value of the shared criterion")
    trump: Unit = Field(0.0, description="how much the shared criterion overrides local KPIs (0 none, 1 fully)")
    real_choice: bool = Field(True, description="teams may say no: the WIP limit holds against demands")

    @field_validator("shared_criterion")
    @classmethod
    def _known_metric(cls, v: str) -> str:
        if v not in METRICS:
            raise ValueError(f"unknown metric {v!r}; allowed: {', '.join(METRICS)}")
        return v


class Funding(_Strict):
    """Project funding plans teams by milestones and shrinks them after go-live; product funding keeps them."""

    mode: Literal["product", "project"] = "product"
    go_live_week: int = Field(26, ge=1, description="project funding: week of go-live, after which people leave")
    retention: Unit = Field(0.2, description="project funding: share of the team kept after go-live")
    handover: Unit = Field(0.0, description="project funding: share of what the people who leave at go-live had "
                           "learned that stays (documentation, hand-over)")
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
    late_activation: Unit = Field(0.3, description="stalled customers' activation chance relative to onboarding, "
                                  "fading with weeks stalled (13-week time constant)")
    abandon_rate: Unit = Field(0.06, description="weekly chance of abandoning setup at onboarding ease 0")
    churn_activated: Unit = Field(0.0015, description="weekly churn of activated customers at average drivers")
    churn_stalled: Unit = Field(0.006, description="weekly churn of stalled customers")
    winback: Unit = Field(0.01, description="weekly chance a churned account becomes a prospect again")
    contact_rate: float = Field(0.12, ge=0.0, le=10.0, description="weekly support contacts per activated customer")
    call_boost: Unit = Field(0.008, description="added activation chance in a week with an onboarding call")
    campaign_lead_quality: Unit = Field(0.6, description="campaign leads' activation relative to organic leads")


class KpiProxy(_Strict):
    """How good a proxy each department's KPI is for the customer outcome: what a person-week of the work its KPI
    asks for is worth to customers, relative to a person-week of work aimed at the customer outcome (1: a perfect
    proxy). Defaults: docs/MODEL.md ("The premise as named assumptions")."""

    sales: Unit = Field(0.2, description="key-account features promised to close deals")
    marketing: Unit = Field(0.05, description="campaign support work that raises leads")
    customer_success: Unit = Field(0.15, description="onboarding material that supports calls")
    customer_support: Unit = Field(0.9, description="bug fixes that cut support contacts")
    finance: Unit = Field(0.2, description="milestone deliverables of the fixed plan")
    legal: Unit = Field(0.05, description="compliance changes that clear reviews")


class Assumptions(_Strict):
    """The article's premise as named assumptions a user can see and move: local KPIs are poor proxies for the
    customer outcome, and the organisation's beliefs about what works are mostly wrong."""

    kpi_proxy: KpiProxy = Field(default_factory=KpiProxy)
    folk_wisdom: Unit = Field(0.25, description="how right the organisation's beliefs about what works are (0: it "
                              "believes every KPI is a perfect proxy; 1: it knows the true effects)")

    def proxy(self, role: str) -> float:
        """The proxy quality of the KPI of ``role``."""
        return float(getattr(self.kpi_proxy, role))


class Kind(_Strict):
    """A kind of work item: which drivers it moves, how big it is and whose KPI it serves. Its true mean effect and
    the organisation's belief about it are derived from ``[assumptions]`` (docs/MODEL.md, "Work items"); ``true``
    or ``believed`` given here replace the derived values for this kind."""

    serves: str = Field(description='role whose KPI this work serves, or "outcome" (aimed at the customer outcome '
                        "itself); required for a new kind: its value follows from it")
    direction: dict[Driver, float] = Field(description="drivers it moves and their relative weights (required for "
                                           "a new kind)")
    size: float = Field(2.0, gt=0.0, le=100.0, description="mean size in person-weeks")
    effect_sd: float = Field(1.5, ge=0.0, le=5.0, description="item-to-item spread (sd), relative to the mean "
                             "effect; 1.5 makes about a quarter of items harmful")
    true: dict[Driver, float] | None = Field(None, description="explicit true mean effect per driver (replaces the "
                                             "derived one)")
    believed: dict[Driver, float] | None = Field(None, description="explicit folk belief per driver (replaces the "
                                                 "derived one)")

    @field_validator("serves")
    @classmethod
    def _known_purpose(cls, v: str) -> str:
        allowed = (OUTCOME, *KpiProxy.model_fields)
        if v not in allowed:
            raise ValueError(f"unknown purpose {v!r}; allowed: {', '.join(allowed)}")
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


class _Department(_Strict):
    kpi: str
    target: float = Field(ge=0.0, description="weekly target of the KPI")
    alignment: Unit = 0.2
    influence: Unit = 0.5
    requests: dict[str, Annotated[float, Field(ge=0.0, le=10.0)]] = Field(
        default_factory=dict, description='team -> weight of demands ("*": every team)')
    demand_rate: float = Field(0.5, ge=0.0, le=20.0, description="demands per week at full KPI gap")
    review_capacity: float = Field(3.0, gt=0.0, le=1000.0, description="items reviewed per week when approving")
    rework_share: Unit = Field(0.1, description="share of reviewed items sent back for rework when approving")

    @field_validator("kpi")
    @classmethod
    def _known_metric(cls, v: str) -> str:
        if v not in METRICS:
            raise ValueError(f"unknown metric {v!r}; allowed: {', '.join(METRICS)}")
        return v


class LeadershipUnit(_Department):
    role: Literal["leadership"] = "leadership"
    kpi: str = "outcome_index"
    target: float = 60.0
    alignment: Unit = 1.0
    influence: Unit = 1.0
    review_capacity: float = Field(1.0, gt=0.0, le=1000.0)


class Sales(_Department):
    role: Literal["sales"] = "sales"
    kpi: str = "deals_closed"
    target: float = 5.0
    influence: Unit = 0.8
    requests: dict[str, float] = Field(default_factory=lambda: {ALL_TEAMS: 1.0})
    demand_rate: float = Field(0.6, ge=0.0, le=20.0)
    promise_due_weeks: int = Field(8, ge=1, le=520, description="weeks from a promise to its due date")
    max_open_promises: int = Field(2, ge=0, le=100, description="key accounts that can hold a promise at once")


class Marketing(_Department):
    role: Literal["marketing"] = "marketing"
    kpi: str = "leads"
    target: float = 16.0
    influence: Unit = 0.6
    requests: dict[str, float] = Field(default_factory=lambda: {ALL_TEAMS: 1.0})
    demand_rate: float = Field(0.4, ge=0.0, le=20.0)
    campaign_start_week: int | None = Field(8, ge=1, description="planned campaign start (None: no campaign)")
    campaign_weeks: int = Field(8, ge=1, le=520)
    campaign_lift: float = Field(1.5, ge=0.0, le=20.0, description="extra leads during a campaign, relative")
    readiness_threshold: Unit = Field(0.9, description="share of the shared target before an aligned launch")


class CustomerSuccess(_Department):
    role: Literal["customer_success"] = "customer_success"
    kpi: str = "onboarding_calls"
    target: float = 14.0
    influence: Unit = 0.4
    requests: dict[str, float] = Field(default_factory=lambda: {ALL_TEAMS: 1.0})
    demand_rate: float = Field(0.5, ge=0.0, le=20.0)
    call_capacity: float = Field(15.0, ge=0.0, le=100_000.0, description="onboarding calls per week")


class CustomerSupport(_Department):
    role: Literal["customer_support"] = "customer_support"
    kpi: str = "support_contacts_per_customer"
    target: float = 0.45
    alignment: Unit = 0.4
    influence: Unit = 0.5
    requests: dict[str, float] = Field(default_factory=lambda: {ALL_TEAMS: 1.0})
    demand_rate: float = Field(0.6, ge=0.0, le=20.0)


class Finance(_Department):
    role: Literal["finance"] = "finance"
    kpi: str = "milestones_on_plan_rate"
    target: float = 0.9
    influence: Unit = 0.7
    requests: dict[str, float] = Field(default_factory=lambda: {ALL_TEAMS: 1.0})
    demand_rate: float = Field(0.0, ge=0.0, le=20.0)
    plan_items: int = Field(8, ge=0, le=500, description="milestone items in the fixed delivery plan")
    milestone_every_weeks: int = Field(4, ge=1, le=520)
    plan_kind: str = Field("milestone_deliverable", description="item kind of the plan's milestones")


class Legal(_Department):
    role: Literal["legal"] = "legal"
    kpi: str = "reviews_cleared"
    target: float = 1.5
    alignment: Unit = 0.3
    influence: Unit = 0.5
    requests: dict[str, float] = Field(default_factory=lambda: {ALL_TEAMS: 1.0})
    demand_rate: float = Field(0.1, ge=0.0, le=20.0)
    review_capacity: float = Field(4.0, gt=0.0, le=1000.0)


class UXDesign(_Department):
    role: Literal["ux_design"] = "ux_design"
    kpi: str = "activation_rate_30d"
    target: float = 0.45
    alignment: Unit = 0.6
    influence: Unit = 0.3
    requests: dict[str, float] = Field(default_factory=lambda: {ALL_TEAMS: 1.0})
    demand_rate: float = Field(0.15, ge=0.0, le=20.0)
    insight: Unit = Field(0.3, description="how close the teams' initial beliefs are to the truth")


class DataAnalytics(_Department):
    role: Literal["data_analytics"] = "data_analytics"
    kpi: str = "belief_error"
    target: float = 0.01
    alignment: Unit = 0.5
    influence: Unit = 0.2
    maturity: Unit = Field(0.5, description="data maturity: 0 no measurement, 1 fast and precise")


class HR(_Department):
    role: Literal["hr"] = "hr"
    kpi: str = "features_delivered"
    target: float = 1.5
    influence: Unit = 0.2
    skills: Unit = Field(0.6, description="skills and staffing of teams: scales effective capacity")


Department = Annotated[
    Union[LeadershipUnit, Sales, Marketing, CustomerSuccess, CustomerSupport, Finance, Legal, UXDesign,
          DataAnalytics, HR],
    Field(discriminator="role"),
]
ROLES: dict[str, type[_Department]] = {
    cls.model_fields["role"].default: cls
    for cls in (LeadershipUnit, Sales, Marketing, CustomerSuccess, CustomerSupport, Finance, Legal, UXDesign,
                DataAnalytics, HR)
}


def _default_departments() -> dict[str, Any]:
    return {role: cls() for role, cls in ROLES.items()}


def _default_kinds() -> dict[str, Kind]:
    return {name: Kind(**spec) for name, spec in DEFAULT_KINDS.items()}


class ScenarioBase(_Strict):
    """What every model's scenario has: a name, a description and the registered model that runs it.

    Each registered model has its own schema (a subclass); ``model`` picks the schema when a file is loaded.
    """

    name: str = "default"
    description: str = ""
    model: str = Field(DEFAULT_MODEL, description="registered model that runs this scenario")

    @classmethod
    def complete(cls, data: dict[str, Any]) -> dict[str, Any]:
        """File data with the model's defaults filled in where a plain field default is not enough."""
        return data

    @property
    def horizon(self) -> int:
        """How long a run lasts, in the model's own time unit (weeks or periods)."""
        from sim.registry import get_model

        return int(getattr(self, get_model(self.model).horizon))

    def with_overrides(self, overrides: dict[str, Any] | None) -> ScenarioBase:
        """A new scenario with dotted-path values replaced, validated as a whole."""
        if not overrides:
            return self
        data = self.model_dump(mode="python")
        for path, value in overrides.items():
            _set_path(data, path, value)
        return _validate(data, source="overrides")

    def to_toml(self) -> str:
        """The fully resolved scenario as TOML text."""
        return dumps_toml(self.model_dump(mode="json", exclude_none=True))


class Scenario(ScenarioBase):
    """One organisation and its levers for the alignment model. ``Scenario()`` is the default organisation."""

    model: Literal["alignment"] = "alignment"
    weeks: int = Field(52, ge=1, le=2000)
    leadership: Leadership = Field(default_factory=Leadership)
    funding: Funding = Field(default_factory=Funding)
    product: Product = Field(default_factory=Product)
    customers: Customers = Field(default_factory=Customers)
    teams: dict[str, Team] = Field(default_factory=lambda: {"core": Team()})
    departments: dict[str, Department] = Field(default_factory=_default_departments)
    kinds: dict[str, Kind] = Field(default_factory=_default_kinds)
    assumptions: Assumptions = Field(default_factory=Assumptions)

    @classmethod
    def complete(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Departments, teams and kinds named in ``data`` are merged into the default organisation's."""
        return _with_defaults(data)

    @model_validator(mode="after")
    def _check_references(self) -> Scenario:
        if not self.teams:
            raise ValueError("teams: at least one product team is required")
        clash = set(self.teams) & set(self.departments)
        if clash:
            raise ValueError(f"teams and departments share the name(s) {sorted(clash)}; unit names must be unique")
        team_names = ", ".join(self.teams)
        for name, dept in self.departments.items():
            for team in dept.requests:
                if team not in self.teams and team != ALL_TEAMS:
                    raise ValueError(f"departments.{name}.requests: unknown team {team!r}; "
                                     f"allowed: {team_names} or \"{ALL_TEAMS}\" (every team)")
            if isinstance(dept, Finance) and dept.plan_kind not in self.kinds:
                raise ValueError(f"departments.{name}.plan_kind: unknown kind {dept.plan_kind!r}; "
                                 f"allowed: {', '.join(self.kinds)}")
        for name, team in self.teams.items():
            for approver in team.approval_chain:
                if approver not in self.departments:
                    raise ValueError(f"teams.{name}.approval_chain: unknown department {approver!r}; "
                                     f"known departments: {', '.join(self.departments)}")
            if len(set(team.approval_chain)) != len(team.approval_chain):
                raise ValueError(f"teams.{name}.approval_chain: a unit appears twice in {team.approval_chain}")
            for other in team.depends_on:
                if other not in self.teams or other == name:
                    raise ValueError(f"teams.{name}.depends_on: unknown team {other!r}; "
                                     f"allowed: {', '.join(t for t in self.teams if t != name)}")
        for kind in DEFAULT_KINDS:
            if kind not in self.kinds:
                raise ValueError(f"kinds: the built-in kind {kind!r} is missing")
        from sim.organisation import approval_cycle  # late import: organisation reads scenarios

        cycle = approval_cycle(self)
        if cycle:
            raise ValueError("approval chains form a cycle: " + " -> ".join(cycle)
                             + "; approvals must flow one way")
        return self

    def request_weights(self, department: str) -> dict[str, float]:
        """Team -> weight of a department's demands, with ``"*"`` expanded to every team not named."""
        given = self.departments[department].requests
        default = given.get(ALL_TEAMS, 0.0)
        weights = {team: float(given.get(team, default)) for team in self.teams}
        return {team: w for team, w in weights.items() if w > 0}


# ---------------------------------------------------------------- loading


def bundled_scenarios(model: str | None = None) -> dict[str, Path]:
    """Bundled scenario name -> file; with ``model``, only the presets of that model."""
    found = {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}
    if model is None:
        return found
    return {name: path for name, path in found.items() if scenario_model(path) == model}


def scenario_model(name_or_path: str | Path) -> str:
    """The model a scenario file is for (following ``extends``), without validating the rest of it."""
    return str(_resolve(name_or_path, seen=()).get("model", DEFAULT_MODEL))


def describe(path: Path) -> str:
    """The one-line description of a scenario file (without validating it)."""
    try:
        return str(_read_toml(path).get("description", ""))
    except ScenarioError:
        return ""


def load_scenario(name_or_path: str | Path, overrides: dict[str, Any] | None = None) -> ScenarioBase:
    """A bundled scenario by name, or a TOML file by path, resolved and validated."""
    data = _resolve(name_or_path, seen=())
    scenario = _validate(data, source=str(name_or_path))
    return scenario.with_overrides(overrides)


def scenario_from_toml(text: str, source: str = "<upload>") -> ScenarioBase:
    """A scenario from TOML text (e.g. an upload). Its ``extends`` may name bundled scenarios only."""
    if len(text.encode()) > MAX_FILE_BYTES:
        raise ScenarioError(f"{source}: file is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: malformed TOML: {exc}") from None
    parent = data.pop("extends", None)
    if parent is not None:
        if parent not in bundled_scenarios():
            raise ScenarioError(f"{source}: extends: unknown scenario {parent!r}; "
                                f"allowed: {', '.join(bundled_scenarios())}")
        data = deep_merge(_resolve(parent, seen=()), data)
    return _validate(data, source=source)


def scenario_from_bytes(data: bytes, source: str = "<upload>") -> ScenarioBase:
    """A scenario from uploaded bytes: size-checked, UTF-8 decoded, parsed and validated; nothing is executed."""
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(f"{source}: file is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{source}: not a UTF-8 text file (expected a TOML scenario)") from None
    return scenario_from_toml(text, source)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise ScenarioError(f"{path}: file is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: malformed TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file") from None


def _locate(name_or_path: str | Path) -> Path:
    bundled = bundled_scenarios()
    if isinstance(name_or_path, str) and name_or_path in bundled:
        return bundled[name_or_path]
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ScenarioError(f"scenario file {str(path)!r} does not exist")
        return path
    raise ScenarioError(f"unknown scenario {str(name_or_path)!r}; bundled scenarios: {', '.join(bundled)} "
                        "(or give a path to a .toml file)")


def _resolve(name_or_path: str | Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    path = _locate(name_or_path).resolve()
    if path in seen:
        raise ScenarioError("extends: cycle " + " -> ".join(p.stem for p in (*seen, path)))
    data = _read_toml(path)
    data.setdefault("name", path.stem)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends: must be a scenario name or path, got {parent!r}")
    base = parent if parent in bundled_scenarios() else str(path.parent / parent)
    return deep_merge(_resolve(base, seen=(*seen, path)), data)


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``, merging nested tables key by key."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _with_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """Fill departments, teams and kinds named in ``data`` from the default organisation."""
    defaults = Scenario.model_construct().model_dump(mode="python")
    out = dict(data)
    for table in ("departments", "kinds"):
        given = out.get(table, {})
        if isinstance(given, dict):
            out[table] = deep_merge(defaults[table], given)
    if "teams" not in out:
        out["teams"] = defaults["teams"]
    return out


def _schema(data: dict[str, Any], source: str) -> type[ScenarioBase]:
    """The scenario schema of the model named in ``data`` (the alignment model when none is named)."""
    from sim.registry import MODELS

    name = data.get("model", DEFAULT_MODEL)
    if not isinstance(name, str) or name not in MODELS:
        raise ScenarioError(f"{source}: model: unknown model {name!r}; registered: {', '.join(MODELS)}")
    return MODELS[name].schema()


def _validate(data: dict[str, Any], source: str) -> ScenarioBase:
    schema = _schema(data, source)
    data = schema.complete(data)
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        message = format_validation_error(exc, lambda loc: _allowed_fields(loc, data, schema))
        raise ScenarioError(f"{source}: {message}") from None


def format_validation_error(exc: ValidationError, allowed_fields: Callable[[list[str]], list[str]]) -> str:
    """One readable line per problem: the dotted field, what is wrong, and what is allowed.

    ``allowed_fields(location)`` names the fields allowed in the table at a location (for unknown fields)."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"]]
        # pydantic puts the union tag in the location (departments.sales.sales.alignment): drop it
        if len(loc) >= 3 and loc[0] == "departments" and loc[2] in ROLES:
            del loc[2]
        field = ".".join(loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            allowed = allowed_fields(loc[:-1])
            msg = f"unknown field; allowed: {', '.join(allowed)}" if allowed else "unknown field"
        elif err["type"] == "union_tag_invalid" or err["type"] == "union_tag_not_found":
            msg = f"unknown or missing role; allowed roles: {', '.join(ROLES)}"
        lines.append(f"{field}: {msg}" if field else msg)
    return "; ".join(lines)


def _allowed_fields(loc: list[str], data: dict[str, Any], schema: type[BaseModel] = Scenario) -> list[str]:
    cls: type[BaseModel] | None = schema
    node: Any = data
    i = 0
    while i < len(loc) and cls is not None:
        part = loc[i]
        node = node.get(part, {}) if isinstance(node, dict) else {}
        if part in ("departments", "teams", "kinds") and cls is Scenario and i + 1 < len(loc):
            i += 1
            node = node.get(loc[i], {}) if isinstance(node, dict) else {}
            cls = {"teams": Team, "kinds": Kind}.get(part) or ROLES.get(node.get("role", ""))
        else:
            ann = cls.model_fields.get(part)
            t = ann.annotation if ann else None
            cls = t if isinstance(t, type) and issubclass(t, BaseModel) else None
        i += 1
    return list(cls.model_fields) if cls is not None else []


#: Mappings whose keys are free (team names, drivers), so overrides may add keys there.
_FREE_MAPPINGS = {"requests", "depends_on", "true", "believed", "direction"}


def parse_value(text: str) -> Any:
    """A TOML value (number, bool, string, array, inline table); bare words are strings."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_override(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` -> (path, value)."""
    if "=" not in text:
        raise ScenarioError(f"override {text!r}: expected PATH=VALUE, e.g. departments.sales.alignment=0.9")
    path, value = text.split("=", 1)
    path = path.strip()
    if not path:
        raise ScenarioError(f"override {text!r}: empty path")
    return path, parse_value(value.strip())


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        parent = parts[depth - 1] if depth else ""
        here = ".".join(parts[:depth]) or "scenario"
        if not isinstance(node, dict):
            raise ScenarioError(f"override {path}: {here} is a value, not a table")
        if part not in node and parent not in _FREE_MAPPINGS:
            what = {"departments": "department", "teams": "team", "kinds": "kind"}.get(parent, "field")
            raise ScenarioError(f"override {path}: unknown {what} {part!r} in {here}; "
                                f"allowed: {', '.join(map(str, node))}")
        if depth == len(parts) - 1:
            node[part] = value
        else:
            if node.get(part) is None:
                node[part] = {}
            node = node[part]


# ---------------------------------------------------------------- writing TOML


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else _toml_value(k)


def dumps_toml(data: dict[str, Any], prefix: str = "") -> str:
    """TOML for nested dicts: sub-models become tables, free mappings (requests, effects) stay inline."""
    scalars = {k: v for k, v in data.items() if not _is_table(k, v)}
    tables = {k: v for k, v in data.items() if _is_table(k, v)}
    out = "\n".join(f"{_key(k)} = {_toml_value(v)}" for k, v in scalars.items())
    for k, v in tables.items():
        name = f"{prefix}.{_key(k)}" if prefix else _key(k)
        body = dumps_toml(v, name)
        if any(not _is_table(x, y) for x, y in v.items()) or not v:
            body = f"[{name}]\n" + body
        out += ("\n\n" if out else "") + body
    return out.strip() + ("\n" if not prefix else "")


def _is_table(key: str, value: Any) -> bool:
    return isinstance(value, dict) and key not in _FREE_MAPPINGS
