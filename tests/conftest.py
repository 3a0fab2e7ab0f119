"""Shared fixtures: small scenarios that run fast; free ports, the app's server and Debian's chromium for the
browser tests. The test tiers: which tests are ``browser`` and ``slow`` (markers registered in pyproject.toml)."""

import contextlib
import inspect
import json
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.server import CHROMIUM, CHROMIUM_ARGS, Server
from benchmarks.server import free_port as _free_port
from sim import Scenario, load_scenario
from sim.model import AlignmentModel


def _untraced_child() -> None:
    """In a process forked from a test (a pool's worker): no trace function. Coverage (``make coverage``) traces the
    test processes; a forked worker would inherit its tracer, and pay for it, without ever saving what it saw (it
    ends with ``os._exit``): the claims' pool took 62 % longer for nothing."""
    sys.settrace(None)
    threading.settrace(None)


os.register_at_fork(after_in_child=_untraced_child)


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
    "tests/ui/test_workshop_page.py::test_the_debrief_after_the_last_round",
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
    # measured with --durations on 2026-12-03 (the fast tier took 7.5 minutes): every test of 8 s or more under
    # a load average of about 20 (about a second on a quiet machine), whole modules where most of them were
    "tests/research/test_advice.py",
    "tests/research/test_discover.py",
    "tests/research/test_research_docs.py",
    "tests/research/test_sweep_folder.py",
    "tests/research/test_sweep_fuzz.py",
    "tests/research/test_sweep.py::test_a_damaged_manifest_gives_one_line_and_a_way_out",
    "tests/research/test_sweep.py::test_cli_sweep_and_analyze",
    "tests/research/test_sweep.py::test_kill_drill_all_dask_workers_die_mid_sweep",
    "tests/research/test_sweep.py::test_kill_drill_driver_pool_workers_and_resource_tracker_die_with_it",
    "tests/research/test_sweep.py::test_kill_drill_worker_the_driver_says_how_to_resume_and_leaves_no_orphan",
    "tests/research/test_sweep.py::test_resume_after_a_killed_driver_gives_the_uninterrupted_table",
    "tests/cli/test_advise.py",
    "tests/cli/test_cli.py::test_compare_reports_paired_differences",
    "tests/cli/test_cli.py::test_run_and_compare_with_lang_da_write_their_tables_in_danish",
    "tests/ui/test_leader.py",
    "tests/ui/test_advice_panel.py",
    "tests/ui/test_workshop_soak.py",
    "tests/workshop/test_hosting.py",
    "tests/workshop/test_links.py::test_fuzzed_links_parse_or_give_a_clean_one_line_message_that_never_echoes_them",
    "tests/workshop/test_links.py::test_long_values_are_refused_before_anything_else",
    "tests/workshop/test_replay.py::test_a_switch_applies_from_its_round_and_never_rewrites_played_rounds",
    "tests/workshop/test_report.py::test_the_handout_is_complete_escaped_and_printable",
    "tests/test_runner.py::test_hundreds_of_runs_in_one_pool_worker_keep_memory_flat",
    "tests/test_runner.py::test_hundreds_of_runs_in_one_process_keep_memory_flat",
    "tests/test_runner.py::test_recycled_workers_give_the_serial_results",
    "tests/test_output.py::test_calibrate_on_a_full_disk_gives_one_line_and_a_rerun_continues",
    "tests/test_output.py::test_run_out_on_a_full_disk_gives_one_line_and_no_truncated_file",
    "tests/test_model.py::test_same_seed_same_results_across_processes",
    "tests/test_value.py::test_a_product_that_never_changes_keeps_its_value_flat_for_five_years",
    "tests/test_value.py::test_derived_weights_agree_with_the_simulated_funnel",
    "tests/test_value.py::test_the_expected_funnel_is_the_mean_of_the_simulated_one",
    "tests/test_value.py::test_the_model_steers_by_the_derived_weights_only",
    "tests/test_readme.py::test_the_python_example_runs",
    "tests/test_provenance.py::test_cli_version_prints_version_and_fingerprint",
    "tests/agents/test_customers.py::test_easier_onboarding_activates_more_customers_over_seeds",
    "tests/agents/test_team.py::test_context_switching_costs_delivery_over_seeds",
    "tests/agents/test_team.py::test_data_makes_beliefs_converge",
    "tests/classics/test_march1991.py::test_equilibrium_knowledge_matches_the_recreated_figure_1",
    "tests/classics/test_march1991.py::test_in_a_turbulent_world_knowledge_decays_without_turnover_and_holds_with_it",
    "tests/classics/test_march1991.py::test_moderate_turnover_raises_code_knowledge_when_socialisation_is_fast",
    "tests/classics/test_march1991.py::test_slow_socialisation_gives_more_knowledge_when_the_code_learns_fast",
    "tests/classics/test_nk_departments.py::"
    "test_firm_wide_incentives_are_worth_nothing_without_cross_department_interaction_and_more_with_it",
    "tests/input/test_orgsheet.py::test_any_subset_of_departments_imports_runs_round_trips_and_its_levers_apply",
    "tests/present/test_answer.py::test_the_answer_follows_the_paired_comparison",
    "tests/present/test_assessment.py::test_yes_to_all_beats_no_to_all_on_outcome_over_paired_seeds",
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


#: The test files that take longest, longest first (wall time of each in `make test`'s two processes, measured on
#: 4 December 2026). They run first and every other file after them, in collection order: `make test` hands out whole
#: files (``--dist loadfile``) in this order (``--no-loadscope-reorder``), so a long file does not start last and
#: leave one process working alone at the end, as it did when pytest-xdist ordered files by their number of tests.
LONGEST_FIRST = (
    "tests/research/test_claims.py",
    "tests/ui/test_browser.py",
    "tests/ui/test_app.py",
    "tests/ui/test_workshop_soak.py",
    "tests/research/test_sweep.py",
    "tests/research/test_sweep_folder.py",
    "tests/research/test_calibration.py",
    "tests/test_benchmarks.py",
    "tests/ui/test_leader.py",
    "tests/ui/test_reference_app.py",
    "tests/research/test_advice.py",
    "tests/research/test_discover.py",
    "tests/input/test_fuzz.py",
    "tests/ui/test_workshop_page.py",
    "tests/classics/test_march1991.py",
    "tests/cli/test_advise.py",
    "tests/cli/test_cli.py",
)


def _file_rank(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_file_rank)  # stable: the tests of a file, and the files not listed, keep their order
    skip_browser = os.environ.get("ALIGNSIM_SKIP_BROWSER") == "1"
    for item in items:
        if _is_browser(item):
            item.add_marker(pytest.mark.browser)
            if skip_browser:
                item.add_marker(pytest.mark.skip(reason="ALIGNSIM_SKIP_BROWSER=1"))
        if any(item.nodeid == slow or item.nodeid.startswith((slow + "::", slow + "[")) for slow in SLOW):
            item.add_marker(pytest.mark.slow)


@contextlib.contextmanager
def advice_settings(settings: dict[str, dict]) -> Iterator[None]:
    """The advice panel's work set small through its environment settings (``ui.advice``) for a browser module's
    server; left as the app's own when screenshots are taken for the docs (``ALIGNSIM_SCREENSHOTS``)."""
    with pytest.MonkeyPatch.context() as patch:
        if not os.environ.get("ALIGNSIM_SCREENSHOTS"):
            for name, value in settings.items():
                patch.setenv(name, json.dumps(value))
        yield


def page_markdown(at) -> str:
    """An AppTest page's Markdown as its words read: the spans that keep a signed amount on one line
    (``ui.text.unbroken``) are left out, their text kept."""
    import re

    return re.sub(r'<span style="white-space: nowrap">(.*?)</span>', r"\1", "\n".join(m.value for m in at.markdown))
