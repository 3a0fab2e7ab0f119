"""Scenario files: the bundled presets, files and uploads resolved (``extends``) and validated by their model's
schema.

``extends`` resolves bundled scenario names and files in the extending file's own folder (or below it); other
paths need ``extends_anywhere=True`` (the CLI's ``--extends-anywhere``). Uploads may extend bundled scenarios only.

The input package imports no other part of alignsim but ``sim.i18n``: the registry (``sim.registry``) tells it
each model's schema (:func:`register_schema`), so neither the schema module (``sim.scenario``) nor this one reaches
the registry or a model, and the import graph has no circle.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sim.i18n import N_, Message
from sim.input.errors import MAX_EXTENDS_DEPTH, MAX_NAME_CHARS, MAX_PATH_CHARS, ScenarioError, clean, show
from sim.input.names import look_alike_problem
from sim.input.paths import deep_merge, set_path
from sim.input.toml import decode, parse_toml, read_toml
from sim.input.validation import format_validation_error

if TYPE_CHECKING:
    from sim.scenario import ScenarioBase

#: The model a scenario file is for when it names none.
DEFAULT_MODEL = "alignment"
#: The version of the scenario file format this alignsim writes (``schema_version = N`` at the top of a file).
#: A file without one is version 1 (every file written before the field existed).
SCHEMA_VERSION = 1
#: How a file of version N becomes version N + 1: ``MIGRATIONS[N](data) -> data``. A change to the file format
#: (a renamed or moved field) adds a step here and raises SCHEMA_VERSION, so older files are still read.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _scenario_dir() -> Path:
    package = Path(__file__).resolve().parent.parent
    installed = package / "scenarios"  # a pip-installed package carries the presets as sim/scenarios
    return installed if installed.is_dir() else package.parent / "scenarios"


SCENARIO_DIR = _scenario_dir()


class _Bundled:
    """The bundled folder's listing and its files' parsed TOML, read again only when the folder or a file changed
    (its modification time or size): the app asks for them many times a page run, and parsing every preset each
    time was most of a lever move's own work. Callers get a copy of the data, never the cached dict."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.listing: tuple[int, dict[str, Path]] | None = None
        self.parsed: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}

    def names(self) -> dict[str, Path]:
        stamp = SCENARIO_DIR.stat().st_mtime_ns
        with self.lock:
            if self.listing is None or self.listing[0] != stamp:
                self.listing = (stamp, {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))})
            return dict(self.listing[1])

    def read(self, path: Path) -> dict[str, Any]:
        """``read_toml(path)`` of a bundled file (other paths are read every time, through every cap)."""
        try:
            status = path.stat() if path.parent == SCENARIO_DIR else None
        except OSError:
            status = None
        if status is None:
            return read_toml(path)
        stamp = (status.st_mtime_ns, status.st_size)
        with self.lock:
            hit = self.parsed.get(path)
        if hit is None or hit[0] != stamp:
            hit = (stamp, read_toml(path))
            with self.lock:
                self.parsed[path] = hit
        return copy.deepcopy(hit[1])


_bundled = _Bundled()


def bundled_scenarios(model: str | None = None) -> dict[str, Path]:
    """Bundled scenario name -> file; with ``model``, only the presets of that model."""
    found = _bundled.names()
    if model is None:
        return found
    return {name: path for name, path in found.items() if scenario_model(path) == model}


def scenario_model(name_or_path: str | Path, extends_anywhere: bool = False) -> str:
    """The model a scenario file is for (following ``extends``), without validating the rest of it."""
    name = _resolve(name_or_path, (), extends_anywhere).get("model", DEFAULT_MODEL)
    return name if isinstance(name, str) else show(name)


def describe(path: Path) -> str:
    """The one-line description of a scenario file (without validating it)."""
    try:
        text = read_toml(path).get("description", "")
    except ScenarioError:
        return ""
    return clean(text) if isinstance(text, str) else ""


def load_scenario(
    name_or_path: str | Path, overrides: dict[str, Any] | None = None, extends_anywhere: bool = False
) -> ScenarioBase:
    """A bundled scenario by name, or a TOML file by path, resolved and validated. Its ``extends`` may name
    bundled scenarios and files in its own folder or below (anywhere with ``extends_anywhere``)."""
    data = _resolve(name_or_path, (), extends_anywhere)
    scenario = validate(data, source=show(str(name_or_path)).strip("'\""))
    return scenario.with_overrides(overrides)


def is_bundled(scenario: ScenarioBase, name: str, overrides: dict[str, Any] | None = None) -> bool:
    """Whether ``scenario`` is the bundled scenario ``name`` as shipped (with ``overrides`` applied), not a file
    that only borrows its name."""
    if name not in bundled_scenarios():
        return False
    try:
        return load_scenario(name).with_overrides(dict(overrides or {})) == scenario
    except ScenarioError:
        return False


def scenario_from_toml(text: str, source: str = "<upload>") -> ScenarioBase:
    """A scenario from TOML text (e.g. an upload). Its ``extends`` may name bundled scenarios only."""
    source = clean(source)
    data = migrate(parse_toml(text, source), source)
    parent = data.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str) or parent not in bundled_scenarios():
            raise ScenarioError(
                Message(
                    N_(
                        "{source}: extends: unknown scenario {name}; an upload may extend a bundled scenario: {allowed}"
                    ),
                    source=source,
                    name=show(parent),
                    allowed=", ".join(bundled_scenarios()),
                )
            )
        data = deep_merge(_resolve(parent, (), False), data)
    return validate(data, source=source)


def scenario_from_bytes(data: bytes, source: str = "<upload>") -> ScenarioBase:
    """A scenario from uploaded bytes: size-checked, UTF-8 decoded, parsed and validated; nothing is executed."""
    source = clean(source)
    return scenario_from_toml(decode(data, source), source)


def migrate(data: dict[str, Any], source: str) -> dict[str, Any]:
    """One file's data in the current format: its ``schema_version`` (1 when absent) is checked and every
    migration step from there on applied; the version key itself is removed (scenarios do not carry it)."""
    version = data.pop("schema_version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ScenarioError(
            f"{clean(source)}: schema_version: must be a whole number 1..{SCHEMA_VERSION}, got {show(version)}"
        )
    if version > SCHEMA_VERSION:
        raise ScenarioError(
            f"{clean(source)}: schema_version: {version} is from a newer alignsim (this one reads files up to "
            f"version {SCHEMA_VERSION}); upgrade alignsim to read it"
        )
    for step in range(version, SCHEMA_VERSION):
        data = MIGRATIONS[step](data)
    return data


def _locate(name_or_path: str | Path) -> Path:
    bundled = bundled_scenarios()
    if isinstance(name_or_path, str) and name_or_path in bundled:
        return bundled[name_or_path]
    name = str(name_or_path)
    if name.endswith(".toml") or "/" in name or "\\" in name:
        return Path(name)  # read_text checks its length, NUL characters and existence, one message each
    raise ScenarioError(
        f"unknown scenario {show(name)}; bundled scenarios: {', '.join(bundled)} (or give a path to a .toml file)"
    )


def _resolve(name_or_path: str | Path, seen: tuple[Path, ...], extends_anywhere: bool) -> dict[str, Any]:
    if len(seen) > MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"extends: a chain of more than {MAX_EXTENDS_DEPTH} files; flatten it")
    path = _locate(name_or_path)
    data = migrate(_bundled.read(path), clean(path.name))
    path = path.resolve()
    if path in seen:
        raise ScenarioError("extends: cycle " + " -> ".join(clean(p.stem) for p in (*seen, path)))
    data.setdefault("name", path.stem[:MAX_NAME_CHARS])
    parent = data.pop("extends", None)
    if parent is None:
        return data
    where = clean(path.name)
    if not isinstance(parent, str):
        raise ScenarioError(f"{where}: extends: must be a scenario name or a path, got {show(parent)}")
    if parent in bundled_scenarios():
        base: str | Path = parent
    else:
        if "\x00" in parent or len(parent) > MAX_PATH_CHARS:
            raise ScenarioError(f"{where}: extends: {show(parent)} is not a usable path")
        base = path.parent / parent
        if not extends_anywhere:
            try:
                inside = base.resolve().is_relative_to(path.parent)
            except (OSError, RuntimeError, ValueError):
                inside = False
            if not inside:
                raise ScenarioError(
                    f"{where}: extends: {show(parent)} is outside the folder of {where}; allowed: "
                    f"a bundled scenario ({', '.join(bundled_scenarios())}) or a file in that "
                    "folder (alignsim --extends-anywhere allows others)"
                )
        if not str(base).endswith(".toml"):
            raise ScenarioError(f"{where}: extends: {show(parent)}: expected a bundled scenario or a .toml file")
    return deep_merge(_resolve(base, (*seen, path), extends_anywhere), data)


#: Model name -> its scenario schema (imported on first use); filled by ``sim.registry.register``.
SCHEMAS: dict[str, Callable[[], type[ScenarioBase]]] = {}


def register_schema(model: str, schema: Callable[[], type[ScenarioBase]]) -> None:
    """Tell the boundary how to get the scenario schema of a registered model."""
    SCHEMAS[model] = schema


def schema_for(data: dict[str, Any], source: str) -> type[ScenarioBase]:
    """The scenario schema of the model named in ``data`` (the alignment model when none is named)."""
    name = data.get("model", DEFAULT_MODEL)
    if not isinstance(name, str) or name not in SCHEMAS:
        raise ScenarioError(
            Message(
                N_("{source}: model: unknown model {name}; registered: {allowed}"),
                source=source,
                name=show(name),
                allowed=", ".join(SCHEMAS),
            )
        )
    return SCHEMAS[name]()


def validate(data: dict[str, Any], source: str) -> ScenarioBase:
    """File data -> a scenario of the model it names, completed with that model's defaults and validated."""
    schema = schema_for(data, source)
    return validate_as(schema, data, source)


def validate_as(schema: type[ScenarioBase], data: dict[str, Any], source: str) -> ScenarioBase:
    """``data`` completed and validated as ``schema``; a ScenarioError names the fields and allowed values."""
    try:
        full = schema.complete(data)
    except (ValueError, TypeError, RecursionError) as exc:  # complete() on data of the wrong shape
        raise ScenarioError(f"{source}: {exc}") from None
    _check_look_alikes(full, source)
    try:
        return schema.model_validate(full)
    except ValidationError as exc:
        raise ScenarioError(
            Message("{source}: {problem}", source=source, problem=format_validation_error(exc, schema))
        ) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise ScenarioError(f"{source}: {exc}") from None


def _check_look_alikes(data: dict[str, Any], source: str) -> None:
    """No department or team name of the whole scenario (``extends`` and defaults included) looks like another
    (``sim.input.names``): a Cyrillic ``ѕаӏеѕ`` beside ``sales`` is refused."""
    units = {table: data.get(table) for table in ("departments", "teams")}
    named = [(key, table) for table, units_ in units.items() if isinstance(units_, dict) for key in units_]
    found = look_alike_problem(str(key) for key, _ in named)
    if found is not None:
        table = next(table for key, table in named if key == found[0])
        raise ScenarioError(Message(N_("{source}: {field}: {problem}"), source=source, field=table, problem=found[1]))


def apply_overrides(scenario: ScenarioBase, overrides: dict[str, Any]) -> ScenarioBase:
    """A new scenario with dotted-path values replaced, validated as a whole against its own schema."""
    data = scenario.model_dump(mode="python")
    for path, value in overrides.items():
        if not isinstance(path, str):
            raise ScenarioError(f"override {show(path)}: a path is text, e.g. departments.sales.alignment")
        if path in type(scenario).file_only:
            raise ScenarioError(
                Message(
                    N_(
                        "override {path}: it says how to read the scenario file itself, so it "
                        "can be set in the file only (true or false)"
                    ),
                    path=path,
                )
            )
        set_path(data, path, value, type(scenario).free_mappings)
    return validate_as(type(scenario), data, "overrides")
