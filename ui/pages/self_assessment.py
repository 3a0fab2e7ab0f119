"""The article's three questions: answer them, and explore the organisation your answers describe."""

import streamlit as st

from sim.i18n import _
from sim.present.assessment import ANSWERS, QUESTIONS, scenario_from_answers
from ui.language import language_switch
from ui.state import explore
from ui.text import names
from ui.widgets import setup_page

language_switch()
setup_page(_("Self-assessment: are we product-driven?"))
st.markdown(
    _(
        "Three questions reveal whether you are product-driven in practice, not only in language. "
        'If the answer is *"tja"* (so-so) to even one of them, there is probably more to gain from shared '
        "clarity than from more process."
    )
)
answers = {}
for key, question in QUESTIONS.items():
    answers[key] = st.radio(
        _(question.text),
        ANSWERS,
        index=1,
        key=f"q:{key}",
        help=_(question.help),
        horizontal=True,
        format_func=names(ANSWERS, _),
    )

scenario, _explanation = scenario_from_answers(answers)
st.subheader(_("Your organisation in the simulator"))
for n, (key, question) in enumerate(QUESTIONS.items(), 1):  # what each answer set, in the page's language
    st.markdown(
        "- "
        + _("Question {n}, {answer}: {meaning}").format(
            n=n, answer=_(answers[key]), meaning=_(question.effects[answers[key]][1])
        )
    )
if st.button(_("Explore this organisation"), type="primary", key="explore_answers"):
    explore(scenario, "self-assessment")
