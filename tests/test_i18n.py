"""sim.i18n: the Danish catalogue is complete and current for the text marked in the source, placeholders match,
numbers and dates follow the locale, and two contexts (two Streamlit sessions) in two languages never mix."""

import ast
import datetime as dt
import string
import threading
from contextvars import copy_context
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from sim import i18n

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "sim" / "locales" / "da" / "LC_MESSAGES" / "alignsim.po"
TEMPLATE = ROOT / "sim" / "locales" / "alignsim.pot"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def _extracted() -> dict[str | tuple[str, str], list[str]]:
    """Every message Babel extracts from the source tree with the project's babel.cfg -> where it was found."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def extracted():
    return _extracted()


@pytest.fixture(scope="module")
def catalogue():
    with CATALOGUE.open("rb") as f:
        return read_po(f, locale="da")


def _key(message_id):
    return message_id if isinstance(message_id, str) else tuple(message_id)


def test_every_marked_text_has_a_danish_translation(extracted, catalogue):
    missing = []
    for message, where in extracted.items():
        entry = catalogue.get(message[0] if isinstance(message, tuple) else message)
        strings = [] if entry is None else (list(entry.string) if isinstance(entry.string, tuple) else [entry.string])
        if entry is None or entry.fuzzy or not strings or not all(strings):
            missing.append(f"{where[0]}: {message!r}")
    assert not missing, "no Danish translation (run make messages, then translate):\n" + "\n".join(missing)


def test_the_catalogue_has_no_stale_entries(extracted, catalogue):
    current = {_key(m) for m in extracted}
    stale = [m.id for m in catalogue if m.id and _key(m.id) not in current]
    assert not stale, "entries no longer in the source (run make messages):\n" + "\n".join(map(repr, stale))


def test_the_template_is_current(extracted):
    with TEMPLATE.open("rb") as f:
        template = {_key(m.id) for m in read_po(f) if m.id}
    assert template == {_key(m) for m in extracted}, "sim/locales/alignsim.pot is out of date: make messages"


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_placeholders_are_the_same_in_every_translation(catalogue):
    wrong = []
    for m in catalogue:
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        want = set().union(*map(_fields, ids))
        wrong += [f"{ids[0]!r} -> {s!r}" for s in strings if s and _fields(s) != want]
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_babel_sees_every_literal_passed_to_a_translation_function(extracted):
    """A literal in ``_()`` that Babel cannot extract (e.g. inside an f-string on Python 3.11) would stay English
    forever without any test noticing: find every such call with the AST and require Babel to have it."""
    names = {"_", "N_", "ngettext"}
    seen = {m if isinstance(m, str) else m[0] for m in extracted}
    unseen = []
    for path in [
        *(ROOT / "sim").rglob("*.py"),
        *(ROOT / "agents").rglob("*.py"),
        *(ROOT / "ui").rglob("*.py"),
        ROOT / "app.py",
    ]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            first = node.args[0]
            if (
                func in names
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and first.value not in seen
            ):
                unseen.append(f"{path.relative_to(ROOT)}:{node.lineno}: {first.value!r}")
    assert not unseen, "Babel does not extract these (move the call out of the f-string):\n" + "\n".join(unseen)


def test_danish_text_translates_and_english_stays_the_source():
    text = "A shared success criterion that trumps local KPIs"
    with i18n.language("da"):
        danish = i18n._(text)
    assert "succeskriterium" in danish and danish != text
    assert i18n._(text) == text  # the default language is English, whatever another context did


def test_the_three_questions_are_the_articles_own():
    from sim.workshop.report import questions

    with i18n.language("da"):
        asked = questions()
    assert asked == [
        "Er I enige om, hvad produktet er, og hvilken værdi det skal skabe for både bruger og forretning?",
        "Bliver teams målt og styret på outcome, eller primært på leverancer?",
        "Har I data nok til at lære hurtigt nok, og bruger I den læring til at prioritere?",
    ]


def test_plural_forms_follow_the_number():
    with i18n.language("da"):
        assert i18n.ngettext("Seats ({n} person)", "Seats ({n} people)", 1).format(n=1) == "Pladser (1 person)"
        assert i18n.ngettext("Seats ({n} person)", "Seats ({n} people)", 3).format(n=3) == "Pladser (3 personer)"


@pytest.mark.parametrize(
    "lang, percent, money, big, small, day",
    [
        ("da", "37,1 %", "1.234.567 kr.", "1.234.567", "0,4567", "5. marts 2026"),
        ("en", "37.1%", "DKK1,234,567", "1,234,567", "0.4567", "5 March 2026"),
    ],
)
def test_numbers_money_and_dates_follow_the_locale(lang, percent, money, big, small, day):
    """Danish puts a no-break space before % and kr. (so a line never breaks inside a number); it reads as a space."""
    with i18n.language(lang):
        assert i18n.percent(0.371).replace("\xa0", " ") == percent
        assert i18n.money(1_234_567, "DKK").replace("\xa0", " ") == money
        assert i18n.number(1_234_567.4) == big and i18n.figure(1_234_567.4) == big
        assert i18n.figure(0.456712) == small
        assert i18n.date(dt.date(2026, 3, 5)) == day
        assert i18n.percent(float("nan")) == i18n.figure(None) == "—"


def test_an_unknown_language_is_refused_with_the_allowed_ones():
    with pytest.raises(i18n.LanguageError, match="allowed: en, da"):
        i18n.set_language("xx")
    with pytest.raises(i18n.LanguageError), i18n.language("de"):
        pass
    assert i18n.current() == "en"


def test_two_sessions_in_two_languages_do_not_interfere():
    """Streamlit runs each session's script in its own thread: the language is a context variable, so two
    sessions that set their languages and translate in lock-step each keep their own."""
    text = "Decisions are closed."
    barrier = threading.Barrier(2)
    seen: dict[str, list[str]] = {}

    def session(lang: str) -> None:
        i18n.set_language(lang)
        out = []
        for _ in range(50):
            barrier.wait()  # both have set their language before either translates
            out.append(i18n._(text) + " " + i18n.percent(0.5).replace("\xa0", " "))
        seen[lang] = out

    threads = [threading.Thread(target=session, args=(lang,)) for lang in ("da", "en")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(seen["en"]) == {"Decisions are closed. 50.0%"}
    assert set(seen["da"]) == {"Beslutningerne er lukket. 50,0 %"}
    assert i18n.current() == "en"  # the main context was never touched


def test_a_context_copy_keeps_its_own_language():
    def run():
        i18n.set_language("da")
        return i18n._("Round by round")

    assert copy_context().run(run) == "Runde for runde"
    assert i18n._("Round by round") == "Round by round"


def test_a_fragment_resumes_the_sessions_language():
    """A fragment's rerun starts in a fresh context: it takes the language back from the session."""

    def fragment(session):
        i18n.resume(session)
        return i18n._("Round by round")

    assert copy_context().run(fragment, {"lang": "da"}) == "Runde for runde"
    assert copy_context().run(fragment, {}) == "Round by round"
    assert copy_context().run(fragment, {"lang": "xx"}) == "Round by round"  # never trusted blindly


def test_a_message_is_english_text_and_shown_in_the_current_language():
    """Validation messages: str() stays English (the CLI, logs); shown() follows the language, field names and
    allowed values passed as fields stay as they are, counts take the language's thousands separator."""
    message = i18n.Message(i18n.N_("{source}: more than {most} keys"), source="pasted", most=i18n.Count(10_000))
    assert message == "pasted: more than 10,000 keys" and isinstance(message, str)
    inner = i18n.Message(i18n.N_("unknown field; allowed: {allowed}"), allowed="trump, real_choice")
    joined = i18n.joined("; ", [i18n.Message("{field}: {problem}", field="leadership.bogus", problem=inner), message])
    assert joined == "leadership.bogus: unknown field; allowed: trump, real_choice; pasted: more than 10,000 keys"
    with i18n.language("da"):
        assert i18n.shown(message) == "pasted: mere end 10.000 nøgler"
        assert i18n.shown(joined) == (
            "leadership.bogus: ukendt felt; tilladt: trump, real_choice; pasted: mere end 10.000 nøgler"
        )
        assert i18n.shown(ValueError(message)) == "pasted: mere end 10.000 nøgler"
        assert i18n.shown("plain text") == "plain text"  # text never made translatable is shown as it is
    assert i18n.shown(message) == str(message)


def test_reference_models_descriptions_and_parameter_help_are_in_the_catalogue(extracted, catalogue):
    """The Reference models page shows each model's description and each parameter's help (its pydantic Field
    description, kept English in the code for the CLI and JSON schema) translated: a new parameter or a changed
    description without N_() or without a Danish entry fails here."""
    from sim import MODELS
    from sim.scenario import ScenarioBase

    seen = {m if isinstance(m, str) else m[0] for m in extracted}
    missing = []
    for name, spec in MODELS.items():
        texts = [spec.description]
        if (
            name != "alignment"
        ):  # its levers have their own help (sim.present.levers); the classics' come from the schema
            schema = spec.schema()
            texts += [f.description for key, f in schema.model_fields.items() if key not in ScenarioBase.model_fields]
        for text in texts:
            entry = catalogue.get(text)
            if not text or text not in seen or entry is None or not entry.string:
                missing.append(f"{name}: {text!r}")
    assert not missing, "not marked with N_() or not translated:\n" + "\n".join(missing)


def test_a_message_with_decimals_is_english_text_and_danish_when_shown():
    from sim.registry import describe_seconds

    assert [describe_seconds(s) for s in (0.5, 250, 7200, 86400 * 3, 86400 * 2000)] == [
        "0.5 s",
        "4.2 min",
        "2.0 h",
        "3.0 days",
        "2,000 days",
    ]
    with i18n.language("da"):
        assert [i18n.shown(describe_seconds(s)) for s in (0.5, 250, 7200, 86400 * 3, 86400 * 2000)] == [
            "0,5 s",
            "4,2 min",
            "2,0 t",
            "3,0 dage",
            "2.000 dage",
        ]


def test_a_duration_takes_the_unit_of_the_number_as_shown():
    from sim.registry import describe_seconds

    assert [describe_seconds(s) for s in (0.004, 59.4, 59.97, 3596, 3598, 99.96 * 86400)] == [
        "0.01 s",
        "59 s",
        "1.0 min",
        "59.9 min",
        "1.0 h",
        "100 days",
    ]
