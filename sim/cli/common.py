"""What every command shares: the one-line errors and exit code 2, flags, the cost check, scenarios from
names and ``--set`` overrides, and tables for people."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from sim.i18n import N_, _
from sim.input import clean, load_scenario, parse_override, scenario_model
from sim.registry import CLI_BUDGET_SECONDS, MODELS, check_budget
from sim.runner import EnsembleResult, run_many
from sim.scenario import ScenarioBase

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit code 2."""


#: Largest values the flags take (the scenario's schema may allow less).
MAX_SEEDS = 100_000
MAX_SEED = 2**32 - 1
MAX_HORIZON = 1_000_000
MAX_WORKERS = 256


class Parser(argparse.ArgumentParser):
    """argparse with its errors on one line (no usage block) and exit code 2."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {clean(message)} (see {self.prog} --help)\n")


def positive(minimum: int = 1, maximum: int = MAX_SEEDS):
    """A whole number in minimum..maximum (argparse names the flag in its message)."""

    def check(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a whole number {minimum}..{maximum:,}, got {clean(repr(text[:40]))}"
            ) from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be {minimum}..{maximum:,}, got {value:,}"
                if abs(value) < 10**30
                else f"must be {minimum}..{maximum:,}"
            )
        return value

    return check


def run_flags(p: argparse.ArgumentParser, default_seeds: int = 1) -> None:
    p.add_argument("--seed", type=positive(0, MAX_SEED), default=0, help="first seed (default 0)")
    p.add_argument(
        "--seeds",
        type=positive(),
        default=default_seeds,
        help=f"number of seeds: seed, seed+1, ... (default {default_seeds})",
    )
    p.add_argument(
        "--weeks",
        "--periods",
        dest="horizon",
        type=positive(1, MAX_HORIZON),
        default=None,
        help="horizon: weeks (alignment model) or periods (reference models)",
    )
    extends_flag(p)
    yes_flag(p)


def extends_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--extends-anywhere",
        action="store_true",
        help="let scenario files extend files outside their own folder (default: bundled scenarios "
        "and files in the scenario file's folder only)",
    )


def lang_flag(p: argparse.ArgumentParser, what: str = "table, markdown") -> None:
    from sim.i18n import DEFAULT, LANGUAGES

    p.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default=DEFAULT,
        help=f"language of the human-readable output ({what}); default en",
    )


def yes_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--yes",
        action="store_true",
        help=f"run even when the estimated cost is above the budget ({CLI_BUDGET_SECONDS / 60:.0f} min of computing)",
    )


def check_cost(args, seconds: float, what: str) -> None:
    if not args.yes:
        check_budget(seconds, CLI_BUDGET_SECONDS, what, "add --yes to run it anyway")


def parse_overrides(items: list[str]) -> dict[str, Any]:
    return dict(parse_override(x) for x in items)


def resolve_scenario(name: str, sets: list[str], horizon: int | None = None, anywhere: bool = False) -> ScenarioBase:
    overrides = parse_overrides(sets)
    model = scenario_model(name, anywhere) if horizon is not None else None
    if model in MODELS:  # an unknown model is reported by load_scenario, naming the registered ones
        overrides.setdefault(MODELS[model].horizon, horizon)
    return load_scenario(name, overrides, extends_anywhere=anywhere)


def ensemble(scenario: ScenarioBase, seed: int, n: int) -> EnsembleResult:
    seeds = list(range(seed, seed + n))
    return run_many(scenario, seeds, progress=n > 1)


#: Columns of a human table written as levels (``37%``) and as differences (``+2.0 pts``).
LEVELS = ("mean", "value", "ci_low", "ci_high", "mean_a", "mean_b")
DIFFERENCES = ("difference",)
#: Column headers of a human table (``--lang`` translates them; JSON and CSV keep the code names).
COLUMNS = {
    "name": N_("name"),
    "mean": N_("mean"),
    "value": N_("value"),
    "ci_low": N_("ci_low"),
    "ci_high": N_("ci_high"),
    "mean_a": N_("mean_a"),
    "mean_b": N_("mean_b"),
    "difference": N_("difference"),
    "unit": N_("unit"),
    "metric": N_("metric"),
    "verdict": N_("verdict"),
}


def _digits(frame: pd.DataFrame, metric: str) -> int:
    """The decimals of a comparison's difference and both ends of its interval: what the interval supports."""
    from sim.present import labels

    row = frame.loc[metric]
    return labels.digits_for(metric, row["difference"], row.get("ci_low"), row.get("ci_high"))


def human_table(frame: pd.DataFrame, model: str) -> str:
    """A run's or comparison's table for people: each metric's name in words (from the label registry,
    ``sim.present.labels``, which names the reference models' metrics too) next to its code name, values in their
    units; a comparison's differences with their verdict (``sim.present.verdict``)."""
    from sim.present import labels, verdict

    out = pd.DataFrame({"name": [labels.name(m) for m in frame.index]}, index=frame.index)
    diff = "difference" in frame.columns
    for col in frame.columns:
        if col == "unit":
            continue
        if col in DIFFERENCES or (diff and col in ("ci_low", "ci_high")):
            out[col] = [labels.difference(m, v, _digits(frame, str(m))) for m, v in frame[col].items()]
        elif col in LEVELS:
            out[col] = [labels.value(m, v) for m, v in frame[col].items()]
        else:
            out[col] = frame[col]
    if diff and {"ci_low", "ci_high"} <= set(frame.columns):
        registry = MODELS[model].metrics() if model in MODELS else None
        out["verdict"] = [verdict.of_row(str(m), row, registry).text for m, row in frame.iterrows()]
    out = out.rename(columns={c: _(COLUMNS[c]) for c in out.columns if c in COLUMNS})
    out.index.name = _(COLUMNS["metric"]) if out.index.name == "metric" else out.index.name
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        return out.to_string()


def json_number(value: float) -> float | None:
    """A number for JSON: undefined (NaN, no data) becomes null."""
    value = float(value)
    return None if value != value else value
