"""Sweeps: designs, executors (local processes, Dask), incremental Parquet, resume, analysis, bad specs."""

import contextlib
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim import provenance
from sim.research.sweep import (
    SweepError,
    analyze,
    design_points,
    load_spec,
    plan,
    read_weekly,
    spec_from_dict,
    sweep,
)
from tests.inprocess import cli

ROOT = Path(__file__).resolve().parents[2]
GRID = {
    "scenario": "b2b_activation",
    "weeks": 8,
    "seeds": 2,
    "design": "grid",
    "metrics": ["activation_rate_30d", "context_switches", "features_delivered"],
    "parameters": {"departments.sales.alignment": [0.0, 1.0], "teams.core.wip_limit": [2, 4]},
}


def _spec(**changes):
    return spec_from_dict({**GRID, **changes})


def test_grid_design_crosses_every_value_and_runs_every_seed():
    _base, points, runs = plan(_spec())
    assert len(points) == 4 and len(runs) == 8
    assert set(map(tuple, points.to_numpy().tolist())) == {(0.0, 2), (0.0, 4), (1.0, 2), (1.0, 4)}
    assert points["teams.core.wip_limit"].dtype.kind == "i"


@pytest.mark.parametrize("design,n", [("lhs", 5), ("sobol", 4 * (2 + 2)), ("morris", 3 * (2 + 1))])
def test_sampling_designs_stay_in_range_and_are_reproducible(design, n):
    spec = _spec(
        design=design,
        samples=5 if design == "lhs" else (4 if design == "sobol" else 3),
        parameters={"leadership.trump": [0.0, 1.0], "teams.core.capacity": [2.0, 8.0]},
    )
    base, points, _ = plan(spec)
    assert len(points) == n
    assert points["leadership.trump"].between(0, 1).all() and points["teams.core.capacity"].between(2, 8).all()
    assert points.equals(design_points(spec, base))


def test_one_worker_two_workers_and_dask_give_identical_rows(tmp_path):
    spec = _spec()
    one = sweep(spec, workers=1)
    two = sweep(spec, out=tmp_path / "two", workers=2, chunk_size=1)
    assert one.equals(two)
    assert pd.read_parquet(tmp_path / "two" / "runs.parquet").equals(two)
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask = sweep(spec, out=tmp_path / "dask", address=cluster.scheduler_address, chunk_size=2)
    assert one.equals(dask)
    assert set(one.columns) >= {"run", "point", "seed", "departments.sales.alignment", "activation_rate_30d"}


def test_outputs_manifest_and_weekly(tmp_path):
    spec = _spec(keep_weekly=True)
    table = sweep(spec, out=tmp_path / "s", workers=1)
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["spec"]["parameters"] == GRID["parameters"] and len(manifest["spec_hash"]) == 64
    assert manifest["seeds"] == [0, 1] and manifest["completed_runs"] == len(table) == 8
    assert {"mesa", "python"} <= set(manifest["provenance"]["packages"]) and manifest["finished"]
    assert "SALib" not in manifest["provenance"]["packages"]  # a grid's design is not SALib's
    assert manifest["provenance"]["fingerprint"] == provenance.fingerprint()
    weekly = pd.read_parquet(tmp_path / "s" / "weekly.parquet")
    assert len(weekly) == 8 * 8 and {"run", "week", "activation_rate_30d"} <= set(weekly.columns)
    assert weekly.equals(read_weekly(tmp_path / "s"))
    assert list(weekly["run"]) == sorted(weekly["run"])  # streamed from the parts in run order
    for name in ("runs.parquet", "weekly.parquet"):  # what made the table, as the manifest says
        meta = provenance.parquet_record(tmp_path / "s" / name)
        assert meta["spec_hash"] == manifest["spec_hash"] and meta["seeds"] == manifest["seeds"]
        assert meta["scenario_sha256"] == manifest["scenario"]["sha256"] and meta["scenario"] == "b2b_activation"
    part = provenance.parquet_record(next((tmp_path / "s" / "parts").glob("runs-*.parquet")))
    assert part["scenario_sha256"] == manifest["scenario"]["sha256"] and "seeds" not in part  # parts stay small


def test_resume_after_a_killed_driver_gives_the_uninterrupted_table(tmp_path):
    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(
        'scenario = "b2b_activation"\nweeks = 30\nseeds = 10\nmetrics = ["leads"]\n'
        '[parameters]\n"leadership.trump" = [0.0, 0.5, 1.0]\n'
    )
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "sweep",
            str(spec_path),
            "--out",
            str(out),
            "--workers",
            "1",
            "--chunk-size",
            "1",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180  # the machine may be shared
    while len(list((out / "parts").glob("runs-*.parquet"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = len(list((out / "parts").glob("runs-*.parquet")))
    assert 3 <= finished < 30, "the driver should have been killed mid-sweep"
    assert not (out / "runs.parquet").exists()
    with pytest.raises(SweepError, match="--resume"):
        sweep(load_spec(spec_path), out=out, workers=1)
    # a resume that is itself killed still counts
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "sweep",
            str(spec_path),
            "--out",
            str(out),
            "--workers",
            "1",
            "--chunk-size",
            "1",
            "--resume",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180  # the machine may be shared
    while len(list((out / "parts").glob("runs-*.parquet"))) < finished + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert json.loads((out / "manifest.json").read_text())["resumed"] == 1
    resumed = sweep(load_spec(spec_path), out=out, workers=2, resume=True)
    assert resumed.equals(sweep(load_spec(spec_path), workers=1))
    assert json.loads((out / "manifest.json").read_text())["resumed"] == 2


def test_resume_refuses_a_different_sweep(tmp_path):
    sweep(_spec(), out=tmp_path / "a", workers=1)
    with pytest.raises(SweepError, match="different sweep"):
        sweep(_spec(seeds=3), out=tmp_path / "a", workers=1, resume=True)


def test_analyze_a_tiny_morris_design(tmp_path):
    spec = _spec(
        design="morris",
        samples=3,
        seeds=2,
        weeks=10,
        parameters={"leadership.trump": [0.0, 1.0], "teams.core.capacity": [2.0, 8.0]},
    )
    sweep(spec, out=tmp_path / "m", workers=1)
    table = analyze(tmp_path / "m")
    assert set(table["parameter"]) == {"leadership.trump", "teams.core.capacity"}
    assert set(table["metric"]) == set(GRID["metrics"])
    assert (table["mu_star"] >= 0).all() and {"sigma", "mu_star_conf"} <= set(table.columns)
    trump = table[(table.metric == "context_switches") & (table.parameter == "leadership.trump")]
    assert float(trump["mu_star"].iloc[0]) > 0  # the shared criterion moves context switching


def test_analyze_refuses_a_grid(tmp_path):
    sweep(_spec(), out=tmp_path / "g", workers=1)
    with pytest.raises(SweepError, match="a grid supports comparing its points, not variance-based indices"):
        analyze(tmp_path / "g")


@pytest.mark.parametrize(
    "changes,fragment",
    [
        ({"design": "factorial"}, "design: Input should be 'grid', 'lhs', 'sobol' or 'morris'"),
        ({"seedz": 3}, "seedz: unknown field; allowed: scenario, parameters"),
        ({"design": "lhs", "parameters": {"leadership.trump": [0.0, 0.5, 1.0]}}, "needs a range [low, high]"),
        ({"design": "lhs", "parameters": {"leadership.trump": [1.0, 0.0]}}, "low < high"),
        ({"parameters": {}}, "at least one parameter"),
        ({"seeds": 0}, "seeds: Input should be greater than or equal to 1"),
    ],
)
def test_bad_specs_name_the_field(changes, fragment):
    with pytest.raises(SweepError) as err:
        spec_from_dict({**GRID, **changes})
    assert fragment in str(err.value)


@pytest.mark.parametrize(
    "changes,fragment",
    [
        (
            {"parameters": {"teams.core.speed": [1, 2]}},
            "unknown scenario path 'teams.core.speed': unknown field "
            "'speed' in teams.core; allowed: capacity, wip_limit",
        ),
        (
            {"parameters": {"departments.growth.alignment": [0, 1]}},
            "unknown department 'growth' in departments; allowed: leadership, sales, marketing",
        ),
        ({"parameters": {"teams.core.wip_limit": [0, 2]}}, "design point 0"),
        ({"scenario": "nope"}, "unknown scenario 'nope'"),
        ({"metrics": ["vibes"]}, "unknown metric(s) ['vibes'] for model 'alignment'"),
        ({"weeks": None, "periods": 10}, "periods: model 'alignment' runs in weeks; give weeks instead"),
    ],
)
def test_bad_parameters_are_caught_before_running(changes, fragment):
    with pytest.raises(SweepError, match=re.escape(fragment)):
        plan(_spec(**changes))


def test_cli_sweep_and_analyze(tmp_path):
    spec = tmp_path / "m.toml"
    spec.write_text(
        'scenario = "b2b_activation"\nweeks = 6\nseeds = 1\ndesign = "morris"\nsamples = 2\n'
        'metrics = ["leads"]\n[parameters]\n"leadership.trump" = [0.0, 1.0]\n'
        '"teams.core.capacity" = [2.0, 8.0]\n'
    )
    out = tmp_path / "out"

    run = cli  # in this process
    proc = run("sweep", str(spec), "--out", str(out), "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert "6 runs" in proc.stdout
    proc = run("analyze", str(out))
    assert proc.returncode == 0 and "mu_star" in proc.stdout
    assert (out / "analysis.png").read_bytes().startswith(b"\x89PNG")
    proc = run("sweep", str(spec), "--out", str(out))
    assert proc.returncode == 2 and "--resume" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("sweep", str(tmp_path / "missing.toml"))
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    proc = run("sweep", str(spec), "--address", "localhost:1")
    assert proc.returncode == 2 and "tcp://HOST:PORT" in proc.stderr


def test_analyze_a_tiny_sobol_design(tmp_path):
    spec = _spec(
        design="sobol",
        samples=4,
        seeds=1,
        weeks=6,
        metrics=["context_switches", "leads"],
        parameters={"leadership.trump": [0.0, 1.0], "teams.core.capacity": [2.0, 8.0]},
    )
    table = sweep(spec, out=tmp_path / "s", workers=2)
    assert len(table) == 4 * (2 + 2)
    indices = analyze(tmp_path / "s")
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(indices.columns)
    assert set(indices["metric"]) == {"context_switches", "leads"} and len(indices) == 4


def test_reference_models_sweep_in_periods_with_their_own_metrics(tmp_path):
    spec = spec_from_dict(
        {
            "scenario": "nk_departments",
            "periods": 12,
            "seeds": 3,
            "keep_weekly": True,
            "metrics": ["performance", "changes"],
            "parameters": {"incentive": ["departmental", "firm"], "interaction": ["block", "random"]},
        }
    )
    one = sweep(spec, workers=1)
    two = sweep(spec, out=tmp_path / "nk", workers=2, chunk_size=2)
    pd.testing.assert_frame_equal(one, two)
    assert set(one.columns) == {"run", "point", "seed", "incentive", "interaction", "performance", "changes"}
    block = one[one["interaction"] == "block"].sort_values(["incentive", "seed"])
    by_incentive = block.groupby("incentive")["performance"].apply(list)
    assert by_incentive["departmental"] == by_incentive["firm"]  # identical under block interaction
    weekly = pd.read_parquet(tmp_path / "nk" / "weekly.parquet")
    # the chosen metrics and the series that are not metrics (each department's own performance)
    assert list(weekly.columns[:5]) == ["period", "performance", "department_a", "department_b", "changes"]
    assert weekly["period"].max() == 12
    with pytest.raises(SweepError, match="metrics: unknown metric.*for model 'march1991'; allowed: equilibrium_kn"):
        plan(spec_from_dict({"scenario": "march1991", "metrics": ["performance"], "parameters": {"p1": [0.1]}}))


# ---------------------------------------------------------------- hostile specs, damaged folders, faults


@pytest.mark.parametrize(
    "changes,fragment",
    [
        ({"parameters": {f"departments.sales.p{i}": list(range(40)) for i in range(8)}}, "6,553,600,000,000 points"),
        ({"parameters": {f"departments.sales.p{i}": list(range(40)) for i in range(5)}}, "102,400,000 points"),
        (
            {
                "design": "sobol",
                "samples": 100_000,
                "seeds": 10_000,
                "parameters": {"leadership.trump": [0.0, 1.0], "teams.core.capacity": [2.0, 8.0]},
            },
            "400,000 points",
        ),
    ],
)
def test_huge_designs_are_counted_and_refused_before_anything_is_allocated(changes, fragment):
    import tracemalloc

    tracemalloc.start()
    with pytest.raises(SweepError, match=re.escape(fragment)):
        plan(_spec(**changes))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 2**20


def test_too_many_seeds_are_refused_by_the_spec():
    with pytest.raises(SweepError, match="seeds: Input should be less than or equal to 10000"):
        _spec(seeds=10**9)


def test_a_sweep_above_the_budget_is_refused_with_the_cost_and_yes(tmp_path):
    from sim.registry import BudgetError

    spec = _spec(weeks=2000, parameters={"customers.population": [1_000_000, 2_000_000]})
    with pytest.raises(
        BudgetError,
        match=r"the sweep's 4 runs \(planning included: .*\) would take about .* the budget is 10.0 min: add "
        "--yes",
    ):
        plan(spec)
    spec_path = tmp_path / "big.toml"
    spec_path.write_text(
        'scenario = "b2b_activation"\nweeks = 2000\n[parameters]\n"customers.population" = [1000000, 2000000]\n'
    )
    proc = cli("sweep", str(spec_path), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "--yes" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "values,fragment",
    [
        (["a"], "whole-number field; values must be numbers, got 'a'"),
        ([1.0, float("nan")], "must be a finite number"),
        ([True, 2], "whole-number field"),
    ],
)
def test_bad_values_for_an_integer_field_are_one_line(values, fragment):
    with pytest.raises(SweepError, match=re.escape(fragment)):
        plan(_spec(parameters={"teams.core.wip_limit": values}))


def test_a_nul_in_the_spec_scenario_path_is_one_line(tmp_path):
    spec_path = tmp_path / "nul.toml"
    spec_path.write_text('scenario = "bad\\u0000name.toml"\n[parameters]\n"leadership.trump" = [0.0]\n')
    with pytest.raises(SweepError, match="NUL"):
        plan(load_spec(spec_path))


@pytest.mark.parametrize(
    "damage,fragment",
    [
        (lambda out: (out / "manifest.json").write_text("[]"), "damaged manifest"),
        (lambda out: (out / "manifest.json").write_text((out / "manifest.json").read_text()[:40]), "damaged manifest"),
    ],
)
def test_a_damaged_manifest_gives_one_line_and_a_way_out(tmp_path, damage, fragment):
    out = tmp_path / "s"
    sweep(_spec(), out=out, workers=1)
    damage(out)
    with pytest.raises(SweepError, match=fragment) as err:
        sweep(_spec(), out=out, workers=1, resume=True)
    assert "\n" not in str(err.value) and "another --out" in str(err.value)
    proc = cli("analyze", str(out))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def _alive(pids: list[int]) -> list[int]:
    import psutil

    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def _wait_gone(pids: list[int], seconds: float = 10) -> list[int]:
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _alive(pids)


def _start_pool_sweep(tmp_path: Path, name: str):
    import psutil

    spec_path = tmp_path / f"{name}.toml"
    spec_path.write_text(
        'scenario = "b2b_activation"\nweeks = 30\nseeds = 40\nmetrics = ["leads"]\n'
        '[parameters]\n"leadership.trump" = [0.0, 1.0]\n'
    )
    out = tmp_path / name
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "sweep",
            str(spec_path),
            "--out",
            str(out),
            "--workers",
            "2",
            "--chunk-size",
            "1",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180  # the machine may be shared
    while len(list((out / "parts").glob("runs-*.parquet"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    children = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    assert len(children) >= 2, "the pool should be running"
    return proc, children


def test_kill_drill_driver_pool_workers_and_resource_tracker_die_with_it(tmp_path):
    proc, children = _start_pool_sweep(tmp_path, "driver")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _wait_gone(children) == [], "orphaned worker or resource tracker"


def test_kill_drill_worker_the_driver_says_how_to_resume_and_leaves_no_orphan(tmp_path):
    import psutil

    proc, children = _start_pool_sweep(tmp_path, "worker")
    workers = [p for p in children if "resource_tracker" not in " ".join(psutil.Process(p).cmdline())]
    psutil.Process(workers[0]).kill()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "a worker process died" in err and "--resume" in err
    assert "Traceback" not in err
    assert _wait_gone(children) == []


def test_kill_drill_no_dask_worker_is_reported_within_the_timeout(tmp_path):
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        started = time.monotonic()
        with pytest.raises(SweepError, match="no live Dask worker for 1 s; start workers .* rerun with --resume"):
            sweep(_spec(), out=tmp_path / "none", address=cluster.scheduler_address, worker_wait=1)
        assert time.monotonic() - started < 30


def test_kill_drill_all_dask_workers_die_mid_sweep(tmp_path):
    import threading

    import psutil
    from dask.distributed import LocalCluster

    out = tmp_path / "dask"
    spec = _spec(weeks=30, seeds=30)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        workers = [
            c.pid for c in psutil.Process().children(recursive=True) if "resource_tracker" not in " ".join(c.cmdline())
        ]  # the nanny and its worker

        def kill_when_started():
            deadline = time.monotonic() + 180  # the machine may be shared
            while len(list((out / "parts").glob("runs-*.parquet"))) < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            for pid in workers:
                with contextlib.suppress(psutil.NoSuchProcess):
                    psutil.Process(pid).kill()
            cluster.scale(0)  # the nanny would start a new worker: all workers are gone for good

        killer = threading.Thread(target=kill_when_started)
        killer.start()
        with pytest.raises(SweepError, match="(no live Dask worker|Dask workers died).*--resume"):
            sweep(spec, out=out, address=cluster.scheduler_address, chunk_size=1, worker_wait=2)
        killer.join()
    assert _wait_gone(workers) == []
    assert 1 <= len(list((out / "parts").glob("runs-*.parquet"))) < 60


def test_analyze_gives_no_indices_for_a_metric_undefined_at_some_points(tmp_path):
    """Six weeks with no promise due: the promise rate has no data, so the analysis says so instead of zeros."""
    spec = _spec(
        design="sobol",
        samples=4,
        seeds=1,
        weeks=6,
        metrics=["context_switches", "promises_on_time_rate"],
        parameters={"leadership.trump": [0.0, 1.0], "teams.core.capacity": [2.0, 8.0]},
    )
    sweep(spec, out=tmp_path / "s", workers=1)
    indices = analyze(tmp_path / "s")
    undefined = indices[indices["metric"] == "promises_on_time_rate"]
    assert undefined["S1"].isna().all() and undefined["note"].str.startswith("undefined at").all()
    assert indices[indices["metric"] == "context_switches"]["S1"].notna().all()
