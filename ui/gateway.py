"""The app with its workshop gate: Streamlit's ``st.App`` around ``app.py`` plus the workshop's pass endpoint
(``ui.workshop.gate``). ``ui.serve`` (``make app``) runs it; ``streamlit run ui/gateway.py`` does too.

The web server leaves ``X-Forwarded-For`` alone (``FORWARDED_ALLOW_IPS`` empty, set by ``ui.serve``): the workshop
reads it itself, from the proxies named in ``ALIGNSIM_TRUSTED_PROXIES`` only (``sim.workshop.access``).
"""

from pathlib import Path

import streamlit as st

from ui.workshop.gate import routes

ENTRY = Path(__file__).resolve().parent.parent / "app.py"

app = st.App(str(ENTRY), routes=routes(str(st.get_option("server.baseUrlPath") or "")))
