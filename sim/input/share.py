"""Share links: the what-if on screen as a page address a colleague can open.

An edit of a bundled preset travels as readable query parameters::

    ?preset=b2b_activation&seeds=20&weeks=104&set=leadership.real_choice=true&set=teams.core.wip_limit=4&lang=da

and any other scenario (an upload, a pasted file, a self-assessment) as its TOML text, compressed and base64url
encoded (``?scenario=...``). Query parameters are hostile input: they are decoded here and only through the input
boundary (``sim.input``: override paths and values, TOML caps and the scenario schema), with caps on their number
and size before anything is parsed or decompressed. Whatever is wrong becomes one :class:`ShareError` line naming
the parameter and what is allowed; nothing is executed. ``weeks`` is the horizon the what-if runs over (the scenario
before the edit too: ``sim.present.levers.HORIZONS``, or the scenario's own). ``lang`` carries the language of the
page (``sim.i18n``), so the colleague reads the same numbers in the same language; the app's language switch reads
it.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.i18n import DEFAULT, LANGUAGES, N_, Count, Message, check
from sim.input import (
    MAX_FILE_BYTES,
    InputError,
    ScenarioError,
    bundled_scenarios,
    clean,
    is_bundled,
    load_scenario,
    parse_override,
    scenario_from_bytes,
    show,
)
from sim.input.toml import toml_value
from sim.present.levers import HORIZONS, Lever, horizon_text, horizons, levers_for
from sim.scenario import Scenario, ScenarioBase

#: Most ``set`` parameters in one link, and the longest one.
MAX_SETS = 64
MAX_SET_CHARS = 400
#: Longest encoded scenario (base64url text) and the most bytes it may decompress to.
MAX_CODE_CHARS = 16_000
#: Seeds a link may ask for (the app's slider range).
SEEDS_RANGE = (5, 60)
#: The parameters a link may carry.
PARAMETERS = ("preset", "seeds", "weeks", "set", "scenario", "name", "lang")


class ShareError(InputError):
    """A share link that cannot be opened; the message names the parameter and what is allowed."""


@dataclass
class Shared:
    """What a link opens: the base scenario and its label, the lever overrides, the number of seeds and the
    horizon in weeks (None: the scenario's own)."""

    base: ScenarioBase
    label: str
    overrides: dict[str, Any] = field(default_factory=dict)
    seeds: int | None = None
    lang: str | None = None
    weeks: int | None = None


def _value_text(value: Any) -> str:
    if value is None:
        return "none"
    return toml_value(value)


def encode(
    base_label: str,
    overrides: Mapping[str, Any],
    seeds: int | None = None,
    scenario: ScenarioBase | None = None,
    lang: str | None = None,
    weeks: int | None = None,
) -> dict[str, str | list[str]]:
    """Query parameters for a what-if: a bundled preset ``base_label`` with ``overrides`` (readable), or, when
    the base is not a bundled preset, the whole edited ``scenario`` as compressed TOML; ``weeks`` (the horizon, when
    given: ``scenario`` runs over it) and ``lang`` (an offered language other than English) when given."""
    params: dict[str, str | list[str]] = {}
    horizon = {} if weeks is None else {"weeks": int(weeks)}
    if base_label in bundled_scenarios("alignment") and (
        scenario is None or is_bundled(scenario, base_label, {**overrides, **horizon})
    ):
        params["preset"] = base_label
        if overrides:
            params["set"] = [f"{path}={_value_text(v)}" for path, v in overrides.items()]
    else:
        if scenario is None:
            raise ValueError("a scenario that is not a bundled preset travels whole: pass scenario=")
        packed = zlib.compress(scenario.to_toml().encode("utf-8"), 9)
        params["scenario"] = base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")
        params["name"] = base_label[:100]
    if seeds is not None:
        params["seeds"] = str(int(seeds))
    if weeks is not None:
        params["weeks"] = str(int(weeks))
    if lang is not None and lang != DEFAULT:
        params["lang"] = check(lang)
    return params


def _one(params: Mapping[str, Sequence[str]], key: str) -> str | None:
    values = params.get(key) or []
    if len(values) > 1:
        raise ShareError(Message(N_("link parameter {key}: given {n} times; give it once"), key=key, n=len(values)))
    return values[0] if values else None


def decode(params: Mapping[str, Sequence[str]]) -> Shared | None:
    """The what-if a link's query parameters (name -> all its values) describe; None when they describe none.
    Bad parameters raise :class:`ShareError` (one line, naming the parameter and the allowed values)."""
    unknown = sorted(k for k in params if k not in PARAMETERS)
    if unknown:
        raise ShareError(
            Message(
                N_("link parameter {key}: unknown; allowed: {allowed}"),
                key=show(unknown[0]),
                allowed=", ".join(PARAMETERS),
            )
        )
    preset, code, seeds_text = _one(params, "preset"), _one(params, "scenario"), _one(params, "seeds")
    sets = list(params.get("set") or [])
    if preset is None and code is None:
        if sets:
            raise ShareError(Message(N_("link parameter set: needs preset=NAME (the scenario the edits apply to)")))
        return None
    if preset is not None and code is not None:
        raise ShareError(Message(N_("link parameters preset and scenario: give one of them, not both")))
    seeds, lang, weeks_text = _seeds(seeds_text), _lang(_one(params, "lang")), _one(params, "weeks")
    if code is not None:
        if sets:
            raise ShareError(
                Message(N_("link parameter set: only with preset=NAME; a scenario= link carries its edits"))
            )
        label = clean(_one(params, "name") or "shared scenario")[:100] or "shared scenario"
        scenario = _scenario(code, label)
        return Shared(scenario, label, {}, seeds, lang, weeks_of(weeks_text, scenario))
    presets = bundled_scenarios("alignment")
    if preset not in presets:
        raise ShareError(
            Message(
                N_("link parameter preset: unknown scenario {name}; allowed: {allowed}"),
                name=show(preset),
                allowed=", ".join(presets),
            )
        )
    if len(sets) > MAX_SETS:
        raise ShareError(
            Message(N_("link parameter set: {n} edits; a link carries at most {most}"), n=len(sets), most=MAX_SETS)
        )
    overrides: dict[str, Any] = {}
    for text in sets:
        if len(text) > MAX_SET_CHARS:
            raise ShareError(
                Message(
                    N_("link parameter set: {text} is longer than {most} characters"),
                    text=show(text),
                    most=MAX_SET_CHARS,
                )
            )
        try:
            path, value = parse_override(text)
        except ScenarioError as exc:
            raise ShareError(Message(N_("link parameter set: {problem}"), problem=exc.message)) from None
        overrides[path] = None if value == "none" else value
    base = load_scenario(preset)
    levers = {lever.path: lever for lever in levers_for(base)}
    for path, value in overrides.items():
        _check_lever(levers, path, value)
    try:
        base.with_overrides(overrides)
    except ScenarioError as exc:
        raise ShareError(Message(N_("link parameter set: {problem}"), problem=exc.message)) from None
    return Shared(base, preset, overrides, seeds, lang, weeks_of(weeks_text, base))


def weeks_of(text: str | None, scenario: ScenarioBase | None = None) -> int | None:
    """The horizon a link asks for: 1, 2, 3 or 5 years in weeks, or the scenario's own."""
    if text is None:
        return None
    offered = horizons(scenario) if isinstance(scenario, Scenario) else HORIZONS
    if not re.fullmatch(r"[0-9]{1,4}", text) or int(text) not in offered:
        raise ShareError(
            Message(
                N_("link parameter weeks: {text} is not a horizon the app offers; allowed: {allowed}"),
                text=show(text[:20]),
                allowed=", ".join(f"{w} ({horizon_text(w)})" for w in offered),
            )
        )
    return int(text)


def _lang(text: str | None) -> str | None:
    if text is not None and text not in LANGUAGES:
        raise ShareError(
            Message(
                N_("link parameter lang: {text} is not offered; allowed: {allowed}"),
                text=show(text[:20]),
                allowed=", ".join(LANGUAGES),
            )
        )
    return text


def _check_lever(levers: Mapping[str, Lever], path: str, value: Any) -> None:
    """A link edits only what the app's levers can show, within their ranges and options."""
    lever = levers.get(path)
    if lever is None:
        raise ShareError(
            Message(
                N_("link parameter set: {path} is not a lever of the app; allowed: {allowed}"),
                path=show(path),
                allowed=", ".join(levers),
            )
        )
    given = f"{path}={show(value)}"
    if lever.widget in ("slider", "int") or (lever.widget == "optional_week" and value is not None):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lever.low <= value <= lever.high:
            raise ShareError(
                Message(
                    N_("link parameter set: {given}; allowed: a number from {low} to {high}"),
                    given=given,
                    low=f"{lever.low:g}",
                    high=f"{lever.high:g}",
                )
            )
    elif lever.widget == "select" and value not in lever.options:
        raise ShareError(
            Message(
                N_("link parameter set: {given}; allowed: {allowed}"), given=given, allowed=", ".join(lever.options)
            )
        )
    elif lever.widget == "chain" and (not isinstance(value, list) or not set(value) <= set(lever.options)):
        raise ShareError(
            Message(
                N_("link parameter set: {given}; allowed: a list of {allowed}"),
                given=given,
                allowed=", ".join(lever.options),
            )
        )
    elif lever.widget == "toggle" and not isinstance(value, bool):
        raise ShareError(Message(N_("link parameter set: {given}; allowed: true, false"), given=given))


def _seeds(text: str | None) -> int | None:
    if text is None:
        return None
    low, high = SEEDS_RANGE
    if not re.fullmatch(r"[0-9]{1,2}", text) or not low <= int(text) <= high:
        raise ShareError(
            Message(
                N_("link parameter seeds: {text} is not a whole number from {low} to {high}"),
                text=show(text[:20]),
                low=low,
                high=high,
            )
        )
    return int(text)


def _scenario(code: str, label: str) -> ScenarioBase:
    if len(code) > MAX_CODE_CHARS:
        raise ShareError(
            Message(
                N_("link parameter scenario: {n} characters; a link carries at most {most}"),
                n=Count(len(code)),
                most=Count(MAX_CODE_CHARS),
            )
        )
    inflater = zlib.decompressobj()
    try:
        packed = base64.b64decode(code + "=" * (-len(code) % 4), altchars=b"-_", validate=True)
        data = inflater.decompress(packed, MAX_FILE_BYTES + 1)
        whole = inflater.eof
    except (binascii.Error, ValueError, zlib.error):
        whole, data = False, b""
    if len(data) > MAX_FILE_BYTES or inflater.unconsumed_tail:
        raise ShareError(
            Message(N_("link parameter scenario: unpacks to more than {size} KiB"), size=MAX_FILE_BYTES // 1024)
        )
    if not whole:
        raise ShareError(
            Message(
                N_(
                    "link parameter scenario: not a scenario code (base64url of compressed TOML); "
                    "copy the whole link again"
                )
            )
        )
    try:
        scenario = scenario_from_bytes(data, label)
    except ScenarioError as exc:
        raise ShareError(Message(N_("link parameter scenario: {problem}"), problem=exc.message)) from None
    if not isinstance(scenario, Scenario):
        raise ShareError(
            Message(
                N_(
                    "link parameter scenario: a {model} scenario; the app's share links carry the "
                    "alignment model (open reference models on their page)"
                ),
                model=repr(scenario.model),
            )
        )
    return scenario
