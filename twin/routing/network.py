"""A navigation graph in one network state, as directed arcs and CSR matrices for scipy.

Takes a :class:`~twin.navgraph.NavGraph` and a :class:`~twin.routing.state.NetworkState`, gives a
:class:`Network`: one arc per ordered node pair that can be travelled, weighted in seconds for the
state's travel mode. Time is directed (stairs up ≠ down, boarding a lift ≠ getting out), so each
undirected graph edge ``e = (u, v)`` gives the arc u → v with ``edge_times_s`` forwards and the
arc v → u with it backwards. Parallel edges collapse to the fastest *before* the CSR is built: a
COO → CSR conversion would add them up (two doors between the same rooms are not one slow door).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array

from twin.navgraph import EdgeKind, NavGraph, NodeKind
from twin.routing.state import NetworkState, RoutingError
from twin.travel import edge_times_s

_LIFT_EDGES = (int(EdgeKind.LIFT_RIDE), int(EdgeKind.LIFT_BOARD))


@dataclass(frozen=True, slots=True, eq=False)
class Network:
    """Directed arcs of one graph in one state, sorted by ``(u, v)``, one per ordered pair.

    ``arc_length_m`` and ``arc_edge`` belong to the fastest of the parallel edges, so distances
    measured along a route are those of the route actually taken.
    """

    state: NetworkState
    n_nodes: int
    arc_u: np.ndarray
    arc_v: np.ndarray
    arc_time_s: np.ndarray
    arc_length_m: np.ndarray
    arc_edge: np.ndarray
    """The NavGraph edge each arc comes from."""
    arc_key: np.ndarray
    """``u * n_nodes + v`` (int64, ascending), to find arcs by their ends."""
    closed: np.ndarray
    """Per node: nobody may enter it in this state."""
    forward: csr_array
    """Row u, column v: seconds u → v."""
    backward: csr_array
    """The transpose: row v, column u: seconds u → v (search it to find times *to* a node)."""

    @property
    def n_arcs(self) -> int:
        return int(self.arc_u.shape[0])

    @property
    def nbytes(self) -> int:
        arrays = (
            self.arc_u,
            self.arc_v,
            self.arc_time_s,
            self.arc_length_m,
            self.arc_edge,
            self.arc_key,
            self.closed,
        )
        mats = sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes for m in (self.forward, self.backward))
        return int(sum(a.nbytes for a in arrays) + mats)

    def arcs(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Arc index of each pair ``(u[i], v[i])``, or -1 where no arc leads from u to v."""
        want = np.asarray(u, dtype=np.int64) * self.n_nodes + np.asarray(v, dtype=np.int64)
        if self.arc_key.size == 0:
            return np.full(want.shape, -1, dtype=np.int64)
        i = np.minimum(np.searchsorted(self.arc_key, want), self.arc_key.size - 1)
        return np.where(self.arc_key[i] == want, i, -1)


def closed_nodes(graph: NavGraph, state: NetworkState) -> np.ndarray:
    """Boolean mask of the nodes nobody may enter in ``state``."""
    n = graph.n_nodes
    closed = np.zeros(n, dtype=bool)
    if state.closed_nodes:
        ids = np.fromiter(state.closed_nodes, dtype=np.int64, count=len(state.closed_nodes))
        if ids.max() >= n:
            raise RoutingError(
                f"network state closes node {int(ids.max())} but the graph has nodes 0..{n - 1}; "
                "take node ids from the same NavGraph"
            )
        closed[ids] = True
    kind = graph.node_kind
    if state.closed_storeys:
        # Lift stops stay open so cars ride through; the floor around them is closed.
        closed |= np.isin(graph.node_storey, list(state.closed_storeys)) & (kind != NodeKind.LIFT)
    if state.all_lifts_off:
        closed |= kind == NodeKind.LIFT
    elif state.lifts_off:
        closed |= (kind == NodeKind.LIFT) & np.isin(graph.node_ref, list(state.lifts_off))
    if state.locked_doors:
        closed |= (kind == NodeKind.DOOR) & np.isin(graph.node_ref, list(state.locked_doors))
    return closed


def removed_edges(graph: NavGraph, state: NetworkState) -> np.ndarray:
    """Boolean mask of the edges out of use both ways in ``state``."""
    m = graph.n_edges
    removed = np.zeros(m, dtype=bool)
    if state.closed_edges:
        ids = np.fromiter(state.closed_edges, dtype=np.int64, count=len(state.closed_edges))
        if ids.max() >= m:
            raise RoutingError(
                f"network state closes edge {int(ids.max())} but the graph has edges 0..{m - 1}; "
                "take edge ids from the same NavGraph"
            )
        removed[ids] = True
    kind = graph.edge_kind
    lift_edge = np.isin(kind, _LIFT_EDGES)
    if state.all_lifts_off:
        removed |= lift_edge
    elif state.lifts_off:
        removed |= lift_edge & np.isin(graph.edge_ref, list(state.lifts_off))
    if state.locked_doors:
        removed |= (kind == EdgeKind.WALK) & np.isin(graph.edge_ref, list(state.locked_doors))
    return removed


def compile_network(graph: NavGraph, state: NetworkState) -> Network:
    """Apply ``state`` to ``graph``: the directed arcs people can travel, fastest per node pair.

    Parameters
    ----------
    graph
        The navigation graph.
    state
        What is off, closed or locked, and the travel mode.

    Returns
    -------
    Network
        Arcs into closed nodes, over removed edges, with infinite time (stairs for heavy loads)
        and self-loops are left out; of parallel arcs the fastest stays (the shortest of equally
        fast ones).
    """
    n = graph.n_nodes
    closed = closed_nodes(graph, state)
    fwd_s, rev_s = edge_times_s(graph, state.mode)
    if np.any(fwd_s < 0) or np.any(rev_s < 0):
        raise RoutingError("edge_times_s gave a negative time; check the travel mode's speeds")
    keep_edge = ~removed_edges(graph, state)
    ids = np.flatnonzero(keep_edge).astype(np.int32)
    eu, ev = graph.edge_u[ids], graph.edge_v[ids]
    u = np.concatenate([eu, ev]).astype(np.int32)
    v = np.concatenate([ev, eu]).astype(np.int32)
    t = np.concatenate([fwd_s[ids], rev_s[ids]])
    length = np.concatenate([graph.edge_length_m[ids], graph.edge_length_m[ids]])
    edge = np.concatenate([ids, ids])

    ok = np.isfinite(t) & (u != v) & ~closed[v]
    u, v, t, length, edge = u[ok], v[ok], t[ok], length[ok], edge[ok]
    order = np.lexsort((length, t, v, u))
    u, v, t, length, edge = u[order], v[order], t[order], length[order], edge[order]
    first = np.ones(u.shape[0], dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, t, length, edge = u[first], v[first], t[first], length[first], edge[first]

    forward = _csr(u, v, t, n)
    back = np.lexsort((u, v))
    backward = _csr(v[back], u[back], t[back], n)
    return Network(
        state=state,
        n_nodes=n,
        arc_u=u,
        arc_v=v,
        arc_time_s=t,
        arc_length_m=length,
        arc_edge=edge,
        arc_key=u.astype(np.int64) * n + v,
        closed=closed,
        forward=forward,
        backward=backward,
    )


def _csr(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, n: int) -> csr_array:
    """CSR straight from arcs already sorted by (row, col) and unique — no COO, so no summing."""
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return csr_array((data.astype(np.float64), cols.astype(np.int32), indptr), shape=(n, n))
