"""The organisation as a graph: who requests work, who approves it, who depends on whom. Change the edges and
see lead time and outcome move."""

from typing import Any

import pandas as pd
import streamlit as st

from sim import ScenarioError
from sim.i18n import _, ngettext
from sim.organisation import build_graph, measures
from sim.present import charts, labels
from sim.present.levers import department_name
from ui.language import language_switch
from ui.results import DEFAULT_SEEDS, ensemble
from ui.state import alignment, base_scenario, edited_scenario, edited_shown
from ui.text import names, plain, scenario_title
from ui.widgets import metric_row, setup_page

language_switch()
setup_page(_("Organisation"))
start = edited_scenario() or base_scenario()
# the scenario by its name for people (a preset's title, "edited TITLE"), as Explore shows it
shown_name = edited_shown() if "edited_from" in st.session_state else scenario_title(st.session_state["base_label"])
st.caption(
    _(
        "Starting from **{name}**. Dot size: how much a unit's demands weigh; colour: how much it weighs the "
        "shared goal; outline: the team time its demands used. Point at a unit for its KPI."
    ).format(name=plain(shown_name))
)
seeds = st.slider(
    _("Simulated markets"),
    5,
    60,
    st.session_state.get("seeds", DEFAULT_SEEDS),
    5,
    key="org_seeds",
    help=_("Both organisations run in the same simulated markets, so a difference comes from the change, not luck."),
)

overrides: dict[str, Any] = {}
departments = list(start.departments)
for team in start.teams:
    who = department_name(team)
    st.markdown(f"**{plain(who)}**")
    c1, c2 = st.columns(2)
    chain = c1.multiselect(
        _("{team}: approval chain (in order)").format(team=who),
        departments,
        default=None if f"org_chain:{team}" in st.session_state else start.teams[team].approval_chain,
        key=f"org_chain:{team}",
        format_func=names(departments, department_name),
        help=_("Units that must sign off before release. Every hop is a queue."),
    )
    if chain != start.teams[team].approval_chain:
        overrides[f"teams.{team}.approval_chain"] = chain
    requesting = [d for d in departments if team in start.request_weights(d)]
    kept = c2.multiselect(
        _("{team}: departments that send demands").format(team=who),
        departments,
        default=None if f"org_requests:{team}" in st.session_state else requesting,
        key=f"org_requests:{team}",
        format_func=names(departments, department_name),
        help=_("Remove a department to stop its demands reaching this team; add one to open a channel."),
    )
    for d in set(requesting) - set(kept):
        overrides[f"departments.{d}.requests.{team}"] = 0.0
    for d in set(kept) - set(requesting):
        overrides[f"departments.{d}.requests.{team}"] = 1.0

try:
    changed = start.with_overrides(overrides)
except ScenarioError as exc:
    st.error(plain(exc.shown()))
    changed = start

base_run = ensemble(start, seeds, _("the current organisation"))
run = ensemble(changed, seeds, _("the changed organisation")) if overrides else base_run
if overrides:
    st.info(
        ngettext(
            "{n} change; differences are against the organisation as it was, in the same simulated markets.",
            "{n} changes; differences are against the organisation as it was, in the same simulated markets.",
            len(overrides),
        ).format(n=len(overrides))
    )
metric_row(
    run,
    base_run if overrides else None,
    ["lead_time_weeks", "flow_efficiency", "features_delivered", "outcome_change", "activation_rate_30d"],
)

graph = build_graph(alignment(changed))
cap = run.extra["capacity"]
load = (cap.groupby("requester")["person_weeks"].sum() / seeds).to_dict()
st.altair_chart(charts.in_locale(charts.organisation(graph, load)), width="stretch")
before, after = measures(build_graph(alignment(start))), measures(graph)
table = pd.DataFrame(
    {
        _("before"): [labels.measure_value(m, before[m]) for m in before],
        _("after"): [labels.measure_value(m, after[m]) for m in before],
    },
    index=pd.Index([labels.measure_name(m) for m in before], name=_("measure")),
)
st.table(table)  # a static table: the long names wrap on a phone instead of being cut
