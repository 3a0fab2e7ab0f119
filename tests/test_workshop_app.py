"""The Workshop page with AppTest: facilitator and participant flows through to the debrief."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sim.workshop import TEMPLATES, Workshop

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "4_Workshop.py")


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "workshop.sqlite3"
    monkeypatch.setenv("ALIGNSIM_WORKSHOP_DB", str(path))
    return path


def _page(**query) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_facilitator_and_participant_play_through_to_the_debrief(db):
    fac = _page()
    fac.button(key="create").click().run()
    code, key = fac.query_params["code"], fac.query_params["key"]
    assert any(code in m.value for m in fac.markdown)

    player = _page(code=code)
    player.text_input(key="join_name").set_value("Ana").run()
    player.selectbox(key="join_dept").set_value("customer_success").run()
    player.button(key="join").click().run()
    token = player.query_params["token"]
    assert not player.exception and "Ana plays customer success" in player.subheader[0].value
    player.radio[0].set_value("shared goal")
    player.radio[1].set_value("few")
    player.button[0].click().run()  # the form's submit button
    assert any("Decision saved" in s.value for s in player.success)

    fac = _page(code=code, key=key)
    status = fac.dataframe[0].value
    assert status.loc["customer_success", "played by"] == "Ana"
    assert bool(status.loc["customer_success", "decided this round"])
    for _ in range(TEMPLATES["b2b_activation"]["rounds"]):
        fac.button(key="play").click().run()
        assert not fac.exception
    assert len(fac.get("vega_lite_chart")) >= 1
    handout = [b for b in fac.get("download_button") if b.label.startswith("Handout")]
    assert handout

    again = _page(token=token)  # a refresh: the player is still the player, the game is over
    assert any("game is over" in s.value for s in again.success)
    results = again.dataframe[0].value
    assert list(results.index) == [1, 2, 3, 4]


def test_wrong_code_shows_a_message(db):
    at = _page(code="ZZZZZZ")
    assert "no workshop with code 'ZZZZZZ'" in at.error[0].value


def test_a_forged_facilitator_link_is_refused(db):
    code, _ = Workshop(db).create()
    at = _page(code=code, key="not-the-key")
    assert "does not open the facilitator's view" in at.error[0].value


def test_single_screen_mode_enters_every_decision(db):
    code, key = Workshop(db).create()
    at = _page(code=code, key=key)
    at.toggle(key="single").set_value(True).run()
    forms = [b for b in at.button if b.label == "Save decision"]
    assert len(forms) == len(TEMPLATES["b2b_activation"]["departments"])
    forms[0].click().run()
    assert Workshop(db).decisions(code)  # stored server-side


def test_switch_and_reveal(db):
    shop = Workshop(db)
    code, key = shop.create()
    at = _page(code=code, key=key)
    at.button(key="do_switch").click().run()
    assert shop.session(code)["switch"] == "shared_criterion"
    at.toggle(key="reveal").set_value(True).run()
    assert shop.session(code)["revealed"] == 1
