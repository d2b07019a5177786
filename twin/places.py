"""Places: the names people type (a room, a valve, a GlobalId) to and from navigation-graph nodes.

Takes a PLACE string and a twin's :class:`~twin.model.BuildingModel` and
:class:`~twin.navgraph.NavGraph`, gives the node id that stands for it (:func:`resolve_place`), or
the network state with it out of use (:func:`close_places`); and back, gives a node a readable
name (:func:`place_name`) and a path plain data for reports (:func:`describe_path`). The one
mapping between outside names and inside ids for places (STYLE.md rule 3).

A PLACE is, tried in this order:

1. ``node:<id>`` — a navigation-graph node id, for debugging;
2. a GlobalId of a space, door, piece of equipment, lift (or any part grouped into it) or stair;
3. a name, case-insensitive: a space's name, long name or both (``"A-1403 Flat A-1403"``), then
   an equipment name, a lift name, a lift car exported as a space, a stair name, a door name —
   the first of these groups that has a match wins (a lift's own equipment entry, its power
   feed, stands for the lift);

optionally followed by ``@ STOREY`` (a storey name or index) to pick among spaces of the same
name on different storeys: ``"Corridor @ Level 3"``. A lift or stair stands for its lowest
landing: the floor in front of the lift doors (reachable with the lifts off, which is where a
rescue starts), the bottom landing of the stair.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from twin.errors import PlaceError, suggest
from twin.model import BuildingModel, Space
from twin.navgraph import EdgeKind, NavGraph, NodeKind
from twin.routing.paths import Path
from twin.routing.state import NetworkState

#: Candidates listed in an "ambiguous place" message.
MAX_LISTED = 4


@dataclass(frozen=True, slots=True)
class _Candidate:
    kind: str
    """``space``, ``door``, ``equipment``, ``lift`` or ``stair``."""
    index: int
    label: str
    id: str
    storey: int


def resolve_place(place: str, model: BuildingModel, graph: NavGraph) -> int:
    """The navigation-graph node a PLACE string names (see the module docstring).

    Parameters
    ----------
    place
        A name, GlobalId, ``NAME @ STOREY`` or ``node:<id>``.
    model, graph
        The twin the place belongs to.

    Returns
    -------
    int
        A node id of ``graph``.

    Raises
    ------
    PlaceError
        Unknown place (with the closest names), ambiguous name (with candidates, their storeys
        and GlobalIds), or a place that is not on the navigation graph.
    """
    return _resolve(place, model, graph)[1]


@dataclass(frozen=True, slots=True)
class Located:
    """What a PLACE names: its kind (``space``, ``door``, ``equipment``, ``lift``, ``stair`` or
    ``node``), its index in the model collection of that kind (-1 for ``node``) and its node."""

    kind: str
    index: int
    node: int


def locate(place: str, model: BuildingModel, graph: NavGraph) -> Located:
    """Like :func:`resolve_place`, but also says what kind of thing the place is and which one."""
    found, node = _resolve(place, model, graph)
    if found is None:
        return Located("node", -1, node)
    return Located(found.kind, found.index, node)


def close_places(
    state: NetworkState, places: Iterable[str], model: BuildingModel, graph: NavGraph
) -> NetworkState:
    """``state`` with each PLACE taken out of use, in the way that suits what it names.

    A storey name closes the storey; a lift is switched off; a door is locked; a stair's flights
    are closed; a space, piece of equipment or node is closed (nobody may enter it).
    """
    for place in places:
        storey = _storey_by_name(place, model)
        if storey is not None:
            state = state.with_closed(storeys=[storey])
            continue
        found, node = _resolve(place, model, graph)
        if found is not None and found.kind == "lift":
            state = state.with_lifts_off([found.index])
        elif found is not None and found.kind == "door":
            state = state.with_locked([found.index])
        elif found is not None and found.kind == "stair":
            flights = (graph.edge_ref == found.index) & np.isin(
                graph.edge_kind, (int(EdgeKind.STAIR), int(EdgeKind.RAMP))
            )
            state = state.with_closed(edges=np.flatnonzero(flights).tolist())
        elif found is not None and found.kind == "space":
            # Nobody walks through a closed room, not even from door to door across it.
            inside = (graph.node_kind == NodeKind.WAYPOINT) & (graph.node_ref == found.index)
            state = state.with_closed([node, *np.flatnonzero(inside).tolist()])
        else:
            state = state.with_closed([node])
    return state


def describe_path(path: Path, model: BuildingModel, graph: NavGraph) -> dict[str, Any]:
    """A route as plain data for JSON and reports.

    Returns ``{"time_s", "distance_m", "storeys_crossed", "path": [{"name", "storey", "x", "y",
    "z", "t_s"}, ...]}`` with one path entry per node passed.
    """
    steps = [
        {
            "name": place_name(model, graph, int(node)),
            "storey": storey_name(model, graph, int(node)),
            "x": round(float(x), 3),
            "y": round(float(y), 3),
            "z": round(float(z), 3),
            "t_s": round(float(t), 3),
        }
        for node, (x, y, z), t in zip(path.nodes, path.xyz, path.t_s, strict=True)
    ]
    return {
        "time_s": round(path.time_s, 3),
        "distance_m": round(path.distance_m, 3),
        "storeys_crossed": path.storeys_crossed,
        "path": steps,
    }


def _resolve(place: str, model: BuildingModel, graph: NavGraph) -> tuple[_Candidate | None, int]:
    text = place.strip()
    if not text:
        raise PlaceError("empty place name; give a space name, equipment name or GlobalId")
    if text.lower().startswith("node:"):
        return None, _node_literal(text, graph)

    found = _lifts_first(_by_global_id(text, model), model)
    if not found:
        name, _, storey_text = text.partition("@")
        name = name.strip()
        found = _lifts_first(_by_name(name, model), model)
        if storey_text.strip():
            storey = resolve_storey(storey_text.strip(), model)
            # A lift or stair is on every storey it serves: "Lift 2 @ Level 3" is its stop there.
            found = [
                _Candidate(c.kind, c.index, c.label, c.id, storey)
                for c in found
                if c.storey == storey or storey in _serves(c, model)
            ]
            if not found:
                raise PlaceError(
                    f"no place called '{name}' on storey '{model.storeys[storey].name}'"
                    f"{suggest(name, _names(model, storey))}"
                )
        if not found:
            raise PlaceError(
                f"no place called '{text}' in {model.name or 'the model'}"
                f"{suggest(text, _names(model))}; give a space or equipment name or a GlobalId"
            )
    nodes = {_node_of(c, model, graph) for c in found}
    if len(nodes) > 1:
        listed = "; ".join(
            f"{c.kind} {c.label} on {_storey_label(model, c.storey)} ({c.id})" for c in found[:MAX_LISTED]
        )
        more = f"; and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
        raise PlaceError(
            f"'{text}' names {len(found)} places: {listed}{more} — give a GlobalId or add '@ STOREY'"
        )
    node = nodes.pop()
    if node < 0:
        c = found[0]
        raise PlaceError(
            f"{c.kind} {c.label} ({c.id}) is not on the navigation graph — nothing connects it; "
            "see the audit in 'twin inspect'"
        )
    return found[0], node


def _storey_by_name(text: str, model: BuildingModel) -> int | None:
    key = text.strip().lower()
    hits = [i for i, s in enumerate(model.storeys) if key in (s.name.lower(), s.id.lower())]
    return hits[0] if len(hits) == 1 else None


def resolve_storey(text: str, model: BuildingModel) -> int:
    """A storey's index from its name (case-insensitive), GlobalId or index."""
    key = text.strip().lower()
    hits = [i for i, s in enumerate(model.storeys) if key in (s.name.lower(), s.id.lower())]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        listed = ", ".join(f"{model.storeys[i].name} ({model.storeys[i].id})" for i in hits)
        raise PlaceError(f"storey '{text}' is ambiguous: {listed}; give its GlobalId")
    if key.lstrip("-").isdigit() and 0 <= int(key) < len(model.storeys):
        return int(key)
    raise PlaceError(
        f"no storey called '{text}'{suggest(text, [s.name for s in model.storeys])}; "
        f"storeys are {', '.join(s.name for s in model.storeys[:6])}"
        f"{'…' if len(model.storeys) > 6 else ''}"
    )


def place_name(model: BuildingModel, graph: NavGraph, node: int) -> str:
    """A readable name for a node: the space label, door, stair, lift or equipment name."""
    kind = NodeKind(int(graph.node_kind[node]))
    ref = int(graph.node_ref[node])
    items: tuple[Any, ...] = {
        NodeKind.SPACE: model.spaces,
        NodeKind.DOOR: model.doors,
        NodeKind.STAIR: model.stairs,
        NodeKind.LIFT: model.lifts,
        NodeKind.EQUIPMENT: model.equipment,
    }.get(kind, ())
    if 0 <= ref < len(items):
        item = items[ref]
        if kind == NodeKind.SPACE:
            return str(item.label)
        return str(item.name or f"{kind.name.lower()} {item.id}")
    if kind == NodeKind.GRID:
        return "walkway"
    if kind == NodeKind.WAYPOINT:
        return f"in {model.spaces[ref].label}" if 0 <= ref < len(model.spaces) else "outside"
    return f"{kind.name.lower()} node {node}"


def storey_name(model: BuildingModel, graph: NavGraph, node: int) -> str:
    """The name of the storey a node is on (its index when the model has no such storey)."""
    return _storey_label(model, int(graph.node_storey[node]))


def _storey_label(model: BuildingModel, storey: int) -> str:
    if 0 <= storey < len(model.storeys):
        return model.storeys[storey].name or model.storeys[storey].id
    return f"storey {storey}"


def _node_literal(text: str, graph: NavGraph) -> int:
    tail = text[5:].strip()
    if not tail.isdigit() or int(tail) >= graph.n_nodes:
        raise PlaceError(f"'{text}': expected node:<id> with an id in 0..{graph.n_nodes - 1}")
    return int(tail)


def _by_global_id(text: str, model: BuildingModel) -> list[_Candidate]:
    out = [
        _Candidate("space", i, s.label, s.id, s.storey) for i, s in enumerate(model.spaces) if s.id == text
    ]
    out += [
        _Candidate("door", i, d.name or d.id, d.id, d.storey)
        for i, d in enumerate(model.doors)
        if d.id == text
    ]
    out += [
        _Candidate("equipment", i, e.name or e.id, e.id, e.storey)
        for i, e in enumerate(model.equipment)
        if e.id == text
    ]
    out += [
        _Candidate("lift", i, lf.name or lf.id, lf.id, min(lf.storeys, default=-1))
        for i, lf in enumerate(model.lifts)
        if text == lf.id or text in lf.parts
    ]
    out += [
        _Candidate("stair", i, s.name or s.id, s.id, min(s.storeys, default=-1))
        for i, s in enumerate(model.stairs)
        if s.id == text
    ]
    return out


def _lifts_first(found: list[_Candidate], model: BuildingModel) -> list[_Candidate]:
    """A lift's own equipment entry (its power feed) stands for the lift; one candidate each."""
    lift_of = {lf.equipment: i for i, lf in enumerate(model.lifts) if lf.equipment >= 0}
    out: dict[tuple[str, int], _Candidate] = {}
    for c in found:
        if c.kind == "equipment" and c.index in lift_of:
            k = lift_of[c.index]
            lf = model.lifts[k]
            c = _Candidate("lift", k, lf.name or lf.id, lf.id, min(lf.storeys, default=-1))
        out.setdefault((c.kind, c.index), c)
    return list(out.values())


def _by_name(name: str, model: BuildingModel) -> list[_Candidate]:
    key = name.lower()

    def space_named(s: Space) -> bool:
        return key in (s.name.lower(), s.long_name.lower(), s.label.lower())

    groups = (
        [
            _Candidate("space", i, s.label, s.id, s.storey)
            for i, s in enumerate(model.spaces)
            if not s.is_lift and space_named(s)
        ],
        [
            _Candidate("equipment", i, e.name, e.id, e.storey)
            for i, e in enumerate(model.equipment)
            if e.name.lower() == key
        ],
        [
            _Candidate("lift", i, lf.name, lf.id, min(lf.storeys, default=-1))
            for i, lf in enumerate(model.lifts)
            if key in {lf.name.lower(), *(a.lower() for a in lf.aliases)}
        ],
        # A lift car exported as an IfcSpace answers to its name only after the lift itself.
        [
            _Candidate("space", i, s.label, s.id, s.storey)
            for i, s in enumerate(model.spaces)
            if s.is_lift and space_named(s)
        ],
        [
            _Candidate("stair", i, s.name, s.id, min(s.storeys, default=-1))
            for i, s in enumerate(model.stairs)
            if s.name.lower() == key
        ],
        [
            _Candidate("door", i, d.name, d.id, d.storey)
            for i, d in enumerate(model.doors)
            if d.name.lower() == key
        ],
    )
    return next((g for g in groups if g), [])


def _names(model: BuildingModel, storey: int | None = None) -> list[str]:
    names: list[str] = []
    for s in model.spaces:
        if storey is None or s.storey == storey:
            names += [s.name, s.long_name]
    names += [e.name for e in model.equipment if storey is None or e.storey == storey]
    if storey is None:
        names += [a for lf in model.lifts for a in (lf.name, *lf.aliases)] + [s.name for s in model.stairs]
    return list(dict.fromkeys(n for n in names if n))


def _node_of(c: _Candidate, model: BuildingModel, graph: NavGraph) -> int:
    def at(table: np.ndarray, i: int) -> int:
        return int(table[i]) if i < table.shape[0] else -1

    if c.kind == "space":
        return at(graph.space_node, c.index)
    if c.kind == "door":
        return at(graph.door_node, c.index)
    if c.kind == "equipment":
        return at(graph.equipment_node, c.index)
    if c.kind == "lift":
        return lift_landing(graph, c.index, c.storey)
    landings = np.flatnonzero((graph.node_kind == NodeKind.STAIR) & (graph.node_ref == c.index))
    here = landings[graph.node_storey[landings] == c.storey]
    return int(here[0]) if here.size else _lowest(graph, landings)


def _serves(c: _Candidate, model: BuildingModel) -> tuple[int, ...]:
    if c.kind == "lift":
        return model.lifts[c.index].storeys
    if c.kind == "stair":
        return model.stairs[c.index].storeys
    return ()


def lift_landing(graph: NavGraph, lift: int, storey: int | None = None) -> int:
    """The floor node in front of a lift's stop on ``storey`` — or its lowest stop when ``None``
    or when it has no stop there; the lowest stop itself if no floor is linked to the car."""
    stops = np.flatnonzero((graph.node_kind == NodeKind.LIFT) & (graph.node_ref == lift))
    board = np.flatnonzero((graph.edge_kind == EdgeKind.LIFT_BOARD) & (graph.edge_ref == lift))
    if board.size:
        u, v = graph.edge_u[board], graph.edge_v[board]
        floor = np.where(graph.node_kind[v] == NodeKind.LIFT, u, v)
        car = np.where(graph.node_kind[v] == NodeKind.LIFT, v, u)
        if storey is not None:
            here = np.flatnonzero(graph.node_storey[car] == storey)
            if here.size:
                return int(floor[here[0]])
        return int(floor[np.argmin(graph.node_xyz[car, 2])])
    return _lowest(graph, stops)


def _lowest(graph: NavGraph, nodes: np.ndarray) -> int:
    if nodes.size == 0:
        return -1
    return int(nodes[np.argmin(graph.node_xyz[nodes, 2])])
