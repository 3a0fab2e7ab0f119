"""Names of departments and teams that cannot pass for another name: in Unicode's NFKC normal form, and written in
one script (``Økonomi`` and ``Продажи`` are names; ``ѕales`` with a Cyrillic ``ѕ`` looks exactly like ``sales``
and is refused). Scripts come from the Unicode data that ``confusable_homoglyphs`` ships."""

from __future__ import annotations

import unicodedata

from confusable_homoglyphs import categories

from sim.i18n import N_, Message

#: Scripts that one language writes together (Japanese, Korean), allowed in one name.
ALLOWED_MIXES = (frozenset({"HAN", "HIRAGANA", "KATAKANA"}), frozenset({"HAN", "HANGUL"}))
_NEUTRAL = {"COMMON", "INHERITED", "UNKNOWN"}


def scripts(name: str) -> set[str]:
    """The scripts of the letters of ``name`` (``LATIN``, ``CYRILLIC``, ``HAN``, ...)."""
    found = set()
    for ch in name:
        if ch.isalpha():
            try:
                found.add(categories.alias(ch))
            except (KeyError, IndexError):
                found.add("UNKNOWN")
    return found - _NEUTRAL


def name_problem(name: str) -> Message | None:
    """Why ``name`` could pass for another name, or ``None``."""
    normal = unicodedata.normalize("NFKC", name)
    if normal != name:
        return Message(
            N_("{name} is written with compatibility characters (look-alikes of plain letters); write it as {normal}"),
            name=ascii(name),
            normal=repr(normal),
        )
    found = scripts(name)
    if len(found) > 1 and not any(found <= mix for mix in ALLOWED_MIXES):
        return Message(
            N_("{name} mixes letters of several scripts ({scripts}), so it can look like another name; use one script"),
            name=ascii(name),
            scripts=", ".join(sorted(s.lower() for s in found)),
        )
    return None
