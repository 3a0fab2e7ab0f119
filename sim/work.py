"""Work items and the catalogue of item kinds.

A work item is a unit of product work a team can build. Its *true* effect on the product drivers is hidden;
teams only hold beliefs about the mean effect of each kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: The product drivers, each in [0, 1]. Order matters: effect vectors use it.
DRIVERS: tuple[str, ...] = ("onboarding_ease", "feature_fit", "reliability", "self_service")

#: Default catalogue of item kinds. ``true`` is the mean effect on each driver (hidden from everyone);
#: ``believed`` is the folk wisdom the organisation starts from; ``size`` is the mean size in person-weeks.
#: See docs/MODEL.md ("Work items") for where the numbers come from.
DEFAULT_KINDS: dict[str, dict] = {
    "onboarding_simplification": {
        "true": {"onboarding_ease": 0.010, "self_service": 0.002},
        "believed": {"onboarding_ease": 0.004},
        "size": 3.0,
    },
    "guided_setup": {
        "true": {"onboarding_ease": 0.008, "self_service": 0.006},
        "believed": {"onboarding_ease": 0.004, "self_service": 0.002},
        "size": 4.0,
    },
    "key_account_feature": {
        "true": {"feature_fit": 0.002, "reliability": -0.001},
        "believed": {"feature_fit": 0.008},
        "size": 4.0,
    },
    "bug_fix": {
        "true": {"reliability": 0.006, "onboarding_ease": 0.001},
        "believed": {"reliability": 0.004},
        "size": 1.0,
    },
    "campaign_support": {
        "true": {},
        "believed": {"feature_fit": 0.002},
        "size": 1.5,
    },
    "compliance_change": {
        "true": {"reliability": 0.0005},
        "believed": {},
        "size": 2.0,
    },
    "milestone_deliverable": {
        "true": {"feature_fit": 0.0015, "onboarding_ease": 0.0008},
        "believed": {"feature_fit": 0.006, "onboarding_ease": 0.002},
        "size": 4.0,
    },
    "onboarding_material": {
        "true": {"onboarding_ease": 0.001},
        "believed": {"onboarding_ease": 0.004},
        "size": 1.0,
    },
    "self_service_feature": {
        "true": {"self_service": 0.003},
        "believed": {"self_service": 0.010},
        "size": 4.0,
    },
    "workflow_fit": {
        "true": {"self_service": 0.010, "onboarding_ease": 0.002},
        "believed": {"self_service": 0.002},
        "size": 2.0,
    },
}

#: Kinds a product team discovers by itself (its own ideas), before any department asks.
TEAM_IDEA_KINDS: tuple[str, ...] = ("onboarding_simplification", "guided_setup", "workflow_fit", "bug_fix")


def effect_vector(effects: dict[str, float]) -> np.ndarray:
    """A driver-ordered vector from a ``{driver: effect}`` mapping (missing drivers are 0)."""
    return np.array([float(effects.get(d, 0.0)) for d in DRIVERS])


@dataclass(eq=False)
class WorkItem:
    """One piece of product work: who asked, how big, when due, and what it truly does."""

    id: int
    kind: str
    team: str
    requester: str
    size: float
    true_effect: np.ndarray
    created: int
    pressure: float = 0.0
    due: int | None = None
    promise: bool = False
    milestone: bool = False
    plan: bool = False
    serves_goal: bool = False
    remaining: float = field(init=False)
    started: int | None = None
    finished: int | None = None
    released: int | None = None
    touch_weeks: float = 0.0
    reworks: int = 0
    handoffs: int = 0
    escalated: bool = False
    tested: bool = False
    estimate: np.ndarray | None = None
    forced: bool = False
    blocked_by: WorkItem | None = None
    parent: WorkItem | None = None
    approval_path: tuple[str, ...] = ()
    approval_step: int = 0
    queued_since: int = 0

    def __post_init__(self) -> None:
        self.remaining = self.size

    @property
    def in_approval(self) -> bool:
        return self.finished is not None and self.released is None
