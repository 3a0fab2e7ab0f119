"""Calibration: parameter recovery on synthetic data, determinism, resuming, and honesty about what data inform."""

import numpy as np
import pandas as pd
import pytest

from sim import calibration, orgsheet
from sim.model import AlignmentModel
from sim.observed import Observed, simulated

TRUE = {"contact_rate": 0.2, "item_size": 1.5}
SERIES = ("support_contacts", "releases")


@pytest.fixture(scope="module")
def organisation():
    return orgsheet.import_file(orgsheet.template_xlsx(), "org.xlsx").scenario.with_overrides(
        {"customers.population": 2000})


def _synthetic(scenario, true, months=12, seed=777, series=SERIES):
    shape = Observed("month", pd.DataFrame({s: np.zeros(months) for s in series},
                                           index=pd.RangeIndex(1, months + 1, name="period")))
    truth = calibration.with_values(calibration.prepared(scenario, shape), true)
    return Observed("month", simulated(AlignmentModel(truth, seed=seed, weeks=shape.weeks()).run().records, shape))


@pytest.fixture(scope="module")
def recovered(organisation):
    """A small recovery: known parameters -> one synthetic year of monthly data (its own seed) -> fit. The data
    seed is fixed; how often intervals cover the truth over many data seeds is measured at full size
    (docs/CALIBRATION.md, docs/examples/own_org.py recovery)."""
    observed = _synthetic(organisation, TRUE)
    return observed, calibration.calibrate(organisation, observed, trials=8, seeds=3, band_seeds=6,
                                                local_evals=6, grid_points=7)


def test_known_parameters_are_recovered_within_their_intervals(recovered):
    _, fit = recovered
    est = fit.estimates.set_index("parameter")
    for name, truth in TRUE.items():
        row = est.loc[name]
        assert row.status in ("fitted", "weak")
        assert row.low <= truth <= row.high, (name, truth, row.low, row.high)
        assert row.low <= row.estimate <= row.high
        assert row.estimate != pytest.approx(row.default, rel=0.05)  # the data moved it away from the default
    # the intervals say something: neither covers most of its search range
    assert (est.loc[list(TRUE), "status"] == "fitted").all()


def test_parameters_no_series_informs_are_left_at_defaults_and_said_so(recovered, organisation):
    _, fit = recovered
    est = fit.estimates.set_index("parameter")
    for name in ("lead_rate", "close_rate", "churn_activated", "activation_hazard"):
        assert est.loc[name, "status"] == "not identifiable"
        assert est.loc[name, "estimate"] == est.loc[name, "default"]
    assert fit.scenario.customers.lead_rate == organisation.customers.lead_rate
    assert "lead_rate" in " ".join(fit.notes)


def test_the_fit_beats_the_uncalibrated_organisation(recovered, organisation):
    observed, fit = recovered
    first = fit.trials.iloc[0]  # the first candidate is the organisation as it is
    assert first["contact_rate"] == pytest.approx(organisation.customers.contact_rate)
    assert fit.distance < first["distance"]
    assert fit.scenario.customers.contact_rate == pytest.approx(
        fit.estimates.set_index("parameter").loc["contact_rate", "estimate"])


def test_the_band_and_the_quality_are_reported_per_series(recovered):
    observed, fit = recovered
    assert set(fit.fit["series"]) == set(SERIES) and len(fit.fit) == 12 * len(SERIES)
    assert (fit.fit["low"] <= fit.fit["simulated"]).all() and (fit.fit["simulated"] <= fit.fit["high"]).all()
    q = fit.quality.set_index("series")
    assert (q["points"] == 12).all()
    assert q["coverage"].mean() >= 0.5  # data from the model itself mostly fall in the model's 95 % band
    assert "inside the 95 % band" in fit.report()


def test_same_seed_same_fit_and_a_stored_fit_resumes(organisation, tmp_path):
    observed = _synthetic(organisation, {"activation_hazard": 0.4}, months=4, series=("activation_30d",))
    small = organisation.with_overrides({"customers.population": 800})
    kw = dict(trials=4, seeds=2, band_seeds=2, local_evals=2, grid_points=3)
    a = calibration.calibrate(small, observed, **kw)
    b = calibration.calibrate(small, observed, **kw)
    pd.testing.assert_frame_equal(a.estimates, b.estimates)
    pd.testing.assert_frame_equal(a.fit, b.fit)
    store = tmp_path / "fit.study.log"
    calibration.calibrate(small, observed, **{**kw, "trials": 3}, storage=store)
    seen = []
    resumed = calibration.calibrate(small, observed, **kw, storage=store, progress=lambda d, t: seen.append(d))
    pd.testing.assert_frame_equal(resumed.trials.iloc[:3], a.trials.iloc[:3])  # the stored candidates
    assert seen[0] > 1  # the first three were not run again


def test_cost_is_estimated_up_front_from_the_registry(organisation):
    observed = _synthetic(organisation, {}, months=3, series=("releases",))
    seconds = calibration.estimated_seconds(organisation, observed, trials=10, seeds=2, band_seeds=4, local_evals=3,
                                            grid_points=5)
    from sim.registry import cost

    one = cost(calibration.prepared(organisation, observed))
    runs = (10 + (3 + calibration.PROFILE_ZOOMS * 5) * 1 + calibration.NOISE_SETS) * 2 + 4
    assert seconds == pytest.approx(one * runs)


def test_the_calibrated_scenario_says_what_it_was_fitted_to(recovered):
    _, fit = recovered
    out = calibration.described(fit, "my_org")
    assert out.name == "my_org" and "Calibrated to 24 observed monthly values" in out.description
    assert "contact_rate" in out.description
