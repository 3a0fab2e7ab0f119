"""DESIGN.md's claims over paired seeds, each with the setting where it must fail, and the mechanisms behind them.

Paired seeds: both arms of a claim run on seeds 0..n-1, n the claim's registered count (``Claim.seeds``, 30 to 200,
by the power rule of ``sim.research.power`` on the pilot seeds), and differences are taken seed by seed.
Customers, item effects and measurement noise draw from separate streams, so the pairs share most of their
randomness.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import load_scenario, run_many
from sim.metrics import METRICS
from sim.research.claims import (
    CLAIMS,
    DEFAULT_SEEDS,
    FRESH_BLOCK,
    ON_VALUE,
    RIGHT_WORLD,
    Check,
    CheckResult,
    Claim,
    arm,
    claim_map,
    evaluate,
    holds_when,
    judge,
    map_settings,
    premise,
    summaries,
)
from sim.stats import paired_difference

SEEDS = 30


@pytest.fixture(scope="module")
def results():
    """Every claim on its registered count of seeds from 0 (arms shared between claims run once, on the longest)."""
    return {r.claim.id: r for r in evaluate(CLAIMS, workers=2)}


def test_the_seven_claims_and_the_failing_levers_are_registered():
    ids = [c.id for c in CLAIMS]
    assert ids[:7] == [f"C{i}" for i in range(1, 8)]
    assert sum(c.lever_fails for c in CLAIMS) >= 3
    for c in CLAIMS:
        assert all(check.metric in METRICS for check in c.checks)
        assert c.a != c.b


def test_every_claim_names_where_it_fails():
    """A lesson that cannot fail is an assumption: each of the seven claims carries its failure side."""
    for c in CLAIMS:
        if not c.lever_fails:
            assert c.fails is not None and c.fails.checks and c.fails.overrides, c.id


def test_failure_sides_are_checked_on_the_headline_and_on_revenue():
    """A claim fails where it says on the metric it claims, not on an easier one, and money is checked too."""
    for c in CLAIMS:
        if c.fails is not None:
            metrics = {check.metric for check in c.fails.checks}
            assert {c.checks[0].metric, "revenue"} <= metrics, c.id


def test_the_catalogue_holds_a_reversal_and_the_revenue_contrast():
    """The premise is testable from its other side: a claim where the lesson must reverse (local KPIs that know more
    than the shared criterion), and what aligning on revenue does against aligning on activation."""
    by_id = {c.id: c for c in CLAIMS}
    reversal = by_id["R1"]
    assert dict(reversal.a.overrides)["assumptions.kpi_proxy.sales"] > 1.0
    assert reversal.checks[0].expect == "decrease" and reversal.checks[0].metric == "value"
    contrast = by_id["A1"]
    assert dict(contrast.b.overrides)["leadership.shared_criterion"] == "revenue"


def test_every_claim_reports_money_and_churn_beside_its_headline(results):
    for r in results.values():
        assert [m for m, *_ in r.tradeoffs] == ["revenue", "churn_rate"]
        for _m, d, low, high in r.tradeoffs:
            assert low <= d <= high


def test_where_a_lever_improves_the_headline_and_costs_money_the_words_say_why(results):
    """F4: everyone aligned on 30-day activation raises it and loses money; the report says which work moved, which
    driver, and which customer results followed."""
    why = results["F4"].why
    assert why is not None and why.costs_money
    text = why.words()
    assert text.startswith("B improves the headline and costs money: revenue -€")
    assert why.time_from[1] < 0 < why.time_to[1] and why.time_from[0] in text and why.driver[0] in text
    assert not results["C2"].why.costs_money  # value trumping earns money


def test_an_ensemble_runs_once_per_process_and_equal_scenarios_share_it(monkeypatch):
    """The cache behind evaluate, claim_map and robustness: keyed by the scenario an arm runs and the seeds, so two
    arms that spell the same scenario differently share one ensemble, and a second report runs nothing again."""
    from cachetools import LRUCache

    from sim.research import claims

    monkeypatch.setattr(claims, "_summaries", LRUCache(maxsize=8))  # the module's results stay in the real one
    ran = []
    real = claims._summary
    monkeypatch.setattr(claims, "_summary", lambda job: ran.append(job) or real(job))
    tiny = arm("b2b_activation", weeks=4, customers__population=100)
    same = tiny.under({"leadership.trump": 0.0})  # the preset's own value: the same scenario
    first, second = summaries([(tiny, None, (0, 1)), (same, None, (0, 1))])
    assert len(ran) == 1 and second.equals(first) and list(first["seed"]) == [0, 1]
    first["leads"] = -1.0  # a caller's copy: the stored frame is not changed through it
    (again,) = summaries([(tiny, None, (0, 1))])
    assert len(ran) == 1 and again.equals(second)
    other = tiny.under({"customers.population": 120})
    summaries([(tiny, None, (0, 2)), (tiny, ("customers.population", 1.2), (0, 1)), (other, None, (0, 1))])
    assert len(ran) == 3  # other seeds, and a perturbation that is the other scenario: run once
    claims.clear_cache()
    summaries([(tiny, None, (0, 1))])
    assert len(ran) == 4


def test_a_second_seed_block_can_be_run():
    from sim.research.claims import seed_block

    assert seed_block(3, 1000) == [1000, 1001, 1002] and seed_block([5, 7]) == [5, 7]


#: Claims that do not hold on the reported seeds (docs/CLAIMS.md says so): strict, so a claim that starts to hold
#: fails here until it is taken off this list. Their bounds were written before the seeds ran and stay as written.
#: Empty since the counts were safeguarded (R1 was here: -52k [-137k, +33k] on its earlier 40 seeds).
NOT_HOLDING: dict[str, str] = {}


@pytest.mark.parametrize(
    "claim_id",
    [
        pytest.param(c.id, marks=pytest.mark.xfail(strict=True, reason=NOT_HOLDING[c.id]))
        if c.id in NOT_HOLDING
        else c.id
        for c in CLAIMS
    ],
)
def test_claim_holds_over_paired_seeds_and_fails_where_it_says(results, claim_id):
    r = results[claim_id]
    assert r.seeds == list(range(r.claim.seeds)) and r.registered
    failed = [
        (c.check.describe(), round(c.value, 4), round(c.ci_low, 4), round(c.ci_high, 4))
        for c in r.checks
        if not c.passed
    ]
    assert not failed, f"{claim_id} {r.claim.title}: {failed}"
    if r.claim.fails is not None:
        assert len(r.failure) == len(r.claim.fails.checks)
        missed = [(c.check.describe(), round(c.value, 4), round(c.ci_high, 4)) for c in r.failure if not c.passed]
        assert not missed, f"{claim_id} does not fail where it says: {missed}"


def test_project_funding_decomposes_into_knowledge_headcount_and_measurement(results):
    """The steps of C4 add up to B - A, and most of it is headcount; measurement after go-live is real too."""
    r = results["C4"]
    steps = {}
    for label, metric, d, low, high in r.parts:
        steps.setdefault(metric, {})[label] = (d, low, high)
    total = next(c for c in r.checks if c.check.metric == "outcome_change").value
    outcome = steps["outcome_change"]
    assert sum(v[0] for v in outcome.values()) == pytest.approx(total)  # the steps are a chain from A to B
    assert list(outcome) == ["knowledge", "headcount", "measurement and ownership"]
    assert outcome["headcount"][1] > 0 and outcome["measurement and ownership"][1] > 0
    assert outcome["headcount"][0] > 0.5 * total > outcome["measurement and ownership"][0] > outcome["knowledge"][0]


def test_aligning_on_onboarding_calls_does_not_beat_the_silo(results):
    """The third vanity criterion (F1 covers features delivered, F3 leads): everyone asks for onboarding material.
    The silo is an arm of the catalogue: its ensemble on these seeds comes from the claims' run (the cache)."""
    seeds = tuple(range(SEEDS))
    silo, calls = summaries(
        [
            (arm("b2b_activation"), None, seeds),
            (
                arm("b2b_activation", leadership__trump=1.0, leadership__shared_criterion="onboarding_calls"),
                None,
                seeds,
            ),
        ]
    )
    for metric, bound in (("outcome_change", 0.3), ("revenue", 100_000.0)):  # no more value, no more money
        d = paired_difference(silo[metric], calls[metric])
        assert d["ci_high"] < bound, (metric, d)


@pytest.mark.xfail(
    strict=True,
    reason="with value as the yardstick the premise's difference in differences is not shown on seeds 2000-2029 "
    "(interval from -0.10); the R1 claim and docs/SENSITIVITY.md say where the lesson holds",
)
def test_trumping_local_kpis_pays_because_they_are_poor_proxies():
    """Difference in differences over paired seeds (2000-2029, which set no bound): the value gained by making value
    trump local KPIs is larger under the premise (KPIs poor proxies, beliefs mostly wrong) than where every KPI is a
    perfect proxy and beliefs are right, and there it is not distinguishable from zero."""
    seeds = list(range(2000, 2000 + SEEDS))
    gain = {}
    for world, extra in (("premise", {}), ("right", dict(RIGHT_WORLD))):
        steer = arm("b2b_activation", **ON_VALUE).under(extra)
        silo = run_many(steer.build(), seeds).summary
        trump = run_many(steer.under({"leadership.trump": 1.0}).build(), seeds).summary
        gain[world] = trump["outcome_change"] - silo["outcome_change"]
    assert paired_difference(gain["right"], gain["premise"])["ci_low"] > 0
    assert paired_difference(np.zeros(SEEDS), gain["premise"])["ci_low"] > 0
    assert paired_difference(np.zeros(SEEDS), gain["right"])["ci_low"] < 0


def test_premise_overrides_set_every_proxy():
    over = premise(proxy=0.5, folk_wisdom=1.0)
    s = load_scenario("b2b_activation", over)
    assert s.assumptions.folk_wisdom == 1.0
    assert set(s.assumptions.kpi_proxy.model_dump().values()) == {0.5}


def test_a_claim_fails_when_its_direction_is_wrong():
    """The judge can say no: the same data read the other way round fails."""
    money = {"revenue": [10.0, 11.0, 12.0, 13.0], "churn_rate": [0.1, 0.1, 0.1, 0.1]}  # the trade-offs, unchanged
    a = pd.DataFrame({"leads": [1.0, 2.0, 3.0, 4.0], **money})
    b = pd.DataFrame({"leads": [2.0, 3.1, 3.9, 5.2], **money})
    up = Claim("T", "t", "t", arm("b2b_activation"), arm("product_logic"), (Check("leads", "increase"),))
    assert judge(up, a, b, [0, 1, 2, 3]).passed
    assert not judge(up, b, a, [0, 1, 2, 3]).passed
    loss = Claim("T", "t", "t", arm("b2b_activation"), arm("product_logic"), (Check("leads", "no_loss", 0.5),))
    assert judge(loss, a, b, [0, 1, 2, 3]).passed and not judge(loss, b, a, [0, 1, 2, 3]).passed


def test_claim_map_covers_every_setting_with_a_verdict():
    tiny = Claim(
        "T",
        "t",
        "t",
        arm("b2b_activation", weeks=6, customers__population=200),
        arm("b2b_activation", weeks=6, customers__population=200, leadership__trump=1.0),
        (Check("context_switches", "decrease"),),
    )
    frame = claim_map([tiny], seeds=2)
    assert len(frame) == len(map_settings())
    assert set(frame["verdict"]) <= {"holds", "vanishes", "reverses"}
    assert (frame["ci_low"] <= frame["difference"]).all() and (frame["difference"] <= frame["ci_high"]).all()


@pytest.mark.parametrize(
    "expect,low,high,verdict",
    [
        ("increase", 0.1, 0.3, "holds"),
        ("increase", -0.1, 0.3, "vanishes"),
        ("increase", -0.3, -0.1, "reverses"),
        ("decrease", -0.3, -0.1, "holds"),
        ("decrease", 0.1, 0.3, "reverses"),
    ],
)
def test_map_verdicts(expect, low, high, verdict):
    from sim.research.claims import _verdict

    passed = (low > 0) if expect == "increase" else (high < 0)
    r = CheckResult(Check("leads", expect), (low + high) / 2, low, high, passed)
    assert _verdict(r) == verdict


def test_the_app_note_names_the_assumptions_in_effect():
    s = load_scenario("b2b_activation", {"assumptions.kpi_proxy.sales": 0.7})
    text = holds_when(s)
    assert "Sales' 70%" in text and "25%" in text and "vanity" in text
    from sim.input import scenario_from_toml

    few = scenario_from_toml("default_departments = false\n[departments.hr]\n[teams.core]\napproval_chain = []\n")
    assert "()" not in holds_when(few) and "none of these departments is steered by such a KPI" in holds_when(few)


def test_json_report_shape(results):
    d = results["C4"].as_dict()
    assert {"id", "title", "metric", "difference", "ci_low", "ci_high", "passed", "fails", "parts", "tradeoffs"} <= set(
        d
    )
    assert d["ci_low"] <= d["difference"] <= d["ci_high"]
    assert d["fails"]["checks"] and d["parts"][0]["step"] == "knowledge"


def test_the_markdown_report_reads_in_danish_with_danish_numbers(results):
    import re

    from sim.i18n import language
    from sim.research.claims import markdown

    with language("da"):
        report = markdown(list(results.values()), None, SEEDS)
    assert report.startswith("# Påstandene, efterprøvet")
    assert "## C2: Et fælles succeskriterium, der trumfer de lokale KPI'er, løfter outcome" in report
    assert "**Hvor den ikke holder.**" in report and "| tjek | værdi | 95 %-usikkerhedsinterval | holder |" in report
    assert re.search(r"\| -?\d+,\d+ \| \[-?\d+(,\d+)?; -?\d+(,\d+)?\] \|", report)  # decimal commas
    # metrics by their Danish names, with the code name that the English report and the JSON use
    assert "| Ændring i skabt værdi (outcome_change) |" in report
    assert "Aktivering inden for 30 dage (activation_rate_30d) stiger (B - A > 0)" in report
    for english in ("claims hold", "Where it fails", "rises (B - A > 0)", "| yes |", "The claims, checked"):
        assert english not in report, english
    english = markdown(list(results.values()), None, SEEDS)
    assert english.startswith("# The claims, checked") and "| outcome_change |" in english  # English: code names


def test_the_app_note_in_danish():
    from sim.i18n import language

    with language("da"):
        text = holds_when(load_scenario("b2b_activation", {"assumptions.kpi_proxy.sales": 0.7}))
    assert text.startswith("Resultaterne hviler på navngivne antagelser") and "Salgs 70\xa0%" in text


def test_the_cli_takes_lang_for_its_human_output_and_refuses_others(capsys):
    from sim.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["claims", "--lang", "xx"])
    assert exit_.value.code == 2 and "choose from 'en', 'da'" in capsys.readouterr().err
    from sim import i18n

    assert main(["run", "b2b_activation", "--seeds", "1", "--lang", "da", "--format", "json"]) == 0
    assert '"summary"' in capsys.readouterr().out
    assert i18n.current() == "en"  # the CLI's language ends with the call


def test_the_report_names_the_command_that_made_it():
    """The report's first line is the command that reproduces it: its seed block, a second block, and the seeds of
    the robustness analysis where they are not the defaults (a report made with fewer says so)."""
    from sim.research.claims import TRADEOFFS, markdown

    claim = CLAIMS[0]
    metrics = {c.metric for c in claim.checks} | set(TRADEOFFS)

    def frame(shift):
        return pd.DataFrame({m: np.arange(5.0) * 0.1 + shift for m in metrics})

    first = judge(claim, frame(0.0), frame(1.0), list(range(5)))
    second = judge(claim, frame(0.0), frame(1.0), list(range(1000, 1005)))
    robust = pd.DataFrame(
        [
            {"claim": "C1", "parameter": "x", "factor": f, "passed": True, "headline": 1.0, "failed_checks": ""}
            for f in (0.75, 1.25)
        ]
    )
    assert (
        markdown([first], None, 30)
        .splitlines()[2]
        .startswith("Generated by `alignsim claims --format markdown --seeds 5` (see")
    )
    report = markdown([first], robust, 4, confirm=[second])
    assert (
        "`alignsim claims --format markdown --seeds 5 --robustness --robustness-seeds 4 --confirm-start 1000`" in report
    )
    assert "## The same claims on seeds that set no bound" in report and "Seeds 1000..1004" in report
    # on the registered counts (C1 and C4 differ): no --seeds, each claim's count in the report, the fresh block
    mine = [
        judge(c, frame_of(c, 0.0), frame_of(c, 1.0), list(range(start, start + c.seeds)))
        for start in (0, FRESH_BLOCK)
        for c in (CLAIMS[0], CLAIMS[3])
    ]
    report = markdown(mine[:2], None, 30, confirm=mine[2:])
    assert f"Generated by `alignsim claims --format markdown --confirm-start {FRESH_BLOCK}` (see" in report
    assert f"seeds: from 0, each claim on its registered count (30 to {CLAIMS[3].seeds} paired seeds" in report
    assert (
        f"- seeds: 0..{CLAIMS[3].seeds - 1} ({CLAIMS[3].seeds})" in report
        and f"Seeds from {FRESH_BLOCK}, each" in report
    )
    assert f"the claims were first run on seeds from {FRESH_BLOCK} after the safeguarded counts were set" in report


def frame_of(claim, shift):
    """A per-seed summary for the claim's checks, its failure side and trade-offs, on its registered seeds."""
    from sim.research.claims import TRADEOFFS

    metrics = {c.metric for c in claim.checks} | set(TRADEOFFS)
    return pd.DataFrame({m: np.arange(claim.seeds) * 0.1 + shift for m in metrics})


# ---------------------------------------------------------------- seed counts: the power rule on the pilot


def test_the_power_rule_on_a_synthetic_pilot():
    """The rule's arithmetic: the margin from the bound on the side the check asks for, the pilot's SD at its upper
    confidence limit, and the fewest seeds whose t-interval clears the bound with the rule's power."""
    from scipy import stats

    from sim.research import power

    assert power.margin(Check("leads", "increase"), 0.3) == 0.3 and power.margin(Check("leads", "decrease"), 0.3) < 0
    assert power.margin(Check("leads", "no_gain", 0.4), 0.27) == pytest.approx(0.13)
    assert power.margin(Check("leads", "no_loss", 0.5), -0.2) == pytest.approx(0.3)
    assert power.margin(Check("leads", "within", -1.5, 1.5), 1.0) == pytest.approx(0.5)
    assert power.sd_upper(1.0, 16) == pytest.approx((15 / stats.chi2.ppf(1 - power.SD_CONFIDENCE, 15)) ** 0.5)
    n = power.seeds_needed(0.5, 1.0)
    # z-approximation ((1.96 + 2.326) / 0.5)^2 = 73.5; the t-quantile asks a few more
    assert 74 <= n <= 80
    assert np.sqrt(n) * 0.5 >= stats.t.ppf(0.975, n - 1) + stats.norm.ppf(power.POWER)
    assert np.sqrt(n - 1) * 0.5 < stats.t.ppf(0.975, n - 2) + stats.norm.ppf(power.POWER)  # the fewest
    assert np.isnan(power.seeds_needed(-0.1, 1.0)) and np.isnan(power.seeds_needed(0.0, 1.0))

    # a pilot of 16 seeds: B - A of mean 0.2 and SD 0.5 for "leads rises"; arm A's mean far above an at_least bound
    rng = np.random.default_rng(0)
    d = rng.normal(size=16)
    d = 0.2 + 0.5 * (d - d.mean()) / d.std(ddof=1)
    a = pd.DataFrame({"leads": np.full(16, 10.0) + d, "revenue": np.full(16, 5.0)})
    b = a.assign(leads=a["leads"] + d, revenue=a["revenue"] + 1.0)
    claim = Claim(
        "T",
        "t",
        "t",
        arm("b2b_activation"),
        arm("product_logic"),
        (Check("leads", "increase"), Check("leads", "at_least", 0.0), Check("revenue", "decrease")),
    )
    rows = power.plan([claim], pilot={claim.a: a, claim.b: b})
    assert list(rows["side"]) == ["claim"] * 3 and (rows["pilot_seeds"] == 16).all()
    assert rows["mean"][0] == pytest.approx(0.2) and rows["sd"][0] == pytest.approx(0.5)
    # safeguarded: the margin 0.2 at the lower limit of its 60 % interval, 0.2 - t_0.8(15) * 0.5 / 4
    assert rows["safe_margin"][0] == pytest.approx(0.2 - stats.t.ppf(0.8, 15) * 0.5 / 4)
    assert rows["needed"][0] == power.seeds_needed(rows["safe_margin"][0], power.sd_upper(0.5, 16)) > power.MAX_SEEDS
    assert np.isnan(rows["needed"][2])  # revenue rose: no count, more seeds would not make it fall
    assert power.counts(rows) == {"T": power.MAX_SEEDS}  # capped
    assert power.counts(rows.iloc[1:]) == {"T": DEFAULT_SEEDS}  # at least the default
    # a margin the pilot puts on the right side but its safeguarded limit does not: more seeds than any count
    tight = power.plan([claim], pilot={claim.a: a, claim.b: b.assign(leads=a["leads"] + d - 0.15)})
    assert 0 < tight["margin"][0] < 0.1 and tight["safe_margin"][0] < 0 and tight["needed"][0] == np.inf
    assert power.counts(tight) == {"T": power.MAX_SEEDS}


PLAN = Path(__file__).resolve().parents[2] / "docs" / "claims" / "power_plan.csv"


def test_every_claim_runs_on_at_least_the_seeds_the_rule_gives_on_the_pilot():
    """docs/claims/power_plan.csv is `python -m sim.research.power --csv ...`'s plan: its per-check pilot means and
    SDs give, through the rule, counts the catalogue meets; every check of every claim is in it."""
    from sim.research import power

    plan = pd.read_csv(PLAN)
    expected = [(c.id, side, check.describe()) for c in CLAIMS for side, checks in _sides(c) for check in checks]
    assert list(zip(plan["claim"], plan["side"], plan["check"])) == expected
    again = [
        power.seeds_needed(
            power.safe_margin(power.margin(check, row.mean), row.sd, row.pilot_seeds),
            power.sd_upper(row.sd, row.pilot_seeds),
        )
        for (_c, _side, check), row in zip(_checks(), plan.itertuples())
    ]
    assert np.allclose(again, plan["needed"], equal_nan=True)
    for claim_id, n in power.counts(plan).items():
        assert next(c for c in CLAIMS if c.id == claim_id).seeds >= n, claim_id


def test_the_plan_file_is_what_the_pilot_gives():
    """One claim's pilot run again (F3: two arms, 16 seeds): the same means and SDs as the plan file."""
    from sim.research import power

    plan = pd.read_csv(PLAN)
    f3 = next(c for c in CLAIMS if c.id == "F3")
    rows = power.plan([f3])
    ours = plan[plan["claim"] == "F3"].reset_index(drop=True)
    for column in ("mean", "sd", "margin", "safe_margin", "needed"):
        assert np.allclose(rows[column], ours[column], rtol=1e-5, equal_nan=True), column


def _sides(c):
    return [("claim", c.checks)] + ([("fails", c.fails.checks)] if c.fails is not None else [])


def _checks():
    return [(c, side, check) for c in CLAIMS for side, checks in _sides(c) for check in checks]


def test_claims_run_on_their_own_counts_and_share_an_arm_on_the_longest_block(monkeypatch):
    """Each claim on its registered count; an arm two claims share runs once, on the longer block, and the shorter
    claim takes its first seeds; an explicit count is forced on every claim (and is not the registered one)."""
    from cachetools import LRUCache

    from sim.research import claims

    monkeypatch.setattr(claims, "_summaries", LRUCache(maxsize=16))
    ran = []
    real = claims._summary
    monkeypatch.setattr(claims, "_summary", lambda job: ran.append(job) or real(job))
    silo = arm("b2b_activation", weeks=4, customers__population=100)
    checks = (Check("leads", "no_gain", 1e9),)
    one = Claim("T1", "t", "t", silo, silo.under({"leadership.trump": 1.0}), checks, seeds=2)
    two = Claim("T2", "t", "t", silo, silo.under({"leadership.trump": 0.5}), checks, seeds=3)
    first, second = evaluate([one, two], start=10)
    assert first.seeds == [10, 11] and second.seeds == [10, 11, 12] and first.registered and second.registered
    assert sorted((j[0].label, j[2]) for j in ran if j[0] == silo) == [(silo.label, (10, 11, 12))]
    assert len(ran) == 3
    (alone,) = evaluate([one], start=10)  # from the longer block in the cache: nothing runs
    assert len(ran) == 3 and alone.checks[0].value == first.checks[0].value
    forced = evaluate([one, two], seeds=2, start=10)
    assert [r.seeds for r in forced] == [[10, 11]] * 2 and forced[0].registered and not forced[1].registered
    assert len(ran) == 3
