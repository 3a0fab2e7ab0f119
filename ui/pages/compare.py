"""Compare two scenarios side by side on the same seeds: the answer in words first, then each metric's paired
difference with its 95% CI (green: better, magenta: worse, grey: not distinguishable from zero)."""

import pandas as pd
import streamlit as st

from sim import bundled_scenarios, load_scenario
from sim.i18n import _
from sim.present import answer, charts, labels
from sim.present.levers import preset_name
from sim.research.claims import holds_when
from sim.runner import compare
from ui.language import language_switch
from ui.results import DEFAULT_SEEDS, ensemble
from ui.state import edited_label, edited_scenario, edited_shown
from ui.text import names, plain, scenario_title, slug
from ui.widgets import ORGANISATION, OUTCOMES, OUTPUTS, long_with_label, setup_page

language_switch()
setup_page(_("Compare scenarios"))
options = list(bundled_scenarios("alignment"))
edited = edited_scenario()
EDITED = "__explore__"  # the option of the scenario on Explore (its name is shown in the current language)
if edited is not None:
    options = [EDITED, *options]


def _option(name):
    return _("on Explore: {name}").format(name=edited_shown()) if name == EDITED else preset_name(name)


col_a, col_b, col_s = st.columns([2, 2, 1])
# a choice already in the session wins; the defaults are for new widgets only (ui.common relabels on a switch)
a_name = col_a.selectbox(
    "A",
    options,
    index=None if "cmp_a" in st.session_state else options.index("b2b_activation"),
    key="cmp_a",
    format_func=names(options, _option),
)
b_default = options.index(EDITED) if edited is not None else options.index("product_logic")
b_name = col_b.selectbox(
    "B",
    options,
    index=None if "cmp_b" in st.session_state else b_default,
    key="cmp_b",
    format_func=names(options, _option),
    help=_("The scenario as you last left it on the Explore page, or a preset."),
)
seeds = col_s.slider(_("Seeds"), 5, 60, st.session_state.get("seeds", DEFAULT_SEEDS), 5, key="cmp_seeds")


def _scenario(name):
    return edited if name == EDITED else load_scenario(name)


def _title(name):
    """The scenario for people (a preset's title, "edited TITLE")."""
    return edited_shown() if name == EDITED else scenario_title(name)


def _file_name(name):
    """The scenario as files name it (a preset's code name, "edited NAME")."""
    return edited_label() if name == EDITED else name


a, b = _scenario(a_name), _scenario(b_name)
title_a, title_b = _title(a_name), _title(b_name)
ea, eb = ensemble(a, seeds, "A"), ensemble(b, seeds, "B")
table = compare(ea, eb)

st.subheader(_("The answer"))
st.markdown(plain(answer.headline(table, _("B ({name})").format(name=title_b), _("A ({name})").format(name=title_a))))
st.markdown("\n".join(f"- {plain(line.text)}" for line in answer.lines(table)))
if a.assumptions != b.assumptions:
    st.warning(
        _(
            "A and B assume different things about the world (their assumptions differ): part of the "
            "difference comes from the assumptions, not from the organisation."
        )
    )
st.caption(plain(holds_when(b)))

st.subheader(_("Every difference B − A"))
st.caption(
    _(
        "Paired over seeds 0 to {last}: both scenarios see the same customers, effects and noise, so the "
        "difference B − A is sharp. Green: better with 95% confidence; magenta: worse; grey: not "
        "distinguishable from zero."
    ).format(last=seeds - 1)
)
key_metrics = [*OUTCOMES, "revenue", *OUTPUTS, *ORGANISATION]
st.altair_chart(charts.in_locale(charts.differences(table, key_metrics)), width="stretch")

shown = pd.DataFrame(
    {
        _("metric"): [labels.name(m) for m in table.index],
        _("A"): [labels.value(m, v) for m, v in table["mean_a"].items()],
        _("B"): [labels.value(m, v) for m, v in table["mean_b"].items()],
        _("difference"): [labels.difference(m, v) for m, v in table["difference"].items()],
        _("95% CI"): [
            _("{low} to {high}").format(
                low=labels.difference(m, lo, labels.digits_for(m, d)),
                high=labels.difference(m, hi, labels.digits_for(m, d)),
            )
            for m, d, lo, hi in zip(table.index, table["difference"], table["ci_low"], table["ci_high"])
        ],
        _("verdict"): [
            _("not distinguishable")
            if not answer.distinguishable(row)
            else (_("better") if (row["difference"] > 0) == (labels.label(m).better == "higher") else _("worse"))
            for m, row in table.iterrows()
        ],
    },
    index=pd.Index(table.index, name="code"),
)
st.dataframe(shown, width="stretch", key="cmp_table", column_config={"code": None})
st.caption(_("The CSV keeps the metrics' code names and full precision (for spreadsheets and scripts)."))
st.download_button(
    _("Comparison (CSV)"),
    table.to_csv(),
    file_name=f"compare_{slug(_file_name(a_name))}_vs_{slug(_file_name(b_name))}.csv",
    mime="text/csv",
    key="cmp_csv",
)

arm_a, arm_b = f"A: {title_a}", f"B: {title_b}"
weekly = long_with_label({arm_a: ea.weekly, arm_b: eb.weekly})
st.subheader(_("Over time"))
panels = charts.over_time_panels(
    weekly, ["activation_rate_30d", "outcome_index", "output_attainment", "context_switches"], by="scenario"
)
for i in range(0, len(panels), 2):
    for col, chart in zip(st.columns(2), panels[i : i + 2]):
        col.altair_chart(charts.in_locale(chart), width="stretch")
st.subheader(_("Delivery paradox"))
st.altair_chart(
    charts.in_locale(charts.paradox(long_with_label({arm_a: ea.summary, arm_b: eb.summary}), by="scenario")),
    width="stretch",
)
