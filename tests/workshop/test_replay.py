"""Replays of workshop tables: common random numbers, switches that never rewrite played rounds, the own-KPI
counterfactual and the replay over 30 seeds. No effect size of the model is asserted here."""

import math

import pytest

from sim.workshop.replay import (
    OWN_KPI,
    over_seeds,
    own_kpi_decisions,
    replay,
    shared_path,
    table_paths,
    table_results,
    workshop_over_seeds,
)
from sim.workshop.rules import TEMPLATES, Decision
from sim.workshop.store import Workshop

DEPTS = TEMPLATES["b2b_activation"]["departments"]
ALIGNED = {(r, d): Decision("shared goal", "few", False) for r in range(4) for d in DEPTS}


def test_tables_with_the_same_decisions_get_the_same_path_on_the_workshop_market():
    paths = table_paths("b2b_activation", 11, 4, {1: ALIGNED, 2: dict(ALIGNED), 3: {}})
    by = {t: g["shared_outcome"].tolist() for t, g in paths.groupby("table")}
    assert by["Table 1"] == by["Table 2"]  # same decisions, same market: no luck between tables
    assert by["Table 1"] != by["Table 3"] and set(by) == {"Table 1", "Table 2", "Table 3", OWN_KPI}
    assert replay("b2b_activation", 11, 4, ALIGNED).equals(replay("b2b_activation", 11, 4, dict(ALIGNED)))


def test_decisions_move_the_departments_own_kpis():
    calls = {(r, "customer_success"): Decision("own KPI", "normal", True) for r in range(4)}
    none = {(r, "customer_success"): Decision("shared goal", "normal", False) for r in range(4)}

    def held(d):
        return replay("b2b_activation", 2, 4, d).query("department == 'customer_success'")["kpi_value"].sum()

    assert held(calls) > held(none)


@pytest.mark.parametrize(
    "template, switch", [("b2b_activation", "shared_criterion"), ("self_service_launch", "product_funding")]
)
def test_a_switch_applies_from_its_round_and_never_rewrites_played_rounds(template, switch):
    changed = False
    for seed in range(3):
        before = shared_path(template, seed, 4, {})
        after = shared_path(template, seed, 4, {}, ((switch, 2),))
        assert after[:2] == before[:2]
        changed |= after[2:] != before[2:]
    assert changed
    logic = replay(template, 0, 4, {}, ((switch, 2),)).groupby("round")["logic"].first().tolist()
    assert logic[:2] == ["local KPIs"] * 2 and logic[2] != "local KPIs"


def test_the_counterfactual_is_every_department_on_its_own_kpi():
    own = own_kpi_decisions("b2b_activation")
    assert len(own) == 4 * len(DEPTS) and {d.push for d in own.values()} == {"own KPI"}
    assert own[(0, "sales")].action and not own[(0, "customer_support")].action


def test_over_seeds_pairs_the_table_with_the_counterfactual():
    same = over_seeds("b2b_activation", 2, own_kpi_decisions("b2b_activation", 2), seeds=5)
    assert same["difference"] == 0 and same["ci_low"] == same["ci_high"] == 0
    diff = over_seeds("b2b_activation", 2, ALIGNED, seeds=5)
    assert diff["seeds"] == 5 and diff["ci_low"] <= diff["difference"] <= diff["ci_high"]
    assert diff["difference"] == pytest.approx(diff["table_mean"] - diff["own_kpi_mean"])
    assert over_seeds("b2b_activation", 2, ALIGNED, seeds=5) == diff  # cached, and the same


def test_a_department_without_data_says_so():
    r = replay("b2b_activation", 1, 4, {})
    finance = r[r.department == "finance"]
    missing = finance[finance["kpi_value"].isna()]
    assert len(missing) and set(missing["kpi_note"]) == {"no data this round: no milestone was due"}
    assert (r.loc[r["kpi_value"].notna(), "kpi_note"] == "").all()
    support = r[r.department == "customer_support"].iloc[0]
    assert support.kpi_attainment == pytest.approx(min(support.kpi_target / support.kpi_value, 1.5))


def test_results_from_the_store_name_the_team_and_keep_tables_apart(tmp_path):
    shop = Workshop(tmp_path / "w.sqlite3")
    code, key = shop.create(seed=4, tables=2)
    a = shop.join(code, 1, "sales", "Ana")
    shop.join(code, 1, "sales", "Bo")
    shop.decide(a, 0, Decision("shared goal", "few", False))
    shop.play_round(code, key, 0)
    one, two = (table_results(shop, code, key, t) for t in (1, 2))
    assert one.loc[one.department == "sales", "played_by"].tolist() == ["Ana, Bo"]
    assert one.loc[one.department == "sales", "decided"].tolist() == [True]
    assert not two["decided"].any()
    seeds = workshop_over_seeds(shop, code, key, seeds=3)
    assert set(seeds) == {"Table 1", "Table 2"} and not math.isnan(seeds["Table 1"]["difference"])
