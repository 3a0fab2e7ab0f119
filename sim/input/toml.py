"""TOML text in and out: capped before parsing, tomllib's problems in words, and scenario data written back."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import i18n
from sim.i18n import N_, Message
from sim.input.errors import (
    MAX_FILE_BYTES,
    MAX_KEY_PARTS,
    MAX_KEYS,
    MAX_NAME_CHARS,
    MAX_NESTING,
    MAX_STRING_CHARS,
    ScenarioError,
    check_file_path,
    clean,
    show,
)
from sim.input.names import name_problem

if TYPE_CHECKING:
    pass


# ---------------------------------------------------------------- TOML text, capped before parsing


_TOKENS = re.compile(r'"""|\'\'\'|["\'#\[\]{}=,.\n]')


def check_text(text: str, source: str) -> None:
    """Refuse TOML text whose size, nesting, dotted keys or number of keys would make parsing expensive.

    One linear pass over the special characters, outside strings and comments; it stops at the first excess.
    """
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ScenarioError(
            Message(N_("{source}: file is larger than {size} KiB"), source=source, size=MAX_FILE_BYTES // 1024)
        )
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
                    raise ScenarioError(
                        Message(
                            N_("{source}: a dotted key or table name has more than {most} parts"),
                            source=source,
                            most=MAX_KEY_PARTS,
                        )
                    )
        elif tok == "=":
            if key_mode and not header:
                keys += 1
                if keys > MAX_KEYS:
                    raise ScenarioError(
                        Message(N_("{source}: more than {most} keys"), source=source, most=i18n.Count(MAX_KEYS))
                    )
                key_mode, parts = False, 1
        elif tok == "[":
            if key_mode and not stack:
                if not header:  # [table] or [[array of tables]]: a key too
                    keys += 1
                    if keys > MAX_KEYS:
                        raise ScenarioError(
                            Message(N_("{source}: more than {most} keys"), source=source, most=i18n.Count(MAX_KEYS))
                        )
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
        elif tok == "," and stack and stack[-1] == "{":
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
        raise ScenarioError(
            Message(
                N_("{source}: arrays or inline tables nested deeper than {most} levels"),
                source=source,
                most=MAX_NESTING,
            )
        )


#: tomllib's messages (a small fixed set), as translatable templates of its own English; the quoted character or
#: key stays as tomllib wrote it.
TOML_MESSAGES = {
    "Invalid statement": N_("Invalid statement"),
    "Expected newline or end of document after a statement": N_(
        "Expected newline or end of document after a statement"
    ),
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
_TOML_WHERE = re.compile(
    r"^(?P<problem>.*?) \((?:at line (?P<line>\d+), column (?P<column>\d+)|(?P<end>at end of "
    r"document))\)$",
    re.DOTALL,
)


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
        shown = Message(
            N_("{problem} (at line {line}, column {column})"),
            problem=problem,
            line=where["line"],
            column=where["column"],
        )
    return shown if shown == text else text


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """TOML text -> data, capped (:func:`check_text`) and with every key and string length checked."""
    check_text(text, source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(
            Message(N_("{source}: malformed TOML: {problem}"), source=source, problem=toml_problem(exc))
        ) from None
    except RecursionError:  # the caps above make this unreachable; kept as a last line of defence
        raise ScenarioError(f"{source}: nested too deeply") from None
    check_lengths(data, source)
    return data


#: Tables whose keys name units (their names are checked by ``sim.input.names``).
UNIT_TABLES = ("departments.", "teams.")


def check_lengths(value: Any, source: str, where: str = "") -> None:
    """Every key at most MAX_NAME_CHARS long, every string at most MAX_STRING_CHARS, every number finite; the names
    of departments and teams in normal form and one script (:func:`sim.input.names.name_problem`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if len(key) > MAX_NAME_CHARS:
                raise ScenarioError(
                    Message(
                        N_("{source}: {field}: names are at most {most} characters"),
                        source=source,
                        field=f"{where}{show(key, 30)}",
                        most=MAX_NAME_CHARS,
                    )
                )
            if where in UNIT_TABLES:
                problem = name_problem(key)
                if problem is not None:
                    raise ScenarioError(
                        Message(
                            N_("{source}: {field}: {problem}"), source=source, field=where.rstrip("."), problem=problem
                        )
                    )
            check_lengths(item, source, f"{where}{key}.")
    elif isinstance(value, list):
        for item in value:
            check_lengths(item, source, where)
    elif isinstance(value, str) and len(value) > MAX_STRING_CHARS:
        raise ScenarioError(
            Message(
                N_("{source}: {field}: text is longer than {most} characters"),
                source=source,
                field=where.rstrip(".") or "value",
                most=i18n.Count(MAX_STRING_CHARS),
            )
        )


def read_text(path: str | Path, what: str = "scenario file") -> str:
    """The UTF-8 text of a user's file: the path is checked and the size capped before reading."""
    p = check_file_path(path, what)
    name = str(p)
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
        raise ScenarioError(
            Message(N_("{source}: file is larger than {size} KiB"), source=source, size=MAX_FILE_BYTES // 1024)
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(
            Message(N_("{source}: not a UTF-8 text file (expected a TOML scenario)"), source=source)
        ) from None


def read_toml(path: str | Path, what: str = "scenario file") -> dict[str, Any]:
    """A user's TOML file as data, through every cap."""
    return parse_toml(read_text(path, what), show(str(path)))


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
