"""The page "Your organisation" before any upload (AppTest cannot upload files; tests/test_org_browser.py walks
the whole page in a real browser)."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def test_the_page_offers_both_templates_and_waits_for_an_upload():
    at = AppTest.from_file(str(ROOT / "pages" / "6_Your_organisation.py"), default_timeout=60)
    at.run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Template (Excel, with an example)", "Template (CSV files in a ZIP)"]
    assert any("Upload the template" in i.value for i in at.info)
    assert not at.get("vega_lite_chart")  # nothing to draw before an organisation is uploaded
