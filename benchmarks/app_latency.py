"""How live the Explore page feels, measured in a real browser (Debian's chromium, driven by Playwright).

It starts the app as `make app` does (`ui/serve.py`: warm, then `streamlit run app.py`) on port 8610 unless --port,
then measures:

- first visit: from opening the page right after the server answers its health check (after its warm start)
  until the answer and every chart are drawn;
- lever moves: five one-step moves of "How much it trumps local KPIs" (arrow key on the slider), each from the
  key press until the answer names the new value (first answer: Explore first shows the first seeds) and until the
  answer from all seeds and every chart are drawn (the target); medians are reported;
- preset switch: picking product_logic in the sidebar until its answer and charts are drawn.

Options: --seeds 60 opens the page with 60 seeds (through a share link); --first-seeds and --first-look-after set
when Explore shows the first seeds before all of them (see ui.results.FIRST_SEEDS).

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
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LEVER = "How much it trumps local KPIs"

#: Explore's note while it shows the first seeds of an ensemble (it refines to all seeds right after).
PARTIAL = "From the first"
#: A page is drawn when Streamlit no longer shows its running indicator, no element is stale, every chart has its
#: canvas or svg, and the numbers are from all seeds.
DRAWN = """(n) => {
  if (document.body.innerText.includes('From the first')) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  const charts = document.querySelectorAll('.vega-embed');
  if (charts.length < n) return false;
  return Array.from(charts).every(c => c.querySelector('canvas, svg'));
}"""


def start_server(port: int, first_seeds: int | None = None, first_look_after: float | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        **({"ALIGNSIM_FIRST_SEEDS": str(first_seeds)} if first_seeds is not None else {}),
        **({"ALIGNSIM_FIRST_LOOK_AFTER_S": str(first_look_after)} if first_look_after is not None else {}),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ui.serve",
            "--server.headless",
            "true",  # as `make app` starts it
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("streamlit did not start within 60 s")


def wait_drawn(page, charts: int, text: str | None = None, timeout: float = 120_000) -> None:
    if text:
        page.get_by_text(text, exact=False).first.wait_for(timeout=timeout)
    page.wait_for_function(DRAWN, arg=charts, timeout=timeout, polling=50)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def measure(
    port: int,
    moves: int = 5,
    first_seeds: int | None = None,
    first_look_after: float | None = None,
    seeds: int | None = None,
) -> dict:
    from playwright.sync_api import sync_playwright

    figures: dict = {
        "load_before": uptime(),
        "first_seeds": first_seeds,
        "first_look_after_s": first_look_after,
        "seeds": seeds or 20,
    }
    server = start_server(port, first_seeds, first_look_after)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}" + (f"/?preset=b2b_activation&seeds={seeds}" if seeds else ""))
            wait_drawn(page, 4, "The answer")
            figures["first_visit_s"] = time.perf_counter() - start
            print(f"first visit after server start: {figures['first_visit_s']:.2f} s", flush=True)

            slider = page.get_by_role("slider", name=LEVER)
            times, firsts = [], []
            for i in range(moves):
                slider.focus()
                start = time.perf_counter()
                page.keyboard.press("ArrowRight")
                value = page.locator(
                    f'[data-testid="stSlider"]:has-text("{LEVER}") [data-testid="stSliderThumbValue"]'
                ).inner_text()
                page.wait_for_function(
                    "(v) => document.body.innerText.includes(v)",
                    arg=f"{LEVER}: 0.00 → {value}",
                    timeout=120_000,
                    polling=25,
                )
                firsts.append(time.perf_counter() - start)  # the answer for the new value is on screen
                page.wait_for_function(DRAWN, arg=4, timeout=120_000, polling=25)
                times.append(time.perf_counter() - start)
                print(
                    f"lever move {i + 1} (to {value}): first answer {firsts[-1]:.2f} s, all seeds and charts "
                    f"{times[-1]:.2f} s",
                    flush=True,
                )
            figures["lever_moves_s"] = times
            figures["lever_move_median_s"] = statistics.median(times)
            figures["lever_move_first_answer_median_s"] = statistics.median(firsts)

            start = time.perf_counter()
            picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"] input').first
            picker.click()
            picker.fill("Product logic")  # the picker shows preset names (sim.present.levers.preset_name)
            page.keyboard.press("Enter")
            wait_drawn(page, 4, "On screen: product_logic")
            figures["preset_switch_s"] = time.perf_counter() - start
            print(f"preset switch: {figures['preset_switch_s']:.2f} s", flush=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    figures["load_after"] = uptime()
    figures["cpus"] = os.cpu_count()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8610)
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
    args = parser.parse_args()
    print(json.dumps(measure(args.port, args.moves, args.first_seeds, args.first_look_after, args.seeds), indent=2))


if __name__ == "__main__":
    main()
