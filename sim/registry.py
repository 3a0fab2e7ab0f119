"""The registry of runnable models: the runner, CLI, sweeps and app reach every model through it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class ModelSpec:
    """How to run one kind of model: ``simulate(scenario, seed, weeks) -> (weekly, summary, extra)``.

    ``extra`` holds model-specific results: plain values (e.g. graph measures, the same for every seed) and
    long DataFrames (e.g. where the team's time went), which ensembles stack with a ``seed`` column.
    """

    name: str
    description: str
    simulate: Callable[[Any, int, int | None], tuple[pd.DataFrame, dict[str, float], dict[str, Any]]]
    metrics: Callable[[], dict[str, Any]]


MODELS: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    """Add a model to the registry (its name must be new)."""
    if spec.name in MODELS:
        raise ValueError(f"model {spec.name!r} is registered already")
    MODELS[spec.name] = spec
    return spec


def get_model(name: str) -> ModelSpec:
    """The registered model ``name``; a KeyError names the registered models."""
    try:
        return MODELS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; registered: {', '.join(MODELS)}") from None


def _simulate_alignment(scenario, seed: int, weeks: int | None):
    from sim.metrics import capacity_frame, summarise, weekly_frame
    from sim.model import AlignmentModel

    model = AlignmentModel(scenario, seed=seed, weeks=weeks).run()
    extra = {"graph": model.graph_measures, "capacity": capacity_frame(model.records)}
    return weekly_frame(model.records), summarise(model.records), extra


def _alignment_metrics():
    from sim.metrics import METRICS

    return METRICS


register(ModelSpec("alignment", "Departments, product teams and customers around one product (DESIGN.md).",
                   _simulate_alignment, _alignment_metrics))
