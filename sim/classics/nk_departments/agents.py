"""The people in the NK firm: department managers who search and propose, and a CEO who decides.

Each period a manager draws ``alternatives`` candidate changes, each flipping one of the department's own
decisions, and judges them by its incentive, holding the other department's decisions as they are: its own
department's performance (``departmental``) or the firm's (``firm``). It proposes up to ``proposals`` of those
that beat the status quo, best first. The CEO either screens (implements the combination of at most one proposal
per department, or none, that gives the highest firm performance) or rubber-stamps (implements each
department's best proposal).
"""

from __future__ import annotations

import itertools

import mesa
import numpy as np


class DepartmentManager(mesa.Agent):
    """Runs one department's decisions and proposes changes to them."""

    def __init__(self, model, name: str, decisions: np.ndarray, valuation: np.ndarray, stream: np.random.Generator):
        super().__init__(model)
        self.name = name
        self.decisions = decisions
        #: what the manager is rewarded on, for every configuration
        self.valuation = valuation
        self.stream = stream
        #: this period's proposals: XOR masks on the firm's configuration, best first
        self.proposals: list[int] = []

    def step(self) -> None:
        """Search: draw candidate changes and propose those that the incentive rewards, best first."""
        current = self.model.config
        picks = self.decisions[self.stream.integers(len(self.decisions), size=self.model.setup.alternatives)]
        masks = list(dict.fromkeys(int(1 << d) for d in picks))  # distinct candidates, in drawing order
        base = self.valuation[current]
        better = [m for m in masks if self.valuation[current ^ m] > base]
        better.sort(key=lambda m: -self.valuation[current ^ m])  # stable: ties keep drawing order
        self.proposals = better[: self.model.setup.proposals]


class CEO(mesa.Agent):
    """Decides which proposals the firm implements."""

    def __init__(self, model, screen: bool):
        super().__init__(model)
        self.screen = screen

    def decide(self, managers: list[DepartmentManager]) -> int:
        """The change (an XOR mask) the firm makes this period; 0 keeps the status quo."""
        if not self.screen:
            return int(np.bitwise_xor.reduce([m.proposals[0] for m in managers if m.proposals] or [0]))
        current, firm = self.model.config, self.model.landscape.firm
        best_mask, best_value = 0, firm[current]
        for combination in itertools.product(*[[0, *m.proposals] for m in managers]):
            mask = int(np.bitwise_xor.reduce(combination))
            if firm[current ^ mask] > best_value:
                best_mask, best_value = mask, firm[current ^ mask]
        return best_mask
