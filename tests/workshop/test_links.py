"""Workshop links: every query parameter is validated strictly; fuzzed with hypothesis (a quick profile in the
normal test command, 10,000 cases with ``ALIGNSIM_FUZZ=long``: ``make fuzz``)."""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.workshop.access import CODE_ALPHABET
from sim.workshop.links import ALLOWED, MAX_VALUE, Link, parse
from sim.workshop.rules import WorkshopError

SECRET = "A" * 11 + "b_-9" + "c" * 7
CASES = 10_000 if os.environ.get("ALIGNSIM_FUZZ") == "long" else 300
QUICK = settings(max_examples=CASES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_each_kind_of_link():
    assert parse({}) == Link("landing")
    assert parse({"code": " abc234 "}) == Link("join", "ABC234")
    assert parse({"code": "ABC234", "key": SECRET}) == Link("control_link", "ABC234", SECRET)
    assert parse({"control": "abc234"}) == Link("control", "ABC234")
    assert parse({"token": SECRET}) == Link("player", secret=SECRET)
    assert parse({"show": SECRET, "embed": "true"}) == Link("presenter", secret=SECRET)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"code": "ABC234", "key": "é"}, "key must be 22 characters from A-Z, a-z, 0-9, - and _"),  # issue 16
        ({"code": "[x](http://evil.example)"}, "code must be 6 characters"),
        ({"token": "x" * 500}, "token in the link is too long"),
        ({"token": SECRET, "key": SECRET}, "a workshop link carries one of"),
        ({"admin": "1"}, "a parameter the Workshop page does not know; allowed: code, key, control, token, show, lang"),
        ({"show": "<script>"}, "show must be 22 characters"),
    ],
)
def test_bad_links_get_one_line_naming_the_parameter(params, message):
    with pytest.raises(WorkshopError, match=message.replace("(", r"\(").replace("[", r"\[")) as err:
        parse(params)
    assert "\n" not in str(err.value)


_text = st.text(max_size=80) | st.text(alphabet=CODE_ALPHABET + "abc-_é<>[]()", max_size=30)
_params = st.dictionaries(
    st.sampled_from([*list(ALLOWED), "embed", "x", "Key", ""]), _text | st.lists(_text, max_size=3), max_size=4
)


@QUICK
@given(_params)
def test_fuzzed_links_parse_or_give_a_clean_one_line_message_that_never_echoes_them(params):
    try:
        link = parse(params)
    except WorkshopError as exc:
        text = str(exc)
        assert "\n" not in text and len(text) < 200
        for value in params.values():
            for v in value if isinstance(value, list) else [value]:
                if len(v) >= 3 and any(c in "[]()<>é" for c in v):
                    assert v not in text  # crafted text is never part of the message (a lone ")" may be ours)
        return
    assert link.view in {"landing", "join", "control_link", "control", "player", "presenter"}
    if link.code is not None:
        assert len(link.code) == 6 and set(link.code) <= set(CODE_ALPHABET)
    if link.secret is not None:
        assert len(link.secret) == 22 and link.secret.isascii()


@QUICK
@given(st.text(min_size=MAX_VALUE + 1, max_size=MAX_VALUE * 4))
def test_long_values_are_refused_before_anything_else(value):
    with pytest.raises(WorkshopError, match="too long"):
        parse({"code": value})
