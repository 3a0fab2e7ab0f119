"""Departments: units steered by their own KPI, pulled towards the shared criterion by their alignment.

Every department weighs ``utility = a * shared progress + (1 - a) * own KPI progress``: its effective alignment
``a`` sets how much it asks for work that serves the shared criterion rather than work that lifts its own KPI.
Each role adds its own actions in its own domain (campaigns, calls, promises, plans, reviews).
"""

from __future__ import annotations

import math

import mesa

from sim.metrics import metric, window_value

#: Weeks a department looks back at its KPI.
KPI_WINDOW = 4
#: Weeks a demand waits unstarted before its requester considers escalating it.
PATIENCE = 6


class Department(mesa.Agent):
    """A department: KPI with target, alignment, influence, demands on teams and an approval queue."""

    request_kind = ""

    def __init__(self, model, name: str, cfg):
        super().__init__(model)
        self.name = name
        self.cfg = cfg
        self.stream = model.stream("department", name)
        self.kpi = metric(cfg.kpi)
        self.requests = model.setup.request_weights(name)
        self.progress = 0.5
        self.queue: list = []  # items waiting for this unit's approval
        self.open_demands: list = []
        self._carry = 0.0  # unused review capacity carried within a week's fractions

    # ---------------------------------------------------------------- deciding
    @property
    def alignment(self) -> float:
        """Effective alignment: own alignment, raised by how much leadership makes the shared criterion trump."""
        return 1.0 - (1.0 - self.cfg.alignment) * (1.0 - self.model.trump)

    def kpi_progress(self) -> float:
        """Own KPI over the last weeks against its target (1 = on target; 0.5 when there is no data yet)."""
        t = self.model.week
        value = window_value(self.kpi, self.model.records, t - KPI_WINDOW, t)
        return progress(value, self.cfg.target, self.kpi.better)

    def step(self) -> None:
        self.progress = self.kpi_progress()
        if self.kpi.kind == "output":
            self.model.records.add("attainment_sum", self.model.week, min(self.progress, 1.0))
            self.model.records.add("attainment_n", self.model.week, 1)
        self.act()
        self.demand()
        self.escalate()

    def act(self) -> None:
        """The department's own action in its domain (none by default)."""

    def demand_kind(self) -> str:
        return self.request_kind

    def demand(self) -> None:
        """Ask teams for work: more when the own KPI lags, or when the kind serves the shared criterion."""
        kind = self.demand_kind()
        if not kind:
            return
        gap = min(max(1.0 - self.progress, 0.0), 1.0)
        a = self.alignment
        drive = (1.0 - a) * (0.3 + 0.7 * gap) + a * self.model.goal_fit[kind]
        for team, weight in self.requests.items():
            if self.stream.random() < min(1.0, self.cfg.demand_rate * weight * drive):
                self.open_demands.append(self.model.new_item(kind, team, self.name, self.cfg.influence,
                                                             **self.demand_terms()))

    def demand_terms(self) -> dict:
        return {}

    def escalate(self) -> None:
        """Take the oldest long-waiting demand over the team's head, the less aligned the more likely."""
        t = self.model.week
        self.open_demands = [i for i in self.open_demands if i.started is None]
        waiting = [i for i in self.open_demands if not i.escalated and t - i.created >= self.patience(i)]
        if not waiting:
            return
        item = min(waiting, key=lambda i: i.created)
        if self.stream.random() < (1.0 - self.alignment) * (0.5 + 0.5 * min(max(1 - self.progress, 0), 1)):
            self.model.escalate(item)

    def patience(self, item) -> int:
        return PATIENCE

    # ---------------------------------------------------------------- approving
    def review(self) -> list:
        """Pass up to ``review_capacity`` items that arrived before this week; return them."""
        t = self.model.week
        ready = [i for i in self.queue if i.queued_since < t]
        budget = self.cfg.review_capacity + self._carry
        n = min(len(ready), int(budget))
        self._carry = budget - n if n < len(ready) else 0.0
        passed = ready[:n]
        if passed:
            done = set(map(id, passed))
            self.queue = [i for i in self.queue if id(i) not in done]
            self.model.records.add("reviews", t, n)
        return passed


def progress(value: float, target: float, better: str) -> float:
    """KPI attainment: value / target when higher is better, target / value when lower is better."""
    if value is None or math.isnan(value):
        return 0.5
    if better == "higher":
        return value / target if target > 0 else 1.0
    return target / value if value > 0 else 2.0


class Leadership(Department):
    """Sets direction; its levers (shared criterion, trump, funding, real choice) live in the scenario."""


class Sales(Department):
    """Closes deals; promises features to key accounts with due dates when its deals lag."""

    request_kind = "key_account_feature"

    def demand_terms(self) -> dict:
        """A promise with a due date while fewer than ``max_open_promises`` are open; a plain request beyond."""
        open_promises = sum(1 for i in self.open_demands if i.promise and (i.due or 0) >= self.model.week)
        open_promises += sum(1 for i in self.model.items_of(self.name)
                             if i.promise and i.started is not None and i.released is None
                             and (i.due or 0) >= self.model.week)
        if open_promises < self.cfg.max_open_promises:
            return {"due": self.model.week + self.cfg.promise_due_weeks, "promise": True}
        return {}

    def patience(self, item) -> int:
        return max(1, item.due - item.created - 2) if item.due is not None else PATIENCE


class Marketing(Department):
    """Runs campaigns that raise lead inflow; an aligned Marketing waits until onboarding is ready."""

    request_kind = "campaign_support"

    def __init__(self, model, name, cfg):
        super().__init__(model, name, cfg)
        self.campaign_left = 0
        self.campaign_done = cfg.campaign_start_week is None

    def act(self) -> None:
        t, cfg = self.model.week, self.cfg
        if self.campaign_left > 0:
            self.campaign_left -= 1
            self.model.campaign = max(self.model.campaign, cfg.campaign_lift)
        elif not self.campaign_done and t + 1 >= cfg.campaign_start_week:
            ready = self.model.shared_progress() >= cfg.readiness_threshold
            if self.alignment < 0.5 or ready:
                self.campaign_done = True
                self.campaign_left = cfg.campaign_weeks - 1
                self.model.campaign = max(self.model.campaign, cfg.campaign_lift)

    def demand(self) -> None:
        upcoming = self.campaign_left > 0 or (not self.campaign_done and
                                              self.cfg.campaign_start_week - self.model.week <= 6)
        if upcoming:
            super().demand()


class CustomerSuccess(Department):
    """Holds onboarding calls; an aligned CS holds fewer and feeds what it learns back as product work."""

    request_kind = "onboarding_material"

    def act(self) -> None:
        self.model.calls += self.cfg.call_capacity * (1.0 - 0.5 * self.alignment)

    def demand_kind(self) -> str:
        return "onboarding_simplification" if self.stream.random() < self.alignment else "onboarding_material"


class CustomerSupport(Department):
    """Handles contacts; asks for bug fixes when contacts per customer run high."""

    request_kind = "bug_fix"


class Finance(Department):
    """Wants a fixed delivery plan: milestone items with due dates, tied to the budget under project funding."""

    def act(self) -> None:
        if self.model.week != 0:
            return
        n = self.cfg.plan_items
        if self.model.funding_mode() == "product":
            n = int(round(n * (1.0 - self.alignment)))
        teams = list(self.requests) or list(self.model.teams_by_name)
        for k in range(n):
            due = (k + 1) * self.cfg.milestone_every_weeks
            self.open_demands.append(self.model.new_item(
                self.cfg.plan_kind, teams[k % len(teams)], self.name, self.cfg.influence, due=due, milestone=True,
                plan=True))

    def patience(self, item) -> int:
        return max(1, (item.due or 0) - item.created)


class Legal(Department):
    """Reviews work before release (an approval gate) and occasionally asks for compliance changes."""

    request_kind = "compliance_change"


class UXDesign(Department):
    """Brings user insight: sharper initial beliefs, and asks for guided set-up work."""

    request_kind = "guided_setup"


class DataAnalytics(Department):
    """Measures outcomes: its maturity sets how fast and how precisely teams learn."""


class HR(Department):
    """Skills and staffing of teams: scales their effective capacity."""


ROLE_AGENTS: dict[str, type[Department]] = {
    "leadership": Leadership, "sales": Sales, "marketing": Marketing, "customer_success": CustomerSuccess,
    "customer_support": CustomerSupport, "finance": Finance, "legal": Legal, "ux_design": UXDesign,
    "data_analytics": DataAnalytics, "hr": HR,
}
