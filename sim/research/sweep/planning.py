"""Planning a sweep: count it, estimate its cost (planning included), check its design in bulk.

Planning is cheap whatever the sweep's size, so a 1,000,000-point sweep starts its first task within seconds, and
again on every ``--resume``:

- the runs are counted before anything is allocated (at most MAX_RUNS);
- every swept path is checked once against the scenario, and so is each of its distinct values (a grid's values, a
  range's two ends): field bounds and types hold for every point that way;
- a sample of whole design points (the first, the last and up to CHECKED_POINTS spread between) is validated as
  scenarios, which also catches rules between fields, and gives the mean cost of a run;
- every other point is validated by the worker that runs it (a bad one stops the sweep with one line naming the
  point; finished runs are kept).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.input import ScenarioError, load_scenario, path_problem, scenario_from_toml, show
from sim.registry import CLI_BUDGET_SECONDS, check_budget, cost, describe_seconds, get_model
from sim.research.sweep.design import (
    count_cases,
    count_points,
    count_policies,
    design_points,
    distinct_values,
    first_point_with,
)
from sim.research.sweep.spec import SweepError, SweepSpec
from sim.scenario import ScenarioBase

#: Most runs one sweep may plan (its design is held in memory), whatever the budget.
MAX_RUNS = 1_000_000
#: Whole design points validated on the driver (the rest are validated by the workers that run them).
CHECKED_POINTS = 32
#: Estimated seconds to make and index one design point in bulk (NumPy), for the planning estimate.
POINT_SECONDS = 2e-6
#: Values of one swept path validated as whole scenarios (spread over its values, both ends included); the others
#: are checked against the field's own type and bounds, which takes microseconds.
VALUES_CHECKED = 16


@dataclass
class Plan:
    """A checked sweep: the base scenario as run, the design points, seeds per point and the estimates."""

    spec: SweepSpec
    base: ScenarioBase
    points: pd.DataFrame
    n_cases: int
    n_policies: int
    #: estimated seconds of computing for all runs, and seconds this planning took
    seconds: float
    planning_seconds: float

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.spec.seeds

    def runs(self) -> pd.DataFrame:
        """(run, point, seed) of every run: run = point x seeds + seed."""
        run = np.arange(self.n_runs, dtype=np.int64)
        return pd.DataFrame({"run": run, "point": run // self.spec.seeds, "seed": run % self.spec.seeds})


def resolve_base(spec: SweepSpec) -> ScenarioBase:
    """The spec's scenario, resolved, with the spec's horizon applied: what every run starts from."""
    try:
        base = load_scenario(spec.scenario)
        scenario_from_toml(base.to_toml(), "the resolved scenario")  # what the workers receive must load again
    except ScenarioError as exc:
        raise SweepError(f"scenario: {exc}") from None
    return with_horizon(spec, base)


def with_horizon(spec: SweepSpec, base: ScenarioBase) -> ScenarioBase:
    model = get_model(base.model)
    for field in ("weeks", "periods"):
        value = getattr(spec, field)
        if value is not None and field != model.horizon:
            raise SweepError(f"{field}: model {base.model!r} runs in {model.horizon}; give {model.horizon} instead")
        if value is not None:
            try:
                base = base.with_overrides({field: value})
            except ScenarioError as exc:
                raise SweepError(f"{field}: {exc}") from None
    return base


def make_plan(spec: SweepSpec, budget: float | None = CLI_BUDGET_SECONDS, base: ScenarioBase | None = None) -> Plan:
    """Count, estimate and check a sweep (see the module docstring); ``base`` replaces the spec's scenario (a
    sweep folder's own copy). Raises SweepError (one line) or BudgetError above ``budget`` seconds (None: none)."""
    started = time.perf_counter()
    n_points = count_points(spec)
    n_runs = n_points * spec.seeds
    if n_runs > MAX_RUNS:
        raise SweepError(
            f"the design makes {n_runs:,} runs ({n_points:,} points x {spec.seeds:,} seeds); "
            f"a sweep holds at most {MAX_RUNS:,}: use fewer values, samples or seeds, or split it"
        )
    base = with_horizon(spec, base) if base is not None else resolve_base(spec)
    model = get_model(base.model)
    known = model.metrics()
    unknown = [m for m in spec.metrics or [] if m not in known]
    if unknown:
        raise SweepError(f"metrics: unknown metric(s) {unknown} for model {base.model!r}; allowed: {', '.join(known)}")
    _check_paths(spec, base)

    # the planning estimate, before the expensive part: one validation timed, times the validations to come
    tick = time.perf_counter()
    scenario_from_toml(base.to_toml(), "the resolved scenario")
    one = time.perf_counter() - tick
    n_values = sum(
        min(len(v), VALUES_CHECKED) if spec.design == "grid" or p in spec.levers else 2 for p, v in _swept(spec).items()
    )
    planning = (time.perf_counter() - started) + one * (n_values + CHECKED_POINTS) + POINT_SECONDS * n_points
    way_on = "add --yes to run it anyway (alignsim sweep SPEC --yes), or use fewer points or seeds"
    if budget is not None:
        check_budget(
            n_runs * _run_cost(spec, base) + planning, budget, _what(n_runs, planning), way_on
        )  # a cheap upper guess before the points exist

    points = design_points(spec, base)
    for path, values in distinct_values(spec, points).items():
        leaf = _leaf_check(base, path)
        spread = np.unique(np.linspace(0, len(values) - 1, min(len(values), VALUES_CHECKED)).round().astype(int))
        for k, value in enumerate(values):
            if leaf is not None and k not in spread:
                problem = leaf(_plain(value))
                if problem is None:
                    continue
            try:
                base.with_overrides({path: _plain(value)})
            except ScenarioError as exc:
                point = first_point_with(points, path, value)
                raise SweepError(f"parameters, design point {point}: {exc}") from None
    sample = np.unique(np.linspace(0, len(points) - 1, min(len(points), CHECKED_POINTS)).round().astype(np.int64))
    seconds = 0.0
    for i in sample:
        try:
            seconds += cost(base.with_overrides(point_overrides(points, int(i))))
        except ScenarioError as exc:
            raise SweepError(f"parameters, design point {int(i)}: {exc}") from None
    seconds = seconds / len(sample) * n_runs
    planning_seconds = time.perf_counter() - started
    if budget is not None:  # the points themselves, now that they exist (e.g. a swept population)
        check_budget(seconds + planning_seconds, budget, _what(n_runs, planning_seconds), way_on)
    return Plan(spec, base, points, count_cases(spec), count_policies(spec), seconds, planning_seconds)


def plan(spec: SweepSpec, budget: float | None = CLI_BUDGET_SECONDS) -> tuple[ScenarioBase, pd.DataFrame, pd.DataFrame]:
    """The base scenario, the design points and the runs (run, point, seed); see :func:`make_plan`."""
    p = make_plan(spec, budget)
    return p.base, p.points, p.runs()


def _what(n_runs: int, planning: float) -> str:
    return f"the sweep's {n_runs:,} runs (planning included: {describe_seconds(planning)})"


def _swept(spec: SweepSpec) -> dict[str, list]:
    return {**spec.levers, **spec.parameters}


def _check_paths(spec: SweepSpec, base: ScenarioBase) -> None:
    from sim.present.levers import get_value

    for path in _swept(spec):
        try:
            get_value(base, path)  # any model's scenario
        except (KeyError, TypeError):
            problem = path_problem(base.model_dump(mode="python"), path.split("."))
            where = "levers" if path in spec.levers else "parameters"
            raise SweepError(
                f"{where}: unknown scenario path {path!r}{f': {problem}' if problem else ''} (see "
                f"`alignsim show {show(spec.scenario)}` for the paths)"
            ) from None


def _leaf_check(base: ScenarioBase, path: str):
    """A fast check of one value against the type and bounds of the scenario field at ``path`` (a function
    returning None when the value is fine, else the problem), or None when the path does not end at a field of a
    schema class (e.g. a key of a free mapping): then every value is validated as a whole scenario."""
    from pydantic import BaseModel, TypeAdapter, ValidationError

    owner: Any = base
    parts = path.split(".")
    for part in parts[:-1]:
        if isinstance(owner, BaseModel):
            owner = getattr(owner, part, None)
        elif isinstance(owner, dict):
            owner = owner.get(part)
        else:
            return None
    if not isinstance(owner, BaseModel) or parts[-1] not in type(owner).model_fields:
        return None
    field = type(owner).model_fields[parts[-1]]
    from typing import Annotated

    try:
        kind: Any = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
        adapter: TypeAdapter = TypeAdapter(kind)
    except Exception:  # a type pydantic cannot adapt alone: validate whole scenarios instead
        return None
    config_nan = type(owner).model_config.get("allow_inf_nan", True)

    def check(value):
        if not config_nan and isinstance(value, float) and not np.isfinite(value):
            return "not a finite number"
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            return str(exc)
        return None

    return check


def _plain(value):
    """A NumPy scalar as the Python value a scenario field takes."""
    return value.item() if isinstance(value, np.generic) else value


def point_overrides(points: pd.DataFrame, i: int) -> dict:
    """Design point ``i`` as overrides (path -> Python value)."""
    return points.iloc[i : i + 1].to_dict("records")[0]


def _run_cost(spec: SweepSpec, base: ScenarioBase) -> float:
    """Estimated seconds of one run: the base, or the base with every numeric parameter at its largest value when
    that is valid and dearer (a cheap upper guess before the design points exist)."""
    corner = {}
    for path, values in _swept(spec).items():
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if numbers:
            corner[path] = max(numbers)
    try:
        return max(cost(base), cost(base.with_overrides(corner)))
    except (ScenarioError, TypeError, ValueError):
        return cost(base)
