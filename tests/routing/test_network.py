"""Applying a state to the graph: which arcs exist, and how parallel edges combine."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from twin.navgraph import EdgeKind, NodeKind
from twin.routing import NORMAL, Router, RoutingError, compile_network
from twin.synthetic import graph_from_edges, tower
from twin.travel import HEAVY


def two_rooms_two_doors():
    """Two rooms 13 m apart joined twice: a 13 m way (10 s at 1.3 m/s) and a 26 m one (20 s)."""
    return graph_from_edges([(0, 0, 0), (13, 0, 0)], [(0, 1), (1, 0)], edge_length_m=[13.0, 26.0])


def test_parallel_edges_collapse_to_the_fastest_not_the_sum():
    g = two_rooms_two_doors()
    assert Router(g).times([0], [1])[0, 0] == pytest.approx(10.0)
    assert Router(g).times([1], [0])[0, 0] == pytest.approx(10.0)
    # The trap this guards against: COO -> CSR adds the two doors up into one 30 s door.
    naive = coo_matrix(([10.0, 20.0], ([0, 0], [1, 1])), shape=(2, 2)).tocsr()
    assert dijkstra(naive, indices=0)[1] == pytest.approx(30.0)


def test_the_fastest_parallel_edge_also_gives_the_length():
    net = compile_network(two_rooms_two_doors(), NORMAL)
    assert net.n_arcs == 2
    assert net.arc_length_m.tolist() == [13.0, 13.0]
    assert net.forward.nnz == 2 and net.backward.nnz == 2


def test_time_is_directed_up_the_stairs_is_slower_than_down():
    # Two landings one 3 m storey apart: 17.5 s up, 12.5 s down.
    g = graph_from_edges([(0, 0, 0), (0, 0, 3)], [(0, 1)], edge_kind=[EdgeKind.STAIR], node_storey=[0, 1])
    r = Router(g)
    assert r.times([0], [1])[0, 0] == pytest.approx(17.5)
    assert r.times([1], [0])[0, 0] == pytest.approx(12.5)


def test_a_closed_node_cannot_be_entered_but_can_be_left():
    # a - b - c on a line, 13 m apart; b is flooded.
    g = graph_from_edges([(0, 0, 0), (13, 0, 0), (26, 0, 0)], [(0, 1), (1, 2)])
    t = Router(g).times([0, 1, 2], [0, 1, 2], NORMAL.with_closed([1]))
    assert t[0, 2] == np.inf  # cannot pass through b
    assert t[0, 1] == np.inf  # nor go into it
    assert t[1, 2] == pytest.approx(10.0)  # whoever is in b gets out
    assert t[1, 1] == 0.0


def test_a_closed_storey_blocks_the_stairs_but_the_lift_rides_through_it():
    g = tower(3, grid=(1, 1), rooms_per_storey=0, stairs=((0, 0),), lifts=((0, 0),)).graph
    ground, top = grid_node(g, 0), grid_node(g, 2)
    r = Router(g)
    flooded = NORMAL.with_closed(storeys=[1])
    # 30 s wait + 8 s doors + 1 s to the doors + 6 m at 1.75 m/s + 1 ms out.
    assert r.times([ground], [top], flooded)[0, 0] == pytest.approx(39 + 6 / 1.75 + 1e-3)
    assert r.times([ground], [top], flooded.with_lifts_off())[0, 0] == np.inf
    assert r.times([ground], [grid_node(g, 1)], flooded)[0, 0] == np.inf


def grid_node(g, storey: int) -> int:
    return int(np.flatnonzero((g.node_storey == storey) & (g.node_kind == NodeKind.GRID))[0])


def test_heavy_equipment_cannot_take_the_stairs():
    g = tower(3, lifts=()).graph
    start, top = 0, int(np.flatnonzero((g.node_storey == 2) & (g.node_kind == NodeKind.GRID))[0])
    assert np.isfinite(Router(g).times([start], [top])[0, 0])
    assert Router(g).times([start], [top], NORMAL.with_mode(HEAVY))[0, 0] == np.inf


def test_lifts_off_removes_the_rides_and_the_stops():
    g = tower(4, stairs=()).graph
    net = compile_network(g, NORMAL.with_lifts_off())
    lift_edges = np.isin(g.edge_kind, [EdgeKind.LIFT_RIDE, EdgeKind.LIFT_BOARD])
    assert not np.isin(net.arc_edge, np.flatnonzero(lift_edges)).any()
    assert net.closed[g.node_kind == NodeKind.LIFT].all()


def test_a_locked_door_shuts_its_room_and_unlocking_opens_it():
    tw = tower(1, rooms_per_storey=2)
    g, room = tw.graph, int(tw.graph.space_node[0])
    r = Router(g)
    locked = NORMAL.with_locked([0])
    assert r.times([0], [room], locked)[0, 0] == np.inf
    assert np.isfinite(r.times([0], [int(g.space_node[1])], locked)[0, 0])
    assert np.isfinite(r.times([0], [room], locked.with_unlocked([0]))[0, 0])


def test_a_state_naming_a_node_the_graph_lacks_is_an_error_that_says_so():
    g = two_rooms_two_doors()
    with pytest.raises(RoutingError, match=r"closes node 99 but the graph has nodes 0..1"):
        compile_network(g, NORMAL.with_closed([99]))
