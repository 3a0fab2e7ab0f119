"""Shared fixtures: small scenarios that run fast, and free ports for the servers the browser tests start."""

import socket

import pytest

from sim import Scenario, load_scenario
from sim.model import AlignmentModel


@pytest.fixture
def small() -> Scenario:
    """The default organisation with a small market and a short horizon."""
    return Scenario().with_overrides({"customers.population": 600, "weeks": 20})


@pytest.fixture
def b2b() -> Scenario:
    return load_scenario("b2b_activation")


def _step_through(scenario: Scenario, seed: int = 0, check=None) -> AlignmentModel:
    """Run a model week by week, calling ``check(model)`` after every week."""
    model = AlignmentModel(scenario, seed=seed)
    while model.running:
        model.step()
        if check:
            check(model)
    return model


@pytest.fixture
def step_through():
    return _step_through


def _free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def free_port():
    return _free_port
