"""The organisation as a directed graph of units.

Nodes are departments and product teams. Edges carry a ``kind``:
``requests`` (department -> team, ``weight``), ``approval`` (team -> first approver -> next approver ...,
``team`` names the chain) and ``dependency`` (team -> team it needs work from, ``share``).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from sim.scenario import Scenario


def build_graph(scenario: Scenario) -> nx.DiGraph:
    """The organisation graph of a scenario."""
    g = nx.DiGraph()
    for name, dept in scenario.departments.items():
        g.add_node(
            name, unit="department", role=dept.role, influence=dept.influence, alignment=dept.alignment, kpi=dept.kpi
        )
    for name, team in scenario.teams.items():
        g.add_node(
            name,
            unit="team",
            role="product_team",
            influence=team.influence,
            alignment=team.alignment,
            kpi=scenario.leadership.shared_criterion,
        )
    for name in scenario.departments:
        for target, weight in scenario.request_weights(name).items():
            g.add_edge(name, target, kind="requests", weight=weight)
    for name, team in scenario.teams.items():
        chain = [name, *team.approval_chain]
        for a, b in itertools.pairwise(chain):
            if g.has_edge(a, b) and g.edges[a, b]["kind"] == "approval":
                g.edges[a, b]["teams"].append(name)
            else:
                g.add_edge(a, b, kind="approval", teams=[name])
        for other, share in team.depends_on.items():
            g.add_edge(name, other, kind="dependency", share=float(share))
    return g


def edges_of(g: nx.DiGraph, kind: str) -> nx.DiGraph:
    """The subgraph of edges of one kind."""
    return g.edge_subgraph([(u, v) for u, v, k in g.edges(data="kind") if k == kind]).copy()


def approval_cycle(scenario: Scenario) -> list[str]:
    """The units of a cycle among approval chains, or [] when approvals flow one way."""
    g = nx.DiGraph()
    for name, team in scenario.teams.items():
        chain = [name, *team.approval_chain]
        g.add_edges_from(itertools.pairwise(chain))
    try:
        cycle = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return []
    return [u for u, _ in cycle] + [cycle[0][0]]


def measures(g: nx.DiGraph) -> dict[str, float]:
    """Graph measures reported with every run."""
    approvals = edges_of(g, "approval")
    teams = [n for n, u in g.nodes(data="unit") if u == "team"]
    chains = [
        nx.dag_longest_path_length(approvals.subgraph(nx.descendants(approvals, t) | {t})) if t in approvals else 0
        for t in teams
    ]
    centrality = nx.betweenness_centrality(g) if g.number_of_nodes() > 2 else {n: 0.0 for n in g}
    bottleneck = max(centrality, key=lambda n: centrality[n]) if centrality else ""
    requests = edges_of(g, "requests")
    return {
        "units": float(g.number_of_nodes()),
        "longest_approval_chain": float(max(chains, default=0)),
        "requesters_per_team": float(sum(requests.in_degree(t) for t in teams if t in requests) / max(len(teams), 1)),
        "dependencies": float(edges_of(g, "dependency").number_of_edges()),
        "bottleneck_centrality": float(centrality.get(bottleneck, 0.0)),
    }
