"""The alignsim command line: every command, every format, and bad input (exit 2, no traceback)."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import METRICS, bundled_scenarios, load_scenario
from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_list_shows_every_preset(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in bundled_scenarios():
        assert name in out


def test_metrics_lists_the_registry(capsys):
    assert main(["metrics"]) == 0
    out = capsys.readouterr().out
    assert "activation_rate_30d" in out and "outcome" in out and "output" in out


def test_show_prints_resolved_toml_that_loads_back(capsys, tmp_path):
    assert main(["show", "product_logic", "--set", "teams.core.wip_limit=4"]) == 0
    path = tmp_path / "x.toml"
    path.write_text(capsys.readouterr().out)
    s = load_scenario(path)
    assert s.teams["core"].wip_limit == 4 and s.leadership.trump == 0.9


def test_validate(capsys, tmp_path):
    assert main(["validate", str(ROOT / "scenarios" / "b2b_activation.toml")]) == 0
    assert capsys.readouterr().out.startswith("ok: b2b_activation")


def test_run_table_for_several_seeds(capsys):
    assert main(["run", "b2b_activation", "--seeds", "3", "--weeks", "10"]) == 0
    out = capsys.readouterr().out
    assert "seeds 0..2 (3)" in out and "ci_low" in out and "activation_rate_30d" in out


def test_run_json_summary_maps_each_metric_to_its_mean(capsys):
    assert main(["run", "b2b_activation", "--seeds", "3", "--weeks", "12", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["seeds"] == [0, 1, 2] and data["weeks"] == 12
    assert set(METRICS) <= set(data["summary"])
    assert main(["run", "b2b_activation", "--seeds", "3", "--weeks", "12", "--format", "csv"]) == 0
    frame = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert data["summary"]["leads"] == pytest.approx(frame["leads"].mean())


def test_run_seed_and_set(capsys):
    main(["run", "b2b_activation", "--seed", "4", "--weeks", "8", "--format", "json", "--set", "leadership.trump=1.0"])
    a = json.loads(capsys.readouterr().out)
    main(["run", "b2b_activation", "--seed", "4", "--weeks", "8", "--format", "json"])
    b = json.loads(capsys.readouterr().out)
    assert a["seeds"] == [4] and a["summary"] != b["summary"]


def test_run_out_writes_files(capsys, tmp_path):
    assert main(["run", "data_blind", "--seeds", "2", "--weeks", "6", "--out", str(tmp_path / "r")]) == 0
    files = {p.name for p in (tmp_path / "r").iterdir()}
    assert files == {"scenario.toml", "summary.csv", "aggregate.csv", "weekly.csv", "weekly.parquet", "provenance.json"}
    weekly = pd.read_parquet(tmp_path / "r" / "weekly.parquet")
    assert len(weekly) == 12 and {"seed", "week"} <= set(weekly.columns)
    assert load_scenario(tmp_path / "r" / "scenario.toml").departments["data_analytics"].maturity == 0


def test_compare_reports_paired_differences(capsys):
    assert (
        main(
            [
                "compare",
                "b2b_activation",
                "b2b_activation",
                "--seeds",
                "4",
                "--weeks",
                "20",
                "--set-b",
                "leadership.trump=1",
                "--format",
                "json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    row = data["metrics"]["shared_goal_capacity_share"]
    assert row["difference"] == pytest.approx(row["mean_b"] - row["mean_a"])
    assert row["ci_low"] <= row["difference"] <= row["ci_high"]
    assert data["metrics"]["leads"]["mean_a"] > 0  # defined (JSON null for NaN) and counted


def test_run_and_compare_with_lang_da_write_their_tables_in_danish(capsys):
    """--lang da: names, column headers and the lines around the table in Danish, numbers with decimal commas
    (the same numbers as in English); JSON and CSV stay English."""
    from sim import i18n
    from sim.present import labels

    argv = ["run", "b2b_activation", "--seeds", "3", "--weeks", "10"]
    assert main([*argv, "--format", "json"]) == 0
    mean = json.loads(capsys.readouterr().out)["summary"]["lead_time_weeks"]
    assert main([*argv, "--lang", "da"]) == 0
    out = capsys.readouterr().out
    with i18n.language("da"):
        lead_time = labels.value("lead_time_weeks", mean)
    assert "seeds 0..2 (3)" in out and "gennemsnit" in out and "nedre grænse (95 %)" in out and "Gennemløbstid" in out
    assert lead_time in out and "," in lead_time  # e.g. 3,4 uger
    assert (
        main(
            [
                "compare",
                "b2b_activation",
                "b2b_activation",
                "--seeds",
                "3",
                "--weeks",
                "10",
                "--set-b",
                "leadership.trump=1",
                "--lang",
                "da",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "parret over seeds 0..2; forskel = B - A med 95 %-usikkerhedsinterval" in out and "pct.-point" in out
    assert "forskel" in out.splitlines()[4] and "Teamtid på det fælles mål" in out
    assert (
        main(
            [
                "compare",
                "b2b_activation",
                "b2b_activation",
                "--seeds",
                "3",
                "--weeks",
                "10",
                "--lang",
                "da",
                "--format",
                "csv",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("metric,mean_a,mean_b,difference")


def test_compare_identical_scenarios_have_zero_difference(capsys):
    main(["compare", "data_blind", "data_blind", "--seeds", "3", "--weeks", "8", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert all(row["difference"] == 0 or row["difference"] is None for row in data["metrics"].values())


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["run", "nope"], "unknown scenario 'nope'; bundled scenarios:"),
        (["run", "b2b_activation", "--set", "departments.salez.alignment=1"], "unknown department 'salez'"),
        (["run", "b2b_activation", "--set", "teams.core.alignment=2"], "teams.core.alignment"),
        (["run", "b2b_activation", "--set", "noequals"], "expected PATH=VALUE"),
        (["run", "b2b_activation", "--seeds", "0"], "--seeds: must be 1..100,000, got 0"),
        (["run", "b2b_activation", "--weeks", "x"], "--weeks/--periods: must be a whole number"),
        (["run", "b2b_activation", "--format", "xml"], "invalid choice: 'xml'"),
        (["validate", "/no/such/file.toml"], "does not exist"),
        (["frobnicate"], "invalid choice"),
        (["run", "march1991", "--set", "p1=1.5"], "p1: Input should be less than or equal to 1"),
        (["run", "nk_departments", "--set", "incentive=bonus"], "incentive: Input should be 'departmental' or 'firm'"),
        (["compare", "march1991", "nk_departments"], "A runs on model 'march1991' and B on 'nk_departments'"),
        (["metrics", "--model", "nope"], "invalid choice: 'nope'"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(argv, fragment, capsys):
    """In this process (a traceback would fail the test); the entry point's exit code is checked by a fresh
    interpreter below."""
    code, err = _main(argv, capsys)
    assert code == 2
    assert fragment in err


def test_malformed_file_exits_2_from_a_fresh_interpreter(tmp_path):
    """`python -m sim.cli` itself: the exit code and the message reach the shell, with no traceback."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[teams.core\ncapacity = 3\n")
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(bad)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and "malformed TOML" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout


def test_unwritable_out_keeps_printed_results(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["run", "b2b_activation", "--weeks", "4", "--out", str(blocker / "sub")]) == 2
    captured = capsys.readouterr()
    assert "cannot write results" in captured.err
    assert "activation_rate_30d" in captured.out  # the table was printed before the write failed


def test_claims_json_shape(capsys):
    """The report's shape on the fewest seeds (the claims themselves are checked on their registered counts in
    tests/research/test_claims.py); the markdown and table reports below reuse these runs (the claims' cache)."""
    assert main(["claims", "--seeds", "2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["seeds"] == [0, 1] and "alignsim" in data["versions"]
    ids = [c["id"] for c in data["claims"]]
    assert ids[:7] == ["C1", "C2", "C3", "C4", "C5", "C6", "C7"] and len(ids) >= 9
    for claim in data["claims"]:
        assert {"id", "title", "metric", "difference", "ci_low", "ci_high", "passed"} <= set(claim)
        assert claim["seeds"] == [0, 1] and claim["registered_seeds"] >= 30  # a quick look, not the registered count
        assert claim["ci_low"] <= claim["difference"] <= claim["ci_high"]
        assert claim["metric"] in METRICS and isinstance(claim["passed"], bool)


def test_claims_markdown_and_table(capsys):
    assert main(["claims", "--seeds", "2", "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# The claims, checked") and "seeds: 0..1" in md and "| C1 " in md
    assert "for every claim: not the registered counts" in md and "--seeds 2" in md.splitlines()[2]
    assert main(["claims", "--seeds", "2"]) == 0
    assert "claims hold" in capsys.readouterr().out


def test_claims_refuses_a_single_seed(capsys):
    code, err = _main(["claims", "--seeds", "1"], capsys)
    assert code == 2 and "--seeds: must be 2..100,000, got 1" in err


# ---------------------------------------------------------------- reference models


def test_the_issue_command_runs_march_over_200_seeds_as_json(capsys):
    argv = ["run", "march1991", "--set", "p1=0.1", "--set", "p2=0.9", "--seeds", "200", "--format", "json"]
    assert main(argv) == 0, capsys.readouterr().err
    data = json.loads(capsys.readouterr().out)
    assert data["model"] == "march1991" and len(data["seeds"]) == 200
    low, high = data["ci95"]["equilibrium_knowledge"]
    assert low <= data["summary"]["equilibrium_knowledge"] <= high and data["summary"]["equilibrium"] == 1.0


def test_reference_models_list_validate_and_report_in_their_own_terms(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "march1991:" in out and "Organization Science" in out and "nk_departments_rubber_stamp" in out
    assert main(["metrics", "--model", "nk_departments"]) == 0
    assert "performance" in capsys.readouterr().out
    assert main(["validate", str(ROOT / "scenarios" / "march1991_turnover.toml")]) == 0
    assert capsys.readouterr().out.startswith("ok: march1991_turnover [march1991] (m=30 dimensions, n=50")
    assert main(["run", "nk_departments", "--seeds", "3", "--periods", "20"]) == 0
    out = capsys.readouterr().out
    assert "20 periods; seeds 0..2 (3)" in out and "Firm performance" in out and "Decisions changed" in out
    assert (
        main(
            [
                "compare",
                "nk_departments",
                "nk_departments",
                "--set-b",
                "incentive=firm",
                "--seeds",
                "5",
                "--format",
                "json",
            ]
        )
        == 0
    )
    assert set(json.loads(capsys.readouterr().out)["metrics"]) == {
        "performance",
        "performance_mean",
        "at_optimum",
        "changes",
        "cross_interaction",
    }


# ---------------------------------------------------------------- issue 16: one line, exit 2, bounded cost


def _main(argv: list[str], capsys) -> tuple[int, str]:
    """Run the CLI in this process: its exit code and what it printed on stderr."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse exits on bad flags
        code = exc.code
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["run", "b2b_activation", "--seeds", "-1"], "--seeds: must be 1..100,000, got -1"),
        (["run", "b2b_activation", "--weeks", "0"], "--weeks/--periods: must be 1..1,000,000, got 0"),
        (["sweep", "spec.toml", "--workers", "0"], "--workers: must be 1..256, got 0"),
        (["claims", "--seeds", "10000000000"], "--seeds: must be 2..100,000"),
        (["run", "b2b_activation", "--seeds", "1" + "0" * 400], "--seeds: must be 1..100,000"),
        (["run", "b2b_activation", "--set", "departments.sales.requests.*=-5"], "departments.sales.requests.*"),
        (["run", "b2b_activation", "--set", "departments.sales.target=nan"], "departments.sales.target: must be a fin"),
        (["run", "b2b_activation", "--set", "customers.acv=inf"], "customers.acv: must be a finite number"),
        (["run", "b2b_activation", "--set", "leadership.trump=" + "[" * 2000], "nested deeper than"),
        (["run", "b2b_activation", "--set", ".".join(["a"] * 5000) + "=1"], "a path has at most"),
        (["validate", "x" * 300 + ".toml"], "path is too long"),
    ],
)
def test_bad_values_and_flags_are_one_line_with_exit_2(argv, fragment, capsys):
    code, err = _main(argv, capsys)
    assert code == 2 and fragment in err, err
    assert len(err.strip().splitlines()) == 1 and "usage:" not in err and "Traceback" not in err


def test_control_characters_in_input_are_escaped_in_messages(capsys, tmp_path):
    code, err = _main(["run", "b2b_activation", "--set", "departments.\x1b[31mevil\x07.alignment=1"], capsys)
    assert code == 2 and "\x1b" not in err and "\x07" not in err and "\\x1b[31mevil\\x07" in err
    path = tmp_path / "ctl.toml"
    path.write_text('[teams."a\\u001b[2Jb"]\nspeed = 1\n')
    code, err = _main(["validate", str(path)], capsys)
    assert code == 2 and "\x1b" not in err and "\\x1b[2J" in err and len(err.strip().splitlines()) == 1


def test_a_run_above_the_budget_is_refused_and_yes_runs_it(capsys, monkeypatch):
    code, err = _main(["run", "b2b_activation", "--set", "customers.population=5000000", "--weeks", "2000"], capsys)
    assert code == 2 and "would take about" in err and "the budget is 10.0 min: add --yes" in err
    code, err = _main(
        ["run", "march1991", "--set", "n=5000", "--set", "m=1000", "--set", "p3=0.1", "--periods", "100000"], capsys
    )
    assert code == 2 and "would take about" in err and "--yes" in err
    code, err = _main(["run", "nk_departments", "--set", "N=16", "--periods", "100000", "--seeds", "1000"], capsys)
    assert code == 2 and "1,000 run(s) of nk_departments would take about" in err
    code, err = _main(["claims", "--seeds", "100000"], capsys)
    assert code == 2 and "the claims over 100,000 seeds would take about" in err and "--yes" in err
    from sim.cli import common

    monkeypatch.setattr(common, "CLI_BUDGET_SECONDS", 1e-6)  # a tiny budget: any run is above it
    code, err = _main(["run", "b2b_activation", "--weeks", "2"], capsys)
    assert code == 2 and "--yes" in err
    assert _main(["run", "b2b_activation", "--weeks", "2", "--yes"], capsys)[0] == 0
    code, err = _main(["compare", "b2b_activation", "product_logic", "--weeks", "2", "--seeds", "2"], capsys)
    assert code == 2 and "comparing over 2 seeds" in err


def test_five_thousand_teams_in_a_small_file_are_refused_before_running(capsys, tmp_path):
    path = tmp_path / "teams.toml"
    path.write_text("".join(f"[teams.t{i}]\n" for i in range(5000)))
    assert path.stat().st_size < 70_000
    code, err = _main(["run", str(path)], capsys)
    assert code == 2 and "would take about" in err and "--yes" in err


def test_an_unknown_model_gives_the_same_line_for_run_and_validate(capsys, tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('model = "nope"\n')
    outcomes = [_main([cmd, str(path), *extra], capsys) for cmd, extra in (("validate", []), ("run", ["--weeks", "5"]))]
    assert [code for code, _ in outcomes] == [2, 2]
    assert all("model: unknown model 'nope'; registered: alignment, march1991" in err for _, err in outcomes)


def test_extends_outside_the_folder_needs_the_flag(capsys, tmp_path):
    (tmp_path / "base.toml").write_text("weeks = 9\n")
    (tmp_path / "org").mkdir()
    child = tmp_path / "org" / "child.toml"
    child.write_text('extends = "../base.toml"\n')
    code, err = _main(["validate", str(child)], capsys)
    assert code == 2 and "outside the folder" in err and "--extends-anywhere" in err
    assert _main(["validate", str(child), "--extends-anywhere"], capsys)[0] == 0
