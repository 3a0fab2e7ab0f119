"""Scenario files carry a schema_version: older files are migrated on reading, newer ones refused in one line."""

import pytest

from sim import load_scenario, scenario_from_toml
from sim.input import SCHEMA_VERSION, ScenarioError
from sim.input import files as input_files


def test_written_scenarios_carry_the_current_version_and_read_back_equal():
    scenario = load_scenario("b2b_activation")
    text = scenario.to_toml()
    assert text.startswith(f"schema_version = {SCHEMA_VERSION}\n")
    assert scenario_from_toml(text) == scenario


def test_a_file_without_a_version_is_read_as_version_1(tmp_path):
    path = tmp_path / "old.toml"
    path.write_text('name = "old"\nweeks = 10\n[leadership]\ntrump = 0.5\n')
    scenario = load_scenario(path)
    assert scenario.weeks == 10 and scenario.leadership.trump == 0.5


@pytest.mark.parametrize(
    "version,fragment",
    [
        (SCHEMA_VERSION + 1, "from a newer alignsim"),
        (0, "must be a whole number 1.."),
        ('"1"', "must be a whole number 1.."),
        ("true", "must be a whole number 1.."),
    ],
)
def test_an_unknown_version_is_one_line(tmp_path, version, fragment):
    path = tmp_path / "v.toml"
    path.write_text(f"schema_version = {version}\nweeks = 10\n")
    with pytest.raises(ScenarioError, match=fragment) as err:
        load_scenario(path)
    assert "v.toml" in str(err.value) and "\n" not in str(err.value)


def test_migrations_run_in_order_from_the_file_version(monkeypatch, tmp_path):
    """A format change (here: a field renamed in version 2, then one moved in version 3) is migrated step by step,
    for files and for uploads, in an extends chain whose files have different versions."""

    def rename(data):
        if "horizon" in data:
            data["weeks"] = data.pop("horizon")
        return data

    def move(data):
        if "trump" in data:
            data.setdefault("leadership", {})["trump"] = data.pop("trump")
        return data

    monkeypatch.setattr(input_files, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(input_files, "MIGRATIONS", {1: rename, 2: move})
    (tmp_path / "parent.toml").write_text("horizon = 12\ntrump = 0.25\n")  # version 1: both steps
    (tmp_path / "child.toml").write_text('schema_version = 2\nextends = "parent.toml"\ntrump = 0.75\n')
    child = load_scenario(tmp_path / "child.toml")
    assert child.weeks == 12 and child.leadership.trump == 0.75
    assert scenario_from_toml("schema_version = 3\nweeks = 9\n[leadership]\ntrump = 0.5\n").weeks == 9
    assert scenario_from_toml("horizon = 7\n").weeks == 7


def _scenario_files():
    from pathlib import Path

    from sim import bundled_scenarios

    root = Path(__file__).resolve().parents[2]
    examples = [p for p in (root / "docs" / "examples").rglob("*.toml") if "scenario =" not in p.read_text()]
    assert len(examples) >= 2, "the scenario files among docs/examples (the rest are sweep specs)"
    return [*bundled_scenarios().values(), *examples]


@pytest.mark.parametrize("path", _scenario_files(), ids=lambda p: p.name)
def test_shipped_scenario_files_carry_the_version_and_it_changes_nothing(path, tmp_path):
    """Each bundled preset and example scenario says its format version; without the line it is the same scenario
    (so scenario hashes, sweep spec hashes, share links and "is this the shipped preset" checks are unchanged)."""
    text = path.read_text()
    assert f"\nschema_version = {SCHEMA_VERSION}\n" in text
    copy = tmp_path / path.name
    for sibling in path.parent.glob("*.toml"):  # an example extends its neighbour
        (tmp_path / sibling.name).write_text(sibling.read_text().replace(f"schema_version = {SCHEMA_VERSION}\n", ""))
    assert load_scenario(copy).to_toml() == load_scenario(path).to_toml()
