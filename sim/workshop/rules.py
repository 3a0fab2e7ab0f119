"""The rules of a workshop: templates, the choices a department makes each round, and what a screen knows of a
workshop (its state, a seat, a seat's pulse).

Nothing here touches the database (``sim.workshop.store``) or decides who may see what (``sim.workshop.access``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict

from sim.i18n import DEFAULT as DEFAULT_LANGUAGE
from sim.i18n import LANGUAGES, N_, _
from sim.input import load_scenario
from sim.present.levers import department_name
from sim.scenario import Scenario


class Template(TypedDict):
    title: str
    rounds: int
    weeks: int
    departments: tuple[str, ...]


#: Templates: a bundled scenario, rounds, weeks per round, and the departments people can play.
TEMPLATES: dict[str, Template] = {
    "b2b_activation": {
        "title": N_("The B2B activation tug of war"),
        "rounds": 4,
        "weeks": 13,
        "departments": ("sales", "marketing", "customer_success", "customer_support", "finance"),
    },
    "self_service_launch": {
        "title": N_("The self-service launch"),
        "rounds": 4,
        "weeks": 13,
        "departments": ("sales", "marketing", "customer_success", "customer_support", "finance"),
    },
}
PUSH = {"own KPI": 0.1, "balanced": 0.5, "shared goal": 0.9}
DEMANDS = {"few": 0.5, "normal": 1.0, "many": 1.6}
#: How the choices are shown (the keys above are what is stored); translate with ``_`` where shown.
CHOICE_LABELS = {
    "own KPI": N_("own KPI"),
    "balanced": N_("balanced"),
    "shared goal": N_("shared goal"),
    "few": N_("few"),
    "normal": N_("normal"),
    "many": N_("many"),
}
#: What each role's own action does, in words, for the participant's form (translate with ``_`` where shown).
ACTIONS = {
    "sales": N_("Promise features to key accounts"),
    "marketing": N_("Run a campaign this round"),
    "customer_success": N_("Hold as many onboarding calls as possible"),
    "customer_support": "",
    "finance": N_("Tie the budget to a fixed milestone plan (counts in the first round)"),
}
#: The same action in a table of decisions ("…: yes").
ACTIONS_SHORT = {
    "sales": N_("promise features to key accounts"),
    "marketing": N_("run a campaign this round"),
    "customer_success": N_("hold as many onboarding calls as possible"),
    "finance": N_("tie the budget to a fixed milestone plan"),
}
LOGIC_SWITCHES = {
    "shared_criterion": N_("A shared success criterion that trumps local KPIs"),
    "product_funding": N_("Fund the team as a product team"),
}
#: The value a switch sets; a switch is offered only where the template does not already have it.
SHARED_CRITERION_TRUMP = 0.9

#: A workshop stays open until the facilitator archives it, or this long after it was created.
OPEN_SECONDS = 30 * 24 * 3600
MAX_TABLES = 8
MAX_SEAT_SIZE = 6
NAME_LENGTH = 40


class WorkshopError(ValueError):
    """A code, token or action that cannot be accepted; the message says why and what to do."""


class StaleError(WorkshopError):
    """The caller acted on a state that has moved on (a round already played, a switch already made)."""


def dept_label(department: str) -> str:
    """``customer_success`` -> ``Customer Success`` (``Kundesucces``), in the current language."""
    return department_name(department)


def choice_label(choice: str) -> str:
    """A push or demands choice in words, in the current language."""
    return _(CHOICE_LABELS[choice]) if choice in CHOICE_LABELS else choice


def switch_label(switch: str) -> str:
    """A logic switch in words, in the current language."""
    return _(LOGIC_SWITCHES[switch]) if switch in LOGIC_SWITCHES else switch


def template_title(template: str) -> str:
    """A template's title in the current language."""
    return _(TEMPLATES[template]["title"])


def check_language(code: str) -> str:
    """A workshop language code, or a WorkshopError naming the allowed ones."""
    if code not in LANGUAGES:
        raise WorkshopError(_("language must be one of: {allowed}").format(allowed=", ".join(LANGUAGES)))
    return code


def check_department(template: str, department: str) -> str:
    """A department people can play in this template, or a WorkshopError naming them."""
    playable = TEMPLATES[template]["departments"]
    if department not in playable:
        raise WorkshopError(_("department must be one of: {allowed}").format(allowed=", ".join(playable)))
    return department


def check_table(table: object, tables: int) -> int:
    """A table number of a workshop with ``tables`` tables, or a WorkshopError naming the range."""
    if not isinstance(table, int) or isinstance(table, bool) or not 1 <= table <= tables:
        raise WorkshopError(_("table must be a number from 1 to {most}").format(most=tables))
    return table


def clean_name(name: object, department: str) -> str:
    """A person's name as shown: spaces collapsed, at most ``NAME_LENGTH`` characters, the department's name when
    empty; a WorkshopError for text that cannot be printed."""
    text = " ".join(str(name or "").split())[:NAME_LENGTH]
    if not text.isprintable():
        raise WorkshopError(_("name must be printable text"))
    return text or dept_label(department)


Push = Literal["own KPI", "balanced", "shared goal"]
Demands = Literal["few", "normal", "many"]


@dataclass(frozen=True)
class Decision:
    """One department's choices for one round."""

    push: Push = "balanced"
    demands: Demands = "normal"
    action: bool = False

    def __post_init__(self) -> None:
        if self.push not in PUSH:
            raise WorkshopError(_("push must be one of: {allowed}").format(allowed=", ".join(PUSH)))
        if self.demands not in DEMANDS:
            raise WorkshopError(_("demands must be one of: {allowed}").format(allowed=", ".join(DEMANDS)))
        if not isinstance(self.action, bool):
            raise WorkshopError(_("action must be true or false"))

    def describe(self, department: str) -> str:
        """In words, for tables and the handout, in the current language."""
        text = _("push {push}, {demands} demands").format(
            push=choice_label(self.push), demands=choice_label(self.demands)
        )
        if ACTIONS.get(department):
            text += ", " + _("{action}: {answer}").format(
                action=_(ACTIONS_SHORT[department]), answer=_("yes") if self.action else _("no")
            )
        return text


@dataclass(frozen=True)
class State:
    """What a screen needs to know to decide whether it is up to date."""

    code: str
    template: str
    seed: int
    created: float
    rounds: int
    round: int  # rounds played; the round open for decisions is ``round`` (0-based)
    revealed: bool
    tables: int
    seat_size: int
    archived: bool
    switches: tuple[tuple[str, int], ...]  # (switch, first round it applies to, 0-based)
    lang: str = DEFAULT_LANGUAGE  # the language the facilitator chose: participants see it by default
    version: int = 0  # bumped by every change to the workshop (a save, a seat, a round, a switch, ...)

    @property
    def over(self) -> bool:
        return self.round >= self.rounds

    @property
    def open(self) -> bool:
        return not self.archived and not self.over

    @property
    def stage(self) -> tuple:
        """What changes the layout of every screen: the round, the reveal, the tables, the archive, the logic."""
        return (self.round, self.revealed, self.tables, self.archived, self.switches)


@dataclass(frozen=True)
class Seat:
    """A person's place: a department at a table. ``member`` identifies the place to the facilitator (remove,
    approve); ``rejoin`` is the short code that gives the place back on another device (only its holder and the
    facilitator see it)."""

    member: int
    code: str
    table: int
    department: str
    name: str
    rejoin: str = ""
    seen: float | None = None  # when a screen of this place last asked for news (server clock)


def available_switches(template: str) -> dict[str, str]:
    """The logic switches that change something in this template (e.g. product funding is not offered when the
    template is already product-funded), with their labels in the current language."""
    scenario = load_scenario(template)
    assert isinstance(scenario, Scenario)  # a workshop template is an alignment scenario
    out = {}
    if scenario.leadership.trump < SHARED_CRITERION_TRUMP:
        out["shared_criterion"] = switch_label("shared_criterion")
    if scenario.funding.mode != "product":
        out["product_funding"] = switch_label("product_funding")
    return out
