"""Routing: travel times, nearest people and paths on the navigation graph, per network state.

Takes a :class:`~twin.navgraph.NavGraph` and the building's current
:class:`NetworkState` (lifts off, spaces flooded, doors locked, travel mode), gives answers from
tables searched once per state with ``scipy.sparse.csgraph``: a dispatch decision is a row lookup
and an ``argmin``; no shortest-path search runs per event.

The parts, in pipeline order: :mod:`~twin.routing.state` (what is out of use),
:mod:`~twin.routing.network` (the graph in one state, as CSR), :mod:`~twin.routing.tables`
(rows of times and predecessors), :mod:`~twin.routing.paths` (polylines),
:mod:`~twin.routing.router` (the cache and the questions the drill asks).
"""

from __future__ import annotations

from twin.routing.network import Network, closed_nodes, compile_network, removed_edges
from twin.routing.paths import Path, path_along, walk_predecessors
from twin.routing.router import Positions, Reach, Router
from twin.routing.state import NORMAL, NetworkState, NoRouteError, RoutingError
from twin.routing.tables import Direction, Table, tree_lengths

__all__ = [
    "NORMAL",
    "Direction",
    "Network",
    "NetworkState",
    "NoRouteError",
    "Path",
    "Positions",
    "Reach",
    "Router",
    "RoutingError",
    "Table",
    "closed_nodes",
    "compile_network",
    "path_along",
    "removed_edges",
    "tree_lengths",
    "walk_predecessors",
]
