"""``alignsim advise``: the lever ranking and the goal seek from the command line, its cost said first, progress on
stderr, and bad input as one line with exit code 2."""

import importlib.metadata
import json
from pathlib import Path

import pytest

from sim import provenance
from sim.cli import main
from sim.research import advice

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--set", "customers.population=1000", "--set", "weeks=26"]
LEVERS = ["--lever", "departments.marketing.campaign_start_week", "--lever", "leadership.real_choice"]


@pytest.fixture(autouse=True)
def fresh_cache():
    advice.clear_cache()
    yield
    advice.clear_cache()


def test_advise_ranks_levers_with_intervals_and_money_and_says_the_cost_first(capsys):
    argv = ["advise", "b2b_activation", *SMALL, *LEVERS, "--seeds", "3", "--confirm-seeds", "3", "--workers", "1"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "What moves 30-day activation most in b2b_activation" in out
    assert "Campaign start week: 8 → none" in out and "Prioritisation is a real choice: off → on" in out
    assert "Revenue" in out and "€" in out and "Churn" in out and "[" in out  # money and intervals beside each
    lines = err.splitlines()
    assert lines[0].startswith("alignsim: ranking the levers: about ") and "runs, about" in lines[0]
    assert any(line.startswith("alignsim: ranking: ") for line in lines[1:])  # progress, not on a terminal


def test_advise_json_goal_seek_is_deterministic_and_says_when_the_target_is_out_of_reach(capsys):
    argv = [
        "advise",
        "b2b_activation",
        *SMALL,
        *LEVERS,
        "--target",
        ">=99%",
        "--keep",
        "revenue",
        "--cost",
        "leadership.real_choice=2",
        "--seeds",
        "3",
        "--confirm-seeds",
        "3",
        "--trials",
        "4",
        "--format",
        "json",
    ]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    seek = first["goal_seek"]
    assert seek["reached"] is False and seek["target"] == {"metric": "activation_rate_30d", "op": ">=", "value": 0.99}
    assert seek["keep"] == [{"metric": "revenue", "margin": 0.01}]
    assert "ranking" not in first  # --target alone does not print the ranking
    assert first["provenance"]["packages"]["optuna"] == importlib.metadata.version("optuna")  # optuna searched
    assert first["provenance"]["fingerprint"] == provenance.fingerprint() and len(first["scenario_sha256"]) == 64
    assert first["overrides"] == {"customers.population": 1000, "weeks": 26}
    advice.clear_cache()
    assert main([*argv, "--workers", "1"]) == 0
    assert json.loads(capsys.readouterr().out) == first  # same seed, other executor: the same advice


def test_advise_table_says_plainly_that_no_setting_reaches_the_goal(capsys):
    argv = ["advise", "b2b_activation", *SMALL, *LEVERS, "--target", ">=99%", "--seeds", "3"]
    assert main([*argv, "--confirm-seeds", "3", "--trials", "3", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "No setting tried reaches 30-day activation ≥ 99% robustly" in out
    assert "likely between" in out


def test_advise_holds_across_sampled_assumptions_and_says_how_many(capsys):
    argv = [
        "advise",
        "b2b_activation",
        *SMALL,
        *LEVERS,
        "--target",
        ">=99%",
        "--uncertain",
        "assumptions.folk_wisdom=0..1",
        "--samples",
        "2",
        "--seeds",
        "3",
        "--confirm-seeds",
        "3",
        "--trials",
        "2",
        "--workers",
        "1",
    ]
    assert main([*argv, "--format", "json"]) == 0
    seek = json.loads(capsys.readouterr().out)["goal_seek"]
    assert seek["uncertainty_samples"] == 3  # the scenario's own assumptions and two samples
    assert 0 <= seek["worst_sample"] < 3
    assert main(argv) == 0
    assert "in every one of the 3 assumption samples" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--goal", "nope"], "goal: metric: 'nope' is not a metric of this model; allowed: activation_rate_30d"),
        (["--target", "lots"], "target: 'lots' is not a bound"),
        (["--target", ">=0.4", "--keep", "nope"], "keep: metric: 'nope' is not a metric"),
        (["--target", ">=0.4", "--cost", "teams.core.nope=1"], "cost 'teams.core.nope': not a lever"),
        (["--target", ">=0.4", "--cost", "leadership.trump=-1"], "cost leadership.trump: must be a number >= 0"),
        (["--keep", "revenue"], "--keep, --cost, --uncertain and --cases: need --target"),
        (["--uncertain", "assumptions.folk_wisdom=0..1"], "--keep, --cost, --uncertain and --cases: need --target"),
        (["--target", ">=0.4", "--uncertain", "assumptions.folk_wisdom=1"], "--uncertain assumptions.folk_wisdom=1: "),
        (["--target", ">=0.4", "--uncertain", "assumptions.nope=0..1"], "uncertain: unknown scenario path"),
        (["--target", ">=0.4", "--uncertain", "assumptions.folk_wisdom=0..2"], "uncertain: assumptions.folk_wisdom"),
        (["--target", ">=0.4", "--cases", "no/such/folder"], "--cases: no/such/folder: no manifest.json"),
        (["--target", ">=0.4", "--box", "box.csv"], "--box: needs --cases, the sweep folder the box was found in"),
        (["--lever", "nope"], "levers: nope not a lever of this scenario; allowed: leadership.shared_criterion"),
        (["--seeds", "1"], "argument --seeds: must be 2..1,000, got 1"),
        (["--set", "weeks=0"], "overrides: weeks: Input should be greater than or equal to 1"),
        (["--target", ">=0.4", "--trials", "100000", "--seeds", "1000"], "advice for b2b_activation"),
    ],
)
def test_advise_bad_input_is_one_line_and_exit_2(args, message):
    """In this process (a traceback fails the test; tests/cli/test_cli.py runs the entry point in a fresh
    interpreter): a fresh one per case cost about 3 CPU-seconds of imports each."""
    from tests.inprocess import cli

    proc = cli("advise", "b2b_activation", *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert message in lines[0], lines[0]


def test_advise_takes_a_sweeps_cases_inside_a_box_only_for_the_sweeps_scenario(tmp_path):
    from sim.research.sweep import spec_from_dict, sweep
    from tests.inprocess import cli

    spec = {
        "scenario": "b2b_activation",
        "weeks": 2,
        "design": "lhs",
        "samples": 4,
        "metrics": ["leads"],
        "parameters": {"assumptions.folk_wisdom": [0.0, 1.0]},
    }
    sweep(spec_from_dict(spec), out=tmp_path / "s", workers=1)
    proc = cli("advise", "data_blind", "--target", ">=0.4", "--cases", str(tmp_path / "s"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "swept scenario 'b2b_activation', this advice is for 'data_blind'" in proc.stderr
    (tmp_path / "box.csv").write_text("parameter,low\nassumptions.folk_wisdom,0.1\n")
    with_box = ("advise", "b2b_activation", "--target", ">=0.4", "--cases", str(tmp_path / "s"), "--box")
    proc = cli(*with_box, str(tmp_path / "box.csv"))
    assert proc.returncode == 2 and "--box: " in proc.stderr and "no high column" in proc.stderr
    (tmp_path / "box.csv").write_text("parameter,low,high\nassumptions.folk_wisdom,2,3\n")
    proc = cli(*with_box, str(tmp_path / "box.csv"))
    assert proc.returncode == 2 and "lies inside the box" in proc.stderr
