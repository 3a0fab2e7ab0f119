"""Shared pieces of the Streamlit pages: choosing a scenario, the lever panel, cached ensembles, exports.

The app holds no model logic: it edits scenarios (via ``sim.levers``), runs them (``sim.run_many``) and draws
results (``sim.charts``).
"""

from __future__ import annotations

import io
import math
from collections import OrderedDict
from concurrent.futures.process import BrokenProcessPool
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from sim import METRICS, ScenarioError, bundled_scenarios, labels, load_scenario, run_many, share
from sim.answer import changes
from sim.charts import in_locale, to_image
from sim.i18n import DEFAULT, N_, Message, _, current, shown
from sim.levers import Lever, get_value, levers_for, preset_name, preset_story
from sim.registry import APP_BUDGET_SECONDS, cost, describe_seconds
from sim.runner import EnsembleResult, process_pool, run_progressively
from sim.input import MAX_FILE_BYTES, describe, is_bundled, scenario_from_bytes, scenario_from_toml
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
    label: str = DEFAULT_PRESET

    @property
    def title(self) -> str:
        """Which scenario is on screen, for people in the current language: the preset's title or the file's name,
        or "edited TITLE" after a lever move."""
        return edited_title(self.label) if self.overrides else scenario_title(self.label)

    @property
    def name(self) -> str:
        """Which scenario is on screen as files name it: the preset's or file's name, or "edited NAME" (English,
        the code name, as the CLI and exported file names keep it)."""
        return edited_name(self.label) if self.overrides else self.label


def setup_page(title: str) -> None:
    st.set_page_config(page_title=f"alignsim · {title}", layout="wide")
    st.title(title)


#: Worker processes the server shares between all sessions (the machine's cores, at most 4).
WORKERS = max(1, min(4, os.cpu_count() or 1))


@st.cache_resource(show_spinner=False)
def _pool():
    """One process pool for the whole server: every session's seeds run on all cores (results are identical to a
    serial run; sim.runner.run_many puts them together in seed order)."""
    return process_pool(WORKERS, shared=True) if WORKERS > 1 else None


class _Waiting:
    """How many pages wait for an ensemble right now, and when the last one got it (the preset warmer yields)."""

    def __init__(self) -> None:
        self.count, self.last, self.lock = 0, time.monotonic(), threading.Lock()

    def __enter__(self) -> None:
        with self.lock:
            self.count += 1

    def __exit__(self, *exc) -> None:
        with self.lock:
            self.count -= 1
            self.last = time.monotonic()

    def idle(self, seconds: float) -> bool:
        return self.count == 0 and time.monotonic() - self.last >= seconds


#: The warmer runs a preset only after pages have not asked for an ensemble for this long (someone reading).
WARM_AFTER_IDLE_S = 3.0


_waiting = _Waiting()


#: Ensembles kept for all sessions (scenario text and seed count -> result; results are never modified).
MAX_CACHED = 64
#: On a cache miss that would keep the page waiting longer than FIRST_LOOK_AFTER_S (estimated on the pool's
#: workers, e.g. 60 seeds), Explore first shows FIRST_SEEDS seeds, then refines to all of them. Drawing the page
#: twice costs time on a busy 2-core machine, so a short wait (the default 20 seeds) is not split. Both can be set
#: from the environment (benchmarks/app_latency.py --first-seeds, --first-look-after).
FIRST_SEEDS = int(os.environ.get("ALIGNSIM_FIRST_SEEDS", "4"))
FIRST_LOOK_AFTER_S = float(os.environ.get("ALIGNSIM_FIRST_LOOK_AFTER_S", "1.0"))


class _Results:
    """The server's cache of finished ensembles, least recently used out first."""

    def __init__(self, size: int) -> None:
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key: tuple[str, int]) -> EnsembleResult | None:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key: tuple[str, int], result: EnsembleResult) -> None:
        with self.lock:
            self.items[key] = result
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_results = _Results(MAX_CACHED)


def _on_pool(run: Callable):
    """``run(pool)`` on the server's pool; when a worker has died (killed, out of memory) the pool is broken for
    good, so a new one is started for every session and the run is tried once more."""
    try:
        return run(_pool())
    except BrokenProcessPool:
        _pool.clear()
        return run(_pool())


def _ensemble(toml_text: str, seeds: int) -> EnsembleResult:
    key = (toml_text, seeds)
    result = _results.get(key)
    if result is None:
        scenario = scenario_from_toml(toml_text, "cached")
        result = _on_pool(lambda pool: run_many(scenario, list(range(seeds)), executor=pool))
        _results.put(key, result)
    return result


def refine() -> None:
    """At the end of a page that showed the first seeds of an ensemble: wait for the rest, keep the full result,
    and draw the page again with it."""
    pending = st.session_state.pop("refining", None)
    if pending is None:
        return
    key, steps = pending
    if key != (st.session_state.get("edited_toml"), st.session_state.get("seeds")):
        steps.close()  # left over from a run that was interrupted by the next lever move: drop its queued seeds
        return
    _results.put(key, next(steps))
    st.rerun()


def _warm(wait: Callable[[], None] = lambda: None) -> None:
    """Every unedited preset's ensemble at the default seeds into the cache (the default preset first, each after
    ``wait()``), then the image renderer started once, so that "Prepare image" does not wait for it."""
    for name in [DEFAULT_PRESET, *(n for n in bundled_scenarios("alignment") if n != DEFAULT_PRESET)]:
        wait()
        _ensemble(load_scenario(name).to_toml(), DEFAULT_SEEDS)
    import altair as alt

    to_image(alt.Chart(pd.DataFrame({"x": [0.0]})).mark_point().encode(x="x:Q"), "svg")


def warm_start() -> None:
    """Before the server takes its first visitor (``serve.py``): start the process pool (forked before the web
    server's threads exist) and warm every preset and the renderer (``_warm``), so that neither the first visit nor
    a preset switch waits for a run, and no background warming competes with the first visitor's lever moves."""
    _warm()


@st.cache_resource(show_spinner=False)
def _warm_presets() -> threading.Thread:
    """Once per server started without ``serve.py``: warm the presets and the renderer (``_warm``) in the
    background, each run only while pages are idle (nobody moved a lever for a few seconds); after a warm start
    every run is a cache hit."""
    def idle() -> None:
        while not _waiting.idle(WARM_AFTER_IDLE_S):
            time.sleep(0.25)

    def warm() -> None:
        try:
            _warm(idle)
        except Exception:  # noqa: BLE001 (warming is an optimisation; a page shows any real error itself)
            return

    thread = threading.Thread(target=warm, name="alignsim-warm-presets", daemon=True)
    thread.start()
    return thread


def names(options, name: Callable[[object], str]) -> Callable[[object], str]:
    """A ``format_func`` that shows each option by ``name(option)`` as made in this script run's language. The
    names are made now, not when Streamlit (or AppTest) formats an option later in another thread, where the
    language of this run does not hold."""
    shown = {option: name(option) for option in options}
    return lambda option: shown.get(option, str(option))


#: Choices of a lever that are words rather than metrics (the scenario keeps the code; translate with ``_``).
OPTION_NAMES = {"product": N_("product funding"), "project": N_("project funding")}
#: The reference models' choices in words; shown with the code the parameter help and the CLI use.
MODEL_OPTION_NAMES = {"random": N_("random"), "block": N_("block"), "full": N_("full"),
                      "departmental": N_("departmental"), "firm": N_("firm"), "screen": N_("screen"),
                      "rubber_stamp": N_("rubber stamp")}


def _metric_or_code(option) -> str:
    if option in labels.LABELS:
        return labels.name(option)
    if option in MODEL_OPTION_NAMES:
        return f"{_(MODEL_OPTION_NAMES[option])} ({option})" if _(MODEL_OPTION_NAMES[option]) != option else option
    return _(OPTION_NAMES[option]) if option in OPTION_NAMES else str(option)


#: The source label of a pasted scenario (English, as in its messages to the CLI); shown translated.
PASTED = N_("pasted scenario")


def scenario_title(label: str) -> str:
    """A scenario's label for people in the current language: a preset's title (``B2B-aktivering: ...``), "pasted
    scenario" translated, a file's or a self-assessment's own name as it is."""
    return _(PASTED) if label == PASTED else preset_name(label)


def edited_title(label: str) -> str:
    """ "edited TITLE" in the current language (``ændret B2B-aktivering: ...``), for people."""
    return _("edited {name}").format(name=scenario_title(label))


def edited_name(label: str) -> str:
    """ "edited NAME" with the code name, in English: exported files and the TOML's name keep it."""
    return f"edited {label}"


def slug(text: str) -> str:
    """A file name made from a scenario's title (an uploaded file's name without its .toml): letters, digits, dots,
    dashes and underscores only."""
    text = re.sub(r"\.toml$", "", text, flags=re.IGNORECASE)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_.")[:80] or "scenario"


def plain(text: str) -> str:
    """Text shown as it is, not as Markdown: every character Markdown or Streamlit (``:red[...]``, ``:smile:``)
    would interpret is escaped; underscores inside names (``wip_limit``) cannot start emphasis and stay."""
    text = re.sub(r"([\\`*\[\]<>#~$|!&]|_(?![A-Za-z0-9])|(?<![A-Za-z0-9])_|:(?=[A-Za-z/]))", r"\\\1", text)
    text = re.sub(r"^(\s*\d+)([.)])", r"\1\\\2", text)  # "1." would start a list
    return re.sub(r"^(\s*)([+\-=])", r"\1\\\2", text)


def ensemble(scenario: ScenarioBase, seeds: int, label: str = "", progressive: bool = False) -> EnsembleResult:
    """Run (or fetch from the cache) the scenario over seeds 0..seeds-1, with a spinner while it runs. A run
    that would take longer than the app's budget is refused with the CLI command to use instead.

    ``progressive``: on a cache miss, return the ensemble of the first seeds as soon as they are done while the
    rest keep running on the pool; the page shows it (saying so) and calls :func:`refine` at its end, which waits
    for all seeds and draws the page again. The final result is the same as without ``progressive``."""
    seconds = cost(scenario, seeds)
    if seconds > APP_BUDGET_SECONDS:
        st.error(plain(_("{name} over {seeds} seeds would take about {time}, more than the app runs at once "
                         "({budget}). Use fewer seeds or a smaller setting, or download the scenario and run it "
                         "with the command line:").format(name=label or scenario.name, seeds=seeds,
                                                           time=shown(describe_seconds(seconds)),
                                                           budget=shown(describe_seconds(APP_BUDGET_SECONDS))))
                 + f"\n\n`alignsim run {scenario.name if is_bundled(scenario, scenario.name) else 'scenario.toml'} "
                   f"--seeds {seeds}`")
        st.download_button(_("Scenario (TOML)"), scenario.to_toml(), file_name="scenario.toml",
                           mime="application/toml", key="dl_toml_too_large")
        st.stop()
    text = scenario.to_toml()
    cached = _results.get((text, seeds))
    if cached is not None:
        return cached
    pool = _pool()
    with st.spinner(plain(_("Running {name} over {seeds} seeds…").format(name=label or scenario.name,
                                                                          seeds=seeds))), \
            _waiting:
        if progressive and pool is not None and 0 < FIRST_SEEDS < seeds \
                and cost(scenario, seeds) / WORKERS > FIRST_LOOK_AFTER_S:
            stale = st.session_state.pop("refining", None)
            if stale is not None:
                stale[1].close()  # an interrupted run's seeds still queued: they are not needed any more
            steps = run_progressively(scenario_from_toml(text, "cached"), seeds, pool, first=FIRST_SEEDS)
            st.session_state["refining"] = ((text, seeds), steps)
            return next(steps)
        result = _ensemble(text, seeds)
    _warm_presets()
    return result


def base_scenario() -> Scenario:
    """The base scenario held in the session (a preset, an upload, or the self-assessment's answer)."""
    if "base_toml" not in st.session_state:
        set_base(load_scenario(DEFAULT_PRESET), DEFAULT_PRESET)
    return scenario_from_toml(st.session_state["base_toml"], st.session_state["base_label"])


def set_base(scenario: Scenario, label: str) -> None:
    """Make ``scenario`` the base everything works on, and forget lever edits made to the previous base."""
    st.session_state["base_toml"] = scenario.to_toml()
    st.session_state["base_label"] = label
    st.session_state["sync_preset_picker"] = True
    for key in [k for k in st.session_state if str(k).startswith("lever:")]:
        del st.session_state[key]


def explore(scenario: Scenario, label: str) -> None:
    """Make ``scenario`` the base (``set_base``) and open the Explore page on it."""
    set_base(scenario, label)
    try:
        st.switch_page("explore.py")  # the Explore page in the app's navigation (app.py)
    except StreamlitPageNotFoundError:  # a page run on its own (AppTest): the entrypoint opens Explore
        st.switch_page("app.py")


def scenario_picker() -> None:
    """Sidebar: pick a preset, upload a TOML file or paste one. Bad input shows its message, nothing runs."""
    presets = list(bundled_scenarios("alignment"))
    st.sidebar.header(_("Scenario"))
    base_scenario()  # make sure the session holds a base
    label = st.session_state["base_label"]
    if st.session_state.pop("sync_preset_picker", False) or "preset_choice" not in st.session_state:
        # the picker shows the base on screen: a preset, or nothing (an upload, a paste, a self-assessment)
        st.session_state["preset_choice"] = label if label in presets else None
    choice = st.sidebar.selectbox(_("Preset"), presets, key="preset_choice", format_func=names(presets, preset_name),
                                  placeholder=_("your own: {name}").format(name=scenario_title(label)),
                                  help=_("A bundled scenario. Its levers can be changed below. Pick one to "
                                         "start again from it."))
    if choice is not None and choice != label:
        set_base(load_scenario(choice), choice)
        st.session_state.pop("sync_preset_picker", None)
        label = choice
    if choice:
        st.sidebar.caption(plain(preset_story(describe(bundled_scenarios()[choice]))))
    else:
        base = base_scenario()
        st.sidebar.caption(plain(_("Your own scenario: {name}.").format(name=scenario_title(label))
                                 + (" " + base.description if base.description else "")))
    st.sidebar.caption(_("The classic reference models (March 1991, an NK firm) are on the **Reference models** "
                         "page."))
    upload_panel("", _accept, 'extends = "b2b_activation"\n[leadership]\ntrump = 0.8')


def _accept(scenario: ScenarioBase, label: str) -> str:
    if not isinstance(scenario, Scenario):
        return _("{label}: this scenario runs on the {model} model; open it on the Reference models page").format(
            label=label, model=repr(scenario.model))
    pasted = label == PASTED and scenario.name not in ("default", "")
    set_base(scenario, scenario.name if pasted else label)  # an upload is known by its file's name
    st.session_state["rerun_after_upload"] = True
    return ""


def upload_panel(prefix: str, accept: Callable[[ScenarioBase, str], str], placeholder: str) -> None:
    """Sidebar: upload or paste a scenario (TOML). A file that loads goes to ``accept(scenario, label)``, which
    returns an error message or ""; a bad file shows its message (the field and the allowed values) and changes
    nothing. Widget keys start with ``prefix``."""
    def load(loader, label: str) -> None:
        try:
            scenario = loader()
        except ScenarioError as exc:
            st.session_state[f"{prefix}upload_error"] = exc.shown()
            return
        seconds = cost(scenario, 5)
        if seconds > APP_BUDGET_SECONDS:
            st.session_state[f"{prefix}upload_error"] = _(
                "{label}: 5 seeds of this scenario would take about {time}, more than the app runs at once "
                "({budget}); run it with the command line: alignsim run {label} --seeds 5").format(
                label=label, time=shown(describe_seconds(seconds)), budget=shown(describe_seconds(APP_BUDGET_SECONDS)))
            return
        try:  # what the session keeps (the scenario completed with the defaults) must load again
            scenario_from_toml(scenario.to_toml(), label)
        except ScenarioError as exc:
            st.session_state[f"{prefix}upload_error"] = _(
                "{label}: too large once completed with the defaults ({problem})").format(label=label,
                                                                                       problem=exc.shown())
            return
        st.session_state[f"{prefix}upload_error"] = accept(scenario, label)

    with st.sidebar.expander(_("Upload or paste a scenario (TOML)")):
        upload = st.file_uploader(_("Scenario file"), type=["toml"], key=f"{prefix}upload",
                                  help=_("At most {size} KiB. It is parsed, never executed.").format(
                                      size=MAX_FILE_BYTES // 1024))
        if upload is not None and st.session_state.get(f"{prefix}upload_seen") != upload.file_id:
            st.session_state[f"{prefix}upload_seen"] = upload.file_id
            load(lambda: scenario_from_bytes(upload.getvalue(), upload.name), upload.name)
        pasted = st.text_area(_("…or paste TOML"), key=f"{prefix}pasted", height=120, placeholder=placeholder)
        if st.button(_("Use pasted scenario"), key=f"{prefix}use_pasted"):
            load(lambda: scenario_from_toml(pasted, Message(PASTED)), PASTED)
        if st.session_state.get(f"{prefix}upload_error"):
            st.error(plain(st.session_state[f"{prefix}upload_error"]))
    if st.session_state.pop("rerun_after_upload", False):
        st.rerun()  # the picker above was drawn for the old base: draw the page again for the new one


#: The group of a reference model's parameters (``sim.levers.parameter_levers``), shown translated.
PARAMETERS = N_("Parameters")


def _widget(lever: Lever, value, prefix: str = "lever:"):
    key = f"{prefix}{lever.path}"
    if lever.widget == "slider":
        # Streamlit draws a slider's numbers in the browser with a decimal point; "localized" uses the browser's
        # locale (a decimal comma in a Danish browser), and only the Danish view asks for it (English stays plain)
        return st.slider(lever.label, float(lever.low), float(lever.high), float(value), float(lever.step),
                         help=lever.help, key=key, format="localized" if current() != DEFAULT else None)
    if lever.widget == "int":
        return int(st.number_input(lever.label, int(lever.low), int(lever.high), int(value), int(lever.step),
                                   help=lever.help, key=key))
    if lever.widget == "select":
        options = list(lever.options)
        # the session's choice wins; the base's is the default only for a new widget (no warning on a relabel)
        index = None if key in st.session_state else options.index(value)
        return st.selectbox(lever.label, options, index=index, help=lever.help, key=key,
                            format_func=names(options, _metric_or_code))
    if lever.widget == "toggle":
        return st.toggle(lever.label, value=bool(value), help=lever.help, key=key)
    if lever.widget == "chain":
        return st.multiselect(lever.label, list(lever.options), default=list(value), help=lever.help, key=key,
                              format_func=names(lever.options, _metric_or_code))
    if lever.widget == "optional_week":
        on = st.checkbox(_("{lever}: run a campaign").format(lever=lever.label), value=value is not None,
                         key=key + ":on",
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
        with where.expander(_(group), expanded=group in (_("Direction"), PARAMETERS)):
            for lever in levers:
                current = get_value(base, lever.path)
                value = _widget(lever, current, prefix)
                if value != current:
                    overrides[lever.path] = value
    return overrides


def _open_shared_link(where) -> None:
    """On a session's first run: open the what-if its page address describes (``sim.share``). A bad link shows
    one message and the default preset opens instead."""
    if st.session_state.get("share_checked"):
        return
    st.session_state["share_checked"] = True
    # the language is the language switch's (which reports a bad lang itself): a bad lang does not lose the what-if
    params = {key: st.query_params.get_all(key) for key in st.query_params.keys() if key != "lang"}
    try:
        shared = share.decode(params)
    except share.ShareError as exc:
        st.session_state["share_error"] = exc.shown()
        return
    if shared is None:
        return
    set_base(shared.base, shared.label)
    st.session_state.pop("sync_preset_picker", None)
    st.session_state["preset_choice"] = shared.label if shared.label in bundled_scenarios("alignment") else None
    if shared.seeds:
        st.session_state["seeds"] = shared.seeds
    by_path = {lever.path: lever for lever in levers_for(shared.base)}
    for path, value in shared.overrides.items():  # sim.share lets through only the levers' paths and ranges
        lever = by_path[path]
        key = f"lever:{path}"
        if lever.widget == "slider":
            st.session_state[key] = float(value)
        elif lever.widget == "optional_week":
            st.session_state[key + ":on"] = value is not None
            if value is not None:
                st.session_state[key] = int(value)
        elif lever.widget == "int":
            st.session_state[key] = int(value)
        else:
            st.session_state[key] = value


def share_params(choice: Choice) -> dict:
    """The page address's query parameters for the what-if on screen."""
    from sim import i18n

    return share.encode(choice.label, choice.overrides, choice.seeds, choice.edited, i18n.current())


def choose(where=st.sidebar) -> Choice:
    """Picker, seeds and levers in the sidebar; returns the base and the edited scenario. A share link in the
    page address opens its what-if on the session's first run; afterwards the address follows the screen."""
    _open_shared_link(where)
    if st.session_state.get("share_error"):
        st.error(plain(st.session_state.pop("share_error")))
    scenario_picker()
    base = base_scenario()
    seeds = where.slider(_("Seeds (runs averaged)"), 5, 60, DEFAULT_SEEDS, 5, key="seeds",
                         help=_("Every scenario runs on the same seeds, so differences are paired."))
    where.header(_("Levers"))
    overrides = lever_panel(base, where)
    try:
        edited = base.with_overrides(overrides)
    except ScenarioError as exc:  # e.g. an approval chain emptied into an invalid state
        st.error(plain(exc.shown()))
        edited = base
    label = st.session_state["base_label"]
    st.session_state["edited_toml"] = edited.to_toml()
    st.session_state["edited_label"] = edited_name(label) if overrides else label
    st.session_state["edited_from"] = (label, bool(overrides))
    choice = Choice(base, edited, overrides, seeds, label)
    st.query_params.from_dict(share_params(choice))  # the address bar always holds the share link
    return choice


def edited_scenario() -> Scenario | None:
    """The scenario as last edited on the Explore page, if any."""
    text = st.session_state.get("edited_toml")
    return scenario_from_toml(text, "edited scenario") if text else None


def edited_label() -> str:
    """The name of the scenario as last left on Explore, as files name it: a preset's, a file's, or "edited NAME"."""
    return st.session_state.get("edited_label", DEFAULT_PRESET)


def edited_shown() -> str:
    """The scenario as last left on Explore, for people in the current language: a preset's title, a file's name,
    or "edited TITLE"."""
    label, edited = st.session_state.get("edited_from", (DEFAULT_PRESET, False))
    return edited_title(label) if edited else scenario_title(label)


def scenario_header(choice: Choice) -> None:
    """Which scenario is on screen: its name, and what differs from its base as a readable list."""
    if choice.overrides:
        st.markdown(_("**On screen: {title}**. Changed from {base}, compared on the same {seeds} seeds:").format(
            title=plain(choice.title), base=plain(scenario_title(choice.label)), seeds=choice.seeds))
        st.markdown("\n".join(f"- {plain(line)}" for line in changes(choice.base, choice.overrides)))
    else:
        st.markdown(_("**On screen: {title}**, over {seeds} seeds.").format(title=plain(choice.title),
                                                                            seeds=choice.seeds))
        if choice.base.description:
            st.caption(plain(preset_story(choice.base.description)))


def share_link(choice: Choice) -> None:
    """The link that opens this what-if in another browser."""
    from urllib.parse import urlencode

    base_url = str(getattr(st.context, "url", "") or "").split("?")[0]
    link = base_url + "?" + urlencode(share_params(choice), doseq=True)
    with st.expander(_("Share this what-if")):
        st.caption(_("Send this link: it opens the same scenario, levers and seeds, so a colleague sees the same "
                     "numbers."))
        st.code(link, language=None, wrap_lines=True)


def exported(scenario: ScenarioBase, title: str | None = None,
             description: str | None = None) -> tuple[str, ScenarioBase]:
    """The file name stem and the scenario to save for the scenario on screen: named after ``title`` (e.g. "edited
    b2b_activation") and described by ``description`` (e.g. what was changed), not after the preset it came from."""
    shown = scenario
    if title is not None and (title != scenario.name or description is not None):
        update = {"name": title[:100]}
        if description is not None:
            update["description"] = description
        shown = scenario.model_copy(update=update)
    return slug(title or scenario.name), shown


def export_panel(scenario: ScenarioBase, result: EnsembleResult, charts: dict, step: str = "weekly",
                 title: str | None = None, description: str | None = None) -> None:
    """Downloads: the scenario as TOML, results as CSV and Parquet, charts (or functions that build them) as PNG
    or SVG. Files are named after
    ``title`` (the scenario on screen, e.g. "edited b2b_activation"), and the TOML carries it and ``description``
    (e.g. what was changed); columns of CSV and Parquet files keep their code names."""
    st.subheader(_("Export"))
    name, shown = exported(scenario, title, description)
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(_("Scenario (TOML)"), shown.to_toml(), file_name=f"{name}.toml",
                       mime="application/toml", key="dl_toml")
    c2.download_button(_("Summary per seed (CSV)"), result.summary.to_csv(index=False),
                       file_name=f"{name}_summary.csv", mime="text/csv", key="dl_csv")
    def parquet() -> bytes:
        buf = io.BytesIO()
        result.weekly.to_parquet(buf, index=False)
        return buf.getvalue()

    # large files are written when their button is clicked, not on every lever move
    shown_step = _(STEPS[step]) if step in STEPS else step
    c3.download_button(_("{step} results (Parquet)").format(step=shown_step), parquet,
                       file_name=f"{name}_{step.lower()}.parquet", mime="application/octet-stream",
                       key="dl_parquet")
    c4.download_button(_("{step} results (CSV)").format(step=shown_step), lambda: result.weekly.to_csv(index=False),
                       file_name=f"{name}_{step.lower()}.csv", mime="text/csv", key="dl_weekly_csv")
    c5, c6, c7 = st.columns([2, 1, 1])
    chart = c5.selectbox(_("Chart"), list(charts), key="export_chart", format_func=names(charts, chart_name))
    fmt = c6.radio(_("Format"), ["png", "svg"], horizontal=True, key="export_format")
    if c7.button(_("Prepare image"), key="export_prepare"):
        figure = charts[chart]() if callable(charts[chart]) else charts[chart]
        figure = in_locale(figure)
        st.session_state["export_image"] = (chart, fmt, to_image(figure, fmt))
    prepared = st.session_state.get("export_image")
    if prepared and prepared[:2] == (chart, fmt):
        c7.download_button(_("Download {format}").format(format=fmt.upper()), prepared[2],
                           file_name=f"{name}_{chart}.{fmt}",
                           mime="image/png" if fmt == "png" else "image/svg+xml", key="dl_image")


#: Export names of the result tables (the file names keep the code: weekly, per-period).
STEPS = {"weekly": N_("Weekly"), "per-period": N_("Per-period")}
#: The charts offered as images, by their file name's key.
CHART_NAMES = {"outcomes_over_time": N_("Outcomes over time"), "outputs_over_time": N_("Outputs over time"),
               "delivery_paradox": N_("The delivery paradox"), "team_time": N_("Where did the team's time go?")}


def chart_name(key: str) -> str:
    """A chart's name on the export picker, in the current language (the file keeps ``key``)."""
    return _(CHART_NAMES[key]) if key in CHART_NAMES else key.replace("_", " ")


def metric_row(result: EnsembleResult, reference: EnsembleResult | None, names: list[str],
               registry: dict | None = None) -> None:
    """Mean of each metric over seeds in human units (``sim.labels``), with a help icon saying what it measures
    and which way is better, and the difference to a reference ensemble when given. ``registry`` says which
    metrics are better lower (default: the alignment model's)."""
    lower = {n for n, m in (registry or METRICS).items() if m.better == "lower"}
    cols = st.columns(len(names))
    for col, name in zip(cols, names):
        value = result.summary[name].mean()
        delta = None if reference is None else value - reference.summary[name].mean()
        shown = None if delta is None or not math.isfinite(delta) or abs(delta) < 1e-12 else \
            labels.difference(name, delta)
        col.metric(labels.name(name), labels.value(name, value), shown, help=labels.help_text(name) or None,
                   delta_color="inverse" if name in lower else "normal")


def long_with_label(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pd.concat([f.assign(scenario=label) for label, f in frames.items()], ignore_index=True)



def _language_wanted(default: str | None = None) -> tuple[str, str | None, bool]:
    """The language of this run, without changing anything: (code, what the person or the address chose, whether
    the address's ``lang`` was not an offered language). A switch just moved wins, then the address, then what the
    person chose earlier in the session, then ``default`` (e.g. a workshop's language), then English."""
    from sim import i18n

    asked = st.query_params.get("lang")
    problem = False
    if asked is not None and asked not in i18n.LANGUAGES:
        problem, asked = True, None
    remembered, widget = st.session_state.get("lang"), st.session_state.get("lang_choice")
    if widget in i18n.LANGUAGES and widget != remembered:  # the person just switched
        return widget, widget, problem
    if asked:  # the address says
        return asked, asked, problem
    chosen = st.session_state.get("lang_chosen")
    return chosen or default or i18n.DEFAULT, chosen, problem


#: Select boxes whose options are shown by name in the page's language (their keys, or the start of their keys).
RELABELLED = {"preset_choice", "ref_model", "cmp_a", "cmp_b", "export_chart", "template", "workshop_lang",
              "join_dept", "free_dept", "remove_who"}
RELABELLED_PREFIXES = ("ref_preset:", "sweep_x:", "sweep_by:", "sweep_metric:", "lever:", "ref:")
#: Multiselects of the same kind (their values are lists).
RELABELLED_LISTS = ("org_chain:", "org_requests:")


def _relabel() -> None:
    """After a language switch: hand every select box its value again. A keyed select box keeps showing the name
    of its choice in the language it was made in (Streamlit sends a choice by its shown name); a value set through
    the session makes it show the name in the new language. The choices themselves do not change."""
    for key in list(st.session_state.keys()):
        name = str(key)
        value = st.session_state[key]
        if name in RELABELLED or (name.startswith(RELABELLED_PREFIXES) and isinstance(value, str)) \
                or (name.startswith(RELABELLED_LISTS) and isinstance(value, list)):
            st.session_state[key] = st.session_state[key]


def page_language() -> str:
    """The navigation (app.py) in the session's language: sets this run's language as the page's switch will,
    without drawing it or touching the session (the page's :func:`language_switch` does that)."""
    from sim import i18n

    code = _language_wanted()[0]
    i18n.set_language(code)
    return code


def language_switch(default: str | None = None) -> str:
    """Sidebar: English or Dansk. The choice is remembered for the session and carried in the page address
    (``?lang=da``), so a shared link opens in its language; ``default`` (e.g. a workshop's language) applies
    until the person (or an address) chooses. An unknown ``lang`` in the address gets one line naming the allowed
    values and the page stays English. Sets the language of this script run (``sim.i18n``) and returns it. Every
    page calls it first, before any text; switching only changes words and number formats (the cached ensembles
    do not depend on the language), so the scenario and its results stay on screen."""
    from sim import i18n

    code, chosen, problem = _language_wanted(default)
    i18n.set_language(code)
    if st.session_state.get("lang") not in (None, code):
        _relabel()
    st.session_state["lang"] = st.session_state["lang_choice"] = code
    if chosen:
        st.session_state["lang_chosen"] = chosen
    st.sidebar.radio(i18n._("Language"), list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get,
                     key="lang_choice", horizontal=True)
    if st.query_params.get("lang") != code and (code != i18n.DEFAULT or "lang" in st.query_params):
        st.query_params["lang"] = code
    if problem:  # the text from the address is not repeated
        st.sidebar.error(plain(i18n._("lang in the address is not a language offered; allowed: {allowed}").format(
            allowed=", ".join(i18n.LANGUAGES))))
    return code
