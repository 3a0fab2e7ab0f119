"""The one verdict (better / worse / more output / less output / not distinguishable) and every view that shows
it: the answer in words, the app's metric tiles (arrow and colour), the Compare chart and table, the CLI's human
table and the workshop debrief agree for every metric, outcome and output, higher and lower better, rises and
falls, clear or within the noise."""

import itertools

import pandas as pd
import pytest

from sim.i18n import language
from sim.metrics import METRICS
from sim.present import answer, charts, verdict
from sim.present.verdict import Verdict, judge

#: A difference's cases: (difference, low, high) for a clear rise, a clear fall, and a rise within the noise.
CASES = {"rise": (2.0, 1.0, 3.0), "fall": (-2.0, -3.0, -1.0), "noise": (0.5, -1.0, 2.0)}


def _expected(metric: str, case: str) -> Verdict:
    """What each case must read as, written from the metric's registry entry, not from the verdict's code."""
    m = METRICS[metric]
    if case == "noise":
        return Verdict.UNCLEAR
    rises = case == "rise"
    if m.kind == "output":
        return Verdict.MORE_OUTPUT if rises else Verdict.LESS_OUTPUT
    return Verdict.BETTER if rises == (m.better == "higher") else Verdict.WORSE


def _table(metrics: list[str], case: str) -> pd.DataFrame:
    d, low, high = CASES[case]
    return pd.DataFrame(
        {
            "mean_a": [10.0] * len(metrics),
            "mean_b": [10.0 + d] * len(metrics),
            "difference": [d] * len(metrics),
            "ci_low": [low] * len(metrics),
            "ci_high": [high] * len(metrics),
            "effect_size": [1.0] * len(metrics),
            "pairs": [20] * len(metrics),
        },
        index=pd.Index(metrics, name="metric"),
    )


def test_the_registry_covers_every_kind_and_direction():
    """The agreement test below is only as good as its metrics: outcome and output, higher and lower better."""
    kinds = {(m.kind, m.better) for m in METRICS.values()}
    assert {("outcome", "higher"), ("outcome", "lower"), ("output", "higher"), ("organisation", "lower")} <= kinds


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("lang", ["en", "da"])
def test_every_view_agrees_on_every_metric(case, lang):
    from sim.cli.common import human_table
    from sim.workshop.report import seeds_table
    from ui.comparison import side_by_side
    from ui.widgets import tile_delta

    metrics = list(METRICS)
    table = _table(metrics, case)
    d = CASES[case][0]
    with language(lang):
        chart_rows = {
            r["metric"]: r["verdict"]
            for ds in charts.differences(table, metrics).to_dict()["datasets"].values()
            for r in ds
            if "verdict" in r
        }
        cli = human_table(table, "alignment")
        compared = side_by_side(pd.DataFrame({m: [10.0] for m in metrics}), {"B": table}, metrics)[1]
        for metric in metrics:
            expected = _expected(metric, case)
            row = table.loc[metric]
            assert judge(metric, *CASES[case]) is expected, metric
            # the answer in words
            line = answer.line(metric, row)
            assert line.verdict is expected, metric
            assert (f"({expected.text})" in line.text) == (expected is not Verdict.UNCLEAR), line.text
            # the tile: arrow by the sign, colour and words by the verdict
            tile = tile_delta(metric, row)
            assert tile["delta_arrow"] == ("up" if d > 0 else "down"), metric
            assert tile["delta_color"] == expected.tile_colour and tile["delta_description"] == expected.text
            assert tile["delta"].startswith("+" if d > 0 else "−"), tile
            # the Compare chart and table
            assert chart_rows[metric] == expected.text, metric
            assert compared.loc[metric].iloc[1].endswith(f"({expected.text})"), compared.loc[metric].iloc[1]
            # the CLI's human table: its verdict column, the metric's row
            cli_row = next(ln for ln in cli.splitlines() if ln.startswith(metric + " "))
            assert cli_row.rstrip().endswith(expected.text), cli_row
            # the workshop debrief (its own words for its own question)
            debrief = seeds_table({"T": {**row.to_dict(), "seeds": 20}}, metric)
            words = debrief.iloc[0, -1]
            if expected is Verdict.UNCLEAR:
                assert words == verdict_words_unclear(), words
            else:
                assert ("better" in words or "bedre" in words) == (expected is Verdict.BETTER), words
                assert ("output" in words) == (expected in (Verdict.MORE_OUTPUT, Verdict.LESS_OUTPUT)), words


def verdict_words_unclear() -> str:
    from sim.i18n import _

    return _("no clear difference")


def test_a_rise_of_an_output_is_never_called_better_anywhere():
    table = _table(["features_delivered", "onboarding_calls", "leads"], "rise")
    for line in answer.lines(table, list(table.index)):
        assert line.verdict is Verdict.MORE_OUTPUT and "better" not in line.text
    assert set(verdict.of_table(table)) == {Verdict.MORE_OUTPUT}


@pytest.mark.parametrize(
    "low, high, clear",
    [(0.1, 0.3, True), (-0.3, -0.1, True), (-0.1, 0.1, False), (0.0, 0.2, False), (float("nan"), 1.0, False)],
)
def test_only_an_interval_that_excludes_zero_is_clear(low, high, clear):
    assert verdict.distinguishable(low, high) is clear
    assert (judge("activation_rate_30d", 0.2, low, high) is Verdict.UNCLEAR) is not clear


def test_arrows_follow_the_sign_alone():
    assert [verdict.arrow(x) for x in (2.0, -0.001, 0.0, float("nan"), None)] == ["up", "down", "off", "off", "off"]


def test_a_reference_model_metric_is_judged_by_its_own_registry():
    from sim import MODELS

    march = MODELS["march1991"].metrics()
    assert judge("divergence", -0.1, -0.2, -0.05, march) is Verdict.BETTER  # lower is better there
    assert judge("divergence", -0.1, -0.2, -0.05) is Verdict.BETTER  # found through the registry of models
    assert judge("equilibrium_knowledge", 0.1, 0.05, 0.2, march) is Verdict.BETTER


def test_the_verdicts_have_distinct_words_and_colours_where_they_mean_different_things():
    for a, b in itertools.combinations(verdict.ORDER, 2):
        assert a.text != b.text
        assert a.colour != b.colour  # every entry of a chart's legend its own colour (issue 24: two blues alike)
        if {a, b} != {Verdict.MORE_OUTPUT, Verdict.LESS_OUTPUT}:  # a tile's one blue for output; its arrow says which
            assert a.tile_colour != b.tile_colour
