"""The scenario schema: defaults, bounds (declared once, inherited by every role), finite floats, references.

Reading files, extends and overrides are the input boundary's: tests/input/test_input.py.
"""

import math
from typing import get_args

import pytest
from pydantic import BaseModel

from sim import Scenario, ScenarioError, bundled_scenarios, load_scenario, scenario_from_toml
from sim.scenario import ROLES, _DepartmentSettings

PRESETS = [
    "project_logic",
    "product_logic",
    "b2b_activation",
    "partial_transformation",
    "self_service_launch",
    "project_to_product_funding",
    "data_blind",
    "campaign_before_onboarding",
    "long_approval_chain",
]


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
    assert roles == {
        "leadership",
        "sales",
        "marketing",
        "customer_success",
        "customer_support",
        "finance",
        "legal",
        "ux_design",
        "data_analytics",
        "hr",
    }
    assert s.weeks == 52 and 1 <= len(s.teams) <= 3


def test_approval_cycle_is_refused(tmp_path):
    path = tmp_path / "cycle.toml"
    path.write_text(
        '[teams.a]\napproval_chain = ["legal", "marketing"]\n[teams.b]\napproval_chain = ["marketing", "legal"]\n'
    )
    with pytest.raises(ScenarioError, match="cycle: (legal -> marketing -> legal|marketing -> legal -> marketing)"):
        load_scenario(path)


def test_custom_teams_replace_the_default_team(tmp_path):
    path = tmp_path / "two.toml"
    path.write_text("[teams.growth]\n[teams.platform]\n[teams.growth.depends_on]\nplatform = 0.3\n")
    s = load_scenario(path)
    assert set(s.teams) == {"growth", "platform"}
    assert s.request_weights("sales") == {"growth": 1.0, "platform": 1.0}


# ---------------------------------------------------------------- one schema per model


def test_reference_model_fields_are_checked_with_their_own_schema():
    with pytest.raises(ScenarioError, match=r"p9: unknown field; allowed: name, description, model, m, n, p1"):
        scenario_from_toml('model = "march1991"\np9 = 0.1\n')
    with pytest.raises(ScenarioError, match="weeks: unknown field"):
        load_scenario("march1991", {"weeks": 10})
    with pytest.raises(ScenarioError, match=r"interaction: Input should be 'block', 'random' or 'full'"):
        load_scenario("nk_departments", {"interaction": "matrix"})
    with pytest.raises(ScenarioError, match=r"K: with interaction = \"block\" .* K must be 0..4, got 5"):
        load_scenario("nk_departments", {"interaction": "block", "K": 5})


# ---------------------------------------------------------------- bounds and finite numbers


def _metadata(field) -> list:
    return [repr(m) for m in field.metadata]


@pytest.mark.parametrize("role", list(ROLES))
def test_every_role_keeps_the_bounds_of_the_fields_it_inherits(role):
    cls = ROLES[role]
    for name, base_field in _DepartmentSettings.model_fields.items():
        field = cls.model_fields[name]
        assert _metadata(field) == _metadata(base_field), f"{cls.__name__}.{name} dropped its bounds"
        assert field.annotation == base_field.annotation, f"{cls.__name__}.{name}"


@pytest.mark.parametrize(
    "path,value",
    [
        ("departments.sales.requests.*", -5),
        ("departments.sales.requests.*", math.nan),
        ("departments.sales.requests.*", math.inf),
        ("departments.sales.requests.*", 96026945),
        ("departments.marketing.requests.core", -1),
        ("departments.sales.target", -5),
        ("departments.sales.target", math.nan),
        ("departments.finance.demand_rate", 1e9),
        ("departments.legal.review_capacity", 0),
        ("customers.acv", math.inf),
    ],
)
def test_out_of_range_values_in_role_fields_are_refused(path, value):
    with pytest.raises(ScenarioError, match=path.rsplit(".", 1)[0].replace(".", r"\.").replace("*", r"\*")):
        load_scenario("b2b_activation", {path: value})


def _float_paths(node, prefix=""):
    """Dotted paths of every float in a resolved scenario (derived from the data, not listed by hand)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _float_paths(value, f"{prefix}{key}.")
    elif isinstance(node, float):
        yield prefix.rstrip(".")


def test_every_float_refuses_nan_and_inf_with_the_field_named():
    scenario = load_scenario("b2b_activation")
    paths = list(_float_paths(scenario.model_dump(mode="python")))
    assert len(paths) > 50
    for path in paths:
        for bad in (math.nan, -math.inf):
            with pytest.raises(ScenarioError) as err:
                scenario.with_overrides({path: bad})
            assert path.replace(".*", ".*") in str(err.value) and "finite" in str(err.value), (path, str(err.value))


def _models(cls, seen=None):
    """Every pydantic model reachable from ``cls``'s fields."""
    seen = seen if seen is not None else set()
    if cls in seen:
        return seen
    seen.add(cls)
    for field in cls.model_fields.values():
        stack = [field.annotation]
        while stack:
            ann = stack.pop()
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                _models(ann, seen)
            stack.extend(get_args(ann))
    return seen


def test_every_model_of_every_schema_refuses_nan():
    from sim.registry import MODELS

    for spec in MODELS.values():
        for cls in _models(spec.schema()):
            assert cls.model_config.get("allow_inf_nan") is False, f"{spec.name}: {cls.__name__}"


# ---------------------------------------------------------------- default_departments: "these are all my departments"


def _without(scenario: Scenario, *left_out: str) -> Scenario:
    """The scenario's own departments minus ``left_out``, as a file would list them with the switch off."""
    data = scenario.model_dump(mode="python")
    data["default_departments"] = False
    data["departments"] = {k: v for k, v in data["departments"].items() if k not in left_out}
    for team in data["teams"].values():
        team["approval_chain"] = [d for d in team["approval_chain"] if d not in left_out]
    return scenario_from_toml(Scenario.model_validate(Scenario.complete(data)).to_toml())


def test_a_preset_naming_few_departments_still_gets_the_defaults_and_the_switch_keeps_only_those_named(tmp_path):
    preset = bundled_scenarios()["b2b_activation"]
    text = preset.read_text()
    named = {line.split(".", 1)[1].rstrip("]\n") for line in text.splitlines() if line.startswith("[departments.")}
    assert named and len(named) < len(ROLES)
    assert set(load_scenario("b2b_activation").departments) == set(ROLES)  # the defaults fill in
    own = tmp_path / "own.toml"
    own.write_text("default_departments = false\n" + text)
    with pytest.raises(
        ScenarioError,
        match=r"teams.core.approval_chain: the default chain legal names "
        r"'legal', which is not a department of this scenario; give the chain",
    ):
        load_scenario(own)  # the team's default sign-off by Legal is not added silently either
    own.write_text("default_departments = false\n[departments.sales]\n")  # no [teams]: the default team's chain
    with pytest.raises(ScenarioError, match=r"teams.core.approval_chain: the default chain legal names 'legal'"):
        load_scenario(own)
    own.write_text(
        "default_departments = false\n" + text.replace("[teams.core]\n", "[teams.core]\napproval_chain = []\n", 1)
    )
    s = load_scenario(own)
    assert set(s.departments) == named and s.default_departments is False
    # a named default department keeps that department's settings for what the file does not give
    assert s.departments["sales"].promise_due_weeks == ROLES["sales"]().promise_due_weeks
    assert s.departments["sales"].alignment == load_scenario("b2b_activation").departments["sales"].alignment
    # written out and read back, it is the same organisation (to_toml writes the switch)
    assert "default_departments = false" in s.to_toml() and scenario_from_toml(s.to_toml()) == s
    # extending the preset: the departments it names count as listed, with those the extending file adds
    (tmp_path / "ext.toml").write_text(
        'extends = "b2b_activation"\ndefault_departments = false\n'
        '[teams.core]\napproval_chain = ["hr"]\n[departments.hr]\n'
    )
    assert set(load_scenario(tmp_path / "ext.toml").departments) == named | {"hr"}


def test_the_switch_takes_true_or_false_only():
    with pytest.raises(ScenarioError, match="default_departments: Input should be a valid boolean"):
        scenario_from_toml('default_departments = "no"\n')
    assert Scenario().default_departments is True and scenario_from_toml("").default_departments is True


def test_a_department_left_out_cannot_be_referred_to_or_overridden():
    s = _without(Scenario(), "marketing", "legal")
    assert "legal" not in s.departments and s.teams["core"].approval_chain == []
    with pytest.raises(
        ScenarioError,
        match=r"override departments.marketing.campaign_lift: unknown department "
        r"'marketing' in departments; allowed: leadership, sales",
    ):
        s.with_overrides({"departments.marketing.campaign_lift": 2.0})
    with pytest.raises(
        ScenarioError,
        match=r"teams.core.approval_chain: unknown department 'legal'; known "
        r"departments: leadership, sales, customer_success",
    ):
        s.with_overrides({"teams.core.approval_chain": ["legal"]})


def test_leaving_out_a_requesting_department_removes_its_requests():
    """Paired seeds: the default organisation listed whole against the same without Customer Support. Its bug-fix
    requests go (teams may still have bug-fix ideas of their own), and nothing else asks in its name."""
    from sim.model import AlignmentModel

    full = _without(Scenario().with_overrides({"customers.population": 600, "weeks": 26}))
    assert full.default_departments is False and set(full.departments) == set(ROLES)
    cut = _without(full, "customer_support")
    fewer = []
    for seed in range(5):
        counts = []
        for s in (full, cut):
            m = AlignmentModel(s, seed=seed).run()
            items = [i for unit in (*s.departments, *s.teams) for i in m.items_of(unit)]
            counts.append(
                (sum(i.kind == "bug_fix" for i in items), sum(i.requester == "customer_support" for i in items))
            )
            assert set(m.records.by_requester) <= {*s.departments, *s.teams, "experiments"}
        (bugs_full, asked_full), (bugs_cut, asked_cut) = counts
        assert asked_full > 0 and asked_cut == 0
        fewer.append(bugs_cut < bugs_full)
    assert all(fewer)


def _absent(role: str, model) -> bool:
    """Whether a run shows what ``WITHOUT_ROLE`` says the absence of ``role`` means (with the role present the same
    check must not hold, so it tells the two apart)."""
    c = model.records.c
    items = [
        i for unit in (*model.departments_by_name, *model.teams_by_name, "experiments") for i in model.items_of(unit)
    ]  # every item, whoever asked (no department stands in for another)
    return {
        "sales": c["promises_due"].sum() == 0 and c["promises_kept"].sum() == 0,
        "marketing": c["campaign_active"].sum() == 0,
        "customer_success": c["calls"].sum() == 0,
        "customer_support": not any(i.kind == "bug_fix" and i.requester in model.departments_by_name for i in items),
        "finance": c["milestones_due"].sum() == 0,
        "legal": not any(
            (i.kind == "compliance_change" and i.requester in model.departments_by_name) or "legal" in i.approval_path
            for i in items
        ),
        "ux_design": model.insight == 0.0,
        "data_analytics": model.maturity == 0.0 and c["experiments"].sum() == 0,
        "hr": model.skills == 0.5,
    }[role]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "leadership"])
def test_what_the_absence_of_a_role_means_is_what_the_model_does(role):
    from sim.model import AlignmentModel

    full = _without(Scenario().with_overrides({"customers.population": 600, "weeks": 26}))
    assert [_absent(role, AlignmentModel(s, seed=2).run()) for s in (full, _without(full, role))] == [False, True]


def test_without_a_leadership_unit_the_shared_goal_and_its_trump_still_steer():
    from sim.model import AlignmentModel

    trumped = Scenario().with_overrides({"customers.population": 600, "weeks": 26, "leadership.trump": 1.0})
    m = AlignmentModel(_without(trumped, "leadership"), seed=2).run()
    assert "leadership" not in m.departments_by_name
    assert all(d.alignment == 1.0 for d in m.departments_by_name.values())
    items = [i for unit in (*m.departments_by_name, *m.teams_by_name) for i in m.items_of(unit)]
    assert not any(i.forced for i in items)  # every escalation backed by the trump
    untrumped = AlignmentModel(_without(trumped.with_overrides({"leadership.trump": 0.0}), "leadership"), seed=2)
    assert any(i.forced for unit in untrumped.run().departments_by_name for i in untrumped.items_of(unit))


def test_no_campaign_survives_toml_and_the_model_runs_without_one():
    """TOML has no null: "no campaign" is written ``campaign_start_week = "none"`` and reads back as no campaign
    (it once read back as the default's week 8, so that switching the campaign off in the app changed nothing)."""
    from sim import run
    from sim.present.levers import get_value

    path = "departments.marketing.campaign_start_week"
    base = load_scenario("b2b_activation")
    off = base.with_overrides({path: None})
    assert 'campaign_start_week = "none"' in off.to_toml()
    again = scenario_from_toml(off.to_toml(), "again")
    assert get_value(again, path) is None and again == off
    assert get_value(base.with_overrides({path: "none"}), path) is None  # --set and share links say it so
    assert get_value(scenario_from_toml(base.to_toml(), "base"), path) == 8  # a week stays a number
    with pytest.raises(ScenarioError, match="campaign_start_week"):
        base.with_overrides({path: "never"})
    leads = [run(s, 0).summary["leads"] for s in (base, off, again)]
    assert leads[1] == leads[2] < leads[0]  # no campaign, fewer leads, after the round trip too
