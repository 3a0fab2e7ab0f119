"""Sweep folders: self-contained and movable, read back only after checks against the plan, continued from the
folder itself; executors (a local pool, Dask's executor) and worker fingerprints; levers crossed with cases."""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim import provenance
from sim.research.sweep import SweepError, analyze, make_plan, read_runs, spec_from_dict, sweep
from sim.research.sweep.store import sha256
from tests.inprocess import cli

ROOT = Path(__file__).resolve().parents[2]
SPEC = {
    "scenario": "b2b_activation",
    "weeks": 4,
    "seeds": 2,
    "metrics": ["leads", "context_switches"],
    "parameters": {"leadership.trump": [0.0, 1.0], "teams.core.wip_limit": [2, 4]},
}


def _spec(**changes):
    return spec_from_dict({**SPEC, **changes})


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """A finished sweep folder (chunks of 2 runs) and its table; tests copy it before damaging it."""
    out = tmp_path_factory.mktemp("clean") / "s"
    table = sweep(_spec(), out=out, workers=1, chunk_size=2)
    return out, table


def _copy(clean_out: Path, tmp_path: Path) -> Path:
    out = tmp_path / "s"
    shutil.copytree(clean_out, out)
    return out


def _parts(out: Path) -> list[Path]:
    return sorted((out / "parts").glob("runs-*.parquet"))


def _forge(path: Path, frame: pd.DataFrame) -> Path:
    """Replace a part by ``frame`` under a name whose checksum matches (as a careless tool or a forger would)."""
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
    data = sink.getvalue()
    path.unlink()
    new = path.with_name(f"{path.name.split('.')[0]}.{sha256(data)[:32]}.parquet")
    new.write_bytes(data)
    return new


# ---------------------------------------------------------------- self-contained, movable


def test_a_moved_folder_analyses_and_its_manifest_holds_no_absolute_path(tmp_path):
    scenario = tmp_path / "org" / "my_org.toml"
    scenario.parent.mkdir()
    scenario.write_text('extends = "b2b_activation"\nname = "my_org"\n[customers]\npopulation = 800\n')
    spec = tmp_path / "org" / "morris.toml"
    spec.write_text(
        'scenario = "my_org.toml"\nweeks = 6\nseeds = 1\ndesign = "morris"\nsamples = 2\nmetrics = ["leads"]\n'
        '[parameters]\n"leadership.trump" = [0.0, 1.0]\n"teams.core.capacity" = [2.0, 8.0]\n'
    )
    out = tmp_path / "org" / "out"
    assert cli("sweep", str(spec), "--out", str(out), "--workers", "1").returncode == 0
    text = (out / "manifest.json").read_text()
    assert str(tmp_path) not in text and '"scenario": "scenario.toml"' in text
    moved = tmp_path / "elsewhere" / "sweep"
    shutil.move(str(out), moved)
    shutil.rmtree(tmp_path / "org")  # the spec and the scenario file are gone too
    proc = cli("analyze", str(moved))
    assert proc.returncode == 0, proc.stderr
    assert "mu_star" in proc.stdout and (moved / "analysis.csv").is_file()
    proc = cli("sweep", str(moved / "manifest.json"))  # continuing a finished folder: nothing left to run
    assert proc.returncode == 0 and "6 runs" in proc.stdout, proc.stderr


def test_an_interrupted_moved_folder_continues_from_the_folder_alone(clean, tmp_path):
    clean_out, table = clean
    out = _copy(clean_out, tmp_path)
    for path in _parts(out)[1:]:
        path.unlink()
    (out / "runs.parquet").unlink()
    manifest = json.loads((out / "manifest.json").read_text())
    manifest.update(finished=None, files=None)
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SweepError, match="not a finished sweep"):
        read_runs(out)
    assert sweep(out, workers=1).equals(table)
    assert read_runs(out).equals(table)


def test_analyze_and_discover_take_the_folder_or_its_manifest_and_name_what_to_give(clean, tmp_path):
    clean_out, _ = clean
    out = _copy(clean_out, tmp_path)
    proc = cli("discover", str(out / "manifest.json"), "--metric", "leads", "--threshold", "1e9")
    assert proc.returncode == 2 and "no case of 4 meets it" in proc.stderr  # it read the sweep
    assert read_runs(out / "manifest.json").equals(read_runs(out))
    proc = cli("analyze", str(out / "runs.parquet"))
    assert proc.returncode == 2 and "not a sweep folder; give a sweep's folder (or its manifest.json)" in proc.stderr


def test_sweep_of_a_manifest_path_without_a_folder_spec_is_explained(tmp_path):
    from sim.research.sweep import load_spec

    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(SweepError, match="a sweep folder's manifest, not a sweep spec; continue that sweep with"):
        load_spec(tmp_path / "manifest.json")


# ---------------------------------------------------------------- hostile folders: one line, exit 2, re-run


def _many_copies_of_run_0(path: Path) -> Path:
    frame = pd.read_parquet(path)
    return _forge(path, pd.concat([frame.iloc[:1]] * 200_000, ignore_index=True))


def _extra_run(path: Path) -> Path:
    frame = pd.read_parquet(path)
    extra = frame.iloc[-1:].assign(run=frame["run"].max() + 1)
    return _forge(path, pd.concat([frame, extra], ignore_index=True))


def _altered_value(path: Path) -> Path:  # an edit that keeps the old name: the checksum says so
    frame = pd.read_parquet(path)
    frame.loc[0, "leads"] = 1e9
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
    path.write_bytes(sink.getvalue())
    return path


def _altered_parameter(path: Path) -> Path:
    frame = pd.read_parquet(path)
    frame["leadership.trump"] = 0.5
    return _forge(path, frame)


def _truncated(path: Path) -> Path:
    path.write_bytes(path.read_bytes()[:100])
    return path


def _symlink(path: Path) -> Path:
    target = path.parents[2] / "elsewhere.bin"  # outside the sweep folder
    path.rename(target)
    path.symlink_to(target)
    return path


def _huge(path: Path) -> Path:
    with open(path, "r+b") as f:
        f.truncate(600 * 2**20)  # sparse: costs no disk
    return path


HOSTILE_PARTS = {
    "many copies of run 0": (_many_copies_of_run_0, "holds 200,000 rows; the plan says 2"),
    "an extra run": (_extra_run, "holds 3 rows; the plan says 2"),
    "an altered metric": (_altered_value, "checksum does not match"),
    "an altered parameter": (_altered_parameter, "'leadership.trump' values are not the plan's"),
    "a truncated file": (_truncated, "checksum does not match"),
    "a symlink": (_symlink, "not a regular file"),
    "600 MiB": (_huge, "more than the"),
}


@pytest.mark.parametrize("damage", list(HOSTILE_PARTS))
def test_a_hostile_part_is_named_in_one_line_set_aside_and_run_again_on_resume(clean, tmp_path, damage):
    clean_out, table = clean
    out = _copy(clean_out, tmp_path)
    harm, fragment = HOSTILE_PARTS[damage]
    damaged = harm(_parts(out)[1])
    notes: list[str] = []
    resumed = sweep(_spec(), out=out, workers=1, resume=True, note=notes.append)
    assert resumed.equals(table), "a damaged part must be run again, never merged"
    assert len(notes) == 1 and fragment in notes[0] and damaged.name in notes[0] and "\n" not in notes[0]
    assert (out / "parts" / "damaged" / damaged.name).exists() or (
        out / "parts" / "damaged" / damaged.name
    ).is_symlink()


def test_a_part_is_checked_against_the_plan_once_and_then_trusted_by_its_checksum(clean, tmp_path, monkeypatch):
    """Resume and the final merge re-checked every part against the plan (about 7 ms a part: minutes for a large
    sweep before its first task). The driver checks a chunk's rows before writing them and records the part."""
    from sim.research.sweep import store

    clean_out, table = clean
    out = _copy(clean_out, tmp_path)
    ledger = (out / "parts" / ".verified").read_text().split()
    assert sorted(ledger) == sorted(p.name for p in _parts(out))  # every part the driver wrote
    checked: list[str] = []
    real = store.check_rows
    monkeypatch.setattr(store, "check_rows", lambda frame, layout, runs, kind, where: checked.append(where))
    assert sweep(out, workers=1).equals(table)  # resume (nothing to run) and merge again
    assert checked == []  # each part's checksum was read, none was parsed and compared again
    monkeypatch.setattr(store, "check_rows", real)
    (out / "parts" / ".verified").unlink()  # a folder without a ledger (or an older alignsim's) is checked in full
    monkeypatch.setattr(store, "check_rows", lambda *a: (checked.append(a[-1]), real(*a))[1])
    assert sweep(out, workers=1).equals(table)
    assert len(checked) == len(_parts(out))  # by the resume's scan, which records them: the merge trusts them
    assert sorted((out / "parts" / ".verified").read_text().split()) == sorted(ledger)


def test_a_name_written_into_the_ledger_by_hand_skips_nothing_that_reading_the_table_checks(clean, tmp_path):
    clean_out, _ = clean
    out = _copy(clean_out, tmp_path)
    forged = _altered_parameter(_parts(out)[1])  # self-consistent: a new name that matches its new content
    with open(out / "parts" / ".verified", "a") as f:
        f.write(forged.name + "\n")
    with pytest.raises(SweepError, match=r"runs.parquet: its 'leadership.trump' values are not the plan's"):
        sweep(out, workers=1)  # merged as trusted, refused when the table is read back against the plan


def test_a_ledger_that_is_a_symlink_is_neither_read_nor_written_through(clean, tmp_path):
    clean_out, table = clean
    out = _copy(clean_out, tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    (out / "parts" / ".verified").unlink()
    (out / "parts" / ".verified").symlink_to(outside)
    assert sweep(out, workers=1).equals(table)  # every part checked in full instead
    assert outside.read_text() == "keep me\n"


class _WrongSeeds(Executor):
    """Runs tasks in the calling thread and returns rows whose seeds are not the plan's."""

    def submit(self, fn, /, *args, **kwargs):
        fut: Future = Future()
        rows, weekly, who = fn(*args, **kwargs)
        fut.set_result((rows.assign(seed=rows["seed"] + 1), weekly, {**who, "worker": "node9 pid 1"}))
        return fut


def test_rows_that_are_not_the_plans_are_refused_before_they_are_written(tmp_path):
    with pytest.raises(
        SweepError, match=r"^node9 pid 1's rows: its 'seed' values are not the plan's for runs \d+\.\.$"
    ):
        sweep(_spec(), out=tmp_path / "o", executor=_WrongSeeds())
    assert list((tmp_path / "o" / "parts").glob("runs-*")) == []


def test_the_cli_resume_of_the_issues_part_stays_small_and_exits_0_with_the_clean_table(clean, tmp_path):
    """The issue's case: a small part holding many copies of run 0 made --resume peak at 19.7 GB and exit 0 with
    NaNs. Now its footer is read first: the part is refused before its rows are, and its runs are run again."""
    clean_out, table = clean
    out = _copy(clean_out, tmp_path)
    damaged = _many_copies_of_run_0(_parts(out)[0])
    spec = tmp_path / "spec.toml"
    spec.write_text(
        'scenario = "b2b_activation"\nweeks = 4\nseeds = 2\nmetrics = ["leads", "context_switches"]\n'
        '[parameters]\n"leadership.trump" = [0.0, 1.0]\n"teams.core.wip_limit" = [2, 4]\n'
    )
    proc = cli("sweep", str(spec), "--out", str(out), "--resume", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert damaged.name in proc.stderr and "holds 200,000 rows" in proc.stderr and "Traceback" not in proc.stderr
    assert pd.read_parquet(out / "runs.parquet").equals(table)


HOSTILE_FOLDERS = {
    "runs.parquet with many rows": (
        lambda out: pq.write_table(
            pa.Table.from_pandas(pd.concat([pd.read_parquet(out / "runs.parquet")] * 1000)), out / "runs.parquet"
        ),
        "runs.parquet",
    ),
    "runs.parquet edited": (lambda out: _altered_value(out / "runs.parquet"), "checksum is not the manifest's"),
    "a 512 MiB manifest": (lambda out: _huge(out / "manifest.json"), "manifest.json"),
    "a manifest that claims more runs": (
        lambda out: (out / "manifest.json").write_text(
            json.dumps({**json.loads((out / "manifest.json").read_text()), "runs": 134_000_000})
        ),
        "damaged manifest (its plan does not match its spec)",
    ),
    "an edited scenario": (
        lambda out: (out / "scenario.toml").write_text((out / "scenario.toml").read_text() + "\n# edited\n"),
        "scenario.toml: its checksum is not the manifest's",
    ),
    "a manifest from an older alignsim": (
        lambda out: (out / "manifest.json").write_text(json.dumps({"spec": {}, "runs": 8})),
        "from an older alignsim",
    ),
}


@pytest.mark.parametrize("damage", list(HOSTILE_FOLDERS))
def test_reading_a_hostile_folder_back_is_one_line_and_exit_2(clean, tmp_path, damage):
    clean_out, _ = clean
    out = _copy(clean_out, tmp_path)
    harm, fragment = HOSTILE_FOLDERS[damage]
    harm(out)
    with pytest.raises(SweepError, match=fragment.replace("(", r"\(").replace(")", r"\)")) as err:
        read_runs(out)
    assert "\n" not in str(err.value)
    proc = cli("discover", str(out), "--metric", "leads", "--threshold", "100")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


# ---------------------------------------------------------------- executors and worker fingerprints


def test_any_executor_gives_the_serial_table(tmp_path):
    spec = _spec()
    serial = sweep(spec, workers=1)
    with ProcessPoolExecutor(2) as pool:
        assert sweep(spec, executor=pool, chunk_size=1).equals(serial)
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        assert sweep(spec, out=tmp_path / "d", executor=client.get_executor(), chunk_size=3).equals(serial)


class _OtherCode(Executor):
    """Runs tasks in the calling thread, as a worker with another code fingerprint would report them."""

    def submit(self, fn, /, *args, **kwargs):
        fut: Future = Future()
        rows, weekly, who = fn(*args, **kwargs)
        fut.set_result((rows, weekly, {**who, "fingerprint": "0" * 16, "worker": "node7 pid 42"}))
        return fut


def test_a_result_from_other_code_stops_the_sweep_naming_the_worker(tmp_path):
    with pytest.raises(SweepError, match=r"^node7 pid 42 runs alignsim .* with code 0{16}, this driver") as err:
        sweep(_spec(), out=tmp_path / "o", executor=_OtherCode())
    assert "--resume" in str(err.value) and "\n" not in str(err.value)
    assert list((tmp_path / "o" / "parts").glob("runs-*")) == []  # nothing of it was kept


class _OtherNumpy(Executor):
    """Runs tasks in the calling thread, as a worker with the same code but another NumPy would report them."""

    def submit(self, fn, /, *args, **kwargs):
        fut: Future = Future()
        rows, weekly, who = fn(*args, **kwargs)
        packages = {**who["packages"], "numpy": "1.26.4"}
        fut.set_result((rows, weekly, {**who, "packages": packages, "worker": "node8 pid 7"}))
        return fut


def test_a_result_from_other_package_versions_stops_the_sweep_naming_the_worker_and_package(tmp_path):
    mine = provenance.package_versions()["numpy"]
    with pytest.raises(
        SweepError, match=rf"^node8 pid 7 runs numpy 1\.26\.4 \(this driver {re.escape(mine)}\): "
    ) as err:
        sweep(_spec(), out=tmp_path / "o", executor=_OtherNumpy())
    assert "--resume" in str(err.value) and "constraints.txt" in str(err.value) and "\n" not in str(err.value)
    assert list((tmp_path / "o" / "parts").glob("runs-*")) == []  # nothing of it was kept


def test_resume_refuses_a_folder_made_with_other_package_versions(clean, tmp_path):
    clean_out, _ = clean
    out = _copy(clean_out, tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["provenance"]["packages"]["scipy"] = "1.0.0"
    (out / "manifest.json").write_text(json.dumps(manifest))
    mine = provenance.package_versions()["scipy"]
    with pytest.raises(SweepError, match=rf"its runs were made with scipy 1\.0\.0 \(this is {re.escape(mine)}\)"):
        sweep(out, workers=1)


def _changed_copy(where: Path) -> Path:
    """alignsim's code with one model constant edited, laid out as an installed package."""
    code = where / "code"
    shutil.copytree(ROOT / "sim", code / "sim", ignore=shutil.ignore_patterns("__pycache__", "agents", "scenarios"))
    shutil.copytree(ROOT / "agents", code / "sim" / "agents", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "scenarios", code / "sim" / "scenarios")
    model = code / "sim" / "model.py"
    edited = model.read_text().replace("DRAWN_SEEDS = 2**32", "DRAWN_SEEDS = 2**31", 1)
    assert edited != model.read_text(), "the constant to edit is gone: pick another"
    model.write_text(edited)
    return code


@contextlib.contextmanager
def _cluster_with_another_worker(cwd: Path, pythonpath: str, probe: Callable[[], Any]) -> Iterator[tuple[str, dict]]:
    """A one-worker Dask cluster joined by a worker of its own that imports from ``pythonpath`` (another code or
    environment): the scheduler's address and what ``probe`` returns on each worker, keyed by address."""
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        command = [sys.executable, "-m", "distributed.cli.dask_worker", cluster.scheduler_address]
        other = subprocess.Popen(
            [*command, "--nthreads", "1", "--no-nanny", "--no-dashboard"],
            cwd=cwd,
            env={**os.environ, "PYTHONPATH": pythonpath},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with Client(cluster) as client:
                client.wait_for_workers(2, timeout=60)
                theirs = client.run(probe)
            yield cluster.scheduler_address, theirs
        finally:
            other.kill()
            other.wait()


def test_a_dask_worker_running_other_code_stops_the_sweep_with_one_line_naming_it(tmp_path):
    """The issue's case: one Dask worker ran a changed model and half the rows differed, unnoticed."""
    code = _changed_copy(tmp_path)
    probe = lambda: __import__("sim.provenance").provenance.fingerprint()  # noqa: E731  (sent to the workers)
    with _cluster_with_another_worker(tmp_path, str(code), probe) as (address, theirs):
        assert len(set(theirs.values())) == 2, "the changed worker should have another fingerprint"
        other_address = next(a for a, f in theirs.items() if f != provenance.fingerprint())
        with pytest.raises(SweepError) as err:
            sweep(_spec(seeds=8), out=tmp_path / "o", address=address, chunk_size=1)
    message = str(err.value)
    assert message.startswith(f"Dask worker {other_address} runs alignsim") and "\n" not in message
    assert theirs[other_address] in message and provenance.fingerprint() in message


def test_a_dask_worker_with_another_numpy_stops_the_sweep_with_one_line_naming_it_and_numpy(tmp_path):
    """The same code on a worker whose environment has another NumPy: its rows could differ, so none is kept."""
    fake = tmp_path / "site" / "numpy-1.26.4.dist-info"  # what importlib.metadata reads for numpy's version
    fake.mkdir(parents=True)
    (fake / "METADATA").write_text("Metadata-Version: 2.1\nName: numpy\nVersion: 1.26.4\n")
    path = os.pathsep.join([str(tmp_path / "site"), str(ROOT)])
    probe = lambda: __import__("sim.provenance").provenance.package_versions()["numpy"]  # noqa: E731
    with _cluster_with_another_worker(ROOT, path, probe) as (address, theirs):
        other_address = next(a for a, v in theirs.items() if v == "1.26.4")
        assert len(set(theirs.values())) == 2, "the other worker should report another NumPy"
        with pytest.raises(SweepError) as err:
            sweep(_spec(seeds=8), out=tmp_path / "o", address=address, chunk_size=1)
    message = str(err.value)
    mine = provenance.package_versions()["numpy"]
    assert message.startswith(f"Dask worker {other_address} runs numpy 1.26.4 (this driver {mine}): ")
    assert "\n" not in message


# ---------------------------------------------------------------- levers crossed with cases, lazy checks


def test_levers_cross_every_policy_with_the_same_cases():
    spec = spec_from_dict(
        {
            **SPEC,
            "design": "lhs",
            "samples": 5,
            "parameters": {"assumptions.folk_wisdom": [0.0, 1.0], "customers.population": [400, 900]},
            "levers": {"leadership.trump": [0.0, 1.0], "teams.core.wip_limit": [2, 3, 4]},
        }
    )
    p = make_plan(spec)
    assert (p.n_policies, p.n_cases, len(p.points)) == (6, 5, 30)
    assert list(p.points.columns) == [
        "leadership.trump",
        "teams.core.wip_limit",
        "assumptions.folk_wisdom",
        "customers.population",
    ]
    cases = p.points.iloc[:5][["assumptions.folk_wisdom", "customers.population"]].reset_index(drop=True)
    for policy in range(6):
        block = p.points.iloc[policy * 5 : policy * 5 + 5].reset_index(drop=True)
        assert block[cases.columns].equals(cases)  # the same sampled assumptions under every policy
        assert block[["leadership.trump", "teams.core.wip_limit"]].nunique().eq(1).all()
    table = sweep(spec.model_copy(update={"seeds": 1, "weeks": 2}), workers=1)
    assert list(table.columns[:5]) == ["run", "point", "seed", "policy", "case"]
    assert (table["policy"] * 5 + table["case"]).equals(table["point"])


def test_levers_are_refused_with_designs_that_keep_their_own_structure():
    with pytest.raises(SweepError, match="levers: design 'sobol' keeps its own structure"):
        spec_from_dict(
            {
                **SPEC,
                "design": "sobol",
                "parameters": {"assumptions.folk_wisdom": [0.0, 1.0], "customers.population": [400, 900]},
                "levers": {"leadership.trump": [0.0, 1.0]},
            }
        )


def test_a_point_not_checked_on_the_driver_is_checked_by_its_worker(monkeypatch, tmp_path):
    """Planning checks each value and a sample of points; a point that is invalid only as a whole (here: checks
    switched off to stand for a rule between fields) stops the sweep in its worker, naming the point."""
    from sim.research.sweep import planning as plan_module

    monkeypatch.setattr(plan_module, "distinct_values", lambda spec, points: {})
    monkeypatch.setattr(plan_module, "CHECKED_POINTS", 1)
    spec = _spec(parameters={"teams.core.wip_limit": [2, 0, 3]}, seeds=1)
    with pytest.raises(SweepError, match=r"parameters, design point 1: .*wip_limit"):
        sweep(spec, out=tmp_path / "o", workers=1, chunk_size=1)
    assert len(list((tmp_path / "o" / "parts").glob("runs-*"))) == 1  # point 0 finished and is kept


def test_planning_time_is_in_the_cost_estimate():
    from sim.registry import BudgetError

    spec = _spec(parameters={"leadership.trump": [i / 999 for i in range(1000)], "teams.core.capacity": [4.0, 6.0]})
    with pytest.raises(BudgetError, match=r"the sweep's 4,000 runs \(planning included: .*\) would take about"):
        make_plan(spec, budget=1.0)
    assert make_plan(spec, budget=None).planning_seconds > 0


# ---------------------------------------------------------------- analysis honesty


def test_analyze_takes_lhs_with_levers_flags_constant_metrics_and_leaves_levers_to_discover(tmp_path):
    spec = _spec(
        design="lhs",
        samples=24,  # x 2 policies: 48 design points, enough for RBD-FAST's index and its bootstrap interval
        seeds=1,
        weeks=5,
        metrics=["leads", "escalations"],
        levers={"leadership.trump": [0.0, 1.0]},
        parameters={"customers.lead_rate": [0.002, 0.02], "assumptions.folk_wisdom": [0.0, 1.0]},
    )
    sweep(spec, out=tmp_path / "l", workers=1)
    table = analyze(tmp_path / "l")
    assert {"S1", "S1_conf", "note"} <= set(table.columns) and "RBD-FAST" in table.attrs["supports"]
    constant = table[table.metric == "escalations"]
    assert len(constant) == 3 and constant["note"].str.startswith("constant").all()
    leads = table[table.metric == "leads"].set_index("parameter")
    lever = leads.loc["leadership.trump"]
    assert pd.isna(lever["S1"]) and pd.isna(lever["S1_conf"])  # a binary column is not a range to analyse
    assert (
        lever["note"].startswith("a lever (0.0, 1.0): not analysed") and "alignsim discover --policy" in lever["note"]
    )
    rate = leads.loc["customers.lead_rate"]
    assert rate["S1"] > 0.5 and 0 < rate["S1_conf"] < 0.5 and rate["note"] == ""  # leads follow the lead rate
    proc = cli("analyze", str(tmp_path / "l"))
    flagged = int(table["note"].ne("").sum())
    assert proc.returncode == 0 and "RBD-FAST" in proc.stdout and f"{flagged} of 6 indices carry a note" in proc.stdout


def test_analyze_refuses_an_lhs_too_small_for_rbd_fast_in_one_line(tmp_path):
    """Below 44 points SALib's RBD-FAST gives S1 = 1.0 for every input with a half-width of 0 (12 points), or
    divides by zero (20, 40 or 41 points): there is no index to report."""
    spec = _spec(design="lhs", samples=20, seeds=1, weeks=3, metrics=["leads"])
    sweep(
        spec.model_copy(update={"parameters": {"customers.lead_rate": [0.002, 0.02], "leadership.trump": [0, 1]}}),
        out=tmp_path / "l",
        workers=1,
    )
    with pytest.raises(SweepError, match=r"20 design points; RBD-FAST .* needs at least 44 .* samples >= 44"):
        analyze(tmp_path / "l")
    proc = cli("analyze", str(tmp_path / "l"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def sobol3(tmp_path_factory) -> Path:
    """A Sobol sweep with 3 base samples: far too few, and not a power of 2."""
    out = tmp_path_factory.mktemp("sobol3") / "s"
    spec = _spec(
        design="sobol",
        samples=3,
        seeds=1,
        weeks=8,
        metrics=["support_contacts_per_customer", "active_share", "leads"],
        parameters={"customers.population": [600, 2000], "leadership.trump": [0.0, 1.0]},
    )
    sweep(spec, out=out, workers=1)
    return out


def test_analyze_flags_impossible_and_unstable_first_order_and_total_indices(sobol3):
    table = analyze(sobol3)
    outside = ((table["S1"] - table["S1_conf"] > 1) | (table["S1"] + table["S1_conf"] < 0)) | (
        (table["ST"] - table["ST_conf"] > 1) | (table["ST"] + table["ST_conf"] < 0)
    )
    assert outside.any(), "this sweep should give a share of variance beyond [0, 1]: pick another"
    assert table.loc[outside, "note"].str.startswith("impossible:").all()
    wide_s1 = (table["S1_conf"] > table["S1"].abs()) & (table["S1_conf"] >= 0.05) & ~outside
    assert wide_s1.any() and table.loc[wide_s1, "note"].str.contains(r"unstable: .*S1 ±").all()
    assert table["note"].eq("").any()  # a precise zero (trump does not move the active share) is not flagged


def test_analyze_turns_salibs_power_of_2_warning_into_one_note_and_is_reproducible(sobol3):
    first = analyze(sobol3)
    assert first.attrs["notes"] == [
        "samples = 3: Sobol' points keep their balance only for a power of 2, so the indices converge more slowly; "
        "use samples = 2 or 4"
    ]
    assert analyze(sobol3).equals(first)  # the bootstrap is seeded (SALib takes seed 0 for "none")
    proc = cli("analyze", str(sobol3))
    assert proc.returncode == 0 and "note: samples = 3: Sobol' points" in proc.stdout
    assert "Warning" not in proc.stderr and "balance properties" not in proc.stderr
    meta = json.loads((sobol3 / "analysis.provenance.json").read_text())
    assert meta["notes"] == first.attrs["notes"]
    assert meta["provenance"]["packages"]["SALib"] == importlib.metadata.version("SALib")  # it decides the indices
    made = json.loads((sobol3 / "manifest.json").read_text())["provenance"]["packages"]
    assert made["SALib"] == importlib.metadata.version("SALib")  # and the sobol design


@pytest.mark.parametrize(
    "values,note",
    [
        ({"S1": 0.001, "S1_conf": 0.004, "ST": 0.002, "ST_conf": 0.003}, ""),  # a precise "about none"
        ({"S1": 0.4, "S1_conf": 0.1, "ST": 0.5, "ST_conf": 0.1}, ""),
        (
            {"S1": 1.33, "S1_conf": 17.3, "ST": 0.5, "ST_conf": 0.1},
            "unstable: interval wider than the index (S1 ±17.3)",
        ),
        ({"S1": 2.37, "S1_conf": 0.68, "ST": 1.63, "ST_conf": 0.35}, "impossible: S1 2.37 and ST 1.63 outside [0, 1]"),
        ({"S1": -0.3, "S1_conf": 0.1, "ST": 0.2, "ST_conf": 0.1}, "impossible: S1 -0.3 outside [0, 1]"),
        ({"S1": 0.8, "S1_conf": 0.05, "ST": 0.5, "ST_conf": 0.05}, "impossible: S1 above ST beyond both intervals"),
    ],
)
def test_what_makes_a_sobol_index_untrustworthy(values, note):
    from sim.research.sweep.analysis import _problems

    found = _problems("sobol", values)
    assert found.startswith(note) and (found == "") == (note == "")


def test_analyze_explains_what_a_grid_supports(clean):
    clean_out, _ = clean
    with pytest.raises(SweepError, match="a grid supports comparing its points.*alignsim discover"):
        analyze(clean_out)
