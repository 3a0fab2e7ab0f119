"""The design: one row per design point, one column per parameter (and lever), made in bulk.

A grid crosses every value of every parameter; lhs, sobol and morris sample the parameters' ranges (SALib). With
levers, every combination of the levers' values (a policy) runs on every point of the parameters' design (a case):
design point = policy x cases + case, so the same case under two policies differs only by the policy.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from sim.research.sweep.spec import SweepError, SweepSpec
from sim.scenario import ScenarioBase

MORRIS_LEVELS = 4


def count_cases(spec: SweepSpec) -> int:
    """Points of the parameters' design alone (the cases each policy runs on)."""
    d = len(spec.parameters)
    if spec.design == "grid":
        return math.prod(len(v) for v in spec.parameters.values())
    return spec.samples * {"lhs": 1, "sobol": d + 2, "morris": d + 1}[spec.design]


def count_policies(spec: SweepSpec) -> int:
    """Combinations of the levers' values (1 without levers)."""
    return math.prod(len(v) for v in spec.levers.values())


def count_points(spec: SweepSpec) -> int:
    """How many design points the spec makes, counted without making them."""
    return count_cases(spec) * count_policies(spec)


def problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem of a range design."""
    names = list(spec.parameters)
    return {"num_vars": len(names), "names": names, "bounds": [list(map(float, spec.parameters[n])) for n in names]}


def design_notes(spec: SweepSpec) -> list[str]:
    """What a researcher should know about the design before reading its results, one line each (the CLI prints
    them; SALib's and SciPy's own warnings about the same are silenced in :func:`design_points`)."""
    n = spec.samples
    if spec.design == "sobol" and n & (n - 1):
        below, above = 1 << (n.bit_length() - 1), 1 << n.bit_length()
        return [
            f"samples = {n}: Sobol' points keep their balance only for a power of 2, so the indices converge more "
            f"slowly; use samples = {below if below > 1 else above} or {above}"
        ]
    return []


def integer_paths(spec: SweepSpec, base: ScenarioBase) -> list[str]:
    """The swept paths whose scenario field holds whole numbers (their values are rounded)."""
    from sim.present.levers import get_value

    out = []
    for path in [*spec.levers, *spec.parameters]:
        current = get_value(base, path)  # any model's scenario
        if isinstance(current, int) and not isinstance(current, bool):
            out.append(path)
    return out


def _grid(values: dict[str, list], names: list[str]) -> dict[str, np.ndarray]:
    """Columns of the full cross of ``values`` (the last name varies fastest), made with index arithmetic."""
    if not names:
        return {}
    sizes = [len(values[n]) for n in names]
    index = np.indices(sizes, dtype=np.int64).reshape(len(names), -1)
    return {n: pd.Series(values[n]).to_numpy()[i] for n, i in zip(names, index)}


def design_points(spec: SweepSpec, base: ScenarioBase) -> pd.DataFrame:
    """One row per design point: the levers' columns, then the parameters' (values cast to the field's type)."""
    names = list(spec.parameters)
    if spec.design == "grid":
        cases = pd.DataFrame(_grid(spec.parameters, names), columns=names)
    else:
        from SALib.sample import latin, morris, sobol

        prob = problem(spec)
        if spec.design == "lhs":
            x = latin.sample(prob, spec.samples, seed=spec.design_seed)
        elif spec.design == "sobol":
            with warnings.catch_warnings():  # said once, in words, by design_notes
                warnings.filterwarnings("ignore", message=".*balance properties of Sobol' points.*")
                x = sobol.sample(prob, spec.samples, calc_second_order=False, seed=spec.design_seed)
        else:
            x = morris.sample(prob, spec.samples, num_levels=MORRIS_LEVELS, seed=spec.design_seed)
        cases = pd.DataFrame(x, columns=names)
    if spec.levers:
        policies = _grid(spec.levers, list(spec.levers))
        n_cases, n_policies = len(cases), count_policies(spec)
        columns = {n: np.repeat(v, n_cases) for n, v in policies.items()}
        columns.update({n: np.tile(cases[n].to_numpy(), n_policies) for n in names})
        frame = pd.DataFrame(columns, columns=[*spec.levers, *names])
    else:
        frame = cases
    for path in integer_paths(spec, base):
        given = spec.levers.get(path) or spec.parameters[path]
        bad = [v for v in given if isinstance(v, bool) or not isinstance(v, (int, float)) or not abs(v) < 2**53]
        if bad:
            where = "levers" if path in spec.levers else "parameters"
            raise SweepError(f"{where}.{path}: a whole-number field; values must be numbers, got {bad[0]!r}")
        frame[path] = frame[path].astype(float).round().astype(np.int64)
    return frame


def distinct_values(spec: SweepSpec, points: pd.DataFrame) -> dict[str, list]:
    """Each swept path's distinct values as the design uses them (a grid's values; a range's two ends, rounded
    for whole-number fields): checking these checks every value of the design one field at a time."""
    out: dict[str, list] = {}
    for path in [*spec.levers, *spec.parameters]:
        column = points[path]
        if path in spec.levers or spec.design == "grid":
            out[path] = list(pd.unique(column))
        else:
            out[path] = [column.min(), column.max()]
    return out


def first_point_with(points: pd.DataFrame, path: str, value: Any) -> int:
    """The first design point whose ``path`` has ``value`` (for messages)."""
    hits = np.flatnonzero(points[path].to_numpy() == value)
    return int(hits[0]) if len(hits) else 0
