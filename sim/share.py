"""Share links: the what-if on screen as a page address a colleague can open.

An edit of a bundled preset travels as readable query parameters::

    ?preset=b2b_activation&seeds=20&set=leadership.real_choice=true&set=teams.core.wip_limit=4

and any other scenario (an upload, a pasted file, a self-assessment) as its TOML text, compressed and base64url
encoded (``?scenario=...``). Query parameters are hostile input: they are decoded here and only through the input
boundary (``sim.input``: override paths and values, TOML caps and the scenario schema), with caps on their number
and size before anything is parsed or decompressed. Whatever is wrong becomes one :class:`ShareError` line naming
the parameter and what is allowed; nothing is executed.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.input import (MAX_FILE_BYTES, InputError, ScenarioError, bundled_scenarios, clean, dumps_toml,
                       load_scenario, parse_override, scenario_from_bytes, show)
from sim.levers import Lever, levers_for
from sim.scenario import Scenario, ScenarioBase

#: Most ``set`` parameters in one link, and the longest one.
MAX_SETS = 64
MAX_SET_CHARS = 400
#: Longest encoded scenario (base64url text) and the most bytes it may decompress to.
MAX_CODE_CHARS = 16_000
#: Seeds a link may ask for (the app's slider range).
SEEDS_RANGE = (5, 60)
#: The parameters a link may carry.
PARAMETERS = ("preset", "seeds", "set", "scenario", "name")


class ShareError(InputError):
    """A share link that cannot be opened; the message names the parameter and what is allowed."""


@dataclass
class Shared:
    """What a link opens: the base scenario and its label, the lever overrides and the number of seeds."""

    base: ScenarioBase
    label: str
    overrides: dict[str, Any] = field(default_factory=dict)
    seeds: int | None = None


def _value_text(value: Any) -> str:
    if value is None:
        return "none"
    return dumps_toml({"v": value}).split("=", 1)[1].strip()


def encode(base_label: str, overrides: Mapping[str, Any], seeds: int | None = None,
           scenario: ScenarioBase | None = None) -> dict[str, str | list[str]]:
    """Query parameters for a what-if: a bundled preset ``base_label`` with ``overrides`` (readable), or, when
    the base is not a bundled preset, the whole edited ``scenario`` as compressed TOML."""
    params: dict[str, str | list[str]] = {}
    if _is_preset_edit(base_label, overrides, scenario):
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
    return params


def _is_preset_edit(label: str, overrides: Mapping[str, Any], scenario: ScenarioBase | None) -> bool:
    """Whether ``scenario`` is the bundled preset ``label`` with exactly ``overrides`` (a pasted file that only
    borrows a preset's name is not)."""
    if label not in bundled_scenarios("alignment"):
        return False
    if scenario is None:
        return True
    try:
        return load_scenario(label).with_overrides(dict(overrides)) == scenario
    except ScenarioError:
        return False


def _one(params: Mapping[str, Sequence[str]], key: str) -> str | None:
    values = params.get(key) or []
    if len(values) > 1:
        raise ShareError(f"link parameter {key}: given {len(values)} times; give it once")
    return values[0] if values else None


def decode(params: Mapping[str, Sequence[str]]) -> Shared | None:
    """The what-if a link's query parameters (name -> all its values) describe; None when they describe none.
    Bad parameters raise :class:`ShareError` (one line, naming the parameter and the allowed values)."""
    unknown = sorted(k for k in params if k not in PARAMETERS)
    if unknown:
        raise ShareError(f"link parameter {show(unknown[0])}: unknown; allowed: {', '.join(PARAMETERS)}")
    preset, code, seeds_text = _one(params, "preset"), _one(params, "scenario"), _one(params, "seeds")
    sets = list(params.get("set") or [])
    if preset is None and code is None:
        if sets:
            raise ShareError("link parameter set: needs preset=NAME (the scenario the edits apply to)")
        return None
    if preset is not None and code is not None:
        raise ShareError("link parameters preset and scenario: give one of them, not both")
    seeds = _seeds(seeds_text)
    if code is not None:
        if sets:
            raise ShareError("link parameter set: only with preset=NAME; a scenario= link carries its edits")
        label = clean(_one(params, "name") or "shared scenario")[:100] or "shared scenario"
        return Shared(_scenario(code, label), label, {}, seeds)
    presets = bundled_scenarios("alignment")
    if preset not in presets:
        raise ShareError(f"link parameter preset: unknown scenario {show(preset)}; allowed: {', '.join(presets)}")
    if len(sets) > MAX_SETS:
        raise ShareError(f"link parameter set: {len(sets)} edits; a link carries at most {MAX_SETS}")
    overrides: dict[str, Any] = {}
    for text in sets:
        if len(text) > MAX_SET_CHARS:
            raise ShareError(f"link parameter set: {show(text)} is longer than {MAX_SET_CHARS} characters")
        try:
            path, value = parse_override(text)
        except ScenarioError as exc:
            raise ShareError(f"link parameter set: {exc}") from None
        overrides[path] = None if value == "none" else value
    base = load_scenario(preset)
    levers = {lever.path: lever for lever in levers_for(base)}
    for path, value in overrides.items():
        _check_lever(levers, path, value)
    try:
        base.with_overrides(overrides)
    except ScenarioError as exc:
        raise ShareError(f"link parameter set: {exc}") from None
    return Shared(base, preset, overrides, seeds)


def _check_lever(levers: Mapping[str, Lever], path: str, value: Any) -> None:
    """A link edits only what the app's levers can show, within their ranges and options."""
    lever = levers.get(path)
    if lever is None:
        raise ShareError(f"link parameter set: {show(path)} is not a lever of the app; allowed: {', '.join(levers)}")
    if lever.widget in ("slider", "int") or (lever.widget == "optional_week" and value is not None):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lever.low <= value <= lever.high:
            raise ShareError(f"link parameter set: {path}={show(value)}; allowed: a number from {lever.low:g} to "
                             f"{lever.high:g}")
    elif lever.widget == "select" and value not in lever.options:
        raise ShareError(f"link parameter set: {path}={show(value)}; allowed: {', '.join(lever.options)}")
    elif lever.widget == "chain" and (not isinstance(value, list) or not set(value) <= set(lever.options)):
        raise ShareError(f"link parameter set: {path}={show(value)}; allowed: a list of {', '.join(lever.options)}")
    elif lever.widget == "toggle" and not isinstance(value, bool):
        raise ShareError(f"link parameter set: {path}={show(value)}; allowed: true, false")


def _seeds(text: str | None) -> int | None:
    if text is None:
        return None
    low, high = SEEDS_RANGE
    if not re.fullmatch(r"[0-9]{1,2}", text) or not low <= int(text) <= high:
        raise ShareError(f"link parameter seeds: {show(text[:20])} is not a whole number from {low} to {high}")
    return int(text)


def _scenario(code: str, label: str) -> ScenarioBase:
    if len(code) > MAX_CODE_CHARS:
        raise ShareError(f"link parameter scenario: {len(code):,} characters; a link carries at most "
                         f"{MAX_CODE_CHARS:,}")
    inflater = zlib.decompressobj()
    try:
        packed = base64.b64decode(code + "=" * (-len(code) % 4), altchars=b"-_", validate=True)
        data = inflater.decompress(packed, MAX_FILE_BYTES + 1)
        whole = inflater.eof
    except (binascii.Error, ValueError, zlib.error):
        whole, data = False, b""
    if len(data) > MAX_FILE_BYTES or inflater.unconsumed_tail:
        raise ShareError(f"link parameter scenario: unpacks to more than {MAX_FILE_BYTES // 1024} KiB")
    if not whole:
        raise ShareError("link parameter scenario: not a scenario code (base64url of compressed TOML); copy the "
                         "whole link again")
    try:
        scenario = scenario_from_bytes(data, label)
    except ScenarioError as exc:
        raise ShareError(f"link parameter scenario: {exc}") from None
    if not isinstance(scenario, Scenario):
        raise ShareError(f"link parameter scenario: a {scenario.model!r} scenario; the app's share links carry the "
                         "alignment model (open reference models on their page)")
    return scenario
