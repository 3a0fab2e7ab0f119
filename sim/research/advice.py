"""What to change first: the levers of a scenario ranked by their effect on a leader's goal, and a goal seek for
the smallest robust set of lever changes that reaches a target without giving up what must be kept.

Both work on paired seeds (common random numbers: the scenario and every changed version of it run on the same
seeds, so differences are paired) and say what they will cost before they run (:func:`estimate_ranking`,
:func:`estimate_goal_seek`, from the model registry's cost of a run).

**Ranking** (:func:`rank_levers`). Each lever a leader can pull (``sim.present.levers.levers_for``, without the
named assumptions and the horizon, which are the premise and not a choice) is moved over a realistic range
(:func:`moves`): a dial between 0 and 1 to either end, a number such as people or a WIP limit by a quarter of its
value either way, a switch or a choice to each other setting, a department's KPI or the shared criterion to the
goal itself, an approval chain to none, a planned campaign to none. Every move runs on ``seeds`` screening seeds;
each lever's best move (the largest gain on the goal) is its row. The ``confirm`` best rows are then run again on
fresh seeds that did not choose them, and their effects are those of the fresh seeds (a screen's winner looks
better than it is; the second look removes that bias). Beside the goal, every row carries the effect on revenue
and churn (the trade-offs, always shown) and on any other metric asked for.

**Goal seek** (:func:`goal_seek`). A :class:`Target` (e.g. 30-day activation >= 40 %) and metrics to
:class:`Keep` (e.g. revenue must not fall by more than 1 % at the low end of its interval). The search space is
the ranking's most helpful levers for the goal and for each kept metric, each either left alone or set within its
range; optuna's TPE sampler (seeded: the same inputs give the same advice) minimises the total cost of the changes
(a named, editable cost per lever change; default 1, so the fewest changes win) subject to the target and keeps
holding *robustly*: on the low end of the 95 % interval over the seeds, and in every sample of the named
assumptions when ``uncertainties`` (a list of overrides) is given. The best candidate is pruned (a change that is
not needed is dropped) and checked again on fresh seeds; when it fails there, the next is tried. When nothing
reaches the target on the search's seeds, the closest setting found is checked on the fresh seeds, and is the
answer if it holds there (reached, though its cost was not minimised); otherwise the result says plainly that
nothing reached the target and names the closest setting.

**Robust search across the uncertainty.** The assumption sets come from :func:`sample_uncertainties` (Latin
hypercube samples of ranges, made by the sweep's design: the cases of a levers-versus-uncertainties sweep) or
:func:`sweep_cases` (the cases of a finished sweep folder, or those inside a PRIM box of ``alignsim discover``); the
answer is the cheapest set of changes that reaches the target in the worst of them (CLI: ``alignsim advise
--target ... --uncertain PATH=LOW..HIGH --samples N`` or ``--cases DIR``).

Runs are kept in one cache for the process (``cachetools``), keyed by the scenario's text and the seed, and
finished rankings likewise, so the same question asked again (in the app: by any session) costs nothing.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
from cachetools import LRUCache
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from sim.i18n import N_, Message, _, ngettext, number
from sim.input import InputError, ScenarioError, format_validation_error, show
from sim.present.levers import HORIZON, Lever, get_value, levers_for
from sim.registry import cost, get_model
from sim.runner import run
from sim.scenario import ScenarioBase
from sim.stats import mean_ci

#: Metrics shown beside every lever's effect on the goal (those the scenario's model has): money and customers kept.
TRADE_OFFS = ("revenue", "churn_rate")
#: Screening seeds per move, fresh seeds for the second look, and how many of the best rows get the second look.
RANK_SEEDS = 6
CONFIRM_SEEDS = 12
CONFIRM_TOP = 8
#: The goal seek's seeds per candidate, its fresh seeds for the final check, and its optuna trials.
SEEK_SEEDS = 8
SEEK_CONFIRM_SEEDS = 16
TRIALS = 60
#: Levers the goal seek searches over: the best for the goal, and the best for each kept metric.
SEEK_LEVERS = 6
KEEP_LEVERS = 2
#: Candidates checked on fresh seeds before the goal seek gives up.
FINAL_CHECKS = 3
#: Assumption samples a robust goal seek holds across by default (besides the scenario's own values).
UNCERTAINTY_SAMPLES = 8
#: Fresh seeds start here, far from any screening seed (seed + offset + i).
FRESH_OFFSET = 1_000_000
#: A number (people, WIP limit, campaign lift, go-live week) moves by this share of its value either way.
REALISTIC_SHARE = 0.25
#: Confidence level of every interval.
LEVEL = 0.95
#: Finished runs (summaries only) and finished rankings kept for the process.
MAX_RUNS = 20_000
MAX_RANKINGS = 64

Progress = Callable[[int, int], None]

#: A scenario's value at a dotted path (any model's scenario: ``get_value`` reads its fields).
_setting = cast(Callable[[ScenarioBase, str], Any], get_value)


class AdviceError(InputError):
    """A goal, target, keep, cost or uncertainty that cannot be used: one line naming the field and the allowed
    values."""


# ---------------------------------------------------------------- what a leader asks for (validated)


def _metric_names(info: ValidationInfo) -> list[str]:
    metrics = (info.context or {}).get("metrics")
    if metrics is None:
        metrics = get_model("alignment").metrics()
    return list(metrics)


def _check_metric(value: str, info: ValidationInfo) -> str:
    names = _metric_names(info)
    if value not in names:
        raise ValueError(
            Message(
                N_("{metric} is not a metric of this model; allowed: {allowed}"),
                metric=show(value),
                allowed=", ".join(names),
            )
        )
    return value


class Target(BaseModel):
    """What the goal seek must reach: ``metric op value`` (``activation_rate_30d >= 0.40``), on the robust side of
    the interval (the low end for ``>=``, the high end for ``<=``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str
    op: Literal[">=", "<="] = ">="
    value: float = Field(allow_inf_nan=False)

    _metric = field_validator("metric")(_check_metric)


class Keep(BaseModel):
    """A metric that must not get worse: its paired change, at the worse end of its interval, may cost at most
    ``margin`` (a share of its level before the change; 0.01 = 1 %)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str
    margin: float = Field(0.01, ge=0.0, le=1.0, allow_inf_nan=False)

    _metric = field_validator("metric")(_check_metric)


class Goal(BaseModel):
    """The metric a ranking orders levers by (its registry says which way is better)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str

    _metric = field_validator("metric")(_check_metric)


def _validated(schema: type[BaseModel], data: dict[str, Any], scenario: ScenarioBase, where: str) -> Any:
    try:
        return schema.model_validate(data, context={"metrics": get_model(scenario.model).metrics()})
    except ValidationError as exc:
        raise AdviceError(
            Message("{where}: {problem}", where=where, problem=format_validation_error(exc, schema))
        ) from None


def goal_of(scenario: ScenarioBase, goal: str | Goal) -> Goal:
    """``goal`` validated against the metrics of the scenario's model."""
    return _validated(Goal, {"metric": goal.metric if isinstance(goal, Goal) else goal}, scenario, "goal")


_TARGET = re.compile(r"^\s*(>=|<=|≥|≤)?\s*([-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*(%?)\s*$")


def parse_target(scenario: ScenarioBase, metric: str, text: str) -> Target:
    """``'>=0.40'``, ``'>= 40%'`` or ``'<=0.1'`` for ``metric`` as a :class:`Target` (a bare number means ``>=`` for
    a metric where higher is better, ``<=`` otherwise); a share may be written in percent."""
    match = _TARGET.match(text)
    if not match:
        raise AdviceError(
            Message(
                N_("target: {text} is not a bound; write >=VALUE or <=VALUE, e.g. >=0.40 or >=40%"),
                text=show(text),
            )
        )
    goal = goal_of(scenario, metric)
    op = {"≥": ">=", "≤": "<="}.get(match.group(1) or "", match.group(1))
    if not op:
        op = ">=" if get_model(scenario.model).metrics()[goal.metric].better == "higher" else "<="
    value = float(match.group(2)) / (100.0 if match.group(6) else 1.0)
    return _validated(Target, {"metric": goal.metric, "op": op, "value": value}, scenario, "target")


def parse_keep(scenario: ScenarioBase, text: str, margin: float = 0.01) -> Keep:
    """``'revenue'`` or ``'revenue:2%'`` / ``'revenue:0.02'`` (the margin) as a :class:`Keep`."""
    metric, _, allowed = text.partition(":")
    value: Any = margin
    if allowed.strip():
        number = allowed.strip()
        try:
            value = float(number.rstrip("%")) / (100.0 if number.endswith("%") else 1.0)
        except ValueError:
            raise AdviceError(
                Message(N_("keep: {text}: the margin is a share, e.g. revenue:1% or revenue:0.01"), text=show(text))
            ) from None
    return _validated(Keep, {"metric": metric.strip(), "margin": value}, scenario, "keep")


# ---------------------------------------------------------------- levers and their realistic moves


def choices(scenario: ScenarioBase) -> list[Lever]:
    """The levers a leader can pull in ``scenario`` (labels in the current language). The named assumptions and the
    horizon are the premise of the question (what is believed, and when the results are read), not a choice, and
    are left out: a longer horizon "raises" revenue without changing anything in the organisation."""
    return [
        lever for lever in levers_for(scenario) if not lever.path.startswith("assumptions.") and lever.path != HORIZON
    ]


def _snap(lever: Lever, value: float) -> float | int:
    value = min(max(value, lever.low), lever.high)
    if lever.widget == "int":
        return round(value)
    steps = round((value - lever.low) / lever.step)
    return round(min(max(lever.low + steps * lever.step, lever.low), lever.high), 10)


def _is_metric_choice(scenario: ScenarioBase, lever: Lever) -> bool:
    metrics = get_model(scenario.model).metrics()
    return bool(lever.options) and all(option in metrics for option in lever.options)


def moves(scenario: ScenarioBase, lever: Lever, goal: str, validate: bool = True) -> list[Any]:
    """The settings a ranking tries for ``lever`` (its realistic range, see the module docstring); only settings
    that differ from the scenario's and (``validate``) that it accepts."""
    current = _setting(scenario, lever.path)
    candidates: list[Any]
    if lever.widget == "toggle":
        candidates = [not current]
    elif lever.widget == "select":
        candidates = [goal] if _is_metric_choice(scenario, lever) else list(lever.options)
    elif lever.widget == "chain":
        candidates = [[]]
    elif lever.widget == "optional_week":
        candidates = [None]
    elif lever.widget in ("slider", "int") and lever.low == 0 and lever.high == 1:
        candidates = [_snap(lever, 0.0), _snap(lever, 1.0)]
    elif lever.widget in ("slider", "int"):
        span = max(REALISTIC_SHARE * abs(float(current)), float(lever.step))
        candidates = [_snap(lever, float(current) - span), _snap(lever, float(current) + span)]
    else:
        candidates = []
    out: list[Any] = []
    for value in candidates:
        if value == current or value in out:
            continue
        if not validate:
            out.append(value)
            continue
        try:
            scenario.with_overrides({lever.path: value})
        except ScenarioError:
            continue
        out.append(value)
    return out


def paths_text(paths: Iterable[str]) -> str:
    """Lever paths for a one-line message, in order, those that differ only in their middle part written once with
    braces as in a shell: ``leadership.trump, departments.{sales,marketing}.{alignment,kpi}`` (every department's
    alignment, influence and KPI in one item instead of one per department and lever)."""
    paths = list(dict.fromkeys(paths))
    middles: dict[tuple[str, str], list[str]] = {}
    for path in paths:
        parts = path.split(".")
        if len(parts) == 3:
            middles.setdefault((parts[0], parts[2]), []).append(parts[1])
    # the tails shared by the same two or more middles: (head, middles) -> tails
    shared: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for (head, tail), mids in middles.items():
        if len(mids) > 1:
            shared.setdefault((head, tuple(mids)), []).append(tail)

    def braces(names: Sequence[str]) -> str:
        return "{" + ",".join(names) + "}" if len(names) > 1 else names[0]

    braced = {
        f"{head}.{mid}.{tail}": f"{head}.{braces(mids)}.{braces(tails)}"
        for (head, mids), tails in shared.items()
        for mid in mids
        for tail in tails
    }
    return ", ".join(dict.fromkeys(braced.get(path, path) for path in paths))


def lever_costs(scenario: ScenarioBase, costs: dict[str, float] | None = None) -> dict[str, float]:
    """The cost of changing each lever of ``scenario`` (default 1 each), with ``costs`` (path -> cost >= 0) applied;
    an unknown path or a bad cost is an AdviceError naming the allowed levers or values."""
    out = {lever.path: 1.0 for lever in choices(scenario)}
    for path, value in (costs or {}).items():
        if path not in out:
            raise AdviceError(
                Message(
                    N_("cost {path}: not a lever of this scenario; allowed: {allowed}"),
                    path=show(path),
                    allowed=paths_text(out),
                )
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not (math.isfinite(number) and number >= 0):
            raise AdviceError(
                Message(N_("cost {path}: must be a number >= 0, got {value}"), path=path, value=show(value))
            )
        out[path] = number
    return out


# ---------------------------------------------------------------- runs: cached, on any executor, with progress


_runs: LRUCache = LRUCache(maxsize=MAX_RUNS)
_rankings: LRUCache = LRUCache(maxsize=MAX_RANKINGS)
_lock = threading.Lock()
_keys: dict[tuple[str, ...], tuple[str, ...]] = {}


def clear_cache() -> None:
    """Forget every cached run and ranking (tests; a changed model in the same process)."""
    with _lock:
        _runs.clear()
        _rankings.clear()


def _text_key(scenario: ScenarioBase) -> bytes:
    """A digest of everything the scenario holds (its JSON: the same for the same scenario in any process)."""
    return hashlib.blake2b(scenario.model_dump_json().encode(), digest_size=16).digest()


def _summary(job: tuple[ScenarioBase, int]) -> dict[str, float]:
    """In a worker: one run's summary (the weekly tables stay there)."""
    scenario, seed = job
    return run(cast(Any, scenario), seed).summary


def _pack(summary: dict[str, float]) -> tuple[tuple[str, ...], np.ndarray]:
    names = tuple(summary)
    with _lock:
        names = _keys.setdefault(names, names)
    return names, np.fromiter(summary.values(), dtype=float, count=len(names))


class _Runner:
    """Runs (scenario, seed) jobs in batches on an executor (or here), through the cache; progress counts the runs
    computed (cache hits cost nothing) against the estimate, which grows when it was too low."""

    def __init__(self, executor: Executor | None, progress: Progress | None, total: int) -> None:
        self.executor, self.progress, self.total = executor, progress, max(total, 1)
        #: runs computed (``done``, for progress), and runs asked for, cached or not (``requested``)
        self.done = self.requested = 0

    def _tick(self, n: int = 1) -> None:
        self.done += n
        self.total = max(self.total, self.done)
        if self.progress is not None:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        self.total = self.done
        if self.progress is not None:
            self.progress(self.done, self.total)

    def summaries(self, jobs: Sequence[tuple[ScenarioBase, int]]) -> list[dict[str, float]]:
        """The summary of each job, in order; cached runs are not run again."""
        self.requested += len(jobs)
        texts: dict[int, bytes] = {}  # a batch repeats each scenario over its seeds: one digest per scenario
        keys = [(texts[id(s)] if id(s) in texts else texts.setdefault(id(s), _text_key(s)), seed) for s, seed in jobs]
        found: dict[int, tuple[tuple[str, ...], np.ndarray]] = {}
        todo: dict[tuple[bytes, int], list[int]] = {}
        with _lock:
            for i, key in enumerate(keys):
                hit = _runs.get(key)
                if hit is not None:
                    found[i] = hit
                else:
                    todo.setdefault(key, []).append(i)
        pending = [(key, jobs[where[0]]) for key, where in todo.items()]
        if self.executor is None:
            for key, job in pending:
                self._store(key, _pack(_summary(job)), todo[key], found)
        else:
            futures: list[tuple[tuple[bytes, int], Future]] = []
            try:
                futures = [(key, self.executor.submit(_summary, job)) for key, job in pending]
                for key, future in futures:
                    self._store(key, _pack(future.result()), todo[key], found)
            finally:  # interrupted (an error, or the app's next run): the queued runs are not needed any more
                for _key, future in futures:
                    future.cancel()
        return [dict(zip(*found[i])) for i in range(len(jobs))]

    def _store(self, key, packed, where: list[int], found: dict) -> None:
        with _lock:
            _runs[key] = packed
        for i in where:
            found[i] = packed
        self._tick()

    def values(self, scenario: ScenarioBase, seeds: Sequence[int], metrics: Iterable[str]) -> dict[str, np.ndarray]:
        summaries = self.summaries([(scenario, s) for s in seeds])
        return {m: np.array([x.get(m, np.nan) for x in summaries], dtype=float) for m in metrics}


# ---------------------------------------------------------------- effects


@dataclass(frozen=True)
class Effect:
    """A metric's paired change from the scenario to a changed version over the same seeds: the levels before and
    after (means), the difference after - before with its 95 % interval, and ``gain``, the difference signed so
    that positive is better for the metric (for outputs: more)."""

    metric: str
    before: float
    after: float
    difference: float
    low: float
    high: float
    pairs: int
    better: Literal["higher", "lower"]

    @property
    def gain(self) -> float:
        return self.difference if self.better == "higher" else -self.difference

    @property
    def gain_low(self) -> float:
        """The worse end of the interval, as a gain."""
        return self.low if self.better == "higher" else -self.high

    @property
    def distinguishable(self) -> bool:
        return bool(math.isfinite(self.low) and math.isfinite(self.high) and (self.low > 0 or self.high < 0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "before": _number(self.before),
            "after": _number(self.after),
            "difference": _number(self.difference),
            "ci_low": _number(self.low),
            "ci_high": _number(self.high),
            "pairs": self.pairs,
            "better": self.better,
        }


def _number(value: float) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else float(value)


def _effect(metric: str, better: Any, before: np.ndarray, after: np.ndarray) -> Effect:
    both = ~np.isnan(before) & ~np.isnan(after)
    d = after[both] - before[both]
    mean, low, high = mean_ci(d, LEVEL)
    return Effect(
        metric,
        float(np.mean(before[both])) if both.any() else float("nan"),
        float(np.mean(after[both])) if both.any() else float("nan"),
        mean,
        low,
        high,
        int(both.sum()),
        better,
    )


# ---------------------------------------------------------------- the ranking


@dataclass(frozen=True)
class Row:
    """One lever's best move within its range: the setting before and after, the effect on the goal and on the
    trade-off metrics, and whether these effects are from fresh seeds (``confirmed``) or from the screen."""

    path: str
    before: Any
    after: Any
    goal: Effect
    trade_offs: dict[str, Effect]
    confirmed: bool
    tried: tuple[Any, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "lever": self.path,
            "before": self.before,
            "after": self.after,
            "tried": list(self.tried),
            "confirmed": self.confirmed,
            "goal": self.goal.as_dict(),
            "trade_offs": {m: e.as_dict() for m, e in self.trade_offs.items()},
        }


@dataclass(frozen=True)
class Ranking:
    """Levers ordered by their best move's gain on the goal: first those checked again on fresh seeds, then the
    rest as screened."""

    scenario: str
    goal: str
    rows: tuple[Row, ...]
    seeds: tuple[int, ...]
    fresh_seeds: tuple[int, ...]
    runs: int
    #: Runs this call computed (0: everything came from the cache).
    computed: int = 0

    @property
    def top(self) -> Row | None:
        return self.rows[0] if self.rows else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "goal": self.goal,
            "seeds": list(self.seeds),
            "fresh_seeds": list(self.fresh_seeds),
            "runs": self.runs,
            "levers": [row.as_dict() for row in self.rows],
        }


@dataclass(frozen=True)
class Estimate:
    """What a ranking or goal seek will cost before it runs: runs not in the cache, and estimated seconds on
    ``workers`` cores (from the registry's cost of a run)."""

    runs: int
    seconds: float
    workers: int


def _seeds(seed: int, n: int, fresh: bool = False) -> list[int]:
    start = seed + (FRESH_OFFSET if fresh else 0)
    return list(range(start, start + n))


def _plan(
    scenario: ScenarioBase, goal: str, levers: Iterable[str] | None, validate: bool = True
) -> list[tuple[Lever, list[Any]]]:
    wanted = None if levers is None else set(levers)
    all_levers = choices(scenario)
    if wanted is not None:
        unknown = wanted - {lever.path for lever in all_levers}
        if unknown:
            raise AdviceError(
                Message(
                    N_("levers: {paths} not a lever of this scenario; allowed: {allowed}"),
                    paths=", ".join(sorted(unknown)),
                    allowed=paths_text(lever.path for lever in all_levers),
                )
            )
    plan = []
    for lever in all_levers:
        if wanted is not None and lever.path not in wanted:
            continue
        tried = moves(scenario, lever, goal, validate)
        if tried:
            plan.append((lever, tried))
    return plan


def _trade_off_metrics(scenario: ScenarioBase, goal: str, also: Iterable[str]) -> list[str]:
    metrics = get_model(scenario.model).metrics()
    return [m for m in dict.fromkeys([*TRADE_OFFS, *also]) if m in metrics and m != goal]


def estimate_ranking(
    scenario: ScenarioBase,
    goal: str | Goal,
    seeds: int = RANK_SEEDS,
    confirm_seeds: int = CONFIRM_SEEDS,
    confirm: int = CONFIRM_TOP,
    seed: int = 0,
    levers: Iterable[str] | None = None,
    also: Iterable[str] = (),
    workers: int = 1,
) -> Estimate:
    """What :func:`rank_levers` with these arguments will cost at most (nothing when that ranking is cached; runs
    cached from other questions are counted, and cost nothing): cheap enough to show before every click."""
    if cached_ranking(scenario, goal, seeds, confirm_seeds, confirm, seed, levers, also) is not None:
        return Estimate(0, 0.0, workers)
    plan = _plan(scenario, goal_of(scenario, goal).metric, levers, validate=False)
    runs = (1 + sum(len(tried) for _, tried in plan)) * seeds + (min(confirm, len(plan)) + 1) * confirm_seeds * (
        confirm > 0
    )
    return Estimate(runs, cost(scenario, runs) / max(workers, 1), workers)


def cached_ranking(
    scenario: ScenarioBase,
    goal: str | Goal,
    seeds: int = RANK_SEEDS,
    confirm_seeds: int = CONFIRM_SEEDS,
    confirm: int = CONFIRM_TOP,
    seed: int = 0,
    levers: Iterable[str] | None = None,
    also: Iterable[str] = (),
) -> Ranking | None:
    """The ranking :func:`rank_levers` would return, when it is in the cache (else None; nothing runs)."""
    metric = goal_of(scenario, goal).metric
    key = _ranking_key(
        scenario, metric, seeds, confirm_seeds, confirm, seed, levers, _trade_off_metrics(scenario, metric, also)
    )
    with _lock:
        return _rankings.get(key)


def _ranking_key(scenario, metric, seeds, confirm_seeds, confirm, seed, levers, others) -> tuple:
    return (
        _text_key(scenario),
        metric,
        seeds,
        confirm_seeds,
        confirm,
        seed,
        None if levers is None else tuple(sorted(set(levers))),
        tuple(others),
    )


def _screen(
    runner: _Runner, scenario: ScenarioBase, plan, names: list[str], seeds: Sequence[int]
) -> list[tuple[Lever, Any, dict[str, Effect]]]:
    """Each lever's best move for ``names[0]`` on the screening ``seeds`` with its effects on ``names``, best first."""
    registry = get_model(scenario.model).metrics()
    metric, n = names[0], len(seeds)
    variants = [(lever, value) for lever, tried in plan for value in tried]
    # one batch, so that every core is busy until the screen is done
    summaries = runner.summaries(
        [(scenario, s) for s in seeds]
        + [(scenario.with_overrides({lever.path: value}), s) for lever, value in variants for s in seeds]
    )

    def block(i: int) -> dict[str, np.ndarray]:
        return {m: np.array([x.get(m, np.nan) for x in summaries[i * n : (i + 1) * n]], dtype=float) for m in names}

    base = block(0)
    best: dict[str, tuple[Lever, Any, dict[str, Effect]]] = {}
    for i, (lever, value) in enumerate(variants, start=1):
        after = block(i)
        effects = {m: _effect(m, registry[m].better, base[m], after[m]) for m in names}
        if lever.path not in best or _gain(effects[metric]) > _gain(best[lever.path][2][metric]):
            best[lever.path] = (lever, value, effects)
    return sorted(best.values(), key=lambda b: -_gain(b[2][metric]))  # stable: ties keep the levers' order


def rank_levers(
    scenario: ScenarioBase,
    goal: str | Goal,
    seeds: int = RANK_SEEDS,
    confirm_seeds: int = CONFIRM_SEEDS,
    confirm: int = CONFIRM_TOP,
    seed: int = 0,
    levers: Iterable[str] | None = None,
    also: Iterable[str] = (),
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> Ranking:
    """Rank the levers of ``scenario`` by their best move's effect on ``goal`` (a metric of its model), with the
    trade-offs (revenue, churn and ``also``) beside each; see the module docstring. ``levers`` limits the ranking
    to some lever paths; ``executor`` runs the seeds (e.g. ``sim.runner.process_pool``); ``progress(done, total)``
    is called as runs finish. The same arguments give the same ranking on any executor."""
    if seeds < 2 or confirm_seeds < 2 or confirm < 0:
        raise AdviceError("ranking: seeds and confirm_seeds must be at least 2, confirm at least 0")
    metric = goal_of(scenario, goal).metric
    levers = None if levers is None else list(levers)
    plan = _plan(scenario, metric, levers)
    others = _trade_off_metrics(scenario, metric, also)
    key = _ranking_key(scenario, metric, seeds, confirm_seeds, confirm, seed, levers, others)
    with _lock:
        hit = _rankings.get(key)
    if hit is not None:
        if progress is not None:
            progress(hit.runs, hit.runs)
        return hit
    estimate = estimate_ranking(scenario, metric, seeds, confirm_seeds, confirm, seed, levers, also)
    runner = _Runner(executor, progress, estimate.runs)
    result = _rank_on(runner, scenario, plan, [metric, *others], seed, seeds, confirm_seeds, confirm)
    runner.finish()
    with _lock:
        _rankings[key] = replace(result, computed=0)
    return replace(result, computed=runner.done)


def _rank_on(
    runner: _Runner,
    scenario: ScenarioBase,
    plan,
    names: list[str],
    seed: int,
    seeds: int,
    confirm_seeds: int,
    confirm: int,
) -> Ranking:
    registry = get_model(scenario.model).metrics()
    metric, others = names[0], names[1:]
    screen = _seeds(seed, seeds)
    screened = _screen(runner, scenario, plan, names, screen)
    top = [b for b in screened[:confirm] if _gain(b[2][metric]) > 0]
    confirmed: dict[str, dict[str, Effect]] = {}
    fresh = _seeds(seed, confirm_seeds, fresh=True) if top else []
    if top:  # the second look, on seeds that did not choose these levers
        n = len(fresh)
        runs = runner.summaries(
            [(scenario, s) for s in fresh]
            + [(scenario.with_overrides({lever.path: value}), s) for lever, value, _ in top for s in fresh]
        )

        def block(i: int) -> dict[str, np.ndarray]:
            return {m: np.array([x.get(m, np.nan) for x in runs[i * n : (i + 1) * n]], dtype=float) for m in names}

        base = block(0)
        for i, (lever, _value, _effects) in enumerate(top, start=1):
            after = block(i)
            confirmed[lever.path] = {m: _effect(m, registry[m].better, base[m], after[m]) for m in names}
    tried = {lever.path: tuple(values) for lever, values in plan}
    rows = []
    for lever, value, effects in screened:
        chosen = confirmed.get(lever.path, effects)
        rows.append(
            Row(
                lever.path,
                _setting(scenario, lever.path),
                value,
                chosen[metric],
                {m: chosen[m] for m in others},
                lever.path in confirmed,
                tried[lever.path],
            )
        )
    rows.sort(key=lambda r: (not r.confirmed, -_gain(r.goal)))
    return Ranking(
        scenario.name, metric, tuple(rows), tuple(screen), tuple(fresh), runs=runner.requested, computed=runner.done
    )


def _gain(effect: Effect) -> float:
    g = effect.gain
    return g if math.isfinite(g) else -math.inf


# ---------------------------------------------------------------- robust assessment of a set of changes


@dataclass(frozen=True)
class Check:
    """How a set of changes does against the target and the keeps, at the worst sample of the assumptions:
    ``slack`` >= 0 means every condition holds robustly (it is the smallest margin, as a share of the target or of
    the kept metric's level, at the unfavourable end of each interval); ``closeness`` is the same margin for the
    means (how close a setting that falls short comes, less noisy than an interval's end); ``effects`` and the
    target's interval are those at the nominal assumptions (the first sample)."""

    slack: float
    target_low: float
    target_high: float
    target_mean: float
    effects: dict[str, Effect]
    worst_sample: int
    seeds: tuple[int, ...]
    closeness: float = 0.0

    @property
    def holds(self) -> bool:
        return self.slack >= 0


def _finite_or_worst(value: float) -> float:
    return value if math.isfinite(value) else -math.inf


def _target_slack(target: Target, values: np.ndarray) -> tuple[float, float, float, float, float]:
    """(slack at the interval's unfavourable end, slack of the mean, mean, low, high) of the changed scenario."""
    mean, low, high = mean_ci(values, LEVEL)
    sign = 1.0 if target.op == ">=" else -1.0
    scale = max(abs(target.value), 1e-9)
    edge = low if target.op == ">=" else high
    return (
        _finite_or_worst(sign * (edge - target.value) / scale),
        _finite_or_worst(sign * (mean - target.value) / scale),
        mean,
        low,
        high,
    )


def _keep_slack(keep: Keep, effect: Effect) -> tuple[float, float]:
    """(slack at the interval's unfavourable end, slack of the mean) of a kept metric's paired change."""
    scale = max(abs(effect.before), 1e-9)
    allowed = keep.margin * abs(effect.before)
    return (
        _finite_or_worst((effect.gain_low + allowed) / scale),
        _finite_or_worst((effect.gain + allowed) / scale),
    )


def _check(
    runner: _Runner,
    scenario: ScenarioBase,
    changes: dict[str, Any],
    target: Target,
    keeps: Sequence[Keep],
    seeds: Sequence[int],
    samples: Sequence[dict[str, Any]],
    show_metrics: Sequence[str],
) -> Check:
    registry = get_model(scenario.model).metrics()
    names = list(dict.fromkeys([target.metric, *(k.metric for k in keeps), *show_metrics]))
    bases = [scenario.with_overrides(u) if u else scenario for u in samples]
    changed = [b.with_overrides(changes) if changes else b for b in bases]
    jobs = [(b, s) for b in bases for s in seeds] + [(c, s) for c in changed for s in seeds]
    summaries = runner.summaries(jobs)
    n = len(seeds)

    def block(i: int) -> dict[str, np.ndarray]:
        return {m: np.array([x.get(m, np.nan) for x in summaries[i * n : (i + 1) * n]], dtype=float) for m in names}

    worst, worst_i, closeness, nominal = math.inf, 0, math.inf, None
    for i in range(len(bases)):
        before, after = block(i), block(len(bases) + i)
        slack, close, mean, low, high = _target_slack(target, after[target.metric])
        effects = {m: _effect(m, registry[m].better, before[m], after[m]) for m in names}
        for keep in keeps:
            edge, middle = _keep_slack(keep, effects[keep.metric])
            slack, close = min(slack, edge), min(close, middle)
        if nominal is None:
            nominal = (effects, mean, low, high)
        if slack < worst:
            worst, worst_i = slack, i
        closeness = min(closeness, close)
    assert nominal is not None
    effects, mean, low, high = nominal
    return Check(worst, low, high, mean, effects, worst_i, tuple(seeds), closeness)


def _samples(scenario: ScenarioBase, uncertainties: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    if not uncertainties:
        return [{}]
    out = []
    for i, sample in enumerate(uncertainties):
        if not isinstance(sample, dict):
            raise AdviceError(f"uncertainties[{i}]: an override table (path -> value), got {show(sample)}")
        try:
            scenario.with_overrides(sample)
        except ScenarioError as exc:
            raise AdviceError(Message("uncertainties[{i}]: {problem}", i=i, problem=exc.message)) from None
        out.append(dict(sample))
    return out


def sample_uncertainties(
    scenario: ScenarioBase,
    ranges: Mapping[str, Sequence[float]],
    samples: int = UNCERTAINTY_SAMPLES,
    seed: int = 0,
    nominal: bool = True,
) -> list[dict[str, Any]]:
    """Assumption sets for a robust goal seek: ``samples`` Latin hypercube samples of ``ranges`` (path -> [low,
    high], e.g. the named assumptions), made by the sweep's design (the cases a sweep with these ranges as
    ``[parameters]``, ``design = "lhs"`` and ``design_seed = seed`` runs: the levers-versus-uncertainties design),
    led by the scenario's own values (``{}``) when ``nominal``. A bad path or range is an AdviceError naming it."""
    from sim.research.sweep import SweepError, make_plan, spec_from_dict
    from sim.research.sweep.planning import point_overrides

    if not ranges:
        raise AdviceError("uncertain: give at least one PATH=LOW..HIGH, e.g. assumptions.folk_wisdom=0..1")
    for path, bounds in ranges.items():
        numbers = [b for b in bounds if isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b)]
        if len(bounds) != 2 or len(numbers) != 2 or not numbers[0] < numbers[1]:
            raise AdviceError(
                Message(
                    "uncertain {path}: a range LOW..HIGH of numbers with LOW < HIGH, got {bounds}",
                    path=show(path),
                    bounds=show(list(bounds)),
                )
            )
    try:  # the sweep's plan: its paths, ranges and values checked against the scenario as a sweep's are
        spec = spec_from_dict(
            {
                "scenario": scenario.name,
                "parameters": {path: list(bounds) for path, bounds in ranges.items()},
                "design": "lhs",
                "samples": samples,
                "design_seed": seed,
            },
            source="uncertain",
        )
        points = make_plan(spec, None, base=scenario).points
    except SweepError as exc:
        text = re.sub(r"^(uncertain: )?parameters(, design point \d+)?: (overrides: )?", "", str(exc))
        raise AdviceError("uncertain: " + text) from None
    out: list[dict[str, Any]] = [{}] if nominal else []
    return out + [point_overrides(points, i) for i in range(len(points))]


def sweep_cases(folder: str | Path, box: Any = None, scenario: ScenarioBase | None = None) -> list[dict[str, Any]]:
    """The cases of a sweep folder (each a set of the swept parameters' values, the uncertainties of a
    levers-versus-uncertainties sweep) as assumption sets for a robust goal seek; with ``box`` (a
    :class:`sim.research.discover.Discovery`'s box, or :func:`sim.research.discover.read_box` of the
    ``discovery_box.csv`` that ``alignsim discover`` writes: parameter, low, high), only the cases inside it (e.g.
    where a policy pays off, to ask what reaches the target there). With ``scenario`` (the one advised), the sweep
    must have run that scenario, apart from its horizon and the paths it swept; an AdviceError names both
    otherwise."""
    from sim.research.sweep import open_folder
    from sim.research.sweep.planning import point_overrides

    _folder, _manifest, plan, _layout = open_folder(folder)
    names = list(plan.spec.parameters)
    if scenario is not None:  # the sweep must have run the scenario advised
        _check_same_scenario(folder, plan.base, scenario, [*plan.spec.levers, *names])
    cases = plan.points.iloc[: plan.n_cases][names]
    if box is not None:
        for row in box.itertuples(index=False):
            if row.parameter in plan.spec.levers:
                continue  # a policy, not an assumption: the goal seek chooses the levers itself
            if row.parameter not in names:
                raise AdviceError(
                    f"box: {show(row.parameter)} is not swept by {folder}; its parameters: {', '.join(names)}"
                )
            low, high = pd.to_numeric(pd.Series([row.low, row.high]), errors="coerce")
            column = cases[row.parameter]
            if pd.isna(low) or pd.isna(high):  # a choice: the box keeps some of its values
                kept = {v.strip() for v in str(row.low).split(",")}
                cases = cases[column.astype(str).isin(kept)]
            else:
                cases = cases[(column >= low) & (column <= high)]
    cases = cases.drop_duplicates()
    if cases.empty:
        raise AdviceError(f"cases: no case of {folder} lies inside the box")
    return [point_overrides(cases, i) for i in range(len(cases))]


#: Fields that do not change what a scenario's runs compute (its labels) or that a goal seek sets itself.
_NOT_THE_ORGANISATION = frozenset({"name", "description", "weeks", "periods"})


def _check_same_scenario(folder: str | Path, swept: ScenarioBase, advised: ScenarioBase, paths: list[str]) -> None:
    """Refuse a sweep's cases for a scenario other than the sweep's (apart from the horizon and the swept paths)."""
    from sim.research.sweep.spec import folder_of

    def flat(data: Any, prefix: str = "") -> dict[str, Any]:
        if not isinstance(data, dict):
            return {prefix: data}
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flat(value, f"{prefix}.{key}" if prefix else str(key)))
        return out

    a, b = flat(swept.model_dump(mode="json")), flat(advised.model_dump(mode="json"))
    differ = [
        key
        for key in sorted(a.keys() | b.keys())
        if key.split(".")[0] not in _NOT_THE_ORGANISATION
        and not any(key == p or key.startswith(p + ".") for p in paths)
        and a.get(key) != b.get(key)
    ]
    if swept.model != advised.model or differ:
        what = (
            f"model {swept.model!r} against {advised.model!r}"
            if swept.model != advised.model
            else f"{differ[0]} ({show(a.get(differ[0]))} there, {show(b.get(differ[0]))} here)"
            + (f" and {len(differ) - 1} more" if len(differ) > 1 else "")
        )
        raise AdviceError(
            f"cases: {folder} swept scenario {show(swept.name)}, this advice is for {show(advised.name)}, and they "
            f"differ in {what}; advise the sweep's own scenario ({folder_of(folder)}/scenario.toml) or sweep this "
            "one"
        )


def assess(
    scenario: ScenarioBase,
    changes: dict[str, Any],
    target: Target,
    keep: Sequence[Keep] = (),
    seeds: Sequence[int] | int = SEEK_SEEDS,
    uncertainties: Sequence[dict[str, Any]] | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> Check:
    """Whether ``changes`` (path -> value) reach ``target`` and keep ``keep`` robustly: over ``seeds`` and in every
    sample of ``uncertainties`` (overrides applied to the scenario with and without the changes)."""
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    samples = _samples(scenario, uncertainties)
    runner = _Runner(executor, progress, 2 * len(samples) * len(seed_list))
    shown = _trade_off_metrics(scenario, target.metric, ())
    result = _check(runner, scenario, dict(changes), target, keep, seed_list, samples, shown)
    runner.finish()
    return result


# ---------------------------------------------------------------- goal seek


@dataclass(frozen=True)
class Change:
    """One lever change of a goal seek's answer, with its cost."""

    path: str
    before: Any
    after: Any
    cost: float

    def as_dict(self) -> dict[str, Any]:
        return {"lever": self.path, "before": self.before, "after": self.after, "cost": self.cost}


@dataclass(frozen=True)
class Advice:
    """A goal seek's answer. ``reached``: the changes reach the target and keep what must be kept robustly, on
    fresh seeds (and in every sample of the assumptions given); otherwise ``changes`` is the closest setting
    found, with how far it falls short (``check.slack`` < 0). ``already``: the scenario reaches it unchanged."""

    scenario: str
    target: Target
    keep: tuple[Keep, ...]
    reached: bool
    already: bool
    changes: tuple[Change, ...]
    check: Check
    trials: int
    runs: int
    samples: int
    searched: tuple[str, ...]
    computed: int = 0

    @property
    def cost(self) -> float:
        return sum(c.cost for c in self.changes)

    @property
    def overrides(self) -> dict[str, Any]:
        return {c.path: c.after for c in self.changes}

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "target": self.target.model_dump(),
            "keep": [k.model_dump() for k in self.keep],
            "reached": self.reached,
            "already": self.already,
            "changes": [c.as_dict() for c in self.changes],
            "cost": self.cost,
            "target_interval": [_number(self.check.target_low), _number(self.check.target_high)],
            "target_mean": _number(self.check.target_mean),
            "slack": _number(self.check.slack),
            "closeness": _number(self.check.closeness),
            "effects": {m: e.as_dict() for m, e in self.check.effects.items()},
            "fresh_seeds": list(self.check.seeds),
            "uncertainty_samples": self.samples,
            "worst_sample": self.check.worst_sample,
            "trials": self.trials,
            "runs": self.runs,
            "levers_searched": list(self.searched),
        }


def estimate_goal_seek(
    scenario: ScenarioBase,
    target: Target,
    keep: Sequence[Keep] = (),
    uncertainties: Sequence[dict[str, Any]] | None = None,
    trials: int = TRIALS,
    seeds: int = SEEK_SEEDS,
    confirm_seeds: int = SEEK_CONFIRM_SEEDS,
    seed: int = 0,
    levers: Iterable[str] | None = None,
    workers: int = 1,
) -> Estimate:
    """What :func:`goal_seek` will cost at most: its screen of the levers for the goal and each kept metric, every
    trial on every sample, and the final checks (fewer when runs are cached, trials repeat a setting or an early
    check succeeds)."""
    levers = None if levers is None else list(levers)
    screened = {
        (lever.path, repr(value))
        for metric in (target.metric, *(k.metric for k in keep))
        for lever, tried in _plan(scenario, metric, levers, validate=False)
        for value in tried
    }
    samples = len(uncertainties) if uncertainties else 1
    search = (trials + SEEK_LEVERS + KEEP_LEVERS * len(keep) + 1) * samples * seeds + samples * seeds
    final = (FINAL_CHECKS + 1) * samples * confirm_seeds
    runs = (len(screened) + 1) * RANK_SEEDS + search + final
    return Estimate(runs, cost(scenario, runs) / max(workers, 1), workers)


def _domain(scenario: ScenarioBase, lever: Lever, tried: Sequence[Any]) -> tuple[str, Any]:
    """How optuna samples a lever: ("float"|"int", (low, high, step)) over its range, or ("choice", settings)."""
    current = _setting(scenario, lever.path)
    if lever.widget in ("slider", "int") and all(isinstance(v, (int, float)) for v in tried):
        low, high = min([current, *tried]), max([current, *tried])
        if lever.widget == "int":
            return "int", (int(low), int(high), 1)
        return "float", (float(low), float(high), float(lever.step))
    return "choice", list(tried)


def goal_seek(
    scenario: ScenarioBase,
    target: Target,
    keep: Sequence[Keep] = (),
    costs: dict[str, float] | None = None,
    uncertainties: Sequence[dict[str, Any]] | None = None,
    trials: int = TRIALS,
    seeds: int = SEEK_SEEDS,
    confirm_seeds: int = SEEK_CONFIRM_SEEDS,
    seed: int = 0,
    levers: Iterable[str] | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> Advice:
    """The smallest (cheapest) set of lever changes that reaches ``target`` and keeps ``keep`` robustly (module
    docstring). ``costs``: path -> cost of changing that lever (default 1); ``uncertainties``: overrides of the
    named assumptions (or any scenario values) the answer must hold across; ``levers`` limits the search to some
    lever paths. Deterministic for the same arguments, on any executor."""
    import optuna

    if trials < 1 or seeds < 2 or confirm_seeds < 2:
        raise AdviceError("goal seek: trials must be at least 1, seeds and confirm_seeds at least 2")
    levers = None if levers is None else list(levers)
    target = _validated(Target, target.model_dump() if isinstance(target, Target) else target, scenario, "target")
    keeps = tuple(_validated(Keep, k.model_dump() if isinstance(k, Keep) else k, scenario, "keep") for k in keep)
    price = lever_costs(scenario, costs)
    samples = _samples(scenario, uncertainties)
    estimate = estimate_goal_seek(scenario, target, keeps, uncertainties, trials, seeds, confirm_seeds, seed, levers)
    runner = _Runner(executor, progress, estimate.runs)
    shown = _trade_off_metrics(scenario, target.metric, ())
    search_seeds, fresh = _seeds(seed, seeds), _seeds(seed, confirm_seeds, fresh=True)

    def check(changes: dict[str, Any], seed_list: Sequence[int]) -> Check:
        return _check(runner, scenario, changes, target, keeps, seed_list, samples, shown)

    def advice(reached: bool, changes: dict[str, Any], result: Check, n_trials: int, searched=()) -> Advice:
        runner.finish()
        return Advice(
            scenario.name,
            target,
            keeps,
            reached,
            reached and not changes,
            tuple(Change(p, _setting(scenario, p), v, price[p]) for p, v in changes.items()),
            result,
            n_trials,
            runner.requested,
            len(samples),
            tuple(searched),
            computed=runner.done,
        )

    unchanged = check({}, fresh)
    if unchanged.holds:
        return advice(True, {}, unchanged, 0)

    # the search space: the ranking's best levers for the goal and for each kept metric (screen only: the second
    # look is for people; the search checks its own candidates on fresh seeds)
    def ranked(metric: str) -> Ranking:
        return _rank_on(runner, scenario, _plan(scenario, metric, levers), [metric], seed, RANK_SEEDS, 2, 0)

    by_goal = ranked(target.metric)
    chosen = [r for r in by_goal.rows if r.goal.gain > 0][:SEEK_LEVERS]
    for k in keeps:
        chosen += [r for r in ranked(k.metric).rows if r.goal.gain > 0][:KEEP_LEVERS]
    rows: dict[str, Row] = {}
    for r in chosen:
        rows.setdefault(r.path, r)
    by_path = {lever.path: lever for lever in choices(scenario)}
    domains = {p: _domain(scenario, by_path[p], r.tried) for p, r in rows.items()}
    if not rows:
        return advice(False, {}, unchanged, 0)

    seen: dict[tuple, Check] = {}

    def evaluate(changes: dict[str, Any]) -> Check:
        key = tuple(sorted((p, repr(v)) for p, v in changes.items()))
        if key not in seen:
            seen[key] = check(changes, search_seeds)
        return seen[key]

    def changes_of(params: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for p, (kind, dom) in domains.items():
            if not params.get(f"use:{p}"):
                continue
            value = dom[params[p]] if kind == "choice" else params[p]
            if kind == "float":
                value = round(float(value), 10)
            if value != _setting(scenario, p):
                out[p] = value
        return out

    def total(changes: dict[str, Any]) -> float:
        return sum(price[p] for p in changes)

    def objective(trial: optuna.Trial) -> float:
        params: dict[str, Any] = {}
        for p, (kind, dom) in domains.items():
            use = trial.suggest_categorical(f"use:{p}", [False, True])
            params[f"use:{p}"] = use
            if not use:
                continue
            if kind == "choice":
                params[p] = trial.suggest_categorical(p, list(range(len(dom))))
            elif kind == "int":
                params[p] = trial.suggest_int(p, dom[0], dom[1])
            else:
                params[p] = trial.suggest_float(p, dom[0], dom[1], step=dom[2])
        changes = changes_of(params)
        result = evaluate(changes)
        trial.set_user_attr("changes", sorted(changes))
        # feasible: the cost (fewer, cheaper changes win); not: worse than any feasible set, by its shortfall
        return total(changes) if result.holds else 1e6 + min(-result.slack, 1e6)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, trials), multivariate=True, group=True)
        study = optuna.create_study(direction="minimize", sampler=sampler)
        # start from what the ranking suggests: each lever's best move alone, then all of them together
        best_moves = {p: r.after for p, r in rows.items()}

        def params_for(changes: dict[str, Any]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for p, (kind, dom) in domains.items():
                out[f"use:{p}"] = p in changes
                if p in changes:
                    out[p] = dom.index(changes[p]) if kind == "choice" else changes[p]
            return out

        for p in rows:
            study.enqueue_trial(params_for({p: best_moves[p]}))
        study.enqueue_trial(params_for(best_moves))
        study.optimize(objective, n_trials=max(trials, len(rows) + 1))

    candidates = sorted(seen.items(), key=lambda kv: (not kv[1].holds, _price(kv[0], price), -kv[1].slack, kv[0]))
    tried_final: list[tuple[dict[str, Any], Check]] = []
    for key, result in candidates:
        if not result.holds or len(tried_final) >= FINAL_CHECKS:
            break
        changes = _pruned(_changes_from_key(key, domains, rows, scenario), evaluate, price)
        if not changes or any(changes == done for done, _ in tried_final):  # no change failed on fresh seeds
            continue
        final = check(changes, fresh)
        tried_final.append((changes, final))
        if final.holds:
            return advice(True, changes, final, len(study.trials), rows)
    # nothing held on fresh seeds: the closest setting (by its means) among the final checks and the search
    if not tried_final:
        key, _ = max(seen.items(), key=lambda kv: (kv[1].closeness, -_price(kv[0], price)))
        changes = _pruned(_changes_from_key(key, domains, rows, scenario), evaluate, price, closest=True)
        tried_final.append((changes, check(changes, fresh)))
    changes, final = max(tried_final, key=lambda cf: cf[1].closeness)
    if final.holds:  # nothing held on the few search seeds, but the closest setting does on the fresh ones
        return advice(True, changes, final, len(study.trials), rows)
    if final.closeness <= unchanged.closeness:
        changes, final = {}, unchanged
    return advice(False, changes, final, len(study.trials), rows)


def _price(key: tuple, price: dict[str, float]) -> float:
    return sum(price[p] for p, _ in key)


def _changes_from_key(key: tuple, domains, rows, scenario) -> dict[str, Any]:
    """The changes a memo key stands for (its values were kept as repr; the domains hold the originals)."""
    out = {}
    for path, text in key:
        kind, dom = domains[path]
        if kind == "choice":
            out[path] = next(v for v in dom if repr(v) == text)
        elif kind == "int":
            out[path] = int(text)
        else:
            out[path] = float(text)
    return out


def _pruned(
    changes: dict[str, Any],
    evaluate: Callable[[dict[str, Any]], Check],
    price: dict[str, float],
    closest: bool = False,
) -> dict:
    """``changes`` without every change that is not needed (the dearest is tried first): one whose removal keeps
    the target and the keeps holding, or (``closest``, for a setting that falls short) comes at least as close."""
    current = dict(changes)
    for path in sorted(current, key=lambda p: (-price[p], p)):
        if len(current) == 1:
            break
        fewer = {p: v for p, v in current.items() if p != path}
        result = evaluate(fewer)
        if result.holds if not closest else result.closeness >= evaluate(current).closeness:
            current = fewer
    return current


# ---------------------------------------------------------------- in words (the CLI's table and the app's panel)


def lever_label(scenario: ScenarioBase, path: str) -> str:
    """A lever's name for people, in the current language (its path when it is not a lever)."""
    return next((lever.label for lever in levers_for(scenario) if lever.path == path), path)


def move_text(scenario: ScenarioBase, path: str, value: Any) -> str:
    """``Prioritisation is a real choice: off → on``, in the current language."""
    from sim.present.answer import changes

    return changes(scenario, {path: value})[0]


def likely(effect: Effect) -> str:
    """``+2.1 pts (likely between +0.9 and +3.3 pts)``: a paired difference and its 95 % interval in plain words, with
    the precision the interval supports (``labels.likely``)."""
    from sim.present import labels

    return labels.likely(effect.metric, effect.difference, effect.low, effect.high)


def target_text(target: Target) -> str:
    """``30-day activation ≥ 40%``."""
    from sim.present import labels

    op = "≥" if target.op == ">=" else "≤"
    return f"{labels.name(target.metric)} {op} {labels.value(target.metric, target.value)}"


def advice_lines(scenario: ScenarioBase, advice: Advice) -> list[str]:
    """A goal seek's answer in plain sentences: what to change and at what cost, what the goal and the trade-offs
    then are likely to be, or plainly that no setting reached the goal and the closest one found."""
    from sim.present import labels

    check, target = advice.check, advice.target
    level = _("{goal} is then likely between {low} and {high} (target {target}).").format(
        goal=labels.name(target.metric),
        low=labels.value(target.metric, check.target_low),
        high=labels.value(target.metric, check.target_high),
        target=target_text(target),
    )
    keeping = [
        _("{name}: {effect}").format(name=labels.name(m), effect=likely(e))
        for m, e in check.effects.items()
        if m != target.metric
    ]
    where = _("in every one of the {n} assumption samples").format(n=advice.samples) if advice.samples > 1 else ""
    if advice.already:
        lines = [
            _("{scenario} already reaches {target}: no change is needed.").format(
                scenario=advice.scenario, target=target_text(target)
            ),
            level,
        ]
        return [*lines, *keeping]
    kept = ", ".join(labels.name(k.metric) for k in advice.keep)
    if advice.reached:
        head = ngettext(
            "Reaching {target}{keeping} takes {n} change (cost {cost}){where}:",
            "Reaching {target}{keeping} takes {n} changes (cost {cost}){where}:",
            len(advice.changes),
        )
    elif advice.changes:
        head = _(
            "No setting tried reaches {target} robustly{keeping}{where}. The closest found ({n} change(s), cost "
            "{cost}):"
        )
    else:
        return [
            _(
                "No setting tried reaches {target} robustly{keeping}{where}, and none came closer than the scenario "
                "as it is."
            ).format(
                target=target_text(target),
                keeping=_(" while keeping {kept}").format(kept=kept) if kept else "",
                where=" " + where if where else "",
            ),
            level,
            *keeping,
        ]
    lines = [
        head.format(
            target=target_text(target),
            keeping=_(" while keeping {kept}").format(kept=kept) if kept else "",
            n=len(advice.changes),
            cost=number(advice.cost, 0 if float(advice.cost).is_integer() else 1),
            where=" " + where if where else "",
        )
    ]
    lines += ["- " + move_text(scenario, c.path, c.after) for c in advice.changes]
    return [*lines, level, *keeping]
