"""Work items and the catalogue of item kinds, derived from the model's named assumptions.

A work item is a unit of product work a team can build. Its *true* effect on the product drivers is hidden; teams
only hold beliefs about the mean effect of each kind. The catalogue says only structural facts about each kind:
which drivers it touches, how big it is, and whose KPI it serves. How much each kind is truly worth, and how much the
organisation believes it is worth, follow from two named assumptions (``[assumptions]`` in a scenario):

- ``kpi_proxy``: how much a person-week of work that serves a department's KPI does for customers, relative to a
  person-week aimed at them on the same drivers (1: the KPI is a perfect proxy; above 1: the KPI knows better);
- ``folk_wisdom``: how right the organisation's beliefs are (0: it believes every KPI is a perfect proxy, the
  premise of steering by local KPIs; 1: it knows the truth).

See docs/MODEL.md ("Work items") for the equations and the published figures behind the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: The product drivers, each in [0, 1]. Order matters: effect vectors use it.
DRIVERS: tuple[str, ...] = ("onboarding_ease", "feature_fit", "reliability", "self_service")

#: ``serves`` value of kinds aimed at the customer outcome itself (their proxy quality is 1 by definition).
OUTCOME = "outcome"

#: The structural catalogue. ``direction``: the drivers a kind moves and their relative weights (negative: it
#: tends to hurt that driver); ``size``: mean person-weeks; ``serves``: the role whose KPI it serves (its kind's
#: value comes from that role's proxy quality) or "outcome".
DEFAULT_KINDS: dict[str, dict] = {
    "onboarding_simplification": {
        "serves": OUTCOME,
        "size": 3.0,
        "direction": {"onboarding_ease": 0.83, "self_service": 0.17},
    },
    "guided_setup": {"serves": OUTCOME, "size": 4.0, "direction": {"onboarding_ease": 0.57, "self_service": 0.43}},
    "workflow_fit": {"serves": OUTCOME, "size": 2.0, "direction": {"self_service": 0.83, "onboarding_ease": 0.17}},
    "customer_need_feature": {"serves": OUTCOME, "size": 3.0, "direction": {"feature_fit": 1.0}},
    "key_account_feature": {"serves": "sales", "size": 4.0, "direction": {"feature_fit": 1.0, "reliability": -0.25}},
    "campaign_support": {"serves": "marketing", "size": 1.5, "direction": {"feature_fit": 1.0}},
    "onboarding_material": {"serves": "customer_success", "size": 1.0, "direction": {"onboarding_ease": 1.0}},
    "bug_fix": {"serves": "customer_support", "size": 1.0, "direction": {"reliability": 0.86, "onboarding_ease": 0.14}},
    "milestone_deliverable": {
        "serves": "finance",
        "size": 4.0,
        "direction": {"feature_fit": 0.65, "onboarding_ease": 0.35},
    },
    "self_service_feature": {"serves": "finance", "size": 4.0, "direction": {"self_service": 1.0}},
    "compliance_change": {"serves": "legal", "size": 2.0, "direction": {"reliability": 1.0}},
}


def effect_vector(effects: dict[str, float]) -> np.ndarray:
    """A driver-ordered vector from a ``{driver: effect}`` mapping (missing drivers are 0)."""
    return np.array([float(effects.get(d, 0.0)) for d in DRIVERS])


def realised(effect: np.ndarray, drivers: np.ndarray) -> np.ndarray:
    """What an effect (a driver vector, or rows of them) does to a product at ``drivers``: gains shrink as a driver
    nears 1 (``e · (1 − d)``), losses as it nears 0 (``e · d``). The one diminishing-returns rule: a release moves the
    drivers by it, and every valuation of an effect reads it."""
    return np.where(effect >= 0, effect * (1.0 - drivers), effect * drivers)


def effect_scale(direction: np.ndarray, size: float, drivers: np.ndarray, points: float) -> float:
    """The factor that makes an item of ``size`` person-weeks along ``direction`` move the product at ``drivers`` by
    ``points`` driver points per person-week, gains and losses counted alike (diminishing returns:
    :func:`realised`)."""
    moved = float(np.abs(realised(direction, drivers)).sum())
    return points * size / moved if moved > 0 else 0.0


@dataclass(frozen=True)
class Catalogue:
    """Every kind's true mean effect, the organisation's folk belief about it, and its mean size (rows in the order
    of ``names``)."""

    names: tuple[str, ...]
    true: np.ndarray
    believed: np.ndarray
    size: np.ndarray
    serves: tuple[str, ...]


def derive_catalogue(kinds: dict, assumptions, drivers: np.ndarray, points: float) -> Catalogue:
    """The catalogue of a scenario whose product starts at ``drivers``.

    Work aimed at the customer outcome moves the drivers of its direction by ``points`` driver points per
    person-week. Work that serves a KPI of proxy quality q does q times as much along its own direction: it is worth
    q times what the same effort aimed at customers would be worth on the same drivers. What that is worth in value
    follows from the drivers it moves (the value yardstick, ``sim.value``), not from the catalogue. The organisation
    believes every KPI is a perfect proxy, ``folk_wisdom`` of the way towards the truth. A kind's explicit ``true``
    / ``believed`` table, where a scenario gives one, wins."""
    names = tuple(kinds)
    w = assumptions.folk_wisdom
    rows_true, rows_believed = [], []
    for n in names:
        k = kinds[n]
        d = effect_vector(k.direction)
        aimed = d * effect_scale(d, k.size, drivers, points)  # the same effort aimed at customers (q = 1)
        proxy = 1.0 if k.serves == OUTCOME else assumptions.proxy(k.serves)
        t = effect_vector(k.true) if k.true is not None else proxy * aimed
        rows_true.append(t)
        rows_believed.append(effect_vector(k.believed) if k.believed is not None else w * t + (1.0 - w) * aimed)
    return Catalogue(
        names,
        np.array(rows_true),
        np.array(rows_believed),
        np.array([kinds[n].size for n in names], dtype=float),
        tuple(kinds[n].serves for n in names),
    )


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
    #: the purpose the item serves (a role's KPI, or "outcome"): a team switches context between purposes
    stream: str = ""
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
