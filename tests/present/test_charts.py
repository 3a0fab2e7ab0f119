"""Charts: built from results, with the data they claim to show, and exportable as PNG and SVG."""

import altair as alt
import pandas as pd
import pytest

from sim import load_scenario, run_many
from sim.organisation import build_graph
from sim.present import charts
from sim.present.verdict import Verdict
from sim.runner import compare
from sim.stats import bands


@pytest.fixture(scope="module")
def ens():
    return run_many(load_scenario("b2b_activation", {"weeks": 12, "customers.population": 800}), 4)


def test_bands_are_mean_and_t_interval_per_group():
    frame = pd.DataFrame({"week": [1, 1, 1, 2, 2, 2], "v": [1.0, 2.0, 3.0, 5.0, 5.0, 5.0]})
    b = bands(frame, "v", ["week"]).set_index("week")
    assert b.loc[1, "mean"] == 2.0 and b.loc[1, "low"] == pytest.approx(2.0 - 4.302653 * 1 / 3**0.5, rel=1e-5)
    assert b.loc[2, "low"] == b.loc[2, "high"] == 5.0


def test_over_time_shares_stay_within_zero_and_one(ens):
    chart = charts.over_time(ens.weekly, ["activation_rate_30d", "leads"])
    data = chart.data
    shares = data[data["metric"] == "30-day activation (share)"]  # named for people, drawn from 0 to 1
    assert len(shares)
    assert shares["low"].min() >= 0.0 and shares["high"].max() <= 1.0
    assert set(data["week"]) == set(range(1, 13))


def test_capacity_chart_averages_over_seeds(ens):
    chart = charts.capacity(ens.extra["capacity"])
    per_week = chart.data.groupby("week")["person_weeks"].sum()
    expected = ens.extra["capacity"].groupby("week")["person_weeks"].sum() / 4
    assert per_week.to_dict() == pytest.approx(expected.to_dict())


def test_organisation_chart_has_every_unit_and_edge():
    g = build_graph(load_scenario("long_approval_chain"))
    layered = charts.organisation(g).to_dict()
    names = {d["unit"] for ds in layered["datasets"].values() for d in ds if "unit" in d}
    assert names == set(g.nodes)
    edges = [d for ds in layered["datasets"].values() for d in ds if "edge" in d]
    assert len(edges) == g.number_of_edges()


@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("svg", b"<svg")])
def test_export(ens, fmt, magic):
    table = compare(ens, ens)
    data = charts.to_image(charts.differences(table, ["leads", "features_delivered"]), fmt)
    assert data.lstrip()[:4] == magic


def test_export_refuses_other_formats(ens):
    with pytest.raises(ValueError, match="png' or 'svg"):
        charts.to_image(charts.paradox(ens.summary), "gif")


def _scale(spec: dict, field: str) -> dict:
    """The colour scale of the first encoding on ``field`` in a (layered) chart spec."""
    layers = spec.get("layer", [spec])
    for layer in layers:
        color = layer.get("encoding", {}).get("color", {})
        if color.get("field") == field:
            return color["scale"]
    raise AssertionError(f"no colour on {field}")


def test_departments_keep_their_colour_whatever_else_is_in_the_run(ens):
    spec = charts.capacity(ens.extra["capacity"]).to_dict()
    scale = _scale(spec, "who")  # departments are named for people ("Sales"); their colours are the code's
    colours = dict(zip(scale["domain"], scale["range"]))
    assert colours["Sales"] == charts.REQUESTER_COLOURS["sales"]
    fewer = ens.extra["capacity"][ens.extra["capacity"]["requester"] != "marketing"]
    again = dict(zip(*_scale(charts.capacity(fewer).to_dict(), "who").values()))
    assert all(again[k] == colours[k] for k in again)
    assert charts.requester_colour("a team called x") == charts.requester_colour("a team called x")


def test_arms_have_fixed_distinct_colours_and_levels_start_at_zero(ens):
    weekly = pd.concat([ens.weekly.assign(scenario="preset"), ens.weekly.assign(scenario="edited")])
    chart = charts.over_time_panels(weekly, ["outcome_index"], by="scenario")[0].to_dict()
    scale = _scale(chart, "scenario")
    assert scale["domain"] == ["preset", "edited"] and scale["range"] == list(charts.ARM_COLOURS[:2])
    assert chart["layer"][0]["encoding"]["y"]["scale"]["zero"] is True
    assert chart["title"] == "Value created (per 100 possible)"


def test_differences_colour_by_the_one_verdict_whichever_way_is_better():
    table = pd.DataFrame(
        {
            "mean_a": [10.0, 10.0, 10.0],
            "mean_b": [8.0, 8.0, 10.1],
            "difference": [-2.0, -2.0, 0.1],
            "ci_low": [-3.0, -3.0, -0.5],
            "ci_high": [-1.0, -1.0, 0.7],
            "effect_size": [1.0, 1.0, 0.1],
        },
        index=pd.Index(["lead_time_weeks", "features_delivered", "leads"], name="metric"),
    )
    chart = charts.differences(table, list(table.index))
    data = chart.to_dict()["datasets"]
    rows = {r["metric"]: r["verdict"] for ds in data.values() for r in ds if "verdict" in r}
    # fewer items released is less output, not worse: more output is not better for customers by itself
    assert rows == {"lead_time_weeks": "better", "features_delivered": "less output", "leads": "not distinguishable"}
    spec = chart.to_dict()
    scale = dict(zip(*_scale(spec, "verdict").values()))
    assert scale["better"] == Verdict.BETTER.colour and scale["less output"] == Verdict.LESS_OUTPUT.colour


def test_the_organisation_graph_has_a_legend_for_every_colour_and_size():
    spec = charts.organisation(build_graph(load_scenario("b2b_activation"))).to_dict()
    encodings = [layer.get("encoding", {}) for layer in spec["layer"]]
    legends = [e[ch] for e in encodings for ch in ("color", "size", "strokeWidth") if ch in e and "field" in e[ch]]
    assert {lg["field"] for lg in legends} == {"kind", "alignment", "influence", "load"}
    assert all(lg.get("title") for lg in legends)
    # the outline's legend only when there is team time to show (Your organisation's graph has no run behind it)
    outline = next(lg for lg in legends if lg["field"] == "load")
    assert outline["legend"] is None
    g = build_graph(load_scenario("b2b_activation"))
    loaded = charts.organisation(g, {"sales": 12.0}).to_dict()
    assert (
        next(
            layer["encoding"]["strokeWidth"] for layer in loaded["layer"] if "strokeWidth" in layer.get("encoding", {})
        )["legend"]["orient"]
        == "bottom"
    )


def test_charts_in_danish_name_things_in_danish_and_write_decimal_commas():
    from sim import i18n

    g = build_graph(load_scenario("b2b_activation"))
    with i18n.language("da"):
        spec = charts.in_locale(charts.organisation(g)).to_dict()
    assert spec["config"]["locale"]["number"]["decimal"] == ","  # axes and legends: 0,5
    names = {d["name"] for ds in spec["datasets"].values() for d in ds if "name" in d}
    assert {"Salg", "Juridisk afdeling", "Økonomi", "Data og analyse", "Produktteam"} <= names and "sales" not in names
    kinds = next(
        layer["encoding"]["color"]["scale"]["domain"]
        for layer in spec["layer"]
        if layer["encoding"].get("color", {}).get("field") == "kind"
    )
    assert kinds == ["bestillinger", "godkendelse", "afhængighed"]
    english = charts.in_locale(charts.organisation(g)).to_dict()
    assert "locale" not in english.get("config", {})  # Vega's own English format


def test_where_the_team_time_went_names_who_asked_in_the_language(ens):
    from sim.i18n import language

    with language("da"):
        spec = charts.capacity(ens.extra["capacity"]).to_dict()
    domain = _scale(spec, "who")["domain"]
    assert "Salg" in domain and "Eksperimenter" in domain and "sales" not in domain
    assert "Produktteam" in domain and "core" not in domain  # the default team by what it is


def _scene_items(scene, marktype: str) -> list[dict]:
    """The drawn items of one mark type in the chart's layers (vl-convert's scenegraph: what Vega draws)."""
    found: list[dict] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("marktype") == marktype and str(node.get("name", "")).startswith("layer"):
                found.extend(node["items"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(scene)
    return found


def _name_boxes_and_dots(chart, width: int):
    """Each unit's name as the box it takes on screen, as Vega lays out a text (its first line placed by its
    baseline, further lines below it, each ``lineHeight`` lower; a sans-serif letter at most 0.6 of the font size
    wide), and each dot as a circle (its outline included), in the chart's own pixels as the app draws it in a
    column ``width`` pixels wide (Streamlit fits the whole chart, legends included, into its width and height);
    and the chart's left and right edges in the same pixels."""
    import math

    import vl_convert as vlc

    fitted = chart.properties(width=width, autosize=alt.AutoSizeParams(type="fit", contains="padding"))
    scene = vlc.vegalite_to_scenegraph(fitted.to_json())
    boxes = []
    for t in _scene_items(scene, "text"):
        lines, size = str(t["text"]).split("\n"), t["fontSize"]
        w = max(map(len, lines)) * size * 0.6
        h = size + t.get("lineHeight", size + 2) * (len(lines) - 1)
        x = t["x"] + t.get("dx", 0)
        first = {"top": 0.79, "middle": 0.30, "bottom": -0.21}[t["baseline"]] * size  # the first line's baseline
        y0 = t["y"] + t.get("dy", 0) + first - 0.8 * size
        x0 = {"left": x, "right": x - w}.get(t["align"], x - w / 2)
        boxes.append((t["text"], x0, y0, x0 + w, y0 + h))
    dots = [
        (d["x"], d["y"], math.sqrt(d["size"] / math.pi) + d["strokeWidth"] / 2) for d in _scene_items(scene, "symbol")
    ]
    return boxes, dots, (-scene["origin"][0], scene["width"] - scene["origin"][0])


@pytest.mark.parametrize("lang", ["en", "da"])
@pytest.mark.parametrize("width", [358, 824])  # the page's column on a phone (390 px) and on a 1400 px screen
@pytest.mark.parametrize("preset", ["b2b_activation", "own_org"])
def test_organisation_names_cover_no_dot_and_no_other_name(lang, width, preset):
    """Issue 24: on a phone the names sat on their dots and ran into each other. Each name now sits outside its
    dot, away from the middle, a word a line on a phone; checked on what Vega draws."""
    from pathlib import Path

    from sim.i18n import language
    from sim.input import orgsheet

    if preset == "own_org":
        example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "own_org.xlsx"
        scenario = orgsheet.import_file(example.read_bytes(), "own_org.xlsx").scenario
    else:
        scenario = load_scenario(preset)
    g = build_graph(scenario)
    load = {unit: 10.0 * i for i, unit in enumerate(g.nodes)}  # outlines from thin to the thickest
    with language(lang):
        boxes, dots, (left, right) = _name_boxes_and_dots(charts.organisation(g, load), width)
    assert len(boxes) == len(dots) == g.number_of_nodes()
    clashes = []
    for i, (name, x0, y0, x1, y1) in enumerate(boxes):
        if x0 < left or x1 > right:
            clashes.append((name, "cut at the side"))
        for other in boxes[i + 1 :]:
            if x0 < other[3] and other[1] < x1 and y0 < other[4] and other[2] < y1:
                clashes.append((name, other[0]))
        for cx, cy, r in dots:
            nearest_x, nearest_y = min(max(cx, x0), x1), min(max(cy, y0), y1)
            if (nearest_x - cx) ** 2 + (nearest_y - cy) ** 2 < r * r:
                clashes.append((name, "a dot"))
    assert clashes == []
    if width < charts.NARROW:  # a word a line on a phone
        assert any("\n" in b[0] for b in boxes)


def test_charts_over_time_end_at_the_horizon(ens):
    """Issue 24: Vega's "nice" rounding ran a 52-week run's axis to 55 on a phone. Every chart over time runs from
    the first week to the last, the horizon (12 weeks here), and no further."""
    from sim.present import fit

    specs = [panel.to_dict() for panel in charts.over_time_panels(ens.weekly, ["activation_rate_30d", "revenue"])]
    specs.append(charts.capacity(ens.extra["capacity"]).to_dict())
    specs.append(charts.over_time(ens.weekly, ["leads"]).to_dict()["spec"])
    observed = pd.DataFrame(
        {"series": "leads", "period": range(1, 13), "observed": 1.0, "simulated": 1.0, "low": 0.5, "high": 1.5}
    )
    specs.extend(panel.to_dict() for panel in fit.panels(observed))
    for spec in specs:
        layers = spec.get("layer", [spec])
        x = next(layer["encoding"]["x"] for layer in layers if "x" in layer.get("encoding", {}))
        assert x["scale"]["domain"] == [1, 12] and x["scale"]["nice"] is False
