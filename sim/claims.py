"""DESIGN.md's claims as paired-seed experiments: what is compared, on which metric, and whether it holds.

Each claim compares arm A with arm B (a preset plus overrides) over the same seeds. Its checks say which way a
metric must move (B - A, with a 95% CI that excludes zero) or bound one arm's mean. Two claims are *failing
levers*: settings where alignment does not help, which the model must show rather than always rewarding it.
The first check of a claim is its headline (metric, difference, CI); all checks must pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from sim.input import load_scenario
from sim.levers import get_value
from sim.metrics import format_number
from sim.runner import process_pool, run_many, versions
from sim.scenario import Scenario
from sim.stats import mean_ci, paired_difference

DEFAULT_SEEDS = 30


@dataclass(frozen=True)
class Arm:
    """A preset with overrides, run for ``weeks`` (None: the preset's horizon)."""

    scenario: str
    overrides: tuple[tuple[str, Any], ...] = ()
    weeks: int | None = None

    def build(self, perturb: tuple[str, float] | None = None) -> Scenario:
        s = load_scenario(self.scenario, dict(self.overrides))
        if self.weeks is not None:
            s = s.with_overrides({"weeks": self.weeks})
        if perturb is not None:
            path, factor = perturb
            value = get_value(s, path)
            s = s.with_overrides({path: type(value)(value * factor) if isinstance(value, int) else value * factor})
        return s

    @property
    def label(self) -> str:
        parts = [f"{k}={v}" for k, v in self.overrides] + ([f"weeks={self.weeks}"] if self.weeks else [])
        return self.scenario + (f" ({', '.join(parts)})" if parts else "")


def arm(scenario: str, weeks: int | None = None, **overrides: Any) -> Arm:
    """An arm; override keys use ``__`` for dots (``leadership__trump=1``)."""
    return Arm(scenario, tuple((k.replace("__", "."), v) for k, v in overrides.items()), weeks)


@dataclass(frozen=True)
class Check:
    """``increase``/``decrease``: B - A's CI lies above/below zero. ``no_gain``: B - A's CI stays below
    ``bound`` (a practically irrelevant gain). ``at_least``/``at_most``/``within``: arm ``on``'s mean CI lies
    above/below/between bounds."""

    metric: str
    expect: Literal["increase", "decrease", "no_gain", "at_least", "at_most", "within"]
    bound: float = 0.0
    upper: float = 0.0
    on: Literal["a", "b"] = "a"

    def describe(self) -> str:
        return {
            "increase": f"{self.metric} rises (B - A > 0)",
            "decrease": f"{self.metric} falls (B - A < 0)",
            "no_gain": f"{self.metric} gains less than {self.bound:g} (B - A)",
            "at_least": f"{self.metric} of {self.on.upper()} at least {self.bound:g}",
            "at_most": f"{self.metric} of {self.on.upper()} at most {self.bound:g}",
            "within": f"{self.metric} of {self.on.upper()} within [{self.bound:g}, {self.upper:g}]",
        }[self.expect]


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    story: str
    a: Arm
    b: Arm
    checks: tuple[Check, ...]
    lever_fails: bool = False


CLAIMS: tuple[Claim, ...] = (
    Claim("C1", "Siloed output KPIs: outputs are hit, the outcome stays flat",
          "Every department hits most of its own output KPI while customers' use of the product does not move; "
          "product logic moves it.",
          arm("b2b_activation"), arm("product_logic"),
          (Check("outcome_change", "increase"), Check("output_attainment", "at_least", 0.75),
           Check("outcome_change", "within", -0.75, 0.75))),
    Claim("C2", "A shared success criterion that trumps local KPIs raises the outcome and cuts context switching",
          "The same organisation, with leadership making the shared criterion win every conflict.",
          arm("b2b_activation"), arm("b2b_activation", leadership__trump=1.0),
          (Check("activation_rate_30d", "increase"), Check("outcome_change", "increase"),
           Check("context_switches", "decrease"))),
    Claim("C3", "Partial transformation gains less than full alignment and shows more friction",
          "Only the product team works on outcome (A); then the rest of the organisation follows (B).",
          arm("partial_transformation"), arm("partial_transformation", leadership__trump=0.9),
          (Check("activation_rate_30d", "increase"), Check("outcome_change", "increase"),
           Check("escalations", "decrease"))),
    Claim("C4", "Product funding beats project funding over a long horizon; after go-live the outcome stalls",
          "The self-service launch over three years: the project team leaves after go-live (A) or stays as a "
          "product team (B).",
          arm("self_service_launch", weeks=156), arm("project_to_product_funding", weeks=156),
          (Check("support_contacts_per_customer", "decrease"), Check("outcome_change", "increase"),
           Check("outcome_change", "at_most", 1.0))),
    Claim("C5", "Better data speeds learning and raises the outcome; without data the loudest voice wins",
          "An organisation that can act on what it learns, without data and user insight (A) and with fast, "
          "precise measurement (B).",
          arm("product_logic", departments__data_analytics__maturity=0.0, departments__ux_design__insight=0.0),
          arm("product_logic", departments__data_analytics__maturity=0.9),
          (Check("outcome_change", "increase"), Check("belief_error", "decrease"),
           Check("loudest_voice_share", "decrease"))),
    Claim("C6", "A campaign before onboarding is easy brings leads but low activation and more support load",
          "The same organisation without (A) and with (B) a big early campaign.",
          arm("campaign_before_onboarding", departments__marketing__campaign_lift=0.0),
          arm("campaign_before_onboarding"),
          (Check("leads", "increase"), Check("activation_rate_30d", "decrease"),
           Check("support_contacts_per_customer", "increase"))),
    Claim("C7", "Longer approval chains mean longer lead times and less delivered value",
          "One sign-off (A) against four with little capacity (B).",
          arm("b2b_activation"), arm("long_approval_chain"),
          (Check("lead_time_weeks", "increase"), Check("features_delivered", "decrease"),
           Check("outcome_change", "decrease"))),
    Claim("F1", "Lever fails: alignment on the wrong shared criterion",
          "Everyone aligned on activation (A) or on features delivered (B): more output, less outcome.",
          arm("b2b_activation", leadership__trump=1.0),
          arm("b2b_activation", leadership__trump=1.0, leadership__shared_criterion="features_delivered"),
          (Check("outcome_change", "decrease"), Check("features_delivered", "increase")), lever_fails=True),
    Claim("F2", "Lever fails: better data in an organisation that cannot act on it",
          "The siloed organisation of the article (the team cannot say no, pressure decides) without (A) and with "
          "(B) fast, precise measurement. The team learns, but priorities stay with the loudest voices: the gain "
          "in activation stays below 1.5 points (its point estimate is a fraction of that), about what the same "
          "lever gives an organisation that can act (C5: +1.6 points).",
          arm("b2b_activation", departments__data_analytics__maturity=0.0, departments__ux_design__insight=0.0),
          arm("b2b_activation", departments__data_analytics__maturity=0.9),
          (Check("activation_rate_30d", "no_gain", 0.015), Check("belief_error", "decrease")),
          lever_fails=True),
)

#: Parameters moved by -25% and +25%, one at a time, in the robustness analysis.
ROBUSTNESS_PARAMETERS: tuple[str, ...] = (
    "customers.activation_hazard", "customers.lead_rate", "customers.close_rate", "customers.churn_stalled",
    "customers.contact_rate", "product.onboarding_ease", "product.decay", "teams.core.capacity",
    "teams.core.switch_cost", "teams.core.discovery_rate", "departments.sales.demand_rate",
    "departments.customer_support.demand_rate", "kinds.onboarding_simplification.size",
)


@dataclass
class CheckResult:
    check: Check
    value: float
    ci_low: float
    ci_high: float
    passed: bool


@dataclass
class ClaimResult:
    claim: Claim
    seeds: list[int]
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        head = self.checks[0]
        return {"id": self.claim.id, "title": self.claim.title, "metric": head.check.metric,
                "difference": head.value, "ci_low": head.ci_low, "ci_high": head.ci_high, "passed": self.passed,
                "lever_fails": self.claim.lever_fails, "a": self.claim.a.label, "b": self.claim.b.label,
                "checks": [{"check": c.check.describe(), "value": c.value, "ci_low": c.ci_low,
                            "ci_high": c.ci_high, "passed": c.passed} for c in self.checks]}


def judge(claim: Claim, a: pd.DataFrame, b: pd.DataFrame, seeds: list[int]) -> ClaimResult:
    """Evaluate a claim's checks on the two arms' per-seed summaries (rows in seed order)."""
    result = ClaimResult(claim, seeds)
    for check in claim.checks:
        if check.expect in ("increase", "decrease", "no_gain"):
            d = paired_difference(a[check.metric], b[check.metric])
            value, low, high = d["difference"], d["ci_low"], d["ci_high"]
            passed = {"increase": low > 0, "decrease": high < 0, "no_gain": high < check.bound}[check.expect]
        else:
            value, low, high = mean_ci((a if check.on == "a" else b)[check.metric])
            passed = {"at_least": low >= check.bound, "at_most": high <= check.bound,
                      "within": check.bound <= low and high <= check.upper}[check.expect]
        result.checks.append(CheckResult(check, float(value), float(low), float(high), bool(passed)))
    return result


def _how(result: CheckResult) -> str:
    """Why a check failed: the effect reversed, or it kept its direction but lost significance."""
    expect = result.check.expect
    if expect in ("increase", "decrease"):
        reversed_ = result.value < 0 if expect == "increase" else result.value > 0
        return "reversed" if reversed_ else "same direction, not significant"
    return "bound exceeded"


def _summary(args: tuple[Arm, tuple[str, float] | None, tuple[int, ...]]) -> pd.DataFrame:
    a, perturb, seeds = args
    return run_many(a.build(perturb), list(seeds)).summary


def _map(fn, jobs: list, workers: int) -> list:
    if workers <= 1 or len(jobs) <= 1:
        return [fn(j) for j in jobs]
    with process_pool(workers) as pool:
        return list(pool.map(fn, jobs))


def evaluate(claims: Iterable[Claim] = CLAIMS, seeds: int | list[int] = DEFAULT_SEEDS,
             workers: int = 1) -> list[ClaimResult]:
    """Run every claim's arms on the same seeds (arms shared between claims run once) and judge them."""
    claims = list(claims)
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    arms = list(dict.fromkeys(x for c in claims for x in (c.a, c.b)))
    summaries = dict(zip(arms, _map(_summary, [(x, None, tuple(seed_list)) for x in arms], workers)))
    return [judge(c, summaries[c.a], summaries[c.b], seed_list) for c in claims]


def robustness(claims: Iterable[Claim] = CLAIMS, seeds: int = DEFAULT_SEEDS, workers: int = 1,
               parameters: Iterable[str] = ROBUSTNESS_PARAMETERS, factors=(0.75, 1.25)) -> pd.DataFrame:
    """Each claim under each parameter moved by each factor, one at a time: a row per claim and setting."""
    claims = list(claims)
    seed_list = list(range(seeds))
    settings = [(p, f) for p in parameters for f in factors]
    arms = list(dict.fromkeys(y for c in claims for y in (c.a, c.b)))
    jobs = [(x, s, tuple(seed_list)) for s in settings for x in arms]
    results = dict(zip([(j[0], j[1]) for j in jobs], _map(_summary, jobs, workers)))
    rows = []
    for setting in settings:
        path, factor = setting
        for c in claims:
            r = judge(c, results[(c.a, setting)], results[(c.b, setting)], seed_list)
            failed = [f"{x.check.describe()} ({_how(x)})" for x in r.checks if not x.passed]
            rows.append({"claim": c.id, "parameter": path, "factor": factor, "passed": r.passed,
                         "headline": r.checks[0].value, "failed_checks": "; ".join(failed)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- reports


def table(results: list[ClaimResult], robust: pd.DataFrame | None = None) -> str:
    """Plain-text report."""
    seeds = results[0].seeds
    lines = [f"claims over paired seeds {seeds[0]}..{seeds[-1]} ({len(seeds)}); difference = B - A, 95% CI", ""]
    for r in results:
        lines.append(f"{r.claim.id}  {'PASS' if r.passed else 'FAIL'}  {r.claim.title}")
        lines.append(f"      A: {r.claim.a.label}")
        lines.append(f"      B: {r.claim.b.label}")
        for c in r.checks:
            lines.append(f"      [{'ok' if c.passed else '--'}] {c.check.describe():58s} {format_number(c.value):>10} "
                         f"[{format_number(c.ci_low)}, {format_number(c.ci_high)}]")
        lines.append("")
    passed = sum(r.passed for r in results)
    lines.append(f"{passed} of {len(results)} claims hold")
    if robust is not None:
        lines += ["", _robust_summary(robust).to_string()]
    return "\n".join(lines) + "\n"


def _robust_summary(robust: pd.DataFrame) -> pd.DataFrame:
    """Claim x parameter: which of -25% / +25% keep the claim."""
    def mark(group: pd.DataFrame) -> str:
        return " ".join(f"{f - 1:+.0%}:{'ok' if p else 'BREAKS'}" for f, p in zip(group["factor"], group["passed"]))
    return robust.groupby(["parameter", "claim"]).apply(mark, include_groups=False).unstack("claim")


def _markdown_table(frame: pd.DataFrame) -> str:
    head = [frame.index.name or "", *map(str, frame.columns)]
    rows = [[f"`{idx}`", *map(str, row)] for idx, row in zip(frame.index, frame.to_numpy())]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def markdown(results: list[ClaimResult], robust: pd.DataFrame | None, robustness_seeds: int) -> str:
    """The report as Markdown (docs/CLAIMS.md is generated with it)."""
    seeds = results[0].seeds
    seed_line = f"- seeds: {seeds[0]}..{seeds[-1]} ({len(seeds)} paired seeds per arm)"
    if robust is not None:
        seed_line += f"; robustness: {robustness_seeds} seeds"
    out = ["# The claims, checked", "",
           "Generated by `alignsim claims --format markdown --robustness` — do not edit by hand.", "",
           seed_line,
           "- versions: " + ", ".join(f"{k} {val}" for k, val in versions().items()),
           "- difference = B − A, paired by seed, with a t-based 95% confidence interval", "",
           f"**{sum(r.passed for r in results)} of {len(results)} claims hold.** Claims marked *lever fails* show "
           "settings where alignment does not pay; they hold when the report shows the failure.", "",
           "| claim | holds | headline metric | difference | 95% CI |", "|---|---|---|---|---|"]
    for r in results:
        h = r.checks[0]
        out.append(f"| {r.claim.id} {r.claim.title}{' *(lever fails)*' if r.claim.lever_fails else ''} | "
                   f"{'yes' if r.passed else '**no**'} | {h.check.metric} | {format_number(h.value)} | "
                   f"[{format_number(h.ci_low)}, {format_number(h.ci_high)}] |")
    for r in results:
        out += ["", f"## {r.claim.id}: {r.claim.title}", "", r.claim.story, "",
                f"- A: `{r.claim.a.label}`", f"- B: `{r.claim.b.label}`", "",
                "| check | value | 95% CI | holds |", "|---|---|---|---|"]
        for c in r.checks:
            out.append(f"| {c.check.describe()} | {format_number(c.value)} | [{format_number(c.ci_low)}, {format_number(c.ci_high)}] | "
                       f"{'yes' if c.passed else '**no**'} |")
    if robust is not None:
        broken = robust[~robust["passed"]]
        out += ["", "## Robustness", "",
                "Each parameter below is moved by −25% and +25% in both arms of every claim, one at a time "
                f"({robustness_seeds} seeds). A cell reads `-25%:ok +25%:ok` when the claim holds both ways. A "
                "failed check is either *reversed* (the effect changed sign) or *same direction, not significant* "
                "(the 95% interval now reaches zero); for bounds, *bound exceeded*.", "",
                _markdown_table(_robust_summary(robust)),
                "", f"{len(broken)} of {len(robust)} perturbed claims break."]
        if len(broken):
            out += ["", "| claim | parameter | change | failed checks |", "|---|---|---|---|"]
            out += [f"| {b.claim} | `{b.parameter}` | {b.factor - 1:+.0%} | {b.failed_checks} |"
                    for b in broken.itertuples()]
    return "\n".join(out) + "\n"
