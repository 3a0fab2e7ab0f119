"""The organisation graph: typed edges, approval cycles and graph measures."""

from sim import Scenario, load_scenario
from sim.organisation import approval_cycle, build_graph, edges_of, measures


def test_graph_has_units_and_typed_edges():
    s = Scenario()
    g = build_graph(s)
    assert set(g.nodes) == set(s.departments) | set(s.teams)
    assert g.nodes["core"]["unit"] == "team" and g.nodes["sales"]["unit"] == "department"
    assert g.edges["sales", "core"]["kind"] == "requests"
    assert g.edges["core", "legal"]["kind"] == "approval"
    assert {k for *_, k in g.edges(data="kind")} == {"requests", "approval"}


def test_dependency_edges(tmp_path):
    path = tmp_path / "two.toml"
    path.write_text("[teams.growth.depends_on]\nplatform = 0.5\n[teams.platform]\n")
    g = build_graph(load_scenario(path))
    assert g.edges["growth", "platform"] == {"kind": "dependency", "share": 0.5}
    assert measures(g)["dependencies"] == 1


def test_longer_chain_is_measured():
    short = measures(build_graph(load_scenario("b2b_activation")))
    long = measures(build_graph(load_scenario("long_approval_chain")))
    assert short["longest_approval_chain"] == 1
    assert long["longest_approval_chain"] == 4
    assert edges_of(build_graph(load_scenario("long_approval_chain")), "approval").number_of_edges() == 4


def test_no_cycle_in_presets():
    assert approval_cycle(load_scenario("long_approval_chain")) == []


def test_bottleneck_centrality_rises_with_a_chain_through_one_unit():
    short = measures(build_graph(load_scenario("b2b_activation")))
    long = measures(build_graph(load_scenario("long_approval_chain")))
    assert long["bottleneck_centrality"] > short["bottleneck_centrality"]
