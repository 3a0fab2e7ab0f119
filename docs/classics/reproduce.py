"""Reproduce the figures and tables of docs/CLASSICS.md from the sweep specs next to this script.

    .venv/bin/python docs/classics/reproduce.py                # full replications (a few minutes on 2 cores)
    .venv/bin/python docs/classics/reproduce.py --seeds 3 --out /tmp/classics   # a quick check

Writes figure PNGs to --out (default: this folder) and prints the Markdown tables to stdout.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import altair as alt
import pandas as pd

from sim import get_model, load_scenario
from sim.present import charts
from sim.research.sweep import load_spec, sweep
from sim.runner import versions
from sim.stats import bands, mean_ci, paired_difference

HERE = Path(__file__).resolve().parent
#: March's Figure 1 as recreated from the original program with 10,000 replications per point (Workiewicz 2019,
#: following Rodan 2005 and Christensen 2015): equilibrium knowledge by p2, for p1 = 0.1 .. 0.9.
RECREATION = {
    0.1: [0.863, 0.817, 0.805, 0.802, 0.799, 0.803, 0.806, 0.809, 0.813],
    0.5: [0.954, 0.909, 0.869, 0.837, 0.811, 0.787, 0.768, 0.754, 0.742],
    0.9: [0.972, 0.940, 0.908, 0.874, 0.840, 0.807, 0.780, 0.756, 0.728],
}


def _run(name: str, seeds: int | None, workers: int, scratch: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    spec = load_spec(HERE / f"{name}.toml")
    if seeds is not None:
        spec = spec.model_copy(update={"seeds": seeds})
    out = scratch / name
    table = sweep(spec, out=out, workers=workers, progress=True)
    weekly = pd.read_parquet(out / "weekly.parquet") if spec.keep_weekly else None
    return table, weekly


def _ci(values) -> str:
    mean, low, high = mean_ci(values)
    return f"{mean:.3f} [{low:.3f}, {high:.3f}]"


def _save(chart, path: Path) -> None:
    path.write_bytes(charts.to_image(chart, "png"))
    print(f"wrote {path}", file=sys.stderr)


def figure1(table: pd.DataFrame, out: Path) -> str:
    metrics = get_model("march1991").metrics()
    chart = charts.effect(
        table,
        "p1",
        "equilibrium_knowledge",
        "p2",
        metrics,
        title="March (1991) Figure 1: equilibrium knowledge against p1, by p2",
    )
    reference = pd.DataFrame(
        [
            {"p1": 0.1 * (i + 1), "p2": str(p2), "recreation": v}
            for p2, vals in RECREATION.items()
            for i, v in enumerate(vals)
        ]
    )
    dots = (
        alt.Chart(reference)
        .mark_point(shape="cross", size=60, opacity=0.8)
        .encode(
            x="p1:Q",
            y="recreation:Q",
            color=alt.Color("p2:N", title="p2"),
            tooltip=["p1", "p2", alt.Tooltip("recreation:Q", format=".3f")],
        )
    )
    _save(alt.layer(chart, dots), out / "march_figure1.png")
    lines = [
        "| p1 | " + " | ".join(f"p2 = {p2}: alignsim | recreation" for p2 in RECREATION) + " |",
        "|---|" + "---|---|" * len(RECREATION),
    ]
    for i, p1 in enumerate(sorted(table["p1"].unique())):
        cells = []
        for p2 in RECREATION:
            runs = table[(table["p1"] == p1) & (table["p2"] == p2)]["equilibrium_knowledge"]
            cells.append(f"{_ci(runs)} | {RECREATION[p2][i]:.3f}")
        lines.append(f"| {p1:.1f} | " + " | ".join(cells) + " |")
    seeds = table["seed"].nunique()
    reached = table["equilibrium"].mean()
    periods = table.groupby("p1")["periods_run"].mean()
    return (
        "\n".join(lines) + f"\n\n{seeds} replications per point on paired seeds (0..{seeds - 1}); "
        f"{reached:.1%} of runs reached equilibrium; mean periods to equilibrium from "
        f"{periods.iloc[0]:.0f} (p1 = 0.1) to {periods.iloc[-1]:.0f} (p1 = 0.9)."
    )


def turnover(table: pd.DataFrame, out: Path) -> str:
    metrics = get_model("march1991").metrics()
    code = charts.effect(table, "p3", "equilibrium_knowledge", "p1", metrics, title="code knowledge after 100 periods")
    people = charts.effect(
        table, "p3", "individual_knowledge", "p1", metrics, title="individuals' average knowledge after 100 periods"
    )
    _save(alt.hconcat(code, people), out / "march_turnover.png")
    lines = [
        "| p3 | code, p1 = 0.5 | code, p1 = 0.9 | individuals, p1 = 0.5 | individuals, p1 = 0.9 |",
        "|---|---|---|---|---|",
    ]
    for p3, rows in table.groupby("p3"):
        cells = [
            _ci(rows[rows["p1"] == p1][m])
            for m in ("equilibrium_knowledge", "individual_knowledge")
            for p1 in (0.5, 0.9)
        ]
        lines.append(f"| {p3} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\n{table['seed'].nunique()} replications per point on paired seeds."


def turbulence(table: pd.DataFrame, weekly: pd.DataFrame, out: Path) -> str:
    series = weekly.merge(table[["run", "p3"]], on="run").assign(turnover=lambda f: "p3 = " + f["p3"].astype(str))
    chart = charts.over_time(series, ["code_knowledge"], by="turnover", time="period", registry={})
    _save(chart.properties(title="code knowledge when 2% of reality flips per period"), out / "march_turbulence.png")
    at = [10, 25, 50, 100, 200, 300, 400, 500]
    mean = bands(series, "code_knowledge", ["p3", "period"]).pivot(index="p3", columns="period", values="mean")
    lines = ["| turnover | " + " | ".join(f"period {t}" for t in at) + " |", "|---|" + "---|" * len(at)]
    for p3 in mean.index:
        lines.append(f"| p3 = {p3} | " + " | ".join(f"{mean.at[p3, t]:.3f}" for t in at) + " |")
    return "\n".join(lines) + f"\n\nMean code knowledge over {table['seed'].nunique()} replications."


def nk(table: pd.DataFrame, out: Path) -> str:
    rows = []
    full_k = load_scenario(load_spec(HERE / "nk_full.toml").scenario).N - 1
    table.loc[table["interaction"] == "full", "K"] = full_k  # full: every other decision
    table = table.assign(K=table["K"].astype(int))
    for (interaction, k, ceo), group in table.groupby(["interaction", "K", "ceo"], sort=False):
        dep = group[group["incentive"] == "departmental"].sort_values("seed")
        firm = group[group["incentive"] == "firm"].sort_values("seed")
        diff = paired_difference(dep["performance"].to_numpy(), firm["performance"].to_numpy())
        label = f"{interaction}, K = {k}"
        rows.append(
            {
                "interaction": label,
                "ceo": ceo,
                "cross": dep["cross_interaction"].mean(),
                "departmental": dep["performance"].mean(),
                "firm": firm["performance"].mean(),
                **diff,
                "changes_dep": dep["changes"].mean(),
                "changes_firm": firm["changes"].mean(),
            }
        )
    result = pd.DataFrame(rows)
    order = list(dict.fromkeys(result["interaction"]))
    points = (
        alt.Chart(result)
        .mark_point(filled=True, size=70)
        .encode(
            x=alt.X("interaction:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30)),
            y=alt.Y("difference:Q", title="performance: firm-wide minus departmental incentives"),
            color=alt.Color("ceo:N", title="CEO"),
            xOffset="ceo:N",
            tooltip=["interaction", "ceo", alt.Tooltip("difference:Q", format=".4f")],
        )
    )
    whiskers = (
        alt.Chart(result)
        .mark_rule()
        .encode(x=alt.X("interaction:N", sort=order), y="ci_low:Q", y2="ci_high:Q", color="ceo:N", xOffset="ceo:N")
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4], color="grey").encode(y="y:Q")
    _save(
        (zero + whiskers + points).properties(
            width=520, height=300, title="What firm-wide incentives are worth, by interaction"
        ),
        out / "nk_incentives.png",
    )
    lines = [
        "| interaction | share crossing departments | CEO | departmental | firm-wide | firm − departmental "
        "[95% CI] | decisions changed (dep. / firm) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result.itertuples():
        lines.append(
            f"| {r.interaction} | {r.cross:.2f} | {r.ceo} | {r.departmental:.3f} | {r.firm:.3f} | "
            f"{r.difference:+.4f} [{r.ci_low:+.4f}, {r.ci_high:+.4f}] | {r.changes_dep:.1f} / "
            f"{r.changes_firm:.1f} |"
        )
    return "\n".join(lines) + f"\n\n{table['seed'].nunique()} paired seeds per setting; performance at period 100."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=None, help="override every spec's seeds (quick checks)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the figures")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        sections = {
            "Figure 1": figure1(_run("march_figure1", args.seeds, args.workers, scratch)[0], args.out),
            "Turnover": turnover(_run("march_turnover", args.seeds, args.workers, scratch)[0], args.out),
            "Turbulence": turbulence(*_run("march_turbulence", args.seeds, args.workers, scratch), args.out),
            "NK incentives": nk(
                pd.concat(
                    [_run(n, args.seeds, args.workers, scratch)[0] for n in ("nk_incentives", "nk_full")],
                    ignore_index=True,
                ),
                args.out,
            ),
        }
    for title, text in sections.items():
        print(f"### {title}\n\n{text}\n")
    print("Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
