"""The synthetic tower: the shape the routing tests and the benchmark rely on."""

from __future__ import annotations

import numpy as np

from twin.navgraph import EdgeKind, NodeKind
from twin.synthetic import tower


def test_a_tower_has_the_node_and_edge_kinds_of_a_real_graph():
    tw = tower(3, grid=(4, 3), rooms_per_storey=2, stairs=((0, 0), (3, 2)), lifts=((1, 0),))
    g = tw.graph
    count = lambda kind: int(np.count_nonzero(g.node_kind == kind))  # noqa: E731
    assert count(NodeKind.GRID) == 3 * 12
    assert count(NodeKind.SPACE) == 3 * 2 == len(tw.model.spaces)
    assert count(NodeKind.DOOR) == 3 * 2 + 1 == len(tw.model.doors)
    assert count(NodeKind.STAIR) == 3 * 2
    assert count(NodeKind.LIFT) == 3
    assert count(NodeKind.EQUIPMENT) == 3
    edges = lambda kind: int(np.count_nonzero(g.edge_kind == kind))  # noqa: E731
    assert edges(EdgeKind.STAIR) == 2 * 2
    assert edges(EdgeKind.LIFT_RIDE) == 2
    assert edges(EdgeKind.LIFT_BOARD) == 3
    assert g.space_node.tolist() == np.flatnonzero(g.node_kind == NodeKind.SPACE).tolist()


def test_every_edge_is_at_least_as_long_as_the_straight_line():
    g = tower(4, grid=(3, 3), stair_going_m=4.0).graph
    crow = np.linalg.norm(g.node_xyz[g.edge_v] - g.node_xyz[g.edge_u], axis=1)
    assert np.all(g.edge_length_m >= crow - 1e-12)


def test_a_hundred_storey_tower_has_over_a_hundred_thousand_nodes():
    g = tower(100, grid=(30, 30), rooms_per_storey=100, with_model=False).graph
    assert g.n_nodes > 100_000
