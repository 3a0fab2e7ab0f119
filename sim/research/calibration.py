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
- **Uncertainty.** Near the best, ``D ~ D_min + (x - x*)' A (x - x*)`` with ``A = J' W J`` (Gauss-Newton; ``x`` in
  range units, log for rates; ``J`` the simulated means' slopes with respect to the parameters, ``W`` the distance's
  weights). ``J`` is fitted by least squares over candidates designed around the best in two stages (the second
  centred on the first's Gauss-Newton step, reaching past its 95 % ellipsoid): a regression over many candidates
  averages out the Monte Carlo noise that makes the distance itself too rough to take a curvature from. The estimate
  is the Gauss-Newton step ``x* + A^-1 J' W (observed - m)``, run once on the fit's seeds for the reported distance
  (:data:`LINE_STEPS` can backtrack it, comparing shares of the step with ``W``, the same weights for each; measured,
  that did not help: docs/CALIBRATION.md); its covariance is the sandwich ``A^-1 B A^-1`` with
  ``B = J' W S W J (1 + 1/seeds)``, ``S`` the covariance of the simulated observation vector (all series and periods)
  across the best candidate's and the band's runs, shrunk toward its diagonal (Ledoit-Wolf): the distance's weights
  treat a series' periods as AR(1) and the series as independent, and ``S`` says what the runs actually do. Each
  parameter's interval is its profile interval ``x*_j +- sqrt(chi2_95(1) * cov_jj)``, the others re-fitted at every
  value, so parameters that trade off widen each other's intervals; a direction the means do not respond to gives the
  whole range. A fitted parameter whose interval covers more than :data:`WEAK_SHARE` of its search range (in log units
  for rates) is reported as not identified by these data.
- **Fit.** The reported distance is the estimate's (what is written out) on the fit's seeds, its own weights as
  every candidate's. The estimate runs on ``band_seeds`` fresh seeds: observed against the simulated mean and the
  95 % band (2.5 and 97.5 percentiles), per series the share of observed points inside the band and the
  normalised root mean squared error.

Long fits are resumable: with ``storage`` (a file path) the trials go to an Optuna journal file, and a rerun with
the same inputs continues where it stopped.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import chi2

from sim.i18n import N_, Message
from sim.input import ScenarioError
from sim.input.observed import Observed, simulated, to_csv
from sim.output import check_target
from sim.registry import cost
from sim.scenario import Scenario

#: A fitted parameter whose interval covers more than this share of its search range is not identified.
WEAK_SHARE = 0.6
#: Default budget: candidates, seeds per candidate, seeds for the band.
TRIALS, SEEDS, BAND_SEEDS = 60, 4, 20
#: Fresh seeds for the band start here (the fit's seeds start at the calibration's seed).
BAND_SEED_OFFSET = 100_000
STUDY = "alignsim-calibration"
#: Intervals: the simulated means' slopes are fitted over candidates designed around the best, in DESIGN_STAGES
#: stages of ``design_points`` candidates per fitted parameter each (at least the coefficients plus the parameters).
DESIGN_POINTS, DESIGN_STAGES = 9, 2
#: The first stage's candidates lie within DESIGN_START (share of each search range, log units for rates) of the
#: best; a later stage's within the last estimate of the 95 % ellipsoid scaled by DESIGN_REACH, each axis's reach
#: capped to [DESIGN_MIN, DESIGN_MAX] of its search range (radii spread over [1/6, 1] of the reach).
DESIGN_START, DESIGN_REACH, DESIGN_MIN, DESIGN_MAX = 0.06, 1.5, 0.05, 0.5
#: Curvature (per squared search range) below which the distance counts as flat in a direction: it rises by less
#: than chi2_95(1) over the whole range.
FLAT_CURVATURE = 3.84
#: Local search (Nelder-Mead) after the global one: at most this many candidates per fitted parameter.
LOCAL_EVALS = 25
#: The Gauss-Newton step runs on the fit's seeds at these shares of its length in turn (one candidate each) while
#: the distance with the design's weights falls; the lowest is the estimate. Backtracking (1, 1/2, 1/4) was
#: measured and not kept: 23 of 30 intervals covered the truth at full size (25 with the full step), 13 of 15 in
#: the small fit either way (docs/CALIBRATION.md section 4). The full step alone still runs once: the reported distance.
LINE_STEPS: tuple[float, ...] = (1.0,)


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


PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in [
        Parameter(
            "lead_rate",
            "customers.lead_rate",
            0.001,
            0.03,
            True,
            ("leads", "new_customers"),
            "weekly chance a prospect becomes a lead",
        ),
        Parameter(
            "close_rate",
            "customers.close_rate",
            0.02,
            0.5,
            True,
            ("new_customers",),
            "weekly chance a lead buys, at feature fit 1",
        ),
        Parameter(
            "activation_hazard",
            "customers.activation_hazard",
            0.05,
            0.9,
            True,
            ("activation_30d",),
            "weekly chance of first success at perfect drivers",
        ),
        Parameter(
            "churn_activated",
            "customers.churn_activated",
            0.0002,
            0.01,
            True,
            ("churned",),
            "weekly churn of activated customers",
        ),
        Parameter(
            "contact_rate",
            "customers.contact_rate",
            0.01,
            2.0,
            True,
            ("support_contacts",),
            "weekly support contacts per activated customer",
        ),
        Parameter(
            "item_size",
            "kinds.*.size",
            0.3,
            3.0,
            True,
            ("releases",),
            "size of work items relative to the scenario's (delivery: releases per person-week)",
        ),
    ]
}


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
    #: the estimate's distance (the scenario written out) on the fit's seeds, as every candidate's in ``trials``
    distance: float
    points: int
    frequency: str
    notes: list[Message] = field(default_factory=list)  # English text; shown() in the current language
    #: the estimates' (sandwich) covariance ``A^-1 B A^-1`` over the fitted parameters in range units (log for
    #: rates); a parameter's interval is ``x*_j +- sqrt(chi2_95(1) * cov_jj)``. Its correlations say which
    #: parameters trade off against each other.
    covariance: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: ``A^-1``, ``D ~ D_min + (x - x*)' A (x - x*)``: what the distance's curvature alone claims, taking its
    #: weights for the observations' inverse covariance (the intervals before the sandwich; for comparison)
    curvature: pd.DataFrame = field(default_factory=pd.DataFrame)

    def report(self) -> str:
        """A short plain-text report of the estimates and the fit's quality (in the current language, with its
        number style)."""
        from sim.i18n import _, figure, number, percent, shown

        lines = [
            _(
                "fit: distance {d} over {n} data points (about {n} or less at a good fit); {c} candidates evaluated"
            ).format(d=number(self.distance, 1), n=self.points, c=len(self.trials))
        ]
        for r in self.estimates.itertuples():
            if r.status == "not identifiable":
                lines.append(_("  {p}: {v} (default; no data informs it)").format(p=r.parameter, v=figure(r.default)))
            else:
                weak = _(" (weakly identified: the data say little)") if r.status == "weak" else ""
                lines.append(
                    _("  {p}: {e} [{lo}, {hi}] (default {d}){weak}").format(
                        p=r.parameter,
                        e=figure(r.estimate),
                        lo=figure(r.low),
                        hi=figure(r.high),
                        d=figure(r.default),
                        weak=weak,
                    )
                )
        for r in self.quality.itertuples():
            lines.append(
                _("  {s}: {c} of {n} points inside the 95 % band, normalised RMSE {e}").format(
                    s=r.series, c=percent(r.coverage, 0), n=r.points, e=number(r.nrmse, 2)
                )
            )
        return "\n".join(lines + [_("  note: {note}").format(note=shown(n)) for n in self.notes])


def fitted_parameters(observed: Observed) -> list[Parameter]:
    """The parameters the observed series inform."""
    return [p for p in PARAMETERS.values() if any(s in observed.series for s in p.informed_by)]


def prepared(scenario: Scenario, observed: Observed) -> Scenario:
    """The scenario with a horizon that covers the observed periods."""
    return scenario.with_overrides({"weeks": observed.weeks()})


def design_size(k: int, design_points: int = DESIGN_POINTS) -> int:
    """Candidates in one design stage for ``k`` fitted parameters."""
    return max(design_points * k, (k + 1) * (k + 2) // 2 + k) if k else 0


def candidates(k: int, trials: int = TRIALS, local_evals: int = LOCAL_EVALS, design_points: int = DESIGN_POINTS) -> int:
    """Candidates a fit of ``k`` parameters evaluates at most: global search, local search, design stages and the
    estimate on the fit's seeds (the Gauss-Newton step: one candidate per share of LINE_STEPS)."""
    if not k:
        return 1
    return trials + local_evals * k + DESIGN_STAGES * design_size(k, design_points) + len(LINE_STEPS)


def estimated_seconds(
    scenario: Scenario,
    observed: Observed,
    trials: int = TRIALS,
    seeds: int = SEEDS,
    band_seeds: int = BAND_SEEDS,
    local_evals: int = LOCAL_EVALS,
    design_points: int = DESIGN_POINTS,
) -> float:
    """Estimated seconds of computing a fit takes at most (``sim.registry.cost``)."""
    k = len(fitted_parameters(observed))
    return cost(prepared(scenario, observed), candidates(k, trials, local_evals, design_points) * seeds + band_seeds)


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


def moments(obs: np.ndarray, sims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The simulated mean (periods x series) over the seeds of ``sims`` (seeds x periods x series) and the
    distance's weight per series: ``(1 - rho) / (1 + rho) / (v * (1 + 1/seeds))`` (docs/CALIBRATION.md)."""
    n = sims.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: a period without a value
        mean = np.nanmean(sims, axis=0)
        var = np.nanmean(np.nanvar(sims, axis=0, ddof=1), axis=0)
        dev = np.nan_to_num(sims - mean)
        lagged = (dev[:, 1:] * dev[:, :-1]).sum(axis=(0, 1))
        rho = np.clip(np.nan_to_num(lagged / (dev**2).sum(axis=(0, 1))), 0.0, 0.95)
        scale = np.nanmean(np.abs(obs), axis=0)
    var = np.maximum(np.nan_to_num(var, nan=0.0), np.maximum((0.01 * np.nan_to_num(scale)) ** 2, 1e-9))
    # successive periods of a run are correlated (a run above the mean stays above it): each series counts as
    # its effective number of independent periods, n (1 - rho) / (1 + rho) with rho the lag-1 autocorrelation
    return mean, (1.0 - rho) / (1.0 + rho) / (var * (1.0 + 1.0 / max(n, 1)))


def distance(obs: np.ndarray, sims: np.ndarray) -> float:
    """The documented distance between observed (periods x series, NaN missing) and simulated tables
    (seeds x periods x series): standardised squared error of the mean over seeds, summed."""
    mean, weight = moments(obs, sims)
    resid = (obs - mean) ** 2 * weight
    ok = ~np.isnan(obs)
    missing = ok & np.isnan(mean)  # the model has no value where data do (e.g. no cohort ended): a full miss
    resid = np.where(missing, 4.0, resid)
    return float(np.nansum(np.where(ok, resid, np.nan)))


def _fingerprint(scenario: Scenario, observed: Observed, seeds: int, seed: int) -> str:
    text = scenario.to_toml() + to_csv(observed.data, observed.frequency) + f"{seeds}:{seed}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _keep_whole_lines(fd: int) -> None:
    """Cut the study journal open at ``fd`` back to its last whole, readable entry: a write cut short (a full disk,
    a kill) leaves a partial line, which Optuna would otherwise glue the next entry to and then refuse to read."""
    with os.fdopen(os.dup(fd), "rb+") as f:
        keep = 0
        for line in f:
            if not line.endswith(b"\n"):
                break
            try:
                json.loads(line)
            except ValueError:
                break
            keep += len(line)
        f.truncate(keep)


@contextlib.contextmanager
def _journal(path: Path) -> Iterator[str]:
    """The study journal at ``path`` as the name Optuna opens it by: refused when it is a symbolic link or a folder
    (the rule of every file alignsim writes, ``sim.output``), opened once without following a link, and handed to
    Optuna as that open file (``/proc/self/fd/N``), so a link put in its place later is not followed either.
    Where there is no ``/proc``, the checked path itself."""
    check_target(path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # made a link since the check: refused by the same rule, in its words
            check_target(path)
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        _keep_whole_lines(fd)
        alias = f"/proc/self/fd/{fd}"
        yield alias if os.path.exists(alias) else str(path)
    finally:
        os.close(fd)


def _named(exc: BaseException, alias: str, path: str | Path | None) -> BaseException:
    """``exc`` naming the study journal by its path where it names the open file Optuna was given."""
    if isinstance(exc, OSError) and alias and exc.filename == alias:
        return OSError(exc.errno, exc.strerror, str(path))
    return exc


def _first_os_error(exc: BaseException) -> BaseException:
    """The OSError that ``exc`` was raised while handling, if any (else ``exc``)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return exc


def calibrate(
    scenario: Scenario,
    observed: Observed,
    trials: int = TRIALS,
    seeds: int = SEEDS,
    seed: int = 0,
    band_seeds: int = BAND_SEEDS,
    storage: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    local_evals: int = LOCAL_EVALS,
    design_points: int = DESIGN_POINTS,
) -> Calibration:
    """Fit ``scenario`` to ``observed``; deterministic for a given ``seed``. ``progress(done, total)`` is called
    after every candidate; ``storage`` (a file) makes the fit resumable. ``trials`` (global search),
    ``local_evals`` (local search, per fitted parameter) and ``design_points`` (the intervals' designed candidates,
    per fitted parameter and stage) bound the candidates (:func:`candidates`); each runs on ``seeds`` seeds."""
    import optuna

    if scenario.model != "alignment":
        raise ScenarioError(f"calibration fits the alignment model; the scenario runs on {scenario.model!r}")
    if trials < 2 or seeds < 2 or band_seeds < 2:
        raise ScenarioError("calibration needs at least 2 trials, 2 seeds and 2 band seeds")
    base = prepared(scenario, observed)
    params = fitted_parameters(observed)
    obs = observed.data.to_numpy(dtype=float)
    search = _Search(
        base,
        observed,
        params,
        [seed + i for i in range(seeds)],
        progress,
        total=candidates(len(params), trials, local_evals, design_points),
    )
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=max(5, min(15, trials // 3)), multivariate=True)
    key = _fingerprint(base, observed, seeds, seed)
    journal = contextlib.ExitStack()  # the study journal's open file, while Optuna uses it
    store, name = None, ""
    if storage is not None:
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend, JournalFileSymlinkLock

        name = journal.enter_context(_journal(Path(storage)))
        lock = JournalFileSymlinkLock(str(storage))  # beside the journal, where Optuna puts it
        store = JournalStorage(JournalFileBackend(name, lock_obj=lock))
    with journal:
        study = optuna.create_study(
            study_name=f"{STUDY}-{key}", storage=store, sampler=sampler, direction="minimize", load_if_exists=True
        )
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
                try:
                    study.optimize(objective, n_trials=trials - done)
                except Exception as exc:  # Optuna hides a failed journal write (a full disk) behind an AssertionError
                    raise _named(_first_os_error(exc), name, storage) from None
    if params:
        search.local(local_evals)
        intervals = search.intervals(design_points, seed, [BAND_SEED_OFFSET + seed + i for i in range(band_seeds)])
    else:
        search({})
        intervals = {}
    best, d_min = search.best()
    best.update(search.smoothed)
    if search.estimate is not None:  # the distance of what is written: the estimate's, on the fit's seeds
        d_min = search.seen[search.estimate][1]
    calibrated = with_values(base, best)
    table = pd.DataFrame([{"candidate": i, "distance": d, **v} for i, (v, d) in enumerate(search.seen)])
    rows = []
    for p in PARAMETERS.values():
        default = p.value(base)
        row = {
            "parameter": p.name,
            "meaning": p.meaning,
            "informed_by": ", ".join(p.informed_by),
            "default": default,
            "estimate": default,
            "low": float("nan"),
            "high": float("nan"),
            "status": "not identifiable",
        }
        if p in params:
            low, high = intervals[p.name]
            row.update(
                estimate=float(best[p.name]),
                low=low,
                high=high,
                status="weak" if p.width(low, high) > WEAK_SHARE else "fitted",
            )
        rows.append(row)
    estimates = pd.DataFrame(rows)

    band = (
        search.band
        if search.band is not None
        else simulate_tables(  # the intervals ran it at the estimate
            calibrated, observed, [BAND_SEED_OFFSET + seed + i for i in range(band_seeds)]
        )
    )
    fit_rows, quality_rows = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean, low, high = (np.nanmean(band, 0), np.nanpercentile(band, 2.5, 0), np.nanpercentile(band, 97.5, 0))
    for j, name in enumerate(observed.series):
        o = obs[:, j]
        for i, period in enumerate(observed.data.index):
            fit_rows.append(
                {
                    "period": int(period),
                    "series": name,
                    "observed": o[i],
                    "simulated": mean[i, j],
                    "low": low[i, j],
                    "high": high[i, j],
                }
            )
        ok = ~np.isnan(o) & ~np.isnan(mean[:, j])
        inside = (o[ok] >= low[ok, j]) & (o[ok] <= high[ok, j])
        scale = np.mean(np.abs(o[ok])) if ok.any() else float("nan")
        rmse = float(np.sqrt(np.mean((o[ok] - mean[ok, j]) ** 2))) if ok.any() else float("nan")
        quality_rows.append(
            {
                "series": name,
                "points": int(ok.sum()),
                "coverage": float(inside.mean()) if ok.any() else float("nan"),
                "nrmse": rmse / scale if scale else float("nan"),
            }
        )
    notes = []
    unused = [p.name for p in PARAMETERS.values() if p not in params]
    if unused:
        notes.append(
            Message(N_("not identifiable from these series, left at their values: {names}"), names=", ".join(unused))
        )
    weak = estimates.loc[estimates["status"] == "weak", "parameter"].tolist()
    if weak:
        notes.append(
            Message(
                N_("weakly identified (the interval covers most of the search range): {names}"), names=", ".join(weak)
            )
        )
    names = [p.name for p in params]
    covariance, curvature = (
        pd.DataFrame(c, index=names, columns=names) if c is not None else pd.DataFrame()
        for c in (search.covariance, search.curvature)
    )
    return Calibration(
        calibrated,
        estimates,
        pd.DataFrame(fit_rows),
        pd.DataFrame(quality_rows),
        table,
        d_min,
        int((~np.isnan(obs)).sum()),
        observed.frequency,
        notes,
        covariance,
        curvature,
    )


class _Search:
    """Candidates evaluated on common seeds, remembered: the global search, the local one and the intervals."""

    def __init__(
        self, base: Scenario, observed: Observed, params: list[Parameter], seeds: list[int], progress, total: int
    ):
        self.base, self.observed, self.params, self.seeds = base, observed, params, seeds
        self.obs = observed.data.to_numpy(dtype=float)
        self.progress, self.total = progress, total
        self.seen: list[tuple[dict[str, float], float]] = []
        #: the vertex of each parameter's smoothed profile (the estimate)
        self.smoothed: dict[str, float] = {}
        #: per candidate evaluated here (by its index in ``seen``): simulated means and the distance's weights
        self.tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        #: per candidate evaluated here: its runs (seeds x periods x series), for the observations' covariance
        self.runs: dict[int, np.ndarray] = {}
        #: the estimates' sandwich covariance (range units), None until the intervals are computed
        self.covariance: np.ndarray | None = None
        #: ``A^-1``, what the distance's curvature alone claims (for comparison), and the shrinkage of ``S``
        self.curvature: np.ndarray | None = None
        self.shrinkage = float("nan")
        #: the band's runs at the estimate, if the intervals ran them (calibrate reuses them)
        self.band: np.ndarray | None = None
        #: the estimate's index in ``seen`` (it ran on the fit's seeds in the line search), None before
        self.estimate: int | None = None
        #: the backtracked step's candidates: (distance with the design's weights, index in ``seen``), full step first
        self.line: list[tuple[float, int]] = []

    def simulate(self, values: dict[str, float], seeds: list[int]) -> np.ndarray:
        """Simulated tables (seeds x periods x series) of the candidate ``values``."""
        return simulate_tables(with_values(self.base, values), self.observed, seeds)

    def __call__(self, values: dict[str, float]) -> float:
        return self.record(values, self.simulate(values, self.seeds))

    def record(self, values: dict[str, float], sims: np.ndarray) -> float:
        """Remember a candidate's distance, its simulated means and weights and its runs (for the intervals)."""
        d = distance(self.obs, sims)
        self.tables[len(self.seen)] = moments(self.obs, sims)
        self.runs[len(self.seen)] = sims
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
        simplex = np.vstack(
            [x0] + [x0 + np.where(np.arange(k) == i, 0.08 if x0[i] < 0.9 else -0.08, 0.0) for i in range(k)]
        )
        minimize(
            lambda u: self({p.name: self._from_unit(p, x) for p, x in zip(self.params, u)}),
            x0,
            method="Nelder-Mead",
            bounds=[(0.0, 1.0)] * k,
            options={"initial_simplex": np.clip(simplex, 0.0, 1.0), "maxfev": evals * k, "xatol": 0.002, "fatol": 0.05},
        )

    def intervals(
        self, design_points: int, seed: int, band_seeds: list[int] | None = None
    ) -> dict[str, tuple[float, float]]:
        """Per parameter, its profile interval from a sandwich covariance of the estimate. Near the best,
        ``D ~ D_min + (x - x*)' A (x - x*)`` with ``A = J' W J`` (range units, log for rates), ``J`` the simulated
        means' slopes with respect to the parameters and ``W`` the distance's weights; the estimate is the
        Gauss-Newton step ``x* + A^-1 J' W (observed - m)``, so its covariance is ``A^-1 B A^-1`` with
        ``B = J' W S W J (1 + 1/seeds)``, ``S`` the covariance of one simulated observation vector (every series
        and period, as the distance stacks them) across seeds (:func:`observation_covariance`). Where ``W`` is the
        inverse of that covariance this is ``A^-1``; the distance's weights treat a series' periods as AR(1) and
        the series as independent, and the sandwich corrects what that over- or understates. The interval is
        ``x*_j +- sqrt(chi2_95(1) * cov_jj)``: with the other parameters re-fitted at every value of this one, so
        parameters that trade off widen each other's intervals. ``J`` is a least-squares fit of every simulated
        mean to the parameters over candidates designed around the best in DESIGN_STAGES stages (random
        directions from ``seed``: deterministic), each inside the previous stage's 95 % ellipsoid and centred on
        its Gauss-Newton step (the best candidate is the luckiest of many noisy ones): a regression on many
        candidates averages out the Monte Carlo noise that makes the distance itself too rough to take a curvature
        from. ``S`` pools the best candidate's runs and, with ``band_seeds``, fresh runs at the estimate (kept in
        ``band``: they are the fit's band), each about its own mean. ``x*`` is the Gauss-Newton step from the
        regression's mean at the last stage's centre (smoothed), run on the fit's seeds (:meth:`_backtracked`: up
        to len(LINE_STEPS) candidates); directions without curvature give intervals over the whole range."""
        k = len(self.params)
        level = chi2.ppf(0.95, 1)
        rng = np.random.default_rng([seed, 17])
        best, _ = self.best()
        centre = np.array([self._to_unit(p, best[p.name]) for p in self.params])
        shape = np.diag(np.full(k, DESIGN_START**2))
        design: list[int] = []
        fit = None
        for stage in range(DESIGN_STAGES):
            root = np.linalg.cholesky(shape + 1e-12 * np.eye(k))
            n = design_size(k, design_points)
            directions = rng.standard_normal((n, k))
            directions /= np.linalg.norm(directions, axis=1, keepdims=True)
            radius = (1 + 5 * (np.arange(n) + rng.random(n)) / n) / 6  # spread over [1/6, 1] of the reach
            for y in directions * radius[:, None]:
                x = np.clip(centre + root @ y, 0.0, 1.0)
                self({p.name: self._from_unit(p, u) for p, u in zip(self.params, x)})
                design.append(len(self.seen) - 1)
            fit = self._linearised(design, centre)
            if fit is None:
                continue
            inv = fit.inv  # the design's reach from the curvature alone (the band's runs come at the end)
            reach = DESIGN_REACH * np.sqrt(level * np.diag(inv))  # the next stage: past the 95 % interval's ends
            axes = np.clip(reach, DESIGN_MIN, DESIGN_MAX)
            shape = inv * np.outer(axes / np.sqrt(np.diag(inv)), axes / np.sqrt(np.diag(inv)))
            if stage < DESIGN_STAGES - 1:  # the next stage centres on this stage's Gauss-Newton step (no further
                # than its reach): the best candidate is the luckiest of many noisy ones, not the minimum
                centre = np.clip(centre + np.clip(fit.step, -axes, axes), 0.0, 1.0)
        if fit is None:  # the means do not respond to the parameters: the data cannot pin them down
            return {p.name: (p.low, p.high) for p in self.params}
        # the Gauss-Newton step, no further than the design reached
        xs = np.array([[self._to_unit(p, self.seen[i][0][p.name]) for p in self.params] for i in design])
        at_best = min(range(len(self.seen)), key=lambda i: self.seen[i][1])  # before the line search's candidates
        estimate = self._backtracked(fit, centre, np.clip(centre + fit.step, xs.min(axis=0), xs.max(axis=0)))
        self.smoothed = {p.name: self._from_unit(p, float(estimate[j])) for j, p in enumerate(self.params)}
        # the runs at the best candidate and the band's at the estimate; not the designed candidates' runs: on
        # common seeds their deviations repeat the same few runs' (correlation about 0.7 between neighbours)
        groups = [self.runs[at_best]] if at_best in self.runs else []
        if band_seeds:
            self.band = self.simulate(self.smoothed, band_seeds)
            groups.append(self.band)
        inv = self.covariance = self._sandwich(fit, groups) if groups else fit.inv  # no runs: the curvature's
        self.curvature = fit.inv
        out = {}
        for j, p in enumerate(self.params):
            half = math.sqrt(level * inv[j, j])
            out[p.name] = (self._from_unit(p, estimate[j] - half), self._from_unit(p, estimate[j] + half))
        return out

    def fixed_distance(self, i: int, fit: _Linearised) -> float:
        """Candidate ``i``'s distance on the fit's seeds with the design's weights ``W`` (the same for every
        candidate, where each candidate's own weights from a few runs vary 0.3-1.4 times) at the linearisation's
        points; a point the candidate has no value for counts as a full miss (4), as in :func:`distance`."""
        t, s = fit.points
        resid = fit.w * (self.obs[t, s] - self.tables[i][0][t, s]) ** 2
        return float(np.where(np.isnan(resid), 4.0, resid).sum())

    def _backtracked(self, fit: _Linearised, centre: np.ndarray, step_to: np.ndarray) -> np.ndarray:
        """The Gauss-Newton step from ``centre`` to ``step_to``, backtracked: the shares of LINE_STEPS in turn run
        on the fit's seeds, until one's distance with the design's weights is not below the previous share's; the
        lowest is the estimate (with the default, the full step: it runs once, for the reported distance). On a
        curved ridge the full step follows the tangent past where the valley bends; on common seeds with fixed
        weights the points along the step compare without the noise of each candidate's own weights."""
        found: list[tuple[float, int, np.ndarray]] = []
        for share in LINE_STEPS:
            x = centre + share * (step_to - centre)
            self({p.name: self._from_unit(p, u) for p, u in zip(self.params, x)})
            found.append((self.fixed_distance(len(self.seen) - 1, fit), len(self.seen) - 1, x))
            if len(found) > 1 and found[-1][0] >= found[-2][0]:
                break
        self.line = [(d, i) for d, i, _ in found]
        _, self.estimate, x = min(found, key=lambda f: f[0])
        return x

    def _linearised(self, rows: list[int], centre: np.ndarray) -> _Linearised | None:
        """From the candidates ``rows`` (their simulated means): ``J`` and the means at ``centre`` by least squares
        per observed point (points without a simulated value at every candidate left out), ``W`` the distance's
        weights averaged over the candidates, ``A = J' W J`` less the slopes' own Monte Carlo variance, and the
        Gauss-Newton step from ``centre``; None if the means respond to no parameter."""
        k = len(self.params)
        rows = [i for i in rows if i in self.tables]
        if len(rows) < k + 3:
            return None
        X = np.array([[self._to_unit(p, self.seen[i][0][p.name]) for p in self.params] for i in rows]) - centre
        means = np.array([self.tables[i][0] for i in rows])  # candidates x periods x series
        weights = np.nanmean(np.array([self.tables[i][1] for i in rows]), axis=0)  # per series
        design = np.hstack([np.ones((len(rows), 1)), X])
        t, s = np.nonzero(~np.isnan(self.obs))
        y = means[:, t, s]
        keep = np.isfinite(y).all(axis=0) & np.isfinite(weights[s])
        t, s, y = t[keep], s[keep], y[:, keep]
        if not keep.any():
            return None
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        J, w = coef[1:].T, weights[s]  # points x parameters; the weight of each point
        # a fitted slope's Monte Carlo error adds its variance to slope^2 on average: subtract it, or noise alone
        # would look like information (errors in variables). Slopes' errors covary across points as R_tu P.
        resid = y - design @ coef
        R = resid.T @ resid / (len(rows) - k - 1)
        P = np.linalg.pinv(design.T @ design)[1:, 1:]
        A = (J * w[:, None]).T @ J - float(w @ np.diag(R)) * P
        b = (J * w[:, None]).T @ (self.obs[t, s] - coef[0])
        eig, V = np.linalg.eigh(A)
        if not np.all(np.isfinite(eig)) or eig.max() <= FLAT_CURVATURE:
            return None
        eig = np.maximum(eig, FLAT_CURVATURE)
        inv = (V / eig) @ V.T
        return _Linearised(inv @ b, inv, eig, V, J, w, R, P, (t, s))

    def _sandwich(self, fit: _Linearised, groups: list[np.ndarray]) -> np.ndarray:
        """The estimate's covariance ``A^-1 B A^-1``, ``B = J' W S W J (1 + 1/seeds)`` less the slopes' Monte
        Carlo variance, ``S`` from the runs ``groups`` at the linearisation's points; directions without curvature
        keep ``1 / FLAT_CURVATURE`` (the whole range)."""
        t, s = fit.points
        S, self.shrinkage = observation_covariance([g[:, t, s] for g in groups])
        S = S * (1.0 + 1.0 / len(self.seeds))  # one observation and the mean of the fit's seeds
        WJ = fit.J * fit.w[:, None]
        B = WJ.T @ S @ WJ - float(fit.w @ (S * fit.R) @ fit.w) * fit.P
        eig, V = np.linalg.eigh((B + B.T) / 2)
        B = (V * np.maximum(eig, 0.0)) @ V.T
        curved = fit.eig > FLAT_CURVATURE
        half = (fit.V[:, curved] / fit.eig[curved]) @ fit.V[:, curved].T
        flat = fit.V[:, ~curved]
        return half @ B @ half + flat @ flat.T / FLAT_CURVATURE


@dataclass(frozen=True)
class _Linearised:
    """The simulated means linearised around the best: the Gauss-Newton step, ``A^-1`` (eigenvalues floored at
    FLAT_CURVATURE), ``A``'s eigenvalues and vectors, the slopes ``J`` (points x parameters), the points' weights,
    the regression's residual covariance ``R`` (points x points) and ``P`` (the slopes' error covariance is
    ``R_tu P``), and the points (period and series indices)."""

    step: np.ndarray
    inv: np.ndarray
    eig: np.ndarray
    V: np.ndarray
    J: np.ndarray
    w: np.ndarray
    R: np.ndarray
    P: np.ndarray
    points: tuple[np.ndarray, np.ndarray]


def observation_covariance(groups: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """The covariance of one observation vector across seeds, pooled over ``groups`` of runs (each runs x points,
    about its own mean; NaN counts as no deviation), shrunk toward its diagonal by the Ledoit-Wolf intensity
    (Schäfer and Strimmer's estimate on the correlation scale): with fewer runs than points the sample covariance
    is singular and its correlations noisy. Returns the covariance and the intensity (0: none, 1: diagonal)."""
    parts = []
    for g in groups:
        if len(g) < 2:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            dev = np.nan_to_num(g - np.nanmean(g, axis=0))
        parts.append(dev * math.sqrt(len(g) / (len(g) - 1)))  # E[x x'] = S
    x = np.vstack(parts)
    n = len(x)
    sd = np.sqrt((x**2).mean(axis=0))
    sd = np.where(sd > 0, sd, 1.0)
    z = x / sd
    r = z.T @ z / n
    off = ~np.eye(len(r), dtype=bool)
    spread = ((z**2).T @ z**2 - n * r**2) / n**2  # the variance of each r_ij: sum_k (z_ki z_kj - r_ij)^2 / n^2
    denom = float((r[off] ** 2).sum())
    intensity = float(np.clip(spread[off].sum() / denom, 0.0, 1.0)) if denom > 0 else 1.0
    shrunk = np.where(off, (1.0 - intensity) * r, r)
    return shrunk * np.outer(sd, sd), intensity


def described(calibration: Calibration, name: str) -> Scenario:
    """The calibrated scenario with a description saying what it was fitted to (for writing it out)."""
    s = calibration.scenario
    fitted = calibration.estimates[calibration.estimates["status"] != "not identifiable"]
    text = (
        f"{s.description} Calibrated to {calibration.points} observed {calibration.frequency}ly values "
        f"({', '.join(calibration.quality['series'])}); fitted: {', '.join(fitted['parameter']) or 'none'}."
    )
    return s.with_overrides({"name": name, "description": text.strip()[:4000]})


def chart(fit: pd.DataFrame, frequency: str = "month"):
    """Observed (points) against the simulated mean (line) and its 95 % band, one panel per series."""
    import altair as alt

    base = alt.Chart(fit).encode(x=alt.X("period:Q", title=frequency))
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("low:Q", title=None), y2="high:Q")
    line = base.mark_line().encode(y="simulated:Q")
    points = base.mark_point(filled=True, color="black").encode(
        y="observed:Q", tooltip=["series", "period", "observed", "simulated", "low", "high"]
    )
    return (
        (band + line + points)
        .properties(width=260, height=150)
        .facet(facet=alt.Facet("series:N", title=None), columns=3)
        .resolve_scale(y="independent")
    )
