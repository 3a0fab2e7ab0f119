"""What every unit of the organisation has: a name, its settings, its own random stream and an effective alignment.

Departments and product teams are units (``sim.agents.department``, ``sim.agents.team``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa

if TYPE_CHECKING:
    from sim.model import AlignmentModel


def effective_alignment(own: float, trump: float) -> float:
    """A unit's effective alignment ``a = 1 − (1 − α)(1 − τ)``: its own alignment α, raised by how much leadership
    makes the shared criterion trump local KPIs (τ). τ = 1 aligns everyone fully; τ = 0 leaves each unit its own."""
    return 1.0 - (1.0 - own) * (1.0 - trump)


class Unit(mesa.Agent):
    """A unit of the organisation (a Mesa agent): ``name``, settings ``cfg`` and a random stream of its own."""

    model: AlignmentModel
    #: the stream's key: ("department", name) or ("team", name)
    stream_kind = ""

    def __init__(self, model: AlignmentModel, name: str, cfg: Any):
        super().__init__(model)
        self.name = name
        self.cfg = cfg
        self.stream = model.stream(self.stream_kind, name)

    @property
    def alignment(self) -> float:
        """Effective alignment (:func:`effective_alignment`) of the unit's own setting under leadership's trump."""
        return effective_alignment(self.cfg.alignment, self.model.trump)
