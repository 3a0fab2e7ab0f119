"""Explore: pick a preset or upload a scenario, pull the levers, and read first, in words, what the edit changed
against the unedited scenario on the same seeds; then the numbers (with what each measures), outcome and output
over time with uncertainty bands, the delivery paradox and where the team's time went.
"""

import streamlit as st

from sim.i18n import _
from sim.present import answer, charts, labels
from sim.research.claims import holds_when
from sim.runner import compare
from sim.scenario import Scenario
from ui.advice import advice_panel
from ui.language import language_switch
from ui.results import ensemble, refine
from ui.text import names, plain, scenario_title
from ui.widgets import (
    ORGANISATION,
    OUTCOMES,
    OUTPUTS,
    choose,
    export_panel,
    long_with_label,
    metric_row,
    scenario_header,
    setup_page,
    share_link,
)

MONEY = ["revenue"]

language_switch()
setup_page(_("Explore: what if we aligned?"))
choice = choose()
reference = ensemble(choice.base, choice.seeds) if choice.overrides else None
result = ensemble(choice.edited, choice.seeds, progressive=True)  # the first seeds at once, then all of them
partial = len(result.seeds) < choice.seeds
if reference is not None and partial:
    reference = reference.head(len(result.seeds))  # paired on the same seeds

scenario_header(choice)
st.subheader(_("The answer"))
if partial:
    st.caption(
        _(
            "From the first {n} of {seeds} seeds; the numbers and bands sharpen in a moment, when all seeds have run."
        ).format(n=len(result.seeds), seeds=choice.seeds)
    )
if reference is not None:
    table = compare(reference, result)
    st.markdown(plain(answer.headline(table, _("this edit"), scenario_title(choice.label))))
    lines = answer.lines(table)
    st.markdown("\n".join(f"- {plain(line.text)}" for line in lines))
else:
    st.markdown(
        plain(
            _(
                "{name} over {seeds} seeds (mean and 95% interval). Move a lever to see what it changes "
                "against this scenario on the same seeds."
            ).format(name=choice.title, seeds=choice.seeds)
        )
    )
    st.markdown("\n".join(f"- {plain(text)}" for text in answer.level_lines(result.summary)))
if isinstance(choice.edited, Scenario):
    st.caption(plain(holds_when(choice.edited)))
share_link(choice)
advice_panel(choice)  # what to change first: the levers ranked for a goal, and a goal seek

st.subheader(_("Outcome: what customers do"))
metric_row(result, reference, OUTCOMES[:2])
metric_row(result, reference, OUTCOMES[2:] + MONEY)
st.subheader(_("Output: what departments deliver"))
metric_row(result, reference, OUTPUTS[:2])
metric_row(result, reference, OUTPUTS[2:])
st.subheader(_("How the work flows"))
metric_row(result, reference, ORGANISATION[:2])
metric_row(result, reference, ORGANISATION[2:])

arms = {_("edited"): result} if reference is None else {_("preset"): reference, _("edited"): result}
weekly = long_with_label({label: r.weekly for label, r in arms.items()})
by = "scenario" if reference is not None else None
figures = {  # built when an image is asked for, not on every lever move
    "outcomes_over_time": lambda: charts.over_time(weekly, OUTCOMES, by=by),
    "outputs_over_time": lambda: charts.over_time(weekly, OUTPUTS, by=by),
    "delivery_paradox": lambda: charts.paradox(long_with_label({label: r.summary for label, r in arms.items()}), by=by),
    "team_time": lambda: charts.capacity(result.extra["capacity"]),
}


def over_time(metrics: list[str], key: str) -> None:
    """One metric at a time over weeks, picked by its name: one chart that fills the width on any screen."""
    metric = st.radio(
        _("Measure"),
        metrics,
        format_func=names(metrics, labels.name),
        horizontal=True,
        key=key,
        label_visibility="collapsed",
    )
    st.caption(plain(labels.help_text(metric)))
    st.altair_chart(charts.in_locale(charts.over_time_panels(weekly, [metric], by=by)[0]), width="stretch")


st.subheader(_("Outcome over time"))
st.caption(_("Mean over seeds with a 95% band, from zero. Grey: the scenario before the edit; orange: the edited one."))
over_time([*OUTCOMES, "revenue"], "explore_outcome_metric")
st.subheader(_("Output over time"))
over_time(OUTPUTS, "explore_output_metric")
st.subheader(_("The delivery paradox"))
st.caption(
    _(
        "Each dot is one seed: how well departments hit their own output KPIs against how much the outcome "
        "(customers actually using the product) moved."
    )
)
st.altair_chart(
    charts.in_locale(figures["delivery_paradox"]().properties(title="")),  # the heading says it
    width="stretch",
)
st.subheader(_("Where did the team's time go?"))
st.caption(
    _("Person-weeks of team work per week, by who asked for it (mean over seeds). Each department keeps its colour.")
)
st.altair_chart(charts.in_locale(figures["team_time"]().properties(title="")), width="stretch")

export_panel(
    choice.edited,
    result,
    figures,
    title=choice.name,
    description=answer.description(scenario_title(choice.label), choice.base, choice.overrides),
)
refine()
