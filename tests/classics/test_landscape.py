"""NK landscapes: interaction patterns, contributions and the normalising maximum."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.classics.landscape import Landscape, cross_share, interaction_matrix

DEPTS = [np.arange(3), np.arange(3, 6)]


@pytest.mark.parametrize("pattern,k", [("block", 0), ("block", 2), ("random", 1), ("random", 5), ("full", 0)])
def test_each_decision_depends_on_itself_and_k_others_of_the_pattern(pattern, k):
    m = interaction_matrix(6, DEPTS, pattern, k, np.random.default_rng(1))
    assert m.diagonal().all()
    others = m.sum(axis=1) - 1
    assert (others == (5 if pattern == "full" else k)).all()
    if pattern == "block":
        assert not m[:3, 3:].any() and not m[3:, :3].any() and cross_share(m, DEPTS) == 0.0
    if pattern == "full":
        assert cross_share(m, DEPTS) == pytest.approx(9 / 15)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 9), k=st.integers(0, 8), seed=st.integers(0, 2**31))
def test_performance_is_the_mean_contribution_and_the_maximum_is_attained(n, k, seed):
    k = min(k, n - 1)
    rng = np.random.default_rng(seed)
    depts = [np.arange(n // 2), np.arange(n // 2, n)]
    land = Landscape(interaction_matrix(n, depts, "random", k, rng), rng)
    assert land.firm.shape == (2**n,) and ((land.contributions >= 0) & (land.contributions < 1)).all()
    assert land.maximum == land.firm.max() and np.isclose(land.firm, land.contributions.mean(axis=1)).all()
    both = (land.unit(depts[0]) * len(depts[0]) + land.unit(depts[1]) * len(depts[1])) / n
    assert np.allclose(both, land.firm)


def test_a_decisions_contribution_moves_only_with_the_decisions_it_depends_on():
    rng = np.random.default_rng(4)
    m = interaction_matrix(6, DEPTS, "random", 2, rng)
    land = Landscape(m, rng)
    for i in range(6):
        for j in range(6):
            flipped = land.contributions[np.arange(64) ^ (1 << j), i]
            changes = not np.array_equal(flipped, land.contributions[:, i])
            assert changes == bool(m[i, j]), (i, j)
