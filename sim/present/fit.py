"""A fit of the model to an organisation's own numbers (``sim.research.calibration``), for people: each parameter
by what it means with its value in its unit, the fit's verdict in a sentence, and a chart of "your numbers" (dots)
against "the model" (its line and the band where it likely lies).
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from sim.i18n import N_, _, figure, number, percent
from sim.present import labels
from sim.present.charts import time_axis

#: The fitted parameters by what they mean (translate with ``_``), and how their values read: a weekly chance as a
#: percentage, a count as a number, a multiplier with ×.
PARAMETERS = {
    "lead_rate": (N_("How often a prospect becomes a lead (chance per week)"), "percent"),
    "close_rate": (N_("How often a lead buys, with the product fitting perfectly (chance per week)"), "percent"),
    "activation_hazard": (
        N_("How fast a new customer reaches a first success, with a perfect product (chance per week)"),
        "percent",
    ),
    "churn_activated": (N_("How often an active customer leaves (chance per week)"), "percent"),
    "contact_rate": (N_("Support contacts per active customer and week"), "number"),
    "item_size": (N_("Size of work items against the scenario's (×)"), "times"),
}
#: The series a person uploads, named for a chart's panels (translate with ``_``), and whether they are shares.
SERIES = {
    "new_customers": (N_("New customers"), False),
    "activation_30d": (N_("30-day activation"), True),
    "churned": (N_("Customers lost"), False),
    "support_contacts": (N_("Support contacts"), False),
    "leads": (N_("Leads"), False),
    "releases": (N_("Items released"), False),
}
#: Fit verdicts by the share of the data points inside the model's band (about 95% of them at a good fit).
GOOD, ROUGH = 0.8, 0.5
#: What needs saying about a fitted parameter (translate with ``_``); a parameter the numbers pin down inside its
#: search range needs no note (the column it sits in already says "fitted").
STATUS = {"weak": N_("your numbers say little about it"), "not identifiable": N_("not fitted")}
#: A fitted value within this share of its search range (log units for rates) from an end sits at that end: the
#: search stopped there, and the numbers may point beyond it.
EDGE = 0.01
EDGES = {
    "top": N_("at the top of the range tried ({low} to {high}): your numbers may point higher"),
    "bottom": N_("at the bottom of the range tried ({low} to {high}): your numbers may point lower"),
}


def series_title(code: str) -> str:
    """An uploaded series by its name, in the current language (``New customers``)."""
    return _(SERIES[code][0]) if code in SERIES else code.replace("_", " ")


def series_name(code: str) -> str:
    """An uploaded series by its name in running text, in the current language (``new customers``)."""
    return labels.in_text(series_title(code))


def parameter_name(code: str) -> str:
    """A fitted parameter by what it means, in the current language (another by its code in words)."""
    return _(PARAMETERS[code][0]) if code in PARAMETERS else code.replace("_", " ")


def parameter_value(code: str, value: float | None) -> str:
    """A fitted parameter's value in its unit: ``0.65%``, ``1.2``, ``×1.10``; "—" when undefined."""
    if value is None or not math.isfinite(float(value)):
        return "—"
    kind = PARAMETERS[code][1] if code in PARAMETERS else "number"
    if kind == "percent":
        return percent(float(value), 2)
    if kind == "times":
        return "×" + number(float(value), 2)
    return figure(float(value), 3)


def edge(code: str, value: float) -> str | None:
    """ "top" or "bottom" when a fitted value sits at that end of its search range
    (``sim.research.calibration.PARAMETERS``), else None."""
    from sim.research.calibration import PARAMETERS as SEARCHED

    searched = SEARCHED.get(code)
    if searched is None or not math.isfinite(float(value)):
        return None
    place = searched.width(searched.low, float(value))  # 0 at the bottom of the range, 1 at its top
    return "top" if place >= 1 - EDGE else "bottom" if place <= EDGE else None


def estimates(frame: pd.DataFrame) -> pd.DataFrame:
    """The fit's estimates table for people: what each parameter means, the scenario's value, the fitted one and
    where it likely lies, and a note where one is needed: the numbers say little about it, it was not fitted, or
    it sits at an end of the range the fit searched (then it reads ``≥ 1.00%``: the search stopped there)."""
    from sim.research.calibration import PARAMETERS as SEARCHED

    def bounded(code: str, value: float) -> str:  # "≥ 1.00%" at the top of the range searched, "≤ ..." at its bottom
        at = edge(code, value)
        return {"top": "≥\u00a0", "bottom": "≤\u00a0"}.get(at or "", "") + parameter_value(code, value)

    fitted, likely, notes = [], [], []
    for code, value, low, high, status in zip(
        frame["parameter"], frame["estimate"], frame["low"], frame["high"], frame["status"]
    ):
        identified = status != "not identifiable"
        fitted.append(bounded(code, value) if identified else parameter_value(code, value))
        both = identified and math.isfinite(float(low)) and math.isfinite(float(high))
        likely.append(_("{low} and {high}").format(low=bounded(code, low), high=bounded(code, high)) if both else "—")
        at = edge(code, value) if identified else None
        if at is not None:
            searched = SEARCHED[code]
            ends = dict(low=parameter_value(code, searched.low), high=parameter_value(code, searched.high))
            notes.append(_(EDGES[at]).format(**ends))
        else:
            notes.append(_(STATUS[status]) if status in STATUS else "")
    return pd.DataFrame(
        {
            _("what it means"): [parameter_name(p) for p in frame["parameter"]],
            _("before"): [parameter_value(p, v) for p, v in zip(frame["parameter"], frame["default"])],
            _("fitted"): fitted,
            _("likely between"): likely,
            _("note"): notes,
        }
    )


def verdict(quality: pd.DataFrame) -> str:
    """The fit in a sentence: how many of the person's data points lie inside the model's band, and what that
    means for the results."""
    points = int(quality["points"].sum())
    inside = float((quality["coverage"].fillna(0.0) * quality["points"]).sum())
    share = inside / points if points else float("nan")
    if not points:
        return _("Your numbers have no data points the model could be compared with.")
    fields = dict(inside=round(inside), points=points, share=percent(share, 0))
    if share >= GOOD:
        return _(
            "The model fits your numbers well: {inside} of your {points} data points ({share}) lie inside the band "
            "where the model likely lies."
        ).format(**fields)
    if share >= ROUGH:
        return _(
            "The model fits your numbers roughly: {inside} of your {points} data points ({share}) lie inside its "
            "band. Read its answers as directions, not as forecasts."
        ).format(**fields)
    return _(
        "The model does not fit your numbers well: only {inside} of your {points} data points ({share}) lie inside "
        "its band. Treat its answers for this organisation with care."
    ).format(**fields)


def panels(fit: pd.DataFrame, frequency: str = "month") -> list[alt.Chart]:
    """Your numbers (dots) against the model (its mean as a line and the band where it likely lies), one chart per
    series titled with its name; shares as percentages (for a page to lay out in columns that stack on a phone)."""
    out = []
    for series, data in fit.groupby("series", sort=False):
        name, share = SERIES.get(str(series), (str(series).replace("_", " "), False))
        fmt = ".0%" if share else ",.3~g"
        base = alt.Chart(data).encode(x=time_axis(data, "period", _("week") if frequency == "week" else _("month")))
        band = base.mark_area(opacity=0.25, color="#d95f02").encode(
            y=alt.Y("low:Q", title=None, axis=alt.Axis(format=fmt)), y2="high:Q"
        )
        line = base.mark_line(color="#d95f02").encode(y="simulated:Q")
        points = base.mark_point(filled=True, color="black").encode(
            y="observed:Q",
            tooltip=[
                alt.Tooltip("period:Q", title=_("period")),
                alt.Tooltip("observed:Q", format=fmt, title=_("your number")),
                alt.Tooltip("simulated:Q", format=fmt, title=_("the model")),
            ],
        )
        out.append((band + line + points).properties(width=240, height=150, title=_(name)))
    return out
