"""Named random streams and the draws made from them."""

import numpy as np
import pytest

from sim.streams import choose


@pytest.mark.parametrize("size", [1, 2, 7])
def test_choose_draws_what_generator_choice_draws(size):
    """The model's quick draw with probabilities must stay NumPy's own: the same indices and the same stream use."""
    weights = np.random.default_rng(0)
    for k in range(200):
        p = weights.random(int(weights.integers(1, 12))) ** 3
        p[weights.random(p.size) < 0.2] = 0.0
        if p.sum() == 0:
            p[0] = 1.0
        p = p / p.sum()
        ours, numpys = np.random.default_rng(k), np.random.default_rng(k)
        assert np.array_equal(choose(ours, p, size), numpys.choice(p.size, size=size, p=p))
        assert ours.random() == numpys.random()  # the streams are where they would be
