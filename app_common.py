"""Shared pieces of the Streamlit pages: choosing a scenario, the lever panel, cached ensembles, exports.

The app holds no model logic: it edits scenarios (via ``sim.levers``), runs them (``sim.run_many``) and draws
results (``sim.charts``).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from sim import METRICS, ScenarioError, bundled_scenarios, load_scenario, run_many
from sim.metrics import format_number
from sim.charts import to_image
from sim.levers import Lever, get_value, levers_for
from sim.registry import APP_BUDGET_SECONDS, cost, describe_seconds
from sim.runner import EnsembleResult
from sim.input import MAX_FILE_BYTES, describe, scenario_from_bytes, scenario_from_toml
from sim.scenario import Scenario, ScenarioBase

DEFAULT_PRESET = "b2b_activation"
DEFAULT_SEEDS = 20
OUTCOMES = ["activation_rate_30d", "outcome_index", "support_contacts_per_customer", "churn_rate"]
OUTPUTS = ["output_attainment", "features_delivered", "onboarding_calls", "leads"]
ORGANISATION = ["shared_goal_capacity_share", "context_switches", "lead_time_weeks", "escalations"]


@dataclass
class Choice:
    """The scenario the user works on: the base (preset or upload) and the edited version."""

    base: Scenario
    edited: Scenario
    overrides: dict
    seeds: int


def setup_page(title: str) -> None:
    st.set_page_config(page_title=f"alignsim · {title}", layout="wide")
    st.title(title)


@st.cache_data(max_entries=64, show_spinner=False)
def _ensemble(toml_text: str, seeds: int) -> EnsembleResult:
    return run_many(scenario_from_toml(toml_text, "cached"), list(range(seeds)))


def plain(text: str) -> str:
    """Text shown as it is, not as Markdown: every character Markdown or Streamlit (``:red[...]``, ``:smile:``)
    would interpret is escaped; underscores inside names (``wip_limit``) cannot start emphasis and stay."""
    text = re.sub(r"([\\`*\[\]<>#~$|!&]|_(?![A-Za-z0-9])|(?<![A-Za-z0-9])_|:(?=[A-Za-z/]))", r"\\\1", text)
    text = re.sub(r"^(\s*\d+)([.)])", r"\1\\\2", text)  # "1." would start a list
    return re.sub(r"^(\s*)([+\-=])", r"\1\\\2", text)


def _is_preset(scenario: ScenarioBase) -> bool:
    """Whether the scenario is a bundled preset exactly as shipped (an edit keeps the preset's name)."""
    return scenario.name in bundled_scenarios() and load_scenario(scenario.name) == scenario


def ensemble(scenario: ScenarioBase, seeds: int, label: str = "") -> EnsembleResult:
    """Run (or fetch from the cache) the scenario over seeds 0..seeds-1, with a spinner while it runs. A run
    that would take longer than the app's budget is refused with the CLI command to use instead."""
    seconds = cost(scenario, seeds)
    if seconds > APP_BUDGET_SECONDS:
        st.error(plain(f"{label or scenario.name} over {seeds} seeds would take about {describe_seconds(seconds)}, "
                       f"more than the app runs at once ({describe_seconds(APP_BUDGET_SECONDS)}). Use fewer seeds "
                       "or a smaller setting, or download the scenario and run it with the command line:")
                 + f"\n\n`alignsim run {scenario.name if _is_preset(scenario) else 'scenario.toml'} --seeds {seeds}`")
        st.download_button("Scenario (TOML)", scenario.to_toml(), file_name="scenario.toml",
                           mime="application/toml", key="dl_toml_too_large")
        st.stop()
    with st.spinner(f"Running {label or scenario.name} over {seeds} seeds…"):
        return _ensemble(scenario.to_toml(), seeds)


def base_scenario() -> Scenario:
    """The base scenario held in the session (a preset, an upload, or the self-assessment's answer)."""
    if "base_toml" not in st.session_state:
        set_base(load_scenario(DEFAULT_PRESET), DEFAULT_PRESET)
    return scenario_from_toml(st.session_state["base_toml"], st.session_state["base_label"])


def set_base(scenario: Scenario, label: str) -> None:
    """Make ``scenario`` the base everything works on, and forget lever edits made to the previous base."""
    st.session_state["base_toml"] = scenario.to_toml()
    st.session_state["base_label"] = label
    for key in [k for k in st.session_state if str(k).startswith("lever:")]:
        del st.session_state[key]


def scenario_picker() -> None:
    """Sidebar: pick a preset, upload a TOML file or paste one. Bad input shows its message, nothing runs."""
    presets = list(bundled_scenarios("alignment"))
    st.sidebar.header("Scenario")
    base_scenario()  # make sure the session holds a base
    label = st.session_state["base_label"]
    index = presets.index(label) if label in presets else None
    choice = st.sidebar.selectbox("Preset", presets, index=index, key="preset_choice",
                                  placeholder=f"custom: {label}",
                                  help="A bundled scenario. Its levers can be changed below.")
    if choice is not None and choice != label:
        set_base(load_scenario(choice), choice)
    if choice:
        st.sidebar.caption(describe(bundled_scenarios()[choice]))
    st.sidebar.caption("The classic reference models (March 1991, an NK firm) are on the **Reference models** "
                       "page.")
    upload_panel("", _accept, 'extends = "b2b_activation"\n[leadership]\ntrump = 0.8')


def _accept(scenario: ScenarioBase, label: str) -> str:
    if not isinstance(scenario, Scenario):
        return f"{label}: this scenario runs on the {scenario.model!r} model; open it on the Reference models page"
    set_base(scenario, scenario.name if scenario.name not in ("default", "") else label)
    return ""


def upload_panel(prefix: str, accept: Callable[[ScenarioBase, str], str], placeholder: str) -> None:
    """Sidebar: upload or paste a scenario (TOML). A file that loads goes to ``accept(scenario, label)``, which
    returns an error message or ""; a bad file shows its message (the field and the allowed values) and changes
    nothing. Widget keys start with ``prefix``."""
    def load(loader, label: str) -> None:
        try:
            scenario = loader()
        except ScenarioError as exc:
            st.session_state[f"{prefix}upload_error"] = str(exc)
            return
        seconds = cost(scenario, 5)
        if seconds > APP_BUDGET_SECONDS:
            st.session_state[f"{prefix}upload_error"] = (
                f"{label}: 5 seeds of this scenario would take about {describe_seconds(seconds)}, more than the app "
                f"runs at once ({describe_seconds(APP_BUDGET_SECONDS)}); run it with the command line: alignsim "
                f"run {label} --seeds 5")
            return
        try:  # what the session keeps (the scenario completed with the defaults) must load again
            scenario_from_toml(scenario.to_toml(), label)
        except ScenarioError as exc:
            st.session_state[f"{prefix}upload_error"] = f"{label}: too large once completed with the defaults ({exc})"
            return
        st.session_state[f"{prefix}upload_error"] = accept(scenario, label)

    with st.sidebar.expander("Upload or paste a scenario (TOML)"):
        upload = st.file_uploader("Scenario file", type=["toml"], key=f"{prefix}upload",
                                  help=f"At most {MAX_FILE_BYTES // 1024} KiB. It is parsed, never executed.")
        if upload is not None and st.session_state.get(f"{prefix}upload_seen") != upload.file_id:
            st.session_state[f"{prefix}upload_seen"] = upload.file_id
            load(lambda: scenario_from_bytes(upload.getvalue(), upload.name), upload.name)
        pasted = st.text_area("…or paste TOML", key=f"{prefix}pasted", height=120, placeholder=placeholder)
        if st.button("Use pasted scenario", key=f"{prefix}use_pasted"):
            load(lambda: scenario_from_toml(pasted, "pasted scenario"), "pasted scenario")
        if st.session_state.get(f"{prefix}upload_error"):
            st.error(plain(st.session_state[f"{prefix}upload_error"]))


def _widget(lever: Lever, value, prefix: str = "lever:"):
    key = f"{prefix}{lever.path}"
    if lever.widget == "slider":
        return st.slider(lever.label, float(lever.low), float(lever.high), float(value), float(lever.step),
                         help=lever.help, key=key)
    if lever.widget == "int":
        return int(st.number_input(lever.label, int(lever.low), int(lever.high), int(value), int(lever.step),
                                   help=lever.help, key=key))
    if lever.widget == "select":
        options = list(lever.options)
        return st.selectbox(lever.label, options, index=options.index(value), help=lever.help, key=key)
    if lever.widget == "toggle":
        return st.toggle(lever.label, value=bool(value), help=lever.help, key=key)
    if lever.widget == "chain":
        return st.multiselect(lever.label, list(lever.options), default=list(value), help=lever.help, key=key)
    if lever.widget == "optional_week":
        on = st.checkbox(f"{lever.label}: run a campaign", value=value is not None, key=key + ":on",
                         help=lever.help)
        if not on:
            return None
        return int(st.number_input(lever.label, int(lever.low), int(lever.high), int(value or 8), 1, key=key))
    raise ValueError(lever.widget)


def lever_panel(base: ScenarioBase, where=st.sidebar, prefix: str = "lever:") -> dict:
    """Widgets for every lever of ``base``, grouped; returns the overrides that differ from the base. Widget keys
    start with ``prefix``."""
    overrides = {}
    groups: dict[str, list[Lever]] = {}
    for lever in levers_for(base):
        groups.setdefault(lever.group, []).append(lever)
    for group, levers in groups.items():
        with where.expander(group, expanded=group in ("Direction", "Parameters")):
            for lever in levers:
                current = get_value(base, lever.path)
                value = _widget(lever, current, prefix)
                if value != current:
                    overrides[lever.path] = value
    return overrides


def choose(where=st.sidebar) -> Choice:
    """Picker, seeds and levers in the sidebar; returns the base and the edited scenario."""
    scenario_picker()
    base = base_scenario()
    seeds = where.slider("Seeds (runs averaged)", 5, 60, DEFAULT_SEEDS, 5, key="seeds",
                         help="Every scenario runs on the same seeds, so differences are paired.")
    where.header("Levers")
    overrides = lever_panel(base, where)
    try:
        edited = base.with_overrides(overrides)
    except ScenarioError as exc:  # e.g. an approval chain emptied into an invalid state
        st.error(plain(str(exc)))
        edited = base
    st.session_state["edited_toml"] = edited.to_toml()
    return Choice(base, edited, overrides, seeds)


def edited_scenario() -> Scenario | None:
    """The scenario as last edited on the Explore page, if any."""
    text = st.session_state.get("edited_toml")
    return scenario_from_toml(text, "edited scenario") if text else None


def export_panel(scenario: ScenarioBase, result: EnsembleResult, charts: dict, step: str = "Weekly") -> None:
    """Downloads: the scenario as TOML, results as CSV and Parquet, charts as PNG or SVG."""
    st.subheader("Export")
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button("Scenario (TOML)", scenario.to_toml(), file_name=f"{scenario.name}.toml",
                       mime="application/toml", key="dl_toml")
    c2.download_button("Summary per seed (CSV)", result.summary.to_csv(index=False),
                       file_name=f"{scenario.name}_summary.csv", mime="text/csv", key="dl_csv")
    buf = io.BytesIO()
    result.weekly.to_parquet(buf, index=False)
    c3.download_button(f"{step} results (Parquet)", buf.getvalue(),
                       file_name=f"{scenario.name}_{step.lower()}.parquet", mime="application/octet-stream",
                       key="dl_parquet")
    c4.download_button(f"{step} results (CSV)", result.weekly.to_csv(index=False),
                       file_name=f"{scenario.name}_{step.lower()}.csv", mime="text/csv", key="dl_weekly_csv")
    c5, c6, c7 = st.columns([2, 1, 1])
    name = c5.selectbox("Chart", list(charts), key="export_chart")
    fmt = c6.radio("Format", ["png", "svg"], horizontal=True, key="export_format")
    if c7.button("Prepare image", key="export_prepare"):
        st.session_state["export_image"] = (name, fmt, to_image(charts[name], fmt))
    prepared = st.session_state.get("export_image")
    if prepared and prepared[:2] == (name, fmt):
        c7.download_button(f"Download {fmt.upper()}", prepared[2], file_name=f"{name}.{fmt}",
                           mime="image/png" if fmt == "png" else "image/svg+xml", key="dl_image")


def metric_row(result: EnsembleResult, reference: EnsembleResult | None, names: list[str],
               registry: dict | None = None) -> None:
    """Mean of each metric over seeds, with the difference to a reference ensemble when given. ``registry``
    says which metrics are better lower (default: the alignment model's)."""
    lower = {n for n, m in (registry or METRICS).items() if m.better == "lower"}
    cols = st.columns(len(names))
    for col, name in zip(cols, names):
        value = result.summary[name].mean()
        delta = None if reference is None else value - reference.summary[name].mean()
        shown = None if delta is None or not math.isfinite(delta) or abs(delta) < 1e-12 else format_number(delta, 3)
        col.metric(name.replace("_", " "), format_number(value, 3), shown,
                   delta_color="inverse" if name in lower else "normal")


def long_with_label(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pd.concat([f.assign(scenario=label) for label, f in frames.items()], ignore_index=True)



def language_switch(default: str | None = None) -> str:
    """Sidebar: English or Dansk. The choice is remembered for the session and carried in the page address
    (``?lang=da``), so a shared link opens in its language; ``default`` (e.g. a workshop's language) applies
    until the person (or an address) chooses. An unknown ``lang`` in the address gets one line naming the allowed values and
    the page stays English. Sets the language of this script run (``sim.i18n``) and returns it."""
    from sim import i18n

    asked = st.query_params.get("lang")
    problem = False
    if asked is not None and asked not in i18n.LANGUAGES:
        problem, asked = True, None
    remembered, widget = st.session_state.get("lang"), st.session_state.get("lang_choice")
    if widget in i18n.LANGUAGES and widget != remembered:  # the person just switched
        code = chosen = widget
    elif asked:  # the address says
        code = chosen = asked
    else:  # what the person chose earlier in the session, else the page's default (e.g. the workshop's)
        chosen = st.session_state.get("lang_chosen")
        code = chosen or default or i18n.DEFAULT
    i18n.set_language(code)
    st.session_state["lang"] = st.session_state["lang_choice"] = code
    if chosen:
        st.session_state["lang_chosen"] = chosen
    st.sidebar.radio(i18n._("Language"), list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get, key="lang_choice",
                     horizontal=True)
    if st.query_params.get("lang") != code and (code != i18n.DEFAULT or "lang" in st.query_params):
        st.query_params["lang"] = code
    if problem:  # the text from the address is not repeated
        st.sidebar.error(plain(i18n._("lang in the address is not a language offered; allowed: {allowed}").format(
            allowed=", ".join(i18n.LANGUAGES))))
    return code
