"""The metric registry and how counters become weekly values and summaries."""

import math

import numpy as np
import pytest

from sim import METRICS, run
from sim.metrics import Records, metric, summarise, weekly_frame, window_value

REQUIRED = [
    "activation_rate_30d",
    "median_days_to_first_success",
    "onboarding_dropoff",
    "support_contacts_per_customer",
    "churn_rate",
    "revenue",
    "features_delivered",
    "promises_on_time_rate",
    "onboarding_calls",
    "leads",
    "milestones_on_plan_rate",
    "output_attainment",
    "outcome_index",
    "shared_goal_capacity_share",
    "context_switches",
    "lead_time_weeks",
    "flow_efficiency",
    "belief_error",
]


def test_registry_holds_the_required_metrics_with_kind_and_unit():
    for name in REQUIRED:
        m = METRICS[name]
        assert m.kind in ("outcome", "output", "organisation")
        assert m.unit and m.description and m.better in ("higher", "lower")


def test_every_outcome_metric_is_moved_by_the_drivers_in_the_funnel():
    """No outcome metric's driver weights are set by hand: the funnel gives each of them (sim.value; the weights are
    checked against the simulated funnel in tests/test_value.py)."""
    from sim import Scenario
    from sim.value import yardstick

    weights = yardstick(Scenario()).weights
    for m in METRICS.values():
        if m.kind == "outcome":
            assert np.abs(weights[m.name]).max() == pytest.approx(1.0), m.name


def test_unknown_metric_names_the_allowed_ones():
    with pytest.raises(KeyError, match="allowed: activation_rate_30d"):
        metric("vibes")


def test_ratio_summary_is_ratio_of_sums_not_mean_of_ratios():
    rec = Records(2)
    rec.add("activated30", 0, 1)
    rec.add("cohort_closed", 0, 1)
    rec.add("activated30", 1, 0)
    rec.add("cohort_closed", 1, 3)
    assert summarise(rec)["activation_rate_30d"] == pytest.approx(0.25)
    assert window_value(METRICS["activation_rate_30d"], rec, 0, 2) == pytest.approx(0.25)


def test_sum_metrics_sum_and_window_gives_weekly_mean():
    rec = Records(4)
    for t, n in enumerate([3, 5, 0, 4]):
        rec.add("leads", t, n)
    assert summarise(rec)["leads"] == 12
    assert window_value(METRICS["leads"], rec, 2, 4) == pytest.approx(2.0)


def test_median_days_from_histogram():
    rec = Records(2)
    rec.success_days[0, [3, 10, 40]] = 1
    rec.success_days[1, 12] = 1
    assert summarise(rec)["median_days_to_first_success"] == pytest.approx(10, abs=2)
    assert window_value(METRICS["median_days_to_first_success"], rec, 1, 2) == 12


def test_undefined_ratios_are_carried_forward_and_nan_before_any_data():
    rec = Records(3)
    rec.add("activated30", 1, 1)
    rec.add("cohort_closed", 1, 2)
    frame = weekly_frame(rec)
    assert math.isnan(frame["activation_rate_30d"][0])
    assert list(frame["activation_rate_30d"][1:]) == [0.5, 0.5]
    assert math.isnan(window_value(METRICS["activation_rate_30d"], rec, 2, 3))


def test_undefined_summaries_are_nan_never_zero():
    """Nothing released: lead and cycle time are undefined (NaN, shown as "—"), not 0 weeks."""
    from sim.metrics import format_number, summarise

    rec = Records(4)
    summary = summarise(rec)
    for name in ("lead_time_weeks", "cycle_time_weeks", "activation_rate_30d", "flow_efficiency"):
        assert math.isnan(summary[name]), name
    assert summary["features_delivered"] == 0.0
    assert format_number(summary["lead_time_weeks"]) == "—"


def test_weekly_and_summary_agree_for_a_real_run(small):
    r = run(small, seed=3)
    assert len(r.weekly) == small.weeks
    assert list(r.weekly["week"]) == list(range(1, small.weeks + 1))
    assert r.summary["leads"] == pytest.approx(r.weekly["leads"].sum())
    assert r.summary["features_delivered"] == pytest.approx(r.weekly["features_delivered"].sum())
    assert set(METRICS) <= set(r.summary) and set(METRICS) <= set(r.weekly.columns)
    assert not np.isnan(list(r.summary.values())).any()
