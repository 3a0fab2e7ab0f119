"""Memory over time: 1,000 runs in one process, and the app over a long session with 20 people using it.

    .venv/bin/python benchmarks/memory.py                    # 1,000 runs, then 120 minutes of the app, 20 sessions
    .venv/bin/python benchmarks/memory.py --only app --minutes 30 --sessions 10
    .venv/bin/python benchmarks/memory.py --smoke            # 5 runs; the app with one visitor who acts once

Runs: the default preset's runs, one after another in this process (then the classic models'), with the resident
memory after every tenth of them and the Mesa models still alive at the end.

App: the app as ``make app`` starts it (``python -m ui.serve``: warm start, the shared process pool) on a free
local port, and light clients that speak Streamlit's own websocket protocol (no browser): each opens the Explore
page, then moves one of its lever sliders every 20 to 90 seconds (a person reading the answer in between), now and
then looks at another page and comes back, and after 10 to 30 minutes leaves and is replaced by a new visitor, so
that ``--sessions`` people use the app at any time. Every 30 seconds the resident memory of the server and of its
worker processes is sampled.

Bounds, written before the first measurement (the script prints whether each held; exit code 1 when one did not):
runs: memory after the last run at most 20 MiB above memory after the first tenth, and no model left alive;
app: server and workers together at most 1.5 GiB at any time, and at most 100 MiB more at the end than at the
middle of the session. Figures go to docs/PERFORMANCE.md by hand.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.server import app_command, free_port, wait_healthy  # noqa: E402

RUNS_GROWTH_MIB = 20.0
APP_TOTAL_MIB = 1536.0
APP_SECOND_HALF_GROWTH_MIB = 100.0
#: The smoke run's visitor opens Explore through a share link with the fewest seeds the page offers (5, not 20).
SMOKE_LINK = "preset=b2b_activation&seeds=5"


def rss_mib(pid: int | None = None) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


# ---------------------------------------------------------------- runs in one process


def runs(n: int, out) -> bool:
    import mesa

    from sim import load_scenario, run

    scenario = load_scenario("b2b_activation")
    classics = [load_scenario("march1991"), load_scenario("nk_departments")]
    tenth = max(1, n // 10)
    rows = []
    started = time.perf_counter()
    for i in range(n):
        run(scenario, i)
        if (i + 1) % tenth == 0:
            gc.collect()
            rows.append((i + 1, rss_mib(), time.perf_counter() - started))
    for c in classics:
        for i in range(max(1, n // 5)):
            run(c, i)
    gc.collect()
    # type(), not isinstance(): a dead weak proxy among the objects raises ReferenceError when asked its class
    alive = sum(issubclass(type(o), mesa.Model) for o in gc.get_objects())
    end = rss_mib()
    print(
        f"{n} runs of b2b_activation in one process (Mesa {mesa.__version__}), then {2 * max(1, n // 5)} of the "
        "classic models",
        file=out,
    )
    print(f"{'runs':>6} {'RSS MiB':>8} {'seconds':>8}", file=out)
    for done, mib, seconds in rows:
        print(f"{done:>6} {mib:>8.1f} {seconds:>8.1f}", file=out)
    growth = rows[-1][1] - rows[0][1]
    print(f"after the classic models: {end:.1f} MiB; Mesa models alive: {alive}", file=out)
    held = growth <= RUNS_GROWTH_MIB and alive == 0
    print(
        f"growth from run {rows[0][0]} to run {rows[-1][0]}: {growth:+.1f} MiB (bound {RUNS_GROWTH_MIB:.0f} MiB, "
        f"no model alive): {'held' if held else 'NOT HELD'}",
        file=out,
    )
    return held


# ---------------------------------------------------------------- the app, with light clients


@dataclass
class Tally:
    """What the clients did: lever moves, page visits, response times, errors on a page, failed connections."""

    moves: int = 0
    visits: int = 0
    sessions: int = 0
    errors: int = 0
    failures: int = 0
    seconds: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **counts: float) -> None:
        with self.lock:
            for name, value in counts.items():
                if name == "seconds":
                    self.seconds.append(value)
                else:
                    setattr(self, name, getattr(self, name) + value)


class Client:
    """One person's browser tab, as Streamlit's websocket protocol sees it: widget states sent, page deltas read."""

    def __init__(self, ws, rng: random.Random, tally: Tally, dwell: tuple[float, float] = (5.0, 20.0), query: str = ""):
        self.ws, self.rng, self.tally, self.dwell = ws, rng, tally, dwell  # dwell: seconds on another page
        self.query = query  # the page address's query (a share link), sent with every rerun as a browser does
        self.sliders: dict[str, tuple[float, float, float, int]] = {}  # id -> min, max, step, data type
        self.states: dict[str, float] = {}  # the levers this person moved, and where to
        self.pages: dict[str, str] = {}  # page address -> script hash
        self.page = ""

    def rerun(self, page: str = "") -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_script_hash = page
        if page == self.page:
            for wid, value in self.states.items():
                widget = msg.rerun_script.widget_states.widgets.add()
                widget.id = wid
                widget.double_array_value.data.append(value)
        self.page = page
        started = time.perf_counter()
        self.ws.send(msg.SerializeToString())
        self._read()
        self.tally.add(seconds=time.perf_counter() - started)

    def _read(self, timeout: float = 300.0) -> None:
        """Read the page until its script has finished (a rerun the page asks for itself, e.g. when all seeds are
        in, is read too)."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.sliders = {} if self.page == self.pages.get("explore", "") else self.sliders
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(self.ws.recv(timeout=timeout))
            kind = msg.WhichOneof("type")
            if kind == "navigation":
                self.pages = {p.url_pathname or "explore": p.page_script_hash for p in msg.navigation.app_pages}
                if not self.page:
                    self.page = self.pages.get("explore", "")
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    self.tally.add(errors=1)
                elif which == "slider" and "lever:" in element.slider.id and len(element.slider.default) == 1:
                    s = element.slider
                    self.sliders[s.id] = (s.min, s.max, s.step, s.data_type)
            elif kind == "script_finished" and msg.script_finished != 2:  # 2: finished early for a rerun
                return

    def move(self) -> None:
        """Move one lever to another notch on its slider."""
        if not self.sliders:
            return
        wid = self.rng.choice(sorted(self.sliders))
        low, high, step, _ = self.sliders[wid]
        notches = max(1, round((high - low) / step)) if step else 10
        self.states[wid] = round(low + self.rng.randint(0, notches) * (high - low) / notches, 6)
        self.rerun(self.pages.get("explore", ""))
        self.tally.add(moves=1)

    def visit(self) -> None:
        """Look at another page, then come back to Explore as it was."""
        others = [h for name, h in self.pages.items() if name in ("Compare", "Organisation", "Reference_models")]
        if others:
            self.rerun(self.rng.choice(others))
            self.tally.add(visits=1)
            time.sleep(self.rng.uniform(*self.dwell))
            self.rerun(self.pages.get("explore", ""))


def visitor(
    url: str,
    seed: int,
    until: float,
    pace: tuple[float, float],
    stay: tuple[float, float],
    tally: Tally,
    once: bool = False,
):
    """Visitors one after another in one seat until ``until``: each stays for ``stay`` seconds, moving a lever every
    ``pace`` seconds. ``once`` (the smoke run): one visitor who opens Explore with 5 seeds and, without waiting,
    moves a lever, looks at another page and comes back, moves a lever again and leaves (every path a visitor
    takes, once)."""
    from websockets.sync.client import connect

    rng = random.Random(seed)
    if not once:
        time.sleep(rng.uniform(0, 6 * pace[0]))  # people do not arrive at the same second
    while time.monotonic() < until:
        leave = min(until, time.monotonic() + rng.uniform(*stay))
        try:
            # no keepalive pings (browsers send none; on a loaded machine a late pong would drop the session)
            with connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=300, ping_interval=None) as ws:
                client = Client(ws, rng, tally, (0.0, 0.0), SMOKE_LINK) if once else Client(ws, rng, tally)
                client.rerun()
                tally.add(sessions=1)
                if once:
                    client.move()
                    client.visit()
                    client.move()
                    return
                while time.monotonic() < leave:
                    time.sleep(min(max(0.0, leave - time.monotonic()), rng.uniform(*pace)))
                    if time.monotonic() >= leave:
                        break
                    client.visit() if rng.random() < 0.1 else client.move()
        except Exception as exc:  # a dropped connection: counted, and the next visitor comes
            tally.add(failures=1)
            print(f"  a session failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            if once:
                return
            time.sleep(pace[0])


def family_rss(pid: int) -> tuple[float, list[float]]:
    """Resident MiB of the server process and of each of its child processes (the pool's workers)."""
    import psutil

    server = psutil.Process(pid)
    children = []
    for child in server.children(recursive=True):
        try:
            children.append(child.memory_info().rss / 2**20)
        except psutil.Error:
            continue
    return server.memory_info().rss / 2**20, children


def app(minutes: float, sessions: int, out, smoke: bool = False, json_path: str | None = None) -> bool:
    port = free_port()
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    workdir = Path(tempfile.mkdtemp(prefix="alignsim-memory-"))
    log = open(workdir / "server.log", "w")  # noqa: SIM115 (the server writes to it until it is stopped)
    env = {**os.environ, "ALIGNSIM_WORKSHOP_DB": str(workdir / "workshop.db")}
    started = time.monotonic()
    server = subprocess.Popen(app_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    samples: list[dict] = []
    tally = Tally()
    try:
        try:
            wait_healthy(f"http://127.0.0.1:{port}", 300, server)
        except RuntimeError as exc:
            raise SystemExit(f"{exc}; see {workdir / 'server.log'}") from None
        ready = time.monotonic() - started
        until = time.monotonic() + minutes * 60
        pace, stay = (20.0, 90.0), (600.0, 1800.0)
        seats = [
            threading.Thread(target=visitor, args=(url, i, until, pace, stay, tally, smoke), daemon=True)
            for i in range(sessions)
        ]
        for t in seats:
            t.start()
        every = 0.5 if smoke else 30.0
        t0 = time.monotonic()
        while any(t.is_alive() for t in seats):
            server_mib, workers = family_rss(server.pid)
            samples.append(
                {
                    "minute": round((time.monotonic() - t0) / 60, 2),
                    "server_mib": round(server_mib, 1),
                    "workers_mib": [round(w, 1) for w in workers],
                    "total_mib": round(server_mib + sum(workers), 1),
                    "moves": tally.moves,
                }
            )
            for t in seats:
                t.join(timeout=every / len(seats))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    if json_path:
        Path(json_path).write_text(json.dumps({"samples": samples, "moves": tally.moves}, indent=1))
    ran = samples[-1]["minute"] if samples else 0.0
    print(
        f"\nthe app for {ran:g} minutes with {sessions} sessions at a time ({tally.sessions} visitors in all; "
        f"server ready in {ready:.0f} s)",
        file=out,
    )
    print(
        f"{tally.moves} lever moves and {tally.visits} visits to other pages; page response median "
        f"{statistics.median(tally.seconds) if tally.seconds else float('nan'):.2f} s, slowest "
        f"{max(tally.seconds, default=float('nan')):.1f} s; errors on a page: {tally.errors}; failed sessions: "
        f"{tally.failures}",
        file=out,
    )
    print(f"{'minute':>7} {'server MiB':>10} {'workers MiB':>22} {'total MiB':>9} {'moves':>6}", file=out)
    step = max(1, len(samples) // 24)
    for row in [*samples[::step], samples[-1]] if samples else []:
        workers = " ".join(f"{w:.0f}" for w in row["workers_mib"])
        print(
            f"{row['minute']:>7.1f} {row['server_mib']:>10.0f} {workers:>22} {row['total_mib']:>9.0f} "
            f"{row['moves']:>6}",
            file=out,
        )
    if not samples:
        return False
    peak = max(s["total_mib"] for s in samples)
    middle, end = samples[len(samples) // 2]["total_mib"], samples[-1]["total_mib"]
    held = peak <= APP_TOTAL_MIB and end - middle <= APP_SECOND_HALF_GROWTH_MIB and tally.errors == 0
    print(
        f"peak {peak:.0f} MiB (bound {APP_TOTAL_MIB:.0f}); end - middle {end - middle:+.0f} MiB (bound "
        f"{APP_SECOND_HALF_GROWTH_MIB:.0f}); errors on a page {tally.errors}: {'held' if held else 'NOT HELD'}",
        file=out,
    )
    if smoke:  # a few seconds bound no memory: the smoke run checks that every visitor took every path
        every_path = tally.moves == 2 * sessions and tally.visits == sessions and not (tally.failures or tally.errors)
        print(f"smoke: every visitor moved a lever twice and came back from another page: {every_path}", file=out)
        return every_path
    return held


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--smoke", action="store_true", help="a tiny run: 5 runs; the app with one visitor who takes every path once"
    )
    parser.add_argument("--runs", type=int, default=1000, help="runs in one process (default 1000)")
    parser.add_argument("--minutes", type=float, default=120.0, help="minutes of the app session (default 120)")
    parser.add_argument("--sessions", type=int, default=20, help="people using the app at a time (default 20)")
    parser.add_argument("--only", choices=["runs", "app"], help="only one of the two measurements")
    parser.add_argument("--json", help="write the app's memory samples to this file")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped benchmark stops its server too
    if args.smoke:
        args.runs, args.minutes, args.sessions = 5, 5.0, 1  # minutes: at most; the visitor leaves when done
    held = True
    if args.only in (None, "runs"):
        held &= runs(args.runs, sys.stdout) or args.smoke  # a few runs bound nothing
    if args.only in (None, "app"):
        held &= app(args.minutes, args.sessions, sys.stdout, smoke=args.smoke, json_path=args.json)
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
