"""Small statistics for ensembles: means with t-based 95% confidence intervals, paired differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def mean_ci(values, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of a sample, undefined values (NaN: no data) left out; the interval collapses to the mean
    for fewer than two values, and is NaN for none."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    mean = float(x.mean()) if x.size else float("nan")
    if x.size < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return mean, mean - half, mean + half


def paired_difference(a, b, level: float = 0.95) -> dict[str, float]:
    """Mean of ``b - a`` over paired seeds with its CI, and the standardised effect size (dz); pairs where either
    run has no data (NaN) are left out."""
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    d = d[~np.isnan(d)]
    mean, low, high = mean_ci(d, level)
    sd = float(d.std(ddof=1)) if d.size > 1 else 0.0
    return {
        "difference": mean,
        "ci_low": low,
        "ci_high": high,
        "effect_size": mean / sd if sd > 0 else (0.0 if mean == 0 else float("inf") * np.sign(mean)),
    }


def bands(frame: pd.DataFrame, value: str, by: list[str], level: float = 0.95) -> pd.DataFrame:
    """Mean of ``value`` with a t-based CI per group (e.g. per week and scenario over seeds)."""
    g = frame.groupby(by, sort=True)[value].agg(["mean", "std", "count"]).reset_index()
    dof = (g["count"] - 1).clip(lower=1)
    half = stats.t.ppf(0.5 + level / 2, dof) * g["std"].fillna(0.0) / np.sqrt(g["count"])
    half = half.where(g["count"] > 1, 0.0)
    return g.assign(low=g["mean"] - half, high=g["mean"] + half).drop(columns=["std"])
