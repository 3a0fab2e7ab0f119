"""Views of a workshop for managers: human labels and units, the round-by-round charts, the debrief tables and
the printable handout (A4, readable on a phone).

Nothing here computes the model: it formats the frames of ``sim.workshop.replay``. Every piece of user text
(player names) is escaped in the HTML handout and shown as plain text in the app.
"""

from __future__ import annotations

import datetime as dt
import html
import math

import altair as alt
import pandas as pd

from sim import i18n
from sim.i18n import N_, _
from sim.metrics import METRICS, Metric
from sim.present.charts import capacity, requester_colour, to_image
from sim.present.labels import direction_text
from sim.present.verdict import Verdict, judge
from sim.workshop.replay import OWN_KPI
from sim.workshop.rules import dept_label, switch_label

#: Metric names for people, in English; shown translated (``label``).
LABELS = {
    "activation_rate_30d": N_("Activation within 30 days"),
    "support_contacts_per_customer": N_("Support contacts per customer"),
    "onboarding_calls": N_("Onboarding calls held"),
    "deals_closed": N_("Deals closed"),
    "leads": N_("New leads"),
    "milestones_on_plan_rate": N_("Milestones delivered on plan"),
    "promises_on_time_rate": N_("Promises kept on time"),
    "features_delivered": N_("Features delivered"),
    "output_attainment": N_("Output KPIs met"),
    "outcome_index": N_("Customers actually using the product"),
    "churn_rate": N_("Customers lost"),
}
#: What the workshop's metrics mean (the registry's descriptions, said for managers); others use the registry's.
EXPLANATIONS = {
    "activation_rate_30d": N_("Share of new customers whose first success came within 30 days of buying."),
    "support_contacts_per_customer": N_("Support contacts per paying customer per month."),
    "onboarding_calls": N_("Onboarding calls held by Customer Success."),
    "deals_closed": N_("Leads that bought the product."),
    "leads": N_("New leads entering the funnel."),
    "milestones_on_plan_rate": N_("Share of plan milestones delivered on time."),
    "promises_on_time_rate": N_("Share of promises to key accounts delivered by their due date."),
    "features_delivered": N_("Work items released to customers."),
    "output_attainment": N_("Mean attainment of the departments' output KPIs (each capped at 1)."),
    "outcome_index": N_("Customers actually using the product: activated customers per 100 paying customers."),
    "churn_rate": N_("Paying customers lost, annualised."),
}
#: Units of a summed metric, per week (translated; others show the registry's unit).
UNITS_A_WEEK = {
    "calls": N_("calls a week"),
    "deals": N_("deals a week"),
    "leads": N_("leads a week"),
    "items": N_("items a week"),
}
UNITS = {"contacts / customer / month": N_("contacts / customer / month"), "index 0-100": N_("index 0-100")}
#: The article's three questions (said as the article says them in Danish).
QUESTIONS = (
    N_("Do we agree on what the product is, and what value it must create for users and for the business?"),
    N_("Are teams measured and steered on outcome, or mainly on deliveries?"),
    N_("Do we have data to learn fast enough, and do we use that learning to prioritise?"),
)
QUOTE = N_("\u201cWe delivered everything we said we would. Why can't we see the effect?\u201d")


def label(metric: str) -> str:
    """A metric's name for people, in the current language."""
    return _(LABELS[metric]) if metric in LABELS else metric.replace("_", " ").capitalize()


def questions() -> list[str]:
    """The article's three questions in the current language."""
    return [_(q) for q in QUESTIONS]


def quote() -> str:
    """The article's quarterly-review sentence in the current language."""
    return _(QUOTE)


def is_share(m: Metric) -> bool:
    return m.unit.startswith("share") and "/" not in m.unit


def unit_text(m: Metric) -> str:
    """The unit a value of the metric is shown in, per round: '%', 'calls a week', 'contacts / customer / month'."""
    if is_share(m):
        return "%"
    if m.agg == "sum":
        return _(UNITS_A_WEEK[m.unit]) if m.unit in UNITS_A_WEEK else _("{unit} a week").format(unit=m.unit)
    return _(UNITS[m.unit]) if m.unit in UNITS else m.unit


def no_data() -> str:
    return _("no data")


def format_value(metric: str, value: float | None) -> str:
    """A value with its unit in the current locale ('72%', '14.2 calls a week'; '72 %', '14,2 samtaler om ugen');
    'no data' when it is undefined."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return no_data()
    m = METRICS[metric]
    if is_share(m):
        return i18n.percent(value, 0)
    return f"{i18n.figure(value, 3)} {unit_text(m)}"


def target_text(metric: str, target: float) -> str:
    """'target 90 % on plan', 'target 40 calls a week': never 'target 0.9 a week' for a rate."""
    m = METRICS[metric]
    if m.better == "lower":
        return _("target: at most {value}").format(value=format_value(metric, target))
    return _("target: at least {value}").format(value=format_value(metric, target))


def explain(metric: str) -> str:
    """One sentence on what the metric means (from the metric registry), in the current language."""
    m = METRICS[metric]
    meaning = _(EXPLANATIONS[metric]) if metric in EXPLANATIONS else m.description
    return f"{label(metric)}: {meaning} {direction_text(metric)}"


#: Column names of the workshop's tables (translated where shown).
COLUMNS = {
    "Round": N_("Round"),
    "Department": N_("Department"),
    "Played by": N_("Played by"),
    "Decision": N_("Decision"),
    "Own KPI": N_("Own KPI"),
    "Result": N_("Result"),
    "Target": N_("Target"),
    "Share of target": N_("Share of target"),
    "Shared outcome": N_("Shared outcome"),
    "Logic": N_("Logic"),
}


def column(name: str) -> str:
    """A column name of ``kpi_table`` in the current language (pick columns with it)."""
    return _(COLUMNS[name])


def kpi_table(results: pd.DataFrame) -> pd.DataFrame:
    """Each department's KPI per round against the shared outcome, in words and units (no NaN, no None)."""
    rows = []
    for _row, r in results.iterrows():
        row = {
            "Round": int(r["round"]),
            "Department": dept_label(r["department"]),
            "Played by": str(r["played_by"]),
            "Decision": r["decision"],
            "Own KPI": label(r["kpi"]),
            "Result": r["kpi_note"] or format_value(r["kpi"], r["kpi_value"]),
            "Target": target_text(r["kpi"], r["kpi_target"]),
            "Share of target": (no_data() if math.isnan(r["kpi_attainment"]) else i18n.percent(r["kpi_attainment"], 0)),
            "Shared outcome": format_value(r["shared_metric"], r["shared_outcome"]),
            "Logic": r["logic"],
        }
        rows.append({column(k): v for k, v in row.items()})
    return pd.DataFrame(rows, columns=[column(k) for k in COLUMNS])


def decisions_table(results: pd.DataFrame) -> pd.DataFrame:
    """Rounds as rows, departments as columns: what each department decided."""
    if results.empty:
        return pd.DataFrame()
    frame = results.assign(Department=results["department"].map(dept_label))
    table = frame.pivot(index="round", columns="Department", values="decision").rename_axis(column("Round"))
    table.columns.name = None
    return table


def switch_marks(switches) -> pd.DataFrame:
    """Where each logic switch starts on a round axis (between the last round without it and the first with)."""
    return pd.DataFrame(
        [{"at": first + 0.5, "switch": switch_label(s)} for s, first in switches], columns=["at", "switch"]
    )


def _outcome_scale(metric: str, values) -> alt.Scale:
    top = max([v for v in values if not math.isnan(v)] or [1.0])
    return alt.Scale(domain=[0, max(1.0, top * 1.1)] if is_share(METRICS[metric]) else [0, top * 1.15])


def _rules(switches, y_title: str) -> alt.Chart | None:
    marks = switch_marks(switches)
    if marks.empty:
        return None
    return (
        alt.Chart(marks)
        .mark_rule(color="#d62728", strokeDash=[6, 3], strokeWidth=2)
        .encode(x="at:Q", tooltip=[alt.Tooltip("switch:N", title=_("logic switched"))])
    )


def outcome_chart(
    results: pd.DataFrame, switches=(), own_kpi: pd.DataFrame | None = None, width: int = 320
) -> alt.HConcatChart:
    """Each department's KPI (share of its target) per round beside the shared outcome per round, with the
    own-KPI counterfactual on the same market (dashed) and the logic switch marked."""
    left, right = outcome_halves(results, switches, own_kpi, width)
    # each half has its own colours (departments; your table and the counterfactual)
    return _in_locale(alt.hconcat(left, right).resolve_scale(color="independent", strokeDash="independent"))


def outcome_halves(
    results: pd.DataFrame, switches=(), own_kpi: pd.DataFrame | None = None, width: int = 320
) -> tuple[alt.LayerChart, alt.LayerChart]:
    """The two halves of ``outcome_chart``, each a chart of its own (the handout lays them side by side on paper
    and one under the other on a phone): each department's own KPI, and the shared outcome."""
    rounds = int(results["round"].max()) if len(results) else 1
    x = alt.X(
        "round:Q",
        title=_("round"),
        scale=alt.Scale(domain=[0.5, max(rounds, 1) + 0.5]),
        axis=alt.Axis(tickMinStep=1, format="d"),
    )
    yours, own_kpis = _("Your table"), _(OWN_KPI)
    data = results.assign(
        Department=results["department"].map(dept_label),
        attainment=results["kpi_attainment"] * 100,
        KPI=results["kpi"].map(label),
        result=[n or format_value(k, v) for n, k, v in zip(results["kpi_note"], results["kpi"], results["kpi_value"])],
    )
    # each department in its colour of every chart of the app (``sim.present.charts.requester_colour``), whatever
    # the language its name is in and whichever departments are at the table
    departments = sorted(set(results["department"]), key=dept_label)
    colours = alt.Scale(domain=[dept_label(d) for d in departments], range=[requester_colour(d) for d in departments])
    kpis = (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=60))
        .encode(
            x=x,
            y=alt.Y("attainment:Q", title=_("own KPI, % of target"), scale=alt.Scale(domain=[0, 150])),
            color=alt.Color("Department:N", scale=colours, legend=alt.Legend(orient="bottom", columns=2, title=None)),
            tooltip=[
                alt.Tooltip("round:Q", title=_("round")),
                alt.Tooltip("Department:N", title=_("Department")),
                alt.Tooltip("KPI:N", title=_("Own KPI")),
                alt.Tooltip("result:N", title=_("Result")),
            ],
        )
        .properties(width=width, height=240, title=_("Each department's own KPI"))
    )
    target = alt.Chart(pd.DataFrame({"y": [100]})).mark_rule(color="grey").encode(y="y:Q")
    metric = results["shared_metric"].iloc[0] if len(results) else "activation_rate_30d"
    scale_pct = 100 if is_share(METRICS[metric]) else 1
    shared = results.groupby("round", as_index=False)["shared_outcome"].first().assign(table=yours)
    lines = [shared]
    if own_kpi is not None and len(own_kpi):
        lines.append(own_kpi.groupby("round", as_index=False)["shared_outcome"].first().assign(table=own_kpis))
    both = pd.concat(lines)
    both = both.assign(value=both["shared_outcome"] * scale_pct)
    title = label(metric) + (" (%)" if is_share(METRICS[metric]) else f" ({unit_text(METRICS[metric])})")
    # one legend for colour and dash, each entry drawn as its line (solid, dashed); "Every department on its own
    # KPI" whole
    drawn_as_lines = alt.Legend(orient="bottom", title=None, labelLimit=0, symbolType="stroke", symbolStrokeWidth=3)
    outcome = (
        alt.Chart(both)
        .mark_line(point=True, strokeWidth=3)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=title, scale=_outcome_scale(metric, both["value"].tolist())),
            color=alt.Color(
                "table:N",
                scale=alt.Scale(domain=[yours, own_kpis], range=["black", "#999999"]),
                legend=drawn_as_lines,
            ),
            strokeDash=alt.StrokeDash(
                "table:N", scale=alt.Scale(domain=[yours, own_kpis], range=[[1, 0], [5, 4]]), legend=drawn_as_lines
            ),
            tooltip=[
                alt.Tooltip("table:N", title=_("Table")),
                alt.Tooltip("round:Q", title=_("round")),
                alt.Tooltip("value:Q", format=".3g", title=label(metric)),
            ],
        )
        .properties(width=width, height=240, title=_("The shared outcome: {metric}").format(metric=label(metric)))
    )
    left, right = kpis + target, outcome
    rules = _rules(switches, title)
    if rules is not None:
        left, right = left + rules, right + rules
    return left, right


def tables_chart(paths: pd.DataFrame, metric: str, switches=(), width: int = 420) -> alt.LayerChart:
    """The shared outcome per round of every table and of the own-KPI counterfactual, all on the same market."""
    scale_pct = 100 if is_share(METRICS[metric]) else 1
    data = paths.assign(value=paths["shared_outcome"] * scale_pct)
    chart = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X("round:Q", axis=alt.Axis(tickMinStep=1, format="d"), title=_("round")),
            y=alt.Y(
                "value:Q",
                title=label(metric) + (" (%)" if scale_pct == 100 else ""),
                scale=_outcome_scale(metric, data["value"].tolist()),
            ),
            color=alt.Color("table:N", title=None, legend=alt.Legend(orient="bottom", columns=2)),
            strokeDash=alt.condition(alt.datum.table == _(OWN_KPI), alt.value([5, 4]), alt.value([1, 0])),
            tooltip=[
                alt.Tooltip("table:N", title=_("Table")),
                alt.Tooltip("round:Q", title=_("round")),
                alt.Tooltip("value:Q", format=".3g", title=label(metric)),
            ],
        )
        .properties(width=width, height=260, title=_("Tables compared on the same market"))
    )
    rules = _rules(switches, "")
    return _in_locale(chart + rules if rules is not None else chart)


def _in_locale(chart):
    """The chart with the current language's number format (decimal comma in Danish); a finished chart only."""
    number_format = i18n.vega_locale()
    return chart.configure(locale=number_format) if number_format else chart


#: The handout's charts: about as wide as a phone's screen (so a phone shows them at their size, one under the
#: other), two side by side on A4, with type a person can read on either.
HANDOUT_WIDTH = 270
HANDOUT_TYPE = {"axis": 12, "title": 14, "legend": 12}


def _handout_svg(chart) -> str:
    """A chart of the handout as SVG, in the language's number format and the handout's type sizes."""
    size = HANDOUT_TYPE
    readable = (
        _in_locale(chart)
        .configure_axis(labelFontSize=size["axis"], titleFontSize=size["axis"])
        .configure_legend(labelFontSize=size["legend"], titleFontSize=size["legend"], labelLimit=0)
        .configure_title(fontSize=size["title"])
    )
    return to_image(readable, "svg").decode()


def seeds_table(rows: dict[str, dict], metric: str) -> pd.DataFrame:
    """Each table's decisions against "every department on its own KPI", over the same 30 seeds."""
    share = is_share(METRICS[metric])

    def fmt(v: float) -> str:
        sign = "+" if v >= 0 else "−"
        if share:
            return _("{signed} points").format(signed=sign + i18n.number(abs(100 * v), 1))
        return sign + i18n.figure(abs(v), 3)

    out = []
    for table, r in rows.items():
        lo, hi = r["ci_low"], r["ci_high"]
        verdict = {  # the one verdict (sim.present.verdict): more of an output is not better
            Verdict.BETTER: _("better than own KPIs"),
            Verdict.WORSE: _("worse than own KPIs"),
            Verdict.MORE_OUTPUT: _("more output than own KPIs"),
            Verdict.LESS_OUTPUT: _("less output than own KPIs"),
        }.get(judge(metric, r["difference"], lo, hi), _("no clear difference"))
        out.append(
            {
                _("Table"): table,
                _("Difference in {metric}").format(metric=label(metric)): fmt(r["difference"]),
                _("95% interval"): _("{low} to {high}").format(low=fmt(lo), high=fmt(hi)),
                _("Over seeds"): r["seeds"],
                _("Verdict"): verdict,
            }
        )
    return pd.DataFrame(out)


def handout_html(
    code: str,
    title: str,
    table: int,
    results: pd.DataFrame,
    team_time: pd.DataFrame,
    switches=(),
    own_kpi: pd.DataFrame | None = None,
    paths: pd.DataFrame | None = None,
    seeds: dict[str, dict] | None = None,
    when: dt.date | None = None,
) -> str:
    """A self-contained HTML handout for one table: date, what each metric means, the charts (SVG), the
    decisions per round, each KPI against the shared outcome, the tables compared, and the three questions.
    Prints on A4 and reads on a phone."""
    metric = results["shared_metric"].iloc[0]
    when = when or dt.date.today()
    halves = outcome_halves(results, switches, own_kpi, width=HANDOUT_WIDTH)
    outcome_svgs = "".join(f"<div class=chart>{_handout_svg(half)}</div>" for half in halves)
    rounds = int(results["round"].max())
    heading = _("Workshop {code}, table {table}: {title}").format(code=code, table=int(table), title=title)
    parts = [
        f"<h1>{html.escape(heading)}</h1>",
        "<p class=meta>"
        + html.escape(
            " · ".join(
                [
                    i18n.date(when),
                    i18n.ngettext("{n} round of a quarter", "{n} rounds of a quarter each", rounds).format(n=rounds),
                    _("results are simulated, not measured"),
                ]
            )
        )
        + "</p>",
        f"<blockquote>{html.escape(quote())}</blockquote>",
    ]
    if switches:
        parts.append(
            "<p>"
            + "; ".join(
                html.escape(_("{switch} from round {round}")).format(
                    switch=f"<b>{html.escape(switch_label(s))}</b>", round=first + 1
                )
                for s, first in switches
            )
            + html.escape(_(" (the dashed red line on the charts)."))
            + "</p>"
        )
    parts += [
        _h2(_("Own KPIs and the shared outcome")),
        f"<div class=charts>{outcome_svgs}</div>",
        _h2(_("What the numbers mean")) + "<ul>",
    ]
    for m in [metric, *dict.fromkeys(results["kpi"])]:
        parts.append(f"<li>{html.escape(explain(m))}</li>")
    parts.append(
        "<li>"
        + html.escape(_("Share of target: a department’s result against its own target (100 % = met)."))
        + "</li></ul>"
    )
    parts += [
        _h2(_("Decisions per round")),
        _html_table(decisions_table(results).reset_index()),
        _h2(_("Round by round")),
        _html_table(kpi_table(results).drop(columns=[column("Decision"), column("Logic")])),
    ]
    if paths is not None and len(paths):
        chart = _handout_svg(tables_chart(paths, metric, switches, width=HANDOUT_WIDTH))
        parts += [
            _h2(_("Tables compared")),
            _p(_("Every table played the same market (the same seed), so the differences come from decisions.")),
            f"<div class=chart>{chart}</div>",
        ]
    if seeds:
        parts += [
            _h2(_("Decisions or luck?")),
            _p(_("Each table’s decisions replayed over the same 30 markets against every department on its own KPI:")),
            _html_table(seeds_table(seeds, metric)),
        ]
    parts += [
        _h2(_("Where the product team’s time went")),
        f"<div class=chart>{_handout_svg(capacity(team_time).properties(width=HANDOUT_WIDTH))}</div>",
        _h2(_("Three questions for your organisation")) + "<ol>",
        *[f"<li>{html.escape(q)}</li>" for q in questions()],
        "</ol>",
        _p(_("Made with alignsim."), "meta"),
    ]
    page_title = _("alignsim workshop {code}").format(code=code)
    return f"""<!doctype html>
<html lang="{i18n.current()}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(page_title)}</title>
<style>
@page {{ size: A4; margin: 14mm; }}
body {{ font-family: sans-serif; max-width: 190mm; margin: 1em auto; padding: 0 0.8em; line-height: 1.4; }}
h1 {{ font-size: 1.6em; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 0 1.5em; }}
.chart svg {{ max-width: 100%; height: auto; }}
.scroll {{ overflow-x: auto; }}
table {{ border-collapse: collapse; font-size: 0.85em; }}
td, th {{ padding: 2px 6px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }}
.meta {{ color: #555; }}
h2 {{ break-after: avoid; }}
.chart, table {{ break-inside: avoid; }}
@media print {{ body {{ max-width: none; }} .scroll {{ overflow: visible; }} }}
</style></head><body>
{chr(10).join(parts)}
</body></html>
"""


def _h2(text: str) -> str:
    return f"<h2>{html.escape(text)}</h2>"


def _p(text: str, cls: str = "") -> str:
    return f"<p{' class=' + cls if cls else ''}>{html.escape(text)}</p>"


def _html_table(frame: pd.DataFrame) -> str:
    return "<div class=scroll>" + frame.to_html(index=False, border=0, escape=True, na_rep=no_data()) + "</div>"
