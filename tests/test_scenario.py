"""Scenario schema, bundled presets, overrides and the messages for bad input."""

import tomllib

import pytest

from sim import Scenario, ScenarioError, bundled_scenarios, load_scenario, scenario_from_toml
from sim.registry import get_model
from sim.scenario import MAX_FILE_BYTES, parse_override, scenario_model

PRESETS = ["project_logic", "product_logic", "b2b_activation", "partial_transformation", "self_service_launch",
           "project_to_product_funding", "data_blind", "campaign_before_onboarding", "long_approval_chain"]


def test_every_required_preset_is_bundled_with_a_description():
    bundled = bundled_scenarios()
    for name in PRESETS:
        assert name in bundled
        scenario = load_scenario(name)
        assert scenario.name == name
        assert scenario.description, name
        assert bundled[name].read_text().lstrip().startswith("#"), f"{name} has no comment header"


def test_default_organisation_has_the_design_departments():
    s = Scenario()
    roles = {d.role for d in s.departments.values()}
    assert roles == {"leadership", "sales", "marketing", "customer_success", "customer_support", "finance",
                     "legal", "ux_design", "data_analytics", "hr"}
    assert s.weeks == 52 and 1 <= len(s.teams) <= 3


def test_extends_inherits_and_overrides():
    base, child = load_scenario("b2b_activation"), load_scenario("product_logic")
    assert child.leadership.trump == 0.9 and base.leadership.trump == 0.0
    assert child.departments["sales"].max_open_promises == base.departments["sales"].max_open_promises


def test_dotted_overrides_reach_any_value():
    s = load_scenario("b2b_activation").with_overrides(
        {"departments.sales.alignment": 0.9, "customers.population": 100000, "teams.core.wip_limit": 5})
    assert s.departments["sales"].alignment == 0.9
    assert s.customers.population == 100000
    assert s.teams["core"].wip_limit == 5


def test_overrides_leave_the_original_untouched():
    s = load_scenario("b2b_activation")
    s.with_overrides({"leadership.trump": 1.0})
    assert s.leadership.trump == 0.0


@pytest.mark.parametrize("text,expected", [
    ("a.b=0.9", ("a.b", 0.9)), ("a=3", ("a", 3)), ("a=true", ("a", True)), ("a=word", ("a", "word")),
    ('a=["x", "y"]', ("a", ["x", "y"])), ("a = 2 ", ("a", 2)),
])
def test_parse_override(text, expected):
    assert parse_override(text) == expected


def test_resolved_toml_round_trips():
    for name in PRESETS:
        s = load_scenario(name)
        again = scenario_from_toml(s.to_toml())
        assert again == s, name


@pytest.mark.parametrize("overrides,fragments", [
    ({"departments.salez.alignment": 1}, ["unknown department 'salez'", "sales", "marketing"]),
    ({"departments.sales.alignmnt": 1}, ["unknown field 'alignmnt'", "alignment"]),
    ({"departments.sales.alignment": 1.5}, ["departments.sales.alignment", "less than or equal to 1"]),
    ({"leadership.shared_criterion": "vibes"}, ["leadership.shared_criterion", "unknown metric", "activation_rate_30d"]),
    ({"departments.sales.kpi": "vibes"}, ["departments.sales.kpi", "outcome_index"]),
    ({"funding.mode": "grant"}, ["funding.mode", "'product'", "'project'"]),
    ({"teams.core.approval_chain": ["legal", "ghost"]}, ["teams.core.approval_chain", "ghost", "legal"]),
    ({"departments.sales.requests.ghost": 1}, ["departments.sales.requests", "ghost", "core"]),
    ({"weeks": 0}, ["weeks", "greater than or equal to 1"]),
    ({"customers.population": "many"}, ["customers.population", "integer"]),
    ({"model": "march"}, ["model", "alignment"]),
])
def test_bad_overrides_name_field_and_allowed_values(overrides, fragments):
    with pytest.raises(ScenarioError) as err:
        load_scenario("b2b_activation", overrides)
    for fragment in fragments:
        assert fragment in str(err.value)


def test_unknown_scenario_lists_the_bundled_ones():
    with pytest.raises(ScenarioError, match="bundled scenarios: .*b2b_activation"):
        load_scenario("nope")


def test_malformed_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("weeks = \n")
    with pytest.raises(ScenarioError, match="malformed TOML"):
        load_scenario(path)


def test_unknown_field_in_file_lists_allowed_fields(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[teams.core]\nspeed = 3\n")
    with pytest.raises(ScenarioError, match=r"teams\.core\.speed: unknown field; allowed: capacity, wip_limit"):
        load_scenario(path)


def test_unknown_role(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[departments.wizards]\nrole = "magic"\n')
    with pytest.raises(ScenarioError, match="departments.wizards: unknown or missing role; allowed roles: leadership"):
        load_scenario(path)


def test_approval_cycle_is_refused(tmp_path):
    path = tmp_path / "cycle.toml"
    path.write_text('[teams.a]\napproval_chain = ["legal", "marketing"]\n'
                    '[teams.b]\napproval_chain = ["marketing", "legal"]\n')
    with pytest.raises(ScenarioError, match="cycle: (legal -> marketing -> legal|marketing -> legal -> marketing)"):
        load_scenario(path)


def test_extends_cycle_is_refused(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="extends: cycle"):
        load_scenario(tmp_path / "a.toml")


def test_custom_teams_replace_the_default_team(tmp_path):
    path = tmp_path / "two.toml"
    path.write_text('[teams.growth]\n[teams.platform]\n[teams.growth.depends_on]\nplatform = 0.3\n')
    s = load_scenario(path)
    assert set(s.teams) == {"growth", "platform"}
    assert s.request_weights("sales") == {"growth": 1.0, "platform": 1.0}


def test_oversized_upload_is_refused_before_parsing():
    with pytest.raises(ScenarioError, match="larger than"):
        scenario_from_toml("#" * (MAX_FILE_BYTES + 1))


def test_upload_may_extend_only_bundled_scenarios():
    with pytest.raises(ScenarioError, match="extends: unknown scenario '/etc/passwd'"):
        scenario_from_toml('extends = "/etc/passwd"\n')
    assert scenario_from_toml('extends = "data_blind"\n').departments["data_analytics"].maturity == 0.0


def test_bundled_files_are_valid_toml_with_only_known_top_level_keys():
    for path in bundled_scenarios().values():
        allowed = set(get_model(scenario_model(path)).schema().model_fields) | {"extends"}
        assert set(tomllib.loads(path.read_text())) <= allowed, path.name


def test_uploaded_bytes_are_size_checked_and_decoded():
    from sim.scenario import scenario_from_bytes

    with pytest.raises(ScenarioError, match="larger than 256 KiB"):
        scenario_from_bytes(b"#" * (MAX_FILE_BYTES + 1), "big.toml")
    with pytest.raises(ScenarioError, match="not a UTF-8 text file"):
        scenario_from_bytes(b"\xff\xfe\x00weeks = 3", "binary.toml")
    with pytest.raises(ScenarioError, match="up.toml: weeks"):
        scenario_from_bytes(b"weeks = -1\n", "up.toml")
    assert scenario_from_bytes(b'extends = "data_blind"\nweeks = 12\n', "ok.toml").weeks == 12


# ---------------------------------------------------------------- one schema per model


def test_the_model_key_picks_the_schema_and_unknown_models_are_named():
    march = scenario_from_toml('model = "march1991"\np1 = 0.1\n')
    assert type(march).__name__ == "MarchScenario" and march.p1 == 0.1 and march.m == 30
    assert type(scenario_from_toml("weeks = 3\n")) is Scenario  # no model: the alignment model
    with pytest.raises(ScenarioError, match="model: unknown model 'nope'; registered: alignment, march1991, "
                                            "nk_departments"):
        scenario_from_toml('model = "nope"\n')


def test_reference_model_fields_are_checked_with_their_own_schema():
    with pytest.raises(ScenarioError, match=r"p9: unknown field; allowed: name, description, model, m, n, p1"):
        scenario_from_toml('model = "march1991"\np9 = 0.1\n')
    with pytest.raises(ScenarioError, match="weeks: unknown field"):
        load_scenario("march1991", {"weeks": 10})
    with pytest.raises(ScenarioError, match=r"interaction: Input should be 'block', 'random' or 'full'"):
        load_scenario("nk_departments", {"interaction": "matrix"})
    with pytest.raises(ScenarioError, match=r"K: with interaction = \"block\" .* K must be 0..4, got 5"):
        load_scenario("nk_departments", {"interaction": "block", "K": 5})


def test_presets_can_be_listed_per_model_and_extends_keeps_the_model():
    assert set(bundled_scenarios("march1991")) == {"march1991", "march1991_turnover", "march1991_turbulence"}
    assert "b2b_activation" in bundled_scenarios("alignment")
    assert not set(bundled_scenarios("alignment")) & set(bundled_scenarios("nk_departments"))
    assert scenario_model("nk_departments_rubber_stamp") == "nk_departments"
    turnover = load_scenario("march1991_turnover")
    assert (turnover.model, turnover.p3, turnover.m) == ("march1991", 0.1, 30)
    assert scenario_from_toml(turnover.to_toml()) == turnover  # TOML round trip
