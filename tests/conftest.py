"""Shared fixtures: small scenarios that run fast."""

import pytest

from sim import Scenario, load_scenario


@pytest.fixture
def small() -> Scenario:
    """The default organisation with a small market and a short horizon."""
    return Scenario().with_overrides({"customers.population": 600, "weeks": 20})


@pytest.fixture
def b2b() -> Scenario:
    return load_scenario("b2b_activation")
