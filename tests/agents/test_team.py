"""Product teams: capacity, WIP, context switching, learning and prioritisation."""

import numpy as np

from sim import Scenario, load_scenario, run_many
from sim.agents.team import ProductTeam
from sim.model import AlignmentModel


def test_capacity_is_never_exceeded(b2b, step_through):
    model = step_through(b2b.with_overrides({"customers.population": 800}))
    c = model.records.c
    assert (c["capacity_used"] <= c["capacity"] + 1e-9).all()
    assert c["capacity_used"].sum() > 0


def test_wip_limit_holds_when_prioritisation_is_a_real_choice(step_through):
    s = load_scenario("product_logic").with_overrides({"customers.population": 600, "teams.core.wip_limit": 2})

    def check(model):
        for team in model.teams_by_name.values():
            # forced (escalated) items and work sent back by an approver re-enter regardless of the limit
            exempt = sum(1 for i in team.wip if (i.forced or i.reworks) and i.finished is None)
            assert team.in_development() <= 2 + exempt

    step_through(s, check=check)


def test_without_real_choice_loud_demands_break_the_wip_limit(step_through):
    s = load_scenario("b2b_activation").with_overrides({"customers.population": 600})
    peaks = []
    for seed in range(5):
        step_through(s, seed, check=lambda m: peaks.append(m.teams_by_name["core"].in_development()))
    assert max(peaks) > s.teams["core"].wip_limit


def test_context_switching_costs_delivery_over_seeds():
    base = load_scenario("b2b_activation").with_overrides({"customers.population": 600})
    calm = run_many(base.with_overrides({"teams.core.switch_cost": 0.0}), 10).summary
    costly = run_many(base.with_overrides({"teams.core.switch_cost": 0.3}), 10).summary
    assert costly["capacity_utilisation"].mean() < calm["capacity_utilisation"].mean() - 0.05


def test_data_makes_beliefs_converge(step_through):
    """Without data nothing is learned; with data every run sheds error, on average at least a quarter in two years
    (a kind the team rarely builds is rarely measured, so some runs learn less)."""
    s = Scenario().with_overrides({"customers.population": 400, "weeks": 104})

    def err(c, t):
        return c["belief_error_sum"][t] / c["belief_error_n"][t]

    kept = []
    for seed in range(3):
        blind = step_through(s.with_overrides({"departments.data_analytics.maturity": 0.0}), seed).records.c
        rich = step_through(s.with_overrides({"departments.data_analytics.maturity": 0.9}), seed).records.c
        assert err(blind, 103) == err(blind, 0)  # nothing measured, nothing learned
        kept.append(err(rich, 103) / err(rich, 0))
    assert max(kept) < 0.9 and np.mean(kept) < 0.75, kept


def _loud_and_quiet(alignment, learned, insight=0.3):
    s = Scenario().with_overrides(
        {"customers.population": 200, "teams.core.alignment": alignment, "departments.ux_design.insight": insight}
    )
    model = AlignmentModel(s, seed=0)
    team: ProductTeam = model.teams_by_name["core"]
    loud = model.new_item("key_account_feature", "core", "sales", pressure=1.0)
    quiet = model.new_item("onboarding_simplification", "core", "core", pressure=0.1)
    quiet.size = loud.size = 3.0
    if learned:  # as if many measurements had arrived: beliefs at the truth, high precision
        team.belief = model.kind_true.copy()
        team.precision = team.prior_precision * 100
    return team.scores([loud, quiet])


def test_aligned_team_with_evidence_prefers_value_over_pressure():
    loud, quiet = _loud_and_quiet(alignment=1.0, learned=True)
    assert quiet > loud


def test_unaligned_team_follows_pressure_whatever_it_knows():
    loud, quiet = _loud_and_quiet(alignment=0.0, learned=True)
    assert loud > quiet


def test_without_evidence_the_loudest_voice_wins_even_for_an_aligned_team():
    loud, quiet = _loud_and_quiet(alignment=1.0, learned=False, insight=0.0)
    assert loud > quiet


def test_project_team_shrinks_after_go_live(step_through):
    s = load_scenario("self_service_launch").with_overrides({"customers.population": 400})
    c = step_through(s).records.c
    go_live = s.funding.go_live_week
    assert np.allclose(c["capacity"][go_live:], s.funding.retention * c["capacity"][0])
    assert np.allclose(c["capacity"][:go_live], c["capacity"][0])


def test_own_ideas_come_from_the_whole_catalogue_without_evidence():
    """No data and no insight: a team's ideas are guesses, spread over every kind of work, good or bad."""
    s = Scenario().with_overrides(
        {
            "customers.population": 200,
            "weeks": 150,
            "teams.core.discovery_rate": 4.0,
            "departments.data_analytics.maturity": 0.0,
            "departments.ux_design.insight": 0.0,
        }
    )
    model = AlignmentModel(s, seed=0).run()
    kinds = [i.kind for i in model.items_of("core")]
    counts = np.array([kinds.count(k) for k in model.kind_names])
    assert (counts > 0).all()
    assert counts.max() < 2 * counts.min()  # about uniform


def test_with_evidence_own_ideas_follow_believed_value():
    """With data and insight, ideas follow what the team believes serves the criterion (judged here by the week-0
    value, over the first weeks, before the product moves much); without, a guess lands there as often as such kinds
    are in the catalogue."""

    def share_good(overrides):
        s = Scenario().with_overrides(
            {
                "customers.population": 200,
                "weeks": 30,
                "teams.core.discovery_rate": 6.0,
                "assumptions.folk_wisdom": 1.0,
                **overrides,
            }
        )
        model = AlignmentModel(s, seed=0)
        good = {k for k in model.kind_names if model.goal_fit[k] >= 0.5}
        model.run()
        ideas = [i.kind for i in model.items_of("core") if i.created >= 5]
        return sum(k in good for k in ideas) / len(ideas)

    informed = share_good({"departments.data_analytics.maturity": 1.0, "departments.ux_design.insight": 1.0})
    blind = share_good({"departments.data_analytics.maturity": 0.0, "departments.ux_design.insight": 0.0})
    assert informed > blind + 0.1 and blind < 0.4  # blind: about 3 of the 11 kinds, as guessed uniformly


def _at_go_live(overrides):
    s = load_scenario("product_logic").with_overrides(
        {"customers.population": 400, "funding.mode": "project", "funding.go_live_week": 20, **overrides}
    )
    model = AlignmentModel(s, seed=2)
    for _ in range(20):
        model.step()
    team = model.teams_by_name["core"]
    before = (team.belief.copy(), team.precision.copy(), len(team.pending))
    model.step()
    return model, team, before


def test_project_go_live_hands_over_what_the_leavers_learned_only_as_far_as_retention_and_handover_reach():
    _model, team, (belief, precision, pending) = _at_go_live({"funding.retention": 0.25})
    assert pending > 0 and precision.mean() > team.prior_precision.mean()
    learned = precision - team.prior_precision
    np.testing.assert_allclose(team.precision - team.prior_precision, 0.25 * learned, rtol=1e-9, atol=1e-6)
    assert not any(i.requester == "core" and i.created < 20 for i in team.backlog)  # own ideas lost their owner
    _model, team, (belief, precision, _) = _at_go_live({"funding.retention": 0.25, "funding.handover": 1.0})
    np.testing.assert_allclose(team.belief, belief, atol=1e-9)  # a full hand-over keeps what was learned


def test_after_project_go_live_nobody_measures_or_tests():
    model, team, _ = _at_go_live({"funding.retention": 1.0})
    for _ in range(15):
        model.step()
    assert team.pending == [] and model.records.c["experiments"][20:].sum() == 0
    switched, _team2, _ = _at_go_live({"funding.retention": 1.0, "funding.switch_to_product_week": 20})
    for _ in range(15):
        switched.step()
    assert switched.records.c["experiments"][20:].sum() > 0


def test_context_switches_count_purposes_not_requesters():
    """Work for the same purpose (the customer outcome) from several departments is one stream."""
    from sim.work import WorkItem

    model = AlignmentModel(Scenario().with_overrides({"customers.population": 100}), seed=0)
    team = model.teams_by_name["core"]
    for _n, requester in enumerate(["sales", "marketing", "ux_design"]):
        item = model.new_item("onboarding_simplification", "core", requester, 0.5)
        team.start(item, 0)
    team.work(team.capacity(), 0)
    assert model.records.c["switches"][0] == 0
    team.start(model.new_item("key_account_feature", "core", "sales", 0.5), 0)
    team.work(team.capacity(), 0)
    assert model.records.c["switches"][0] == 1
    assert isinstance(team.wip[0], WorkItem)
