"""Provenance: which alignsim produced a result, from one place.

``version()`` is the installed package's version (pyproject.toml is its one source). ``fingerprint()`` is a hash of
the code and data that decide model output (the ``sim`` package with its agents and bundled scenarios), so two
processes with the same fingerprint compute the same results for the same scenario and seed, whatever the version
string says. ``metadata()`` adds the git commit where the code is a checkout, Python and the packages results depend
on: every output file records it.
"""

from __future__ import annotations

import functools
import hashlib
import platform
import subprocess
from importlib import metadata as _metadata
from pathlib import Path

#: The distributions whose versions can change results (numbers, random streams, file formats).
PACKAGES = ("numpy", "pandas", "pyarrow", "scipy", "mesa", "networkx", "pydantic")
#: File kinds that decide model output; translations and docs do not.
_CODE_SUFFIXES = (".py", ".toml")


def version() -> str:
    """alignsim's version as installed (``0+unknown`` when run from a folder that was never installed)."""
    try:
        return _metadata.version("alignsim")
    except _metadata.PackageNotFoundError:
        return "0+unknown"


def _code_files() -> list[tuple[str, Path]]:
    """(name inside the package, file) of every file that decides model output, in a fixed order."""
    import sim
    import sim.agents
    from sim.input.files import SCENARIO_DIR

    roots = {"sim": Path(sim.__file__).parent}
    for name, here in (("sim/agents", Path(sim.agents.__path__[0])), ("sim/scenarios", SCENARIO_DIR)):
        if here.resolve() != (roots["sim"] / name.split("/")[1]).resolve():  # a source checkout (editable install)
            roots[name] = here
    files = []
    for prefix, root in roots.items():
        for path in root.rglob("*"):
            rel = path.relative_to(root).as_posix()
            if prefix == "sim" and rel.split("/")[0] in ("agents", "scenarios") and len(roots) > 1:
                continue  # counted from its own root
            if path.suffix in _CODE_SUFFIXES and path.is_file() and "__pycache__" not in path.parts:
                files.append((f"{prefix}/{rel}", path))
    return sorted(files)


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """A short hash (16 hex digits) of alignsim's code and bundled scenarios as this process loaded them."""
    digest = hashlib.sha256()
    for name, path in _code_files():
        digest.update(name.encode() + b"\0" + path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The git commit of a source checkout (with ``-dirty`` when files differ from it), or None when installed."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "-C",
                str(here),
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ":/sim",
                ":/agents",
                ":/scenarios",
            ],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "") if commit else None


def package_versions() -> dict[str, str]:
    """Python's and each result-relevant package's version."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = _metadata.version(name)
        except _metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def metadata() -> dict[str, object]:
    """What produced a result: alignsim's version, code fingerprint and git commit, and the package versions."""
    return {
        "alignsim": version(),
        "fingerprint": fingerprint(),
        "git": git_commit(),
        "packages": package_versions(),
    }


def describe() -> str:
    """One line for ``alignsim --version``: version, fingerprint and commit."""
    commit = git_commit()
    git = f", git {commit[:12]}{'-dirty' if commit.endswith('-dirty') else ''}" if commit else ""
    return f"alignsim {version()} (code {fingerprint()}{git})"
