"""The levers a leader can pull: which scenario values the app offers, with labels and help text.

A lever is a dotted scenario path plus how to present it. The app renders levers as widgets and turns the chosen
values into ``Scenario.with_overrides``; nothing here runs the model. Labels, help and groups are made in the
current language (``sim.i18n``) each time ``levers_for`` is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from sim.i18n import N_, _
from sim.metrics import METRICS
from sim.scenario import KpiProxy, Scenario, ScenarioBase

Widget = Literal["slider", "int", "select", "toggle", "chain", "optional_week"]


@dataclass(frozen=True)
class Lever:
    """One adjustable scenario value."""

    path: str
    label: str
    help: str
    widget: Widget
    group: str
    low: float = 0.0
    high: float = 1.0
    step: float = 0.05
    options: tuple[str, ...] = ()


def get_value(scenario: Scenario, path: str) -> Any:
    """The scenario's value at a dotted path."""
    node: Any = scenario.model_dump(mode="python")
    for part in path.split("."):
        node = node[part]
    return node


ALL_KPIS = tuple(METRICS)

DEPARTMENT_HELP = {
    "alignment": N_(
        "How much the shared success criterion counts against this department's own KPI when it "
        "decides what to ask for (0: only its own KPI, 1: only the shared criterion)."
    ),
    "influence": N_("How much this department's demands weigh with the product team (how loud its voice is)."),
    "kpi": N_(
        "The metric this department is measured and steered on. Output KPIs count deliveries; outcome KPIs "
        "count what customers do."
    ),
}
#: A department's lever labels (``{department}`` is its name in the current language).
DEPARTMENT_LABELS = {
    "alignment": N_("{department}: alignment"),
    "influence": N_("{department}: influence"),
    "kpi": N_("{department}: KPI"),
}

#: How the app names each role whose KPI has a proxy quality (translate with ``_``).
ROLE_NAMES = {
    "sales": N_("Sales"),
    "marketing": N_("Marketing"),
    "customer_success": N_("Customer Success"),
    "customer_support": N_("Customer Support"),
    "finance": N_("Finance"),
    "legal": N_("Legal"),
}
#: Every default department's name (translate with ``_``); a department of another name is shown by its key.
DEPARTMENT_NAMES = {
    **ROLE_NAMES,
    "leadership": N_("Leadership"),
    "ux_design": N_("UX/Design"),
    "data_analytics": N_("Data & Analytics"),
    "hr": N_("HR"),
}
#: The bundled presets' names for people (the file name is the preset's key; translate with ``_``).
PRESET_NAMES = {
    "b2b_activation": N_("B2B activation: the article's tug of war"),
    "campaign_before_onboarding": N_("A campaign before onboarding is easy"),
    "data_blind": N_("No data: the loudest voice decides"),
    "long_approval_chain": N_("A long approval chain"),
    "partial_transformation": N_("Partial transformation: only the product team changes"),
    "product_logic": N_("Product logic"),
    "project_logic": N_("Project logic"),
    "project_to_product_funding": N_("Self-service launch, then product funding"),
    "self_service_launch": N_("Self-service launch under project funding"),
    "march1991": N_("March (1991): exploration and exploitation"),
    "march1991_turbulence": N_("March (1991) in a changing reality"),
    "march1991_turnover": N_("March (1991) with turnover"),
    "nk_departments": N_("NK firm: two departments and a CEO"),
    "nk_departments_rubber_stamp": N_("NK firm: a CEO who rubber-stamps"),
}


def department_name(name: str) -> str:
    """A department's name for people in the current language (``customer_success`` -> ``Kundesucces``)."""
    return _(DEPARTMENT_NAMES[name]) if name in DEPARTMENT_NAMES else name


def preset_name(name: str) -> str:
    """A bundled preset's name for people in the current language; any other scenario keeps its own name."""
    return _(PRESET_NAMES[name]) if name in PRESET_NAMES else name


def preset_story(description: str) -> str:
    """A bundled preset's story (its ``description``) in the current language: the catalogue is keyed by the
    English text of the TOML file (extracted by ``make messages``); other text is shown as it is."""
    return _(description) if description else description


def possessive(name: str) -> str:
    """``Sales'``, ``Finance's`` in English; ``Salgs``, ``Økonomis`` in Danish."""
    return _("{name}'s").format(name=name) if not name.endswith("s") else _("{name}'").format(name=name)


def assumption_levers(scenario: Scenario) -> list[Lever]:
    """The article's premise as levers: how good a proxy each department's KPI is, and how right beliefs are."""
    roles = {d.role for d in scenario.departments.values()}
    group = _("Assumptions (the premise)")
    levers = [
        Lever(
            "assumptions.folk_wisdom",
            _("How right are our beliefs about what works?"),
            _(
                "0: the organisation believes every department's KPI is a perfect proxy for what customers "
                "get (the premise of steering by local KPIs); 1: it knows what each kind of work truly does. "
                "With right beliefs and good proxies, a shared success criterion gains little "
                "(docs/CLAIMS.md)."
            ),
            "slider",
            group,
        )
    ]
    for role, field in KpiProxy.model_fields.items():
        if role in roles:
            whose = possessive(_(ROLE_NAMES[role]))
            levers.append(
                Lever(
                    f"assumptions.kpi_proxy.{role}",
                    _("How good a proxy is {whose} KPI?").format(whose=whose),
                    _(
                        "What a person-week of the work {whose} KPI asks for ({work}) is worth to customers, "
                        "relative to a person-week of work aimed at the customer outcome. 1: a perfect proxy. "
                        "Defaults and their sources: docs/MODEL.md."
                    ).format(whose=whose, work=_(PROXY_WORK.get(role, field.description))),
                    "slider",
                    group,
                )
            )
    return levers


#: What each role's KPI asks for (the schema's field descriptions, said for people; translate with ``_``).
PROXY_WORK = {
    "sales": N_("key-account features promised to close deals"),
    "marketing": N_("campaign support work that raises leads"),
    "customer_success": N_("onboarding material that supports calls"),
    "customer_support": N_("bug fixes that cut support contacts"),
    "finance": N_("milestone deliverables of the fixed plan"),
    "legal": N_("compliance changes that clear reviews"),
}


def levers_for(scenario: ScenarioBase) -> list[Lever]:
    """The levers of a scenario, grouped: direction, funding, data, teams, departments, campaign, approvals and the
    named assumptions (the alignment model), or one per parameter (the reference models). Labels, help and group
    names are in the current language."""
    if not isinstance(scenario, Scenario):
        return parameter_levers(scenario)
    departments = tuple(scenario.departments)
    by_role: dict[str, str] = {}  # a role's levers edit the department named after it, else its first listed
    for name, dept in scenario.departments.items():
        if name == dept.role or dept.role not in by_role:
            by_role[dept.role] = name
    direction, funding, data, teams = _("Direction"), _("Funding"), _("Data and learning"), _("Teams")
    levers = [
        Lever(
            "leadership.shared_criterion",
            _("Shared success criterion"),
            _(
                "The one metric every unit is asked to serve. Pick an outcome (what customers do); an output metric "
                "such as features_delivered shows what happens when the shared criterion is the wrong one."
            ),
            "select",
            direction,
            options=ALL_KPIS,
        ),
        Lever(
            "leadership.trump",
            _("How much it trumps local KPIs"),
            _(
                "0: every department follows its own KPI. 1: the shared criterion wins every conflict, and "
                "leadership backs the team when a department escalates."
            ),
            "slider",
            direction,
        ),
        Lever(
            "leadership.real_choice",
            _("Prioritisation is a real choice"),
            _("On: the team may say no and its WIP limit holds. Off: loud demands get in regardless."),
            "toggle",
            direction,
        ),
        Lever(
            "funding.mode",
            _("Funding"),
            _(
                "Product: the team is funded over time and keeps improving. Project: planned by milestones; most "
                "people leave after go-live."
            ),
            "select",
            funding,
            options=("product", "project"),
        ),
        Lever(
            "funding.go_live_week",
            _("Project go-live week"),
            _("Under project funding, the week after which the team shrinks to its retained share."),
            "int",
            funding,
            low=1,
            high=520,
            step=1,
        ),
        Lever(
            f"departments.{by_role.get('data_analytics')}.maturity",
            _("Data maturity"),
            _(
                "How fast and how precisely the effect of shipped work is measured. 0: not measured at all, "
                "1: measured within a week, almost without noise."
            ),
            "slider",
            data,
        )
        if "data_analytics" in by_role
        else None,
        Lever(
            f"departments.{by_role.get('ux_design')}.insight",
            _("User insight (UX)"),
            _("How close the teams' initial beliefs about what helps customers are to the truth."),
            "slider",
            data,
        )
        if "ux_design" in by_role
        else None,
    ]
    for team in scenario.teams:
        levers += [
            Lever(
                f"teams.{team}.capacity",
                _("{team}: people").format(team=team),
                _("Person-weeks of work per week."),
                "slider",
                teams,
                low=1,
                high=30,
                step=0.5,
            ),
            Lever(
                f"teams.{team}.wip_limit",
                _("{team}: WIP limit").format(team=team),
                _("Items in development at once."),
                "int",
                teams,
                low=1,
                high=20,
                step=1,
            ),
            Lever(
                f"teams.{team}.alignment",
                _("{team}: alignment").format(team=team),
                _(
                    "How much the team weighs its belief of an item's effect on the shared criterion against the "
                    "pressure behind it."
                ),
                "slider",
                teams,
            ),
            Lever(
                f"teams.{team}.approval_chain",
                _("{team}: approval chain").format(team=team),
                _("Units that must sign off, in order. Every hop is a queue: longer chains mean longer lead times."),
                "chain",
                _("Approvals"),
                options=departments,
            ),
        ]
    if "marketing" in by_role:
        campaign, marketing = _("Campaign"), by_role["marketing"]
        levers += [
            Lever(
                f"departments.{marketing}.campaign_start_week",
                _("Campaign start week"),
                _(
                    "When Marketing plans its campaign (an aligned Marketing waits until onboarding is ready). "
                    "Empty: no campaign."
                ),
                "optional_week",
                campaign,
                low=1,
                high=520,
                step=1,
            ),
            Lever(
                f"departments.{marketing}.campaign_lift",
                _("Campaign lift"),
                _("Extra leads during the campaign, relative to organic inflow."),
                "slider",
                campaign,
                low=0,
                high=5,
                step=0.25,
            ),
        ]
    group = _("Departments")
    for name in departments:
        if scenario.departments[name].role == "leadership":
            continue
        for field in ("alignment", "influence"):
            levers.append(
                Lever(
                    f"departments.{name}.{field}",
                    _(DEPARTMENT_LABELS[field]).format(department=department_name(name)),
                    _(DEPARTMENT_HELP[field]),
                    "slider",
                    group,
                )
            )
        kpi_label, kpi_help = DEPARTMENT_LABELS["kpi"], DEPARTMENT_HELP["kpi"]
        levers.append(
            Lever(
                f"departments.{name}.kpi",
                _(kpi_label).format(department=department_name(name)),
                _(kpi_help),
                "select",
                group,
                options=ALL_KPIS,
            )
        )
    return [lever for lever in levers if lever is not None] + assumption_levers(scenario)


#: The reference models' parameters named in words (translate with ``_``); a parameter not here is named by its
#: code, as the papers do (m, n, p1, N, K).
PARAMETER_NAMES = {
    "periods": N_("Periods"),
    "equilibrium_limit": N_("Most periods to equilibrium"),
    "interaction": N_("Interaction"),
    "incentive": N_("Incentive"),
    "ceo": N_("CEO"),
    "alternatives": N_("Alternatives per manager"),
    "proposals": N_("Proposals per manager"),
}


def parameter_levers(scenario: ScenarioBase) -> list[Lever]:
    """One lever per parameter of a flat schema, with its bounds, choices and help taken from the schema, in the
    current language; named in words with the code (``Periods (periods)``) where the code is a word."""
    levers = []
    for code, field in type(scenario).model_fields.items():
        if code in ScenarioBase.model_fields:
            continue
        name = f"{_(PARAMETER_NAMES[code])} ({code})" if code in PARAMETER_NAMES else code
        bounds = {key: getattr(m, key) for m in field.metadata for key in ("ge", "le") if hasattr(m, key)}
        help_text = _(field.description) if field.description else code  # the schema's English, marked N_
        if get_origin(field.annotation) is Literal:
            levers.append(
                Lever(code, name, help_text, "select", "Parameters", options=tuple(get_args(field.annotation)))
            )
        elif field.annotation is int:
            levers.append(
                Lever(
                    code,
                    name,
                    help_text,
                    "int",
                    "Parameters",
                    low=bounds.get("ge", 0),
                    high=bounds.get("le", 10**6),
                    step=1,
                )
            )
        elif field.annotation is float:
            levers.append(
                Lever(
                    code,
                    name,
                    help_text,
                    "slider",
                    "Parameters",
                    low=bounds.get("ge", 0.0),
                    high=bounds.get("le", 1.0),
                    step=0.01,
                )
            )
    return levers
