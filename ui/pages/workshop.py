"""Workshop mode: a facilitator runs rounds; participants play the departments from their own browsers.

Links (validated by ``sim.workshop.links``): ``?code=`` to join, ``?token=`` a participant's seat, ``?show=`` the
presenter view (safe to project), ``?control=`` the facilitator's screen. The facilitator's key never stays in
the address: the control link (shown once) is moved into this browser's session and a cookie at once.
The facilitator's screen updates itself twice a second, participants' every 2 s (``st.fragment(run_every=...)``).
The page holds no model logic: the store is ``sim.workshop.store``, results come from ``sim.workshop.replay`` and views
from ``sim.workshop.report``.
User text (names) is only ever shown as plain text.
The page speaks the workshop's language (chosen by the facilitator, carried in the join link as ``lang``) until a
person switches it in the sidebar; every text goes through ``sim.i18n``.
"""

import logging
import secrets
import time
import uuid

import streamlit as st

from sim import i18n
from sim.i18n import _
from sim.present.charts import capacity
from sim.workshop.links import join_link, parse
from sim.workshop.replay import (
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
    label,
    outcome_chart,
    questions,
    quote,
    seeds_table,
    tables_chart,
    target_text,
)
from sim.workshop.store import (
    ACTIONS,
    DEMANDS,
    MAX_SEAT_SIZE,
    MAX_TABLES,
    PUSH,
    TEMPLATES,
    Decision,
    State,
    Workshop,
    WorkshopError,
    available_switches,
    choice_label,
    default_path,
    dept_label,
    switch_label,
    template_title,
    valid_secret,
)
from ui.language import language_switch
from ui.text import plain
from ui.widgets import setup_page

LIVE = "0.5s"  # the facilitator's and presenter's screens: a decision shows within 2 s
LIVE_PLAYER = "2s"  # participants' screens (30 of them): half the load
NOTE_SECONDS = 15
COOKIE_DAYS = 30
log = logging.getLogger("alignsim.workshop")


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Workshop:
    """One store per database and server process (it keeps one connection per thread)."""
    return Workshop(path)


shop = _store(str(default_path()))
params = st.query_params


def _workshop_language() -> str | None:
    """The language of the workshop the link opens (participants see it until they switch); None when the link
    opens none or the join link itself says it."""
    try:
        link = parse(dict(params))
        if link.view == "player":
            return shop.state(shop.seat(link.secret).code, link.secret).lang
        if link.view == "presenter":
            return shop.presenter(link.secret).lang
        if link.view == "control_link":
            return shop.state(link.code, link.secret).lang
        if link.view == "control" and (key := _key_for(link.code)):
            return shop.state(link.code, key).lang
    except Exception:
        return None
    return None


# ---------------------------------------------------------------- plain text, errors, cookies
def error(message) -> None:
    st.error(plain(str(message)))


def guarded(body):
    """Run a screen in the session's language; a WorkshopError shows its one line, anything else a short message
    (and goes to the log). A live fragment's rerun is a script run of its own: it needs the language again."""

    def run(*args, **kwargs):
        i18n.resume(st.session_state)
        try:
            return body(*args, **kwargs)
        except WorkshopError as exc:
            error(exc)
        except Exception:
            ref = secrets.token_hex(3)
            log.exception("workshop page error, reference %s", ref)
            error(_("Something went wrong (reference {ref}). Reload the page: nothing saved is lost.").format(ref=ref))

    return run


def _set_cookie(name: str, value: str) -> None:
    """A cookie for this site (value: our own URL-safe token), so this browser is recognised next time."""
    valid_secret(value, "cookie value")
    st.html(
        f"<script>document.cookie = '{name}={value}; path=/; max-age={COOKIE_DAYS * 86400}; SameSite=Strict';</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


def _cookie(name: str) -> str | None:
    try:
        return valid_secret(st.context.cookies.get(name, ""), name)
    except WorkshopError:
        return None


def browser_id() -> str:
    """This browser's id (kept in a cookie): a browser that opens the join link again gets its seat back."""
    if "browser_id" not in st.session_state:
        known = _cookie("alignsim_browser")
        st.session_state["browser_id"] = known or secrets.token_urlsafe(16)
        if not known:
            _set_cookie("alignsim_browser", st.session_state["browser_id"])
    return st.session_state["browser_id"]


def client() -> str:
    return str(getattr(st.context, "ip_address", None) or "unknown")


def _labels(items, label):
    """A widget's option labels, made now in this run's language (a ``format_func`` may be called later, outside
    the run, e.g. by AppTest)."""
    return {item: label(item) for item in items}.get


def _go(**query) -> None:
    lang = params.get("lang")
    params.clear()
    for k, v in query.items():
        params[k] = v
    if lang:
        params["lang"] = lang  # the language stays in the address
    st.rerun()


# ---------------------------------------------------------------- shared pieces
def decision_form(
    form_key: str, department: str, current: Decision | None, round_index: int, submit, locked: bool = False
) -> None:
    """Push, demands and the role's own action for the open round. The form belongs to its round: a save
    clicked on a form whose round has moved on is sent with that old round, and the store refuses it with a
    message (it never lands in the next round)."""
    ids = f"{form_key}:{department}"
    shown = st.session_state.get(f"shown:{ids}", round_index)
    st.session_state[f"shown:{ids}"] = round_index
    if shown != round_index and st.session_state.get(f"save:{ids}:{shown}"):
        old = f"{ids}:{shown}"
        submit(
            Decision(
                st.session_state.get(f"push:{old}", "balanced"),
                st.session_state.get(f"demands:{old}", "normal"),
                bool(st.session_state.get(f"action:{old}", False)),
            ),
            shown,
        )
    ids_round = f"{ids}:{round_index}"
    with st.form(key=f"form:{ids_round}"):
        st.markdown(
            plain(_("{department}, round {round}")).format(
                department=f"**{plain(dept_label(department))}**", round=round_index + 1
            )
        )
        push = st.radio(
            _("Where do you push?"),
            list(PUSH),
            horizontal=True,
            disabled=locked,
            index=list(PUSH).index(current.push if current else "balanced"),
            key=f"push:{ids_round}",
            format_func=_labels(PUSH, choice_label),
            help=_("Your own KPI, the shared goal, or a balance of both."),
        )
        demands = st.radio(
            _("How much do you ask of the product team?"),
            list(DEMANDS),
            horizontal=True,
            index=list(DEMANDS).index(current.demands if current else "normal"),
            disabled=locked,
            format_func=_labels(DEMANDS, choice_label),
            key=f"demands:{ids_round}",
        )
        action = False
        if ACTIONS.get(department):
            action = st.checkbox(
                _(ACTIONS[department]),
                value=bool(current and current.action),
                disabled=locked,
                key=f"action:{ids_round}",
            )
        if st.form_submit_button(_("Save decision"), disabled=locked, key=f"save:{ids_round}"):
            submit(Decision(push, demands, action), round_index)


def _refresh_when_changed(seen: State, secret: str) -> State:
    """Inside a live fragment: the whole screen reruns when the round, reveal, tables or logic changed."""
    now = shop.state(seen.code, secret)
    if now.version != seen.version:
        st.rerun(scope="app")
    return now


def debrief(state: State, secret: str, table: int, *, handout: bool = True) -> None:
    """Each department's KPI against the shared outcome, decisions, tables compared, the three questions."""
    results = table_results(shop, state.code, secret, table)
    if results.empty:
        st.caption(_("No round has been played yet."))
        return
    own = own_kpi_results(state)
    metric = results["shared_metric"].iloc[0]
    st.markdown("#### " + plain(quote()))
    st.altair_chart(outcome_chart(results, state.switches, own), width="content")
    st.caption(
        plain(
            _("Dashed grey: the same market if every department had followed its own KPI.")
            + " "
            + (_("Dashed red line: where the logic switched.") + " " if state.switches else "")
            + _("Own KPI as a share of its target (100 % = met).")
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
    paths = workshop_paths(shop, state.code, secret)
    st.altair_chart(tables_chart(paths, metric, state.switches), width="content")
    with st.spinner(_("Replaying every table's decisions over 30 markets…")):
        seeds = workshop_over_seeds(shop, state.code, secret)
    st.markdown("##### " + plain(_("Decisions or luck? Each table over the same 30 markets, against own KPIs")))
    st.dataframe(seeds_table(seeds, metric), hide_index=True, key=f"seeds:{table}")
    time_used = workshop_team_time(shop, state.code, secret, table)
    st.altair_chart(capacity(time_used), width="content")
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


def seats_frame(state: State, secret: str):
    """Departments as rows, tables as columns: who sits there and whether the round's decision is in."""
    import pandas as pd

    seated = shop.players(state.code, secret)
    saved = shop.saved_by(state.code, secret)
    rows = []
    department = column("Department")
    for dept in TEMPLATES[state.template]["departments"]:
        row = {department: dept_label(dept)}
        for t in range(1, state.tables + 1):
            names = [s.name for s in seated if s.table == t and s.department == dept]
            who = ", ".join(names) if names else _("model")
            mark = saved.get((t, state.round, dept))
            row[table_name(t)] = who + (
                " · " + _("decided ({who})").format(who=mark[0]) if mark else (" · " + _("waiting") if names else "")
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index(department)


def round_line(state: State) -> str:
    spec = TEMPLATES[state.template]
    if state.archived:
        return _("This workshop is archived: the debrief stays readable.")
    if state.over:
        return _("Every round has been played: the debrief is below.")
    return _("Round {round} of {rounds} is open ({weeks} weeks each).").format(
        round=state.round + 1, rounds=spec["rounds"], weeks=spec["weeks"]
    )


# ---------------------------------------------------------------- participant
@guarded
def participant(token: str) -> None:
    seat = shop.seat(token)
    state = shop.state(seat.code, token)
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
        for s in shop.players(state.code, token)
        if s.table == seat.table and s.department == seat.department and s.token != token
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

    def save(decision, round_index):
        try:
            shop.decide(token, round_index, decision, request=uuid.uuid4().hex)
        except WorkshopError as exc:
            st.session_state["player_note"] = ("error", round_index, str(exc), time.monotonic())
        else:
            st.session_state["player_note"] = (
                "saved",
                round_index,
                _("Decision saved. You can change it until the facilitator plays the round."),
                time.monotonic(),
            )

    # The form lives in the live fragment: it is redrawn every 2 s with the round it belongs to, so it can
    # neither go missing nor stay open on a round that has been played.
    @st.fragment(run_every=LIVE_PLAYER)
    @guarded
    def live():
        saved = shop.saved_by(state.code, token).get((seat.table, state.round, seat.department))
        st.info(plain(round_line(state)))
        if saved and state.open:
            st.text(
                _("Your team's decision for round {round} was saved by {who}.").format(
                    round=state.round + 1, who=saved[0]
                )
            )
        if state.open:
            current = shop.decisions(state.code, token).get((seat.table, state.round, seat.department))
            decision_form(token[:8], seat.department, current, state.round, save)
        elif not state.over:
            st.warning(_("Decisions are closed."))
        note = st.session_state.get("player_note")  # kept across reruns: a refusal stays readable for a while
        if note and note[0] == "error" and time.monotonic() - note[3] < NOTE_SECONDS:
            error(note[2])
        elif note and note[0] == "saved" and note[1] == state.round:
            st.success(note[2])
        _refresh_when_changed(state, token)

    live()
    results = table_results(shop, state.code, token, seat.table)
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
        st.altair_chart(outcome_chart(results, state.switches), width="content")


# ---------------------------------------------------------------- presenter (projected, no secrets)
@guarded
@st.fragment(run_every=LIVE)
@guarded
def live_seats(state: State, secret: str, table_key: str) -> None:
    """The round and the seats, refreshed live on the facilitator's and the presenter's screens."""
    now = _refresh_when_changed(state, secret)
    st.info(plain(round_line(now)))
    st.dataframe(seats_frame(now, secret), key=table_key)


def presenter(show: str) -> None:
    state = shop.presenter(show)
    st.subheader(plain(_("Workshop {code}: {title}").format(code=state.code, title=template_title(state.template))))
    st.markdown("### " + plain(_("Join with code {code} on the Workshop page")).format(code=f"**{state.code}**"))

    live_seats(state, show, "presenter_seats")
    if state.revealed or state.over:
        table = st.selectbox(_("Table"), range(1, state.tables + 1), key="presenter_table") if state.tables > 1 else 1
        debrief(state, show, table, handout=False)


# ---------------------------------------------------------------- facilitator
def _key_for(code: str) -> str | None:
    keys = st.session_state.setdefault("facilitator_keys", {})
    if code not in keys:
        cookie = _cookie(f"alignsim_key_{code}")
        if cookie:
            keys[code] = cookie
    return keys.get(code)


def _remember_key(code: str, key: str) -> None:
    st.session_state.setdefault("facilitator_keys", {})[code] = key
    st.session_state["cookie_to_set"] = (f"alignsim_key_{code}", key)


@guarded
def control_link(code: str, key: str) -> None:
    """The control link: take the key out of the address at once (it must not show on a projector)."""
    if shop.access(code, key) != "facilitator":
        raise WorkshopError(_("this link does not open the facilitator's screen of that workshop"))
    _remember_key(code, key)
    _go(control=code)


@guarded
def facilitator(code: str) -> None:
    if pending := st.session_state.pop("cookie_to_set", None):
        _set_cookie(*pending)
    key = _key_for(code)
    if key is None:
        error(
            _(
                "This browser does not hold the control key of this workshop: open the control link you copied "
                "when you created it."
            )
        )
        return
    if shop.access(code, key) != "facilitator":
        raise WorkshopError(_("the control key in this browser does not open this workshop"))
    state = shop.state(code, key)
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
        st.code(f"{base}?show={shop.presenter_token(code, key)}&lang={state.lang}", language=None)

    live_seats(state, key, "fac_status")
    controls(state, key)
    seats_admin(state, key)
    if state.open and st.toggle(_("Single-screen mode (enter the departments' decisions here)"), key="single"):
        single_screen(state, key)
    table = st.selectbox(_("Table"), range(1, state.tables + 1), key="fac_table") if state.tables > 1 else 1
    debrief(state, key, table)


def _act(action, *args) -> None:
    try:
        action(*args)
    except WorkshopError as exc:
        st.session_state["flash"] = str(exc)
    st.rerun()


def controls(state: State, key: str) -> None:
    """Play, switch, reveal, add a table, archive: each a compare-and-set on what this screen showed, so a
    stale tab's click is refused with a message rather than acted on twice."""
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
        _act(shop.play_round, state.code, key, seen.round)
    if seen.round != state.round and st.session_state.get(f"do_switch:{seen.round}"):
        _act(shop.switch_logic, state.code, key, st.session_state.get(f"switch:{seen.round}"), seen.round)
    if state.open and c1.button(
        _("Play round {round} of {rounds}").format(round=state.round + 1, rounds=spec["rounds"]),
        type="primary",
        key=f"play:{state.round}",
    ):
        _act(shop.play_round, state.code, key, state.round)
    used = {s for s, _first in state.switches}
    offered = {s: t for s, t in available_switches(state.template).items() if s not in used}
    if state.open and offered:
        switch = c2.selectbox(
            _("Switch the logic from round {round}").format(round=state.round + 1),
            list(offered),
            format_func=offered.get,
            key=f"switch:{state.round}",
        )
        if c2.button(_("Switch"), key=f"do_switch:{state.round}"):
            _act(shop.switch_logic, state.code, key, switch, state.round)
    for s, first in state.switches:
        c2.caption(plain(_("{switch} from round {round}").format(switch=switch_label(s), round=first + 1)))
    if c3.button(
        _("Hide the shared outcome") if state.revealed else _("Reveal the shared outcome to players"),
        key=f"reveal:{int(state.revealed)}",
    ):
        _act(shop.reveal, state.code, key, not state.revealed, state.revealed)
    if (
        state.tables < MAX_TABLES
        and not state.archived
        and c3.button(_("Add a table"), key=f"add_table:{state.tables}")
    ):
        _act(shop.add_table, state.code, key, state.tables)
    if not state.archived and c3.button(
        _("Archive the workshop"), key="archive", help=_("Closes it for play; the debrief stays readable.")
    ):
        _act(shop.archive, state.code, key)


def seats_admin(state: State, key: str) -> None:
    seated = shop.players(state.code, key)
    with st.expander(i18n.ngettext("Seats ({n} person)", "Seats ({n} people)", len(seated)).format(n=len(seated))):
        if seated:
            who = st.selectbox(
                _("Player"),
                seated,
                key="remove_who",
                format_func=_labels(
                    seated,
                    lambda s: _("{name} (table {table}, {department})").format(
                        name=s.name, table=s.table, department=dept_label(s.department)
                    ),
                ),
            )
            if st.button(_("Remove this player"), key="remove"):
                _act(shop.remove_player, state.code, key, who.token)
        depts = TEMPLATES[state.template]["departments"]
        t = st.selectbox(_("Table"), range(1, state.tables + 1), key="free_table")
        d = st.selectbox(_("Seat"), depts, format_func=_labels(depts, dept_label), key="free_dept")
        if st.button(_("Free this seat (everyone in it leaves)"), key="free"):
            _act(shop.free_seat, state.code, key, t, d)


def single_screen(state: State, key: str) -> None:
    table = (
        st.selectbox(_("Decisions for table"), range(1, state.tables + 1), key="single_table")
        if state.tables > 1
        else 1
    )
    decisions = shop.decisions(state.code, key)
    cols = st.columns(2)
    for i, dept in enumerate(TEMPLATES[state.template]["departments"]):
        with cols[i % 2]:

            def save(decision, round_index, dept=dept):
                try:
                    shop.decide_as_facilitator(
                        state.code, key, table, dept, round_index, decision, request=uuid.uuid4().hex
                    )
                except WorkshopError as exc:
                    error(exc)

            decision_form(f"fac{table}", dept, decisions.get((table, state.round, dept)), state.round, save)


# ---------------------------------------------------------------- landing: join or create
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
            _("Template"), list(TEMPLATES), format_func=_labels(TEMPLATES, template_title), key="template"
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
            new, key = shop.create(template, tables=int(tables), seat_size=int(seat_size), lang=lang)
            _remember_key(new, key)
            st.session_state["fresh_link"] = (new, key)
            _go(control=new)


def join_form(typed: str) -> None:
    try:
        state = shop.lookup(typed, client())
    except WorkshopError as exc:
        error(exc)
        return
    me = browser_id()
    if (token := shop.seat_of_browser(state.code, me)) is not None:
        seat = shop.seat(token)
        st.success(
            plain(
                _("Welcome back: this browser plays {department} at table {table}.").format(
                    department=dept_label(seat.department), table=seat.table
                )
            )
        )
        if st.button(_("Continue"), type="primary", key="rejoin"):
            _go(token=token)
        return
    if state.archived:
        error(_("The workshop {code} is archived.").format(code=state.code))
        return
    table = st.selectbox(_("Table"), range(1, state.tables + 1), key="join_table") if state.tables > 1 else 1
    depts = TEMPLATES[state.template]["departments"]
    name = st.text_input(_("Your name"), key="join_name", max_chars=40)
    dept = st.selectbox(_("Department to play"), depts, format_func=_labels(depts, dept_label), key="join_dept")
    if st.button(_("Join"), type="primary", key="join"):
        try:
            token = shop.join(state.code, int(table), dept, name, browser=me, client=client())
        except WorkshopError as exc:
            error(exc)
            return
        _go(token=token)


# ---------------------------------------------------------------- the link decides the screen
@guarded
def main() -> None:
    link = parse(dict(params))
    if link.view == "player":
        participant(link.secret)
    elif link.view == "presenter":
        presenter(link.secret)
    elif link.view == "control_link":
        control_link(link.code, link.secret)
    elif link.view == "control":
        facilitator(link.code)
    else:
        landing(link.code)


language_switch(default=_workshop_language())
setup_page(_("Workshop"))
main()
