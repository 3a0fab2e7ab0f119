"""Provenance: which alignsim produced a result, from one place.

``version()`` is the installed package's version (pyproject.toml is its one source). ``fingerprint()`` is a hash of
the code and data that decide model output (the ``sim`` package with its agents and bundled scenarios), so two
processes with the same fingerprint compute the same results for the same scenario and seed, whatever the version
string says. ``metadata()`` adds the git commit where the code is a checkout, Python and the packages results depend
on: every output file records it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import platform
import subprocess
from importlib import metadata as _metadata
from pathlib import Path
from typing import Any

#: The distributions whose versions can change results (numbers, random streams, file formats).
PACKAGES = ("numpy", "pandas", "pyarrow", "scipy", "mesa", "networkx", "pydantic")
#: The distributions that decide what a research command makes of results (recorded by those commands only):
#: SALib's designs and indices, EMA Workbench's PRIM with scikit-learn's trees for its feature scores, optuna's search.
RESEARCH_PACKAGES = {
    "sweep": ("SALib",),
    "analyze": ("SALib",),
    "discover": ("ema_workbench", "scikit-learn"),
    "advise": ("optuna", "SALib"),
}
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


def package_versions(also: tuple[str, ...] = ()) -> dict[str, str]:
    """Python's and each result-relevant package's version (``PACKAGES``), and those of the packages ``also``
    names that are installed (e.g. ``RESEARCH_PACKAGES["analyze"]``)."""
    out = dict(_package_versions())
    for name in also:
        with contextlib.suppress(_metadata.PackageNotFoundError):
            out[name] = _metadata.version(name)
    return out


@functools.lru_cache(maxsize=1)
def _package_versions() -> tuple[tuple[str, str], ...]:
    """``PACKAGES``' versions as this process found them (looked up once: every sweep task reports them)."""
    out = [("python", platform.python_version())]
    for name in PACKAGES:
        try:
            out.append((name, _metadata.version(name)))
        except _metadata.PackageNotFoundError:
            out.append((name, "missing"))
    return tuple(out)


def package_differences(theirs: Any) -> list[tuple[str, str, str]]:
    """Where another process's :func:`package_versions` (``theirs``) differs from this one's, for ``PACKAGES`` and
    Python: (name, theirs, this process's) each; empty when they agree (a missing record differs in all)."""
    theirs = theirs if isinstance(theirs, dict) else {}
    return [
        (name, str(theirs.get(name, "unknown")), mine) for name, mine in _package_versions() if theirs.get(name) != mine
    ]


def metadata(also: tuple[str, ...] = ()) -> dict[str, object]:
    """What produced a result: alignsim's version, code fingerprint and git commit, and the package versions
    (with those of the packages ``also`` names, where installed)."""
    return {
        "alignsim": version(),
        "fingerprint": fingerprint(),
        "git": git_commit(),
        "packages": package_versions(also),
    }


def describe() -> str:
    """One line for ``alignsim --version``: version, fingerprint and commit."""
    commit = git_commit()
    git = f", git {commit[:12]}{'-dirty' if commit.endswith('-dirty') else ''}" if commit else ""
    return f"alignsim {version()} (code {fingerprint()}{git})"


#: The key under which alignsim's provenance is stored in a Parquet file's metadata.
PARQUET_KEY = b"alignsim"


def scenario_hash(scenario: Any) -> str:
    """SHA-256 of a scenario's fully resolved TOML: two runs with the same hash ran the same scenario."""
    return hashlib.sha256(scenario.to_toml().encode("utf-8")).hexdigest()


def record(
    scenario: Any = None,
    overrides: dict[str, Any] | None = None,
    seeds: list[int] | None = None,
    also: tuple[str, ...] = (),
    **extra: Any,
) -> dict[str, Any]:
    """What an output file records about how it was made: :func:`metadata` (``also``: more packages whose versions
    decide it), the scenario (its name, model and the hash of its resolved TOML), the overrides given on top of it,
    the seeds, and anything in ``extra`` (JSON values)."""
    out: dict[str, Any] = {"provenance": metadata(also)}
    if scenario is not None:
        out.update(scenario=scenario.name, model=scenario.model, scenario_sha256=scenario_hash(scenario))
    if overrides is not None:
        out["overrides"] = dict(overrides)
    if seeds is not None:
        out["seeds"] = [int(s) for s in seeds]
    out.update(extra)
    return out


def parquet_bytes(frame: Any, meta: dict[str, Any]) -> bytes:
    """``frame`` as Parquet bytes whose file metadata holds ``meta`` (JSON) under the key ``alignsim``."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), PARQUET_KEY: json.dumps(meta).encode()})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def parquet_record(path: str | Path) -> dict[str, Any] | None:
    """The provenance a Parquet file written by alignsim carries (None when it carries none)."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    raw = meta.get(PARQUET_KEY)
    return json.loads(raw) if raw else None


def worker() -> dict[str, Any]:
    """Who computes a task: this process's code fingerprint, version and package versions (:func:`package_versions`),
    and a label naming it (a Dask worker's address, else host and process id). Sweep tasks return it so the driver
    can refuse results of other code or other packages."""
    import sys

    label = f"{platform.node()} pid {os.getpid()}"
    if "distributed" in sys.modules:  # a Dask worker has it loaded; nothing else needs to pay for importing it
        try:
            from distributed import get_worker

            label = f"Dask worker {get_worker().address}"
        except ValueError:  # not inside a Dask task
            pass
    return {"fingerprint": fingerprint(), "version": version(), "worker": label, "packages": package_versions()}


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_sidecar(
    path: str | Path,
    files: list[Path],
    scenario: Any = None,
    overrides: dict[str, Any] | None = None,
    seeds: list[int] | None = None,
    also: tuple[str, ...] = (),
    **extra: Any,
) -> Path:
    """Write ``path`` (JSON): :func:`record` of what made ``files`` (each named with its SHA-256, so a reader can
    tell the record belongs to these very files). Atomic, like every output (``sim.output``)."""
    from sim.output import write_text

    target = Path(path)
    listed = {Path(f).name: file_sha256(f) for f in files}
    meta = record(scenario, overrides, seeds, also, files=listed, **extra)
    return write_text(target, json.dumps(meta, indent=2) + "\n")
