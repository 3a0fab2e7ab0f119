"""A page for the board: one printable A4 page of the what-if on screen (or in the address): the scenario's name,
the horizon, what changed, the answer with money and trade-offs, why it moved, one chart, the assumptions in a line
and the link that opens it again. No sidebar, no widgets but a print button; the browser prints it or saves it as PDF on
one A4 page.
"""

import datetime as dt
import html

import streamlit as st

from sim.i18n import _, date
from sim.input import share
from sim.present import answer, charts, verdict, why
from sim.present.levers import at_horizon, horizon_text
from sim.runner import compare
from sim.scenario import Scenario
from ui.language import language_switch
from ui.results import DEFAULT_SEEDS, ensemble
from ui.state import alignment, base_scenario, edited_scenario
from ui.text import edited_title, plain, scenario_title, unbroken
from ui.widgets import page_url

#: The page on screen and on paper: no sidebar or app chrome; A4 with a narrow margin; the content as wide as the
#: paper (about 720 CSS pixels), its type a little smaller than the app's.
STYLE = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"] { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 760px; padding: 1.5rem 1rem 1rem 1rem; }
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li { font-size: 0.84rem;
  line-height: 1.35; }
[data-testid="stMainBlockContainer"] li { margin: 0; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.5rem; padding: 0; }
[data-testid="stMainBlockContainer"] h3 { font-size: 1.0rem; padding: 0.25rem 0 0 0; }
@page { size: A4; margin: 10mm 12mm; }
@media print {
  html, body, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"] {
    height: auto !important; overflow: visible !important; position: static !important; }
  [data-testid="stMainBlockContainer"] { max-width: none; padding: 0 !important; zoom: 0.8; }
  [data-testid="stElementToolbar"] { display: none !important; }
  [data-testid="stMainBlockContainer"] ul { padding-left: 1.1rem; }
  .board-print { display: none !important; }
}
</style>
"""

language_switch()
st.set_page_config(page_title="alignsim · " + _("A page for the board"), layout="centered")
st.html(STYLE)

params = {key: st.query_params.get_all(key) for key in st.query_params if key != "lang"}
try:
    shared = share.decode(params)
except share.ShareError as exc:
    st.error(plain(exc.shown()))
    st.stop()
if shared is not None:
    label, overrides = shared.label, shared.overrides
    base = at_horizon(alignment(shared.base), shared.weeks)
    seeds = shared.seeds or DEFAULT_SEEDS
    edited = alignment(base.with_overrides(overrides))  # the link's edits were checked against the levers
else:  # opened without a link: the scenario as last left on Explore, over its horizon
    label = st.session_state.get("base_label", "")
    overrides = dict(st.session_state.get("edited_overrides", {}))
    base = at_horizon(base_scenario(), st.session_state.get("horizon"))
    seeds = int(st.session_state.get("seeds", DEFAULT_SEEDS))
    edited = edited_scenario() or base
title = edited_title(label) if overrides else scenario_title(label)

st.title(plain(title))
st.caption(
    _("alignsim · {date} · over {horizon} · {seeds} simulated markets, the same for every scenario compared").format(
        date=date(dt.date.today()), horizon=horizon_text(base.weeks), seeds=seeds
    )
)

st.subheader(_("What changed"))
if overrides:
    st.markdown(
        _("Against {base}:").format(base=plain(scenario_title(label)))
        + "\n"
        + "\n".join(f"- {plain(line)}" for line in answer.changes(base, overrides))
    )
else:
    st.markdown(plain(_("Nothing: the scenario as it is, without a lever moved.")))

result = ensemble(edited, seeds)
st.subheader(_("The answer"))
if overrides:
    reference = ensemble(base, seeds)
    table = compare(reference, result)
    st.markdown(plain(answer.headline(table, _("this edit"), scenario_title(label))))
    st.markdown(unbroken("\n".join(f"- {plain(line.text)}" for line in answer.lines(table))), unsafe_allow_html=True)
    st.subheader(_("Why it moved"))
    reasons = why.explain(reference, result, table, edited).sentences()
    st.markdown(unbroken("\n".join(f"- {plain(text)}" for text in reasons)), unsafe_allow_html=True)
    shown = [m for m in answer.HEADLINE if m in table.index and verdict.direction(m).kind != "organisation"]
    chart = charts.differences(table, shown, compact=True)
else:
    st.markdown("\n".join(f"- {plain(text)}" for text in answer.level_lines(result.summary)))
    weekly = result.weekly.assign(scenario=title)
    chart = charts.over_time_panels(weekly, ["revenue"], by="scenario")[0].properties(height=170)
st.altair_chart(charts.in_locale(chart), width="stretch")
if isinstance(edited, Scenario):
    st.caption(plain(answer.assumptions(edited)))
link = page_url("", share.encode(label, overrides, seeds, edited, st.session_state.get("lang"), base.weeks))
st.caption(_("Open it again, with the same numbers:") + f" {plain(link)}")
st.html(
    '<div class="board-print"><button onclick="window.print()" style="padding:0.3rem 0.8rem">'
    + html.escape(_("Print or save as PDF"))
    + "</button></div>",
    unsafe_allow_javascript=True,
)
