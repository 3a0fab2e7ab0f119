"""Scenario discovery (EMA Workbench's PRIM and feature scoring) on finished sweeps, from Python and the CLI."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import numpy as np
import pytest

from sim.research import discover as discovery
from sim.research.sweep import SweepError, read_runs, spec_from_dict, sweep
from tests.inprocess import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def leads(tmp_path_factory) -> Path:
    """Leads over a Latin hypercube of the organic lead rate (which drives them) and folk wisdom (which, over four
    weeks, cannot: beliefs act through released work, and little is released that soon)."""
    out = tmp_path_factory.mktemp("leads") / "s"
    spec = spec_from_dict(
        {
            "scenario": "b2b_activation",
            "weeks": 4,
            "design": "lhs",
            "samples": 48,
            "seeds": 2,
            "metrics": ["leads"],
            "parameters": {"customers.lead_rate": [0.002, 0.02], "assumptions.folk_wisdom": [0.0, 1.0]},
        }
    )
    sweep(spec, out=out, workers=1)
    return out


def test_prim_finds_the_input_that_drives_the_outcome(leads):
    table = read_runs(leads).groupby("point").mean(numeric_only=True)
    threshold = float(table["leads"].median())
    found = discovery.discover(leads, "leads", threshold)
    assert found.cases["of_interest"].sum() == (table["leads"] > threshold).sum()
    assert list(found.box["parameter"]) == ["customers.lead_rate"], found.summary()
    low = float(found.box["low"].iloc[0])
    assert 0.002 < low < 0.02 and float(found.box["high"].iloc[0]) == pytest.approx(0.02, abs=1e-3)
    assert found.stats["coverage"] >= 0.5 and found.stats["density"] > 0.8
    assert found.scores["parameter"].iloc[0] == "customers.lead_rate"
    assert found.scores.set_index("parameter")["score"]["customers.lead_rate"] > 0.7
    below = discovery.discover(leads, "leads", threshold, above=False)
    assert below.cases["of_interest"].sum() == len(table) - found.cases["of_interest"].sum()
    from sim.present.charts import to_image

    assert to_image(discovery.discovery_chart(found), "png").startswith(b"\x89PNG")
    assert "customers.lead_rate" in found.summary() and "coverage" in found.summary()


def test_a_threshold_no_case_meets_is_one_line(leads):
    with pytest.raises(SweepError, match=r"--threshold 1e\+09: no case of 48 meets it.*the outcome ranges"):
        discovery.discover(leads, "leads", 1e9)
    with pytest.raises(SweepError, match="--metric churn_rate: not in this sweep; allowed: leads"):
        discovery.discover(leads, "churn_rate", 0.0)
    with pytest.raises(SweepError, match="--policy leadership.trump: not a lever of this sweep"):
        discovery.discover(leads, "leads", 1.0, policy={"leadership.trump": 1}, baseline={"leadership.trump": 0})


def test_a_policy_is_paired_with_its_baseline_on_every_case_and_seed(tmp_path):
    out = tmp_path / "s"
    spec = spec_from_dict(
        {
            "scenario": "b2b_activation",
            "weeks": 6,
            "design": "lhs",
            "samples": 6,
            "seeds": 2,
            "metrics": ["context_switches"],
            "levers": {"leadership.trump": [0.0, 1.0], "teams.core.wip_limit": [2, 4]},
            "parameters": {"assumptions.folk_wisdom": [0.0, 1.0], "customers.population": [400, 1200]},
        }
    )
    runs = sweep(spec, out=out, workers=1)
    frame, inputs, notes = discovery.cases(
        out, "context_switches", policy={"leadership.trump": 1.0}, baseline={"leadership.trump": 0.0}
    )
    assert inputs == ["teams.core.wip_limit", "assumptions.folk_wisdom", "customers.population"] and not notes
    assert len(frame) == 2 * 6  # the other lever's values x the cases
    by = runs.set_index(["leadership.trump", "teams.core.wip_limit", "case", "seed"])["context_switches"]
    for wip in (2, 4):
        for case in range(6):
            gain = np.mean([by[(1.0, wip, case, s)] - by[(0.0, wip, case, s)] for s in (0, 1)])
            row = frame[(frame["teams.core.wip_limit"] == wip)].iloc[case]
            assert row["outcome"] == pytest.approx(gain)
    with pytest.raises(SweepError, match="give both, on the same levers"):
        discovery.cases(out, "context_switches", policy={"leadership.trump": 1.0})
    with pytest.raises(SweepError, match=r"--baseline leadership.trump=0.5: not one of the lever's values"):
        discovery.cases(out, "context_switches", {"leadership.trump": 1.0}, {"leadership.trump": 0.5})
    with pytest.raises(SweepError, match=r"^--policy and --baseline: both are leadership.trump=1.0, so every gain"):
        discovery.cases(out, "context_switches", {"leadership.trump": 1}, {"leadership.trump": 1.0})
    same = ["--policy", "leadership.trump=1", "--baseline", "leadership.trump=1.0"]
    proc = cli("discover", str(out), "--metric", "context_switches", "--threshold", "0", *same)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "both are" in proc.stderr


def test_without_ema_workbench_discovery_says_how_to_install_it(leads, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_ema(name, *args, **kwargs):
        if name.startswith("ema_workbench"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ema)
    with pytest.raises(SweepError, match=r"needs EMA Workbench: pip install 'alignsim\[ema\]'"):
        discovery.discover(leads, "leads", 60.0)


def test_cli_discover_writes_the_box_the_chart_and_their_provenance(leads, tmp_path):
    table = read_runs(leads).groupby("point").mean(numeric_only=True)
    threshold = str(float(table["leads"].median()))
    proc = cli("discover", str(leads), "--metric", "leads", "--threshold", threshold, "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "customers.lead_rate" in proc.stdout and "coverage" in proc.stdout
    assert (tmp_path / "discovery.png").read_bytes().startswith(b"\x89PNG")
    meta = json.loads((tmp_path / "discovery.provenance.json").read_text())
    assert set(meta["files"]) >= {"discovery_box.csv", "discovery.png"} and meta["chosen_box"] >= 0
    assert meta["sweep"]["spec_hash"] == json.loads((leads / "manifest.json").read_text())["spec_hash"]
    packages = meta["provenance"]["packages"]  # PRIM is EMA Workbench's, the feature scores scikit-learn's trees
    assert packages["ema_workbench"] == importlib.metadata.version("ema_workbench")
    assert packages["scikit-learn"] == importlib.metadata.version("scikit-learn")
