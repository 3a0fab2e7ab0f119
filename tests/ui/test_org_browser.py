"""A real browser walks "Your organisation": download the template, upload the example organisation, see its
graph, upload its observed series, fit with a small budget, then open Explore on the calibrated organisation.
The suite's run uploads two of the example's six series (two fitted parameters, about a third of the six's
candidates); the screenshot run uploads all six.

Playwright drives Debian's chromium against `streamlit run app.py` on a free port (conftest's server). With
ALIGNSIM_SCREENSHOTS=docs/screenshots it refreshes the page's screenshots there.
"""

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from sim.input import orgsheet

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"

pytestmark = pytest.mark.skipif(os.environ.get("ALIGNSIM_SKIP_BROWSER") == "1", reason="ALIGNSIM_SKIP_BROWSER=1")


def _shot(page, name):
    target = os.environ.get("ALIGNSIM_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / name), full_page=True)


def _no_errors(page):
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def test_template_upload_graph_data_fit_then_explore(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/Your_organisation", timeout=60_000)
    page.get_by_text("1. The template").wait_for(timeout=60_000)

    with page.expect_download() as download:
        page.get_by_role("button", name="Template (Excel, with an example)").click()
    saved = tmp_path / "template.xlsx"
    download.value.save_as(saved)
    template = orgsheet.import_file(saved.read_bytes(), "template.xlsx").scenario
    assert set(template.teams) == {"onboarding", "platform"}

    uploads = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    uploads.first.set_input_files(str(EXAMPLES / "own_org.xlsx"))
    page.get_by_text("Imported nordlys").wait_for(timeout=60_000)
    page.wait_for_selector(".vega-embed", timeout=60_000)
    _no_errors(page)
    assert page.locator(".vega-embed").count() == 1  # the organisation graph
    _shot(page, "own_org_graph.png")

    # the same graph on a phone: drawn whole, each unit's name outside its dot (tests/present/test_charts.py)
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto(f"{server}/Your_organisation", timeout=60_000)
    phone.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(EXAMPLES / "own_org.xlsx"))
    graph = phone.locator(".vega-embed")
    graph.first.wait_for(timeout=60_000)
    phone.wait_for_function("() => document.querySelector('.vega-embed canvas, .vega-embed svg')", timeout=60_000)
    graph.first.scroll_into_view_if_needed()
    phone.wait_for_timeout(500)
    box = graph.first.locator("canvas, svg").first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1  # not cut at the side
    target = os.environ.get("ALIGNSIM_SCREENSHOTS")
    if target:
        phone.screenshot(path=str(Path(target) / "own_org_graph_phone.png"), full_page=False)
    phone.context.close()

    observed = EXAMPLES / "own_org_monthly.csv"
    series = ["new_customers", "activation_30d", "churned", "support_contacts", "leads", "releases"]
    if not os.environ.get("ALIGNSIM_SCREENSHOTS"):  # the same page path with fewer fitted parameters
        series = ["new_customers", "leads"]
        table = pd.read_csv(observed)
        observed = tmp_path / "own_org_monthly.csv"
        table[["month", *series]].to_csv(observed, index=False)
    uploads.nth(1).set_input_files(str(observed))
    page.get_by_text("12 months of new customers, ").wait_for(timeout=60_000)
    page.get_by_role("button", name="Fit (about").click()
    page.get_by_text(re.compile(r"^The model (fits|does not fit) your numbers")).wait_for(timeout=240_000)
    assert page.get_by_text("Dots: your numbers. Line and band: the model").count() == 1
    assert page.get_by_text("lead_rate").count() == 0 and page.get_by_text("normalised RMSE").count() == 0
    _no_errors(page)
    page.wait_for_function("() => document.querySelectorAll('.vega-embed').length >= 2", timeout=60_000)
    page.wait_for_timeout(1000)
    _shot(page, "own_org_fit.png")

    page.get_by_role("button", name="Explore and Compare on it").click()
    page.get_by_text("Explore: what if we aligned?").wait_for(timeout=60_000)
    # said under the scenario in the sidebar and on the page
    page.get_by_text(f"Calibrated to {12 * len(series)} observed monthly values").first.wait_for(timeout=120_000)
    page.wait_for_selector(".vega-embed", timeout=120_000)
    _no_errors(page)
    page.close()


def test_an_organisation_without_some_departments_is_imported_with_only_them(server, browser, tmp_path):
    """CSV sheets of three departments: the page says three, and a note says what each one left out means."""
    sheets = {
        "organisation": "setting,value\nname,tiny\naccounts,400\n",
        "departments": "department\nsales\nfinance\nlegal\n",
        "teams": "team,approvals\ncore,legal\n",
    }
    for sheet, text in sheets.items():
        (tmp_path / f"{sheet}.csv").write_text(text)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/Your_organisation", timeout=60_000)
    page.get_by_text("1. The template").wait_for(timeout=60_000)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        [str(tmp_path / f"{sheet}.csv") for sheet in sheets]
    )
    page.get_by_text("Imported tiny: 3 departments, 1 team(s)").wait_for(timeout=60_000)
    page.get_by_text("no Marketing in your departments sheet, so none in the model (no campaigns").wait_for(
        timeout=10_000
    )
    page.wait_for_selector(".vega-embed", timeout=60_000)
    _no_errors(page)
    page.close()
