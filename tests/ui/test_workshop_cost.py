"""What a workshop room costs the server (issue 27, docs/PERFORMANCE.md "Workshop room"): behaviour that keeps a
save and a round cheap, pinned without timing anything."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_served_app_runs_no_full_garbage_collection_after_every_script_run():
    """Streamlit collects all garbage after each script run by default; with the app's libraries loaded that was
    most of a fragment's rerun (a save, the facilitator's seats). Off, as Streamlit reads its config in the
    repository (``streamlit run ui/gateway.py``, the benchmarks and the browser tests)."""
    read = (
        "from streamlit import config; config.get_config_options(force_reparse=True); "
        "print(config.get_option('runner.postScriptGC'))"
    )
    out = subprocess.run([sys.executable, "-c", read], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stdout + out.stderr


def test_make_app_turns_it_off_from_any_directory(monkeypatch):
    """``make app`` (``python -m ui.serve``) says it on Streamlit's command line too."""
    from streamlit.web import cli

    from ui import serve

    seen: list[list[str]] = []
    monkeypatch.setattr(serve, "fork_pool", lambda: None)
    monkeypatch.setattr(serve, "warm", lambda start: None)
    monkeypatch.setattr(cli, "main", lambda: seen.append(list(sys.argv)) or 0)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "")  # main() sets it: restored after the test
    assert serve.main(["--server.port", "8799"]) == 0
    argv = seen[0]
    assert argv[argv.index("--runner.postScriptGC") + 1] == "false"
    assert argv[-2:] == ["--server.port", "8799"]  # the caller's arguments still come last (and win)
