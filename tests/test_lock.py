"""The lock (constraints.txt) pins every dependency pyproject.toml declares, so `make` installs the versions with
which the pinned baseline is reproduced (docs/development.md, "Reproducing results exactly")."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    """A requirement's distribution name, normalised as pip does (PEP 503)."""
    name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1)
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version, f"constraints.txt: {line!r} is not an exact pin (name==version)"
            pins[_name(name)] = version
    return pins


def test_every_declared_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += extra
    pins = _pins()
    missing = sorted({_name(r) for r in declared} - set(pins))
    assert not missing, f"not in constraints.txt: {missing}; run `make lock` (docs/development.md)"


def test_the_gate_tools_are_pinned():
    """ruff and mypy decide what `make lint` finds: a new release must not change the gate unnoticed."""
    pins = _pins()
    assert {"ruff", "mypy", "mkdocs", "mkdocs-material", "numpy", "mesa"} <= set(pins)


def test_make_installs_with_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"pip install .*-c \$\(LOCK\)", makefile) and "LOCK   := constraints.txt" in makefile
