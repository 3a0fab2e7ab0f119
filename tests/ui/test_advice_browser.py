"""What to change first in a real browser (Debian's chromium, the app as `make app` starts it): a leader pastes a
small organisation on Explore, ranks the levers (a progress bar, then the ranking with the money beside each), runs a
goal seek, applies its suggestion in one click, and the answer compares the applied changes with the scenario
before. Screenshots go to a temporary folder, or to ALIGNSIM_SCREENSHOTS when set."""

import os
from pathlib import Path

import pytest

from tests.conftest import advice_settings

pytestmark = pytest.mark.skipif(os.environ.get("ALIGNSIM_SKIP_BROWSER") == "1", reason="ALIGNSIM_SKIP_BROWSER=1")

#: The panel's work in this module's server (ui.advice's environment knobs): a ranking of three levers on three
#: simulated markets, and a short goal seek over two of them (what test_browser.py's walk asks, and
#: tests/ui/test_advice_panel.py's), so that the test checks what the panel does (cost said before, progress while,
#: the ranking with the money, the answer in words, the changes applied) in seconds; the engine's statistics are
#: tests/research/test_advice.py's. Left at the app's own for the docs' screenshots.
LEVERS = ["departments.marketing.campaign_start_week", "leadership.real_choice", "leadership.trump"]
SMALL_ADVICE = {
    "ALIGNSIM_ADVICE_RANKING": {"seeds": 3, "confirm_seeds": 3, "confirm": 2, "levers": LEVERS},
    "ALIGNSIM_ADVICE_SEEK": {"trials": 6, "seeds": 4, "confirm_seeds": 8, "levers": [LEVERS[2], LEVERS[0]]},
}


@pytest.fixture(scope="module", autouse=True)
def small_advice():
    """Set before the module's server starts (an autouse fixture of the module's scope runs before ``server``)."""
    with advice_settings(SMALL_ADVICE):
        yield


#: A small organisation, so that the ranking and the goal seek take seconds, not minutes, on a busy machine.
SMALL = 'extends = "b2b_activation"\nname = "small_b2b"\nweeks = 26\n[customers]\npopulation = 1500\n'
IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')
  && !document.querySelector('[data-stale="true"]')
  && !document.querySelector('[data-testid="stProgress"]')
  && Array.from(document.querySelectorAll('.vega-embed')).every(c => c.querySelector('canvas, svg'))"""


@pytest.fixture
def shots(tmp_path) -> Path:
    target = os.environ.get("ALIGNSIM_SCREENSHOTS")
    path = Path(target) if target else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


#: IDLE has held for 400 ms (a page between two runs, e.g. the rerun after a click, does not hold).
HELD = """() => {
  const ok = (IDLE)();
  const now = performance.now();
  if (!ok) { window.__idleSince = null; return false; }
  if (window.__idleSince == null) window.__idleSince = now;
  return now - window.__idleSince >= 400;
}""".replace("IDLE", IDLE)


def _idle(page, timeout: float = 300_000) -> None:
    page.evaluate("() => { window.__idleSince = null; }")
    page.wait_for_function(HELD, timeout=timeout, polling=50)
    assert page.locator('[data-testid="stException"]').count() == 0


#: Notes in the page when a progress bar is drawn (in the page and with a size, as Playwright's "visible"), from now
#: on: a small ranking or goal seek can draw its bar and finish between two polls of a busy machine, so waiting for
#: the bar after the click could miss it.
NOTE_PROGRESS = """() => {
  window.__progressShown = false;
  const seen = () => {
    const bar = document.querySelector('[data-testid="stProgress"]');
    const box = bar && bar.getBoundingClientRect();
    if (box && box.width > 0 && box.height > 0 && bar.checkVisibility({visibilityProperty: true})) {
      window.__progressShown = true;
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(seen);
  observer.observe(document.body, {childList: true, subtree: true, attributes: true});
  seen();
}"""


def _click_shows_progress(page, button) -> None:
    """Click ``button`` and wait until a progress bar has been drawn since the click (progress while it runs)."""
    page.evaluate(NOTE_PROGRESS)
    button.click()
    page.wait_for_function("() => window.__progressShown", timeout=60_000)


def _on_screen(page, header: str, timeout: float = 300_000) -> None:
    """Wait for the scenario's header; a failure says what the page showed instead (its alerts, the sidebar)."""
    try:
        page.get_by_text(header, exact=False).first.wait_for(timeout=timeout)
    except Exception as exc:  # Playwright's TimeoutError: say what was on the page instead
        alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
        pasted = page.locator(".st-key-pasted textarea").input_value()
        raise AssertionError(f"{header!r} not shown; alerts: {alerts}; pasted text: {pasted!r}") from exc
    _idle(page)


def test_rank_the_levers_seek_a_goal_and_apply_it(server, browser, shots):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    page.wait_for_selector(".vega-embed", timeout=300_000)
    _idle(page)
    page.get_by_text("Upload or paste a scenario (TOML)").click()
    pasted = page.locator(".st-key-pasted textarea")
    pasted.fill(SMALL)
    pasted.press("Control+Enter")  # the text committed first (Streamlit's own hint), then the button on a quiet page
    _idle(page)
    page.locator(".st-key-use_pasted button").click()
    _on_screen(page, "On screen: small_b2b")

    rank = page.locator(".st-key-advice_rank button")
    assert rank.inner_text().startswith("Rank the levers (about ")  # the cost is said before it runs
    rank.scroll_into_view_if_needed()
    _click_shows_progress(page, rank)  # progress while it runs
    page.get_by_text("What moves", exact=False).first.wait_for(timeout=600_000)
    _idle(page)
    ranking = page.locator('[data-testid="stMarkdownContainer"] ol').first.inner_text()
    assert "likely between" in ranking and "Revenue:" in ranking and "€" in ranking and "seeds" not in ranking
    page.screenshot(path=str(shots / "advice_ranking.png"), full_page=False)

    seek = page.locator(".st-key-advice_seek button")
    assert seek.inner_text().startswith("Find the smallest change (at most about ")
    seek.scroll_into_view_if_needed()
    _click_shows_progress(page, seek)
    apply = page.locator(".st-key-advice_apply button")
    apply.wait_for(timeout=900_000)  # "Apply these changes", or "Apply the closest setting" when out of reach
    _idle(page)
    answer = page.locator('[data-testid="stMarkdownContainer"]', has_text="30-day activation is then likely between")
    assert answer.count() >= 1
    page.screenshot(path=str(shots / "advice_goal_seek.png"), full_page=False)

    apply.click()
    page.locator('[data-testid="stAlertContentSuccess"]', has_text="Applied: ").wait_for(timeout=300_000)
    _idle(page)
    page.get_by_text("On screen: edited small_b2b", exact=False).first.wait_for(timeout=60_000)
    applied = page.locator('[data-testid="stAlertContentSuccess"]').first.inner_text()
    header = page.locator('[data-testid="stMarkdownContainer"]', has_text="On screen: edited small_b2b").first
    changes = page.locator('[data-testid="stMarkdownContainer"] ul').first.inner_text()
    assert header.is_visible()
    for change in applied.removeprefix("Applied: ").split(". The answer")[0].split("; "):
        assert change.strip() in changes  # the levers moved: the scenario on screen lists each change
    assert page.get_by_text("this edit makes", exact=False).count() >= 1  # the answer compares it with before
    page.screenshot(path=str(shots / "advice_applied.png"), full_page=False)
    page.close()
