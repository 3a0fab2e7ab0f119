"""Shared fixtures: small scenarios that run fast; free ports, the app's server and Debian's chromium for the
browser tests."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sim import Scenario, load_scenario
from sim.model import AlignmentModel


@pytest.fixture
def small() -> Scenario:
    """The default organisation with a small market and a short horizon."""
    return Scenario().with_overrides({"customers.population": 600, "weeks": 20})


@pytest.fixture
def b2b() -> Scenario:
    return load_scenario("b2b_activation")


def _step_through(scenario: Scenario, seed: int = 0, check=None) -> AlignmentModel:
    """Run a model week by week, calling ``check(model)`` after every week."""
    model = AlignmentModel(scenario, seed=seed)
    while model.running:
        model.step()
        if check:
            check(model)
    return model


@pytest.fixture
def step_through():
    return _step_through


def _free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def free_port():
    return _free_port


ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, free_port):
    """The app as `make app` starts it (ui/serve.py: warm, then `streamlit run app.py`) on a free port
    (ALIGNSIM_BROWSER_PORT when set, where ports are shared) with a workshop database of its own; yields its URL
    once it is healthy, and stops it after the module."""
    port = int(os.environ.get("ALIGNSIM_BROWSER_PORT") or free_port())
    log = (tmp_path_factory.mktemp("streamlit") / "server.log").open("w")
    env = {**os.environ, "ALIGNSIM_WORKSHOP_DB": str(tmp_path_factory.mktemp("workshop") / "w.sqlite3")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ui.serve",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=log,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # the warm start computes every preset's ensemble first (~10 s alone)
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the app did not start within 120 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, driven by Playwright (browser downloads do not work here)."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
