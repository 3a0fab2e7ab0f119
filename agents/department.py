"""Departments: units steered by their own KPI, pulled towards the shared criterion by their alignment.

Every department weighs ``utility = a * shared progress + (1 - a) * own KPI progress``: its effective alignment
``a`` sets how much it asks for work that serves the shared criterion rather than work that lifts its own KPI.
Each role adds its own actions in its own domain (campaigns, calls, promises, plans, reviews).
"""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING, Any

from sim.agents.unit import Unit
from sim.metrics import Metric, metric, progress, window_value
from sim.scenario import (
    CustomerSuccessSettings,
    FinanceSettings,
    MarketingSettings,
    SalesSettings,
    _DepartmentSettings,
)
from sim.value import TOLERANCE
from sim.work import WorkItem

if TYPE_CHECKING:
    from sim.model import AlignmentModel

#: Metrics a campaign moves up by itself: it brings leads, then deals, customers to call, revenue and value (paying
#: accounts count in value whether or not they activate).
CAMPAIGN_METRICS = frozenset(
    {"leads", "deals_closed", "onboarding_calls", "revenue", "value", "outcome_index", "outcome_change"}
)


class Department(Unit):
    """A department: KPI with target, alignment, influence, demands on teams and an approval queue."""

    stream_kind = "department"
    request_kind = ""
    cfg: _DepartmentSettings

    def __init__(self, model: AlignmentModel, name: str, cfg: _DepartmentSettings):
        super().__init__(model, name, cfg)
        self.kpi = metric(cfg.kpi)
        self.requests = model.setup.request_weights(name)
        self.progress = model.behaviour.progress_without_data
        self.queue: list[WorkItem] = []  # items waiting for this unit's approval
        self.open_demands: list[WorkItem] = []
        self._carry = 0.0  # unused review capacity carried within a week's fractions

    # ---------------------------------------------------------------- deciding

    def kpi_progress(self) -> float:
        """Own KPI over the last weeks against its target (1 = on target); NaN when the KPI has no data in them
        (e.g. no milestone was due)."""
        t = self.model.week
        value = window_value(self.kpi, self.model.records, t - self.model.behaviour.kpi_window, t)
        return progress(value, self.cfg.target, self.kpi.better)

    def step(self) -> None:
        measured = self.kpi_progress()
        if not math.isnan(measured):  # an undefined KPI is left out of attainment and keeps the last reading
            self.progress = measured
            if self.kpi.kind == "output":
                self.model.records.add("attainment_sum", self.model.week, min(measured, 1.0))
                self.model.records.add("attainment_n", self.model.week, 1)
        self.act()
        self.demand()
        self.escalate()

    def act(self) -> None:
        """The department's own action in its domain (none by default)."""

    def drive(self) -> float:
        """How hard the department pushes for product work this week, in [0, 1]: ``behaviour.demand_floor`` with
        its KPI on target, rising to 1 at a full KPI gap. It sets how much it asks, whatever it asks for."""
        gap = min(max(1.0 - self.progress, 0.0), 1.0)
        floor = self.model.behaviour.demand_floor
        return floor + (1.0 - floor) * gap

    def demand(self) -> None:
        """Ask teams for the kind of work with the highest utility: the role's own kind has
        ``(1 - a) · drive + a · fit(own)``, a kind it believes serves the shared criterion ``a · fit`` (``goal_fit``:
        the organisation's common belief, so wrong beliefs or a wrong criterion steer it to the wrong work); a tie
        goes to its own kind. It asks ``demand_rate · weight · drive`` times a week for its own kind, and for another
        kind as many person-weeks (less often for a bigger kind): alignment changes what a department asks for, not
        how much work it asks for."""
        own = self.request_kind
        m, a = self.model, self.alignment
        drive = self.drive()
        own_utility = ((1.0 - a) * drive + a * m.goal_fit[own]) if own else 0.0
        kind = own
        if m.shared_cdf is not None:
            candidate = m.kind_names[bisect.bisect_right(m.shared_cdf, self.stream.random())]
            if a * m.goal_fit[candidate] > own_utility + TOLERANCE:  # a tie goes to the department's own kind
                kind = candidate
        if not kind:
            return
        size = m.kind_size[m.kind_index[own]] / m.kind_size[m.kind_index[kind]] if own else 1.0
        for team, weight in self.requests.items():
            if self.stream.random() < min(1.0, self.cfg.demand_rate * weight * drive * size):
                terms = self.demand_terms() if kind == own else {}  # per item: a promise counts once it is made
                self.open_demands.append(m.new_item(kind, team, self.name, self.cfg.influence, **terms))

    def demand_terms(self) -> dict[str, Any]:
        """The terms a demand of the role's own kind carries (a promise's due date); none by default."""
        return {}

    def escalate(self) -> None:
        """Take the oldest long-waiting demand over the team's head, the less aligned the more likely."""
        if not self.open_demands:
            return
        t = self.model.week
        self.open_demands = [i for i in self.open_demands if i.started is None]
        waiting = [i for i in self.open_demands if not i.escalated and t - i.created >= self.patience(i)]
        if not waiting:
            return
        item = min(waiting, key=lambda i: i.created)
        floor = self.model.behaviour.escalation_floor
        gap = min(max(1 - self.progress, 0), 1)
        if self.stream.random() < (1.0 - self.alignment) * (floor + (1.0 - floor) * gap):
            self.model.escalate(item)

    def patience(self, item: WorkItem) -> int:
        """Weeks a demand waits unstarted before its requester considers escalating it."""
        return self.model.behaviour.patience

    # ---------------------------------------------------------------- approving
    def review(self) -> list[WorkItem]:
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


class Leadership(Department):
    """Sets direction; its levers (shared criterion, trump, funding, real choice) live in the scenario."""


class Sales(Department):
    """Closes deals; promises features to key accounts with due dates when its deals lag."""

    request_kind = "key_account_feature"
    cfg: SalesSettings

    def demand_terms(self) -> dict[str, Any]:
        """A promise with a due date while fewer than ``max_open_promises`` are open; a plain request beyond."""
        open_promises = sum(1 for i in self.open_demands if i.promise and (i.due or 0) >= self.model.week)
        open_promises += sum(
            1
            for i in self.model.items_of(self.name)
            if i.promise and i.started is not None and i.released is None and (i.due or 0) >= self.model.week
        )
        if open_promises < self.cfg.max_open_promises:
            return {"due": self.model.week + self.cfg.promise_due_weeks, "promise": True}
        return {}

    def patience(self, item: WorkItem) -> int:
        if item.due is None:
            return self.model.behaviour.patience
        return max(1, item.due - item.created - self.model.behaviour.promise_escalation_weeks)


class Marketing(Department):
    """Runs campaigns that raise lead inflow. It launches when ``a · shared effect + (1 - a) · own effect >= 0`` and
    the campaign serves someone: a campaign hurts rates per customer until onboarding is ready."""

    request_kind = "campaign_support"
    cfg: MarketingSettings

    def __init__(self, model: AlignmentModel, name: str, cfg: MarketingSettings):
        super().__init__(model, name, cfg)
        self.campaign_left = 0
        self.campaign_done = cfg.campaign_start_week is None

    def act(self) -> None:
        t, cfg = self.model.week, self.cfg
        if self.campaign_left > 0:
            self.campaign_left -= 1
            self.model.campaign = max(self.model.campaign, cfg.campaign_lift)
        elif not self.campaign_done and t + 1 >= cfg.campaign_start_week:
            a = self.alignment
            own, shared = self.campaign_effect(self.kpi), self.campaign_effect(self.model.shared)
            if (own > 0 or shared > 0) and a * shared + (1.0 - a) * own >= 0:
                self.campaign_done = True
                self.campaign_left = cfg.campaign_weeks - 1
                self.model.campaign = max(self.model.campaign, cfg.campaign_lift)

    def campaign_effect(self, m: Metric) -> float:
        """How a campaign now moves metric ``m``: +1 for metrics that count customers coming in (leads, deals,
        calls, revenue); for rates per customer (activation, contacts, churn, the outcome index) +1 once onboarding
        is ready for more customers (the shared criterion's measured progress reaches ``readiness_threshold``) and
        -1 before (campaign leads activate less well); 0 for metrics a campaign does not touch."""
        if m.name in CAMPAIGN_METRICS:
            return 1.0
        if m.kind != "outcome":
            return 0.0
        return 1.0 if self.model.shared_progress() >= self.cfg.readiness_threshold else -1.0

    def demand(self) -> None:
        start = self.cfg.campaign_start_week
        upcoming = self.campaign_left > 0 or (
            not self.campaign_done
            and start is not None
            and start - self.model.week <= self.model.behaviour.campaign_lead_weeks
        )
        if upcoming:
            super().demand()


class CustomerSuccess(Department):
    """Holds onboarding calls and asks for onboarding material to support them."""

    request_kind = "onboarding_material"
    cfg: CustomerSuccessSettings

    def act(self) -> None:
        self.model.calls += self.cfg.call_capacity


class CustomerSupport(Department):
    """Handles contacts; asks for bug fixes when contacts per customer run high."""

    request_kind = "bug_fix"


class Finance(Department):
    """Wants a fixed delivery plan: milestone items with due dates, tied to the budget under project funding."""

    cfg: FinanceSettings

    def act(self) -> None:
        if self.model.week != 0:
            return
        n = self.cfg.plan_items
        if self.model.funding_mode() == "product":  # an aligned Finance keeps the plan items it believes serve
            n = round(n * (1.0 - self.alignment * (1.0 - self.model.goal_fit[self.cfg.plan_kind])))
        teams = list(self.requests) or list(self.model.teams_by_name)
        for k in range(n):
            due = (k + 1) * self.cfg.milestone_every_weeks
            self.open_demands.append(
                self.model.new_item(
                    self.cfg.plan_kind,
                    teams[k % len(teams)],
                    self.name,
                    self.cfg.influence,
                    due=due,
                    milestone=True,
                    plan=True,
                )
            )

    def patience(self, item: WorkItem) -> int:
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
    "leadership": Leadership,
    "sales": Sales,
    "marketing": Marketing,
    "customer_success": CustomerSuccess,
    "customer_support": CustomerSupport,
    "finance": Finance,
    "legal": Legal,
    "ux_design": UXDesign,
    "data_analytics": DataAnalytics,
    "hr": HR,
}
