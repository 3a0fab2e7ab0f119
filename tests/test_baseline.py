"""A seeded baseline: pins the summary of one run so that any change in behaviour is noticed.

A deliberate model change updates the pin: ``ALIGNSIM_UPDATE_BASELINE=1 .venv/bin/pytest tests/test_baseline.py``,
and the commit says why the numbers moved.
"""

import json
import os
from pathlib import Path

import pytest

from sim import load_scenario, run

PIN = Path(__file__).with_name("baseline.json")
CASES = {"b2b_activation": 0, "product_logic": 1}


def _summaries():
    return {name: run(load_scenario(name), seed=seed).summary for name, seed in CASES.items()}


def test_seeded_baseline_matches_the_pinned_summary():
    got = _summaries()
    if os.environ.get("ALIGNSIM_UPDATE_BASELINE"):
        PIN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        pytest.skip("baseline written")
    assert PIN.exists(), f"{PIN.name} is missing: see this module's docstring"
    pinned = json.loads(PIN.read_text())
    for name in CASES:
        assert set(got[name]) == set(pinned[name]), "the metric registry changed: update the baseline"
        for metric, value in pinned[name].items():
            assert got[name][metric] == pytest.approx(value, rel=1e-9, abs=1e-12, nan_ok=True), (name, metric)
