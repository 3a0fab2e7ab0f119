"""What a session keeps: the base scenario (a preset, an upload, a self-assessment), the edited one, and the
what-if a share link opens.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from sim import bundled_scenarios, load_scenario
from sim.input import scenario_from_toml, share
from sim.present.levers import levers_for
from sim.scenario import Scenario, ScenarioBase
from ui.comparison import MAX_NAMED, Kept, describes_one, kept_from
from ui.results import DEFAULT_PRESET
from ui.text import edited_name, edited_title, scenario_title


@dataclass
class Choice:
    """The scenario the user works on: the base (preset or upload) and the edited version, both over the horizon
    chosen on the page."""

    base: Scenario
    edited: Scenario
    overrides: dict
    seeds: int
    label: str = DEFAULT_PRESET

    @property
    def title(self) -> str:
        """Which scenario is on screen, for people in the current language: the preset's title or the file's name,
        or "edited TITLE" after a lever move."""
        return edited_title(self.label) if self.overrides else scenario_title(self.label)

    @property
    def name(self) -> str:
        """Which scenario is on screen as files name it: the preset's or file's name, or "edited NAME" (English,
        the code name, as the CLI and exported file names keep it)."""
        return edited_name(self.label) if self.overrides else self.label

    @property
    def weeks(self) -> int:
        """The horizon both scenarios run over, in weeks."""
        return self.base.weeks


def alignment(scenario: ScenarioBase) -> Scenario:
    """``scenario`` as the alignment model's (the only model Explore and Compare run; other models' scenarios are
    sent to the Reference models page before they get here)."""
    if not isinstance(scenario, Scenario):
        raise TypeError(f"{scenario.name}: a {scenario.model} scenario, not the alignment model's")
    return scenario


def base_scenario() -> Scenario:
    """The base scenario held in the session (a preset, an upload, or the self-assessment's answer)."""
    if "base_toml" not in st.session_state:
        set_base(alignment(load_scenario(DEFAULT_PRESET)), DEFAULT_PRESET)
    return alignment(scenario_from_toml(st.session_state["base_toml"], st.session_state["base_label"]))


def set_base(scenario: Scenario, label: str) -> None:
    """Make ``scenario`` the base everything works on, over its own horizon, and forget lever edits made to the
    previous base."""
    st.session_state["base_toml"] = scenario.to_toml()
    st.session_state["base_label"] = label
    st.session_state["sync_preset_picker"] = True
    st.session_state.pop("horizon", None)
    reset_levers()


def reset_levers() -> None:
    """Every lever back to the base's value (their widgets are drawn again from the base)."""
    for key in [k for k in st.session_state if str(k).startswith("lever:")]:
        del st.session_state[key]


def kept() -> dict[str, Kept]:
    """The scenarios the person kept by name in this session (for Compare), in the order they were kept."""
    return st.session_state.setdefault("kept", {})


def keep(scenario: Kept) -> str:
    """Keep a scenario under its name (replacing one of the same name; the oldest goes beyond MAX_NAMED);
    returns the name."""
    store = kept()
    store.pop(scenario.name, None)
    store[scenario.name] = scenario
    while len(store) > MAX_NAMED:
        store.pop(next(iter(store)))
    return scenario.name


def explore_kept() -> Kept | None:
    """The scenario as last left on Explore, as a scenario to keep or to link to: named by its title for people."""
    text = st.session_state.get("edited_toml")
    if not text:
        return None
    label, _edited = st.session_state.get("edited_from", (DEFAULT_PRESET, False))
    return kept_from(label, st.session_state.get("edited_overrides", {}), text, edited_shown())


def explore(scenario: Scenario, label: str) -> None:
    """Make ``scenario`` the base (``set_base``) and open the Explore page on it."""
    set_base(scenario, label)
    try:
        st.switch_page("ui/pages/explore.py")  # the Explore page in the app's navigation (app.py)
    except StreamlitPageNotFoundError:  # a page run on its own (AppTest): the entrypoint opens Explore
        st.switch_page("app.py")


def open_shared_link(where) -> None:
    """On a session's first run: open the what-if its page address describes (``sim.input.share``). A bad link shows
    one message and the default preset opens instead."""
    if st.session_state.get("share_checked"):
        return
    st.session_state["share_checked"] = True
    # the language is the language switch's (which reports a bad lang itself): a bad lang does not lose the what-if
    params = {key: st.query_params.get_all(key) for key in st.query_params if key != "lang"}
    if describes_one(params):  # a comparison's address (the Compare page reads it), not a what-if
        return
    try:
        shared = share.decode(params)
    except share.ShareError as exc:
        st.session_state["share_error"] = exc.shown()
        return
    if shared is None:
        return
    set_base(alignment(shared.base), shared.label)
    st.session_state.pop("sync_preset_picker", None)
    st.session_state["preset_choice"] = shared.label if shared.label in bundled_scenarios("alignment") else None
    if shared.seeds:
        st.session_state["seeds"] = shared.seeds
    if shared.weeks:
        st.session_state["horizon"] = shared.weeks
    # sim.input.share lets through only the levers' paths and ranges
    set_levers(alignment(shared.base), shared.overrides)


def set_levers(base: Scenario, overrides: dict) -> None:
    """Put the lever widgets of ``base`` at the values of ``overrides`` (path -> value): before the widgets are
    drawn (a share link on a session's first run, a button's callback such as applying advice)."""
    by_path = {lever.path: lever for lever in levers_for(base)}
    for path, value in overrides.items():
        lever = by_path[path]
        key = f"lever:{path}"
        if lever.widget == "slider":
            st.session_state[key] = lever.to_widget(value) if lever.percent else float(value)
        elif lever.widget == "optional_week":
            st.session_state[key + ":on"] = value is not None
            if value is not None:
                st.session_state[key] = int(value)
        elif lever.widget == "int":
            st.session_state[key] = int(value)
        else:
            st.session_state[key] = value


def share_params(choice: Choice) -> dict:
    """The page address's query parameters for the what-if on screen."""
    from sim import i18n

    return share.encode(choice.label, choice.overrides, choice.seeds, choice.edited, i18n.current(), choice.weeks)


def edited_scenario() -> Scenario | None:
    """The scenario as last edited on the Explore page, if any."""
    text = st.session_state.get("edited_toml")
    return alignment(scenario_from_toml(text, "edited scenario")) if text else None


def edited_label() -> str:
    """The name of the scenario as last left on Explore, as files name it: a preset's, a file's, or "edited NAME"."""
    return st.session_state.get("edited_label", DEFAULT_PRESET)


def edited_shown() -> str:
    """The scenario as last left on Explore, for people in the current language: a preset's title, a file's name,
    or "edited TITLE"."""
    label, edited = st.session_state.get("edited_from", (DEFAULT_PRESET, False))
    return edited_title(label) if edited else scenario_title(label)
