"""Issue 24 in AppTest: a cleared select box, the horizon, a reset, scenarios kept by name, Compare by link with up
to four options, and the page for the board. Every assertion reads what the page shows or offers."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sim import load_scenario, run_many
from sim.input import share
from sim.present import answer, why
from sim.runner import compare
from tests.conftest import page_markdown
from ui import comparison

ROOT = Path(__file__).resolve().parents[2]
SEEDS = 20
#: The fewest simulated markets the page offers: for tests of what the page does with them, not of a statistic.
FEW = 5


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception
    return at


def _markdown(at) -> str:
    return page_markdown(at)


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


def _chart_data(at, i: int = 0):
    import pyarrow as pa

    chart = at.get("vega_lite_chart")[i]
    return max((pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets), key=len)


def test_the_horizon_runs_the_scenario_and_its_edit_over_the_same_years():
    """The horizon is the page's, not a lever: the scenario before the edit runs over the same two years, so the
    answer's money is the edit's, not the longer run's (as a lever it compared two years with one)."""
    at = _app()
    horizon = at.sidebar.selectbox(key="horizon")
    assert horizon.value == 52 and horizon.options == ["1 year", "2 years", "3 years", "5 years"]
    at.sidebar.slider(key="seeds").set_value(FEW)  # the page's behaviour, not a statistic: the fewest markets
    horizon.set_value(104).run()
    _lever(at, "toggle", "Prioritisation is a real choice").set_value(True).run()
    assert not at.exception and not at.error
    text = _markdown(at)
    assert f"compared over 2 years in the same {FEW} simulated markets" in text and "Horizon:" not in text
    data = _chart_data(at)
    assert data.groupby("scenario")["week"].max().to_dict() == {"before the edit": 104, "edited": 104}
    link = dict(at.query_params)
    assert link["weeks"] == "104" and link["set"] == "leadership.real_choice=true"
    a = run_many(load_scenario("b2b_activation", {"weeks": 104}), FEW)
    b = run_many(load_scenario("b2b_activation", {"weeks": 104, "leadership.real_choice": True}), FEW)
    assert all(line.text in text.replace("\\", "") for line in answer.lines(compare(a, b)))  # money over 2 years


def test_a_share_link_with_a_horizon_opens_the_same_what_if_over_the_same_years():
    link = share.encode("b2b_activation", {"leadership.trump": 0.8}, 10, weeks=156)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in link.items():
        at.query_params[key] = value
    at.run()  # a fresh browser: the link opens on the session's first run
    assert not at.exception and not at.error
    assert at.sidebar.selectbox(key="horizon").value == 156
    assert "compared over 3 years in the same 10 simulated markets" in _markdown(at)
    assert dict(at.query_params) == {k: v if isinstance(v, str) else v[0] for k, v in link.items()}  # round trip
    at.switch_page("ui/pages/board.py").run()  # the page for the board says it and links back with it
    assert not at.exception and not at.error
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "over 3 years · 10 simulated markets" in captions and "weeks=156" in captions


def test_five_years_over_too_many_markets_runs_fewer_and_says_so():
    """The app's cost guard holds: five years over 60 markets would take longer than the app runs at once, so it
    runs the most that fit and says so, rather than failing."""
    from ui.results import most_markets

    at = _app()
    at.sidebar.slider(key="seeds").set_value(60)  # 60 markets and five years asked for in one go: the page never
    at.sidebar.selectbox(key="horizon").set_value(260).run()  # runs 60 markets over a year first
    assert not at.exception and not at.error
    most = most_markets(load_scenario("b2b_activation", {"weeks": 260}))
    assert 5 <= most < 60 and at.sidebar.slider(key="seeds").value == most
    said = " ".join(i.value for i in at.info)
    assert "5 years of this scenario over 60 simulated markets would take about" in said
    assert f"so it runs over {most} simulated markets" in said
    assert f"over 5 years in {most} simulated markets" in _markdown(at)
    assert dict(at.query_params)["seeds"] == str(most)
    at.sidebar.selectbox(key="horizon").set_value(52).run()  # a year: the note goes, the markets stay
    assert not at.info and at.sidebar.slider(key="seeds").value == most


def test_reset_puts_every_lever_back():
    at = _app()
    _lever(at, "slider", "How much it trumps local KPIs").set_value(80).run()
    _lever(at, "toggle", "Prioritisation is a real choice").set_value(True).run()
    assert "How much it trumps local KPIs: 0% → 80%" in _markdown(at)
    at.sidebar.button(key="reset_levers").click().run()
    assert not at.exception
    assert _lever(at, "slider", "How much it trumps local KPIs").value == 0
    assert _lever(at, "toggle", "Prioritisation is a real choice").value is False
    text = _markdown(at)
    assert "On screen: B2B activation: the article's tug of war**, over 1 year in 20 simulated markets." in text


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
    assert at.selectbox(key="cmp_weeks").value == 52  # the horizon on Explore
    at.selectbox(key="cmp_weeks").set_value(104).run()
    at.multiselect(key="cmp_others").set_value(["product_logic", "data_blind"]).run()
    assert not at.exception
    link = dict(at.query_params)
    assert link == {
        "o1": "b2b_activation",
        "o2": "product_logic",
        "o3": "data_blind",
        "seeds": str(SEEDS),
        "weeks": "104",
    }
    assert "Each option over 2 years in the same 20 simulated markets" in " ".join(c.value for c in at.caption)
    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    fresh.run()
    fresh.query_params.clear()
    for key, value in link.items():
        fresh.query_params[key] = value
    fresh.switch_page("ui/pages/compare.py").run()
    assert not fresh.exception and not fresh.error
    assert fresh.multiselect(key="cmp_others").value == ["product_logic", "data_blind"]
    assert fresh.selectbox(key="cmp_weeks").value == 104
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
    params = comparison.encode(["b2b_activation", "named:Mine", "data_blind"], kept, 30, lang, weeks=260)
    opened = comparison.decode({k: v if isinstance(v, list) else [v] for k, v in params.items()})
    assert opened.options == ["b2b_activation", "named:Mine", "data_blind"] and opened.seeds == 30
    assert opened.weeks == 260 and "o2.weeks" not in params  # kept over its preset's own horizon
    assert opened.kept["Mine"].scenario() == kept["Mine"].scenario()
    assert ("lang" in params) == (lang == "da")


def test_a_scenario_kept_over_its_own_horizon_travels_with_it_and_a_bad_horizon_is_one_line():
    edited = load_scenario("b2b_activation", {"leadership.trump": 0.8, "weeks": 156})
    kept = {"Long": comparison.kept_from("b2b_activation", {"leadership.trump": 0.8}, edited.to_toml(), "Long")}
    params = comparison.encode(["b2b_activation", "named:Long"], kept, 20)
    assert params["o2.preset"] == "b2b_activation" and params["o2.weeks"] == "156" and "weeks" not in params
    opened = comparison.decode({k: v if isinstance(v, list) else [v] for k, v in params.items()})
    assert opened.kept["Long"].scenario() == edited and opened.weeks is None
    with pytest.raises(share.ShareError) as err:
        comparison.decode({"o1": ["b2b_activation"], "o2": ["data_blind"], "weeks": ["53"]})
    assert str(err.value).startswith("link parameter weeks: '53' is not a horizon the app offers; allowed: 52 (1")
