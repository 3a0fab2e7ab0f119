"""Fixtures of the workshop tests: a store on a clock the test moves (``shop.now[0]``)."""

import pytest

from sim.workshop.store import Workshop


@pytest.fixture
def shop(tmp_path):
    now = [1_000_000.0]
    w = Workshop(tmp_path / "w.sqlite3", clock=lambda: now[0])
    w.now = now
    return w
