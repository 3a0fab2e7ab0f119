"""The workshop soak test, small but complete (benchmarks/workshop_soak.py): API participants and a real
browser, a refresh, a reconnect, an API rejoin, two facilitator tabs pressing Play together and a server
restart; no decision lost or duplicated, no double round, no second seat, no error on any page.
The full soak (30 participants, 6 browsers) is run by hand; its figures are in docs/PERFORMANCE.md."""

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("ALIGNSIM_SKIP_BROWSER") == "1", reason="ALIGNSIM_SKIP_BROWSER=1")


def test_a_small_workshop_survives_refreshes_reconnects_a_restart_and_two_facilitator_tabs(tmp_path, free_port):
    assert Path("/usr/bin/chromium").exists(), "Debian's chromium is missing: `make test` installs it"
    from benchmarks import workshop_soak

    lines = []
    result = workshop_soak.run(
        participants=6, browsers=1, tables=1, seat_size=2, port=free_port(), workdir=tmp_path, out=lines.append
    )
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
