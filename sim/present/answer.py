"""The answer first: a few plain sentences, in business terms, on what an edit changed.

Built from the paired comparison of two ensembles on the same seeds (``sim.runner.compare``): each headline
metric's level before and after, the difference with its 95% confidence interval, and in words whether the
difference is distinguishable from zero. Money (revenue) is always among them. Every sentence is a full sentence
with placeholders, so it can be translated as a whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.i18n import _, number
from sim.metrics import METRICS
from sim.present import labels
from sim.present.labels import LABELS

#: The metrics the answer speaks about, in order: customers first, then money, then what the teams did.
HEADLINE = [
    "activation_rate_30d",
    "outcome_index",
    "support_contacts_per_customer",
    "churn_rate",
    "revenue",
    "onboarding_calls",
    "features_delivered",
    "shared_goal_capacity_share",
    "lead_time_weeks",
]


@dataclass(frozen=True)
class Line:
    """One metric's result: its sentence, and whether the difference is distinguishable from zero and better."""

    metric: str
    text: str
    distinguishable: bool
    better: bool | None


def distinguishable(row: pd.Series) -> bool:
    """Whether the 95% interval of the paired difference excludes zero."""
    low, high = row["ci_low"], row["ci_high"]
    return bool(math.isfinite(low) and math.isfinite(high) and (low > 0 or high < 0))


def line(metric: str, row: pd.Series) -> Line:
    """The sentence for one metric of a comparison table row (``mean_a``, ``mean_b``, ``difference``, ``ci_low``,
    ``ci_high``)."""
    name = labels.name(metric)
    # the unit in words once, after the new value: "Support contacts 0.80 → 0.79 per customer per month: −0.0094"
    before, after = labels.value(metric, row["mean_a"], unit=False), labels.value(metric, row["mean_b"])
    d = row["difference"]
    if not math.isfinite(d):
        return Line(metric, _("{name}: no data to compare.").format(name=name), False, None)
    diff = labels.difference(metric, d, unit=False)
    rel = labels.relative(d, row["mean_a"])
    if labels.label(metric).unit != "share" and rel:
        diff = _("{difference} ({relative})").format(difference=diff, relative=rel)
    digits = labels.digits_for(metric, d)
    low = labels.difference(metric, row["ci_low"], digits, unit=False)
    high = labels.difference(metric, row["ci_high"], digits, unit=False)
    if distinguishable(row) and METRICS[metric].kind == "output":  # more output is not better for customers
        sentence = (
            _("{name} {before} → {after}: {difference}, 95% CI {low} to {high} (more output).")
            if d > 0
            else _("{name} {before} → {after}: {difference}, 95% CI {low} to {high} (less output).")
        )
        text = sentence.format(name=name, before=before, after=after, difference=diff, low=low, high=high)
        return Line(metric, text, True, None)
    if distinguishable(row):
        better = (d > 0) == (labels.label(metric).better == "higher")
        sentence = (
            _("{name} {before} → {after}: {difference}, 95% CI {low} to {high} (better).")
            if better
            else _("{name} {before} → {after}: {difference}, 95% CI {low} to {high} (worse).")
        )
        text = sentence.format(name=name, before=before, after=after, difference=diff, low=low, high=high)
        return Line(metric, text, True, better)
    text = _("{name} {before} → {after}: {difference}, not distinguishable from zero (95% CI {low} to {high}).").format(
        name=name, before=before, after=after, difference=diff, low=low, high=high
    )
    return Line(metric, text, False, None)


def lines(table: pd.DataFrame, metrics: list[str] | None = None) -> list[Line]:
    """The answer's lines for the headline metrics present in a comparison table."""
    return [line(m, table.loc[m]) for m in (metrics or HEADLINE) if m in table.index]


def headline(table: pd.DataFrame, what: str, reference: str) -> str:
    """The opening sentence: how many customer results (the outcome metrics of the headline, money included) moved,
    and which way, against the reference. Outputs and the teams' figures are not counted: more output is not a
    better result by itself, which is the model's point."""
    found = [x for x in lines(table) if METRICS[x.metric].kind == "outcome"]
    better = sum(1 for x in found if x.distinguishable and x.better)
    worse = sum(1 for x in found if x.distinguishable and not x.better)
    if better == worse == 0:
        return _(
            "Against {reference} on the same seeds, {what} changes none of the customer results by more than the noise."
        ).format(reference=reference, what=what)
    return _(
        "Against {reference} on the same seeds, {what} makes {better} of {total} customer results better "
        "and {worse} worse."
    ).format(reference=reference, what=what, better=better, worse=worse, total=len(found))


def level_lines(summary: pd.DataFrame, metrics: list[str] | None = None) -> list[str]:
    """Without a comparison (an unedited scenario): each headline metric's mean over seeds with its 95% CI."""
    from sim.stats import mean_ci

    out = []
    for metric in metrics or HEADLINE:
        if metric not in summary:
            continue
        mean, low, high = mean_ci(summary[metric])
        out.append(
            _("{name}: {value} (95% CI {low} to {high}).").format(
                name=labels.name(metric),
                value=labels.value(metric, mean),
                low=labels.value(metric, low),
                high=labels.value(metric, high),
            )
        )
    return out


def _shown(lever, value) -> str:
    if value is None:
        return _("none")
    if isinstance(value, bool):
        return _("on") if value else _("off")
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) if value else _("nobody")
    if isinstance(value, float):
        return number(value, 2)
    if isinstance(value, str) and value in LABELS:
        return labels.name(value)
    return str(value)


def changes(base, overrides: dict) -> list[str]:
    """What an edit changed, one readable line per lever: ``Prioritisation is a real choice: off → on``."""
    from sim.present.levers import get_value, levers_for

    by_path = {lever.path: lever for lever in levers_for(base)}
    out = []
    for path, value in overrides.items():
        lever = by_path.get(path)
        name = lever.label if lever else path
        try:
            before = get_value(base, path)
        except (KeyError, TypeError):
            before = None
        out.append(
            _("{lever}: {before} → {after}").format(
                lever=name, before=_shown(lever, before), after=_shown(lever, value)
            )
        )
    return out


def description(base_label: str, base, overrides: dict) -> str:
    """The description of an edited scenario, for its exported file: what it is and what was changed."""
    if not overrides:
        return base.description
    return _("{name} with these changes: {changes}.").format(
        name=base_label, changes="; ".join(changes(base, overrides))
    )
