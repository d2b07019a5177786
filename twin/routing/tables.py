"""Travel-time tables: one shortest-path search per key node and state, then only lookups.

Takes a :class:`~twin.routing.network.Network`, gives a :class:`Table` of rows — one per node
searched from — of seconds (and, on demand, metres) to or from every node, with the predecessor
arrays the paths come from. Rows are computed with ``scipy.sparse.csgraph.dijkstra`` the first
time a node is asked for and kept, so a drill runs each search at most once per network state.

Directions, because time is directed (stairs up ≠ down):

* ``"from"`` — row ``k``, column ``v``: seconds from ``k`` to ``v`` (search on the graph);
  ``predecessors[k, v]`` is the node before ``v`` on that path.
* ``"to"`` — row ``k``, column ``v``: seconds from ``v`` to ``k`` (search on the transposed
  graph from ``k``); ``predecessors[k, v]`` is the node after ``v`` on the way to ``k``.
  This is the dispatch table: "how long from where each person is to this place".

Distances are measured along the same fastest paths (through the predecessors), never by a
separate search by length: the metres reported are the metres of the route people take.
Unreachable is ``inf`` in both.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import dijkstra

from twin.routing.network import Network
from twin.routing.state import RoutingError

Direction = Literal["to", "from"]


def node_ids(values: ArrayLike, n_nodes: int, what: str = "nodes") -> np.ndarray:
    """``values`` as a 1-d int64 array of node ids, checked to lie in ``0..n_nodes-1``."""
    ids = np.asarray(values)
    if ids.dtype.kind not in "iu" and ids.size:
        raise RoutingError(f"{what}: node ids must be integers, got {ids.dtype} values")
    ids = ids.astype(np.int64, copy=False).reshape(-1)
    # One comparison: a negative id read as unsigned is beyond any node.
    if ids.size and (ids.view(np.uint64) >= n_nodes).any():
        bad = int(ids[(ids < 0) | (ids >= n_nodes)][0])
        raise RoutingError(
            f"{what}: node {bad} is not in the graph (nodes 0..{n_nodes - 1}); "
            "take node ids from the same NavGraph"
        )
    return ids


class Table:
    """Shortest times between the row nodes and every node, in one network and direction.

    Parameters
    ----------
    network
        The graph in one state.
    direction
        ``"to"`` (seconds from every node to the row node) or ``"from"`` (from the row node).
    chunk_rows
        Rows per ``dijkstra`` call; bounds the temporary memory of a big first build.

    Notes
    -----
    A cache, so mutable: rows are added by :meth:`rows`, never changed. Each row costs
    ``12 x n_nodes`` bytes (float64 time + int32 predecessor), plus 8 more once distances of that
    row are asked for.
    """

    def __init__(self, network: Network, direction: Direction, *, chunk_rows: int = 256) -> None:
        if direction not in ("to", "from"):
            raise RoutingError(f"table direction must be 'to' or 'from', got {direction!r}")
        self.network = network
        self.direction: Direction = direction
        self.chunk_rows = max(int(chunk_rows), 1)
        n = network.n_nodes
        self._row_of = np.full(n, -1, dtype=np.int64)
        self._nodes = np.empty(0, dtype=np.int64)
        self._time = np.empty((0, n), dtype=np.float64)
        self._pred = np.empty((0, n), dtype=np.int32)
        self._dist: np.ndarray | None = None
        self._has_dist = np.empty(0, dtype=bool)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def keys(self) -> np.ndarray:
        """Node id of each row, in row order."""
        return self._nodes[: self._count].copy()

    @property
    def time_s(self) -> np.ndarray:
        """``(rows, n_nodes)`` seconds, read-only (``inf`` where unreachable)."""
        return _readonly(self._time[: self._count])

    @property
    def predecessors(self) -> np.ndarray:
        """``(rows, n_nodes)`` int32 neighbour on the path (module docstring); -9999 if none."""
        return _readonly(self._pred[: self._count])

    @property
    def nbytes(self) -> int:
        """Bytes held by the rows computed so far (time, predecessors, distances)."""
        c, n = self._count, self.network.n_nodes
        return c * n * (8 + 4 + (8 if self._dist is not None else 0)) + self._row_of.nbytes

    def has_rows(self, nodes: ArrayLike) -> np.ndarray:
        """Per node: is its row computed already (no search needed)?"""
        return np.asarray(self._row_of[node_ids(nodes, self.network.n_nodes, "table rows")] >= 0)

    def rows(self, nodes: ArrayLike) -> np.ndarray:
        """Row index of each node, searching from the nodes that have no row yet."""
        ids = node_ids(nodes, self.network.n_nodes, f"{self.direction}-table rows")
        r = self._row_of[ids]
        if np.any(r < 0):
            self._compute(np.unique(ids[r < 0]))
            r = self._row_of[ids]
        return np.asarray(r)

    def row(self, node: int) -> int:
        """:meth:`rows` of one node id (an int)."""
        if not 0 <= node < self.network.n_nodes:
            return int(self.rows([node])[0])  # the error naming the node
        r = int(self._row_of[node])
        if r < 0:
            self._compute(np.array([node], dtype=np.int64))
            r = int(self._row_of[node])
        return r

    def lookup(self, keys: ArrayLike, nodes: ArrayLike) -> np.ndarray:
        """Seconds between each key (rows) and each node (columns): ``(len(keys), len(nodes))``.

        For ``"to"``: from ``nodes[j]`` to ``keys[i]``; for ``"from"``: from ``keys[i]`` to
        ``nodes[j]``.
        """
        rows = self.rows(keys)
        cols = node_ids(nodes, self.network.n_nodes, "table columns")
        return np.asarray(self._time[rows[:, None], cols[None, :]])

    def distance_m(self, keys: ArrayLike, nodes: ArrayLike) -> np.ndarray:
        """Metres along the fastest paths, laid out like :meth:`lookup`."""
        rows = self.rows(keys)
        cols = node_ids(nodes, self.network.n_nodes, "table columns")
        dist = self._ensure_distances(np.unique(rows))
        return np.asarray(dist[rows[:, None], cols[None, :]])

    def _compute(self, new: np.ndarray) -> None:
        self._reserve(self._count + new.size)
        graph = self.network.forward if self.direction == "from" else self.network.backward
        for start in range(0, new.size, self.chunk_rows):
            idx = new[start : start + self.chunk_rows]
            time, pred = dijkstra(graph, directed=True, indices=idx, return_predecessors=True)
            rows = slice(self._count, self._count + idx.size)
            self._time[rows] = time
            self._pred[rows] = pred
            self._nodes[rows] = idx
            self._row_of[idx] = np.arange(rows.start, rows.stop)
            self._count += idx.size

    def _reserve(self, need: int) -> None:
        cap = self._time.shape[0]
        if need <= cap:
            return
        new_cap = need if cap == 0 else max(need, 2 * cap)
        self._time = _grown(self._time, new_cap, self._count)
        self._pred = _grown(self._pred, new_cap, self._count)
        self._nodes = _grown(self._nodes, new_cap, self._count)
        self._has_dist = _grown(self._has_dist, new_cap, self._count, fill=False)
        if self._dist is not None:
            self._dist = _grown(self._dist, new_cap, self._count)

    def _ensure_distances(self, rows: np.ndarray) -> np.ndarray:
        if self._dist is None:
            self._dist = np.empty(self._time.shape, dtype=np.float64)
        dist = self._dist
        todo = rows[~self._has_dist[rows]]
        for start in range(0, todo.size, self.chunk_rows):
            r = todo[start : start + self.chunk_rows]
            dist[r] = tree_lengths(self._pred[r], self._time[r], self.network, self.direction)
            self._has_dist[r] = True
        return dist


def tree_lengths(
    predecessors: np.ndarray, time_s: np.ndarray, network: Network, direction: Direction
) -> np.ndarray:
    """Metres from each row's root along its shortest-path tree, ``inf`` where unreachable.

    Pointer doubling: every node adds the length to its pointer's target and jumps to that
    target's pointer, so a tree of depth ``d`` takes ``log2(d)`` vectorized steps.
    """
    r, n = predecessors.shape
    col = np.broadcast_to(np.arange(n, dtype=np.int64), (r, n))
    has = predecessors >= 0
    pred = predecessors.astype(np.int64)
    # The arc walked into each node: pred -> v on a "from" tree, v -> pred on a "to" tree.
    tail, head = (pred, col) if direction == "from" else (col, pred)
    arcs = network.arcs(tail[has], head[has])
    if np.any(arcs < 0):
        raise RoutingError("predecessor arrays do not match the network they are used with")
    hop = np.zeros((r, n), dtype=np.float64)
    hop[has] = network.arc_length_m[arcs]
    base = (np.arange(r, dtype=np.int64) * n)[:, None]
    # Roots and unreachable nodes point at themselves with length 0: a fixed point.
    ptr = (np.where(has, pred, col) + base).ravel()
    acc = hop.ravel()
    while True:
        nxt = ptr[ptr]
        if np.array_equal(nxt, ptr):
            break
        acc = acc + acc[ptr]
        ptr = nxt
    out = acc.reshape(r, n)
    out[~np.isfinite(time_s)] = np.inf
    return out


def _grown(a: np.ndarray, cap: int, count: int, fill: object = None) -> np.ndarray:
    out = np.empty((cap, *a.shape[1:]), dtype=a.dtype)
    out[:count] = a[:count]
    if fill is not None:
        out[count:] = fill
    return out


def _readonly(a: np.ndarray) -> np.ndarray:
    view = a.view()
    view.flags.writeable = False
    return view
