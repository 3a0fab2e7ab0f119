"""Global sensitivity of a lesson: which constants and named assumptions it hinges on, and where it flips.

A lesson is a paired difference B - A between two scenarios (a claim's arms, e.g. C2: value trumping local KPIs
against a team that steers on value alone). Its sensitivity is measured with the sweep machinery
(``sim.research.sweep``): one sweep per arm over the *same* design points and seeds, so every run of B has its
partner in A, then SALib on the per-point mean of the difference (Morris screening over many inputs, Sobol on the
few that matter). ``flips`` says, per input, in which part of its range the lesson changes sign.

Run it again with ``python -m sim.research.sensitivity SPEC --b SCENARIO --out DIR`` (docs/examples/sensitivity/ holds
the specs behind docs/SENSITIVITY.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim import output
from sim.research.sweep import SweepError, SweepSpec, load_spec, problem, spec_from_dict, sweep
from sim.research.sweep.analysis import indices

#: Parts of an input's range in which ``flips`` reports the lesson's mean (quantiles of the design's values).
BINS = 4


def arm_specs(spec: SweepSpec, b_scenario: str) -> tuple[SweepSpec, SweepSpec]:
    """The sweep specs of arms A (the spec's scenario) and B (``b_scenario``): the same design and seeds."""
    return spec, spec.model_copy(update={"scenario": b_scenario})


def run(spec: SweepSpec, b_scenario: str, out: Path, workers: int | None = None, resume: bool = False) -> None:
    """Run both arms' sweeps into ``out/a`` and ``out/b`` (resumable)."""
    for name, s in zip("ab", arm_specs(spec, b_scenario)):
        sweep(s, out=out / name, workers=workers, resume=resume, progress=True, budget=None)


def differences(out: Path) -> tuple[SweepSpec, pd.DataFrame]:
    """Per design point: the parameters and the mean over seeds of B - A for every metric both arms kept."""
    import json

    tables, specs = [], []
    for name in "ab":
        folder = out / name
        if not (folder / "runs.parquet").is_file() or not (folder / "manifest.json").is_file():
            raise SweepError(f"{folder}: not a finished sweep (run the lesson first)")
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        specs.append(spec_from_dict(manifest["spec"], source=str(folder / "manifest.json")))
        tables.append(pd.read_parquet(folder / "runs.parquet").sort_values(["point", "seed"]).reset_index(drop=True))
    a, b = tables
    same = specs[0].model_dump(exclude={"scenario"}) == specs[1].model_dump(exclude={"scenario"})
    if not same or len(a) != len(b) or not (a[["point", "seed"]].to_numpy() == b[["point", "seed"]].to_numpy()).all():
        raise SweepError(f"{out}: the two arms were not run over the same design and seeds")
    names = list(specs[0].parameters)
    metrics = [c for c in a.columns if c in b.columns and c not in {*names, "run", "point", "seed"}]
    diff = a[["point", *names]].copy()
    for m in metrics:
        diff[m] = b[m].to_numpy(dtype=float) - a[m].to_numpy(dtype=float)
    return specs[0], diff.groupby("point").mean(numeric_only=True).sort_index()


def analyze(out: Path, metrics: list[str]) -> pd.DataFrame:
    """Sensitivity indices of the lesson (B - A) per metric and input: Morris mu*, sigma and mu*'s confidence
    half-width, or Sobol S1 and ST with theirs."""
    spec, means = differences(out)
    names = list(spec.parameters)
    prob = problem(spec)
    x = means[names].to_numpy(dtype=float)
    rows = []
    for m in metrics:
        y = means[m].to_numpy(dtype=float)
        if np.isnan(y).any():
            raise SweepError(f"{m}: undefined at {int(np.isnan(y).sum())} design points; choose another metric")
        if spec.design not in ("morris", "sobol"):
            raise SweepError(f"design {spec.design!r}: the lesson's analysis needs 'morris' or 'sobol'")
        found = indices(spec, prob, x, y)  # the sweep analysis's own SALib calls, seeded alike
        rows += [{"metric": m, "parameter": n, **values} for n, values in zip(names, found)]
    key = "mu_star" if spec.design == "morris" else "ST"
    return pd.DataFrame(rows).sort_values(["metric", key], ascending=[True, False]).reset_index(drop=True)


def flips(out: Path, metric: str, parameters: list[str] | None = None) -> pd.DataFrame:
    """Where the lesson changes sign: for each input, its range cut into ``BINS`` parts by the design's values, the
    mean of B - A over the design points in each part and the share of points where B - A is below zero."""
    spec, means = differences(out)
    rows = []
    for n in parameters or list(spec.parameters):
        cut = pd.qcut(means[n], BINS, duplicates="drop")
        for part, group in means.groupby(cut, observed=True):
            rows.append(
                {
                    "parameter": n,
                    "from": float(part.left),
                    "to": float(part.right),
                    "points": len(group),
                    "mean": float(group[metric].mean()),
                    "below_zero": float((group[metric] < 0).mean()),
                }
            )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sim.research.sensitivity", description=__doc__.splitlines()[0])
    p.add_argument("spec", help="sweep spec (morris or sobol) whose scenario is arm A")
    p.add_argument("--b", required=True, metavar="SCENARIO", help="arm B: a bundled scenario or a scenario file")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for both arms' sweeps and the analysis")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--metric", action="append", default=None, help="metric of the lesson (repeatable)")
    args = p.parse_args(argv)
    try:
        spec = load_spec(args.spec)
        b = args.b
        if b.endswith(".toml"):
            b = str((Path(args.spec).parent / b).resolve()) if not Path(b).is_file() else str(Path(b).resolve())
        out = Path(args.out)
        run(spec, b, out, args.workers, args.resume)
        metrics = args.metric or list(spec.metrics or ["outcome_change", "revenue"])
        table = analyze(out, metrics)
    except SweepError as exc:
        print(f"alignsim: {exc}", file=sys.stderr)
        return 2
    with pd.option_context("display.width", 160, "display.max_rows", 500):
        print(table.to_string(float_format=lambda v: f"{v:.4g}"))  # shown before it is written: never lost
    try:  # whole or not at all, never through a link (sim.output)
        output.write_text(out / "analysis.csv", table.to_csv(index=False))
        output.write_text(out / "flips.csv", flips(out, metrics[0]).to_csv(index=False))
    except OSError as exc:
        print(f"alignsim: error: {output.problem(exc)}", file=sys.stderr)
        return 2
    print(f"\nwrote {output.shown_path(out)}/analysis.csv and flips.csv", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
