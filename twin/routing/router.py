"""The router: what the drill asks of the building, answered from tables cached per state.

Takes a :class:`~twin.navgraph.NavGraph` and the key nodes the drill will ask about (incident
places, equipment, crew bases, entrances), gives travel times, distances, nearest-person
decisions and paths for any :class:`~twin.routing.state.NetworkState`. The first question in a
state compiles the network and searches from every key node once; every later question in that
state is a row lookup (and an ``argmin`` for dispatch). A node that is not a key gets its row the
first time it is asked for.

Where people are (:class:`Positions`): a person is at a node, or on the way to a node with some
seconds still to go; someone part-way along an edge may also turn back, so a position can hold
several ``(node, seconds)`` alternatives and counts from the best of them.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import dijkstra

from twin.navgraph import NavGraph
from twin.routing.network import Network, compile_network
from twin.routing.paths import Path, path_along, walk_predecessors
from twin.routing.state import NORMAL, NetworkState, NoRouteError, RoutingError
from twin.routing.tables import Direction, Table, node_ids

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, eq=False)
class Positions:
    """Where ``p`` people are: ``(p, a)`` arrays of nodes and seconds until they reach them.

    A person's time to anywhere is the minimum over their ``a`` alternatives of
    ``eta_s + time(node → there)``; use ``inf`` in ``eta_s`` to pad unused alternatives.
    """

    node: np.ndarray
    eta_s: np.ndarray

    def __post_init__(self) -> None:
        node = np.asarray(self.node)
        eta = np.asarray(self.eta_s, dtype=np.float64)
        if node.ndim == 1:
            node = node[:, None]
        if eta.ndim == 1:
            eta = eta[:, None]
        if node.ndim != 2 or node.shape != eta.shape:
            raise RoutingError(
                f"Positions: node and eta_s must both be (people,) or (people, alternatives), "
                f"got {np.shape(self.node)} and {np.shape(self.eta_s)}"
            )
        if node.size and node.dtype.kind not in "iu":
            raise RoutingError(f"Positions: nodes must be integer ids, got {node.dtype}")
        if not np.all(eta >= 0):  # NaN fails it too
            raise RoutingError("Positions: eta_s must be ≥ 0 seconds (inf for none), got NaN or < 0")
        object.__setattr__(self, "node", node.astype(np.int64))
        object.__setattr__(self, "eta_s", eta)

    def __len__(self) -> int:
        return int(self.node.shape[0])

    @classmethod
    def at(cls, nodes: ArrayLike) -> Positions:
        """People standing at ``nodes``."""
        node = np.asarray(nodes, dtype=np.int64).reshape(-1)
        return cls(node, np.zeros(node.shape))

    @classmethod
    def en_route(cls, nodes: ArrayLike, eta_s: ArrayLike) -> Positions:
        """People who reach ``nodes`` in ``eta_s`` seconds (0 for those already there)."""
        node = np.asarray(nodes, dtype=np.int64).reshape(-1)
        return cls(node, np.broadcast_to(np.asarray(eta_s, dtype=np.float64), node.shape).copy())

    @classmethod
    def on_edges(cls, network: Network, u: ArrayLike, v: ArrayLike, fraction: ArrayLike) -> Positions:
        """People walking from ``u`` to ``v``, ``fraction`` (0-1) of the way there.

        Each may go on to ``v`` (the rest of the arc u → v) or turn back to ``u`` (the part done,
        timed on the arc v → u); where an arc is out of use in ``network`` that way is ``inf``.
        """
        uu = node_ids(u, network.n_nodes, "Positions.on_edges u")
        vv = node_ids(v, network.n_nodes, "Positions.on_edges v")
        f = np.broadcast_to(np.asarray(fraction, dtype=np.float64), uu.shape)
        if np.any((f < 0) | (f > 1)) or np.any(np.isnan(f)):
            raise RoutingError("Positions.on_edges: fraction must lie in 0..1")
        ahead, back = network.arcs(uu, vv), network.arcs(vv, uu)
        t_ahead = np.where(ahead >= 0, (1 - f) * network.arc_time_s[ahead], np.inf)
        t_back = np.where(back >= 0, f * network.arc_time_s[back], np.inf)
        t_ahead = np.where(f == 1, 0.0, t_ahead)
        t_back = np.where(f == 0, 0.0, t_back)
        return cls(np.column_stack([vv, uu]), np.column_stack([t_ahead, t_back]))


@dataclass(frozen=True, slots=True, eq=False)
class Reach:
    """A multi-source search where only the nearest source matters (``min_only``).

    ``direction="to"``: ``time_s[v]`` is the time from ``v`` to its nearest source, ``source[v]``
    that source (-1 if none is reachable), ``predecessors[v]`` the next node on the way there.
    ``direction="from"``: time from the nearest source to ``v``; the predecessor is the node before.
    """

    direction: Direction
    time_s: np.ndarray
    source: np.ndarray
    predecessors: np.ndarray


@dataclass(slots=True)
class _StateCache:
    network: Network
    tables: dict[str, Table] = field(default_factory=dict)
    reach: dict[tuple[str, bytes], Reach] = field(default_factory=dict)
    paths: dict[tuple[int, int], Path] = field(default_factory=dict)
    """Paths taken from the "to" table, by (origin, target): a drill asks for the same few often."""


class Router:
    """Travel times, nearest people and paths on one graph, cached per network state.

    Parameters
    ----------
    graph
        The navigation graph.
    keys
        Node ids searched from (or to) in one go the first time a state's table is used: the
        places the drill will ask about. Others get rows when first asked for.
    max_states
        Network states kept at once; the least recently used is dropped beyond that.
    chunk_rows
        Rows per ``dijkstra`` call when building tables.

    Notes
    -----
    Not thread-safe (a SimPy run is one thread). Memory per state: 12 bytes x nodes per table
    row (see :attr:`nbytes`).
    """

    def __init__(
        self,
        graph: NavGraph,
        keys: ArrayLike | None = None,
        *,
        max_states: int = 8,
        chunk_rows: int = 256,
    ) -> None:
        self.graph = graph
        n = graph.n_nodes
        self.keys = np.unique(node_ids(keys, n, "Router keys")) if keys is not None else np.empty(0, np.int64)
        self.max_states = max(int(max_states), 1)
        self.chunk_rows = chunk_rows
        self._cache: OrderedDict[NetworkState, _StateCache] = OrderedDict()
        self._last: tuple[NetworkState, _StateCache] | None = None
        """The state asked about last (the most recently used, at the end of the cache) and its
        entry: a run asks about one state thousands of times in a row."""

    # -- caches -------------------------------------------------------------------------------

    def _entry(self, state: NetworkState) -> _StateCache:
        last = self._last
        if last is not None and last[0] is state:
            return last[1]  # already the most recently used: nothing to reorder
        if not isinstance(state, NetworkState):
            raise RoutingError(f"expected a NetworkState, got {type(state).__name__}")
        entry = self._cache.get(state)
        if entry is None:
            entry = _StateCache(compile_network(self.graph, state))
            self._cache[state] = entry
            while len(self._cache) > self.max_states:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(state)
        self._last = (state, entry)
        return entry

    @property
    def states(self) -> tuple[NetworkState, ...]:
        """The states cached now, least recently used first."""
        return tuple(self._cache)

    @property
    def nbytes(self) -> int:
        """Bytes held by every cached network, table and multi-source search."""
        total = 0
        for entry in self._cache.values():
            total += entry.network.nbytes + sum(t.nbytes for t in entry.tables.values())
            total += sum(r.time_s.nbytes * 2 + r.predecessors.nbytes for r in entry.reach.values())
        return total

    def clear(self) -> None:
        """Forget every cached state."""
        self._cache.clear()
        self._last = None

    def network(self, state: NetworkState = NORMAL) -> Network:
        """The graph compiled for ``state`` (cached)."""
        return self._entry(state).network

    def table(self, state: NetworkState = NORMAL, direction: Direction = "to") -> Table:
        """The table of ``state`` in ``direction``, searched from every key on first use."""
        entry = self._entry(state)
        table = entry.tables.get(direction)
        if table is None:
            table = Table(entry.network, direction, chunk_rows=self.chunk_rows)
            if self.keys.size:
                start = time.perf_counter()
                table.rows(self.keys)
                log.info(
                    "routing table %r for %s: %d rows x %d nodes in %.2f s",
                    direction,
                    state.describe(),
                    self.keys.size,
                    self.graph.n_nodes,
                    time.perf_counter() - start,
                )
            entry.tables[direction] = table
        return table

    def _pick(self, state: NetworkState, origins: np.ndarray, targets: np.ndarray) -> Table:
        """The "from" table when it already has every origin and "to" lacks a target, else "to"."""
        entry = self._entry(state)
        frm, to = entry.tables.get("from"), entry.tables.get("to")
        if frm is not None and frm.has_rows(origins).all() and (to is None or not to.has_rows(targets).all()):
            return frm
        return self.table(state, "to")

    # -- questions ----------------------------------------------------------------------------

    def times(self, origins: ArrayLike, targets: ArrayLike, state: NetworkState = NORMAL) -> np.ndarray:
        """Seconds from each origin to each target: ``(len(origins), len(targets))``, ``inf`` if
        unreachable."""
        n = self.graph.n_nodes
        o, t = node_ids(origins, n, "origins"), node_ids(targets, n, "targets")
        table = self._pick(state, o, t)
        return table.lookup(o, t) if table.direction == "from" else table.lookup(t, o).T

    def distances(self, origins: ArrayLike, targets: ArrayLike, state: NetworkState = NORMAL) -> np.ndarray:
        """Metres along the fastest route from each origin to each target (as :meth:`times`)."""
        n = self.graph.n_nodes
        o, t = node_ids(origins, n, "origins"), node_ids(targets, n, "targets")
        table = self._pick(state, o, t)
        return table.distance_m(o, t) if table.direction == "from" else table.distance_m(t, o).T

    def response_times(
        self,
        targets: ArrayLike,
        positions: Positions,
        state: NetworkState = NORMAL,
        *,
        eligible: ArrayLike | None = None,
    ) -> np.ndarray:
        """Seconds for each person to reach each target: ``(len(targets), len(positions))``.

        Parameters
        ----------
        targets
            Node ids of the places (one per dispatch decision; repeats are fine).
        positions
            Where the people are now.
        state
            The building as it is.
        eligible
            Boolean, ``(len(targets), len(positions))`` or ``(len(positions),)``: who may be sent
            (qualified, on shift, free). Ineligible people get ``inf``.
        """
        table = self.table(state, "to")
        rows = table.rows(targets)
        node_ids(positions.node, self.graph.n_nodes, "positions")
        time_s = table.time_s
        if positions.node.shape[1] == 1:
            out = time_s[rows[:, None], positions.node[None, :, 0]] + positions.eta_s[None, :, 0]
        else:
            out = (time_s[rows[:, None, None], positions.node[None]] + positions.eta_s[None]).min(axis=2)
        if eligible is not None:
            mask = np.asarray(eligible, dtype=bool)
            try:
                if mask.shape != out.shape:
                    mask = np.broadcast_to(mask, out.shape)
            except ValueError:
                raise RoutingError(
                    f"eligible has shape {np.shape(eligible)}; expected {out.shape} "
                    f"(targets x people) or ({out.shape[1]},) (people)"
                ) from None
            out = np.where(mask, out, np.inf)
        return np.asarray(out)

    def dispatch(
        self,
        targets: ArrayLike,
        positions: Positions,
        state: NetworkState = NORMAL,
        *,
        eligible: ArrayLike | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The nearest eligible person for each target, all decisions at once.

        Returns
        -------
        person, time_s
            Index into ``positions`` (-1 where nobody eligible can get there) and their seconds
            (``inf`` then). Ties go to the lower index.
        """
        out = self.response_times(targets, positions, state, eligible=eligible)
        m = out.shape[0]
        if out.shape[1] == 0:
            return np.full(m, -1, dtype=np.int64), np.full(m, np.inf)
        person = out.argmin(axis=1)
        best = out[np.arange(m), person]
        return np.where(np.isfinite(best), person, -1), best

    def nearest(
        self,
        target: int,
        positions: Positions,
        state: NetworkState = NORMAL,
        *,
        eligible: ArrayLike | None = None,
    ) -> tuple[int, float]:
        """The nearest eligible person to one place: ``(index into positions, seconds)``, or
        ``(-1, inf)`` when nobody can get there."""
        mask = None if eligible is None else np.asarray(eligible, dtype=bool).reshape(1, -1)
        person, best = self.dispatch([target], positions, state, eligible=mask)
        return int(person[0]), float(best[0])

    def reach(
        self, sources: ArrayLike, state: NetworkState = NORMAL, *, direction: Direction = "to"
    ) -> Reach:
        """Time between every node and the nearest of ``sources`` (one ``min_only`` search, cached).

        ``"to"``: e.g. seconds from every node to the nearest entrance; ``"from"``: e.g. seconds
        for a contractor arriving at whichever entrance is nearest to reach every node.
        """
        if direction not in ("to", "from"):
            raise RoutingError(f"reach direction must be 'to' or 'from', got {direction!r}")
        entry = self._entry(state)
        src = np.unique(node_ids(sources, self.graph.n_nodes, "sources"))
        key = (direction, src.tobytes())
        found = entry.reach.get(key)
        if found is not None:
            return found
        n = self.graph.n_nodes
        if src.size == 0:
            found = Reach(
                direction, np.full(n, np.inf), np.full(n, -1, np.int32), np.full(n, -9999, np.int32)
            )
        else:
            graph = entry.network.backward if direction == "to" else entry.network.forward
            t, pred, which = dijkstra(
                graph, directed=True, indices=src, min_only=True, return_predecessors=True
            )
            found = Reach(direction, t, np.where(which < 0, -1, which).astype(np.int32), pred)
        entry.reach[key] = found
        return found

    def path(self, origin: int, target: int, state: NetworkState = NORMAL) -> Path:
        """The fastest path from ``origin`` to ``target``, from the predecessor arrays.

        Paths read from the "to" table are kept per state and handed to every later caller, so
        their arrays are read-only.

        Raises
        ------
        NoRouteError
            When ``target`` cannot be reached from ``origin`` in ``state``.
        """
        entry = self._entry(state)
        n = self.graph.n_nodes
        if type(origin) is int and type(target) is int and 0 <= origin < n and 0 <= target < n:
            o, t = origin, target  # the engine's case, once per trip: no array round trip
        else:
            o = int(node_ids([origin], n, "origin")[0])
            t = int(node_ids([target], n, "target")[0])
        found = entry.paths.get((o, t))
        if found is not None:
            return found
        table = self._pick(state, np.array([o]), np.array([t]))
        if table.direction == "from":
            row = table.row(o)
            seconds = table.time_s[row, t]
        else:
            row = table.row(t)
            seconds = table.time_s[row, o]
        if not np.isfinite(seconds):
            raise NoRouteError(
                f"no route from node {o} to node {t} ({state.describe()}); "
                "something on the way is closed, locked or off"
            )
        if table.direction == "from":
            nodes = walk_predecessors(table.predecessors[row], t)[::-1]
            return path_along(self.graph, entry.network, nodes)
        # A "to" row never changes and, once there, is always the one picked for this target,
        # so its paths can be kept; a "from" path could give way to a "to" row computed later.
        found = path_along(self.graph, entry.network, walk_predecessors(table.predecessors[row], o))
        for a in (found.nodes, found.edges, found.xyz, found.storey, found.t_s, found.s_m):
            a.flags.writeable = False  # shared by every caller from now on
        entry.paths[(o, t)] = found
        return found

    def path_to_nearest(self, origin: int, sources: ArrayLike, state: NetworkState = NORMAL) -> Path:
        """The fastest path from ``origin`` to whichever of ``sources`` is nearest."""
        found = self.reach(sources, state, direction="to")
        o = int(node_ids([origin], self.graph.n_nodes, "origin")[0])
        if not np.isfinite(found.time_s[o]):
            raise NoRouteError(
                f"no route from node {o} to any of {len(np.unique(sources))} nodes ({state.describe()})"
            )
        nodes = walk_predecessors(found.predecessors, o)
        return path_along(self.graph, self._entry(state).network, nodes)
