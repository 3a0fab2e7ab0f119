"""Sensitivity analysis of a finished sweep (SALib), with what each design supports said in words.

- sobol: first-order ``S1`` and total ``ST`` Sobol indices with confidence half-widths;
- morris: ``mu_star`` (mean absolute elementary effect), ``sigma`` and ``mu_star_conf`` (a screening);
- lhs (with or without levers): RBD-FAST first-order ``S1`` with its confidence half-width (SALib ``rbd_fast``,
  which takes any sample; it estimates main effects only, and needs a few hundred points to be stable). RBD-FAST
  sums ``RBD_HARMONICS`` harmonics of a periodogram over the points sorted by one input, and bootstraps its
  interval on half the points: below ``MIN_RBD_POINTS`` design points there is no index or no interval (SALib
  returns 1.0 ± 0 or divides by zero), so such a sweep is refused. A lever takes a few values, not a range:
  RBD-FAST is not run on it (compare its policies with ``alignsim discover --policy ... --baseline ...``);
- grid: no variance-based index (a grid is for comparing points: group ``runs.parquet`` by its parameters, or use
  ``alignsim discover``).

Outcomes are averaged over seeds per design point first. Every row carries a ``note`` when the index cannot be
trusted: undefined at some points, a constant metric (no variation to attribute), an index that is impossible
(a share of variance, S1 or ST, outside [0, 1] by more than its interval, or S1 above ST beyond both intervals:
too few samples for the estimator), or an interval wider than the index itself (unstable: more samples or seeds;
for a share of variance only when the interval is also wider than ``PRECISE_SHARE``, so 0.001 ± 0.004 reads as
a precise "about none"). Warnings of SALib and SciPy (e.g. a Sobol' sample size that is not a power of 2) become
the table's ``notes``, one line each.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.research.sweep.design import MORRIS_LEVELS, design_notes, problem
from sim.research.sweep.run import open_folder
from sim.research.sweep.spec import SweepError

#: What ``analyze`` computes for each design, in words (printed by ``alignsim analyze``).
SUPPORTS = {
    "sobol": "Sobol indices: S1 is the share of the metric's variance due to the parameter alone, ST with all "
    "its interactions (ST - S1 large: it matters through interactions); _conf is the 95% half-width.",
    "morris": "Morris screening: mu_star ranks parameters by the mean size of their effect (in the metric's units), "
    "sigma large against mu_star means non-linear or interacting; a ranking, not a share of variance.",
    "lhs": "RBD-FAST first-order indices from the Latin hypercube: S1 is the share of the metric's variance due to "
    "the parameter alone (main effects only; no interactions); _conf is the 95% half-width. Levers take a few "
    "values, not a range: compare their policies with `alignsim discover --policy ... --baseline ...`.",
    "grid": "a grid supports comparing its points, not variance-based indices: group runs.parquet by the "
    "parameters, or find where an outcome holds with `alignsim discover`; for indices run an lhs, sobol or "
    "morris design",
}
INDEX = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu_star", "sigma", "mu_star_conf"),
    "lhs": ("S1", "S1_conf"),
}
#: The index a chart shows, with its half-width.
MAIN = {"sobol": ("ST", "ST_conf"), "morris": ("mu_star", "mu_star_conf"), "lhs": ("S1", "S1_conf")}
#: The indices whose interval is checked, per design (each with its half-width).
CHECKED = {
    "sobol": (("S1", "S1_conf"), ("ST", "ST_conf")),
    "morris": (("mu_star", "mu_star_conf"),),
    "lhs": (("S1", "S1_conf"),),
}
#: Indices that are shares of variance, possible only in [0, 1].
SHARES = frozenset({"S1", "ST"})
#: A share's interval narrower than this is precise, even when the share itself is smaller (an "about none").
PRECISE_SHARE = 0.05
#: RBD-FAST's interference parameter M, the harmonics it sums (SALib's default for ``rbd_fast.analyze``).
RBD_HARMONICS = 10
#: Design points RBD-FAST needs for an index with an interval: its periodogram over n points has n // 2
#: frequencies beyond zero, of which M are summed, so an index needs n // 2 > M (else S1 = 1 whatever the data,
#: and SALib's bias correction 2M / n divides by zero at n = 2M); its bootstrap takes n // 2 points per resample,
#: so the interval needs n // 2 >= 2M + 2 (else every resample gives 1 and the half-width is 0).
MIN_RBD_POINTS = 2 * (2 * RBD_HARMONICS + 2)


def analyze(out: str | Path, metrics: Iterable[str] | None = None) -> pd.DataFrame:
    """Sensitivity indices per metric and parameter of a finished sweep (see the module docstring); a ``note``
    column says where an index cannot be trusted. ``table.attrs["supports"]`` says what the design supports."""
    folder, manifest, plan, layout = open_folder(out)
    spec = plan.spec
    if spec.design == "grid":
        raise SweepError(f"{folder.out}: this sweep used a grid design; {SUPPORTS['grid']}")
    if not manifest.get("finished"):
        raise SweepError(f"{folder.out}: not a finished sweep; resume it first (alignsim sweep {folder.out})")
    n_points = len(plan.points)
    if spec.design == "lhs" and n_points < MIN_RBD_POINTS:
        per_policy = -(-MIN_RBD_POINTS // plan.n_policies)
        raise SweepError(
            f"{folder.out}: {n_points} design points; RBD-FAST (the lhs design's index) needs at least "
            f"{MIN_RBD_POINTS} for an index with an interval (it sums {RBD_HARMONICS} harmonics and bootstraps on "
            f"half the points): run the sweep with samples >= {per_policy}, or a morris design to screen"
        )
    table = folder.read_table(manifest, layout)
    levers = list(spec.levers)
    names = [*levers, *spec.parameters]
    means = table.groupby("point").mean(numeric_only=True).sort_index()
    wanted = list(metrics) if metrics else [m for m in layout.metrics if m in means.columns]
    unknown = [m for m in wanted if m not in layout.metrics]
    if unknown:
        raise SweepError(f"--metric: not in this sweep: {unknown}; allowed: {', '.join(layout.metrics)}")
    params = list(spec.parameters)
    prob = problem(spec)
    x = plan.points[params].to_numpy(dtype=float)
    notes = design_notes(spec)
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
        rows += [_lever_row(m, lever, plan.points[lever]) for lever in levers]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            found = indices(spec, prob, x, y)
        for w in caught:
            text = " ".join(str(w.message).split())
            if f"{m}: {text}" not in notes:
                notes.append(f"{m}: {text}")
        rows += [
            {"metric": m, "parameter": n, **values, "note": _problems(spec.design, values)}
            for n, values in zip(params, found)
        ]
    frame = pd.DataFrame(rows)
    if "note" not in frame:
        frame["note"] = ""
    frame["note"] = frame["note"].fillna("")
    frame.attrs["supports"] = SUPPORTS[spec.design]
    frame.attrs["design"] = spec.design
    frame.attrs["notes"] = notes
    return frame


def _problems(design: str, values: dict[str, float]) -> str:
    """Why an index cannot be trusted, in words ("" when it can): an impossible value first, else a wide interval."""
    checked = CHECKED[design]
    outside = [i for i, c in checked if i in SHARES and (values[i] - values[c] > 1 or values[i] + values[c] < 0)]
    found = []
    if outside:
        shown = " and ".join(f"{i} {values[i]:.3g}" for i in outside)
        found.append(f"impossible: {shown} outside [0, 1] beyond the interval; too few samples")
    if design == "sobol" and values["S1"] - values["S1_conf"] > values["ST"] + values["ST_conf"]:
        found.append("impossible: S1 above ST beyond both intervals; too few samples")
    if found:
        return "; ".join(found)
    wide = [
        f"{i} ±{values[c]:.3g}"
        for i, c in checked
        if values[c] > abs(values[i]) and not (i in SHARES and values[c] < PRECISE_SHARE)
    ]
    return f"unstable: interval wider than the index ({', '.join(wide)}); more samples or seeds" if wide else ""


def _lever_row(metric: str, lever: str, column: pd.Series) -> dict:
    values = list(pd.unique(column))
    shown = ", ".join(map(str, values))
    return {
        "metric": metric,
        "parameter": lever,
        "S1": float("nan"),
        "S1_conf": float("nan"),
        "note": f"a lever ({shown}): not analysed, RBD-FAST needs a range; compare its policies with alignsim "
        f"discover --policy {lever}={values[-1]} --baseline {lever}={values[0]}",
    }


def indices(spec, prob: dict, x: np.ndarray, y: np.ndarray) -> list[dict[str, float]]:
    """SALib's indices of ``y`` over the design ``x`` (one dict per input, keys ``INDEX[spec.design]``), seeded by
    the spec's ``design_seed``: the same sweep gives the same intervals."""
    if spec.design == "sobol":
        from SALib.analyze import sobol

        # a Generator, not the int: SALib's sobol.analyze reads seed 0 as "no seed" and then bootstraps from NumPy's
        # global state (another interval every time); default_rng(seed) gives any other seed's very stream
        r = sobol.analyze(prob, y, calc_second_order=False, seed=np.random.default_rng(spec.design_seed))
        keys = INDEX["sobol"]
    elif spec.design == "morris":
        from SALib.analyze import morris

        r = morris.analyze(prob, x, y, num_levels=MORRIS_LEVELS, seed=spec.design_seed)
        keys = INDEX["morris"]
    else:
        from SALib.analyze import rbd_fast

        r = rbd_fast.analyze(prob, x, y, M=RBD_HARMONICS, seed=spec.design_seed)
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
