"""The input boundary: everything that turns outside text into a validated scenario or value.

Files, uploads, pasted text, ``--set`` overrides and sweep specs pass through here. Each is capped before parsing
gets expensive (file size, nesting depth, parts of a dotted key, number of keys, name and string length,
``extends`` depth), parsed as TOML (never executed), and checked against the pydantic schema of the model it
names. Whatever goes wrong becomes one :class:`InputError` line naming the field and the allowed values; control
characters from the input are escaped, never echoed raw.

``extends`` resolves bundled scenario names and files in the extending file's own folder (or below it); other
paths need ``extends_anywhere=True`` (the CLI's ``--extends-anywhere``). Uploads may extend bundled scenarios only.

This module imports no other part of alignsim: the registry (``sim.registry``) tells it each model's schema
(:func:`register_schema`), so neither the schema module (``sim.scenario``) nor this one reaches the registry or a
model, and the import graph has no circle.
"""

from __future__ import annotations

import copy
import math
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim import i18n
from sim.i18n import N_, Message

if TYPE_CHECKING:
    from sim.scenario import ScenarioBase

#: Files, uploads and pasted text larger than this are refused before parsing.
MAX_FILE_BYTES = 256 * 1024
#: Deepest nesting of arrays and inline tables in a TOML text.
MAX_NESTING = 16
#: Most parts in a dotted key, a table header or an override path (``departments.sales.requests.core`` has 4).
MAX_KEY_PARTS = 12
#: Most keys (``=`` assignments) in one text.
MAX_KEYS = 10_000
#: Longest key, name or path part; longest string value; longest file path; longest ``--set`` value.
MAX_NAME_CHARS = 100
MAX_STRING_CHARS = 5_000
MAX_PATH_CHARS = 1_000
MAX_VALUE_CHARS = 10_000
#: Longest chain of ``extends``.
MAX_EXTENDS_DEPTH = 8
#: Most problems one error message lists, and its longest length.
MAX_REPORTED_ERRORS = 3
MAX_MESSAGE_CHARS = 1_000
#: The model a scenario file is for when it names none.
DEFAULT_MODEL = "alignment"


class InputError(ValueError):
    """Input that cannot be used. Its message is one line naming the field and the allowed values; control
    characters (newlines included) are escaped."""

    def __init__(self, message: str):
        #: The message as given: a ``sim.i18n.Message`` can be shown in the app's language (:meth:`shown`).
        self.message = message
        super().__init__(_capped(message))

    def shown(self) -> str:
        """The message in the current language (the app's); its English text when it was not made translatable.
        Field names, codes and allowed values stay as they are."""
        return _capped(i18n.shown(self.message))


def _capped(message: str) -> str:
    message = clean(message)
    return message[:MAX_MESSAGE_CHARS - 3] + "..." if len(message) > MAX_MESSAGE_CHARS else message


class ScenarioError(InputError):
    """A scenario file, override or value that cannot be used."""


def clean(text: str) -> str:
    """``text`` with control and format characters escaped (``\\n``, ``\\x1b``, ``\\u202e``): safe on one line."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        elif unicodedata.category(ch) in ("Zs",):
            out.append(" ")
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def show(value: Any, limit: int = 60) -> str:
    """A value for a message: repr'd, escaped and shortened."""
    text = clean(repr(value))
    return text if len(text) <= limit else text[:limit - 3] + "..."


# ---------------------------------------------------------------- TOML text, capped before parsing


_TOKENS = re.compile(r'"""|\'\'\'|["\'#\[\]{}=,.\n]')


def check_text(text: str, source: str) -> None:
    """Refuse TOML text whose size, nesting, dotted keys or number of keys would make parsing expensive.

    One linear pass over the special characters, outside strings and comments; it stops at the first excess.
    """
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ScenarioError(Message(N_("{source}: file is larger than {size} KiB"), source=source,
                                    size=MAX_FILE_BYTES // 1024))
    stack: list[str] = []
    key_mode, header, parts, keys = True, False, 1, 0
    pos, n = 0, len(text)
    while True:
        m = _TOKENS.search(text, pos)
        if m is None:
            return
        tok, pos = m.group(), m.end()
        if tok in ('"""', "'''"):
            end = text.find(tok, pos)
            while end != -1 and tok == '"""' and _escaped(text, end):
                end = text.find(tok, end + 1)
            pos = n if end == -1 else end + 3
        elif tok in ('"', "'"):
            end, nl = pos, text.find("\n", pos)
            while True:
                end = text.find(tok, end)
                if end == -1 or (nl != -1 and nl < end):
                    pos = n if nl == -1 else nl  # unterminated: tomllib reports it
                    break
                if tok == '"' and _escaped(text, end):
                    end += 1
                    continue
                pos = end + 1
                break
        elif tok == "#":
            nl = text.find("\n", pos)
            pos = n if nl == -1 else nl
        elif tok == "\n":
            if not stack:
                key_mode, header, parts = True, False, 1
        elif tok == ".":
            if key_mode or header:
                parts += 1
                if parts > MAX_KEY_PARTS:
                    raise ScenarioError(Message(N_("{source}: a dotted key or table name has more than {most} "
                                                   "parts"), source=source, most=MAX_KEY_PARTS))
        elif tok == "=":
            if key_mode and not header:
                keys += 1
                if keys > MAX_KEYS:
                    raise ScenarioError(Message(N_("{source}: more than {most} keys"), source=source,
                                                most=i18n.Count(MAX_KEYS)))
                key_mode, parts = False, 1
        elif tok == "[":
            if key_mode and not stack:
                if not header:  # [table] or [[array of tables]]: a key too
                    keys += 1
                    if keys > MAX_KEYS:
                        raise ScenarioError(Message(N_("{source}: more than {most} keys"), source=source,
                                                most=i18n.Count(MAX_KEYS)))
                header = True
            else:
                _push(stack, "[", source)
                key_mode = False
        elif tok == "]":
            if header and not stack:
                continue
            if stack:
                stack.pop()
        elif tok == "{":
            _push(stack, "{", source)
            key_mode, parts = True, 1
        elif tok == "}":
            if stack:
                stack.pop()
            key_mode = False
        elif tok == ",":
            if stack and stack[-1] == "{":
                key_mode, parts = True, 1


def _escaped(text: str, i: int) -> bool:
    """Whether the character at ``i`` is escaped by an odd run of backslashes."""
    k = i - 1
    while k >= 0 and text[k] == "\\":
        k -= 1
    return (i - 1 - k) % 2 == 1


def _push(stack: list[str], ch: str, source: str) -> None:
    stack.append(ch)
    if len(stack) > MAX_NESTING:
        raise ScenarioError(Message(N_("{source}: arrays or inline tables nested deeper than {most} levels"),
                                    source=source, most=MAX_NESTING))


#: tomllib's messages (a small fixed set), as translatable templates of its own English; the quoted character or
#: key stays as tomllib wrote it.
TOML_MESSAGES = {
    "Invalid statement": N_("Invalid statement"),
    "Expected newline or end of document after a statement": N_("Expected newline or end of document after a "
                                                                "statement"),
    "Cannot overwrite a value": N_("Cannot overwrite a value"),
    "Expected ']' at the end of a table declaration": N_("Expected ']' at the end of a table declaration"),
    "Expected ']]' at the end of an array declaration": N_("Expected ']]' at the end of an array declaration"),
    "Expected '=' after a key in a key/value pair": N_("Expected '=' after a key in a key/value pair"),
    "Invalid initial character for a key part": N_("Invalid initial character for a key part"),
    "Unclosed array": N_("Unclosed array"),
    "Unclosed inline table": N_("Unclosed inline table"),
    "Unescaped '\\' in a string": N_("Unescaped '\\' in a string"),
    "Invalid hex value": N_("Invalid hex value"),
    "Escaped character is not a Unicode scalar value": N_("Escaped character is not a Unicode scalar value"),
    "Unterminated string": N_("Unterminated string"),
    "Invalid date or datetime": N_("Invalid date or datetime"),
    "Invalid value": N_("Invalid value"),
}
#: tomllib's messages that name a character or key: pattern -> template with ``{what}``.
TOML_PATTERNS = [
    (re.compile(r"Expected (.+)"), N_("Expected {what}")),
    (re.compile(r"Found invalid character (.+)"), N_("Found invalid character {what}")),
    (re.compile(r"Illegal character (.+)"), N_("Illegal character {what}")),
    (re.compile(r"Cannot declare (.+) twice"), N_("Cannot declare {what} twice")),
    (re.compile(r"Cannot mutate immutable namespace (.+)"), N_("Cannot mutate immutable namespace {what}")),
    (re.compile(r"Cannot redefine namespace (.+)"), N_("Cannot redefine namespace {what}")),
    (re.compile(r"Duplicate inline table key (.+)"), N_("Duplicate inline table key {what}")),
]
_TOML_WHERE = re.compile(r"^(?P<problem>.*?) \((?:at line (?P<line>\d+), column (?P<column>\d+)|(?P<end>at end of "
                         r"document))\)$", re.DOTALL)


def toml_problem(exc: tomllib.TOMLDecodeError) -> Message | str:
    """tomllib's message as a :class:`Message` (English as tomllib wrote it, shown in the app's language with the
    line and column); a message tomllib may add in a later Python is kept as it is."""
    text = clean(str(exc.args[0]) if exc.args else str(exc))
    where = _TOML_WHERE.match(text)
    if where is None:
        return text
    said = where["problem"]
    problem: Message | str = Message(TOML_MESSAGES[said]) if said in TOML_MESSAGES else said
    if said not in TOML_MESSAGES:
        for pattern, template in TOML_PATTERNS:
            found = pattern.fullmatch(said)
            if found:
                problem = Message(template, what=found[1])
                break
    if where["end"]:
        shown = Message(N_("{problem} (at end of document)"), problem=problem)
    else:
        shown = Message(N_("{problem} (at line {line}, column {column})"), problem=problem,
                        line=where["line"], column=where["column"])
    return shown if shown == text else text


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """TOML text -> data, capped (:func:`check_text`) and with every key and string length checked."""
    check_text(text, source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(Message(N_("{source}: malformed TOML: {problem}"), source=source,
                                    problem=toml_problem(exc))) from None
    except RecursionError:  # the caps above make this unreachable; kept as a last line of defence
        raise ScenarioError(f"{source}: nested too deeply") from None
    check_lengths(data, source)
    return data


def check_lengths(value: Any, source: str, where: str = "") -> None:
    """Every key at most MAX_NAME_CHARS long, every string at most MAX_STRING_CHARS, every number finite."""
    if isinstance(value, dict):
        for key, item in value.items():
            if len(key) > MAX_NAME_CHARS:
                raise ScenarioError(Message(N_("{source}: {field}: names are at most {most} characters"),
                                            source=source, field=f"{where}{show(key, 30)}", most=MAX_NAME_CHARS))
            check_lengths(item, source, f"{where}{key}.")
    elif isinstance(value, list):
        for item in value:
            check_lengths(item, source, where)
    elif isinstance(value, str) and len(value) > MAX_STRING_CHARS:
        raise ScenarioError(Message(N_("{source}: {field}: text is longer than {most} characters"), source=source,
                                    field=where.rstrip('.') or 'value', most=i18n.Count(MAX_STRING_CHARS)))


def read_text(path: str | Path, what: str = "scenario file") -> str:
    """The UTF-8 text of a user's file: the path is checked and the size capped before reading."""
    name = str(path)
    if "\x00" in name:
        raise ScenarioError(f"{what} {show(name)}: a path cannot contain a NUL character")
    if len(name) > MAX_PATH_CHARS or any(len(part) > 255 for part in Path(name).parts):
        raise ScenarioError(f"{what} {show(name)}: path is too long (at most {MAX_PATH_CHARS} characters, "
                            "255 per folder or file name)")
    p = Path(name)
    try:
        if not p.is_file():
            raise ScenarioError(f"{what} {show(name)} does not exist")
        size = p.stat().st_size
    except OSError as exc:
        raise ScenarioError(f"{what} {show(name)}: cannot read: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise ScenarioError(f"{show(name)}: file is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        with p.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"{what} {show(name)}: cannot read: {exc.strerror}") from None
    return decode(data, show(name))


def decode(data: bytes, source: str) -> str:
    """Uploaded or read bytes as UTF-8 text, size-capped."""
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(Message(N_("{source}: file is larger than {size} KiB"), source=source,
                                    size=MAX_FILE_BYTES // 1024))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(Message(N_("{source}: not a UTF-8 text file (expected a TOML scenario)"),
                                    source=source)) from None


def read_toml(path: str | Path, what: str = "scenario file") -> dict[str, Any]:
    """A user's TOML file as data, through every cap."""
    return parse_toml(read_text(path, what), show(str(path)))


# ---------------------------------------------------------------- --set overrides


def parse_value(text: str) -> Any:
    """A TOML value (number, bool, string, array, inline table); bare words are strings."""
    if len(text) > MAX_VALUE_CHARS:
        raise ScenarioError(f"value {show(text)}: longer than {MAX_VALUE_CHARS:,} characters")
    try:
        return parse_toml(f"v = {text}", "value")["v"]
    except ScenarioError as exc:
        if "malformed TOML" in str(exc):
            return text
        raise ScenarioError(f"value {show(text)}: {str(exc).removeprefix('value: ')}") from None


def check_path(path: str, what: str = "override") -> list[str]:
    """A dotted path's parts, capped in length and depth."""
    shown = clean(path if len(path) <= 80 else path[:77] + "...")
    if len(path) > MAX_KEY_PARTS * (MAX_NAME_CHARS + 1) or path.count(".") >= MAX_KEY_PARTS:
        raise ScenarioError(f"{what} {shown}: a path has at most {MAX_KEY_PARTS} parts of at most "
                            f"{MAX_NAME_CHARS} characters")
    parts = path.split(".")
    if any(not p for p in parts):
        raise ScenarioError(f"{what} {shown}: empty part in the path; use dots between names, e.g. "
                            "departments.sales.alignment")
    if any(len(p) > MAX_NAME_CHARS for p in parts):
        raise ScenarioError(f"{what} {shown}: names are at most {MAX_NAME_CHARS} characters")
    return parts


def parse_override(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` -> (path, value)."""
    if "=" not in text:
        raise ScenarioError(Message(N_("override {text}: expected PATH=VALUE, e.g. {example}"), text=show(text),
                                    example="departments.sales.alignment=0.9"))
    path, value = text.split("=", 1)
    path = path.strip()
    if not path:
        raise ScenarioError(Message(N_("override {text}: empty path"), text=show(text)))
    check_path(path)
    return path, parse_value(value.strip())


def path_problem(data: dict[str, Any], parts: list[str], free: Iterable[str] = ()) -> Message | None:
    """What ``data`` lacks for a dotted path (its parts), with what it has there; None when the path exists or
    may be added (new keys only under the mappings named in ``free``)."""
    node: Any = data
    for depth, part in enumerate(parts):
        parent = parts[depth - 1] if depth else ""
        here = ".".join(parts[:depth]) or "scenario"
        if not isinstance(node, dict):
            return Message(N_("{here} is a value, not a table"), here=here)
        if part not in node and parent not in free:
            what = {"departments": N_("unknown department"), "teams": N_("unknown team"),
                    "kinds": N_("unknown kind")}.get(parent, N_("unknown field"))
            return Message(N_("{unknown} {name} in {here}; allowed: {allowed}"), unknown=Message(what),
                           name=show(part), here=here, allowed=", ".join(map(str, node)))
        node = {} if node.get(part) is None else node[part]
    return None


def set_path(data: dict[str, Any], path: str, value: Any, free: Iterable[str] = ()) -> None:
    """Set ``data`` at a dotted path. New keys may be added only under the mappings named in ``free``
    (their keys are names chosen by the user, e.g. team names in ``requests``)."""
    parts = check_path(path)
    problem = path_problem(data, parts, set(free))
    if problem is not None:
        raise ScenarioError(Message(N_("override {path}: {problem}"), path=clean(path), problem=problem))
    node: Any = data
    for part in parts[:-1]:
        if node.get(part) is None:
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``, merging nested tables key by key."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# ---------------------------------------------------------------- pydantic errors as one line


#: Pydantic's messages the app shows, by error type, as translatable templates of pydantic's own English (a
#: message whose English differs from pydantic's, e.g. after a pydantic upgrade, is shown as pydantic wrote it).
PYDANTIC_MESSAGES = {
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "greater_than": N_("Input should be greater than {gt}"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "float_type": N_("Input should be a valid number"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_type": N_("Input should be a valid integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "bool_type": N_("Input should be a valid boolean"),
    "string_type": N_("Input should be a valid string"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "literal_error": N_("Input should be {expected}"),
    "missing": N_("Field required"),
    "string_too_long": N_("String should have at most {max_length} characters"),
    "string_too_short": N_("String should have at least {min_length} characters"),
    "too_long": N_("{field_type} should have at most {max_length} items after validation, not {actual_length}"),
    "too_short": N_("{field_type} should have at least {min_length} items after validation, not {actual_length}"),
}
#: What pydantic calls a collection in its messages (``field_type``), translated where shown.
PYDANTIC_TYPES = {"List": N_("List"), "Dictionary": N_("Dictionary"), "Tuple": N_("Tuple"), "Set": N_("Set")}


def _problem(err: dict, table: type[BaseModel] | None, last: Any) -> str:
    """What is wrong with one field, as a Message when it can be shown in other languages."""
    kind, ctx = err["type"], err.get("ctx") or {}
    msg = clean(err["msg"].removeprefix("Value error, "))
    if kind == "extra_forbidden":
        allowed = list(table.model_fields) if table is not None else []
        return Message(N_("unknown field; allowed: {allowed}"), allowed=", ".join(allowed)) if allowed \
            else Message(N_("unknown field"))
    if kind == "finite_number":
        return Message(N_("must be a finite number (not nan or inf)"))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = _unwrap(last)[1] or {}
        disc = ctx.get("discriminator", "tag").strip("'")
        return Message(N_("unknown or missing {field}; allowed: {allowed}"), field=disc, allowed=", ".join(tags))
    if kind == "value_error" and isinstance(getattr(ctx.get("error"), "args", [None])[0], Message):
        shown = ctx["error"].args[0]  # a validator's message made translatable (sim.scenario)
        return shown if clean(shown) == msg else msg
    if kind in PYDANTIC_MESSAGES:
        try:
            fields = {k: clean(str(_as_pydantic_writes(v))) for k, v in ctx.items()}
            if fields.get("field_type") in PYDANTIC_TYPES:
                fields["field_type"] = Message(PYDANTIC_TYPES[fields["field_type"]])
            if kind == "literal_error" and " or " in fields.get("expected", ""):  # 'a', 'b' or 'c'
                some, last = fields["expected"].rsplit(" or ", 1)
                fields["expected"] = Message(N_("{some} or {last}"), some=some, last=last)
            shown = Message(PYDANTIC_MESSAGES[kind], **fields)
        except (KeyError, IndexError, ValueError):
            return msg
        return shown if clean(shown) == msg else msg
    return msg


def _as_pydantic_writes(value: Any) -> Any:
    """A bound as pydantic writes it in a message (``1`` for ``1.0``); values stay in the file's notation."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def format_validation_error(exc: ValidationError, schema: type[BaseModel]) -> Message:
    """One readable line: for each problem (at most a few) the dotted field, what is wrong and what is allowed.

    Discriminated-union tags that pydantic puts in the location (``departments.sales.sales.alignment``) are
    dropped; an unknown field lists the fields the table at its location allows. The line is English; the app
    shows it in its language (``sim.i18n.shown``), field names and allowed values as they are."""
    lines: list = [Message("{field}: {problem}", field=field, problem=problem) if field else problem
                   for field, problem in validation_problems(exc, schema, MAX_REPORTED_ERRORS)]
    if exc.error_count() > MAX_REPORTED_ERRORS:
        lines.append(Message(N_("and {n} more problem(s)"), n=exc.error_count() - MAX_REPORTED_ERRORS))
    return i18n.joined("; ", lines)


def validation_problems(exc: ValidationError, schema: type[BaseModel],
                        limit: int = MAX_REPORTED_ERRORS) -> list[tuple[str, str]]:
    """The first ``limit`` problems of a validation error as (dotted field without union tags, what is wrong with
    the allowed values): for importers that report a problem where the user typed it (a sheet, row and column)."""
    out = []
    for err in exc.errors(include_url=False, include_input=False)[:limit]:
        loc, table, last = _walk(schema, [str(p) for p in err["loc"]])
        out.append((".".join(clean(p) for p in loc), _problem(err, table, last)))
    return out


def _walk(schema: type[BaseModel], loc: list[str]) -> tuple[list[str], type[BaseModel] | None, Any]:
    """The location without union tags, the model whose fields hold its last part (for unknown fields), and the
    annotation there."""
    out: list[str] = []
    ann: Any = schema
    owner: type[BaseModel] | None = None
    for part in loc:
        ann, tags = _unwrap(ann)
        if tags is not None and part in tags:  # a union tag, not a field
            ann = tags[part]
            continue
        out.append(part)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            owner = ann
            field = ann.model_fields.get(part)
            ann = field.annotation if field is not None else None
            if field is not None and field.discriminator:
                ann = Annotated[ann, field]
        elif get_origin(ann) is dict:
            owner, ann = None, get_args(ann)[1]
        elif get_origin(ann) in (list, tuple):
            owner, ann = None, get_args(ann)[0] if get_args(ann) else None
        else:
            owner, ann = None, None
    last, _ = _unwrap(ann)
    table = last if isinstance(last, type) and issubclass(last, BaseModel) else owner
    return out, table, ann


def _unwrap(ann: Any) -> tuple[Any, dict[str, Any] | None]:
    """An annotation without Annotated/Optional; for a discriminated union, its tag -> member model."""
    discriminator = None
    while get_origin(ann) is Annotated:
        args = get_args(ann)
        for meta in args[1:]:
            discriminator = getattr(meta, "discriminator", None) or discriminator
        ann = args[0]
    if get_origin(ann) is Union or type(ann).__name__ == "UnionType":
        members = [a for a in get_args(ann) if a is not type(None)]
        if discriminator and all(isinstance(m, type) and issubclass(m, BaseModel) for m in members):
            tags = {}
            for m in members:
                for tag in get_args(m.model_fields[discriminator].annotation):
                    tags[str(tag)] = m
            return ann, tags
        if len(members) == 1:
            return members[0], None
    return ann, None


# ---------------------------------------------------------------- writing TOML


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return _toml_string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _toml_string(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _key(k: str) -> str:
    return k if k and re.fullmatch(r"[A-Za-z0-9_-]+", k) else _toml_string(k)


def dumps_toml(data: dict[str, Any], inline: Iterable[str] = (), prefix: str = "") -> str:
    """TOML for nested dicts: sub-tables become ``[tables]``; mappings named in ``inline`` (free mappings such as
    requests and effects) are written inline."""
    inline = frozenset(inline)

    def is_table(key: str, value: Any) -> bool:
        return isinstance(value, dict) and key not in inline

    scalars = {k: v for k, v in data.items() if not is_table(k, v)}
    tables = {k: v for k, v in data.items() if is_table(k, v)}
    out = "\n".join(f"{_key(k)} = {_toml_value(v)}" for k, v in scalars.items())
    for k, v in tables.items():
        name = f"{prefix}.{_key(k)}" if prefix else _key(k)
        body = dumps_toml(v, inline, name)
        if any(not is_table(x, y) for x, y in v.items()) or not v:
            body = f"[{name}]\n" + body
        out += ("\n\n" if out else "") + body
    return out.strip() + ("\n" if not prefix else "")


# ---------------------------------------------------------------- scenarios


def _scenario_dir() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "scenarios"  # a pip-installed package carries the presets as sim/scenarios
    return installed if installed.is_dir() else here.parent / "scenarios"


SCENARIO_DIR = _scenario_dir()


def bundled_scenarios(model: str | None = None) -> dict[str, Path]:
    """Bundled scenario name -> file; with ``model``, only the presets of that model."""
    found = {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}
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


def load_scenario(name_or_path: str | Path, overrides: dict[str, Any] | None = None,
                  extends_anywhere: bool = False) -> ScenarioBase:
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
    data = parse_toml(text, source)
    parent = data.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str) or parent not in bundled_scenarios():
            raise ScenarioError(Message(N_("{source}: extends: unknown scenario {name}; an upload may extend a "
                                           "bundled scenario: {allowed}"), source=source, name=show(parent),
                                        allowed=", ".join(bundled_scenarios())))
        data = deep_merge(_resolve(parent, (), False), data)
    return validate(data, source=source)


def scenario_from_bytes(data: bytes, source: str = "<upload>") -> ScenarioBase:
    """A scenario from uploaded bytes: size-checked, UTF-8 decoded, parsed and validated; nothing is executed."""
    source = clean(source)
    return scenario_from_toml(decode(data, source), source)


def _locate(name_or_path: str | Path) -> Path:
    bundled = bundled_scenarios()
    if isinstance(name_or_path, str) and name_or_path in bundled:
        return bundled[name_or_path]
    name = str(name_or_path)
    if name.endswith(".toml") or "/" in name or "\\" in name:
        return Path(name)  # read_text checks its length, NUL characters and existence, one message each
    raise ScenarioError(f"unknown scenario {show(name)}; bundled scenarios: {', '.join(bundled)} "
                        "(or give a path to a .toml file)")


def _resolve(name_or_path: str | Path, seen: tuple[Path, ...], extends_anywhere: bool) -> dict[str, Any]:
    if len(seen) > MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"extends: a chain of more than {MAX_EXTENDS_DEPTH} files; flatten it")
    path = _locate(name_or_path)
    data = read_toml(path)
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
                raise ScenarioError(f"{where}: extends: {show(parent)} is outside the folder of {where}; allowed: "
                                    f"a bundled scenario ({', '.join(bundled_scenarios())}) or a file in that "
                                    "folder (alignsim --extends-anywhere allows others)")
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
        raise ScenarioError(Message(N_("{source}: model: unknown model {name}; registered: {allowed}"),
                                    source=source, name=show(name), allowed=", ".join(SCHEMAS)))
    return SCHEMAS[name]()


def validate(data: dict[str, Any], source: str) -> ScenarioBase:
    """File data -> a scenario of the model it names, completed with that model's defaults and validated."""
    schema = schema_for(data, source)
    return validate_as(schema, data, source)


def validate_as(schema: type[ScenarioBase], data: dict[str, Any], source: str) -> ScenarioBase:
    """``data`` completed and validated as ``schema``; a ScenarioError names the fields and allowed values."""
    try:
        return schema.model_validate(schema.complete(data))
    except ValidationError as exc:
        raise ScenarioError(Message("{source}: {problem}", source=source,
                                    problem=format_validation_error(exc, schema))) from None
    except (ValueError, TypeError, RecursionError) as exc:  # complete() on data of the wrong shape
        raise ScenarioError(f"{source}: {exc}") from None


def apply_overrides(scenario: ScenarioBase, overrides: dict[str, Any]) -> ScenarioBase:
    """A new scenario with dotted-path values replaced, validated as a whole against its own schema."""
    data = scenario.model_dump(mode="python")
    for path, value in overrides.items():
        if not isinstance(path, str):
            raise ScenarioError(f"override {show(path)}: a path is text, e.g. departments.sales.alignment")
        if path in type(scenario).file_only:
            raise ScenarioError(Message(N_("override {path}: it says how to read the scenario file itself, so it "
                                           "can be set in the file only (true or false)"), path=path))
        set_path(data, path, value, type(scenario).free_mappings)
    return validate_as(type(scenario), data, "overrides")
