"""The label registry: every metric has a name, a unit and help saying which way is better; values and
differences are written for people (percentages and points, money with its currency, counts with their unit)."""

import math

import pytest

from sim.i18n import language
from sim.metrics import METRICS
from sim.present import labels


def test_every_metric_has_a_label_whose_help_says_which_way_is_better_from_the_registry():
    assert set(METRICS) <= set(labels.LABELS)
    for name in METRICS:
        lab = labels.LABELS[name]
        assert lab.name and lab.name != name and "_" not in lab.name
        assert "better" not in lab.help.lower(), name  # said once, from the registry, not written per metric
        text = labels.help_text(name)
        if METRICS[name].kind == "output":
            assert text.endswith("so more is not better by itself."), name
        else:
            assert text.endswith("Higher is better." if METRICS[name].better == "higher" else "Lower is better."), name
    with language("da"):
        assert labels.help_text("churn_rate").endswith("Lavere er bedre.")


def test_a_tile_heading_carries_the_unit_the_number_alone_would_not_say():
    assert labels.tile_title("support_contacts_per_customer") == "Support contacts (per customer per month)"
    assert labels.tile_title("lead_time_weeks") == "Lead time (weeks)"
    assert labels.tile_title("activation_rate_30d") == "30-day activation"  # 37% says it
    assert labels.tile_title("onboarding_calls") == "Onboarding calls"  # the name says it
    assert labels.value("support_contacts_per_customer", 0.7412, unit=False) == "0.74"


def test_an_interval_writes_its_unit_once():
    assert labels.interval("activation_rate_30d", 0.02, 0.01, 0.03) == "+1.0 to +3.0 pts"
    assert labels.interval("revenue", -100.0, -250.0, 50.0) == "−€250 to +€50"
    assert labels.interval("lead_time_weeks", -1.0, -1.5, -0.5) == "−1.5 to −0.5 weeks"


def test_a_share_is_a_percentage_and_its_difference_is_in_points():
    assert labels.value("activation_rate_30d", 0.371) == "37%"
    assert labels.difference("activation_rate_30d", 0.02) == "+2.0 pts"
    assert labels.difference("activation_rate_30d", -0.0031) == "−0.31 pts"
    assert labels.title("activation_rate_30d") == "30-day activation (%)"


def test_money_has_its_currency_and_thousands_separators():
    assert labels.value("revenue", 26724346.1538) == "€26,724,346"
    assert labels.difference("revenue", -12400.4) == "−€12,400"
    with language("da"):
        assert labels.value("revenue", 1234567.0) == "1.234.567\xa0€"


def test_counts_weeks_rates_and_indices_carry_their_unit_and_sensible_precision():
    assert labels.value("onboarding_calls", 760.4) == "760 calls"
    assert labels.difference("onboarding_calls", -346.2) == "−346 calls"
    assert labels.value("lead_time_weeks", 12.04) == "12.0 weeks"
    # a tiny difference keeps two significant digits instead of collapsing to zero
    assert labels.difference("support_contacts_per_customer", -0.000111) == "−0.00011 per customer per month"
    assert labels.value("support_contacts_per_customer", 0.7412) == "0.74 per customer per month"
    assert labels.value("active_share", 84.46) == "84.5 per 100 paying"
    assert labels.value("offered_load", 1.234) == "1.23"  # a ratio without a unit stays a bare number


def test_undefined_values_are_a_dash_and_relative_changes_are_signed():
    assert labels.value("lead_time_weeks", float("nan")) == "—"
    assert labels.difference("revenue", None) == "—"
    assert labels.relative(-3.0, 100.0) == "−3.0%"
    assert labels.relative(25.0, 100.0) == "+25%"
    assert labels.relative(1.0, 0.0) == ""


def test_a_metric_without_a_label_gets_its_code_name_in_words():
    assert labels.name("some_new_measure") == "some new measure"
    assert not math.isnan(float(labels.value("some_new_measure", 0.5).replace(",", "")))


def test_every_reference_model_metric_and_series_has_a_label_in_both_languages():
    """The Reference models page names every metric and series of the classics for people, in Danish too."""
    from sim import MODELS
    from sim.i18n import language

    for name, spec in MODELS.items():
        if name == "alignment":
            continue
        shown = set(spec.metrics())
        from sim import load_scenario

        series, _summary, _extra = spec.simulate(load_scenario(name), 0, 3)
        shown |= {c for c in series.columns if c != spec.time}
        for metric in shown:
            assert metric in labels.LABELS, metric
            assert labels.help_text(metric), metric
            with language("da"):
                assert labels.name(metric) != labels.label(metric).name, metric  # translated
                assert labels.help_text(metric) != labels.label(metric).help, metric


def test_reference_model_values_are_written_per_unit_and_language():
    from sim.i18n import language

    assert labels.value("divergence", 0.25) == "25%"
    assert labels.value("periods_run", 212.4) == "212 periods"
    assert labels.title("performance") == "Firm performance (% of the best possible)"
    with language("da"):
        assert labels.value("divergence", 0.25).replace("\xa0", " ") == "25 %"
        assert labels.value("periods_run", 1212.4) == "1.212 perioder"
        assert labels.value("equilibrium_knowledge", 0.871) == "0,871"


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_digits_for_a_difference_never_hide_it(metric):
    for d in (1e-5, 3e-3, 0.4, 7.0, 1234.0):
        if labels.label(metric).unit == "money" and d < 0.01:
            continue  # less than a cent
        text = labels.difference(metric, d)
        assert any(ch in "123456789" for ch in text), (metric, d, text)


def test_a_difference_is_written_with_the_precision_its_interval_supports():
    """Issue 24: "Churn: +0.0028 pts (likely between −0.2420 and +0.2475 pts)" read as far more exact than it is.
    The difference and both ends take two significant digits of the interval's width, in both languages."""
    assert labels.likely("churn_rate", 0.000028, -0.002420, 0.002475) == (
        "+0.00 pts (likely between −0.24 and +0.25 pts)"
    )
    assert labels.interval("churn_rate", -0.00066, -0.00306, 0.00174) == "−0.31 to +0.17 pts"
    with language("da"):
        assert labels.likely("churn_rate", 0.000028, -0.002420, 0.002475) == (
            "+0,00 pct.-point (sandsynligvis mellem −0,24 og +0,25 pct.-point)"
        )
    # a narrow interval keeps what the difference needs; a wide one takes no more than the label's
    assert labels.likely("support_contacts_per_customer", -0.0079, -0.0120, -0.0037).startswith(
        "−0.0079 per customer per month (likely between −0.0120 and −0.0037"
    )
    assert labels.interval("features_delivered", 13.4, 9.1, 16.2) == "+9 to +16 items"
    # an interval that excludes zero never shows an end of zero: one more decimal where it would
    assert labels.interval("outcome_index", 0.14, 0.004, 0.27) == "+0.004 to +0.270 per 100 possible"
    # without an interval, the difference's own precision (as before)
    assert labels.digits_for("churn_rate", 0.000028) == 4


def test_two_values_a_clear_difference_lies_between_never_read_alike():
    """Issue 24: "0,81 → 0,81 ... (bedre)". ``apart`` adds decimals until the two read differently."""
    digits = labels.apart("support_contacts_per_customer", 0.8134, [0.8061])
    assert digits == 3
    shown = [labels.value("support_contacts_per_customer", v, False, digits) for v in (0.8134, 0.8061)]
    assert shown == ["0.813", "0.806"]
    assert labels.apart("support_contacts_per_customer", 0.8134, [0.7012]) == 2  # apart already
    assert labels.apart("activation_rate_30d", 0.3512, [0.3549]) == 1  # 35.1% and 35.5%
    assert labels.apart("lead_time_weeks", 12.0, [12.0]) == 1  # equal values stay as they are


def test_danish_names_churn_as_the_article_does():
    """Issue 24: Danish screens said "Churn"; the article's word is "kundeafgang" (it keeps "outcome", "output"
    and "features" as loanwords)."""
    from sim.i18n import _

    with language("da"):
        assert labels.name("churn_rate") == "Kundeafgang"
        assert labels.title("churn_rate") == "Kundeafgang (% om året)"
        moved = _(
            "{driver} moved by {change} (worth {money} of revenue over the run, by the funnel's sensitivity); deals "
            "closed changed by {deals}, churn by {churn} points a year and customers using the product by {active} "
            "per 100 paying."
        )
    assert "kundeafgangen med {churn}" in moved and "churn" not in moved.replace("{churn}", "")
