"""Names of departments and teams cannot pass for another: normal form and one script (Danish, Russian,
Japanese and Korean names are names)."""

import pytest

from sim.cli import main
from sim.input import ScenarioError, orgsheet, scenario_from_toml
from sim.input.names import name_problem

GOOD = ["platform", "Økonomi", "Kundeservice Æ-team", "Продажи", "営業チーム", "영업팀", "Team 2_a-b", "Ελληνικά"]
LOOK_ALIKES = {
    "\u0455ales": "mixes letters of several scripts (cyrillic, latin)",  # Cyrillic dze: looks like "sales"
    "c\u043ere": "mixes letters of several scripts (cyrillic, latin)",  # Cyrillic o
    "\u03b1lpha": "mixes letters of several scripts (greek, latin)",
    "\ufb01nance": "compatibility characters",  # the fi ligature
    "\uff53\uff41\uff4c\uff45\uff53": "compatibility characters",  # full-width "sales"
}


@pytest.mark.parametrize("name", GOOD)
def test_names_in_one_script_are_names(name):
    assert name_problem(name) is None


@pytest.mark.parametrize("name", list(LOOK_ALIKES))
def test_look_alike_names_are_refused_saying_why(name):
    problem = str(name_problem(name))
    assert LOOK_ALIKES[name] in problem and ascii(name) in problem  # the name shown with its odd letters escaped


def test_a_scenario_with_a_look_alike_department_or_team_is_refused_in_one_line(tmp_path, capsys):
    ok = scenario_from_toml('extends = "b2b_activation"\n[departments."Økonomi"]\nrole = "finance"\n')
    assert "Økonomi" in ok.departments
    with pytest.raises(ScenarioError, match=r"teams: 'c\\u043ere' mixes letters of several scripts"):
        scenario_from_toml('extends = "b2b_activation"\n[teams."c\u043ere"]\ncapacity = 3\n')
    path = tmp_path / "homoglyph.toml"
    path.write_text('extends = "b2b_activation"\n[departments."\u0455ales"]\nrole = "sales"\n', encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "departments: '\\u0455ales' mixes letters" in err


def test_a_look_alike_team_in_a_spreadsheet_names_its_cell():
    tables = orgsheet.read_tables(orgsheet.template_csv_zip(), "org.zip")
    tables.update(orgsheet.read_tables("team,people\nc\u043ere,3\n".encode(), "teams.csv"))
    with pytest.raises(ScenarioError, match=r"^sheet teams, row 2, column team: 'c\\u043ere' mixes letters"):
        orgsheet.organisation(tables)
