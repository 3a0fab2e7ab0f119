"""The app served on this machine for a measurement or a browser test: a free port, the app started as `make app`
starts it (or one entry script through ``streamlit run``), its health check, and Debian's chromium with its flags.

One place for what the benchmarks (app_latency, memory, workshop_soak, workshop_room) and the browser tests
(tests/conftest.py, tests/ui, tests/workshop) share.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Debian's chromium (Playwright's browser downloads do not work here); `make test` installs it.
CHROMIUM = "/usr/bin/chromium"
#: Flags for a headless chromium in a container: no sandbox, no GPU, nothing fetched in the background.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_command(port: int, entry: str | None = None) -> list[str]:
    """The command that serves the app on ``127.0.0.1:port``: as `make app` does (``python -m ui.serve``: the port
    opens at once, the presets warm in the background, the workshop's pass endpoint) or, with ``entry``, ``streamlit
    run ENTRY`` alone (no warm start; e.g. ``app.py`` of an older checkout)."""
    start = [sys.executable, "-m", "ui.serve"] if entry is None else [sys.executable, "-m", "streamlit", "run", entry]
    return [
        *start,
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",  # as ui.serve runs it
    ]


def wait_healthy(url: str, seconds: float = 120.0, proc: subprocess.Popen | None = None) -> float:
    """Wait until the app at ``url`` answers its health check; the seconds waited. RuntimeError after ``seconds``,
    or at once when ``proc`` (the server) has exited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the app's server exited with code {proc.returncode} before it answered")
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return time.monotonic() - t0
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the app at {url} did not answer within {seconds:.0f} s")


class Server:
    """The app on a port with a workshop database of its own, its output appended to ``log``; restartable.

    By default it is served as `make app` serves it (``python -m ui.serve``); ``entry`` serves one script with
    ``streamlit run`` instead (``ui/gateway.py``: app.py with the workshop's pass endpoint, without the warm start).
    X-Forwarded-For is left to the workshop (``FORWARDED_ALLOW_IPS`` empty), as ``ui.serve`` does."""

    def __init__(
        self,
        port: int,
        db: Path,
        log: Path,
        env: dict[str, str] | None = None,
        entry: str | None = "ui/gateway.py",
        wait: float = 60.0,
    ):
        self.port, self.db, self.log, self.env, self.entry, self.wait = port, db, log, env or {}, entry, wait
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        """Start the server; the seconds until it answered."""
        env = {**os.environ, "ALIGNSIM_WORKSHOP_DB": str(self.db), "FORWARDED_ALLOW_IPS": "", **self.env}
        with self.log.open("a") as log:  # the child keeps its own handle
            self.proc = subprocess.Popen(
                app_command(self.port, self.entry), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            return wait_healthy(self.url, self.wait, self.proc)
        except RuntimeError as exc:
            self.stop()
            raise RuntimeError(f"{exc}; see {self.log}") from None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
