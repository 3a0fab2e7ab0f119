"""How live the Explore page feels, measured in a real browser (Debian's chromium, driven by Playwright).

It starts the app as `make app` does (`ui/serve.py`: the port opens at once, the presets warm in the background) on
port 8610 unless --port, then measures:

- port open: from starting the server until its health check answers;
- first visit: from opening the page right after that until the answer and every chart are drawn;
- lever moves: five one-step moves of the lever "How much it trumps local KPIs" (arrow key on the slider), each from
  the key press until the answer for the new value is on screen (first answer: Explore may first show the first
  seeds) and until the answer from all seeds and every chart are drawn (the target); medians are reported;
- preset switch: from picking product_logic in the sidebar's open drop-down until its answer and charts are
  drawn;
- the lever ranking ("What to change first" on product_logic): from the click until its progress bar shows, and
  until the ranking is on screen.

Everything is found by structure, not by wording: widgets by their keys (Streamlit's st-key-* classes), the
setting on screen by the page's address (the share link), a drawn page by Streamlit's running indicator, stale
elements and drawn charts. Options: --seeds 60 opens the page with 60 seeds (through a share link); --first-seeds
and --first-look-after set when Explore shows the first seeds before all of them (see ui.results.FIRST_SEEDS);
--no-ranking skips the ranking; --smoke (the test suite's run, tests/test_benchmarks.py) makes one lever move and
the preset switch on a free port with 5 seeds (the fewest the page offers, through a share link), and no ranking.

It prints one line per measurement and a JSON summary, with the machine's load (`uptime`) at the start and end:
the machine is shared, so figures taken under load are pessimistic. Run: `.venv/bin/python
benchmarks/app_latency.py` (docs/PERFORMANCE.md has the targets and the recorded figures).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.server import CHROMIUM, CHROMIUM_ARGS, app_command, free_port, wait_healthy  # noqa: E402

#: The lever moved, found by its widget's key (Streamlit gives a keyed widget the class st-key-<key>, with every
#: character but letters, digits, - and _ as "-"), not by its label, so that rewording the app does not break this.
LEVER = "leadership.trump"
LEVER_CLASS = ".st-key-lever-leadership-trump"
#: The preset switched to, picked by its place in the picker (the presets' order), not by its title.
PRESET = "product_logic"
#: Seeds of the smoke run: the fewest the page's slider offers (sim.input.share.SEEDS_RANGE).
SMOKE_SEEDS = 5

#: A page is drawn when Streamlit no longer shows its running indicator, no element is stale and every chart (at
#: least ``n``) has its canvas or svg, and it stays so for 300 ms (a page that shows the first seeds refines in the
#: same run, so the indicator stays until all seeds are in). Returns the page's clock when it first held.
DRAWN = """(n) => {
  const ok = !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-stale="true"]')
    && document.querySelectorAll('.vega-embed').length >= n
    && Array.from(document.querySelectorAll('.vega-embed')).every(c => c.querySelector('canvas, svg'));
  const now = performance.now();
  if (!ok) { window.__drawnSince = null; return false; }
  if (window.__drawnSince == null) window.__drawnSince = now;
  return now - window.__drawnSince >= 300 ? window.__drawnSince : false;
}"""
#: The answer for a new setting is on screen: the address (the share link, updated by the run) names the setting,
#: and nothing above the first chart is stale any more.
ANSWERED = """(wanted) => {
  if (!decodeURIComponent(location.search.replace(/\\+/g, ' ')).includes(wanted)) return false;
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const els = Array.from(main.querySelectorAll('[data-testid="stElementContainer"]'));
  const chart = els.findIndex(e => e.querySelector('.vega-embed'));
  const before = chart < 0 ? els : els.slice(0, chart);
  return before.length > 0 && before.every(e => e.getAttribute('data-stale') !== 'true') && performance.now();
}"""
#: The lever ranking is done: its button is gone, no progress bar and no running indicator.
RANKED = """() => !document.querySelector('.st-key-advice_rank')
  && !document.querySelector('[data-testid="stProgress"]')
  && !document.querySelector('[data-testid="stStatusWidget"]') && performance.now()"""


def start_server(port: int, first_seeds: int | None = None, first_look_after: float | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        **({"ALIGNSIM_FIRST_SEEDS": str(first_seeds)} if first_seeds is not None else {}),
        **({"ALIGNSIM_FIRST_LOOK_AFTER_S": str(first_look_after)} if first_look_after is not None else {}),
    }
    proc = subprocess.Popen(
        app_command(port), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )  # as `make app` starts it
    try:
        wait_healthy(f"http://127.0.0.1:{port}", 120, proc)
    except RuntimeError as exc:
        proc.kill()
        raise SystemExit(str(exc)) from None
    return proc


def lever_value(shown: str) -> float:
    """The slider's value as the scenario holds it: a share shown in whole percents (``5%``, ``5 %``) is 0.05."""
    number = float(shown.replace("%", "").replace("\u00a0", "").replace(",", ".").strip())
    return number / 100 if "%" in shown else number


def wait_drawn(page, charts: int = 1, timeout: float = 120_000) -> float:
    """Wait until the page is drawn (``DRAWN``); the page's clock (ms) when it first was."""
    page.evaluate("() => { window.__drawnSince = null; }")
    return float(page.wait_for_function(DRAWN, arg=charts, timeout=timeout, polling=25).json_value())


def clock(page) -> float:
    return float(page.evaluate("() => performance.now()"))


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def measure(
    port: int,
    moves: int = 5,
    first_seeds: int | None = None,
    first_look_after: float | None = None,
    seeds: int | None = None,
    ranking: bool = True,
) -> dict:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from sim.present.levers import preset_name

    figures: dict = {
        "load_before": uptime(),
        "first_seeds": first_seeds,
        "first_look_after_s": first_look_after,
        "seeds": seeds or 20,
    }
    started = time.perf_counter()
    server = start_server(port, first_seeds, first_look_after)
    figures["port_open_s"] = time.perf_counter() - started
    print(f"port open after server start: {figures['port_open_s']:.2f} s", flush=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}" + (f"/?preset=b2b_activation&seeds={seeds}" if seeds else ""))
            page.wait_for_selector(".vega-embed", timeout=180_000)
            wait_drawn(page, 4)
            figures["first_visit_s"] = time.perf_counter() - start - 0.3  # DRAWN holds for 300 ms before it says so
            print(f"first visit after server start: {figures['first_visit_s']:.2f} s", flush=True)

            slider = page.locator(LEVER_CLASS).get_by_role("slider")
            thumb = page.locator(f"{LEVER_CLASS} [data-testid='stSliderThumbValue']")
            times, firsts = [], []
            for i in range(moves):
                slider.focus()
                before = thumb.inner_text()
                start_ms = clock(page)
                page.keyboard.press("ArrowRight")
                page.wait_for_function(
                    "([sel, v]) => document.querySelector(sel)?.innerText !== v",
                    arg=[f"{LEVER_CLASS} [data-testid='stSliderThumbValue']", before],
                    timeout=5000,
                )
                value = thumb.inner_text()
                answered = page.wait_for_function(
                    ANSWERED, arg=f"{LEVER}={lever_value(value)!r}", timeout=180_000, polling=25
                ).json_value()
                firsts.append((float(answered) - start_ms) / 1000)  # the answer for the new value is on screen
                times.append((wait_drawn(page, 4) - start_ms) / 1000)
                print(
                    f"lever move {i + 1} (to {value}): first answer {firsts[-1]:.2f} s, all seeds and charts "
                    f"{times[-1]:.2f} s",
                    flush=True,
                )
            figures["lever_moves_s"] = times
            figures["lever_move_median_s"] = statistics.median(times)
            figures["lever_move_first_answer_median_s"] = statistics.median(firsts)

            for attempt in range(3):  # a rerun that lands as the drop-down opens closes it again: open it anew
                page.locator(".st-key-preset_choice input").click()
                # by its name: the drop-down draws only the options in view, so an index is no address
                option = page.get_by_role("option", name=preset_name(PRESET), exact=True)
                try:
                    option.wait_for(timeout=10_000)
                    start_ms = clock(page)  # from the pick, not from opening the drop-down (or a retry)
                    option.click(timeout=10_000)
                    break
                except PlaywrightTimeout:
                    if attempt == 2:
                        raise
            page.wait_for_function(
                "(p) => decodeURIComponent(location.search).includes(p)", arg=f"preset={PRESET}", timeout=60_000
            )
            figures["preset_switch_s"] = (wait_drawn(page, 4) - start_ms) / 1000
            print(f"preset switch: {figures['preset_switch_s']:.2f} s", flush=True)

            if ranking:  # what to change first: the ranking of the levers on the preset on screen
                button = page.locator(".st-key-advice_rank button")
                button.scroll_into_view_if_needed()
                start_ms = clock(page)
                button.click()
                page.wait_for_selector("[data-testid='stProgress']", timeout=60_000)
                figures["ranking_progress_shown_s"] = (clock(page) - start_ms) / 1000
                done = page.wait_for_function(RANKED, timeout=600_000, polling=100).json_value()
                figures["ranking_s"] = (float(done) - start_ms) / 1000
                print(
                    f"lever ranking: progress after {figures['ranking_progress_shown_s']:.2f} s, done after "
                    f"{figures['ranking_s']:.1f} s",
                    flush=True,
                )
            errors = page.locator('[data-testid="stException"]').count()
            figures["errors"] = errors
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    figures["load_after"] = uptime()
    figures["cpus"] = os.cpu_count()
    if figures["errors"]:
        raise SystemExit(f"the page showed {figures['errors']} error(s)")
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=None, help="port (default 8610; --smoke: a free one)")
    parser.add_argument("--moves", type=int, default=5)
    parser.add_argument(
        "--first-seeds",
        type=int,
        default=None,
        help="seeds Explore shows first before refining (the app's default: 4; 0: all at once)",
    )
    parser.add_argument(
        "--first-look-after",
        type=float,
        default=None,
        help="estimated wait (s) above which Explore shows the first seeds first (default 1.0)",
    )
    parser.add_argument("--seeds", type=int, default=None, help="seeds on the page (default: the app's 20)")
    parser.add_argument("--no-ranking", action="store_true", help="skip the lever ranking")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="one lever move and the preset switch with 5 seeds, no ranking (the test suite's run)",
    )
    args = parser.parse_args(argv)
    port = args.port or (free_port() if args.smoke else 8610)
    moves = 1 if args.smoke else args.moves
    seeds = args.seeds or (SMOKE_SEEDS if args.smoke else None)
    figures = measure(port, moves, args.first_seeds, args.first_look_after, seeds, not (args.smoke or args.no_ranking))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
