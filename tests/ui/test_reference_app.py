"""The Reference models page with AppTest: pick a model, set parameters, see the run, sweep a parameter.
Assertions compare what the page renders with the same ensembles run directly."""

import re
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from sim import load_scenario, run_many

ROOT = Path(__file__).resolve().parents[2]
PAGE = "ui/pages/reference_models.py"


def _page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _data(chart):
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
    return max(frames, key=len)


def _metric(at, label):
    return next(m for m in at.metric if m.label == label)


def _percent(text: str) -> float:
    return float(text.rstrip("%")) / 100


def test_march_is_the_first_model_and_its_numbers_match_a_direct_run():
    at = _page()
    assert at.sidebar.selectbox(key="ref_model").options == ["march1991", "nk_departments"]
    expected = run_many(load_scenario("march1991"), 40).summary
    assert float(_metric(at, "The code's knowledge at the end").value) == pytest.approx(
        expected["equilibrium_knowledge"].mean(), abs=1e-3
    )
    series = _data(at.get("vega_lite_chart")[0])
    longest = expected["periods_run"].max()
    assert series["period"].max() == longest and (series["count"] == 40).all()  # ended runs hold their value
    assert len(at.dataframe[0].value) == 40


def test_a_parameter_change_is_shown_against_the_preset():
    at = _page()
    at.sidebar.slider(key="ref:march1991:p1").set_value(0.1).run()
    at.sidebar.slider(key="ref:march1991:p2").set_value(0.9).run()
    assert not at.exception and any("`p1` = 0.1" in i.value for i in at.info)
    delta = _metric(at, "The code's knowledge at the end").delta
    assert delta is not None and float(delta) > 0.1  # slow socialisation, fast code learning: more knowledge


def test_switching_to_the_nk_firm_and_an_invalid_combination_names_the_field():
    at = _page()
    at.sidebar.selectbox(key="ref_model").set_value("nk_departments").run()
    assert not at.exception
    expected = run_many(load_scenario("nk_departments"), 40).summary
    assert _percent(_metric(at, "Firm performance").value) == pytest.approx(expected["performance"].mean(), abs=1e-3)
    at.sidebar.selectbox(key="ref:nk_departments:interaction").set_value("block").run()
    at.sidebar.number_input(key="ref:nk_departments:K").set_value(6).run()
    assert not at.exception
    assert 'K: with interaction = "block"' in at.error[0].value and "K must be 0..4" in at.error[0].value


def test_sweeping_p1_with_lines_for_p2_draws_figure_one():
    at = _page()
    at.sidebar.slider(key="ref_seeds").set_value(5).run()
    at.selectbox(key="sweep_x:march1991").set_value("p1").run()
    at.number_input(key="sweep_lo:march1991:p1").set_value(0.1).run()
    at.number_input(key="sweep_hi:march1991:p1").set_value(0.9).run()
    at.number_input(key="sweep_n:march1991").set_value(3).run()
    at.selectbox(key="sweep_by:march1991").set_value("p2").run()
    at.text_input(key="sweep_by_values:march1991:p2").set_value("0.1, 0.9").run()
    at.button(key="sweep_run").click().run()
    assert not at.exception
    data = _data(at.get("vega_lite_chart")[-1])  # the sweep, under the panels over periods
    assert sorted(set(data["p1"])) == [0.1, 0.5, 0.9] and set(data["p2"]) == {"0.1", "0.9"}
    assert (data["count"] == 5).all()
    direct = run_many(load_scenario("march1991", {"p1": 0.1, "p2": 0.9}), 5).summary["equilibrium_knowledge"]
    shown = data[(data["p1"] == 0.1) & (data["p2"] == "0.9")]["mean"].iloc[0]
    assert shown == pytest.approx(direct.mean())
    at.text_input(key="sweep_by_values:march1991:p2").set_value(" , ").run()
    at.button(key="sweep_run").click().run()
    assert "give at least one value" in at.error[0].value


def test_a_reference_scenario_uploaded_on_explore_is_sent_to_its_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.sidebar.text_area[0].set_value('model = "march1991"\np1 = 0.2\n').run()
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert "runs on the 'march1991' model; open it on the Reference models page" in at.sidebar.error[0].value
    assert at.session_state["base_label"] == "b2b_activation"


def test_a_pasted_reference_scenario_becomes_the_base_and_bad_ones_show_their_message():
    at = _page()
    at.sidebar.text_area(key="ref_pasted").set_value('name = "mine"\nmodel = "nk_departments"\nK = 1\n').run()
    at.sidebar.button(key="ref_use_pasted").click().run()
    assert not at.exception
    assert at.session_state["ref_model"] == "nk_departments"
    assert at.session_state["ref_preset:nk_departments"] == "uploaded: mine"
    assert at.sidebar.number_input(key="ref:uploaded: mine:K").value == 1
    expected = run_many(load_scenario("nk_departments", {"K": 1}), 40).summary
    assert _percent(_metric(at, "Firm performance").value) == pytest.approx(expected["performance"].mean(), abs=1e-3)
    for text, fragment in [
        ('model = "march1991"\np1 = 2\n', "p1: Input should be less than or equal to 1"),
        ("weeks = 10\n", "runs on the alignment model; open it on the Explore page"),
    ]:
        at.sidebar.text_area(key="ref_pasted").set_value(text).run()
        at.sidebar.button(key="ref_use_pasted").click().run()
        assert not at.exception and fragment in at.sidebar.error[0].value
        assert at.session_state["ref_preset:nk_departments"] == "uploaded: mine"  # nothing changed


def test_a_run_too_large_for_the_page_is_refused_with_the_field_and_the_cli_command():
    at = _page()
    at.sidebar.number_input(key="ref:march1991:n").set_value(5000).run()
    assert not at.exception
    assert "more than the page runs at once" in at.error[0].value
    assert "alignsim run march1991 --set n=5000" in at.error[0].value and "--seeds 40" in at.error[0].value


def test_the_page_in_danish_names_models_metrics_parameters_and_units_in_danish():
    """Issue 15: the classics read in Danish: the model's description, metric names and help, the parameters'
    group and help, the run's summary, the per-seed table's headers and the numbers' style; the numbers stay."""
    at = _page()
    english = _metric(at, "The code's knowledge at the end").value
    at.sidebar.radio(key="lang_choice").set_value("da").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Gensidig læring mellem individer og en organisatorisk kode" in text
    assert any("kører til ligevægt" in c.value for c in at.caption)
    danish = _metric(at, "Kodens viden ved slutningen")
    assert danish.value == english.replace(".", ",") and "Højere er bedre" in danish.help
    assert _metric(at, "Forskellighed i opfattelser").value.endswith("%")
    p1 = at.sidebar.slider(key="ref:march1991:p1")
    assert p1.help == "socialiseringsrate: hvor hurtigt individerne lærer af koden"
    assert any(e.label == "Parametre" for e in at.sidebar.expander)
    columns = list(at.dataframe[0].value.columns)
    assert "Kodens viden ved slutningen" in columns and "Kørte perioder (perioder)" in columns
    assert "Forskellighed i opfattelser (andel)" in columns  # raw values from 0 to 1, said so
    at.sidebar.number_input(key="ref:march1991:m").set_value(300).run()  # minutes: a decimal comma to see
    at.sidebar.number_input(key="ref:march1991:n").set_value(5000).run()
    refused = at.error[0].value
    assert "mere end siden kører ad gangen" in refused and "n=5000 dimensioner" not in refused
    assert re.search(r"omkring \d+,\d (min|t)", refused) and "(5 s)" in refused  # Danish decimals and units


@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_page_says_runs_in_plain_words_not_seeds(lang):
    """Issue 24: the page read "Seeds" and "Gennemsnit over seeds" in Danish. A seed is one simulated run (these
    models have no market to simulate, as Explore's "simulated markets" do), said as the page's tiles already say
    it ("Runs that reached equilibrium", "Kørsler, der nåede ligevægt"); the numbers behind are the same."""
    at = _page()
    if lang == "da":
        at.sidebar.radio(key="lang_choice").set_value("da").run()
    at.sidebar.number_input(key="ref:march1991:n").set_value(40).run()  # an edit: differences in the same runs
    assert not at.exception
    slider = at.sidebar.slider(key="ref_seeds")
    assert slider.label == {"en": "Simulated runs (averaged)", "da": "Simulerede kørsler (i gennemsnittet)"}[lang]
    shown = [slider.label, slider.help or "", *[t.value for t in (*at.caption, *at.markdown, *at.subheader, *at.info)]]
    shown += [str(c) for c in at.dataframe[0].value.columns]
    assert not [t for t in shown if re.search(r"\bseeds?\b", t, re.IGNORECASE)]
    assert {"en": "Per run", "da": "Pr. kørsel"}[lang] in [s.value for s in at.subheader]
    assert at.dataframe[0].value.columns[0] == {"en": "run", "da": "kørsel"}[lang]
