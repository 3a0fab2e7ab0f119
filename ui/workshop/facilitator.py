"""The facilitator's screens: the control link (``?code=&key=``, shown once) and the control screen
(``?control=``): the join link, live seats with who is connected, requests to get a seat back, the round's
controls, seats, single-screen mode and the debrief.

The facilitator's key never stays in the address and never reaches the browser's scripts: the control link puts
it in this session, and the browser exchanges a one-time ticket for a facilitator pass, an HttpOnly cookie set by
``ui.workshop.gate`` (``SameSite=Strict``, ``Secure`` over HTTPS, for the app's websocket path only, 12 hours),
so a second tab opens the control screen without the link.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import streamlit as st

from sim import i18n
from sim.i18n import _
from sim.workshop.access import shown_seat_code
from sim.workshop.links import join_link
from sim.workshop.rules import (
    MAX_TABLES,
    TEMPLATES,
    State,
    WorkshopError,
    available_switches,
    dept_label,
    switch_label,
    template_title,
)
from ui.text import plain
from ui.workshop.common import cookie, decision_form, error, go, guarded, labels, shop
from ui.workshop.gate import PASS_COOKIE, PASS_PATH
from ui.workshop.presenter import debrief, live_seats


def key_for(code: str) -> str | None:
    """The facilitator's key or pass this browser holds for the workshop: this session's, or the pass cookie's."""
    keys = st.session_state.setdefault("facilitator_keys", {})
    if code not in keys and (held := cookie(PASS_COOKIE.format(code=code))):
        keys[code] = held
    return keys.get(code)


def remember_key(code: str, key: str) -> None:
    """Hold the key in this session, and have the browser fetch a pass (``ui.workshop.gate``)."""
    st.session_state.setdefault("facilitator_keys", {})[code] = key
    st.session_state["pass_ticket"] = shop().ticket(code, key)


def _fetch_pass(code: str, ticket: str) -> None:
    """The browser exchanges the ticket for the pass cookie (the gate answers with Set-Cookie, HttpOnly), and
    drops the readable key cookie earlier versions set. Without the gate (a server started as plain
    ``streamlit run app.py``) the key stays in this session only."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    url = ("/" + base if base else "") + PASS_PATH
    st.html(
        f"<script>document.cookie = 'alignsim_key_{code}=; path=/; max-age=0';"
        f"fetch({json.dumps(url)}, {{method: 'POST', body: {json.dumps(ticket)}, "
        "credentials: 'same-origin', headers: {'Content-Type': 'text/plain'}});</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


@guarded
def control_link(code: str, key: str) -> None:
    """The control link: take the key out of the address at once (it must not show on a projector)."""
    if shop().access(code, key) != "facilitator":
        raise WorkshopError(_("this link does not open the facilitator's screen of that workshop"))
    remember_key(code, key)
    go(control=code)


@guarded
def facilitator(code: str) -> None:
    store = shop()
    if ticket := st.session_state.pop("pass_ticket", None):
        _fetch_pass(code, ticket)
    key = key_for(code)
    if key is None:
        error(
            _(
                "This browser does not hold the control key of this workshop: open the control link you copied "
                "when you created it."
            )
        )
        return
    if store.access(code, key) != "facilitator":
        raise WorkshopError(_("the control key in this browser does not open this workshop"))
    state = store.state(code, key)
    st.subheader(plain(_("Workshop {code}: {title}").format(code=state.code, title=template_title(state.template))))
    base = (getattr(st.context, "url", "") or "").split("?")[0]
    st.markdown(
        plain(_("Participants join with code {code} on the Workshop page, or at this link (in {language}):")).format(
            code=f"**{state.code}**", language=i18n.language_in_text(state.lang)
        )
    )
    st.code(join_link(base, state.code, state.lang), language=None)  # plain text: the address is the request's
    fresh = st.session_state.get("fresh_link")
    if fresh and fresh[0] == code:
        st.warning(
            _(
                "Your control link, shown once: copy it now and keep it to yourself (do not project this "
                "screen yet). It opens this screen from any browser."
            )
        )
        st.code(f"{base}?code={code}&key={fresh[1]}", language=None)
        if st.button(_("I have copied it: hide the link"), key="hide_link"):
            del st.session_state["fresh_link"]
            st.rerun()
    with st.expander(_("Presenter view (safe to project: it shows, it cannot control)")):
        st.code(f"{base}?show={store.presenter_token(code, key)}&lang={state.lang}", language=None)

    live_seats(state, key, "fac_status", requests)
    controls(state, key)
    seats_admin(state, key)
    if state.open and st.toggle(_("Single-screen mode (enter the departments' decisions here)"), key="single"):
        single_screen(state, key)
    table = st.selectbox(_("Table"), range(1, state.tables + 1), key="fac_table") if state.tables > 1 else 1
    debrief(state, key, table)


def requests(state: State, key: str) -> None:
    """Requests to get a seat back from a new device, each to approve or refuse (inside the live seats)."""
    for request, asked, seat in shop().requests(state.code, key):
        st.warning(
            plain(
                _("{asked} asks for the seat of {name} ({department}, table {table}) from a new device.").format(
                    asked=asked, name=seat.name, department=dept_label(seat.department), table=seat.table
                )
            )
        )
        yes, no = st.columns(2)
        if yes.button(_("Give the seat to the new device"), key=f"approve:{request}"):
            _act(shop().answer_request, state.code, key, request, True)
        if no.button(_("Refuse"), key=f"refuse:{request}"):
            _act(shop().answer_request, state.code, key, request, False)


def _act(action: Callable[..., object], *args: object) -> None:
    try:
        action(*args)
    except WorkshopError as exc:
        st.session_state["flash"] = str(exc)
    st.rerun()


def controls(state: State, key: str) -> None:
    """Play, switch, reveal, add a table, archive: each a compare-and-set on what this screen showed, so a
    stale tab's click is refused with a message rather than acted on twice."""
    store = shop()
    spec = TEMPLATES[state.template]
    seen: State = st.session_state.get("fac_seen", state)
    if seen.code != state.code:
        seen = state
    st.session_state["fac_seen"] = state
    if flash := st.session_state.pop("flash", None):
        error(flash)
    c1, c2, c3 = st.columns(3)
    # Buttons are keyed by the state they act on: a click on a button of a screen that has since moved on
    # is sent to the store with the state that screen showed, and refused there with a message.
    if seen.round != state.round and st.session_state.get(f"play:{seen.round}"):
        _act(store.play_round, state.code, key, seen.round)
    if seen.round != state.round and st.session_state.get(f"do_switch:{seen.round}"):
        _act(store.switch_logic, state.code, key, st.session_state.get(f"switch:{seen.round}"), seen.round)
    if state.open and c1.button(
        _("Play round {round} of {rounds}").format(round=state.round + 1, rounds=spec["rounds"]),
        type="primary",
        key=f"play:{state.round}",
    ):
        _act(store.play_round, state.code, key, state.round)
    used = {s for s, _first in state.switches}
    offered = {s: t for s, t in available_switches(state.template).items() if s not in used}
    if state.open and offered:
        switch = c2.selectbox(
            _("Switch the logic from round {round}").format(round=state.round + 1),
            list(offered),
            format_func=labels(offered, offered.__getitem__),
            key=f"switch:{state.round}",
        )
        if c2.button(_("Switch"), key=f"do_switch:{state.round}"):
            _act(store.switch_logic, state.code, key, switch, state.round)
    for s, first in state.switches:
        c2.caption(plain(_("{switch} from round {round}").format(switch=switch_label(s), round=first + 1)))
    if c3.button(
        _("Hide the shared outcome") if state.revealed else _("Reveal the shared outcome to players"),
        key=f"reveal:{int(state.revealed)}",
    ):
        _act(store.reveal, state.code, key, not state.revealed, state.revealed)
    if (
        state.tables < MAX_TABLES
        and not state.archived
        and c3.button(_("Add a table"), key=f"add_table:{state.tables}")
    ):
        _act(store.add_table, state.code, key, state.tables)
    if not state.archived and c3.button(
        _("Archive the workshop"), key="archive", help=_("Closes it for play; the debrief stays readable.")
    ):
        _act(store.archive, state.code, key)


def seats_admin(state: State, key: str) -> None:
    """Remove a player, free a seat, and read out a person's seat code (it gives their seat back on any device)."""
    store = shop()
    seated = store.players(state.code, key)
    with st.expander(i18n.ngettext("Seats ({n} person)", "Seats ({n} people)", len(seated)).format(n=len(seated))):
        if seated:
            by_member = {s.member: s for s in seated}
            who = st.selectbox(
                _("Player"),
                list(by_member),
                key="remove_who",
                format_func=labels(
                    by_member,
                    lambda m: _("{name} (table {table}, {department})").format(
                        name=by_member[m].name, table=by_member[m].table, department=dept_label(by_member[m].department)
                    ),
                ),
            )
            if who in by_member:
                st.text(_("Seat code: {code}").format(code=shown_seat_code(by_member[who].rejoin)))
            if st.button(_("Remove this player"), key="remove"):
                _act(store.remove_player, state.code, key, who)
        depts = TEMPLATES[state.template]["departments"]
        t = st.selectbox(_("Table"), range(1, state.tables + 1), key="free_table")
        d = st.selectbox(_("Seat"), depts, format_func=labels(depts, dept_label), key="free_dept")
        if st.button(_("Free this seat (everyone in it leaves)"), key="free"):
            _act(store.free_seat, state.code, key, t, d)


def single_screen(state: State, key: str) -> None:
    store = shop()
    table = (
        st.selectbox(_("Decisions for table"), range(1, state.tables + 1), key="single_table")
        if state.tables > 1
        else 1
    )
    decisions = store.decisions(state.code, key)
    cols = st.columns(2)
    for i, dept in enumerate(TEMPLATES[state.template]["departments"]):
        with cols[i % 2]:

            def save(decision, round_index, dept=dept):
                try:
                    store.decide_as_facilitator(
                        state.code, key, table, dept, round_index, decision, request=uuid.uuid4().hex
                    )
                except WorkshopError as exc:
                    error(exc)

            decision_form(f"fac{table}", dept, decisions.get((table, state.round, dept)), state.round, save)
