"""Sensitivity analysis of a finished sweep (SALib), with what each design supports said in words.

- sobol: first-order ``S1`` and total ``ST`` Sobol indices with confidence half-widths;
- morris: ``mu_star`` (mean absolute elementary effect), ``sigma`` and ``mu_star_conf`` (a screening);
- lhs (with or without levers): RBD-FAST first-order ``S1`` with its confidence half-width (SALib ``rbd_fast``,
  which takes any sample; it estimates main effects only, and needs a few hundred points to be stable);
- grid: no variance-based index (a grid is for comparing points: group ``runs.parquet`` by its parameters, or use
  ``alignsim discover``).

Outcomes are averaged over seeds per design point first. Every row carries a ``note`` when the index cannot be
trusted: undefined at some points, a constant metric (no variation to attribute), or an interval wider than the
index itself (unstable: more samples or seeds).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.registry import get_model
from sim.research.sweep.design import MORRIS_LEVELS, problem
from sim.research.sweep.run import open_folder
from sim.research.sweep.spec import SweepError

#: What ``analyze`` computes for each design, in words (printed by ``alignsim analyze``).
SUPPORTS = {
    "sobol": "Sobol indices: S1 is the share of the metric's variance due to the parameter alone, ST with all "
    "its interactions (ST - S1 large: it matters through interactions); _conf is the 95% half-width.",
    "morris": "Morris screening: mu_star ranks parameters by the mean size of their effect (in the metric's units), "
    "sigma large against mu_star means non-linear or interacting; a ranking, not a share of variance.",
    "lhs": "RBD-FAST first-order indices from the Latin hypercube: S1 is the share of the metric's variance due to "
    "the parameter alone (main effects only; no interactions); _conf is the 95% half-width.",
    "grid": "a grid supports comparing its points, not variance-based indices: group runs.parquet by the "
    "parameters, or find where an outcome holds with `alignsim discover`; for indices run an lhs, sobol or "
    "morris design",
}
INDEX = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu_star", "sigma", "mu_star_conf"),
    "lhs": ("S1", "S1_conf"),
}
#: The index a chart shows and the instability check reads, with its half-width.
MAIN = {"sobol": ("ST", "ST_conf"), "morris": ("mu_star", "mu_star_conf"), "lhs": ("S1", "S1_conf")}


def analyze(out: str | Path, metrics: Iterable[str] | None = None) -> pd.DataFrame:
    """Sensitivity indices per metric and parameter of a finished sweep (see the module docstring); a ``note``
    column says where an index cannot be trusted. ``table.attrs["supports"]`` says what the design supports."""
    folder, manifest, plan, layout = open_folder(out)
    spec = plan.spec
    if spec.design == "grid":
        raise SweepError(f"{folder.out}: this sweep used a grid design; {SUPPORTS['grid']}")
    if not manifest.get("finished"):
        raise SweepError(f"{folder.out}: not a finished sweep; resume it first (alignsim sweep {folder.out})")
    table = folder.read_table(manifest, layout)
    names = [*spec.levers, *spec.parameters]
    means = table.groupby("point").mean(numeric_only=True).sort_index()
    known = get_model(plan.base.model).metrics()
    wanted = list(metrics) if metrics else [m for m in layout.metrics if m in means.columns]
    unknown = [m for m in wanted if m not in layout.metrics]
    if unknown:
        raise SweepError(f"--metric: not in this sweep: {unknown}; allowed: {', '.join(layout.metrics)}")
    del known
    prob = problem(spec)
    if spec.levers:
        prob = {
            "num_vars": len(names),
            "names": names,
            "bounds": [_bounds(plan.points[n]) for n in names],
        }
    x = plan.points[names].to_numpy(dtype=float)
    rows = []
    for m in wanted:
        y = means[m].to_numpy(dtype=float)
        undefined = int(np.isnan(y).sum())
        if undefined:  # no data at some design points: indices would be silently wrong, so there are none
            note = f"undefined at {undefined} of {len(y)} design points"
            rows += [{"metric": m, "parameter": n, **_blank(spec.design, float("nan")), "note": note} for n in names]
            continue
        if np.allclose(y, y[0]):
            note = f"constant ({y[0]:.4g} at every design point): nothing to attribute"
            rows += [{"metric": m, "parameter": n, **_blank(spec.design), "note": note} for n in names]
            continue
        rows += [{"metric": m, "parameter": n, **values} for n, values in zip(names, _indices(spec, prob, x, y))]
    frame = pd.DataFrame(rows)
    if "note" not in frame:
        frame["note"] = ""
    frame["note"] = frame["note"].fillna("")
    index, conf = MAIN[spec.design]
    unstable = (frame[conf] > frame[index].abs()) & (frame["note"] == "")
    frame.loc[unstable, "note"] = [
        f"unstable: ±{c:.3g} is wider than the index; more samples or seeds" for c in frame.loc[unstable, conf]
    ]
    frame.attrs["supports"] = SUPPORTS[spec.design]
    frame.attrs["design"] = spec.design
    return frame


def _bounds(column: pd.Series) -> list[float]:
    low, high = float(column.min()), float(column.max())
    return [low, high if high > low else low + 1.0]


def _indices(spec, prob: dict, x: np.ndarray, y: np.ndarray) -> list[dict[str, float]]:
    if spec.design == "sobol":
        from SALib.analyze import sobol

        r = sobol.analyze(prob, y, calc_second_order=False, seed=spec.design_seed)
        keys = INDEX["sobol"]
    elif spec.design == "morris":
        from SALib.analyze import morris

        r = morris.analyze(prob, x, y, num_levels=MORRIS_LEVELS, seed=spec.design_seed)
        keys = INDEX["morris"]
    else:
        from SALib.analyze import rbd_fast

        r = rbd_fast.analyze(prob, x, y, seed=spec.design_seed)
        keys = INDEX["lhs"]
    return [{k: float(r[k][i]) for k in keys} for i in range(prob["num_vars"])]


def _blank(design: str, value: float = 0.0) -> dict[str, float]:
    return dict.fromkeys(INDEX[design], value)


def vega_field(name: str) -> str:
    """A column name as an Altair/Vega-Lite field: dots (and brackets) escaped, so ``departments.sales.alignment``
    is one column, not field ``alignment`` nested in ``sales`` in ``departments`` (which draws an empty axis)."""
    return name.replace("\\", "\\\\").replace(".", "\\.").replace("[", "\\[").replace("]", "\\]")


def analysis_chart(table: pd.DataFrame):
    """A bar chart of the main index (ST, mu_star or S1) per parameter with its interval, one panel per metric.

    Parameters are dotted paths: the chart reads them as values of a ``parameter`` column, never as field names
    (Vega-Lite takes a dot in a field name for a nested field)."""
    import altair as alt

    index = "ST" if "ST" in table else "mu_star" if "mu_star" in table else "S1"
    conf = {"ST": "ST_conf", "mu_star": "mu_star_conf", "S1": "S1_conf"}[index]
    data = table.assign(
        low=table[index] - table[conf], high=table[index] + table[conf], flag=table["note"].ne("")
    ).rename(columns={index: "index", conf: "conf"})[["metric", "parameter", "index", "conf", "low", "high", "flag"]]
    base = alt.Chart(data).encode(y=alt.Y("parameter:N", title=None))
    bars = base.mark_bar().encode(
        x=alt.X("index:Q", title=index),
        color=alt.Color("flag:N", scale=alt.Scale(domain=[False, True], range=["#4c78a8", "#bbbbbb"]), legend=None),
        tooltip=["metric", "parameter", alt.Tooltip("index:Q", format=".3f"), alt.Tooltip("conf:Q", format=".3f")],
    )
    rules = base.mark_rule().encode(x="low:Q", x2="high:Q")
    return (
        alt.layer(bars, rules, data=data)
        .properties(width=260, height=22 * data["parameter"].nunique() + 40)
        .facet(facet=alt.Facet("metric:N", title=None), columns=2)
        .resolve_scale(x="independent")
    )
