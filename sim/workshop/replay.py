"""Replaying a workshop table's decisions through the model, and the counterfactual it is judged against.

A table's results are the template's scenario run round by round on the workshop's one seed, with each
department's decision applied at the start of the round and each logic switch from the round it was made.
Every table of a workshop plays the same market (the same seed, and the model draws every subsystem from its
own named random stream), so two tables that decide the same get the same path, and differences between tables
come from their decisions, not from luck.

The words in a replay's frame (decisions, notes, the logic in force, table names) are in the language current when
it is made; the cache keeps one copy per language, so two sessions in two languages never see each other's words.

The counterfactual is "every department follows its own KPI" (push own KPI, normal demands, each role's own
action taken) on the same seed with the same logic switches. ``over_seeds`` replays a table's decisions and the
counterfactual over 30 seeds and reports the paired difference with its 95% interval: how much of the table's
lesson is decisions, not the market it happened to draw. Replays are cached (same arguments, same result), and
screens asking for the same replay at once (30 of them, after a round is played) wait for one computation.
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache

import numpy as np
import pandas as pd

from sim.i18n import N_, _, current
from sim.input import load_scenario
from sim.metrics import METRICS, Metric, capacity_frame, progress, window_value
from sim.scenario import Scenario
from sim.stats import paired_difference
from sim.workshop.rules import ACTIONS, DEMANDS, PUSH, SHARED_CRITERION_TRUMP, TEMPLATES, Decision, switch_label

RESULT_COLUMNS = [
    "round",
    "department",
    "played_by",
    "decided",
    "decision",
    "kpi",
    "kpi_value",
    "kpi_target",
    "kpi_attainment",
    "kpi_note",
    "shared_metric",
    "shared_outcome",
    "output_attainment",
    "logic",
]
OWN_KPI = N_("Every department on its own KPI")  # shown as ``_(OWN_KPI)``
SEEDS = 30

Decisions = dict[tuple[int, str], Decision]  # (round, department) -> decision
Switches = tuple[tuple[str, int], ...]  # (switch, first round it applies to)


def _key(decisions: Decisions) -> tuple:
    return tuple(sorted(decisions.items()))


def own_kpi_decisions(template: str, rounds: int | None = None) -> Decisions:
    """The counterfactual: every playable department pushes its own KPI and takes its own action."""
    spec = TEMPLATES[template]
    n = spec["rounds"] if rounds is None else rounds
    return {(r, d): Decision("own KPI", "normal", bool(ACTIONS.get(d))) for r in range(n) for d in spec["departments"]}


def replay(
    template: str,
    seed: int,
    rounds: int,
    decisions: Decisions,
    switches: Switches = (),
    players: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per played round and playable department: the department's KPI and the shared outcome."""
    with _REPLAY_LOCK:  # screens asking at once (a round just played) wait for one computation, then share it
        frame = _replay_cached(template, int(seed), int(rounds), _key(decisions), tuple(switches), current()).copy()
    if players:
        model = _("model")
        frame["played_by"] = frame["department"].map(lambda d: players.get(d, model))
    return frame


_REPLAY_LOCK = threading.Lock()


@lru_cache(maxsize=512)
def _replay_cached(template, seed, rounds, decisions_key, switches, lang) -> pd.DataFrame:
    return _play(template, seed, rounds, dict(decisions_key), switches)[0]  # lang: the cache key of its words


def team_time(template: str, seed: int, rounds: int, decisions: Decisions, switches: Switches = ()) -> pd.DataFrame:
    """Where the product team's time went in the played rounds: week, requester, person_weeks."""
    with _REPLAY_LOCK:
        return _team_time_cached(template, int(seed), int(rounds), _key(decisions), tuple(switches)).copy()


@lru_cache(maxsize=64)
def _team_time_cached(template, seed, rounds, decisions_key, switches) -> pd.DataFrame:
    model = _play(template, seed, rounds, dict(decisions_key), switches)[1]
    frame = capacity_frame(model.records)
    return frame[frame["week"] <= model.week].reset_index(drop=True)


def shared_path(template: str, seed: int, rounds: int, decisions: Decisions, switches: Switches = ()) -> list[float]:
    """The shared outcome per played round."""
    frame = replay(template, seed, rounds, decisions, switches)
    return frame.groupby("round")["shared_outcome"].first().tolist()


def table_paths(
    template: str, seed: int, rounds: int, tables: dict[int, Decisions], switches: Switches = ()
) -> pd.DataFrame:
    """The shared outcome per round for each table and for the own-KPI counterfactual, on the workshop's seed:
    columns table (a label), round, shared_outcome, logic."""
    rows = []
    runs = {table_name(t): d for t, d in sorted(tables.items())}
    runs[_(OWN_KPI)] = own_kpi_decisions(template, rounds)
    for label, decisions in runs.items():
        frame = replay(template, seed, rounds, decisions, switches)
        for r, g in frame.groupby("round"):
            rows.append(
                {
                    "table": label,
                    "round": int(r),
                    "shared_outcome": g["shared_outcome"].iloc[0],
                    "logic": g["logic"].iloc[0],
                }
            )
    return pd.DataFrame(rows, columns=["table", "round", "shared_outcome", "logic"])


def over_seeds(
    template: str, rounds: int, decisions: Decisions, switches: Switches = (), seeds: int = SEEDS
) -> dict[str, float]:
    """The table's decisions against the own-KPI counterfactual over ``seeds`` paired seeds: the mean shared
    outcome over the played rounds, its paired difference (table - counterfactual) with a 95% interval, and
    whether higher is better for the shared criterion."""
    with _ENSEMBLE_LOCK:  # screens asking at once wait for one computation, then share the cached result
        return dict(_over_seeds_cached(template, int(rounds), _key(decisions), tuple(switches), int(seeds)))


_ENSEMBLE_LOCK = threading.Lock()


@lru_cache(maxsize=128)
def _over_seeds_cached(template, rounds, decisions_key, switches, seeds) -> tuple:
    decisions = dict(decisions_key)
    counter = own_kpi_decisions(template, rounds)
    table = [np.nanmean(shared_path(template, s, rounds, decisions, switches)) for s in range(seeds)]
    base = [np.nanmean(shared_path(template, s, rounds, counter, switches)) for s in range(seeds)]
    diff = paired_difference(base, table)
    return tuple(
        {
            "table_mean": float(np.mean(table)),
            "own_kpi_mean": float(np.mean(base)),
            "difference": diff["difference"],
            "ci_low": diff["ci_low"],
            "ci_high": diff["ci_high"],
            "seeds": seeds,
        }.items()
    )


def _shared(template: str) -> Metric:
    scenario = load_scenario(template)
    assert isinstance(scenario, Scenario)  # a workshop template is an alignment scenario
    return METRICS[scenario.leadership.shared_criterion]


def table_name(table: int) -> str:
    """``Table 2`` (``Bord 2``)."""
    return _("Table {table}").format(table=table)


def _logic(switches: Switches, r: int) -> str:
    active = [switch_label(s) for s, first in switches if r >= first]
    return "; ".join(active) if active else _("local KPIs")


def _play(template, seed, rounds, decisions, switches=(), players=None):
    from sim.model import AlignmentModel

    spec = TEMPLATES[template]
    scenario = load_scenario(template, {"weeks": spec["rounds"] * spec["weeks"]})
    model = AlignmentModel(scenario, seed=seed)
    base = {name: d.cfg for name, d in model.departments_by_name.items()}
    shared = model.shared
    rows = []
    for r in range(rounds):
        start = model.week
        for switch, first in switches:
            if r == first:
                _apply_switch(model, switch)
        for dept in spec["departments"]:
            decision = decisions.get((r, dept))
            if decision is not None:
                _apply(model, dept, base[dept], decision)
            else:  # nobody decided this round: the model plays the department as the template has it
                model.departments_by_name[dept].cfg = base[dept]
        for _week in range(spec["weeks"]):
            model.step()
        outcome = window_value(shared, model.records, start, model.week)
        attainment = window_value(METRICS["output_attainment"], model.records, start, model.week)
        for dept in spec["departments"]:
            agent = model.departments_by_name[dept]
            value = window_value(agent.kpi, model.records, start, model.week)
            measured = not math.isnan(value)
            decision = decisions.get((r, dept))
            rows.append(
                {
                    "round": r + 1,
                    "department": dept,
                    "played_by": (players or {}).get(dept, _("model")),
                    "decided": decision is not None,
                    "decision": decision.describe(dept) if decision else _("played by the model"),
                    "kpi": agent.kpi.name,
                    "kpi_value": value,
                    "kpi_target": agent.cfg.target,
                    "kpi_attainment": (
                        min(progress(value, agent.cfg.target, agent.kpi.better), 1.5) if measured else math.nan
                    ),
                    "kpi_note": "" if measured else _no_data(agent.kpi),
                    "shared_metric": shared.name,
                    "shared_outcome": outcome,
                    "output_attainment": attainment,
                    "logic": _logic(switches, r),
                }
            )
    return pd.DataFrame(rows, columns=RESULT_COLUMNS), model


def _no_data(kpi: Metric) -> str:
    if kpi.name == "milestones_on_plan_rate":
        return _("no data this round: no milestone was due")
    if kpi.name == "promises_on_time_rate":
        return _("no data this round: no promise was due")
    return _("no data this round: nothing to measure")


def _apply(model, dept: str, base_cfg, decision: Decision) -> None:
    agent = model.departments_by_name[dept]
    update = {"alignment": PUSH[decision.push], "demand_rate": base_cfg.demand_rate * DEMANDS[decision.demands]}
    if dept == "sales":
        update["max_open_promises"] = base_cfg.max_open_promises if decision.action else 0
    if dept == "customer_success":
        update["call_capacity"] = base_cfg.call_capacity * (2.0 if decision.action else 1.0)
    if dept == "marketing" and agent.campaign_left == 0:
        # yes: launch this round (an aligned Marketing may still wait for readiness); no: no campaign now
        agent.campaign_done = not decision.action
        update["campaign_start_week"] = model.week + 1
    if dept == "finance":
        update["plan_items"] = base_cfg.plan_items if decision.action else 0
    agent.cfg = agent.cfg.model_copy(update=update)


def _apply_switch(model, switch: str) -> None:
    if switch == "shared_criterion":
        model.trump = max(model.trump, SHARED_CRITERION_TRUMP)
    elif switch == "product_funding":
        model.setup = model.setup.with_overrides({"funding.mode": "product"})


# ---------------------------------------------------------------- a workshop's tables, from the store
def table_decisions(shop, code: str, secret: str, table: int) -> Decisions:
    """(round, department) -> decision in force, for one table."""
    return {(r, d): dec for (_t, r, d), dec in shop.decisions(code, secret, table).items()}


def table_results(shop, code: str, secret: str, table: int) -> pd.DataFrame:
    """One table's played rounds (``replay``), with the names of the people in each seat."""
    state = shop.state(code, secret)
    names: dict[str, list[str]] = {}
    for seat in shop.players(code, secret):
        if seat.table == table:  # (a player reads only their own table's seats until the game is over)
            names.setdefault(seat.department, []).append(seat.name)
    return replay(
        state.template,
        state.seed,
        state.round,
        table_decisions(shop, code, secret, table),
        state.switches,
        {d: ", ".join(n) for d, n in names.items()},
    )


def own_kpi_results(state) -> pd.DataFrame:
    """The counterfactual's played rounds on the workshop's market, with its logic switches."""
    return replay(
        state.template, state.seed, state.round, own_kpi_decisions(state.template, state.round), state.switches
    )


def workshop_paths(shop, code: str, secret: str) -> pd.DataFrame:
    """Every table's shared outcome per round and the counterfactual's (``table_paths``)."""
    state = shop.state(code, secret)
    return table_paths(
        state.template,
        state.seed,
        state.round,
        {t: table_decisions(shop, code, secret, t) for t in range(1, state.tables + 1)},
        state.switches,
    )


def workshop_over_seeds(shop, code: str, secret: str, seeds: int = SEEDS) -> dict[str, dict]:
    """``over_seeds`` for every table: 'Table n' -> the paired difference against own KPIs."""
    state = shop.state(code, secret)
    return {
        table_name(t): over_seeds(
            state.template, state.round, table_decisions(shop, code, secret, t), state.switches, seeds
        )
        for t in range(1, state.tables + 1)
    }


def workshop_team_time(shop, code: str, secret: str, table: int) -> pd.DataFrame:
    state = shop.state(code, secret)
    return team_time(
        state.template, state.seed, state.round, table_decisions(shop, code, secret, table), state.switches
    )
