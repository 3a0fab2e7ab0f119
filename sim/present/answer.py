"""The answer first: a few plain sentences, in business terms, on what an edit changed.

Built from the paired comparison of two ensembles on the same seeds (``sim.runner.compare``): each headline
metric's level before and after, the difference and where it likely lies (its 95% interval), and the verdict
(``sim.present.verdict``) in words. Money (revenue) is always among them. Every sentence is a full sentence with
placeholders, so it can be translated as a whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.i18n import _
from sim.present import labels, verdict
from sim.present.verdict import Verdict

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
    """One metric's result: its sentence and its verdict (``sim.present.verdict``)."""

    metric: str
    text: str
    verdict: Verdict

    @property
    def distinguishable(self) -> bool:
        """Whether the difference stands out from the noise (its 95% interval excludes zero)."""
        return self.verdict is not Verdict.UNCLEAR

    @property
    def better(self) -> bool | None:
        """True when better, False when worse, None when neither (an output, or not distinguishable)."""
        return {Verdict.BETTER: True, Verdict.WORSE: False}.get(self.verdict)


def distinguishable(row: pd.Series) -> bool:
    """Whether the 95% interval of the paired difference excludes zero."""
    return verdict.distinguishable(row["ci_low"], row["ci_high"])


def line(metric: str, row: pd.Series) -> Line:
    """The sentence for one metric of a comparison table row (``mean_a``, ``mean_b``, ``difference``, ``ci_low``,
    ``ci_high``): before and after, the difference, where it likely lies, and the verdict in words."""
    name = labels.name(metric)
    judged = verdict.of_row(metric, row)
    # the unit in words once, after the new value: "Support contacts 0.80 → 0.79 per customer per month: −0.0094";
    # a clear difference never reads as two equal numbers beside its verdict (one more decimal where needed)
    shown = labels.apart(metric, row["mean_a"], [row["mean_b"]]) if judged is not Verdict.UNCLEAR else None
    before = labels.value(metric, row["mean_a"], unit=False, digits=shown)
    after = labels.value(metric, row["mean_b"], digits=shown)
    d = row["difference"]
    if not math.isfinite(d):
        return Line(metric, _("{name}: no data to compare.").format(name=name), Verdict.UNCLEAR)
    # the difference and both ends with the precision its interval supports, the unit once
    digits = labels.digits_for(metric, d, row["ci_low"], row["ci_high"])
    diff = labels.difference(metric, d, digits, unit=False)
    rel = labels.relative(d, row["mean_a"])
    if labels.label(metric).unit != "share" and rel:
        diff = _("{difference} ({relative})").format(difference=diff, relative=rel)
    low = labels.difference(metric, row["ci_low"], digits, unit=False, in_points=False)
    high = labels.difference(metric, row["ci_high"], digits, unit=False)
    fields = dict(name=name, before=before, after=after, difference=diff, low=low, high=high)
    if judged is Verdict.UNCLEAR:
        text = _(
            "{name} {before} → {after}: {difference}, not distinguishable from the noise (likely between {low} "
            "and {high})."
        ).format(**fields)
    else:
        text = _("{name} {before} → {after}: {difference}, likely between {low} and {high} ({verdict}).").format(
            verdict=judged.text, **fields
        )
    return Line(metric, text, judged)


def lines(table: pd.DataFrame, metrics: list[str] | None = None) -> list[Line]:
    """The answer's lines for the headline metrics present in a comparison table."""
    return [line(m, table.loc[m]) for m in (metrics or HEADLINE) if m in table.index]


def customer_results(table: pd.DataFrame) -> list[Line]:
    """The headline's customer results (its outcome metrics, money included) with their verdicts."""
    return [x for x in lines(table) if verdict.direction(x.metric).kind == "outcome"]


def headline(table: pd.DataFrame, what: str, reference: str) -> str:
    """The opening sentence: how many customer results (the outcome metrics of the headline, money included) moved,
    and which way, against the reference. Outputs and the teams' figures are not counted: more output is not a
    better result by itself, which is the model's point."""
    found = customer_results(table)
    better = sum(1 for x in found if x.verdict is Verdict.BETTER)
    worse = sum(1 for x in found if x.verdict is Verdict.WORSE)
    if better == worse == 0:
        return _(
            "Compared with {reference}, in the same simulated markets, {what} changes none of the customer results by "
            "more than the noise."
        ).format(reference=reference, what=what)
    return _(
        "Compared with {reference}, in the same simulated markets, {what} makes {better} of {total} customer results "
        "better and {worse} worse."
    ).format(reference=reference, what=what, better=better, worse=worse, total=len(found))


def level_lines(summary: pd.DataFrame, metrics: list[str] | None = None) -> list[str]:
    """Without a comparison (an unedited scenario): each headline metric's mean over seeds and where it likely lies
    (its 95% interval), the unit written once."""
    from sim.stats import mean_ci

    out = []
    for metric in metrics or HEADLINE:
        if metric not in summary:
            continue
        mean, low, high = mean_ci(summary[metric])
        out.append(
            _("{name}: {value} (likely between {low} and {high}).").format(
                name=labels.name(metric),
                value=labels.value(metric, mean),
                low=labels.value(metric, low, unit=False),
                high=labels.value(metric, high, unit=False),
            )
        )
    return out


def changes(base, overrides: dict) -> list[str]:
    """What an edit changed, one readable line per lever: ``Prioritisation is a real choice: off → on``."""
    from sim.present.levers import Lever, get_value, levers_for

    by_path = {lever.path: lever for lever in levers_for(base)}
    out = []
    for path, value in overrides.items():
        lever = by_path.get(path) or Lever(path, path, "", "int", "")
        try:
            before = get_value(base, path)
        except (KeyError, TypeError):
            before = None
        out.append(
            _("{lever}: {before} → {after}").format(
                lever=lever.label, before=lever.text(before), after=lever.text(value)
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


def assumptions(scenario) -> str:
    """The named assumptions a scenario's results rest on, in one plain sentence (for the page and the board):
    what the work each department's KPI asks for is worth to customers, and how right beliefs are."""
    from sim.i18n import percent
    from sim.present.levers import ROLE_NAMES, possessive
    from sim.scenario import KpiProxy

    roles = {d.role for d in scenario.departments.values()}
    a = scenario.assumptions
    proxies = ", ".join(
        f"{possessive(_(ROLE_NAMES[r]))} {percent(a.proxy(r), 0)}" for r in KpiProxy.model_fields if r in roles
    )
    if not proxies:
        return _(
            "Rests on one assumption: how right the organisation's beliefs about what works are ({folk_wisdom})."
        ).format(folk_wisdom=percent(a.folk_wisdom, 0))
    return _(
        "Rests on two assumptions: what the work each department's KPI asks for is worth to customers ({proxies}), "
        "and how right the organisation's beliefs about what works are ({folk_wisdom}). With good proxies and right "
        "beliefs, aligning gains much less; where a KPI knows more than the shared criterion (above 100%), trumping "
        "it costs money."
    ).format(proxies=proxies, folk_wisdom=percent(a.folk_wisdom, 0))
