"""The organisation as a graph: who requests work, who approves it, who depends on whom. Change the edges and
see lead time and outcome move."""

import pandas as pd
import streamlit as st

from app_common import DEFAULT_SEEDS, base_scenario, edited_scenario, ensemble, metric_row, plain, setup_page
from sim import ScenarioError, charts
from sim.organisation import build_graph, measures

setup_page("Organisation")
start = edited_scenario() or base_scenario()
st.caption(f"Starting from **{plain(start.name)}** (as edited on Explore). Node size: influence; colour: alignment; "
           "outline: load (team time its demands used). Hover a node for its KPI.")
seeds = st.slider("Seeds", 5, 60, st.session_state.get("seeds", DEFAULT_SEEDS), 5, key="org_seeds")

overrides = {}
departments = list(start.departments)
for team in start.teams:
    st.markdown(f"**Team {plain(team)}**")
    c1, c2 = st.columns(2)
    chain = c1.multiselect(f"{team}: approval chain (in order)", departments,
                           default=start.teams[team].approval_chain, key=f"org_chain:{team}",
                           help="Units that must sign off before release. Every hop is a queue.")
    if chain != start.teams[team].approval_chain:
        overrides[f"teams.{team}.approval_chain"] = chain
    requesting = [d for d in departments if team in start.request_weights(d)]
    kept = c2.multiselect(f"{team}: departments that send demands", departments, default=requesting,
                          key=f"org_requests:{team}", help="Remove a department to stop its demands reaching "
                          "this team; add one to open a channel.")
    for d in set(requesting) - set(kept):
        overrides[f"departments.{d}.requests.{team}"] = 0.0
    for d in set(kept) - set(requesting):
        overrides[f"departments.{d}.requests.{team}"] = 1.0

try:
    changed = start.with_overrides(overrides)
except ScenarioError as exc:
    st.error(str(exc))
    changed = start

base_run = ensemble(start, seeds, "the current organisation")
run = ensemble(changed, seeds, "the changed organisation") if overrides else base_run
if overrides:
    st.info(f"{len(overrides)} change(s); differences are against the organisation as it was, on the same seeds.")
metric_row(run, base_run if overrides else None,
           ["lead_time_weeks", "flow_efficiency", "features_delivered", "outcome_change", "activation_rate_30d"])

graph = build_graph(changed)
cap = run.extra["capacity"]
load = (cap.groupby("requester")["person_weeks"].sum() / seeds).to_dict()
st.altair_chart(charts.organisation(graph, load), width="stretch")
table = pd.DataFrame({"before": measures(build_graph(start)), "after": measures(graph)})
st.dataframe(table, key="org_measures")
