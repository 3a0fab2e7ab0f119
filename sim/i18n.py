"""The language of user-facing text and numbers: English (the source language) and Danish.

Text goes through standard gettext catalogues (``sim/locales/<lang>/LC_MESSAGES/alignsim.po``, edited and checked
with Babel); numbers, percentages and money are formatted per locale by Babel (Danish: ``37,1 %``,
``1.234.567 €``). The language is held per context (a Streamlit session's script run, a CLI call), so two
browser sessions in two languages do not disturb each other.

- ``_("text")`` translates now; ``N_("text")`` only marks text in a registry for extraction (translate it with
  ``_`` where it is shown).
- ``language("da")`` is a context manager; ``set_language("da")`` sets it for the rest of the current context.
- In the app, ``common.language_switch()`` (the sidebar control) sets it at the top of a page, before any
  text; a live fragment calls ``resume(st.session_state)`` first.
- ``number``, ``percent``, ``money``, ``figure`` (a general number, as ``sim.metrics.format_number`` but per
  locale) and ``date`` format per locale.

Adding text: wrap it in ``_()`` (or ``N_()`` in a registry), run ``make messages`` (Babel extracts every marked
string of the source tree and the presets' descriptions into ``sim/locales/alignsim.pot`` and updates the Danish
catalogue), translate the new entries in ``sim/locales/da/LC_MESSAGES/alignsim.po``; ``tests/test_i18n.py`` fails
until every entry has a Danish translation with the same placeholders and no entry is stale.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages import mofile, pofile

#: Language codes offered to users, with their names in their own language.
LANGUAGES: dict[str, str] = {"en": "English", "da": "Dansk"}
DEFAULT = "en"
#: The Babel locale behind each language (number and date formats).
LOCALES: dict[str, str] = {"en": "en_GB", "da": "da_DK"}
DOMAIN = "alignsim"
LOCALE_DIR = Path(__file__).parent / "locales"

_current: ContextVar[str] = ContextVar("alignsim_language", default=DEFAULT)


class LanguageError(ValueError):
    """An unknown language code; the message names the allowed ones."""


def check(code: str) -> str:
    """``code`` if it is an offered language; otherwise a LanguageError naming the allowed codes."""
    if code not in LANGUAGES:
        raise LanguageError(f"language: {code!r} is not offered; allowed: {', '.join(LANGUAGES)}")
    return code


def current() -> str:
    """The language of the current context."""
    return _current.get()


def set_language(code: str) -> None:
    """Use ``code`` for the rest of the current context (a script run, a CLI call)."""
    _current.set(check(code))


def resume(session: Mapping[str, object], key: str = "lang") -> str:
    """Use the language a session holds (``st.session_state``, where ``common.language_switch`` keeps it) for
    the rest of this context, English when it holds none. A Streamlit fragment's rerun (``st.fragment``) is a
    script run of its own, so a fragment that shows text starts with ``resume(st.session_state)``."""
    code = session.get(key)
    set_language(code if code in LANGUAGES else DEFAULT)
    return current()


@contextmanager
def language(code: str) -> Iterator[str]:
    """Use ``code`` inside the ``with`` block, then restore the previous language."""
    token = _current.set(check(code))
    try:
        yield code
    finally:
        _current.reset(token)


@cache
def translations(code: str) -> gettext.NullTranslations:
    """The gettext translations for ``code``, compiled in memory from its ``.po`` catalogue (English, the source
    language, and a language without a catalogue translate to themselves)."""
    path = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if code == DEFAULT or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as f:
        catalog = pofile.read_po(f, locale=code, domain=DOMAIN)
    buf = io.BytesIO()
    mofile.write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language."""
    return translations(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (for registries built at import)."""
    return message


def locale() -> str:
    """The Babel locale of the current language."""
    return LOCALES[current()]


def _nan(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)


def number(value: float | None, digits: int = 0) -> str:
    """``value`` with the locale's thousands and decimal separators and ``digits`` decimals; "—" when undefined."""
    if value is None or _nan(value):
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return numbers.format_decimal(value, format=pattern, locale=locale())


def percent(share: float | None, digits: int = 1) -> str:
    """A share (0.371) as a percentage in the locale's style (``37.1%``, ``37,1 %``); "—" when undefined."""
    if share is None or _nan(share):
        return "—"
    pattern = _with_digits(Locale.parse(locale()).percent_formats[None].pattern, digits)
    return numbers.format_percent(share, format=pattern, locale=locale())


def money(value: float | None, currency: str = "EUR", digits: int = 0) -> str:
    """An amount with its currency in the locale's style (``€1,234,567``; Danish ``1.234.567 €``,
    ``1.234.567 kr.``); "—" when undefined."""
    if value is None or _nan(value):
        return "—"
    pattern = _with_digits(Locale.parse(locale()).currency_formats["standard"].pattern, digits)
    return numbers.format_currency(value, currency, format=pattern, locale=locale(), currency_digits=False)


def figure(value: float | None, digits: int = 4) -> str:
    """A number for people in the locale's style: thousands with separators and no decimals, smaller values to
    ``digits`` significant digits (``1.234``, ``0,4567``); "—" when undefined (as ``sim.metrics.format_number``)."""
    if value is None or _nan(value):
        return "—"
    if abs(value) >= 1000:
        return number(value, 0)
    text = f"{value:.{digits}g}"
    if "e" in text:
        return numbers.format_scientific(value, locale=locale())
    decimals = len(text.split(".")[1]) if "." in text else 0
    return number(float(text), decimals)


def date(when: dt.date) -> str:
    """A date in words (``25 November 2026``, ``25. november 2026``)."""
    return dates.format_date(when, "long", locale=locale())


def language_name(code: str) -> str:
    """The name of an offered language in that language (``Dansk``), as on the language switch."""
    return LANGUAGES[check(code)]


#: Languages as named in running text, in the current language (``in English``, ``på dansk``).
IN_TEXT = {"en": N_("English"), "da": N_("Danish")}


def language_in_text(code: str) -> str:
    """An offered language named in a sentence of the current language (``Danish``, ``dansk``)."""
    return _(IN_TEXT[check(code)])


def vega_locale(currency: str = "EUR") -> dict | None:
    """The number format of the current language for Vega-Lite charts (``chart.configure(locale=...)``: axis
    labels and tooltips with ``0,5`` and ``1.234``, money in ``currency``, the model's); None for English, Vega's
    own."""
    if current() == DEFAULT:
        return None
    symbols = Locale.parse(locale())
    return {
        "number": {
            "decimal": numbers.get_decimal_symbol(symbols),
            "thousands": numbers.get_group_symbol(symbols),
            "grouping": [3],
            "currency": ["", "\u00a0" + numbers.get_currency_symbol(currency, symbols)],
            "percent": "\u00a0%",
        }
    }


def extract_toml(fileobj, keywords, comment_tags, options):
    """A Babel extractor for the bundled scenarios: their ``description`` (a preset's story) is a message, shown
    translated with ``_(scenario.description)``."""
    import tomllib

    text = fileobj.read().decode("utf-8")
    data = tomllib.loads(text)
    story = data.get("description")
    if isinstance(story, str) and story:
        lineno = next((i for i, line in enumerate(text.splitlines(), 1) if line.startswith("description")), 1)
        yield lineno, "_", story, ["preset story"]


def _with_digits(pattern: str, digits: int) -> str:
    """A locale's number pattern (``#,##0.00 ¤``, ``#,##0 %``) with exactly ``digits`` decimals."""
    pattern = re.sub(r"(0)\.0+", r"\1", pattern)
    return re.sub(r"0(?=[^0#,.]*$)", "0" + ("." + "0" * digits if digits > 0 else ""), pattern, count=1)


class Count(int):
    """A whole number in a :class:`Message`: ``10,000`` in English, ``10.000`` in Danish."""


class Decimal(float):
    """A number with ``digits`` decimals in a :class:`Message`: ``4.2`` in English, ``4,2`` in Danish."""

    digits: int

    def __new__(cls, value: float, digits: int = 0):
        self = super().__new__(cls, value)
        self.digits = digits
        return self

    def __reduce__(self):
        return Decimal, (float(self), self.digits)


class Message(str):
    """A message (e.g. a validation error) that is its English text, so ``str()``, logs and the CLI stay English,
    and that :func:`shown` writes in the current language (the app's). The template is marked with ``N_``; field
    names, codes and allowed values are passed as fields, so they stay as they are in every language::

        Message(N_("{field}: unknown metric {value}; allowed: {allowed}"), field=..., value=..., allowed=...)

    A field that is itself a Message is shown in the current language too; a :class:`Count` or :class:`Decimal` in
    its number style.
    """

    template: str
    fields: dict

    def __new__(cls, template: str, **fields):
        english = template.format(**{k: _english(v) for k, v in fields.items()})
        self = super().__new__(cls, english)
        self.template, self.fields = template, fields
        return self

    def shown(self) -> str:
        return _(self.template).format(**{k: shown(v) for k, v in self.fields.items()})

    def __reduce__(self):  # pickled (e.g. from a worker process) with its template and fields
        return _message, (self.template, self.fields)


def _message(template: str, fields: dict) -> Message:
    return Message(template, **fields)


def _english(value) -> str:
    if isinstance(value, Count):
        return f"{int(value):,}"
    if isinstance(value, Decimal):
        return f"{float(value):,.{value.digits}f}"
    return str(value)  # a Message is its English text


def shown(text) -> str:
    """``text`` (a :class:`Message`, or an exception whose message is one) in the current language; any other text
    as it is."""
    if isinstance(text, BaseException):
        text = getattr(text, "message", None) or (text.args[0] if text.args else str(text))
    if isinstance(text, Message):
        return text.shown()
    if isinstance(text, Count):
        return number(int(text))
    if isinstance(text, Decimal):
        return number(float(text), text.digits)
    return str(text)


def joined(separator: str, parts: list) -> Message:
    """Messages joined by ``separator`` as one Message (each part shown in the current language)."""
    template = separator.join("{p" + str(i) + "}" for i in range(len(parts)))
    return Message(template, **{f"p{i}": part for i, part in enumerate(parts)})
