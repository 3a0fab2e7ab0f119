"""Scenario commands: list, models, metrics, show, validate, run and compare."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from sim import provenance
from sim.cli.common import (
    UsageError,
    check_cost,
    ensemble,
    extends_flag,
    human_table,
    json_number,
    lang_flag,
    parse_overrides,
    resolve_scenario,
    run_flags,
)
from sim.i18n import _, shown
from sim.input import bundled_scenarios, clean, describe, load_scenario, scenario_model
from sim.input.errors import check_file_path
from sim.output import OutputError, shown_path, write_bytes, write_text
from sim.registry import MODELS, cost, get_model, horizon
from sim.runner import EnsembleResult, compare
from sim.scenario import ScenarioBase


def add_parsers(sub) -> None:
    sub.add_parser("list", help="list the bundled scenarios and the model each runs on")
    sub.add_parser("models", help="list the registered models")
    met = sub.add_parser("metrics", help="list a model's metrics")
    met.add_argument("--model", choices=list(MODELS), default="alignment", help="model (default: alignment)")

    show = sub.add_parser("show", help="print a scenario fully resolved, as TOML")
    show.add_argument("scenario", metavar="NAME|FILE")
    show.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help="override a value")
    extends_flag(show)

    val = sub.add_parser("validate", help="check a scenario file")
    val.add_argument("scenario", metavar="FILE")
    extends_flag(val)

    run = sub.add_parser("run", help="run a scenario over one or more seeds")
    run.add_argument("scenario", metavar="NAME|FILE")
    run_flags(run)
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a value, e.g. departments.sales.alignment=0.9 (repeatable)",
    )
    run.add_argument("--format", choices=["table", "json", "csv"], default="table", help=FORMAT_HELP)
    run.add_argument(
        "--out",
        metavar="DIR",
        help="also write scenario.toml, summary.csv, aggregate.csv, weekly.csv/.parquet and provenance.json",
    )

    cmp_ = sub.add_parser("compare", help="compare two scenarios on the same seeds (paired differences)")
    cmp_.add_argument("a", metavar="A")
    cmp_.add_argument("b", metavar="B")
    run_flags(cmp_, default_seeds=20)
    cmp_.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help="override in both")
    cmp_.add_argument("--set-a", action="append", default=[], metavar="PATH=VALUE", help="override in A only")
    cmp_.add_argument("--set-b", action="append", default=[], metavar="PATH=VALUE", help="override in B only")
    cmp_.add_argument("--format", choices=["table", "json", "csv"], default="table", help=FORMAT_HELP)
    cmp_.add_argument("--out", metavar="DIR", help="also write comparison.csv, a.toml, b.toml and provenance.json")

    for human in (run, cmp_):  # the human-readable output may be Danish; JSON and CSV stay English
        lang_flag(human)


#: What each output format carries (run and compare): CSV on stdout is the bare table, so any CSV reader takes it.
FORMAT_HELP = (
    "table (default), json (with provenance: version, code fingerprint, packages, scenario hash, overrides, "
    "seeds) or csv (the bare table, without provenance: use json, or --out, which writes provenance.json beside "
    "the CSV files)"
)


def cmd_list(args) -> int:
    rows = [(name, scenario_model(path), describe(path)) for name, path in bundled_scenarios().items()]
    width, model_width = max(len(n) for n, _, _ in rows), max(len(m) for _, m, _ in rows)
    for name, model, text in rows:
        print(f"{name:<{width}}  {model:<{model_width}}  {text}")
    return 0


def cmd_models(args) -> int:
    for spec in MODELS.values():
        presets = ", ".join(bundled_scenarios(spec.name))
        print(f"{spec.name}: {spec.description}\n  presets: {presets}")
        if spec.reference:
            print(f"  after: {spec.reference}")
    return 0


def cmd_metrics(args) -> int:
    metrics = get_model(args.model).metrics()
    frame = pd.DataFrame(
        [
            {"metric": m.name, "kind": m.kind, "unit": m.unit, "better": m.better, "description": m.description}
            for m in metrics.values()
        ]
    ).set_index("metric")
    with pd.option_context("display.max_colwidth", 90, "display.width", 200):
        print(frame.to_string())
    return 0


def cmd_show(args) -> int:
    sys.stdout.write(resolve_scenario(args.scenario, args.set, anywhere=args.extends_anywhere).to_toml())
    return 0


def cmd_validate(args) -> int:
    scenario = load_scenario(args.scenario, extends_anywhere=args.extends_anywhere)
    print(f"ok: {clean(scenario.name)} [{scenario.model}] ({get_model(scenario.model).summary_line(scenario)})")
    return 0


def cmd_run(args) -> int:
    out = check_file_path(args.out, "--out") if args.out else None  # before anything runs
    scenario = resolve_scenario(args.scenario, args.set, args.horizon, args.extends_anywhere)
    spec = get_model(scenario.model)
    check_cost(args, cost(scenario, args.seeds), f"{args.seeds:,} run(s) of {clean(scenario.name)}")
    ens = ensemble(scenario, args.seed, args.seeds)
    agg = ens.aggregate()
    units = {n: m.unit for n, m in spec.metrics().items()}
    if args.format == "json":
        print(
            json.dumps(
                {
                    "scenario": scenario.name,
                    "model": scenario.model,
                    spec.horizon: horizon(scenario),
                    "seeds": ens.seeds,
                    "summary": {k: json_number(v) for k, v in agg["mean"].items()},
                    "ci95": {
                        k: [json_number(agg.at[k, "ci_low"]), json_number(agg.at[k, "ci_high"])] for k in agg.index
                    },
                    **({"graph": ens.extra["graph"]} if "graph" in ens.extra else {}),
                    **provenance.record(scenario, parse_overrides(args.set)),
                },
                indent=2,
            )
        )
    elif args.format == "csv":
        sys.stdout.write(ens.summary.to_csv(index=False))
    else:
        from sim.present.levers import preset_story

        print(clean(f"{scenario.name}: {preset_story(scenario.description)}".rstrip(": ")))
        print(
            _("{setting}; seeds {first}..{last} ({n})").format(
                setting=shown(spec.summary_line(scenario)), first=ens.seeds[0], last=ens.seeds[-1], n=len(ens.seeds)
            )
            + "\n"
        )
        frame = agg.assign(unit=[units.get(k, "") for k in agg.index])
        if len(ens.seeds) == 1:
            frame = frame[["mean", "unit"]].rename(columns={"mean": "value"})
        print(human_table(frame, scenario.model))
        if "steady_state" in ens.summary and (ens.summary["steady_state"] == 0).any():
            unsettled = int((ens.summary["steady_state"] == 0).sum())
            print(
                "\n"
                + _(
                    "note: in {unsettled} of {n} runs unreleased work kept piling up (steady_state = 0): more "
                    "work is asked for than the teams and approvers can release, so lead times grow with the "
                    "horizon"
                ).format(unsettled=unsettled, n=len(ens.seeds))
            )
    if out is not None:
        _write(out, scenario, ens, parse_overrides(args.set))
    return 0


def _write(out: Path, scenario: ScenarioBase, ens: EnsembleResult, overrides: dict) -> None:
    """The run's files in ``out``, each written whole or not at all (sim.output), and provenance.json saying what
    made them (the CSV files' sidecar; the Parquet file carries the same record in its metadata)."""
    meta = provenance.record(scenario, overrides, ens.seeds)
    try:
        write_text(out / "scenario.toml", scenario.to_toml())
        write_text(out / "summary.csv", ens.summary.to_csv(index=False))
        write_text(out / "aggregate.csv", ens.aggregate().to_csv())
        write_text(out / "weekly.csv", ens.weekly.to_csv(index=False))
        write_bytes(out / "weekly.parquet", provenance.parquet_bytes(ens.weekly, meta))
        files = ["scenario.toml", "summary.csv", "aggregate.csv", "weekly.csv", "weekly.parquet"]
        provenance.write_sidecar(out / "provenance.json", [out / f for f in files], scenario, overrides, ens.seeds)
    except OutputError as exc:
        raise UsageError(f"cannot write results: {exc.strerror}") from None
    print(
        f"wrote {shown_path(out)}/scenario.toml, summary.csv, aggregate.csv, weekly.csv, weekly.parquet, "
        "provenance.json",
        file=sys.stderr,
    )


def cmd_compare(args) -> int:
    out_dir = check_file_path(args.out, "--out") if args.out else None  # before anything runs
    a = resolve_scenario(args.a, args.set + args.set_a, args.horizon, args.extends_anywhere)
    b = resolve_scenario(args.b, args.set + args.set_b, args.horizon, args.extends_anywhere)
    if a.model != b.model:
        raise UsageError(f"compare: A runs on model {a.model!r} and B on {b.model!r}; both must run on one model")
    check_cost(args, cost(a, args.seeds) + cost(b, args.seeds), f"comparing over {args.seeds:,} seeds")
    ea, eb = ensemble(a, args.seed, args.seeds), ensemble(b, args.seed, args.seeds)
    frame = compare(ea, eb, get_model(a.model).metrics())
    sides = {
        side: {
            "name": x.name,
            "overrides": parse_overrides(args.set + extra),
            "sha256": provenance.scenario_hash(x),
        }
        for side, x, extra in (("a", a, args.set_a), ("b", b, args.set_b))
    }
    if args.format == "json":
        out = {
            "a": a.name,
            "b": b.name,
            "seeds": ea.seeds,
            "metrics": json.loads(frame.to_json(orient="index")),
            "scenarios": sides,
            "provenance": provenance.metadata(),
        }
        print(json.dumps(out, indent=2))
    elif args.format == "csv":
        sys.stdout.write(frame.to_csv())
    else:
        print(clean(f"A = {a.name}{' (' + ', '.join(args.set + args.set_a) + ')' if args.set + args.set_a else ''}"))
        print(clean(f"B = {b.name}{' (' + ', '.join(args.set + args.set_b) + ')' if args.set + args.set_b else ''}"))
        print(
            _("paired over seeds {first}..{last}; difference = B - A with 95% CI").format(
                first=ea.seeds[0], last=ea.seeds[-1]
            )
            + "\n"
        )
        print(human_table(frame.drop(columns="effect_size"), a.model))
    if out_dir is not None:
        _write_comparison(out_dir, a, b, frame, sides, ea.seeds)
    return 0


def _write_comparison(out: Path, a: ScenarioBase, b: ScenarioBase, frame: pd.DataFrame, sides: dict, seeds) -> None:
    """A comparison's files in ``out`` (each written whole, sim.output) and provenance.json saying what made them:
    both resolved scenarios, each side's overrides and hash, the seeds."""
    try:
        write_text(out / "a.toml", a.to_toml())
        write_text(out / "b.toml", b.to_toml())
        write_text(out / "comparison.csv", frame.to_csv())
        files = [out / f for f in ("comparison.csv", "a.toml", "b.toml")]
        provenance.write_sidecar(out / "provenance.json", files, seeds=list(seeds), scenarios=sides)
    except OutputError as exc:
        raise UsageError(f"cannot write results: {exc.strerror}") from None
    print(f"wrote {shown_path(out)}/comparison.csv, a.toml, b.toml, provenance.json", file=sys.stderr)


COMMANDS = {
    "list": cmd_list,
    "models": cmd_models,
    "metrics": cmd_metrics,
    "show": cmd_show,
    "validate": cmd_validate,
    "run": cmd_run,
    "compare": cmd_compare,
}
