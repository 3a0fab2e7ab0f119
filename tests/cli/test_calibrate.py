"""`alignsim calibrate`: import only, a small fit end to end, and bad flags or files (exit 2, one line)."""

import re
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.input import load_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


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
    args = [
        "calibrate",
        str(EXAMPLES / "own_org"),
        "--observed",
        str(observed),
        "--out",
        str(out),
        "--trials",
        "3",
        "--seeds",
        "2",
        "--band-seeds",
        "2",
    ]
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
        load_scenario("b2b_activation").kinds["bug_fix"].size * estimates.loc["item_size", "estimate"]
    )
    # a what-if on the calibrated organisation: the shared goal trumps local KPIs
    capsys.readouterr()
    assert main(["compare", str(out), str(out), "--set-b", "leadership.trump=0.9", "--seeds", "2"]) == 0
    table = capsys.readouterr().out
    assert "B = nordlys (leadership.trump=0.9)" in table and "activation_rate_30d" in table


@pytest.mark.parametrize(
    "args, expected",
    [
        (["calibrate", "missing.xlsx", "--out", "x.toml"], "organisation file 'missing.xlsx' does not exist"),
        (["calibrate", "ORG", "--out", "x.txt"], "--out x.txt: expected a .toml file name"),
        (
            ["calibrate", "ORG", "--observed", "missing.csv", "--out", "x.toml"],
            "observed data 'missing.csv' does not exist",
        ),
        (["calibrate", "ORG", "--observed", "ORG", "--out", "x.toml"], "not a UTF-8 CSV file"),
        (["calibrate", "ORG", "--out", "x.toml", "--trials", "1"], "argument --trials: must be 2..10,000"),
        (["calibrate", "ORG", "--observed", "OBS", "--out", "x.toml", "--trials", "10000"], "would take about"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, expected, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [
        str(EXAMPLES / "own_org.xlsx") if a == "ORG" else str(EXAMPLES / "own_org_monthly.csv") if a == "OBS" else a
        for a in args
    ]
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and err.count("\n") == 1


def _small_org(folder: Path) -> Path:
    """An organisation of two departments, as CSV sheets in a folder."""
    folder.mkdir()
    (folder / "organisation.csv").write_text("setting,value\nname,tiny\naccounts,800\n")
    (folder / "departments.csv").write_text("department,kpi\nsales,deals_closed\nfinance,milestones_on_plan_rate\n")
    (folder / "teams.csv").write_text("team,people,approvals\ncore,5,finance\n")
    return folder


def test_calibrate_speaks_the_language_of_lang(tmp_path, capsys):
    """--lang da: the notes, the progress text, the fit's report and the closing line in Danish (the notes as the
    catalogue has them); without --lang, English."""
    from sim.i18n import language, shown
    from sim.input.orgsheet import organisation, read_path

    org = _small_org(tmp_path / "org")
    observed = tmp_path / "obs.csv"
    pd.read_csv(EXAMPLES / "own_org_monthly.csv")[["month", "releases"]].head(3).to_csv(observed, index=False)
    out = tmp_path / "tiny.toml"
    args = [
        "calibrate",
        str(org),
        "--observed",
        str(observed),
        "--out",
        str(out),
        "--trials",
        "2",
        "--seeds",
        "2",
        "--band-seeds",
        "2",
    ]
    assert main([*args, "--lang", "da"]) == 0
    captured = capsys.readouterr()
    assert "tilpasser tiny til 3 måneder med releases; kan genoptages" in captured.err
    assert f"skrev {out}: prøv alignsim run {out} --seeds 20" in captured.err
    assert captured.out.startswith("tilpasning: afstand")
    assert "(standard; ingen data siger noget om den)" in captured.out
    assert "kan ikke bestemmes ud fra disse serier" in captured.out  # the fit's notes too
    report = captured.out.splitlines()
    assert re.search(r"item_size: \d+,\d+ \[\d+,\d+; \d+,\d+\]", captured.out)  # decimal commas
    assert not any(re.search(r"\d\.\d", line) for line in report), report
    with language("da"):
        notes = [f"bemærk: {shown(n)}" for n in organisation(read_path(org)).notes]
    assert len(notes) == 9 and all(n in captured.err.splitlines() for n in notes)
    assert main(["calibrate", str(org), "--out", str(out)]) == 0
    assert f"wrote {out}: try alignsim run" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["calibrate", str(org), "--out", str(out), "--lang", "xx"])
    assert exc.value.code == 2 and re.search(
        r"argument --lang: invalid choice: 'xx' \(choose from '?en'?, '?da'?\)", capsys.readouterr().err
    )


def test_the_imported_organisation_s_missing_departments_stay_missing_in_run_and_sweep(tmp_path, capsys):
    """What the import left out cannot come back through --set or a sweep: one line naming the field (exit 2)."""
    from sim.research.sweep import SweepError, plan, spec_from_dict

    out = tmp_path / "tiny.toml"
    assert main(["calibrate", str(_small_org(tmp_path / "org")), "--out", str(out)]) == 0
    assert set(load_scenario(out).departments) == {"sales", "finance"}
    capsys.readouterr()
    assert main(["run", str(out), "--weeks", "4", "--set", "departments.marketing.campaign_lift=2"]) == 2
    err = capsys.readouterr().err
    assert (
        "override departments.marketing.campaign_lift: unknown department 'marketing' in departments; allowed: "
        "sales, finance"
    ) in err and err.count("\n") == 1
    assert main(["run", str(out), "--weeks", "4", "--set", "departments.sales.alignment=0.9"]) == 0
    with pytest.raises(SweepError, match="parameters: unknown scenario path 'departments.hr.skills'"):
        plan(spec_from_dict({"scenario": str(out), "parameters": {"departments.hr.skills": [0.2, 0.8]}}), None)
    base, points, _ = plan(
        spec_from_dict({"scenario": str(out), "weeks": 4, "parameters": {"departments.sales.alignment": [0.2, 0.8]}}),
        None,
    )
    assert set(base.departments) == {"sales", "finance"} and len(points) == 2


def _tiny_fit_args(tmp_path: Path) -> tuple[list[str], Path]:
    org = _small_org(tmp_path / "org")
    observed = tmp_path / "obs.csv"
    pd.read_csv(EXAMPLES / "own_org_monthly.csv")[["month", "releases"]].head(3).to_csv(observed, index=False)
    out = tmp_path / "fit.toml"
    flags = ["--trials", "2", "--seeds", "2", "--band-seeds", "2"]
    return ["calibrate", str(org), "--observed", str(observed), "--out", str(out), *flags], out


def test_a_study_log_that_is_a_symlink_is_refused_before_any_work(tmp_path, capsys):
    """Issue 26: with fit.study.log a link to precious.txt, the journal's repair cut precious.txt to nothing and
    Optuna appended its log to it. Now: one line naming the file, exit 2, precious.txt untouched."""
    args, out = _tiny_fit_args(tmp_path)
    precious = tmp_path / "precious.txt"
    precious.write_text("a colleague's notes\n")
    (tmp_path / "fit.study.log").symlink_to(precious)
    assert main(args) == 2
    err = capsys.readouterr().err.splitlines()
    assert (
        err[-1]
        == f"alignsim: error: {tmp_path}/fit.study.log: is a symbolic link; alignsim does not write through links"
    )
    assert precious.read_text() == "a colleague's notes\n"
    assert not out.exists()


def test_a_study_log_replaced_by_a_link_mid_fit_is_not_followed(tmp_path):
    """The journal is opened once without following links and Optuna writes to that open file: a link put in its
    place while the fit runs leads nowhere."""
    from sim.input.observed import read_observed_path
    from sim.input.orgsheet import organisation, read_path
    from sim.research import calibration

    org = organisation(read_path(_small_org(tmp_path / "org"))).scenario
    observed = tmp_path / "obs.csv"
    pd.read_csv(EXAMPLES / "own_org_monthly.csv")[["month", "releases"]].head(3).to_csv(observed, index=False)
    precious, journal = tmp_path / "precious.txt", tmp_path / "fit.study.log"
    precious.write_text("a colleague's notes\n")
    swapped = []

    def swap(done: int, total: int) -> None:
        if not swapped:  # after the first candidate: the journal holds it; now a link takes its place
            assert journal.stat().st_size > 0
            link = tmp_path / "link"
            link.symlink_to(precious)
            link.replace(journal)
            swapped.append(done)

    calibration.calibrate(
        org,
        read_observed_path(observed),
        trials=3,
        seeds=2,
        band_seeds=2,
        storage=journal,
        progress=swap,
        local_evals=1,
        design_points=2,
    )
    assert swapped and journal.is_symlink()
    assert precious.read_text() == "a colleague's notes\n"
    with pytest.raises(OSError, match="is a symbolic link"):  # the library refuses it too
        calibration.calibrate(org, read_observed_path(observed), trials=2, seeds=2, band_seeds=2, storage=journal)
    assert precious.read_text() == "a colleague's notes\n"
