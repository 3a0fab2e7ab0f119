"""Provenance: every output says which alignsim, code, packages, scenario, overrides and seeds made it."""

import importlib.metadata
import io
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd

from sim import provenance
from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_version_comes_from_the_package_metadata_and_citation_names_it():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert provenance.version() == pyproject["project"]["version"]
    citation = (ROOT / "CITATION.cff").read_text()
    assert re.search(rf"^version: {re.escape(provenance.version())}$", citation, re.M)
    assert "MIT" in (ROOT / "LICENSE").read_text() and pyproject["project"]["license"] == "MIT"
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text()


def test_cli_version_prints_version_and_fingerprint():
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "--version"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"alignsim {provenance.version()} (code {provenance.fingerprint()}")


def test_run_out_records_provenance_in_a_sidecar_and_in_the_parquet(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            ["run", "b2b_activation", "--weeks", "3", "--seeds", "2", "--set", "leadership.trump=1", "--out", str(out)]
        )
        == 0
    )
    meta = json.loads((out / "provenance.json").read_text())
    assert meta["provenance"]["fingerprint"] == provenance.fingerprint()
    assert meta["overrides"] == {"leadership.trump": 1} and meta["seeds"] == [0, 1]
    assert meta["scenario_sha256"] == provenance.file_sha256(out / "scenario.toml")
    assert meta["files"]["weekly.csv"] == provenance.file_sha256(out / "weekly.csv")
    assert provenance.parquet_record(out / "weekly.parquet")["scenario_sha256"] == meta["scenario_sha256"]
    assert len(pd.read_parquet(out / "weekly.parquet")) == 2 * 3


def test_run_json_carries_provenance(capsys):
    assert main(["run", "b2b_activation", "--weeks", "2", "--format", "json", "--set", "weeks=2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["provenance"]["alignsim"] == provenance.version() and data["overrides"] == {"weeks": 2}
    assert data["scenario"] == "b2b_activation" and len(data["scenario_sha256"]) == 64


def test_compare_json_keeps_each_sides_overrides(capsys):
    """A trump 0 vs 1 comparison of one preset must say so (it used to read b2b_activation vs b2b_activation)."""
    argv = ["compare", "b2b_activation", "b2b_activation", "--seeds", "2", "--weeks", "3"]
    assert main([*argv, "--set", "customers.population=500", "--set-b", "leadership.trump=1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scenarios"]["a"]["overrides"] == {"customers.population": 500}
    assert data["scenarios"]["b"]["overrides"] == {"customers.population": 500, "leadership.trump": 1}
    assert data["scenarios"]["a"]["sha256"] != data["scenarios"]["b"]["sha256"]
    assert data["provenance"]["fingerprint"] == provenance.fingerprint()


def test_research_commands_record_the_packages_that_decide_them_where_installed():
    meta = provenance.metadata(("SALib", "no-such-package-alignsim"))
    assert meta["packages"]["SALib"] == importlib.metadata.version("SALib")
    assert "no-such-package-alignsim" not in meta["packages"]  # recorded where installed, never "missing"
    assert "SALib" not in provenance.metadata()["packages"]  # a run's record lists what decides runs only


def test_a_worker_reports_its_package_versions_and_differences_are_named():
    who = provenance.worker()
    assert who["packages"] == provenance.package_versions()
    assert provenance.package_differences(who["packages"]) == []
    theirs = {**who["packages"], "mesa": "3.0.0"}
    assert provenance.package_differences(theirs) == [("mesa", "3.0.0", provenance.package_versions()["mesa"])]
    assert {name for name, _, _ in provenance.package_differences(None)} == {"python", *provenance.PACKAGES}


def test_compare_out_writes_the_table_both_scenarios_and_their_provenance(tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = ["compare", "b2b_activation", "b2b_activation", "--seeds", "2", "--weeks", "3", "--set-b"]
    assert main([*argv, "leadership.trump=1", "--format", "csv", "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert (out / "comparison.csv").read_text() == stdout  # the same bare table: CSV on stdout has no header lines
    assert pd.read_csv(io.StringIO(stdout), index_col=0).index[0] and not stdout.startswith("#")
    meta = json.loads((out / "provenance.json").read_text())
    assert set(meta["files"]) == {"comparison.csv", "a.toml", "b.toml"}
    assert meta["files"]["b.toml"] == provenance.file_sha256(out / "b.toml")
    assert meta["scenarios"]["b"]["overrides"] == {"leadership.trump": 1} and meta["seeds"] == [0, 1]
    assert meta["scenarios"]["b"]["sha256"] == provenance.file_sha256(out / "b.toml")  # the resolved scenario's
    assert meta["scenarios"]["a"]["sha256"] != meta["scenarios"]["b"]["sha256"]
    assert meta["provenance"]["fingerprint"] == provenance.fingerprint()
