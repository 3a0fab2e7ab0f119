"""``alignsim advise``: what to change first for a goal (the levers ranked, with the money beside each), and a goal
seek for the smallest robust set of changes that reaches a target (``sim.research.advice``)."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import pandas as pd

from sim import provenance
from sim.cli.common import (
    MAX_SEED,
    MAX_WORKERS,
    UsageError,
    check_cost,
    extends_flag,
    lang_flag,
    parse_overrides,
    positive,
    resolve_scenario,
    yes_flag,
)
from sim.i18n import _
from sim.input import clean
from sim.registry import describe_seconds
from sim.research import advice as engine


def add_parsers(sub) -> None:
    p = sub.add_parser(
        "advise",
        help="what to change first for a goal: levers ranked with intervals and money beside each; --target "
        "finds the smallest robust set of changes that reaches it",
    )
    p.add_argument("scenario", metavar="NAME|FILE")
    p.add_argument(
        "--goal",
        metavar="METRIC",
        default=None,
        help="the metric to move (default: the scenario's shared success criterion); see alignsim metrics",
    )
    p.add_argument("--rank", action="store_true", help="rank the levers (the default without --target)")
    p.add_argument(
        "--target",
        metavar="BOUND",
        help="goal seek: reach this bound on the goal, e.g. '>=0.40' or '>=40%%' (robustly: at the low end of "
        "its interval)",
    )
    p.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="METRIC[:MARGIN]",
        help="with --target: a metric that must not get worse by more than MARGIN of its level at the worse end of "
        "its interval (default 1%%), e.g. revenue or revenue:2%% (repeatable)",
    )
    p.add_argument(
        "--cost",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="with --target: the cost of changing a lever (default 1 each, so the fewest changes win; repeatable)",
    )
    p.add_argument(
        "--lever",
        action="append",
        default=None,
        metavar="PATH",
        help="consider only these levers (repeatable; default: every lever but the named assumptions)",
    )
    p.add_argument(
        "--uncertain",
        action="append",
        default=[],
        metavar="PATH=LOW..HIGH",
        help="with --target: an assumption the answer must hold across, e.g. assumptions.folk_wisdom=0..1 "
        "(repeatable; --samples Latin hypercube samples of them, and the scenario's own values)",
    )
    p.add_argument(
        "--samples",
        type=positive(1, 1000),
        default=engine.UNCERTAINTY_SAMPLES,
        help=f"with --uncertain: samples of the assumptions (default {engine.UNCERTAINTY_SAMPLES})",
    )
    p.add_argument(
        "--cases",
        metavar="DIR",
        default=None,
        help="with --target: hold across the cases of a sweep folder (its swept parameters' values, e.g. a "
        "levers-versus-uncertainties sweep)",
    )
    p.add_argument(
        "--box",
        metavar="FILE",
        default=None,
        help="with --cases: only the cases inside a PRIM box, the discovery_box.csv that alignsim discover wrote "
        "for that sweep (e.g. where a policy pays off)",
    )
    p.add_argument(
        "--set", action="append", default=[], metavar="PATH=VALUE", help="override a value of the scenario first"
    )
    p.add_argument("--seed", type=positive(0, MAX_SEED - engine.FRESH_OFFSET - 10_000), default=0, help="first seed")
    p.add_argument(
        "--seeds",
        type=positive(2, 1000),
        default=None,
        help=f"seeds per setting (default: {engine.RANK_SEEDS} to rank, {engine.SEEK_SEEDS} to seek)",
    )
    p.add_argument(
        "--confirm-seeds",
        type=positive(2, 1000),
        default=None,
        help=f"fresh seeds for the second look (default: {engine.CONFIRM_SEEDS} to rank, "
        f"{engine.SEEK_CONFIRM_SEEDS} to seek)",
    )
    p.add_argument(
        "--trials", type=positive(1, 100_000), default=engine.TRIALS, help=f"goal seek trials (default {engine.TRIALS})"
    )
    p.add_argument(
        "--workers",
        type=positive(1, MAX_WORKERS),
        default=None,
        help="processes (default: the machine's cores, at most 4; results are the same with any number)",
    )
    p.add_argument("--format", choices=["table", "json"], default="table")
    extends_flag(p)
    yes_flag(p)
    lang_flag(p, "table")


def _uncertainties(scenario, args) -> list[dict[str, Any]] | None:
    """The assumption sets the goal seek must hold across: Latin hypercube samples of ``--uncertain`` ranges (with
    the scenario's own values), or a sweep folder's cases (``--cases``); None without either."""
    if args.cases:
        from sim.research.discover import read_box
        from sim.research.sweep import SweepError

        try:
            box = read_box(args.box) if args.box else None
        except SweepError as exc:
            raise UsageError(f"--box: {exc}") from None
        try:
            return engine.sweep_cases(args.cases, box=box, scenario=scenario)
        except SweepError as exc:
            raise UsageError(f"--cases: {exc}") from None
    if not args.uncertain:
        return None
    ranges: dict[str, list[float]] = {}
    for item in args.uncertain:
        path, sep, bounds = item.partition("=")
        low, dots, high = bounds.partition("..")
        try:
            if not (sep and dots and path.strip()):
                raise ValueError
            ranges[path.strip()] = [float(low), float(high)]
        except ValueError:
            raise UsageError(
                f"--uncertain {clean(item)}: write PATH=LOW..HIGH, e.g. assumptions.folk_wisdom=0..1"
            ) from None
    return engine.sample_uncertainties(scenario, ranges, args.samples, seed=args.seed)


def _progress(what: str):
    """Progress on stderr: a bar on a terminal, a line every tenth otherwise (logs, notebooks, CI)."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=1, desc=what, unit="run", leave=False, file=sys.stderr)

        def tick(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()
            if done >= total:
                bar.close()

        return tick
    shown_tenth = [-1]

    def line(done: int, total: int) -> None:
        tenth = 10 * done // max(total, 1)
        if tenth > shown_tenth[0]:
            shown_tenth[0] = tenth
            print(f"alignsim: {what}: {done:,}/{total:,} runs", file=sys.stderr, flush=True)

    return line


def _announce(what: str, estimate: engine.Estimate) -> None:
    print(
        f"alignsim: {what}: about {estimate.runs:,} runs, about {describe_seconds(estimate.seconds)} on "
        f"{estimate.workers} worker(s)",
        file=sys.stderr,
        flush=True,
    )


def _cell(effect: engine.Effect) -> str:
    from sim.present import labels

    digits = labels.digits_for(effect.metric, effect.difference, effect.low, effect.high)
    return (
        f"{labels.difference(effect.metric, effect.difference, digits)} "
        f"[{labels.difference(effect.metric, effect.low, digits, unit=False)}, "
        f"{labels.difference(effect.metric, effect.high, digits, unit=False)}]"
    )


def _ranking_table(scenario, ranking: engine.Ranking) -> str:
    from sim.present import labels

    rows: list[dict[str, Any]] = []
    for i, row in enumerate(ranking.rows, start=1):
        cells: dict[str, Any] = {"#": i, _("change"): engine.move_text(scenario, row.path, row.after)}
        cells[labels.name(ranking.goal)] = _cell(row.goal)
        for metric, effect in row.trade_offs.items():
            cells[labels.name(metric)] = _cell(effect)
        cells[_("checked")] = _("fresh") if row.confirmed else _("screen")
        rows.append(cells)
    with pd.option_context("display.width", 250, "display.max_columns", 20, "display.max_colwidth", 70):
        return pd.DataFrame(rows).set_index("#").to_string()


def cmd_advise(args) -> int:
    scenario = resolve_scenario(args.scenario, args.set, anywhere=args.extends_anywhere)
    goal = args.goal or getattr(getattr(scenario, "leadership", None), "shared_criterion", None)
    if goal is None:
        raise UsageError("--goal: required for this scenario's model; see alignsim metrics --model " + scenario.model)
    workers = args.workers or max(1, min(4, os.cpu_count() or 1))
    rank = args.rank or not args.target
    if not args.target and (args.keep or args.cost or args.uncertain or args.cases):
        raise UsageError(
            "--keep, --cost, --uncertain and --cases: need --target (they set the goal seek's conditions, costs and "
            "the assumptions it must hold across)"
        )
    if args.uncertain and args.cases:
        raise UsageError("--uncertain and --cases: give one (sampled ranges, or a sweep's cases)")
    if args.box and not args.cases:
        raise UsageError("--box: needs --cases, the sweep folder the box was found in")
    try:
        target = engine.parse_target(scenario, goal, args.target) if args.target else None
        keeps = [engine.parse_keep(scenario, text) for text in args.keep]
        costs = engine.lever_costs(scenario, parse_overrides(args.cost))
        uncertainties = _uncertainties(scenario, args)
        goal = engine.goal_of(scenario, goal).metric
        ranking_estimate = (
            engine.estimate_ranking(
                scenario,
                goal,
                seeds=args.seeds or engine.RANK_SEEDS,
                confirm_seeds=args.confirm_seeds or engine.CONFIRM_SEEDS,
                seed=args.seed,
                levers=args.lever,
                workers=workers,
            )
            if rank
            else None
        )
        seek_estimate = (
            engine.estimate_goal_seek(
                scenario,
                target,
                keeps,
                uncertainties=uncertainties,
                trials=args.trials,
                seeds=args.seeds or engine.SEEK_SEEDS,
                confirm_seeds=args.confirm_seeds or engine.SEEK_CONFIRM_SEEDS,
                seed=args.seed,
                levers=args.lever,
                workers=workers,
            )
            if target is not None
            else None
        )
    except engine.AdviceError as exc:
        raise UsageError(exc.args[0]) from None
    estimates = [e for e in (ranking_estimate, seek_estimate) if e is not None]
    check_cost(
        args,
        sum(e.seconds * e.workers for e in estimates),
        f"advice for {clean(scenario.name)} ({sum(e.runs for e in estimates):,} runs)",
    )
    executor = None
    if workers > 1 and sum(e.runs for e in estimates) > workers:
        from sim.runner import process_pool

        executor = process_pool(workers)
    out: dict[str, Any] = {"scenario": scenario.name, "model": scenario.model, "goal": goal}
    try:
        if ranking_estimate is not None:
            _announce("ranking the levers", ranking_estimate)
            ranking = engine.rank_levers(
                scenario,
                goal,
                seeds=args.seeds or engine.RANK_SEEDS,
                confirm_seeds=args.confirm_seeds or engine.CONFIRM_SEEDS,
                seed=args.seed,
                levers=args.lever,
                executor=executor,
                progress=_progress("ranking"),
            )
            out["ranking"] = ranking.as_dict()
            if args.format == "table":
                _print_ranking(scenario, ranking)
        if seek_estimate is not None and target is not None:
            _announce("goal seek", seek_estimate)
            result = engine.goal_seek(
                scenario,
                target,
                keeps,
                costs=costs,
                uncertainties=uncertainties,
                trials=args.trials,
                seeds=args.seeds or engine.SEEK_SEEDS,
                confirm_seeds=args.confirm_seeds or engine.SEEK_CONFIRM_SEEDS,
                seed=args.seed,
                levers=args.lever,
                executor=executor,
                progress=_progress("goal seek"),
            )
            out["goal_seek"] = result.as_dict()
            if args.format == "table":
                if ranking_estimate is not None:
                    print()
                print("\n".join(clean(line) for line in engine.advice_lines(scenario, result)))
                print(
                    "\n"
                    + _(
                        "{trials} settings tried on {seeds} seeds each; the answer checked on {fresh} fresh seeds "
                        "({runs:,} runs)."
                    ).format(
                        trials=result.trials,
                        seeds=args.seeds or engine.SEEK_SEEDS,
                        fresh=len(result.check.seeds),
                        runs=result.runs,
                    )
                )
    except engine.AdviceError as exc:
        raise UsageError(exc.args[0]) from None
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)
    if args.format == "json":
        overrides = parse_overrides(args.set)
        out.update(provenance.record(scenario, overrides, also=provenance.RESEARCH_PACKAGES["advise"]))
        print(json.dumps(out, indent=2, default=_json_value))
    return 0


def _json_value(value: Any) -> Any:
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def _print_ranking(scenario, ranking: engine.Ranking) -> None:
    from sim.present import labels

    print(
        _(
            "What moves {goal} most in {scenario}: each lever's best setting within its realistic range, paired "
            "over seeds {first}..{last}; the best {confirmed} checked again on {fresh} fresh seeds. "
            "[low, high]: 95% interval."
        ).format(
            goal=labels.name(ranking.goal),
            scenario=clean(ranking.scenario),
            first=ranking.seeds[0],
            last=ranking.seeds[-1],
            confirmed=sum(r.confirmed for r in ranking.rows),
            fresh=len(ranking.fresh_seeds),
        )
        + "\n"
    )
    if not ranking.rows:
        print(_("No lever of this scenario can be moved."))
        return
    print(_ranking_table(scenario, ranking))


COMMANDS = {"advise": cmd_advise}
