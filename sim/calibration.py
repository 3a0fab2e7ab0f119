"""Calibration: fit the customer-funnel and delivery parameters of an organisation to its own observed series.

Simulation-based, over seeds (docs/CALIBRATION.md):

- **Which parameters.** Each parameter in :data:`PARAMETERS` is informed by some observed series (e.g. the
  activation hazard by 30-day activation). Parameters none of the given series inform are not fitted: they keep
  their values and the result says so.
- **Distance.** For a candidate, the scenario runs on the same ``seeds`` as every other candidate (common random
  numbers). Per series ``s`` and period ``t``, ``m`` is the mean simulated value over the seeds and ``v_s`` the
  simulated variance across seeds, pooled over the periods of the series. The distance is
  ``D = sum_s sum_t (observed - m)^2 / (v_s * (1 + 1/seeds))``: a Gaussian approximation of -2 log likelihood
  (the observation is one draw, the mean has variance ``v_s / seeds``); about one per data point at a good fit.
- **Search.** Optuna's TPE sampler with a fixed seed (same inputs and seed: same trials, same result).
- **Uncertainty.** Every candidate with ``D <= D_min + chi2_95(k)`` (``k`` fitted parameters) lies in an
  approximate joint 95 % confidence region; each parameter's interval is the range of that set (a projection,
  conservative). A fitted parameter whose interval covers more than :data:`WEAK_SHARE` of its search range
  (in log units for rates) is reported as not identified by these data.
- **Fit.** The best candidate runs on ``band_seeds`` fresh seeds: observed against the simulated mean and the
  95 % band (2.5 and 97.5 percentiles), per series the share of observed points inside the band and the
  normalised root mean squared error.

Long fits are resumable: with ``storage`` (a file path) the trials go to an Optuna journal file, and a rerun with
the same inputs continues where it stopped.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import chi2

from sim.input import ScenarioError
from sim.observed import SERIES, Observed, simulated, to_csv
from sim.registry import cost
from sim.scenario import Scenario

#: A fitted parameter whose interval covers more than this share of its search range is not identified.
WEAK_SHARE = 0.6
#: Default budget: candidates, seeds per candidate, seeds for the band.
TRIALS, SEEDS, BAND_SEEDS = 60, 4, 20
#: Fresh seeds for the band start here (the fit's seeds start at the calibration's seed).
BAND_SEED_OFFSET = 100_000
STUDY = "alignsim-calibration"
#: Refinement: grid points per parameter, and the grid's half-width as a share of the search range (log units).
REFINE_POINTS, REFINE_WINDOW = 9, 0.2
#: A profile zooms in (a third of the window each time, at most this often) until four grid points lie within
#: PROFILE_CUT of its minimum; the parabola is fitted to those points only.
PROFILE_ZOOMS, PROFILE_CUT = 3, 12.0
#: Extra sets of seeds on which the best candidate is run to measure the distance's Monte Carlo noise.
NOISE_SETS, NOISE_SEED_OFFSET = 2, 10_000
#: Local search (Nelder-Mead) after the global one: at most this many candidates per fitted parameter.
LOCAL_EVALS = 25


@dataclass(frozen=True)
class Parameter:
    """A parameter the data can inform: where it lives in the scenario, its search range, which series inform it."""

    name: str
    path: str
    low: float
    high: float
    log: bool
    informed_by: tuple[str, ...]
    meaning: str

    def value(self, scenario: Scenario) -> float:
        if self.path == "kinds.*.size":
            return 1.0
        node = scenario
        for part in self.path.split("."):
            node = node[part] if isinstance(node, dict) else getattr(node, part)
        return float(node)

    def overrides(self, scenario: Scenario, value: float) -> dict[str, float]:
        if self.path == "kinds.*.size":  # a multiplier on every kind's size
            return {f"kinds.{k}.size": min(100.0, kind.size * value) for k, kind in scenario.kinds.items()}
        return {self.path: value}

    def width(self, low: float, high: float) -> float:
        """Share of the search range an interval covers (log units for rates)."""
        f = math.log if self.log else (lambda x: x)
        return (f(high) - f(low)) / (f(self.high) - f(self.low))


PARAMETERS: dict[str, Parameter] = {p.name: p for p in [
    Parameter("lead_rate", "customers.lead_rate", 0.001, 0.03, True, ("leads", "new_customers"),
              "weekly chance a prospect becomes a lead"),
    Parameter("close_rate", "customers.close_rate", 0.02, 0.5, True, ("new_customers",),
              "weekly chance a lead buys, at feature fit 1"),
    Parameter("activation_hazard", "customers.activation_hazard", 0.05, 0.9, True, ("activation_30d",),
              "weekly chance of first success at perfect drivers"),
    Parameter("churn_activated", "customers.churn_activated", 0.0002, 0.01, True, ("churned",),
              "weekly churn of activated customers"),
    Parameter("contact_rate", "customers.contact_rate", 0.01, 2.0, True, ("support_contacts",),
              "weekly support contacts per activated customer"),
    Parameter("item_size", "kinds.*.size", 0.3, 3.0, True, ("releases",),
              "size of work items relative to the scenario's (delivery: releases per person-week)"),
]}


@dataclass
class Calibration:
    """A finished fit: the calibrated scenario and what supports it."""

    scenario: Scenario
    #: parameter, meaning, informed_by, default, estimate, low, high, status (fitted | weak | not identifiable)
    estimates: pd.DataFrame
    #: period, series, observed, simulated (mean), low, high (95 % band)
    fit: pd.DataFrame
    #: series, points, coverage (share inside the band), nrmse
    quality: pd.DataFrame
    #: candidate, distance and the parameter values of every candidate evaluated
    trials: pd.DataFrame
    distance: float
    points: int
    frequency: str
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        """A short plain-text report of the estimates and the fit's quality (in the current language)."""
        from sim.i18n import _

        lines = [_("fit: distance {d:.1f} over {n} data points (about {n} or less at a good fit); {c} candidates "
                   "evaluated").format(d=self.distance, n=self.points, c=len(self.trials))]
        for r in self.estimates.itertuples():
            if r.status == "not identifiable":
                lines.append(_("  {p}: {v:.4g} (default; no data informs it)").format(p=r.parameter, v=r.default))
            else:
                weak = _(" (weakly identified: the data say little)") if r.status == "weak" else ""
                lines.append(_("  {p}: {e:.4g} [{lo:.4g}, {hi:.4g}] (default {d:.4g}){weak}").format(
                    p=r.parameter, e=r.estimate, lo=r.low, hi=r.high, d=r.default, weak=weak))
        for r in self.quality.itertuples():
            lines.append(_("  {s}: {c:.0%} of {n} points inside the 95 % band, normalised RMSE {e:.2f}").format(
                s=r.series, c=r.coverage, n=r.points, e=r.nrmse))
        return "\n".join(lines + [_("  note: {note}").format(note=n) for n in self.notes])


def fitted_parameters(observed: Observed) -> list[Parameter]:
    """The parameters the observed series inform."""
    return [p for p in PARAMETERS.values() if any(s in observed.series for s in p.informed_by)]


def prepared(scenario: Scenario, observed: Observed) -> Scenario:
    """The scenario with a horizon that covers the observed periods."""
    return scenario.with_overrides({"weeks": observed.weeks()})


def estimated_seconds(scenario: Scenario, observed: Observed, trials: int = TRIALS, seeds: int = SEEDS,
                      band_seeds: int = BAND_SEEDS, local_evals: int = LOCAL_EVALS,
                      grid_points: int = REFINE_POINTS) -> float:
    """Estimated seconds of computing a fit takes at most (``sim.registry.cost``)."""
    refine = (local_evals + PROFILE_ZOOMS * grid_points) * len(fitted_parameters(observed)) + NOISE_SETS
    return cost(prepared(scenario, observed), (trials + refine) * seeds + band_seeds)


def with_values(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """The scenario with parameter values set (validated as a whole)."""
    overrides: dict[str, float] = {}
    for name, value in values.items():
        overrides.update(PARAMETERS[name].overrides(scenario, float(value)))
    return scenario.with_overrides(overrides)


def simulate_tables(scenario: Scenario, observed: Observed, seeds: list[int]) -> np.ndarray:
    """Simulated tables over seeds: an array seeds x periods x series."""
    from sim.model import AlignmentModel

    out = []
    for s in seeds:
        records = AlignmentModel(scenario, seed=s, weeks=observed.weeks()).run().records
        out.append(simulated(records, observed).to_numpy(dtype=float))
    return np.array(out)


def distance(obs: np.ndarray, sims: np.ndarray) -> float:
    """The documented distance between observed (periods x series, NaN missing) and simulated tables
    (seeds x periods x series): standardised squared error of the mean over seeds, summed."""
    n = sims.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: a period without a value
        mean = np.nanmean(sims, axis=0)
        var = np.nanmean(np.nanvar(sims, axis=0, ddof=1), axis=0)
        dev = np.nan_to_num(sims - mean)
        lagged = (dev[:, 1:] * dev[:, :-1]).sum(axis=(0, 1))
        rho = np.clip(np.nan_to_num(lagged / (dev ** 2).sum(axis=(0, 1))), 0.0, 0.95)
    scale = np.nanmean(np.abs(obs), axis=0)
    var = np.maximum(np.nan_to_num(var, nan=0.0), np.maximum((0.01 * scale) ** 2, 1e-9))
    # successive periods of a run are correlated (a run above the mean stays above it): each series counts as
    # its effective number of independent periods, n (1 - rho) / (1 + rho) with rho the lag-1 autocorrelation
    resid = (obs - mean) ** 2 / (var * (1.0 + 1.0 / max(n, 1))) * ((1.0 - rho) / (1.0 + rho))
    ok = ~np.isnan(obs)
    missing = ok & np.isnan(mean)  # the model has no value where data do (e.g. no cohort ended): a full miss
    resid = np.where(missing, 4.0, resid)
    return float(np.nansum(np.where(ok, resid, np.nan)))


def _fingerprint(scenario: Scenario, observed: Observed, seeds: int, seed: int) -> str:
    text = scenario.to_toml() + to_csv(observed.data, observed.frequency) + f"{seeds}:{seed}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def calibrate(scenario: Scenario, observed: Observed, trials: int = TRIALS, seeds: int = SEEDS, seed: int = 0,
              band_seeds: int = BAND_SEEDS, storage: str | Path | None = None,
              progress: Callable[[int, int], None] | None = None, local_evals: int = LOCAL_EVALS,
              grid_points: int = REFINE_POINTS) -> Calibration:
    """Fit ``scenario`` to ``observed``; deterministic for a given ``seed``. ``progress(done, total)`` is called
    after every candidate; ``storage`` (a file) makes the fit resumable. ``trials`` (global search),
    ``local_evals`` (local search, per fitted parameter) and ``grid_points`` (interval grid, per fitted
    parameter) bound the candidates; each runs on ``seeds`` seeds."""
    import optuna

    if scenario.model != "alignment":
        raise ScenarioError(f"calibration fits the alignment model; the scenario runs on {scenario.model!r}")
    if trials < 2 or seeds < 2 or band_seeds < 2:
        raise ScenarioError("calibration needs at least 2 trials, 2 seeds and 2 band seeds")
    base = prepared(scenario, observed)
    params = fitted_parameters(observed)
    obs = observed.data.to_numpy(dtype=float)
    search = _Search(base, observed, params, [seed + i for i in range(seeds)], progress,
                     total=trials + (local_evals + PROFILE_ZOOMS * grid_points) * len(params))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=max(5, min(15, trials // 3)),
                                         multivariate=True)
    key = _fingerprint(base, observed, seeds, seed)
    store = None
    if storage is not None:
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        store = JournalStorage(JournalFileBackend(str(storage)))
    study = optuna.create_study(study_name=f"{STUDY}-{key}", storage=store, sampler=sampler,
                                direction="minimize", load_if_exists=True)
    for t in study.trials:  # a resumed fit: the stored candidates count as evaluated
        if t.state == optuna.trial.TrialState.COMPLETE:
            search.seen.append((dict(t.params), float(t.value)))
    done = len(search.seen)

    def objective(trial: optuna.Trial) -> float:
        return search({p.name: trial.suggest_float(p.name, p.low, p.high, log=p.log) for p in params})

    if params:
        if done == 0:  # the first candidate is the organisation as it is: the fit can only improve on it
            study.enqueue_trial({p.name: min(max(p.value(base), p.low), p.high) for p in params})
        if trials - done > 0:
            study.optimize(objective, n_trials=trials - done)
        search.local(local_evals)
        intervals = search.intervals(grid_points)
    else:
        search({})
        intervals = {}
    best, d_min = search.best()
    best.update(search.smoothed)
    calibrated = with_values(base, best)
    table = pd.DataFrame([{"candidate": i, "distance": d, **v} for i, (v, d) in enumerate(search.seen)])
    rows = []
    for p in PARAMETERS.values():
        default = p.value(base)
        row = {"parameter": p.name, "meaning": p.meaning, "informed_by": ", ".join(p.informed_by),
               "default": default, "estimate": default, "low": float("nan"), "high": float("nan"),
               "status": "not identifiable"}
        if p in params:
            low, high = intervals[p.name]
            row.update(estimate=float(best[p.name]), low=low, high=high,
                       status="weak" if p.width(low, high) > WEAK_SHARE else "fitted")
        rows.append(row)
    estimates = pd.DataFrame(rows)

    band = simulate_tables(calibrated, observed, [BAND_SEED_OFFSET + seed + i for i in range(band_seeds)])
    fit_rows, quality_rows = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean, low, high = (np.nanmean(band, 0), np.nanpercentile(band, 2.5, 0), np.nanpercentile(band, 97.5, 0))
    for j, name in enumerate(observed.series):
        o = obs[:, j]
        for i, period in enumerate(observed.data.index):
            fit_rows.append({"period": int(period), "series": name, "observed": o[i], "simulated": mean[i, j],
                             "low": low[i, j], "high": high[i, j]})
        ok = ~np.isnan(o) & ~np.isnan(mean[:, j])
        inside = (o[ok] >= low[ok, j]) & (o[ok] <= high[ok, j])
        scale = np.mean(np.abs(o[ok])) if ok.any() else float("nan")
        rmse = float(np.sqrt(np.mean((o[ok] - mean[ok, j]) ** 2))) if ok.any() else float("nan")
        quality_rows.append({"series": name, "points": int(ok.sum()), "coverage": float(inside.mean()) if ok.any()
                             else float("nan"), "nrmse": rmse / scale if scale else float("nan")})
    notes = []
    unused = [p.name for p in PARAMETERS.values() if p not in params]
    if unused:
        notes.append("not identifiable from these series, left at their values: " + ", ".join(unused))
    weak = estimates.loc[estimates["status"] == "weak", "parameter"].tolist()
    if weak:
        notes.append("weakly identified (the interval covers most of the search range): " + ", ".join(weak))
    return Calibration(calibrated, estimates, pd.DataFrame(fit_rows), pd.DataFrame(quality_rows), table, d_min,
                       int((~np.isnan(obs)).sum()), observed.frequency, notes)


class _Search:
    """Candidates evaluated on common seeds, remembered: the global search, the local one and the intervals."""

    def __init__(self, base: Scenario, observed: Observed, params: list[Parameter], seeds: list[int], progress,
                 total: int):
        self.base, self.observed, self.params, self.seeds = base, observed, params, seeds
        self.obs = observed.data.to_numpy(dtype=float)
        self.progress, self.total = progress, total
        self.seen: list[tuple[dict[str, float], float]] = []
        #: the vertex of each parameter's smoothed profile (the estimate)
        self.smoothed: dict[str, float] = {}
        self.allowance = 0.0

    def noise_allowance(self) -> float:
        """Twice the Monte Carlo spread (sd) of the best candidate's distance over NOISE_SETS disjoint sets of
        seeds: the simulated distance is itself noisy, so the intervals' threshold is raised by it."""
        best, d = self.best()
        others = [distance(self.obs, simulate_tables(with_values(self.base, best), self.observed,
                                                     [s + NOISE_SEED_OFFSET * (j + 1) for s in self.seeds]))
                  for j in range(NOISE_SETS)]
        self.allowance = 2.0 * float(np.std([d, *others], ddof=1))
        return self.allowance

    def __call__(self, values: dict[str, float]) -> float:
        d = distance(self.obs, simulate_tables(with_values(self.base, values), self.observed, self.seeds))
        self.seen.append((dict(values), d))
        if self.progress is not None:
            self.progress(min(len(self.seen), self.total), self.total)
        return d

    def best(self) -> tuple[dict[str, float], float]:
        values, d = min(self.seen, key=lambda x: x[1])
        return dict(values), d

    def _to_unit(self, p: Parameter, x: float) -> float:
        f = math.log if p.log else float
        return (f(x) - f(p.low)) / (f(p.high) - f(p.low))

    def _from_unit(self, p: Parameter, u: float) -> float:
        u = min(1.0, max(0.0, float(u)))
        if p.log:
            return math.exp(math.log(p.low) + u * (math.log(p.high) - math.log(p.low)))
        return p.low + u * (p.high - p.low)

    def local(self, evals: int) -> None:
        """Nelder-Mead from the best candidate, in units of each parameter's search range (log for rates)."""
        from scipy.optimize import minimize

        start, _ = self.best()
        x0 = np.array([self._to_unit(p, start[p.name]) for p in self.params])
        k = len(self.params)
        simplex = np.vstack([x0] + [x0 + np.where(np.arange(k) == i, 0.08 if x0[i] < 0.9 else -0.08, 0.0)
                                    for i in range(k)])
        minimize(lambda u: self({p.name: self._from_unit(p, x) for p, x in zip(self.params, u)}), x0,
                 method="Nelder-Mead", bounds=[(0.0, 1.0)] * k,
                 options={"initial_simplex": np.clip(simplex, 0.0, 1.0), "maxfev": evals * k,
                          "xatol": 0.002, "fatol": 0.05})

    def intervals(self, points: int) -> dict[str, tuple[float, float]]:
        """Per parameter, a profile through the best candidate: the distance on a grid of ``points`` values (others
        at their best), smoothed by a least-squares parabola (the simulated distance is noisy); the estimate is
        its vertex and the interval where it stays within ``chi2_95(1)`` of its minimum. The interval is widened
        to every evaluated candidate within ``chi2_95(k)`` of the best (the joint region's projection, for
        correlated parameters). A profile without upward curvature gives the whole search range."""
        level = chi2.ppf(0.95, 1) + self.noise_allowance()
        out: dict[str, tuple[float, float]] = {}
        for p in self.params:
            best, _ = self.best()
            centre, window = self._to_unit(p, best[p.name]), REFINE_WINDOW
            for zoom in range(PROFILE_ZOOMS):  # zoom in until a few grid points lie in the valley
                grid = np.linspace(max(0.0, centre - window), min(1.0, centre + window), max(points, 3))
                ds = np.array([self({**best, p.name: self._from_unit(p, u)}) for u in grid])
                keep = ds <= ds.min() + PROFILE_CUT
                if keep.sum() >= 4:
                    break
                centre, window = float(grid[int(ds.argmin())]), window / 3
            step = float(grid[1] - grid[0]) if grid.size > 1 else 0.0
            # the crossing lies between the last grid point inside and the next one outside
            inside = grid[ds <= ds.min() + level]
            lo, hi = inside.min() - step, inside.max() + step
            if keep.sum() >= 3:
                a, b, _ = np.polyfit(grid[keep], ds[keep], 2)
                if a <= 0:  # no curvature where the profile is low: flat as far as the grid sees
                    lo, hi = grid[keep].min() - step, grid[keep].max() + step
                else:
                    vertex = float(np.clip(-b / (2 * a), grid[keep].min(), grid[keep].max()))
                    half = math.sqrt(level / a)
                    self.smoothed[p.name] = self._from_unit(p, vertex)
                    lo, hi = min(lo, vertex - half), max(hi, vertex + half)
            out[p.name] = (max(0.0, lo), min(1.0, hi))
        best, d_min = self.best()
        surface = self._surface()
        joint = d_min + chi2.ppf(0.95, len(self.params))
        for j, p in enumerate(self.params):
            near = [self._to_unit(p, v[p.name]) for v, d in self.seen if d <= joint and p.name in v]
            lo, hi = out[p.name]
            if surface is not None:
                centre, half = surface[0][j], surface[1][j]
                near += [max(0.0, centre - half), min(1.0, centre + half)]
            lo, hi = min([lo, *near]), max([hi, *near])
            out[p.name] = (self._from_unit(p, lo), self._from_unit(p, hi))
        return out

    def _surface(self) -> tuple[np.ndarray, np.ndarray] | None:
        """A quadratic response surface through the candidates nearest the best (least squares, in range units):
        its vertex and, per parameter, the half-width of the profile interval ``sqrt(chi2_95(1) * (A^-1)_jj)``
        where ``D ~ D_min + (x - x*)' A (x - x*)``: the interval of a parameter with the others re-fitted, so
        correlated parameters widen each other's intervals. None when the surface has no clear minimum."""
        k = len(self.params)
        if not k:
            return None
        unique = {tuple(round(v.get(p.name, float("nan")), 12) for p in self.params): (v, d) for v, d in self.seen}
        pts = sorted(unique.values(), key=lambda x: x[1])
        terms = 1 + k + k * (k + 1) // 2
        pts = [(v, d) for v, d in pts if all(p.name in v for p in self.params)][:max(3 * terms, 30)]
        if len(pts) < 2 * terms:
            return None
        X = np.array([[self._to_unit(p, v[p.name]) for p in self.params] for v, _ in pts])
        y = np.array([d for _, d in pts])
        iu = np.triu_indices(k)
        design = np.hstack([np.ones((len(X), 1)), X, np.einsum("ni,nj->nij", X, X)[:, iu[0], iu[1]]])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        g = coef[1:1 + k]
        A = np.zeros((k, k))
        A[iu] = coef[1 + k:]
        A = (A + A.T) / 2  # x' A x with the off-diagonal terms split evenly
        try:
            if np.linalg.eigvalsh(A).min() <= 0:
                return None
            inv = np.linalg.inv(A)
        except np.linalg.LinAlgError:
            return None
        vertex = -0.5 * inv @ g
        half = np.sqrt((chi2.ppf(0.95, 1) + self.allowance) * np.diag(inv))
        if not np.all(np.isfinite(vertex)) or not np.all(np.isfinite(half)):
            return None
        return np.clip(vertex, 0.0, 1.0), half


def described(calibration: Calibration, name: str) -> Scenario:
    """The calibrated scenario with a description saying what it was fitted to (for writing it out)."""
    s = calibration.scenario
    fitted = calibration.estimates[calibration.estimates["status"] != "not identifiable"]
    text = (f"{s.description} Calibrated to {calibration.points} observed {calibration.frequency}ly values "
            f"({', '.join(calibration.quality['series'])}); fitted: {', '.join(fitted['parameter']) or 'none'}.")
    return s.with_overrides({"name": name, "description": text.strip()[:4000]})


def chart(fit: pd.DataFrame, frequency: str = "month"):
    """Observed (points) against the simulated mean (line) and its 95 % band, one panel per series."""
    import altair as alt

    base = alt.Chart(fit).encode(x=alt.X("period:Q", title=frequency))
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("low:Q", title=None), y2="high:Q")
    line = base.mark_line().encode(y="simulated:Q")
    points = base.mark_point(filled=True, color="black").encode(
        y="observed:Q", tooltip=["series", "period", "observed", "simulated", "low", "high"])
    return (band + line + points).properties(width=260, height=150).facet(
        facet=alt.Facet("series:N", title=None), columns=3).resolve_scale(y="independent")
