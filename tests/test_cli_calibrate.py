"""`alignsim calibrate`: import only, a small fit end to end, and bad flags or files (exit 2, one line)."""

from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.input import load_scenario

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


def test_import_only_writes_a_complete_scenario(tmp_path, capsys):
    out = tmp_path / "org.toml"
    assert main(["calibrate", str(EXAMPLES / "own_org.xlsx"), "--out", str(out)]) == 0
    text = out.read_text()
    assert "extends" not in text and "[teams.onboarding]" in text
    assert set(load_scenario(out).teams) == {"onboarding", "platform"}
    assert "alignsim run" in capsys.readouterr().err


def test_a_small_fit_writes_the_calibrated_scenario_its_fit_and_a_study(tmp_path, capsys):
    observed = tmp_path / "obs.csv"
    full = pd.read_csv(EXAMPLES / "own_org_monthly.csv")
    full[["month", "releases"]].head(6).to_csv(observed, index=False)
    out = tmp_path / "my_org.toml"
    args = ["calibrate", str(EXAMPLES / "own_org"), "--observed", str(observed), "--out", str(out),
            "--trials", "3", "--seeds", "2", "--band-seeds", "2"]
    # a small budget: the CLI's local search and profile grids are the library's defaults
    assert main(args) == 0
    report = capsys.readouterr().out
    assert "item_size:" in report and "lead_rate: 0.006 (default; no data informs it)" in report
    scenario = load_scenario(out)
    assert "Calibrated to 6 observed monthly values (releases)" in scenario.description
    fit = pd.read_csv(tmp_path / "my_org_fit.csv")
    assert list(fit.columns) == ["period", "series", "observed", "simulated", "low", "high"] and len(fit) == 6
    assert (tmp_path / "my_org.study.log").exists()
    estimates = pd.read_csv(tmp_path / "my_org_estimates.csv").set_index("parameter")
    assert scenario.kinds["bug_fix"].size == pytest.approx(
        load_scenario("b2b_activation").kinds["bug_fix"].size * estimates.loc["item_size", "estimate"])
    # a what-if on the calibrated organisation: the shared goal trumps local KPIs
    capsys.readouterr()
    assert main(["compare", str(out), str(out), "--set-b", "leadership.trump=0.9", "--seeds", "2"]) == 0
    table = capsys.readouterr().out
    assert "B = nordlys (leadership.trump=0.9)" in table and "activation_rate_30d" in table


@pytest.mark.parametrize("args, expected", [
    (["calibrate", "missing.xlsx", "--out", "x.toml"], "organisation file 'missing.xlsx' does not exist"),
    (["calibrate", "ORG", "--out", "x.txt"], "--out x.txt: expected a .toml file name"),
    (["calibrate", "ORG", "--observed", "missing.csv", "--out", "x.toml"], "observed data 'missing.csv' does not exist"),
    (["calibrate", "ORG", "--observed", "ORG", "--out", "x.toml"], "not a UTF-8 CSV file"),
    (["calibrate", "ORG", "--out", "x.toml", "--trials", "1"], "argument --trials: must be 2..10,000"),
    (["calibrate", "ORG", "--observed", "OBS", "--out", "x.toml", "--trials", "10000"], "would take about"),
])
def test_bad_input_exits_2_with_one_line(args, expected, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [str(EXAMPLES / "own_org.xlsx") if a == "ORG" else str(EXAMPLES / "own_org_monthly.csv") if a == "OBS"
            else a for a in args]
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and err.count("\n") == 1

