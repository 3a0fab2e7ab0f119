"""Explore: pick a preset or upload a scenario, pull the levers, and read first, in words, what the edit changed
against the unedited scenario in the same simulated markets and why it moved; then the numbers (with what each
measures), outcome and output over time with where they likely lie, the delivery paradox and where the team's time
went. A page for the board and Compare take it from here.
"""

from dataclasses import replace

import streamlit as st

from sim.i18n import _
from sim.present import answer, charts, labels, why
from sim.runner import compare
from sim.scenario import Scenario
from ui.advice import advice_panel
from ui.comparison import MAX_NAME_CHARS, clean_name
from ui.language import language_switch
from ui.results import ensemble, refine
from ui.state import explore_kept, keep
from ui.text import chart_name, names, plain, scenario_title, unbroken
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
            "From the first {n} of {seeds} simulated markets; the numbers sharpen in a moment, when all of them "
            "have run."
        ).format(n=len(result.seeds), seeds=choice.seeds)
    )
table = compare(reference, result) if reference is not None else None
if reference is not None and table is not None:
    st.markdown(plain(answer.headline(table, _("this edit"), scenario_title(choice.label))))
    st.markdown(unbroken("\n".join(f"- {plain(line.text)}" for line in answer.lines(table))), unsafe_allow_html=True)
    st.markdown("**" + _("Why it moved") + "**")
    reasons = why.explain(reference, result, table, choice.edited)
    st.markdown(unbroken("\n".join(f"- {plain(text)}" for text in reasons.sentences())), unsafe_allow_html=True)
else:
    st.markdown(
        plain(
            _(
                "{name} in {seeds} simulated markets: the mean, and where it likely lies. Move a lever to see what it "
                "changes against this scenario in the same markets."
            ).format(name=choice.title, seeds=choice.seeds)
        )
    )
    st.markdown("\n".join(f"- {plain(text)}" for text in answer.level_lines(result.summary)))
if isinstance(choice.edited, Scenario):
    st.caption(plain(answer.assumptions(choice.edited)))
share_link(choice)
with st.expander(_("Keep this scenario for Compare")):
    name = clean_name(st.text_input(_("Name"), value=choice.title, max_chars=MAX_NAME_CHARS))
    current = explore_kept()
    if st.button(_("Keep it"), key="keep_scenario", disabled=not name) and current is not None:
        kept_as = keep(replace(current, name=name))
        st.success(_("Kept as {name}: Compare offers it next to the presets.").format(name=plain(kept_as)))
advice_panel(choice)  # what to change first: the levers ranked for a goal, and a goal seek

st.subheader(_("Outcome: what customers do"))
metric_row(result, reference, OUTCOMES[:2], table=table)
metric_row(result, reference, OUTCOMES[2:] + MONEY, table=table)
st.subheader(_("Output: what departments deliver"))
metric_row(result, reference, OUTPUTS[:2], table=table)
metric_row(result, reference, OUTPUTS[2:], table=table)
st.subheader(_("How the work flows"))
metric_row(result, reference, ORGANISATION[:2], table=table)
metric_row(result, reference, ORGANISATION[2:], table=table)

arms = {_("edited"): result} if reference is None else {_("before the edit"): reference, _("edited"): result}
weekly = long_with_label({label: r.weekly for label, r in arms.items()})
by = "scenario" if reference is not None else None


def _exported(key: str, chart):
    """A chart as it leaves the app: titled, with the scenario's name under the title."""
    return charts.for_export(chart, chart_name(key), choice.title)


figures = {  # built when an image is asked for, not on every lever move
    "outcomes_over_time": lambda: _exported(
        "outcomes_over_time", charts.stacked(charts.over_time_panels(weekly, OUTCOMES, by=by))
    ),
    "revenue_over_time": lambda: _exported("revenue_over_time", charts.over_time_panels(weekly, MONEY, by=by)[0]),
    "outputs_over_time": lambda: _exported(
        "outputs_over_time", charts.stacked(charts.over_time_panels(weekly, OUTPUTS, by=by))
    ),
    "delivery_paradox": lambda: _exported(
        "delivery_paradox", charts.paradox(long_with_label({label: r.summary for label, r in arms.items()}), by=by)
    ),
    "team_time": lambda: _exported("team_time", charts.capacity(result.extra["capacity"])),
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
st.caption(
    _(
        "The mean over the simulated markets, with a band where it likely lies, from zero. Grey: the scenario before "
        "the edit; orange: the edited one."
    )
)
over_time([*OUTCOMES, *MONEY], "explore_outcome_metric")
st.subheader(_("Output over time"))
over_time(OUTPUTS, "explore_output_metric")
st.subheader(_("The delivery paradox"))
st.caption(
    _(
        "Each dot is one simulated market: how well departments hit their own output KPIs against how much the "
        "outcome (customers actually using the product) moved."
    )
)
st.altair_chart(
    charts.in_locale(
        charts.paradox(long_with_label({label: r.summary for label, r in arms.items()}), by=by).properties(title="")
    ),
    width="stretch",
)
st.subheader(_("Where did the team's time go?"))
split = st.radio(
    _("Split by"),
    ["requester", "kind"],
    format_func=names(
        ["requester", "kind"], lambda k: _("who asked for it") if k == "requester" else _("kind of work")
    ),
    horizontal=True,
    key="explore_team_time_by",
)
st.caption(_("Person-weeks of team work per week (mean over the simulated markets). Each department keeps its colour."))
st.altair_chart(
    charts.in_locale(charts.capacity(result.extra["capacity"], by=split).properties(title="")), width="stretch"
)

export_panel(
    choice.edited,
    result,
    figures,
    title=choice.name,
    description=answer.description(scenario_title(choice.label), choice.base, choice.overrides),
)
refine()
