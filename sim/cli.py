"""The ``alignsim`` command line: list, show, validate, run and compare scenarios.

Bad input (unknown scenario, malformed file, bad value or flag) prints one message naming the field and the
allowed values, and exits with code 2. Runs, sweeps and claims whose estimated cost is above the budget
(``sim.registry.CLI_BUDGET_SECONDS``) are refused the same way unless ``--yes`` is given.
"""

from __future__ import annotations

import argparse
from concurrent.futures.process import BrokenProcessPool
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from sim.i18n import N_, _, shown
from sim.metrics import format_number
from sim.input import clean
from sim.registry import CLI_BUDGET_SECONDS, MODELS, BudgetError, check_budget, cost, get_model, horizon
from sim.runner import EnsembleResult, compare, run_many
from sim.input import ScenarioError, bundled_scenarios, describe, load_scenario, parse_override, scenario_model
from sim.scenario import ScenarioBase
from sim.sweep import SweepError

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit code 2."""


#: Largest values the flags take (the scenario's schema may allow less).
MAX_SEEDS = 100_000
MAX_SEED = 2**32 - 1
MAX_HORIZON = 1_000_000
MAX_WORKERS = 256


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line (no usage block) and exit code 2."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {clean(message)} (see {self.prog} --help)\n")


def _positive(minimum: int = 1, maximum: int = MAX_SEEDS):
    """A whole number in minimum..maximum (argparse names the flag in its message)."""
    def check(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number {minimum}..{maximum:,}, got "
                                             f"{clean(repr(text[:40]))}") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be {minimum}..{maximum:,}, got {value:,}"
                                             if abs(value) < 10**30 else f"must be {minimum}..{maximum:,}")
        return value
    return check


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="alignsim", description="Organisational alignment simulator.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("list", help="list the bundled scenarios and the model each runs on")
    sub.add_parser("models", help="list the registered models")
    met = sub.add_parser("metrics", help="list a model's metrics")
    met.add_argument("--model", choices=list(MODELS), default="alignment", help="model (default: alignment)")

    show = sub.add_parser("show", help="print a scenario fully resolved, as TOML")
    show.add_argument("scenario", metavar="NAME|FILE")
    show.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help="override a value")
    _extends_flag(show)

    val = sub.add_parser("validate", help="check a scenario file")
    val.add_argument("scenario", metavar="FILE")
    _extends_flag(val)

    run = sub.add_parser("run", help="run a scenario over one or more seeds")
    run.add_argument("scenario", metavar="NAME|FILE")
    _run_flags(run)
    run.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                     help="override a value, e.g. departments.sales.alignment=0.9 (repeatable)")
    run.add_argument("--format", choices=["table", "json", "csv"], default="table")
    run.add_argument("--out", metavar="DIR", help="also write scenario.toml, summary.csv, weekly.csv/.parquet")

    cmp_ = sub.add_parser("compare", help="compare two scenarios on the same seeds (paired differences)")
    cmp_.add_argument("a", metavar="A")
    cmp_.add_argument("b", metavar="B")
    _run_flags(cmp_, default_seeds=20)
    cmp_.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help="override in both")
    cmp_.add_argument("--set-a", action="append", default=[], metavar="PATH=VALUE", help="override in A only")
    cmp_.add_argument("--set-b", action="append", default=[], metavar="PATH=VALUE", help="override in B only")
    cmp_.add_argument("--format", choices=["table", "json", "csv"], default="table")

    sw = sub.add_parser("sweep", help="run a sweep spec (TOML) on local processes or a Dask cluster")
    sw.add_argument("spec", metavar="SPEC")
    sw.add_argument("--workers", type=_positive(1, MAX_WORKERS), default=None, help="local processes (default: cores)")
    sw.add_argument("--address", metavar="tcp://HOST:PORT", help="a Dask scheduler to run on instead")
    sw.add_argument("--out", metavar="DIR", help="folder for runs.parquet, weekly.parquet, manifest.json "
                    "(default: results/<spec name>)")
    sw.add_argument("--resume", action="store_true", help="continue an interrupted sweep in --out")
    sw.add_argument("--chunk-size", type=_positive(), default=None, help="runs per task")
    _yes_flag(sw)

    an = sub.add_parser("analyze", help="Sobol or Morris sensitivity indices of a finished sweep (SALib)")
    an.add_argument("dir", metavar="DIR")
    an.add_argument("--metric", action="append", default=None, help="metric to analyse (repeatable)")

    claims = sub.add_parser("claims", help="check DESIGN.md's claims over paired seeds")
    claims.add_argument("--seeds", type=_positive(2), default=30, help="seeds 0..N-1 (default 30)")
    claims.add_argument("--format", choices=["table", "json", "markdown"], default="table")
    claims.add_argument("--workers", type=_positive(1, MAX_WORKERS), default=1, help="processes (default 1)")
    claims.add_argument("--robustness", action="store_true",
                        help="also move each main parameter by -25%% and +25%%, one at a time")
    claims.add_argument("--robustness-seeds", type=_positive(2), default=30)
    claims.add_argument("--map", action="store_true",
                        help="also map each claim over the named assumptions and team capacity")
    claims.add_argument("--map-seeds", type=_positive(2), default=16)
    claims.add_argument("--map-chart", metavar="FILE.png", help="with --map: write the map chart as PNG")
    _yes_flag(claims)
    for human in (run, cmp_, claims):  # the human-readable output may be Danish; JSON and CSV stay English
        _lang_flag(human)
    _calibrate_parser(sub)
    return p


def _run_flags(p: argparse.ArgumentParser, default_seeds: int = 1) -> None:
    p.add_argument("--seed", type=_positive(0, MAX_SEED), default=0, help="first seed (default 0)")
    p.add_argument("--seeds", type=_positive(), default=default_seeds,
                   help=f"number of seeds: seed, seed+1, ... (default {default_seeds})")
    p.add_argument("--weeks", "--periods", dest="horizon", type=_positive(1, MAX_HORIZON),
                   default=None, help="horizon: weeks (alignment model) or periods (reference models)")
    _extends_flag(p)
    _yes_flag(p)


def _extends_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--extends-anywhere", action="store_true",
                   help="let scenario files extend files outside their own folder (default: bundled scenarios "
                        "and files in the scenario file's folder only)")


def _lang_flag(p: argparse.ArgumentParser, what: str = "table, markdown") -> None:
    from sim.i18n import DEFAULT, LANGUAGES

    p.add_argument("--lang", choices=list(LANGUAGES), default=DEFAULT,
                   help=f"language of the human-readable output ({what}); default en")


def _yes_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--yes", action="store_true",
                   help=f"run even when the estimated cost is above the budget "
                        f"({CLI_BUDGET_SECONDS / 60:.0f} min of computing)")


def _check_cost(args, seconds: float, what: str) -> None:
    if not args.yes:
        check_budget(seconds, CLI_BUDGET_SECONDS, what, "add --yes to run it anyway")


def _overrides(items: list[str]) -> dict[str, Any]:
    return dict(parse_override(x) for x in items)


def _scenario(name: str, sets: list[str], horizon: int | None = None, anywhere: bool = False) -> ScenarioBase:
    overrides = _overrides(sets)
    model = scenario_model(name, anywhere) if horizon is not None else None
    if model in MODELS:  # an unknown model is reported by load_scenario, naming the registered ones
        overrides.setdefault(MODELS[model].horizon, horizon)
    return load_scenario(name, overrides, extends_anywhere=anywhere)


def _ensemble(scenario: ScenarioBase, seed: int, n: int) -> EnsembleResult:
    seeds = list(range(seed, seed + n))
    return run_many(scenario, seeds, progress=n > 1)


def _table(frame: pd.DataFrame) -> str:
    text = frame.map(lambda v: format_number(v) if isinstance(v, float) else v)
    return text.to_string()


#: Columns of a human table written as levels (``37%``) and as differences (``+2.0 pts``).
_LEVELS = ("mean", "value", "ci_low", "ci_high", "mean_a", "mean_b")
_DIFFERENCES = ("difference",)
#: Column headers of a human table (``--lang`` translates them; JSON and CSV keep the code names).
_COLUMNS = {"name": N_("name"), "mean": N_("mean"), "value": N_("value"), "ci_low": N_("ci_low"),
            "ci_high": N_("ci_high"), "mean_a": N_("mean_a"), "mean_b": N_("mean_b"),
            "difference": N_("difference"), "unit": N_("unit"), "metric": N_("metric")}


def _human_table(frame: pd.DataFrame, model: str) -> str:
    """A run's or comparison's table for people: each metric's name in words (from the label registry,
    ``sim.labels``, which names the reference models' metrics too) next to its code name, values in their units."""
    from sim import labels

    out = pd.DataFrame({"name": [labels.name(m) for m in frame.index]}, index=frame.index)
    diff = "difference" in frame.columns
    for col in frame.columns:
        if col == "unit":
            continue
        if col in _DIFFERENCES or (diff and col in ("ci_low", "ci_high")):
            out[col] = [labels.difference(m, v, labels.digits_for(m, frame.at[m, "difference"]))
                        if col != "difference" else labels.difference(m, v) for m, v in frame[col].items()]
        elif col in _LEVELS:
            out[col] = [labels.value(m, v) for m, v in frame[col].items()]
        else:
            out[col] = frame[col]
    out = out.rename(columns={c: _(_COLUMNS[c]) for c in out.columns if c in _COLUMNS})
    out.index.name = _(_COLUMNS["metric"]) if out.index.name == "metric" else out.index.name
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        return out.to_string()


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
    frame = pd.DataFrame([{"metric": m.name, "kind": m.kind, "unit": m.unit, "better": m.better,
                           "description": m.description} for m in metrics.values()]).set_index("metric")
    with pd.option_context("display.max_colwidth", 90, "display.width", 200):
        print(frame.to_string())
    return 0


def cmd_show(args) -> int:
    sys.stdout.write(_scenario(args.scenario, args.set, anywhere=args.extends_anywhere).to_toml())
    return 0


def cmd_validate(args) -> int:
    scenario = load_scenario(args.scenario, extends_anywhere=args.extends_anywhere)
    print(f"ok: {scenario.name} [{scenario.model}] ({get_model(scenario.model).summary_line(scenario)})")
    return 0


def cmd_run(args) -> int:
    scenario = _scenario(args.scenario, args.set, args.horizon, args.extends_anywhere)
    spec = get_model(scenario.model)
    _check_cost(args, cost(scenario, args.seeds), f"{args.seeds:,} run(s) of {clean(scenario.name)}")
    ens = _ensemble(scenario, args.seed, args.seeds)
    agg = ens.aggregate()
    units = {n: m.unit for n, m in spec.metrics().items()}
    if args.format == "json":
        print(json.dumps({
            "scenario": scenario.name, "model": scenario.model, spec.horizon: horizon(scenario), "seeds": ens.seeds,
            "summary": {k: _number(v) for k, v in agg["mean"].items()},
            "ci95": {k: [_number(agg.at[k, "ci_low"]), _number(agg.at[k, "ci_high"])] for k in agg.index},
            **({"graph": ens.extra["graph"]} if "graph" in ens.extra else {}),
        }, indent=2))
    elif args.format == "csv":
        sys.stdout.write(ens.summary.to_csv(index=False))
    else:
        from sim.levers import preset_story

        print(f"{scenario.name}: {preset_story(scenario.description)}".rstrip(": "))
        print(_("{setting}; seeds {first}..{last} ({n})").format(
            setting=shown(spec.summary_line(scenario)), first=ens.seeds[0], last=ens.seeds[-1],
            n=len(ens.seeds)) + "\n")
        frame = agg.assign(unit=[units.get(k, "") for k in agg.index])
        if len(ens.seeds) == 1:
            frame = frame[["mean", "unit"]].rename(columns={"mean": "value"})
        print(_human_table(frame, scenario.model))
        if "steady_state" in ens.summary and (ens.summary["steady_state"] == 0).any():
            unsettled = int((ens.summary["steady_state"] == 0).sum())
            print("\n" + _("note: in {unsettled} of {n} runs unreleased work kept piling up (steady_state = 0): more "
                            "work is asked for than the teams and approvers can release, so lead times grow with the "
                            "horizon").format(unsettled=unsettled, n=len(ens.seeds)))
    if args.out:
        _write(Path(args.out), scenario, ens)
    return 0


def _number(value: float) -> float | None:
    """A number for JSON: undefined (NaN, no data) becomes null."""
    value = float(value)
    return None if value != value else value


def _write(out: Path, scenario: ScenarioBase, ens: EnsembleResult) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "scenario.toml").write_text(scenario.to_toml(), encoding="utf-8")
        ens.summary.to_csv(out / "summary.csv", index=False)
        ens.aggregate().to_csv(out / "aggregate.csv")
        ens.weekly.to_csv(out / "weekly.csv", index=False)
        ens.weekly.to_parquet(out / "weekly.parquet", index=False)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write results: {exc.strerror or exc}") from None
    print(f"wrote {out}/scenario.toml, summary.csv, aggregate.csv, weekly.csv, weekly.parquet", file=sys.stderr)


def cmd_compare(args) -> int:
    a = _scenario(args.a, args.set + args.set_a, args.horizon, args.extends_anywhere)
    b = _scenario(args.b, args.set + args.set_b, args.horizon, args.extends_anywhere)
    if a.model != b.model:
        raise UsageError(f"compare: A runs on model {a.model!r} and B on {b.model!r}; both must run on one model")
    _check_cost(args, cost(a, args.seeds) + cost(b, args.seeds), f"comparing over {args.seeds:,} seeds")
    ea, eb = _ensemble(a, args.seed, args.seeds), _ensemble(b, args.seed, args.seeds)
    frame = compare(ea, eb, get_model(a.model).metrics())
    if args.format == "json":
        print(json.dumps({"a": a.name, "b": b.name, "seeds": ea.seeds,
                          "metrics": json.loads(frame.to_json(orient="index"))}, indent=2))
    elif args.format == "csv":
        sys.stdout.write(frame.to_csv())
    else:
        print(f"A = {a.name}{' (' + ', '.join(args.set + args.set_a) + ')' if args.set + args.set_a else ''}")
        print(f"B = {b.name}{' (' + ', '.join(args.set + args.set_b) + ')' if args.set + args.set_b else ''}")
        print(_("paired over seeds {first}..{last}; difference = B - A with 95% CI").format(
            first=ea.seeds[0], last=ea.seeds[-1]) + "\n")
        print(_human_table(frame.drop(columns="effect_size"), a.model))
    return 0


def cmd_sweep(args) -> int:
    from sim.sweep import load_spec, sweep

    spec = load_spec(args.spec)
    if args.address and not args.address.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise UsageError(f"--address {args.address!r}: expected a scheduler address like tcp://HOST:PORT")
    out = Path(args.out) if args.out else Path("results") / Path(args.spec).stem
    try:
        table = sweep(spec, out=out, workers=args.workers, address=args.address, resume=args.resume,
                      chunk_size=args.chunk_size, progress=True, budget=None if args.yes else CLI_BUDGET_SECONDS)
    except KeyboardInterrupt:
        print(f"alignsim: interrupted; finished runs are kept in {out}/parts: rerun with --resume",
              file=sys.stderr)
        return 130
    except BrokenProcessPool:
        print(f"alignsim: a worker process died; finished runs are kept in {out}/parts: rerun with --resume",
              file=sys.stderr)
        return 1
    except OSError as exc:
        if "connect" in str(exc).lower() or isinstance(exc, TimeoutError):
            raise UsageError(f"--address {args.address}: cannot reach the Dask scheduler ({exc})") from None
        raise UsageError(f"--out {out}: {exc.strerror or exc}") from None
    print(f"{len(table)} runs in {out}/runs.parquet" + (" and weekly.parquet" if spec.keep_weekly else "")
          + "; manifest.json describes the sweep")
    return 0


def cmd_analyze(args) -> int:
    from sim.charts import to_image
    from sim.sweep import analysis_chart, analyze

    table = analyze(args.dir, args.metric)
    out = Path(args.dir)
    table.to_csv(out / "analysis.csv", index=False)
    try:
        (out / "analysis.png").write_bytes(to_image(analysis_chart(table), "png"))
    except OSError as exc:
        raise UsageError(f"{out}: cannot write analysis.png: {exc.strerror or exc}") from None
    with pd.option_context("display.width", 160, "display.max_rows", 500):
        print(table.set_index(["metric", "parameter"]).to_string(float_format=lambda v: f"{v:.4f}"))
    print(f"\nwrote {out}/analysis.csv and {out}/analysis.png", file=sys.stderr)
    return 0


def cmd_claims(args) -> int:
    from sim import claims as claims_report

    arms = list(dict.fromkeys(x for c in claims_report.CLAIMS for x in claims_report.arms_of(c)))
    per_seed = sum(cost(x.build()) for x in arms)
    seconds = per_seed * args.seeds + (per_seed * args.robustness_seeds * 2
                                       * len(claims_report.ROBUSTNESS_PARAMETERS) if args.robustness else 0)
    seconds += per_seed * args.map_seeds * len(claims_report.map_settings()) if args.map else 0
    _check_cost(args, seconds / args.workers, f"the claims over {args.seeds:,} seeds"
                + (f" (robustness: {args.robustness_seeds:,})" if args.robustness else "")
                + (f" (maps: {args.map_seeds:,})" if args.map else ""))
    results = claims_report.evaluate(seeds=args.seeds, workers=args.workers)
    robust = (claims_report.robustness(seeds=args.robustness_seeds, workers=args.workers)
              if args.robustness else None)
    maps = claims_report.claim_map(seeds=args.map_seeds, workers=args.workers) if args.map else None
    if maps is not None and args.map_chart:
        from sim.charts import claim_map, to_image

        Path(args.map_chart).write_bytes(to_image(claim_map(maps), "png"))
    if args.format == "json":
        out = {"seeds": results[0].seeds, "versions": claims_report.versions(),
               "claims": [r.as_dict() for r in results]}
        if maps is not None:
            for claim in out["claims"]:
                claim["map"] = json.loads(maps[maps["claim"] == claim["id"]].to_json(orient="records"))
        if robust is not None:
            out["robustness"] = json.loads(robust.to_json(orient="records"))
        print(json.dumps(out, indent=2))
    elif args.format == "markdown":
        sys.stdout.write(claims_report.markdown(results, robust, args.robustness_seeds, maps, args.map_seeds))
    else:
        sys.stdout.write(claims_report.table(results, robust))
    return 0


COMMANDS = {"list": cmd_list, "models": cmd_models, "metrics": cmd_metrics, "show": cmd_show,
            "validate": cmd_validate, "run": cmd_run, "compare": cmd_compare, "claims": cmd_claims, "sweep": cmd_sweep,
            "analyze": cmd_analyze}


# ---------------------------------------------------------------- calibrate: your own organisation


def _calibrate_parser(sub) -> None:
    cal = sub.add_parser("calibrate", help="import your organisation (XLSX, ZIP of CSVs, or a folder of CSVs) and "
                         "fit it to your observed weekly or monthly series")
    cal.add_argument("org", metavar="ORG", help="organisation spreadsheet (see docs/CALIBRATION.md)")
    cal.add_argument("--observed", metavar="CSV", help="observed series (week or month column; any of "
                     "new_customers, activation_30d, churned, support_contacts, leads, releases); without it the "
                     "organisation is imported only")
    cal.add_argument("--out", metavar="FILE.toml", required=True, help="where to write the scenario")
    cal.add_argument("--trials", type=_positive(2, 10_000), default=60, help="candidates to try (default 60)")
    cal.add_argument("--seeds", type=_positive(2, 100), default=4, help="seeds per candidate (default 4)")
    cal.add_argument("--seed", type=_positive(0, MAX_SEED), default=0, help="seed of the search (default 0)")
    cal.add_argument("--band-seeds", type=_positive(2, 1000), default=20, help="seeds for the 95%% band")
    _yes_flag(cal)
    _lang_flag(cal, "notes, progress and the fit's report")


def cmd_calibrate(args) -> int:
    from tqdm import tqdm

    from sim import calibration, orgsheet
    from sim.i18n import ngettext
    from sim.observed import read_observed_path

    out = Path(args.out)
    if out.suffix != ".toml":
        raise UsageError(f"--out {clean(str(out))}: expected a .toml file name")
    imported = orgsheet.organisation(orgsheet.read_path(args.org), clean(Path(args.org).name))
    for note in imported.notes:
        print(_("note: {note}").format(note=shown(note)), file=sys.stderr)
    scenario = imported.scenario
    if args.observed:
        observed = read_observed_path(args.observed)
        seconds = calibration.estimated_seconds(scenario, observed, args.trials, args.seeds, args.band_seeds)
        _check_cost(args, seconds, _("fitting with {trials} candidates x {seeds} seeds").format(
            trials=args.trials, seeds=args.seeds))
        study = out.with_suffix(".study.log")
        periods = (ngettext("{n} week", "{n} weeks", observed.periods) if observed.frequency == "week" else
                   ngettext("{n} month", "{n} months", observed.periods)).format(n=observed.periods)
        print(_("fitting {name} to {periods} of {series}; resumable: the candidates are kept in {study}").format(
            name=clean(scenario.name), periods=periods, series=", ".join(observed.series), study=study),
            file=sys.stderr)
        bar = tqdm(total=args.trials, desc=_("fitting"), unit=_("candidate"), disable=None, leave=False)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            result = calibration.calibrate(scenario, observed, args.trials, args.seeds, args.seed, args.band_seeds,
                                           storage=study, progress=progress)
        except KeyboardInterrupt:
            print(_("alignsim: interrupted; rerun the same command to continue from {study}").format(study=study),
                  file=sys.stderr)
            return 130
        finally:
            bar.close()
        scenario = calibration.described(result, scenario.name)
        fit_csv = out.with_name(out.stem + "_fit.csv")
        est_csv = out.with_name(out.stem + "_estimates.csv")
        try:
            result.fit.to_csv(fit_csv, index=False)
            result.estimates.to_csv(est_csv, index=False)
        except OSError as exc:
            raise UsageError(f"--out {clean(str(out))}: cannot write: {exc.strerror or exc}") from None
        print(result.report())
    try:
        out.write_text(scenario.to_toml(), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--out {clean(str(out))}: cannot write: {exc.strerror or exc}") from None
    print(_("wrote {out}: try alignsim run {out} --seeds 20, or alignsim compare {out} {out} --set-b "
            "leadership.trump=0.9").format(out=clean(str(out))), file=sys.stderr)
    return 0


COMMANDS["calibrate"] = cmd_calibrate


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)  # exits 2 with a usage line on bad flags
    from sim import i18n

    human = getattr(args, "format", "table") in ("table", "markdown")
    try:
        with i18n.language(getattr(args, "lang", i18n.DEFAULT) if human else i18n.DEFAULT):
            return COMMANDS[args.command](args)
    except (ScenarioError, UsageError, SweepError, BudgetError) as exc:
        message = exc.args[0] if exc.args else str(exc)
        print(f"alignsim: error: {clean(message)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
