"""alignsim in the browser (`make app`): what-if scenarios for leaders and trainers.

Pages: Explore (levers, outcome and output over time, the delivery paradox, where the team's time went),
Compare (two scenarios on the same seeds), Organisation (the graph of requests, approvals and dependencies),
Self-assessment (the article's three questions).
"""

import streamlit as st

st.set_page_config(page_title="alignsim", layout="wide")
PAGES = [
    st.Page("pages/explore.py", title="Explore", icon=":material/tune:", default=True),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("pages/organisation.py", title="Organisation", icon=":material/account_tree:"),
    st.Page("pages/self_assessment.py", title="Self-assessment", icon=":material/quiz:"),
]
st.navigation(PAGES).run()
