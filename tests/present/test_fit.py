"""A fit of the model to an organisation's own numbers, for people (``sim.present.fit``)."""

import pandas as pd

from sim.i18n import language
from sim.present import fit


def _estimates(**changes) -> pd.DataFrame:
    rows = {
        "lead_rate": (0.006, 0.0032, 0.0020, 0.0051, "fitted"),
        "churn_activated": (0.0015, 0.01, 0.0013, 0.01, "fitted"),  # pushed to the top of its search range
        "contact_rate": (0.12, 0.476, 0.181, 1.25, "weak"),
        "item_size": (1.0, 1.0, float("nan"), float("nan"), "not identifiable"),
    }
    rows.update(changes)
    return pd.DataFrame(
        [
            {"parameter": p, "default": d, "estimate": e, "low": lo, "high": hi, "status": s}
            for p, (d, e, lo, hi, s) in rows.items()
        ]
    )


def test_a_fit_says_what_needs_saying_once_and_marks_a_value_at_the_end_of_its_range():
    """Issue 24: every row said "fitted" under "how sure", and a rate the search pushed to the top of its range
    read as a plain 1.00%. The note column speaks only where there is something to say; a value at an end of the
    range searched reads "≥ 1.00%" (or "≤") and the note says the numbers may point beyond it."""
    table = fit.estimates(_estimates()).set_index("what it means")
    churn = table.loc["How often an active customer leaves (chance per week)"]
    assert churn["fitted"] == "≥\u00a01.00%" and churn["likely between"] == "0.13% and ≥\u00a01.00%"
    assert churn["note"] == "at the top of the range tried (0.02% to 1.00%): your numbers may point higher"
    lead = table.loc["How often a prospect becomes a lead (chance per week)"]
    assert (lead["fitted"], lead["likely between"], lead["note"]) == ("0.32%", "0.20% and 0.51%", "")
    assert table.loc["Support contacts per active customer and week", "note"] == "your numbers say little about it"
    item = table.loc["Size of work items against the scenario's (×)"]
    assert (item["fitted"], item["likely between"], item["note"]) == ("×1.00", "—", "not fitted")
    assert "fitted" not in set(table["note"])
    low = fit.estimates(_estimates(lead_rate=(0.006, 0.001, 0.001, 0.002, "fitted"))).iloc[0]
    assert low["fitted"].startswith("≤") and "bottom" in low["note"]
    with language("da"):
        danish = fit.estimates(_estimates())
    assert danish.iloc[1]["bemærkning"].startswith("i toppen af det afprøvede spænd (0,02\u00a0% til 1,00\u00a0%)")
