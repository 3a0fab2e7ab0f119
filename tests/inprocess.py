"""The command line in the test's own process: what a shell would see (exit code, stdout, stderr) without a fresh
interpreter importing the whole stack. A traceback is not caught: it fails the test. tests/cli/test_cli.py runs
the entry point itself (``python -m sim.cli``) in a fresh interpreter."""

import contextlib
import io
import subprocess

from sim.cli import main


def cli(*args: str) -> subprocess.CompletedProcess:
    """Run ``alignsim ARGS`` here: its exit code and what it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse exits on bad flags
            code = exc.code
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())
