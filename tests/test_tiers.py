"""The test tiers (docs/development.md): browser tests are found by what they use, and every entry of the slow list
still names a test, so `make test-fast` leaves out what it should and nothing it should not."""

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import SLOW

ROOT = Path(__file__).resolve().parent.parent

#: A plugin for a collection in a fresh interpreter: each collected test with the markers conftest gave it.
PRINT_MARKERS = """
import sys, pytest
class Print:
    def pytest_collection_finish(self, session):
        for item in session.items:
            print("COLLECTED", item.nodeid, ",".join(sorted(m.name for m in item.iter_markers())), sep="\\t")
sys.exit(pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *sys.argv[1:]], plugins=[Print()]))
"""


def _markers(*paths: str) -> dict[str, set[str]]:
    """Each test pytest collects from ``paths`` (node id) with its markers, from one fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-c", PRINT_MARKERS, *paths], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = [line.split("\t") for line in proc.stdout.splitlines() if line.startswith("COLLECTED\t")]
    return {node: set(filter(None, markers.split(","))) for _, node, markers in lines}


def test_browser_and_slow_tests_are_marked_by_their_fixtures_by_launching_chromium_and_by_the_list():
    files = ("tests/ui/test_browser.py", "tests/ui/test_workshop_soak.py", "tests/test_model.py")
    marks = _markers(*files)
    browser = {t for t, m in marks.items() if "browser" in m}
    assert any(t.startswith("tests/ui/test_browser.py::") for t in browser)  # the server and browser fixtures
    assert {t for t in marks if t.startswith("tests/ui/test_browser.py::")} <= browser  # every test of it
    assert any(t.startswith("tests/ui/test_workshop_soak.py::") for t in browser)  # launches chromium itself
    assert not [t for t in browser if t.startswith("tests/test_model.py")]
    # the slow list marks a test with all of its parameters, and nothing else of the file
    model = {t: m for t, m in marks.items() if t.startswith("tests/test_model.py::")}
    listed = "tests/test_model.py::test_same_seed_same_results_across_processes"
    assert listed in SLOW and any(t.startswith(listed + "[") for t in model)
    assert all(("slow" in m) == t.startswith(listed + "[") for t, m in model.items()), model


def _tests_in(path: Path) -> set[str]:
    """The test functions and test classes' methods a test file defines (``name`` and ``Class::name``)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names |= {f"{node.name}::{f.name}" for f in node.body if isinstance(f, ast.FunctionDef)}
            names.add(node.name)
    return names


def test_every_slow_entry_names_a_collected_test():
    """Read from the test files themselves (a collection of every listed file imports the app and the browser
    tests: half a minute); the test above checks on collected tests that an entry marks what it names."""
    unmatched = []
    for entry in SLOW:
        file, _, name = entry.partition("::")
        path = ROOT / file
        ok = path.is_file() and path.name.startswith("test_") and path.suffix == ".py"
        if ok and name:
            ok = name in _tests_in(path)
        if not ok:
            unmatched.append(entry)
    assert not unmatched, f"tests/conftest.py SLOW names no test: {unmatched}"
