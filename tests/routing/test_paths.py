"""Paths for the animation: predecessor arrays to (x, y, z, t) polylines and the nodes passed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.navgraph import EdgeKind, NodeKind
from twin.routing import NORMAL, NoRouteError, Router, RoutingError
from twin.synthetic import graph_from_edges, tower


def grid_node(graph, storey: int, i: int) -> int:
    return int(np.flatnonzero((graph.node_storey == storey) & (graph.node_kind == NodeKind.GRID))[i])


def test_a_stair_climb_passes_the_cells_the_landings_and_the_flights():
    g = tower(3, grid=(3, 1), lifts=()).graph
    a, b = grid_node(g, 0, 2), grid_node(g, 2, 2)
    path = Router(g).path(a, b)
    kinds = [NodeKind(int(k)).name for k in g.node_kind[path.nodes]]
    assert kinds == ["GRID"] * 3 + ["STAIR"] * 3 + ["GRID"] * 3
    assert [int(k) for k in g.edge_kind[path.edges]].count(EdgeKind.STAIR) == 2
    assert path.storeys_crossed == 2
    assert path.t_s.tolist() == pytest.approx(
        np.cumsum([0, 5 / 1.3, 5 / 1.3, 1, 17.5, 17.5, 1, 5 / 1.3, 5 / 1.3]).tolist()
    )
    assert path.time_s == pytest.approx(Router(g).times([a], [b])[0, 0])


def test_the_polyline_starts_where_the_person_is_and_when_they_leave():
    g = tower(3, grid=(3, 1), lifts=()).graph
    path = Router(g).path(grid_node(g, 0, 2), grid_node(g, 2, 0))
    line = path.polyline(depart_s=100.0)
    assert line.shape == (len(path.nodes), 4)
    assert line[0].tolist() == [10.0, 0.0, 0.0, 100.0]
    assert line[-1, :3].tolist() == [0.0, 0.0, 6.0]
    assert np.all(np.diff(line[:, 3]) > 0)


def test_a_path_from_a_from_table_is_the_same_trip():
    g = tower(4, grid=(3, 2)).graph
    r = Router(g)
    r.table(NORMAL, "from").rows([0])
    via_from = r.path(0, grid_node(g, 3, 5))
    via_to = Router(g).path(0, grid_node(g, 3, 5))
    assert via_from.time_s == pytest.approx(via_to.time_s)
    assert via_from.nodes[0] == via_to.nodes[0] == 0


def test_no_route_says_why_in_one_line():
    g = graph_from_edges([(0, 0, 0), (13, 0, 0)], [(0, 1)])
    with pytest.raises(NoRouteError, match=r"no route from node 0 to node 1 \(walking; 1 node closed\)"):
        Router(g).path(0, 1, NORMAL.with_closed([1]))


def test_a_path_to_itself_is_one_node_and_no_time():
    path = Router(tower(2).graph).path(3, 3)
    assert path.nodes.tolist() == [3] and path.time_s == 0.0 and path.distance_m == 0.0


@st.composite
def geometric_graphs(draw):
    n = draw(st.integers(2, 12))
    xyz = draw(
        st.lists(
            st.tuples(st.floats(0, 50), st.floats(0, 50), st.sampled_from([0.0, 3.0, 6.0])),
            min_size=n,
            max_size=n,
        )
    )
    uv = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=30))
    slack = draw(st.lists(st.floats(1.0, 2.0), min_size=len(uv), max_size=len(uv)))
    kind = draw(
        st.lists(
            st.sampled_from([EdgeKind.WALK, EdgeKind.STAIR, EdgeKind.RAMP, EdgeKind.LIFT_RIDE]),
            min_size=len(uv),
            max_size=len(uv),
        )
    )
    a = np.asarray(xyz)
    length = [float(np.linalg.norm(a[v] - a[u])) * f for (u, v), f in zip(uv, slack, strict=True)]
    return graph_from_edges(xyz, uv, edge_length_m=length, edge_kind=kind)


@settings(max_examples=60, deadline=None)
@given(st.one_of(geometric_graphs(), st.builds(lambda s: tower(s, grid=(3, 2)).graph, st.integers(1, 6))))
def test_a_route_is_never_shorter_than_the_straight_line(g):
    r = Router(g)
    nodes = np.arange(g.n_nodes)
    dist = r.distances(nodes, nodes)
    crow = np.linalg.norm(g.node_xyz[:, None, :] - g.node_xyz[None, :, :], axis=2)
    reachable = np.isfinite(dist)
    assert np.all(dist[reachable] >= crow[reachable] - 1e-9)
    for a, b in np.argwhere(reachable)[:10]:
        path = r.path(int(a), int(b))
        assert path.distance_m == pytest.approx(dist[a, b], abs=1e-9)
        assert path.distance_m >= np.linalg.norm(g.node_xyz[b] - g.node_xyz[a]) - 1e-9


def test_a_path_asked_with_python_or_numpy_ints_is_the_one_kept_path():
    g = tower(3).graph
    r = Router(g, keys=[0])
    first = r.path(5, 0)
    assert r.path(np.int64(5), np.int32(0)) is first
    assert r.path(5, 0) is first
    assert first.nodes[0] == 5 and first.nodes[-1] == 0


def test_a_path_to_a_node_off_the_graph_names_it():
    g = tower(2).graph
    with pytest.raises(RoutingError, match=f"node {g.n_nodes} is not in the graph"):
        Router(g).path(0, g.n_nodes)
    with pytest.raises(RoutingError, match="node -1 is not in the graph"):
        Router(g).path(-1, 0)
