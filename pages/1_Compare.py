"""Compare two scenarios side by side on the same seeds: each metric's paired difference with its 95% CI."""

import streamlit as st

from app_common import (DEFAULT_SEEDS, ORGANISATION, OUTCOMES, OUTPUTS, edited_scenario, ensemble,
                        long_with_label, setup_page)
from sim import METRICS, bundled_scenarios, charts, load_scenario
from sim.claims import holds_when
from sim.runner import compare

setup_page("Compare scenarios")
EDITED = "current edit (from Explore)"
options = list(bundled_scenarios("alignment"))
edited = edited_scenario()
if edited is not None:
    options = [EDITED, *options]

col_a, col_b, col_s = st.columns([2, 2, 1])
a_name = col_a.selectbox("A", options, index=options.index("b2b_activation"), key="cmp_a")
b_default = options.index(EDITED) if edited is not None else options.index("product_logic")
b_name = col_b.selectbox("B", options, index=b_default, key="cmp_b",
                         help="The current edit is the scenario as you last left it on the Explore page.")
seeds = col_s.slider("Seeds", 5, 60, st.session_state.get("seeds", DEFAULT_SEEDS), 5, key="cmp_seeds")


def _scenario(name):
    return edited if name == EDITED else load_scenario(name)


a, b = _scenario(a_name), _scenario(b_name)
ea, eb = ensemble(a, seeds, "A"), ensemble(b, seeds, "B")
table = compare(ea, eb)
label_a, label_b = f"A: {a.name}", f"B: {b.name}" + (" (edited)" if b_name == EDITED else "")

st.caption(f"Paired over seeds 0..{seeds - 1}: both scenarios see the same customers, effects and noise, so the "
           "difference B − A is sharp. Red: the 95% interval excludes zero.")
key_metrics = OUTCOMES + OUTPUTS + ORGANISATION
st.altair_chart(charts.differences(table, key_metrics), width="content")
if a.assumptions != b.assumptions:
    st.warning("A and B assume different things about the world (their `[assumptions]` differ): part of the "
               "difference comes from the assumptions, not from the organisation.")
st.caption(holds_when(b))

shown = table.assign(unit=[METRICS[m].unit for m in table.index], kind=[METRICS[m].kind for m in table.index])
st.dataframe(shown[["kind", "mean_a", "mean_b", "difference", "ci_low", "ci_high", "effect_size", "unit"]],
             width="stretch", key="cmp_table")
st.download_button("Comparison (CSV)", table.to_csv(), file_name=f"compare_{a.name}_{b.name}.csv",
                   mime="text/csv", key="cmp_csv")

weekly = long_with_label({label_a: ea.weekly, label_b: eb.weekly})
st.subheader("Over time")
st.altair_chart(charts.over_time(weekly, ["activation_rate_30d", "outcome_index", "output_attainment",
                                          "context_switches"], by="scenario"), width="content")
st.subheader("Delivery paradox")
st.altair_chart(charts.paradox(long_with_label({label_a: ea.summary, label_b: eb.summary}), by="scenario"),
                width="content")
