"""What a workshop room costs the server (issue 27, docs/PERFORMANCE.md "Workshop room"): behaviour that keeps a
save and a round cheap, pinned without timing anything."""

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sim.workshop.rules import Decision
from sim.workshop.store import Workshop

ROOT = Path(__file__).resolve().parent.parent.parent
PAGE = str(ROOT / "ui" / "pages" / "workshop.py")


def test_the_served_app_runs_no_full_garbage_collection_after_every_script_run():
    """Streamlit collects all garbage after each script run by default; with the app's libraries loaded that was
    most of a fragment's rerun (a save, the facilitator's seats). Off, as Streamlit reads its config in the
    repository (``streamlit run ui/gateway.py``, the benchmarks and the browser tests)."""
    read = (
        "from streamlit import config; config.get_config_options(force_reparse=True); "
        "print(config.get_option('runner.postScriptGC'))"
    )
    out = subprocess.run([sys.executable, "-c", read], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stdout + out.stderr


def test_make_app_turns_it_off_from_any_directory(monkeypatch):
    """``make app`` (``python -m ui.serve``) says it on Streamlit's command line too."""
    from streamlit.web import cli

    from ui import serve

    seen: list[list[str]] = []
    monkeypatch.setattr(serve, "fork_pool", lambda: None)
    monkeypatch.setattr(serve, "warm", lambda start: None)
    monkeypatch.setattr(cli, "main", lambda: seen.append(list(sys.argv)) or 0)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "")  # main() sets it: restored after the test
    assert serve.main(["--server.port", "8799"]) == 0
    argv = seen[0]
    assert argv[argv.index("--runner.postScriptGC") + 1] == "false"
    assert argv[-2:] == ["--server.port", "8799"]  # the caller's arguments still come last (and win)
    parsed = cli.main_run.make_context("run", argv[2:]).params  # as Streamlit's command line reads it
    assert parsed["runner_postScriptGC"] is False


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


def _specs(at: AppTest) -> list[str]:
    return [chart.proto.spec for chart in at.get("vega_lite_chart")]


def test_a_revealed_rounds_chart_is_made_once_per_server_for_every_screen_that_shows_it(db, monkeypatch):
    """After a reveal every participant's screen shows their table's chart: the first screen of a table makes it,
    its teammates draw the same one; another table, or another language, gets its own. What is drawn is what
    Streamlit draws of the Altair chart itself."""
    from ui.workshop import common

    shop = Workshop(db)
    code, key = shop.create(seed=5, tables=2)
    fi, sa = shop.join(code, 1, "finance", "Fi"), shop.join(code, 1, "sales", "Sa")
    other = shop.join(code, 2, "finance", "Fo")
    shop.decide(fi, 0, Decision("own KPI", "many", True))
    shop.play_round(code, key, 0)
    shop.reveal(code, key, True, False)
    made: list[object] = []
    convert = common._vega_lite
    monkeypatch.setattr(common, "_vega_lite", lambda chart: made.append(chart) or convert(chart))
    common.CHARTS.clear()

    first = _specs(_page(token=fi))
    assert len(first) == 1 and len(made) == 1
    assert _specs(_page(token=sa)) == first and len(made) == 1  # a teammate: the same chart, not made again
    assert _specs(_page(token=fi)) == first and len(made) == 1  # a refresh
    _page(token=other)
    assert len(made) == 2  # the other table's decisions and people
    danish = _specs(_page(token=fi, lang="da"))
    assert len(made) == 3 and danish != first

    common.CHARTS.clear()
    monkeypatch.setattr(common, "_vega_lite", lambda chart: None)  # a Streamlit without the conversion
    assert _specs(_page(token=fi)) == first  # drawn as Altair: the same spec


def test_a_charts_fingerprint_follows_its_data():
    """The chart cache's key: equal frames give one fingerprint; a changed value, column, type or order another."""
    import pandas as pd

    from ui.workshop.common import _digest

    frame = pd.DataFrame({"round": [1, 2], "shared_outcome": [0.25, float("nan")], "logic": ["local KPIs", "x"]})
    assert _digest(frame) == _digest(frame.copy())
    changed = [
        frame.assign(shared_outcome=[0.25, 0.3]),
        frame.rename(columns={"logic": "Logik"}),
        frame.astype({"round": float}),
        frame.iloc[::-1],
        frame.assign(logic=[["a"], ["b"]]),  # cells pandas cannot hash still give a fingerprint
    ]
    assert len({_digest(frame), *(_digest(f) for f in changed)}) == 1 + len(changed)
    assert _digest((("shared_criterion", 2),)) != _digest((("shared_criterion", 3),))
