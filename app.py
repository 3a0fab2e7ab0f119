"""alignsim in the browser (`make app`): what-if scenarios for leaders and trainers.

The app lives in the ``ui`` package; this file is its entry and its navigation. Page names are in the session's
language (``ui.language.page_language``; each page draws the language switch itself); addresses stay as they were
shared (``/Compare``, ``/Workshop``, ...).
"""

from pathlib import Path

import streamlit as st

from sim.i18n import N_, _
from ui.language import page_language

PAGES_DIR = Path(__file__).resolve().parent / "ui" / "pages"
#: Each page: its file in ui/pages, its navigation title (translated where shown) and its address.
PAGES = [
    ("explore", N_("Explore"), "explore"),
    ("compare", N_("Compare"), "Compare"),
    ("organisation", N_("Organisation"), "Organisation"),
    ("self_assessment", N_("Self-assessment"), "Self-assessment"),
    ("workshop", N_("Workshop"), "Workshop"),
    ("reference_models", N_("Reference models"), "Reference_models"),
    ("your_organisation", N_("Your organisation"), "Your_organisation"),
    ("board", N_("A page for the board"), "Board"),
]
#: Pages reached by a link, not from the navigation (the board's page opens from Explore).
HIDDEN = {"board"}

page_language()
st.navigation(
    [
        st.Page(
            str(PAGES_DIR / f"{stem}.py"),
            title=_(title),
            url_path=url,
            default=stem == "explore",
            visibility="hidden" if stem in HIDDEN else "visible",
        )
        for stem, title, url in PAGES
    ]
).run()
