"""The landing screen: join a workshop with its code (or get a seat back on a new device), or create one.

Getting back in: a browser that already holds a seat gets it back when it opens the join link again; on a new
device (a new phone, private mode, a cleared cookie) the person types their seat code, or, without it, asks the
facilitator, who approves or refuses from the control screen; this screen then moves to the seat by itself.
"""

from __future__ import annotations

import streamlit as st

from sim import i18n
from sim.i18n import _
from sim.workshop.rules import MAX_SEAT_SIZE, MAX_TABLES, TEMPLATES, State, WorkshopError, dept_label, template_title
from ui.text import plain
from ui.workshop.common import POLL_PLAYER_SECONDS, browser_id, client, error, go, guarded, labels, shop, watch
from ui.workshop.facilitator import remember_key


@guarded
def landing(code: str | None) -> None:
    join, run = st.columns(2)
    with join:
        st.markdown("### " + plain(_("Join a workshop")))
        typed = st.text_input(_("Workshop code"), value=code or "", key="join_code", max_chars=12).strip()
        if typed:
            join_form(typed)
    with run:
        st.markdown("### " + plain(_("Run a workshop")))
        template = st.selectbox(
            _("Template"), list(TEMPLATES), format_func=labels(TEMPLATES, template_title), key="template"
        )
        # the session's choice wins (a language switch hands it back); the page's language only for a new widget
        lang = st.selectbox(
            _("Language of the workshop"),
            list(i18n.LANGUAGES),
            key="workshop_lang",
            index=None if "workshop_lang" in st.session_state else list(i18n.LANGUAGES).index(i18n.current()),
            format_func=i18n.language_name,
            help=_("What participants see (each can switch); the debrief and the handout use it."),
        )
        tables = st.number_input(_("Tables (all play the same market)"), 1, MAX_TABLES, 1, key="tables")
        seat_size = st.number_input(
            _("People per department seat"),
            1,
            MAX_SEAT_SIZE,
            MAX_SEAT_SIZE,
            key="seat_size",
            help=_(
                "A team of up to six plays one department together; "
                "the last decision saved by anyone in the team counts."
            ),
        )
        if st.button(_("Create workshop"), key="create"):
            new, key = shop().create(template, tables=int(tables), seat_size=int(seat_size), lang=lang or "en")
            remember_key(new, key)
            st.session_state["fresh_link"] = (new, key)
            go(control=new)


def join_form(typed: str) -> None:
    store = shop()
    me = browser_id()
    try:
        state = store.lookup(typed, client(), me)
    except WorkshopError as exc:
        error(exc)
        return
    held = store.seat_of_browser(state.code, me)
    status, approved = store.request_status(state.code, me)
    if held is not None and status == "approved" and approved == held:
        go(token=held)  # the facilitator has just given this browser its seat back
    if (token := held) is not None:
        seat = store.seat(token)
        st.success(
            plain(
                _("Welcome back: this browser plays {department} at table {table}.").format(
                    department=dept_label(seat.department), table=seat.table
                )
            )
        )
        if st.button(_("Continue"), type="primary", key="rejoin"):
            go(token=token)
        return
    if state.archived:
        error(_("The workshop {code} is archived.").format(code=state.code))
        return
    if status == "pending":
        waiting(state, me)
        return
    if status == "refused":
        st.warning(_("The facilitator did not give you that seat: ask them, or join a seat with room."))
    table = st.selectbox(_("Table"), range(1, state.tables + 1), key="join_table") if state.tables > 1 else 1
    depts = TEMPLATES[state.template]["departments"]
    name = st.text_input(_("Your name"), key="join_name", max_chars=40)
    dept = st.selectbox(_("Department to play"), depts, format_func=labels(depts, dept_label), key="join_dept")
    if st.button(_("Join"), type="primary", key="join"):
        try:
            token = store.join(state.code, int(table), dept, name, browser=me, client=client())
        except WorkshopError as exc:
            error(exc)
            st.info(_("Was this your seat, on another phone or browser? Get it back under \u201cI had a seat\u201d."))
        else:
            go(token=token)
    reclaim_form(state, me, int(table), dept, name)


def reclaim_form(state: State, me: str, table: int, dept: str, name: str) -> None:
    """A seat back on a new device: with the seat code at once, or by name with the facilitator's approval."""
    store = shop()
    with st.expander(_("I had a seat (new phone, other browser, cleared cookies)")):
        typed = st.text_input(
            _("Seat code (on your old screen, e.g. K7QM-2XPA)"), key="seat_code", max_chars=12
        ).strip()
        if st.button(_("Get my seat back"), key="reclaim"):
            try:
                token = store.reclaim(state.code, typed, me, client())
            except WorkshopError as exc:
                error(exc)
            else:
                go(token=token)
        st.caption(
            _(
                "No seat code? Choose your table and department above, type your name as you did when you "
                "joined, and ask the facilitator to give you your seat back."
            )
        )
        if st.button(_("Ask the facilitator for my seat"), key="ask_seat"):
            try:
                store.ask_for_seat(state.code, table, dept, name, me, client())
            except WorkshopError as exc:
                error(exc)
            else:
                st.rerun()


def waiting(state: State, me: str) -> None:
    """Waiting for the facilitator's answer; the screen moves to the seat by itself when it is approved."""
    st.info(_("Asked: the facilitator will give you your seat back. This screen moves on by itself."))
    watch("request", lambda: shop().request_status(state.code, me), POLL_PLAYER_SECONDS)
