"""The organisation spreadsheet: template, import into a scenario, and messages naming sheet, row and column."""

import io
import zipfile

import pytest

from sim import orgsheet
from sim.input import MAX_FILE_BYTES, ScenarioError, load_scenario, scenario_from_toml
from sim.organisation import build_graph


def _zip(**sheets: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in sheets.items():
            zf.writestr(f"{name}.csv", text)
    return buf.getvalue()


def _tables(**replace: str):
    tables = orgsheet.read_tables(orgsheet.template_csv_zip(), "template.zip")
    for sheet, text in replace.items():
        tables.update(orgsheet.read_tables(text.encode(), f"{sheet}.csv"))
    return tables


def test_xlsx_and_csv_templates_import_to_the_same_complete_scenario(tmp_path):
    from_xlsx = orgsheet.import_file(orgsheet.template_xlsx(), "org.xlsx")
    from_zip = orgsheet.import_file(orgsheet.template_csv_zip(), "org.zip")
    assert from_xlsx.scenario == from_zip.scenario
    s = from_xlsx.scenario
    assert set(s.teams) == {"onboarding", "platform"} and s.customers.population == 4000
    assert s.teams["platform"].approval_chain == ["legal", "finance"]
    assert s.teams["onboarding"].depends_on == {"platform": 0.3}
    # answers to the plain questions map to numbers
    assert s.departments["sales"].influence == orgsheet.INFLUENCE_ANSWERS["almost always"]
    assert s.teams["onboarding"].alignment == orgsheet.ALIGNMENT_ANSWERS["mostly the shared goal"]
    # only the listed requests reach a team
    assert s.request_weights("marketing") == {"onboarding": 1.0}
    assert s.request_weights("hr") == {}
    # the written TOML extends nothing and reads back to the same scenario
    text = s.to_toml()
    assert "extends" not in text
    path = tmp_path / "org.toml"
    path.write_text(text)
    assert load_scenario(path) == s and scenario_from_toml(text) == s
    g = build_graph(s)
    assert g.has_edge("platform", "legal") and g.edges["onboarding", "platform"]["kind"] == "dependency"


def test_a_folder_of_csv_files_imports(tmp_path):
    for sheet, rows in orgsheet.example_tables().items():
        (tmp_path / f"{sheet}.csv").write_text(orgsheet._csv_text(rows))
    assert orgsheet.organisation(orgsheet.read_path(tmp_path)).scenario == \
        orgsheet.import_file(orgsheet.template_xlsx(), "org.xlsx").scenario


def test_departments_left_out_are_named_in_the_notes():
    result = orgsheet.organisation(_tables(departments="department,kpi\nsales,deals_closed\n"))
    assert "marketing" in result.notes[0] and "sales" not in result.notes[0]


@pytest.mark.parametrize("sheet, text, expected", [
    ("departments", "department,kpi\nsales,nonsense\n", "sheet departments, row 2, column kpi: 'nonsense'; "
     "allowed: activation_rate_30d"),
    ("departments", "department,influence\nsales,1.5\n", "sheet departments, row 2, column influence: "
     "Input should be less than or equal to 1"),
    ("departments", "department,gets_what_it_asks_for\nsales,never ever\n",
     "column gets_what_it_asks_for: 'never ever'; allowed: rarely, sometimes"),
    ("departments", "department\nsales\nsales\n", "row 3, column department: sales appears twice"),
    ("departments", "department,colour\nsales,red\n", "row 1, column B: unknown column 'colour'; allowed:"),
    ("teams", "team,people\nonboarding,-2\nplatform,7\n", "sheet teams, row 2, column people: Input should be greater than 0"),
    ("teams", "team,wip_limit\nonboarding,2.5\nplatform,3\n", "sheet teams, row 2, column wip_limit: expected a whole number"),
    ("teams", "team,approvals\nonboarding,legal > bogus\n", "column approvals: unknown department 'bogus'"),
    ("teams", "team\n{evil}\n", "column team: '{evil}' is not a usable name"),
    ("requests", "department,team,weight\nsales,nowhere,1\n", "sheet requests, row 2, column team: 'nowhere'; "
     "allowed: onboarding, platform"),
    ("organisation", "setting,value\nfunding,maybe\n", "sheet organisation, row 2, column value: 'maybe'; "
     "allowed: product, project"),
    ("organisation", "setting,value\naccounts,3\n", "sheet organisation, row 2, column value: Input should be "
     "greater than or equal to 10"),
])
def test_bad_cells_are_named_by_sheet_row_and_column(sheet, text, expected):
    with pytest.raises(ScenarioError) as err:
        orgsheet.organisation(_tables(**{sheet: text}))
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_damaged_oversized_and_unknown_files_are_refused_with_one_line():
    with pytest.raises(ScenarioError, match="not a valid .xlsx"):
        orgsheet.import_file(b"PK\x03\x04 not really", "org.xlsx")
    with pytest.raises(ScenarioError, match="larger than"):
        orgsheet.import_file(b"x" * (MAX_FILE_BYTES + 1), "org.xlsx")
    with pytest.raises(ScenarioError, match="allowed: .xlsx"):
        orgsheet.import_file(b"hello", "org.pdf")
    with pytest.raises(ScenarioError, match="the file name says which sheet"):
        orgsheet.import_file(b"a,b\n", "people.csv")
    with pytest.raises(ScenarioError, match="sheet teams is missing"):
        orgsheet.import_file(_zip(departments="department\nsales\n"), "org.zip")


def test_a_zip_bomb_is_refused_before_unpacking():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("teams.csv", "team\n" + "a" * (orgsheet.MAX_UNPACKED_BYTES + 10))
    assert len(buf.getvalue()) < MAX_FILE_BYTES
    with pytest.raises(ScenarioError, match="unpacks to more than"):
        orgsheet.import_file(buf.getvalue(), "org.zip")


def test_too_many_rows_are_refused():
    text = "team\n" + "".join(f"t{i}\n" for i in range(orgsheet.MAX_ROWS + 5))
    with pytest.raises(ScenarioError, match=f"more than {orgsheet.MAX_ROWS} rows"):
        orgsheet.read_tables(text.encode(), "teams.csv")


def test_the_shipped_example_matches_the_template():
    from pathlib import Path

    examples = Path(__file__).resolve().parent.parent / "docs" / "examples"
    shipped = orgsheet.organisation(orgsheet.read_path(examples / "own_org")).scenario
    assert shipped == orgsheet.organisation(orgsheet.read_path(examples / "own_org.xlsx")).scenario
    assert shipped == orgsheet.import_file(orgsheet.template_xlsx(), "t.xlsx").scenario


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_CELL = st.one_of(st.sampled_from(["sales", "onboarding", "platform", "legal > finance", "usually", "0.5", "-1",
                                   "nan", "1e400", "", "yes", "its own kpi", "leads"]),
                  st.text(max_size=12))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheet=st.sampled_from(list(orgsheet.COLUMNS)), header=st.lists(st.sampled_from(
    [c for cols in orgsheet.COLUMNS.values() for c in cols] + ["x"]), min_size=1, max_size=5),
    rows=st.lists(st.lists(_CELL, max_size=5), max_size=4))
def test_any_sheet_content_imports_or_gets_one_line_never_a_traceback(sheet, header, rows):
    text = orgsheet._csv_text([header, *rows])
    try:
        result = orgsheet.organisation(_tables(**{sheet: text}))
    except ScenarioError as exc:
        assert "\n" not in str(exc) and str(exc)
    else:
        assert result.scenario.teams
