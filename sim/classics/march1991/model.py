"""March (1991): mutual learning between individuals and an organisational code.

Reality has ``m`` dimensions of value 1 or -1. ``n`` individuals and the organisational code hold beliefs of 1, 0
or -1 on each. One period, in the order of the original program (Christensen 2015):

1. turnover: each individual leaves with probability ``p3`` and is replaced by a newcomer with beliefs drawn
   uniformly from {-1, 0, 1};
2. turbulence: each dimension of reality flips with probability ``p4``;
3. individuals act (a 0 belief acts by a coin flip) and score ``sum(action * reality)``;
4. individuals socialise: a belief moves one step toward a non-zero code with probability ``p1``;
5. the code learns: the superior group are those whose action score beats the code's ``sum(code * reality)``;
   on each dimension where their actions have a strict majority that differs from the code, the code takes it
   with probability ``1 - (1 - p2)^k``, ``k`` = majority minus minority.

Without turnover or turbulence a run ends at equilibrium: no individual can still learn from the code, and no
superior group that the coin flips could produce can still change it. With either, it runs ``periods`` periods.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from sim.classics.march1991.agents import Individual
from sim.classics.reference import PeriodModel, end_metric, simulator
from sim.i18n import N_
from sim.scenario import ScenarioBase

Rate = Annotated[float, Field(ge=0.0, le=1.0)]


class MarchScenario(ScenarioBase):
    """The parameters of March's model; the defaults are the paper's (m = 30, n = 50)."""

    model: Literal["march1991"] = "march1991"
    m: int = Field(30, ge=1, le=1000, description=N_("dimensions of reality"))
    n: int = Field(50, ge=1, le=5000, description=N_("individuals in the organisation"))
    p1: Rate = Field(0.5, description=N_("socialisation rate: how fast individuals learn from the code"))
    p2: Rate = Field(0.5, description=N_("code learning rate: how fast the code learns from superior individuals"))
    p3: Rate = Field(0.0, description=N_("turnover: chance per period that an individual is replaced by a newcomer"))
    p4: Rate = Field(0.0, description=N_("turbulence: chance per period that a dimension of reality flips"))
    periods: int = Field(
        100, ge=1, le=100_000, description=N_("length of a run with turnover or turbulence (p3 or p4 > 0)")
    )
    equilibrium_limit: int = Field(
        20_000,
        ge=1,
        le=1_000_000,
        description=N_(
            "safety cap on a run without turnover or turbulence; a run that hits it reports equilibrium = 0"
        ),
    )


SCHEMA = MarchScenario


METRICS = {
    m.name: m
    for m in [
        end_metric(
            "equilibrium_knowledge",
            "outcome",
            "score",
            "The code's knowledge at the end of the run: sum(code * reality) / m, from -1 to 1 (the paper's "
            "knowledge score; at equilibrium when there is no turnover or turbulence).",
        ),
        end_metric(
            "individual_knowledge",
            "outcome",
            "score",
            "The individuals' average knowledge at the end: mean of sum(belief * reality) / m.",
        ),
        end_metric(
            "divergence",
            "organisation",
            "share",
            "Share of individual beliefs that differ from the code at the end (0: everyone thinks alike).",
            "lower",
        ),
        end_metric("periods_run", "organisation", "periods", "Periods until the run ended.", "lower"),
        end_metric(
            "equilibrium",
            "organisation",
            "flag",
            "1 if the run ended at equilibrium, 0 if it ended at the period limit.",
        ),
    ]
}


class MarchModel(PeriodModel):
    """March's organisation: individuals (Mesa agents) and a code learning from each other."""

    def __init__(self, scenario: MarchScenario | None = None, seed: int = 0, periods: int | None = None):
        super().__init__(seed, ("code_knowledge", "individual_knowledge", "divergence"), "march")
        self.setup = s = scenario or MarchScenario()
        self.p1, self.p2, self.p3, self.p4 = s.p1, s.p2, s.p3, s.p4
        self.closed = s.p3 == 0 and s.p4 == 0
        self.limit = int(periods or s.periods) if not self.closed else int(periods or s.equilibrium_limit)
        streams = ("reality", "beliefs", "turnover", "newcomers", "turbulence", "actions", "socialisation", "code")
        self.streams = {k: self.stream(k) for k in streams}
        self.reality = self.streams["reality"].choice(np.array([-1, 1], dtype=np.int8), size=s.m)
        self.code = np.zeros(s.m, dtype=np.int8)
        self.beliefs = np.zeros((s.n, s.m), dtype=np.int8)
        self.actions = np.zeros((s.n, s.m), dtype=np.int8)
        start = self.streams["beliefs"].integers(-1, 2, size=(s.n, s.m), dtype=np.int8)
        for seat in range(s.n):
            Individual(self, seat, start[seat])
        #: This period's draws, shared by the individuals' act and socialise steps (set at each step).
        self.coin_flips: np.ndarray | None = None
        self.socialisation_draws: np.ndarray | None = None
        self.at_equilibrium = False

    # ---------------------------------------------------------------- one period
    def step(self) -> None:
        s, st = self.setup, self.streams
        if self.p3 > 0:
            leaving = st["turnover"].random(s.n) < self.p3
            newcomers = st["newcomers"].integers(-1, 2, size=(s.n, s.m), dtype=np.int8)
            for person in [a for a in self.agents if leaving[a.seat]]:
                person.remove()
                Individual(self, person.seat, newcomers[person.seat])
        if self.p4 > 0:
            self.reality[st["turbulence"].random(s.m) < self.p4] *= -1
        self.coin_flips = st["actions"].choice(np.array([-1, 1], dtype=np.int8), size=(s.n, s.m))
        self.socialisation_draws = st["socialisation"].random((s.n, s.m))
        self.agents.do("act")
        self.agents.do("socialise")
        self._code_learns(st["code"].random(s.m))
        self.period += 1
        self._record()
        if self.closed and self._equilibrium():
            self.at_equilibrium = True
            self.running = False
        elif self.period >= self.limit:
            self.running = False

    def _code_learns(self, draws: np.ndarray) -> None:
        scores = self.actions.astype(np.int32) @ self.reality
        superior = scores > int(self.code.astype(np.int32) @ self.reality)
        if not superior.any():
            return
        net = self.actions[superior].sum(axis=0, dtype=np.int32)  # actions are +-1: majority minus minority
        majority = np.sign(net).astype(np.int8)
        adopt = (majority != 0) & (majority != self.code) & (draws < 1.0 - (1.0 - self.p2) ** np.abs(net))
        self.code[adopt] = majority[adopt]

    # ---------------------------------------------------------------- equilibrium
    def _equilibrium(self) -> bool:
        """Neither any individual nor the code can change any more, whatever the coin flips."""
        differ = (self.code != 0) & (self.beliefs != self.code)
        if self.p1 > 0 and differ.any():
            return False
        return self.p2 == 0 or not self._code_can_learn()

    def _code_can_learn(self) -> bool:
        b, r = self.beliefs.astype(np.int32), self.reality.astype(np.int32)
        code_score = int(self.code.astype(np.int32) @ r)
        zeros = (b == 0).sum(axis=1)
        known = b @ r
        best, worst = known + zeros, known - zeros  # score range over all coin flips
        forced = worst > code_score  # superior whatever the coin flips
        for v in (1, -1):
            # can act v on a dimension and still be superior: belief v, or no belief and the flip lands on v
            best_v = np.where(b == v, best[:, None], best[:, None] - 1 + v * r[None, :])
            possible = ((b == v) | (b == 0)) & (best_v > code_score)
            against = forced[:, None] & (b == -v)
            gain = (possible.sum(axis=0) > against.sum(axis=0)) & (self.code != v)
            if gain.any():
                return True
        return False

    # ---------------------------------------------------------------- records
    def _record(self) -> None:
        m = self.setup.m
        r = self.reality.astype(np.int32)
        self.record(
            code_knowledge=float(self.code.astype(np.int32) @ r) / m,
            individual_knowledge=float((self.beliefs.astype(np.int32) @ r).mean()) / m,
            divergence=float((self.beliefs != self.code).mean()),
        )

    def summary(self) -> dict[str, float]:
        return {
            "equilibrium_knowledge": self.series["code_knowledge"][-1],
            "individual_knowledge": self.series["individual_knowledge"][-1],
            "divergence": self.series["divergence"][-1],
            "periods_run": float(self.period),
            "equilibrium": float(self.at_equilibrium),
        }


simulate = simulator(MarchModel)
