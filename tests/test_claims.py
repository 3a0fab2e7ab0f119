"""DESIGN.md's seven claims and two failing levers, each as an ensemble test over 30 paired seeds.

Paired seeds: both arms of a claim run on seeds 0..29, and differences are taken seed by seed. Customers, item
effects and measurement noise draw from separate streams, so the pairs share most of their randomness.
"""

import pytest

from sim.claims import CLAIMS, Check, Claim, arm, evaluate, judge
from sim.metrics import METRICS

SEEDS = 30


@pytest.fixture(scope="module")
def results():
    return {r.claim.id: r for r in evaluate(CLAIMS, seeds=SEEDS, workers=2)}


def test_the_seven_claims_and_two_failing_levers_are_registered():
    ids = [c.id for c in CLAIMS]
    assert ids[:7] == [f"C{i}" for i in range(1, 8)]
    assert sum(c.lever_fails for c in CLAIMS) >= 2
    for c in CLAIMS:
        assert all(check.metric in METRICS for check in c.checks)
        assert c.a != c.b


@pytest.mark.parametrize("claim_id", [c.id for c in CLAIMS])
def test_claim_holds_over_paired_seeds(results, claim_id):
    r = results[claim_id]
    assert r.seeds == list(range(SEEDS))
    failed = [(c.check.describe(), round(c.value, 4), round(c.ci_low, 4), round(c.ci_high, 4))
              for c in r.checks if not c.passed]
    assert not failed, f"{claim_id} {r.claim.title}: {failed}"


def test_a_claim_fails_when_its_direction_is_wrong(results):
    """The judge can say no: the same data read the other way round fails."""
    import pandas as pd

    a = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    b = pd.DataFrame({"x": [2.0, 3.1, 3.9, 5.2]})
    up = Claim("T", "t", "t", arm("b2b_activation"), arm("product_logic"), (Check("leads", "increase"),))
    rename = {"x": "leads"}
    assert judge(up, a.rename(columns=rename), b.rename(columns=rename), [0, 1, 2, 3]).passed
    assert not judge(up, b.rename(columns=rename), a.rename(columns=rename), [0, 1, 2, 3]).passed


def test_json_report_shape(results):
    d = results["C2"].as_dict()
    assert {"id", "title", "metric", "difference", "ci_low", "ci_high", "passed"} <= set(d)
    assert d["ci_low"] <= d["difference"] <= d["ci_high"]
