"""NK performance landscapes (Kauffman 1993; Levinthal 1997): ``N`` binary decisions, each contributing a value
that depends on its own choice and on the decisions it interacts with.

A configuration is an integer whose bit ``i`` is decision ``i``. Contributions are drawn uniformly from [0, 1]
per decision and per combination of the decisions it depends on; firm performance is their mean. Every
configuration is evaluated once, so performance can be normalised by the landscape's maximum.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Interaction = Literal["block", "random", "full"]


def interaction_matrix(
    n: int, departments: list[np.ndarray], pattern: Interaction, k: int, rng: np.random.Generator
) -> np.ndarray:
    """``n x n`` booleans: row ``i`` marks the decisions whose choice affects decision ``i``'s contribution.

    ``block``: each decision interacts with ``k`` others of its own department; ``random``: with ``k`` others
    anywhere in the firm; ``full``: with every other decision (``k`` is ignored).
    """
    matrix = np.eye(n, dtype=bool)
    owner = _owners(n, departments)
    for i in range(n):
        if pattern == "full":
            matrix[i] = True
            continue
        pool = np.array([j for j in range(n) if j != i and (pattern == "random" or owner[j] == owner[i])], dtype=int)
        matrix[i, rng.choice(pool, size=k, replace=False)] = True
    return matrix


def cross_share(matrix: np.ndarray, departments: list[np.ndarray]) -> float:
    """Share of the interactions between different decisions that cross a department boundary."""
    owner = _owners(len(matrix), departments)
    off = matrix & ~np.eye(len(matrix), dtype=bool)
    total = int(off.sum())
    return float((off & (owner[:, None] != owner[None, :])).sum()) / total if total else 0.0


def _owners(n: int, departments: list[np.ndarray]) -> np.ndarray:
    """The department index of each of ``n`` decisions."""
    owner = np.empty(n, dtype=int)
    for d, decisions in enumerate(departments):
        owner[decisions] = d
    return owner


class Landscape:
    """Every configuration's contributions, firm performance and maximum."""

    def __init__(self, matrix: np.ndarray, rng: np.random.Generator):
        n = len(matrix)
        self.n = n
        self.matrix = matrix
        configs = np.arange(2**n)
        bits = ((configs[:, None] >> np.arange(n)) & 1).astype(np.int64)
        #: contributions[c, i]: decision i's contribution in configuration c
        self.contributions = np.empty((2**n, n))
        for i in range(n):
            deps = np.flatnonzero(matrix[i])
            table = rng.random(2 ** len(deps))
            self.contributions[:, i] = table[bits[:, deps] @ (1 << np.arange(len(deps)))]
        self.firm = self.contributions.mean(axis=1)
        self.maximum = float(self.firm.max())

    def unit(self, decisions: np.ndarray) -> np.ndarray:
        """Performance of a unit owning ``decisions`` in every configuration: the mean of their contributions."""
        return self.contributions[:, decisions].mean(axis=1)
