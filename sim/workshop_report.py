"""Views of a workshop for managers: human labels and units, the round-by-round charts, the debrief tables and
the printable handout (A4, readable on a phone).

Nothing here computes the model: it formats the frames of ``sim.workshop_replay``. Every piece of user text
(player names) is escaped in the HTML handout and shown as plain text in the app.
"""

from __future__ import annotations

import datetime as dt
import html
import math

import altair as alt
import pandas as pd

from sim.charts import capacity, to_image
from sim.metrics import METRICS, Metric
from sim.workshop import LOGIC_SWITCHES, dept_label
from sim.workshop_replay import OWN_KPI

LABELS = {
    "activation_rate_30d": "Activation within 30 days",
    "support_contacts_per_customer": "Support contacts per customer",
    "onboarding_calls": "Onboarding calls held",
    "deals_closed": "Deals closed",
    "leads": "New leads",
    "milestones_on_plan_rate": "Milestones delivered on plan",
    "promises_on_time_rate": "Promises kept on time",
    "features_delivered": "Features delivered",
    "output_attainment": "Output KPIs met",
    "outcome_index": "Customers actually using the product",
    "churn_rate": "Customers lost",
}
QUESTIONS = (
    "Do we agree on what the product is, and what value it must create for users and for the business?",
    "Are teams measured and steered on outcome, or mainly on deliveries?",
    "Do we have data to learn fast enough, and do we use that learning to prioritise?",
)
QUOTE = "\u201cWe delivered everything we said we would. Why can't we see the effect?\u201d"


def label(metric: str) -> str:
    """A metric's name for people."""
    return LABELS.get(metric, metric.replace("_", " ").capitalize())


def is_share(m: Metric) -> bool:
    return m.unit.startswith("share") and "/" not in m.unit


def unit_text(m: Metric) -> str:
    """The unit a value of the metric is shown in, per round: '%', 'calls a week', 'contacts / customer / month'."""
    if is_share(m):
        return "%"
    if m.agg == "sum":
        return f"{m.unit} a week"
    return m.unit


def format_value(metric: str, value: float | None) -> str:
    """A value with its unit ('72 %', '14.2 calls a week'); 'no data' when it is undefined."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    m = METRICS[metric]
    if is_share(m):
        return f"{100 * value:.0f} %"
    return f"{value:.3g} {unit_text(m)}"


def target_text(metric: str, target: float) -> str:
    """'target 90 % on plan', 'target 40 calls a week': never 'target 0.9 a week' for a rate."""
    m = METRICS[metric]
    more = "at most" if m.better == "lower" else "at least"
    return f"target: {more} {format_value(metric, target)}"


def explain(metric: str) -> str:
    """One sentence on what the metric means (from the metric registry)."""
    m = METRICS[metric]
    return f"{label(metric)}: {m.description} {'Higher' if m.better == 'higher' else 'Lower'} is better."


def kpi_table(results: pd.DataFrame) -> pd.DataFrame:
    """Each department's KPI per round against the shared outcome, in words and units (no NaN, no None)."""
    rows = []
    for _, r in results.iterrows():
        rows.append({"Round": int(r["round"]), "Department": dept_label(r["department"]),
                     "Played by": str(r["played_by"]), "Decision": r["decision"], "Own KPI": label(r["kpi"]),
                     "Result": r["kpi_note"] or format_value(r["kpi"], r["kpi_value"]),
                     "Target": target_text(r["kpi"], r["kpi_target"]),
                     "Share of target": ("no data" if math.isnan(r["kpi_attainment"])
                                         else f"{100 * r['kpi_attainment']:.0f} %"),
                     "Shared outcome": format_value(r["shared_metric"], r["shared_outcome"]),
                     "Logic": r["logic"]})
    return pd.DataFrame(rows)


def decisions_table(results: pd.DataFrame) -> pd.DataFrame:
    """Rounds as rows, departments as columns: what each department decided."""
    if results.empty:
        return pd.DataFrame()
    frame = results.assign(Department=results["department"].map(dept_label))
    table = frame.pivot(index="round", columns="Department", values="decision").rename_axis("Round")
    table.columns.name = None
    return table


def switch_marks(switches) -> pd.DataFrame:
    """Where each logic switch starts on a round axis (between the last round without it and the first with)."""
    return pd.DataFrame([{"at": first + 0.5, "switch": LOGIC_SWITCHES[s]} for s, first in switches],
                        columns=["at", "switch"])


def _outcome_scale(metric: str, values) -> alt.Scale:
    top = max([v for v in values if not math.isnan(v)] or [1.0])
    return alt.Scale(domain=[0, max(1.0, top * 1.1)] if is_share(METRICS[metric]) else [0, top * 1.15])


def _rules(switches, y_title: str) -> alt.Chart | None:
    marks = switch_marks(switches)
    if marks.empty:
        return None
    return alt.Chart(marks).mark_rule(color="#d62728", strokeDash=[6, 3], strokeWidth=2).encode(
        x="at:Q", tooltip=[alt.Tooltip("switch:N", title="logic switched")])


def outcome_chart(results: pd.DataFrame, switches=(), own_kpi: pd.DataFrame | None = None,
                  width: int = 320) -> alt.HConcatChart:
    """Each department's KPI (share of its target) per round beside the shared outcome per round, with the
    own-KPI counterfactual on the same market (dashed) and the logic switch marked."""
    rounds = int(results["round"].max()) if len(results) else 1
    x = alt.X("round:Q", title="round", scale=alt.Scale(domain=[0.5, max(rounds, 1) + 0.5]),
              axis=alt.Axis(tickMinStep=1, format="d"))
    data = results.assign(Department=results["department"].map(dept_label),
                          attainment=results["kpi_attainment"] * 100, KPI=results["kpi"].map(label),
                          result=[n or format_value(k, v) for n, k, v in zip(results["kpi_note"], results["kpi"],
                                                                              results["kpi_value"])])
    kpis = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=60)).encode(
        x=x, y=alt.Y("attainment:Q", title="own KPI, % of target", scale=alt.Scale(domain=[0, 150])),
        color=alt.Color("Department:N", legend=alt.Legend(orient="bottom", columns=2, title=None)),
        tooltip=["round:Q", "Department:N", "KPI:N", "result:N"],
    ).properties(width=width, height=240, title="Each department's own KPI")
    target = alt.Chart(pd.DataFrame({"y": [100]})).mark_rule(color="grey").encode(y="y:Q")
    metric = results["shared_metric"].iloc[0] if len(results) else "activation_rate_30d"
    scale_pct = 100 if is_share(METRICS[metric]) else 1
    shared = results.groupby("round", as_index=False)["shared_outcome"].first().assign(table="Your table")
    lines = [shared]
    if own_kpi is not None and len(own_kpi):
        lines.append(own_kpi.groupby("round", as_index=False)["shared_outcome"].first().assign(table=OWN_KPI))
    both = pd.concat(lines)
    both = both.assign(value=both["shared_outcome"] * scale_pct)
    title = label(metric) + (" (%)" if is_share(METRICS[metric]) else f" ({METRICS[metric].unit})")
    outcome = alt.Chart(both).mark_line(point=True, strokeWidth=3).encode(
        x=x, y=alt.Y("value:Q", title=title, scale=_outcome_scale(metric, both["value"].tolist())),
        color=alt.Color("table:N", scale=alt.Scale(domain=["Your table", OWN_KPI], range=["black", "#999999"]),
                        legend=alt.Legend(orient="bottom", title=None)),
        strokeDash=alt.StrokeDash("table:N", scale=alt.Scale(domain=["Your table", OWN_KPI],
                                                             range=[[1, 0], [5, 4]]), legend=None),
        tooltip=["table:N", "round:Q", alt.Tooltip("value:Q", format=".3g", title=label(metric))],
    ).properties(width=width, height=240, title=f"The shared outcome: {label(metric)}")
    left, right = kpis + target, outcome
    rules = _rules(switches, title)
    if rules is not None:
        left, right = left + rules, right + rules
    # each half has its own colours (departments; your table and the counterfactual)
    return alt.hconcat(left, right).resolve_scale(color="independent", strokeDash="independent")


def tables_chart(paths: pd.DataFrame, metric: str, switches=(), width: int = 420) -> alt.LayerChart:
    """The shared outcome per round of every table and of the own-KPI counterfactual, all on the same market."""
    scale_pct = 100 if is_share(METRICS[metric]) else 1
    data = paths.assign(value=paths["shared_outcome"] * scale_pct)
    chart = alt.Chart(data).mark_line(point=True, strokeWidth=2.5).encode(
        x=alt.X("round:Q", axis=alt.Axis(tickMinStep=1, format="d"), title="round"),
        y=alt.Y("value:Q", title=label(metric) + (" (%)" if scale_pct == 100 else ""),
                scale=_outcome_scale(metric, data["value"].tolist())),
        color=alt.Color("table:N", title=None, legend=alt.Legend(orient="bottom", columns=2)),
        strokeDash=alt.condition(alt.datum.table == OWN_KPI, alt.value([5, 4]), alt.value([1, 0])),
        tooltip=["table:N", "round:Q", alt.Tooltip("value:Q", format=".3g")],
    ).properties(width=width, height=260, title="Tables compared on the same market")
    rules = _rules(switches, "")
    return chart + rules if rules is not None else chart


def seeds_table(rows: dict[str, dict], metric: str) -> pd.DataFrame:
    """Each table's decisions against "every department on its own KPI", over the same 30 seeds."""
    share = is_share(METRICS[metric])
    fmt = (lambda v: f"{100 * v:+.1f} points") if share else (lambda v: f"{v:+.3g}")
    out = []
    for table, r in rows.items():
        lo, hi = r["ci_low"], r["ci_high"]
        better = r["higher_is_better"]
        if lo > 0 or hi < 0:
            verdict = "better than own KPIs" if (lo > 0) == better else "worse than own KPIs"
        else:
            verdict = "no clear difference"
        out.append({"Table": table, "Difference in " + label(metric): fmt(r["difference"]),
                    "95% interval": f"{fmt(lo)} to {fmt(hi)}", "Over seeds": r["seeds"], "Verdict": verdict})
    return pd.DataFrame(out)


def handout_html(code: str, title: str, table: int, results: pd.DataFrame, team_time: pd.DataFrame,
                 switches=(), own_kpi: pd.DataFrame | None = None, paths: pd.DataFrame | None = None,
                 seeds: dict[str, dict] | None = None, when: dt.date | None = None) -> str:
    """A self-contained HTML handout for one table: date, what each metric means, the charts (SVG), the
    decisions per round, each KPI against the shared outcome, the tables compared, and the three questions.
    Prints on A4 and reads on a phone."""
    metric = results["shared_metric"].iloc[0]
    when = when or dt.date.today()
    svg = to_image(outcome_chart(results, switches, own_kpi, width=300), "svg").decode()
    parts = [f"<h1>Workshop {html.escape(code)}, table {int(table)}: {html.escape(title)}</h1>",
             f"<p class=meta>{when:%d %B %Y} · {int(results['round'].max())} rounds of a quarter each · "
             f"results are simulated, not measured</p>", f"<blockquote>{html.escape(QUOTE)}</blockquote>"]
    if switches:
        parts.append("<p>" + "; ".join(f"<b>{html.escape(LOGIC_SWITCHES[s])}</b> from round {first + 1}"
                                       for s, first in switches) + " (the dashed red line on the charts).</p>")
    parts += ["<h2>Own KPIs and the shared outcome</h2>", f"<div class=chart>{svg}</div>",
              "<h2>What the numbers mean</h2><ul>"]
    for m in [metric, *dict.fromkeys(results["kpi"])]:
        parts.append(f"<li>{html.escape(explain(m))}</li>")
    parts.append("<li>Share of target: a department's result against its own target (100 % = met).</li></ul>")
    parts += ["<h2>Decisions per round</h2>", _html_table(decisions_table(results).reset_index()),
              "<h2>Round by round</h2>",
              _html_table(kpi_table(results).drop(columns=["Decision", "Logic"]))]
    if paths is not None and len(paths):
        chart = to_image(tables_chart(paths, metric, switches, width=320), "svg").decode()
        parts += ["<h2>Tables compared</h2>", "<p>Every table played the same market (the same seed), so the "
                  "differences come from decisions.</p>", f"<div class=chart>{chart}</div>"]
    if seeds:
        parts += ["<h2>Decisions or luck?</h2>", "<p>Each table's decisions replayed over the same 30 markets "
                  "against every department on its own KPI:</p>", _html_table(seeds_table(seeds, metric))]
    parts += ["<h2>Where the product team's time went</h2>",
              f"<div class=chart>{to_image(capacity(team_time), 'svg').decode()}</div>",
              "<h2>Three questions for your organisation</h2><ol>",
              *[f"<li>{html.escape(q)}</li>" for q in QUESTIONS], "</ol>",
              "<p class=meta>Made with alignsim.</p>"]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>alignsim workshop {html.escape(code)}</title>
<style>
@page {{ size: A4; margin: 14mm; }}
body {{ font-family: sans-serif; max-width: 190mm; margin: 1em auto; padding: 0 0.8em; line-height: 1.4; }}
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


def _html_table(frame: pd.DataFrame) -> str:
    return "<div class=scroll>" + frame.to_html(index=False, border=0, escape=True, na_rep="no data") + "</div>"
