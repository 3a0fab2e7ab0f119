"""A real browser: Playwright drives Debian's chromium against the app as `make app` starts it (ui/serve.py).

It loads the app, changes a lever, and checks that charts render and no error element shows; then it visits the
other pages. A leader asks what to change first (the levers ranked, a goal seek applied), and "Your organisation"
is walked from the template to a fit. Screenshots go to a temporary folder, or to ALIGNSIM_SCREENSHOTS (e.g.
docs/screenshots) when set; the suite's run takes none. `make test` installs chromium when it is missing.

Every test here that needs the app as users get it is in this module, so that they share one server (conftest's
``server``, module scope) and one chromium: a module of its own would start and warm the app again (its imports
and every preset's ensemble, about 20 CPU-seconds). tests/ui/test_serve.py has a server of its own on purpose: its
point is the very first visit.
"""

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from sim.input import orgsheet
from tests.conftest import advice_settings

pytestmark = pytest.mark.skipif(os.environ.get("ALIGNSIM_SKIP_BROWSER") == "1", reason="ALIGNSIM_SKIP_BROWSER=1")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"

#: The advice panel's work in this module's server (ui.advice's environment knobs, read by the server when it starts):
#: a ranking of three levers on three simulated markets and a short goal seek over two of them (as
#: tests/ui/test_advice_panel.py asks), so that the walks check the panel (the cost said before, progress while, the
#: ranking in order with the money, a goal seek's answer in words, its changes applied) in seconds; the engine's
#: statistics are tests/research/test_advice.py's. Left at the app's own when screenshots are taken for the docs
#: (ALIGNSIM_SCREENSHOTS).
LEVERS = ["departments.marketing.campaign_start_week", "leadership.real_choice", "leadership.trump"]
SMALL_ADVICE = {
    "ALIGNSIM_ADVICE_RANKING": {"seeds": 3, "confirm_seeds": 3, "confirm": 2, "levers": LEVERS},
    "ALIGNSIM_ADVICE_SEEK": {"trials": 6, "seeds": 4, "confirm_seeds": 8, "levers": [LEVERS[2], LEVERS[0]]},
}


#: The presets the walks open (Explore's first look, Compare's third option): the module's server warms these
#: (``ALIGNSIM_WARM_PRESETS``), not seven more that no test here opens (about 8 CPU-seconds of ensembles).
WARMED = ["b2b_activation", "product_logic"]


@pytest.fixture(scope="module", autouse=True)
def server_settings():
    """Set before the module's server starts (an autouse fixture of the module's scope runs before ``server``): the
    advice panel's small work and the presets warmed."""
    with advice_settings(SMALL_ADVICE), pytest.MonkeyPatch.context() as patch:
        patch.setenv("ALIGNSIM_WARM_PRESETS", ",".join(WARMED))
        yield


@pytest.fixture
def shots() -> Path | None:
    """Where the docs' screenshots go (ALIGNSIM_SCREENSHOTS, e.g. docs/screenshots), or None: the suite's run takes
    none (nobody looks at them, and each is a PNG that chromium draws and encodes, after a pause to settle)."""
    target = os.environ.get("ALIGNSIM_SCREENSHOTS")
    if not target:
        return None
    path = Path(target)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _shoot(page, shots: Path | None, name: str, at=None, settle_ms: int = 0, full_page: bool = False) -> None:
    """The screenshot ``name`` when screenshots are asked for (``shots``), else nothing: ``at`` (a locator) scrolled
    into view first, then ``settle_ms`` for the page to settle (a chart scrolled into view may be drawn again)."""
    if shots is None:
        return
    if at is not None:
        at.scroll_into_view_if_needed()
    if settle_ms:
        page.wait_for_timeout(settle_ms)
    page.screenshot(path=str(shots / name), full_page=full_page)


#: ``condition`` (a JavaScript expression of ``n``) has held for ``ms`` milliseconds: a page that has finished its
#: run and drawn its charts stays so, while one between two runs (e.g. a rerun that follows a click) does not.
HOLDS = """([n, ms, key]) => {
  const ok = CONDITION;
  const now = performance.now();
  if (!ok) { window[key] = null; return false; }
  if (window[key] == null) window[key] = now;
  return now - window[key] >= ms;
}"""


def _holds(page, condition: str, n: int = 0, ms: int = 400, timeout: float = 90_000) -> None:
    """Wait until ``condition`` has held for ``ms`` (polled every 50 ms), instead of a fixed pause after it."""
    key = f"__holds_{abs(hash(condition)) % 10**8}"
    page.evaluate(f"() => {{ window['{key}'] = null; }}")
    page.wait_for_function(HOLDS.replace("CONDITION", condition), arg=[n, ms, key], timeout=timeout, polling=50)


def _settle(page):
    page.wait_for_selector(".vega-embed", timeout=90_000)
    _holds(
        page,
        """!document.querySelector('[data-testid="stSpinner"]')
        && !document.querySelector('[data-testid="stStatusWidget"]')
        && Array.from(document.querySelectorAll('.vega-embed')).every(c => c.querySelector('canvas, svg'))""",
    )
    assert page.locator('[data-testid="stException"]').count() == 0


def _drawn(page, charts: int = 1):
    """Wait until the page finished its run, shows numbers from all seeds (Explore first shows the first seeds)
    and every chart is drawn."""
    _holds(
        page,
        """!document.querySelector('[data-testid="stStatusWidget"]')
        && !document.body.innerText.includes('From the first')
        && !document.body.innerText.includes('Ud fra de første')
        && document.querySelectorAll('.vega-embed').length >= n
        && Array.from(document.querySelectorAll('.vega-embed')).every(c => c.querySelector('canvas, svg'))""",
        n=charts,
    )
    assert page.locator('[data-testid="stException"]').count() == 0


#: Every chart is drawn and none has changed its size since the last poll.
CHARTS_STILL = """(() => {
  const charts = Array.from(document.querySelectorAll('.vega-embed'));
  const sizes = JSON.stringify(charts.map(c => {
    const r = (c.querySelector('canvas, svg') || c).getBoundingClientRect();
    return [r.left, r.width, r.height];
  }));
  const same = sizes === window.__chartSizes;
  window.__chartSizes = sizes;
  return same && charts.every(c => c.querySelector('canvas, svg'));
})()"""


def _charts_still(page) -> None:
    """Wait until every chart is drawn and no chart has changed its place or size for 400 ms (charts just scrolled
    into view may be drawn again at their width), instead of a fixed pause before they are measured."""
    page.evaluate("() => { window.__chartSizes = null; }")
    _holds(page, CHARTS_STILL)


def _tiles(page) -> list[str]:
    return page.locator('[data-testid="stMetric"]').all_inner_texts()


def _cut_charts(page) -> list[str]:
    """Charts whose drawing reaches beyond the page's width (cut off on a phone)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('.vega-embed')).filter(c => {
        const r = (c.querySelector('canvas, svg') || c).getBoundingClientRect();
        return r.right > document.documentElement.clientWidth + 1 || r.width < 50; }).map(c => c.innerText)""")


#: What the walk reads and clicks, in each language.
WORDS = {
    "en": {
        "on_screen": "On screen: B2B activation: the article's tug of war",
        "edited": "On screen: edited B2B activation: the article's tug of war",
        "toggle": "Prioritisation is a real choice",
        "trump": "How much it trumps local KPIs",
        "moved": "How much it trumps local KPIs: 0% → 100%",
        "why": "Why it moved",
        "time": "Where the team's time moved",
        "board": "A page for the board: print it or save it as PDF",
        "compare": "Compare",
        "third": "Product logic",
        "answer": "Compared with",
        "ranked": "What moves",
        "sought": ("is then likely between", "already reaches"),
        "verdicts": {
            "better": "green",
            "worse": "red",
            "more output": "blue",
            "less output": "blue",
            "not distinguishable": "gray",
        },
        "noise": "not distinguishable from the noise",
    },
    "da": {
        "on_screen": "På skærmen: B2B-aktivering: artiklens tovtrækkeri",
        "edited": "På skærmen: ændret B2B-aktivering: artiklens tovtrækkeri",
        "toggle": "Prioritering er et reelt valg",
        "trump": "Hvor meget det trumfer de lokale KPI'er",
        "moved": "Hvor meget det trumfer de lokale KPI'er: 0 % → 100 %",
        "why": "Hvorfor det flyttede sig",
        "time": "Hvor teamets tid flyttede sig",
        "board": "En side til bestyrelsen: udskriv den, eller gem den som PDF",
        "compare": "Sammenlign",
        "third": "Produktlogik",
        "answer": "Sammenlignet med",
        "ranked": "Det, der flytter",
        "sought": ("ligger så sandsynligvis mellem", "når allerede"),
        "verdicts": {
            "bedre": "green",
            "dårligere": "red",
            "mere output": "blue",
            "mindre output": "blue",
            "kan ikke skelnes": "gray",
        },
        "noise": "kan ikke skelnes fra støjen",
    },
}


#: The page has finished drawing: no run, no stale element, no progress bar, every chart drawn.
IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')
  && !document.querySelector('[data-stale="true"]')
  && !document.querySelector('[data-testid="stProgress"]')
  && Array.from(document.querySelectorAll('.vega-embed')).every(c => c.querySelector('canvas, svg'))"""


def _idle(page, timeout: float = 600_000) -> None:
    _holds(page, IDLE.removeprefix("() => "), timeout=timeout)
    assert page.locator('[data-testid="stException"]').count() == 0


def _colour(css: str) -> str:
    """A tile's delta colour by name: grey when its channels are about equal, else its strongest channel."""
    r, g, b = (int(x) for x in re.findall(r"\d+", css)[:3])
    if max(r, g, b) - min(r, g, b) < 40:
        return "gray"
    return {0: "red", 1: "green", 2: "blue"}[[r, g, b].index(max(r, g, b))]


def _signals(page) -> list[dict]:
    """Every tile with a difference: its heading, the number, the arrow's direction, the colour and the words."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-testid="stMetric"]')).flatMap(m => {
            const d = m.querySelector('[data-testid="stMetricDelta"]');
            if (!d) return [];
            const icon = d.querySelector('[data-testid^="stMetricDeltaIcon"]');
            const words = m.querySelector('[data-testid="stMetricDeltaDescription"]');
            return [{label: m.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
                     delta: d.innerText.trim(),
                     arrow: icon ? icon.dataset.testid.replace('stMetricDeltaIcon-', '') : null,
                     colour: getComputedStyle(d).color, words: words ? words.innerText.trim() : null}];
        })"""
    )


def _check_signals(page, lang: str) -> set[str]:
    """Each tile's arrow follows the sign of the number beside it and its colour the verdict in its words; each
    verdict agrees with the answer's sentence for that metric. Returns the verdicts seen."""
    words = WORDS[lang]
    answer = page.locator('[data-testid="stMarkdownContainer"] li').all_inner_texts()
    seen = set()
    tiles = _signals(page)
    assert len(tiles) >= 12, tiles
    for tile in tiles:
        sign = tile["delta"][0]
        assert sign in "+−", tile  # a typographic minus: never the hyphen Streamlit reads as "down"
        assert tile["arrow"] == ("Up" if sign == "+" else "Down"), tile
        assert tile["words"] in words["verdicts"], tile
        assert _colour(tile["colour"]) == words["verdicts"][tile["words"]], tile
        seen.add(tile["words"])
        name = tile["label"].split(" (")[0]
        lines = [ln for ln in answer if ln.startswith(name + " ") and "→" in ln]
        for line in lines:  # the answer says the same
            if tile["words"] == list(words["verdicts"])[-1]:
                assert words["noise"] in line, (tile, line)
            else:
                assert line.endswith(f"({tile['words']}).") or line.endswith(f"({tile['words']})."), (tile, line)
    return seen


def _cut_tiles(page) -> list[str]:
    """Tile headings and numbers cut off (wider than their box)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(
            '[data-testid="stMetricValue"] *, [data-testid="stMetricLabel"] *'))
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""
    )


def _cut_pills(page) -> list[str]:
    """A multiselect's chosen options (Compare's "Compared with") cut off: reaching out of their box (Streamlit
    scrolled them to the end of one line, so the first was cut at the left) or their words cut short ("…")."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-testid="stMultiSelect"] .react-aria-ComboBox'))
        .flatMap(box => {
            const outer = box.getBoundingClientRect();
            return Array.from(box.querySelectorAll('[data-tag]')).filter(tag => {
                const r = tag.getBoundingClientRect(), words = tag.firstElementChild;
                return r.left < outer.left - 1 || r.right > outer.right + 1 || r.top < outer.top - 1
                    || r.bottom > outer.bottom + 1 || words.scrollWidth > words.clientWidth + 1;
            }).map(tag => tag.innerText);
        })"""
    )


def _broken_amounts(page) -> list[str]:
    """Signed amounts of money in the page's sentences that a line break splits (a phone's line ending "−" and
    the next beginning "€19,500"): the amount's text takes more than one line."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-testid="stMarkdownContainer"]')).flatMap(box => {
            const found = [], walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (const m of node.textContent.matchAll(/[+−±][€$£]\\d[\\d.,]*/g)) {
                    const range = document.createRange();
                    range.setStart(node, m.index);
                    range.setEnd(node, m.index + m[0].length);
                    const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
                    if (tops.size > 1) found.push(m[0]);
                }
            }
            return found;
        })"""
    )


def _answer_text(page, words) -> list[str]:
    """The Compare page's answers in words: each headline and every line under it."""
    heads = [
        t
        for t in page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
        if t.startswith(words["answer"] + " A (")
    ]
    return heads + page.locator('[data-testid="stExpanderDetails"] li').all_inner_texts()


# ---------------------------------------------------------------- what to change first: the advice panel

#: A small organisation, so that the ranking and the goal seek take seconds, not minutes, on a busy machine.
SMALL = 'extends = "b2b_activation"\nname = "small_b2b"\nweeks = 26\n[customers]\npopulation = 1500\n'


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
    _idle(page, timeout=300_000)


def test_rank_the_levers_seek_a_goal_and_apply_it(server, browser, shots):
    """A leader pastes a small organisation on Explore, ranks the levers (a progress bar, then the ranking with the
    money beside each), runs a goal seek, applies its suggestion in one click, and the answer compares the applied
    changes with the scenario before."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    page.wait_for_selector(".vega-embed", timeout=300_000)
    _idle(page, timeout=300_000)
    page.get_by_text("Upload or paste a scenario (TOML)").click()
    pasted = page.locator(".st-key-pasted textarea")
    pasted.fill(SMALL)
    pasted.press("Control+Enter")  # the text committed first (Streamlit's own hint), then the button on a quiet page
    _idle(page, timeout=300_000)
    page.locator(".st-key-use_pasted button").click()
    _on_screen(page, "On screen: small_b2b")

    rank = page.locator(".st-key-advice_rank button")
    assert rank.inner_text().startswith("Rank the levers (about ")  # the cost is said before it runs
    rank.scroll_into_view_if_needed()
    _click_shows_progress(page, rank)  # progress while it runs
    page.get_by_text("What moves", exact=False).first.wait_for(timeout=600_000)
    _idle(page, timeout=300_000)
    ranking = page.locator('[data-testid="stMarkdownContainer"] ol').first.inner_text()
    assert "likely between" in ranking and "Revenue:" in ranking and "€" in ranking and "seeds" not in ranking
    _shoot(page, shots, "advice_ranking.png")

    seek = page.locator(".st-key-advice_seek button")
    assert seek.inner_text().startswith("Find the smallest change (at most about ")
    seek.scroll_into_view_if_needed()
    _click_shows_progress(page, seek)
    apply = page.locator(".st-key-advice_apply button")
    apply.wait_for(timeout=900_000)  # "Apply these changes", or "Apply the closest setting" when out of reach
    _idle(page, timeout=300_000)
    answer = page.locator('[data-testid="stMarkdownContainer"]', has_text="30-day activation is then likely between")
    assert answer.count() >= 1
    _shoot(page, shots, "advice_goal_seek.png")

    apply.click()
    page.locator('[data-testid="stAlertContentSuccess"]', has_text="Applied: ").wait_for(timeout=300_000)
    _idle(page, timeout=300_000)
    page.get_by_text("On screen: edited small_b2b", exact=False).first.wait_for(timeout=60_000)
    applied = page.locator('[data-testid="stAlertContentSuccess"]').first.inner_text()
    header = page.locator('[data-testid="stMarkdownContainer"]', has_text="On screen: edited small_b2b").first
    changes = page.locator('[data-testid="stMarkdownContainer"] ul').first.inner_text()
    assert header.is_visible()
    for change in applied.removeprefix("Applied: ").split(". The answer")[0].split("; "):
        assert change.strip() in changes  # the levers moved: the scenario on screen lists each change
    assert page.get_by_text("this edit makes", exact=False).count() >= 1  # the answer compares it with before
    _shoot(page, shots, "advice_applied.png")
    page.close()


@pytest.mark.parametrize("lang", ["en", "da"])
def test_a_leaders_decision_in_five_minutes(server, browser, shots, tmp_path, lang):
    """Issue 24's walk, in English and in Danish: a lever move -> every tile's arrow and colour right -> the "why"
    -> the levers ranked for the goal -> a goal seek -> the page for the board
    saved as PDF on one A4 page -> a Compare of three options -> its link in a fresh browser context with the
    same numbers (in English only: a link's numbers do not depend on the language) -> 390 px, nothing cut (the
    Danish words are longer). The advice panel does small work here (``SMALL_ADVICE``)."""
    words = WORDS[lang]
    suffix = "" if lang == "en" else "_da"
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="da-DK" if lang == "da" else "en-GB")
    page = context.new_page()
    page.goto(server + ("/?lang=da" if lang == "da" else ""))
    page.get_by_text(words["on_screen"]).first.wait_for(timeout=180_000)
    _drawn(page, 4)
    if lang == "en":  # the Danish first look is test_explore_in_danish_and_back's
        _shoot(page, shots, "explore.png")

    # a lever move: prioritisation becomes a real choice, and the shared criterion trumps every local KPI
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text(words["toggle"]).click()
    page.get_by_text(words["edited"]).first.wait_for(timeout=180_000)
    _drawn(page, 4)
    thumb = sidebar.locator('[data-testid="stSlider"]', has_text=words["trump"]).get_by_role("slider")
    thumb.focus()
    thumb.press("End")
    page.get_by_text(words["moved"]).first.wait_for(timeout=180_000)
    _drawn(page, 4)

    # every arrow follows its number's sign, every colour and word the verdict, and the answer says the same
    seen = _check_signals(page, lang)
    assert len(seen) >= 3, seen  # better, worse or output, and within the noise all appear
    assert _cut_tiles(page) == []
    _shoot(
        page, shots, f"explore_signals{suffix}.png", at=page.locator('[data-testid="stMetric"]').first, settle_ms=500
    )

    # why it moved, under the answer
    assert page.get_by_text(words["why"], exact=True).count() == 1
    why = [
        t
        for t in page.locator('[data-testid="stMarkdownContainer"] li').all_inner_texts()
        if t.startswith(words["time"])
    ]
    assert why and "−" in why[0] and "+" in why[0], why
    _shoot(page, shots, f"explore_answer{suffix}.png", at=page.get_by_text(words["why"], exact=True), settle_ms=500)

    # what to change first: the levers ranked for the goal (the shared criterion), with the money beside each;
    # the server keeps a ranking for every session, so the second language's walk may find it ranked already.
    # The timeouts are minutes: the ranking and the goal seek run hundreds of simulations, and on the shared 2-core
    # machine they take several times their estimate.
    rank = page.locator(".st-key-advice_rank button")
    if rank.count():
        rank.scroll_into_view_if_needed()
        rank.click()
    page.get_by_text(words["ranked"], exact=False).first.wait_for(timeout=900_000)
    _idle(page)
    ranking = page.locator('[data-testid="stMarkdownContainer"] ol').first.inner_text()
    assert ranking.count("\n") >= 2 and "€" in ranking, ranking  # levers in order, the money beside each
    assert not re.search(r"\bseeds?\b|\bCI\b|_", ranking), ranking  # plain words
    _shoot(page, shots, f"advice_ranking{suffix}.png", at=page.get_by_text(words["ranked"]).first, settle_ms=300)

    # a goal seek: the smallest change that reaches the goal without losing revenue (the form's defaults)
    seek = page.locator(".st-key-advice_seek button")
    seek.scroll_into_view_if_needed()
    seek.click()
    sought = page.locator('[data-testid="stMarkdownContainer"]', has_text=re.compile("|".join(words["sought"])))
    sought.first.wait_for(timeout=900_000)
    _idle(page)
    _shoot(page, shots, f"advice_goal_seek{suffix}.png", at=sought.first, settle_ms=300)

    # the page for the board: one A4 page, from the browser
    explore_link = page.url
    page.get_by_text(words["board"]).click()
    page.wait_for_url("**/Board?**", timeout=60_000)
    page.get_by_role("heading", level=1).first.wait_for(timeout=180_000)
    _drawn(page, 1)
    assert page.locator('[data-testid="stSidebar"]').is_hidden()
    assert page.get_by_text(words["moved"]).count() >= 1 and page.get_by_text(words["why"], exact=True).count() == 1
    _shoot(page, shots, f"board{suffix}.png", full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    (tmp_path / f"board{suffix}.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1

    # Compare: the edit on Explore against the preset, and a third option
    page.goto(explore_link)
    page.get_by_text(words["edited"]).first.wait_for(timeout=180_000)
    page.locator('[data-testid="stSidebarNav"]').get_by_text(words["compare"], exact=True).click()
    page.wait_for_url("**/Compare**", timeout=60_000)
    _drawn(page, 6)
    page.locator('[data-testid="stMultiSelect"] input').first.click()
    page.keyboard.type(words["third"])
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_url("**o3=product_logic**", timeout=180_000)
    _drawn(page, 7)
    compared = _answer_text(page, words)
    assert len([t for t in compared if t.startswith(words["answer"] + " A (")]) == 2, compared
    assert _cut_pills(page) == []  # both options compared with A, whole
    _shoot(page, shots, f"compare{suffix}.png")
    link = page.url
    assert "o1=b2b_activation" in link and "o2.set=" in link and "o3=product_logic" in link

    if lang == "en":  # a link opens the same comparison: nothing in it depends on the language
        colleague = browser.new_context(viewport={"width": 1400, "height": 1000})
        other = colleague.new_page()
        other.goto(link)
        _drawn(other, 7)
        assert _answer_text(other, words) == compared  # the same options, the same numbers, the same words
        colleague.close()

    # a phone: nothing cut
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    small = phone.new_page()
    small.goto(explore_link)
    small.get_by_text(words["edited"]).first.wait_for(timeout=180_000)
    _drawn(small, 4)
    assert _cut_tiles(small) == [] and _broken_amounts(small) == []
    for i in range(small.locator(".vega-embed").count()):
        small.locator(".vega-embed").nth(i).scroll_into_view_if_needed()
    _charts_still(small)
    assert _cut_charts(small) == []
    _shoot(small, shots, f"explore_phone_signals{suffix}.png", at=small.locator('[data-testid="stMetric"]').first)
    if lang == "en":
        _shoot(small, shots, "explore_phone_chart.png", at=small.locator(".vega-embed").first, settle_ms=500)
    small.goto(link)
    _drawn(small, 7)
    assert _cut_pills(small) == [] and _broken_amounts(small) == []
    for i in range(small.locator(".vega-embed").count()):
        small.locator(".vega-embed").nth(i).scroll_into_view_if_needed()
    _charts_still(small)
    assert _cut_charts(small) == []
    _shoot(small, shots, f"compare_phone{suffix}.png", at=small.locator(".vega-embed").first)
    if lang == "en":
        small.goto(f"{server}/Organisation")
        _drawn(small, 1)
        small.locator(".vega-embed").first.scroll_into_view_if_needed()
        _charts_still(small)
        assert _cut_charts(small) == []
        _shoot(small, shots, "organisation_phone.png")
        small.goto(f"{server}/Reference_models")
        _drawn(small, 1)
        for i in range(small.locator(".vega-embed").count()):
            small.locator(".vega-embed").nth(i).scroll_into_view_if_needed()
        _charts_still(small)
        assert _cut_charts(small) == []
    phone.close()
    context.close()


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
    _shoot(page, shots, name)
    page.close()


def test_reference_models_page_runs_a_sweep(server, browser, shots):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/Reference_models")
    _settle(page)
    assert page.get_by_text("Exploration and exploitation", exact=False).count() >= 1
    _shoot(page, shots, "reference_models.png")
    page.get_by_role("button", name="Run the sweep").click()
    page.wait_for_function("() => document.querySelectorAll('.vega-embed').length >= 2", timeout=120_000)
    _settle(page)
    chart = page.locator(".vega-embed").nth(1)
    chart.scroll_into_view_if_needed()
    _charts_still(page)
    assert chart.locator("canvas, svg").count() >= 1
    _shoot(page, shots, "reference_sweep.png")
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
    _shoot(page, shots, "reference_models_da.png")
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
    assert answer.startswith(
        "Sammenlignet med B2B-aktivering: artiklens tovtrækkeri, i de samme simulerede markeder, gør denne ændring"
    )
    lines = page.locator('[data-testid="stMarkdownContainer"]', has_text="sandsynligvis mellem").first.inner_text()
    assert re.search(r"\d,\d", lines) and "pct.-point" in lines  # decimal commas, percentage points
    assert page.get_by_text("Prioritering er et reelt valg: slået fra → slået til").is_visible()
    danish = _tiles(page)
    assert any(t.startswith("Omsætning") and "€" in t for t in danish)
    switch = page.locator('[data-testid="stSidebar"]').get_by_text("Sprog")  # the language switch in view
    _shoot(page, shots, "explore_da.png", at=switch, settle_ms=300)
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
    assert re.search(r"\d+ %", levers) and not re.search(r"\d\.\d", levers), levers  # shares in Danish percent
    _shoot(small, shots, "explore_phone_da.png")
    phone.close()

    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    page.get_by_text("On screen: edited B2B activation: the article's tug of war").wait_for(timeout=90_000)
    _drawn(page, 4)
    assert page.get_by_text("Prioritisation is a real choice: off → on").is_visible()
    assert picker.input_value() == "B2B activation: the article's tug of war"
    english = _tiles(page)
    assert _numbers(english, "en") == _numbers(danish, "da") and english != danish
    page.close()


# ---------------------------------------------------------------- "Your organisation": the template to a fit
#
# Download the template, upload the example organisation, see its graph, upload its observed series, fit with a
# small budget, then open Explore on the calibrated organisation. The suite's run uploads two of the example's six
# series (two fitted parameters, about a third of the six's candidates); the screenshot run uploads all six.


def _no_errors(page):
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def test_template_upload_graph_data_fit_then_explore(server, browser, shots, tmp_path):
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
    _shoot(page, shots, "own_org_graph.png", full_page=True)

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
    _charts_still(phone)
    box = graph.first.locator("canvas, svg").first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1  # not cut at the side
    _shoot(phone, shots, "own_org_graph_phone.png")
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
    # the chart's caption is drawn after the verdict (a busy machine showed the verdict alone for a moment)
    caption = page.get_by_text("Dots: your numbers. Line and band: the model")
    caption.first.wait_for(timeout=60_000)
    assert caption.count() == 1
    assert page.get_by_text("lead_rate").count() == 0 and page.get_by_text("normalised RMSE").count() == 0
    _no_errors(page)
    page.wait_for_function("() => document.querySelectorAll('.vega-embed').length >= 2", timeout=60_000)
    _shoot(page, shots, "own_org_fit.png", settle_ms=1000, full_page=True)

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


# The Workshop page's real-browser tests (live screens, screenshots, the soak) are in tests/ui/test_workshop_page.py
# and tests/ui/test_workshop_soak.py.
