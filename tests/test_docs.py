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
