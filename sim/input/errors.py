"""What the input boundary refuses, and how it says so: the caps on outside text and the one-line errors."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import i18n

if TYPE_CHECKING:
    pass


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
    return message[: MAX_MESSAGE_CHARS - 3] + "..." if len(message) > MAX_MESSAGE_CHARS else message


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
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_file_path(path: str | Path, what: str) -> Path:
    """``path`` as a user's file or folder path that the system can take: no NUL, at most ``MAX_PATH_CHARS``
    characters and 255 per part. A ScenarioError (one line, the path shortened) otherwise."""
    name = str(path)
    if "\x00" in name:
        raise ScenarioError(f"{what} {show(name)}: a path cannot contain a NUL character")
    if len(name) > MAX_PATH_CHARS or any(len(part) > 255 for part in Path(name).parts):
        raise ScenarioError(
            f"{what} {show(name)}: path is too long (at most {MAX_PATH_CHARS} characters, 255 per folder or file name)"
        )
    return Path(name)
