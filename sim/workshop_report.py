"""Views of a workshop's results: the round-by-round charts and the debrief handout."""

from __future__ import annotations

import html

import altair as alt
import pandas as pd

from sim.charts import capacity, to_image


def outcome_chart(results: pd.DataFrame) -> alt.HConcatChart:
    """Each department's KPI attainment per round beside the shared outcome per round."""
    kpis = alt.Chart(results).mark_line(point=True).encode(
        x=alt.X("round:O"), y=alt.Y("kpi_attainment:Q", title="own KPI attainment", scale=alt.Scale(domain=[0, 1.5])),
        color=alt.Color("department:N", legend=alt.Legend(orient="bottom", columns=3)),
        tooltip=["round", "department", "played_by", "kpi", alt.Tooltip("kpi_value:Q", format=".3g")],
    ).properties(width=300, height=260, title="Each department's own KPI")
    shared = results.groupby("round", as_index=False).agg(shared_outcome=("shared_outcome", "first"),
                                                           logic=("logic", "first"))
    metric = results["shared_metric"].iloc[0].replace("_", " ")
    outcome = alt.Chart(shared).mark_line(point=True, color="black", strokeWidth=3).encode(
        x=alt.X("round:O"), y=alt.Y("shared_outcome:Q", title=metric, scale=alt.Scale(zero=False)),
        tooltip=["round", "logic", alt.Tooltip("shared_outcome:Q", format=".3f")],
    ).properties(width=300, height=260, title=f"The shared outcome: {metric}")
    return alt.hconcat(kpis, outcome)


def tables_chart(frames: pd.DataFrame) -> alt.Chart:
    """The shared outcome per round for several tables playing the same template."""
    data = frames.groupby(["table", "round"], as_index=False)["shared_outcome"].first()
    return alt.Chart(data).mark_line(point=True).encode(
        x="round:O", y=alt.Y("shared_outcome:Q", scale=alt.Scale(zero=False), title="shared outcome"),
        color=alt.Color("table:N", title="table"), tooltip=["table", "round", "shared_outcome"],
    ).properties(width=420, height=260, title="Tables side by side")


def handout_html(code: str, title: str, results: pd.DataFrame, team_time: pd.DataFrame) -> str:
    """A self-contained HTML handout: the charts (as SVG), the round-by-round table and the three questions."""
    svg = to_image(outcome_chart(results), "svg").decode()
    time_svg = to_image(capacity(team_time), "svg").decode()
    table = results[["round", "department", "played_by", "kpi", "kpi_value", "kpi_attainment", "shared_outcome",
                     "logic"]].round(3).to_html(index=False, border=0)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>alignsim workshop {html.escape(code)}</title>
<style>body{{font-family:sans-serif;max-width:980px;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}}</style></head><body>
<h1>Workshop {html.escape(code)}: {html.escape(title)}</h1>
<p>"We delivered everything we said we would. Why can't we see the effect?"</p>
{svg}
{time_svg}
<h2>Round by round</h2>
{table}
<h2>Three questions for your organisation</h2>
<ol><li>Do we agree on what the product is, and what value it must create for users and for the business?</li>
<li>Are teams measured and steered on outcome, or mainly on deliveries?</li>
<li>Do we have data to learn fast enough, and do we use that learning to prioritise?</li></ol>
<p><small>Made with alignsim. Results are simulated, not measured.</small></p>
</body></html>
"""
