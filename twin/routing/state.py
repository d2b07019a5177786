"""Network states: the building as it is right now — what is switched off, closed or locked.

A :class:`NetworkState` is a value (frozen, hashable, comparable, made of frozensets), so it can
key a cache: every state the drill puts the building in gets its own routing tables once. What
each part means on the graph is decided in one place, :func:`twin.routing.network.compile_network`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from twin.errors import TwinError
from twin.travel import WALKING, TravelMode
from twin.words import plural


class RoutingError(TwinError):
    """A routing request names nodes, edges or states the graph does not have."""


class NoRouteError(RoutingError):
    """There is no way from one place to another in a network state."""


_SETS = ("lifts_off", "closed_nodes", "closed_storeys", "locked_doors", "closed_edges")


def _ids(values: Iterable[int], field: str) -> frozenset[int]:
    out = frozenset(int(x) for x in values)
    if out and min(out) < 0:
        raise RoutingError(f"NetworkState.{field}: ids must be ≥ 0, got {min(out)}")
    return out


@dataclass(frozen=True, slots=True)
class NetworkState:
    """What is out of use, and who is travelling.

    Parameters
    ----------
    mode
        The traveller (:data:`twin.travel.WALKING`, :data:`twin.travel.HEAVY`…); stairs are out
        of use for a heavy mode.
    all_lifts_off
        Every lift is off (a power loss, a fire): lift stops cannot be entered and no car moves.
    lifts_off
        Indices into ``model.lifts`` of the lifts that are off (ignored when ``all_lifts_off``).
    closed_nodes
        Navigation-graph node ids nobody may enter (a flooded space, a cordon). Someone already
        there can still leave, so a crew caught by rising water is not stranded by the table.
    closed_storeys
        Storey indices whose every node is closed as above, except lift stops: a car still
        passes through the shaft, but nobody gets out on that storey.
    locked_doors
        Indices into ``model.doors``: the door's node is closed and the walking edges through the
        door are removed both ways.
    closed_edges
        Navigation-graph edge ids removed both ways.

    Indices of lifts, doors and storeys the graph does not have change nothing; node and edge ids
    outside the graph are an error when the state is applied.
    """

    mode: TravelMode = WALKING
    all_lifts_off: bool = False
    lifts_off: frozenset[int] = frozenset()
    closed_nodes: frozenset[int] = frozenset()
    closed_storeys: frozenset[int] = frozenset()
    locked_doors: frozenset[int] = frozenset()
    closed_edges: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        for name in _SETS:
            value = getattr(self, name)
            if not (isinstance(value, frozenset) and all(type(x) is int for x in value)):
                object.__setattr__(self, name, _ids(value, name))
            elif value and min(value) < 0:
                raise RoutingError(f"NetworkState.{name}: ids must be ≥ 0, got {min(value)}")
        if self.all_lifts_off and self.lifts_off:
            # One spelling per state, so equal buildings hash equal.
            object.__setattr__(self, "lifts_off", frozenset())

    @property
    def is_normal(self) -> bool:
        """Nothing is off, closed or locked (the mode may be any)."""
        return not (self.all_lifts_off or any(getattr(self, name) for name in _SETS))

    def with_mode(self, mode: TravelMode) -> NetworkState:
        """The same building for another traveller."""
        return dataclasses.replace(self, mode=mode)

    def with_lifts_off(self, lifts: Iterable[int] | None = None) -> NetworkState:
        """Switch off the lifts with these indices (``model.lifts``), or all when ``None``."""
        if lifts is None:
            return dataclasses.replace(self, all_lifts_off=True, lifts_off=frozenset())
        return dataclasses.replace(self, lifts_off=self.lifts_off | _ids(lifts, "lifts_off"))

    def with_lifts_on(self, lifts: Iterable[int] | None = None) -> NetworkState:
        """Switch the named lifts back on, or every lift when ``None``."""
        if lifts is None:
            return dataclasses.replace(self, all_lifts_off=False, lifts_off=frozenset())
        if self.all_lifts_off:
            raise RoutingError(
                "NetworkState.with_lifts_on: every lift is off, so single lifts cannot be switched "
                "on; build the state from with_lifts_off(<the lifts that stay off>) instead"
            )
        return dataclasses.replace(self, lifts_off=self.lifts_off - _ids(lifts, "lifts_off"))

    def with_closed(
        self,
        nodes: Iterable[int] = (),
        *,
        storeys: Iterable[int] = (),
        edges: Iterable[int] = (),
    ) -> NetworkState:
        """Close more nodes (no entry), whole storeys, or edges (both ways)."""
        return dataclasses.replace(
            self,
            closed_nodes=self.closed_nodes | _ids(nodes, "closed_nodes"),
            closed_storeys=self.closed_storeys | _ids(storeys, "closed_storeys"),
            closed_edges=self.closed_edges | _ids(edges, "closed_edges"),
        )

    def with_reopened(
        self,
        nodes: Iterable[int] = (),
        *,
        storeys: Iterable[int] = (),
        edges: Iterable[int] = (),
    ) -> NetworkState:
        """Open again nodes, storeys or edges closed before."""
        return dataclasses.replace(
            self,
            closed_nodes=self.closed_nodes - _ids(nodes, "closed_nodes"),
            closed_storeys=self.closed_storeys - _ids(storeys, "closed_storeys"),
            closed_edges=self.closed_edges - _ids(edges, "closed_edges"),
        )

    def with_locked(self, doors: Iterable[int]) -> NetworkState:
        """Lock the doors with these indices (``model.doors``)."""
        return dataclasses.replace(self, locked_doors=self.locked_doors | _ids(doors, "locked_doors"))

    def with_unlocked(self, doors: Iterable[int]) -> NetworkState:
        """Unlock the doors with these indices."""
        return dataclasses.replace(self, locked_doors=self.locked_doors - _ids(doors, "locked_doors"))

    def describe(self) -> str:
        """A short phrase for logs and messages: ``"walking; all lifts off; 2 nodes closed"``."""
        parts = [self.mode.name]
        if self.all_lifts_off:
            parts.append("all lifts off")
        labels = {
            "lifts_off": ("lift", "off"),
            "closed_nodes": ("node", "closed"),
            "closed_storeys": ("storey", "closed"),
            "locked_doors": ("door", "locked"),
            "closed_edges": ("edge", "closed"),
        }
        parts += [
            f"{plural(len(getattr(self, name)), labels[name][0])} {labels[name][1]}"
            for name in _SETS
            if getattr(self, name)
        ]
        return "; ".join(parts)


#: The building with everything working, for a walking crew.
NORMAL = NetworkState()
