"""Every tuned constant of how units decide, learn and work is a named field of ``[behaviour]`` (or of the funnel's
shape in ``[customers]``), reachable by ``--set`` and sweeps, and the model reads it: moving it moves a run."""

import math

import pytest

from sim import load_scenario, run
from sim.present.levers import get_value
from sim.scenario import Behaviour, Customers

#: The funnel's shape coefficients in [customers] (its rates are older parameters, tested elsewhere).
FUNNEL_SHAPE = [
    "hazard_onboarding",
    "hazard_self_service",
    "hazard_fit",
    "stale_weeks",
    "churn_fit_slope",
    "churn_fit_pivot",
    "churn_reliability_slope",
    "churn_reliability_pivot",
    "churn_floor",
    "contacts_onboarding",
    "contacts_stalled",
    "contacts_reliability",
    "contacts_self_service",
]


#: Where a constant only matters in some organisations: the setting that makes it matter.
CONTEXT = {
    # only an aligned Marketing reads the criterion's progress, in its launch decision, and only for a criterion a
    # campaign does not raise by itself (30-day activation, b2b_activation's) and a launch late enough to see it
    "shared_window": {"departments.marketing.alignment": 0.9, "departments.marketing.campaign_start_week": 20},
    "dependency_size": {"teams": {"core": {"depends_on": {"platform": 0.5}}, "platform": {}}},
    "churn_fit_slope": {"product.feature_fit": 0.3},
    "churn_reliability_slope": {"product.reliability": 0.3},
    "churn_floor": {"product.feature_fit": 0.95, "product.reliability": 0.95},
    # read only while a department's KPI has no data: Sales measured on promises kept has none before the first is due
    "progress_without_data": {
        "departments.sales.kpi": "promises_on_time_rate",
        "departments.sales.promise_due_weeks": 12,
    },
    # a due promise outranks louder demands by its urgency alone only when its requester is quiet
    "urgency_due_bonus": {"departments.sales.influence": 0.2},
}
#: Moves the default rule would not make visible (the cap on admitted work binds only when lowered).
MOVED = {"wip_cap_factor": 1}


def _moved(cls, name: str):
    """Another valid value for a field: half as much again, or half, within its bounds (integers stay integers)."""
    if name in MOVED:
        return MOVED[name]
    field = cls.model_fields[name]
    default = field.default
    high = next((m.le for m in field.metadata if hasattr(m, "le")), None)
    up = default * 1.5 if default else 1
    if isinstance(default, int):
        up = max(default + 1, round(default * 1.5))
    if high is not None and up > high:
        up = default * 0.5 if not isinstance(default, int) else max(0, default // 2)
    return up


@pytest.fixture(scope="module")
def reference():
    return _summary({})


def _summary(overrides, context=None):
    s = load_scenario("b2b_activation", {"customers.population": 1500, "weeks": 40, **(context or {}), **overrides})
    return run(s, seed=3).summary


def _differs(a: dict, b: dict) -> bool:
    return any(not (math.isclose(a[k], b[k]) or (math.isnan(a[k]) and math.isnan(b[k]))) for k in a)


def test_every_field_has_a_unit_and_a_source_or_a_reason():
    for name, field in Behaviour.model_fields.items():
        text = field.description or ""
        assert "chosen" in text or "docs/" in text or "(" in text, f"behaviour.{name}: say its source or why"


@pytest.mark.parametrize("name", list(Behaviour.model_fields))
def test_each_behaviour_constant_is_reachable_and_read(name, reference):
    value = _moved(Behaviour, name)
    path = f"behaviour.{name}"
    assert get_value(load_scenario("b2b_activation", {path: value}), path) == value  # reachable by --set
    before = reference if name not in CONTEXT else _summary({}, CONTEXT[name])
    assert _differs(before, _summary({path: value}, CONTEXT.get(name))), f"{path}={value} changes nothing: is it read?"


@pytest.mark.parametrize("name", FUNNEL_SHAPE)
def test_each_funnel_shape_constant_is_reachable_and_read(name, reference):
    value = _moved(Customers, name)
    before = reference if name not in CONTEXT else _summary({}, CONTEXT[name])
    assert _differs(before, _summary({f"customers.{name}": value}, CONTEXT.get(name))), name
