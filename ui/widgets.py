"""The pieces every page draws: the page header, scenario picker and uploads, the lever panel, the metric tiles,
the share link and the export panel.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable

import pandas as pd
import streamlit as st

from sim import ScenarioError, bundled_scenarios, load_scenario
from sim.i18n import N_, Message, _, shown
from sim.input import MAX_FILE_BYTES, describe, scenario_from_bytes, scenario_from_toml
from sim.present import labels, verdict
from sim.present.answer import changes
from sim.present.charts import in_locale, to_image
from sim.present.levers import (
    Lever,
    at_horizon,
    get_value,
    horizon_text,
    horizons,
    levers_for,
    preset_name,
    preset_story,
)
from sim.registry import APP_BUDGET_SECONDS, cost, describe_seconds
from sim.runner import EnsembleResult, compare
from sim.scenario import Scenario, ScenarioBase
from ui.results import DEFAULT_SEEDS, SEEDS_RANGE, SEEDS_STEP, command, fewer_markets
from ui.state import Choice, alignment, base_scenario, open_shared_link, reset_levers, set_base, share_params
from ui.text import PASTED, STEPS, chart_name, edited_name, names, option_name, plain, scenario_title, slug

OUTCOMES = ["activation_rate_30d", "outcome_index", "support_contacts_per_customer", "churn_rate"]


OUTPUTS = ["output_attainment", "features_delivered", "onboarding_calls", "leads"]


ORGANISATION = ["shared_goal_capacity_share", "context_switches", "lead_time_weeks", "escalations"]


#: What every page adds to Streamlit's look: tile headings wrap instead of being cut, the sidebar on a wide screen
#: holds a preset's whole title (a select box's choice is an input field, which cannot wrap), tile numbers shrink on
#: narrow screens, a multiselect's chosen options (Compare's "Compared with") take as many lines as they need, each
#: whole (Streamlit keeps them on one line scrolled to its end, which cut the first one at the left, and cuts a long
#: one short with "…" on a phone), and a file picker shows the app's own words
#: (Streamlit's are English and name its 1 MB transport limit, not the app's); ``{choose}`` is the picker's button
#: in the page's language.
PAGE_STYLE = """
<style>
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; }
[data-testid="stMetricValue"] { font-size: clamp(1.35rem, 2.3vw, 2.1rem); }
[data-testid="stMetricValue"] > div { overflow: visible !important; text-overflow: clip !important; }
@media (min-width: 1000px) {
  section[data-testid="stSidebar"] { width: 26rem !important; min-width: 26rem !important; } }
[data-testid="stMultiSelect"] .react-aria-ComboBox > [role="group"] { height: auto !important;
  max-height: none !important; }
[data-testid="stMultiSelectTagsContainer"] { flex-wrap: wrap !important; overflow: visible !important;
  height: auto !important; min-width: 0 !important; row-gap: 4px; padding-top: 5px; padding-bottom: 5px; }
[data-testid="stMultiSelectTagsContainer"] [data-tag] { height: auto !important; min-height: 28px; }
[data-testid="stMultiSelectTagsContainer"] [data-tag] > span { white-space: normal !important;
  text-overflow: clip !important; overflow-wrap: anywhere; }
[data-testid="stFileUploaderDropzoneInstructions"] { display: none !important; }
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] p { font-size: 0 !important; }
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] p::after { content: "{choose}";
  font-size: 0.875rem; }
</style>
"""


def setup_page(title: str) -> None:
    """The page's title (in the browser tab and on the page) and the app's look (``PAGE_STYLE``)."""
    st.set_page_config(page_title=f"alignsim · {title}", layout="wide")
    choose = _("Choose a file").replace("\\", "").replace('"', "")
    st.html(PAGE_STYLE.replace("{choose}", choose))
    st.title(title)


def scenario_picker() -> None:
    """Sidebar: pick a preset, upload a TOML file or paste one. Bad input shows its message, nothing runs."""
    presets = list(bundled_scenarios("alignment"))
    st.sidebar.header(_("Scenario"))
    base_scenario()  # make sure the session holds a base
    label = st.session_state["base_label"]
    if st.session_state.pop("sync_preset_picker", False) or "preset_choice" not in st.session_state:
        # the picker shows the base on screen: a preset, or nothing (an upload, a paste, a self-assessment)
        st.session_state["preset_choice"] = label if label in presets else None
    choice = st.sidebar.selectbox(
        _("Preset"),
        presets,
        key="preset_choice",
        format_func=names(presets, preset_name),
        placeholder=_("your own: {name}").format(name=scenario_title(label)),
        help=_("A bundled scenario. Its levers can be changed below. Pick one to start again from it."),
    )
    if choice is not None and choice != label:
        set_base(alignment(load_scenario(choice)), choice)
        st.session_state.pop("sync_preset_picker", None)
        label = choice
    if choice:
        st.sidebar.caption(plain(preset_story(describe(bundled_scenarios()[choice]))))
    else:
        base = base_scenario()
        st.sidebar.caption(
            plain(
                _("Your own scenario: {name}.").format(name=scenario_title(label))
                + (" " + base.description if base.description else "")
            )
        )
    st.sidebar.caption(_("The classic reference models (March 1991, an NK firm) are on the **Reference models** page."))
    upload_panel("", _accept, 'extends = "b2b_activation"\n[leadership]\ntrump = 0.8')


def _accept(scenario: ScenarioBase, label: str) -> str:
    if not isinstance(scenario, Scenario):
        return _("{label}: this scenario runs on the {model} model; open it on the Reference models page").format(
            label=label, model=repr(scenario.model)
        )
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
                "({budget}); run it with the command line: alignsim run {label} --seeds 5"
            ).format(
                label=label, time=shown(describe_seconds(seconds)), budget=shown(describe_seconds(APP_BUDGET_SECONDS))
            )
            return
        try:  # what the session keeps (the scenario completed with the defaults) must load again
            scenario_from_toml(scenario.to_toml(), label)
        except ScenarioError as exc:
            st.session_state[f"{prefix}upload_error"] = _(
                "{label}: too large once completed with the defaults ({problem})"
            ).format(label=label, problem=exc.shown())
            return
        st.session_state[f"{prefix}upload_error"] = accept(scenario, label)

    with st.sidebar.expander(_("Upload or paste a scenario (TOML)")):
        upload = st.file_uploader(
            _("Scenario file"),
            type=["toml"],
            key=f"{prefix}upload",
            help=_("At most {size} KiB. It is parsed, never executed.").format(size=MAX_FILE_BYTES // 1024),
        )
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


#: The group of a reference model's parameters (``sim.present.levers.parameter_levers``), shown translated.
PARAMETERS = N_("Parameters")


def _back_to_base(key: str) -> None:
    """A select box cleared with its ⊗ goes back to the base's value: its key is dropped, so it is drawn again
    with the base's choice (never an empty choice, never an error)."""
    if st.session_state.get(key) is None:
        del st.session_state[key]


def _widget(lever: Lever, value, prefix: str = "lever:"):
    """The lever's widget, showing the scenario's ``value`` until the person moves it; returns the chosen value in
    the scenario's units."""
    key = f"{prefix}{lever.path}"
    if lever.widget == "slider":
        if lever.percent:  # a share shown in whole percents
            low, high = round(lever.low * 100), round(lever.high * 100)
            return lever.from_widget(
                st.slider(
                    lever.label,
                    low,
                    high,
                    lever.to_widget(value),
                    max(1, round(lever.step * 100)),
                    help=lever.help,
                    key=key,
                    format=lever.slider_format,
                )
            )
        # Streamlit draws a slider's numbers in the browser with a decimal point; "localized" uses the browser's
        # locale (a decimal comma in a Danish browser), and only the Danish view asks for it (English stays plain)
        return st.slider(
            lever.label,
            float(lever.low),
            float(lever.high),
            float(value),
            float(lever.step),
            help=lever.help,
            key=key,
            format=lever.slider_format,
        )
    if lever.widget == "int":
        return int(
            st.number_input(
                lever.label, int(lever.low), int(lever.high), int(value), int(lever.step), help=lever.help, key=key
            )
        )
    if lever.widget == "select":
        options = list(lever.options)
        # the session's choice wins; the base's is the default only for a new widget (no warning on a relabel)
        index = None if key in st.session_state else options.index(value)
        chosen = st.selectbox(
            lever.label,
            options,
            index=index,
            help=lever.help,
            key=key,
            format_func=names(options, option_name),
            on_change=_back_to_base,
            args=(key,),
        )
        return value if chosen is None else chosen
    if lever.widget == "toggle":
        return st.toggle(lever.label, value=bool(value), help=lever.help, key=key)
    if lever.widget == "chain":
        return st.multiselect(
            lever.label,
            list(lever.options),
            default=list(value),
            help=lever.help,
            key=key,
            format_func=names(lever.options, option_name),
        )
    if lever.widget == "optional_week":
        on = st.checkbox(
            _("{lever}: run a campaign").format(lever=lever.label),
            value=value is not None,
            key=key + ":on",
            help=lever.help,
        )
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


def horizon_picker(scenario: Scenario, key: str, where=st.sidebar) -> int:
    """The horizon to run over (1, 2, 3 or 5 years, or the scenario's own), at first the scenario's own; returns
    weeks."""
    offered = horizons(scenario)
    if st.session_state.get(key) not in offered:  # a new widget, or a choice the scenario does not offer
        st.session_state[key] = scenario.weeks
    return int(
        where.selectbox(
            _("Horizon"),
            offered,
            key=key,
            format_func=names(offered, horizon_text),
            help=_(
                "How long the organisation runs: money and customers are counted over it. Short runs show the first "
                "year; longer ones what an organisation builds up, or loses, over years. Every scenario on the page "
                "runs over the same horizon."
            ),
        )
    )


def choose(where=st.sidebar) -> Choice:
    """Picker, horizon, seeds and levers in the sidebar; returns the base and the edited scenario over the horizon.
    A share link in the page address opens its what-if on the session's first run; afterwards the address follows
    the screen."""
    open_shared_link(where)
    if st.session_state.get("share_error"):
        st.error(plain(st.session_state.pop("share_error")))
    scenario_picker()
    base = base_scenario()
    weeks = horizon_picker(base, "horizon", where)
    base = at_horizon(base, weeks)
    most = fewer_markets(
        "seeds",
        [base],
        _("{horizon} of this scenario").format(horizon=horizon_text(weeks)),
        command(base, "{seeds}"),
    )
    low, high = SEEDS_RANGE
    seeds = where.slider(
        _("Simulated markets (runs averaged)"),
        low,
        high,
        None if "seeds" in st.session_state else DEFAULT_SEEDS,  # a link or the horizon may have set it
        SEEDS_STEP,
        key="seeds",
        help=_(
            "Each run simulates the same organisation in a market with its own customers and luck. Every scenario "
            "runs in the same simulated markets, so a difference between two scenarios comes from the change, not "
            "from luck."
        ),
    )
    if most is not None:
        where.caption(
            _("Over {horizon}, the app runs at most {most} simulated markets at once.").format(
                horizon=horizon_text(weeks), most=most
            )
        )
    where.header(_("Levers"))
    where.button(
        _("Reset: back to the base"),
        key="reset_levers",
        on_click=reset_levers,
        help=_("Every lever back to the scenario's own value."),
    )
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
    st.session_state["edited_overrides"] = dict(overrides)
    choice = Choice(base, alignment(edited), overrides, seeds, label)
    st.query_params.from_dict(share_params(choice))  # the address bar always holds the share link
    return choice


def scenario_header(choice: Choice) -> None:
    """Which scenario is on screen: its name, and what differs from its base as a readable list."""
    if choice.overrides:
        st.markdown(
            _(
                "**On screen: {title}**. Changed from {base}, compared over {horizon} in the same {seeds} simulated "
                "markets:"
            ).format(
                title=plain(choice.title),
                base=plain(scenario_title(choice.label)),
                horizon=horizon_text(choice.weeks),
                seeds=choice.seeds,
            )
        )
        st.markdown("\n".join(f"- {plain(line)}" for line in changes(choice.base, choice.overrides)))
    else:
        st.markdown(
            _("**On screen: {title}**, over {horizon} in {seeds} simulated markets.").format(
                title=plain(choice.title), horizon=horizon_text(choice.weeks), seeds=choice.seeds
            )
        )
        if choice.base.description:
            st.caption(plain(preset_story(choice.base.description)))


def page_url(path: str, params: dict) -> str:
    """The full address of one of the app's pages (``""`` for Explore, ``"Compare"``, ``"Board"``) with query
    parameters, on the server this page was opened from."""
    from urllib.parse import urlencode, urlsplit

    here = urlsplit(str(getattr(st.context, "url", "") or ""))
    origin = f"{here.scheme}://{here.netloc}" if here.netloc else ""
    return f"{origin}/{path}" + ("?" + urlencode(params, doseq=True) if params else "")


def share_link(choice: Choice) -> None:
    """The link that opens this what-if in another browser, and the page for the board."""
    st.page_link(
        "ui/pages/board.py",
        label=_("A page for the board: print it or save it as PDF"),
        icon=":material/print:",
        query_params=share_params(choice),
    )
    with st.expander(_("Share this what-if")):
        st.caption(
            _(
                "Send this link: it opens the same scenario, levers and simulated markets, so a colleague sees the "
                "same numbers."
            )
        )
        st.code(page_url("", share_params(choice)), language=None, wrap_lines=True)


def exported(
    scenario: ScenarioBase, title: str | None = None, description: str | None = None
) -> tuple[str, ScenarioBase]:
    """The file name stem and the scenario to save for the scenario on screen: named after ``title`` (e.g. "edited
    b2b_activation") and described by ``description`` (e.g. what was changed), not after the preset it came from."""
    shown = scenario
    if title is not None and (title != scenario.name or description is not None):
        update = {"name": title[:100]}
        if description is not None:
            update["description"] = description
        shown = scenario.model_copy(update=update)
    return slug(title or scenario.name), shown


def export_panel(
    scenario: ScenarioBase,
    result: EnsembleResult,
    charts: dict,
    step: str = "weekly",
    title: str | None = None,
    description: str | None = None,
) -> None:
    """Downloads: the scenario as TOML, results as CSV and Parquet, charts (or functions that build them) as PNG
    or SVG. Files are named after
    ``title`` (the scenario on screen, e.g. "edited b2b_activation"), and the TOML carries it and ``description``
    (e.g. what was changed); columns of CSV and Parquet files keep their code names."""
    st.subheader(_("Export"))
    name, shown = exported(scenario, title, description)
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(
        _("Scenario (TOML)"), shown.to_toml(), file_name=f"{name}.toml", mime="application/toml", key="dl_toml"
    )
    c2.download_button(
        _("Summary per simulated market (CSV)"),
        result.summary.to_csv(index=False),
        file_name=f"{name}_summary.csv",
        mime="text/csv",
        key="dl_csv",
    )

    def parquet() -> bytes:
        buf = io.BytesIO()
        result.weekly.to_parquet(buf, index=False)
        return buf.getvalue()

    # large files are written when their button is clicked, not on every lever move
    shown_step = _(STEPS[step]) if step in STEPS else step
    c3.download_button(
        _("{step} results (Parquet)").format(step=shown_step),
        parquet,
        file_name=f"{name}_{step.lower()}.parquet",
        mime="application/octet-stream",
        key="dl_parquet",
    )
    c4.download_button(
        _("{step} results (CSV)").format(step=shown_step),
        lambda: result.weekly.to_csv(index=False),
        file_name=f"{name}_{step.lower()}.csv",
        mime="text/csv",
        key="dl_weekly_csv",
    )
    c5, c6, c7 = st.columns([2, 1, 1])
    chart = c5.selectbox(_("Chart"), list(charts), key="export_chart", format_func=names(charts, chart_name))
    fmt = c6.radio(_("Format"), ["png", "svg"], horizontal=True, key="export_format")
    if c7.button(_("Prepare image"), key="export_prepare"):
        figure = charts[chart]() if callable(charts[chart]) else charts[chart]
        figure = in_locale(figure)
        st.session_state["export_image"] = (chart, fmt, to_image(figure, fmt))
    prepared = st.session_state.get("export_image")
    if prepared and prepared[:2] == (chart, fmt):
        c7.download_button(
            _("Download {format}").format(format=fmt.upper()),
            prepared[2],
            file_name=f"{name}_{chart}.{fmt}",
            mime="image/png" if fmt == "png" else "image/svg+xml",
            key="dl_image",
        )


def tile_delta(metric: str, row, registry: dict | None = None) -> dict:
    """A metric tile's difference against a reference (a row of ``sim.runner.compare``): its text, its arrow (the
    sign of the difference), its colour and the words beside it (the verdict, ``sim.present.verdict``); nothing when
    there is no difference to show."""
    d = float(row["difference"])
    if not math.isfinite(d) or abs(d) < 1e-12:
        return {}
    judged = verdict.of_row(metric, row, registry)
    digits = labels.digits_for(metric, d, row["ci_low"], row["ci_high"])  # the precision its interval supports
    return {
        "delta": labels.difference(metric, d, digits, unit=False),
        "delta_arrow": verdict.arrow(d),
        "delta_color": judged.tile_colour,
        "delta_description": judged.text,
    }


def metric_row(
    result: EnsembleResult,
    reference: EnsembleResult | None,
    names: list[str],
    registry: dict | None = None,
    table: pd.DataFrame | None = None,
) -> None:
    """Each metric's mean over seeds in human units (``sim.present.labels``), with a help icon saying what it
    measures and which way is better, and, against a reference ensemble on the same seeds, the difference
    (``tile_delta``: its arrow follows the sign, its colour and words the verdict). ``registry``: the model's
    metrics (default: the alignment model's, then the reference models'). ``table``: the page's comparison of
    ``reference`` and ``result`` when it has made it already (``sim.runner.compare`` of all metrics; each metric's
    row is the same as when compared alone), so that six rows of tiles do not compare the ensembles six times."""
    if reference is None or reference.seeds != result.seeds:
        table = None
    elif table is None or not set(names) <= set(table.index):
        table = compare(reference, result, names)
    for col, name in zip(st.columns(len(names)), names):
        col.metric(
            labels.tile_title(name),
            labels.value(name, result.summary[name].mean(), unit=False),
            help=labels.help_text(name) or None,
            **(tile_delta(name, table.loc[name], registry) if table is not None else {}),
        )


def long_with_label(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pd.concat([f.assign(scenario=label) for label, f in frames.items()], ignore_index=True)
