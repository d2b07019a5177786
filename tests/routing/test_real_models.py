"""Routing on the default estate and on the real IFC corpus."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import estate, shared_ifc
from twin.places import resolve_place
from twin.routing import NORMAL, Router
from twin.travel import edge_times_s
from twin.twin import load_twin


def networkx_digraph(graph) -> nx.DiGraph:  # type: ignore[no-untyped-def]
    """The graph as networkx would see it: both directions, parallel edges at their minimum."""
    fwd, rev = edge_times_s(graph)
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    for u, v, a, b in zip(
        graph.edge_u.tolist(), graph.edge_v.tolist(), fwd.tolist(), rev.tolist(), strict=True
    ):
        for x, y, w in ((u, v, a), (v, u, b)):
            if not g.has_edge(x, y) or g[x][y]["weight"] > w:
                g.add_edge(x, y, weight=w)
    return g


@pytest.fixture(scope="module")
def estate_twin():  # type: ignore[no-untyped-def]
    return load_twin([estate()])


@pytest.fixture(scope="module")
def estate_nx(estate_twin):  # type: ignore[no-untyped-def]
    return networkx_digraph(estate_twin.graph)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_estate_tables_equal_networkx_on_random_pairs(estate_twin, estate_nx, data) -> None:  # type: ignore[no-untyped-def]
    n = estate_twin.graph.n_nodes
    origin = data.draw(st.integers(0, n - 1))
    targets = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=5)))
    router = Router(estate_twin.graph, keys=np.array([], dtype=np.int64))
    ours = router.times([origin], targets, NORMAL)[0]
    lengths = nx.single_source_dijkstra_path_length(estate_nx, origin)
    expected = np.array([lengths.get(int(t), np.inf) for t in targets])
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-9)


def test_every_household_is_reachable_from_the_engineering_office(estate_twin) -> None:  # type: ignore[no-untyped-def]
    model, graph = estate_twin.model, estate_twin.graph
    office = resolve_place("Engineering Office", model, graph)
    flats = graph.space_node[[i for i, sp in enumerate(model.spaces) if sp.object_type == "Apartment"]]
    assert flats.size == 810
    router = Router(graph)
    times = router.times([office], flats, NORMAL)[0]
    assert np.isfinite(times).all()
    lifts_off = router.times([office], flats, NORMAL.with_lifts_off())[0]
    assert np.isfinite(lifts_off).all()
    assert (lifts_off >= times - 1e-9).all()
    # The top floor of tower C is the furthest: ~4 min by lift, ~11 min by the stairs.
    assert 180 < times.max() < 300
    assert 540 < lifts_off.max() < 780


@pytest.mark.parametrize(
    ("name", "one_dwelling"),
    [("fzk_haus.ifc", False), ("duplex_a.ifc", True), ("office_a.ifc", False), ("institute_var2.ifc", False)],
)
def test_routes_between_spaces_of_one_storey_are_mostly_1_to_4_times_the_straight_line(
    name: str, one_dwelling: bool
) -> None:
    """Every route is at least the straight line; between spaces 8 m or more apart, nine in ten
    are at most 4 times it. (Not all: some of office_a's rooms open onto different corridors —
    real detours of up to 9×. duplex_a's two dwellings (spaces A… and B…) meet only outside —
    out of a front door on the east façade, round the building, in on the west — so there the
    ratios are taken within each dwelling.)"""
    twin = load_twin([shared_ifc(name)])
    model, graph, audit = twin.model, twin.graph, twin.audit
    router = Router(graph, keys=np.array([], dtype=np.int64))
    ratios = []
    for storey in range(len(model.storeys)):
        spaces = [i for i, sp in enumerate(model.spaces) if sp.storey == storey and audit.reachable[i]]
        if len(spaces) < 2:
            continue
        nodes = graph.space_node[spaces]
        distance = router.distances(nodes, nodes, NORMAL)
        straight = np.linalg.norm(graph.node_xyz[nodes][:, None] - graph.node_xyz[nodes][None], axis=2)
        apart = straight >= 1.0  # nested or stacked spaces: a ratio means nothing
        assert (distance[apart] >= straight[apart] - 1e-9).all()
        far = straight >= 8.0
        if one_dwelling:
            dwelling = np.array([model.spaces[i].name[:1] for i in spaces])
            far &= dwelling[:, None] == dwelling[None]
        ratios.append(distance[far] / straight[far])
    ratios_all = np.concatenate(ratios)
    assert ratios_all.size >= 2
    assert np.median(ratios_all) <= 3.0
    assert np.mean(ratios_all <= 4.0) >= 0.9
