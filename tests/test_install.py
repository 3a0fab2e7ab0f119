"""A plain (non-editable) install carries the bundled scenarios and the console script."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_non_editable_install_finds_scenarios_from_any_directory(tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(ROOT)], check=True, capture_output=True)
    assert (target / "sim" / "scenarios" / "b2b_activation.toml").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    proc = subprocess.run([sys.executable, str(target / "bin" / "alignsim"), "list"], cwd=elsewhere, env=env,
                          capture_output=True, text=True, check=True)
    assert "b2b_activation" in proc.stdout and "long_approval_chain" in proc.stdout
    assert "march1991_turnover" in proc.stdout and "nk_departments_rubber_stamp" in proc.stdout
    proc = subprocess.run([sys.executable, str(target / "bin" / "alignsim"), "run", "nk_departments", "--periods",
                           "5"], cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert "performance" in proc.stdout  # the reference models' modules and agents are installed too
    proc = subprocess.run([sys.executable, "-c", "import sim; print(sim.__file__)"], cwd=elsewhere, env=env,
                          capture_output=True, text=True, check=True)
    assert proc.stdout.startswith(str(target))
