"""Invariants over random valid scenarios (hypothesis)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import METRICS, Scenario
from sim.metrics import summarise, weekly_frame
from sim.model import AlignmentModel

unit = st.floats(0.0, 1.0, allow_nan=False)
APPROVERS = ["legal", "marketing", "finance", "leadership", "customer_support"]


@st.composite
def scenarios(draw):
    overrides = {
        "weeks": draw(st.integers(1, 40)),
        "customers.population": draw(st.integers(10, 1500)),
        "customers.churn_activated": draw(st.floats(0.0, 0.05)),
        "customers.winback": draw(unit),
        "customers.lead_rate": draw(st.floats(0.0, 0.1)),
        "leadership.trump": draw(unit),
        "leadership.real_choice": draw(st.booleans()),
        "leadership.shared_criterion": draw(st.sampled_from(sorted(METRICS))),
        "funding.mode": draw(st.sampled_from(["product", "project"])),
        "funding.go_live_week": draw(st.integers(1, 40)),
        "funding.retention": draw(unit),
        "teams.core.capacity": draw(st.floats(0.5, 20.0)),
        "teams.core.wip_limit": draw(st.integers(1, 8)),
        "teams.core.alignment": draw(unit),
        "teams.core.switch_cost": draw(unit),
        "teams.core.experiment_share": draw(unit),
        "teams.core.approval_chain": draw(st.lists(st.sampled_from(APPROVERS), unique=True, max_size=4)),
        "departments.data_analytics.maturity": draw(unit),
        "departments.ux_design.insight": draw(unit),
        "departments.hr.skills": draw(unit),
        "departments.marketing.campaign_start_week": draw(st.integers(1, 40)),
        "departments.marketing.campaign_lift": draw(st.floats(0.0, 5.0)),
        "product.onboarding_ease": draw(unit),
        "product.reliability": draw(unit),
    }
    for dept in ("sales", "marketing", "customer_success", "customer_support", "finance"):
        overrides[f"departments.{dept}.alignment"] = draw(unit)
    return Scenario().with_overrides(overrides)


SHARES = [m.name for m in METRICS.values() if m.unit == "share"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), seed=st.integers(0, 2**31 - 1))
def test_invariants_hold_for_any_valid_scenario(scenario, seed):
    model = AlignmentModel(scenario, seed=seed)
    population = scenario.customers.population
    while model.running:
        model.step()
        assert model.customers.counts().sum() == population  # customers conserved
        assert ((model.drivers >= 0.0) & (model.drivers <= 1.0)).all()
    c = model.records.c
    assert (c["capacity_used"] <= c["capacity"] + 1e-9).all()  # capacity never exceeded
    assert (c["paying"] <= population).all()
    weekly, summary = weekly_frame(model.records), summarise(model.records)
    # a weekly value is undefined (NaN) only until its metric first has data, and then carried forward
    for column in weekly:
        values = weekly[column].to_numpy()
        first = np.argmax(~np.isnan(values)) if (~np.isnan(values)).any() else len(values)
        assert not np.isnan(values[first:]).any(), column
    assert summary["features_delivered"] >= 0 and summary["escalations"] >= 0  # counts are always defined
    for name in SHARES:  # rates within [0, 1]
        assert weekly[name].dropna().between(0.0, 1.0 + 1e-12).all(), name
        assert np.isnan(summary[name]) or 0.0 <= summary[name] <= 1.0 + 1e-12, name
    assert np.isnan(summary["outcome_index"]) or 0.0 <= summary["outcome_index"] <= 100.0
