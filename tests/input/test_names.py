"""Names of departments and teams cannot pass for another: normal form and one script (Danish, Russian,
Japanese and Korean names are names)."""

import pytest

from sim.cli import main
from sim.input import ScenarioError, orgsheet, scenario_from_toml
from sim.input.names import look_alike_problem, name_problem, skeleton

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


INVISIBLE = {
    "market\u200bing": "U+200B",  # zero-width space
    "fi\u00adnance": "U+00AD",  # soft hyphen
    "core\u202e": "U+202E",  # right-to-left override
    "co\u2060re": "U+2060",  # word joiner
    "te\u034fam": "U+034F",  # combining grapheme joiner
    "team\ufe0f": "U+FE0F",  # variation selector
    "\u3164team": "U+3164",  # Hangul filler, a letter that shows nothing
    "a\x1b[2Jb": "U+001B",  # a control character
}


@pytest.mark.parametrize("name", list(INVISIBLE))
def test_names_with_invisible_characters_are_refused_naming_them(name):
    problem = str(name_problem(name))
    assert "holds invisible characters" in problem and INVISIBLE[name] in problem and ascii(name) in problem


@pytest.mark.parametrize(
    ("first", "later"),
    [
        ("sales", "\u0455\u0430l\u0435\u0455"),  # Cyrillic dze, a, ie around a Latin l: one skeleton with sales
        ("platform", "platforrn"),  # rn looks like m (TS #39)
        ("team l", "team 1"),
        ("\U0001d52d\U0001d4b6\u1eff\U0001d561\U0001d552\u2113", "paypal"),  # mathematical letters
    ],
)
def test_names_with_one_confusable_skeleton_look_alike(first, later):
    assert skeleton(first) == skeleton(later)
    odd, problem = look_alike_problem([first, later])
    assert odd == later and str(problem) == f"{later!a} looks like {first!a}, another name here; rename one of them"


def test_a_name_wholly_in_latin_look_alikes_beside_latin_names_is_refused():
    """Issue 26's ѕаӏеѕ: all Cyrillic, so one script; its palochka is an i in TS #39 (skeleton 'saies', not
    'sales'), but every letter of it looks like a Latin one, and it stands beside sales."""
    cyrillic = "\u0455\u0430\u04cf\u0435\u0455"
    assert name_problem(cyrillic) is None and skeleton(cyrillic) == "saies"
    odd, problem = look_alike_problem(["sales", "marketing", cyrillic])
    assert odd == cyrillic and "is written in cyrillic letters that each look like a Latin one" in str(problem)
    assert "(it reads as 'saies')" in str(problem)
    assert look_alike_problem([cyrillic, "Продажи"]) is None  # among Cyrillic names it is a name
    assert look_alike_problem([*GOOD, "sales", "marketing", "core", "Kundeservice"]) is None


def test_skeletons_are_stable_and_plain_names_are_their_own():
    for name in ["sales", "marketing", "customer_success", "onboarding", "platform", "Økonomi", "Продажи"]:
        assert skeleton(skeleton(name)) == skeleton(name)
    assert skeleton("sales") == "sales" and skeleton("I") == skeleton("1") == skeleton("l") == "l"


def test_issue_26s_look_alike_department_is_refused_on_the_command_line(tmp_path, capsys):
    """Beside the extended scenario's sales; and zero-width spaces, soft hyphens and U+202E in names."""
    cases = {
        "cyrillic.toml": '[departments."\u0455\u0430\u04cf\u0435\u0455"]\nrole = "sales"\n',
        "skeleton.toml": '[departments."rnarketing"]\nrole = "marketing"\n',
        "zero_width.toml": '[teams."on\u200bboarding"]\ncapacity = 3\n',
        "soft_hyphen.toml": '[departments."fi\u00adnance"]\nrole = "finance"\n',
        "rtl.toml": '[departments."core\u202e"]\nrole = "sales"\n',
    }
    expected = {
        "cyrillic.toml": "departments: '\\u0455\\u0430\\u04cf\\u0435\\u0455' is written in cyrillic letters",
        "skeleton.toml": "departments: 'rnarketing' looks like 'marketing', another name here",
        "zero_width.toml": "teams: 'on\\u200bboarding' holds invisible characters (U+200B)",
        "soft_hyphen.toml": "departments: 'fi\\xadnance' holds invisible characters (U+00AD)",
        "rtl.toml": "departments: 'core\\u202e' holds invisible characters (U+202E)",
    }
    for name, body in cases.items():
        path = tmp_path / name
        path.write_text('extends = "b2b_activation"\n' + body, encoding="utf-8")
        assert main(["validate", str(path)]) == 2, name
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and expected[name] in err and err.isprintable(), err


def test_a_look_alike_team_in_a_spreadsheet_names_its_cell_and_the_name_it_looks_like():
    tables = orgsheet.read_tables(orgsheet.template_csv_zip(), "org.zip")
    tables.update(orgsheet.read_tables(b"team,people\nplatform,3\nplatforrn,3\n", "teams.csv"))
    with pytest.raises(ScenarioError, match=r"^sheet teams, row 3, column team: 'platforrn' looks like 'platform'"):
        orgsheet.organisation(tables)
    tables.update(orgsheet.read_tables("team,people\n\u0455\u0430\u04cf\u0435\u0455,3\n".encode(), "teams.csv"))
    with pytest.raises(ScenarioError, match=r"^sheet teams, row 2, column team: .* each look like a Latin one"):
        orgsheet.organisation(tables)
