"""Reference models: the classics of organisation science (March 1991; an NK firm with departments), run
through the same registry, runner and charts as the alignment model. Pick a model and a preset, set its
parameters, see the run over seeds, and sweep one parameter (e.g. March's Figure 1)."""

from typing import cast

import pandas as pd
import streamlit as st
from cachetools import cached

from sim import MODELS, Scenario, ScenarioError, bundled_scenarios, load_scenario, run_many
from sim.i18n import N_, _, shown
from sim.input import parse_value, scenario_from_toml
from sim.present import charts, labels
from sim.present.levers import levers_for, preset_name, preset_story
from sim.registry import APP_BUDGET_SECONDS, APP_SWEEP_BUDGET_SECONDS, cost, describe_seconds, horizon
from sim.scenario import ScenarioBase
from ui.language import language_switch
from ui.results import SWEEPS, SWEEPS_LOCK, ensemble
from ui.text import names, plain
from ui.widgets import export_panel, lever_panel, metric_row, setup_page, upload_panel

NONE = N_("(none)")  # the option's value; shown translated
MAX_SWEEP_RUNS = 4000
#: A model's time step as people read it.
STEPS = {"period": N_("period"), "week": N_("week"), "round": N_("round")}

language_switch()
setup_page(_("Reference models: the classics"))
st.caption(
    _(
        "Classic models of organisational learning and search, run through the same engine as the alignment "
        "model. Both speak to alignment: learning from a shared code, and departments rewarded on their own "
        "results against the firm's. The documentation shows which published figures they reproduce."
    )
)

models = [name for name in MODELS if name != "alignment"]  # the alignment model has the Explore page
pending = st.session_state.pop("ref_pending", None)
if pending:  # an upload accepted in the last run: select its model and the upload before the widgets exist
    st.session_state["ref_model"], st.session_state[f"ref_preset:{pending[0]}"] = pending
st.sidebar.header(_("Model"))
model = st.sidebar.selectbox(_("Model"), models, key="ref_model", help=_("A registered reference model."))
spec = MODELS[model]
custom = st.session_state.get("ref_custom")  # (model, label, TOML) of an uploaded or pasted scenario
presets = list(bundled_scenarios(model)) + ([custom[1]] if custom and custom[0] == model else [])
preset = (
    st.sidebar.selectbox(
        _("Preset"),
        presets,
        key=f"ref_preset:{model}",
        format_func=names(presets, preset_name),
        help=_("A bundled scenario of this model, or the one you uploaded."),
    )
    or presets[0]
)
base = scenario_from_toml(custom[2], custom[1]) if custom and preset == custom[1] else load_scenario(preset)


def _accept(scenario: ScenarioBase, label: str) -> str:
    if isinstance(scenario, Scenario):
        return _("{label}: this scenario runs on the alignment model; open it on the Explore page").format(label=label)
    name = _("uploaded: {name}").format(name=scenario.name if scenario.name not in ("default", "") else label)
    st.session_state["ref_custom"] = (scenario.model, name, scenario.to_toml())
    st.session_state["ref_pending"] = (scenario.model, name)
    st.rerun()  # select it: its model's widgets are drawn again from the top


upload_panel("ref_", _accept, 'model = "march1991"\np1 = 0.1\np2 = 0.9')
# a seed in plain words, as Explore's "simulated markets" (these models have no market): one simulated run, with
# its own chance events
seeds = st.sidebar.slider(
    _("Simulated runs (averaged)"),
    5,
    200,
    40,
    5,
    key="ref_seeds",
    help=_("Every setting is simulated in the same runs, so a difference comes from the setting, not from luck."),
)
overrides = lever_panel(base, st.sidebar, prefix=f"ref:{preset}:")
try:
    edited = base.with_overrides(overrides)
except ScenarioError as exc:  # e.g. K too large for block interaction
    st.error(plain(exc.shown()))
    st.stop()

if cost(edited, seeds) > APP_BUDGET_SECONDS:  # larger runs belong to the CLI or a sweep
    sets = "".join(f" --set {k}={v}" for k, v in {**overrides, spec.horizon: horizon(edited)}.items())
    st.error(
        _(
            "{seeds} runs of this setting ({setting}) would take about {time}, more than the page runs at once "
            "({budget}): lower the parameters or the runs, or use `{command}`."
        ).format(
            seeds=seeds,
            setting=plain(shown(spec.summary_line(edited))),
            time=shown(describe_seconds(cost(edited, seeds))),
            budget=shown(describe_seconds(APP_BUDGET_SECONDS)),
            command=f"alignsim run {preset if preset in bundled_scenarios() else 'FILE.toml'}{sets} --seeds {seeds}",
        )
    )
    st.stop()

st.markdown(
    _("**{model}**: {description}  \n*After* {reference}").format(
        model=model, description=plain(_(spec.description)), reference=plain(spec.reference)
    )
)
st.caption(
    plain((f"{preset_story(base.description)}. " if base.description else "") + f"{shown(spec.summary_line(edited))}.")
)
metrics = spec.metrics()
result = ensemble(edited, seeds)
reference = ensemble(base, seeds, _("the preset")) if overrides else None
if overrides:
    st.info(
        _("Changed: {changes}. Differences are against the preset **{preset}** in the same {seeds} runs.").format(
            changes=", ".join(f"`{k}` = {v}" for k, v in overrides.items()),
            preset=plain(preset_name(preset)),
            seeds=seeds,
        )
    )
metric_row(result, reference, list(metrics), metrics)

series = [c for c in result.weekly.columns if c not in ("seed", spec.time)]
figures = {
    f"{model}_over_time": charts.over_time(
        charts.hold_last(result.weekly, spec.time), series, time=spec.time, registry=metrics
    )
}
st.subheader(_("Per {step}").format(step=_(STEPS[spec.time]) if spec.time in STEPS else spec.time))
st.caption(_("Mean over the runs with a 95% band. A run that ended early (e.g. at equilibrium) keeps its last value."))
panels = charts.over_time_panels(charts.hold_last(result.weekly, spec.time), series, time=spec.time)
for i in range(0, len(panels), 2):  # two columns on a wide screen, one under the other on a phone
    for col, panel in zip(st.columns(2), panels[i : i + 2]):
        col.altair_chart(charts.in_locale(panel), width="stretch")
st.subheader(_("Per run"))
# the table holds the runs' raw values: a share is headed as a share (0 to 1), not as a percentage
headers = {
    m: _("{name} (share)").format(name=labels.name(m)) if labels.label(m).unit == "share" else labels.title(m)
    for m in metrics
}
st.dataframe(
    result.summary.rename(columns={"seed": _("run"), **headers}), width="stretch", hide_index=True, key="ref_summary"
)

st.subheader(_("Sweep one parameter"))
st.caption(
    _(
        "Run a range of values of one parameter, optionally for several values of another, in the same "
        "runs: for March's Figure 1, sweep p1 with lines for p2."
    )
)
levers = levers_for(edited)
numeric = [lv for lv in levers if lv.widget in ("slider", "int")]
numeric.sort(key=lambda lv: lv.widget != "slider")  # rates first: they are what the classics vary
c1, c2, c3, c4 = st.columns(4)
x = c1.selectbox(_("Parameter"), [lv.path for lv in numeric], key=f"sweep_x:{model}")
lever = next(lv for lv in numeric if lv.path == x)
start, stop = (0.1, 0.9) if (lever.low, lever.high) == (0.0, 1.0) else (lever.low, min(lever.high, lever.low + 10))
low = c2.number_input(_("from"), float(lever.low), float(lever.high), float(start), key=f"sweep_lo:{model}:{x}")
high = c3.number_input(_("to"), float(lever.low), float(lever.high), float(stop), key=f"sweep_hi:{model}:{x}")
points = int(c4.number_input(_("points"), 2, 25, 5, key=f"sweep_n:{model}"))
c5, c6, c7 = st.columns([1, 2, 1])
by = c5.selectbox(
    _("Lines for"),
    [NONE, *[lv.path for lv in levers if lv.path != x]],
    key=f"sweep_by:{model}",
    format_func=names([NONE], _),
)
by_lever = next((lv for lv in levers if lv.path == by), None)
default_values = ", ".join(map(str, by_lever.options)) if by_lever and by_lever.options else ""
by_text = c6.text_input(
    _("their values (comma-separated)"), default_values, key=f"sweep_by_values:{model}:{by}", disabled=by == NONE
)
metric = c7.selectbox(_("Metric"), list(metrics), key=f"sweep_metric:{model}", format_func=names(metrics, labels.name))


@cached(SWEEPS, lock=SWEEPS_LOCK)
def _sweep(toml_text: str, x: str, xs: tuple, by: str | None, bys: tuple, seeds: int) -> pd.DataFrame:
    """A sweep's runs (kept for the server's sessions, the last 16 sweeps; the same sweep is never run twice)."""
    scenario = scenario_from_toml(toml_text, "swept scenario")
    rows = []
    for b in bys or (None,):
        for value in xs:
            point = scenario.with_overrides({x: value, **({by: b} if by else {})})
            rows.append(run_many(cast(Scenario, point), seeds).summary.assign(**{x: value, **({by: b} if by else {})}))
    return pd.concat(rows, ignore_index=True)


if st.button(_("Run the sweep"), key="sweep_run"):
    values = [low + (high - low) * i / (points - 1) for i in range(points)]
    xs = tuple(round(v) if lever.widget == "int" else round(v, 6) for v in values)
    bys = tuple(parse_value(v.strip()) for v in by_text.split(",") if v.strip()) if by != NONE else ()
    runs = len(xs) * max(len(bys), 1) * seeds
    if by != NONE and not bys:
        st.error(
            _("Lines for {parameter}: give at least one value, e.g. {example}").format(
                parameter=by, example=default_values or "0.1, 0.5, 0.9"
            )
        )
    elif runs > MAX_SWEEP_RUNS or runs * cost(edited) > APP_SWEEP_BUDGET_SECONDS:
        st.error(
            _(
                "That is {runs} runs (about {time}); the app runs at most {most} runs or {budget} at once. Use "
                "fewer points, values or runs per point, or `alignsim sweep` for large sweeps."
            ).format(
                runs=runs,
                time=shown(describe_seconds(runs * cost(edited))),
                most=MAX_SWEEP_RUNS,
                budget=shown(describe_seconds(APP_SWEEP_BUDGET_SECONDS)),
            )
        )
    else:
        try:
            with st.spinner(_("Running {runs} runs…").format(runs=runs)):
                st.session_state["sweep_table"] = (
                    model,
                    x,
                    by,
                    _sweep(edited.to_toml(), x, xs, None if by == NONE else by, bys, seeds),
                )
        except ScenarioError as exc:
            st.error(plain(exc.shown()))
swept = st.session_state.get("sweep_table")
if swept and swept[0] == model:
    _model, sx, sby, table = swept
    figures[f"{model}_sweep_{sx}"] = charts.effect(
        table,
        sx,
        metric,
        None if sby == NONE else sby,
        metrics,
        title=_("{metric} against {parameter}").format(metric=labels.name(metric), parameter=sx),
    )
    st.altair_chart(charts.in_locale(figures[f"{model}_sweep_{sx}"]), width="stretch")
    st.download_button(
        _("Sweep runs (CSV)"),
        table.to_csv(index=False),
        file_name=f"{model}_sweep_{sx}.csv",
        mime="text/csv",
        key="sweep_csv",
    )

export_panel(edited, result, figures, step="per-period")
