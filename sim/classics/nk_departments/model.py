"""An NK firm with two departments, after Rivkin & Siggelkow (2003), "Balancing search and stability".

``N`` binary decisions on an NK landscape (``sim.classics.landscape``) are split between two departments (the first
``N // 2`` and the rest). Each period both department managers search and propose changes to their own decisions,
judged by their incentive; the CEO screens the proposals on firm performance or rubber-stamps them
(``sim.classics.nk_departments.agents``). The firm starts from a random configuration. ``performance`` is firm
performance divided by the landscape's maximum, so 1 means the best configuration there is.

With ``interaction = "block"`` no decision depends on the other department's, so a department's performance and
the firm's rank every proposal alike: both incentives give identical trajectories under the same seed.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from sim.classics.landscape import Interaction, Landscape, cross_share, interaction_matrix
from sim.classics.nk_departments.agents import CEO, DepartmentManager
from sim.classics.reference import PeriodModel, end_metric, simulator
from sim.i18n import N_
from sim.scenario import ScenarioBase

#: Largest N: every one of the 2^N configurations is evaluated to normalise performance.
MAX_DECISIONS = 16
DEPARTMENT_NAMES = ("department_a", "department_b")


class NKScenario(ScenarioBase):
    """The parameters of the NK firm."""

    model: Literal["nk_departments"] = "nk_departments"
    N: int = Field(10, ge=2, le=MAX_DECISIONS, description=N_("binary decisions, split between two departments"))
    K: int = Field(
        3,
        ge=0,
        le=MAX_DECISIONS - 1,
        description=N_("other decisions each decision interacts with (ignored when interaction = full)"),
    )
    interaction: Interaction = Field(
        "random", description=N_("block: only within a department; random: anywhere in the firm; full: all decisions")
    )
    incentive: Literal["departmental", "firm"] = Field(
        "departmental", description=N_("what managers are rewarded on: their department's performance or the firm's")
    )
    ceo: Literal["screen", "rubber_stamp"] = Field(
        "screen",
        description=N_(
            "screen: the CEO implements the best combination of proposals for the firm, or "
            "none; rubber_stamp: each department's best proposal is implemented"
        ),
    )
    alternatives: int = Field(2, ge=1, le=50, description=N_("candidate changes each manager examines per period"))
    proposals: int = Field(2, ge=1, le=50, description=N_("proposals each manager may send to the CEO per period"))
    periods: int = Field(100, ge=1, le=100_000, description=N_("length of a run"))

    @model_validator(mode="after")
    def _k_fits(self) -> NKScenario:
        smallest = self.N // 2
        if self.interaction == "block" and smallest - 1 < self.K:
            raise ValueError(
                f'K: with interaction = "block" a decision can interact only within its department '
                f"of {smallest} decisions, so K must be 0..{smallest - 1}, got {self.K}"
            )
        if self.interaction == "random" and self.K > self.N - 1:
            raise ValueError(f"K: must be 0..{self.N - 1} (N - 1), got {self.K}")
        return self


SCHEMA = NKScenario


METRICS = {
    m.name: m
    for m in [
        end_metric(
            "performance",
            "outcome",
            "share of max",
            "Firm performance at the end of the run, divided by the landscape's maximum (1: the best there is).",
        ),
        end_metric(
            "performance_mean",
            "outcome",
            "share of max",
            "Firm performance averaged over all periods, divided by the landscape's maximum (search speed counts).",
        ),
        end_metric("at_optimum", "outcome", "flag", "1 if the firm ends on the landscape's best configuration."),
        end_metric(
            "changes",
            "organisation",
            "decisions",
            "Decisions changed over the run (how unstable the firm is).",
            "lower",
        ),
        end_metric(
            "cross_interaction",
            "organisation",
            "share",
            "Share of the interactions between decisions that cross the department boundary (set by the "
            "landscape, not by the run).",
            "lower",
        ),
    ]
}


class NKFirmModel(PeriodModel):
    """The firm: two department managers and a CEO (Mesa agents) searching an NK landscape."""

    def __init__(self, scenario: NKScenario | None = None, seed: int = 0, periods: int | None = None):
        super().__init__(seed, ("performance", *DEPARTMENT_NAMES, "changes"), "nk")
        self.setup = s = scenario or NKScenario()
        self.periods = int(periods or s.periods)
        split = s.N // 2
        self.departments = [np.arange(split), np.arange(split, s.N)]
        matrix = interaction_matrix(s.N, self.departments, s.interaction, s.K, self.stream("pattern"))
        self.landscape = Landscape(matrix, self.stream("landscape"))
        self.cross = cross_share(matrix, self.departments)
        self.config = int(self.stream("start").integers(2**s.N))
        self.unit_performance = [self.landscape.unit(d) for d in self.departments]
        self.managers = [
            DepartmentManager(
                self,
                name,
                decisions,
                unit if s.incentive == "departmental" else self.landscape.firm,
                self.stream("search", name),
            )
            for name, decisions, unit in zip(DEPARTMENT_NAMES, self.departments, self.unit_performance)
        ]
        self.manager_set = self.agents.select(agent_type=DepartmentManager)
        self.ceo = CEO(self, screen=s.ceo == "screen")
        self.changed = 0

    def step(self) -> None:
        self.manager_set.do("step")  # proposals read the same configuration
        mask = self.ceo.decide(self.managers)
        self.config ^= mask
        self.period += 1
        flips = int(mask).bit_count()
        self.changed += flips
        self.record(
            performance=self.landscape.firm[self.config] / self.landscape.maximum,
            changes=flips,
            **{name: unit[self.config] for name, unit in zip(DEPARTMENT_NAMES, self.unit_performance)},
        )
        if self.period >= self.periods:
            self.running = False

    def summary(self) -> dict[str, float]:
        perf = self.series["performance"]
        return {
            "performance": perf[-1],
            "performance_mean": float(np.mean(perf)),
            "at_optimum": float(self.landscape.firm[self.config] == self.landscape.maximum),
            "changes": float(self.changed),
            "cross_interaction": self.cross,
        }


simulate = simulator(NKFirmModel)
