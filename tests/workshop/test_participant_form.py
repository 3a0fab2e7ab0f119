"""The participant's decision form shows the decision in force in every script run that is not its own save
(ui/workshop/participant.py), also when the browser asks for a run carrying the choices it showed before it lost
its connection. The browser test of the same (tests/ui/test_workshop_soak.py) sees it only when the doorbell's
redraw of the form happens to reach the server before the browser's own run after a reconnect; this pins it."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sim.workshop.rules import Decision
from sim.workshop.store import Workshop

PAGE = str(Path(__file__).resolve().parents[2] / "ui" / "pages" / "workshop.py")


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "workshop.sqlite3"
    monkeypatch.setenv("ALIGNSIM_WORKSHOP_DB", str(path))
    return path


def _page(token: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["token"] = token
    at.run()
    assert not at.exception, at.exception
    return at


def _teammates(db):
    """A workshop with two people, Ana and Bo, on table 1's Sales seat: the shop, its code and their tokens."""
    shop = Workshop(db)
    code, _key = shop.create()
    return shop, code, shop.join(code, 1, "sales", "Ana"), shop.join(code, 1, "sales", "Bo")


def test_a_run_that_is_not_a_save_shows_the_decision_in_force_not_what_the_browser_sent_back(db):
    shop, code, ana, bo = _teammates(db)
    shop.decide(ana, 0, Decision("shared goal", "many", False))
    at = _page(ana)
    ids = f"{ana[:8]}:sales:0"
    assert (at.radio(key=f"push:{ids}").value, at.radio(key=f"demands:{ids}").value) == ("shared goal", "many")

    shop.decide(bo, 0, Decision("own KPI", "few", False))  # while Ana's phone is away
    at.run()  # the doorbell redraws the form for the teammate's save (the browser has not seen it)
    assert at.radio(key=f"push:{ids}").value == "own KPI"
    # the phone reconnects and asks for a run with the choices it showed before (a run, not a save). A browser
    # sends them as the form's widget values; AppTest sends a form's values only with its save, so they are put
    # in the session's state, where the browser's values land
    at.session_state[f"push:{ids}"] = "shared goal"
    at.session_state[f"demands:{ids}"] = "many"
    at.run()
    assert not at.exception, at.exception
    assert (at.radio(key=f"push:{ids}").value, at.radio(key=f"demands:{ids}").value) == ("own KPI", "few")
    assert shop.decisions(code, ana)[(1, 0, "sales")] == Decision("own KPI", "few", False)  # nothing saved


def test_a_save_saves_what_the_person_chose(db):
    """The form is set to the decision in force only in runs that are not its save."""
    shop, code, ana, bo = _teammates(db)
    shop.decide(bo, 0, Decision("own KPI", "few", False))
    at = _page(ana)
    ids = f"{ana[:8]}:sales:0"
    at.radio(key=f"push:{ids}").set_value("balanced")
    at.radio(key=f"demands:{ids}").set_value("many")
    at.button(key=f"save:{ids}").click().run()
    assert shop.decisions(code, ana)[(1, 0, "sales")] == Decision("balanced", "many", False)
    assert (at.radio(key=f"push:{ids}").value, at.radio(key=f"demands:{ids}").value) == ("balanced", "many")
