"""Workshop views for managers: labels and units, tables without NaN, the handout (A4, phone, escaped)."""

import datetime as dt
import re

from sim.present.levers import department_name
from sim.workshop.replay import over_seeds, own_kpi_decisions, replay, table_paths, team_time
from sim.workshop.report import (
    decisions_table,
    explain,
    format_value,
    handout_html,
    kpi_table,
    seeds_table,
    target_text,
)
from sim.workshop.rules import TEMPLATES, Decision

DEPTS = TEMPLATES["b2b_activation"]["departments"]
SWITCH = (("shared_criterion", 2),)


def test_values_carry_human_units():
    assert format_value("activation_rate_30d", 0.423) == "42%"
    assert format_value("onboarding_calls", 14.25) == "14.2 calls a week"
    assert format_value("milestones_on_plan_rate", float("nan")) == "no data"
    assert target_text("milestones_on_plan_rate", 0.9) == "target: at least 90%"  # not "0.9 a week"
    assert target_text("support_contacts_per_customer", 0.45).startswith("target: at most 0.45 contacts")
    assert explain("leads").startswith("New leads: New leads entering the funnel.")
    assert explain("leads").endswith("so more is not better by itself.")  # an output: the one verdict


def test_tables_have_words_not_nan():
    r = replay("b2b_activation", 3, 4, {(0, "sales"): Decision("own KPI", "many", True)})
    table = kpi_table(r)
    assert not table.isna().any().any() and "None" not in table.to_string()
    assert "kpi_attainment" not in table.columns and "Share of target" in table.columns
    decisions = decisions_table(r)
    assert list(decisions.columns) == sorted(department_name(d) for d in DEPTS)
    assert decisions.loc[1, "Sales"].startswith("push own KPI, many demands")
    assert decisions.loc[2, "Sales"] == "played by the model"


def test_seeds_table_gives_a_verdict_only_when_the_interval_excludes_zero():
    """Which way is better comes from the metric's registry (the one verdict): a rise of churn is worse, of an
    output only more output."""
    row = {"difference": 0.02, "ci_low": 0.01, "ci_high": 0.03, "seeds": 30}
    flat = dict(row, ci_low=-0.01)
    t = seeds_table({"Table 1": row, "Table 2": flat}, "activation_rate_30d")
    assert t["Verdict"].tolist() == ["better than own KPIs", "no clear difference"]
    assert t.iloc[0, 1] == "+2.0 points"
    assert seeds_table({"Table 3": row}, "churn_rate")["Verdict"].tolist() == ["worse than own KPIs"]
    assert seeds_table({"Table 4": row}, "features_delivered")["Verdict"].tolist() == ["more output than own KPIs"]


def test_the_handout_is_complete_escaped_and_printable():
    decisions = {(r, d): Decision("shared goal", "few", False) for r in range(4) for d in DEPTS}
    r = replay("b2b_activation", 7, 4, decisions, SWITCH, players={"sales": "<img src=x onerror=alert(1)>"})
    own = replay("b2b_activation", 7, 4, own_kpi_decisions("b2b_activation"), SWITCH)
    page = handout_html(
        "ABC234",
        "B2B",
        1,
        r,
        team_time("b2b_activation", 7, 4, decisions, SWITCH),
        SWITCH,
        own,
        table_paths("b2b_activation", 7, 4, {1: decisions}, SWITCH),
        {"Table 1": over_seeds("b2b_activation", 4, decisions, SWITCH, seeds=4)},
        when=dt.date(2026, 11, 25),
    )
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "25 November 2026" in page and "size: A4" in page and 'name="viewport"' in page
    for section in (
        "Decisions per round",
        "Tables compared",
        "Decisions or luck?",
        "What the numbers mean",
        "Three questions",
        "A shared success criterion that trumps local KPIs</b> from round 3",
    ):
        assert section in page
    assert page.count("<svg") >= 3
    decisions = page[page.index("Decisions per round") : page.index("Round by round")]
    assert "<th>Round</th>" in decisions and "<th>Department</th>" not in decisions  # no stray header
    text = re.sub(r"<svg.*?</svg>", "", page, flags=re.S)
    assert not re.search(r"\bNaN\b|\bNone\b|kpi_attainment|shared_outcome|a week\W+target", text)
    assert "no data this round: no milestone was due" in text


def test_each_half_of_the_round_chart_keeps_its_own_colours():
    """Departments' lines must not be coloured by the outcome half's two-entry scale (they vanished once)."""
    from sim.workshop.report import outcome_chart

    r = replay("b2b_activation", 3, 2, {})
    spec = outcome_chart(r, SWITCH, r).to_dict()
    assert spec["resolve"]["scale"]["color"] == "independent"
    left = spec["hconcat"][0]["layer"][0]
    assert left["encoding"]["color"]["field"] == "Department"
    outcome = spec["hconcat"][1]["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert not set(outcome) & set(left["encoding"]["color"]["scale"]["domain"])


def test_a_department_has_the_apps_colour_in_the_workshop_charts_in_every_language():
    """Issue 24: the debrief's and the handout's department colours came from Vega's palette in the order of the
    names, so Sales was green in English and pink in Danish, and neither was its colour in the app's charts. Each
    department now keeps the app's one colour (``charts.requester_colour``), as the team-time chart has it."""
    from sim.i18n import language
    from sim.present.charts import capacity, requester_colour
    from sim.workshop.report import outcome_chart

    r = replay("b2b_activation", 3, 2, {})
    spent = team_time("b2b_activation", 3, 2, {})
    seen = {}
    for lang in ("en", "da"):
        with language(lang):
            scale = outcome_chart(r, SWITCH, r).to_dict()["hconcat"][0]["layer"][0]["encoding"]["color"]["scale"]
            team = capacity(spent).to_dict()["encoding"]["color"]["scale"]
            names = {department_name(d): d for d in set(r["department"])}
        colours = dict(zip(scale["domain"], scale["range"]))
        assert set(colours) == set(names)  # every department at the table, by its name in the language
        seen[lang] = {names[name]: colour for name, colour in colours.items()}
        app = dict(zip(team["domain"], team["range"]))
        for name, colour in colours.items():
            assert colour == requester_colour(names[name])
            if name in app:  # the same colour in the chart of where the team's time went
                assert app[name] == colour
    assert seen["en"] == seen["da"] and len(set(seen["en"].values())) == len(seen["en"])


def test_the_handouts_charts_read_on_a_phone():
    """Issue 24: the phone handout was unreadable: both halves of the round chart in one drawing, shrunk to a
    phone's width. Each chart is now a drawing of its own, no wider than a phone's screen (so a phone shows it at
    its size, one under the other, and A4 two side by side), with type of at least 12 px."""
    decisions = {(r, d): Decision("shared goal", "few", False) for r in range(4) for d in DEPTS}
    r = replay("b2b_activation", 7, 4, decisions, SWITCH)
    page = handout_html(
        "ABC234",
        "B2B",
        1,
        r,
        team_time("b2b_activation", 7, 4, decisions, SWITCH),
        SWITCH,
        replay("b2b_activation", 7, 4, own_kpi_decisions("b2b_activation"), SWITCH),
        table_paths("b2b_activation", 7, 4, {1: decisions}, SWITCH),
    )
    widths = [float(w) for w in re.findall(r'<svg[^>]*?width="([\d.]+)"', page)]
    assert len(widths) == 4 and max(widths) <= 360  # own KPIs, shared outcome, tables compared, team time
    assert 2 * max(widths[:2]) + 24 <= 190 / 25.4 * 96  # the round's two charts side by side on A4 (190 mm)
    sizes = {float(x) for x in re.findall(r'font-size="([\d.]+)px"', page)}
    assert sizes and min(sizes) >= 12
    charts = page[page.index("<div class=charts>") :]
    assert charts.index("Each department") < charts.index("The shared outcome") < charts.index("</div></div>")


def test_a_round_without_a_decision_is_played_by_the_model_as_the_template_has_it():
    """A decision holds for its round only: in the next round without one, the model plays the template's Sales."""
    from sim.input import load_scenario
    from sim.workshop.replay import _play

    template = load_scenario("b2b_activation").departments["sales"]
    _, model = _play("b2b_activation", 3, 2, {(0, "sales"): Decision("shared goal", "many", False)})
    sales = model.departments_by_name["sales"].cfg
    assert sales.alignment == template.alignment and sales.demand_rate == template.demand_rate
    assert sales.max_open_promises == template.max_open_promises
    _, model = _play("b2b_activation", 3, 1, {(0, "sales"): Decision("shared goal", "many", False)})
    assert model.departments_by_name["sales"].cfg.alignment != template.alignment  # the decision did apply


def test_values_and_tables_read_in_danish():
    from sim.i18n import language

    with language("da"):
        assert format_value("activation_rate_30d", 0.423).replace("\xa0", " ") == "42 %"
        assert format_value("onboarding_calls", 14.25) == "14,2 opkald om ugen"
        assert format_value("deals_closed", 1234.5) == "1.234 salg om ugen"
        assert target_text("milestones_on_plan_rate", 0.9).replace("\xa0", " ") == "mål: mindst 90 %"
        assert explain("leads") == (
            "Nye leads: Nye leads, der kommer ind i tragten. Et output: det tæller, hvad der blev leveret, ikke hvad "
            "kunderne fik, så mere er ikke bedre i sig selv."
        )
        assert explain("churn_rate").endswith("Lavere er bedre.")
        r = replay("b2b_activation", 3, 2, {(0, "sales"): Decision("own KPI", "many", True)})
        table = kpi_table(r)
        assert list(table.columns)[:3] == ["Runde", "Afdeling", "Spillet af"]
        assert set(table["Afdeling"]) == {"Salg", "Marketing", "Kundesucces", "Kundesupport", "Økonomi"}
        decisions = decisions_table(r)
        assert decisions.loc[1, "Salg"].startswith("vægt: egen KPI, bestillinger: mange")
        assert decisions.loc[2, "Salg"] == "spillet af modellen"
        row = {"difference": 0.021, "ci_low": 0.011, "ci_high": 0.031, "seeds": 30}
        seeds = seeds_table({"Bord 1": row}, "activation_rate_30d")
        assert seeds.iloc[0].tolist() == [
            "Bord 1",
            "+2,1 point",
            "+1,1 point til +3,1 point",
            30,
            "bedre end egne KPI'er",
        ]
    # the same replay asked for in English is not the Danish one from the cache
    english = replay("b2b_activation", 3, 2, {(0, "sales"): Decision("own KPI", "many", True)})
    assert decisions_table(english).loc[1, "Sales"].startswith("push own KPI")


def test_the_handout_in_danish_has_danish_dates_numbers_and_the_articles_words():
    from sim.i18n import language

    decisions = {(r, d): Decision("shared goal", "few", False) for r in range(2) for d in DEPTS}
    with language("da"):
        r = replay("b2b_activation", 7, 2, decisions, SWITCH)
        page = handout_html(
            "ABC234",
            "Tovtrækkeriet om B2B-aktivering",
            1,
            r,
            team_time("b2b_activation", 7, 2, decisions, SWITCH),
            SWITCH,
            when=dt.date(2026, 11, 25),
        )
    text = re.sub(r"<svg.*?</svg>", "", page, flags=re.S)
    assert '<html lang="da">' in text and "25. november 2026" in text and "2 runder på hvert sit kvartal" in text
    for words in (
        "Vi har leveret alt det, vi sagde, vi ville. Hvorfor kan vi ikke se effekten?",
        "Tre spørgsmål til jeres organisation",
        "Bliver teams målt og styret på outcome",
        "Et fælles succeskriterium, der trumfer de lokale KPI&#x27;er</b> fra runde 3",
        "Beslutninger pr. runde",
        "Hvad tallene betyder",
    ):
        assert words in text, words
    for english in (
        "Decisions per round",
        "Three questions",
        "What the numbers mean",
        "rounds of a quarter",
        "played by the model",
        "no data",
        "target:",
    ):
        assert english not in text, english
    assert re.search(r"\d+\xa0%", text)  # percentages the Danish way


def test_charts_use_the_languages_number_format():
    from sim.i18n import language
    from sim.workshop.report import outcome_chart, tables_chart

    r = replay("b2b_activation", 3, 2, {})
    paths = table_paths("b2b_activation", 3, 2, {1: {}})
    assert "locale" not in outcome_chart(r, SWITCH, r).to_dict().get("config", {})  # English: Vega's own
    with language("da"):
        for chart in (outcome_chart(r, SWITCH, r), tables_chart(paths, "activation_rate_30d", SWITCH)):
            number = chart.to_dict()["config"]["locale"]["number"]
            assert number["decimal"] == "," and number["thousands"] == "."
