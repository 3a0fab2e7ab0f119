"""Shared fixtures: small scenarios that run fast; free ports, the app's server and Debian's chromium for the
browser tests. The test tiers: which tests are ``browser`` and ``slow`` (markers registered in pyproject.toml)."""

import inspect
import os
from pathlib import Path

import pytest

from benchmarks.server import CHROMIUM, CHROMIUM_ARGS, Server
from benchmarks.server import free_port as _free_port
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


@pytest.fixture(scope="session")
def free_port():
    return _free_port


@pytest.fixture(scope="module")
def server(tmp_path_factory, free_port):
    """The app as `make app` starts it (ui/serve.py: warm, then `streamlit run app.py`) on a free port
    (ALIGNSIM_BROWSER_PORT when set, where ports are shared) with a workshop database of its own; yields its URL
    once it is healthy, and stops it after the module."""
    port = int(os.environ.get("ALIGNSIM_BROWSER_PORT") or free_port())
    where = tmp_path_factory.mktemp("streamlit")
    # as `make app` starts it; 120 s: the machine may be busy with the other test process
    app = Server(port, where / "w.sqlite3", where / "server.log", entry=None, wait=120)
    try:
        app.start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield app.url
    app.stop()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, driven by Playwright (browser downloads do not work here)."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# ---------------------------------------------------------------- tiers: `make test-fast` leaves these out

#: Fixtures that serve the app or drive chromium: a test using one is a ``browser`` test.
BROWSER_FIXTURES = {"server", "browser"}
#: Words in a test's own code that mean it launches chromium itself (e.g. through benchmarks.workshop_soak).
BROWSER_WORDS = ("sync_playwright", "chromium", "workshop_soak")

#: Tests that take seconds to minutes, measured with ``pytest --durations=0`` when the tiers came in: pytest node
#: ids (a file stands for all of its tests, a test for all of its parameters). A new slow test says so itself with
#: ``@pytest.mark.slow``.
SLOW = (
    # ensembles of paired seeds over every claim, calibration fits (the issue measured these, with the app's
    # sessions, at about twelve times the core model tests)
    "tests/research/test_claims.py",
    "tests/research/test_calibration.py",
    "tests/cli/test_calibrate.py",
    "tests/cli/test_cli.py::test_claims_json_shape",
    "tests/cli/test_cli.py::test_claims_markdown_and_table",
    "tests/cli/test_cli.py::test_the_issue_command_runs_march_over_200_seeds_as_json",
    # app sessions (Streamlit's AppTest runs each page's script with its ensembles)
    "tests/ui/test_app.py",
    "tests/ui/test_reference_app.py",
    "tests/ui/test_workshop_page.py",
    "tests/ui/test_org_page.py",
    # processes, clusters and installs: a Dask cluster, pip install, scripts over many seeds
    "tests/research/test_sweep.py::test_one_worker_two_workers_and_dask_give_identical_rows",
    "tests/test_install.py",
    "tests/test_docs.py::test_research_example_script_runs",
    "tests/test_docs.py::test_classics_specs_are_valid_and_the_reproduction_script_runs",
    # generated inputs: hypothesis invariants over scenarios, the fuzzers' quick profile, the TOML writer's
    # round trip
    "tests/test_properties.py",
    "tests/input/test_fuzz.py",
    "tests/input/test_input.py::test_the_caps_never_refuse_what_the_writer_writes_and_it_reads_back",
    # a fresh interpreter per case (each imports the whole stack)
    "tests/cli/test_cli.py::test_bad_input_exits_2_with_a_message_and_no_traceback",
)


def _is_browser(item: pytest.Item) -> bool:
    if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    function = getattr(item, "function", None)
    try:
        source = inspect.getsource(function) if function is not None else ""
    except (OSError, TypeError):
        source = ""
    return any(word in source for word in BROWSER_WORDS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_browser = os.environ.get("ALIGNSIM_SKIP_BROWSER") == "1"
    for item in items:
        if _is_browser(item):
            item.add_marker(pytest.mark.browser)
            if skip_browser:
                item.add_marker(pytest.mark.skip(reason="ALIGNSIM_SKIP_BROWSER=1"))
        if any(item.nodeid == slow or item.nodeid.startswith((slow + "::", slow + "[")) for slow in SLOW):
            item.add_marker(pytest.mark.slow)
