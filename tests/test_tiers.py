"""The test tiers (docs/development.md): browser tests are found by what they use, and every entry of the slow list
still names a test, so `make test-fast` leaves out what it should and nothing it should not."""

import subprocess
import sys
from pathlib import Path

from tests.conftest import SLOW

ROOT = Path(__file__).resolve().parent.parent


def _collected(marker: str, *paths: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-m", marker, *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode in (0, 5), proc.stdout[-2000:] + proc.stderr[-2000:]
    return {line.strip() for line in proc.stdout.splitlines() if "::" in line}


def test_browser_tests_are_found_by_their_fixtures_and_by_launching_chromium():
    files = ("tests/ui/test_browser.py", "tests/ui/test_workshop_soak.py", "tests/test_model.py")
    browser = _collected("browser", *files)
    assert any(t.startswith("tests/ui/test_browser.py::") for t in browser)  # the server and browser fixtures
    assert any(t.startswith("tests/ui/test_workshop_soak.py::") for t in browser)  # launches chromium itself
    assert not [t for t in browser if t.startswith("tests/test_model.py")]
    assert _collected("not browser", "tests/ui/test_browser.py") == set()


def test_every_slow_entry_names_a_collected_test():
    files = sorted({entry.split("::")[0] for entry in SLOW})
    slow = _collected("slow", *files)
    unmatched = [e for e in SLOW if not any(t == e or t.startswith((e + "::", e + "[")) for t in slow)]
    assert not unmatched, f"tests/conftest.py SLOW names no test: {unmatched}"
