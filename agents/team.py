"""Product teams: capacity, WIP limit, a backlog, beliefs about what helps, and the choice of what to build.

Each week a team scores waiting items by ``(1 - w) * pressure + w * believed value per person-week`` where
``w = a * (f + (1 - f) * evidence)``: its effective alignment ``a``, how much evidence backs its beliefs, and
``f = behaviour.value_weight_without_evidence`` (0.25).
Without data, beliefs carry little weight and the loudest requester wins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.agents.unit import Unit
from sim.scenario import Team
from sim.streams import choose
from sim.work import WorkItem

if TYPE_CHECKING:
    from sim.model import AlignmentModel


class Measurement(NamedTuple):
    """A measurement under way: what a team will learn, and when."""

    #: the week the result arrives (after the data lag)
    due: int
    #: the row of the measured kind in the catalogue
    kind: int
    #: the observed effect (a driver vector)
    observation: np.ndarray
    #: the observation's noise (sd, driver points)
    noise: float
    #: the tested item, for an experiment's result (None: a released item measured for its kind)
    item: WorkItem | None


class ProductTeam(Unit):
    """A product team and its backlog."""

    stream_kind = "team"
    cfg: Team

    def __init__(self, model: AlignmentModel, name: str, cfg: Team):
        super().__init__(model, name, cfg)
        self.backlog: list[WorkItem] = []
        self.wip: list[WorkItem] = []
        self.last_top: list[WorkItem] = []
        kinds = model.kind_names
        insight = model.insight
        believed, true = model.kind_believed, model.kind_true
        b = model.behaviour
        noise = self.stream.normal(0.0, (1.0 - insight) * b.belief_noise, size=believed.shape)
        self.belief = believed + insight * (true - believed) + noise
        self.initial_belief = self.belief.copy()
        self.precision = np.full(len(kinds), 1.0 / b.prior_sd**2)
        self.prior_precision = self.precision.copy()
        self.pending: list[Measurement] = []
        self.tested_now: list[WorkItem] = []

    # ---------------------------------------------------------------- weekly cycle
    def capacity(self) -> float:
        """People available this week: skills, and project funding's shrink after go-live."""
        m = self.model
        cap = self.cfg.capacity * (m.behaviour.skills_base + m.behaviour.skills_gain * m.skills)
        if m.project_closed():
            cap *= m.setup.funding.retention
        return cap

    def hand_over(self) -> None:
        """A project goes live and its people move on: what they learned leaves with them (beliefs and their
        precision fall back towards where the team started, keeping the share of the people who stay and what the
        hand-over saves of the rest), the team's own ideas and test results lose their owner, and measurements still
        under way are never read."""
        f = self.model.setup.funding
        kept = f.retention + f.handover * (1.0 - f.retention)
        self.belief = self.initial_belief + kept * (self.belief - self.initial_belief)
        self.precision = self.prior_precision + kept * (self.precision - self.prior_precision)
        self.backlog = [i for i in self.backlog if i.requester != self.name]
        for item in self.backlog:
            item.estimate, item.tested = None, False
        self.pending = []

    def evidence(self) -> float:
        """How far data backs the team's beliefs, in [0, 1]."""
        learned = 1.0 - self.prior_precision / self.precision
        return float(min(1.0, self.model.behaviour.evidence_from_insight * self.model.insight + learned.mean()))

    def step(self) -> None:
        m, t = self.model, self.model.week
        rec = m.records
        if m.funding_mode() == "project" and t == m.setup.funding.go_live_week:
            self.hand_over()
        self.learn(t)
        self.discover()
        cap = self.capacity()
        # what an untested item of each kind is believed worth at this week's beliefs and drivers, which do not
        # change between the tests and the ranking
        by_kind = m.kind_item_values(self.belief)
        experiments = self.experiment(cap, by_kind)
        self.pull(t, by_kind)
        cost = m.behaviour.experiment_cost
        used = self.work(cap - experiments * cost, t) + experiments * cost
        rec.add("capacity", t, cap)
        rec.add("capacity_used", t, used)
        if experiments:
            for item in self.tested_now:
                rec.add_work("experiments", item.kind, t, cost)
            rec.add("goal_capacity", t, sum(i.serves_goal for i in self.tested_now) * cost)
        rec.add("wip_over_limit", t, max(0, self.in_development() - self.cfg.wip_limit))
        rec.add("team_weeks", t, 1)
        rec.add("wip", t, len(self.wip))
        rec.add("backlog", t, len(self.backlog))
        rec.add("unreleased", t, len(self.backlog) + len(self.wip))
        rec.add("belief_error_sum", t, float(np.abs(self.belief - m.kind_true).mean()))
        rec.add("belief_error_n", t, 1)

    def discover(self) -> None:
        """The team's own ideas, of any kind in the catalogue; stale ones leave the backlog.

        Without evidence an idea's kind is a guess (uniform over the catalogue); with evidence ideas follow what
        the team believes serves the shared criterion per person-week.
        """
        m, t = self.model, self.model.week
        self.backlog = [
            i for i in self.backlog if i.requester != self.name or t - i.created < m.behaviour.idea_shelf_life
        ]
        n = self.stream.poisson(self.cfg.discovery_rate)
        if n == 0:
            return
        value = np.clip(self.kind_values(), 0.0, None)
        k = len(value)
        guided = value / value.sum() if value.sum() > 0 else np.full(k, 1.0 / k)
        e = self.evidence()
        p = (1.0 - e) / k + e * guided
        for kind in choose(self.stream, p / p.sum(), n):
            m.new_item(m.kind_names[kind], self.name, self.name, self.cfg.influence)

    def kind_values(self) -> np.ndarray:
        """The team's believed value of each kind for the shared criterion, per person-week."""
        m = self.model
        if m.goal_drivers is not None:
            return np.asarray(m.effect_value(self.belief)) / m.kind_size
        return np.array([m.counts_for_shared(k) for k in m.kind_names]) / m.kind_size

    def experiment(self, cap: float, by_kind: dict[str, float] | None = None) -> int:
        """Build-measure-learn: test the most promising untested waiting items before building them.

        Each test costs ``behaviour.experiment_cost`` person-weeks and reveals the item's own effect, with noise,
        after the data lag; it needs data (maturity > 0), an outcome criterion to learn about, and a team that is not a
        project past its go-live. ``by_kind``: as for :meth:`values_per_week_of_work`.
        """
        m = self.model
        self.tested_now = []
        if m.maturity <= 0 or self.cfg.experiment_share <= 0 or m.goal_drivers is None or m.project_closed():
            return 0
        budget = int(cap * self.cfg.experiment_share / m.behaviour.experiment_cost)
        candidates = [i for i in self.backlog if i.started is None and not i.tested]
        if budget == 0 or not candidates:
            return 0
        believed = self.values_per_week_of_work(candidates, by_kind)
        chosen = [candidates[k] for k in np.argsort(-np.array(believed), kind="stable")[:budget]]
        self.tested_now = chosen
        for item in chosen:
            item.tested = True
            noise = m.noise_sd * m.behaviour.test_noise_factor
            obs = item.true_effect + self.stream.normal(0.0, noise, size=item.true_effect.shape)
            self.pending.append(Measurement(m.week + m.lag, m.kind_index[item.kind], obs, noise, item))
        m.records.add("experiments", m.week, len(chosen))
        return len(chosen)

    def observe(self, item: WorkItem) -> None:
        """Schedule the measurement of a released item's effect (needs data). A tested item was already measured,
        and was built *because* its test looked good: measuring it again would bias the kind's belief upwards."""
        m = self.model
        if m.maturity <= 0 or item.tested or m.project_closed():
            return
        obs = item.true_effect + self.stream.normal(0.0, m.noise_sd, size=item.true_effect.shape)
        self.pending.append(Measurement(m.week + m.lag, m.kind_index[item.kind], obs, m.noise_sd, None))

    def learn(self, t: int) -> None:
        """Fold arrived measurements into beliefs (normal-normal update per kind); a tested item also gets its
        own estimate."""
        due = [p for p in self.pending if p.due <= t]
        if not due:
            return
        self.pending = [p for p in self.pending if p.due > t]
        item_sd = self.model.behaviour.item_sd
        for _, k, obs, noise, item in due:
            if item is not None and item.started is None:
                prior = 1.0 / (item_sd**2 + 1.0 / self.precision[k])
                own = 1.0 / noise**2
                item.estimate = (prior * self.belief[k] + own * obs) / (prior + own)
                killed = item.requester == self.name and self.model.item_value(item, self.belief) <= 0
                if killed and item in self.backlog:
                    self.backlog.remove(item)  # the experiment killed the team's own idea
            obs_precision = 1.0 / (noise**2 + item_sd**2)
            total = self.precision[k] + obs_precision
            self.belief[k] = (self.precision[k] * self.belief[k] + obs_precision * obs) / total
            self.precision[k] = total

    # ---------------------------------------------------------------- choosing
    def scores(self, items: list[WorkItem], by_kind: dict[str, float] | None = None) -> np.ndarray:
        """Priority of each waiting item: pressure blended with believed value, by alignment and evidence
        (``by_kind``: as for :meth:`values_per_week_of_work`)."""
        m = self.model
        pressure = np.array([i.pressure * self.urgency(i) for i in items])
        value = self.values_per_week_of_work(items, by_kind)
        pressure = pressure / pressure.max() if pressure.max() > 0 else pressure
        value = np.clip(value, 0.0, None)
        value = value / value.max() if value.max() > 0 else value
        floor = m.behaviour.value_weight_without_evidence
        w = self.alignment * (floor + (1.0 - floor) * self.evidence())
        age = np.array([m.week - i.created for i in items])
        return (1.0 - w) * pressure + w * value + m.behaviour.age_bonus * age

    def values_per_week_of_work(self, items: list[WorkItem], by_kind: dict[str, float] | None = None) -> np.ndarray:
        """Believed value of each item per person-week; untested items of one kind share their kind's value
        (``by_kind``: those values, ``AlignmentModel.kind_item_values`` at today's beliefs and drivers; None:
        computed here)."""
        m = self.model
        by_kind = m.kind_item_values(self.belief) if by_kind is None else by_kind
        values = np.empty(len(items))
        for n, item in enumerate(items):
            v = m.item_value(item, self.belief) if item.estimate is not None else by_kind[item.kind]
            values[n] = v / item.size
        return values

    def urgency(self, item: WorkItem) -> float:
        """How much an item's pressure counts this week: more when due soon or escalated."""
        b, u = self.model.behaviour, 1.0
        if item.due is not None and item.due - self.model.week <= b.urgency_due_weeks:
            u += b.urgency_due_bonus
        if item.escalated:
            u += b.urgency_escalated_bonus
        return u

    def limit(self) -> int:
        """The WIP limit; without a real choice the team cannot refuse loud demands."""
        if self.model.setup.leadership.real_choice:
            return self.cfg.wip_limit
        b = self.model.behaviour
        loud = sum(1 for i in self.backlog if i.pressure >= b.loud_pressure)
        return min(self.cfg.wip_limit + loud, b.wip_cap_factor * self.cfg.wip_limit)

    def pull(self, t: int, by_kind: dict[str, float] | None = None) -> None:
        """Start the best waiting items while WIP is below the limit; forced and planned work goes first
        (``by_kind``: as for :meth:`values_per_week_of_work`)."""
        m = self.model
        waiting = [i for i in self.backlog if i.started is None and not (i.tested and i.estimate is None)]
        if not waiting:
            self.last_top = []
            return
        s = self.scores(waiting, by_kind)
        rigid_plan = m.funding_mode() == "project" and t < m.setup.funding.go_live_week
        key = [(-(i.forced), -(rigid_plan and i.plan), -score, i.id) for score, i in zip(s.tolist(), waiting)]
        ranked = [waiting[k] for k in sorted(range(len(waiting)), key=key.__getitem__)]
        limit = self.limit()
        top = ranked[:limit]
        still = [i for i in self.last_top if i.started is None]
        if still:
            m.records.add("priority_churn_sum", t, sum(1 for i in still if i not in top) / len(still))
        self.last_top = top
        developing = self.in_development()
        for item in ranked:
            if developing >= limit and not item.forced:
                continue
            self.start(item, t)
            developing += 1  # the started item is in development now

    def in_development(self) -> int:
        """Items started and not yet built (work waiting for approval no longer holds a WIP slot)."""
        return sum(1 for i in self.wip if i.finished is None)

    def start(self, item: WorkItem, t: int) -> None:
        item.started = t
        self.backlog.remove(item)
        self.wip.append(item)
        for other, share in self.cfg.depends_on.items():
            if self.stream.random() < share:
                item.blocked_by = self.model.new_dependency(item, other)
                item.handoffs += 1

    def work(self, cap: float, t: int) -> float:
        """Spread this week's effective capacity over unblocked items in progress; return person-weeks used."""
        m = self.model
        active = [
            i for i in self.wip if i.finished is None and (i.blocked_by is None or i.blocked_by.released is not None)
        ]
        if not active:
            return 0.0
        streams = len({i.stream for i in active})
        m.records.add("switches", t, streams - 1)
        budget = max(cap, 0.0) * max(m.behaviour.min_focus, 1.0 - self.cfg.switch_cost * (streams - 1))
        slot = max(cap, 1e-9) / self.cfg.wip_limit  # a focused week's work on one item
        used = 0.0
        for n_left, item in enumerate(sorted(active, key=lambda i: (i.remaining, i.id))):
            share = budget / (len(active) - n_left)
            done = min(share, item.remaining)
            item.remaining -= done
            item.touch_weeks += min(1.0, done / slot)
            budget -= done
            used += done
            m.records.add_work(item.requester, item.kind, t, done)
            if item.requester == m.loudest:
                m.records.add("loudest_capacity", t, done)
            if item.serves_goal:
                m.records.add("goal_capacity", t, done)
            if item.remaining <= 1e-9:
                item.finished = t
                m.finish(item)
        return used

    def release(self, item: WorkItem) -> None:
        self.wip.remove(item)
        self.observe(item)
