"""The article's three questions: answer them, and explore the organisation your answers describe."""

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from app_common import set_base, setup_page
from sim.assessment import ANSWERS, QUESTIONS, scenario_from_answers

setup_page("Self-assessment: are we product-driven?")
st.markdown("Three questions reveal whether you are product-driven in practice, not only in language. "
            "If the answer is *\"tja\"* (so-so) to even one of them, there is probably more to gain from shared "
            "clarity than from more process.")
answers = {}
for key, question in QUESTIONS.items():
    answers[key] = st.radio(question.text, ANSWERS, index=1, key=f"q:{key}", help=question.help, horizontal=True)

scenario, explanation = scenario_from_answers(answers)
st.subheader("Your organisation in the simulator")
for line in explanation:
    st.markdown(f"- {line}")
if st.button("Explore this organisation", type="primary", key="explore_answers"):
    set_base(scenario, "self-assessment")
    try:
        st.switch_page("explore.py")  # the Explore page in the app's navigation (app.py)
    except StreamlitPageNotFoundError:  # this page run on its own (AppTest): the entrypoint opens Explore
        st.switch_page("app.py")
