"""The documentation stays true to the code: every parameter, metric and preset is documented."""

from pathlib import Path

from sim import METRICS, bundled_scenarios
from sim.scenario import ROLES, Customers, Funding, Kind, Leadership, Product, Scenario, Team

ROOT = Path(__file__).resolve().parent.parent
MODEL = (ROOT / "docs" / "MODEL.md").read_text()
README = (ROOT / "README.md").read_text()


def test_every_parameter_is_in_model_md():
    missing = []
    for cls in (Scenario, Leadership, Funding, Product, Customers, Team, Kind, *ROLES.values()):
        missing += [f"{cls.__name__}.{name}" for name in cls.model_fields
                    if not any(form in MODEL for form in (f"`{name}`", f".{name}`", f"`{name}."))]
    assert not missing, missing


def test_every_metric_and_role_is_in_model_md():
    assert [m for m in METRICS if f"| {m} |" not in MODEL] == []
    assert [r for r in ROLES if f"| {r} |" not in MODEL] == []


def test_readme_has_the_two_quick_start_commands_and_every_preset():
    assert "make app" in README and "make test" in README
    assert [n for n in bundled_scenarios() if n not in README] == []


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_claims_report_is_generated_for_the_current_claims():
    from sim.claims import CLAIMS

    report = (ROOT / "docs" / "CLAIMS.md").read_text()
    assert report.startswith("# The claims, checked")
    for claim in CLAIMS:
        assert f"## {claim.id}: {claim.title}" in report, f"regenerate docs/CLAIMS.md ({claim.id} changed)"
    assert "## Robustness" in report


def test_research_example_specs_are_valid():
    from sim.sweep import load_spec, plan

    for path in sorted((ROOT / "docs" / "examples").glob("*.toml")):
        base, points, runs = plan(load_spec(path))
        assert len(runs) > 0, path.name


def test_research_example_script_runs(tmp_path):
    import re
    import shutil
    import subprocess
    import sys

    text = (ROOT / "docs" / "RESEARCH.md").read_text()
    script = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    (tmp_path / "example.py").write_text(script)
    proc = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "results" / "sales" / "activation.png").read_bytes().startswith(b"\x89PNG")


def test_classics_doc_documents_every_reference_parameter_and_metric():
    from sim import MODELS
    from sim.scenario import ScenarioBase

    classics = (ROOT / "docs" / "CLASSICS.md").read_text()
    for name, spec in MODELS.items():
        if name == "alignment":
            continue
        assert f"`{name}`" in classics
        params = [p for p in spec.schema().model_fields if p not in ScenarioBase.model_fields]
        assert [p for p in params if f"| `{p}` |" not in classics] == [], name
        assert [m for m in spec.metrics() if f"| {m} |" not in classics] == [], name
    for figure in ("march_figure1.png", "march_turnover.png", "march_turbulence.png", "nk_incentives.png"):
        assert f"classics/{figure}" in classics and (ROOT / "docs" / "classics" / figure).is_file()


def test_classics_specs_are_valid_and_the_reproduction_script_runs(tmp_path):
    import subprocess
    import sys

    from sim.sweep import load_spec, plan

    for path in sorted((ROOT / "docs" / "classics").glob("*.toml")):
        assert len(plan(load_spec(path))[2]) > 0, path.name
    proc = subprocess.run([sys.executable, str(ROOT / "docs" / "classics" / "reproduce.py"), "--seeds", "2",
                           "--workers", "1", "--out", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "### Figure 1" in proc.stdout and "| random, K = 3 |" in proc.stdout
    assert (tmp_path / "march_figure1.png").read_bytes().startswith(b"\x89PNG")
