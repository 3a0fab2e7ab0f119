"""The registry of runnable models: the runner, CLI, sweeps and app reach every model through it.

Each model states what a run costs: ``cost(scenario)`` estimates the seconds one seed takes on one core of a
2-core laptop-class machine (calibrated on this project's machine; ``cost_formula`` says how). The CLI, sweeps and
the app add this up before running anything and refuse above their budgets (:func:`check_budget`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.i18n import N_, Count, Decimal, Message
from sim.input import register_schema

#: What the CLI (run, compare, sweep, claims) runs without ``--yes``: estimated seconds of computing.
CLI_BUDGET_SECONDS = 600.0
#: What a page of the app runs at once; larger runs are refused with the CLI command to use instead.
APP_BUDGET_SECONDS = 5.0
#: What a sweep started with a button in the app may run (the user asked for it and sees a spinner).
APP_SWEEP_BUDGET_SECONDS = 30.0


class BudgetError(ValueError):
    """A run or sweep whose estimated cost is above the budget; the message says the cost, the budget and how to go
    on."""


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
    #: A one-line description of a validated scenario (for ``alignsim validate``; a ``sim.i18n.Message``, English
    #: as text, shown in the app's language). ``description`` is marked for translation (``_`` where shown).
    summary_line: Callable[[Any], str] = lambda s: Message(N_("{n} {model} time steps"), n=horizon(s), model=s.model)
    #: Who the model is from, for the app and docs ("" for alignsim's own model).
    reference: str = ""
    #: Estimated seconds one seed of a scenario takes (see the module docstring), and how it is computed.
    cost: Callable[[Any], float] = lambda s: 0.0
    cost_formula: str = ""


MODELS: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    """Add a model to the registry (its name must be new)."""
    if spec.name in MODELS:
        raise ValueError(f"model {spec.name!r} is registered already")
    MODELS[spec.name] = spec
    register_schema(spec.name, spec.schema)
    return spec


def horizon(scenario: Any) -> int:
    """How long a run of ``scenario`` lasts, in its model's own time unit (weeks or periods)."""
    return int(getattr(scenario, get_model(scenario.model).horizon))


def cost(scenario: Any, seeds: int = 1) -> float:
    """Estimated seconds ``seeds`` runs of ``scenario`` take on one core."""
    return get_model(scenario.model).cost(scenario) * seeds


def describe_seconds(seconds: float) -> Message:
    """``12 s``, ``4.2 min``, ``3.1 h``, ``2,000 days``: English text (the CLI's), shown in the app's language
    with ``sim.i18n.shown`` (``4,2 min``, ``2.000 dage``)."""
    seconds = max(float(seconds), 0.01)  # a unit is chosen by the number as it is shown: 59.97 s is "1.0 min"
    if seconds < 59.5:
        digits = 0 if seconds >= 9.95 or seconds.is_integer() else 1 if seconds >= 0.095 else 2
        return Message(N_("{n} s"), n=Decimal(seconds, digits))
    if seconds / 60 < 59.95:
        return Message(N_("{n} min"), n=Decimal(seconds / 60, 1))
    if seconds / 3600 < 23.95:
        return Message(N_("{n} h"), n=Decimal(seconds / 3600, 1))
    days = seconds / 86400
    return Message(N_("{n} days"), n=Decimal(days, 1) if days < 99.95 else Count(round(days)))


def check_budget(seconds: float, budget: float, what: str, way_on: str) -> None:
    """Raise a BudgetError when ``seconds`` is above ``budget``; ``way_on`` says how to go on anyway."""
    if seconds > budget:
        raise BudgetError(
            f"{what} would take about {describe_seconds(seconds)} (estimated); the budget is "
            f"{describe_seconds(budget)}: {way_on}"
        )


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


def _alignment_cost(s) -> float:
    teams = len(s.teams)
    return s.weeks * (1e-7 * s.customers.population + 3e-5 * len(s.departments) + 2e-4 * teams * max(1.0, teams / 400))


register(
    ModelSpec(
        "alignment",
        N_("Departments, product teams and customers around one product (DESIGN.md)."),
        _simulate_alignment,
        _alignment_metrics,
        _alignment_schema,
        summary_line=lambda s: Message(
            N_("{weeks} weeks, {departments} departments, {teams} team(s)"),
            weeks=s.weeks,
            departments=len(s.departments),
            teams=len(s.teams),
        ),
        cost=_alignment_cost,
        cost_formula="weeks x (0.1 us x customers + 30 us x departments + 0.2 ms x teams x max(1, teams / 400))",
    )
)


# ---------------------------------------------------------------- classic reference models


def _classic(module: str) -> tuple[Callable, Callable, Callable]:
    """simulate, metrics and schema of a reference model in ``sim.classics`` (imported on first use)."""
    import importlib

    def load():
        return importlib.import_module(f"sim.classics.{module}.model")

    return (
        lambda scenario, seed, horizon: load().simulate(scenario, seed, horizon),
        lambda: load().METRICS,
        lambda: load().SCHEMA,
    )


def march_periods(s: Any) -> float:
    """The periods a March (1991) run is expected to take. With turnover or turbulence it runs ``periods``. A closed
    run (p3 = p4 = 0) runs until equilibrium, at most ``equilibrium_limit``:

    - ``p2 = 0``: the code never leaves zero, so nothing can be learnt from it: 1 period;
    - ``p1 = 0``: individuals never learn, so the code may chase their coin flips until the limit: the limit;
    - otherwise ``2 + 1.5 ln(n m + 1) / -ln(1 - p1) + ln(m + 1) / (1 - (1 - p2)^max(1, n / 6))``: each of the
      ``n m`` beliefs moves toward the code with chance p1 a period, so the last one takes about ``ln(n m) / p1``
      periods; the code learns each of its ``m`` dimensions with chance ``1 - (1 - p2)^k``, ``k`` the superior
      group's majority (about n / 6). Fitted to the period counts of 68 corners (n 10..500, m 10..300, p1 and p2
      0.001..1, three seeds each): within a factor of 1.5 of their mean wherever a run takes 100 periods or more
      (``tests/test_registry.py``), and of 2.5 in runs of a few periods.
    """
    if s.p3 or s.p4:
        return float(s.periods)
    if s.p2 == 0:
        return 1.0
    if s.p1 == 0:
        return float(s.equilibrium_limit)
    socialise = 1.5 * math.log(s.n * s.m + 1) / -math.log1p(-s.p1) if s.p1 < 1 else 0.0
    learn = math.log(s.m + 1) / (1.0 - (1.0 - s.p2) ** max(1.0, s.n / 6))
    return min(float(s.equilibrium_limit), 2.0 + socialise + learn)


def _march_cost(s: Any) -> float:
    """Seconds of one seed: a period costs 20 us, 5.5 us per individual (its Mesa agent acts and socialises) and
    0.03 us per belief; setting up costs about one period."""
    return (march_periods(s) + 1) * (2e-5 + 5.5e-6 * s.n + 3e-8 * s.n * s.m)


register(
    ModelSpec(
        "march1991",
        N_("Mutual learning between individuals and an organisational code: March (1991)."),
        *_classic("march1991"),
        horizon="periods",
        time="period",
        summary_line=lambda s: Message(
            N_("m={m} dimensions, n={n} individuals, p1={p1}, p2={p2}, p3={p3}, p4={p4}, {length}"),
            m=s.m,
            n=s.n,
            p1=s.p1,
            p2=s.p2,
            p3=s.p3,
            p4=s.p4,
            length=Message(N_("{periods} periods"), periods=s.periods)
            if s.p3 or s.p4
            else Message(N_("runs to equilibrium")),
        ),
        cost=_march_cost,
        cost_formula="(periods + 1) x (20 us + 5.5 us x n + 0.03 us x n x m); closed runs: periods to equilibrium "
        "2 + 1.5 ln(n m + 1) / -ln(1 - p1) + ln(m + 1) / (1 - (1 - p2)^max(1, n / 6)), at most equilibrium_limit "
        "(all of it when p1 = 0, 1 when p2 = 0)",
        reference="March, J. G. (1991). Exploration and exploitation in organizational learning. "
        "Organization Science 2(1): 71-87.",
    )
)

register(
    ModelSpec(
        "nk_departments",
        N_("An NK firm whose two departments propose changes and a CEO decides: after Rivkin & Siggelkow (2003)."),
        *_classic("nk_departments"),
        horizon="periods",
        time="period",
        summary_line=lambda s: Message(
            N_(
                "N={N} decisions in 2 departments, interaction={interaction} (K={K}), incentive={incentive}, "
                "ceo={ceo}, {periods} periods"
            ),
            N=s.N,
            interaction=s.interaction,
            K=s.K,
            incentive=s.incentive,
            ceo=s.ceo,
            periods=s.periods,
        ),
        cost=lambda s: 1e-6 * 2**s.N + 1e-5 * s.periods * (s.alternatives + s.proposals),
        cost_formula="1 us x 2^N (the landscape) + periods x 10 us x (alternatives + proposals)",
        reference="Rivkin, J. W. & Siggelkow, N. (2003). Balancing search and stability: interdependencies among "
        "elements of organizational design. Management Science 49(3): 290-311.",
    )
)
