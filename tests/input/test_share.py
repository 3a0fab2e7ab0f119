"""Share links: what is on screen round-trips through the page address; hostile parameters give one message."""

import base64
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import load_scenario
from sim.input import InputError
from sim.input.share import MAX_CODE_CHARS, MAX_SETS, SEEDS_RANGE, ShareError, decode, encode
from sim.present.levers import levers_for
from sim.scenario import Scenario


def _params(encoded):
    return {k: v if isinstance(v, list) else [v] for k, v in encoded.items()}


def test_a_preset_edit_round_trips_as_readable_parameters():
    overrides = {
        "leadership.real_choice": True,
        "leadership.trump": 0.85,
        "teams.core.approval_chain": ["legal", "finance"],
        "departments.marketing.campaign_start_week": None,
    }
    params = encode("b2b_activation", overrides, 30)
    assert params["preset"] == "b2b_activation" and "leadership.real_choice=true" in params["set"]
    shared = decode(_params(params))
    assert shared.label == "b2b_activation" and shared.seeds == 30 and shared.overrides == overrides
    assert shared.base.with_overrides(shared.overrides) == load_scenario("b2b_activation", overrides)


def test_an_uploaded_scenario_travels_whole():
    mine = load_scenario("data_blind", {"weeks": 30, "leadership.trump": 0.3})
    params = encode("mine.toml", {}, 20, mine)
    shared = decode(_params(params))
    assert shared.base == mine and shared.label == "mine.toml" and shared.overrides == {}


def test_the_horizon_travels_with_the_link_and_the_preset_stays_readable():
    """The horizon both scenarios run over: a preset's edit over two years is still the preset and its edits (the
    scenario is not packed whole); an upload's own horizon is offered too."""
    over_two_years = load_scenario("b2b_activation", {"leadership.trump": 0.85, "weeks": 104})
    params = encode("b2b_activation", {"leadership.trump": 0.85}, 20, over_two_years, weeks=104)
    assert params["preset"] == "b2b_activation" and params["weeks"] == "104" and "scenario" not in params
    shared = decode(_params(params))
    assert shared.weeks == 104 and shared.base == load_scenario("b2b_activation")  # the base over its own
    assert shared.base.with_overrides({**shared.overrides, "weeks": shared.weeks}) == over_two_years
    assert decode(_params(encode("b2b_activation", {}, 20))).weeks is None  # none asked: the scenario's own
    mine = load_scenario("data_blind", {"weeks": 30})
    assert decode(_params(encode("mine.toml", {}, 20, mine, weeks=30))).weeks == 30


def test_the_language_travels_with_the_link():
    """A Danish page's link opens in Danish; English, the default, adds nothing to the address."""
    params = encode("b2b_activation", {"leadership.trump": 0.85}, 20, lang="da")
    assert params["lang"] == "da"
    assert decode(_params(params)).lang == "da"
    english = encode("b2b_activation", {"leadership.trump": 0.85}, 20, lang="en")
    assert "lang" not in english and decode(_params(english)).lang is None
    mine = load_scenario("data_blind", {"weeks": 30})
    assert decode(_params(encode("mine.toml", {}, 20, mine, lang="da"))).lang == "da"


def test_a_bad_link_reads_in_danish_with_the_parameter_names_as_they_are():
    from sim import i18n

    with pytest.raises(ShareError) as err:
        decode({"preset": ["b2b_activation"], "set": ["teams.core.wip_limit=2.5"]})
    assert str(err.value) == (
        "link parameter set: overrides: teams.core.wip_limit: Input should be a valid "
        "integer, got a number with a fractional part"
    )
    with i18n.language("da"):
        assert err.value.shown() == (
            "linkparameteren set: overrides: teams.core.wip_limit: Værdien skal være et helt tal, ikke et decimaltal"
        )
    with pytest.raises(ShareError) as err:
        decode({"preset": ["b2b_activation"], "evil": ["1"]})
    with i18n.language("da"):
        assert err.value.shown() == (
            "linkparameteren 'evil': ukendt; tilladt: preset, seeds, weeks, set, scenario, name, lang"
        )


def test_no_parameters_open_nothing():
    assert decode({}) is None


@pytest.mark.parametrize(
    "params,fragment",
    [
        ({"preset": ["nope"]}, "preset: unknown scenario 'nope'; allowed: "),
        ({"preset": ["b2b_activation"], "set": ["leadership.trump=7"]}, "leadership.trump"),
        ({"preset": ["b2b_activation"], "set": ["nothing"]}, "expected PATH=VALUE"),
        ({"preset": ["b2b_activation"], "seeds": ["9999999999"]}, "seeds: '9999999999' is not a whole number from 5"),
        ({"preset": ["a", "b"]}, "given 2 times"),
        ({"evil": ["1"]}, "unknown; allowed: preset, seeds, weeks, set, scenario, name, lang"),
        ({"preset": ["b2b_activation"], "weeks": ["100"]}, "weeks: '100' is not a horizon the app offers; allowed: 52"),
        ({"preset": ["b2b_activation"], "weeks": ["1e3"]}, "260 (5 years)"),
        ({"preset": ["b2b_activation"], "lang": ["de"]}, "lang: 'de' is not offered; allowed: en, da"),
        ({"set": ["leadership.trump=0.5"]}, "needs preset=NAME"),
        ({"scenario": ["!!!"]}, "not a scenario code"),
        ({"scenario": ["eJwDAAAAAAE"[:6]]}, "not a scenario code"),
        ({"scenario": ["A" * (MAX_CODE_CHARS + 1)]}, "a link carries at most"),
        ({"preset": ["b2b_activation"], "set": ["leadership.trump=0.5"] * (MAX_SETS + 1)}, "at most 64"),
    ],
)
def test_bad_links_give_one_line_naming_the_parameter(params, fragment):
    with pytest.raises(ShareError) as err:
        decode(params)
    message = str(err.value)
    assert fragment in message and "\n" not in message and message.startswith("link parameter")


def test_a_compressed_bomb_is_refused_before_it_is_unpacked():
    bomb = zlib.compress(b"#" * 5_000_000, 9)
    code = base64.urlsafe_b64encode(bomb).decode().rstrip("=")
    assert len(code) < MAX_CODE_CHARS
    with pytest.raises(ShareError, match="unpacks to more than"):
        decode({"scenario": [code]})


def test_a_scenario_code_goes_through_the_input_boundary():
    text = b"[teams.core]\nwip_limit = -3\n"
    code = base64.urlsafe_b64encode(zlib.compress(text)).decode()
    with pytest.raises(ShareError, match="teams.core.wip_limit"):
        decode({"scenario": [code]})


_text = st.text(max_size=300)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["preset", "seeds", "set", "scenario", "name", "x"]),
        st.lists(
            st.one_of(_text, st.sampled_from(["b2b_activation", "leadership.trump=0.4", "20", "eJwDAAAAAAE"])),
            max_size=4,
        ),
        max_size=5,
    )
)
def test_fuzz_any_parameters_open_a_scenario_or_give_one_clear_line(params):
    try:
        shared = decode(params)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc) and len(str(exc)) <= 1000
        return
    if shared is None:
        return
    assert isinstance(shared.base, Scenario)  # the app's pages run the alignment model only
    assert shared.seeds is None or SEEDS_RANGE[0] <= shared.seeds <= SEEDS_RANGE[1]
    levers = {lever.path: lever for lever in levers_for(shared.base)}
    for path, value in shared.overrides.items():  # every edit is one the app's widgets can show
        lever = levers[path]
        if lever.widget in ("slider", "int") and value is not None:
            assert lever.low <= value <= lever.high
    assert shared.base.with_overrides(shared.overrides) is not None


@pytest.mark.parametrize("seeds", ["0000050000000", "²", "5 ", "61", "4", "-5", "1e1"])
def test_seeds_outside_the_sliders_range_or_not_plain_digits_are_refused(seeds):
    with pytest.raises(ShareError, match="seeds"):
        decode({"preset": ["b2b_activation"], "seeds": [seeds]})


def test_a_reference_model_cannot_be_opened_as_a_what_if():
    with pytest.raises(ShareError, match="allowed: b2b_activation"):
        decode({"preset": ["march1991"]})
    code = encode("m", {}, scenario=load_scenario("march1991"))["scenario"]
    with pytest.raises(ShareError, match="'march1991' scenario"):
        decode({"scenario": [code]})


@pytest.mark.parametrize(
    "edit, allowed",
    [
        ("teams.core.capacity=200", "from 1 to"),
        ("leadership.trump=1.5", "from 0 to 1"),
        ('funding.mode="weekly"', "product, project"),
        ("leadership.real_choice=1", "true, false"),
        ("seed_offset=3", "not a lever"),
    ],
)
def test_an_edit_the_levers_cannot_show_is_refused_with_the_allowed_values(edit, allowed):
    with pytest.raises(ShareError, match=allowed):
        decode({"preset": ["b2b_activation"], "set": [edit]})


def test_a_pasted_scenario_that_borrows_a_presets_name_travels_whole():
    preset = load_scenario("b2b_activation")
    pasted = preset.with_overrides({"leadership.trump": 0.95})
    params = encode("b2b_activation", {}, 20, pasted)
    assert "preset" not in params
    assert decode(_params(params)).base == pasted
    edited = preset.with_overrides({"leadership.trump": 0.95})
    assert encode("b2b_activation", {"leadership.trump": 0.95}, 20, edited)["preset"] == "b2b_activation"


def test_a_links_name_is_cleaned_of_control_and_direction_characters():
    code = encode("x", {}, scenario=load_scenario("b2b_activation").with_overrides({"leadership.trump": 0.5}))
    shared = decode({**_params(code), "name": ["evil\u202ename\x00"]})
    assert "\u202e" not in shared.label and "\x00" not in shared.label


def test_an_organisation_without_some_departments_travels_whole_and_stays_without_them():
    from sim.input.orgsheet import organisation, read_tables

    tables = {}
    for sheet, text in {
        "departments": "department\nsales\nlegal\n",
        "teams": "team,approvals\ncore,legal\n",
        "requests": "department,team\nsales,core\n",
    }.items():
        tables.update(read_tables(text.encode(), f"{sheet}.csv"))
    mine = organisation(tables).scenario
    shared = decode(_params(encode("my_org", {}, 10, mine)))
    assert shared.base == mine and list(shared.base.departments) == ["sales", "legal"]
    assert not any(lever.path.startswith("departments.marketing.") for lever in levers_for(shared.base))
