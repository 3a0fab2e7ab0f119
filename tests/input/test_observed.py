"""Observed series: reading and checking a CSV, and setting simulated runs beside it period by period."""

import re

import numpy as np
import pytest

from sim.input import ScenarioError, load_scenario
from sim.input.observed import SERIES, Observed, period_bounds, read_observed, simulated
from sim.metrics import Records
from sim.model import AlignmentModel


def test_a_monthly_file_with_gaps_reads_as_a_table():
    obs = read_observed(b"month,leads,activation_30d\n1,40,0.3\n2,,0.35\n3,52,\n4,47,0.4\n")
    assert obs.frequency == "month" and obs.periods == 4 and obs.series == ["leads", "activation_30d"]
    assert np.isnan(obs.data.loc[2, "leads"]) and obs.data.loc[4, "activation_30d"] == 0.4
    assert obs.weeks() == 18  # 4 months of 52/12 weeks, rounded up
    assert len(obs.long()) == 6


def test_semicolons_and_decimal_commas_are_read():
    obs = read_observed(b"week;activation_30d\n1;0,4\n2;0,5\n3;0,45\n")
    assert obs.data["activation_30d"].tolist() == [0.4, 0.5, 0.45]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("day,leads\n1,3\n", "expected exactly one period column, week or month"),
        ("week,visits\n1,3\n", "row 1, column 2: unknown series 'visits'; allowed: new_customers"),
        ("week,leads\n1,3\n3,4\n4,5\n", "row 3, column week: expected 2"),
        ("week,leads\n1,3\n2,many\n3,4\n", "row 3, column leads: expected a number, got 'many'"),
        (
            "week,activation_30d\n1,42\n2,0.4\n3,0.4\n",
            "row 2, column activation_30d: 42 is out of range; allowed: a share 0..1",
        ),
        ("week,leads\n1,-1\n2,3\n3,3\n", "-1 is out of range; allowed: a count >= 0"),
        ("week,leads\n1,3\n2,4\n", "at least 3 are needed"),
        ("week,leads,churned\n1,3,\n2,4,\n3,4,\n", "column churned has no values"),
        ("week,leads\n1,nan\n2,4\n3,4\n", "expected a finite number"),
    ],
)
def test_bad_files_get_one_line_naming_row_and_column(text, expected):
    from sim.i18n import language

    with pytest.raises(ScenarioError) as err:
        read_observed(text.encode(), "weekly.csv")
    assert expected in str(err.value) and "\n" not in str(err.value)
    with language("da"):  # the app's Danish page: the same problem in Danish
        danish = err.value.shown()
    assert danish.startswith("weekly.csv") and danish != str(err.value)
    assert ("række" in danish) == ("row" in str(err.value)) and ("kolonne" in danish) == ("column" in str(err.value))
    assert not re.search(r"\b(row|column|allowed|expected|needed|values)\b", danish), danish


def test_problems_read_in_danish_with_the_files_column_names_kept():
    from sim.i18n import language

    cases = {
        "week,visits\n1,3\n": (
            "weekly.csv, række 1, kolonne 2: ukendt serie 'visits'; tilladt: new_customers, "
            "activation_30d, churned, support_contacts, leads, releases"
        ),
        "month,leads\n1,3\n3,4\n4,5\n": (
            "weekly.csv, række 3, kolonne month: skal være 2 (perioderne 1, 2, 3, "
            "... i rækkefølge, ingen sprunget over), ikke '3'"
        ),
        "week,activation_30d\n1,1.5\n2,0.4\n3,0.4\n": "weekly.csv, række 2, kolonne activation_30d: 1,5 ",
    }
    for text, danish in cases.items():
        with pytest.raises(ScenarioError) as err:
            read_observed(text.encode(), "weekly.csv")
        with language("da"):
            assert err.value.shown().startswith(danish), err.value.shown()
        assert str(err.value).startswith("weekly.csv, row ")  # the CLI's English is untouched


def test_too_many_rows_are_refused():
    text = "week,leads\n" + "".join(f"{i},1\n" for i in range(1, 600))
    with pytest.raises(ScenarioError, match="more than 520 rows"):
        read_observed(text.encode())


def test_months_cover_the_year_without_gaps():
    b = period_bounds(12, "month")
    assert b[0] == 0 and b[-1] == pytest.approx(52) and np.allclose(np.diff(b), 52 / 12)


def test_weekly_runs_are_summed_into_weeks_and_prorated_into_months():
    rec = Records(9)
    rec.c["leads"][:] = np.arange(9)
    rec.c["activated30"][:] = [1, 0, 0, 0, 2, 0, 0, 0, 0]
    rec.c["cohort_closed"][:] = [2, 2, 0, 0, 4, 0, 0, 0, 0]
    weekly = simulated(rec, Observed("week", _shape(9)))
    assert weekly["leads"].tolist() == list(range(9))
    assert weekly["activation_30d"].iloc[0] == 0.5 and np.isnan(weekly["activation_30d"].iloc[2])
    monthly = simulated(rec, Observed("month", _shape(2)))
    third = 52 / 12 - 4  # month 1 ends a third of the way into week 5 (index 4)
    assert monthly["leads"].tolist() == pytest.approx(
        [0 + 1 + 2 + 3 + third * 4, (1 - third) * 4 + 5 + 6 + 7 + 2 * third * 8]
    )
    assert monthly["activation_30d"].iloc[0] == pytest.approx((1 + 2 * third) / (4 + 4 * third))
    assert monthly["leads"].sum() == pytest.approx(
        rec.c["leads"][: int(2 * 52 / 12)].sum() + (2 * 52 / 12 % 1) * rec.c["leads"][8]
    )


def _shape(months):
    import pandas as pd

    return pd.DataFrame(
        {"leads": np.zeros(months), "activation_30d": np.zeros(months)},
        index=pd.RangeIndex(1, months + 1, name="period"),
    )


def test_a_run_seen_weekly_matches_its_counters():
    scenario = load_scenario("b2b_activation").with_overrides({"weeks": 8, "customers.population": 500})
    rec = AlignmentModel(scenario, seed=3).run().records
    obs = Observed("week", _shape(8))
    table = simulated(rec, obs)
    assert table["leads"].tolist() == rec.c["leads"].tolist()


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.sampled_from(
                    ["week", "month", "leads", "activation_30d", "1", "2", "3", "0.5", "-1", "nan", "inf", "1,5", ""]
                ),
                st.text(max_size=8),
            ),
            max_size=4,
        ),
        max_size=6,
    )
)
def test_any_csv_reads_or_gets_one_line_never_a_traceback(rows):
    text = "\n".join(",".join(r) for r in rows)
    try:
        obs = read_observed(text.encode("utf-8", "surrogatepass"))
    except ScenarioError as exc:
        assert "\n" not in str(exc) and str(exc)
    else:
        assert obs.periods >= 3 and obs.series


def test_every_series_says_what_it_means_in_danish_too():
    from sim.i18n import _, language

    with language("da"):
        danish = {name: _(s.meaning) for name, s in SERIES.items()}
    assert all(danish[name] != s.meaning and "perioden" in danish[name] for name, s in SERIES.items()), danish
