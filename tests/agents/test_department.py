"""Departments: KPI progress, alignment, and each role's own behaviour."""

import math

import pytest

from sim import Scenario, load_scenario
from sim.metrics import progress
from sim.model import AlignmentModel


@pytest.mark.parametrize(
    "value,target,better,expected",
    [
        (5, 10, "higher", 0.5),
        (20, 10, "higher", 2.0),
        (0.5, 0.25, "lower", 0.5),
        (0.1, 0.2, "lower", 2.0),
        (0, 0, "higher", 1.0),
        (0, 0.2, "lower", 2.0),
    ],
)
def test_progress(value, target, better, expected):
    assert progress(value, target, better) == pytest.approx(expected)


def test_progress_without_data_is_undefined_not_a_number_made_up():
    assert math.isnan(progress(math.nan, 1, "higher")) and math.isnan(progress(None, 1, "lower"))


def test_effective_alignment_rises_with_trump():
    s = Scenario().with_overrides({"departments.sales.alignment": 0.2, "leadership.trump": 0.5})
    sales = AlignmentModel(s, seed=0).departments_by_name["sales"]
    assert sales.alignment == pytest.approx(1 - 0.8 * 0.5)


def test_unaligned_marketing_launches_on_schedule_aligned_waits_for_readiness(step_through):
    base = load_scenario("b2b_activation").with_overrides({"weeks": 30})
    loud = step_through(base).records.c["campaign_active"]
    assert loud.sum() == base.departments["marketing"].campaign_weeks
    assert loud[base.departments["marketing"].campaign_start_week - 1] == 1
    waiting = step_through(
        base.with_overrides(
            {
                "departments.marketing.alignment": 1.0,
                "departments.marketing.readiness_threshold": 1.0,
                "leadership.shared_target": 0.99,
            }
        )
    ).records.c["campaign_active"]
    assert waiting.sum() == 0


def test_sales_keeps_at_most_its_open_promises(step_through):
    s = load_scenario("b2b_activation").with_overrides({"customers.population": 500})

    def check(model):
        t = model.week
        open_ = [i for i in model.items_of("sales") if i.promise and i.released is None and i.due >= t]
        assert len(open_) <= s.departments["sales"].max_open_promises

    step_through(s, check=check)


def test_customer_success_holds_its_calls_whatever_its_alignment(step_through):
    """Calls are CS's job; alignment changes what it asks the team for, not how many calls it holds."""
    base = load_scenario("b2b_activation").with_overrides({"customers.population": 3000, "weeks": 26})
    cap = base.departments["customer_success"].call_capacity
    silo = step_through(base).records.c["calls"]
    aligned = step_through(base.with_overrides({"departments.customer_success.alignment": 1.0})).records.c["calls"]
    assert silo.max() <= cap and aligned.max() <= cap
    assert aligned.sum() == pytest.approx(silo.sum(), rel=0.05)


def _plan(overrides):
    s = Scenario().with_overrides({"customers.population": 200, "weeks": 1, **overrides})
    model = AlignmentModel(s, seed=0)
    model.step()
    return model, sum(1 for i in model.items_of("finance") if i.plan)


def test_finance_plan_is_fixed_under_project_funding_and_keeps_what_it_believes_serves_under_product():
    model, n = _plan({"funding.mode": "project", "departments.finance.alignment": 1.0})
    assert n == 8
    assert _plan({"funding.mode": "product", "departments.finance.alignment": 0.0})[1] == 8
    model, n = _plan({"funding.mode": "product", "departments.finance.alignment": 1.0})
    fit = model.goal_fit["milestone_deliverable"]
    assert 0 < fit < 1 and n == round(8 * fit)


def test_finance_keeps_its_whole_plan_when_the_shared_criterion_is_the_plan():
    """Alignment alone does not shrink the plan: aligned on milestones, Finance keeps every milestone."""
    overrides = {"funding.mode": "product", "departments.finance.alignment": 1.0}
    assert _plan({**overrides, "leadership.shared_criterion": "milestones_on_plan_rate"})[1] == 8
    assert _plan({**overrides, "leadership.shared_criterion": "leads"})[1] == 0


def test_departments_ask_for_what_they_believe_serves_the_shared_criterion():
    """Aligned departments' asks follow the shared criterion through beliefs: on activation they ask for kinds the
    organisation believes serve activation; on leads, for campaign support; unaligned, for their own kind."""

    def asks(overrides, weeks=20):
        s = Scenario().with_overrides({"customers.population": 300, "weeks": weeks, **overrides})
        model = AlignmentModel(s, seed=1).run()
        return [i.kind for i in model.items_of("customer_success")]

    own = asks({"departments.customer_success.alignment": 0.0})
    assert own and set(own) == {"onboarding_material"}
    model = AlignmentModel(Scenario(), seed=0)
    believed_good = {k for k, v in model.goal_fit.items() if v >= 0.5}
    activation = asks({"leadership.trump": 1.0})
    assert activation and set(activation) <= believed_good
    assert set(asks({"leadership.trump": 1.0, "leadership.shared_criterion": "leads"})) == {"campaign_support"}


def test_marketing_launches_when_the_shared_criterion_does_not_object():
    """A campaign that does not touch the shared criterion is no conflict: a fully aligned Marketing still runs it
    for its own KPI; against an unready activation criterion it waits; on leads it launches."""
    base = load_scenario("b2b_activation").with_overrides(
        {
            "weeks": 20,
            "departments.marketing.alignment": 1.0,
            "departments.marketing.readiness_threshold": 1.0,
            "leadership.shared_target": 0.99,
        }
    )

    def active(criterion):
        s = base.with_overrides({"leadership.shared_criterion": criterion})
        return AlignmentModel(s, seed=0).run().records.c["campaign_active"].sum()

    assert active("activation_rate_30d") == 0
    assert active("features_delivered") == base.departments["marketing"].campaign_weeks
    assert active("leads") == base.departments["marketing"].campaign_weeks


def test_output_attainment_counts_only_output_kpis_that_have_data(step_through):
    """An undefined KPI (no data in its window: nothing measured yet, no milestone due) is left out of attainment,
    not counted as half attained."""
    from sim.metrics import window_value

    counted = []

    def check(model):
        t = model.week - 1  # the week just stepped
        window = model.behaviour.kpi_window
        counted.append(
            sum(
                1
                for d in model.departments_by_name.values()
                if d.kpi.kind == "output" and not math.isnan(window_value(d.kpi, model.records, t - window, t))
            )
        )

    model = step_through(load_scenario("b2b_activation", {"customers.population": 300, "weeks": 30}), check=check)
    assert list(model.records.c["attainment_n"]) == counted
    assert counted[0] == 0  # week 0: no KPI has data yet
    outputs = sum(1 for d in model.departments_by_name.values() if d.kpi.kind == "output")
    assert min(counted[1:]) < outputs  # the milestone rate is undefined in weeks without a milestone due


def test_sales_never_holds_more_promises_than_allowed_when_it_asks_several_teams(step_through):
    s = load_scenario("b2b_activation").with_overrides(
        {
            "customers.population": 500,
            "weeks": 30,
            "departments.sales.demand_rate": 1.0,
            "teams": {"core": {}, "growth": {}, "platform": {}},
        }
    )
    cap = s.departments["sales"].max_open_promises

    def check(model):
        t = model.week
        open_ = [i for i in model.items_of("sales") if i.promise and i.released is None and (i.due or 0) >= t]
        assert len(open_) <= cap

    for seed in range(3):
        step_through(s, seed, check=check)
