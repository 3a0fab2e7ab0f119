"""A plain (non-editable) install carries the bundled scenarios and the console script."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_non_editable_install_finds_scenarios_from_any_directory(tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(ROOT)],
        check=True,
        capture_output=True,
    )
    assert (target / "sim" / "scenarios" / "b2b_activation.toml").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    proc = subprocess.run(
        [sys.executable, str(target / "bin" / "alignsim"), "list"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "b2b_activation" in proc.stdout and "long_approval_chain" in proc.stdout
    assert "march1991_turnover" in proc.stdout and "nk_departments_rubber_stamp" in proc.stdout
    proc = subprocess.run(
        [sys.executable, str(target / "bin" / "alignsim"), "run", "nk_departments", "--periods", "5"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "performance" in proc.stdout  # the reference models' modules and agents are installed too
    proc = subprocess.run(
        [sys.executable, "-c", "import sim; print(sim.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.startswith(str(target))


def test_the_code_fingerprint_is_the_same_installed_and_in_the_checkout_and_changes_with_the_code(tmp_path):
    """Results record ``sim.provenance.fingerprint()``: an installed copy of the same code has the same one (so a
    cluster worker can be compared with the driver), and one changed constant gives another."""
    from sim import provenance

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(ROOT)],
        check=True,
        capture_output=True,
    )
    code = "from sim import provenance; print(provenance.fingerprint())"

    def installed() -> str:
        env = {**os.environ, "PYTHONPATH": str(target)}
        proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    assert installed() == provenance.fingerprint()
    model = target / "sim" / "model.py"
    model.write_text(model.read_text() + "\n# one changed line\n")
    assert installed() != provenance.fingerprint()
