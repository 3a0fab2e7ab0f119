"""Departments: KPI progress, alignment, and each role's own behaviour."""

import math

import pytest

from agents.department import progress
from sim import Scenario, load_scenario
from sim.model import AlignmentModel


@pytest.mark.parametrize("value,target,better,expected", [
    (5, 10, "higher", 0.5), (20, 10, "higher", 2.0), (0.5, 0.25, "lower", 0.5), (0.1, 0.2, "lower", 2.0),
    (math.nan, 1, "higher", 0.5),
])
def test_progress(value, target, better, expected):
    assert progress(value, target, better) == pytest.approx(expected)



def test_effective_alignment_rises_with_trump():
    s = Scenario().with_overrides({"departments.sales.alignment": 0.2, "leadership.trump": 0.5})
    sales = AlignmentModel(s, seed=0).departments_by_name["sales"]
    assert sales.alignment == pytest.approx(1 - 0.8 * 0.5)


def test_unaligned_marketing_launches_on_schedule_aligned_waits_for_readiness(step_through):
    base = load_scenario("b2b_activation").with_overrides({"weeks": 30})
    loud = step_through(base).records.c["campaign_active"]
    assert loud.sum() == base.departments["marketing"].campaign_weeks
    assert loud[base.departments["marketing"].campaign_start_week - 1] == 1
    waiting = step_through(base.with_overrides({"departments.marketing.alignment": 1.0,
                                        "departments.marketing.readiness_threshold": 1.0,
                                        "leadership.shared_target": 0.99})).records.c["campaign_active"]
    assert waiting.sum() == 0


def test_sales_keeps_at_most_its_open_promises(step_through):
    s = load_scenario("b2b_activation").with_overrides({"customers.population": 500})

    def check(model):
        t = model.week
        open_ = [i for i in model.items_of("sales") if i.promise and i.released is None and i.due >= t]
        assert len(open_) <= s.departments["sales"].max_open_promises

    step_through(s, check=check)


def test_aligned_customer_success_holds_fewer_calls(step_through):
    base = load_scenario("b2b_activation").with_overrides({"customers.population": 3000, "weeks": 26})
    cap = base.departments["customer_success"].call_capacity
    silo = step_through(base).records.c["calls"]
    aligned = step_through(base.with_overrides({"departments.customer_success.alignment": 1.0})).records.c["calls"]
    assert silo.max() <= cap and aligned.max() <= cap / 2
    assert aligned.sum() < silo.sum()


def test_finance_plan_is_fixed_under_project_funding_and_shrinks_with_alignment_under_product():
    def plan(overrides):
        s = Scenario().with_overrides({"customers.population": 200, "weeks": 1, **overrides})
        model = AlignmentModel(s, seed=0)
        model.step()
        return sum(1 for i in model.items_of("finance") if i.plan)

    assert plan({"funding.mode": "project", "departments.finance.alignment": 1.0}) == 8
    assert plan({"funding.mode": "product", "departments.finance.alignment": 0.0}) == 8
    assert plan({"funding.mode": "product", "departments.finance.alignment": 0.5}) == 4


def test_output_attainment_counts_only_output_kpis(step_through):
    model = step_through(Scenario().with_overrides({"customers.population": 300, "weeks": 3}))
    outputs = sum(1 for d in model.departments_by_name.values() if d.kpi.kind == "output")
    assert list(model.records.c["attainment_n"]) == [outputs] * 3
