"""Charts: built from results, with the data they claim to show, and exportable as PNG and SVG."""

import pandas as pd
import pytest

from sim import charts, load_scenario, run_many
from sim.organisation import build_graph
from sim.runner import compare
from sim.stats import bands


@pytest.fixture(scope="module")
def ens():
    return run_many(load_scenario("b2b_activation", {"weeks": 12, "customers.population": 800}), 4)


def test_bands_are_mean_and_t_interval_per_group():
    frame = pd.DataFrame({"week": [1, 1, 1, 2, 2, 2], "v": [1.0, 2.0, 3.0, 5.0, 5.0, 5.0]})
    b = bands(frame, "v", ["week"]).set_index("week")
    assert b.loc[1, "mean"] == 2.0 and b.loc[1, "low"] == pytest.approx(2.0 - 4.302653 * 1 / 3 ** 0.5, rel=1e-5)
    assert b.loc[2, "low"] == b.loc[2, "high"] == 5.0


def test_over_time_shares_stay_within_zero_and_one(ens):
    chart = charts.over_time(ens.weekly, ["activation_rate_30d", "leads"])
    data = chart.data
    shares = data[data["metric"].str.startswith("activation")]
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
