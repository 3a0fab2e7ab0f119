"""Altair charts of results: metrics over time with uncertainty bands, the delivery paradox, where the team's time
went, differences between scenarios, and the organisation graph. Charts only read results; they run nothing.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar, cast

import altair as alt
import networkx as nx
import pandas as pd

from sim import i18n
from sim.i18n import N_, _
from sim.metrics import METRICS
from sim.present import labels, verdict
from sim.stats import bands

#: Any finished Altair chart (a chart, a layer, a facet, a concatenation).
ChartT = TypeVar("ChartT", bound=Any)

WIDTH = 320
HEIGHT = 200
# Streamlit fits a whole chart (axes, legend, title) into its height, so layouts leave room for them. In the app
# charts stretch to their container's width (``st.altair_chart(..., width="stretch")``); the numbers here are the
# widths of exported images.

#: Fixed colours, the same on screen and in PNG/SVG exports: the reference arm (preset, A) neutral, the edited arm
#: (or B) strong, so the two can never be confused.
ARM_COLOURS = ("#7f7f7f", "#d95f02", "#1b9e77", "#7570b3")
#: Each department (and team, and experiments) keeps its colour in every chart and run.
REQUESTER_COLOURS = {
    "leadership": "#4e79a7",
    "sales": "#f28e2b",
    "marketing": "#e15759",
    "customer_success": "#76b7b2",
    "customer_support": "#59a14f",
    "finance": "#edc948",
    "legal": "#b07aa1",
    "ux_design": "#ff9da7",
    "data_analytics": "#9c755f",
    "hr": "#bab0ac",
    "experiments": "#17becf",
}
_SPARE = ("#1f77b4", "#aec7e8", "#98df8a", "#c5b0d5", "#c49c94", "#dbdb8d", "#9edae5", "#393b79", "#637939")


def requester_colour(name: str) -> str:
    """The fixed colour of a department, team or other requester of team time (stable across runs and processes:
    unknown names get a spare colour chosen from their characters, not from Python's salted hash)."""
    if name in REQUESTER_COLOURS:
        return REQUESTER_COLOURS[name]
    return _SPARE[sum(map(ord, name)) % len(_SPARE)]


def in_locale(chart: ChartT) -> ChartT:
    """A finished chart with the current language's number format on its axes and tooltips (``0,5`` and
    ``1.234`` in Danish; ``sim.i18n.vega_locale``); English charts are returned as they are."""
    number_format = i18n.vega_locale()
    return cast(ChartT, chart.configure(locale=number_format)) if number_format else chart


def arm_scale(arms: list[str]) -> alt.Scale:
    """Colours of the arms of a comparison in their order (reference first)."""
    return alt.Scale(domain=list(arms), range=[ARM_COLOURS[i % len(ARM_COLOURS)] for i in range(len(arms))])


def _arms(frame: pd.DataFrame, by: str) -> list[str]:
    return list(dict.fromkeys(frame[by].astype(str)))


def _title(metric: str, registry: dict | None = None) -> str:
    if registry is None:
        return labels.title(metric)
    if metric in labels.LABELS:  # its name and unit for people
        # a facet's axis cannot be a percentage of its own: a share is drawn as a share (0 to 1) and said so
        share = labels.label(metric).unit == "share"
        return _("{name} (share)").format(name=labels.name(metric)) if share else labels.title(metric)
    m = registry.get(metric)
    return f"{metric.replace('_', ' ')} ({m.unit})" if m else metric.replace("_", " ")


def time_axis(frame: pd.DataFrame, time: str = "week", title: str | None = None) -> alt.X:
    """The time axis of a chart over time: from the first step to the last, the horizon (Vega's "nice" rounding
    ran a 52-week run's axis to 55), titled ``title`` or the step's name in the current language."""
    steps = frame[time]
    domain = [int(steps.min()), int(steps.max())]
    return alt.X(f"{time}:Q", title=title or _(time), scale=alt.Scale(domain=domain, nice=False, zero=False))


def hold_last(series: pd.DataFrame, time: str, by: str | None = None) -> pd.DataFrame:
    """Runs that ended early (e.g. at equilibrium) keep their last values up to the longest run's end, so that
    means over seeds compare like with like at every time step."""
    end = int(series[time].max())
    keys = [*([by] if by else []), "seed"]
    frames = []
    for key, run in series.groupby(keys, sort=False):
        full = run.set_index(time).reindex(range(int(run[time].min()), end + 1)).ffill()
        frames.append(full.rename_axis(time).reset_index().assign(**dict(zip(keys, key))))
    return pd.concat(frames, ignore_index=True)


def over_time(
    weekly: pd.DataFrame, metrics: list[str], by: str | None = None, time: str = "week", registry: dict | None = None
) -> alt.Chart:
    """Each metric's mean over seeds per time step with its 95% band; one line per ``by`` value (e.g. scenario).
    ``registry`` names the metrics' units (default: the alignment model's)."""
    registry = registry or METRICS
    keys = [time] + ([by] if by else [])
    frames = []
    for name in metrics:
        band = bands(weekly, name, keys).assign(metric=_title(name, registry))
        if name in registry and registry[name].unit == "share":  # a share's band stays within [0, 1]
            band[["low", "high"]] = band[["low", "high"]].clip(0.0, 1.0)
        frames.append(band)
    data = pd.concat(frames, ignore_index=True)
    color = (
        alt.Color(f"{by}:N", title=None, scale=arm_scale(_arms(weekly, by)), legend=alt.Legend(orient="bottom"))
        if by
        else alt.value(ARM_COLOURS[1])
    )
    # Levels (stocks, shares, rates) are drawn from zero, so a small move looks small; a change may go below zero.
    zero = all(registry.get(m) is None or registry[m].agg != "change" for m in metrics) if registry else True
    base = alt.Chart(data).encode(x=time_axis(data, time))
    band = base.mark_area(opacity=0.25).encode(
        y=alt.Y("low:Q", title=None, scale=alt.Scale(zero=zero)), y2="high:Q", color=color
    )
    line = base.mark_line().encode(
        y=alt.Y("mean:Q", title=None, scale=alt.Scale(zero=zero)),
        color=color,
        tooltip=[
            *keys,
            alt.Tooltip("mean:Q", format=".3f"),
            alt.Tooltip("low:Q", format=".3f"),
            alt.Tooltip("high:Q", format=".3f"),
        ],
    )
    return (
        (band + line)
        .properties(width=WIDTH, height=HEIGHT)
        .facet(facet=alt.Facet("metric:N", title=None, sort=[_title(m, registry) for m in metrics]), columns=2)
        .resolve_scale(y="independent")
    )


def over_time_panels(
    weekly: pd.DataFrame, metrics: list[str], by: str | None = None, time: str = "week"
) -> list[alt.Chart]:
    """One chart per metric or series, for a page to lay out in columns that stack on a phone and stretch to their
    width: mean over seeds with the band where it likely lies (95%), from a zero baseline (a change may go below),
    percentages for shares, titled with the name and unit."""
    keys = [time] + ([by] if by else [])
    arms = _arms(weekly, by) if by else []
    out = []
    for metric in metrics:
        band = bands(weekly, metric, keys)
        share = labels.label(metric).unit == "share"
        if share:
            band[["low", "high"]] = band[["low", "high"]].clip(0.0, 1.0)
        fmt = ".0%" if share else ",.3~g"
        color = (
            alt.Color(f"{by}:N", title=None, scale=arm_scale(arms), legend=alt.Legend(orient="top"))
            if by
            else alt.value(ARM_COLOURS[1])
        )
        spec = labels.metric_spec(metric)
        zero = getattr(spec, "agg", "") != "change"
        y = alt.Scale(zero=zero)
        base = alt.Chart(band).encode(x=time_axis(band, time))
        area = base.mark_area(opacity=0.25).encode(
            y=alt.Y("low:Q", title=None, scale=y, axis=alt.Axis(format=fmt)), y2="high:Q", color=color
        )
        line = base.mark_line().encode(
            y=alt.Y("mean:Q", scale=y),
            color=color,
            tooltip=[
                *keys,
                alt.Tooltip("mean:Q", format=fmt, title=_("mean")),
                alt.Tooltip("low:Q", format=fmt, title=_("likely from")),
                alt.Tooltip("high:Q", format=fmt, title=_("likely to")),
            ],
        )
        out.append((area + line).properties(width=WIDTH, height=HEIGHT + 140, title=labels.title(metric)))
    return out


def effect(
    runs: pd.DataFrame, x: str, metric: str, by: str | None = None, registry: dict | None = None, title: str = ""
) -> alt.Chart:
    """A summary metric's mean over seeds (with its 95% band) against a parameter, one line per ``by`` value."""
    keys = [x] + ([by] if by else [])
    data = bands(runs, metric, keys)
    if by:
        data[by] = data[by].astype(str)
    color = alt.Color(f"{by}:N", title=by, legend=alt.Legend(orient="bottom")) if by else alt.value("#1f77b4")
    base = alt.Chart(data).encode(x=alt.X(f"{x}:Q", title=x, scale=alt.Scale(zero=False)))
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("low:Q", title=_title(metric, registry), scale=alt.Scale(zero=False)), y2="high:Q", color=color
    )
    line = base.mark_line(point=True).encode(
        y="mean:Q",
        color=color,
        tooltip=[
            *keys,
            alt.Tooltip("mean:Q", format=".3f", title=_("mean")),
            alt.Tooltip("low:Q", format=".3f", title=_("95% low")),
            alt.Tooltip("high:Q", format=".3f", title=_("95% high")),
            alt.Tooltip("count:Q", title=_("runs")),
        ],
    )
    return (band + line).properties(width=WIDTH * 1.6, height=HEIGHT + 80, title=title)


def paradox(summary: pd.DataFrame, by: str | None = None) -> alt.Chart:
    """The delivery paradox: output attainment (x) against outcome change (y), one point per seed."""
    color = (
        alt.Color(f"{by}:N", title=None, scale=arm_scale(_arms(summary, by)), legend=alt.Legend(orient="bottom"))
        if by
        else alt.value(ARM_COLOURS[1])
    )
    points = (
        alt.Chart(summary)
        .mark_circle(size=70, opacity=0.7)
        .encode(
            x=alt.X(
                "output_attainment:Q",
                title=labels.name("output_attainment"),
                scale=alt.Scale(zero=False),
                axis=alt.Axis(format=".0%"),
            ),
            # the long axis title reads across, above the axis, so a phone's short axis never cuts it
            y=alt.Y(
                "outcome_change:Q",
                title=labels.title("outcome_change"),
                axis=alt.Axis(titleAngle=0, titleAlign="left", titleAnchor="end", titleX=-40, titleY=-14),
            ),
            color=color,
            tooltip=[
                "seed",
                alt.Tooltip("output_attainment:Q", format=".0%", title=labels.name("output_attainment")),
                alt.Tooltip("outcome_change:Q", format=".2f", title=labels.name("outcome_change")),
            ]
            + ([by] if by else []),
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4], color="grey").encode(y="y:Q")
    return (zero + points).properties(
        width=WIDTH + 120, height=HEIGHT + 160, title=_("We delivered everything we said. Why no effect?")
    )


def requester_name(requester: str) -> str:
    """Who asked for team work, for people in the current language: a department's name, "Experiments", or a
    team's name (``sim.present.levers.department_name``)."""
    from sim.present.levers import department_name

    return department_name(requester)


def capacity(capacity_long: pd.DataFrame, by: str = "requester") -> alt.Chart:
    """Where the team's time went: mean person-weeks per week, stacked by who asked for it (``by="requester"``:
    each department keeps its colour) or by kind of work (``by="kind"``)."""
    seeds = capacity_long["seed"].nunique() if "seed" in capacity_long else 1
    data = capacity_long.groupby(["week", by], as_index=False)["person_weeks"].sum()
    data["person_weeks"] = data["person_weeks"] / max(seeds, 1)
    who = sorted(data[by].unique())
    if by == "kind":
        names = {w: labels.kind_name(w) for w in who}
        scale = alt.Scale(domain=[names[w] for w in who], scheme="tableau20")
        legend_title = _("kind of work")
    else:
        names = {w: requester_name(w) for w in who}  # departments and experiments by their names for people
        scale = alt.Scale(domain=[names[w] for w in who], range=[requester_colour(w) for w in who])
        legend_title = _("requested by")
    data["who"] = data[by].map(names)
    rows = (len(who) + 1) // 2  # the legend's rows below the chart (two columns fit a phone)
    return (
        alt.Chart(data)
        .mark_area()
        .encode(
            x=time_axis(data, "week"),
            y=alt.Y("person_weeks:Q", stack="zero", title=_("person-weeks per week")),
            color=alt.Color(
                "who:N",
                title=legend_title,
                scale=scale,
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=180),
            ),
            order=alt.Order(f"{by}:N"),
            tooltip=[
                alt.Tooltip("week:Q", title=_("week")),
                alt.Tooltip("who:N", title=legend_title),
                alt.Tooltip("person_weeks:Q", format=".2f", title=_("person-weeks per week")),
            ],
        )
        .properties(width=WIDTH * 2, height=HEIGHT + 60 + 22 * rows, title=_("Where did the team's time go?"))
    )


def for_export(chart: alt.TopLevelMixin, title: str, scenario: str) -> alt.TopLevelMixin:
    """A chart as it leaves the app (an image, the board page): its title and, under it, the scenario's name."""
    return chart.properties(title=alt.TitleParams(title, subtitle=[scenario], anchor="start"))


def stacked(panels: list[alt.Chart]) -> alt.VConcatChart:
    """Panels one under another (an exported image of several metrics, each with its own axis and unit)."""
    return alt.vconcat(*panels).resolve_scale(color="shared")


def differences(table: pd.DataFrame, metrics: list[str], title: str = "", compact: bool = False) -> alt.Chart:
    """Paired differences B − A with where they likely lie (95% intervals), each metric on its own scale (relative
    to |mean A|), coloured by the verdict (``sim.present.verdict``: better, worse, more or less output, not
    distinguishable from the noise), which the tooltip also says in words."""
    rows = table.loc[[m for m in metrics if m in table.index]].reset_index()
    scale = rows["mean_a"].abs().where(rows["mean_a"].abs() > 1e-9, 1.0)
    rows = rows.assign(rel=rows["difference"] / scale, lo=rows["ci_low"] / scale, hi=rows["ci_high"] / scale)
    rows["verdict"] = [verdict.of_row(m, row).text for m, row in zip(rows["metric"], rows.to_dict("records"))]
    rows["name"] = rows["metric"].map(labels.name)
    rows["shown"] = [
        labels.difference(m, d, labels.digits_for(m, d, lo, hi))
        for m, d, lo, hi in zip(rows["metric"], rows["difference"], rows["ci_low"], rows["ci_high"])
    ]
    rows["ci"] = [
        labels.interval(m, d, lo, hi)
        for m, d, lo, hi in zip(rows["metric"], rows["difference"], rows["ci_low"], rows["ci_high"])
    ]
    order = [labels.name(m) for m in rows["metric"]]
    base = alt.Chart(rows).encode(y=alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)))
    color = alt.Color(
        "verdict:N",
        title=None,
        # one line on a printed page; one verdict a line on screen, where a phone is narrow
        legend=alt.Legend(orient="bottom", direction="horizontal", columns=5 if compact else 1, labelLimit=200),
        scale=alt.Scale(domain=[v.text for v in verdict.ORDER], range=[v.colour for v in verdict.ORDER]),
    )
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("lo:Q", title=_("difference B − A, relative to A"), axis=alt.Axis(format="%", tickCount=5)),
        x2="hi:Q",
        color=color,
    )
    dots = base.mark_point(filled=True, size=60).encode(
        x="rel:Q",
        color=color,
        tooltip=[
            alt.Tooltip("name:N", title=_("metric")),
            alt.Tooltip("shown:N", title=_("difference")),
            alt.Tooltip("ci:N", title=_("likely between")),
            alt.Tooltip("verdict:N", title=_("verdict")),
        ],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="black").encode(x="x:Q")
    # the height holds the rows, the axis and the legend (Streamlit fits the whole chart into it); a printed page
    # (the board's) packs the rows tighter and its legend into one line
    height = 26 * len(rows) + 100 if compact else 34 * len(rows) + 190
    return (zero + bars + dots).properties(width=WIDTH * 1.6, height=height, title=title)


def layout(g: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Teams in the middle, departments around them on a circle of radius 1 (deterministic; networkx puts the
    outer circle at 0.5 when a single team sits in the middle)."""
    teams = [n for n, u in g.nodes(data="unit") if u == "team"]
    others = [n for n in g.nodes if n not in teams]
    pos = {n: (float(x), float(y)) for n, (x, y) in nx.shell_layout(g, [teams, others]).items()}
    outer = max((math.hypot(x, y) for x, y in pos.values()), default=0.0) or 1.0
    return {n: (x / outer, y / outer) for n, (x, y) in pos.items()}


#: The organisation graph's kinds of line, as people read them.
EDGE_KINDS = {"requests": N_("requests"), "approval": N_("approval"), "dependency": N_("dependency")}
#: The organisation graph's dot areas (square pixels) for a unit whose demands weigh nothing and everything.
NODE_SIZES = (80, 1400)
#: The widest outline of a dot (pixels), for the unit whose demands used the most team time.
NODE_OUTLINE = 6.0
#: Below this width (pixels) the organisation graph is on a phone: smaller names, in two lines where they have
#: several words, each line this many pixels below the last (Vega writes a name's further lines below its first,
#: whatever its baseline).
NARROW = 480
NARROW_TYPE, NARROW_LINE = 10, 12


def node_label(name: str, x: float, y: float, influence: float) -> dict[str, Any]:
    """Where a unit's name goes in the organisation graph: just outside its dot, on the side away from the middle
    (a unit on the left is named to its left, one at the top above it, the one in the middle below it), so that a
    name never covers its dot or points into the circle of units. ``dx``/``dy``: pixels from the dot's centre to
    the name's anchor; ``align``/``baseline``: which corner of the name sits there."""
    angle = math.atan2(y, x) if abs(x) + abs(y) > 1e-9 else -math.pi / 2
    area = NODE_SIZES[0] + (NODE_SIZES[1] - NODE_SIZES[0]) * min(max(influence, 0.0), 1.0)
    reach = math.sqrt(area / math.pi) + NODE_OUTLINE / 2 + 3  # the dot's radius, its outline and a gap
    cos, sin = math.cos(angle), math.sin(angle)
    baseline = "bottom" if sin > 0.25 else "top" if sin < -0.25 else "middle"
    short = two_lines(name)  # on a phone, so that neighbours do not collide
    # Vega writes further lines below the first: a name above its dot starts its first line higher, one beside it
    # half as much
    up = {"bottom": 1.0, "middle": 0.5, "top": 0.0}[baseline] * short.count("\n") * NARROW_LINE
    return {
        "dx": round(cos * reach, 2),
        "dy": round(-sin * reach, 2),  # screen y grows downwards
        "dy_narrow": round(-sin * reach - up, 2),
        "align": "left" if cos > 0.25 else "right" if cos < -0.25 else "center",
        "baseline": baseline,
        "short": short,
    }


def two_lines(name: str) -> str:
    """A name of several words on two lines as even as can be (``Data &\nAnalytics``); one word as it is."""
    words = name.split(" ")
    if len(words) < 2:
        return name
    cut = min(range(1, len(words)), key=lambda i: max(len(" ".join(words[:i])), len(" ".join(words[i:]))))
    return " ".join(words[:cut]) + "\n" + " ".join(words[cut:])


def organisation(g: nx.DiGraph, load: dict[str, float] | None = None) -> alt.Chart:
    """The organisation graph: edges by kind; nodes sized by influence, coloured by alignment, and outlined by
    load (the team time a unit's demands used); each unit named outside its dot, away from the middle
    (``node_label``), a word a line on a phone. Two legends above and two below, so each row fits a phone."""
    from sim.present.levers import department_name

    pos = layout(g)
    load = load or {}
    rows = []
    for n, d in g.nodes(data=True):
        name = department_name(n)
        rows.append(
            {
                "unit": n,
                "name": name,
                "x": pos[n][0],
                "y": pos[n][1],
                "type": d["unit"],
                "influence": d["influence"],
                "alignment": d["alignment"],
                "kpi": labels.name(d["kpi"]) if d["kpi"] else "",
                "load": round(load.get(n, 0.0), 2),
                **node_label(name, pos[n][0], pos[n][1], d["influence"]),
            }
        )
    nodes = pd.DataFrame(rows)
    edges = pd.DataFrame(
        [
            {
                "kind": _(EDGE_KINDS[k]) if k in EDGE_KINDS else k,
                "x": pos[u][0],
                "y": pos[u][1],
                "x2": pos[v][0],
                "y2": pos[v][1],
                "edge": f"{department_name(u)} → {department_name(v)}",
            }
            for u, v, k in g.edges(data="kind")
        ]
    )
    axis = alt.Axis(labels=False, ticks=False, grid=False, title=None, domain=False)
    # room around the circle of units for the names outside it (shell_layout spans [-1, 1]): more at the sides,
    # where a name runs outwards, than above and below
    x_scale, y_scale = alt.Scale(domain=[-2.1, 2.1]), alt.Scale(domain=[-1.3, 1.3])
    lines = (
        alt.Chart(edges)
        .mark_rule(strokeWidth=2, opacity=0.6)
        .encode(
            x=alt.X("x:Q", axis=axis, scale=x_scale),
            y=alt.Y("y:Q", axis=axis, scale=y_scale),
            x2="x2:Q",
            y2="y2:Q",
            color=alt.Color(
                "kind:N",
                title=_("lines"),
                scale=alt.Scale(domain=[_(k) for k in EDGE_KINDS.values()], range=["#9ecae1", "#d62728", "#2ca02c"]),
                legend=alt.Legend(orient="top", direction="vertical"),
            ),
            tooltip=[alt.Tooltip("edge:N", title=_("line")), alt.Tooltip("kind:N", title=_("lines"))],
        )
    )
    dots = (
        alt.Chart(nodes)
        .mark_circle(stroke="black", opacity=0.95)
        .encode(
            x="x:Q",
            y="y:Q",
            strokeWidth=alt.StrokeWidth(
                "load:Q",
                scale=alt.Scale(range=[0.5, NODE_OUTLINE]),
                title=two_lines(_("outline: team time used (person-weeks)")).split("\n"),  # fits beside the sizes
                # no legend without a run (Your organisation's graph): every outline the same, "0.000000"
                legend=alt.Legend(orient="bottom", direction="vertical", titleLimit=260)
                if any(load.values())
                else None,
            ),
            size=alt.Size(
                "influence:Q",
                scale=alt.Scale(domain=[0, 1], range=list(NODE_SIZES)),
                title=two_lines(_("size: weight of its demands")).split("\n"),
                legend=alt.Legend(
                    orient="bottom",
                    direction="vertical",
                    values=[0.25, 0.5, 1.0],
                    symbolLimit=0,
                    format=".0%",
                    titleLimit=260,
                ),
            ),
            color=alt.Color(
                "alignment:Q",
                scale=alt.Scale(domain=[0, 1], scheme="redyellowgreen"),
                title=_("colour: weight on the shared goal"),
                legend=alt.Legend(
                    orient="top", direction="horizontal", gradientLength=120, format=".0%", titleLimit=320
                ),
            ),
            tooltip=[
                alt.Tooltip("name:N", title=_("unit")),
                alt.Tooltip("kpi:N", title=_("KPI")),
                alt.Tooltip("influence:Q", title=_("weight of its demands"), format=".0%"),
                alt.Tooltip("alignment:Q", title=_("weight on the shared goal"), format=".0%"),
                alt.Tooltip("load:Q", title=_("team time used")),
            ],
        )
    )
    names = (
        alt.Chart(nodes)
        .transform_calculate(shown=f"width < {NARROW} ? datum.short : datum.name")
        .mark_text(
            fontSize=alt.expr(f"width < {NARROW} ? {NARROW_TYPE} : 11"),
            lineHeight=NARROW_LINE,
            lineBreak="\n",
            dx=alt.expr("datum.dx"),
            dy=alt.expr(f"width < {NARROW} ? datum.dy_narrow : datum.dy"),
            align=alt.expr("datum.align"),
            baseline=alt.expr("datum.baseline"),
        )
        .encode(x="x:Q", y="y:Q", text="shown:N")
    )
    return (lines + dots + names).properties(width=640, height=620)


def to_image(chart: alt.TopLevelMixin, fmt: str) -> bytes:
    """A chart as PNG or SVG bytes (rendered locally by vl-convert)."""
    import vl_convert as vlc

    spec = chart.to_json()
    if fmt == "png":
        return vlc.vegalite_to_png(spec, scale=2)
    if fmt == "svg":
        return vlc.vegalite_to_svg(spec).encode()
    raise ValueError(f"format must be 'png' or 'svg', got {fmt!r}")


VERDICT_COLOURS = {"holds": "#1b7837", "vanishes": "#bdbdbd", "reverses": "#c51b7d"}


def claim_map(frame: pd.DataFrame) -> alt.FacetChart:
    """Where each claim holds: its headline effect over folk wisdom x KPI proxy quality, coloured by verdict."""
    data = frame[frame["axis"] == "assumptions"].copy()
    data["kpi_proxy"] = data["kpi_proxy"].map(lambda p: "scenario's own" if pd.isna(p) else f"all {p:g}")
    data["label"] = data["difference"].map(lambda v: f"{v:+.3g}")
    base = alt.Chart(data).encode(
        x=alt.X("folk_wisdom:O", title="folk wisdom", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("kpi_proxy:N", title="KPI proxy quality", sort=["scenario's own", "all 0.5", "all 1"]),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "verdict:N",
            scale=alt.Scale(domain=list(VERDICT_COLOURS), range=list(VERDICT_COLOURS.values())),
            title="the claim",
        ),
        tooltip=["claim", "metric", "difference", "ci_low", "ci_high", "verdict"],
    )
    text = base.mark_text(fontSize=10).encode(
        text="label:N", color=alt.condition(alt.datum.verdict == "vanishes", alt.value("black"), alt.value("white"))
    )
    return (
        alt.layer(cells, text)
        .properties(width=150, height=90)
        .facet(facet=alt.Facet("claim:N", title=None), columns=4)
        .properties(
            title=alt.TitleParams(
                "Each claim's headline difference (B - A) across the named assumptions",
                subtitle="folk wisdom: how right the organisation's beliefs are; KPI proxy quality: "
                "what the work each KPI asks for is worth to customers",
            )
        )
    )
