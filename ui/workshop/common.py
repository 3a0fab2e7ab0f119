"""What every workshop screen shares: the store, the link's parameters, errors in one plain line, the browser's id,
the request's address, the decision form and the live watch.

Live updates are cheap: a screen registers what it shows (the store's ``pulse``: a few numbers read in one indexed
query) with the server's doorbell (``ui.workshop.doorbell``), which reruns the screen, or only its live part, when
the pulse changes. An idle screen runs nothing but an empty fragment once an hour, which makes the browser redraw
it when its connection comes back (``_come_back``); docs/PERFORMANCE.md has the figures.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import secrets
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar, cast

import pandas as pd
import streamlit as st
from cachetools import LRUCache

from sim import i18n
from sim.i18n import _
from sim.workshop.access import request_address, trusted_proxies, valid_secret
from sim.workshop.rules import (
    ACTIONS,
    DEMANDS,
    PUSH,
    TEMPLATES,
    Decision,
    Demands,
    Push,
    State,
    WorkshopError,
    choice_label,
    dept_label,
)
from sim.workshop.store import Workshop, default_path
from ui.text import plain
from ui.workshop.doorbell import doorbell
from ui.workshop.gate import stream_path as _stream_path

#: Where the doorbell cannot serve (AppTest, another Streamlit), how often screens poll instead: the
#: facilitator's and the presenter's screens, and participants' screens.
POLL_SECONDS = 1.0
POLL_PLAYER_SECONDS = 2.0
#: A screen the doorbell serves still reruns an empty fragment this often (``_come_back``): once an hour.
COME_BACK_SECONDS = 3600.0
#: How long a refused save's message stays on a participant's screen.
NOTE_SECONDS = 15
#: The browser id cookie lives as long as a workshop can.
BROWSER_COOKIE_DAYS = 30
BROWSER_COOKIE = "alignsim_browser"
log = logging.getLogger("alignsim.workshop")
#: Workshop charts as Vega-Lite, made once per server for the same data and language (``chart``).
CHARTS: LRUCache[tuple, dict] = LRUCache(maxsize=64)
CHARTS_LOCK = threading.Lock()


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Workshop:
    """One store per database and server process (it keeps one connection per thread)."""
    return Workshop(path)


def shop() -> Workshop:
    return _store(str(default_path()))


def _resume() -> None:
    """This script run's language, as the session has it (a fragment's rerun is a run of its own)."""
    i18n.resume(cast(Mapping[str, object], st.session_state))


def error(message: object) -> None:
    st.error(plain(str(message)))


F = TypeVar("F", bound=Callable[..., Any])


def guarded(body: F) -> F:
    """Run a screen in the session's language; a WorkshopError shows its one line, anything else a short message
    (and goes to the log). A live fragment's rerun is a script run of its own: it needs the language again."""

    def run(*args: Any, **kwargs: Any) -> Any:
        _resume()
        try:
            return body(*args, **kwargs)
        except WorkshopError as exc:
            error(exc)
        except Exception:
            ref = secrets.token_hex(3)
            log.exception("workshop page error, reference %s", ref)
            error(_("Something went wrong (reference {ref}). Reload the page: nothing saved is lost.").format(ref=ref))
        return None

    run.__name__ = body.__name__
    run.__qualname__ = body.__qualname__
    return run  # type: ignore[return-value]


def set_cookie(name: str, value: str, path: str = "/", days: float = BROWSER_COOKIE_DAYS) -> None:
    """A cookie for this site set by the page's script (value: our own URL-safe token)."""
    valid_secret(value, "cookie value")
    st.html(
        f"<script>document.cookie = '{name}={value}; path={path}; max-age={int(days * 86400)}; SameSite=Strict';"
        "</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


def cookie(name: str) -> str | None:
    try:
        return valid_secret(st.context.cookies.get(name, ""), name)
    except WorkshopError:
        return None


def stream_path() -> str:
    """The path of Streamlit's websocket (the only request that carries cookies to the page's script)."""
    return _stream_path(str(st.get_option("server.baseUrlPath") or ""))


def browser_id() -> str:
    """This browser's id (kept in a cookie): a browser that opens the join link again gets its seat back."""
    if "browser_id" not in st.session_state:
        known = cookie(BROWSER_COOKIE)
        st.session_state["browser_id"] = known or secrets.token_urlsafe(16)
        if not known:
            set_cookie(BROWSER_COOKIE, st.session_state["browser_id"], path=stream_path())
    return str(st.session_state["browser_id"])


def client() -> str:
    """The address this request comes from (``sim.workshop.access.request_address``)."""
    headers = st.context.headers
    forwarded = headers.get_all("X-Forwarded-For") if headers is not None else []
    return request_address(getattr(st.context, "ip_address", None), forwarded, trusted_proxies())


K = TypeVar("K", bound=Hashable)


def labels(items: Iterable[K], label: Callable[[K], str]) -> Callable[[K], str]:
    """A widget's option labels, made now in this run's language (a ``format_func`` may be called later, outside
    the run, e.g. by AppTest)."""
    shown = {item: label(item) for item in items}
    return lambda item: shown.get(item, str(item))


def go(**query: str) -> None:
    """Open another workshop screen (its link's parameters); the language stays in the address."""
    params = st.query_params
    lang = params.get("lang")
    params.clear()
    for k, v in query.items():
        params[k] = v
    if lang:
        params["lang"] = lang
    st.rerun()


def round_line(state: State) -> str:
    spec = TEMPLATES[state.template]
    if state.archived:
        return _("This workshop is archived: the debrief stays readable.")
    if state.over:
        return _("Every round has been played: the debrief is below.")
    return _("Round {round} of {rounds} is open ({weeks} weeks each).").format(
        round=state.round + 1, rounds=spec["rounds"], weeks=spec["weeks"]
    )


@st.fragment(run_every=COME_BACK_SECONDS)
def _come_back() -> None:
    """Draws nothing; its timer is what counts. Streamlit's browser code (1.67) asks for a script run when its
    connection comes back only if its last run was a fragment's or a fragment of the page reruns on a timer.
    Otherwise it assumes the server kept its session; a restarted server has not, so the screen reconnected to a
    new session that never ran: it went on showing the old page, and the doorbell, which knows only sessions that
    ran a page, never redrew it. With this timer every reconnect redraws the screen."""


def watch(name: str, pulse: Callable[[], tuple], seconds: float) -> None:
    """Keep this screen up to date: remember the pulse it is drawn from and have the doorbell
    (``ui.workshop.doorbell``) rerun it when the pulse changes (and the screen redrawn when its connection comes
    back: ``_come_back``); where the doorbell cannot serve (AppTest, another Streamlit), a fragment polls every
    ``seconds`` instead and redraws the screen when the pulse has changed."""
    shown = pulse()
    st.session_state[f"pulse:{name}"] = shown
    if doorbell().watch(pulse, shown):
        _come_back()
        return

    @st.fragment(run_every=seconds)
    def check() -> None:
        _resume()
        try:
            now = pulse()
        except WorkshopError:
            st.rerun(scope="app")  # the screen shows what went wrong
        if now != st.session_state.get(f"pulse:{name}"):
            st.rerun(scope="app")

    check()


def live_part(name: str, shown: tuple) -> None:
    """Inside the fragment that draws a screen's live part: the doorbell reruns this fragment, not the screen,
    while the stage of the pulse stays the same."""
    st.session_state[f"pulse:{name}"] = shown
    doorbell().part(shown)


def seen(name: str, pulse: tuple) -> None:
    """This screen has drawn what ``pulse`` describes (e.g. its own save): its watch need not redraw for it."""
    st.session_state[f"pulse:{name}"] = pulse
    doorbell().drawn(pulse)


def show_decision(form_key: str, department: str, round_index: int, decision: Decision | None) -> None:
    """Set the form's choices to ``decision`` (the one saved, or the default) before the form is drawn."""
    ids = f"{form_key}:{department}:{round_index}"
    decision = decision or Decision()
    st.session_state[f"push:{ids}"] = decision.push
    st.session_state[f"demands:{ids}"] = decision.demands
    if ACTIONS.get(department):
        st.session_state[f"action:{ids}"] = decision.action


def form_holds(form_key: str, department: str, round_index: int, decision: Decision | None) -> bool:
    """The form of this round holds ``decision`` (None: the defaults) in this script run: the choices the browser
    sent back with the run (what it showed when it asked for it, or a save's), or what this run set. False when
    this session knows no choices for it (a new page, a new session after a server restart)."""
    ids = f"{form_key}:{department}:{round_index}"
    state = st.session_state
    want = decision or Decision()
    if f"push:{ids}" not in state or f"demands:{ids}" not in state:
        return False
    same = state[f"push:{ids}"] == want.push and state[f"demands:{ids}"] == want.demands
    return same and (not ACTIONS.get(department) or bool(state.get(f"action:{ids}", False)) == want.action)


def submitted(form_key: str, department: str, round_index: int) -> bool:
    """This script run is the save of this round's form (its button was pressed)."""
    return bool(st.session_state.get(f"save:{form_key}:{department}:{round_index}"))


def decision_form(
    form_key: str,
    department: str,
    current: Decision | None,
    round_index: int,
    submit: Callable[[Decision, int], None],
    locked: bool = False,
) -> None:
    """Push, demands and the role's own action for the open round, showing ``current`` (the decision in force)
    unless the person has changed the form since. The form belongs to its round: a save clicked on a form whose
    round has moved on is sent with that old round, and the store refuses it with a message (it never lands in
    the next round)."""
    form = f"{form_key}:{department}"
    shown = st.session_state.get(f"shown:{form}", round_index)
    st.session_state[f"shown:{form}"] = round_index
    if shown != round_index and st.session_state.get(f"save:{form}:{shown}"):
        old = f"{form}:{shown}"  # a save clicked on the form of a round that has since been played
        submit(
            Decision(
                st.session_state.get(f"push:{old}", "balanced"),
                st.session_state.get(f"demands:{old}", "normal"),
                bool(st.session_state.get(f"action:{old}", False)),
            ),
            shown,
        )
    ids = f"{form}:{round_index}"
    if f"push:{ids}" not in st.session_state:
        show_decision(form_key, department, round_index, current)
    with st.form(key=f"form:{ids}"):
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
            key=f"push:{ids}",
            format_func=labels(PUSH, choice_label),
            help=_("Your own KPI, the shared goal, or a balance of both."),
        )
        demands = st.radio(
            _("How much do you ask of the product team?"),
            list(DEMANDS),
            horizontal=True,
            disabled=locked,
            format_func=labels(DEMANDS, choice_label),
            key=f"demands:{ids}",
        )
        action = False
        if ACTIONS.get(department):
            action = st.checkbox(_(ACTIONS[department]), disabled=locked, key=f"action:{ids}")
        if st.form_submit_button(_("Save decision"), disabled=locked, key=f"save:{ids}"):
            submit(Decision(cast(Push, push), cast(Demands, demands), bool(action)), round_index)


def _digest(value: object) -> str:
    """A fingerprint of a chart's input: a frame's columns, types, index and values, or the value's repr."""
    if isinstance(value, pd.DataFrame):
        try:
            cells = pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()
        except TypeError:  # a cell pandas cannot hash (a list): its text
            cells = repr(value.to_dict("split")).encode()
        shape = repr((list(value.columns), [str(t) for t in value.dtypes])).encode()
        return hashlib.sha256(shape + cells).hexdigest()
    return repr(value)


def _vega_lite(chart: Any) -> dict | None:
    """The Vega-Lite spec Streamlit makes of an Altair chart (its own conversion: theme, data as Arrow), or None
    where this Streamlit has no such function (the chart is then drawn as Altair, every time)."""
    try:
        from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
    except ImportError:
        return None
    return dict(_convert_altair_to_vega_lite_spec(chart))


def chart(build: Callable[..., Any], *inputs: object) -> None:
    """Draw the Altair chart ``build(*inputs)``, made and converted to Vega-Lite once per server for the same
    inputs and language: every screen that shows it after a round (the facilitator's, the presenter's, each
    participant's once the outcome is revealed) draws the stored spec. Building and converting a debrief chart
    (Altair validates it against the Vega-Lite schema) took about 50 ms of CPU; drawing a stored one, about 1."""
    key = (build.__module__, build.__qualname__, i18n.current(), *(_digest(i) for i in inputs))
    made: Any = None
    with CHARTS_LOCK:  # screens asking at once (a round just revealed) wait for one conversion, then share it
        spec = CHARTS.get(key)
        if spec is None:
            made = build(*inputs)
            spec = _vega_lite(made)
            if spec is not None:
                CHARTS[key] = spec
    if spec is None:
        st.altair_chart(made, width="content")
    else:  # Streamlit moves the data out of the spec it is given: each screen draws a copy
        st.vega_lite_chart(spec=copy.deepcopy(spec), width="content")
