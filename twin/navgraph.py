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
import shapely.geometry.polygon
import shapely.ops
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
    WAYPOINT = 6
    """A point a walk passes inside a space (``node_ref`` = the space): in front of a door, at
    an inner corner of an L-shaped corridor; or round the outside (``node_ref`` = -1)."""


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
#: A walk through a door starts and ends this far (m) inside the space in front of it: door
#: nodes stand in the wall, so a walk along the room from door to door steps out of the wall
#: first (half a person's width plus a step).
FRONT_M = 0.4
#: A walk may graze a wall by this much in all (m): a jamb's corner, rounding of footprints.
WALL_GRAZE_M = 0.06
#: Walks inside a space bend round its inner corners at points this far (m) from the walls.
CORNER_M = 0.3
#: A walk inside a space may graze its outline by this much (m): footprints are meshes'
#: projections, rounded to millimetres.
OUTLINE_SLACK_M = 0.01
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
#: Gaps between a storey's spaces up to this wide (m) are walls: closed over, they give the
#: building's outline.
OUTLINE_CLOSE_M = 1.0
#: A door whose centre lies within this (m) of the ground storey's outline is in the façade (half
#: a thick outer wall plus a margin).
FACADE_M = 0.8
#: The walk round the outside between entrances keeps this far (m) from the outline.
OUTSIDE_OFFSET_M = 1.5


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
        self.hubs: dict[int, list[int]] = {}
        """Space index → nodes inside it that walks join up with each other: door fronts,
        landings, open-boundary crossings."""
        self.leaves: dict[int, list[int]] = {}
        """Space index → nodes inside it reached from its centre only (equipment)."""
        self.fronts: dict[tuple[int, int, int], int] = {}
        self.walls = walls_by_storey(model)
        self.shrunk: dict[tuple[int, float], Any] = {}
        self.storey_z = np.array([st.elevation_m for st in model.storeys])
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

    def edge(
        self,
        u: int,
        v: int,
        kind: EdgeKind,
        *,
        ref: int = -1,
        length_m: float | None = None,
        assumed: bool = False,
    ) -> None:
        if u == v:
            return
        if length_m is None:
            length_m = float(np.linalg.norm(np.subtract(self.xyz[v], self.xyz[u])))
        self.edges.append((u, v, int(kind), ref, length_m, assumed))

    def spaces_near(self, geom: Any, storeys: set[int], *, distance: float = 0.0) -> list[int]:
        if geom is None or geom.is_empty or not self.footprints:
            return []
        hits = (
            self.tree.query(geom, predicate="dwithin", distance=distance)
            if distance
            else self.tree.query(geom, predicate="intersects")
        )
        return [int(i) for i in hits if int(self.space_storey[i]) in storeys]

    def nearest_space(self, point: Point, storey: int, *, within: float, lifts_too: bool = False) -> int:
        hits = self.spaces_near(point, {storey}, distance=within)
        hits = [i for i in hits if lifts_too or not self.model.spaces[i].is_lift]
        if not hits:
            return -1
        return min(hits, key=lambda i: self.footprints[i].distance(point))

    def inset(self, space: int, depth: float) -> Any:
        """The space's footprint shrunk by ``depth`` (m), computed once."""
        key = (space, depth)
        if key not in self.shrunk:
            self.shrunk[key] = self.footprints[space].buffer(-depth, join_style="mitre")
        return self.shrunk[key]

    def walls_near(self, storey: int, geom: Any) -> Any:
        """The walls of ``storey`` whose plans come near ``geom`` (None when there are none)."""
        plan = self.walls.get(storey)
        if plan is None:
            return None
        x0, y0, x1, y1 = geom.bounds
        near = shapely.clip_by_rect(plan, x0 - 0.1, y0 - 0.1, x1 + 0.1, y1 + 0.1)
        return None if near.is_empty else near

    def front(self, space: int, x: float, y: float) -> int:
        """The waypoint inside ``space`` nearest to (x, y), ``FRONT_M`` in from its walls
        (less in a space too narrow for that); shared by everything that asks for one spot."""
        key = (space, round(x * 20), round(y * 20))  # 5 cm
        if key in self.fronts:
            return self.fronts[key]
        poly = self.footprints[space]
        at = Point(x, y)
        spot = None
        for depth in (FRONT_M, FRONT_M / 4):
            inner = self.inset(space, depth)
            if not inner.is_empty:
                spot = shapely.ops.nearest_points(inner, at)[0]
                break
        if spot is None:
            spot = poly.representative_point()
        sp = self.model.spaces[space]
        n = self.node((spot.x, spot.y, sp.floor_z_m), sp.storey, NodeKind.WAYPOINT, space)
        self.fronts[key] = n
        self.hubs.setdefault(space, []).append(n)
        return n

    def through_wall(self, at: Point, space: int) -> bool:
        """Whether the step from ``at`` to its nearest spot inside ``space`` crosses a wall."""
        inner = self.inset(space, FRONT_M)
        if inner.is_empty or inner.covers(at):  # no step to take
            return False
        spot = shapely.ops.nearest_points(inner, at)[0]
        step = shapely.LineString([at, spot])
        near = self.walls_near(int(self.space_storey[space]), step)
        return near is not None and bool(step.intersection(near).length > WALL_GRAZE_M)

    def wall_face(self, space: int, at: Point, *, crossing: bool) -> Point:
        """Where a person reaches a thing that stands at ``at``: there, unless it is set into a
        wall or partition (a mirror or a cabinet placed on the wall's middle line, a holder on a
        toilet partition) — ``crossing`` when the step into ``space`` crosses a wall — then the
        nearest point of the wall's face on ``space``'s side."""
        storey = int(self.space_storey[space])
        plan = self.walls.get(storey)
        if plan is None or (not crossing and not plan.contains(at)):
            return at
        near = self.walls_near(storey, at.buffer(NEAREST_SPACE_M))
        free = self.footprints[space] if near is None else self.footprints[space].difference(near)
        return at if free.is_empty else shapely.ops.nearest_points(free, at)[0]

    def join(
        self,
        space: int,
        n: int,
        kind: EdgeKind = EdgeKind.WALK,
        *,
        ref: int = -1,
        leaf: bool = False,
        towards: tuple[float, float] | None = None,
    ) -> int:
        """Join node ``n`` (a door, landing, lift stop or piece of equipment) to the walks
        inside ``space``; gives the node inside the space it joined (``n`` itself when ``n``
        stands well inside, else the waypoint in front of it, or in front of ``towards``: where
        a stair's flight arrives, away from its middle)."""
        x, y = self.xyz[n][:2]
        deep = self.inset(space, FRONT_M / 2)
        if kind == EdgeKind.WALK and not deep.is_empty and deep.covers(Point(x, y)):
            (self.leaves if leaf else self.hubs).setdefault(space, []).append(n)
            return n
        f = self.front(space, *(towards or (x, y)))
        if kind == EdgeKind.LIFT_BOARD:
            self.edge(f, n, kind, ref=ref)  # u is the floor, v the car
        else:
            self.edge(n, f, kind, ref=ref)
        return f

    # -- stages --------------------------------------------------------------------------------

    def build(self) -> NavGraph:
        model = self.model
        self.add_grids()
        ground = self.ground_storeys()
        self.outline = self.ground_outline(ground)
        door_node, entrances = self.add_doors(ground)
        self.add_open_boundaries(OPEN_GAP_M, assumed=False)
        if not model.doors and len(model.spaces) > 1:
            self.notes.append(
                "the model has no doors at all: spaces that share a wall are assumed to connect "
                "through it (marked as assumed links; times through them are estimates)"
            )
            self.add_open_boundaries(ASSUMED_GAP_M, assumed=True)
        self.add_stairs()
        self.add_lifts()
        if not model.stairs and not model.lifts:
            self.add_assumed_vertical_links()
        equipment_node = self.add_equipment()
        self.add_space_walks()
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
            edge_rise_m=np.array([self.xyz[e[1]][2] - self.xyz[e[0]][2] for e in edges], dtype=np.float64),
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
            for a, b, length in zip(grid.u.tolist(), grid.v.tolist(), grid.length_m.tolist(), strict=True):
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

    def link_to_grid(
        self, n: int, storey: int, radius: float, kind: EdgeKind = EdgeKind.WALK, ref: int = -1
    ) -> bool:
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

    def ground_outline(self, ground: set[int]) -> Any:
        """The ground storeys' plan with the walls between their spaces closed over."""
        parts = [
            self.footprints[i]
            for i, s in enumerate(self.space_storey.tolist())
            if s in ground and not self.model.spaces[i].is_lift
        ]
        parts += [w.area for w in self.model.walkable if w.storey in ground]
        if not parts:
            return None
        # Walls standing outside every space (a podium's, a garden wall) are part of the outline
        # too: the walk round the outside goes round them.
        parts += [self.walls[s] for s in sorted(ground) if s in self.walls]
        r = OUTLINE_CLOSE_M / 2
        merged = shapely.union_all(parts).buffer(r, join_style="mitre").buffer(-r, join_style="mitre")
        polys = [p for p in shapely.get_parts(merged) if isinstance(p, shapely.Polygon)]
        return shapely.MultiPolygon([shapely.Polygon(p.exterior) for p in polys]) if polys else None

    def on_facade(self, x: float, y: float) -> bool:
        if self.outline is None:
            return True
        return bool(self.outline.boundary.distance(Point(x, y)) <= FACADE_M)

    def add_doors(self, ground: set[int]) -> tuple[list[int], list[int]]:
        door_node, entrances, loose, inside = [], [], [], []
        for d_index, door in enumerate(self.model.doors):
            n = self.node(door.xyz, door.storey, NodeKind.DOOR, d_index)
            door_node.append(n)
            shape = (
                door.footprint
                if door.footprint is not None and not door.footprint.is_empty
                else Point(door.xyz[0], door.xyz[1]).buffer(door.width_m / 2)
            )
            reach = shape.buffer(DOOR_REACH_M)
            near_z = set(np.flatnonzero(np.abs(self.storey_z - door.xyz[2]) < 1.0).tolist()) | {door.storey}
            hits = self.spaces_near(reach, near_z)
            # A door joins (at most) the two spaces it overlaps most; a corner of a third
            # space brushing the buffer is not a way through.
            hits = sorted(hits, key=lambda i: -reach.intersection(self.footprints[i]).area)[:2]
            centre = Point(door.xyz[0], door.xyz[1])
            inner = [i for i in hits if self.inset(i, INNER_DOOR_DEPTH_M).contains(centre)]
            if inner:
                # A door standing well inside one space (a toilet stall, a wardrobe) is not a
                # way into the room behind the wall.
                hits = inner[:1]
            elif len(hits) == 2 and door.storey in self.walls:
                # A space beside the door's wall rather than behind it: stepping in from the
                # doorway would go through the wall.
                through = [i for i in hits if self.through_wall(centre, i)]
                if len(through) == 1:
                    hits = [i for i in hits if i not in through]
            for i in hits:
                self.join(i, n, EdgeKind.WALK, ref=d_index)
            on_grid = self.link_to_grid(n, door.storey, door.width_m / 2 + DOOR_REACH_M + 0.3, ref=d_index)
            if not hits and not on_grid:
                loose.append(door.name or door.id)
            if door.storey not in ground or not (hits or on_grid):
                continue
            # An entrance is a door in the façade with a space on one side only, or flagged
            # external (Pset_DoorCommon.IsExternal) and in the façade; a door flagged external
            # deep inside the building is an escape door into a hall, not where people arrive.
            facade = self.on_facade(door.xyz[0], door.xyz[1])
            one_side = len(hits) == 1 or (on_grid and not hits)
            if facade and (door.is_external is True or one_side):
                entrances.append(n)
            elif door.is_external is True:
                inside.append(door.name or door.id)
        if loose:
            self.notes.append(
                f"{len(loose)} door(s) touch no space and lead nowhere "
                f"({', '.join(loose[:3])}{'…' if len(loose) > 3 else ''})"
            )
        if inside:
            self.notes.append(
                f"{len(inside)} door(s) flagged external (IsExternal) stand inside the building's "
                f"outline and are not used as entrances ({', '.join(inside[:3])}"
                f"{'…' if len(inside) > 3 else ''}); declare entrances in the scenario if they are"
            )
        return door_node, entrances

    def add_open_boundaries(self, gap: float, *, assumed: bool) -> None:
        """Link spaces of one storey whose footprints come within ``gap`` along ≥ OPEN_MIN_M,
        across the middle of the boundary they share."""
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
            mid = strip.representative_point() if not strip.contains(strip.centroid) else strip.centroid
            fa, fb = self.front(a, mid.x, mid.y), self.front(b, mid.x, mid.y)
            self.edge(fa, fb, EdgeKind.WALK, assumed=assumed)

    def add_space_walks(self) -> None:
        """Walks inside each space: between its centre and the waypoints, landings and doors in
        it, straight where the straight line stays in the space, else round its inner corners.

        Without the door-to-door walks a long corridor would send everyone through its centre:
        door to centre to the next door, a detour that grows with the corridor.
        """
        for space in sorted(set(self.hubs) | set(self.leaves)):
            poly = self.footprints[space]
            room = poly.buffer(OUTLINE_SLACK_M, join_style="mitre")
            walls = self.walls_near(int(self.space_storey[space]), poly)
            if walls is not None and walls.intersects(self.inset(space, OUTLINE_SLACK_M)):
                # Partitions inside a space (toilet cubicles, a wall the space was drawn over).
                room = room.difference(walls)
            shapely.prepare(room)
            hubs = list(dict.fromkeys([int(self.space_node[space]), *self.hubs.get(space, [])]))
            leaves = [n for n in dict.fromkeys(self.leaves.get(space, [])) if n not in hubs]
            pairs = [(a, b) for a, b in itertools.combinations(hubs, 2)]
            pairs += [(hubs[0], b) for b in leaves]
            seen = _sees(room, [self.xyz[a][:2] for a, _ in pairs], [self.xyz[b][:2] for _, b in pairs])
            for (a, b), ok in zip(pairs, seen.tolist(), strict=True):
                if ok:
                    self.edge(a, b, EdgeKind.WALK)
            blocked = [p for p, ok in zip(pairs, seen.tolist(), strict=True) if not ok]
            if blocked:
                self.round_corners(space, room, hubs, leaves, blocked)

    def round_corners(
        self, space: int, room: Any, hubs: list[int], leaves: list[int], blocked: list[tuple[int, int]]
    ) -> None:
        """Walks between points of a space that cannot see each other go via its inner
        corners; what still finds no way is joined straight (and counted by the audit)."""
        sp = self.model.spaces[space]
        corners = _inner_corners(self.footprints[space], CORNER_M)
        if not room.equals(self.footprints[space].buffer(OUTLINE_SLACK_M, join_style="mitre")):
            # Partitions inside the space (toilet cubicles): walks go round their ends too.
            extra = _inner_corners(room, CORNER_M)
            if extra.size and corners.size:
                gap = np.hypot(*(extra[:, None, :] - corners[None, :, :]).transpose(2, 0, 1))
                extra = extra[gap.min(axis=1) > 1e-3]
            corners = np.concatenate([corners.reshape(-1, 2), extra])
        if corners.size:
            corners = corners[shapely.covers(room, shapely.points(corners))]
        nodes = [
            self.node((x, y, sp.floor_z_m), sp.storey, NodeKind.WAYPOINT, space) for x, y in corners.tolist()
        ]
        links: list[tuple[int, int]] = list(itertools.combinations(nodes, 2))
        links += [(c, p) for c in nodes for p in (*hubs, *leaves)]
        seen = (
            _sees(room, [self.xyz[a][:2] for a, _ in links], [self.xyz[b][:2] for _, b in links])
            if links
            else np.zeros(0, bool)
        )
        parent = {n: n for n in (*hubs, *leaves, *nodes)}

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for a, b in {*(self.edge_pairs_in(space))}:
            parent[find(a)] = find(b)
        for (a, b), ok in zip(links, seen.tolist(), strict=True):
            if ok:
                self.edge(a, b, EdgeKind.WALK)
                parent[find(a)] = find(b)
        for a, b in blocked:
            if find(a) != find(b):
                self.edge(a, b, EdgeKind.WALK)
                parent[find(a)] = find(b)

    def edge_pairs_in(self, space: int) -> list[tuple[int, int]]:
        """Walk links already made between nodes that stand inside ``space``."""
        members = {int(self.space_node[space]), *self.hubs.get(space, []), *self.leaves.get(space, [])}
        return [(e[0], e[1]) for e in self.edges if e[0] in members and e[1] in members]

    def landing(
        self, stair_index: int, storey: int, at: Point, landings: dict[int, list[int]], reach: Any
    ) -> int:
        """The landing node of a stair on a storey, shared with stacked stairs, joined to the
        space the stair stands in (the stair hall)."""
        z = self.model.storeys[storey].elevation_m
        for n in landings.setdefault(storey, []):
            if np.hypot(self.xyz[n][0] - at.x, self.xyz[n][1] - at.y) <= LANDING_MERGE_M:
                return n
        n = self.node((at.x, at.y, z), storey, NodeKind.STAIR, stair_index)
        landings[storey].append(n)
        stair = self.model.stairs[stair_index].footprint
        near = [i for i in self.spaces_near(reach, {storey}) if not self.model.spaces[i].is_lift]
        hall = max(
            near,
            key=lambda i: (self.footprints[i].intersection(stair).area, -self.footprints[i].distance(at)),
            default=-1,
        )
        if hall < 0:
            hall = self.nearest_space(at, storey, within=NEAREST_SPACE_M)
        end = self.stair_end(stair_index, storey)
        if hall >= 0 and end is not None and self.through_wall(at, hall):
            # A wall stands between the stair's middle and that space (a room beside the
            # stairwell, overlapping its plan): people step off where the flight arrives, into
            # the space there.
            arrive = self.nearest_space(Point(end), storey, within=LANDING_REACH_M)
            hall = arrive if arrive >= 0 else hall
            self.join(hall, n, towards=end if arrive >= 0 else None)
        elif hall >= 0:
            self.join(hall, n)
        if self.link_to_grid(n, storey, LANDING_MERGE_M):
            return n
        if hall < 0 and any(sp.storey == storey for sp in self.model.spaces):
            name = self.model.stairs[stair_index].name
            self.notes.append(f"stair {name} lands in no space on storey '{self.model.storeys[storey].name}'")
        return n

    def stair_end(self, stair_index: int, storey: int) -> tuple[float, float] | None:
        """Where a stair's flight arrives on a storey, when the model says."""
        stair = self.model.stairs[stair_index]
        if len(stair.ends_xy) != len(stair.storeys) or storey not in stair.storeys:
            return None
        return stair.ends_xy[stair.storeys.index(storey)]

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
                    if self.model.spaces[i].is_lift:
                        self.edge(int(self.space_node[i]), n, EdgeKind.LIFT_BOARD, ref=k)
                    else:
                        self.join(i, n, EdgeKind.LIFT_BOARD, ref=k)
                if not floor and self.link_to_grid(n, s, LIFT_REACH_M + 1.0, EdgeKind.LIFT_BOARD, ref=k):
                    continue
                if not floor:
                    self.notes.append(
                        f"lift {lift.name} stops on storey "
                        f"'{self.model.storeys[s].name}' but no space is beside it"
                    )
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
        levels = sorted(
            {sp.storey for sp in self.model.spaces}, key=lambda s: self.model.storeys[s].elevation_m
        )
        if len(levels) < 2:
            return
        for lower, upper in itertools.pairwise(levels):
            below = [i for i, sp in enumerate(self.model.spaces) if sp.storey == lower]
            above = [i for i, sp in enumerate(self.model.spaces) if sp.storey == upper]
            a, b = max(
                itertools.product(below, above),
                key=lambda p: (
                    self.footprints[p[0]].intersection(self.footprints[p[1]]).area,
                    -self.footprints[p[0]].distance(self.footprints[p[1]]),
                ),
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
            at = Point(e.xyz[0], e.xyz[1])
            if space < 0:
                space = self.nearest_space(at, e.storey, within=NEAREST_SPACE_M, lifts_too=True)
            if space >= 0 and e.storey in self.walls:
                crossing = self.through_wall(at, space)
                if crossing:
                    # Equipment in or behind a wall: reach it from the room it opens into.
                    around = sorted(
                        self.spaces_near(at, {e.storey}, distance=NEAREST_SPACE_M),
                        key=lambda i: self.footprints[i].distance(at),
                    )
                    clear = next((i for i in around if not self.through_wall(at, i)), -1)
                    space, crossing = (clear, False) if clear >= 0 else (space, True)
                at = self.wall_face(space, at, crossing=crossing)
            n = self.node((at.x, at.y, z), e.storey, NodeKind.EQUIPMENT, k)
            equipment_node.append(n)
            if space >= 0:
                self.join(space, n, leaf=True)
            elif not self.link_to_grid(n, e.storey, 1.0):
                stranded[e.storey] = stranded.get(e.storey, 0) + 1
        for s, count in sorted(stranded.items()):
            self.notes.append(
                f"{count} equipment element(s) on storey '{self.model.storeys[s].name}' lie more "
                f"than {NEAREST_SPACE_M:g} m from every space; no one can walk to them"
            )
        return equipment_node

    def add_outside(self, entrances: list[int]) -> None:
        """People walk round the outside from one entrance to another: along the building's
        outline, ``OUTSIDE_OFFSET_M`` out, not through it."""
        if len(entrances) < 2:
            return
        if self.outline is None:
            for u, v in itertools.combinations(entrances, 2):
                self.edge(u, v, EdgeKind.OUTSIDE)
            return
        rings = [
            shapely.LineString(p.exterior.coords)
            for p in shapely.get_parts(self.outline.buffer(OUTSIDE_OFFSET_M, join_style="mitre"))
            if isinstance(p, shapely.Polygon)
        ]
        rings = [r.simplify(0.2) for r in rings]
        z = min(self.xyz[n][2] for n in entrances)
        storey = self.storey[entrances[0]]
        stops: list[list[tuple[float, int]]] = [[] for _ in rings]

        def stop_at(r: int, x: float, y: float) -> int:
            t = rings[r].project(Point(x, y))
            p = rings[r].interpolate(t)
            n = self.node((p.x, p.y, z), storey, NodeKind.WAYPOINT, -1)
            stops[r].append((t, n))
            return n

        used: list[int] = []
        for door in entrances:
            at = Point(*self.xyz[door][:2])
            r = min(range(len(rings)), key=lambda i: rings[i].distance(at))
            self.edge(door, stop_at(r, at.x, at.y), EdgeKind.OUTSIDE)
            used.append(r)
        reached = sorted(set(used))
        for k, r in enumerate(reached[1:], start=1):
            # Open ground between two buildings: a straight walk between their nearest points.
            other = min(reached[:k], key=lambda i: rings[i].distance(rings[r]))
            a, b = shapely.ops.nearest_points(rings[r], rings[other])
            self.edge(stop_at(r, a.x, a.y), stop_at(other, b.x, b.y), EdgeKind.OUTSIDE)
        for r in reached:
            ring = rings[r]
            for x, y in list(ring.coords)[:-1]:
                stops[r].append(
                    (ring.project(Point(x, y)), self.node((x, y, z), storey, NodeKind.WAYPOINT, -1))
                )
            ordered = [n for _, n in sorted(stops[r])]
            for u, v in zip(ordered, ordered[1:] + ordered[:1], strict=True):
                self.edge(u, v, EdgeKind.OUTSIDE)


def walls_by_storey(model: BuildingModel) -> dict[int, Any]:
    """The union of each storey's wall plans (doorways cut out), prepared for fast queries."""
    found: dict[int, list[Any]] = {}
    for w in model.walls:
        found.setdefault(w.storey, []).append(w.plan)
    out = {}
    for storey, plans in found.items():
        merged = shapely.union_all(plans)
        shapely.prepare(merged)
        out[storey] = merged
    return out


def _sees(room: Any, a: list[Any], b: list[Any]) -> np.ndarray:
    """Whether each straight line a[i] → b[i] stays inside ``room``."""
    if not a:
        return np.zeros(0, bool)
    lines = shapely.linestrings(np.stack([np.asarray(a, float), np.asarray(b, float)], axis=1))
    return np.asarray(shapely.covered_by(lines, room))


def _inner_corners(poly: Any, offset_m: float) -> np.ndarray:
    """Points ``offset_m`` in from each inner (reflex) corner of a polygon, shape (k, 2)."""
    inner = poly.buffer(-offset_m, join_style="mitre")
    out = []
    for part in shapely.get_parts(inner):
        if not isinstance(part, shapely.Polygon) or part.is_empty:
            continue
        part = shapely.geometry.polygon.orient(part.simplify(0.02), 1.0)
        for ring in (part.exterior, *part.interiors):
            xy = np.asarray(ring.coords)[:-1]
            if len(xy) < 3:
                continue
            prev, nxt = np.roll(xy, 1, axis=0), np.roll(xy, -1, axis=0)
            cross = (xy[:, 0] - prev[:, 0]) * (nxt[:, 1] - xy[:, 1]) - (xy[:, 1] - prev[:, 1]) * (
                nxt[:, 0] - xy[:, 0]
            )
            out.append(xy[cross < -1e-9])
    return np.concatenate(out) if out else np.zeros((0, 2))


def _long_side(poly: Any) -> float:
    rect = poly.minimum_rotated_rectangle
    xs, ys = rect.exterior.coords.xy
    sides = np.hypot(np.diff(xs), np.diff(ys))
    return float(sides.max()) if len(sides) else 0.0
