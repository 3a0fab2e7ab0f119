"""What to change first (sim.research.advice): the lever ranking and the goal seek.

Small organisations (1,000 customers, 26 weeks) and a few levers keep the runs few; every claim about an effect is
checked over paired seeds on seeds that did not produce it.
"""

import math

import numpy as np
import pytest

from sim import load_scenario
from sim.research import advice
from sim.runner import compare, process_pool, run_many
from sim.stats import mean_ci

#: Levers with a clear effect on 30-day activation in the small organisation (and one that moves little).
LEVERS = [
    "departments.marketing.campaign_start_week",
    "leadership.real_choice",
    "teams.core.capacity",
    "leadership.trump",
]


@pytest.fixture
def small():
    return load_scenario("b2b_activation").with_overrides({"customers.population": 1000, "weeks": 26})


@pytest.fixture(autouse=True)
def fresh_cache(request):
    """Each test starts and ends with an empty run cache, except that the medium organisation's goal seeks share
    their runs (a cached run gives the result it gave when it ran: the pool test below checks that)."""
    shared = "medium" in request.fixturenames
    if not shared:
        advice.clear_cache()
    yield
    if not shared:
        advice.clear_cache()


def test_moves_stay_within_each_levers_realistic_range(small):
    by_path = {lever.path: lever for lever in advice.choices(small)}
    assert not any(p.startswith("assumptions.") for p in by_path)  # the premise is not a lever to pull
    assert advice.moves(small, by_path["leadership.trump"], "activation_rate_30d") == [1.0]  # 0 is where it is
    capacity = advice.moves(small, by_path["teams.core.capacity"], "activation_rate_30d")
    assert capacity == [4.5, 7.5]  # 6 people, a quarter either way, on the lever's 0.5 steps
    assert advice.moves(small, by_path["leadership.real_choice"], "activation_rate_30d") == [True]
    assert advice.moves(small, by_path["departments.sales.kpi"], "activation_rate_30d") == ["activation_rate_30d"]
    assert advice.moves(small, by_path["leadership.shared_criterion"], "activation_rate_30d") == []  # already it
    assert advice.moves(small, by_path["departments.marketing.campaign_start_week"], "revenue") == [None]
    for lever in by_path.values():  # every move is a valid scenario and differs from the current setting
        for value in advice.moves(small, lever, "revenue"):
            small.with_overrides({lever.path: value})


def test_ranking_has_intervals_and_trade_offs_and_its_top_lever_moves_the_goal_on_fresh_seeds(small):
    ranking = advice.rank_levers(small, "activation_rate_30d", seeds=6, confirm_seeds=8, confirm=2, levers=LEVERS)
    assert [r.path for r in ranking.rows if r.confirmed] == [r.path for r in ranking.rows[:2]]
    for row in ranking.rows:
        assert row.goal.low <= row.goal.difference <= row.goal.high
        assert set(row.trade_offs) == {"revenue", "churn_rate"}  # the money is always beside the goal
        assert row.goal.pairs == (8 if row.confirmed else 6)
    top = ranking.top
    assert top is not None and top.goal.gain > 0
    # the bound, written before the run: on 20 seeds that neither screened nor confirmed the ranking, the top
    # lever's move raises 30-day activation with a 95% interval above zero
    seeds = list(range(5000, 5020))
    table = compare(run_many(small, seeds), run_many(small.with_overrides({top.path: top.after}), seeds))
    assert table.at["activation_rate_30d", "ci_low"] > 0, (top.path, table.loc["activation_rate_30d"].to_dict())


def test_ranking_is_the_same_on_a_pool_and_comes_from_the_cache_the_second_time(small):
    levers = LEVERS[:3]
    serial = advice.rank_levers(small, "activation_rate_30d", seeds=4, confirm_seeds=4, confirm=1, levers=levers)
    advice.clear_cache()
    calls = []
    with process_pool(2) as pool:
        pooled = advice.rank_levers(
            small,
            "activation_rate_30d",
            seeds=4,
            confirm_seeds=4,
            confirm=1,
            levers=levers,
            executor=pool,
            progress=lambda done, total: calls.append((done, total)),
        )
    assert pooled.as_dict() == serial.as_dict()
    assert pooled.computed == pooled.runs > 0
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and calls[-1][0] == calls[-1][1] == pooled.computed
    estimate = advice.estimate_ranking(small, "activation_rate_30d", 4, 4, 1, levers=levers)
    assert estimate.runs == 0 and estimate.seconds == 0  # said before it runs: nothing left to compute
    again = advice.rank_levers(small, "activation_rate_30d", seeds=4, confirm_seeds=4, confirm=1, levers=levers)
    assert again.computed == 0 and again.as_dict() == serial.as_dict()


#: A 30-day activation target for the medium organisation (3,000 customers, 39 weeks) that the scenario misses and
#: one change reaches, robustly on 10 seeds. Set from a pilot on seeds 3000-3015 (neither the goal seek's search
#: seeds 0.. nor its fresh seeds 1,000,000..) after the model's yardstick became value: the scenario 0.332 (sd over
#: seeds 0.046; the low end of a 10-seed interval about 0.299), no campaign before onboarding 0.374 (sd 0.039: low
#: end about 0.345), trump 1 0.364 (sd 0.032: about 0.341). The target sits between, about 1.5 standard errors of a
#: 10-seed mean from each side. (Before, the bound was the midpoint of the two low ends on the fresh seeds with 6
#: search seeds; seed-to-seed noise is larger in the value model and 6 seeds no longer separate them.)
MEDIUM_TARGET = 0.32


@pytest.fixture
def medium(small):
    return small.with_overrides({"customers.population": 3000, "weeks": 39})  # less noisy cohorts


def test_a_goal_seek_reaches_a_reachable_target_with_the_fewest_changes_and_holds_on_other_seeds(medium):
    campaign = {"departments.marketing.campaign_start_week": None}
    fresh = range(advice.FRESH_OFFSET, advice.FRESH_OFFSET + 10)  # the goal seek's final check
    before = mean_ci(run_many(medium, fresh).summary["activation_rate_30d"])[1]
    after = mean_ci(run_many(medium.with_overrides(campaign), fresh).summary["activation_rate_30d"])[1]
    assert after > before + 0.01  # no campaign before onboarding is easy: more activation (DESIGN.md, claim 6)
    target = advice.Target(metric="activation_rate_30d", op=">=", value=MEDIUM_TARGET)
    result = advice.goal_seek(medium, target, trials=12, seeds=10, confirm_seeds=10, levers=LEVERS)
    assert result.reached and not result.already
    assert len(result.changes) == 1 and result.cost == 1.0  # the fewest changes
    assert result.check.holds and result.check.target_low >= target.value
    assert set(result.check.effects) == {"activation_rate_30d", "revenue", "churn_rate"}
    # the bound, written before the run: on 20 other seeds the changed scenario's mean activation is at the target
    seeds = list(range(7000, 7020))
    level = run_many(medium.with_overrides(result.overrides), seeds).summary["activation_rate_30d"].mean()
    assert level >= target.value
    text = "\n".join(advice.advice_lines(medium, result))
    assert "takes 1 change (cost 1)" in text and "likely between" in text


def test_the_same_seed_gives_the_same_advice_and_another_executor_too(small):
    target = advice.parse_target(small, "activation_rate_30d", ">=45%")
    keep = [advice.parse_keep(small, "revenue:2%")]
    first = advice.goal_seek(small, target, keep, trials=8, seeds=4, confirm_seeds=4, levers=LEVERS[:3]).as_dict()
    advice.clear_cache()
    with process_pool(2) as pool:
        second = advice.goal_seek(
            small, target, keep, trials=8, seeds=4, confirm_seeds=4, levers=LEVERS[:3], executor=pool
        ).as_dict()
    assert first == second


def test_an_unreachable_goal_is_said_plainly_with_the_closest_setting(small):
    target = advice.parse_target(small, "activation_rate_30d", ">=99%")
    result = advice.goal_seek(small, target, trials=6, seeds=4, confirm_seeds=4, levers=LEVERS[:2])
    assert not result.reached and not result.already
    assert result.check.slack < 0 and result.check.target_high < 0.99
    lines = advice.advice_lines(small, result)
    assert lines[0].startswith("No setting tried reaches 30-day activation ≥ 99% robustly")
    unchanged = advice.assess(small, {}, target, seeds=range(advice.FRESH_OFFSET, advice.FRESH_OFFSET + 4))
    assert result.check.closeness >= unchanged.closeness  # the closest is at least as close as doing nothing
    if result.changes:  # and a change is named only when it comes closer
        assert result.check.closeness > unchanged.closeness


def test_a_target_the_scenario_already_reaches_needs_no_change(small):
    target = advice.parse_target(small, "activation_rate_30d", ">=1%")
    result = advice.goal_seek(small, target, trials=3, seeds=4, confirm_seeds=4, levers=LEVERS[:2])
    assert result.reached and result.already and result.changes == () and result.cost == 0
    assert "already reaches" in advice.advice_lines(small, result)[0]


def test_costs_steer_the_goal_seek_away_from_an_expensive_lever(medium):
    """No campaign before onboarding and trump 1 each reach the target alone (the pilot above): whichever is dear
    is left out of the answer. The seeks reuse the runs of the one above and of each other (the cache)."""
    target = advice.Target(metric="activation_rate_30d", value=MEDIUM_TARGET)
    answers = {}
    for dear in ("departments.marketing.campaign_start_week", "leadership.trump"):
        result = advice.goal_seek(
            medium, target, costs={dear: 50.0}, trials=12, seeds=10, confirm_seeds=10, levers=LEVERS
        )
        assert result.reached, dear
        assert dear not in result.overrides and result.cost < 50
        answers[dear] = result.overrides
    assert answers["departments.marketing.campaign_start_week"] != answers["leadership.trump"]


def test_robust_across_uncertainty_samples_means_the_worst_sample(small):
    target = advice.Target(metric="activation_rate_30d", value=0.3)
    samples = [{}, {"assumptions.folk_wisdom": 1.0}, {"assumptions.kpi_proxy.marketing": 0.0}]
    changes = {"leadership.real_choice": True}
    each = [advice.assess(small, changes, target, seeds=4, uncertainties=[u]) for u in samples]
    both = advice.assess(small, changes, target, seeds=4, uncertainties=samples)
    assert math.isclose(both.slack, min(c.slack for c in each))
    assert both.worst_sample == int(np.argmin([c.slack for c in each]))
    result = advice.goal_seek(
        small, target, uncertainties=samples, trials=4, seeds=4, confirm_seeds=4, levers=LEVERS[:2]
    )
    assert result.samples == 3 and result.as_dict()["uncertainty_samples"] == 3


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: advice.goal_of(s, "nope"), "goal: metric: 'nope' is not a metric of this model; allowed: "),
        (lambda s: advice.parse_target(s, "activation_rate_30d", "about 40"), "target: 'about 40' is not a bound"),
        (lambda s: advice.parse_keep(s, "revenue:-5%"), "keep: margin: Input should be greater than or equal to 0"),
        (lambda s: advice.lever_costs(s, {"teams.core.nope": 1}), "cost 'teams.core.nope': not a lever of this"),
        (lambda s: advice.lever_costs(s, {"leadership.trump": "x"}), "cost leadership.trump: must be a number >= 0"),
        (
            lambda s: advice.assess(s, {}, advice.Target(metric="revenue", value=1), uncertainties=[{"weeks": 0}]),
            "uncertainties[0]: overrides: weeks: Input should be greater than or equal to 1",
        ),
        (lambda s: advice.rank_levers(s, "revenue", levers=["nope"]), "levers: nope not a lever of this scenario"),
    ],
)
def test_bad_input_is_one_line_naming_the_field_and_the_allowed_values(small, call, message):
    with pytest.raises(advice.AdviceError) as info:
        call(small)
    text = str(info.value)
    assert text.startswith(message) and "\n" not in text


def test_targets_are_validated_by_pydantic():
    with pytest.raises(ValueError, match="op"):
        advice.Target(metric="revenue", op="==", value=1)
    with pytest.raises(ValueError, match="finite"):
        advice.Target(metric="revenue", value=float("nan"))
    assert advice.Target.model_validate({"metric": "revenue", "value": 1}).op == ">="


def _expand(item: str) -> list[str]:
    """A shell-style braced path as the paths it stands for."""
    import itertools
    import re

    parts = [p.strip("{}").split(",") for p in re.findall(r"\{[^}]*\}|[^.]+", item)]
    return [".".join(combo) for combo in itertools.product(*parts)]


def test_lever_lists_in_messages_are_short_and_name_every_lever_but_the_premise(small):
    paths = [lever.path for lever in advice.choices(small)]
    assert "weeks" not in paths  # the horizon says when results are read: not a lever to pull for the goal
    assert not any(p.startswith("assumptions.") for p in paths)
    text = advice.paths_text(paths)
    assert "departments.{sales,marketing," in text and ".{alignment,influence,kpi}" in text
    assert len(text) < len(", ".join(paths)) / 2
    named = [p for item in text.split(", ") for p in _expand(item)]
    assert sorted(named) == sorted(paths)  # every lever, once
    assert advice.paths_text(["a.x.p", "b.c", "a.y.p", "a.x.q"]) == "a.{x,y}.p, b.c, a.x.q"


def test_sampled_uncertainties_are_the_sweeps_lhs_cases_led_by_the_scenario_itself(small):
    from sim.research.sweep import design_points, spec_from_dict

    ranges = {"assumptions.folk_wisdom": [0.0, 1.0], "teams.core.wip_limit": [2, 6]}
    samples = advice.sample_uncertainties(small, ranges, samples=5, seed=3)
    assert samples[0] == {} and len(samples) == 6  # the scenario's own values first
    spec = spec_from_dict(
        {"scenario": "b2b_activation", "parameters": ranges, "design": "lhs", "samples": 5, "design_seed": 3}
    )
    assert samples[1:] == design_points(spec, small).to_dict("records")  # one design: a sweep runs these cases
    assert all(0 <= s["assumptions.folk_wisdom"] <= 1 and type(s["teams.core.wip_limit"]) is int for s in samples[1:])
    assert advice.sample_uncertainties(small, ranges, samples=5, seed=3) == samples
    assert advice.sample_uncertainties(small, ranges, samples=5, seed=4) != samples
    assert advice.sample_uncertainties(small, ranges, samples=2, nominal=False)[0] != {}


def test_a_sweeps_cases_and_those_inside_a_box_are_the_assumption_sets(tmp_path):
    import pandas as pd

    from sim.research.sweep import spec_from_dict, sweep

    spec = spec_from_dict(
        {
            "scenario": "b2b_activation",
            "weeks": 2,
            "design": "lhs",
            "samples": 6,
            "metrics": ["leads"],
            "levers": {"leadership.trump": [0.0, 1.0]},
            "parameters": {"assumptions.folk_wisdom": [0.0, 1.0], "customers.lead_rate": [0.002, 0.02]},
        }
    )
    runs = sweep(spec, out=tmp_path / "s", workers=1)
    moved = tmp_path / "moved"
    (tmp_path / "s").rename(moved)
    cases = advice.sweep_cases(moved)
    names = ["assumptions.folk_wisdom", "customers.lead_rate"]
    expected = runs[runs["leadership.trump"] == 0.0].sort_values("case")[names].to_dict("records")
    assert cases == expected and len(cases) == 6  # one set per case, not per policy
    wisdom = sorted(c["assumptions.folk_wisdom"] for c in cases)
    box = pd.DataFrame([{"parameter": "assumptions.folk_wisdom", "low": wisdom[0], "high": wisdom[2]}])
    inside = advice.sweep_cases(moved, box=box)
    assert sorted(c["assumptions.folk_wisdom"] for c in inside) == wisdom[:3]
    empty = pd.DataFrame([{"parameter": "assumptions.folk_wisdom", "low": 2.0, "high": 3.0}])
    with pytest.raises(advice.AdviceError, match="no case of .* lies inside the box"):
        advice.sweep_cases(moved, box=empty)

    # the box as alignsim discover writes it, read back; a lever's row is the policy, not an assumption
    from sim.research.discover import read_box

    written = pd.concat([box, pd.DataFrame([{"parameter": "leadership.trump", "low": "1.0", "high": "1.0"}])])
    written.assign(full_low=0.0, full_high=1.0, qp=0.01).to_csv(tmp_path / "discovery_box.csv", index=False)
    assert advice.sweep_cases(moved, box=read_box(tmp_path / "discovery_box.csv")) == inside
    with pytest.raises(advice.AdviceError, match=r"box: 'customers.population' is not swept by .*; its parameters"):
        advice.sweep_cases(moved, box=pd.DataFrame([{"parameter": "customers.population", "low": 1, "high": 2}]))

    # the sweep's scenario is the one advised: the horizon and the swept paths may differ, nothing else
    base = load_scenario("b2b_activation").with_overrides({"assumptions.folk_wisdom": 0.9, "weeks": 30})
    assert advice.sweep_cases(moved / "manifest.json", scenario=base) == cases
    other = base.with_overrides({"customers.population": 1234})
    message = (
        r"^cases: .*moved swept scenario 'b2b_activation', this advice is for 'b2b_activation', and they differ in "
        r"customers.population \(\d+ there, 1234 here\); advise the sweep's own scenario \(.*moved/scenario.toml\)"
    )
    with pytest.raises(advice.AdviceError, match=message):
        advice.sweep_cases(moved, scenario=other)
    with pytest.raises(advice.AdviceError, match=r"this advice is for 'data_blind', and they differ in .* more;"):
        advice.sweep_cases(moved, scenario=load_scenario("data_blind"))


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ({}, "uncertain: give at least one PATH=LOW..HIGH"),
        ({"assumptions.nope": [0, 1]}, "uncertain: unknown scenario path 'assumptions.nope'"),
        ({"assumptions.folk_wisdom": [0, 2]}, "uncertain: assumptions.folk_wisdom: Input should be less than or"),
        ({"assumptions.folk_wisdom": [1, 0]}, "uncertain 'assumptions.folk_wisdom': a range LOW..HIGH of numbers"),
        ({"assumptions.folk_wisdom": ["a", "b"]}, "uncertain 'assumptions.folk_wisdom': a range LOW..HIGH"),
    ],
)
def test_bad_uncertain_ranges_are_one_line_naming_the_path(small, ranges, message):
    with pytest.raises(advice.AdviceError) as info:
        advice.sample_uncertainties(small, ranges, samples=3)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)
