"""The levers a leader can pull: which scenario values the app offers, with labels and help text.

A lever is a dotted scenario path plus how to present it. The app renders levers as widgets and turns the chosen
values into ``Scenario.with_overrides``; nothing here runs the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

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
    "alignment": "How much the shared success criterion counts against this department's own KPI when it decides "
                 "what to ask for (0: only its own KPI, 1: only the shared criterion).",
    "influence": "How much this department's demands weigh with the product team (how loud its voice is).",
    "kpi": "The metric this department is measured and steered on. Output KPIs count deliveries; outcome KPIs "
           "count what customers do.",
}


#: How the app names each role whose KPI has a proxy quality.
ROLE_NAMES = {"sales": "Sales", "marketing": "Marketing", "customer_success": "Customer Success",
              "customer_support": "Customer Support", "finance": "Finance", "legal": "Legal"}


def possessive(name: str) -> str:
    """``Sales'``, ``Finance's``."""
    return name + ("'" if name.endswith("s") else "'s")


def assumption_levers(scenario: Scenario) -> list[Lever]:
    """The article's premise as levers: how good a proxy each department's KPI is, and how right beliefs are."""
    roles = {d.role for d in scenario.departments.values()}
    levers = [Lever("assumptions.folk_wisdom", "How right are our beliefs about what works?",
                    "0: the organisation believes every department's KPI is a perfect proxy for what customers get "
                    "(the premise of steering by local KPIs); 1: it knows what each kind of work truly does. With "
                    "right beliefs and good proxies, a shared success criterion gains little (docs/CLAIMS.md).",
                    "slider", "Assumptions (the premise)")]
    for role, field in KpiProxy.model_fields.items():
        if role in roles:
            levers.append(Lever(
                f"assumptions.kpi_proxy.{role}", f"How good a proxy is {possessive(ROLE_NAMES[role])} KPI?",
                f"What a person-week of the work {possessive(ROLE_NAMES[role])} KPI asks for ({field.description}) is worth to "
                "customers, relative to a person-week of work aimed at the customer outcome. 1: a perfect proxy. "
                "Defaults and their sources: docs/MODEL.md.", "slider", "Assumptions (the premise)"))
    return levers


def levers_for(scenario: ScenarioBase) -> list[Lever]:
    """The levers of a scenario, grouped: direction, funding, data, teams, departments, campaign, approvals and the
    named assumptions (the alignment model), or one per parameter (the reference models)."""
    if not isinstance(scenario, Scenario):
        return parameter_levers(scenario)
    departments = tuple(scenario.departments)
    levers = [
        Lever("leadership.shared_criterion", "Shared success criterion",
              "The one metric every unit is asked to serve. Pick an outcome (what customers do); an output metric "
              "such as features_delivered shows what happens when the shared criterion is the wrong one.",
              "select", "Direction", options=ALL_KPIS),
        Lever("leadership.trump", "How much it trumps local KPIs",
              "0: every department follows its own KPI. 1: the shared criterion wins every conflict, and leadership "
              "backs the team when a department escalates.", "slider", "Direction"),
        Lever("leadership.real_choice", "Prioritisation is a real choice",
              "On: the team may say no and its WIP limit holds. Off: loud demands get in regardless.",
              "toggle", "Direction"),
        Lever("funding.mode", "Funding",
              "Product: the team is funded over time and keeps improving. Project: planned by milestones; most "
              "people leave after go-live.", "select", "Funding", options=("product", "project")),
        Lever("funding.go_live_week", "Project go-live week",
              "Under project funding, the week after which the team shrinks to its retained share.",
              "int", "Funding", low=1, high=520, step=1),
        Lever("departments.data_analytics.maturity", "Data maturity",
              "How fast and how precisely the effect of shipped work is measured. 0: not measured at all, "
              "1: measured within a week, almost without noise.", "slider", "Data and learning")
        if "data_analytics" in departments else None,
        Lever("departments.ux_design.insight", "User insight (UX)",
              "How close the teams' initial beliefs about what helps customers are to the truth.",
              "slider", "Data and learning") if "ux_design" in departments else None,
    ]
    for team in scenario.teams:
        levers += [
            Lever(f"teams.{team}.capacity", f"{team}: people", "Person-weeks of work per week.",
                  "slider", "Teams", low=1, high=30, step=0.5),
            Lever(f"teams.{team}.wip_limit", f"{team}: WIP limit", "Items in development at once.",
                  "int", "Teams", low=1, high=20, step=1),
            Lever(f"teams.{team}.alignment", f"{team}: alignment",
                  "How much the team weighs its belief of an item's effect on the shared criterion against the "
                  "pressure behind it.", "slider", "Teams"),
            Lever(f"teams.{team}.approval_chain", f"{team}: approval chain",
                  "Units that must sign off, in order. Every hop is a queue: longer chains mean longer lead times.",
                  "chain", "Approvals", options=departments),
        ]
    if "marketing" in departments:
        levers += [
            Lever("departments.marketing.campaign_start_week", "Campaign start week",
                  "When Marketing plans its campaign (an aligned Marketing waits until onboarding is ready). "
                  "Empty: no campaign.", "optional_week", "Campaign", low=1, high=520, step=1),
            Lever("departments.marketing.campaign_lift", "Campaign lift",
                  "Extra leads during the campaign, relative to organic inflow.", "slider", "Campaign",
                  low=0, high=5, step=0.25),
        ]
    for name in departments:
        if name == "leadership":
            continue
        for field in ("alignment", "influence"):
            levers.append(Lever(f"departments.{name}.{field}", f"{name}: {field}", DEPARTMENT_HELP[field],
                                "slider", "Departments"))
        levers.append(Lever(f"departments.{name}.kpi", f"{name}: KPI", DEPARTMENT_HELP["kpi"], "select",
                            "Departments", options=ALL_KPIS))
    return [lever for lever in levers if lever is not None] + assumption_levers(scenario)


def parameter_levers(scenario: ScenarioBase) -> list[Lever]:
    """One lever per parameter of a flat schema, with its bounds, choices and help taken from the schema."""
    levers = []
    for name, field in type(scenario).model_fields.items():
        if name in ScenarioBase.model_fields:
            continue
        bounds = {key: getattr(m, key) for m in field.metadata for key in ("ge", "le") if hasattr(m, key)}
        help_text = field.description or name
        if get_origin(field.annotation) is Literal:
            levers.append(Lever(name, name, help_text, "select", "Parameters",
                                options=tuple(get_args(field.annotation))))
        elif field.annotation is int:
            levers.append(Lever(name, name, help_text, "int", "Parameters", low=bounds.get("ge", 0),
                                high=bounds.get("le", 10**6), step=1))
        elif field.annotation is float:
            levers.append(Lever(name, name, help_text, "slider", "Parameters", low=bounds.get("ge", 0.0),
                                high=bounds.get("le", 1.0), step=0.01))
    return levers
