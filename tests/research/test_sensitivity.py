"""The lesson's global sensitivity (sim/research/sensitivity.py) on a tiny design: both arms over the same design
points and seeds, B - A per point, SALib's indices of it and where it changes sign."""

import numpy as np
import pandas as pd
import pytest

from sim.research import sensitivity
from sim.research.sweep import SweepError, spec_from_dict

PARAMETERS = {"behaviour.demand_floor": [0.1, 0.5], "teams.core.capacity": [3.0, 9.0]}
METRICS = ["outcome_change", "revenue", "context_switches"]


@pytest.fixture(scope="module")
def arms(tmp_path_factory):
    """Arm A: the article's organisation, small and short; arm B: the same with value trumping local KPIs."""
    folder = tmp_path_factory.mktemp("arms")
    (folder / "a.toml").write_text(
        'extends = "b2b_activation"\n[customers]\npopulation = 600\n'
        '[leadership]\nshared_criterion = "outcome_index"\nshared_target = 45.0\n'
    )
    (folder / "b.toml").write_text('extends = "a.toml"\n[leadership]\ntrump = 1.0\n')
    return folder


def _spec(arms, **over):
    data = {
        "scenario": str(arms / "a.toml"),
        "weeks": 12,
        "seeds": 2,
        "design": "morris",
        "samples": 2,
        "design_seed": 5,
        "metrics": METRICS,
        "parameters": PARAMETERS,
    } | over
    return spec_from_dict(data)


@pytest.fixture(scope="module")
def lesson(arms, tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson")
    sensitivity.run(_spec(arms), str(arms / "b.toml"), out, workers=1)
    return out


def test_both_arms_run_the_same_design_and_seeds_and_the_lesson_is_their_paired_difference(arms, lesson):
    spec, diff = sensitivity.differences(lesson)
    assert list(spec.parameters) == list(PARAMETERS)
    assert len(diff) == 2 * (len(PARAMETERS) + 1)  # morris: samples x (inputs + 1) points
    for name, (low, high) in PARAMETERS.items():
        assert diff[name].between(low, high).all()
    a = pd.read_parquet(lesson / "a" / "runs.parquet").groupby("point")["context_switches"].mean()
    b = pd.read_parquet(lesson / "b" / "runs.parquet").groupby("point")["context_switches"].mean()
    np.testing.assert_allclose(diff["context_switches"].to_numpy(), (b - a).sort_index().to_numpy())
    assert (diff["context_switches"] < 0).mean() > 0.5  # value trumping KPIs cuts context switching (claim C2)


def test_identical_arms_make_a_lesson_of_zero(arms, tmp_path):
    sensitivity.run(_spec(arms, weeks=4), str(arms / "a.toml"), tmp_path, workers=1)
    _, diff = sensitivity.differences(tmp_path)
    assert (diff[METRICS] == 0).all().all()  # the same scenario, design point and seed give identical runs
    table = sensitivity.analyze(tmp_path, ["revenue"])
    assert (table["mu_star"] == 0).all()


def test_morris_indices_and_flips_per_input(lesson):
    table = sensitivity.analyze(lesson, ["revenue", "context_switches"])
    assert set(table["parameter"]) == set(PARAMETERS) and set(table["metric"]) == {"revenue", "context_switches"}
    assert (table["mu_star"] >= 0).all() and table[["sigma", "mu_star_conf"]].notna().all().all()
    flips = sensitivity.flips(lesson, "revenue")
    _, diff = sensitivity.differences(lesson)
    for name in PARAMETERS:
        parts = flips[flips["parameter"] == name]
        assert 1 <= len(parts) <= sensitivity.BINS
        assert parts["points"].sum() == len(diff)  # every design point falls in one part of each input's range
        assert parts["below_zero"].between(0, 1).all()
        weighted = float((parts["mean"] * parts["points"]).sum() / parts["points"].sum())
        assert weighted == pytest.approx(diff["revenue"].mean())


def test_arms_over_different_designs_are_refused(arms, tmp_path):
    spec = _spec(arms, weeks=4)
    sensitivity.sweep(spec, out=tmp_path / "a", workers=1, progress=False, budget=None)
    other = spec.model_copy(update={"scenario": str(arms / "b.toml"), "seeds": 1})
    sensitivity.sweep(other, out=tmp_path / "b", workers=1, progress=False, budget=None)
    with pytest.raises(SweepError, match="not run over the same design and seeds"):
        sensitivity.differences(tmp_path)


def test_an_unfinished_lesson_and_a_grid_are_refused_in_one_line(arms, tmp_path, capsys):
    with pytest.raises(SweepError, match="not a finished sweep"):
        sensitivity.differences(tmp_path)
    grid = tmp_path / "grid.toml"
    grid.write_text(f'scenario = "{arms / "a.toml"}"\nweeks = 2\n[parameters]\n"teams.core.capacity" = [3.0, 6.0]\n')
    assert sensitivity.main([str(grid), "--b", str(arms / "b.toml"), "--out", str(tmp_path / "g")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("alignsim: design 'grid'")


def _spec_file(arms, folder) -> str:
    from sim.input import dumps_toml

    path = folder / "lesson.toml"
    data = {"scenario": str(arms / "a.toml"), "weeks": 12, "seeds": 2, "design": "morris", "samples": 2}
    path.write_text(dumps_toml({**data, "design_seed": 5, "metrics": METRICS, "parameters": PARAMETERS}))
    return str(path)


def test_the_command_writes_its_tables_whole_and_never_through_a_link(arms, lesson, tmp_path, capsys):
    """python -m sim.research.sensitivity wrote with plain to_csv: through a symlink, and cut short on a full disk."""
    argv = [_spec_file(arms, tmp_path), "--b", str(arms / "b.toml"), "--out", str(lesson), "--resume"]
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    (lesson / "flips.csv").unlink(missing_ok=True)
    (lesson / "flips.csv").symlink_to(precious)
    try:
        assert sensitivity.main([*argv, "--workers", "1"]) == 2
    finally:
        (lesson / "flips.csv").unlink()
    captured = capsys.readouterr()
    assert "mu_star" in captured.out  # the analysis is shown before anything is written
    assert captured.err.strip().endswith("flips.csv: is a symbolic link; alignsim does not write through links")
    assert precious.read_text() == "keep me\n"
    assert sensitivity.main([*argv, "--workers", "1"]) == 0
    assert (lesson / "flips.csv").is_file() and not (lesson / "flips.csv").is_symlink()
    assert not list(lesson.glob(".*.tmp"))


def test_the_power_plan_refuses_a_csv_it_cannot_write_before_the_pilot(tmp_path, monkeypatch, capsys):
    from sim.research import power

    monkeypatch.setattr(power, "plan", lambda workers: pytest.fail("the pilot ran"))
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    (tmp_path / "plan.csv").symlink_to(precious)
    assert power.main(["--csv", str(tmp_path / "plan.csv")]) == 2
    assert (
        capsys.readouterr().err.strip().endswith("plan.csv: is a symbolic link; alignsim does not write through links")
    )
    assert precious.read_text() == "keep me\n"
