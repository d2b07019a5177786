"""Paths: from predecessor arrays to a polyline of (x, y, z, t) and the nodes passed.

Takes a predecessor row of a :class:`~twin.routing.tables.Table` (or of a multi-source search)
and the :class:`~twin.routing.network.Network` it came from, gives a :class:`Path` for the
animation and the reports: node ids, graph edges used, coordinates, storeys, and the seconds and
metres elapsed at each node.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.navgraph import NavGraph
from twin.routing.network import Network
from twin.routing.state import RoutingError


@dataclass(frozen=True, slots=True, eq=False)
class Path:
    """A route through the graph, one entry per node passed, origin first."""

    nodes: np.ndarray
    """Node ids, origin to destination."""
    edges: np.ndarray
    """NavGraph edge id of each hop (``len(nodes) - 1``)."""
    xyz: np.ndarray
    """``(k, 3)`` node coordinates in metres."""
    storey: np.ndarray
    """Storey index of each node."""
    t_s: np.ndarray
    """Seconds since leaving the origin, on reaching each node."""
    s_m: np.ndarray
    """Metres walked since leaving the origin, on reaching each node."""

    @property
    def time_s(self) -> float:
        return float(self.t_s[-1])

    @property
    def distance_m(self) -> float:
        return float(self.s_m[-1])

    @property
    def storeys_crossed(self) -> int:
        """Storeys climbed plus storeys descended (|Δ storey index| summed over the hops)."""
        return int(np.abs(np.diff(self.storey.astype(np.int64))).sum())

    def polyline(self, depart_s: float = 0.0) -> np.ndarray:
        """``(k, 4)`` rows of ``x, y, z, t`` with ``t`` counted from ``depart_s``."""
        return np.column_stack([self.xyz, self.t_s + depart_s])


def walk_predecessors(predecessors: np.ndarray, start: int) -> np.ndarray:
    """Follow one predecessor row from ``start`` until a node that has none (the search root).

    Returns the node ids visited, ``start`` first.
    """
    out = [int(start)]
    node = int(start)
    step = predecessors.item  # a Python int straight away, not a numpy scalar to convert
    for _ in range(predecessors.shape[0]):
        node = step(node)
        if node < 0:
            return np.asarray(out, dtype=np.int64)
        out.append(node)
    raise RoutingError(f"predecessor row has a cycle through node {start}; it is not a search tree")


def path_along(graph: NavGraph, network: Network, nodes: np.ndarray) -> Path:
    """The :class:`Path` through ``nodes`` in order, timed with the network's arcs."""
    nodes = np.asarray(nodes, dtype=np.int64)
    arcs = network.arcs(nodes[:-1], nodes[1:])
    if arcs.size and arcs.min() < 0:
        i = int(np.flatnonzero(arcs < 0)[0])
        raise RoutingError(
            f"no arc from node {nodes[i]} to node {nodes[i + 1]} in this network state; "
            "a path must come from a table of the same state"
        )
    # Elapsed time and distance: 0 at the origin, then the running sums of the hops.
    t_s, s_m = np.zeros(nodes.size), np.zeros(nodes.size)
    np.cumsum(network.arc_time_s[arcs], out=t_s[1:])
    np.cumsum(network.arc_length_m[arcs], out=s_m[1:])
    return Path(
        nodes=nodes.astype(np.int32),
        edges=network.arc_edge[arcs].astype(np.int32),
        xyz=graph.node_xyz[nodes],
        storey=graph.node_storey[nodes],
        t_s=t_s,
        s_m=s_m,
    )
