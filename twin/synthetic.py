"""Synthetic buildings: navigation graphs (and matching models) made from numbers, not IFC files.

Takes a few sizes, gives a :class:`SyntheticTower` — a :class:`~twin.model.BuildingModel` and a
:class:`~twin.navgraph.NavGraph` whose node and edge kinds are the ones the real builder makes —
or, through :func:`graph_from_edges`, any small graph a test wants. Tests use them to check
routing against hand-worked numbers; ``bench/routing.py`` uses a tower of 100,000+ nodes.

The tower, storey ``s`` (``z = s x storey_height_m``, storey 0 at the bottom):

* a corridor grid of ``GRID`` nodes ``spacing_m`` apart, joined to their 4 neighbours by
  ``WALK`` edges;
* rooms (``SPACE``), each behind its own ``DOOR`` node, hanging off grid cells in +y;
* one landing (``STAIR``) per stair, ``landing_offset_m`` from its grid cell in -x, joined to the
  landing above by a ``STAIR`` flight (rise = storey height, going ``stair_going_m``);
* one stop (``LIFT``) per lift, ``lift_offset_m`` from its grid cell in -y, boarded from the cell
  by a ``LIFT_BOARD`` edge and joined to the stop above by a ``LIFT_RIDE`` edge;
* one ``EQUIPMENT`` node (a floor isolation valve) ``equipment_offset_m`` from the last cell;
* on storey 0 only, an external entrance ``DOOR`` 2 m from cell (0, 0) in -x.

Every edge's length is the straight-line distance between its ends, so lengths are never shorter
than the crow flies. Names: room ``k`` on storey ``s`` is space ``"{s:02d}{k:02d}"`` with long
name ``"Room {k}"`` (so long names repeat on every storey), storeys are ``"Level {s}"``, stairs
``"Stair A"``, ``"Stair B"``…, lifts ``"Lift 1"``…, valves ``"Valve L{s}"``, the entrance
``"Main entrance"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from twin.model import BuildingModel, Door, Equipment, Lift, SourceFile, Space, Stair, Storey
from twin.navgraph import EdgeKind, NavGraph, NodeKind


@dataclass(frozen=True, slots=True)
class SyntheticTower:
    """A generated building: the model (names, GlobalIds) and its navigation graph."""

    model: BuildingModel
    graph: NavGraph


def graph_from_edges(
    node_xyz: np.ndarray | Sequence[Sequence[float]],
    edges: np.ndarray | Sequence[Sequence[int]],
    *,
    node_kind: np.ndarray | Sequence[int] | None = None,
    node_storey: np.ndarray | Sequence[int] | None = None,
    node_ref: np.ndarray | Sequence[int] | None = None,
    edge_kind: np.ndarray | Sequence[int] | None = None,
    edge_length_m: np.ndarray | Sequence[float] | None = None,
    edge_rise_m: np.ndarray | Sequence[float] | None = None,
    edge_ref: np.ndarray | Sequence[int] | None = None,
    entrances: Sequence[int] = (),
) -> NavGraph:
    """Build a :class:`NavGraph` from node coordinates and an edge list, with sensible defaults.

    Parameters
    ----------
    node_xyz
        ``(n, 3)`` coordinates in metres.
    edges
        ``(m, 2)`` node ids ``(u, v)``; parallel edges and either order are allowed.
    node_kind, node_storey, node_ref
        Defaults: every node ``GRID``, storey 0, ref -1.
    edge_kind, edge_length_m, edge_rise_m, edge_ref
        Defaults: ``WALK``, straight-line distance, ``z[v] - z[u]``, -1.
    entrances
        Node ids of the entrances.
    """
    xyz = np.asarray(node_xyz, dtype=np.float64).reshape(-1, 3)
    uv = np.asarray(edges, dtype=np.int32).reshape(-1, 2)
    n, m = xyz.shape[0], uv.shape[0]
    u, v = uv[:, 0].copy(), uv[:, 1].copy()
    if m and (uv.min() < 0 or uv.max() >= n):
        raise ValueError(f"graph_from_edges: edges must name nodes 0..{n - 1}, got {uv.min()}..{uv.max()}")

    def ints(a: object, default: int, size: int) -> np.ndarray:
        if a is None:
            return np.full(size, default, dtype=np.int32)
        return np.asarray(a, dtype=np.int32).reshape(size)

    length = (
        np.linalg.norm(xyz[v] - xyz[u], axis=1)
        if edge_length_m is None
        else np.asarray(edge_length_m, dtype=np.float64).reshape(m)
    )
    rise = (
        xyz[v, 2] - xyz[u, 2] if edge_rise_m is None else np.asarray(edge_rise_m, dtype=np.float64).reshape(m)
    )
    kind = ints(node_kind, int(NodeKind.GRID), n)
    ref = ints(node_ref, -1, n)
    return NavGraph(
        node_xyz=xyz,
        node_storey=ints(node_storey, 0, n),
        node_kind=kind,
        node_ref=ref,
        edge_u=u,
        edge_v=v,
        edge_kind=ints(edge_kind, int(EdgeKind.WALK), m),
        edge_length_m=length,
        edge_rise_m=rise,
        edge_ref=ints(edge_ref, -1, m),
        entrances=np.asarray(entrances, dtype=np.int32).reshape(-1),
        space_node=_node_per_ref(kind, ref, NodeKind.SPACE),
        door_node=_node_per_ref(kind, ref, NodeKind.DOOR),
        equipment_node=_node_per_ref(kind, ref, NodeKind.EQUIPMENT),
    )


def _node_per_ref(kind: np.ndarray, ref: np.ndarray, which: NodeKind) -> np.ndarray:
    nodes = np.flatnonzero((kind == which) & (ref >= 0))
    out = np.full(int(ref[nodes].max()) + 1 if nodes.size else 0, -1, dtype=np.int32)
    out[ref[nodes]] = nodes
    return out


class _Builder:
    """Accumulates nodes and edges as Python lists; ``graph()`` freezes them into arrays."""

    def __init__(self) -> None:
        self.xyz: list[tuple[float, float, float]] = []
        self.storey: list[int] = []
        self.kind: list[int] = []
        self.ref: list[int] = []
        self.edges: list[tuple[int, int, int, int]] = []

    def node(self, xyz: tuple[float, float, float], storey: int, kind: NodeKind, ref: int) -> int:
        self.xyz.append(xyz)
        self.storey.append(storey)
        self.kind.append(int(kind))
        self.ref.append(ref)
        return len(self.xyz) - 1

    def edge(self, u: int, v: int, kind: EdgeKind, ref: int = -1) -> None:
        self.edges.append((u, v, int(kind), ref))


def tower(
    storeys: int = 3,
    *,
    grid: tuple[int, int] = (4, 3),
    spacing_m: float = 5.0,
    storey_height_m: float = 3.0,
    rooms_per_storey: int = 2,
    stairs: Sequence[tuple[int, int]] = ((0, 0),),
    lifts: Sequence[tuple[int, int]] = ((1, 0),),
    landing_offset_m: float = 1.3,
    lift_offset_m: float = 1.3,
    stair_going_m: float = 0.0,
    equipment_offset_m: float = 1.3,
    with_model: bool = True,
) -> SyntheticTower:
    """Generate a tower of ``storeys`` storeys (see the module docstring for its layout).

    Parameters
    ----------
    storeys
        Number of storeys, at least 1.
    grid
        Corridor cells in x and y per storey.
    spacing_m, storey_height_m
        Distance between neighbouring cells; floor-to-floor height.
    rooms_per_storey
        Rooms per storey (at most one per grid cell), spread evenly over the cells.
    stairs, lifts
        Grid cell ``(i, j)`` next to each stair core / lift shaft.
    landing_offset_m, lift_offset_m, equipment_offset_m
        Walking distance from the grid cell to the stair landing, the lift door, the valve.
    stair_going_m
        Horizontal length of one flight (walked on top of the climb; 0 keeps a flight at exactly
        ``TravelMode.stair_up_s_per_storey`` per storey of 3 m).
    with_model
        Also build the :class:`BuildingModel` (names, GlobalIds, footprints); a placeholder with
        no spaces otherwise, which is quicker for very large towers.

    Returns
    -------
    SyntheticTower
    """
    gx, gy = grid
    cells = gx * gy
    if storeys < 1 or gx < 1 or gy < 1:
        raise ValueError(f"tower: need storeys, grid ≥ 1, got storeys={storeys}, grid={grid}")
    if not 0 <= rooms_per_storey <= cells:
        raise ValueError(f"tower: rooms_per_storey must be 0..{cells}, got {rooms_per_storey}")
    for i, j in (*stairs, *lifts):
        if not (0 <= i < gx and 0 <= j < gy):
            raise ValueError(f"tower: cell ({i}, {j}) is outside the {gx} x {gy} grid")

    b = _Builder()
    room_cells = [k * cells // rooms_per_storey for k in range(rooms_per_storey)]
    room_xy: list[tuple[float, float]] = []
    door_rows: list[tuple[int, tuple[float, float, float], bool, str]] = []
    equipment_rows: list[tuple[int, tuple[float, float, float]]] = []
    landing_prev = [-1] * len(stairs)
    stop_prev = [-1] * len(lifts)
    half = spacing_m / 2

    for s in range(storeys):
        z = s * storey_height_m
        base = len(b.xyz)
        for j in range(gy):
            for i in range(gx):
                b.node((i * spacing_m, j * spacing_m, z), s, NodeKind.GRID, -1)
        for j in range(gy):
            for i in range(gx):
                c = base + j * gx + i
                if i + 1 < gx:
                    b.edge(c, c + 1, EdgeKind.WALK)
                if j + 1 < gy:
                    b.edge(c, c + gx, EdgeKind.WALK)

        for k, cell in enumerate(room_cells):
            x, y = (cell % gx) * spacing_m, (cell // gx) * spacing_m
            d_ref = len(door_rows)
            door_xyz = (x, y + half / 2, z)
            door = b.node(door_xyz, s, NodeKind.DOOR, d_ref)
            door_rows.append((s, door_xyz, False, f"Door {s:02d}{k + 1:02d}"))
            space = b.node((x, y + half, z), s, NodeKind.SPACE, len(room_xy))
            room_xy.append((x, y + half))
            b.edge(base + cell, door, EdgeKind.WALK, d_ref)
            b.edge(door, space, EdgeKind.WALK, d_ref)

        for a, (i, j) in enumerate(stairs):
            landing = b.node((i * spacing_m - landing_offset_m, j * spacing_m, z), s, NodeKind.STAIR, a)
            b.edge(base + j * gx + i, landing, EdgeKind.WALK)
            if landing_prev[a] >= 0:
                b.edge(landing_prev[a], landing, EdgeKind.STAIR, a)
            landing_prev[a] = landing

        for a, (i, j) in enumerate(lifts):
            stop = b.node((i * spacing_m, j * spacing_m - lift_offset_m, z), s, NodeKind.LIFT, a)
            b.edge(base + j * gx + i, stop, EdgeKind.LIFT_BOARD, a)
            if stop_prev[a] >= 0:
                b.edge(stop_prev[a], stop, EdgeKind.LIFT_RIDE, a)
            stop_prev[a] = stop

        last = base + cells - 1
        e_xyz = ((gx - 1) * spacing_m + equipment_offset_m, (gy - 1) * spacing_m, z)
        valve = b.node(e_xyz, s, NodeKind.EQUIPMENT, len(equipment_rows))
        equipment_rows.append((s, e_xyz))
        b.edge(last, valve, EdgeKind.WALK)

    entrance_xyz = (-2.0, 0.0, 0.0)
    entrance_ref = len(door_rows)
    entrance = b.node(entrance_xyz, 0, NodeKind.DOOR, entrance_ref)
    door_rows.append((0, entrance_xyz, True, "Main entrance"))
    b.edge(0, entrance, EdgeKind.WALK, entrance_ref)

    xyz = np.asarray(b.xyz, dtype=np.float64)
    e = np.asarray(b.edges, dtype=np.int32).reshape(-1, 4)
    u, v = e[:, 0], e[:, 1]
    horizontal = np.linalg.norm(xyz[v, :2] - xyz[u, :2], axis=1)
    rise = xyz[v, 2] - xyz[u, 2]
    length = np.hypot(np.where(e[:, 2] == EdgeKind.STAIR, stair_going_m, horizontal), rise)
    graph = graph_from_edges(
        xyz,
        e[:, :2],
        node_kind=b.kind,
        node_storey=b.storey,
        node_ref=b.ref,
        edge_kind=e[:, 2],
        edge_length_m=length,
        edge_rise_m=rise,
        edge_ref=e[:, 3],
        entrances=[entrance],
    )
    model = _model(
        storeys,
        storey_height_m=storey_height_m,
        rooms_per_storey=rooms_per_storey,
        room_xy=room_xy,
        room_size_m=half,
        doors=door_rows,
        equipment=equipment_rows,
        stairs=[(i * spacing_m - landing_offset_m, j * spacing_m) for i, j in stairs],
        lifts=[(i * spacing_m, j * spacing_m - lift_offset_m) for i, j in lifts],
        full=with_model,
    )
    return SyntheticTower(model=model, graph=graph)


def _model(
    storeys: int,
    *,
    storey_height_m: float,
    rooms_per_storey: int,
    room_xy: list[tuple[float, float]],
    room_size_m: float,
    doors: list[tuple[int, tuple[float, float, float], bool, str]],
    equipment: list[tuple[int, tuple[float, float, float]]],
    stairs: list[tuple[float, float]],
    lifts: list[tuple[float, float]],
    full: bool,
) -> BuildingModel:
    source = SourceFile(name="synthetic", schema="IFC4", length_unit="m", metres_per_unit=1.0, sha256="")
    levels = tuple(
        Storey(id=f"storey-{s:03d}", name=f"Level {s}", elevation_m=s * storey_height_m)
        for s in range(storeys)
    )
    if not full:
        return BuildingModel(
            sources=(source,),
            storeys=levels,
            spaces=(),
            doors=(),
            stairs=(),
            lifts=(),
            equipment=(),
            systems=(),
        )
    everywhere = tuple(range(storeys))
    top = (storeys - 1) * storey_height_m
    r = room_size_m / 2
    xy = np.asarray(room_xy, dtype=np.float64).reshape(-1, 2)
    boxes = shapely.box(xy[:, 0] - r, xy[:, 1] - r, xy[:, 0] + r, xy[:, 1] + r)
    spaces = []
    for idx, box in enumerate(boxes):
        s, k = divmod(idx, rooms_per_storey)
        spaces.append(
            Space(
                id=f"space-{s:03d}-{k + 1:02d}",
                name=f"{s:02d}{k + 1:02d}",
                long_name=f"Room {k + 1}",
                storey=s,
                footprint=box,
                floor_z_m=s * storey_height_m,
                height_m=storey_height_m,
            )
        )
    return BuildingModel(
        sources=(source,),
        storeys=levels,
        spaces=tuple(spaces),
        doors=tuple(
            Door(id=f"door-{i:05d}", name=name, storey=s, xyz=p, width_m=0.9, is_external=ext)
            for i, (s, p, ext, name) in enumerate(doors)
        ),
        stairs=tuple(
            Stair(
                id=f"stair-{a}",
                name=f"Stair {chr(ord('A') + a)}",
                kind="stair",
                footprint=shapely.box(x - 1.0, y - 1.5, x + 1.0, y + 1.5),
                z_min_m=0.0,
                z_max_m=top,
                storeys=everywhere,
            )
            for a, (x, y) in enumerate(stairs)
        ),
        lifts=tuple(
            Lift(
                id=f"lift-{a}",
                name=f"Lift {a + 1}",
                ifc_class="IfcTransportElement",
                footprint=shapely.box(x - 1.0, y - 1.0, x + 1.0, y + 1.0),
                storeys=everywhere,
            )
            for a, (x, y) in enumerate(lifts)
        ),
        equipment=tuple(
            Equipment(
                id=f"valve-{s:03d}",
                name=f"Valve L{s}",
                ifc_class="IfcValve",
                predefined_type="ISOLATING",
                storey=s,
                xyz=p,
            )
            for s, p in equipment
        ),
        systems=(),
    )
