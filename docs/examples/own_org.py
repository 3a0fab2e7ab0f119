"""The "your own organisation" example, end to end, and the full-size parameter-recovery figures.

    python docs/examples/own_org.py data       # writes own_org.xlsx, own_org/*.csv and own_org_monthly.csv
    python docs/examples/own_org.py recovery [N]   # full-size recovery, N data seeds (3): table, calibration_*.png

The organisation is the template's example (Nordlys Software, sim.input.orgsheet.example_tables). Its "observed" data
are synthetic: one run of the model (seed 2026) with the parameters in TRUE, so a fit can be checked against
known values (docs/CALIBRATION.md).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from sim.input import orgsheet  # noqa: E402
from sim.input.observed import SERIES, Observed, simulated, to_csv  # noqa: E402
from sim.model import AlignmentModel  # noqa: E402
from sim.present.charts import to_image  # noqa: E402
from sim.research import calibration  # noqa: E402

#: The parameters the synthetic data come from.
TRUE = {"activation_hazard": 0.36, "contact_rate": 0.16, "item_size": 1.3, "churn_activated": 0.0025}
MONTHS, DATA_SEED = 12, 2026


def example_scenario():
    return orgsheet.import_file(orgsheet.template_xlsx(), "own_org.xlsx").scenario


def synthetic(
    scenario, true: dict, months: int = MONTHS, seed: int = DATA_SEED, series: tuple[str, ...] = tuple(SERIES)
) -> Observed:
    """One run of the model with ``true`` parameters, as monthly observed series."""
    shape = Observed(
        "month", pd.DataFrame({s: np.zeros(months) for s in series}, index=pd.RangeIndex(1, months + 1, name="period"))
    )
    truth = calibration.with_values(calibration.prepared(scenario, shape), true)
    records = AlignmentModel(truth, seed=seed, weeks=shape.weeks()).run().records
    table = simulated(records, shape)
    counts = [s for s in series if not SERIES[s].share]  # whole numbers, as a real report has them
    table[counts] = table[counts].round(0)
    return Observed("month", table.round(4))


def write_data() -> None:
    (HERE / "own_org.xlsx").write_bytes(orgsheet.template_xlsx())
    folder = HERE / "own_org"
    folder.mkdir(exist_ok=True)
    for sheet, rows in orgsheet.example_tables().items():
        (folder / f"{sheet}.csv").write_text(orgsheet._csv_text(rows), encoding="utf-8")
    obs = synthetic(example_scenario(), TRUE)
    (HERE / "own_org_monthly.csv").write_text(to_csv(obs.data, "month"), encoding="utf-8")
    print(f"wrote {HERE}/own_org.xlsx, own_org/*.csv, own_org_monthly.csv")


def recovery(repeats: int = 3, trials: int = 60, seeds: int = 4) -> None:
    """Fit the example's synthetic data for ``repeats`` data seeds; print estimates against the truth."""
    scenario = example_scenario()
    rows, started = [], time.time()
    for r in range(repeats):
        obs = synthetic(scenario, TRUE, seed=DATA_SEED + r)
        began = time.time()
        fit = calibration.calibrate(scenario, obs, trials=trials, seeds=seeds)
        print(
            f"data seed {DATA_SEED + r}: {len(fit.trials)} candidates in {time.time() - began:.0f} s "
            f"(estimated {calibration.estimated_seconds(scenario, obs, trials, seeds):.0f} s); distance at the "
            f"estimate {fit.distance:.1f}, lowest candidate's {fit.trials['distance'].min():.1f}",
            flush=True,
        )
        if r == 0:
            (HERE.parent / "calibration_fit.png").write_bytes(to_image(calibration.chart(fit.fit), "png"))
            print(fit.report())
            cov = fit.covariance.to_numpy()
            sd = np.sqrt(np.diag(cov))
            print("correlations of the estimates:")
            print(
                pd.DataFrame(cov / np.outer(sd, sd), index=fit.covariance.index, columns=fit.covariance.index)
                .round(2)
                .to_string()
            )
            curv = fit.curvature.to_numpy()
            held = np.sqrt(np.diag(curv) * np.diag(np.linalg.inv(curv)))
            print(
                "curvature's interval width / width with the others held at their best:",
                dict(zip(fit.covariance.index, held.round(2))),
            )
            print(
                "sandwich interval width / curvature's:",
                dict(zip(fit.covariance.index, np.sqrt(np.diag(cov) / np.diag(curv)).round(2))),
            )
        for e in fit.estimates.itertuples():
            truth = TRUE.get(e.parameter, e.default)
            fitted = e.status != "not identifiable"
            # the interval the curvature alone gives (A^-1, before the sandwich), for comparison
            plain = _interval(e.parameter, e.estimate, fit.curvature.loc[e.parameter, e.parameter]) if fitted else None
            rows.append(
                {
                    "data_seed": DATA_SEED + r,
                    "parameter": e.parameter,
                    "truth": truth,
                    "estimate": e.estimate,
                    "low": e.low,
                    "high": e.high,
                    "status": e.status,
                    "covered": bool(e.low <= truth <= e.high) if fitted else None,
                    "covered_by_curvature": bool(plain[0] <= truth <= plain[1]) if fitted else None,
                    "width_vs_curvature": (
                        math.log(e.high / e.low) / math.log(plain[1] / plain[0]) if fitted else None
                    ),
                }
            )
    table = pd.DataFrame(rows)
    summary = (
        table[table["status"] != "not identifiable"]
        .groupby("parameter")
        .agg(
            truth=("truth", "first"),
            mean_estimate=("estimate", "mean"),
            covered=("covered", "sum"),
            covered_by_curvature=("covered_by_curvature", "sum"),
            fits=("covered", "size"),
            width_vs_curvature=("width_vs_curvature", "median"),
            weak=("status", lambda s: int((s == "weak").sum())),
        )
    )
    print(f"\n{repeats} data sets x {trials} candidates x {seeds} seeds in {time.time() - started:.0f} s")
    print(table.to_string(float_format=lambda v: f"{v:.4g}"))
    print(summary.to_string(float_format=lambda v: f"{v:.4g}"))
    print(
        f"intervals covering the truth: {int(summary['covered'].sum())} of {int(summary['fits'].sum())} "
        f"(the curvature's alone: {int(summary['covered_by_curvature'].sum())})"
    )
    _recovery_chart(table)


def _interval(name: str, estimate: float, variance: float) -> tuple[float, float]:
    """The 95 % interval ``estimate +- sqrt(chi2_95(1) variance)`` in range units (log for rates)."""
    p = calibration.PARAMETERS[name]
    f, g = (math.log, math.exp) if p.log else (float, float)
    half = math.sqrt(3.841 * variance) * (f(p.high) - f(p.low))
    return g(max(f(p.low), f(estimate) - half)), g(min(f(p.high), f(estimate) + half))  # within the range


def _recovery_chart(table: pd.DataFrame) -> None:
    import altair as alt

    t = table[table["status"] != "not identifiable"].assign(
        rel_estimate=lambda d: d["estimate"] / d["truth"],
        rel_low=lambda d: d["low"] / d["truth"],
        rel_high=lambda d: d["high"] / d["truth"],
    )
    base = alt.Chart(t).encode(y=alt.Y("parameter:N", title=None), yOffset="data_seed:N")
    chart = (
        base.mark_rule().encode(x=alt.X("rel_low:Q", title="estimate / truth (interval)"), x2="rel_high:Q")
        + base.mark_point(filled=True).encode(x="rel_estimate:Q")
        + alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 4], color="grey").encode(x="x:Q")
    )
    (HERE.parent / "calibration_recovery.png").write_bytes(to_image(chart.properties(width=420, height=220), "png"))


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "data"
    if what == "data":
        write_data()
    elif what == "recovery":
        recovery(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
    else:
        sys.exit("usage: own_org.py data | recovery")
