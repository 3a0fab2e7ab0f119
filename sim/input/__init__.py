"""The input boundary: everything that turns outside text into a validated scenario or value.

Files, uploads, pasted text, ``--set`` overrides, share links, spreadsheets and sweep specs pass through here. Each
is capped before parsing gets expensive (file size, nesting depth, parts of a dotted key, number of keys, name and
string length, ``extends`` depth), parsed as TOML (never executed), and checked against the pydantic schema of the
model it names. Whatever goes wrong becomes one :class:`InputError` line naming the field and the allowed values;
control characters from the input are escaped, never echoed raw.

- ``errors``: the caps and the one-line errors;
- ``toml``: TOML text in (capped, its problems in words) and out;
- ``paths``: dotted paths (``--set`` overrides) parsed, read and written;
- ``validation``: pydantic's errors as one line;
- ``files``: bundled presets, scenario files and uploads, ``extends``;
- ``orgsheet``, ``observed``, ``share``: an organisation's spreadsheet, its observed series, share links.
"""

from sim.input.errors import (
    MAX_EXTENDS_DEPTH,
    MAX_FILE_BYTES,
    MAX_KEY_PARTS,
    MAX_NAME_CHARS,
    MAX_NESTING,
    InputError,
    ScenarioError,
    clean,
    show,
)
from sim.input.files import (
    DEFAULT_MODEL,
    SCHEMA_VERSION,
    apply_overrides,
    bundled_scenarios,
    describe,
    is_bundled,
    load_scenario,
    register_schema,
    scenario_from_bytes,
    scenario_from_toml,
    scenario_model,
)
from sim.input.paths import check_path, deep_merge, parse_override, parse_value, path_problem
from sim.input.toml import check_lengths, dumps_toml, parse_toml, read_toml, toml_problem
from sim.input.validation import format_validation_error, validation_problems

__all__ = [
    "DEFAULT_MODEL",
    "MAX_EXTENDS_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_KEY_PARTS",
    "MAX_NAME_CHARS",
    "MAX_NESTING",
    "SCHEMA_VERSION",
    "InputError",
    "ScenarioError",
    "apply_overrides",
    "bundled_scenarios",
    "check_lengths",
    "check_path",
    "clean",
    "deep_merge",
    "describe",
    "dumps_toml",
    "format_validation_error",
    "is_bundled",
    "load_scenario",
    "parse_override",
    "parse_toml",
    "parse_value",
    "path_problem",
    "read_toml",
    "register_schema",
    "scenario_from_bytes",
    "scenario_from_toml",
    "scenario_model",
    "show",
    "toml_problem",
    "validation_problems",
]
