"""Workshop mode: a facilitator runs rounds; participants play the departments from their own browsers.

Links carry the state (?code=…&key=… for the facilitator, ?token=… for a player), and everything else lives in
the server's SQLite database, so a refresh or reconnect loses nothing.
"""

import pandas as pd
import streamlit as st

from app_common import setup_page
from sim.charts import capacity
from sim.workshop import (ACTIONS, DEMANDS, LOGIC_SWITCHES, PUSH, TEMPLATES, Decision, Workshop, WorkshopError)
from sim.workshop_report import handout_html, outcome_chart, tables_chart

setup_page("Workshop")
shop = Workshop()
params = st.query_params


def _error(exc: Exception) -> None:
    st.error(str(exc))


def decision_form(key: str, department: str, current: Decision | None, submit) -> None:
    """Push, demands and the role's own action for this round."""
    with st.form(key=f"form:{key}:{department}"):
        st.markdown(f"**{department.replace('_', ' ')}**")
        push = st.radio("Where do you push?", list(PUSH), horizontal=True, key=f"push:{key}:{department}",
                        index=list(PUSH).index(current.push if current else "balanced"),
                        help="Your own KPI, the shared goal, or a balance of both.")
        demands = st.radio("How much do you ask of the product team?", list(DEMANDS), horizontal=True,
                           index=list(DEMANDS).index(current.demands if current else "normal"),
                           key=f"demands:{key}:{department}")
        action = False
        if ACTIONS.get(department):
            action = st.checkbox(ACTIONS[department], value=bool(current and current.action),
                                 key=f"action:{key}:{department}")
        if st.form_submit_button("Save decision"):
            submit(Decision(push, demands, action))


def participant(token: str) -> None:
    try:
        player = shop.player(token)
        session = shop.session(player["code"])
    except WorkshopError as exc:
        _error(exc)
        if st.button("Join another workshop"):
            params.clear()
            st.rerun()
        return
    spec = TEMPLATES[session["template"]]
    dept = player["department"]
    st.subheader(f"{player['name']} plays {dept.replace('_', ' ')} in workshop {session['code']}")
    results = shop.results(session["code"])
    mine = results[results.department == dept]
    if session["rounds_played"] >= spec["rounds"]:
        st.success("The game is over: the facilitator opens the debrief.")
    else:
        st.info(f"Round {session['rounds_played'] + 1} of {spec['rounds']} ({spec['weeks']} weeks each). "
                "You can change your decision until the facilitator plays the round.")
        current = shop.decisions(session["code"]).get((session["rounds_played"], dept))

        def save(decision):
            try:
                shop.decide(token, decision)
                st.success("Decision saved.")
            except WorkshopError as exc:
                _error(exc)

        decision_form(token[:8], dept, current, save)
    if len(mine):
        st.markdown(f"**Your KPI: {mine['kpi'].iloc[0].replace('_', ' ')}** (target {mine['kpi_target'].iloc[0]:g} "
                    "a week)")
        shown = mine[["round", "kpi_value", "kpi_attainment"]]
        if session["revealed"]:
            shown = mine[["round", "kpi_value", "kpi_attainment", "shared_outcome"]]
        st.dataframe(shown.set_index("round"), key="player_results")
        if session["revealed"]:
            st.altair_chart(outcome_chart(results), width="content")


def facilitator(code: str, key: str) -> None:
    try:
        session = shop.check_facilitator(code, key)
    except WorkshopError as exc:
        _error(exc)
        return
    spec = TEMPLATES[session["template"]]
    played = session["rounds_played"]
    st.subheader(f"Workshop {session['code']}: {spec['title']}")
    base_url = getattr(st.context, "url", "") or ""
    st.markdown(f"Participants join with code **{session['code']}** on the Workshop page"
                + (f", or at `{base_url.split('?')[0]}?code={session['code']}`" if base_url else "") + ".")
    players = shop.players(session["code"])
    decisions = shop.decisions(session["code"])
    status = pd.DataFrame([{"department": d, "played by": players.get(d, "model"),
                            "decided this round": (played, d) in decisions} for d in spec["departments"]])
    st.dataframe(status.set_index("department"), key="fac_status")

    single = st.toggle("Single-screen mode (enter every department's decision here)", key="single")
    if single and played < spec["rounds"]:
        cols = st.columns(2)
        for i, dept in enumerate(spec["departments"]):
            with cols[i % 2]:
                def save(decision, dept=dept):
                    try:
                        shop.decide_as_facilitator(session["code"], key, dept, decision)
                    except WorkshopError as exc:
                        _error(exc)
                decision_form("fac", dept, decisions.get((played, dept)), save)

    c1, c2, c3 = st.columns(3)
    if played < spec["rounds"]:
        if c1.button(f"Play round {played + 1} of {spec['rounds']}", type="primary", key="play"):
            try:
                shop.play_round(session["code"], key)
            except WorkshopError as exc:  # e.g. a double click after the last round
                _error(exc)
            else:
                st.rerun()
    switch = c2.selectbox("Switch the logic from the next round", list(LOGIC_SWITCHES),
                          format_func=LOGIC_SWITCHES.get, key="switch")
    if c2.button("Switch", key="do_switch"):
        shop.switch_logic(session["code"], key, switch)
        st.rerun()
    if session["switch"]:
        c2.caption(f"{LOGIC_SWITCHES[session['switch']]} from round {session['switch_round'] + 1}")
    revealed = c3.toggle("Reveal the shared outcome to players", value=bool(session["revealed"]), key="reveal")
    if revealed != bool(session["revealed"]):
        shop.reveal(session["code"], key, revealed)

    results = shop.results(session["code"])
    if len(results):
        st.markdown("#### We delivered everything we said. Why no effect?")
        st.altair_chart(outcome_chart(results), width="content")
    others = st.text_input("Compare with other tables (their codes, comma separated)", key="others")
    codes = [session["code"]] + [c.strip().upper() for c in others.split(",") if c.strip()]
    if len(codes) > 1:
        frames = []
        for c in codes:
            try:
                frames.append(shop.results(c).assign(table=c))
            except WorkshopError as exc:
                _error(exc)
        if frames:
            st.altair_chart(tables_chart(pd.concat(frames)), width="content")
    if played >= spec["rounds"]:
        st.markdown("### Debrief")
        st.markdown("- Which departments hit their KPI, and what happened to the shared outcome?\n"
                    "- Where did the product team's time go?\n"
                    "- The article's three questions: do we agree on what the product is and the value it must "
                    "create? Are teams steered on outcome or on deliveries? Do we have data to learn fast enough, "
                    "and do we use it to prioritise?")
        time_used = shop.team_time(session["code"])
        st.altair_chart(capacity(time_used), width="content")
        st.download_button("Handout (HTML with charts)",
                           handout_html(session["code"], spec["title"], results, time_used),
                           file_name=f"workshop_{session['code']}.html", mime="text/html", key="handout")


def landing() -> None:
    join, run = st.columns(2)
    with join:
        st.markdown("### Join a workshop")
        code = st.text_input("Workshop code", value=params.get("code", ""), key="join_code").strip().upper()
        if code:
            try:
                session = shop.session(code)
            except WorkshopError as exc:
                _error(exc)
                return
            taken = shop.players(session["code"])
            free = [d for d in TEMPLATES[session["template"]]["departments"] if d not in taken]
            if not free:
                st.warning("Every department is taken in this workshop.")
                return
            name = st.text_input("Your name", key="join_name")
            dept = st.selectbox("Department to play", free, key="join_dept")
            if st.button("Join", type="primary", key="join"):
                try:
                    token = shop.join(session["code"], dept, name)
                except WorkshopError as exc:
                    _error(exc)
                    return
                params.clear()
                params["token"] = token
                st.rerun()
    with run:
        st.markdown("### Run a workshop")
        template = st.selectbox("Template", list(TEMPLATES), format_func=lambda t: TEMPLATES[t]["title"],
                                key="template")
        if st.button("Create workshop", key="create"):
            code, key = shop.create(template)
            params.clear()
            params["code"], params["key"] = code, key
            st.rerun()


if "token" in params:
    participant(params["token"])
elif "key" in params and "code" in params:
    facilitator(params["code"], params["key"])
else:
    landing()
