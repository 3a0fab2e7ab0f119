"""Running scenarios: one seed (``run``) or an ensemble of seeds (``run_many``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from tqdm import tqdm

from sim.registry import get_model
from sim.scenario import Scenario
from sim.stats import mean_ci


@dataclass
class RunResult:
    """One run: ``weekly`` (a row per week, a column per metric) and ``summary`` (metric -> number)."""

    scenario: Scenario
    seed: int
    weekly: pd.DataFrame
    summary: dict[str, float]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class EnsembleResult:
    """Runs over several seeds: ``summary`` (a row per seed) and ``weekly`` (long: seed, week, metrics)."""

    scenario: Scenario
    seeds: list[int]
    summary: pd.DataFrame
    weekly: pd.DataFrame
    extra: dict[str, Any] = field(default_factory=dict)

    def aggregate(self, level: float = 0.95) -> pd.DataFrame:
        """Per metric: mean and confidence interval over seeds."""
        rows = []
        for name in self.summary.columns.drop("seed"):
            mean, low, high = mean_ci(self.summary[name], level)
            rows.append({"metric": name, "mean": mean, "ci_low": low, "ci_high": high})
        return pd.DataFrame(rows).set_index("metric")


def run(scenario: Scenario, seed: int = 0, weeks: int | None = None) -> RunResult:
    """Run a scenario once. The same scenario and seed give identical results in any process."""
    weekly, summary, extra = get_model(scenario.model).simulate(scenario, int(seed), weeks)
    return RunResult(scenario, int(seed), weekly, summary, extra)


def run_many(scenario: Scenario, seeds: Iterable[int] | int, weeks: int | None = None,
             progress: bool = False) -> EnsembleResult:
    """Run a scenario over several seeds (an int ``n`` means seeds 0..n-1); ``progress`` shows a bar on stderr."""
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not seed_list:
        raise ValueError("seeds: at least one seed is needed")
    summaries, weeklies, extra = [], [], {}
    bar = tqdm(seed_list, desc=scenario.name, unit="run", disable=None if progress else True, leave=False)
    for seed in bar:
        result = run(scenario, seed, weeks)
        extra = result.extra
        summaries.append({"seed": seed, **result.summary})
        weeklies.append(result.weekly.assign(seed=seed))
    weekly = pd.concat(weeklies, ignore_index=True)
    weekly = weekly[["seed", *[c for c in weekly.columns if c != "seed"]]]
    return EnsembleResult(scenario, seed_list, pd.DataFrame(summaries), weekly, extra)
