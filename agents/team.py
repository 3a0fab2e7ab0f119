"""Product teams: capacity, WIP limit, a backlog, beliefs about what helps, and the choice of what to build.

Each week a team scores waiting items by ``(1 - w) * pressure + w * believed value per person-week`` where
``w = a * (0.25 + 0.75 * evidence)``: its effective alignment ``a`` and how much evidence backs its beliefs.
Without data, beliefs carry little weight and the loudest requester wins.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.work import WorkItem

#: Prior uncertainty (sd, driver points) of a team's belief about a kind's mean effect.
PRIOR_SD = 0.006
#: Item-to-item spread of effects within a kind (sd, driver points), as a team sees it when measuring one item.
ITEM_SD = 0.008
#: Weeks after which a team's own idea that nobody picked up is dropped from the backlog.
IDEA_SHELF_LIFE = 26
#: Person-weeks one experiment costs.
EXPERIMENT_COST = 0.5
#: Effective capacity never falls below this share, however many streams a team juggles.
MIN_FOCUS = 0.3


class ProductTeam(mesa.Agent):
    """A product team and its backlog."""

    def __init__(self, model, name: str, cfg):
        super().__init__(model)
        self.name = name
        self.cfg = cfg
        self.stream = model.stream("team", name)
        self.backlog: list[WorkItem] = []
        self.wip: list[WorkItem] = []
        self.last_top: list[WorkItem] = []
        kinds = model.kind_names
        insight = model.insight
        believed, true = model.kind_believed, model.kind_true
        noise = self.stream.normal(0.0, (1.0 - insight) * 0.002, size=believed.shape)
        self.belief = believed + insight * (true - believed) + noise
        self.initial_belief = self.belief.copy()
        self.precision = np.full(len(kinds), 1.0 / PRIOR_SD**2)
        self.prior_precision = self.precision.copy()
        self.pending: list[tuple] = []  # (week due, kind index, observation, noise sd, tested item or None)
        self.tested_now: list[WorkItem] = []

    # ---------------------------------------------------------------- weekly cycle
    def capacity(self) -> float:
        """People available this week: skills, and project funding's shrink after go-live."""
        m = self.model
        cap = self.cfg.capacity * (0.8 + 0.4 * m.skills)
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

    @property
    def alignment(self) -> float:
        return 1.0 - (1.0 - self.cfg.alignment) * (1.0 - self.model.trump)

    def evidence(self) -> float:
        """How far data backs the team's beliefs, in [0, 1]."""
        learned = 1.0 - self.prior_precision / self.precision
        return float(min(1.0, 0.5 * self.model.insight + learned.mean()))

    def step(self) -> None:
        m, t = self.model, self.model.week
        rec = m.records
        if m.funding_mode() == "project" and t == m.setup.funding.go_live_week:
            self.hand_over()
        self.learn(t)
        self.discover()
        cap = self.capacity()
        experiments = self.experiment(cap)
        self.pull(t)
        used = self.work(cap - experiments * EXPERIMENT_COST, t) + experiments * EXPERIMENT_COST
        rec.add("capacity", t, cap)
        rec.add("capacity_used", t, used)
        if experiments:
            rec.add_work("experiments", t, experiments * EXPERIMENT_COST)
            rec.add("goal_capacity", t, sum(i.serves_goal for i in self.tested_now) * EXPERIMENT_COST)
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
        self.backlog = [i for i in self.backlog if i.requester != self.name or t - i.created < IDEA_SHELF_LIFE]
        n = self.stream.poisson(self.cfg.discovery_rate)
        if n == 0:
            return
        value = np.clip(self.kind_values(), 0.0, None)
        k = len(value)
        guided = value / value.sum() if value.sum() > 0 else np.full(k, 1.0 / k)
        e = self.evidence()
        p = (1.0 - e) / k + e * guided
        for kind in self.stream.choice(k, size=n, p=p / p.sum()):
            m.new_item(m.kind_names[kind], self.name, self.name, self.cfg.influence)

    def kind_values(self) -> np.ndarray:
        """The team's believed value of each kind for the shared criterion, per person-week."""
        m = self.model
        if m.shared.drivers is not None:
            return np.asarray(m.effect_value(self.belief)) / m.kind_size
        return np.array([m.counts_for_shared(k) for k in m.kind_names]) / m.kind_size

    def experiment(self, cap: float) -> int:
        """Build-measure-learn: test the most promising untested waiting items before building them.

        Each test costs EXPERIMENT_COST person-weeks and reveals the item's own effect, with noise, after the
        data lag; it needs data (maturity > 0), an outcome criterion to learn about, and a team that is not a
        project past its go-live.
        """
        m = self.model
        self.tested_now = []
        if m.maturity <= 0 or self.cfg.experiment_share <= 0 or m.shared.drivers is None or m.project_closed():
            return 0
        budget = int(cap * self.cfg.experiment_share / EXPERIMENT_COST)
        candidates = [i for i in self.backlog if i.started is None and not i.tested]
        if budget == 0 or not candidates:
            return 0
        believed = self.values_per_week_of_work(candidates)
        chosen = [candidates[k] for k in np.argsort(-np.array(believed), kind="stable")[:budget]]
        self.tested_now = chosen
        for item in chosen:
            item.tested = True
            obs = item.true_effect + self.stream.normal(0.0, m.noise_sd * 1.5, size=item.true_effect.shape)
            self.pending.append((m.week + m.lag, m.kind_index[item.kind], obs, m.noise_sd * 1.5, item))
        m.records.add("experiments", m.week, len(chosen))
        return len(chosen)

    def observe(self, item: WorkItem) -> None:
        """Schedule the measurement of a released item's effect (needs data). A tested item was already measured,
        and was built *because* its test looked good: measuring it again would bias the kind's belief upwards."""
        m = self.model
        if m.maturity <= 0 or item.tested or m.project_closed():
            return
        obs = item.true_effect + self.stream.normal(0.0, m.noise_sd, size=item.true_effect.shape)
        self.pending.append((m.week + m.lag, m.kind_index[item.kind], obs, m.noise_sd, None))

    def learn(self, t: int) -> None:
        """Fold arrived measurements into beliefs (normal-normal update per kind); a tested item also gets its
        own estimate."""
        due = [p for p in self.pending if p[0] <= t]
        if not due:
            return
        self.pending = [p for p in self.pending if p[0] > t]
        for _, k, obs, noise, item in due:
            if item is not None and item.started is None:
                prior = 1.0 / (ITEM_SD**2 + 1.0 / self.precision[k])
                own = 1.0 / noise**2
                item.estimate = (prior * self.belief[k] + own * obs) / (prior + own)
                killed = item.requester == self.name and self.model.item_value(item, self.belief) <= 0
                if killed and item in self.backlog:
                    self.backlog.remove(item)  # the experiment killed the team's own idea
            obs_precision = 1.0 / (noise**2 + ITEM_SD**2)
            total = self.precision[k] + obs_precision
            self.belief[k] = (self.precision[k] * self.belief[k] + obs_precision * obs) / total
            self.precision[k] = total

    # ---------------------------------------------------------------- choosing
    def scores(self, items: list[WorkItem]) -> np.ndarray:
        """Priority of each waiting item: pressure blended with believed value, by alignment and evidence."""
        m = self.model
        pressure = np.array([i.pressure * self.urgency(i) for i in items])
        value = self.values_per_week_of_work(items)
        pressure = pressure / pressure.max() if pressure.max() > 0 else pressure
        value = np.clip(value, 0.0, None)
        value = value / value.max() if value.max() > 0 else value
        w = self.alignment * (0.25 + 0.75 * self.evidence())
        age = np.array([m.week - i.created for i in items])
        return (1.0 - w) * pressure + w * value + 0.002 * age

    def values_per_week_of_work(self, items: list[WorkItem]) -> np.ndarray:
        """Believed value of each item per person-week; untested items of one kind share their kind's value."""
        m, by_kind = self.model, {}
        values = np.empty(len(items))
        for n, item in enumerate(items):
            if item.estimate is not None:
                v = m.item_value(item, self.belief)
            elif item.kind in by_kind:
                v = by_kind[item.kind]
            else:
                v = by_kind[item.kind] = m.item_value(item, self.belief)
            values[n] = v / item.size
        return values

    def urgency(self, item: WorkItem) -> float:
        u = 1.0
        if item.due is not None and item.due - self.model.week <= 3:
            u += 2.0
        if item.escalated:
            u += 2.0
        return u

    def limit(self) -> int:
        """The WIP limit; without a real choice the team cannot refuse loud demands."""
        if self.model.setup.leadership.real_choice:
            return self.cfg.wip_limit
        loud = sum(1 for i in self.backlog if i.pressure >= 0.5)
        return min(self.cfg.wip_limit + loud, 4 * self.cfg.wip_limit)

    def pull(self, t: int) -> None:
        """Start the best waiting items while WIP is below the limit; forced and planned work goes first."""
        m = self.model
        waiting = [i for i in self.backlog if i.started is None and not (i.tested and i.estimate is None)]
        if not waiting:
            self.last_top = []
            return
        s = self.scores(waiting)
        rigid_plan = m.funding_mode() == "project" and t < m.setup.funding.go_live_week
        key = [(-(i.forced), -(rigid_plan and i.plan), -s[k], i.id) for k, i in enumerate(waiting)]
        ranked = [waiting[k] for k in sorted(range(len(waiting)), key=lambda k: key[k])]
        limit = self.limit()
        top = ranked[:limit]
        still = [i for i in self.last_top if i.started is None]
        if still:
            m.records.add("priority_churn_sum", t, sum(1 for i in still if i not in top) / len(still))
        self.last_top = top
        for item in ranked:
            if self.in_development() >= limit and not item.forced:
                continue
            self.start(item, t)

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
        budget = max(cap, 0.0) * max(MIN_FOCUS, 1.0 - self.cfg.switch_cost * (streams - 1))
        slot = max(cap, 1e-9) / self.cfg.wip_limit  # a focused week's work on one item
        used = 0.0
        for n_left, item in enumerate(sorted(active, key=lambda i: (i.remaining, i.id))):
            share = budget / (len(active) - n_left)
            done = min(share, item.remaining)
            item.remaining -= done
            item.touch_weeks += min(1.0, done / slot)
            budget -= done
            used += done
            m.records.add_work(item.requester, t, done, item.kind)
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
