"""The organisation spreadsheet: template, import into a scenario, and messages naming sheet, row and column."""

import io
import re
import zipfile

import pytest

from sim.input import MAX_FILE_BYTES, ScenarioError, load_scenario, orgsheet, scenario_from_toml
from sim.organisation import build_graph
from sim.present.levers import DEPARTMENT_NAMES
from sim.scenario import ROLES, WITHOUT_ROLE


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
    assert (
        orgsheet.organisation(orgsheet.read_path(tmp_path)).scenario
        == orgsheet.import_file(orgsheet.template_xlsx(), "org.xlsx").scenario
    )


def test_departments_left_out_do_not_exist_and_the_notes_say_what_that_means():
    result = orgsheet.organisation(
        _tables(
            departments="department,kpi\nsales,deals_closed\nlegal,reviews_cleared\nfinance,\n",
            requests="department,team,weight\nsales,platform,1.5\nfinance,platform,1\n",
        )
    )
    s = result.scenario
    assert list(s.departments) == ["sales", "legal", "finance"] and s.default_departments is False
    assert s.request_weights("sales") == {"platform": 1.5} and s.request_weights("legal") == {}
    assert s.teams["platform"].approval_chain == ["legal", "finance"]
    left_out = [r for r in ROLES if r not in s.departments]
    assert set(WITHOUT_ROLE) == set(ROLES)  # every role's absence is said in words
    assert [n.fields["role"] for n in result.notes] == [DEPARTMENT_NAMES[r] for r in left_out]
    assert [n.fields["meaning"] for n in result.notes] == [WITHOUT_ROLE[r] for r in left_out]
    assert "no Marketing in your departments sheet, so none in the model (no campaigns" in result.notes[1]
    with pytest.raises(
        ScenarioError,
        match=r"^sheet requests, row 3, column department: hr is not in the "
        r"departments sheet \(add a row for it there, or leave it out here\); "
        r"allowed: sales, legal, finance$",
    ):
        orgsheet.organisation(
            _tables(
                departments="department\nsales\nlegal\nfinance\n",
                requests="department,team\nsales,platform\nhr,platform\n",
            )
        )
    # the scenario written out lists only these departments and says so
    text = s.to_toml()
    assert "default_departments = false" in text and "[departments.marketing]" not in text
    assert scenario_from_toml(text) == s


def test_the_notes_are_shown_in_the_current_language():
    from sim.i18n import _, language, shown

    note = orgsheet.organisation(
        _tables(departments="department\nsales\nlegal\nfinance\n", requests="department,team\nsales,platform\n")
    ).notes[0]
    with language("da"):
        assert shown(note) == _(note.template).format(role="Ledelsen", meaning=_(WITHOUT_ROLE["leadership"]))


@pytest.mark.parametrize(
    "sheet, text, expected",
    [
        (
            "departments",
            "department,kpi\nsales,nonsense\n",
            "sheet departments, row 2, column kpi: 'nonsense'; allowed: activation_rate_30d",
        ),
        (
            "departments",
            "department,influence\nsales,1.5\n"
            + "".join(
                f"{d},\n"
                for d in ("marketing", "customer_success", "customer_support", "finance", "legal", "ux_design")
            ),
            "sheet departments, row 2, column influence: Input should be less than or equal to 1",
        ),
        (
            "departments",
            "department,gets_what_it_asks_for\nsales,never ever\n",
            "column gets_what_it_asks_for: 'never ever'; allowed: rarely, sometimes",
        ),
        ("departments", "department\nsales\nsales\n", "row 3, column department: sales appears twice"),
        ("departments", "department,colour\nsales,red\n", "row 1, column B: unknown column 'colour'; allowed:"),
        (
            "teams",
            "team,people\nonboarding,-2\nplatform,7\n",
            "sheet teams, row 2, column people: Input should be greater than 0",
        ),
        (
            "teams",
            "team,wip_limit\nonboarding,2.5\nplatform,3\n",
            "sheet teams, row 2, column wip_limit: expected a whole number",
        ),
        ("teams", "team,approvals\nonboarding,legal > bogus\n", "column approvals: unknown department 'bogus'"),
        (
            "departments",
            "department\nsales\nfinance\n",
            "sheet teams, row 2, column approvals: legal is not in the "
            "departments sheet (add a row for it there, or leave it out here); allowed: sales, finance",
        ),
        ("teams", "team\n{evil}\n", "column team: '{evil}' is not a usable name"),
        (
            "requests",
            "department,team,weight\nsales,nowhere,1\n",
            "sheet requests, row 2, column team: 'nowhere'; allowed: onboarding, platform",
        ),
        (
            "organisation",
            "setting,value\nfunding,maybe\n",
            "sheet organisation, row 2, column value: 'maybe'; allowed: product, project",
        ),
        (
            "organisation",
            "setting,value\naccounts,3\n",
            "sheet organisation, row 2, column value: Input should be greater than or equal to 10",
        ),
    ],
)
def test_bad_cells_are_named_by_sheet_row_and_column(sheet, text, expected):
    from sim.i18n import language

    with pytest.raises(ScenarioError) as err:
        orgsheet.organisation(_tables(**{sheet: text}))
    assert expected in str(err.value)
    assert "\n" not in str(err.value)
    with language("da"):  # the app's Danish page: the same place and problem, in Danish
        danish = err.value.shown()
    where = re.match(r"sheet (\w+), row (\d+), column (\w+): ", str(err.value))
    assert danish.startswith("ark {}, række {}, kolonne {}: ".format(*where.groups()))
    assert not re.search(r"\b(sheet|row|column|allowed|expected|Input should|appears|unknown)\b", danish), danish


def test_problems_read_in_danish_with_the_files_names_kept():
    from sim.i18n import _, language

    def problem(**sheets):
        with pytest.raises(ScenarioError) as err:
            orgsheet.organisation(_tables(**sheets))
        with language("da"):
            return str(err.value), err.value.shown()

    english, danish = problem(departments="department,kpi\nsales,nonsense\n")
    assert english.startswith("sheet departments, row 2, column kpi: 'nonsense'; allowed: activation_rate_30d, ")
    assert danish == english.replace(
        "sheet departments, row 2, column kpi", "ark departments, række 2, kolonne kpi"
    ).replace("; allowed: ", "; tilladt: ")
    english, danish = problem(departments="department\nsales\nfinance\n")
    with language("da"):
        in_order = _(
            "{problem}; allowed: {allowed} (in order, separated by >, e.g. legal > marketing; none for no approvals)"
        ).format(
            problem=_("{name} is not in the departments sheet (add a row for it there, or leave it out here)").format(
                name="legal"
            ),
            allowed="sales, finance",
        )
    assert danish == "ark teams, række 2, kolonne approvals: " + in_order != english
    assert "legal står ikke i departments-arket" in danish  # a Danish sentence, the file's sheet name kept
    english, danish = problem(teams="team,wip_limit\nonboarding,2.5\nplatform,3\n")
    assert english.endswith("expected a whole number, got 2.5")
    assert danish.startswith("ark teams, række 2, kolonne wip_limit: ") and danish.endswith(" 2,5")  # its number
    english, danish = problem(organisation="setting,value\naccounts,3\n")  # a problem found by the scenario's schema
    assert danish.startswith("ark organisation, række 2, kolonne value: ") and "Input should" not in danish


def test_damaged_oversized_and_unknown_files_are_refused_with_one_line():
    with pytest.raises(ScenarioError, match="not a valid .xlsx"):
        orgsheet.import_file(b"PK\x03\x04 not really", "org.xlsx")
    with pytest.raises(ScenarioError, match="larger than"):
        orgsheet.import_file(b"x" * (MAX_FILE_BYTES + 1), "org.xlsx")
    with pytest.raises(ScenarioError, match="allowed: .xlsx"):
        orgsheet.import_file(b"hello", "org.pdf")
    with pytest.raises(ScenarioError, match="the file name says which sheet"):
        orgsheet.import_file(b"a,b\n", "people.csv")
    with pytest.raises(ScenarioError, match="sheet teams is missing") as err:
        orgsheet.import_file(_zip(departments="department\nsales\n"), "org.zip")
    from sim.i18n import language

    with language("da"):
        assert err.value.shown().startswith("arket teams mangler eller er tomt; skabelonen har arkene organisation, ")


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

    examples = Path(__file__).resolve().parents[2] / "docs" / "examples"
    shipped = orgsheet.organisation(orgsheet.read_path(examples / "own_org")).scenario
    assert shipped == orgsheet.organisation(orgsheet.read_path(examples / "own_org.xlsx")).scenario
    assert shipped == orgsheet.import_file(orgsheet.template_xlsx(), "t.xlsx").scenario


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_CELL = st.one_of(
    st.sampled_from(
        [
            "sales",
            "onboarding",
            "platform",
            "legal > finance",
            "usually",
            "0.5",
            "-1",
            "nan",
            "1e400",
            "",
            "yes",
            "its own kpi",
            "leads",
        ]
    ),
    st.text(max_size=12),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sheet=st.sampled_from(list(orgsheet.COLUMNS)),
    header=st.lists(
        st.sampled_from([c for cols in orgsheet.COLUMNS.values() for c in cols] + ["x"]), min_size=1, max_size=5
    ),
    rows=st.lists(st.lists(_CELL, max_size=5), max_size=4),
)
def test_any_sheet_content_imports_or_gets_one_line_never_a_traceback(sheet, header, rows):
    text = orgsheet._csv_text([header, *rows])
    try:
        result = orgsheet.organisation(_tables(**{sheet: text}))
    except ScenarioError as exc:
        assert "\n" not in str(exc) and str(exc)
    else:
        assert result.scenario.teams


# ---------------------------------------------------------------- any subset of departments


@st.composite
def _organisations(draw):
    """A sheet of some departments: a team whose approvals and requesters are among them, and one without."""
    roles = draw(st.lists(st.sampled_from(list(ROLES)), min_size=1, max_size=len(ROLES), unique=True))
    chain = draw(st.lists(st.sampled_from(roles), max_size=3, unique=True))
    asking = draw(st.lists(st.sampled_from(roles), unique=True))
    return roles, chain, asking


def _sheet(roles, chain, asking):
    rows = {
        "organisation": [["setting", "value"], ["name", "subset"], ["weeks", 6], ["accounts", 300]],
        "departments": [["department"], *[[r] for r in roles]],
        "teams": [
            ["team", "people", "approvals"],
            ["onboarding", 5, " > ".join(chain) or "none"],
            ["platform", 4, "none"],
        ],
        "requests": [["department", "team", "weight"], *[[r, "onboarding", 1.0] for r in asking]],
    }
    tables = {}
    for sheet, cells in rows.items():
        tables.update(orgsheet.read_tables(orgsheet._csv_text(cells).encode(), f"{sheet}.csv"))
    return tables


def _other_value(lever, current):
    """A value the lever's widget offers other than the current one (a chain: one sign-off, never a cycle)."""
    if lever.widget in ("slider", "int"):
        return lever.high if current != lever.high else lever.low
    if lever.widget == "select":
        return next(o for o in lever.options if o != current)
    if lever.widget == "toggle":
        return not current
    if lever.widget == "chain":
        return [lever.options[-1]]
    return None if current is not None else int(lever.low)  # optional_week


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(org=_organisations())
def test_any_subset_of_departments_imports_runs_round_trips_and_its_levers_apply(org):
    from sim.model import AlignmentModel
    from sim.present.levers import get_value, levers_for

    roles, chain, asking = org
    result = orgsheet.organisation(_sheet(roles, chain, asking))
    s = result.scenario
    assert list(s.departments) == roles and len(result.notes) == len(ROLES) - len(roles)
    # it runs, and only its own units ask the teams for work
    m = AlignmentModel(s, seed=1).run()
    assert set(m.records.by_requester) <= {*roles, *s.teams, "experiments"}
    assert sum(len(m.items_of(unit)) for unit in (*roles, *s.teams)) == m._items  # no hidden requester
    assert set(m.graph.nodes) == {*roles, *s.teams}
    # written as TOML and read back: the same scenario, the same text
    text = s.to_toml()
    assert scenario_from_toml(text) == s and scenario_from_toml(text).to_toml() == text
    # every lever offered names a department it has, and applies
    for lever in levers_for(s):
        parts = lever.path.split(".")
        if parts[0] == "departments":
            assert parts[1] in s.departments, lever.path
        if parts[:2] == ["assumptions", "kpi_proxy"]:
            assert parts[2] in roles, lever.path
        if lever.widget == "chain":
            assert set(lever.options) == set(roles)
        changed = s.with_overrides({lever.path: _other_value(lever, get_value(s, lever.path))})
        assert list(changed.departments) == roles and not changed.default_departments
