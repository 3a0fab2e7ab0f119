"""alignsim in the browser (`make app` = `streamlit run app.py`): what-if scenarios for leaders and trainers.

This file is the navigation: the first page is Explore (explore.py), then every page in pages/, discovered from
the folder, so a new page appears without editing this file.
"""

from pathlib import Path

import streamlit as st

from sim.i18n import _

ROOT = Path(__file__).resolve().parent
PAGES = [st.Page(str(ROOT / "explore.py"), title=_("Explore"), default=True),
         *(st.Page(str(path)) for path in sorted((ROOT / "pages").glob("*.py")))]
st.navigation(PAGES).run()
