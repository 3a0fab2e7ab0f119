"""Why it moved: the chain from the team's time to the product to the customers, in words, under the answer.

Read from two ensembles' results on the same seeds (nothing is run here):

1. **where the team's time moved**: person-weeks a week by kind of work and by who asked for it (the runs'
   ``capacity`` records), paired over seeds;
2. **which product drivers moved**: each driver's level over the run's last weeks (the weekly records), paired;
3. **which customer results followed**: the comparison's outcome metrics whose verdict is clear
   (``sim.present.verdict``), each with its most likely cause: the driver that moved it most (by the metric
   registry's driver weights) and the kind of work whose time moved that driver (by the scenario's catalogue of
   kinds: which drivers each kind pushes);
4. **the trade-off**, named when some customer results got better and others worse.

Only differences that stand out from the noise (their 95% interval excludes zero) are told. Every sentence is a
whole sentence with placeholders, translated as a whole. Metric names come from the registry, so metrics added to
it are told the same way; a metric without driver weights is told without a cause.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.i18n import _
from sim.present import labels, verdict
from sim.present.levers import department_name
from sim.present.verdict import Verdict
from sim.stats import paired_difference

#: Weeks at the end of a run over which driver levels are compared (as the outcome index's summary).
END_WEEKS = 13
#: At most this many moves of time (by kind, by requester) and of drivers are told.
MOST = 3
#: Moves of time smaller than this (person-weeks a week) are not told: they would read as +0.0.
TIME_SHOWN = 0.05


@dataclass(frozen=True)
class Move:
    """One paired difference B − A with its 95% interval (``what``: a kind, a requester, a driver or a metric)."""

    what: str
    difference: float
    low: float
    high: float

    @property
    def clear(self) -> bool:
        """Whether it stands out from the noise."""
        return verdict.distinguishable(self.low, self.high)

    @property
    def rose(self) -> bool:
        return self.difference > 0


@dataclass(frozen=True)
class Cause:
    """What most likely moved a customer result: a driver that moved, and the kind of work whose time moved it."""

    metric: str
    verdict: Verdict
    row: Mapping[str, Any]
    driver: Move | None
    work: Move | None


@dataclass(frozen=True)
class Why:
    """The reasons behind a comparison: moves of time, drivers, and the causes of the customer results."""

    kinds: list[Move]
    requesters: list[Move]
    drivers: list[Move]
    causes: list[Cause]

    def sentences(self) -> list[str]:
        """The reasons in words, in the current language: time, drivers, results (with the trade-off named)."""
        out = []
        if self.kinds or self.requesters:
            out.append(_time_sentence(self.kinds, self.requesters))
        if self.drivers:
            out.append(
                _("Product drivers at the end of the run: {moves}.").format(
                    moves=", ".join(f"{labels.driver_name(m.what)} {_points(m.difference)}" for m in self.drivers)
                )
            )
        good = _clauses([c for c in self.causes if c.verdict is Verdict.BETTER])
        bad = _clauses([c for c in self.causes if c.verdict is Verdict.WORSE])
        if good and bad:
            out.append(_("The trade-off: {gains}; against that, {losses}.").format(gains=good, losses=bad))
        elif good or bad:
            out.append(_("Customer results that followed: {results}.").format(results=good or bad))
        if not out:
            out.append(_("Neither the team's time nor the product moved by more than the noise."))
        return out


def _per_seed_time(capacity: pd.DataFrame, by: str, weeks: int) -> pd.DataFrame:
    """Person-weeks a week per seed (rows) and ``by`` value (columns), over the run's weeks."""
    if capacity.empty or by not in capacity:
        return pd.DataFrame()
    table = capacity.pivot_table(index="seed", columns=by, values="person_weeks", aggfunc="sum", fill_value=0.0)
    return table / max(weeks, 1)


def _moves(a: pd.DataFrame, b: pd.DataFrame, seeds: list[int]) -> list[Move]:
    """Paired differences B − A per column of two per-seed tables (a column one side lacks counts as zero)."""
    columns = sorted(set(a.columns) | set(b.columns))
    a = a.reindex(index=seeds, columns=columns, fill_value=0.0).fillna(0.0)
    b = b.reindex(index=seeds, columns=columns, fill_value=0.0).fillna(0.0)
    out = []
    for column in columns:
        d = paired_difference(a[column], b[column])
        out.append(Move(str(column), d["difference"], d["ci_low"], d["ci_high"]))
    return out


def _largest(moves: list[Move], most: int = MOST, least: float = 0.0) -> list[Move]:
    """The clear moves of at least ``least``, largest first."""
    return sorted((m for m in moves if m.clear and abs(m.difference) >= least), key=lambda m: -abs(m.difference))[:most]


def _weeks(result) -> int:
    return int(result.weekly["week"].max()) if "week" in result.weekly and len(result.weekly) else 1


def _drivers(reference, result, names: tuple[str, ...]) -> list[Move]:
    """Each product driver's level over the last END_WEEKS weeks, paired over seeds."""
    out = []
    for driver in names:
        if driver not in reference.weekly or driver not in result.weekly:
            continue
        levels = []
        for ens in (reference, result):
            last = ens.weekly[ens.weekly["week"] > _weeks(ens) - END_WEEKS]
            levels.append(last.groupby("seed")[driver].mean().reindex(result.seeds))
        d = paired_difference(levels[0], levels[1])
        out.append(Move(driver, d["difference"], d["ci_low"], d["ci_high"]))
    return out


def explain(reference, result, table: pd.DataFrame, scenario: Any = None) -> Why:
    """Why ``result`` (B) differs from ``reference`` (A) on the same seeds: ``table`` is their comparison
    (``sim.runner.compare``), ``scenario`` the one whose catalogue of kinds says which drivers each kind pushes
    (B's; without it no work is named as a cause)."""
    from sim.work import DRIVERS

    seeds = list(result.seeds)
    cap_a, cap_b = reference.extra.get("capacity"), result.extra.get("capacity")
    kinds: list[Move] = []
    requesters: list[Move] = []
    if isinstance(cap_a, pd.DataFrame) and isinstance(cap_b, pd.DataFrame):
        wa, wb = _weeks(reference), _weeks(result)
        kinds = _moves(_per_seed_time(cap_a, "kind", wa), _per_seed_time(cap_b, "kind", wb), seeds)
        requesters = _moves(_per_seed_time(cap_a, "requester", wa), _per_seed_time(cap_b, "requester", wb), seeds)
    drivers = _drivers(reference, result, DRIVERS)
    directions = _kind_directions(scenario)
    causes = []
    for metric in _customer_results(table):
        row = table.loc[metric]
        judged = verdict.of_row(str(metric), row)
        if verdict.direction(str(metric)).kind != "outcome" or judged not in (Verdict.BETTER, Verdict.WORSE):
            continue
        driver = _driver_behind(str(metric), judged, drivers, DRIVERS)
        work = _work_behind(driver, kinds, directions) if driver is not None else None
        causes.append(Cause(str(metric), judged, row.to_dict(), driver, work))
    shown = TIME_SHOWN
    return Why(_largest(kinds, least=shown), _largest(requesters, least=shown), _largest(drivers, least=0.001), causes)


def _customer_results(table: pd.DataFrame) -> list[str]:
    """The customer results the answer speaks of (its headline's outcome metrics, ``sim.present.answer``), or every
    outcome level in the table when it has none of them (a change metric is left out: its relative move misleads)."""
    from sim.present.answer import HEADLINE

    outcomes = [
        str(m)
        for m in table.index
        if verdict.direction(str(m)).kind == "outcome" and getattr(labels.metric_spec(str(m)), "agg", "") != "change"
    ]
    headline = [m for m in HEADLINE if m in outcomes]
    return headline or outcomes


def _kind_directions(scenario: Any) -> dict[str, dict[str, float]]:
    """Which drivers each kind of work pushes, and how (the scenario's catalogue; empty without one)."""
    kinds = getattr(scenario, "kinds", None) or {}
    return {name: dict(getattr(kind, "direction", {}) or {}) for name, kind in kinds.items()}


def _driver_behind(metric: str, judged: Verdict, drivers: list[Move], names: tuple[str, ...]) -> Move | None:
    """The clear driver move that pushed ``metric`` most in the direction it went (the registry's driver weights
    say how strongly each driver moves it; a positive weight: a rising driver makes the metric better)."""
    spec = labels.metric_spec(metric)
    weights = getattr(spec, "drivers", None)
    if not weights:
        return None
    weight = dict(zip(names, weights))
    sign = 1.0 if judged is Verdict.BETTER else -1.0
    scored = [(weight.get(m.what, 0.0) * m.difference * sign, m) for m in drivers if m.clear]
    scored = [(s, m) for s, m in scored if s > 0]
    return max(scored, key=lambda sm: sm[0])[1] if scored else None


def _work_behind(driver: Move, kinds: list[Move], directions: Mapping[str, Mapping[str, float]]) -> Move | None:
    """The clear move of time on a kind of work that pushed ``driver`` the way it went, the largest first."""
    scored = []
    for move in kinds:
        push = directions.get(move.what, {}).get(driver.what, 0.0)
        score = push * move.difference * (1.0 if driver.rose else -1.0)
        if move.clear and score > 0:
            scored.append((score, move))
    return max(scored, key=lambda sm: sm[0])[1] if scored else None


def _points(d: float) -> str:
    """A driver's move on its 0–100 scale: ``+5.2 pts``."""
    return labels.points(d, 1)


def _signed(d: float, digits: int = 1) -> str:
    return labels.signed(d, digits)


def short_difference(metric: str, row: Mapping[str, Any]) -> str:
    """A customer result's move, short: points for a share (``+2.0 pts``), else relative (``−0.4%``), else the
    difference in its unit."""
    d = float(row["difference"])
    if labels.label(metric).unit == "share":
        return labels.difference(metric, d)
    return labels.relative(d, float(row["mean_a"])) or labels.difference(metric, d)


def _clauses(causes: list[Cause]) -> str:
    """The causes of customer results in words, results with the same cause told together."""
    groups: dict[tuple, list[Cause]] = {}
    for cause in causes:
        key = (cause.driver.what if cause.driver else cause.metric, cause.work.what if cause.work else None)
        groups.setdefault(key, []).append(cause)
    return "; ".join(_cause_clause(group) for group in groups.values())


def _cause_clause(group: list[Cause]) -> str:
    """``30-day activation +2.0 pts, Customers using the product +0.8% because work on onboarding simplification
    rose (+1.2 person-weeks a week) and lifted onboarding ease (+5.0 pts)``."""
    what = ", ".join(
        _("{metric} {difference}").format(
            metric=labels.in_text(labels.name(c.metric)), difference=short_difference(c.metric, c.row)
        )
        for c in group
    )
    driver, work = group[0].driver, group[0].work
    if driver is None:
        return what
    fields = dict(
        result=what,
        driver=labels.driver_name(driver.what),
        driver_move=_points(driver.difference),
    )
    if work is None:
        template = (
            _("{result} because {driver} rose ({driver_move})")
            if driver.rose
            else _("{result} because {driver} fell ({driver_move})")
        )
        return template.format(**fields)
    fields.update(kind=labels.kind_name(work.what), time=_signed(work.difference))
    templates = {
        (True, True): _(
            "{result} because work on {kind} rose ({time} person-weeks a week) and lifted {driver} ({driver_move})"
        ),
        (True, False): _(
            "{result} because work on {kind} rose ({time} person-weeks a week) and {driver} fell ({driver_move})"
        ),
        (False, True): _(
            "{result} because work on {kind} fell ({time} person-weeks a week) and {driver} still rose ({driver_move})"
        ),
        (False, False): _(
            "{result} because work on {kind} fell ({time} person-weeks a week) and {driver} fell with it "
            "({driver_move})"
        ),
    }
    return templates[(work.rose, driver.rose)].format(**fields)


def _time_sentence(kinds: list[Move], requesters: list[Move]) -> str:
    """``Where the team's time moved (person-weeks a week): onboarding simplification +1.2, key-account features
    −0.8; asked by the product team +0.9, Sales −0.7.``"""
    by_kind = ", ".join(f"{labels.kind_name(m.what)} {_signed(m.difference)}" for m in kinds)
    by_whom = ", ".join(f"{department_name(m.what)} {_signed(m.difference)}" for m in requesters)
    if by_kind and by_whom:
        return _("Where the team's time moved (person-weeks a week): {kinds}; asked for by {requesters}.").format(
            kinds=by_kind, requesters=by_whom
        )
    if by_kind:
        return _("Where the team's time moved (person-weeks a week): {kinds}.").format(kinds=by_kind)
    return _("Where the team's time moved (person-weeks a week), asked for by: {requesters}.").format(
        requesters=by_whom
    )
