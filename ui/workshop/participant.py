"""The participant's screen (``?token=``): their seat, the decision form for the open round (showing the decision
in force, after a refresh, a reconnect or a server restart too), their KPI round by round, and the debrief.

The form is a fragment of its own: saving reruns only the form, so the confirmation comes back in one short
script run. The screen's watch (``ui.workshop.common.watch``) redraws the whole screen only when the round, the
reveal or the seat changed (a teammate's save, someone joining the team, the facilitator freeing the seat).
"""

from __future__ import annotations

import time
import uuid

import streamlit as st

from sim.i18n import _
from sim.workshop.access import shown_seat_code
from sim.workshop.replay import table_results
from sim.workshop.report import column, kpi_table, label, outcome_chart, target_text
from sim.workshop.rules import Decision, Seat, State, WorkshopError, dept_label
from ui.text import plain
from ui.workshop.common import (
    NOTE_SECONDS,
    POLL_PLAYER_SECONDS,
    chart,
    decision_form,
    error,
    form_holds,
    guarded,
    live_part,
    round_line,
    seen,
    shop,
    show_decision,
    submitted,
    watch,
)
from ui.workshop.presenter import debrief


@guarded
def participant(token: str) -> None:
    store = shop()
    seat = store.seat(token)
    state = store.state(seat.code, token)
    st.subheader(
        plain(
            _("{department}, table {table}, workshop {code}").format(
                department=dept_label(seat.department), table=seat.table, code=state.code
            )
        )
    )
    st.text(_("You play as: {name}").format(name=seat.name))
    team = [
        s.name
        for s in store.players(state.code, token)
        if s.table == seat.table and s.department == seat.department and s.member != seat.member
    ]
    if team:
        st.text(
            _("Your team: {names}. The last decision saved by anyone in the team counts.").format(names=", ".join(team))
        )
    st.caption(
        _(
            "Keep this page's address: it is your seat. Opening the join link again in this browser also "
            "brings you back here."
        )
    )
    with st.expander(_("On another phone or browser? Your seat code")):
        st.code(shown_seat_code(seat.rejoin), language=None)
        st.caption(
            _(
                "With this code you get your seat back on any device: open the join link, then "
                "\u201cI had a seat\u201d. Keep it to yourself."
            )
        )

    watch("player", lambda: store.player_pulse(token), POLL_PLAYER_SECONDS)
    st.info(plain(round_line(state)))
    form(token, seat, state)

    results = table_results(store, state.code, token, seat.table)
    mine = results[results.department == seat.department]
    if len(mine):
        st.markdown("##### " + plain(_("Your KPI: {kpi}").format(kpi=label(mine["kpi"].iloc[0]))))
        st.text(target_text(mine["kpi"].iloc[0], mine["kpi_target"].iloc[0]))
        shown = kpi_table(mine)[
            [
                column(c)
                for c in ["Round", "Decision", "Result", "Share of target"]
                + (["Shared outcome"] if state.revealed or state.over else [])
            ]
        ]
        st.dataframe(shown, hide_index=True, key="player_results")
    if state.over or state.archived:
        debrief(state, token, seat.table)
    elif state.revealed and len(results):
        chart(outcome_chart, results, state.switches)


@st.fragment
@guarded
def form(token: str, seat: Seat, state: State) -> None:
    """Who saved the team's decision, the form, and what became of the last save (a fragment: a save reruns
    only this)."""
    store = shop()
    pulse = store.player_pulse(token)
    if pulse[0] != st.session_state.get("pulse:player", (None,))[0]:
        st.rerun(scope="app")  # the round moved on: the whole screen redraws
    live_part("player", pulse)
    top = st.empty()
    if state.open:
        current = store.decisions(state.code, token, seat.table).get((seat.table, state.round, seat.department))
        if not submitted(token[:8], seat.department, state.round) and not form_holds(
            token[:8], seat.department, state.round, current
        ):
            # the form holds something else than the decision in force, and this run is not its save: a teammate
            # saved, the page is new, or the browser sent back what it showed before it lost its connection (a
            # reconnect, a server restart): show the decision in force. Choices the person has made and not saved
            # stay in the browser (they are sent only with the save), so they stay shown unless the decision changed.
            show_decision(token[:8], seat.department, state.round, current)
        decision_form(token[:8], seat.department, current, state.round, lambda d, r: save(token, d, r))
    elif not state.over:
        st.warning(_("Decisions are closed."))
    saved = store.saved_by(state.code, token, seat.table).get((seat.table, state.round, seat.department))
    if saved and state.open:
        top.text(
            _("Your team's decision for round {round} was saved by {who}.").format(round=state.round + 1, who=saved[0])
        )
    note = st.session_state.get("player_note")  # kept across reruns: a refusal stays readable for a while
    if note and note[0] == "error" and time.monotonic() - note[3] < NOTE_SECONDS:
        error(note[2])
    elif note and note[0] == "saved" and note[1] == state.round:
        st.success(note[2])


def save(token: str, decision: Decision, round_index: int) -> None:
    store = shop()
    try:
        store.decide(token, round_index, decision, request=uuid.uuid4().hex)
    except WorkshopError as exc:
        st.session_state["player_note"] = ("error", round_index, str(exc), time.monotonic())
        return
    st.session_state["player_note"] = (
        "saved",
        round_index,
        _("Decision saved. You can change it until the facilitator plays the round."),
        time.monotonic(),
    )
    pulse = store.player_pulse(token)
    if pulse[0] == st.session_state.get("pulse:player", (None,))[0]:
        # only the seat changed (this save): the form shows it already, so the watch need not redraw the screen
        seen("player", pulse)
