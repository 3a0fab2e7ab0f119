"""Issue 24 in AppTest: a cleared select box, the horizon, a reset, scenarios kept by name, Compare by link with up
to four options, and the page for the board. Every assertion reads what the page shows or offers."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sim import load_scenario, run_many
from sim.input import share
from sim.present import answer, why
from sim.runner import compare
from ui import comparison

ROOT = Path(__file__).resolve().parents[2]
SEEDS = 20


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception
    return at


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def _lever(at, kind, label):
    return next(w for w in getattr(at.sidebar, kind) if w.label == label)


def test_clearing_a_lever_select_box_means_back_to_the_base():
    """Issue 24: the ⊗ of a lever's drop-down gave 'Input should be a valid string' and then compared the base
    with itself while the change list still showed the edit."""
    at = _app()
    at.sidebar.selectbox(key="lever:leadership.shared_criterion").set_value("churn_rate").run()
    assert "Shared success criterion: 30-day activation → Churn" in _markdown(at)
    at.sidebar.selectbox(key="lever:leadership.shared_criterion").set_value(None).run()
    assert not at.exception and not at.error
    assert at.sidebar.selectbox(key="lever:leadership.shared_criterion").value == "activation_rate_30d"
    text = _markdown(at)
    assert "Shared success criterion:" not in text and "On screen: B2B activation: the article's tug of war" in text
    assert "set" not in dict(at.query_params)  # the link holds no edit either


def test_the_horizon_runs_the_scenario_for_more_years_and_says_so():
    at = _app()
    at.sidebar.selectbox(key="lever:weeks").set_value(104).run()
    assert not at.exception
    assert "Horizon: 1 year → 2 years" in _markdown(at)
    import pyarrow as pa

    chart = at.get("vega_lite_chart")[0]
    data = max((pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets), key=len)
    assert data["week"].max() == 104
    assert dict(at.query_params)["set"] == "weeks=104"


def test_reset_puts_every_lever_back():
    at = _app()
    _lever(at, "slider", "How much it trumps local KPIs").set_value(80).run()
    _lever(at, "toggle", "Prioritisation is a real choice").set_value(True).run()
    assert "How much it trumps local KPIs: 0% → 80%" in _markdown(at)
    at.sidebar.button(key="reset_levers").click().run()
    assert not at.exception
    assert _lever(at, "slider", "How much it trumps local KPIs").value == 0
    assert _lever(at, "toggle", "Prioritisation is a real choice").value is False
    assert "On screen: B2B activation: the article's tug of war**, in 20 simulated markets." in _markdown(at)


def test_a_kept_scenario_is_compared_by_name_and_downloaded_as_toml():
    at = _app()
    _lever(at, "toggle", "Prioritisation is a real choice").set_value(True).run()
    at.text_input[0].set_value("Real choice").run()
    at.button(key="keep_scenario").click().run()
    assert not at.exception and any("Kept as Real choice" in s.value for s in at.success)
    at.switch_page("ui/pages/compare.py").run()
    others = at.multiselect(key="cmp_others")
    assert "kept: Real choice" in others.options  # offered by its name
    others.set_value(["named:Real choice", "product_logic"]).run()
    assert not at.exception
    assert "B (Real choice) makes" in _markdown(at)
    assert list(at.dataframe[0].value.columns) == ["metric", "A", "B", "C"]
    assert list(at.dataframe[1].value.columns) == ["metric", "B − A", "C − A"]
    downloads = {b.label for b in at.get("download_button")}
    assert {"Real choice (TOML)", "All kept scenarios (TOML files in a ZIP)"} <= downloads
    link = dict(at.query_params)
    assert link["o2.preset"] == "b2b_activation" and link["o2.set"] == "leadership.real_choice=true"
    assert link["o2.label"] == "Real choice" and link["o3"] == "product_logic"


def test_a_comparison_of_three_options_opens_by_its_link_with_the_same_numbers():
    at = _app()
    at.switch_page("ui/pages/compare.py").run()
    at.multiselect(key="cmp_others").set_value(["product_logic", "data_blind"]).run()
    assert not at.exception
    link = dict(at.query_params)
    assert link == {"o1": "b2b_activation", "o2": "product_logic", "o3": "data_blind", "seeds": str(SEEDS)}
    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    fresh.run()
    fresh.query_params.clear()
    for key, value in link.items():
        fresh.query_params[key] = value
    fresh.switch_page("ui/pages/compare.py").run()
    assert not fresh.exception and not fresh.error
    assert fresh.multiselect(key="cmp_others").value == ["product_logic", "data_blind"]
    assert fresh.dataframe[0].value.equals(at.dataframe[0].value)
    assert fresh.dataframe[1].value.equals(at.dataframe[1].value)
    assert _markdown(fresh) == _markdown(at)


def test_a_bad_comparison_link_says_what_is_wrong_in_one_line_and_opens_the_defaults():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.query_params.clear()
    at.query_params["o1"] = "b2b_activation"
    at.query_params["o2"] = "no_such_preset"
    at.switch_page("ui/pages/compare.py").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("link parameter o2: not a preset; allowed: ")
    assert at.selectbox(key="cmp_a").value == "b2b_activation"


def test_clearing_compares_reference_means_the_default_reference():
    at = _app()
    at.switch_page("ui/pages/compare.py").run()
    at.selectbox(key="cmp_a").set_value("data_blind").run()
    at.selectbox(key="cmp_a").set_value(None).run()
    assert not at.exception and not at.error
    assert at.selectbox(key="cmp_a").value == "b2b_activation"


def test_the_page_for_the_board_tells_the_what_if_of_its_link_on_one_page():
    overrides = {"leadership.trump": 0.8}
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.query_params.clear()
    for key, value in share.encode("b2b_activation", overrides, SEEDS).items():
        at.query_params[key] = value
    at.switch_page("ui/pages/board.py").run()
    assert not at.exception and not at.error
    assert at.title[0].value == "edited B2B activation: the article's tug of war"
    text = _markdown(at).replace("\\", "")
    a = run_many(load_scenario("b2b_activation"), SEEDS)
    b = run_many(load_scenario("b2b_activation", overrides), SEEDS)
    table = compare(a, b)
    assert "How much it trumps local KPIs: 0% → 80%" in text
    assert answer.headline(table, "this edit", "B2B activation: the article's tug of war") in text
    assert all(line.text in text for line in answer.lines(table))  # money (revenue) among them
    assert all(s in text for s in why.explain(a, b, table, b.scenario).sentences())
    assert len(at.get("vega_lite_chart")) == 1  # one chart
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Rests on two assumptions" in captions and "preset=b2b_activation" in captions  # the link back


@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_comparison_link_round_trips_every_kind_of_option(lang):
    edited = load_scenario("b2b_activation", {"leadership.trump": 0.8}).to_toml()
    kept = {"Mine": comparison.kept_from("b2b_activation", {"leadership.trump": 0.8}, edited, "Mine")}
    params = comparison.encode(["b2b_activation", "named:Mine", "data_blind"], kept, 30, lang)
    opened = comparison.decode({k: v if isinstance(v, list) else [v] for k, v in params.items()})
    assert opened.options == ["b2b_activation", "named:Mine", "data_blind"] and opened.seeds == 30
    assert opened.kept["Mine"].scenario() == kept["Mine"].scenario()
    assert ("lang" in params) == (lang == "da")
