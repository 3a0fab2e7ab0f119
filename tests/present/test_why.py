"""Why a comparison moved, in words: every kind of work and driver by its name, customer results named as they read
inside a sentence, in English and Danish. (That the page shows these sentences for real runs: tests/ui/test_app.py
and tests/ui/test_leader.py.)"""

import pytest

from sim.i18n import language
from sim.present import labels
from sim.present.verdict import Verdict
from sim.present.why import Cause, Move, Why
from sim.work import DEFAULT_KINDS, DRIVERS


def _row(difference: float, mean_a: float) -> dict[str, float]:
    return {"difference": difference, "mean_a": mean_a}


def _why() -> Why:
    work = Move("customer_need_feature", 1.7, 1.2, 2.2)
    fit = Move("feature_fit", 0.128, 0.1, 0.15)
    causes = [
        Cause("revenue", Verdict.BETTER, _row(99_681, 26_338_950), fit, work),
        Cause("churn_rate", Verdict.BETTER, _row(-0.0061, 0.119), fit, work),
        Cause("activation_rate_30d", Verdict.WORSE, _row(-0.013, 0.35), None, None),
    ]
    return Why(kinds=[work], requesters=[], drivers=[fit], causes=causes)


@pytest.mark.parametrize("lang", ["en", "da"])
def test_every_kind_of_work_and_driver_of_the_model_has_a_name(lang):
    with language(lang):
        assert set(DEFAULT_KINDS) <= set(labels.KIND_NAMES) and set(DRIVERS) <= set(labels.DRIVER_NAMES)
        for kind in DEFAULT_KINDS:
            assert labels.kind_name(kind) and "_" not in labels.kind_name(kind), kind


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "The trade-off: revenue +0.4%, churn −0.61 pts because work on customer-need features rose"),
        (
            "da",
            "Afvejningen: omsætning +0,4\u00a0%, kundeafgang −0,61 pct.-point, fordi arbejdet med funktioner til "
            "kundernes",
        ),
    ],
)
def test_customer_results_inside_a_sentence_start_small_and_kinds_read_in_the_language(lang, expected):
    with language(lang):
        sentences = _why().sentences()
    assert sentences[-1].startswith(expected), sentences[-1]
    assert "customer need feature" not in " ".join(sentences)
    # after the semicolon too: "against that, 30-day activation", never a capital in mid-sentence
    assert "; " in sentences[-1] and not any(part[:1].isupper() for part in sentences[-1].split("; ")[1:])


def test_in_text_keeps_abbreviations_and_numbers():
    assert labels.in_text("Revenue") == "revenue"
    assert labels.in_text("NPS") == "NPS"
    assert labels.in_text("30-day activation") == "30-day activation"
    assert labels.in_text("") == ""
