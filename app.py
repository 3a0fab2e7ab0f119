"""alignsim in the browser (`make app` = `streamlit run app.py`): what-if scenarios for leaders and trainers.

This file is the navigation: the first page is Explore (explore.py), then every page in pages/, discovered from
the folder, so a new page appears without editing this file. The page names are in the session's language
(``app_common.page_language``; each page draws the language switch itself).
"""

from pathlib import Path

import streamlit as st

from app_common import page_language
from sim.i18n import N_, _

ROOT = Path(__file__).resolve().parent
#: Navigation names of the pages in pages/ (by file name); a page not named here keeps Streamlit's name from its file.
TITLES = {"1_Compare": N_("Compare"), "2_Organisation": N_("Organisation"), "3_Self-assessment": N_("Self-assessment"),
          "4_Workshop": N_("Workshop"), "5_Reference_models": N_("Reference models"),
          "6_Your_organisation": N_("Your organisation")}


def _page(path: Path) -> st.Page:
    return st.Page(str(path), title=_(TITLES[path.stem])) if path.stem in TITLES else st.Page(str(path))


page_language()
PAGES = [st.Page(str(ROOT / "explore.py"), title=_("Explore"), default=True),
         *(_page(path) for path in sorted((ROOT / "pages").glob("*.py")))]
st.navigation(PAGES).run()
