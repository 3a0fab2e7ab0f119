"""Named random streams: one independent NumPy generator per subsystem, fixed by the run's seed and a key.

Every model draws each subsystem's randomness from its own stream, so that changing one lever does not reshuffle
the other draws (common random numbers make paired scenario comparisons sharp).
"""

from __future__ import annotations

import zlib

import numpy as np


def stream_root(rng: np.random.Generator) -> int:
    """The root entropy of a run's streams, drawn once from the model's seeded generator."""
    return int(rng.integers(2**63))


def named_stream(root: int, *key: str) -> np.random.Generator:
    """An independent random stream for one subsystem, fixed by the root and the key only."""
    return np.random.default_rng([root, zlib.crc32("/".join(key).encode())])


def choose(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    """``size`` indices drawn with probabilities ``p`` exactly as ``rng.choice(len(p), size=size, p=p)`` draws them
    (one uniform each, searched on the right in the cumulative distribution): the same draws from the same stream,
    without choice's checks of ``p``, which cost more than the draw. ``p`` must be probabilities summing to 1."""
    cdf = np.cumsum(p)
    cdf /= cdf[-1]
    return cdf.searchsorted(rng.random(size), side="right")
