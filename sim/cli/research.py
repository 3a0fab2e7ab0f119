"""Research commands: sweep and analyze, the claims report, and calibrate (your own organisation)."""

from __future__ import annotations

import json
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pandas as pd

from sim import provenance
from sim.cli.common import MAX_SEED, MAX_WORKERS, UsageError, check_cost, lang_flag, positive, yes_flag
from sim.i18n import _, shown
from sim.input import clean
from sim.input.errors import check_file_path
from sim.output import check_target, problem, shown_path, write_bytes, write_text
from sim.registry import CLI_BUDGET_SECONDS, cost


def add_parsers(sub) -> None:
    sw = sub.add_parser(
        "sweep", help="run a sweep spec (TOML) on local processes or a Dask cluster, or continue a sweep folder"
    )
    sw.add_argument(
        "spec", metavar="SPEC|DIR", help="a sweep spec, or a sweep folder (or its manifest.json) to continue"
    )
    sw.add_argument("--workers", type=positive(1, MAX_WORKERS), default=None, help="local processes (default: cores)")
    sw.add_argument("--address", metavar="tcp://HOST:PORT", help="a Dask scheduler to run on instead")
    sw.add_argument(
        "--worker-wait",
        type=positive(1, 7 * 24 * 3600),
        default=None,
        metavar="SECONDS",
        help="with --address: how long to wait for a live worker, at the start or later (default 60; on a batch "
        "queue, as long as a job may wait)",
    )
    sw.add_argument(
        "--out",
        metavar="DIR",
        help="folder for runs.parquet, weekly.parquet, manifest.json (default: results/<spec name>)",
    )
    sw.add_argument("--resume", action="store_true", help="continue an interrupted sweep in --out")
    sw.add_argument("--chunk-size", type=positive(), default=None, help="runs per task (fixed when a sweep starts)")
    yes_flag(sw)

    an = sub.add_parser("analyze", help="sensitivity indices of a finished sobol, morris or lhs sweep (SALib)")
    an.add_argument("dir", metavar="DIR")
    an.add_argument("--metric", action="append", default=None, help="metric to analyse (repeatable)")

    dis = sub.add_parser(
        "discover",
        help="scenario discovery on a finished sweep: PRIM boxes and feature scores of where an outcome holds "
        "(needs alignsim[ema])",
    )
    dis.add_argument("dir", metavar="DIR")
    dis.add_argument("--metric", required=True, help="the outcome's metric")
    dis.add_argument("--threshold", type=float, required=True, help="a case is of interest above it (--below: below)")
    dis.add_argument("--below", action="store_true", help="cases of interest are below the threshold")
    dis.add_argument(
        "--policy",
        action="append",
        default=[],
        metavar="LEVER=VALUE",
        help="with --baseline: the outcome is this policy's gain over the baseline, per case (repeatable)",
    )
    dis.add_argument("--baseline", action="append", default=[], metavar="LEVER=VALUE", help="the policy compared with")
    dis.add_argument(
        "--coverage",
        type=float,
        default=0.5,
        help="the box reported is the densest that still holds this share of the cases of interest (default 0.5)",
    )
    dis.add_argument("--out", metavar="DIR", help="where to write discovery.* (default: the sweep folder)")

    claims = sub.add_parser("claims", help="check DESIGN.md's claims over paired seeds")
    claims.add_argument(
        "--seeds",
        type=positive(2),
        default=None,
        help="paired seeds per arm for every claim, for a quick look (default: each claim's registered count, "
        "30 to 200, set by a power rule on the pilot seeds; the report shows it)",
    )
    claims.add_argument(
        "--seed-start",
        type=positive(0, MAX_SEED),
        default=0,
        metavar="N",
        help="first seed: each claim runs seeds N..N+count-1 (default 0)",
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
    from sim.research.sweep import Folder, SweepSpec, load_spec, sweep
    from sim.research.sweep.spec import folder_of, is_folder

    if args.address and not args.address.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise UsageError(f"--address {args.address!r}: expected a scheduler address like tcp://HOST:PORT")
    spec: SweepSpec | Path
    if is_folder(args.spec):  # a sweep folder (or its manifest.json): continue it from what it keeps
        folder = folder_of(args.spec)
        spec, out = folder, folder
        if args.out and Path(args.out).resolve() != folder.resolve():
            raise UsageError(f"--out {clean(args.out)}: a sweep folder continues in itself; leave --out out")
    else:
        spec = load_spec(args.spec)
        out = check_file_path(args.out, "--out") if args.out else Path("results") / Path(args.spec).stem
    try:
        sweep(
            spec,
            out=out,
            workers=args.workers,
            address=args.address,
            resume=args.resume,
            chunk_size=args.chunk_size,
            progress=True,
            budget=None if args.yes else CLI_BUDGET_SECONDS,
            worker_wait=args.worker_wait,
            table=False,
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
        raise UsageError(problem(exc, f"--out {out}")) from None
    manifest = Folder(out).read_manifest()
    print(
        f"{manifest['completed_runs']} runs in {out}/runs.parquet"
        + (" and weekly.parquet" if manifest["spec"].get("keep_weekly") else "")
        + "; manifest.json describes the sweep"
    )
    return 0


def cmd_analyze(args) -> int:
    from sim.present.charts import to_image
    from sim.research.sweep import analysis_chart, analyze
    from sim.research.sweep.spec import folder_of

    out = folder_of(check_file_path(args.dir, "folder"))  # the folder, or its manifest.json
    table = analyze(out, args.metric)
    write_text(out / "analysis.csv", table.to_csv(index=False))
    write_bytes(out / "analysis.png", to_image(analysis_chart(table), "png"))
    notes = table.attrs["notes"]
    _sweep_sidecar(
        out,
        "analysis",
        [out / "analysis.csv", out / "analysis.png"],
        also=provenance.RESEARCH_PACKAGES["analyze"],
        metrics=args.metric,
        notes=notes,
    )
    print(table.attrs["supports"] + "\n")
    with pd.option_context("display.width", 200, "display.max_rows", 500, "display.max_colwidth", 200):
        print(table.set_index(["metric", "parameter"]).to_string(float_format=lambda v: f"{v:.4f}"))
    flagged = int(table["note"].ne("").sum())
    if flagged or notes:
        print()
    for note in notes:
        print(f"note: {note}")
    if flagged:
        print(f"{flagged} of {len(table)} indices carry a note: read them before the numbers")
    print(f"\nwrote {shown_path(out)}/analysis.csv and analysis.png", file=sys.stderr)
    return 0


def _sweep_sidecar(folder: Path, stem: str, files: list[Path], also: tuple[str, ...], **extra) -> None:
    """``<stem>.provenance.json`` beside a sweep's derived files: what made them (``also``: the packages that
    decided them, e.g. SALib), and from which sweep."""
    from sim.research.sweep import Folder

    manifest = Folder(folder).read_manifest()
    provenance.write_sidecar(
        files[0].with_name(f"{stem}.provenance.json"),
        files,
        also=also,
        sweep={
            "spec_hash": manifest.get("spec_hash"),
            "runs.parquet": (manifest.get("files") or {}).get("runs.parquet"),
        },
        **extra,
    )


def cmd_discover(args) -> int:
    from sim.cli.common import parse_overrides
    from sim.present.charts import to_image
    from sim.research.discover import discover, discovery_chart
    from sim.research.sweep.spec import folder_of

    found = discover(
        args.dir,
        args.metric,
        args.threshold,
        above=not args.below,
        policy=parse_overrides(args.policy),
        baseline=parse_overrides(args.baseline),
        min_coverage=args.coverage,
    )
    out = Path(args.out) if args.out else folder_of(args.dir)
    files = [out / "discovery_box.csv", out / "discovery_trajectory.csv", out / "discovery_scores.csv"]
    try:
        write_text(files[0], found.box.to_csv(index=False))
        write_text(files[1], found.trajectory.to_csv(index=False))
        write_text(files[2], found.scores.to_csv(index=False))
        files.append(write_bytes(out / "discovery.png", to_image(discovery_chart(found), "png")))
        _sweep_sidecar(
            folder_of(args.dir),
            "discovery",
            files,
            also=provenance.RESEARCH_PACKAGES["discover"],
            question=found.question(),
            chosen_box=found.chosen,
            **found.stats,
        )
    except OSError as exc:
        raise UsageError(f"{out}: cannot write the discovery: {exc.strerror or exc}") from None
    print(found.summary())
    print(
        f"\nwrote {out}/discovery_box.csv, discovery_trajectory.csv, discovery_scores.csv, discovery.png",
        file=sys.stderr,
    )
    return 0


def cmd_claims(args) -> int:
    from sim.research import claims as claims_report

    blocks = claims_report.arm_blocks(seeds=args.seeds)
    per_seed = sum(cost(x.build()) for x in blocks)
    evaluation = sum(cost(x.build()) * len(block) for x, block in blocks.items())
    seconds = evaluation + (
        per_seed * args.robustness_seeds * 2 * len(claims_report.ROBUSTNESS_PARAMETERS) if args.robustness else 0
    )
    seconds += per_seed * args.map_seeds * len(claims_report.map_settings()) if args.map else 0
    seconds += evaluation if args.confirm_start is not None else 0
    check_cost(
        args,
        seconds / args.workers,
        (
            "the claims on their registered seed counts"
            if args.seeds is None
            else f"the claims over {args.seeds:,} seeds"
        )
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

        write_bytes(check_file_path(args.map_chart, "--map-chart"), to_image(claim_map(maps), "png"))
    if args.format == "json":
        out: dict[str, Any] = {
            "seeds": sorted({s for r in results for s in r.seeds}),
            "versions": claims_report.versions(),
            "provenance": provenance.metadata(),
            "claims": [r.as_dict() for r in results],
        }
        if maps is not None:
            for claim in out["claims"]:
                claim["map"] = json.loads(maps[maps["claim"] == claim["id"]].to_json(orient="records"))
        if robust is not None:
            out["robustness"] = json.loads(robust.to_json(orient="records"))
        if confirm is not None:
            out["confirm"] = {
                "seeds": sorted({s for r in confirm for s in r.seeds}),
                "claims": [r.as_dict() for r in confirm],
            }
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

    out = check_file_path(args.out, "--out")
    if out.suffix != ".toml":
        raise UsageError(f"--out {shown_path(out)}: expected a .toml file name")
    imported = orgsheet.organisation(orgsheet.read_path(args.org), clean(Path(args.org).name))
    for note in imported.notes:
        print(_("note: {note}").format(note=shown(note)), file=sys.stderr)
    scenario = imported.scenario
    written: list[Path] = []
    if args.observed:
        observed = read_observed_path(args.observed)
        seconds = calibration.estimated_seconds(scenario, observed, args.trials, args.seeds, args.band_seeds)
        check_cost(
            args,
            seconds,
            _("fitting with {trials} candidates x {seeds} seeds").format(trials=args.trials, seeds=args.seeds),
        )
        study = check_target(out.with_suffix(".study.log"))  # a link or a folder: one line before any work
        periods = (
            ngettext("{n} week", "{n} weeks", observed.periods)
            if observed.frequency == "week"
            else ngettext("{n} month", "{n} months", observed.periods)
        ).format(n=observed.periods)
        print(
            _("fitting {name} to {periods} of {series}; resumable: the candidates are kept in {study}").format(
                name=clean(scenario.name), periods=periods, series=", ".join(observed.series), study=shown_path(study)
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
                _("alignsim: interrupted; rerun the same command to continue from {study}").format(
                    study=shown_path(study)
                ),
                file=sys.stderr,
            )
            return 130
        except OSError as exc:  # e.g. a full disk under the study log: what is in it is kept
            raise UsageError(
                _("{problem}; rerun the same command to continue from {study}").format(
                    problem=problem(exc), study=shown_path(study)
                )
            ) from None
        finally:
            bar.close()
        scenario = calibration.described(result, scenario.name)
        fit_csv = out.with_name(out.stem + "_fit.csv")
        est_csv = out.with_name(out.stem + "_estimates.csv")
        try:
            write_text(fit_csv, result.fit.to_csv(index=False))
            write_text(est_csv, result.estimates.to_csv(index=False))
        except OSError as exc:
            raise UsageError(f"--out {clean(str(out))}: cannot write: {exc.strerror or exc}") from None
        print(result.report())
        written += [fit_csv, est_csv]
    try:
        write_text(out, scenario.to_toml())
        written.insert(0, out)
        calibration_record = {
            "organisation": clean(Path(args.org).name),
            "observed": clean(Path(args.observed).name) if args.observed else None,
            "trials": args.trials,
            "seeds": args.seeds,
            "search_seed": args.seed,
            "band_seeds": args.band_seeds,
        }
        provenance.write_sidecar(
            out.with_name(out.stem + ".provenance.json"), written, scenario=scenario, calibration=calibration_record
        )
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


COMMANDS = {
    "sweep": cmd_sweep,
    "analyze": cmd_analyze,
    "discover": cmd_discover,
    "claims": cmd_claims,
    "calibrate": cmd_calibrate,
}
