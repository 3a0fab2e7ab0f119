"""The page "Your organisation" before any upload (AppTest cannot upload files; tests/ui/test_browser.py walks
the whole page in a real browser)."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def test_the_page_offers_both_templates_and_waits_for_an_upload():
    at = AppTest.from_file(str(ROOT / "ui" / "pages" / "your_organisation.py"), default_timeout=60)
    at.run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Template (Excel, with an example)", "Template (CSV files in a ZIP)"]
    assert any("Upload the template" in i.value for i in at.info)
    assert not at.get("vega_lite_chart")  # nothing to draw before an organisation is uploaded


def test_an_imported_organisation_without_some_departments_opens_in_explore_organisation_and_compare():
    """What the page's "Explore and Compare on it" hands on (``ui.state.explore``: the scenario as the session's
    base) runs on every page with only the organisation's own departments: no lever, graph node or chain option
    for a department it left out."""
    import pyarrow as pa

    from sim.input import orgsheet

    tables = {}
    for sheet, text in {
        "organisation": "setting,value\nname,tiny\naccounts,400\nweeks,12\n",
        "departments": "department\nsales\nfinance\nlegal\n",
        "teams": "team,approvals\ncore,legal\n",
        "requests": "department,team\nsales,core\n",
    }.items():
        tables.update(orgsheet.read_tables(text.encode(), f"{sheet}.csv"))
    tiny = orgsheet.organisation(tables).scenario
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["base_toml"], at.session_state["base_label"] = tiny.to_toml(), "tiny"
    at.run()
    assert not at.exception and at.session_state["base_label"] == "tiny"
    labels = [
        w.label
        for kind in ("slider", "selectbox", "multiselect", "number_input", "toggle")
        for w in getattr(at.sidebar, kind)
    ]
    assert (
        "Sales: weight on the shared goal" in labels
        and "Campaign start week" not in labels
        and "Data maturity" not in labels
    )
    assert not any(label.startswith(("Marketing", "HR", "Customer Success")) for label in labels)
    assert at.get("vega_lite_chart")
    at.switch_page("ui/pages/organisation.py").run()
    assert not at.exception
    frames = [
        pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in at.get("vega_lite_chart")[0].proto.datasets
    ]
    nodes = {unit for f in frames if "type" in f for unit in f["unit"]}
    assert nodes == {"sales", "finance", "legal", "core"}
    assert at.multiselect(key="org_chain:core").options == ["Sales", "Finance", "Legal"]
    assert any(m.value == "**Product team**" for m in at.markdown)  # the team by what it is, not "core"
    at.switch_page("ui/pages/compare.py").run()
    assert not at.exception


def test_problems_in_an_upload_are_shown_in_the_pages_language():
    """On the Danish page a bad sheet and a bad observed series read Danish, naming sheet, row and column (the
    file's sheet and column names kept); the page goes on after a bad observed file."""
    at = AppTest.from_file(str(ROOT / "ui" / "pages" / "your_organisation.py"), default_timeout=60)
    at.query_params["lang"] = "da"
    at.run()
    at.file_uploader(key="org_upload").set_value(
        [
            ("departments.csv", b"department\nsales\nfinance\n", "text/csv"),
            ("teams.csv", b"team,approvals\ncore,legal\n", "text/csv"),
        ]
    ).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith(
        "ark teams, række 2, kolonne approvals: legal står ikke i departments-arket"
    ), errors
    at.file_uploader(key="org_upload").set_value(
        [
            ("departments.csv", b"department\nsales\nfinance\n", "text/csv"),
            ("teams.csv", b"team,approvals\ncore,finance\n", "text/csv"),
        ]
    ).run()
    assert not at.exception and not at.error
    at.file_uploader(key="observed_upload").set_value(
        ("monthly.csv", b"month,leads\n1,3\n3,4\n4,5\n", "text/csv")
    ).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "monthly.csv, række 3, kolonne month: skal være 2 (perioderne 1, 2, 3, "
        "... i rækkefølge, ingen sprunget over), ikke '3'"
    ]


def test_the_columns_of_your_numbers_are_named_for_people_and_said_in_full():
    """Issue 24: the page listed the series by their code names in a table that cut their meaning short. Each
    series is now a line: its name, the column to write in the file (as code) and what a cell means, in full, in
    the page's language."""
    from sim.input.observed import SERIES

    example = ROOT / "docs" / "examples" / "own_org.xlsx"
    for lang, first in (
        ("en", "- **New customers** (`new_customers`): accounts that bought in the period"),
        ("da", "- **Nye kunder** (`new_customers`): "),
    ):
        at = AppTest.from_file(str(ROOT / "ui" / "pages" / "your_organisation.py"), default_timeout=60)
        at.query_params["lang"] = lang
        at.run()
        upload = (
            "own_org.xlsx",
            example.read_bytes(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        at.file_uploader(key="org_upload").set_value([upload]).run()
        assert not at.exception
        listed = next(m.value for m in at.markdown if "`new_customers`" in m.value).split("\n")
        assert len(listed) == len(SERIES) and listed[0].startswith(first)
        assert all(f"(`{code}`)" in line for code, line in zip(SERIES, listed))
        assert "among those whose 30 days ended in the period" in listed[1] or lang == "da"
        assert not [d for d in at.dataframe if "new_customers" in d.value.to_string()]  # no table of code names
