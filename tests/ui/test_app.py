"""The Streamlit app, page by page, with AppTest: presets, levers, compare, organisation, self-assessment,
bad uploads and exports. Assertions read rendered values and chart data, not just the absence of errors."""

import functools
import json
import os
import re
import signal
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from sim import load_scenario, run_many
from sim.present import labels, verdict
from sim.runner import EnsembleResult, compare
from tests.conftest import page_markdown

ROOT = Path(__file__).resolve().parents[2]
SEEDS = 20


@functools.cache
def _direct(preset: str, **overrides) -> EnsembleResult:
    """``preset`` with ``overrides`` over the page's seeds, run directly (not by the page), once for every test of
    this module that checks the page's numbers against it (a run's results never change)."""
    return run_many(load_scenario(preset, overrides or None), SEEDS)


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def _charts(at):
    return at.get("vega_lite_chart")


def _chart_data(chart):
    """The chart's main dataset (the largest one; layered charts also carry e.g. a zero line)."""
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
    return max(frames, key=len)


def _metric(at, label):
    return next(m for m in at.metric if m.label == label)


def _lever(at, kind, label):
    return next(w for w in getattr(at.sidebar, kind) if w.label == label)


def _number(text: str) -> float:
    """The number in a shown value or difference: "+12 pts" -> 12.0, "−€1,234" -> -1234.0."""
    cleaned = text.replace("−", "-").replace(",", "")
    return float(re.search(r"[-+]?\d+(\.\d+)?", cleaned.replace("€", "")).group())


def _markdown(at) -> str:
    return page_markdown(at)


def test_explore_shows_the_default_preset_with_its_numbers_and_charts():
    at = _app()
    expected = _direct("b2b_activation").summary
    assert _metric(at, "30-day activation").value == labels.value(
        "activation_rate_30d", expected["activation_rate_30d"].mean()
    )
    revenue = _metric(at, "Revenue")
    assert revenue.value == labels.value("revenue", expected["revenue"].mean()) and revenue.value.startswith("€")
    assert "On screen: B2B activation: the article's tug of war" in _markdown(at)
    assert "30-day activation: " in _markdown(at) and "likely between" in _markdown(at)
    assert "95% CI" not in _markdown(at) and "seeds" not in _markdown(at)  # plain words for leaders
    charts = _charts(at)
    assert len(charts) == 4
    data = _chart_data(charts[0])
    assert set(data["week"]) == set(range(1, 53)) and (data["count"] == SEEDS).all()
    assert (data["low"] <= data["mean"] + 1e-12).all() and (data["mean"] <= data["high"] + 1e-12).all()
    paradox = _chart_data(charts[2])
    assert len(paradox) == SEEDS and {"output_attainment", "outcome_change"} <= set(paradox.columns)
    assert "Departments' KPI attainment" in charts[2].proto.spec


def test_picking_a_preset_changes_the_numbers():
    at = _app()
    before = _metric(at, "Context switches (per team-week)").value
    at.sidebar.selectbox[0].set_value("product_logic").run()
    assert not at.exception
    assert at.session_state["base_label"] == "product_logic"
    assert _metric(at, "Context switches (per team-week)").value != before
    assert "On screen: Product logic" in _markdown(at)


def test_a_lever_change_is_shown_against_the_preset():
    at = _app()
    _lever(at, "slider", "How much it trumps local KPIs").set_value(100).run()  # a share, shown in percent
    assert not at.exception
    text = _markdown(at)
    assert "On screen: edited B2B activation: the article's tug of war" in text
    assert "How much it trumps local KPIs: 0% → 100%" in text
    delta = _metric(at, "Team time on the shared goal").delta
    assert delta is not None and delta.endswith("pts") and _number(delta) > 10  # more time on the goal
    data = _chart_data(_charts(at)[0])
    assert set(data["scenario"]) == {"edited", "before the edit"}
    # the answer is the paired comparison, in words
    a = _direct("b2b_activation")
    b = _direct("b2b_activation", **{"leadership.trump": 1.0})
    from sim.present import answer, why

    table = compare(a, b)
    for line in answer.lines(table):
        assert line.text in text
    for sentence in why.explain(a, b, table, b.scenario).sentences():  # why it moved, under the answer
        assert sentence in text.replace("\\", "")
    link = {k: v if isinstance(v, list) else [v] for k, v in at.query_params.items()}
    assert link["set"] == ["leadership.trump=1.0"] and link["preset"] == ["b2b_activation"]


def test_where_the_team_time_went_sums_to_the_capacity_used():
    at = _app()
    data = _chart_data(_charts(at)[3])
    result = _direct("b2b_activation")
    assert {"sales", "core"} <= set(data["requester"]) and data["week"].max() == 52
    assert {"Sales", "Product team"} <= set(data["who"])  # by name, the default team by what it is
    total = data["person_weeks"].sum()
    expected = result.extra["capacity"]["person_weeks"].sum() / SEEDS
    assert total == pytest.approx(expected, rel=1e-6)


def test_bad_pasted_scenario_shows_the_message_and_keeps_the_old_scenario():
    at = _app()
    at.sidebar.text_area[0].set_value("[teams.core]\nwip_limit = -3\n").run()
    at.sidebar.button[0].click().run()
    assert not at.exception
    errors = [e.value for e in at.sidebar.error]
    assert errors and "teams.core.wip_limit" in errors[0] and "greater than or equal to 1" in errors[0]
    assert at.session_state["base_label"] == "b2b_activation"
    at.sidebar.text_area[0].set_value("this is = = not toml").run()
    at.sidebar.button[0].click().run()
    assert "malformed TOML" in at.sidebar.error[0].value


def test_good_pasted_scenario_becomes_the_base():
    at = _app()
    at.sidebar.text_area[0].set_value('name = "mine"\nextends = "data_blind"\n[leadership]\ntrump = 0.3\n').run()
    at.sidebar.button[0].click().run()
    assert not at.exception and at.session_state["base_label"] == "mine"
    assert _lever(at, "slider", "How much it trumps local KPIs").value == 30  # percent


def test_exports_are_offered():
    at = _app()
    labels = {b.label for b in at.get("download_button")} if at.get("download_button") else set()
    assert {"Scenario (TOML)", "Summary per simulated market (CSV)", "Weekly results (Parquet)"} <= labels
    at.button(key="export_prepare").click().run()
    assert not at.exception
    _name, fmt, data = at.session_state["export_image"]
    assert fmt == "png" and data.startswith(b"\x89PNG")


def test_compare_page_reports_the_paired_differences():
    at = _app()
    at.switch_page("ui/pages/compare.py").run()
    assert not at.exception
    at.multiselect(key="cmp_others").set_value(["product_logic"]).run()
    levels, table = at.dataframe[0].value, at.dataframe[1].value
    expected = compare(_direct("b2b_activation"), _direct("product_logic"))
    for m in ("activation_rate_30d", "context_switches", "revenue"):
        assert table.loc[m, "metric"] == labels.tile_title(m) and levels.loc[m, "metric"] == labels.tile_title(m)
        row = expected.loc[m]
        clear = verdict.of_row(m, row) is not verdict.Verdict.UNCLEAR  # two levels a clear difference tells apart
        digits = labels.apart(m, row["mean_a"], [row["mean_b"]]) if clear else None
        assert levels.loc[m, "B"] == labels.value(m, row["mean_b"], unit=False, digits=digits)
        # the difference with the precision its interval supports
        precision = labels.digits_for(m, row["difference"], row["ci_low"], row["ci_high"])
        shown = labels.difference(m, row["difference"], precision, unit=False)
        assert table.loc[m, "B − A"] == f"{shown} ({verdict.of_row(m, row).text})"
    assert (
        "Compared with A (B2B activation: the article's tug of war), in the same simulated markets, B (Product "
        "logic) makes" in _markdown(at)
    )
    assert len(_charts(at)) == 6  # B − A's differences, four panels over time, the delivery paradox
    link = dict(at.query_params)
    assert link["o1"] == "b2b_activation" and link["o2"] == "product_logic" and link["seeds"] == str(SEEDS)


def test_organisation_page_edits_edges_and_shows_the_effect():
    at = _app()
    at.switch_page("ui/pages/organisation.py").run()
    assert not at.exception
    spec = json.dumps(json.loads(_charts(at)[0].proto.spec))
    assert "influence" in spec and "alignment" in spec
    at.multiselect(key="org_chain:core").set_value(["legal", "marketing", "finance", "leadership"]).run()
    assert not at.exception
    lead = _metric(at, "Lead time (weeks)")
    assert _number(lead.delta) > 1.0  # a longer chain lengthens lead time
    measures = at.table[0].value  # the graph measures in words and the page's number format
    assert measures.loc["Longest approval chain (sign-offs)", "after"] == "4"
    assert measures.loc["Longest approval chain (sign-offs)", "before"] == "1"


def test_self_assessment_turns_answers_into_a_scenario_to_explore():
    at = _app()
    at.switch_page("ui/pages/self_assessment.py").run()
    assert not at.exception
    for radio in at.radio:
        if str(radio.key).startswith("q:"):  # the three questions (not the language switch)
            radio.set_value("No")
    at.run()
    assert any("nothing is measured" in m.value for m in at.markdown)
    at.button(key="explore_answers").click().run()
    assert not at.exception
    assert at.session_state["base_label"] == "self-assessment"
    assert _lever(at, "slider", "Data maturity").value == 0


def test_the_premise_is_a_lever_and_the_page_says_what_the_results_rest_on():
    """Moving an assumption moves the note and the numbers: a world where Sales' KPI is a perfect proxy."""
    at = _app()
    assert any("Rests on two assumptions" in c.value and "Sales' 20%" in c.value for c in at.caption)
    _lever(at, "slider", "How good a proxy is Sales' KPI?").set_value(100).run()
    assert not at.exception
    assert "How good a proxy is Sales' KPI?: 20% → 100%" in _markdown(at)
    assert any("Sales' 100%" in c.value for c in at.caption)


def test_compare_warns_when_the_arms_assume_different_worlds():
    at = _app()
    _lever(at, "slider", "How right are our beliefs about what works?").set_value(100).run()
    at.switch_page("ui/pages/compare.py").run()
    assert not at.exception
    assert at.multiselect(key="cmp_others").value == ["__explore__"]  # the scenario on Explore, by default
    assert any("assume different things" in w.value for w in at.warning)


@pytest.mark.parametrize(
    "text,fragment",
    [
        ('extends = ["b2b_activation"]\n', "extends: unknown scenario"),
        ("extends = {a=1}\n", "extends: unknown scenario"),
        ("v = " + "[" * 1000 + "]" * 1000 + "\n", "nested deeper than"),
        ("v = " + "{a=" * 500 + "1" + "}" * 500 + "\n", "nested deeper than"),
        ("[kinds.guided_setup.true]\nself_service = nan\n", "kinds.guided_setup.true.self_service: must be a finite"),
        ("a" + ".a" * 120_000 + " = 1\n", "more than"),
        ("[customers]\npopulation = 5000000\n", "alignsim run pasted scenario --seeds 5"),
        ("".join(f"[teams.t{i}]\n" for i in range(5000)), "more than the app runs at once"),
        ('[departments."**bold** :red[x] <b>y</b>"]\nrole = "nope"\n', "unknown or missing role"),
    ],
)
def test_hostile_pastes_show_one_message_and_keep_the_session_usable(text, fragment):
    """Issue 16's app reproducers: a message in the page (never an exception, never Markdown), the old base
    kept, and the next rerun still works."""
    at = _app()
    at.sidebar.text_area[0].set_value(text).run()
    at.sidebar.button[0].click().run()
    assert not at.exception
    error = at.sidebar.error[0].value
    assert fragment in error.replace("\\", "")
    assert "**bold**" not in error and ":red[" not in error and "<b>" not in error
    assert at.session_state["base_label"] == "b2b_activation"
    at.run()
    assert not at.exception and not any("larger than" in e.value for e in at.sidebar.error)


def test_a_run_too_long_for_the_page_runs_fewer_markets_or_is_refused_with_the_cli_command():
    """The app's cost guard: more markets than fit its budget run as the most that fit, said plainly with the
    command line for more; when not even the fewest fit (five years of a large market), the page refuses with the
    command and the scenario to download, and runs nothing."""
    from sim.input import scenario_from_toml
    from ui.results import most_markets

    text = 'name = "big"\n[customers]\npopulation = 100000\n'
    at = _app()
    at.sidebar.text_area[0].set_value(text).run()
    at.sidebar.button[0].click().run()  # some markets fit the budget, the page's 20 do not
    assert not at.exception and not at.error and at.session_state["base_label"] == "big"
    most = most_markets(scenario_from_toml(text, "big"))
    assert 5 <= most < 20 and at.sidebar.slider(key="seeds").value == most
    said = " ".join(i.value for i in at.info)
    assert "over 20 simulated markets would take about" in said and f"so it runs over {most} simulated" in said
    assert "alignsim run scenario.toml --seeds 20" in said and _charts(at)
    at.sidebar.selectbox(key="horizon").set_value(260).run()  # five years: not even 5 markets fit
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "more than the app runs at once" in errors[0]
    assert f"alignsim run scenario.toml --seeds {most}" in errors[0]
    assert "Scenario (TOML)" in {b.label for b in at.get("download_button")}
    assert not _charts(at)


def test_a_pasted_description_is_shown_as_plain_text_not_as_a_link():
    at = _app()
    at.sidebar.text_area[0].set_value('description = "[Click to claim](https://evil.example) **bold**"\n').run()
    at.sidebar.button[0].click().run()
    assert not at.exception
    shown = [c.value for c in at.caption if "Click to claim" in c.value]
    assert shown and all("\\[Click" in v and "\\*\\*bold" in v for v in shown)


def test_a_pasted_scenario_is_named_in_the_sidebar_and_the_preset_can_be_picked_again():
    """Issue 13: after an upload the sidebar showed the preset and re-picking it did nothing."""
    at = _app()
    at.sidebar.text_area[0].set_value('name = "mine"\nextends = "data_blind"\n').run()
    at.sidebar.button[0].click().run()
    assert not at.exception and at.session_state["base_label"] == "mine"
    assert at.sidebar.selectbox[0].value is None
    assert any("Your own scenario: mine" in c.value for c in at.sidebar.caption)
    assert "On screen: mine" in _markdown(at)
    at.sidebar.selectbox[0].set_value("b2b_activation").run()
    assert not at.exception and at.session_state["base_label"] == "b2b_activation"
    assert "On screen: B2B activation: the article's tug of war" in _markdown(at)


def test_a_share_link_opens_the_same_what_if_with_the_same_numbers():
    by_hand = _app()
    _lever(by_hand, "slider", "How much it trumps local KPIs").set_value(80).run()
    _lever(by_hand, "toggle", "Prioritisation is a real choice").set_value(True).run()
    link = dict(by_hand.query_params)
    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, values in link.items():
        fresh.query_params[key] = values
    fresh.run()
    assert not fresh.exception
    assert _lever(fresh, "slider", "How much it trumps local KPIs").value == 80
    assert _lever(fresh, "toggle", "Prioritisation is a real choice").value is True
    assert [(m.label, m.value, m.delta) for m in fresh.metric] == [(m.label, m.value, m.delta) for m in by_hand.metric]
    assert "On screen: edited B2B activation: the article's tug of war" in _markdown(fresh)


def test_a_bad_share_link_shows_one_message_and_opens_the_preset():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["preset"] = "b2b_activation"
    at.query_params["set"] = ["leadership.trump=7"]
    at.run()
    assert not at.exception
    assert any(e.value.startswith("link parameter set:") and "leadership.trump" in e.value for e in at.error)
    assert at.session_state["base_label"] == "b2b_activation"


def test_a_first_look_at_the_first_seeds_ends_with_the_numbers_of_all_seeds(monkeypatch):
    """When a run would keep the page waiting, Explore first shows the first seeds, then refines: the page a
    leader is left with is the same as without the first look."""
    from ui import results

    direct = _app()
    _lever(direct, "toggle", "Prioritisation is a real choice").set_value(True).run()
    monkeypatch.setattr(results, "FIRST_LOOK_AFTER_S", 0.0)
    monkeypatch.setattr(results, "_results", results._Results(results.MAX_CACHED))  # nothing cached
    looks, original = [], results.run_progressively

    def spy(*args, **kwargs):
        for step in original(*args, **kwargs):
            looks.append(len(step.seeds))
            yield step

    monkeypatch.setattr(results, "run_progressively", spy)
    refined = _app()
    _lever(refined, "toggle", "Prioritisation is a real choice").set_value(True).run()
    assert not refined.exception and "From the first" not in " ".join(c.value for c in refined.caption)
    assert [(m.label, m.value, m.delta) for m in refined.metric] == [(m.label, m.value, m.delta) for m in direct.metric]
    assert "refining" not in refined.session_state
    assert looks[-2:] == [results.FIRST_SEEDS, SEEDS]  # the first look was shown, then all seeds


def test_an_edited_scenario_is_exported_under_its_own_name_and_description():
    from sim.input import scenario_from_toml
    from sim.present.answer import description
    from ui.widgets import exported

    base = load_scenario("b2b_activation")
    edited = base.with_overrides({"leadership.real_choice": True})
    stem, shown = exported(
        edited, "edited b2b_activation", description("b2b_activation", base, {"leadership.real_choice": True})
    )
    assert stem == "edited_b2b_activation"
    again = scenario_from_toml(shown.to_toml(), "export")
    assert again.name == "edited b2b_activation"
    assert again.description == "b2b_activation with these changes: Prioritisation is a real choice: off → on."
    assert again.leadership == edited.leadership
    assert exported(load_scenario("data_blind"), "my file.toml")[0] == "my_file"


def _tiles(at):
    return [(m.label, m.value, m.delta) for m in at.metric]


def test_switching_to_danish_keeps_the_scenario_and_the_numbers():
    """The language changes words and number formats only: the same edit, the same ensemble (the cache does not
    depend on the language), every tile the same number in Danish style, and back in English the very same page."""
    from sim import i18n
    from sim.present import answer

    at = _app()
    _lever(at, "slider", "How much it trumps local KPIs").set_value(100).run()
    english = _tiles(at)
    at.sidebar.radio(key="lang_choice").set_value("da").run()
    assert not at.exception
    assert at.session_state["lever:leadership.trump"] == 100 and at.session_state["base_label"] == "b2b_activation"
    a = _direct("b2b_activation")
    b = _direct("b2b_activation", **{"leadership.trump": 1.0})
    with i18n.language("da"):
        activation = labels.value("activation_rate_30d", b.summary["activation_rate_30d"].mean())
        revenue = labels.value("revenue", b.summary["revenue"].mean())
        sentences = [line.text for line in answer.lines(compare(a, b))]
    assert _metric(at, "Aktivering inden for 30 dage").value == activation and activation.endswith("\xa0%")
    assert _metric(at, "Omsætning").value == revenue and revenue.endswith("€") and "." in revenue  # 26.724.346 €
    text = _markdown(at)
    assert "Svaret" in [h.value for h in at.subheader]
    assert "På skærmen: ændret B2B-aktivering: artiklens tovtrækkeri" in text  # the preset's Danish title
    for sentence in sentences:
        assert sentence in text  # the same paired comparison, in Danish with decimal commas
    assert at.query_params["lang"] == "da" and at.query_params["set"] == "leadership.trump=1.0"
    assert len(_tiles(at)) == len(english)
    at.sidebar.radio(key="lang_choice").set_value("en").run()
    assert _tiles(at) == english


def test_a_danish_share_link_opens_in_danish_with_the_same_numbers():
    by_hand = _app()
    by_hand.sidebar.radio(key="lang_choice").set_value("da").run()
    _lever(by_hand, "slider", "Hvor meget det trumfer de lokale KPI'er").set_value(80).run()
    link = dict(by_hand.query_params)
    assert link["lang"] == "da" and link["set"] == "leadership.trump=0.8"
    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, values in link.items():
        fresh.query_params[key] = values
    fresh.run()
    assert not fresh.exception
    assert fresh.session_state["lang"] == "da"
    assert _tiles(fresh) == _tiles(by_hand) and "Svaret" in [h.value for h in fresh.subheader]


@pytest.mark.parametrize(
    "page, heading",
    [
        ("ui/pages/compare.py", "Svaret"),
        ("ui/pages/organisation.py", "Organisation"),
        ("ui/pages/self_assessment.py", "Jeres organisation i simulatoren"),
        ("ui/pages/reference_models.py", "Pr. kørsel"),
    ],
)
def test_every_page_speaks_danish_once_chosen(page, heading):
    at = _app()
    at.sidebar.radio(key="lang_choice").set_value("da").run()
    at.switch_page(page).run()
    assert not at.exception
    assert at.session_state["lang"] == "da" and at.sidebar.radio(key="lang_choice").value == "da"
    assert heading in [h.value for h in [*at.title, *at.subheader]]


def test_a_bad_paste_is_explained_in_danish_with_the_field_as_it_is():
    at = _app()
    at.sidebar.radio(key="lang_choice").set_value("da").run()
    at.sidebar.text_area[0].set_value("[teams.core]\nwip_limit = -3\n").run()
    at.sidebar.button[0].click().run()
    assert not at.exception
    errors = [e.value for e in at.sidebar.error]
    assert errors and "teams.core.wip_limit: Værdien skal være mindst 1" in errors[0]
    assert at.session_state["base_label"] == "b2b_activation"


def test_a_share_link_with_an_unknown_language_opens_its_what_if_in_english_with_one_line():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["preset"] = "b2b_activation"
    at.query_params["set"] = ["leadership.trump=1.0"]
    at.query_params["lang"] = "xx"
    at.run()
    assert not at.exception
    assert at.session_state["lever:leadership.trump"] == 100 and at.session_state["lang"] == "en"
    errors = [e.value for e in at.error]  # the sidebar's included
    assert len(errors) == 1 and "allowed: en, da" in errors[0]


def _kill_workers(pool) -> None:
    """Kill every worker of the server's pool, as the system does when memory runs out."""
    for pid in list(pool._processes):
        os.kill(pid, signal.SIGKILL)


def test_a_killed_pool_worker_does_not_break_later_runs(monkeypatch):
    """A worker killed by the system (OOM) breaks a process pool for good; the server starts a new one."""
    from sim import load_scenario
    from ui import results

    if results.WORKERS < 2:
        pytest.skip("one core: the app runs serially, without a pool")
    monkeypatch.setattr(results, "_results", results._Results(4))  # no cached results from other tests
    text = load_scenario("b2b_activation", {"weeks": 8, "customers.population": 300}).to_toml()
    first = results._ensemble(text, 2)
    pool = results._pool()
    _kill_workers(pool)
    again = results._ensemble(text, 3)  # a new ensemble (not cached) on a new pool
    assert results._pool() is not pool
    pd.testing.assert_frame_equal(again.summary.iloc[:2], first.summary)


def test_a_killed_pool_worker_does_not_break_the_first_look_either(monkeypatch):
    """The same on Explore's path that shows the first seeds first: the page answers on a new pool, no error box
    (a full suite once hit a broken pool there: "BrokenProcessPool" in place of the answer)."""
    from ui import results

    if results.WORKERS < 2:
        pytest.skip("one core: the app runs serially, without a pool")
    monkeypatch.setattr(results, "_results", results._Results(results.MAX_CACHED))  # nothing cached from before
    at = _app()  # the preset's ensemble cached now: after the kill only the edit runs, on the first look's path
    monkeypatch.setattr(results, "FIRST_LOOK_AFTER_S", 0.0)  # every answer comes in two steps
    pool = results._pool()
    _kill_workers(pool)
    _lever(at, "toggle", "Prioritisation is a real choice").set_value(True).run()
    assert not at.exception
    assert "Prioritisation is a real choice: off → on" in _markdown(at) and at.metric
    assert results._pool() is not pool and "refining" not in at.session_state


def test_a_warm_start_puts_the_first_visits_ensemble_in_the_cache(monkeypatch):
    from sim import bundled_scenarios, load_scenario
    from ui import results

    monkeypatch.setattr(results, "_results", results._Results(results.MAX_CACHED))
    monkeypatch.setattr(results, "DEFAULT_SEEDS", 2)  # the mechanism, not the default's 20 seeds
    keys = [(load_scenario(name).to_toml(), 2) for name in bundled_scenarios("alignment")]
    assert all(results._results.get(key) is None for key in keys)
    waits = []
    start = time.perf_counter()
    spent = results._warm(lambda: (waits.append(1), time.sleep(0.2)))
    wall = time.perf_counter() - start
    assert all(results._results.get(key) is not None for key in keys)  # every preset, the first visit's too
    # what the server's finishing line reports: the wall time split into computing, waiting and the renderer
    assert len(waits) == len(keys) and spent["waiting"] >= 0.2 * len(keys)
    assert spent["presets"] > 0 and spent["renderer"] > 0
    assert sum(spent.values()) == pytest.approx(wall, rel=0.05, abs=0.05)


def test_the_presets_warmed_are_all_unless_the_environment_names_some(monkeypatch):
    from sim import bundled_scenarios
    from ui import results

    monkeypatch.delenv("ALIGNSIM_WARM_PRESETS", raising=False)
    every = results._presets()
    assert every[0] == results.DEFAULT_PRESET and sorted(every) == sorted(bundled_scenarios("alignment"))
    monkeypatch.setenv("ALIGNSIM_WARM_PRESETS", "product_logic, b2b_activation,no_such_preset")
    assert results._presets() == ["b2b_activation", "product_logic"]  # in the app's order, the first visit's first


def test_in_danish_a_pasted_scenario_and_its_errors_read_in_danish_and_files_keep_the_code_name():
    """Issue 15: a pasted scenario is "indsat scenarie", a malformed paste names line and column in Danish, a
    pydantic problem is a Danish sentence with the field's name; Compare names the edit by the preset's Danish
    title while its CSV keeps the code name."""
    at = _app()
    at.sidebar.radio(key="lang_choice").set_value("da").run()
    at.sidebar.text_area[0].set_value("weeks = 10\nfunding.mode\n").run()
    at.sidebar.button[0].click().run()
    assert not at.exception
    error = at.sidebar.error[0].value
    assert error.startswith("indsat scenarie: ugyldig TOML: Der mangler") and "(linje 2, kolonne 13)" in error
    at.sidebar.text_area[0].set_value('extends = "b2b_activation"\n[leadership]\ntrump = 2\n').run()
    at.sidebar.button[0].click().run()
    assert "leadership.trump: Værdien må højst være 1" in at.sidebar.error[0].value
    at.sidebar.text_area[0].set_value("weeks = 30\n").run()
    at.sidebar.button[0].click().run()
    assert not at.exception and at.session_state["base_label"] == "pasted scenario"
    assert "På skærmen: indsat scenarie" in _markdown(at)
    at.sidebar.radio(key="lang_choice").set_value("en").run()
    assert "On screen: pasted scenario" in _markdown(at)


def test_compare_names_the_edit_by_the_presets_title_in_each_language():
    at = _app()
    _lever(at, "slider", "How much it trumps local KPIs").set_value(100).run()
    at.switch_page("ui/pages/compare.py").run()
    assert not at.exception and at.multiselect(key="cmp_others").value == ["__explore__"]
    assert "B (edited B2B activation: the article's tug of war)" in _markdown(at)
    at.sidebar.radio(key="lang_choice").set_value("da").run()
    assert not at.exception and at.multiselect(key="cmp_others").value == ["__explore__"]  # the choice stays
    assert "B (ændret B2B-aktivering: artiklens tovtrækkeri)" in _markdown(at)


def test_a_language_switch_renames_the_chosen_options_and_keeps_them():
    """A keyed select box shows its choice by name: after a switch it is handed its value again, so the preset
    and a lever's KPI read in the new language while the choices stay the same."""
    at = _app()
    at.sidebar.radio(key="lang_choice").set_value("da").run()
    assert not at.exception and not at.warning
    assert at.session_state["preset_choice"] == "b2b_activation"
    picker = at.sidebar.selectbox(key="preset_choice")
    assert picker.value == "b2b_activation" and "B2B-aktivering: artiklens tovtrækkeri" in picker.options
    funding = at.sidebar.selectbox(key="lever:funding.mode")
    assert funding.value == "product" and funding.options == ["produktfinansiering", "projektfinansiering"]


def test_organisation_edits_stay_through_a_language_switch_and_the_scenario_is_named_by_its_title():
    at = _app()
    at.switch_page("ui/pages/organisation.py").run()
    at.multiselect(key="org_chain:core").set_value(["legal", "marketing", "finance", "leadership"]).run()
    delta = _metric(at, "Lead time (weeks)").delta
    at.sidebar.radio(key="lang_choice").set_value("da").run()
    assert not at.exception and not at.warning
    assert at.multiselect(key="org_chain:core").value == ["legal", "marketing", "finance", "leadership"]
    assert _metric(at, "Gennemløbstid (uger)").delta.replace(",", ".") == delta
    assert any("B2B-aktivering: artiklens tovtrækkeri" in c.value for c in at.caption)
