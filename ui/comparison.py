"""What the Compare page compares: up to four options (presets, the scenario on Explore, scenarios the person named
and kept in the session), and the link that opens the same comparison in another browser.

A comparison's address carries its options in order (the first is the reference), its seeds and its horizon in
weeks (every option runs over it)::

    /Compare?o1=b2b_activation&o2.preset=b2b_activation&o2.set=leadership.trump=0.8&o2.label=Aligned&seeds=20&weeks=104

A preset travels by its name (``oN=NAME``); any other option as a share link of its own (``sim.input.share``:
a preset with lever edits, or a whole scenario), its keys prefixed with ``oN.``, and its name as ``oN.label``.
Each option is decoded through the same input boundary as Explore's links (``sim.input.share.decode``), so a
hostile address gets one line naming the parameter, and the page opens its defaults.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim import bundled_scenarios, load_scenario
from sim.i18n import N_, Message
from sim.input import clean, scenario_from_toml, share
from sim.scenario import ScenarioBase

#: A preset every link may name (its seeds are checked as Explore's are).
DEFAULT = "b2b_activation"
#: Most options on the page at once (the first is the reference).
MAX_OPTIONS = 4
#: Most scenarios a session keeps by name, and the longest name.
MAX_NAMED = 12
MAX_NAME_CHARS = 60
#: The option that stands for the scenario as last left on Explore.
EXPLORE = "__explore__"
#: Options that are a kept scenario: this prefix and its name.
NAMED = "named:"


@dataclass
class Kept:
    """A scenario kept by name: its base's label, the lever edits and the edited scenario (as TOML)."""

    name: str
    label: str
    overrides: dict[str, Any]
    toml: str

    def scenario(self) -> ScenarioBase:
        return scenario_from_toml(self.toml, self.name)


@dataclass
class Opened:
    """What a comparison link opens: its options in order (preset names and ``named:NAME``), the scenarios it
    names (to keep in the session), its seeds and its horizon in weeks."""

    options: list[str]
    kept: dict[str, Kept] = field(default_factory=dict)
    seeds: int | None = None
    weeks: int | None = None


def named(name: str) -> str:
    """The option of a kept scenario."""
    return NAMED + name


def clean_name(text: str) -> str:
    """A name a person gave a scenario, as it is kept: one line, no control characters, at most MAX_NAME_CHARS."""
    return re.sub(r"\s+", " ", clean(text)).strip()[:MAX_NAME_CHARS]


def encode(
    options: Sequence[str],
    kept: Mapping[str, Kept],
    seeds: int,
    lang: str | None = None,
    explore: Kept | None = None,
    weeks: int | None = None,
) -> dict:
    """The address's query parameters for a comparison of ``options`` (preset names, ``named:NAME``, EXPLORE for
    ``explore``, the scenario on Explore) on ``seeds`` seeds over ``weeks`` (when given), in ``lang`` (English: left
    out)."""
    params: dict[str, Any] = {}
    for i, option in enumerate(options[:MAX_OPTIONS], 1):
        if option.startswith(NAMED) or (option == EXPLORE and explore is not None):
            k = explore if option == EXPLORE and explore is not None else kept[option[len(NAMED) :]]
            scenario = scenario_from_toml(k.toml, k.name)
            own = getattr(load_scenario(k.label), "weeks", None) if preset_option(k.label) else None
            kept_weeks = getattr(scenario, "weeks", None)  # the horizon it was kept at, when not its preset's
            one = share.encode(k.label, k.overrides, None, scenario, None, kept_weeks if own != kept_weeks else None)
            params.update({f"o{i}.{key}": value for key, value in one.items()})
            params[f"o{i}.label"] = k.name
        else:
            params[f"o{i}"] = option
    params["seeds"] = str(int(seeds))
    if weeks is not None:
        params["weeks"] = str(int(weeks))
    if lang and lang != "en":
        params["lang"] = lang
    return params


def _problem(text: str, **fields) -> share.ShareError:
    return share.ShareError(Message(text, **fields))


def describes_one(params: Mapping[str, Sequence[str]]) -> bool:
    """Whether an address's query parameters describe a comparison (an ``oN`` parameter), rather than e.g. the
    what-if Explore left there."""
    return any(re.fullmatch(r"o\d+(\..*)?", key) for key in params)


def decode(params: Mapping[str, Sequence[str]]) -> Opened | None:
    """The comparison a link's query parameters describe (None when they describe none: no ``oN`` parameter). Bad
    parameters raise ``sim.input.share.ShareError``: one line naming the parameter and what is allowed."""
    if not describes_one(params):
        return None
    groups: dict[int, dict[str, list[str]]] = {}
    presets: dict[int, str] = {}
    seeds: int | None = None
    weeks: int | None = None
    for key, values in params.items():
        if key == "lang":
            continue
        if key == "weeks":
            if len(values) != 1:
                raise _problem(N_("link parameter {key}: given {n} times; give it once"), key=key, n=len(values))
            weeks = share.weeks_of(values[0])
            continue
        if key == "seeds":
            checked = share.decode({"preset": [DEFAULT], "seeds": list(values)})  # the seeds' own checks
            seeds = checked.seeds if checked is not None else None
            continue
        found = re.fullmatch(r"o([1-9])(?:\.(\w+))?", key)
        if found is None or int(found.group(1)) > MAX_OPTIONS:
            raise _problem(
                N_(
                    "link parameter {key}: unknown; allowed: o1 to o{most}, oN.preset, oN.set, oN.label, seeds, "
                    "weeks, lang"
                ),
                key=share.show(key[:40]),
                most=MAX_OPTIONS,
            )
        index, part = int(found.group(1)), found.group(2)
        if part is None:
            if len(values) != 1 or values[0] not in bundled_scenarios("alignment"):
                raise _problem(
                    N_("link parameter {key}: not a preset; allowed: {allowed}"),
                    key=key,
                    allowed=", ".join(bundled_scenarios("alignment")),
                )
            presets[index] = values[0]
        else:
            groups.setdefault(index, {})[part] = list(values)
    if not presets and not groups:
        return None
    opened = Opened([], {}, seeds, weeks)
    for index in sorted(set(presets) | set(groups)):
        if index in presets and index in groups:
            raise _problem(N_("link parameter o{n}: give a preset name or oN.preset, not both"), n=index)
        if index in presets:
            opened.options.append(presets[index])
            continue
        group = dict(groups[index])
        label = group.pop("label", None)
        name = clean_name(label[0]) if label else ""
        try:
            one = share.decode(group)
        except share.ShareError as exc:
            raise _problem(N_("option {n} of the link: {problem}"), n=index, problem=exc.message) from None
        if one is None:
            raise _problem(N_("link parameter o{n}: give a preset name, oN.preset or oN.scenario"), n=index)
        name = name or clean_name(one.label)
        edited = one.base.with_overrides(one.overrides)
        if one.weeks is not None:
            edited = edited.with_overrides({"weeks": one.weeks})
        opened.kept[name] = Kept(name, one.label, one.overrides, edited.to_toml())
        opened.options.append(named(name))
    return opened


def kept_from(label: str, overrides: dict[str, Any], toml: str, name: str) -> Kept:
    """A scenario to keep under ``name``: the base's label, its lever edits and the edited scenario's TOML."""
    return Kept(clean_name(name), label, dict(overrides), toml)


def preset_option(option: str) -> bool:
    """Whether an option is a bundled preset (not the scenario on Explore nor a kept one)."""
    return option in bundled_scenarios("alignment")


def scenario_of(option: str, kept: Mapping[str, Kept], explore: ScenarioBase | None) -> ScenarioBase:
    """The scenario behind an option."""
    if option == EXPLORE and explore is not None:
        return explore
    if option.startswith(NAMED) and option[len(NAMED) :] in kept:
        return kept[option[len(NAMED) :]].scenario()
    return load_scenario(option)


def side_by_side(
    reference: pd.DataFrame, tables: Mapping[str, pd.DataFrame], metrics: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two tables for people, indexed by the metrics' code names: every option's mean of each metric (A from its
    per-seed ``summary``; B, C, D from their comparisons with A, by letter in ``tables``), the unit in the metric's
    name; and each option's difference against A with its verdict in words (``sim.present.verdict``). Short cells,
    so that four options fit a laptop's width and nothing is cut."""
    from sim.i18n import _
    from sim.present import labels, verdict

    index = pd.Index(list(metrics), name="code")
    names = [labels.tile_title(m) for m in metrics]
    # a row's options with the decimals that tell apart each one whose difference from A is clear
    shown = {
        m: labels.apart(
            m,
            reference[m].mean(),
            [t.loc[m, "mean_b"] for t in tables.values() if verdict.of_row(m, t.loc[m]) is not verdict.Verdict.UNCLEAR],
        )
        for m in metrics
    }
    levels = pd.DataFrame(
        {_("metric"): names, "A": [labels.value(m, reference[m].mean(), False, shown[m]) for m in metrics]},
        index=index,
    )
    differences = pd.DataFrame({_("metric"): names}, index=index)
    for letter, table in tables.items():
        levels[letter] = [labels.value(m, table.loc[m, "mean_b"], False, shown[m]) for m in metrics]
        differences[_("{letter} − A").format(letter=letter)] = [
            _("{difference} ({verdict})").format(
                difference=labels.difference(
                    m,
                    table.loc[m, "difference"],
                    labels.digits_for(m, table.loc[m, "difference"], table.loc[m, "ci_low"], table.loc[m, "ci_high"]),
                    unit=False,
                ),
                verdict=verdict.of_row(m, table.loc[m]).text,
            )
            for m in metrics
        ]
    return levels, differences
