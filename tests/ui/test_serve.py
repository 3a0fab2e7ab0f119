"""ui/serve.py, the way `make app` starts the app: the very first visit of a fresh server, in real chromium.

This module has one test, so the `server` fixture (module scope) is fresh and nobody has visited it yet.
"""

import os

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("ALIGNSIM_SKIP_BROWSER") == "1", reason="ALIGNSIM_SKIP_BROWSER=1")


def test_a_shared_sub_page_link_is_the_first_visit_of_a_fresh_server(server, browser):
    """A link to /Compare opened before anyone visited the root runs app.py's navigation (page titles, the
    language switch), not Streamlit's folder navigation named after the files ('app', ...), and opens the page
    asked for without a "Page not found" dialog (which a folder called pages/ beside app.py brings back)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{server}/Compare?lang=da")
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.wait_for(timeout=90_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    names = [line.strip() for line in nav.inner_text().splitlines() if line.strip()]
    assert names[0] == "Udforsk" and "app" not in names, names
    assert "Sammenlign" in names
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[role="dialog"]').count() == 0, page.locator('[role="dialog"]').all_inner_texts()
    page.close()
