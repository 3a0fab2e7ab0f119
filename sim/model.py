"""The alignment model: departments and product teams (Mesa agents) around one product and its customers.

One step is one week:
1. departments read their KPI, act in their domain and send demands (in random order);
2. teams learn from arrived measurements, pick work and build it (in random order);
3. approvers review finished work; released work moves the product drivers;
4. drivers decay, customers move through the funnel, and the week's counters are recorded.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable
from typing import Any, TypeVar

import mesa
import numpy as np

from sim.agents.customers import CustomerPopulation
from sim.agents.department import ROLE_AGENTS, Department, progress
from sim.agents.team import ProductTeam
from sim.metrics import Records, metric, weekly_frame, window_value
from sim.organisation import build_graph, measures
from sim.runner import free_models_after_their_runs, on_one_blas_thread
from sim.scenario import DataAnalyticsSettings, HRSettings, Scenario, UXDesignSettings
from sim.streams import named_stream, stream_root
from sim.value import TOLERANCE, yardstick
from sim.work import DRIVERS, WorkItem, derive_catalogue, realised

free_models_after_their_runs()  # Mesa 3.3 would keep every model alive for good (mesa#3179)

#: Seeds drawn for a model made without one are below this (the CLI's --seed takes them, to rerun it).
DRAWN_SEEDS = 2**32


def _parameters(
    scenario: Scenario | str | None, seed: int | None, rng: int | None, overrides: dict[str, Any]
) -> tuple[Scenario, int]:
    """The scenario (loaded, overrides applied) and the run's seed from AlignmentModel's arguments."""
    if seed is not None and rng is not None:
        raise ValueError("give seed or rng, not both")
    given = seed if seed is not None else rng
    field = "rng" if rng is not None else "seed"
    if isinstance(given, np.random.Generator):
        given = int(given.integers(DRAWN_SEEDS))
    if given is not None and (isinstance(given, bool) or not isinstance(given, (int, np.integer))):
        raise TypeError(f"seed/rng: a whole number or None, got {given!r}")
    if given is not None and given < 0:
        from sim.input import ScenarioError, show

        raise ScenarioError(f"{field}: a whole number from 0 up (or None: a fresh seed is drawn), got {show(given)}")
    if isinstance(scenario, str):
        from sim.input import load_scenario

        scenario = load_scenario(scenario)  # type: ignore[assignment]
    scenario = scenario or Scenario()
    if overrides:
        flat = {k.replace("__", "."): v for k, v in overrides.items()}
        scenario = scenario.with_overrides(flat)  # type: ignore[assignment]
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: an alignment-model scenario, got model {getattr(scenario, 'model', scenario)!r}")
    return scenario, int(given) if given is not None else secrets.randbelow(DRAWN_SEEDS)


_Role = TypeVar("_Role")


def _weeks(weeks: Any, scenario: Scenario) -> int:
    """The run's horizon: ``weeks``, checked against the scenario's own field and its bounds, or the scenario's."""
    if weeks is None:
        return scenario.weeks
    bounds = {k: getattr(m, k) for m in Scenario.model_fields["weeks"].metadata for k in ("ge", "le") if hasattr(m, k)}
    if isinstance(weeks, bool) or not isinstance(weeks, (int, np.integer)) or not bounds["ge"] <= weeks <= bounds["le"]:
        from sim.input import ScenarioError, show

        raise ScenarioError(
            f"weeks: a whole number from {bounds['ge']} to {bounds['le']} (or None: the scenario's "
            f"{scenario.weeks}), got {show(weeks)}"
        )
    return int(weeks)


def _last_of(departments: Iterable[object], role: type[_Role]) -> _Role | None:
    """The last listed department of a role (its settings set the organisation-wide lever), or None."""
    found = [d for d in departments if isinstance(d, role)]
    return found[-1] if found else None


class AlignmentModel(mesa.Model):
    """An organisation steered by local KPIs or by a shared success criterion."""

    @on_one_blas_thread
    def __init__(
        self,
        scenario: Scenario | str | None = None,
        seed: int | None = None,
        weeks: int | None = None,
        *,
        rng: int | None = None,
        **overrides: Any,
    ):
        """A model of ``scenario`` (a Scenario, a bundled scenario's name or a scenario file; the default
        organisation when None) with ``overrides`` as flat keyword arguments: dotted paths
        (``**{"leadership.trump": 0.9}``, as Mesa's ``batch_run`` passes its parameters) or the same with ``__``
        (``leadership__trump=0.9``). ``seed`` (or Mesa's ``rng``) fixes the run; with neither a fresh seed is drawn
        and kept as ``self.seed``, so replicates differ and each can be rerun."""
        scenario, seed = _parameters(scenario, seed, rng, overrides)
        super().__init__(rng=seed)  # Mesa >= 3.5 deprecates seed=; rng= works on every Mesa 3
        #: the seed this run was made with (drawn when none was given)
        self.seed = seed
        # not "self.scenario": newer Mesa reserves that name for its own scenario object
        self.setup = scenario
        self.weeks = _weeks(weeks, scenario)
        self._stream_root = stream_root(self.rng)
        self.records = Records(self.weeks)
        self.graph = build_graph(scenario)
        self.graph_measures = measures(self.graph)
        self.week = 0
        self.trump = scenario.leadership.trump
        self.shared = metric(scenario.leadership.shared_criterion)
        self.shared_is_outcome = self.shared.kind == "outcome"

        depts = scenario.departments
        ux = _last_of(depts.values(), UXDesignSettings)
        data = _last_of(depts.values(), DataAnalyticsSettings)
        hr = _last_of(depts.values(), HRSettings)
        self.insight = ux.insight if ux else 0.0
        self.maturity = data.maturity if data else 0.0
        self.skills = hr.skills if hr else 0.5
        self.behaviour = b = scenario.behaviour
        #: weeks until a measurement arrives, and its noise (sd, driver points): both shrink with data maturity
        self.lag = b.lag_min + round(b.lag_span * (1.0 - self.maturity))
        self.noise_sd = b.noise_min + b.noise_span * (1.0 - self.maturity)

        self.drivers = np.array([getattr(scenario.product, d) for d in DRIVERS], dtype=float)
        #: the value yardstick: every driver's worth for customers and the business, derived from the funnel
        self.yardstick = yardstick(scenario)
        catalogue = derive_catalogue(scenario.kinds, scenario.assumptions, self.drivers, b.effect_scale)
        self.kind_names = list(catalogue.names)
        self.kind_index = {k: i for i, k in enumerate(self.kind_names)}
        self.kind_true, self.kind_believed = catalogue.true, catalogue.believed
        self.kind_size = catalogue.size
        self.kind_serves = catalogue.serves
        #: how much each driver is worth for the shared criterion, from the same funnel (outcome criteria); None for
        #: output and organisation criteria, which count kinds of work instead
        self.goal_drivers = self.yardstick.weights.get(self.shared.name) if self.shared_is_outcome else None
        #: what the organisation commonly believes each kind does: folk belief moved towards the truth by UX insight
        self.public_belief = self.kind_believed + self.insight * (self.kind_true - self.kind_believed)
        #: each kind's believed value for the shared criterion per person-week, the best kind 1 (departments' view)
        self.goal_fit = dict(zip(self.kind_names, self._kind_value(self.public_belief)))
        self._serves_goal = self._kind_value(self.kind_true) >= b.goal_fit_threshold - TOLERANCE
        # kinds departments believe worth asking for on behalf of the shared criterion, with their weights
        worth = np.array(
            [f if (f := self.goal_fit[k]) >= b.goal_fit_threshold - TOLERANCE else 0.0 for k in self.kind_names]
        )
        #: those kinds as a cumulative distribution over ``kind_names`` (None: no kind is worth asking for), drawn
        #: from as ``Generator.choice(p=worth / worth.sum())`` draws (one uniform, searched on the right): the same
        #: stream use and kind, without choice's checks of ``p`` on every department's every week (plain floats, which
        #: Python's bisect searches faster than NumPy searches so short an array)
        self.shared_cdf: tuple[float, ...] | None = None
        if worth.sum() > 0:
            cdf = np.cumsum(worth / worth.sum())
            cdf /= cdf[-1]
            self.shared_cdf = tuple(cdf.tolist())

        self.customers = CustomerPopulation(
            scenario.customers, self.stream("customers"), self.drivers, scenario.assumptions.customer_value
        )
        self._effects = {k: self.stream("effects", k) for k in self.kind_names}
        self._escalations = self.stream("escalations")
        self._approvals = self.stream("approvals")
        self._items = 0
        self._due: dict[int, list[WorkItem]] = {}
        self._by_requester: dict[str, list[WorkItem]] = {}

        self.departments_by_name: dict[str, Department] = {
            name: ROLE_AGENTS[cfg.role](self, name, cfg) for name, cfg in depts.items()
        }
        self.teams_by_name: dict[str, ProductTeam] = {
            name: ProductTeam(self, name, cfg) for name, cfg in scenario.teams.items()
        }
        requesters = [d for d in self.departments_by_name.values() if d.requests]
        #: the department whose demands weigh most with the teams (the loudest voice)
        self.loudest = max(requesters, key=lambda d: d.cfg.influence).name if requesters else ""
        self.departments = self.agents.select(agent_type=Department)
        self.teams = self.agents.select(agent_type=ProductTeam)
        self.campaign = 0.0
        self.calls = 0.0
        self.key_deals = 0
        self.running = True

    # ---------------------------------------------------------------- randomness
    def stream(self, *key: str) -> np.random.Generator:
        """An independent random stream for one subsystem, fixed by the seed and the key only."""
        return named_stream(self._stream_root, *key)

    # ---------------------------------------------------------------- levers and views
    def funding_mode(self) -> str:
        f = self.setup.funding
        if f.switch_to_product_week is not None and self.week >= f.switch_to_product_week:
            return "product"
        return f.mode

    def project_closed(self) -> bool:
        """Project funding after go-live: the project is over, its people have moved on."""
        return self.funding_mode() == "project" and self.week >= self.setup.funding.go_live_week

    def shared_progress(self) -> float:
        """The shared criterion's measured progress against its target (seen with the data lag)."""
        t = self.week - (self.lag if self.shared_is_outcome else 0)
        value = window_value(self.shared, self.records, t - self.behaviour.shared_window, t)
        return progress(value, self.setup.leadership.shared_target, self.shared.better)

    def _kind_value(self, effects: np.ndarray) -> np.ndarray:
        """Each kind's value per person-week for the shared criterion, scaled so the best kind is 1; values within
        ``TOLERANCE`` of the best count as the best (1 exactly), so rounding never decides between equals."""
        if self.goal_drivers is not None:
            value = np.clip(self.effect_value(effects), 0.0, None)
        else:
            value = np.array([self.counts_for_shared(k) for k in self.kind_names])
        value = value / self.kind_size
        top = value.max()
        if top <= 0:
            return value
        fit = value / top
        return np.where(fit >= 1.0 - TOLERANCE, 1.0, fit)

    def effect_value(self, effects: np.ndarray) -> np.ndarray | float:
        """Value for an outcome criterion of effect vector(s) at today's drivers: gains shrink as a driver nears 1
        (the same diminishing returns as a release)."""
        assert self.goal_drivers is not None, "an output criterion counts kinds; it has no driver weights"
        return realised(effects, self.drivers) @ self.goal_drivers

    def item_value(self, item: WorkItem, belief: np.ndarray) -> float:
        """What a team believes an item adds to the shared criterion (its own estimate once tested)."""
        if self.goal_drivers is not None:
            effect = item.estimate if item.estimate is not None else belief[self.kind_index[item.kind]]
            return float(self.effect_value(effect))
        return self.counts_for_shared(item.kind)

    def kind_item_values(self, belief: np.ndarray) -> dict[str, float]:
        """:meth:`item_value` of an untested item of every kind for a team with ``belief``, at today's drivers."""
        if self.goal_drivers is None:
            return {k: self.counts_for_shared(k) for k in self.kind_names}
        gains = realised(belief, self.drivers)  # each row as effect_value computes it for that kind's belief
        return {k: float(gains[n] @ self.goal_drivers) for n, k in enumerate(self.kind_names)}

    def counts_for_shared(self, kind: str) -> float:
        """For an output criterion: 1 if an item of this kind counts towards it, else 0."""
        return 1.0 if self.shared.kinds is None or kind in self.shared.kinds else 0.0

    def items_of(self, requester: str) -> list[WorkItem]:
        return self._by_requester.get(requester, [])

    # ---------------------------------------------------------------- work items
    def new_item(
        self, kind: str, team: str, requester: str, pressure: float, size: float | None = None, **terms
    ) -> WorkItem:
        """Create a work item in a team's backlog with a hidden true effect drawn for its kind (and a drawn size
        unless ``size`` is given)."""
        spec = self.setup.kinds[kind]
        rng = self._effects[kind]
        sd = self.behaviour.size_sd
        drawn = spec.size * float(rng.lognormal(-(sd**2) / 2, sd))  # a location of -sd²/2 keeps the mean at 1
        size = drawn if size is None else size
        self.records.add("offered_work", self.week, size)
        spread = 1.0 + spec.effect_sd * float(rng.standard_normal())  # mean kept; a large spread makes duds
        self._items += 1
        item = WorkItem(
            id=self._items,
            kind=kind,
            team=team,
            requester=requester,
            size=size,
            true_effect=self.kind_true[self.kind_index[kind]] * spread,
            created=self.week,
            pressure=pressure,
            serves_goal=bool(self._serves_goal[self.kind_index[kind]]),
            stream=self.kind_serves[self.kind_index[kind]],
            **terms,
        )
        item.approval_path = tuple(self.setup.teams[team].approval_chain)
        self.teams_by_name[team].backlog.append(item)
        if item.due is not None:
            self._due.setdefault(item.due, []).append(item)
        self._by_requester.setdefault(requester, []).append(item)
        return item

    def new_dependency(self, parent: WorkItem, team: str) -> WorkItem:
        """Work another team must do before ``parent`` can proceed."""
        size = self.behaviour.dependency_size * parent.size
        dep = self.new_item(parent.kind, team, parent.team, parent.pressure, size=size)
        dep.true_effect = np.zeros_like(dep.true_effect)
        dep.serves_goal, dep.stream = parent.serves_goal, parent.stream
        dep.parent = parent
        return dep

    def escalate(self, item: WorkItem) -> None:
        """A requester goes over the team's head; leadership backs the team with probability ``trump``."""
        item.escalated = True
        item.forced = bool(self._escalations.random() >= self.trump)
        self.records.add("escalations", self.week, 1)

    def finish(self, item: WorkItem) -> None:
        """Built work enters its approval chain (or is released at once without one)."""
        if item.approval_path:
            item.approval_step = 0
            item.queued_since = self.week
            self.departments_by_name[item.approval_path[0]].queue.append(item)
        else:
            self.release(item)

    def rework(self, item: WorkItem) -> None:
        """An approver sends an item back: part of its work (``behaviour.rework_size``) is redone and the chain
        starts again."""
        item.finished = None
        item.reworks += 1
        item.remaining = self.behaviour.rework_size * item.size
        item.approval_step = 0

    def release(self, item: WorkItem) -> None:
        """Ship an item: move the drivers, settle promises and milestones, schedule its measurement."""
        t, rec = self.week, self.records
        item.released = t
        e = item.true_effect
        self.drivers = np.clip(self.drivers + realised(e, self.drivers), 0, 1)
        rec.add("released", t, 1)
        assert item.started is not None  # released work was started
        cycle = t - item.started + 1
        rec.add("lead_time_sum", t, t - item.created + 1)
        rec.add("cycle_time_sum", t, cycle)
        rec.add("touch_sum", t, min(item.touch_weeks, cycle))
        rec.add("handoffs_sum", t, item.handoffs)
        if item.due is not None and t <= item.due:
            if item.promise:
                rec.add("promises_due", t, 1)
                rec.add("promises_kept", t, 1)
                self.key_deals += 1
            if item.milestone:
                rec.add("milestones_due", t, 1)
                rec.add("milestones_on_time", t, 1)
        self.teams_by_name[item.team].release(item)

    def _settle_missed(self) -> None:
        """Promises and milestones whose due date passed unreleased count as missed, once."""
        t = self.week
        for i in self._due.pop(t, ()):
            if i.released is None and (i.promise or i.milestone):
                self.records.add("promises_due" if i.promise else "milestones_due", t, 1)

    # ---------------------------------------------------------------- the week
    @on_one_blas_thread
    def step(self) -> None:
        t = self.week
        self.campaign, self.calls, self.key_deals = 0.0, 0.0, 0
        self.departments.shuffle_do("step")
        self.teams.shuffle_do("step")
        for name in self._approval_order:
            dept = self.departments_by_name[name]
            for item in dept.review():
                item.approval_step += 1
                item.handoffs += 1
                if self._approvals.random() < dept.cfg.rework_share:
                    self.rework(item)
                elif item.approval_step < len(item.approval_path):
                    item.queued_since = t
                    self.departments_by_name[item.approval_path[item.approval_step]].queue.append(item)
                else:
                    self.release(item)
        self._settle_missed()
        self.drivers *= 1.0 - self.setup.product.decay
        self.customers.step(t, self.drivers, self.campaign, self.calls, self.key_deals, self.records)
        rec = self.records
        rec.add("campaign_active", t, float(self.campaign > 0))
        for d, v in zip(DRIVERS, self.drivers):
            rec.c[f"driver_{d}"][t] = v
        self.week += 1
        if self.week >= self.weeks:
            self.running = False

    @property
    def _approval_order(self) -> list[str]:
        return [n for n, d in self.departments_by_name.items() if d.queue]

    def run(self) -> AlignmentModel:
        """Run every week of the horizon."""
        while self.running:
            self.step()
        return self

    # ---------------------------------------------------------------- Mesa's data collection
    @property
    def datacollector(self) -> mesa.DataCollector:
        """The weeks run so far as a Mesa DataCollector, made from the weekly records when asked for (the week
        itself collects nothing extra). Model reporters: every weekly metric and product driver, and the seed;
        agent reporters: each department's and team's name, kind, and the person-weeks of team work done that
        week at its request (a team's: on its own ideas). Step k is week k + 1, as ``mesa.batch_run`` reads it."""
        if self._collected is None or self._collected[0] != self.week:
            self._collected = (self.week, _collector(self))
        return self._collected[1]

    _collected: tuple[int, mesa.DataCollector] | None = None


def _latest(model: AlignmentModel, name: str) -> float:
    """A weekly metric's value in the last week run (a model reporter, if a caller collects by hand)."""
    return float(weekly_frame(model.records, model.week)[name].iloc[-1]) if model.week else float("nan")


def _unit(agent: mesa.Agent) -> str:
    return "team" if isinstance(agent, ProductTeam) else agent.cfg.role


def _work(agent: mesa.Agent) -> float:
    model: AlignmentModel = agent.model  # type: ignore[assignment]
    work = model.records.by_requester.get(agent.name)  # type: ignore[attr-defined]
    return float(work[model.week - 1]) if work is not None and model.week else 0.0


def _collector(model: AlignmentModel) -> mesa.DataCollector:
    frame = weekly_frame(model.records, model.week).drop(columns="week")
    reporters: dict[str, Any] = {n: functools.partial(_latest, name=n) for n in frame.columns}
    reporters["seed"] = "seed"
    dc = mesa.DataCollector(
        model_reporters=reporters, agent_reporters={"name": "name", "unit": _unit, "work_received": _work}
    )
    for name in frame.columns:
        dc.model_vars[name] = frame[name].tolist()
    dc.model_vars["seed"] = [model.seed] * model.week
    agents = [*model.departments_by_name.values(), *model.teams_by_name.values()]
    work = {a.name: model.records.by_requester.get(a.name) for a in agents}
    units = {a.name: _unit(a) for a in agents}
    for t in range(model.week):
        dc._agent_records[t] = [
            (t, a.unique_id, a.name, units[a.name], float(work[a.name][t]) if work[a.name] is not None else 0.0)
            for a in agents
        ]
    return dc
