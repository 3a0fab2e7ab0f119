"""TOML text in and out: capped before parsing, tomllib's problems in words, and scenario data written back."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

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


#: The tokens that shape a TOML text, and the strings and comments in which nothing does: a whole string or comment
#: is one token (an unterminated one runs to the end of its line, or of the text for a multi-line string; tomllib
#: reports it). Every alternative is linear: a character is either a backslash or not.
_TOKENS = re.compile(
    r'"""(?:[^\\]|\\[\s\S])*?"""'  # multi-line basic string
    r"|'''[\s\S]*?'''"  # multi-line literal string
    r'|"(?:[^"\\\n]|\\[^\n])*"'  # basic string
    r"|'[^'\n]*'"  # literal string
    r"|#[^\n]*"  # comment
    r"|\"\"\"[\s\S]*|'''[\s\S]*"  # unterminated multi-line string
    r"|[\"'][^\n]*"  # unterminated string
    r"|[\[\]{}=,.\n]"
)


def check_text(text: str, source: str) -> None:
    """Refuse TOML text whose size, nesting, dotted keys or number of keys would make parsing expensive.

    One linear pass over the special characters, outside strings and comments; it stops at the first excess.
    """
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ScenarioError(
            Message(N_("{source}: file is larger than {size} KiB"), source=source, size=MAX_FILE_BYTES // 1024)
        )
    shape = _Shape(source)
    for token in _TOKENS.finditer(text):
        action = _ACTIONS.get(token.group())
        if action is not None:
            action(shape)


class _Shape:
    """The shape of a TOML text so far: open arrays and inline tables, whether a key is being read (and its dotted
    parts), whether it is a table header, and how many keys there were."""

    def __init__(self, source: str):
        self.source = source
        self.stack: list[str] = []
        self.key_mode, self.header, self.parts, self.keys = True, False, 1, 0

    def newline(self) -> None:
        if not self.stack:
            self.key_mode, self.header, self.parts = True, False, 1

    def dot(self) -> None:
        if self.key_mode or self.header:
            self.parts += 1
            if self.parts > MAX_KEY_PARTS:
                raise ScenarioError(
                    Message(
                        N_("{source}: a dotted key or table name has more than {most} parts"),
                        source=self.source,
                        most=MAX_KEY_PARTS,
                    )
                )

    def key(self) -> None:
        self.keys += 1
        if self.keys > MAX_KEYS:
            raise ScenarioError(
                Message(N_("{source}: more than {most} keys"), source=self.source, most=i18n.Count(MAX_KEYS))
            )

    def equals(self) -> None:
        if self.key_mode and not self.header:
            self.key()
            self.key_mode, self.parts = False, 1

    def open_bracket(self) -> None:
        if self.key_mode and not self.stack:  # [table] or [[array of tables]]: a key too
            if not self.header:
                self.key()
            self.header = True
        else:
            self.push("[")
            self.key_mode = False

    def open_brace(self) -> None:
        self.push("{")
        self.key_mode, self.parts = True, 1

    def close(self) -> None:
        if self.stack:
            self.stack.pop()

    def close_brace(self) -> None:
        self.close()
        self.key_mode = False

    def comma(self) -> None:
        if self.stack and self.stack[-1] == "{":
            self.key_mode, self.parts = True, 1

    def push(self, ch: str) -> None:
        self.stack.append(ch)
        if len(self.stack) > MAX_NESTING:
            raise ScenarioError(
                Message(
                    N_("{source}: arrays or inline tables nested deeper than {most} levels"),
                    source=self.source,
                    most=MAX_NESTING,
                )
            )


_ACTIONS = {
    "\n": _Shape.newline,
    ".": _Shape.dot,
    "=": _Shape.equals,
    "[": _Shape.open_bracket,
    "]": _Shape.close,
    "{": _Shape.open_brace,
    "}": _Shape.close_brace,
    ",": _Shape.comma,
}


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


def dumps_toml(data: dict[str, Any]) -> str:
    """TOML text of ``data`` (tomli-w): nested mappings become ``[tables]``, NaN and infinities TOML's ``nan`` and
    ``inf``; what it writes reads back to the same data through :func:`parse_toml`."""
    return tomli_w.dumps(data)


def toml_value(value: Any) -> str:
    """One value as TOML writes it, on one line (``0.5``, ``"legal"``, ``["legal", "finance"]``)."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return tomli_w.dumps({"v": value})[len("v = ") :].strip()
