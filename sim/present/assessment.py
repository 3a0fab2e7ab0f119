"""The article's three questions as a self-assessment whose answers become a scenario.

Each answer sets a handful of levers on top of the article's B2B story (``b2b_activation``); the explanation
lists exactly what was set, so nothing is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.i18n import N_
from sim.input import load_scenario
from sim.scenario import Scenario

ANSWERS = (N_("Yes"), N_("Tja (partly)"), N_("No"))  # marked for the page, which shows them translated
BASE = "b2b_activation"
SILO_DEPARTMENTS = ("sales", "marketing", "customer_success", "customer_support", "finance")


@dataclass(frozen=True)
class Question:
    text: str
    help: str
    #: answer -> (overrides, what it means)
    effects: dict[str, tuple[dict, str]]


def _departments(alignment: float) -> dict:
    return {f"departments.{d}.alignment": alignment for d in SILO_DEPARTMENTS}


QUESTIONS: dict[str, Question] = {
    "shared_product": Question(
        N_("1. Do we agree on what the product is, and what value it must create for users and for the business?"),
        N_("A shared picture of the product becomes a shared success criterion that trumps local KPIs."),
        {
            "Yes": (
                {"leadership.trump": 0.8, **_departments(0.7)},
                N_(
                    "one shared success criterion (30-day activation) wins most conflicts with local KPIs (80%); "
                    "departments give the shared goal 70% of their weight"
                ),
            ),
            "Tja (partly)": (
                {"leadership.trump": 0.4, **_departments(0.4)},
                N_(
                    "the shared criterion wins some conflicts with local KPIs (40%); departments give the shared "
                    "goal 40% of their weight"
                ),
            ),
            "No": (
                {"leadership.trump": 0.0, **_departments(0.1)},
                N_(
                    "no shared criterion wins over local KPIs; departments follow their own KPI (the shared goal "
                    "gets 10% of their weight)"
                ),
            ),
        },
    ),
    "outcome_steering": Question(
        N_("2. Are teams measured and steered on outcome, or mainly on deliveries?"),
        N_("Outcome steering: teams choose work by its effect, are funded over time and may say no."),
        {
            "Yes": (
                {
                    "teams.core.alignment": 0.9,
                    "funding.mode": "product",
                    "leadership.real_choice": True,
                    "departments.finance.plan_items": 2,
                },
                N_(
                    "the team chooses work by its effect on customers (90% of its weight), is funded as a product "
                    "and may say no; a small milestone plan (2 items)"
                ),
            ),
            "Tja (partly)": (
                {
                    "teams.core.alignment": 0.6,
                    "funding.mode": "product",
                    "leadership.real_choice": True,
                    "departments.finance.plan_items": 6,
                },
                N_("the team weighs effect on customers (60%) against pressure; product funding; a 6-item plan"),
            ),
            "No": (
                {
                    "teams.core.alignment": 0.2,
                    "funding.mode": "project",
                    "leadership.real_choice": False,
                    "departments.finance.plan_items": 8,
                },
                N_(
                    "the team delivers what is asked (effect on customers: 20% of its weight), is project-funded "
                    "and cannot say no; an 8-item milestone plan"
                ),
            ),
        },
    ),
    "learning": Question(
        N_("3. Do we have data to learn fast enough, and do we use that learning to prioritise?"),
        N_("Data maturity sets how fast and how precisely effects are measured; experiments need data."),
        {
            "Yes": (
                {
                    "departments.data_analytics.maturity": 0.8,
                    "departments.ux_design.insight": 0.6,
                    "teams.core.experiment_share": 0.15,
                },
                N_(
                    "effects measured within about 3 weeks with little noise (data maturity 80%), good user insight "
                    "(60%), 15% of capacity on experiments"
                ),
            ),
            "Tja (partly)": (
                {
                    "departments.data_analytics.maturity": 0.4,
                    "departments.ux_design.insight": 0.3,
                    "teams.core.experiment_share": 0.05,
                },
                N_(
                    "effects measured after about 8 weeks, noisily (data maturity 40%); some user insight (30%); "
                    "5% of capacity on experiments"
                ),
            ),
            "No": (
                {
                    "departments.data_analytics.maturity": 0.0,
                    "departments.ux_design.insight": 0.1,
                    "teams.core.experiment_share": 0.0,
                },
                N_("nothing is measured (data maturity 0%), little user insight (10%), no experiments"),
            ),
        },
    ),
}


def scenario_from_answers(answers: dict[str, str]) -> tuple[Scenario, list[str]]:
    """The scenario the answers describe, and one line per question saying what was set."""
    overrides: dict = {
        "name": "self_assessment",
        "description": "From the self-assessment: "
        + "; ".join(f"Q{i + 1} {answers[k]}" for i, k in enumerate(QUESTIONS)),
    }
    lines = []
    for key, question in QUESTIONS.items():
        answer = answers.get(key)
        if answer not in question.effects:
            raise ValueError(f"answer to {key!r} must be one of {', '.join(ANSWERS)}, got {answer!r}")
        values, meaning = question.effects[answer]
        overrides.update(values)
        lines.append(f"Q{list(QUESTIONS).index(key) + 1} ({answer}): {meaning}")
    scenario = load_scenario(BASE).with_overrides(overrides)
    assert isinstance(scenario, Scenario)  # the article's B2B story is an alignment scenario
    return scenario, lines
