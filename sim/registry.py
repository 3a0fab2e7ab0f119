"""The registry of runnable models: the runner, CLI, sweeps and app reach every model through it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class ModelSpec:
    """How to run one kind of model: ``simulate(scenario, seed, horizon) -> (series, summary, extra)``.

    ``series`` has a row per time step (column ``time``: "week" or "period") and a column per measure; ``summary``
    maps metric -> number; ``extra`` holds model-specific results: plain values (e.g. graph measures, the same for
    every seed) and long DataFrames (e.g. where the team's time went), which ensembles stack with a ``seed``
    column. ``schema`` and ``metrics`` are imported on first use, so the registry stays cheap to import.
    """

    name: str
    description: str
    simulate: Callable[[Any, int, int | None], tuple[pd.DataFrame, dict[str, float], dict[str, Any]]]
    metrics: Callable[[], dict[str, Any]]
    schema: Callable[[], type]
    #: The scenario field that sets the run's length, and the name of the time column in its series.
    horizon: str = "weeks"
    time: str = "week"
    #: A one-line description of a validated scenario (for ``alignsim validate``).
    summary_line: Callable[[Any], str] = lambda s: f"{s.horizon} {s.model} time steps"
    #: Who the model is from, for the app and docs ("" for alignsim's own model).
    reference: str = ""


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


# ---------------------------------------------------------------- alignsim's model


def _simulate_alignment(scenario, seed: int, weeks: int | None):
    from sim.metrics import capacity_frame, summarise, weekly_frame
    from sim.model import AlignmentModel

    model = AlignmentModel(scenario, seed=seed, weeks=weeks).run()
    extra = {"graph": model.graph_measures, "capacity": capacity_frame(model.records)}
    return weekly_frame(model.records), summarise(model.records), extra


def _alignment_metrics():
    from sim.metrics import METRICS

    return METRICS


def _alignment_schema():
    from sim.scenario import Scenario

    return Scenario


register(ModelSpec(
    "alignment", "Departments, product teams and customers around one product (DESIGN.md).",
    _simulate_alignment, _alignment_metrics, _alignment_schema,
    summary_line=lambda s: f"{s.weeks} weeks, {len(s.departments)} departments, {len(s.teams)} team(s)"))


# ---------------------------------------------------------------- classic reference models


def _classic(module: str) -> tuple[Callable, Callable, Callable]:
    """simulate, metrics and schema of a reference model module in ``sim`` (imported on first use)."""
    import importlib

    def load():
        return importlib.import_module(f"sim.{module}")

    return (lambda scenario, seed, horizon: load().simulate(scenario, seed, horizon),
            lambda: load().METRICS, lambda: load().SCHEMA)


register(ModelSpec(
    "march1991", "Mutual learning between individuals and an organisational code: March (1991).",
    *_classic("march1991"), horizon="periods", time="period",
    summary_line=lambda s: f"m={s.m} dimensions, n={s.n} individuals, p1={s.p1}, p2={s.p2}, p3={s.p3}, "
                           f"p4={s.p4}, " + (f"{s.periods} periods" if s.p3 or s.p4 else "runs to equilibrium"),
    reference="March, J. G. (1991). Exploration and exploitation in organizational learning. "
              "Organization Science 2(1): 71-87."))

register(ModelSpec(
    "nk_departments", "An NK firm whose two departments propose changes and a CEO decides: after Rivkin & "
    "Siggelkow (2003).",
    *_classic("nk_departments"), horizon="periods", time="period",
    summary_line=lambda s: f"N={s.N} decisions in 2 departments, interaction={s.interaction} (K={s.K}), "
                           f"incentive={s.incentive}, ceo={s.ceo}, {s.periods} periods",
    reference="Rivkin, J. W. & Siggelkow, N. (2003). Balancing search and stability: interdependencies among "
              "elements of organizational design. Management Science 49(3): 290-311."))
