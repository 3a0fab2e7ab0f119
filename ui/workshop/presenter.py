"""The presenter's screen (``?show=``, safe to project: it shows, it cannot control), the live seats it shares with
the facilitator's screen, and the debrief every screen shows once the round is revealed or the game is over.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pandas as pd
import streamlit as st

from sim import i18n
from sim.i18n import _
from sim.present.charts import capacity
from sim.workshop.replay import (
    SEEDS,
    own_kpi_results,
    table_name,
    table_results,
    workshop_over_seeds,
    workshop_paths,
    workshop_team_time,
)
from sim.workshop.report import (
    column,
    decisions_table,
    explain,
    handout_html,
    kpi_table,
    outcome_chart,
    questions,
    quote,
    seeds_table,
    tables_chart,
)
from sim.workshop.rules import TEMPLATES, State, dept_label, template_title
from ui.text import plain
from ui.workshop.common import POLL_SECONDS, chart, guarded, live_part, round_line, shop, watch

#: Markets the debrief replays every table over (``sim.workshop.replay.SEEDS``, 30, unless the environment says).
#: ``ALIGNSIM_DEBRIEF_SEEDS`` is for the test suite and the benchmarks' smoke runs, which check that the debrief is
#: drawn, not what 30 markets say (the page's wording keeps saying 30); a workshop never sets it.
DEBRIEF_SEEDS_ENV = "ALIGNSIM_DEBRIEF_SEEDS"


def debrief_seeds() -> int:
    """The debrief's markets: ``ALIGNSIM_DEBRIEF_SEEDS`` (at least 2, for a paired interval) or 30."""
    return max(2, int(os.environ.get(DEBRIEF_SEEDS_ENV) or SEEDS))


def seats_frame(state: State, secret: str) -> pd.DataFrame:
    """Departments as rows, tables as columns: who sits there (● a screen connected now, ○ none), and whether the
    round's decision is in."""
    store = shop()
    seated = store.players(state.code, secret)
    saved = store.saved_by(state.code, secret)
    rows = []
    department = column("Department")
    for dept in TEMPLATES[state.template]["departments"]:
        row = {department: dept_label(dept)}
        for t in range(1, state.tables + 1):
            names = [
                f"{s.name} {'●' if store.connected(s) else '○'}"
                for s in seated
                if s.table == t and s.department == dept
            ]
            who = ", ".join(names) if names else _("model")
            mark = saved.get((t, state.round, dept))
            row[table_name(t)] = who + (
                " · " + _("decided ({who})").format(who=mark[0]) if mark else (" · " + _("waiting") if names else "")
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index(department)


def live_seats(state: State, secret: str, table_key: str, extra: Callable[[State, str], None] | None = None) -> None:
    """The round and the seats on the facilitator's and the presenter's screens, kept up to date: the doorbell
    reruns the seats when a seat, a decision or a connection changed, and the whole screen when the round, the
    reveal, the tables or the logic did. ``extra`` draws more live parts (the facilitator's requests to get a
    seat back)."""
    watch(f"seats:{table_key}", lambda: shop().pulse(state.code, secret), POLL_SECONDS)
    seats(state, secret, table_key, extra)


@st.fragment
@guarded
def seats(state: State, secret: str, table_key: str, extra: Callable[[State, str], None] | None) -> None:
    store = shop()
    pulse = store.pulse(state.code, secret)
    if pulse[0] != state.stage:
        st.rerun(scope="app")
    live_part(f"seats:{table_key}", pulse)
    st.info(plain(round_line(state)))
    st.dataframe(seats_frame(state, secret), key=table_key)
    st.caption(_("● a screen is connected now, ○ no screen (the seat is kept)"))
    if extra is not None:
        extra(state, secret)


def presenter(show: str) -> None:
    state = shop().presenter(show)
    st.subheader(plain(_("Workshop {code}: {title}").format(code=state.code, title=template_title(state.template))))
    st.markdown("### " + plain(_("Join with code {code} on the Workshop page")).format(code=f"**{state.code}**"))
    live_seats(state, show, "presenter_seats")
    if state.revealed or state.over:
        table = st.selectbox(_("Table"), range(1, state.tables + 1), key="presenter_table") if state.tables > 1 else 1
        debrief(state, show, table, handout=False)


def debrief(state: State, secret: str, table: int, *, handout: bool = True) -> None:
    """Each department's KPI against the shared outcome, decisions, tables compared, the three questions."""
    store = shop()
    results = table_results(store, state.code, secret, table)
    if results.empty:
        st.caption(_("No round has been played yet."))
        return
    own = own_kpi_results(state)
    metric = results["shared_metric"].iloc[0]
    st.markdown("#### " + plain(quote()))
    chart(outcome_chart, results, state.switches, own)
    st.caption(
        plain(
            _("Dashed grey: the same market if every department had followed its own KPI.")
            + " "
            + (_("Dashed red line: where the logic switched.") + " " if state.switches else "")
            + _("Own KPI as a share of its target (100 % = met).")
            + " "
            + _("No dot: that department's KPI had nothing to measure in the round (e.g. no milestone fell due).")
        )
    )
    with st.expander(_("What the numbers mean"), expanded=state.over or state.archived):
        for m in [metric, *dict.fromkeys(results["kpi"])]:
            st.text(explain(m))
    st.markdown("##### " + plain(_("Round by round")))
    st.dataframe(kpi_table(results), hide_index=True, key=f"kpis:{table}")
    st.markdown("##### " + plain(_("Decisions per round")))
    st.dataframe(decisions_table(results), key=f"decisions:{table}")
    if not (state.over or state.archived):
        return
    paths = workshop_paths(store, state.code, secret)
    chart(tables_chart, paths, metric, state.switches)
    with st.spinner(_("Replaying every table's decisions over 30 markets…")):
        seeds = workshop_over_seeds(store, state.code, secret, debrief_seeds())
    st.markdown("##### " + plain(_("Decisions or luck? Each table over the same 30 markets, against own KPIs")))
    st.dataframe(seeds_table(seeds, metric), hide_index=True, key=f"seeds:{table}")
    time_used = workshop_team_time(store, state.code, secret, table)
    chart(capacity, time_used)
    st.markdown("##### " + plain(_("Three questions for your organisation")))
    for i, q in enumerate(questions(), 1):
        st.text(f"{i}. {q}")
    if handout:
        lang = i18n.current()

        def make_handout() -> str:  # made when clicked, not on every rerun, in the language of this screen
            with i18n.language(lang):
                return handout_html(
                    state.code,
                    template_title(state.template),
                    table,
                    results,
                    time_used,
                    state.switches,
                    own,
                    paths,
                    seeds,
                )

        st.download_button(
            _("Handout (HTML, prints on A4)"),
            make_handout,
            file_name=f"workshop_{state.code}_table{table}_{lang}.html",
            mime="text/html",
            key=f"handout:{table}",
        )
