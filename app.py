"""alignsim in the browser (`make app`): what-if scenarios for leaders and trainers.

This page, Explore: pick a preset or upload a scenario, pull the levers, see outcome and output over time with
uncertainty bands, the delivery paradox and where the team's time went. The other pages (pages/): Compare,
Organisation, Self-assessment.
"""

import streamlit as st

from app_common import (ORGANISATION, OUTCOMES, OUTPUTS, choose, ensemble, export_panel, long_with_label,
                        metric_row, plain, setup_page)
from sim import charts
from sim.claims import holds_when
from sim.scenario import Scenario

setup_page("Explore: what if we aligned?")
choice = choose()
result = ensemble(choice.edited, choice.seeds)
reference = ensemble(choice.base, choice.seeds) if choice.overrides else None

if choice.overrides:
    st.info("Edited levers: " + ", ".join(f"`{k}` = {v}" for k, v in choice.overrides.items())
            + f". Differences are against the unedited **{choice.base.name}** on the same {choice.seeds} seeds.")
else:
    st.caption(plain(choice.base.description or choice.base.name))

st.subheader("Outcome: what customers do")
metric_row(result, reference, OUTCOMES)
st.subheader("Output: what departments deliver")
metric_row(result, reference, OUTPUTS)
st.subheader("How the work flows")
metric_row(result, reference, ORGANISATION)
if isinstance(choice.edited, Scenario):
    st.caption(holds_when(choice.edited))

runs = {"edited": result} if reference is None else {"edited": result, "preset": reference}
weekly = long_with_label({label: r.weekly for label, r in runs.items()})
by = "scenario" if reference is not None else None
figures = {
    "outcomes_over_time": charts.over_time(weekly, OUTCOMES, by=by),
    "outputs_over_time": charts.over_time(weekly, OUTPUTS, by=by),
    "delivery_paradox": charts.paradox(long_with_label({label: r.summary for label, r in runs.items()}), by=by),
    "team_time": charts.capacity(result.extra["capacity"]),
}
st.subheader("Outcome over time")
st.caption("Mean over seeds with a 95% band.")
st.altair_chart(figures["outcomes_over_time"], width="content")
st.subheader("Output over time")
st.altair_chart(figures["outputs_over_time"], width="content")
st.subheader("The delivery paradox")
st.caption("Each dot is one seed: how well departments hit their own output KPIs against how much the outcome "
           "(customers actually using the product) moved.")
st.altair_chart(figures["delivery_paradox"], width="content")
st.subheader("Where did the team's time go?")
st.caption("Person-weeks of team work per week, by who asked for it (mean over seeds).")
st.altair_chart(figures["team_time"], width="content")

export_panel(choice.edited, result, figures)
