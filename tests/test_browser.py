"""A real browser: Playwright drives Debian's chromium against `streamlit run app.py` on localhost.

It loads the app, changes a lever, and checks that charts render and no error element shows; then it visits the
other pages. Screenshots go to a temporary folder, or to ALIGNSIM_SCREENSHOTS (e.g. docs/screenshots) when set.
`make test` installs chromium when it is missing.
"""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.skipif(os.environ.get("ALIGNSIM_SKIP_BROWSER") == "1",
                                reason="ALIGNSIM_SKIP_BROWSER=1")




@pytest.fixture(scope="module")
def server(tmp_path_factory, free_port):
    port = free_port()
    log = (tmp_path_factory.mktemp("streamlit") / "server.log").open("w")
    env = {**os.environ, "ALIGNSIM_WORKSHOP_DB": str(tmp_path_factory.mktemp("workshop") / "w.sqlite3")}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false"], cwd=ROOT, stdout=log, stderr=log, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    target = os.environ.get("ALIGNSIM_SCREENSHOTS")
    path = Path(target) if target else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


def _settle(page):
    page.wait_for_selector(".vega-embed", timeout=90_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSpinner\"]')", timeout=90_000)
    page.wait_for_timeout(1500)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_explore_renders_and_reacts_to_a_lever(server, browser, shots):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    _settle(page)
    assert page.locator(".vega-embed").count() >= 1
    assert page.get_by_text("Outcome: what customers do").is_visible()
    page.screenshot(path=str(shots / "explore.png"), full_page=False)

    page.get_by_text("Prioritisation is a real choice").click()
    page.wait_for_selector("text=Edited levers", timeout=90_000)
    _settle(page)
    assert page.get_by_text("leadership.real_choice").count() >= 1
    assert page.locator(".vega-embed").count() == 4
    chart = page.locator(".vega-embed").nth(2)  # the delivery paradox
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    assert chart.locator("canvas, svg").count() >= 1
    page.screenshot(path=str(shots / "paradox.png"), full_page=False)
    page.close()


@pytest.mark.parametrize("path,name,text", [("Compare", "compare.png", "Paired over seeds"),
                                            ("Organisation", "organisation.png", "approval chain (in order)"),
                                            ("Self-assessment", "self_assessment.png", "Three questions")])
def test_other_pages_render(server, browser, shots, path, name, text):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/{path}")
    if path != "Self-assessment":
        _settle(page)
    else:
        page.wait_for_selector("text=Explore this organisation", timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text(text, exact=False).count() >= 1
    page.screenshot(path=str(shots / name), full_page=False)
    page.close()


def test_reference_models_page_runs_a_sweep(server, browser, shots):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/Reference_models")
    _settle(page)
    assert page.get_by_text("Exploration and exploitation", exact=False).count() >= 1
    page.screenshot(path=str(shots / "reference_models.png"), full_page=False)
    page.get_by_role("button", name="Run the sweep").click()
    page.wait_for_function("() => document.querySelectorAll('.vega-embed').length >= 2", timeout=120_000)
    _settle(page)
    chart = page.locator(".vega-embed").nth(1)
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    assert chart.locator("canvas, svg").count() >= 1
    page.screenshot(path=str(shots / "reference_sweep.png"), full_page=False)
    page.close()


# The Workshop page's real-browser tests (live screens, screenshots, the soak) are in tests/test_workshop_app.py
# and tests/test_workshop_soak.py.
