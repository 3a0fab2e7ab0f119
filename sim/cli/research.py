"""Research commands: sweep and analyze, the claims report, and calibrate (your own organisation)."""

from __future__ import annotations

import json
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd

from sim.cli.common import MAX_SEED, MAX_WORKERS, UsageError, check_cost, lang_flag, positive, yes_flag
from sim.i18n import _, shown
from sim.input import clean
from sim.registry import CLI_BUDGET_SECONDS, cost


def add_parsers(sub) -> None:
    sw = sub.add_parser("sweep", help="run a sweep spec (TOML) on local processes or a Dask cluster")
    sw.add_argument("spec", metavar="SPEC")
    sw.add_argument("--workers", type=positive(1, MAX_WORKERS), default=None, help="local processes (default: cores)")
    sw.add_argument("--address", metavar="tcp://HOST:PORT", help="a Dask scheduler to run on instead")
    sw.add_argument(
        "--out",
        metavar="DIR",
        help="folder for runs.parquet, weekly.parquet, manifest.json (default: results/<spec name>)",
    )
    sw.add_argument("--resume", action="store_true", help="continue an interrupted sweep in --out")
    sw.add_argument("--chunk-size", type=positive(), default=None, help="runs per task")
    yes_flag(sw)

    an = sub.add_parser("analyze", help="Sobol or Morris sensitivity indices of a finished sweep (SALib)")
    an.add_argument("dir", metavar="DIR")
    an.add_argument("--metric", action="append", default=None, help="metric to analyse (repeatable)")

    claims = sub.add_parser("claims", help="check DESIGN.md's claims over paired seeds")
    claims.add_argument("--seeds", type=positive(2), default=30, help="paired seeds per arm (default 30)")
    claims.add_argument(
        "--seed-start",
        type=positive(0, MAX_SEED),
        default=0,
        metavar="N",
        help="first seed: the claims run seeds N..N+seeds-1 (default 0)",
    )
    claims.add_argument(
        "--confirm-start",
        type=positive(0, MAX_SEED),
        default=None,
        metavar="N",
        help="also run the claims on a second block of seeds from N (the markdown report shows it)",
    )
    claims.add_argument("--format", choices=["table", "json", "markdown"], default="table")
    claims.add_argument("--workers", type=positive(1, MAX_WORKERS), default=1, help="processes (default 1)")
    claims.add_argument(
        "--robustness", action="store_true", help="also move each main parameter by -25%% and +25%%, one at a time"
    )
    claims.add_argument("--robustness-seeds", type=positive(2), default=30)
    claims.add_argument(
        "--map", action="store_true", help="also map each claim over the named assumptions and team capacity"
    )
    claims.add_argument("--map-seeds", type=positive(2), default=16)
    claims.add_argument("--map-chart", metavar="FILE.png", help="with --map: write the map chart as PNG")
    yes_flag(claims)
    lang_flag(claims)
    _calibrate_parser(sub)


def cmd_sweep(args) -> int:
    from sim.research.sweep import load_spec, sweep

    spec = load_spec(args.spec)
    if args.address and not args.address.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise UsageError(f"--address {args.address!r}: expected a scheduler address like tcp://HOST:PORT")
    out = Path(args.out) if args.out else Path("results") / Path(args.spec).stem
    try:
        table = sweep(
            spec,
            out=out,
            workers=args.workers,
            address=args.address,
            resume=args.resume,
            chunk_size=args.chunk_size,
            progress=True,
            budget=None if args.yes else CLI_BUDGET_SECONDS,
        )
    except KeyboardInterrupt:
        print(f"alignsim: interrupted; finished runs are kept in {out}/parts: rerun with --resume", file=sys.stderr)
        return 130
    except BrokenProcessPool:
        print(
            f"alignsim: a worker process died; finished runs are kept in {out}/parts: rerun with --resume",
            file=sys.stderr,
        )
        return 1
    except OSError as exc:
        if "connect" in str(exc).lower() or isinstance(exc, TimeoutError):
            raise UsageError(f"--address {args.address}: cannot reach the Dask scheduler ({exc})") from None
        raise UsageError(f"--out {out}: {exc.strerror or exc}") from None
    print(
        f"{len(table)} runs in {out}/runs.parquet"
        + (" and weekly.parquet" if spec.keep_weekly else "")
        + "; manifest.json describes the sweep"
    )
    return 0


def cmd_analyze(args) -> int:
    from sim.present.charts import to_image
    from sim.research.sweep import analysis_chart, analyze

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
    from sim.research import claims as claims_report

    arms = list(dict.fromkeys(x for c in claims_report.CLAIMS for x in claims_report.arms_of(c)))
    per_seed = sum(cost(x.build()) for x in arms)
    seconds = per_seed * args.seeds + (
        per_seed * args.robustness_seeds * 2 * len(claims_report.ROBUSTNESS_PARAMETERS) if args.robustness else 0
    )
    seconds += per_seed * args.map_seeds * len(claims_report.map_settings()) if args.map else 0
    seconds += per_seed * args.seeds if args.confirm_start is not None else 0
    check_cost(
        args,
        seconds / args.workers,
        f"the claims over {args.seeds:,} seeds"
        + (f" (robustness: {args.robustness_seeds:,})" if args.robustness else "")
        + (f" (maps: {args.map_seeds:,})" if args.map else ""),
    )
    results = claims_report.evaluate(seeds=args.seeds, workers=args.workers, start=args.seed_start)
    confirm = (
        claims_report.evaluate(seeds=args.seeds, workers=args.workers, start=args.confirm_start)
        if args.confirm_start is not None
        else None
    )
    robust = claims_report.robustness(seeds=args.robustness_seeds, workers=args.workers) if args.robustness else None
    maps = claims_report.claim_map(seeds=args.map_seeds, workers=args.workers) if args.map else None
    if maps is not None and args.map_chart:
        from sim.present.charts import claim_map, to_image

        Path(args.map_chart).write_bytes(to_image(claim_map(maps), "png"))
    if args.format == "json":
        out = {
            "seeds": results[0].seeds,
            "versions": claims_report.versions(),
            "claims": [r.as_dict() for r in results],
        }
        if maps is not None:
            for claim in out["claims"]:
                claim["map"] = json.loads(maps[maps["claim"] == claim["id"]].to_json(orient="records"))
        if robust is not None:
            out["robustness"] = json.loads(robust.to_json(orient="records"))
        if confirm is not None:
            out["confirm"] = {"seeds": confirm[0].seeds, "claims": [r.as_dict() for r in confirm]}
        print(json.dumps(out, indent=2))
    elif args.format == "markdown":
        sys.stdout.write(
            claims_report.markdown(results, robust, args.robustness_seeds, maps, args.map_seeds, confirm=confirm)
        )
    else:
        sys.stdout.write(claims_report.table(results, robust))
        if confirm is not None:
            sys.stdout.write("\n" + claims_report.table(confirm))
    return 0


def _calibrate_parser(sub) -> None:
    cal = sub.add_parser(
        "calibrate",
        help="import your organisation (XLSX, ZIP of CSVs, or a folder of CSVs) and "
        "fit it to your observed weekly or monthly series",
    )
    cal.add_argument("org", metavar="ORG", help="organisation spreadsheet (see docs/CALIBRATION.md)")
    cal.add_argument(
        "--observed",
        metavar="CSV",
        help="observed series (week or month column; any of "
        "new_customers, activation_30d, churned, support_contacts, leads, releases); without it the "
        "organisation is imported only",
    )
    cal.add_argument("--out", metavar="FILE.toml", required=True, help="where to write the scenario")
    cal.add_argument("--trials", type=positive(2, 10_000), default=60, help="candidates to try (default 60)")
    cal.add_argument("--seeds", type=positive(2, 100), default=4, help="seeds per candidate (default 4)")
    cal.add_argument("--seed", type=positive(0, MAX_SEED), default=0, help="seed of the search (default 0)")
    cal.add_argument("--band-seeds", type=positive(2, 1000), default=20, help="seeds for the 95%% band")
    yes_flag(cal)
    lang_flag(cal, "notes, progress and the fit's report")


def cmd_calibrate(args) -> int:
    from tqdm import tqdm

    from sim.i18n import ngettext
    from sim.input import orgsheet
    from sim.input.observed import read_observed_path
    from sim.research import calibration

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
        check_cost(
            args,
            seconds,
            _("fitting with {trials} candidates x {seeds} seeds").format(trials=args.trials, seeds=args.seeds),
        )
        study = out.with_suffix(".study.log")
        periods = (
            ngettext("{n} week", "{n} weeks", observed.periods)
            if observed.frequency == "week"
            else ngettext("{n} month", "{n} months", observed.periods)
        ).format(n=observed.periods)
        print(
            _("fitting {name} to {periods} of {series}; resumable: the candidates are kept in {study}").format(
                name=clean(scenario.name), periods=periods, series=", ".join(observed.series), study=study
            ),
            file=sys.stderr,
        )
        bar = tqdm(total=args.trials, desc=_("fitting"), unit=_("candidate"), disable=None, leave=False)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            result = calibration.calibrate(
                scenario,
                observed,
                args.trials,
                args.seeds,
                args.seed,
                args.band_seeds,
                storage=study,
                progress=progress,
            )
        except KeyboardInterrupt:
            print(
                _("alignsim: interrupted; rerun the same command to continue from {study}").format(study=study),
                file=sys.stderr,
            )
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
    print(
        _(
            "wrote {out}: try alignsim run {out} --seeds 20, or alignsim compare {out} {out} --set-b "
            "leadership.trump=0.9"
        ).format(out=clean(str(out))),
        file=sys.stderr,
    )
    return 0


COMMANDS = {"sweep": cmd_sweep, "analyze": cmd_analyze, "claims": cmd_claims, "calibrate": cmd_calibrate}
