"""The one verdict on a difference between two scenarios, used by every view that judges one.

A paired difference B − A of one metric (its mean and 95% interval over the same seeds) is judged once, here:

- **not distinguishable** when the interval does not exclude zero (or there is no data);
- **more output** / **less output** when the metric is an output (features released, calls held, leads): more of
  it is not better for customers by itself, which is the model's point;
- **better** / **worse** otherwise, by the registry's direction (``better = "higher"`` or ``"lower"``).

The answer in words (``sim.present.answer``), the app's metric tiles (their arrow follows the sign of the
difference, their colour the verdict), the Compare chart and table, the CLI's human table and the workshop
debrief all take their verdict from :func:`judge`; nothing else decides "better".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pandas as pd

from sim.i18n import N_, _


class Verdict(StrEnum):
    """How a difference reads for people (the value is its code, as CSV and JSON keep it)."""

    BETTER = "better"
    WORSE = "worse"
    MORE_OUTPUT = "more output"
    LESS_OUTPUT = "less output"
    UNCLEAR = "not distinguishable"

    @property
    def text(self) -> str:
        """The verdict in words, in the current language."""
        return _(WORDS[self])

    @property
    def colour(self) -> str:
        """The verdict's colour in charts (the same on screen and in exported images)."""
        return COLOURS[self]

    @property
    def tile_colour(self) -> str:
        """The verdict's colour on a Streamlit metric tile (one of Streamlit's named colours)."""
        return TILE_COLOURS[self]


#: The verdicts in words (translate with ``_``).
WORDS = {
    Verdict.BETTER: N_("better"),
    Verdict.WORSE: N_("worse"),
    Verdict.MORE_OUTPUT: N_("more output"),
    Verdict.LESS_OUTPUT: N_("less output"),
    Verdict.UNCLEAR: N_("not distinguishable"),
}
#: Chart colours: green better, magenta worse, blue for a change of output (neither good nor bad by itself: dark
#: for more, light for less, so the legend's two entries differ), grey for a difference the noise could explain.
#: Colour-blind safe (PRGn and RdBu's blues, told apart by lightness), and never the only cue: every view also
#: says the verdict in words.
COLOURS = {
    Verdict.BETTER: "#1b7837",
    Verdict.WORSE: "#c51b7d",
    Verdict.MORE_OUTPUT: "#2166ac",
    Verdict.LESS_OUTPUT: "#67a9cf",
    Verdict.UNCLEAR: "#9e9e9e",
}
#: The same on Streamlit's metric tiles (its named palette, which has one blue: a tile's arrow says more or less).
TILE_COLOURS = {
    Verdict.BETTER: "green",
    Verdict.WORSE: "red",
    Verdict.MORE_OUTPUT: "blue",
    Verdict.LESS_OUTPUT: "blue",
    Verdict.UNCLEAR: "gray",
}
#: The order verdicts are listed in (legends, tables).
ORDER = (Verdict.BETTER, Verdict.WORSE, Verdict.MORE_OUTPUT, Verdict.LESS_OUTPUT, Verdict.UNCLEAR)


@dataclass(frozen=True)
class Direction:
    """What the verdict needs to know about a metric: whether it is an output, and which way is better."""

    kind: str
    better: str


def direction(metric: str, registry: Mapping[str, Any] | None = None) -> Direction:
    """The metric's kind and better direction from a model's metric registry (default: the alignment model's, then
    the reference models'); a metric no registry knows is an organisation figure where higher is better."""
    if registry is None:
        from sim.present.labels import metric_spec

        spec = metric_spec(metric)
    else:
        spec = registry.get(metric)
    if spec is None:
        return Direction("organisation", "higher")
    return Direction(str(spec.kind), str(spec.better))


def distinguishable(low: float | None, high: float | None) -> bool:
    """Whether a 95% interval of a difference excludes zero."""
    if low is None or high is None:
        return False
    low, high = float(low), float(high)
    return math.isfinite(low) and math.isfinite(high) and (low > 0 or high < 0)


def judge(
    metric: str,
    difference: float | None,
    low: float | None,
    high: float | None,
    registry: Mapping[str, Any] | None = None,
) -> Verdict:
    """The verdict on a paired difference B − A of ``metric`` with its 95% interval [low, high]."""
    if difference is None or not math.isfinite(float(difference)) or not distinguishable(low, high):
        return Verdict.UNCLEAR
    way = direction(metric, registry)
    rises = float(difference) > 0
    if way.kind == "output":
        return Verdict.MORE_OUTPUT if rises else Verdict.LESS_OUTPUT
    return Verdict.BETTER if rises == (way.better == "higher") else Verdict.WORSE


def of_row(metric: str, row: Mapping[str, Any], registry: Mapping[str, Any] | None = None) -> Verdict:
    """The verdict on one row of a comparison table (``sim.runner.compare``: ``difference``, ``ci_low``,
    ``ci_high``)."""
    return judge(metric, row["difference"], row["ci_low"], row["ci_high"], registry)


def of_table(table: pd.DataFrame, registry: Mapping[str, Any] | None = None) -> pd.Series:
    """The verdict on every row of a comparison table, by metric."""
    return pd.Series({m: of_row(str(m), row, registry) for m, row in table.iterrows()}, dtype=object)


def arrow(difference: float | None) -> str:
    """Which way a tile's arrow points: "up" for a rise, "down" for a fall, "off" for none (or no data)."""
    if difference is None or not math.isfinite(float(difference)) or difference == 0:
        return "off"
    return "up" if difference > 0 else "down"
