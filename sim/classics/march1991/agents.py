"""Individuals in March's (1991) mutual-learning model: beliefs about reality, actions, and socialisation.

An individual holds a belief of 1, 0 or -1 on each dimension of reality. It acts on its beliefs (where it holds
no belief it flips a coin) and learns from the organisational code: each period, on every dimension where the
code is not 0 and differs from the belief, the belief moves one step toward the code with probability ``p1``
(-1 -> 0 -> 1, as in the original program; Christensen 2015).
"""

from __future__ import annotations

import mesa
import numpy as np


class Individual(mesa.Agent):
    """One member of the organisation, sitting at row ``seat`` of the model's belief and action matrices."""

    def __init__(self, model, seat: int, belief: np.ndarray):
        super().__init__(model)
        self.seat = seat
        model.beliefs[seat] = belief
        #: Views into the model's matrices: the model reads all individuals at once when the code learns.
        self.belief = model.beliefs[seat]
        self.action = model.actions[seat]

    def act(self) -> None:
        """Act on each dimension: the belief where there is one, else the period's coin flip for this seat."""
        np.copyto(self.action, np.where(self.belief != 0, self.belief, self.model.coin_flips[self.seat]))

    def socialise(self) -> None:
        """Move beliefs one step toward the (non-zero) code where they differ, each with probability p1."""
        code = self.model.code
        move = (code != 0) & (self.belief != code) & (self.model.socialisation_draws[self.seat] < self.model.p1)
        self.belief[move] += code[move]
