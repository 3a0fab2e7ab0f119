"""The levers the app offers: every path exists, has help, and round-trips through overrides."""

import pytest

from sim import bundled_scenarios, load_scenario
from sim.present.levers import get_value, levers_for


@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_every_lever_path_exists_and_accepts_its_current_value(name):
    s = load_scenario(name)
    levers = levers_for(s)
    assert len({lever.path for lever in levers}) == len(levers)
    for lever in levers:
        value = get_value(s, lever.path)
        assert lever.help and lever.label
        assert s.with_overrides({lever.path: value}) == s
        if lever.widget in ("select",):
            assert value in lever.options
        if lever.widget in ("slider", "int") and value is not None:
            assert lever.low <= value <= lever.high, lever.path


def test_the_issue_levers_are_offered():
    paths = {lever.path for lever in levers_for(load_scenario("b2b_activation"))}
    for path in [
        "leadership.shared_criterion",
        "leadership.trump",
        "departments.sales.alignment",
        "departments.sales.influence",
        "departments.sales.kpi",
        "funding.mode",
        "departments.data_analytics.maturity",
        "teams.core.capacity",
        "teams.core.wip_limit",
        "departments.marketing.campaign_start_week",
        "teams.core.approval_chain",
    ]:
        assert path in paths


def test_levers_follow_the_scenario_s_teams(tmp_path):
    path = tmp_path / "two.toml"
    path.write_text("[teams.growth]\n[teams.platform]\n")
    paths = {lever.path for lever in levers_for(load_scenario(path))}
    assert "teams.growth.wip_limit" in paths and "teams.platform.wip_limit" in paths
    assert "teams.core.wip_limit" not in paths


def test_the_premise_is_offered_as_levers_with_help():
    """The named assumptions are levers: how good a proxy each department's KPI is, and how right beliefs are."""
    levers = {lever.path: lever for lever in levers_for(load_scenario("b2b_activation"))}
    assert levers["assumptions.folk_wisdom"].group == "Assumptions (the premise)"
    sales = levers["assumptions.kpi_proxy.sales"]
    assert sales.label == "How good a proxy is Sales' KPI?" and "key-account" in sales.help
    assert levers["assumptions.kpi_proxy.finance"].label == "How good a proxy is Finance's KPI?"
    assert {p for p in levers if p.startswith("assumptions.kpi_proxy.")} == {
        f"assumptions.kpi_proxy.{r}"
        for r in ("sales", "marketing", "customer_success", "customer_support", "finance", "legal")
    }


def test_levers_presets_and_stories_in_danish():
    from sim.i18n import language
    from sim.present.levers import PRESET_NAMES, preset_name, preset_story

    with language("da"):
        levers = {lever.path: lever for lever in levers_for(load_scenario("b2b_activation"))}
        story = preset_story(load_scenario("b2b_activation").description)
        names = {n: preset_name(n) for n in bundled_scenarios()}
    assert levers["leadership.shared_criterion"].label == "Fælles succeskriterium"
    assert levers["leadership.trump"].label == "Hvor meget det trumfer de lokale KPI'er"
    assert levers["departments.sales.alignment"].label == "Salg: vægt på det fælles mål"
    assert levers["teams.core.capacity"].label == "Produktteam: personer"  # the team by what it is, not "core"
    assert levers["assumptions.kpi_proxy.sales"].label == "Hvor god en proxy er Salgs KPI?"
    assert levers["assumptions.kpi_proxy.customer_success"].label == "Hvor god en proxy er Kundesucces' KPI?"
    assert levers["assumptions.folk_wisdom"].group == "Antagelser (præmissen)"
    assert story.startswith("Artiklens tovtrækkeri: teamet vil have aktivering")
    assert set(PRESET_NAMES) == set(bundled_scenarios())  # every preset has a name for people
    assert names["product_logic"] == "Produktlogik" and names["project_logic"] == "Projektlogik"
    assert preset_name("my_org") == "my_org" and preset_story("") == ""  # other scenarios keep their own
    assert levers_for(load_scenario("b2b_activation"))[0].label == "Shared success criterion"  # English again


def test_a_role_s_levers_edit_the_department_named_after_it_else_the_first_of_that_role():
    from sim.input import scenario_from_toml

    growth = '[departments.growth]\nrole = "marketing"\n'
    both = {lever.path for lever in levers_for(scenario_from_toml(growth))}  # the default marketing too
    assert "departments.marketing.campaign_lift" in both and "departments.growth.campaign_lift" not in both
    only = {
        lever.path
        for lever in levers_for(
            scenario_from_toml(
                "default_departments = false\n" + growth + '[departments.brand]\nrole = "marketing"\n'
                "[teams.core]\napproval_chain = []\n"
            )
        )
    }
    assert "departments.growth.campaign_lift" in only and "departments.brand.campaign_lift" not in only


def test_shares_are_levers_in_percent_and_values_read_in_words_with_their_unit():
    levers = {lever.path: lever for lever in levers_for(load_scenario("b2b_activation"))}
    trump = levers["leadership.trump"]
    assert trump.percent and trump.to_widget(0.8) == 80 and trump.from_widget(80) == 0.8
    assert trump.text(0.8) == "80%" and "0%" in trump.help and "docs/" not in trump.help
    assert levers["departments.marketing.campaign_lift"].text(1.5) == "150%"
    assert levers["teams.core.capacity"].label == "Product team: people" and not levers["teams.core.capacity"].percent
    assert levers["teams.core.approval_chain"].text(["legal", "finance"]) == "Legal, Finance"
    assert levers["leadership.shared_criterion"].text("churn_rate") == "Churn"
    assert "features_delivered" not in levers["leadership.shared_criterion"].help
    for lever in levers.values():  # no code names or file paths in what a leader reads
        assert "docs/" not in lever.help and "_" not in lever.label, lever.path


def test_the_horizon_is_one_two_three_or_five_years_for_both_scenarios_not_a_lever():
    """A lever edits only the edited scenario; the horizon is the page's: an edit over two years against the
    scenario over one would double the money and call it the edit's."""
    from sim.present.levers import at_horizon, horizon_text, horizons

    base = load_scenario("b2b_activation")
    assert "weeks" not in {lever.path for lever in levers_for(base)}
    assert horizons(base) == (52, 104, 156, 260)
    assert [horizon_text(w) for w in horizons(base)] == ["1 year", "2 years", "3 years", "5 years"]
    longer = load_scenario("b2b_activation", {"weeks": 80})
    assert 80 in horizons(longer) and horizon_text(80) == "80 weeks"  # its own horizon stays offered
    assert at_horizon(base, 104) == load_scenario("b2b_activation", {"weeks": 104})
    assert at_horizon(base, None) is base and at_horizon(base, 52) is base


def test_a_dotted_path_is_read_where_it_is_written():
    from sim.input.paths import get_path, set_path

    data = {"a": {"b": {"c": 1}}}
    set_path(data, "a.b.c", 2)
    assert get_path(data, "a.b.c") == 2
    with pytest.raises(KeyError, match="a.x"):
        get_path(data, "a.x")
