"""Compare up to four options side by side over one horizon (1, 2, 3 or 5 years) in the same simulated markets (fewer,
said plainly, when a long horizon would take longer than the app runs at once): the first is the reference (A), each
of the others is told against it: the answer in words and why it moved, then every metric's difference with where it
likely lies and its verdict (``sim.present.verdict``: green better, magenta worse, blue a change of output, grey not
distinguishable from the noise). The address always holds the comparison (``ui.comparison``), so the link opens the
same options with the same numbers; scenarios kept by name (on Explore) are offered too, and can be downloaded as
TOML."""

import io
import zipfile

import pandas as pd
import streamlit as st

from sim import bundled_scenarios
from sim.i18n import _, current
from sim.input import share
from sim.present import answer, charts, why
from sim.present.levers import HORIZONS, at_horizon, horizon_text, preset_name
from sim.runner import compare
from sim.scenario import Scenario
from ui import comparison
from ui.comparison import EXPLORE, MAX_OPTIONS, NAMED
from ui.language import language_switch
from ui.results import DEFAULT_PRESET, DEFAULT_SEEDS, SEEDS_RANGE, SEEDS_STEP, ensemble, fewer_markets
from ui.state import alignment, edited_scenario, edited_shown, explore_kept, kept
from ui.text import names, plain, slug, unbroken
from ui.widgets import ORGANISATION, OUTCOMES, OUTPUTS, long_with_label, page_url, setup_page

LETTERS = "ABCD"
DEFAULT_OTHERS = ["product_logic"]

language_switch()
setup_page(_("Compare scenarios"))


def _open_link() -> None:
    """On the page's first run in a session: open the comparison its address describes (a bad link: one line,
    and the page's defaults)."""
    if st.session_state.get("cmp_link_checked"):
        return
    st.session_state["cmp_link_checked"] = True
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    try:
        opened = comparison.decode(params)
    except share.ShareError as exc:
        st.session_state["cmp_link_error"] = exc.shown()
        return
    if opened is None:
        return
    for name, scenario in opened.kept.items():
        kept()[name] = scenario
    st.session_state["cmp_a"] = opened.options[0]
    st.session_state["cmp_others"] = opened.options[1:]
    if opened.seeds:
        st.session_state["cmp_seeds"] = opened.seeds
    if opened.weeks:
        st.session_state["cmp_weeks"] = opened.weeks


def _reset() -> None:
    """The page's defaults: the default preset against the product logic, at the session's seeds and horizon."""
    for key in ("cmp_a", "cmp_others", "cmp_seeds", "cmp_weeks"):
        st.session_state.pop(key, None)


def _a_back_to_default() -> None:
    """Clearing the reference's select box (its ⊗) means the default reference, never an empty choice."""
    if st.session_state.get("cmp_a") is None:
        st.session_state["cmp_a"] = DEFAULT_PRESET


_open_link()
if st.session_state.get("cmp_link_error"):
    st.error(plain(st.session_state.pop("cmp_link_error")))

edited = edited_scenario()
on_explore = explore_kept()
store = kept()
options = [
    *([EXPLORE] if edited is not None else []),
    *(comparison.named(n) for n in store),
    *bundled_scenarios("alignment"),
]


def _option(option: str) -> str:
    if option == EXPLORE:
        return _("on Explore: {name}").format(name=edited_shown())
    if option.startswith(NAMED):
        return _("kept: {name}").format(name=option[len(NAMED) :])
    return preset_name(option)


def _title(option: str) -> str:
    """An option's scenario by its name: the scenario on Explore's title, a kept one's name, a preset's title."""
    if option == EXPLORE:
        return edited_shown()
    return option[len(NAMED) :] if option.startswith(NAMED) else preset_name(option)


# choices already in the session win (and must still be offered); the defaults are for new widgets only
if st.session_state.get("cmp_a") not in (None, *options):
    st.session_state["cmp_a"] = DEFAULT_PRESET
if "cmp_others" in st.session_state:
    st.session_state["cmp_others"] = [o for o in st.session_state["cmp_others"] if o in options][: MAX_OPTIONS - 1]
col_a, col_b = st.columns([2, 3])
a_option = (
    col_a.selectbox(
        _("A: the reference"),
        options,
        index=None if "cmp_a" in st.session_state else options.index(DEFAULT_PRESET),
        key="cmp_a",
        format_func=names(options, _option),
        on_change=_a_back_to_default,
        help=_("Every other option is compared with this one."),
    )
    or DEFAULT_PRESET
)
default_others = [EXPLORE] if edited is not None else DEFAULT_OTHERS
others = col_b.multiselect(
    _("Compared with (up to three)"),
    [o for o in options if o != a_option],
    default=None if "cmp_others" in st.session_state else [o for o in default_others if o != a_option],
    key="cmp_others",
    max_selections=MAX_OPTIONS - 1,
    format_func=names(options, _option),
    help=_("The scenario as you last left it on Explore, scenarios you kept there by name, or presets."),
)
others = [o for o in others if o != a_option]
chosen = [a_option, *others]
col_h, col_s, col_r = st.columns([2, 3, 1])
if st.session_state.get("cmp_weeks") not in HORIZONS:  # at first: the horizon on Explore, or a year
    st.session_state["cmp_weeks"] = (
        st.session_state.get("horizon") if st.session_state.get("horizon") in HORIZONS else 52
    )
weeks = int(
    col_h.selectbox(
        _("Horizon"),
        HORIZONS,
        key="cmp_weeks",
        format_func=names(HORIZONS, horizon_text),
        help=_("Every option runs over the same horizon: money and customers are counted over it."),
    )
)
scenarios = {o: at_horizon(alignment(comparison.scenario_of(o, store, edited)), weeks) for o in chosen}
if "cmp_seeds" not in st.session_state:
    st.session_state["cmp_seeds"] = st.session_state.get("seeds", DEFAULT_SEEDS)
most = fewer_markets(
    "cmp_seeds",
    list(scenarios.values()),
    _("{horizon} of these scenarios").format(horizon=horizon_text(weeks)),
)
seeds = col_s.slider(
    _("Simulated markets"),
    *SEEDS_RANGE,
    step=SEEDS_STEP,
    key="cmp_seeds",
    help=_("Every option runs in the same simulated markets, so differences come from the options, not from luck."),
)
if most is not None:
    col_s.caption(
        _("Over {horizon}, the app runs at most {most} simulated markets at once.").format(
            horizon=horizon_text(weeks), most=most
        )
    )
col_r.button(_("Reset"), key="cmp_reset", on_click=_reset, help=_("Back to the page's first comparison."))

link = comparison.encode(chosen, store, seeds, current(), on_explore, weeks)
st.query_params.from_dict(link)  # the address bar always holds the comparison

if not others:
    st.info(_("Pick at least one option to compare with A."))
    st.stop()

titles = {o: _title(o) for o in chosen}
results = {o: ensemble(scenarios[o], seeds, LETTERS[i]) for i, o in enumerate(chosen)}
tables = {o: compare(results[a_option], results[o]) for o in others}
arm = {o: f"{LETTERS[i]}: {titles[o]}" for i, o in enumerate(chosen)}

st.subheader(_("The answer"))
for i, option in enumerate(others, 1):
    name_b = _("{letter} ({name})").format(letter=LETTERS[i], name=titles[option])
    name_a = _("{letter} ({name})").format(letter="A", name=titles[a_option])
    st.markdown(plain(answer.headline(tables[option], name_b, name_a)))
    with st.expander(_("{letter}: every result and why it moved").format(letter=LETTERS[i]), expanded=i == 1):
        lines = "\n".join(f"- {plain(line.text)}" for line in answer.lines(tables[option]))
        st.markdown(unbroken(lines), unsafe_allow_html=True)
        reasons = why.explain(results[a_option], results[option], tables[option], scenarios[option])
        st.markdown("**" + _("Why it moved") + "**")
        st.markdown(unbroken("\n".join(f"- {plain(text)}" for text in reasons.sentences())), unsafe_allow_html=True)
    a, b = scenarios[a_option], scenarios[option]
    if isinstance(a, Scenario) and isinstance(b, Scenario) and a.assumptions != b.assumptions:
        st.warning(
            _(
                "A and {letter} assume different things about the world (their assumptions differ): part of the "
                "difference comes from the assumptions, not from the organisation."
            ).format(letter=LETTERS[i])
        )
if isinstance(scenarios[others[-1]], Scenario):
    st.caption(plain(answer.assumptions(scenarios[others[-1]])))
with st.expander(_("Share this comparison")):
    st.caption(_("Send this link: it opens the same options in the same simulated markets, with the same numbers."))
    st.code(page_url("Compare", link), language=None, wrap_lines=True)

key_metrics = [*OUTCOMES, "revenue", *OUTPUTS, *ORGANISATION]
st.subheader(_("Side by side"))
st.caption(
    _(
        "Each option over {horizon} in the same {n} simulated markets. Each difference is against A, with its "
        "verdict: better or worse for customers and the business, more or less output (neither by itself), or not "
        "distinguishable from the noise. Where each one likely lies: in the answer above and the charts below."
    ).format(n=seeds, horizon=horizon_text(weeks))
)
rows = [m for m in key_metrics if m in results[a_option].summary]
levels, differences = comparison.side_by_side(
    results[a_option].summary, {LETTERS[i]: tables[o] for i, o in enumerate(others, 1)}, rows
)
height = 36 * (len(rows) + 1) + 4  # every row on screen, no inner scrolling
metric_column = st.column_config.TextColumn(pinned=True, width="medium")
st.dataframe(
    levels, width="stretch", height=height, key="cmp_table", column_config={"code": None, _("metric"): metric_column}
)
st.markdown("**" + _("Differences against A, and their verdict") + "**")
st.dataframe(
    differences,
    width="stretch",
    height=height,
    key="cmp_differences",
    column_config={"code": None, _("metric"): metric_column},
)
csv = pd.concat({LETTERS[i]: tables[o] for i, o in enumerate(others, 1)}, names=["option", "metric"])
st.download_button(
    _("Comparison (CSV, full precision, code names)"),
    csv.to_csv(),
    file_name="compare_" + "_vs_".join(slug(comparison_name) for comparison_name in [a_option, *others]) + ".csv",
    mime="text/csv",
    key="cmp_csv",
)

for i, option in enumerate(others, 1):
    st.subheader(_("Every difference {letter} − A").format(letter=LETTERS[i]))
    st.altair_chart(
        charts.in_locale(charts.differences(tables[option], key_metrics)), width="stretch", key=f"cmp_diff_{i}"
    )

weekly = long_with_label({arm[o]: results[o].weekly for o in chosen})
st.subheader(_("Over time"))
panels = charts.over_time_panels(
    weekly, ["activation_rate_30d", "revenue", "output_attainment", "context_switches"], by="scenario"
)
for i in range(0, len(panels), 2):
    for col, chart in zip(st.columns(2), panels[i : i + 2]):
        col.altair_chart(charts.in_locale(chart), width="stretch")
st.subheader(_("Delivery paradox"))
st.altair_chart(
    charts.in_locale(charts.paradox(long_with_label({arm[o]: results[o].summary for o in chosen}), by="scenario")),
    width="stretch",
)

if store:
    st.subheader(_("Scenarios you kept"))
    st.caption(_("Kept in this browser session only. Download them to keep them for good."))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, scenario in store.items():
            archive.writestr(f"{slug(name)}.toml", scenario.scenario().model_copy(update={"name": name}).to_toml())
    st.download_button(
        _("All kept scenarios (TOML files in a ZIP)"),
        buffer.getvalue(),
        file_name="kept_scenarios.zip",
        mime="application/zip",
        key="dl_kept",
    )
    for name, scenario in store.items():
        st.download_button(
            _("{name} (TOML)").format(name=name),
            scenario.scenario().model_copy(update={"name": name}).to_toml(),
            file_name=f"{slug(name)}.toml",
            mime="application/toml",
            key=f"dl_kept:{name}",
        )
