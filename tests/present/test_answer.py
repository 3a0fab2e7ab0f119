"""The answer in words: built from paired results on the same seeds, with the uncertainty said in words."""

import pandas as pd
import pytest

from sim import load_scenario, run_many
from sim.present import answer
from sim.runner import compare


def _row(mean_a, mean_b, low, high):
    return pd.Series(
        {"mean_a": mean_a, "mean_b": mean_b, "difference": mean_b - mean_a, "ci_low": low, "ci_high": high}
    )


def test_a_clear_improvement_reads_as_before_after_difference_interval_and_better():
    line = answer.line("activation_rate_30d", _row(0.37, 0.39, 0.01, 0.03))
    assert line.text == "30-day activation 37% → 39%: +2.0 pts, likely between +1.0 and +3.0 pts (better)."
    assert line.distinguishable and line.better


def test_a_difference_whose_interval_spans_zero_says_so_in_words():
    line = answer.line("revenue", _row(26_000_000.0, 25_900_000.0, -250_000.0, 50_000.0))
    assert "not distinguishable from the noise" in line.text and "−€100,000 (−0.4%)" in line.text
    assert "likely between −€250,000 and +€50,000" in line.text  # the unit once per end: a currency sign
    assert not line.distinguishable and line.better is None


def test_a_verdict_never_stands_beside_two_numbers_that_read_alike():
    """Issue 24: "Supporthenvendelser 0,81 → 0,81 ... (bedre)". A clear difference shows the decimal that tells
    the two apart; one the noise could explain keeps the label's precision; and every number of the line has the
    precision the interval supports."""
    from sim.i18n import language

    clear = answer.line("support_contacts_per_customer", _row(0.8134, 0.8061, -0.0110, -0.0036))
    assert clear.text.startswith("Support contacts 0.813 → 0.806 per customer per month: −0.0073 (−0.9%)")
    assert clear.text.endswith("likely between −0.0110 and −0.0036 (better).")
    with language("da"):
        danish = answer.line("support_contacts_per_customer", _row(0.8134, 0.8061, -0.0110, -0.0036)).text
    assert danish.startswith("Supporthenvendelser 0,813 → 0,806") and danish.endswith("(bedre).")
    noise = answer.line("support_contacts_per_customer", _row(0.8134, 0.8061, -0.0200, 0.0054))
    assert noise.text.startswith("Support contacts 0.81 → 0.81 per customer per month: −0.007 (−0.9%)")
    churn = answer.line("churn_rate", _row(0.11900, 0.119028, -0.002420, 0.002475))
    assert "+0.00 pts, not distinguishable from the noise (likely between −0.24 and +0.25 pts)" in churn.text


def test_more_output_is_described_as_more_output_not_as_better():
    line = answer.line("onboarding_calls", _row(300.0, 646.0, 300.0, 390.0))
    assert line.distinguishable and line.better is None
    assert line.text.endswith("(more output).") and "better" not in line.text
    fewer = answer.line("features_delivered", _row(80.0, 70.0, -12.0, -8.0))
    assert fewer.text.endswith("(less output).") and "worse" not in fewer.text


def test_the_headline_counts_customer_results_only():
    table = pd.DataFrame(
        [_row(0.37, 0.39, 0.01, 0.03), _row(300.0, 646.0, 300.0, 390.0), _row(80.0, 90.0, 8.0, 12.0)],
        index=["activation_rate_30d", "onboarding_calls", "features_delivered"],
    )
    assert answer.headline(table, "this edit", "it") == (
        "Compared with it, in the same simulated markets, this edit makes 1 of 1 customer results better and 0 worse."
    )


def test_lower_is_better_metrics_count_a_fall_as_better():
    line = answer.line("support_contacts_per_customer", _row(0.80, 0.77, -0.05, -0.01))
    assert line.better and "(better)" in line.text


@pytest.fixture(scope="module")
def table():
    s = load_scenario("b2b_activation", {"weeks": 20, "customers.population": 800})
    a, b = run_many(s, 6), run_many(s.with_overrides({"leadership.real_choice": True}), 6)
    return compare(a, b)


def test_the_answer_follows_the_paired_comparison(table):
    lines = answer.lines(table)
    assert [x.metric for x in lines] == [m for m in answer.HEADLINE if m in table.index]
    for x in lines:
        row = table.loc[x.metric]
        assert x.distinguishable == (row["ci_low"] > 0 or row["ci_high"] < 0)
    outcomes = [
        x
        for x in lines
        if x.metric
        in ("activation_rate_30d", "outcome_index", "support_contacts_per_customer", "churn_rate", "revenue")
    ]
    better = sum(x.distinguishable and bool(x.better) for x in outcomes)
    worse = sum(x.distinguishable and not x.better for x in outcomes)
    head = answer.headline(table, "this edit", "b2b_activation")
    if better or worse:
        assert f"makes {better} of {len(outcomes)} customer results better and {worse} worse" in head
    else:
        assert "none of the customer results" in head


def test_an_identical_scenario_changes_nothing():
    s = load_scenario("b2b_activation", {"weeks": 12, "customers.population": 600})
    ens = run_many(s, 3)
    assert "none of the customer results" in answer.headline(compare(ens, ens), "this edit", "it")


def test_changes_list_names_levers_and_values_in_words():
    base = load_scenario("b2b_activation")
    lines = answer.changes(
        base, {"leadership.real_choice": True, "leadership.trump": 0.8, "leadership.shared_criterion": "churn_rate"}
    )
    assert lines[0] == "Prioritisation is a real choice: off → on"
    assert lines[1].startswith("How much it trumps local KPIs: ") and lines[1].endswith("→ 80%")
    assert lines[2].endswith("→ Churn")
    assert "with these changes" in answer.description("b2b_activation", base, {"leadership.trump": 0.8})
