"""Live screens without polling pages: one thread per server asks the store what changed and reruns only the
screens (or the parts of screens) that show it.

Measured on Streamlit 1.67 (docs/PERFORMANCE.md), every script run costs the server tens of milliseconds of CPU,
even a fragment that does nothing: 30 phones each rerunning a small fragment every 2 s kept most of a core busy.
So an idle screen runs nothing (but an empty fragment once an hour: ``ui.workshop.common._come_back``). Each screen
registers what it shows: a *pulse* (a few numbers the store reads in one indexed query: ``Workshop.pulse``,
``Workshop.player_pulse``) and, optionally, the fragment that redraws its live part. Every ``TICK`` seconds the
doorbell reads the pulses of the screens connected now; when one has changed, it reruns that screen's fragment (the
seats on the facilitator's screen, the form on a participant's) when only the live part moved, or the whole screen
when its stage moved (a round played, a reveal). It asks Streamlit's runtime to rerun a session as Streamlit does
itself when a source file changes (``AppSession.request_rerun``), with the session's last client state.

That is Streamlit's internal API, not its public one (``Runtime._session_mgr``, ``AppSession._client_state``,
``AppSession.request_rerun``): ``missing()`` checks for it when a screen registers, and where it is missing (a
different Streamlit, AppTest) the screens fall back to a fragment that polls (``ui.workshop.common.watch``). On a
served app that fallback costs the server a script run per screen every second or two, so it is logged as a
warning, once per process and reason; under AppTest (no server, nothing to ring) it is expected and not logged.
`benchmarks/workshop_room.py` counts the script runs of idle screens, and its smoke run in the test suite
requires none.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("alignsim.workshop")

#: How often the doorbell reads the pulses (a save reaches the facilitator's screen within about this long).
TICK = 0.5
#: A screen rung for a pulse that has not redrawn it within this many seconds is rung again (Streamlit drops a
#: fragment's rerun that a full rerun overtakes).
RETRY = 5.0
#: ALIGNSIM_DOORBELL_DEBUG=1 logs every ring (for benchmarks).
DEBUG = os.environ.get("ALIGNSIM_DOORBELL_DEBUG") == "1"


@dataclass
class Watch:
    """What one session's screen shows: its pulse, and the fragment that redraws its live part."""

    pulse: Callable[[], tuple]
    shown: tuple
    fragment: str | None = None  # rerun this fragment while the pulse's stage (its first item) stays the same
    page: str = ""  # the page's script hash (a rerun must run this page, not the app's default one)
    query: str = ""  # the page's address query when it was drawn (a rerun must show this screen, not the landing)
    rung: tuple | None = None  # the pulse last rung for, and when: rung again only after RETRY (a lost request)
    rung_at: float = 0.0


def _runtime():
    """Streamlit's runtime when this process serves the app; None under AppTest (which stands in a mock for it:
    no sessions to ring there) or outside Streamlit."""
    from unittest.mock import NonCallableMock

    try:
        from streamlit.runtime import Runtime

        runtime = Runtime.instance() if Runtime.exists() else None
    except Exception:  # another Streamlit: missing() says why
        return None
    return None if runtime is None or isinstance(runtime, NonCallableMock) else runtime


#: ClientState fields a ring sets (``Doorbell._ring``).
RING_FIELDS = ("fragment_id", "is_auto_rerun", "page_script_hash", "page_name", "query_string")


def missing(runtime: object, sid: str) -> str | None:
    """What of Streamlit's internals the doorbell needs to ring session ``sid`` is missing (None: nothing)."""
    try:
        from streamlit.proto.ClientState_pb2 import ClientState
    except ImportError:
        return "streamlit.proto.ClientState_pb2 is missing"
    absent = [f for f in RING_FIELDS if f not in ClientState.DESCRIPTOR.fields_by_name]
    if absent:
        return f"ClientState has no {', '.join(absent)}"
    manager = getattr(runtime, "_session_mgr", None)
    if manager is None:
        return "Runtime._session_mgr is missing"
    for name in ("list_sessions", "get_active_session_info"):
        if not callable(getattr(manager, name, None)):
            return f"the session manager has no {name}()"
    info = manager.get_active_session_info(sid)
    if info is None:  # the tab went away during this run: nothing to check (it reruns when it comes back)
        return None
    session = getattr(info, "session", None)
    if not callable(getattr(session, "request_rerun", None)):
        return "AppSession.request_rerun is missing"
    if not isinstance(getattr(session, "_client_state", None), ClientState):
        return "AppSession._client_state is missing"
    return None


_WARNED: set[str] = set()


def _fall_back(reason: str) -> None:
    """Say once per process and reason that screens poll instead of being rung (they cost CPU while idle)."""
    if reason in _WARNED:
        return
    _WARNED.add(reason)
    log.warning(
        "workshop doorbell unavailable (%s, Streamlit's internals changed?): workshop screens poll instead, "
        "a script run per open screen every 1-2 s (docs/PERFORMANCE.md, Workshop room)",
        reason,
    )


def session_id() -> str | None:
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else None


def page_hash() -> str:
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return str(getattr(ctx, "page_script_hash", "") or "") if ctx is not None else ""


def page_query() -> str:
    """The query string of the page's address as the script sees it now (``st.query_params``)."""
    from urllib.parse import urlencode

    import streamlit as st

    return urlencode(st.query_params.to_dict())


def fragment_id() -> str | None:
    """The fragment running now, if any."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState

        return ThreadState.get().fragment_id
    except Exception:
        return None


class Doorbell:
    """The server's one watcher of workshop screens."""

    def __init__(self, tick: float = TICK) -> None:
        self.tick = tick
        self.watches: dict[str, Watch] = {}
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.rings = 0

    def watch(self, pulse: Callable[[], tuple], shown: tuple) -> bool:
        """Ring this session when ``pulse()`` differs from ``shown`` (the whole screen reruns). False when the
        doorbell cannot serve this session (the caller polls instead)."""
        sid, runtime = session_id(), _runtime()
        if sid is None or runtime is None:  # AppTest, or not in a script run: polling is expected there
            return False
        try:
            reason = missing(runtime, sid)
        except Exception as exc:  # an internal that changed shape
            reason = f"checking Streamlit's internals failed: {exc!r}"
        if reason is not None:
            _fall_back(reason)
            return False
        with self.lock:
            self.watches[sid] = Watch(pulse, shown, page=page_hash(), query=page_query())
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="workshop-doorbell", daemon=True)
                self.thread.start()
        return True

    def part(self, shown: tuple) -> None:
        """Called inside the fragment that draws a screen's live part: ring that fragment (not the whole screen)
        while the pulse's stage stays as in ``shown``, the pulse it has drawn."""
        sid, fragment = session_id(), fragment_id()
        with self.lock:
            watch = self.watches.get(sid or "")
            if watch is not None and fragment:
                watch.fragment, watch.shown = fragment, shown

    def drawn(self, shown: tuple) -> None:
        """This session now shows ``shown`` (e.g. after its own save): no ring for it."""
        with self.lock:
            watch = self.watches.get(session_id() or "")
            if watch is not None:
                watch.shown = shown

    def _run(self) -> None:
        while True:
            time.sleep(self.tick)
            try:
                if not self._ring_changed():
                    return
            except Exception:
                log.exception("workshop doorbell")

    def _ring_changed(self) -> bool:
        runtime = _runtime()
        if runtime is None:
            return False
        manager = runtime._session_mgr
        with self.lock:
            watches = dict(self.watches)
        known = {s.session.id for s in manager.list_sessions()}
        for sid, watch in watches.items():
            if sid not in known:  # the tab was closed long ago: forget it
                with self.lock:
                    if self.watches.get(sid) is watch:
                        del self.watches[sid]
                continue
            info = manager.get_active_session_info(sid)
            if info is None:  # disconnected now (a phone asleep): nothing to redraw, no presence
                continue
            try:
                now = watch.pulse()
            except Exception:
                now = ("failed",)
            if now == watch.shown or (now == watch.rung and time.monotonic() - watch.rung_at < RETRY):
                continue
            self.rings += 1
            if DEBUG:
                log.warning("ring %s %s -> %s (fragment %s)", sid[:8], watch.shown, now, watch.fragment)
            self._ring(info.session, watch, now)
        return True

    def _ring(self, session, watch: Watch, now: tuple) -> None:
        from streamlit.proto.ClientState_pb2 import ClientState

        state = ClientState()
        state.CopyFrom(session._client_state)
        only_part = watch.fragment is not None and _stage(now) == _stage(watch.shown)
        state.fragment_id = watch.fragment if only_part and watch.fragment else ""
        state.is_auto_rerun = True
        if watch.page:
            state.page_script_hash = watch.page
            state.page_name = ""
        # the address the screen was drawn at: the client's last state may predate a change the script made to it
        # (the control link's key moved out of the address), and a rerun without it would show the landing page
        state.query_string = watch.query
        with self.lock:
            watch.rung, watch.rung_at = now, time.monotonic()  # the rerun registers what it draws
        session.request_rerun(state)


def _stage(pulse: tuple) -> object:
    return pulse[0] if pulse else None


_BELL: Doorbell | None = None
_BELL_LOCK = threading.Lock()


def doorbell() -> Doorbell:
    global _BELL
    with _BELL_LOCK:
        if _BELL is None:
            _BELL = Doorbell()
        return _BELL
