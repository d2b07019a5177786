"""The navigation graph: where people can walk, and how the places connect.

Takes a :class:`~twin.model.BuildingModel`, gives a :class:`NavGraph` of nodes at walkable places
(spaces, door portals, stair landings, lift stops, equipment access points, and a walkable grid on
storeys whose spaces are missing) and edges with their length and rise in metres. Seconds per
travel mode come from :mod:`twin.travel`, so one graph serves every mode.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import Point

from twin.model import BuildingModel


class NodeKind(IntEnum):
    SPACE = 0
    DOOR = 1
    STAIR = 2
    """A stair or ramp landing on one storey."""
    LIFT = 3
    """A lift stop (the car at one storey)."""
    EQUIPMENT = 4
    GRID = 5
    """A cell of the walkable grid on a storey with no usable spaces."""


class EdgeKind(IntEnum):
    WALK = 0
    """Level walking on one storey (through a door, across an open boundary, to equipment)."""
    STAIR = 1
    """A flight between two landings; ``rise`` is signed (v above u when positive)."""
    RAMP = 2
    LIFT_RIDE = 3
    """The car between two consecutive stops of one lift."""
    LIFT_BOARD = 4
    """From a floor node (u) into the car at that stop (v): waiting and doors."""
    OUTSIDE = 5
    """Round the outside between two entrances."""


@dataclass(frozen=True, slots=True)
class NavGraph:
    """Nodes and undirected edges as parallel numpy arrays (index = node id / edge id).

    ``node_ref[i]`` is the index of the thing node ``i`` stands for in the model collection of
    its kind (``model.spaces`` for SPACE, ``model.doors`` for DOOR, ``model.stairs`` for STAIR,
    ``model.lifts`` for LIFT, ``model.equipment`` for EQUIPMENT; -1 for GRID).
    ``edge_ref[e]`` is the stair, lift or door the edge belongs to (-1 otherwise), so a network
    state can switch off "lift 3" or "door 17" without searching.
    """

    node_xyz: np.ndarray
    node_storey: np.ndarray
    node_kind: np.ndarray
    node_ref: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_kind: np.ndarray
    edge_length_m: np.ndarray
    edge_rise_m: np.ndarray
    edge_ref: np.ndarray
    entrances: np.ndarray
    """Node ids of the entrance doors (external doors on the ground storey)."""
    space_node: np.ndarray
    """Node id of each space, in ``model.spaces`` order."""
    door_node: np.ndarray
    equipment_node: np.ndarray
    notes: tuple[str, ...] = ()
    """What the builder could not connect, in words a user can act on."""
    edge_assumed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    """True for links the builder assumed because the model lacks doors or stairs altogether
    (all false when not given)."""

    def __post_init__(self) -> None:
        if self.edge_assumed.shape != self.edge_u.shape:
            object.__setattr__(self, "edge_assumed", np.zeros(self.edge_u.shape, bool))

    @property
    def n_nodes(self) -> int:
        return int(self.node_xyz.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.edge_u.shape[0])

    def nodes_of(self, kind: NodeKind) -> np.ndarray:
        return np.flatnonzero(self.node_kind == kind)


# --------------------------------------------------------------------------------------------
# Building the graph from a model.

#: A door's footprint buffered by this (m) overlaps the spaces on both sides of its wall.
DOOR_REACH_M = 0.4
#: A door whose centre lies this far (m) inside a space is a door within that space.
INNER_DOOR_DEPTH_M = 0.15
#: Spaces closer than this (m) have no wall between them: an open boundary people walk across.
OPEN_GAP_M = 0.05
#: An open boundary must be at least this long (m) to walk through.
OPEN_MIN_M = 0.8
#: In a model with no doors at all, spaces this close (m) share one wall; it is assumed passable.
ASSUMED_GAP_M = 0.5
#: A straight walk between two doors of a space may graze its outline by this much (m): door
#: nodes sit in the wall, just outside the space's footprint.
PORTAL_SLACK_M = 0.35
#: A stair's footprint buffered by this (m) reaches the spaces it lands in.
LANDING_REACH_M = 0.5
#: Landings of stacked stairs closer than this (m) on one storey are one landing.
LANDING_MERGE_M = 2.0
#: A lift's shaft reaches the lobby spaces within this distance (m).
LIFT_REACH_M = 1.0
#: When nothing touches a stair, lift or piece of equipment, the nearest space within this (m).
NEAREST_SPACE_M = 5.0
#: Cell size (m) of the walkable grid on storeys without spaces.
GRID_SPACING_M = 1.0
#: External doors on storeys within this (m) of the ground storey are entrances.
GROUND_BAND_M = 1.5


def build_navgraph(model: BuildingModel) -> NavGraph:
    """Make the navigation graph of a building model.

    Spaces connect through the doors whose footprints touch them and across open boundaries
    (touching footprints); stairs and ramps link landings on the storeys they serve; lifts link
    stops; equipment hangs off the space that holds it. Entrances are external doors on the
    ground storey (``Pset_DoorCommon.IsExternal``, or, when a file does not say, a door with a
    space on one side only). Whatever could not be connected is listed in ``notes``.
    """
    return _GraphBuilder(model).build()


class _GraphBuilder:
    """Accumulates nodes and edges in lists; :meth:`build` freezes them into a NavGraph."""

    def __init__(self, model: BuildingModel) -> None:
        self.model = model
        self.xyz: list[tuple[float, float, float]] = []
        self.storey: list[int] = []
        self.kind: list[int] = []
        self.ref: list[int] = []
        self.edges: list[tuple[int, int, int, int, float, bool]] = []
        self.portals: dict[int, list[int]] = {}
        """Space index → the door and landing nodes on its edge."""
        self.notes: list[str] = []
        spaces = model.spaces
        self.footprints = [sp.footprint for sp in spaces]
        self.tree = shapely.STRtree(self.footprints)
        self.space_storey = np.array([sp.storey for sp in spaces], dtype=np.int32)
        self.space_node = np.array(
            [self.node(sp.anchor(), sp.storey, NodeKind.SPACE, i) for i, sp in enumerate(spaces)],
            dtype=np.int32,
        )

    # -- primitives --------------------------------------------------------------------------

    def node(self, xyz: tuple[float, float, float], storey: int, kind: NodeKind, ref: int) -> int:
        self.xyz.append((float(xyz[0]), float(xyz[1]), float(xyz[2])))
        self.storey.append(storey)
        self.kind.append(int(kind))
        self.ref.append(ref)
        return len(self.xyz) - 1

    def edge(self, u: int, v: int, kind: EdgeKind, *, ref: int = -1, length_m: float | None = None,
             assumed: bool = False) -> None:
        if u == v:
            return
        if length_m is None:
            length_m = float(np.linalg.norm(np.subtract(self.xyz[v], self.xyz[u])))
        self.edges.append((u, v, int(kind), ref, length_m, assumed))

    def spaces_near(self, geom: Any, storeys: set[int], *, distance: float = 0.0) -> list[int]:
        if geom is None or geom.is_empty or not self.footprints:
            return []
        hits = self.tree.query(geom, predicate="dwithin", distance=distance) if distance else \
            self.tree.query(geom, predicate="intersects")
        return [int(i) for i in hits if int(self.space_storey[i]) in storeys]

    def nearest_space(self, point: Point, storey: int, *, within: float,
                      lifts_too: bool = False) -> int:
        hits = self.spaces_near(point, {storey}, distance=within)
        hits = [i for i in hits if lifts_too or not self.model.spaces[i].is_lift]
        if not hits:
            return -1
        return min(hits, key=lambda i: self.footprints[i].distance(point))

    # -- stages --------------------------------------------------------------------------------

    def build(self) -> NavGraph:
        model = self.model
        self.add_grids()
        ground = self.ground_storeys()
        door_node, entrances = self.add_doors(ground)
        self.add_open_boundaries(OPEN_GAP_M, assumed=False)
        if not model.doors and len(model.spaces) > 1:
            self.notes.append(
                "the model has no doors at all: spaces that share a wall are assumed to connect "
                "through it (marked as assumed links; times through them are estimates)"
            )
            self.add_open_boundaries(ASSUMED_GAP_M, assumed=True)
        self.add_stairs()
        self.add_portal_links()
        self.add_lifts()
        if not model.stairs and not model.lifts:
            self.add_assumed_vertical_links()
        equipment_node = self.add_equipment()
        self.add_outside(entrances)
        edges = self.edges
        return NavGraph(
            node_xyz=np.array(self.xyz, dtype=np.float64).reshape(-1, 3),
            node_storey=np.array(self.storey, dtype=np.int32),
            node_kind=np.array(self.kind, dtype=np.int8),
            node_ref=np.array(self.ref, dtype=np.int32),
            edge_u=np.array([e[0] for e in edges], dtype=np.int32),
            edge_v=np.array([e[1] for e in edges], dtype=np.int32),
            edge_kind=np.array([e[2] for e in edges], dtype=np.int8),
            edge_length_m=np.array([e[4] for e in edges], dtype=np.float64),
            edge_rise_m=np.array(
                [self.xyz[e[1]][2] - self.xyz[e[0]][2] for e in edges], dtype=np.float64
            ),
            edge_ref=np.array([e[3] for e in edges], dtype=np.int32),
            entrances=np.array(entrances, dtype=np.int32),
            space_node=self.space_node,
            door_node=np.array(door_node, dtype=np.int32),
            equipment_node=np.array(equipment_node, dtype=np.int32),
            notes=tuple(self.notes),
            edge_assumed=np.array([e[5] for e in edges], dtype=bool),
        )

    def add_grids(self) -> None:
        """A walkable grid on each storey that has a walkable area instead of spaces."""
        from twin.walkable import walkable_grid

        self.grid_nodes: dict[int, np.ndarray] = {}
        self.grid_tree: dict[int, cKDTree] = {}
        for w in self.model.walkable:
            grid = walkable_grid(w.area, spacing_m=GRID_SPACING_M)
            if not len(grid.xy):
                continue
            z = self.model.storeys[w.storey].elevation_m
            first = len(self.xyz)
            for x, y in grid.xy:
                self.node((x, y, z), w.storey, NodeKind.GRID, -1)
            nodes = np.arange(first, len(self.xyz), dtype=np.int32)
            for a, b, length in zip(grid.u.tolist(), grid.v.tolist(), grid.length_m.tolist(),
                                    strict=True):
                self.edge(int(nodes[a]), int(nodes[b]), EdgeKind.WALK, length_m=float(length))
            self.grid_nodes[w.storey] = nodes
            self.grid_tree[w.storey] = cKDTree(grid.xy)

    def grid_near(self, storey: int, x: float, y: float, radius: float) -> list[int]:
        """Grid nodes of ``storey`` within ``radius`` of (x, y); the nearest one if none is."""
        tree = self.grid_tree.get(storey)
        if tree is None:
            return []
        hits = tree.query_ball_point((x, y), radius)
        if not hits:
            d, i = tree.query((x, y))
            hits = [int(i)] if d <= NEAREST_SPACE_M else []
        return [int(self.grid_nodes[storey][i]) for i in hits]

    def link_to_grid(self, n: int, storey: int, radius: float,
                     kind: EdgeKind = EdgeKind.WALK, ref: int = -1) -> bool:
        x, y, _ = self.xyz[n]
        cells = self.grid_near(storey, x, y, radius)
        for c in cells:
            self.edge(c, n, kind, ref=ref)
        return bool(cells)

    def ground_storeys(self) -> set[int]:
        """Storeys near the ground: the storey with spaces whose elevation is closest to 0 m."""
        with_spaces = sorted({sp.storey for sp in self.model.spaces} | set(self.grid_nodes))
        if not with_spaces:
            return set()
        elev = {i: self.model.storeys[i].elevation_m for i in range(len(self.model.storeys))}
        ground = min(with_spaces, key=lambda i: abs(elev[i]))
        return {i for i in with_spaces if abs(elev[i] - elev[ground]) <= GROUND_BAND_M}

    def add_doors(self, ground: set[int]) -> tuple[list[int], list[int]]:
        door_node, entrances, loose = [], [], []
        for d_index, door in enumerate(self.model.doors):
            n = self.node(door.xyz, door.storey, NodeKind.DOOR, d_index)
            door_node.append(n)
            shape = door.footprint if door.footprint is not None and not door.footprint.is_empty \
                else Point(door.xyz[0], door.xyz[1]).buffer(door.width_m / 2)
            reach = shape.buffer(DOOR_REACH_M)
            near_z = {i for i, s in enumerate(self.model.storeys)
                      if i == door.storey or abs(s.elevation_m - door.xyz[2]) < 1.0}
            hits = self.spaces_near(reach, near_z)
            # A door joins (at most) the two spaces it overlaps most; a corner of a third
            # space brushing the buffer is not a way through.
            hits = sorted(hits, key=lambda i: -reach.intersection(self.footprints[i]).area)[:2]
            centre = Point(door.xyz[0], door.xyz[1])
            inner = [i for i in hits if self.footprints[i].buffer(-INNER_DOOR_DEPTH_M).contains(centre)]
            if inner:
                # A door standing well inside one space (a toilet stall, a wardrobe) is not a
                # way into the room behind the wall.
                hits = inner[:1]
            for i in hits:
                self.edge(int(self.space_node[i]), n, EdgeKind.WALK, ref=d_index)
                self.portals.setdefault(i, []).append(n)
            on_grid = self.link_to_grid(n, door.storey, door.width_m / 2 + DOOR_REACH_M + 0.3,
                                        ref=d_index)
            if not hits and not on_grid:
                loose.append(door.name or door.id)
            external = door.is_external if door.is_external is not None else len(hits) == 1
            if external and door.storey in ground and (hits or on_grid):
                entrances.append(n)
        if loose:
            self.notes.append(
                f"{len(loose)} door(s) touch no space and lead nowhere "
                f"({', '.join(loose[:3])}{'…' if len(loose) > 3 else ''})"
            )
        return door_node, entrances

    def add_open_boundaries(self, gap: float, *, assumed: bool) -> None:
        """Link spaces of one storey whose footprints come within ``gap`` along ≥ OPEN_MIN_M."""
        spaces = self.model.spaces
        if not spaces:
            return
        left, right = self.tree.query(self.footprints, predicate="dwithin", distance=gap)
        for a, b in zip(left.tolist(), right.tolist(), strict=True):
            if a >= b or spaces[a].storey != spaces[b].storey:
                continue
            half = max(gap, OPEN_GAP_M) / 2 + 1e-3
            strip = self.footprints[a].buffer(half).intersection(self.footprints[b].buffer(half))
            if strip.is_empty or strip.area / (2 * half) < OPEN_MIN_M:
                continue
            mid = strip.centroid
            ua, ub = int(self.space_node[a]), int(self.space_node[b])
            pa, pb = np.array(self.xyz[ua][:2]), np.array(self.xyz[ub][:2])
            via = np.array([mid.x, mid.y])
            length = float(np.linalg.norm(via - pa) + np.linalg.norm(pb - via))
            self.edge(ua, ub, EdgeKind.WALK, length_m=length, assumed=assumed)

    def add_portal_links(self) -> None:
        """Walk straight from door to door across a space when the straight line stays inside it.

        Without these a long corridor would send everyone through its centroid: door to centre
        to the next door, a detour that grows with the corridor.
        """
        for space, portals in self.portals.items():
            if len(portals) < 2:
                continue
            room = self.footprints[space].buffer(PORTAL_SLACK_M)
            pairs = list(itertools.combinations(portals, 2))
            lines = shapely.linestrings([[self.xyz[a][:2], self.xyz[b][:2]] for a, b in pairs])
            inside = shapely.covered_by(lines, room)
            for (a, b), ok in zip(pairs, inside.tolist(), strict=True):
                if ok:
                    self.edge(a, b, EdgeKind.WALK)

    def landing(self, stair_index: int, storey: int, at: Point, landings: dict[int, list[int]],
                reach: Any) -> int:
        """The landing node of a stair on a storey, shared with stacked stairs, linked to spaces."""
        z = self.model.storeys[storey].elevation_m
        for n in landings.setdefault(storey, []):
            if np.hypot(self.xyz[n][0] - at.x, self.xyz[n][1] - at.y) <= LANDING_MERGE_M:
                return n
        n = self.node((at.x, at.y, z), storey, NodeKind.STAIR, stair_index)
        landings[storey].append(n)
        hits = [i for i in self.spaces_near(reach, {storey}) if not self.model.spaces[i].is_lift]
        if not hits:
            nearest = self.nearest_space(at, storey, within=NEAREST_SPACE_M)
            hits = [nearest] if nearest >= 0 else []
        for i in hits:
            self.edge(int(self.space_node[i]), n, EdgeKind.WALK)
            self.portals.setdefault(i, []).append(n)
        if self.link_to_grid(n, storey, LANDING_MERGE_M):
            return n
        if not hits and any(sp.storey == storey for sp in self.model.spaces):
            name = self.model.stairs[stair_index].name
            self.notes.append(f"stair {name} lands in no space on storey "
                              f"'{self.model.storeys[storey].name}'")
        return n

    def add_stairs(self) -> None:
        landings: dict[int, list[int]] = {}
        has_spaces = {sp.storey for sp in self.model.spaces} | set(self.grid_nodes)
        for k, stair in enumerate(self.model.stairs):
            served = [s for s in stair.storeys if s in has_spaces]
            if len(served) < 2:
                continue
            at = stair.footprint.centroid
            reach = stair.footprint.buffer(LANDING_REACH_M)
            nodes = [self.landing(k, s, at, landings, reach) for s in served]
            kind = EdgeKind.RAMP if stair.kind == "ramp" else EdgeKind.STAIR
            run = _long_side(stair.footprint) if stair.kind == "ramp" else 0.0
            for u, v in itertools.pairwise(nodes):
                rise = self.xyz[v][2] - self.xyz[u][2]
                self.edge(u, v, kind, ref=k, length_m=float(np.hypot(run, rise)))

    def add_lifts(self) -> None:
        has_spaces = {sp.storey for sp in self.model.spaces} | set(self.grid_nodes)
        for k, lift in enumerate(self.model.lifts):
            stops = [s for s in lift.storeys if s in has_spaces]
            if len(stops) < 2:
                continue
            at = lift.footprint.centroid
            nodes = []
            for s in stops:
                n = self.node((at.x, at.y, self.model.storeys[s].elevation_m), s, NodeKind.LIFT, k)
                nodes.append(n)
                floor = self.lift_lobby(lift.footprint, s)
                if not floor:
                    nearest = self.nearest_space(at, s, within=NEAREST_SPACE_M, lifts_too=True)
                    floor = [nearest] if nearest >= 0 else []
                for i in floor:
                    self.edge(int(self.space_node[i]), n, EdgeKind.LIFT_BOARD, ref=k)
                if not floor and self.link_to_grid(n, s, LIFT_REACH_M + 1.0,
                                                   EdgeKind.LIFT_BOARD, ref=k):
                    continue
                if not floor:
                    self.notes.append(f"lift {lift.name} stops on storey "
                                      f"'{self.model.storeys[s].name}' but no space is beside it")
            for u, v in itertools.pairwise(nodes):
                self.edge(u, v, EdgeKind.LIFT_RIDE, ref=k)

    def lift_lobby(self, shaft: Any, storey: int) -> list[int]:
        """The space people board a lift from: the one with the most floor along the shaft
        (a lobby, not the riser cupboard whose corner comes near it), plus any space that is
        the lift itself."""
        reach = shaft.buffer(LIFT_REACH_M)
        near = self.spaces_near(shaft, {storey}, distance=LIFT_REACH_M)
        lifts = [i for i in near if self.model.spaces[i].is_lift]
        others = [i for i in near if not self.model.spaces[i].is_lift]
        best = max(others, key=lambda i: reach.intersection(self.footprints[i]).area, default=None)
        return lifts + ([best] if best is not None else [])

    def add_assumed_vertical_links(self) -> None:
        """A model with spaces on several levels but no stair or lift: assume one stair between
        each pair of consecutive levels, where their spaces overlap most."""
        levels = sorted({sp.storey for sp in self.model.spaces},
                        key=lambda s: self.model.storeys[s].elevation_m)
        if len(levels) < 2:
            return
        for lower, upper in itertools.pairwise(levels):
            below = [i for i, sp in enumerate(self.model.spaces) if sp.storey == lower]
            above = [i for i, sp in enumerate(self.model.spaces) if sp.storey == upper]
            a, b = max(
                itertools.product(below, above),
                key=lambda p: (self.footprints[p[0]].intersection(self.footprints[p[1]]).area,
                               -self.footprints[p[0]].distance(self.footprints[p[1]])),
            )
            ua, ub = int(self.space_node[a]), int(self.space_node[b])
            rise = self.xyz[ub][2] - self.xyz[ua][2]
            run = float(np.hypot(self.xyz[ub][0] - self.xyz[ua][0], self.xyz[ub][1] - self.xyz[ua][1]))
            self.edge(ua, ub, EdgeKind.STAIR, length_m=float(np.hypot(run, rise)), assumed=True)
        self.notes.append(
            f"the model has no stairs or lifts: assumed one stair between each of its "
            f"{len(levels)} levels (marked as assumed links; times through them are estimates)"
        )

    def add_equipment(self) -> list[int]:
        equipment_node = []
        stranded: dict[int, int] = {}
        for k, e in enumerate(self.model.equipment):
            z = self.model.storeys[e.storey].elevation_m
            space = e.space
            if space >= 0:
                z = self.model.spaces[space].floor_z_m
            n = self.node((e.xyz[0], e.xyz[1], z), e.storey, NodeKind.EQUIPMENT, k)
            equipment_node.append(n)
            if space < 0:
                space = self.nearest_space(Point(e.xyz[0], e.xyz[1]), e.storey,
                                           within=NEAREST_SPACE_M, lifts_too=True)
            if space >= 0:
                self.edge(int(self.space_node[space]), n, EdgeKind.WALK)
            elif not self.link_to_grid(n, e.storey, 1.0):
                stranded[e.storey] = stranded.get(e.storey, 0) + 1
        for s, count in sorted(stranded.items()):
            self.notes.append(
                f"{count} equipment element(s) on storey '{self.model.storeys[s].name}' lie more "
                f"than {NEAREST_SPACE_M:g} m from every space; no one can walk to them"
            )
        return equipment_node

    def add_outside(self, entrances: list[int]) -> None:
        """People can walk round the outside from one entrance to another."""
        for u, v in itertools.combinations(entrances, 2):
            self.edge(u, v, EdgeKind.OUTSIDE)


def _long_side(poly: Any) -> float:
    rect = poly.minimum_rotated_rectangle
    xs, ys = rect.exterior.coords.xy
    sides = np.hypot(np.diff(xs), np.diff(ys))
    return float(sides.max()) if len(sides) else 0.0
