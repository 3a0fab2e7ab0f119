"""The workshop doorbell (ui/workshop/doorbell.py) rings screens through Streamlit's internals. Where they are
missing on a served app, screens fall back to polling, which costs the server a script run per open screen every
second or two: that must be said in the log, not happen silently. (That idle screens run nothing on the real
server is checked by the room benchmark's smoke run, tests/ui/test_workshop_soak.py.)"""

import inspect
import logging
import threading
from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest
from streamlit.proto.ClientState_pb2 import ClientState

from ui.workshop import doorbell


class Session:
    def __init__(self, state=True, rerun=True):
        if state:
            self._client_state = ClientState()
        if rerun:
            self.request_rerun = lambda state: None


def served(session=None, manager=True):
    """A stand-in for a served app's runtime with one active session, ``s1``."""
    runtime = SimpleNamespace()
    if manager:
        info = SimpleNamespace(session=session or Session())
        runtime._session_mgr = SimpleNamespace(
            list_sessions=lambda: [], get_active_session_info=lambda sid: info if sid == "s1" else None
        )
    return runtime


@pytest.fixture
def bell(monkeypatch):
    monkeypatch.setattr(doorbell, "session_id", lambda: "s1")
    monkeypatch.setattr(doorbell, "page_hash", lambda: "")
    monkeypatch.setattr(doorbell, "page_query", lambda: "")
    monkeypatch.setattr(doorbell, "_WARNED", set())
    bell = doorbell.Doorbell()
    bell.thread = threading.current_thread()  # "running": the test starts no watcher thread
    return bell


def _warnings(caplog):
    return [r.getMessage() for r in caplog.records if "doorbell unavailable" in r.getMessage()]


@pytest.mark.parametrize(
    ("runtime", "said"),
    [
        (served(manager=False), "Runtime._session_mgr"),
        (served(Session(state=False)), "AppSession._client_state"),
        (served(Session(rerun=False)), "AppSession.request_rerun"),
    ],
)
def test_a_served_app_without_the_internals_polls_and_says_so_once(bell, monkeypatch, caplog, runtime, said):
    monkeypatch.setattr(doorbell, "_runtime", lambda: runtime)
    with caplog.at_level(logging.WARNING, logger="alignsim.workshop"):
        assert bell.watch(lambda: (1,), (1,)) is False  # the caller polls
        assert bell.watch(lambda: (1,), (1,)) is False
    assert not bell.watches
    warned = _warnings(caplog)
    assert len(warned) == 1 and said in warned[0], warned  # once per process and reason, naming what is missing


def test_a_served_app_with_the_internals_is_rung_and_nothing_is_logged(bell, monkeypatch, caplog):
    monkeypatch.setattr(doorbell, "_runtime", lambda: served())
    with caplog.at_level(logging.WARNING, logger="alignsim.workshop"):
        assert bell.watch(lambda: (1,), (1,)) is True
    assert "s1" in bell.watches and not _warnings(caplog)


def test_under_apptest_screens_poll_without_a_warning(bell, monkeypatch, caplog):
    """AppTest stands in a mock for the runtime: no sessions to ring, and polling is expected there."""
    from streamlit.runtime import Runtime

    monkeypatch.setattr(Runtime, "_instance", MagicMock(spec=Runtime))
    with caplog.at_level(logging.WARNING, logger="alignsim.workshop"):
        assert doorbell._runtime() is None
        assert bell.watch(lambda: (1,), (1,)) is False
    assert not _warnings(caplog)


def test_the_installed_streamlit_has_what_the_doorbell_uses():
    """The locked Streamlit (constraints.txt) still has the internals: a newer one that renames them fails here
    before a room finds out."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.websocket_session_manager import WebsocketSessionManager

    assert "self._session_mgr" in inspect.getsource(Runtime.__init__)
    assert "self._client_state" in inspect.getsource(AppSession.__init__)
    assert callable(AppSession.request_rerun)
    assert callable(WebsocketSessionManager.list_sessions) and callable(WebsocketSessionManager.get_active_session_info)
    assert set(doorbell.RING_FIELDS) <= set(ClientState.DESCRIPTOR.fields_by_name)
