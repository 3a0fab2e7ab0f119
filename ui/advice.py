"""Explore's "What to change first": the levers ranked by their effect on the leader's goal (with the money and the
customers kept beside each), and a goal seek whose answer is applied to the levers in one click.

The work is ``sim.research.advice``'s, run on the server's shared process pool (``ui.results.shared_pool``) and
kept in its cache, so a ranking asked for once is there for every session. Each button says how long it will take
at the speed measured on this server before it runs, and a progress bar shows how far it is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from sim.i18n import _, shown
from sim.present import labels
from sim.registry import APP_SWEEP_BUDGET_SECONDS, describe_seconds, get_model
from sim.research import advice
from sim.scenario import Scenario
from ui import results
from ui.state import Choice, set_levers
from ui.text import names, plain, unbroken

#: What the app asks of the engine. The goal seek's trials are fewer than the CLI's, so that it stays within the
#: budget of a button. Tests make both smaller: in-process by setting these, and for a server they start by the
#: environment (``ALIGNSIM_ADVICE_RANKING``, ``ALIGNSIM_ADVICE_SEEK``: a JSON object of the keys to change, e.g.
#: ``{"seeds": 3, "levers": ["leadership.trump"]}``), so that a browser test checks the panel, not the engine's
#: statistics, in seconds instead of minutes.
RANKING: dict[str, Any] = {
    "seeds": advice.RANK_SEEDS,
    "confirm_seeds": advice.CONFIRM_SEEDS,
    "confirm": advice.CONFIRM_TOP,
    "levers": None,
}
SEEK: dict[str, Any] = {
    "trials": 30,
    "seeds": advice.SEEK_SEEDS,
    "confirm_seeds": advice.SEEK_CONFIRM_SEEDS,
    "levers": None,
}


def _from_environment(settings: dict[str, Any], variable: str) -> None:
    """``settings`` updated with the JSON object in the environment variable ``variable`` (only keys it has)."""
    text = os.environ.get(variable)
    if not text:
        return
    given = json.loads(text)
    unknown = set(given) - set(settings) if isinstance(given, dict) else {"(not an object)"}
    if unknown:
        raise ValueError(f"{variable}: unknown keys {sorted(unknown)}; allowed: {sorted(settings)}")
    settings.update(given)


_from_environment(RANKING, "ALIGNSIM_ADVICE_RANKING")
_from_environment(SEEK, "ALIGNSIM_ADVICE_SEEK")
#: Rows of the ranking shown as sentences; the rest are in a table below them.
SHOWN = 5


def _goals(scenario: Scenario) -> list[str]:
    return [name for name, metric in get_model(scenario.model).metrics().items() if metric.kind == "outcome"]


def _budget(seconds: float) -> str:
    """A refusal when the work would take longer than a button may run (at the registry's estimate), else ""."""
    if seconds <= APP_SWEEP_BUDGET_SECONDS:
        return ""
    return _(
        "This would take about {time}, more than the app runs for one button ({budget}); the command line runs "
        "it: {command}"
    ).format(
        time=shown(describe_seconds(seconds)),
        budget=shown(describe_seconds(APP_SWEEP_BUDGET_SECONDS)),
        command="alignsim advise scenario.toml",
    )


def _progress(text: str) -> tuple[Callable[[int, int], None], Any]:
    """A progress bar and the engine's callback that moves it (``done`` of ``total`` runs)."""
    bar = st.progress(0.0, text=text)
    last = [-1]

    def update(done: int, total: int) -> None:
        percent = int(100 * done / max(total, 1))
        if percent != last[0]:  # at most a hundred updates sent to the browser
            last[0] = percent
            bar.progress(min(percent, 100) / 100, text=text)

    return update, bar


def advice_panel(choice: Choice) -> None:
    """Explore: what to change first for the goal the leader picks, for the scenario on screen."""
    scenario = choice.edited
    if not isinstance(scenario, Scenario):
        return
    st.subheader(_("What to change first"))
    goals = _goals(scenario)
    criterion = scenario.leadership.shared_criterion
    chosen = st.selectbox(
        _("Your goal"),
        goals,
        index=goals.index(criterion) if criterion in goals else 0,
        format_func=names(goals, lambda metric: labels.name(str(metric))),
        key="advice_goal",
        help=_("The customer result you want to move. Every lever is tried on it, with the money beside it."),
    )
    goal = str(chosen or goals[0])  # a cleared choice means the default goal
    _ranking(scenario, goal)
    _goal_seek(choice, scenario, goal)


def _ranking(scenario: Scenario, goal: str) -> None:
    ranking = advice.cached_ranking(scenario, goal, **RANKING)
    if ranking is None:
        estimate = advice.estimate_ranking(scenario, goal, **RANKING, workers=results.WORKERS)
        refusal = _budget(estimate.seconds)
        if refusal:
            st.info(plain(refusal))
            return
        wait = results.wait_seconds(scenario, estimate.runs)
        offer = st.empty()  # the offer goes when the ranking is there (the page is not drawn a second time)
        with offer.container():
            st.caption(
                _(
                    "Tries every lever over a realistic range on the same simulated markets, and the best ones "
                    "again on other simulated markets."
                )
            )
            clicked = st.button(
                _("Rank the levers (about {time})").format(time=shown(describe_seconds(wait))), key="advice_rank"
            )
        if not clicked:
            return
        update, bar = _progress(_("Ranking the levers…"))
        ranking = results.shared_pool(
            lambda pool: advice.rank_levers(scenario, goal, **RANKING, executor=pool, progress=update)
        )
        bar.empty()
        offer.empty()
    _show_ranking(scenario, ranking)


def _line(scenario: Scenario, row: advice.Row) -> str:
    effects = [advice.likely(row.goal)]
    if not row.goal.distinguishable:
        effects[0] += " " + _("(could be no change)")
    effects += [
        _("{name}: {effect}").format(name=labels.name(metric), effect=advice.likely(effect))
        for metric, effect in row.trade_offs.items()
    ]
    return "**{move}**: {effects}".format(
        move=plain(advice.move_text(scenario, row.path, row.after)), effects="; ".join(effects)
    )


def _show_ranking(scenario: Scenario, ranking: advice.Ranking) -> None:
    if not ranking.rows:
        st.markdown(_("No lever of this scenario can be moved."))
        return
    st.markdown(
        _("What moves **{goal}** most, each lever at its best setting within a realistic range:").format(
            goal=labels.name(ranking.goal)
        )
    )
    ranked = "\n".join(f"{i}. {_line(scenario, row)}" for i, row in enumerate(ranking.rows[:SHOWN], start=1))
    st.markdown(unbroken(ranked), unsafe_allow_html=True)
    checked = sum(r.confirmed for r in ranking.rows)
    st.caption(
        _(
            "Each lever was tried on {seeds} simulated markets; the best {checked} were tried again on {fresh} other "
            "simulated markets, and their numbers are from those. 'Likely between': a range that holds the true "
            "effect in 19 of 20 such comparisons."
        ).format(seeds=len(ranking.seeds), checked=checked, fresh=len(ranking.fresh_seeds))
    )
    if len(ranking.rows) > SHOWN:
        with st.expander(_("All {n} levers").format(n=len(ranking.rows))):
            table = pd.DataFrame(
                [
                    {
                        _("Change"): advice.move_text(scenario, row.path, row.after),
                        labels.name(ranking.goal): advice.likely(row.goal),
                        **{labels.name(m): advice.likely(e) for m, e in row.trade_offs.items()},
                        _("Tried again"): _("yes") if row.confirmed else _("no"),
                    }
                    for row in ranking.rows
                ]
            )
            st.dataframe(table, hide_index=True, width="stretch")


def _default_target(choice: Choice, goal: str) -> float:
    """A target a little beyond the level on screen (the ensemble the page shows, from the cache)."""
    level = results.cached_mean(choice.edited, choice.seeds, goal)
    better = get_model(choice.edited.model).metrics()[goal].better == "higher"
    if level is None:
        return 0.0
    if labels.label(goal).unit == "share":
        return round(min(max(level + (0.03 if better else -0.03), 0.0), 1.0) * 100) / 100
    return round(level * (1.05 if better else 0.95), 2)


def _goal_seek(choice: Choice, scenario: Scenario, goal: str) -> None:
    st.markdown("**" + _("Reach a goal without losing money") + "**")
    share = labels.label(goal).unit == "share"
    higher = get_model(scenario.model).metrics()[goal].better == "higher"
    levers = advice.choices(scenario)
    with st.form("advice_seek_form", border=True):
        c1, c2 = st.columns(2)
        default = _default_target(choice, goal)
        reached = _("Reached robustly: at the unfavourable end of the range where the result is likely to be.")
        # shares in whole percents, as the levers' sliders show them: Streamlit writes a number field's decimals
        # with a point whatever the language, and a whole number has none to write
        value: float
        if share:
            value = c1.number_input(
                (_("{goal}: at least (%)") if higher else _("{goal}: at most (%)")).format(goal=labels.name(goal)),
                min_value=0,
                max_value=100,
                value=round(default * 100),
                step=1,
                format="%d",
                key=f"advice_target:{goal}",
                help=reached,
            )
        else:
            value = c1.number_input(
                (_("{goal}: at least") if higher else _("{goal}: at most")).format(goal=labels.name(goal)),
                value=default,
                step=0.01,
                key=f"advice_target:{goal}",
                help=reached,
            )
        keep = c2.checkbox(_("Without losing revenue"), value=True, key="advice_keep")
        margin = c2.number_input(
            _("Revenue may fall by at most (%)"),
            min_value=0,
            max_value=100,
            value=1,
            step=1,
            format="%d",
            key="advice_margin",
        )
        with st.expander(_("Cost of each change")):
            st.caption(
                _(
                    "What changing each lever costs you (1: every change the same; the smallest total cost wins). "
                    "Edit the numbers, e.g. 5 for a change that takes a reorganisation."
                )
            )
            costs = st.data_editor(
                pd.DataFrame({_("Lever"): [lever.label for lever in levers], _("Cost"): [1.0] * len(levers)}),
                hide_index=True,
                disabled=[_("Lever")],
                key="advice_costs",
                width="stretch",
            )
        target = advice.Target(metric=goal, op=">=" if higher else "<=", value=value / 100 if share else value)
        keeps = [advice.Keep(metric="revenue", margin=margin / 100)] if keep else []
        estimate = advice.estimate_goal_seek(scenario, target, keeps, **SEEK, workers=results.WORKERS)
        wait = results.wait_seconds(scenario, estimate.runs)
        submitted = st.form_submit_button(
            _("Find the smallest change (at most about {time})").format(time=shown(describe_seconds(wait))),
            key="advice_seek",  # the label's estimate changes with the measured speed: the key keeps the button
        )
    if submitted:
        refusal = _budget(estimate.seconds)
        if refusal:
            st.info(plain(refusal))
            return
        prices = {lever.path: float(cost) for lever, cost in zip(levers, costs[_("Cost")].fillna(1.0))}
        try:
            prices = advice.lever_costs(scenario, prices)
        except advice.AdviceError as exc:
            st.error(plain(exc.shown()))
            return
        update, bar = _progress(_("Searching for the smallest change…"))
        found = results.shared_pool(
            lambda pool: advice.goal_seek(scenario, target, keeps, costs=prices, **SEEK, executor=pool, progress=update)
        )
        bar.empty()
        st.session_state["advice_found"] = (scenario.to_toml(), found)
    applied = st.session_state.get("advice_applied")
    if applied is not None and applied[0] == scenario.to_toml():
        st.success(
            _("Applied: {changes}. The answer above compares them with {base}.").format(
                changes="; ".join(plain(line) for line in applied[1]), base=plain(choice.title)
            )
        )
    stored = st.session_state.get("advice_found")
    if stored is None or stored[0] != scenario.to_toml():
        return
    found = stored[1]
    st.markdown(unbroken(_markdown(advice.advice_lines(scenario, found))), unsafe_allow_html=True)
    if found.changes:
        st.button(
            _("Apply these changes") if found.reached else _("Apply the closest setting"),
            key="advice_apply",
            on_click=_apply,
            args=(scenario, found),
        )


def _markdown(lines: list[str]) -> str:
    """Sentences as paragraphs and "- " lines as a list, each shown as it is."""
    blocks: list[str] = []
    for line in lines:
        if line.startswith("- ") and blocks and blocks[-1].startswith("- "):
            blocks[-1] += "\n- " + plain(line[2:])
        else:
            blocks.append("- " + plain(line[2:]) if line.startswith("- ") else plain(line))
    return "\n\n".join(blocks)


def _apply(scenario: Scenario, found: advice.Advice) -> None:
    """The button's callback: the levers take the advice's values before the page is drawn again."""
    set_levers(scenario, found.overrides)
    after = scenario.with_overrides(found.overrides)
    lines = [advice.move_text(scenario, c.path, c.after) for c in found.changes]
    st.session_state["advice_applied"] = (after.to_toml(), lines)
