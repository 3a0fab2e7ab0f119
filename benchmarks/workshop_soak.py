"""Soak test of workshop mode: a room of participants, real browsers and the Python API, through every round.

    .venv/bin/python benchmarks/workshop_soak.py                      # 30 participants, 6 in real browsers
    .venv/bin/python benchmarks/workshop_soak.py --participants 8 --browsers 2 --tables 1 --seat-size 2

It starts `streamlit run app.py` (port 8651 unless --port), opens the facilitator's control link in one browser
tab and the control screen in a second tab (the key comes from the cookie, never from the address), seats the
participants (the first ``--browsers`` join through the page at phone width, the rest through the API), and
plays every round: each participant saves a decision for the open round (API saves are sent twice, as after a
reconnect), one browser refreshes, one closes its tab and opens the join link again, an API participant joins
again from the same browser id, both facilitator tabs press Play together, and the server is restarted after
round 2. It ends by checking that no decision was lost or duplicated, no round was played twice, nobody got a
second seat and no page showed an error, and prints the join times and the decision-to-facilitator latency
(an API save until the facilitator's live screen shows it). Exit code 1 when a check fails.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.server import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: E402
from sim.workshop.rules import TEMPLATES, Decision, dept_label  # noqa: E402
from sim.workshop.store import Workshop  # noqa: E402

TEMPLATE = "b2b_activation"
WAIT = 90_000
PUSHES = ["own KPI", "balanced", "shared goal"]
#: ``--smoke`` (the test suite's run, tests/ui/test_workshop_soak.py): the smallest workshop that still takes every
#: path (a browser, a shared seat, an API probe and an API rejoin), its debrief over 4 markets, not 30.
SMOKE = {"participants": 6, "browsers": 1, "tables": 1, "seat_size": 2, "debrief_seeds": 4}


IDLE: list[float] = []


def _idle(page) -> None:
    """Wait until the page runs no script (a click now is not lost in a rerun)."""
    t0 = time.monotonic()
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT)
    IDLE.append(time.monotonic() - t0)


def _one_form(page) -> None:
    """Wait until the live part has finished re-drawing: while a fragment reruns, Streamlit keeps the previous
    drawing (greyed out) beside the new one, so the form can briefly be there twice."""
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stBaseButton-secondaryFormSubmit\"]').length === 1",
        timeout=WAIT,
    )


def _pick(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def _errors(page) -> int:
    return page.locator('[data-testid="stException"]').count() + page.get_by_text("Something went wrong").count()


def run(
    participants: int = 30,
    browsers: int = 6,
    tables: int = 2,
    seat_size: int = 3,
    port: int = 8651,
    workdir: Path | None = None,
    out=print,
    debrief_seeds: int | None = None,
) -> dict:
    """Run the soak; returns the figures and a dict of checks (name -> passed). ``debrief_seeds``: the markets the
    debrief replays (``ALIGNSIM_DEBRIEF_SEEDS``; default the page's 30)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    spec = TEMPLATES[TEMPLATE]
    depts = spec["departments"]
    places = [(t, d) for t in range(1, tables + 1) for _ in range(seat_size) for d in depts][:participants]
    if len(places) < participants:
        raise SystemExit(f"participants must be at most tables x 5 x seat-size = {tables * 5 * seat_size}")
    workdir = Path(workdir or tempfile.mkdtemp(prefix="workshop_soak_"))
    db = workdir / "workshop.sqlite3"
    env = {"ALIGNSIM_DEBRIEF_SEEDS": str(debrief_seeds)} if debrief_seeds else {}
    server = Server(port, db, workdir / "server.log", env=env)
    shop = Workshop(db)
    code, key = shop.create(TEMPLATE, seed=7, tables=tables, seat_size=seat_size)
    figures: dict[str, list[float]] = {
        "browser_join": [],
        "api_join": [],
        "latency": [],
        "restart": [],
        "refused": [],
        "live_only": [],
    }
    phases: dict[str, float] = {}
    mark = lambda name: phases.__setitem__(name, round(time.monotonic() - started, 1))  # noqa: E731
    checks: dict[str, bool] = {}
    api_requests: dict[str, int] = {}  # request id -> round, accepted
    browser_saves = 0
    lock = threading.Lock()
    started = time.monotonic()
    server.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            fac_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            tab_a = fac_ctx.new_page()
            tab_a.goto(f"{server.url}/Workshop?code={code}&key={key}")
            tab_a.wait_for_url(f"**/Workshop?control={code}", timeout=WAIT)
            tab_a.get_by_role("button", name=f"Play round 1 of {spec['rounds']}").wait_for(timeout=WAIT)
            tab_b = fac_ctx.new_page()  # the second tab: the key comes from the cookie
            tab_b.goto(f"{server.url}/Workshop?control={code}")
            tab_b.get_by_role("button", name=f"Play round 1 of {spec['rounds']}").wait_for(timeout=WAIT)
            checks["key never in a facilitator address"] = key not in tab_a.url + tab_b.url
            mark("facilitator tabs open")

            # ---- seats: browsers through the page, the rest through the API
            players = []  # (kind, name, table, dept, page or token, context or browser id)
            for i, (table, dept) in enumerate(places[:browsers]):
                ctx = browser.new_context(viewport={"width": 390, "height": 844})
                page = ctx.new_page()
                name = f"web-{i}"
                t0 = time.monotonic()
                page.goto(f"{server.url}/Workshop?code={code}")
                page.get_by_label("Your name").fill(name)
                if tables > 1:
                    _pick(page, "Table", str(table))
                _pick(page, "Department to play", dept_label(dept))
                page.get_by_role("button", name="Join").click()
                page.get_by_text(f"You play as: {name}").wait_for(timeout=WAIT)
                figures["browser_join"].append(time.monotonic() - t0)
                players.append(["web", name, table, dept, page, ctx])

            def api_join(i_place):
                i, (table, dept) = i_place
                name, browser_id = f"api-{i}", uuid.uuid4().hex[:22]
                t0 = time.monotonic()
                token = Workshop(db).join(code, table, dept, name, browser=browser_id, client=f"api-{i}")
                with lock:
                    figures["api_join"].append(time.monotonic() - t0)
                return ["api", name, table, dept, token, browser_id]

            with ThreadPoolExecutor(max_workers=8) as pool:
                players += list(pool.map(api_join, list(enumerate(places))[browsers:]))
            api = [pl for pl in players if pl[0] == "api"]
            mark("seated")
            web = [pl for pl in players if pl[0] == "web"]

            for r in range(spec["rounds"]):
                # a probe: the first API player of a seat nobody else has decided for yet, timed to the screen
                probe = next((pl for pl in api if not any(o[2:4] == pl[2:4] for o in web)), api[0] if api else None)
                if probe is not None:
                    t0 = time.monotonic()
                    Workshop(db).decide(probe[4], r, Decision("balanced"), request=f"probe-{r}")
                    api_requests[f"probe-{r}"] = r
                    tab_a.locator(f"text=decided ({probe[1]})").first.wait_for(state="attached", timeout=WAIT)
                    figures["latency"].append(time.monotonic() - t0)

                def api_decide(pl, r=r, probe=probe):
                    if pl is probe:
                        return
                    store = Workshop(db)
                    if r == 1 and pl is api[-1]:  # a reconnect: the same browser id gets the same seat back
                        again = store.join(code, pl[2], pl[3], pl[1], browser=pl[5], client=pl[1])
                        with lock:
                            checks["API rejoin gives the same seat"] = again == pl[4] and checks.get(
                                "API rejoin gives the same seat", True
                            )
                    request = f"{pl[1]}-r{r}"
                    for _ in range(2):  # sent twice, as after a reconnect: stored once
                        store.decide(pl[4], r, Decision(PUSHES[(r + len(pl[1])) % 3]), request=request)
                    with lock:
                        api_requests[request] = r

                with ThreadPoolExecutor(max_workers=8) as pool:
                    api_done = pool.map(api_decide, api)
                    for j, pl in enumerate(web):
                        page = pl[4]
                        if r == 0 and j == 0:
                            page.reload()
                        if r == 1 and j == len(web) - 1:  # close the tab, open the join link again
                            page.close()
                            page = pl[5].new_page()
                            page.goto(f"{server.url}/Workshop?code={code}")
                            page.get_by_role("button", name="Continue").click()
                            page.get_by_text(f"You play as: {pl[1]}").wait_for(timeout=WAIT)
                            pl[4] = page
                        page.get_by_text(f"Round {r + 1} of {spec['rounds']} is open").wait_for(timeout=WAIT)
                        _idle(page)
                        _one_form(page)
                        page.get_by_text(PUSHES[(r + j) % 3], exact=True).first.click()
                        _one_form(page)
                        page.get_by_role("button", name="Save decision").click()
                        confirmed = page.get_by_text("Decision saved. You can change it").or_(
                            page.get_by_text(f"decision for round {r + 1} was saved by {pl[1]}")
                        )
                        try:
                            confirmed.first.wait_for(timeout=WAIT)
                            if page.get_by_text("Decision saved. You can change it").count() == 0:
                                figures["live_only"].append(1)  # confirmed by the live line only
                        except PlaywrightTimeout:
                            page.screenshot(path=str(workdir / f"stuck_{pl[1]}_round{r + 1}.png"))
                            raise RuntimeError(
                                f"{pl[1]}'s save in round {r + 1} showed no confirmation; see {workdir}"
                            ) from None
                        browser_saves += 1
                    list(api_done)
                mark(f"round {r + 1} decided")

                # both facilitator tabs press Play together
                for tab in (tab_a, tab_b):
                    tab.get_by_role("button", name=f"Play round {r + 1} of {spec['rounds']}").wait_for(timeout=WAIT)
                    _idle(tab)
                tab_a.get_by_role("button", name=f"Play round {r + 1} of {spec['rounds']}").click()
                tab_b.get_by_role("button", name=f"Play round {r + 1} of {spec['rounds']}").click()
                after = "Every round has been played" if r + 1 == spec["rounds"] else f"Round {r + 2} of"
                for name, tab in (("a", tab_a), ("b", tab_b)):
                    try:
                        tab.get_by_text(after).first.wait_for(timeout=WAIT)
                    except PlaywrightTimeout:
                        tab.screenshot(path=str(workdir / f"stuck_tab_{name}_round{r + 1}.png"), full_page=True)
                        raise RuntimeError(f"facilitator tab {name} did not show {after!r}; see {workdir}") from None
                for tab in (tab_a, tab_b):
                    _idle(tab)
                refusals = sum(t.get_by_text("already played (another screen?)").count() for t in (tab_a, tab_b))
                figures["refused"].append(refusals)
                played = shop.state(code, key).round
                mark(f"round {r + 1} played")
                checks[f"round {r + 1} played once"] = played == r + 1
                if r == 1:  # a server restart in the middle of the workshop
                    server.stop()
                    figures["restart"].append(server.start())
                    for page in [tab_a, tab_b] + [pl[4] for pl in web]:
                        page.reload()
                    for page in [pl[4] for pl in web]:
                        page.get_by_text(f"Round {r + 2} of").wait_for(timeout=WAIT)
                    tab_a.get_by_role("button", name=f"Play round {r + 2} of {spec['rounds']}").wait_for(timeout=WAIT)

            # ---- the end: debrief on every screen, nothing lost, nothing twice
            for pl in web:
                pl[4].get_by_text("Every round has been played").first.wait_for(timeout=WAIT)
            tab_a.get_by_role("button", name="Handout (HTML, prints on A4)").wait_for(timeout=WAIT)
            mark("debrief on every screen")
            checks["no error on any page"] = sum(_errors(pg) for pg in [tab_a, tab_b] + [pl[4] for pl in web]) == 0
            browser.close()
    finally:
        server.stop()

    saves = shop.saves(code, key)
    stored = {}
    for s in saves:
        if s["request"] in api_requests:
            stored.setdefault(s["request"], []).append(s["round"])
    checks["no API decision lost"] = set(stored) == set(api_requests)
    checks["no API decision duplicated or moved"] = all(v == [api_requests[k]] for k, v in stored.items())
    web_names = {pl[1] for pl in players if pl[0] == "web"}
    per_round = {}
    for s in saves:
        if s["saved_by"] in web_names:
            per_round[(s["saved_by"], s["round"])] = per_round.get((s["saved_by"], s["round"]), 0) + 1
    checks["browser decisions: one per player and round"] = len(per_round) == browser_saves and set(
        per_round.values()
    ) <= {1}
    checks["no double round"] = shop.state(code, key).round == spec["rounds"]
    checks["nobody holds two seats"] = len(shop.players(code, key)) == participants
    result = {
        "participants": participants,
        "browsers": browsers,
        "api": participants - browsers,
        "tables": tables,
        "seat_size": seat_size,
        "saves": len(saves),
        "seconds": time.monotonic() - started,
        "figures": figures,
        "checks": checks,
        "phases": phases,
    }
    _report(result, out)
    return result


def _stats(values: list[float]) -> str:
    if not values:
        return "-"
    return f"median {statistics.median(values):.2f} s, max {max(values):.2f} s (n={len(values)})"


def _report(result: dict, out) -> None:
    f = result["figures"]
    out(
        f"workshop soak: {result['participants']} participants ({result['browsers']} in browsers, "
        f"{result['api']} through the API), {result['tables']} table(s) of seats for {result['seat_size']}, "
        f"{result['saves']} saves, {result['seconds']:.0f} s"
    )
    out(f"  join, browser (page load to seat):       {_stats(f['browser_join'])}")
    out(f"  join, API:                                {_stats(f['api_join'])}")
    out(f"  decision to facilitator's screen:         {_stats(f['latency'])}")
    out(f"  server restart to healthy:                {_stats(f['restart'])}")
    out(
        f"  second Play press refused with a message: {sum(1 for n in f['refused'] if n)} of {len(f['refused'])} "
        "rounds (otherwise the press arrived after the screen had moved on and did nothing)"
    )
    out(f"  waiting for pages to be idle: {sum(IDLE):.1f} s in {len(IDLE)} waits")
    out(f"  browser saves confirmed only by the live line (the form's own message was gone): {len(f['live_only'])}")
    out("  timeline (s): " + ", ".join(f"{k} {v}" for k, v in result["phases"].items()))
    for name, ok in result["checks"].items():
        out(f"  {'ok  ' if ok else 'FAIL'} {name}")


def options(argv=None) -> argparse.Namespace:
    """The command line's options (``--smoke`` sets the small run: ``SMOKE`` on a free port)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=30)
    ap.add_argument("--browsers", type=int, default=6)
    ap.add_argument("--tables", type=int, default=2)
    ap.add_argument("--seat-size", type=int, default=3)
    ap.add_argument("--port", type=int, default=None, help="port (default 8651; --smoke: a free one)")
    ap.add_argument(
        "--smoke", action="store_true", help="the smallest complete workshop on a free port (the test suite's run)"
    )
    a = ap.parse_args(argv)
    a.debrief_seeds = None  # the page's 30
    if a.smoke:
        import socket

        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            a.port = a.port or free.getsockname()[1]
        a.participants, a.browsers, a.tables, a.seat_size, a.debrief_seeds = (
            SMOKE[k] for k in ("participants", "browsers", "tables", "seat_size", "debrief_seeds")
        )
    a.port = a.port or 8651
    if not 1 <= a.browsers <= a.participants:
        ap.error("browsers must be from 1 to participants")
    return a


def main(argv=None) -> int:
    a = options(argv)
    result = run(a.participants, a.browsers, a.tables, a.seat_size, a.port, debrief_seeds=a.debrief_seeds)
    return 0 if all(result["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
