"""The self-assessment: every combination of answers is a valid scenario; better answers, better outcome."""

import itertools

import pytest

from sim import run_many
from sim.present.assessment import ANSWERS, QUESTIONS, scenario_from_answers
from sim.stats import paired_difference


def test_every_combination_of_answers_gives_a_valid_scenario_and_an_explanation():
    for combo in itertools.product(ANSWERS, repeat=len(QUESTIONS)):
        scenario, lines = scenario_from_answers(dict(zip(QUESTIONS, combo)))
        assert len(lines) == len(QUESTIONS)
        assert scenario.name == "self_assessment"


def test_answers_set_the_documented_levers():
    s, _ = scenario_from_answers({k: "No" for k in QUESTIONS})
    assert s.departments["data_analytics"].maturity == 0.0 and s.funding.mode == "project"
    assert s.leadership.trump == 0.0 and not s.leadership.real_choice
    s, _ = scenario_from_answers({k: "Yes" for k in QUESTIONS})
    assert s.leadership.trump == 0.8 and s.teams["core"].alignment == 0.9


def test_unknown_answer_names_the_allowed_ones():
    with pytest.raises(ValueError, match="one of Yes, Tja"):
        scenario_from_answers({k: "Maybe" for k in QUESTIONS})


def test_yes_to_all_beats_no_to_all_on_outcome_over_paired_seeds():
    yes, _ = scenario_from_answers({k: "Yes" for k in QUESTIONS})
    no, _ = scenario_from_answers({k: "No" for k in QUESTIONS})
    a, b = run_many(no, 20).summary, run_many(yes, 20).summary
    d = paired_difference(a["outcome_change"], b["outcome_change"])
    assert d["ci_low"] > 0, d
