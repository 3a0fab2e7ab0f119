"""The registry's cost estimates: the March (1991) model's periods to equilibrium (issue 26: a closed run at
p1 = p2 = 0.001 took 10,779 periods and about 8 s against an estimate of 0.04 s)."""

from __future__ import annotations

import pytest

from sim import load_scenario, run_many
from sim.registry import cost, march_periods

#: Corners of a closed run (n, m, p1, p2) whose period counts the estimate must come near; each runs 100 periods
#: or more (a run of a few periods costs milliseconds whatever it is estimated at) and a few tenths of a second.
CORNERS = [
    (10, 10, 0.003, 0.01),
    (10, 10, 0.01, 0.001),
    (10, 10, 1.0, 0.001),
    (10, 300, 1.0, 0.01),
    (50, 30, 0.03, 0.01),
    (50, 30, 0.1, 0.01),
]
SEEDS = 3


def _march(**values):
    return load_scenario("march1991", values)


@pytest.mark.parametrize("n, m, p1, p2", CORNERS)
def test_a_closed_march_runs_periods_are_estimated_within_a_factor_of_1_5(n, m, p1, p2):
    scenario = _march(n=n, m=m, p1=p1, p2=p2)
    ran = run_many(scenario, SEEDS).summary["periods_run"]
    assert (ran < scenario.equilibrium_limit).all()  # each ended at equilibrium, not at the limit
    assert 1 / 1.5 <= march_periods(scenario) / ran.mean() <= 1.5, (march_periods(scenario), list(ran))


def test_the_slow_corner_of_issue_26_is_estimated_as_slow():
    slow, usual = _march(p1=0.001, p2=0.001), _march()
    assert 10_779 / 1.5 <= march_periods(slow) <= 10_779 * 1.5  # the audit's measured run
    assert cost(slow) > 200 * cost(usual) and cost(slow) > 2.0  # seconds, not the 0.04 it was estimated at


def test_the_stated_rules_of_a_march_runs_length():
    assert march_periods(_march(p2=0.0)) == 1  # the code never learns: equilibrium at once
    assert march_periods(_march(p1=0.0, p2=0.5)) == 20_000  # individuals never learn: up to the limit
    assert march_periods(_march(p1=0.0, p2=0.5, equilibrium_limit=300)) == 300
    assert march_periods(_march(p1=0.0001, p2=0.5, equilibrium_limit=5000)) == 5000  # never above the limit
    assert march_periods(_march(p3=0.1, periods=123)) == 123  # turnover: the periods asked for
    by_p1 = [march_periods(_march(p1=p1)) for p1 in (0.001, 0.01, 0.1, 0.5, 1.0)]
    by_p2 = [march_periods(_march(p2=p2)) for p2 in (0.001, 0.01, 0.1, 0.5, 1.0)]
    assert by_p1 == sorted(by_p1, reverse=True) and by_p2 == sorted(by_p2, reverse=True)
