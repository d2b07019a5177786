"""Travel-time tables: hand-checked numbers, the networkx oracle, and what lifts are worth."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.navgraph import EdgeKind, NodeKind
from twin.routing import NORMAL, NetworkState, Router, Table, compile_network
from twin.synthetic import graph_from_edges, tower
from twin.travel import HEAVY, WALKING, edge_times_s

WALK_S = 1 / 1.3  # seconds per metre at the default walking speed


def grid_node(graph, storey: int, i: int) -> int:
    return int(np.flatnonzero((graph.node_storey == storey) & (graph.node_kind == NodeKind.GRID))[i])


# -- hand-checked ------------------------------------------------------------------------------


def test_up_the_stairs_two_storeys_is_two_flights_and_the_walk():
    # Corridor of 3 cells 5 m apart; stair landing 1.3 m off cell 0. From cell 2 on the ground
    # to cell 2 two storeys up: 10 m + 1.3 m, two flights of 17.5 s, 1.3 m + 10 m.
    g = tower(3, grid=(3, 1), lifts=()).graph
    t = Router(g).times([grid_node(g, 0, 2)], [grid_node(g, 2, 2)])[0, 0]
    assert t == pytest.approx(2 * 17.5 + (10 + 1.3 + 1.3 + 10) * WALK_S)  # 52.385 s


def test_down_the_stairs_is_quicker_at_12_5_s_a_storey():
    g = tower(3, grid=(3, 1), lifts=()).graph
    t = Router(g).times([grid_node(g, 2, 2)], [grid_node(g, 0, 2)])[0, 0]
    assert t == pytest.approx(2 * 12.5 + 22.6 * WALK_S)  # 42.385 s


def test_the_lift_is_wait_doors_ride_and_getting_out_is_free():
    # Lift door 1.3 m off cell 0: 10 m walk, 30 s wait + 8 s doors + 1.3 m, 6 m ride at
    # 1.75 m/s, out (1 ms), 10 m walk.
    g = tower(3, grid=(3, 1), stairs=(), lifts=((0, 0),)).graph
    t = Router(g).times([grid_node(g, 0, 2)], [grid_node(g, 2, 2)])[0, 0]
    assert t == pytest.approx(10 * WALK_S + 30 + 8 + 1.3 * WALK_S + 6 / 1.75 + 1e-3 + 10 * WALK_S)


def test_stairs_win_for_two_storeys_and_the_lift_for_five():
    g = tower(6, grid=(3, 1), stairs=((0, 0),), lifts=((0, 0),)).graph
    r = Router(g)
    walk = 20 * WALK_S
    two = r.times([grid_node(g, 0, 2)], [grid_node(g, 2, 2)])[0, 0]
    five = r.times([grid_node(g, 0, 2)], [grid_node(g, 5, 2)])[0, 0]
    assert two == pytest.approx(2 * 17.5 + walk + 2.6 * WALK_S)  # stairs: 52.4 s
    assert five == pytest.approx(38 + 1.3 * WALK_S + 15 / 1.75 + 1e-3 + walk)  # lift: 63.0 s
    off = r.times([grid_node(g, 0, 2)], [grid_node(g, 5, 2)], NORMAL.with_lifts_off())[0, 0]
    assert off == pytest.approx(5 * 17.5 + walk + 2.6 * WALK_S)  # 104.9 s


def test_distance_follows_the_fastest_route_not_the_shortest():
    # Stairs 2 storeys: 28.6 m of walking and climbing (10 + 1.3 + 3 + 3 + 1.3 + 10).
    g = tower(3, grid=(3, 1), lifts=()).graph
    r = Router(g)
    a, b = grid_node(g, 0, 2), grid_node(g, 2, 2)
    assert r.distances([a], [b])[0, 0] == pytest.approx(28.6)
    assert r.path(a, b).distance_m == pytest.approx(28.6)


def test_unreachable_is_inf_never_a_magic_number():
    g = graph_from_edges([(0, 0, 0), (1, 0, 0), (5, 0, 0)], [(0, 1)])
    r = Router(g)
    assert r.times([0], [2])[0, 0] == np.inf
    assert r.distances([0], [2])[0, 0] == np.inf


def test_to_and_from_tables_agree():
    g = tower(4, grid=(3, 2)).graph
    r = Router(g)
    nodes = np.arange(g.n_nodes)
    to = r.table(NORMAL, "to").lookup(nodes, nodes)  # [k, v]: v -> k
    frm = r.table(NORMAL, "from").lookup(nodes, nodes)  # [k, v]: k -> v
    np.testing.assert_allclose(to.T, frm, rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        r.table(NORMAL, "to").distance_m(nodes, nodes).T,
        r.table(NORMAL, "from").distance_m(nodes, nodes),
        atol=1e-9,
    )


def test_key_rows_are_built_once_per_state_and_other_nodes_on_demand():
    g = tower(3).graph
    r = Router(g, keys=[0, 1, 2])
    table = r.table(NORMAL)
    assert len(table) == 3
    assert r.table(NORMAL) is table
    r.times([5], [7])  # node 7 is not a key: one more row
    assert len(table) == 4 and table.keys.tolist() == [0, 1, 2, 7]
    r.times([5], [7])
    assert len(table) == 4
    off = r.table(NORMAL.with_lifts_off())
    assert off is not table and len(off) == 3


def test_the_least_recently_used_state_is_dropped_beyond_max_states():
    r = Router(tower(3).graph, max_states=2)
    a, b, c = NORMAL, NORMAL.with_lifts_off(), NORMAL.with_mode(HEAVY)
    r.times([0], [1], a)
    r.times([0], [1], b)
    r.times([0], [1], a)
    r.times([0], [1], c)
    assert r.states == (a, c)
    assert r.nbytes > 0


def test_a_table_row_costs_twelve_bytes_a_node():
    g = tower(3).graph
    table = Table(compile_network(g, NORMAL), "to")
    table.rows([0, 1])
    assert table.nbytes == 2 * 12 * g.n_nodes + table._row_of.nbytes


def test_reach_finds_the_nearest_of_several_sources():
    # Five nodes on a line 13 m (10 s) apart; exits at nodes 0 and 3.
    g = graph_from_edges([(13 * i, 0, 0) for i in range(5)], [(i, i + 1) for i in range(4)])
    reach = Router(g).reach([0, 3])
    assert reach.time_s.tolist() == pytest.approx([0, 10, 10, 0, 10])
    assert reach.source.tolist() == [0, 0, 3, 3, 3]
    assert Router(g).path_to_nearest(1, [0, 3]).nodes.tolist() == [1, 0]


# -- networkx oracle ---------------------------------------------------------------------------

KINDS = list(EdgeKind)


@st.composite
def graphs_and_states(draw):
    n = draw(st.integers(1, 9))
    storey = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    xy = draw(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=n, max_size=n))
    xyz = [(float(x), float(y), 3.0 * s) for (x, y), s in zip(xy, storey, strict=True)]
    node_kind = draw(st.lists(st.sampled_from(list(NodeKind)), min_size=n, max_size=n))
    node_ref = draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n))
    m = draw(st.integers(0, 24))
    uv = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=m, max_size=m))
    kind = draw(st.lists(st.sampled_from(KINDS), min_size=m, max_size=m))
    slack = draw(st.lists(st.floats(1.0, 3.0), min_size=m, max_size=m))
    ref = draw(st.lists(st.integers(-1, 2), min_size=m, max_size=m))
    a = np.asarray(xyz)
    length = [float(np.linalg.norm(a[v] - a[u])) * f + 0.5 for (u, v), f in zip(uv, slack, strict=True)]
    g = graph_from_edges(
        xyz,
        uv,
        node_kind=node_kind,
        node_storey=storey,
        node_ref=node_ref,
        edge_kind=kind,
        edge_length_m=length,
        edge_ref=ref,
    )
    state = NetworkState(
        mode=draw(st.sampled_from([WALKING, HEAVY])),
        all_lifts_off=draw(st.booleans()),
        lifts_off=draw(st.frozensets(st.integers(0, 2))),
        closed_nodes=draw(st.frozensets(st.integers(0, n - 1), max_size=2)),
        closed_storeys=draw(st.frozensets(st.integers(0, 3), max_size=1)),
        locked_doors=draw(st.frozensets(st.integers(0, 2), max_size=1)),
        closed_edges=draw(st.frozensets(st.integers(0, max(m - 1, 0)), max_size=3)) if m else frozenset(),
    )
    return g, state


def oracle_digraph(g, state) -> nx.DiGraph:
    """The state's graph built edge by edge in plain Python, parallel edges kept at their min."""
    lift_off = lambda ref: state.all_lifts_off or ref in state.lifts_off  # noqa: E731
    closed = set(state.closed_nodes)
    for i in range(g.n_nodes):
        k, ref = NodeKind(int(g.node_kind[i])), int(g.node_ref[i])
        if int(g.node_storey[i]) in state.closed_storeys and k != NodeKind.LIFT:
            closed.add(i)
        if (k == NodeKind.LIFT and lift_off(ref)) or (k == NodeKind.DOOR and ref in state.locked_doors):
            closed.add(i)
    fwd, rev = edge_times_s(g, state.mode)
    d = nx.DiGraph()
    d.add_nodes_from(range(g.n_nodes))
    for e in range(g.n_edges):
        k, ref = EdgeKind(int(g.edge_kind[e])), int(g.edge_ref[e])
        if e in state.closed_edges:
            continue
        if k in (EdgeKind.LIFT_RIDE, EdgeKind.LIFT_BOARD) and lift_off(ref):
            continue
        if k == EdgeKind.WALK and ref in state.locked_doors:
            continue
        u, v = int(g.edge_u[e]), int(g.edge_v[e])
        for a, b, w in ((u, v, fwd[e]), (v, u, rev[e])):
            if a == b or b in closed or not np.isfinite(w):
                continue
            if not d.has_edge(a, b) or d[a][b]["weight"] > w:
                d.add_edge(a, b, weight=float(w))
    return d


@settings(max_examples=80, deadline=None)
@given(graphs_and_states())
def test_tables_equal_networkx_shortest_paths(case):
    g, state = case
    d = oracle_digraph(g, state)
    nodes = np.arange(g.n_nodes)
    r = Router(g)
    frm = r.table(state, "from").lookup(nodes, nodes)
    to = r.table(state, "to").lookup(nodes, nodes)
    back = d.reverse(copy=True)
    for s in range(g.n_nodes):
        want_from = nx.single_source_dijkstra_path_length(d, s)
        want_to = nx.single_source_dijkstra_path_length(back, s)
        expect_from = [want_from.get(v, np.inf) for v in range(g.n_nodes)]
        expect_to = [want_to.get(v, np.inf) for v in range(g.n_nodes)]
        np.testing.assert_allclose(frm[s], expect_from, rtol=0, atol=1e-9)
        np.testing.assert_allclose(to[s], expect_to, rtol=0, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(graphs_and_states())
def test_table_distances_are_the_metres_along_the_predecessor_path(case):
    g, state = case
    r = Router(g)
    net = r.network(state)
    table = r.table(state, "from")
    nodes = np.arange(g.n_nodes)
    dist = table.distance_m(nodes, nodes)
    for s in range(g.n_nodes):
        row = table.rows([s])[0]
        for v in range(g.n_nodes):
            if not np.isfinite(table.time_s[row, v]):
                assert dist[s, v] == np.inf
                continue
            walked, node = 0.0, v
            while node != s:
                prev = int(table.predecessors[row, node])
                walked += float(net.arc_length_m[net.arcs([prev], [node])[0]])
                node = prev
            assert dist[s, v] == pytest.approx(walked, abs=1e-9)


# -- what lifts are worth ----------------------------------------------------------------------


@st.composite
def towers(draw):
    gx, gy = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    cell = st.tuples(st.integers(0, gx - 1), st.integers(0, gy - 1))
    return tower(
        draw(st.integers(2, 12)),
        grid=(gx, gy),
        rooms_per_storey=draw(st.integers(0, gx * gy)),
        stairs=draw(st.lists(cell, min_size=1, max_size=2)),
        lifts=draw(st.lists(cell, min_size=1, max_size=2)),
    ).graph


@settings(max_examples=50, deadline=None)
@given(towers(), st.data())
def test_lifts_off_never_shortens_a_trip_and_lengthens_the_climb_to_upper_floors(g, data):
    r = Router(g)
    nodes = np.arange(g.n_nodes)
    on = r.times(nodes, nodes)
    off_state = NORMAL.with_lifts_off(data.draw(st.sampled_from([None, [0], [0, 1]])))
    off = r.times(nodes, nodes, off_state)
    assert np.all(off >= on - 1e-9)
    if (
        off_state.all_lifts_off
        or len(off_state.lifts_off) == 2
        or g.node_ref[g.node_kind == NodeKind.LIFT].max() == 0
    ):
        # Eight storeys up by lift beats the stairs by ~89 s, more than any walk on these grids.
        entrance = int(g.entrances[0])
        upper = np.flatnonzero((g.node_storey >= 8) & (g.node_kind == NodeKind.GRID))
        assert np.all(off[entrance, upper] > on[entrance, upper])


def test_one_row_is_the_row_of_rows_and_is_searched_once():
    g = tower(3).graph
    table = Router(g, keys=[0, 1]).table(NORMAL)
    assert table.row(1) == int(table.rows([1])[0]) == 1
    assert table.row(7) == 2 and len(table) == 3  # node 7 was no key: searched now
    assert table.row(7) == 2 and len(table) == 3
    assert table.time_s[2, 7] == 0.0
