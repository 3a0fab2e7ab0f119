"""Calibration: parameter recovery on synthetic data, determinism, resuming, and honesty about what data inform."""

import numpy as np
import pandas as pd
import pytest

from sim.input import orgsheet
from sim.input.observed import Observed, simulated
from sim.model import AlignmentModel
from sim.research import calibration

TRUE = {"activation_hazard": 0.4, "contact_rate": 0.2, "item_size": 1.5}
SERIES = ("activation_30d", "support_contacts", "releases")
#: the recovery's budget: 20 + 15 x 3 + 2 x 18 candidates x 3 seeds (about 300 runs)
BUDGET = dict(trials=20, seeds=3, band_seeds=6, local_evals=15, design_points=6)


@pytest.fixture(scope="module")
def organisation():
    return orgsheet.import_file(orgsheet.template_xlsx(), "org.xlsx").scenario.with_overrides(
        {"customers.population": 2000}
    )


def _synthetic(scenario, true, months=12, seed=777, series=SERIES):
    shape = Observed(
        "month", pd.DataFrame({s: np.zeros(months) for s in series}, index=pd.RangeIndex(1, months + 1, name="period"))
    )
    truth = calibration.with_values(calibration.prepared(scenario, shape), true)
    return Observed("month", simulated(AlignmentModel(truth, seed=seed, weeks=shape.weeks()).run().records, shape))


@pytest.fixture(scope="module")
def recovered(organisation):
    """A small recovery of three parameters: known parameters -> one synthetic year of monthly data (its own
    seed) -> fit. The data seed is fixed; how often intervals cover the truth over many data seeds is measured at
    full size (docs/CALIBRATION.md, docs/examples/own_org.py recovery)."""
    observed = _synthetic(organisation, TRUE, seed=778)
    return observed, calibration.calibrate(organisation, observed, **BUDGET)


def test_known_parameters_are_recovered_within_their_intervals(recovered):
    _, fit = recovered
    est = fit.estimates.set_index("parameter")
    for name, truth in TRUE.items():
        row = est.loc[name]
        assert row.status in ("fitted", "weak")
        assert row.low <= truth <= row.high, (name, truth, row.low, row.high)
        assert row.low <= row.estimate <= row.high
    # the intervals say something: they do not cover most of their search ranges
    assert (est.loc[list(TRUE), "status"] == "fitted").sum() >= 2
    assert list(fit.covariance.index) == list(TRUE)


def test_parameters_no_series_informs_are_left_at_defaults_and_said_so(recovered, organisation):
    _, fit = recovered
    est = fit.estimates.set_index("parameter")
    for name in ("lead_rate", "close_rate", "churn_activated"):
        assert est.loc[name, "status"] == "not identifiable"
        assert est.loc[name, "estimate"] == est.loc[name, "default"]
    assert fit.scenario.customers.lead_rate == organisation.customers.lead_rate
    assert "lead_rate" in " ".join(fit.notes)


def test_the_fit_beats_the_uncalibrated_organisation(recovered, organisation):
    _observed, fit = recovered
    first = fit.trials.iloc[0]  # the first candidate is the organisation as it is
    assert first["contact_rate"] == pytest.approx(organisation.customers.contact_rate)
    assert fit.distance < first["distance"]
    assert fit.scenario.customers.contact_rate == pytest.approx(
        fit.estimates.set_index("parameter").loc["contact_rate", "estimate"]
    )


def test_the_band_and_the_quality_are_reported_per_series(recovered):
    _observed, fit = recovered
    assert set(fit.fit["series"]) == set(SERIES) and len(fit.fit) == 12 * len(SERIES)
    ok = fit.fit["simulated"].notna()
    assert (fit.fit["low"] <= fit.fit["simulated"])[ok].all() and (fit.fit["simulated"] <= fit.fit["high"])[ok].all()
    q = fit.quality.set_index("series")
    assert (q["points"] >= 10).all()
    assert q["coverage"].mean() >= 0.5  # data from the model itself mostly fall in the model's 95 % band
    assert "inside the 95 % band" in fit.report()


def test_same_seed_same_fit_and_a_stored_fit_resumes(organisation, tmp_path):
    observed = _synthetic(organisation, {"activation_hazard": 0.4}, months=4, series=("activation_30d",))
    small = organisation.with_overrides({"customers.population": 300})  # determinism and resuming: a small market
    kw = dict(trials=4, seeds=2, band_seeds=2, local_evals=2, design_points=3)
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
    seconds = calibration.estimated_seconds(
        organisation, observed, trials=10, seeds=2, band_seeds=4, local_evals=3, design_points=5
    )
    from sim.registry import cost

    one = cost(calibration.prepared(organisation, observed))
    # one parameter: 10 global + 3 local + 2 design stages of max(5 x 1, 3 coefficients + 1) candidates + the
    # estimate's on the fit's seeds (one per share of the step, if backtracked)
    runs = (10 + 3 + calibration.DESIGN_STAGES * 5 + len(calibration.LINE_STEPS)) * 2 + 4
    assert seconds == pytest.approx(one * runs)
    # the fit evaluates at most that many candidates
    fit = calibration.calibrate(
        organisation.with_overrides({"customers.population": 300}),
        observed,
        trials=4,
        seeds=2,
        band_seeds=2,
        local_evals=2,
        design_points=3,
    )
    assert len(fit.trials) <= calibration.candidates(1, 4, 2, 3) == 4 + 2 + 2 * 4 + len(calibration.LINE_STEPS)


def test_the_reported_distance_is_the_written_estimates_on_the_fits_seeds(recovered):
    observed, fit = recovered
    est = fit.estimates.set_index("parameter").loc[list(TRUE), "estimate"]
    rows = fit.trials[np.isclose(fit.trials[list(TRUE)], est.to_numpy(), rtol=1e-9).all(axis=1)]
    assert len(rows) >= 1 and fit.distance == pytest.approx(rows["distance"].iloc[-1])
    again = calibration.simulate_tables(fit.scenario, observed, list(range(BUDGET["seeds"])))  # seeds 0, 1, 2
    assert calibration.distance(observed.data.to_numpy(dtype=float), again) == pytest.approx(fit.distance)


def test_the_calibrated_scenario_says_what_it_was_fitted_to(recovered):
    _, fit = recovered
    out = calibration.described(fit, "my_org")
    assert out.name == "my_org" and f"Calibrated to {fit.points} observed monthly values" in out.description
    assert "contact_rate" in out.description


class _KnownModel(calibration._Search):
    """The interval machinery on a model known in closed form: three series whose means are linear in the
    parameters (range units) plus Gaussian noise. New customers respond to lead and close rate alike, leads weakly
    to the lead rate only, releases to item size only: lead and close rate trade off (strongly correlated, as
    through the funnel), item size is independent of both."""

    TRUTH = np.array([0.5, 0.45, 0.55])
    PERIODS, SD, SEEDS = 10, 1.0, 20
    #: share of the noise's variance that is a level a run keeps through all its periods, the same in every series
    #: (a run with an unusually large customer base is high all year, in every count); 0: independent noise
    LEVEL = 0.0

    def __init__(self, slopes: np.ndarray, observed_seed: int | None = None):
        self.slopes = slopes  # series x parameters
        params = [calibration.PARAMETERS[n] for n in ("lead_rate", "close_rate", "item_size")]
        self.rng = np.random.default_rng(5 if observed_seed is None else [5, observed_seed])
        observed = self.mean(self.TRUTH) + (0.0 if observed_seed is None else self.noise(1)[0])  # one draw
        shape = Observed(
            "month",
            pd.DataFrame(
                np.broadcast_to(observed, (self.PERIODS, 3)),
                columns=["new_customers", "leads", "releases"],
                index=pd.RangeIndex(1, self.PERIODS + 1, name="period"),
            ),
        )
        super().__init__(None, shape, params, list(range(self.SEEDS)), None, 0)  # never simulates

    def mean(self, x):
        return 100.0 + self.slopes @ (x - self.TRUTH)

    def noise(self, runs: int) -> np.ndarray:
        fresh = self.rng.standard_normal((runs, self.PERIODS, 3))
        level = self.rng.standard_normal((runs, 1, 1))
        return self.SD * (np.sqrt(1 - self.LEVEL) * fresh + np.sqrt(self.LEVEL) * level)

    def simulate(self, values, seeds):
        x = np.array([self._to_unit(p, values[p.name]) for p in self.params])
        return self.mean(x) + self.noise(len(seeds))

    def expected(self) -> np.ndarray:
        """The distance's curvature A = J' W J (range units) that the intervals should find."""
        weight = 1.0 / (self.SD**2 * (1 + 1 / self.SEEDS))
        return self.PERIODS * weight * self.slopes.T @ self.slopes


FUNNEL = 12.0 * np.array([[1.0, 1.0, 0.0], [0.35, 0.0, 0.0], [0.0, 0.0, 1.0]])


def _intervals(search):
    search({p.name: search._from_unit(p, c + 0.03) for p, c in zip(search.params, search.TRUTH)})  # the "best"
    out = search.intervals(design_points=9, seed=0)
    return [tuple(search._to_unit(p, x) for x in out[p.name]) for p in search.params]


def test_intervals_are_profiles_with_the_others_refitted_so_correlated_parameters_widen():
    search = _KnownModel(FUNNEL)
    A = search.expected()
    for j, (lo, hi) in enumerate(_intervals(search)):
        profile = np.sqrt(3.841 * np.linalg.inv(A)[j, j])  # the true half-width with the others re-fitted
        held = np.sqrt(3.841 / A[j, j])  # the others held at their best values
        assert lo <= search.TRUTH[j] <= hi
        assert (hi - lo) / 2 == pytest.approx(profile, rel=0.2), search.params[j].name
        if j < 2:  # the correlated pair: holding the partner at its best would give less than a third the width
            assert (hi - lo) / 2 > 2.5 * held
        else:  # the independent parameter: no widening
            assert (hi - lo) / 2 == pytest.approx(held, rel=0.2)
    cov = search.covariance
    assert cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]) == pytest.approx(-0.94, abs=0.05)
    assert search.smoothed["lead_rate"] == pytest.approx(search._from_unit(search.params[0], 0.5), rel=0.05)


def test_a_parameter_no_series_responds_to_gets_the_whole_range():
    slopes = FUNNEL.copy()
    slopes[2, 2] = 0.0  # releases do not respond to item size
    intervals = _intervals(_KnownModel(slopes))
    assert intervals[2] == (0.0, 1.0)
    assert intervals[0][1] - intervals[0][0] < 0.5


class _PersistentNoise(_KnownModel):
    LEVEL = 0.4  # correlation 0.4 between any two periods of any two series of a run


def test_with_noise_correlated_across_periods_and_series_the_sandwich_matches_the_true_spread():
    """Observed data drawn afresh 100 times from a model whose noise persists through a run and co-moves across
    series: the spread of the estimates over those draws is what the intervals should state. The distance's
    weights count 10 periods as 10 (1 - 0.4) / (1 + 0.4) = 4.3 independent ones per series (2.2 in truth) and
    the series as independent; for the lead rate and item size the curvature's ``A^-1`` is then too narrow (0.7 of
    the true spread), the sandwich is not (it comes out 5-10 % wide here: the estimate is kept within the designed
    candidates' reach, which trims its spread a little)."""
    estimates, sandwich, curvature = [], [], []
    for draw in range(100):
        search = _PersistentNoise(FUNNEL, observed_seed=draw)
        search({p.name: search._from_unit(p, c + 0.03) for p, c in zip(search.params, search.TRUTH)})
        search.intervals(design_points=9, seed=draw, band_seeds=list(range(20)))
        estimates.append([search._to_unit(p, search.smoothed[p.name]) for p in search.params])
        sandwich.append(np.sqrt(np.diag(search.covariance)))
        curvature.append(np.sqrt(np.diag(search.curvature)))
    true = np.std(estimates, axis=0, ddof=1)
    stated, naive = np.mean(sandwich, axis=0) / true, np.mean(curvature, axis=0) / true
    assert (stated > 0.9).all() and (stated < 1.2).all(), stated
    assert naive[0] < 0.8 and naive[2] < 0.8, naive  # lead rate and item size: too narrow
    covered = (np.abs(np.array(estimates) - search.TRUTH) <= 1.96 * np.array(sandwich)).mean(axis=0)
    assert (covered >= 0.9).all(), covered


def test_the_observations_covariance_is_shrunk_toward_its_diagonal_when_runs_are_few():
    rng = np.random.default_rng(3)
    points, corr = 40, 0.5
    true = 4.0 * ((1 - corr) * np.eye(points) + corr)
    runs = rng.multivariate_normal(np.zeros(points), true, size=24)
    sample = np.cov(runs, rowvar=False)
    shrunk, intensity = calibration.observation_covariance([runs[:12], runs[12:] + 50.0])  # groups: own means
    assert 0.0 < intensity < 1.0
    assert np.linalg.eigvalsh(shrunk).min() > 0  # 22 degrees of freedom for 40 points: the sample is singular
    assert np.linalg.eigvalsh(sample).min() < 1e-8
    assert np.linalg.norm(shrunk - true) < np.linalg.norm(sample - true)
    # many runs of strongly correlated points: hardly shrunk; independent ones: shrunk to the diagonal
    strong = rng.multivariate_normal(np.zeros(5), 0.2 * np.eye(5) + 0.8, size=400)
    assert calibration.observation_covariance([strong])[1] < 0.05
    assert calibration.observation_covariance([rng.standard_normal((400, 5))])[1] > 0.5


class _CurvedRidge(_KnownModel):
    """The known model with new customers bending with the lead rate: the lead/close ridge is curved, and a
    Gauss-Newton step from a linearisation follows its tangent past the bend."""

    def mean(self, x):
        d = x - self.TRUTH
        out = 100.0 + self.slopes @ d
        out[0] += 60.0 * d[0] ** 2
        return out


def test_on_a_curved_ridge_the_backtracked_step_lands_closer_than_the_full_step(monkeypatch):
    """Backtracking the step (not the default: on the funnel it did not raise coverage, docs/CALIBRATION.md) on
    paired draws (same observed data, same design, same noise up to the step): the backtracked estimate is never
    worse than the full step with the design's weights, and on average closer to the truth."""
    errors = {}
    for steps in ((1.0,), (1.0, 0.5, 0.25)):
        monkeypatch.setattr(calibration, "LINE_STEPS", steps)
        errors[steps] = []
        for draw in range(30):
            search = _CurvedRidge(FUNNEL, observed_seed=draw)
            search({p.name: search._from_unit(p, c + 0.1) for p, c in zip(search.params, search.TRUTH)})
            search.intervals(design_points=9, seed=draw)
            full, chosen = search.line[0][0], dict((i, d) for d, i in search.line)[search.estimate]
            assert chosen <= full and search.line[0][1] <= search.estimate
            estimate = np.array([search._to_unit(p, search.smoothed[p.name]) for p in search.params])
            errors[steps].append(np.abs(estimate - search.TRUTH).sum())
    full, backtracked = (np.mean(e) for e in errors.values())
    assert backtracked < 0.95 * full, (backtracked, full)
