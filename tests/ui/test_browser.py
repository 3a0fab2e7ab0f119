"""A real browser: Playwright drives Debian's chromium against the app as `make app` starts it (ui/serve.py).

It loads the app, changes a lever, and checks that charts render and no error element shows; then it visits the
other pages. Screenshots go to a temporary folder, or to ALIGNSIM_SCREENSHOTS (e.g. docs/screenshots) when set.
`make test` installs chromium when it is missing.
"""

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("ALIGNSIM_SKIP_BROWSER") == "1", reason="ALIGNSIM_SKIP_BROWSER=1")


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


def _drawn(page, charts: int = 1):
    """Wait until the page finished its run, shows numbers from all seeds (Explore first shows the first seeds)
    and every chart is drawn."""
    page.wait_for_function(
        """(n) => !document.querySelector('[data-testid="stStatusWidget"]')
        && !document.body.innerText.includes('From the first')
        && !document.body.innerText.includes('Ud fra de første')
        && document.querySelectorAll('.vega-embed').length >= n
        && Array.from(document.querySelectorAll('.vega-embed')).every(c => c.querySelector('canvas, svg'))""",
        arg=charts,
        timeout=90_000,
    )
    page.wait_for_timeout(800)
    assert page.locator('[data-testid="stException"]').count() == 0


def _tiles(page) -> list[str]:
    return page.locator('[data-testid="stMetric"]').all_inner_texts()


def _cut_charts(page) -> list[str]:
    """Charts whose drawing reaches beyond the page's width (cut off on a phone)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('.vega-embed')).filter(c => {
        const r = (c.querySelector('canvas, svg') || c).getBoundingClientRect();
        return r.right > document.documentElement.clientWidth + 1 || r.width < 50; }).map(c => c.innerText)""")


def test_a_leader_walks_explore_compare_a_share_link_and_a_phone(server, browser, shots):
    """Issue 13's walk: Explore -> a lever -> the answer in words -> Compare -> the share link in a fresh
    browser shows the same scenario and numbers -> 390 px without cut charts."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    _drawn(page, 4)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert nav.splitlines()[0].strip() == "Explore" and "Compare" in nav and "Workshop" in nav
    assert page.get_by_text("On screen: B2B activation: the article's tug of war").is_visible()
    assert page.get_by_text("30-day activation:", exact=False).count() >= 1
    page.screenshot(path=str(shots / "explore.png"), full_page=False)

    page.get_by_text("Prioritisation is a real choice").click()
    page.get_by_text("On screen: edited B2B activation: the article's tug of war").wait_for(timeout=90_000)
    _drawn(page, 4)
    answer = page.locator('[data-testid="stMarkdownContainer"]', has_text="customer results").first.inner_text()
    assert "Against B2B activation: the article's tug of war on the same seeds, this edit makes" in answer
    assert page.get_by_text("Prioritisation is a real choice: off → on").is_visible()
    assert page.get_by_text("30-day activation 3", exact=False).count() >= 1  # "30-day activation 36% → 37%: ..."
    tiles = _tiles(page)
    assert any(t.startswith("Revenue") and "€" in t for t in tiles)
    page.screenshot(path=str(shots / "explore_answer.png"), full_page=False)
    link = page.url
    assert "preset=b2b_activation" in link and "leadership.real_choice%3Dtrue" in link

    page.get_by_role("link", name="Compare").click()
    page.get_by_text("The answer").wait_for(timeout=90_000)
    _drawn(page, 6)
    assert page.get_by_text("B (edited B2B activation: the article's tug of war)", exact=False).count() >= 1
    page.screenshot(path=str(shots / "compare.png"), full_page=False)

    colleague = browser.new_context(viewport={"width": 1400, "height": 1000})
    other = colleague.new_page()
    other.goto(link)
    other.get_by_text("On screen: edited B2B activation: the article's tug of war").wait_for(timeout=90_000)
    _drawn(other, 4)
    assert other.get_by_text("Prioritisation is a real choice: off → on").is_visible()
    assert _tiles(other) == tiles
    colleague.close()

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    small = phone.new_page()
    small.goto(link)
    small.get_by_text("On screen: edited B2B activation: the article's tug of war").wait_for(timeout=90_000)
    _drawn(small, 4)
    for i in range(small.locator(".vega-embed").count()):
        small.locator(".vega-embed").nth(i).scroll_into_view_if_needed()
    small.wait_for_timeout(800)
    assert _cut_charts(small) == []
    small.screenshot(path=str(shots / "explore_phone.png"), full_page=False)
    small.locator(".vega-embed").first.scroll_into_view_if_needed()
    small.screenshot(path=str(shots / "explore_phone_chart.png"), full_page=False)
    small.goto(f"{server}/Compare")
    _drawn(small, 6)
    for i in range(small.locator(".vega-embed").count()):
        small.locator(".vega-embed").nth(i).scroll_into_view_if_needed()
    assert _cut_charts(small) == []
    small.locator(".vega-embed").first.scroll_into_view_if_needed()
    small.screenshot(path=str(shots / "compare_phone.png"), full_page=False)
    small.goto(f"{server}/Organisation")
    _drawn(small, 1)
    small.locator(".vega-embed").first.scroll_into_view_if_needed()
    small.wait_for_timeout(500)
    assert _cut_charts(small) == []
    small.screenshot(path=str(shots / "organisation_phone.png"), full_page=False)
    phone.close()
    page.close()


@pytest.mark.parametrize(
    "path,name,text",
    [
        ("Organisation", "organisation.png", "approval chain (in order)"),
        ("Self-assessment", "self_assessment.png", "Three questions"),
    ],
)
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
    english = _tiles(page)

    # Issue 15: in Danish the same run and the same sweep stay on screen, in Danish words and numbers
    page.locator('[data-testid="stSidebar"]').get_by_text("Dansk", exact=True).click()
    page.get_by_text("De klassiske modeller", exact=True).wait_for(timeout=90_000)
    page.wait_for_function("() => document.querySelectorAll('.vega-embed').length >= 2", timeout=120_000)
    _settle(page)
    danish = _tiles(page)
    assert any(t.startswith("Kodens viden ved slutningen") for t in danish)
    assert _numbers(danish, "da") == _numbers(english, "en") and danish != english
    assert page.get_by_text("Gensidig læring mellem individer", exact=False).count() >= 1
    assert page.get_by_role("button", name="Kør variationen").count() == 1
    page.screenshot(path=str(shots / "reference_models_da.png"), full_page=False)
    page.close()


def _numbers(texts: list[str], lang: str) -> list[float]:
    """Every number in the tiles, read in the language's style (Danish: 1.234,5; English: 1,234.5)."""
    text = " ".join(texts).replace("−", "-").replace("\xa0", " ")
    found = re.findall(r"[-+]?\d[\d.,]*", text)
    if lang == "da":
        return [float(n.replace(".", "").replace(",", ".").rstrip(".")) for n in found]
    return [float(n.replace(",", "").rstrip(".")) for n in found]


def test_explore_in_danish_and_back(server, browser, shots):
    """Issue 15: switch to Danish, move a lever, read the answer in Danish with decimal commas; the link opens in
    Danish at phone width; switching back to English keeps the edit and the very same numbers."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    _drawn(page, 4)
    page.locator('[data-testid="stSidebar"]').get_by_text("Dansk", exact=True).click()
    page.get_by_text("På skærmen: B2B-aktivering: artiklens tovtrækkeri").wait_for(timeout=90_000)
    _drawn(page, 4)
    picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.locator("input")
    assert picker.input_value() == "B2B-aktivering: artiklens tovtrækkeri"  # the choice renamed, not only new ones
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert nav.splitlines()[0].strip() == "Udforsk" and "Sammenlign" in nav and "Selvevaluering" in nav
    page.get_by_text("Prioritering er et reelt valg").click()
    page.get_by_text("På skærmen: ændret B2B-aktivering: artiklens tovtrækkeri").wait_for(timeout=90_000)
    _drawn(page, 4)
    answer = page.locator('[data-testid="stMarkdownContainer"]', has_text="kunderesultater").first.inner_text()
    assert answer.startswith("Over for B2B-aktivering: artiklens tovtrækkeri på de samme seeds gør denne ændring")
    lines = page.locator('[data-testid="stMarkdownContainer"]', has_text="sandsynligvis mellem").first.inner_text()
    assert re.search(r"\d,\d", lines) and "pct.-point" in lines  # decimal commas, percentage points
    assert page.get_by_text("Prioritering er et reelt valg: slået fra → slået til").is_visible()
    danish = _tiles(page)
    assert any(t.startswith("Omsætning") and "€" in t for t in danish)
    page.locator('[data-testid="stSidebar"]').get_by_text("Sprog").scroll_into_view_if_needed()  # the switch
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "explore_da.png"), full_page=False)
    link = page.url
    assert "lang=da" in link and "leadership.real_choice%3Dtrue" in link

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="da-DK"
    )
    small = phone.new_page()
    small.goto(link)  # a colleague's phone (in Danish): the same what-if, in Danish
    small.get_by_text("På skærmen: ændret B2B-aktivering: artiklens tovtrækkeri").wait_for(timeout=90_000)
    _drawn(small, 4)
    assert _tiles(small) == danish
    levers = " ".join(small.locator('[data-testid="stSidebar"] [data-testid="stSlider"]').all_text_contents())
    decimals = re.findall(r"\d[.,]\d", levers)  # a slider draws its numbers in the browser, in its locale
    assert decimals and all("," in d for d in decimals), decimals
    small.screenshot(path=str(shots / "explore_phone_da.png"), full_page=False)
    phone.close()

    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    page.get_by_text("On screen: edited B2B activation: the article's tug of war").wait_for(timeout=90_000)
    _drawn(page, 4)
    assert page.get_by_text("Prioritisation is a real choice: off → on").is_visible()
    assert picker.input_value() == "B2B activation: the article's tug of war"
    english = _tiles(page)
    assert _numbers(english, "en") == _numbers(danish, "da") and english != danish
    page.close()


# The Workshop page's real-browser tests (live screens, screenshots, the soak) are in tests/ui/test_workshop_page.py
# and tests/ui/test_workshop_soak.py.
