"""The levers a leader can pull: which scenario values the app offers, with labels and help text.

A lever is a dotted scenario path plus how to present it. The app renders levers as widgets and turns the chosen
values into ``Scenario.with_overrides``; nothing here runs the model. Labels, help and groups are made in the
current language (``sim.i18n``) each time ``levers_for`` is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast, get_args, get_origin

from sim.i18n import N_, _, current, ngettext, number, percent
from sim.input.paths import get_path
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
    options: tuple[Any, ...] = ()
    #: A share of something (0 to 1 in the scenario) that people read as a percentage: its slider runs from 0% to
    #: 100% (or its range in percent) in whole percents.
    percent: bool = False

    def to_widget(self, value: Any) -> Any:
        """The scenario's value as the lever's widget holds it (a percentage for a share)."""
        if self.percent and value is not None:
            return round(float(value) * 100)
        return value

    def from_widget(self, value: Any) -> Any:
        """The widget's value as the scenario holds it (a share for a percentage)."""
        if self.percent and value is not None:
            return round(float(value) / 100, 6)
        return value

    def text(self, value: Any) -> str:
        """A value of this lever in words, in the current language: ``80%``, ``on``, ``6.5 people``,
        ``Legal, Marketing``, a metric's or an option's name."""
        if value is None:
            return _("none")
        if isinstance(value, bool):
            return _("on") if value else _("off")
        if isinstance(value, (list, tuple)):
            return ", ".join(option_text(v) for v in value) if value else _("nobody")
        if self.percent:
            return percent(float(value), 0)
        if isinstance(value, float):
            return number(value, 1 if self.step >= 0.1 else 2)
        return option_text(value)

    @property
    def slider_format(self) -> str | None:
        """How a slider writes its numbers: whole percents, or the browser's locale for other numbers in Danish."""
        if self.percent:
            return "%d%%" if current() == "en" else "%d %%"
        return "localized" if current() != "en" else None


def get_value(scenario: ScenarioBase, path: str) -> Any:
    """The scenario's value at a dotted path (``sim.input.paths.get_path`` on its data)."""
    return get_path(scenario.model_dump(mode="python"), path)


#: The horizon: the scenario field that sets how long a run lasts, and the app's choices (weeks: 1, 2, 3 and 5
#: years). It is a setting of the page, like the number of simulated markets, not a lever: the scenario before an
#: edit and every option compared run over the same horizon, or their money would differ by the length of the run.
HORIZON = "weeks"
HORIZONS = (52, 104, 156, 260)


def horizon_text(weeks: int) -> str:
    """A horizon in words: ``1 year``, ``3 years``, or weeks when it is not whole years."""
    if weeks % 52 == 0:
        years = weeks // 52
        return ngettext("{n} year", "{n} years", years).format(n=years)
    return ngettext("{n} week", "{n} weeks", weeks).format(n=weeks)


def horizons(scenario: Scenario) -> tuple[int, ...]:
    """The horizons offered for ``scenario``: 1, 2, 3 and 5 years, and its own when it is none of them."""
    return tuple(sorted({*HORIZONS, scenario.weeks}))


def at_horizon(scenario: Scenario, weeks: int | None) -> Scenario:
    """``scenario`` run over ``weeks`` (itself when ``weeks`` is None or its own)."""
    if weeks is None or weeks == scenario.weeks:
        return scenario
    return cast(Scenario, scenario.with_overrides({HORIZON: int(weeks)}))


def option_text(option: Any) -> str:
    """A lever's choice in words: a metric's name, a department's or team's name, a funding mode."""
    from sim.present import labels

    if isinstance(option, str) and option in labels.LABELS:
        return labels.name(option)
    if isinstance(option, str) and option in OPTION_NAMES:
        return _(OPTION_NAMES[option])
    return department_name(str(option))


#: Choices of a lever that are words rather than metrics (the scenario keeps the code; translate with ``_``).
OPTION_NAMES = {"product": N_("product funding"), "project": N_("project funding")}


ALL_KPIS = tuple(METRICS)

DEPARTMENT_HELP = {
    "alignment": N_(
        "How much the shared success criterion counts against this department's own KPI when it "
        "decides what to ask for (0%: only its own KPI, 100%: only the shared criterion)."
    ),
    "influence": N_(
        "How much this department's demands weigh with the product team, from 0% (not heard) to 100% (the loudest "
        "voice)."
    ),
    "kpi": N_(
        "The metric this department is measured and steered on. Output KPIs count deliveries; outcome KPIs "
        "count what customers do."
    ),
}
#: A department's lever labels (``{department}`` is its name in the current language).
DEPARTMENT_LABELS = {
    "alignment": N_("{department}: weight on the shared goal"),
    "influence": N_("{department}: weight of its demands"),
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
#: Teams and other requesters of team time named in words (a team of another name is shown by its own name).
UNIT_NAMES = {"core": N_("Product team"), "experiments": N_("Experiments")}
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
    """A unit's name for people in the current language: a department (``customer_success`` -> ``Kundesucces``,
    ``legal`` -> ``Legal``), the default product team (``core`` -> ``Product team``), experiments; any other
    name (a team or department the user named) as it is."""
    if name in DEPARTMENT_NAMES:
        return _(DEPARTMENT_NAMES[name])
    return _(UNIT_NAMES[name]) if name in UNIT_NAMES else name


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
                "0%: the organisation believes every department's KPI is a perfect proxy for what customers "
                "get (the premise of steering by local KPIs); 100%: it knows what each kind of work truly does. "
                "With right beliefs and good proxies, a shared success criterion gains little."
            ),
            "slider",
            group,
            percent=True,
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
                        "as a percentage of a person-week of work aimed at the customer outcome. 100%: a perfect "
                        "proxy. The defaults come from published figures (see the model's documentation)."
                    ).format(whose=whose, work=_(PROXY_WORK.get(role) or field.description or role)),
                    "slider",
                    group,
                    percent=True,
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
                "The one metric every unit is asked to serve. Pick an outcome (what customers do); an output such "
                "as items released shows what happens when the shared criterion is the wrong one."
            ),
            "select",
            direction,
            options=ALL_KPIS,
        ),
        Lever(
            "leadership.trump",
            _("How much it trumps local KPIs"),
            _(
                "0%: every department follows its own KPI. 100%: the shared criterion wins every conflict, and "
                "leadership backs the team when a department escalates."
            ),
            "slider",
            direction,
            percent=True,
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
                "How fast and how precisely the effect of shipped work is measured. 0%: not measured at all, "
                "100%: measured within a week, almost without noise."
            ),
            "slider",
            data,
            percent=True,
        )
        if "data_analytics" in by_role
        else None,
        Lever(
            f"departments.{by_role.get('ux_design')}.insight",
            _("User insight (UX)"),
            _(
                "How close the teams' initial beliefs about what helps customers are to the truth (0%: folk "
                "wisdom only, 100%: the truth)."
            ),
            "slider",
            data,
            percent=True,
        )
        if "ux_design" in by_role
        else None,
    ]
    for team in scenario.teams:
        who = department_name(team)
        levers += [
            Lever(
                f"teams.{team}.capacity",
                _("{team}: people").format(team=who),
                _("People working in the team: person-weeks of work per week."),
                "slider",
                teams,
                low=1,
                high=30,
                step=0.5,
            ),
            Lever(
                f"teams.{team}.wip_limit",
                _("{team}: items in progress at once").format(team=who),
                _("The team's WIP limit: how many items it develops at once."),
                "int",
                teams,
                low=1,
                high=20,
                step=1,
            ),
            Lever(
                f"teams.{team}.alignment",
                _("{team}: weight on the shared goal").format(team=who),
                _(
                    "How much the team weighs its belief of an item's effect on the shared criterion against the "
                    "pressure behind it (0%: only the pressure, 100%: only the shared criterion)."
                ),
                "slider",
                teams,
                percent=True,
            ),
            Lever(
                f"teams.{team}.approval_chain",
                _("{team}: approval chain").format(team=who),
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
                _("Campaign lift: extra leads"),
                _("Extra leads during the campaign, as a percentage of the leads that come anyway."),
                "slider",
                campaign,
                low=0,
                high=5,
                step=0.25,
                percent=True,
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
                    percent=True,
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
