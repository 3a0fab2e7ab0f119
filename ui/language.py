"""The page's language: English or Danish, chosen by the person or the address (``?lang=da``), with select boxes
relabelled on a switch.
"""

from __future__ import annotations

import streamlit as st

from ui.text import plain


def _language_wanted(default: str | None = None) -> tuple[str, str | None, bool]:
    """The language of this run, without changing anything: (code, what the person or the address chose, whether
    the address's ``lang`` was not an offered language). A switch just moved wins, then the address, then what the
    person chose earlier in the session, then ``default`` (e.g. a workshop's language), then English."""
    from sim import i18n

    asked = st.query_params.get("lang")
    problem = False
    if asked is not None and asked not in i18n.LANGUAGES:
        problem, asked = True, None
    remembered, widget = st.session_state.get("lang"), st.session_state.get("lang_choice")
    if widget in i18n.LANGUAGES and widget != remembered:  # the person just switched
        return widget, widget, problem
    if asked:  # the address says
        return asked, asked, problem
    chosen = st.session_state.get("lang_chosen")
    return chosen or default or i18n.DEFAULT, chosen, problem


#: Select boxes whose options are shown by name in the page's language (their keys, or the start of their keys).
RELABELLED = {
    "preset_choice",
    "ref_model",
    "cmp_a",
    "cmp_b",
    "cmp_others",
    "cmp_weeks",
    "horizon",
    "export_chart",
    "template",
    "workshop_lang",
    "join_dept",
    "free_dept",
    "remove_who",
}


RELABELLED_PREFIXES = ("ref_preset:", "sweep_x:", "sweep_by:", "sweep_metric:", "lever:", "ref:")


#: Multiselects of the same kind (their values are lists).
RELABELLED_LISTS = ("org_chain:", "org_requests:", "lever:")


def _relabel() -> None:
    """After a language switch: hand every select box its value again. A keyed select box keeps showing the name
    of its choice in the language it was made in (Streamlit sends a choice by its shown name); a value set through
    the session makes it show the name in the new language. The choices themselves do not change."""
    for key in list(st.session_state.keys()):
        name = str(key)
        value = st.session_state[key]
        if (
            name in RELABELLED
            or (name.startswith(RELABELLED_PREFIXES) and isinstance(value, str))
            or (name.startswith(RELABELLED_LISTS) and isinstance(value, list))
        ):
            st.session_state[key] = st.session_state[key]


def page_language() -> str:
    """The navigation (app.py) in the session's language: sets this run's language as the page's switch will,
    without drawing it or touching the session (the page's :func:`language_switch` does that)."""
    from sim import i18n

    code = _language_wanted()[0]
    i18n.set_language(code)
    return code


def language_switch(default: str | None = None) -> str:
    """Sidebar: English or Dansk. The choice is remembered for the session and carried in the page address
    (``?lang=da``), so a shared link opens in its language; ``default`` (e.g. a workshop's language) applies
    until the person (or an address) chooses. An unknown ``lang`` in the address gets one line naming the allowed
    values and the page stays English. Sets the language of this script run (``sim.i18n``) and returns it. Every
    page calls it first, before any text; switching only changes words and number formats (the cached ensembles
    do not depend on the language), so the scenario and its results stay on screen."""
    from sim import i18n

    code, chosen, problem = _language_wanted(default)
    i18n.set_language(code)
    if st.session_state.get("lang") not in (None, code):
        _relabel()
    st.session_state["lang"] = st.session_state["lang_choice"] = code
    if chosen:
        st.session_state["lang_chosen"] = chosen
    st.sidebar.radio(
        i18n._("Language"), list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get, key="lang_choice", horizontal=True
    )
    if st.query_params.get("lang") != code and (code != i18n.DEFAULT or "lang" in st.query_params):
        st.query_params["lang"] = code
    if problem:  # the text from the address is not repeated
        st.sidebar.error(
            plain(
                i18n._("lang in the address is not a language offered; allowed: {allowed}").format(
                    allowed=", ".join(i18n.LANGUAGES)
                )
            )
        )
    return code
