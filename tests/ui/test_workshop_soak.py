"""The workshop soak test, small but complete (benchmarks/workshop_soak.py): API participants and a real
browser, a refresh, a reconnect, an API rejoin, two facilitator tabs pressing Play together and a server
restart; no decision lost or duplicated, no double round, no second seat, no error on any page.
The full soak (30 participants, 6 browsers) is run by hand; its figures are in docs/PERFORMANCE.md."""

import contextlib
import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("ALIGNSIM_SKIP_BROWSER") == "1", reason="ALIGNSIM_SKIP_BROWSER=1")


@pytest.fixture(scope="module")
def _workshop_app(tmp_path_factory, free_port):
    """One workshop server (ui/gateway.py, as benchmarks/server.py serves it) for this module's browser tests that
    need no server of their own: each creates its workshop in its database. One start (Streamlit's and the app's
    imports, about 5 CPU-seconds) instead of one per test."""
    from benchmarks.server import Server

    where = tmp_path_factory.mktemp("workshop")
    server = Server(free_port(), where / "w.sqlite3", where / "server.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workshop_server(_workshop_app):
    """The module's workshop server, running; a test may stop and start it (the restart test does), and if it
    stopped it and failed before starting it again, it is started for the next test."""
    yield _workshop_app
    if _workshop_app.proc is None:
        _workshop_app.start()


def test_a_small_workshop_survives_refreshes_reconnects_a_restart_and_two_facilitator_tabs(tmp_path, free_port):
    assert Path("/usr/bin/chromium").exists(), "Debian's chromium is missing: `make test` installs it"
    from benchmarks import workshop_soak

    lines = []  # the benchmark's own --smoke run (tests/test_benchmarks.py leaves it to this test)
    a = workshop_soak.options(["--smoke", "--port", str(free_port())])
    result = workshop_soak.run(
        a.participants, a.browsers, a.tables, a.seat_size, a.port, tmp_path, lines.append, a.debrief_seeds
    )
    print("\n".join(lines))
    failed = [name for name, ok in result["checks"].items() if not ok]
    assert not failed, "\n".join(lines)
    assert {
        "no API decision lost",
        "no double round",
        "round 4 played once",
        "key never in a facilitator address",
        "nobody holds two seats",
    } <= set(result["checks"])
    assert result["figures"]["restart"] and len(result["figures"]["latency"]) == 4
    assert result["saves"] >= 6 * 4


def test_the_room_benchmark_smoke_run(tmp_path, free_port):
    """benchmarks/workshop_room.py --smoke: light screens speaking Streamlit's protocol save, see their saves
    confirmed and on the facilitator's screen, and move to the next round by themselves (timings not asserted).
    Idle screens cost nothing: none is asked to poll and none is rerun while nobody acts (a count, not a CPU
    figure: the doorbell relies on Streamlit's internals, and where they change, screens fall back to polling)."""
    from benchmarks import workshop_room

    lines = []
    workdir = tmp_path / "not" / "yet"  # --workdir creates its folder
    args = workshop_room.options(["--smoke", "--port", str(free_port()), "--workdir", str(workdir)])
    figures = workshop_room.run(args, out=lines.append)
    assert all(figures["checks"].values()), "\n".join(lines)
    assert figures["polling_screens"] == 0 and figures["idle_script_runs"] == 0, "\n".join(lines)
    assert figures["round1_confirm"]["n"] == 4 and figures["round1_facilitator"]["n"] == 4
    assert figures["round1_play_all_screens"] > 0 and figures["saves_stored"] >= 4 + 2
    assert figures["round1_saves_during_play"]["n"] == 2  # judged against the confirmation target (not asserted)
    assert any(name.startswith("saves while a round is played") for name in figures["targets"])


def test_save_refresh_reclaim_and_a_round_with_30_screens_connected(workshop_server, tmp_path):
    """Issue 27 in a real browser: a participant saves, refreshes and sees the saved decision; a fresh browser
    (the lost phone) gets the seat back with the seat code; a round is played while 30 light screens and the
    browser are connected, and every one of them moves to the next round by itself."""
    import asyncio
    import time
    from concurrent.futures import ThreadPoolExecutor

    from playwright.sync_api import sync_playwright

    from benchmarks.server import CHROMIUM, CHROMIUM_ARGS
    from benchmarks.workshop_room import Screen, wait_until
    from benchmarks.workshop_soak import _idle, _one_form
    from sim.workshop.rules import TEMPLATES
    from sim.workshop.store import Workshop

    def _drawn_form(page) -> None:
        """After a reload the page can be idle before its script has drawn the form: wait for the form's two
        choices (a page that shows none fails the assertion after this wait)."""
        _one_form(page)
        with contextlib.suppress(Exception):
            page.wait_for_function(
                "() => document.querySelectorAll('[data-testid=stForm] [data-testid=stRadio] input:checked')"
                ".length >= 2",
                timeout=30_000,
            )

    server = workshop_server
    shop = Workshop(server.db)
    code, key = shop.create(seed=7, tables=2, seat_size=4, lang="da")
    depts = TEMPLATES["b2b_activation"]["departments"]
    tokens = [shop.join(code, 1 + i % 2, depts[i % 5], f"p{i:02d}") for i in range(30)]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        phone.goto(f"{server.url}/Workshop?code={code}&lang=da", timeout=120_000)
        phone.get_by_label("Dit navn").fill("Jo")
        phone.get_by_role("button", name="Deltag").click()
        phone.get_by_text("Du spiller som: Jo").wait_for(timeout=120_000)
        _idle(phone)
        phone.get_by_text("fælles mål").first.click()
        phone.get_by_text("mange").first.click()
        phone.get_by_role("button", name="Gem beslutning").click()
        try:
            phone.get_by_text("Beslutningen er gemt").wait_for(timeout=60_000)
        except Exception:
            phone.screenshot(path=str(tmp_path / "not_saved.png"), full_page=True)
            raise
        phone.reload()
        phone.get_by_text("Du spiller som: Jo").wait_for(timeout=120_000)
        _idle(phone)
        _drawn_form(phone)
        checked = phone.locator("[data-testid=stForm] [data-testid=stRadio] input:checked").evaluate_all(
            "els => els.map(e => e.closest('label').innerText.trim())"
        )
        assert checked == ["fælles mål", "mange"], checked  # the saved decision, not the defaults
        seat_code = phone.get_by_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")).first
        phone.get_by_text("Din pladskode").first.click()
        seat_code.wait_for(timeout=30_000)
        code_text = seat_code.inner_text()

        lost = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # no cookie: a new phone
        lost.goto(f"{server.url}/Workshop?code={code}&lang=da", timeout=120_000)
        lost.get_by_label("Dit navn").fill("Jo")
        lost.get_by_role("button", name="Deltag").click()
        lost.get_by_text("er fuld").first.wait_for(timeout=60_000)
        lost.get_by_text("Jeg havde en plads (ny telefon").first.click()
        lost.get_by_label("Pladskode").fill(code_text)
        lost.get_by_role("button", name="Få min plads tilbage").click()
        lost.get_by_text("Du spiller som: Jo").wait_for(timeout=60_000)
        _idle(lost)
        _drawn_form(lost)
        checked = lost.locator("[data-testid=stForm] [data-testid=stRadio] input:checked").evaluate_all(
            "els => els.map(e => e.closest('label').innerText.trim())"
        )
        assert checked == ["fælles mål", "mange"], checked

        async def room() -> float:
            screens = [Screen(server.url, f"token={t}", f"p{i:02d}") for i, t in enumerate(tokens)]
            for s in screens:
                await s.open()
            assert await wait_until(lambda: all("er åben" in s.text_all() for s in screens), 120)
            t0 = time.monotonic()
            shop.play_round(code, key, 0)
            moved = await asyncio.wait_for(asyncio.gather(*(s.wait_for("Runde 2 af 4", t0) for s in screens)), 120)
            for s in screens:
                await s.close()
            return max(moved) - t0

        with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's event loop
            slowest = pool.submit(asyncio.run, room()).result()
        lost.get_by_text("Runde 2 af 4 er åben").wait_for(timeout=60_000)  # the browser too, by itself
        assert slowest < 120
        browser.close()


def test_the_form_shows_the_decision_in_force_after_a_reconnect_and_a_server_restart(workshop_server, tmp_path):
    """Issue 27: the form shows what was saved, also when it changed while the phone was away. A participant saves
    on their phone; it loses its connection (offline, its websocket dropped) while a teammate saves another
    decision: back online, the phone reconnects by itself and its form shows the teammate's decision without a
    reload. Then the server is stopped, the teammate saves again and the server starts on the same workshop
    database: the form shows that decision after the phone's own reconnect, and again after a reload."""
    from playwright.sync_api import sync_playwright

    from benchmarks.server import CHROMIUM, CHROMIUM_ARGS
    from benchmarks.workshop_soak import _idle, _one_form
    from sim import i18n
    from sim.workshop.rules import Decision, choice_label
    from sim.workshop.store import Workshop

    def shown(decision: Decision) -> list[str]:
        with i18n.language("da"):
            return [choice_label(decision.push), choice_label(decision.demands)]

    checked = "[data-testid=stForm] [data-testid=stRadio] input:checked"

    def form_shows(page, decision: Decision) -> None:
        """The form's two choices are the decision's (waiting for the page to get there by itself)."""
        want = shown(decision)
        try:
            page.wait_for_function(
                "([sel, want]) => { const got = [...document.querySelectorAll(sel)]"
                ".map(e => e.closest('label').innerText.trim()); return JSON.stringify(got) === JSON.stringify(want) }",
                arg=[checked, want],
                timeout=60_000,
            )
        except Exception:
            got = page.locator(checked).evaluate_all("els => els.map(e => e.closest('label').innerText.trim())")
            page.screenshot(path=str(tmp_path / "form.png"), full_page=True)
            raise AssertionError(f"the form shows {got}, not the decision in force {want}") from None

    server = workshop_server
    shop = Workshop(server.db)
    code, _key = shop.create(seed=7, tables=1, seat_size=2, lang="da")
    token = shop.join(code, 1, "sales", "Jo")
    mate = shop.join(code, 1, "sales", "Bo")
    first, meanwhile, restarted = (  # each differs from the one before in both choices, and from the defaults
        Decision("shared goal", "few", False),
        Decision("own KPI", "many", False),
        Decision("balanced", "few", False),
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        # the page's websocket goes through a route the test can cut: going offline in Chromium stops new
        # requests, not a websocket already open, and a phone that loses the network loses its connection
        sockets, away, opened = [], [False], [0]

        def route(ws) -> None:
            if away[0]:
                ws.close()  # no network: the page's attempt to reconnect fails
                return
            ws.connect_to_server()
            sockets.append(ws)
            opened[0] += 1

        page.route_web_socket("**/_stcore/stream", route)
        page.goto(f"{server.url}/Workshop?token={token}", timeout=120_000)
        page.get_by_text("Du spiller som: Jo").wait_for(timeout=120_000)
        _idle(page)
        _one_form(page)
        for label in shown(first):  # Jo saves on this page: the browser now holds these choices as sent
            page.locator("[data-testid=stForm]").get_by_text(label, exact=True).click()
        page.get_by_role("button", name="Gem beslutning").click()
        page.get_by_text("Beslutningen er gemt").wait_for(timeout=60_000)
        form_shows(page, first)

        # offline: the connection drops; the teammate saves meanwhile; back online, no reload
        context.set_offline(True)
        away[0] = True
        while sockets:
            sockets.pop().close()
        page.get_by_test_id("stStatusWidget").wait_for(timeout=30_000)  # the page knows it is disconnected
        shop.decide(mate, 0, meanwhile)
        away[0] = False
        context.set_offline(False)
        form_shows(page, meanwhile)
        assert opened[0] >= 2  # it came back over a new connection, by itself

        # the server restarts on the same database; the teammate saved while it was down. A reload first, so
        # that the page's last run before the restart is the whole page's: Streamlit's browser code then asks
        # for no run when it reconnects unless the page keeps a fragment timer (ui.workshop.common._come_back)
        page.reload()
        page.get_by_text("Du spiller som: Jo").wait_for(timeout=120_000)
        _idle(page)
        form_shows(page, meanwhile)
        server.stop()
        shop.decide(mate, 0, restarted)
        server.start()
        form_shows(page, restarted)  # reconnected to the new server by itself, sending the choices it holds
        page.reload()
        page.get_by_text("Du spiller som: Jo").wait_for(timeout=120_000)
        _idle(page)
        _one_form(page)
        form_shows(page, restarted)
        assert page.locator("[data-testid=stException]").count() == 0
        assert shop.decisions(code, token)[(1, 0, "sales")] == restarted
        browser.close()
