#!/usr/bin/env python3
"""Generate DrillTwin's default building: an IFC4 estate of high-rise towers over one garage.

Run ``python models/make_estate.py [--out PATH]``; it writes ``models/estate.ifc`` by default and
logs one line of counts. Sizes and positions are in metres (the project's length unit is METRE,
areas m2, volumes m3); x runs east along the row of towers, y north, z up.

What it builds, with the defaults:

* **Spatial structure.** IfcProject "DrillTwin default estate" -> IfcSite "Estate site" -> one
  IfcBuilding "Estate" -> 29 IfcBuildingStoreys whose ``Elevation`` equals their placement z:
  ``B1`` (-4.0 m, 4.0 m high), ``GF`` (0.0 m, 4.5 m high), ``L01``...``L27`` (4.5 + (n-1) * 3.0 m).
* **Towers** A, B, C: 40 m x 20 m footprints 25 m apart, over a basement that spans all three
  and reaches 10 m beyond them (x -10..180, y -10..20). Every storey of a tower shares one core:
  a corridor along the tower (y 9..11), a lobby open to it with two passenger lift shafts to its
  west and the service/fire shaft to its east, two stair enclosures at the corridor's ends, a
  plumbing riser cupboard and an electrical cupboard. A residential floor has 10 flats: six
  south of the corridor, four north of it beside the core.
* **Spaces** are IfcSpaces aggregated under their storey: a rectangle (or, for the garage round
  the sump pit, a polyline) extruded by the clear height, with ``Qto_SpaceBaseQuantities``
  Net- and GrossFloorArea equal to the polygon's area. A wall between two spaces is a 0.2 m gap
  between their polygons; two spaces share an edge only where nothing separates them (corridor
  and lobby, entrance lobby and corridor, garage and garage, garage and basement lobby, garage
  and sump pit).
* **Doors** fill wall gaps: a box door-width x 0.2 m x door-height centred in the gap, so a door
  buffered by 0.4 m overlaps exactly the spaces it joins. Doors in modelled walls (corridor,
  core and external walls) fill an IfcOpeningElement that voids the wall.
* **Ground floor**: per tower an entrance lobby with the street door; in tower A the Engineering
  Office (the crews' base), Security Room and Front Desk; stores in the others. **Basement**:
  garages, per tower a lobby, stairs and riser cupboards; the Pump Room, Main Electrical Room
  and Generator Room under tower A; a Sump Pit at the foot of the vehicle ramp (an IfcRamp
  rising east to a ground-level "Ramp entry" closed by the vehicle gate).
* **Stairs**: one IfcStair per stair per storey gap, a box from the lower storey's elevation to
  the upper's inside the enclosure. **Lifts**: one IfcTransportElement ELEVATOR per car, a
  shaft box from the basement floor to the roof, beside the lobby.
* **Systems** whose IfcDistributionPorts are joined by IfcRelConnectsPorts, flowing from source
  to load: domestic water (break tank -> booster pumps -> per tower a riser, per storey an
  isolation valve and a branch into the corridor), power (utility transformer and standby
  generator -> main switchboard -> per tower a cable riser with a board per storey, a board
  feeding the three lift cars, and the essential pumps) and storm drainage (roof drains ->
  downpipes -> collectors -> outfall; ramp gullies -> sump -> sump pumps -> outfall); sensors
  for leaks and for the sump level.

Names: a space's ``Name`` is a short code, its ``LongName`` a readable name and its
``ObjectType`` a kind: flat ``A-1403`` "Flat A-1403" (Apartment), ``A-14-COR`` "Corridor A
L14", ``A-14-LOB`` "Lobby A L14", ``A-14-ST1`` "Stair A1 L14", ``A-14-PLB`` "Plumbing riser A
L14", ``A-14-ELE`` "Electrical cupboard A L14" (``GF`` or ``B1`` in place of ``14`` below the
first floor). Only lifts have "lift" in their names: DrillTwin's reader takes a space or a
distribution element named so for a lift in disguise.

The file is deterministic: GlobalIds are uuid5 of stable keys (class and name, or what a
relationship relates), the header has a fixed timestamp, no IfcOwnerHistory is written and
elements are created in a fixed order, so two runs give byte-identical files.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.api.aggregate
import ifcopenshell.api.context
import ifcopenshell.api.feature
import ifcopenshell.api.geometry
import ifcopenshell.api.project
import ifcopenshell.api.pset
import ifcopenshell.api.root
import ifcopenshell.api.spatial
import ifcopenshell.api.system
import ifcopenshell.api.unit
import ifcopenshell.guid

log = logging.getLogger("make_estate")

# --------------------------------------------------------------------------------------------
# Parameters: the defaults of the command-line options.

DEFAULT_OUT = Path(__file__).resolve().with_name("estate.ifc")
TOWER_COUNT = 3
RESIDENTIAL_FLOORS = 27
FLATS_PER_FLOOR = 10
BASEMENT_HEIGHT_M = 4.0
GROUND_HEIGHT_M = 4.5
FLOOR_HEIGHT_M = 3.0

# --------------------------------------------------------------------------------------------
# Fixed dimensions (m); pairs are (width along x, depth along y) unless noted.

TOWER_M = (40.0, 20.0)
TOWER_GAP_M = 25.0
BASEMENT_MARGIN_M = 10.0  # beyond the towers to the west, east and south; flush on the north
WALL_M = 0.2  # the thickness of every wall, hence the gap between spaces a wall separates
SLAB_M = 0.2  # floor slabs lie just below their storey's elevation
CORRIDOR_Y_M = (9.0, 11.0)  # tower-local y-range; the corridor runs the tower's length
STAIR_M = (3.0, 6.0)
CUPBOARD_M = (1.6, 2.0)
LOBBY_M = (3.0, 6.0)
PASSENGER_SHAFT_M = (2.6, 2.6)
SERVICE_SHAFT_M = (2.8, 3.2)  # the 21-person fire lift takes a deeper car
# The two passenger shafts stand 0.6 m apart (a services void between them): further than the
# 0.5 m under which DrillTwin's reader merges lift parts into one lift.
SHAFT_SPACING_M = 0.6
STAIR_INSET_M = 0.3  # stair flights keep clear of the enclosure walls
RAMP_M = (32.0, 6.0)  # length along x, width: 1:8 down the 4 m to the basement
RAMP_ENTRY_LENGTH_M = 8.0
SUMP_PIT_M = (5.8, 7.8)
MIN_ROOM_WIDTH_M = 2.4

# Doors by use: (width, height).
FLAT_DOOR_M = (1.0, 2.1)
STAIR_DOOR_M = (1.0, 2.1)
CUPBOARD_DOOR_M = (0.8, 2.1)
ROOM_DOOR_M = (0.9, 2.1)
PLANT_DOOR_M = (1.2, 2.1)  # double doors, to move equipment in and out
ENTRANCE_DOOR_M = (1.8, 2.4)
GATE_M = (5.0, 2.4)

# Ground-floor rooms south of the corridor, west to east: (code suffix, long name, object type,
# width or None to share what is left). "ENT" is the entrance lobby: open to the corridor, with
# the street door. "FD" opens onto the entrance lobby, every other room onto the corridor.
# "{t}" stands for the tower's letter.
GROUND_SOUTH_A = (
    ("ENG", "Engineering Office", "Office", 8.0),
    ("SEC", "Security Room", "Office", 5.0),
    ("ENT", "Entrance lobby A", "Entrance lobby", 10.0),
    ("FD", "Front Desk", "Reception", 5.0),
    ("MGT", "Management Office", "Office", None),
)
GROUND_SOUTH_OTHER = (
    ("BIN", "Bin store {t}", "Store", 6.0),
    ("BIKE", "Bike store {t}", "Store", None),
    ("ENT", "Entrance lobby {t}", "Entrance lobby", 10.0),
    ("MAIL", "Mail room {t}", "Store", 6.0),
)
# Ground-floor rooms north of the corridor, west and east of the core.
GROUND_NORTH_A = (("STF", "Staff Room", "Office"), ("WKS", "Engineering Workshop", "Workshop"))
GROUND_NORTH_OTHER = (("LNG", "Residents' Lounge {t}", "Amenity"), ("STO", "Store {t} GF", "Store"))
# Basement rooms north of the garage, west and east of each core: (code, long name, type).
BASEMENT_WEST_A = (("B1-PMP", "Pump Room", "Plant room"),)
BASEMENT_EAST_A = (
    ("B1-MER", "Main Electrical Room", "Plant room"),
    ("B1-GEN", "Generator Room", "Plant room"),
)
BASEMENT_WEST_OTHER = (("B1-STO-{t}", "Store {t} B1", "Store"),)
BASEMENT_EAST_OTHER = (("B1-TNT-{t}", "Tenant storage {t}", "Store"),)

WATER, POWER, STORM = "Domestic water", "Power", "Storm drainage"
SYSTEMS = ((WATER, "DOMESTICCOLDWATER"), (POWER, "ELECTRICAL"), (STORM, "STORMWATER"))
# Ports by medium: (port PredefinedType, port SystemType).
#: Nominal sizes of the domestic water pipes (m): the incoming main for ~800 flats, a tower's
#: main and riser for ~270, a floor's branch for 10 (pipe sizes of the order BS EN 806-3's
#: loading-unit tables give such loads). A leak is drawn by pipe length and size (twin.engine.physics).
WATER_DN_M = {"incoming": 0.100, "main": 0.080, "riser": 0.080, "branch": 0.032}
MEDIA = {WATER: ("PIPE", "DOMESTICCOLDWATER"), POWER: ("CABLE", "ELECTRICAL"), STORM: ("PIPE", "STORMWATER")}

# Determinism: a fixed header timestamp, and GlobalIds that are uuid5 of stable keys.
TIMESTAMP = "2025-01-01T00:00:00"
GUID_NAMESPACE = uuid.UUID("5b0f7a1e-3c2d-5e8f-9a41-d7e1b2c3f4a5")

Point = tuple[float, float]


def mm(value: float) -> float:
    """Round to the millimetre, so coordinates read cleanly and gaps stay exactly 0.2 m."""
    return round(value, 3) + 0.0  # + 0.0 turns -0.0 into 0.0


def stable_guid(key: str) -> str:
    return str(ifcopenshell.guid.compress(uuid.uuid5(GUID_NAMESPACE, key).hex))


# --------------------------------------------------------------------------------------------
# The plan: where everything goes, as plain values; no IFC yet.


@dataclass(frozen=True, slots=True)
class Rect:
    """An axis-aligned rectangle in site coordinates (m)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def depth(self) -> float:
        return self.y1 - self.y0

    @property
    def centre(self) -> Point:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    @property
    def area(self) -> float:
        return self.width * self.depth

    def inner(self, width: float, depth: float, fx: float = 0.5, fy: float = 0.5) -> Rect:
        """A width x depth rectangle centred at the fraction (fx, fy) of this one, inside it."""
        margin = 0.05
        cx = min(max(self.x0 + fx * self.width, self.x0 + margin + width / 2), self.x1 - margin - width / 2)
        cy = min(max(self.y0 + fy * self.depth, self.y0 + margin + depth / 2), self.y1 - margin - depth / 2)
        return Rect(mm(cx - width / 2), mm(cy - depth / 2), mm(cx + width / 2), mm(cy + depth / 2))


def polygon_area(points: Sequence[Point]) -> float:
    ring = zip(points, [*points[1:], points[0]], strict=True)
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in ring)) / 2


@dataclass(frozen=True, slots=True)
class Level:
    """A storey; ``name`` (B1, GF, L01...) is also its IfcBuildingStorey's Name."""

    name: str
    long_name: str
    elevation_m: float
    height_m: float

    @property
    def clear_height_m(self) -> float:
        return self.height_m - SLAB_M

    @property
    def code(self) -> str:
        """The level as space codes spell it: ``B1``, ``GF``, ``14``."""
        return self.name[1:] if self.name.startswith("L") else self.name


@dataclass(frozen=True, slots=True)
class SpacePlan:
    level: str
    code: str
    long_name: str
    object_type: str
    outline: Rect | tuple[Point, ...]
    predefined_type: str = "SPACE"

    @property
    def area_m2(self) -> float:
        if isinstance(self.outline, Rect):
            return self.outline.area
        return polygon_area(self.outline)


@dataclass(frozen=True, slots=True)
class DoorPlan:
    level: str
    name: str
    footprint: Rect  # the door's box in plan: width x wall thickness, filling the wall gap
    height_m: float
    serves: tuple[str, ...]  # codes of the spaces it joins (just one for a door to outside)
    external: bool = False
    predefined_type: str = "DOOR"
    operation_type: str = "SINGLE_SWING_LEFT"

    @property
    def width_m(self) -> float:
        return max(self.footprint.width, self.footprint.depth)


@dataclass(frozen=True, slots=True)
class WallPlan:
    level: str
    name: str
    footprint: Rect
    external: bool


@dataclass(frozen=True, slots=True)
class SlabPlan:
    level: str
    name: str
    footprint: Rect
    predefined_type: str = "FLOOR"
    on_top: bool = False  # a roof sits at the top of its storey, a floor just below its floor


@dataclass(frozen=True, slots=True)
class TowerGrid:
    """Where a tower's core stands: the same on every storey, so stairs and shafts line up."""

    letter: str
    x0: float
    st1: Rect
    st2: Rect
    plb: Rect
    ele: Rect
    lobby: Rect
    shafts: tuple[Rect, Rect, Rect]  # passenger 1, passenger 2, service
    west: tuple[float, float]  # x-range north of the corridor between stair 1 and the cupboard
    east: tuple[float, float]  # x-range between the electrical cupboard and stair 2

    @property
    def x1(self) -> float:
        return self.x0 + TOWER_M[0]

    @property
    def corridor(self) -> Rect:
        return Rect(mm(self.x0 + WALL_M), CORRIDOR_Y_M[0], mm(self.x1 - WALL_M), CORRIDOR_Y_M[1])

    @property
    def south_y(self) -> tuple[float, float]:
        return (WALL_M, mm(CORRIDOR_Y_M[0] - WALL_M))

    @property
    def north_y(self) -> tuple[float, float]:
        return (mm(CORRIDOR_Y_M[1] + WALL_M), mm(TOWER_M[1] - WALL_M))


@dataclass
class EstatePlan:
    levels: list[Level]
    towers: list[TowerGrid]
    basement: Rect
    ramp: Rect
    spaces: list[SpacePlan] = field(default_factory=list)
    doors: list[DoorPlan] = field(default_factory=list)
    walls: list[WallPlan] = field(default_factory=list)
    slabs: list[SlabPlan] = field(default_factory=list)

    def rect(self, code: str) -> Rect:
        """The rectangle of a space (of its bounding box, for a polygon)."""
        outline = next(s.outline for s in self.spaces if s.code == code)
        if isinstance(outline, Rect):
            return outline
        xs, ys = [p[0] for p in outline], [p[1] for p in outline]
        return Rect(min(xs), min(ys), max(xs), max(ys))

    def level(self, name: str) -> Level:
        return next(lv for lv in self.levels if lv.name == name)


def partition(start: float, end: float, widths: Sequence[float | None]) -> list[tuple[float, float]]:
    """Split [start, end] into intervals of the given widths, one wall apart.

    ``None`` widths share what the fixed ones leave; the last interval always ends at ``end``.
    """
    fixed = sum(w for w in widths if w is not None)
    flexible = sum(1 for w in widths if w is None)
    spare = end - start - fixed - WALL_M * (len(widths) - 1)
    share = spare / flexible if flexible else 0.0
    if spare < -1e-9 or (flexible and share < MIN_ROOM_WIDTH_M):
        raise ValueError(
            f"rooms of widths {list(widths)} do not fit in {end - start:.2f} m "
            f"with {WALL_M} m walls between them; use fewer flats per floor"
        )
    out = []
    x = start
    for i, w in enumerate(widths):
        x1 = end if i == len(widths) - 1 else mm(x + (share if w is None else w))
        out.append((mm(x), mm(x1)))
        x = mm(x1 + WALL_M)
    return out


def lay_out_tower(letter: str, x0: float) -> TowerGrid:
    widths = [
        STAIR_M[0],
        None,
        CUPBOARD_M[0],
        PASSENGER_SHAFT_M[0],
        LOBBY_M[0],
        SERVICE_SHAFT_M[0],
        CUPBOARD_M[0],
        None,
        STAIR_M[0],
    ]
    xs = partition(x0 + WALL_M, x0 + TOWER_M[0] - WALL_M, widths)
    y0 = mm(CORRIDOR_Y_M[1] + WALL_M)
    p1_y1 = mm(y0 + PASSENGER_SHAFT_M[1])
    p2_y0 = mm(p1_y1 + SHAFT_SPACING_M)
    return TowerGrid(
        letter=letter,
        x0=x0,
        st1=Rect(xs[0][0], y0, xs[0][1], mm(y0 + STAIR_M[1])),
        st2=Rect(xs[8][0], y0, xs[8][1], mm(y0 + STAIR_M[1])),
        plb=Rect(xs[2][0], y0, xs[2][1], mm(y0 + CUPBOARD_M[1])),
        ele=Rect(xs[6][0], y0, xs[6][1], mm(y0 + CUPBOARD_M[1])),
        # The lobby starts at the corridor's edge: it is open to the corridor, no wall between.
        lobby=Rect(xs[4][0], CORRIDOR_Y_M[1], xs[4][1], mm(CORRIDOR_Y_M[1] + LOBBY_M[1])),
        shafts=(
            Rect(xs[3][0], y0, xs[3][1], p1_y1),
            Rect(xs[3][0], p2_y0, xs[3][1], mm(p2_y0 + PASSENGER_SHAFT_M[1])),
            Rect(xs[5][0], y0, xs[5][1], mm(y0 + SERVICE_SHAFT_M[1])),
        ),
        west=xs[1],
        east=xs[7],
    )


def plan_levels(floors: int, basement_m: float, ground_m: float, floor_m: float) -> list[Level]:
    levels = [Level("B1", "Basement", -basement_m, basement_m), Level("GF", "Ground floor", 0.0, ground_m)]
    for n in range(1, floors + 1):
        levels.append(Level(f"L{n:02d}", f"Level {n}", mm(ground_m + (n - 1) * floor_m), floor_m))
    return levels


def door_across(
    level: str,
    name: str,
    room: Rect,
    wall_y: tuple[float, float],
    size: tuple[float, float],
    serves: tuple[str, ...],
    **kw: Any,
) -> DoorPlan:
    """A door in a wall that runs along x, centred on the room it serves."""
    cx, half = room.centre[0], size[0] / 2
    footprint = Rect(mm(cx - half), wall_y[0], mm(cx + half), wall_y[1])
    return DoorPlan(level, name, footprint, size[1], serves, **kw)


def door_along(
    level: str,
    name: str,
    room: Rect,
    wall_x: tuple[float, float],
    size: tuple[float, float],
    serves: tuple[str, ...],
    **kw: Any,
) -> DoorPlan:
    """A door in a wall that runs along y, centred on the room it serves."""
    cy, half = room.centre[1], size[0] / 2
    footprint = Rect(wall_x[0], mm(cy - half), wall_x[1], mm(cy + half))
    return DoorPlan(level, name, footprint, size[1], serves, **kw)


def split_wall(
    level: str, name: str, x_range: tuple[float, float], wall_y: tuple[float, float], gaps: Sequence[Rect]
) -> list[WallPlan]:
    """A wall along x, broken where a space reaches across its line (open to its neighbour)."""
    pieces = []
    x = x_range[0]
    for gap in sorted(gaps, key=lambda r: r.x0):
        if gap.x0 > x:
            pieces.append(Rect(x, wall_y[0], gap.x0, wall_y[1]))
        x = gap.x1
    if x_range[1] > x:
        pieces.append(Rect(x, wall_y[0], x_range[1], wall_y[1]))
    if len(pieces) == 1:
        return [WallPlan(level, name, pieces[0], False)]
    return [WallPlan(level, f"{name}{i}", r, False) for i, r in enumerate(pieces, start=1)]


def plan_core(plan: EstatePlan, grid: TowerGrid, level: Level, front: str) -> None:
    """What every storey of a tower shares: lobby, stairs, cupboards and their doors.

    ``front`` is the space they open onto: the corridor, or the garage in the basement.
    """
    t, lv, code = grid.letter, level.name, level.code
    wall_y = (CORRIDOR_Y_M[1], mm(CORRIDOR_Y_M[1] + WALL_M))
    plan.spaces.append(SpacePlan(lv, f"{t}-{code}-LOB", f"Lobby {t} {lv}", "Lobby", grid.lobby))
    for n, rect in ((1, grid.st1), (2, grid.st2)):
        sc = f"{t}-{code}-ST{n}"
        plan.spaces.append(SpacePlan(lv, sc, f"Stair {t}{n} {lv}", "Stair", rect))
        plan.doors.append(door_across(lv, f"{sc}-D", rect, wall_y, STAIR_DOOR_M, (sc, front)))
    for suffix, long_name, object_type, rect in (
        ("PLB", f"Plumbing riser {t} {lv}", "Riser cupboard", grid.plb),
        ("ELE", f"Electrical cupboard {t} {lv}", "Electrical cupboard", grid.ele),
    ):
        sc = f"{t}-{code}-{suffix}"
        plan.spaces.append(SpacePlan(lv, sc, long_name, object_type, rect))
        plan.doors.append(door_across(lv, f"{sc}-D", rect, wall_y, CUPBOARD_DOOR_M, (sc, front)))


def plan_tower_walls(
    plan: EstatePlan, grid: TowerGrid, level: Level, open_to_corridor: Sequence[Rect]
) -> None:
    """External walls, and corridor walls broken where a space opens onto the corridor."""
    t, lv, code = grid.letter, level.name, level.code
    x0, x1, d, w = grid.x0, grid.x1, TOWER_M[1], WALL_M
    plan.walls += [
        WallPlan(lv, f"{t}-{code}-EXT-S", Rect(x0, 0.0, x1, w), True),
        WallPlan(lv, f"{t}-{code}-EXT-N", Rect(x0, d - w, x1, d), True),
        WallPlan(lv, f"{t}-{code}-EXT-W", Rect(x0, w, mm(x0 + w), d - w), True),
        WallPlan(lv, f"{t}-{code}-EXT-E", Rect(mm(x1 - w), w, x1, d - w), True),
    ]
    cor = grid.corridor
    x_range = (cor.x0, cor.x1)
    plan.walls += split_wall(lv, f"{t}-{code}-COR-S", x_range, (mm(cor.y0 - w), cor.y0), open_to_corridor)
    plan.walls += split_wall(lv, f"{t}-{code}-COR-N", x_range, (cor.y1, mm(cor.y1 + w)), [grid.lobby])


def plan_residential_floor(plan: EstatePlan, grid: TowerGrid, level: Level, flats: int) -> None:
    t, lv, code = grid.letter, level.name, level.code
    cor = grid.corridor
    corridor = f"{t}-{code}-COR"
    plan.spaces.append(SpacePlan(lv, corridor, f"Corridor {t} {lv}", "Corridor", cor))
    # Three flats in five face south; the core takes the middle of the north side.
    north = (2 * flats) // 5
    west = north // 2
    south_y, north_y = grid.south_y, grid.north_y
    rects = [
        Rect(a, south_y[0], b, south_y[1]) for a, b in partition(cor.x0, cor.x1, [None] * (flats - north))
    ]
    for x_range, count in ((grid.west, west), (grid.east, north - west)):
        if count:
            rects += [Rect(a, north_y[0], b, north_y[1]) for a, b in partition(*x_range, [None] * count)]
    for n, rect in enumerate(rects, start=1):
        sc = f"{t}-{code}{n:02d}"
        plan.spaces.append(SpacePlan(lv, sc, f"Flat {sc}", "Apartment", rect))
        wall_y = (south_y[1], cor.y0) if rect.y1 <= cor.y0 else (cor.y1, north_y[0])
        plan.doors.append(door_across(lv, f"{sc}-D", rect, wall_y, FLAT_DOOR_M, (sc, corridor)))
    plan_core(plan, grid, level, corridor)
    plan_tower_walls(plan, grid, level, [])


def plan_ground_floor(plan: EstatePlan, grid: TowerGrid, level: Level) -> None:
    t, lv, code = grid.letter, level.name, level.code
    cor = grid.corridor
    corridor = f"{t}-{code}-COR"
    plan.spaces.append(SpacePlan(lv, corridor, f"Corridor {t} {lv}", "Corridor", cor))
    south_rooms = GROUND_SOUTH_A if t == "A" else GROUND_SOUTH_OTHER
    north_rooms = GROUND_NORTH_A if t == "A" else GROUND_NORTH_OTHER
    south_y, north_y = grid.south_y, grid.north_y
    xs = partition(cor.x0, cor.x1, [width for *_, width in south_rooms])
    rects = {}
    for (suffix, long_name, object_type, _), (a, b) in zip(south_rooms, xs, strict=True):
        # The entrance lobby runs up to the corridor: it is open to it.
        rects[suffix] = Rect(a, south_y[0], b, cor.y0 if suffix == "ENT" else south_y[1])
        plan.spaces.append(
            SpacePlan(lv, f"{t}-{code}-{suffix}", long_name.format(t=t), object_type, rects[suffix])
        )
    entrance, ent = f"{t}-{code}-ENT", rects["ENT"]
    for suffix, *_ in south_rooms:
        sc, rect = f"{t}-{code}-{suffix}", rects[suffix]
        if suffix == "ENT":
            plan.doors.append(
                door_across(
                    lv,
                    f"{sc}-EXT",
                    rect,
                    (0.0, WALL_M),
                    ENTRANCE_DOOR_M,
                    (sc,),
                    external=True,
                    operation_type="DOUBLE_DOOR_SINGLE_SWING",
                )
            )
        elif suffix == "FD":
            wall_x = (ent.x1, rect.x0) if rect.x0 > ent.x1 else (rect.x1, ent.x0)
            plan.doors.append(door_along(lv, f"{sc}-D", rect, wall_x, ROOM_DOOR_M, (sc, entrance)))
        else:
            plan.doors.append(
                door_across(lv, f"{sc}-D", rect, (south_y[1], cor.y0), ROOM_DOOR_M, (sc, corridor))
            )
    for (suffix, long_name, object_type), (a, b) in zip(north_rooms, (grid.west, grid.east), strict=True):
        sc, rect = f"{t}-{code}-{suffix}", Rect(a, north_y[0], b, north_y[1])
        plan.spaces.append(SpacePlan(lv, sc, long_name.format(t=t), object_type, rect))
        plan.doors.append(door_across(lv, f"{sc}-D", rect, (cor.y1, north_y[0]), ROOM_DOOR_M, (sc, corridor)))
    plan_core(plan, grid, level, corridor)
    plan_tower_walls(plan, grid, level, [ent])


def plan_basement_zone(plan: EstatePlan, grid: TowerGrid, level: Level, garage: str) -> None:
    """A tower's core and rooms in the basement, opening south onto the garage."""
    t, lv = grid.letter, level.name
    north_y = grid.north_y
    wall_y = (CORRIDOR_Y_M[1], north_y[0])
    west_rooms = BASEMENT_WEST_A if t == "A" else BASEMENT_WEST_OTHER
    east_rooms = BASEMENT_EAST_A if t == "A" else BASEMENT_EAST_OTHER
    for rooms, x_range in ((west_rooms, grid.west), (east_rooms, grid.east)):
        xs = partition(*x_range, [None] * len(rooms))
        for (code, long_name, object_type), (a, b) in zip(rooms, xs, strict=True):
            sc, rect = code.format(t=t), Rect(a, north_y[0], b, north_y[1])
            plan.spaces.append(SpacePlan(lv, sc, long_name.format(t=t), object_type, rect))
            size = PLANT_DOOR_M if object_type == "Plant room" else ROOM_DOOR_M
            plan.doors.append(door_across(lv, f"{sc}-D", rect, wall_y, size, (sc, garage)))
    plan_core(plan, grid, level, garage)
    x_range = (mm(grid.x0 + WALL_M), mm(grid.x1 - WALL_M))
    plan.walls += split_wall(lv, f"{t}-B1-CORE-S", x_range, wall_y, [grid.lobby])


def plan_basement(plan: EstatePlan, level: Level) -> None:
    """Garages (one per tower zone, touching), links between towers, sump pit, walls, slab."""
    lv, b, w, towers = level.name, plan.basement, WALL_M, plan.towers
    gx0, gx1 = mm(b.x0 + w), mm(b.x1 - w)
    gy0, gy1 = mm(b.y0 + w), CORRIDOR_Y_M[1]
    edges = [gx0, *(mm((a.x1 + c.x0) / 2) for a, c in itertools.pairwise(towers)), gx1]
    sump = Rect(mm(gx1 - SUMP_PIT_M[0]), gy0, gx1, mm(gy0 + SUMP_PIT_M[1]))
    for i, grid in enumerate(towers):
        x0, x1 = edges[i], edges[i + 1]
        outline: Rect | tuple[Point, ...] = Rect(x0, gy0, x1, gy1)
        if i == len(towers) - 1:
            # The last garage wraps round the sump pit at the ramp's foot and is open to it.
            outline = ((x0, gy0), (sump.x0, gy0), (sump.x0, sump.y1), (x1, sump.y1), (x1, gy1), (x0, gy1))
        garage = f"B1-GAR-{grid.letter}"
        plan.spaces.append(SpacePlan(lv, garage, f"Garage {grid.letter}", "Garage", outline, "PARKING"))
        plan_basement_zone(plan, grid, level, garage)
    north_y1 = mm(TOWER_M[1] - w)
    for a, c in itertools.pairwise(towers):
        plan.spaces.append(
            SpacePlan(
                lv,
                f"B1-GAR-{a.letter}{c.letter}",
                f"Garage {a.letter}-{c.letter}",
                "Garage",
                Rect(a.x1, gy1, c.x0, north_y1),
                "PARKING",
            )
        )
    plan.spaces.append(SpacePlan(lv, "B1-SUMP", "Sump Pit", "Sump pit", sump))
    plan.walls += [
        WallPlan(lv, "B1-EXT-S", Rect(b.x0, b.y0, b.x1, gy0), True),
        WallPlan(lv, "B1-EXT-N", Rect(b.x0, north_y1, b.x1, b.y1), True),
        WallPlan(lv, "B1-EXT-W", Rect(b.x0, gy0, gx0, north_y1), True),
        # The ramp comes in through the east wall: no wall across its mouth.
        WallPlan(lv, "B1-EXT-E", Rect(gx1, plan.ramp.y1, b.x1, north_y1), True),
    ]
    plan.slabs.append(SlabPlan(lv, "B1-SLAB", b))


def plan_ramp_entry(plan: EstatePlan, level: Level) -> None:
    """The ground-level apron at the top of the ramp, closed by the vehicle gate."""
    lv, ramp = level.name, plan.ramp
    entry = Rect(ramp.x1, ramp.y0, mm(ramp.x1 + RAMP_ENTRY_LENGTH_M), ramp.y1)
    plan.spaces.append(SpacePlan(lv, "GF-RAMP", "Ramp entry", "Ramp entry", entry, "EXTERNAL"))
    wall_x = (entry.x1, mm(entry.x1 + WALL_M))
    wall = Rect(wall_x[0], mm(entry.y0 - WALL_M), wall_x[1], mm(entry.y1 + WALL_M))
    plan.walls.append(WallPlan(lv, "GF-RAMP-WALL", wall, True))
    plan.doors.append(
        door_along(
            lv,
            "GF-RAMP-GATE",
            entry,
            wall_x,
            GATE_M,
            ("GF-RAMP",),
            external=True,
            predefined_type="GATE",
            operation_type="SLIDING_TO_LEFT",
        )
    )


def plan_estate(
    towers: int, floors: int, flats: int, basement_m: float, ground_m: float, floor_m: float
) -> EstatePlan:
    levels = plan_levels(floors, basement_m, ground_m, floor_m)
    grids = [lay_out_tower(chr(ord("A") + i), i * (TOWER_M[0] + TOWER_GAP_M)) for i in range(towers)]
    m = BASEMENT_MARGIN_M
    basement = Rect(-m, -m, mm(grids[-1].x1 + m), TOWER_M[1])
    # The ramp runs east from the basement's south-east corner up to ground level.
    x0, y0 = mm(basement.x1 - WALL_M), mm(basement.y0 + WALL_M)
    ramp = Rect(x0, y0, mm(x0 + RAMP_M[0]), mm(y0 + RAMP_M[1]))
    plan = EstatePlan(levels, grids, basement, ramp)
    for level in levels:
        if level.name == "B1":
            plan_basement(plan, level)
        elif level.name == "GF":
            plan.slabs.append(SlabPlan(level.name, "GF-SLAB", basement))  # the podium deck
            plan_ramp_entry(plan, level)
            for grid in grids:
                plan_ground_floor(plan, grid, level)
        else:
            for grid in grids:
                plan_residential_floor(plan, grid, level, flats)
                plan.slabs.append(
                    SlabPlan(
                        level.name,
                        f"{grid.letter}-{level.code}-SLAB",
                        Rect(grid.x0, 0.0, grid.x1, TOWER_M[1]),
                    )
                )
    for grid in grids:
        plan.slabs.append(
            SlabPlan(
                levels[-1].name,
                f"{grid.letter}-RF-ROOF",
                Rect(grid.x0, 0.0, grid.x1, TOWER_M[1]),
                "ROOF",
                on_top=True,
            )
        )
    return plan


# --------------------------------------------------------------------------------------------
# Writing IFC.


class EstateWriter:
    """The IFC file being written, and the entities that elements are looked up by."""

    def __init__(self, plan: EstatePlan) -> None:
        self.plan = plan
        self.file = ifcopenshell.api.project.create_file(version="IFC4")
        self.body: Any = None
        self.storeys: dict[str, Any] = {}
        self.spaces: dict[str, Any] = {}
        self.elements: dict[str, Any] = {}  # name -> what add_element made
        self.members: dict[str, list[Any]] = defaultdict(list)  # system name -> elements
        self.references: dict[str, list[Any]] = defaultdict(list)  # space code -> elements
        # Shared geometry resources keep the file small.
        self._points: dict[tuple[float, ...], Any] = {}
        self._directions: dict[tuple[float, ...], Any] = {}
        self._profiles: dict[tuple[float, float], Any] = {}

    def create(
        self, ifc_class: str, name: str, *, predefined_type: str | None = None, **attributes: Any
    ) -> Any:
        """An IfcRoot entity whose GlobalId derives from its class and (unique) name."""
        entity = ifcopenshell.api.root.create_entity(
            self.file, ifc_class=ifc_class, name=name, predefined_type=predefined_type
        )
        entity.GlobalId = stable_guid(f"{ifc_class}/{name}")
        for key, value in attributes.items():
            setattr(entity, key, value)
        return entity

    def point(self, *xyz: float) -> Any:
        key = tuple(mm(v) for v in xyz)
        if key not in self._points:
            self._points[key] = self.file.createIfcCartesianPoint(key)
        return self._points[key]

    def direction(self, *xyz: float) -> Any:
        if xyz not in self._directions:
            self._directions[xyz] = self.file.createIfcDirection(xyz)
        return self._directions[xyz]

    def place(self, product: Any, relative_to: Any, x: float, y: float, z: float) -> None:
        # Set directly once the product sits in its container (rather than through
        # geometry.edit_object_placement), so the API never recomputes the placement through
        # matrices and leaves 1e-15 noise in the coordinates.
        location = self.file.createIfcAxis2Placement3D(self.point(x, y, z))
        product.ObjectPlacement = self.file.createIfcLocalPlacement(relative_to, location)

    def rectangle(self, width: float, depth: float) -> Any:
        key = (mm(width), mm(depth))
        if key not in self._profiles:
            self._profiles[key] = self.file.createIfcRectangleProfileDef("AREA", None, None, *key)
        return self._profiles[key]

    def give_body(self, product: Any, profile: Any, height: float, position: Any = None) -> None:
        """A Body: the profile, in the XY plane of ``position``, swept along its z by height."""
        up = self.direction(0.0, 0.0, 1.0)
        solid = self.file.createIfcExtrudedAreaSolid(profile, position, up, mm(height))
        shape = self.file.createIfcShapeRepresentation(self.body, "Body", "SweptSolid", [solid])
        ifcopenshell.api.geometry.assign_representation(self.file, product=product, representation=shape)

    def add_pset(self, product: Any, name: str, properties: dict[str, Any]) -> None:
        pset = ifcopenshell.api.pset.add_pset(self.file, product=product, name=name)
        ifcopenshell.api.pset.edit_pset(self.file, pset=pset, properties=properties)

    def add_element(
        self,
        ifc_class: str,
        name: str,
        level: str,
        footprint: Rect,
        z: tuple[float, float],
        *,
        predefined_type: str | None = None,
        systems: Sequence[str] = (),
        spaces: Sequence[str] = (),
        anchor: Point | None = None,
        nominal_diameter_m: float | None = None,
        **attributes: Any,
    ) -> Any:
        """A product with a box body, contained in its storey and referenced in its spaces.

        ``z`` is the box's bottom and top relative to the storey. The placement is at the
        footprint's centre, or at ``anchor`` for a long run that should be found at its start.
        A pipe segment given ``nominal_diameter_m`` gets its ``Length`` quantity (the box's
        longest side) and its ``NominalDiameter``.
        """
        element = self.create(ifc_class, name, predefined_type=predefined_type, **attributes)
        storey = self.storeys[level]
        ifcopenshell.api.spatial.assign_container(self.file, products=[element], relating_structure=storey)
        cx, cy = footprint.centre
        ax, ay = anchor or (cx, cy)
        self.place(element, storey.ObjectPlacement, ax, ay, z[0])
        if anchor is None:
            profile = self.rectangle(footprint.width, footprint.depth)
        else:
            offset = self.file.createIfcAxis2Placement2D(self.point(cx - ax, cy - ay))
            profile = self.file.createIfcRectangleProfileDef(
                "AREA", None, offset, mm(footprint.width), mm(footprint.depth)
            )
        self.give_body(element, profile, z[1] - z[0])
        if nominal_diameter_m is not None:
            length = round(max(footprint.width, footprint.depth, z[1] - z[0]), 3)
            qto = ifcopenshell.api.pset.add_qto(
                self.file, product=element, name="Qto_PipeSegmentBaseQuantities"
            )
            ifcopenshell.api.pset.edit_qto(self.file, qto=qto, properties={"Length": length})
            self.add_pset(element, "Pset_PipeSegmentTypeCommon", {"NominalDiameter": nominal_diameter_m})
        for system in systems:
            self.members[system].append(element)
        for code in spaces:
            self.references[code].append(element)
        self.elements[name] = element
        return element

    def add_port(self, element: Any, name: str, medium: str, flow: str) -> Any:
        port = ifcopenshell.api.system.add_port(self.file, element=element)
        port.GlobalId = stable_guid(f"IfcDistributionPort/{element.GlobalId}/{name}")
        port.Name = name
        port.FlowDirection = flow
        port.PredefinedType, port.SystemType = MEDIA[medium]
        return port

    def link(self, upstream: Any, downstream: Any, medium: str) -> None:
        """Flow from upstream to downstream: a SOURCE port on the one, a SINK port on the other."""
        out_port = self.add_port(upstream, f"Out to {downstream.Name}", medium, "SOURCE")
        in_port = self.add_port(downstream, f"In from {upstream.Name}", medium, "SINK")
        ifcopenshell.api.system.connect_port(self.file, port1=out_port, port2=in_port, direction="SOURCE")

    def chain(self, elements: Sequence[Any], medium: str) -> None:
        for upstream, downstream in itertools.pairwise(elements):
            self.link(upstream, downstream, medium)


def start_file(w: EstateWriter, out_name: str) -> Any:
    """Header, project, units, contexts, site and building; returns the building."""
    f = w.file
    header = f.header.file_name
    header.name = out_name
    header.time_stamp = TIMESTAMP
    header.author = ("DrillTwin",)
    header.organization = ("DrillTwin",)
    header.originating_system = "DrillTwin models/make_estate.py"
    header.authorization = ""
    project = w.create("IfcProject", "DrillTwin default estate")
    # Explicit SI units: assign_unit() with no arguments would make millimetres.
    units = [
        ifcopenshell.api.unit.add_si_unit(f, unit_type=kind)
        for kind in ("LENGTHUNIT", "AREAUNIT", "VOLUMEUNIT")
    ]
    assignment = ifcopenshell.api.unit.assign_unit(f, units=units)
    assignment.Units = units  # the API gathers them in a set; keep a fixed order
    model = ifcopenshell.api.context.add_context(f, context_type="Model")
    w.body = ifcopenshell.api.context.add_context(
        f, context_type="Model", context_identifier="Body", target_view="MODEL_VIEW", parent=model
    )
    site = w.create("IfcSite", "Estate site", CompositionType="ELEMENT")
    ifcopenshell.api.aggregate.assign_object(f, products=[site], relating_object=project)
    w.place(site, None, 0.0, 0.0, 0.0)
    building = w.create("IfcBuilding", "Estate", CompositionType="ELEMENT", ElevationOfRefHeight=0.0)
    ifcopenshell.api.aggregate.assign_object(f, products=[building], relating_object=site)
    w.place(building, site.ObjectPlacement, 0.0, 0.0, 0.0)
    return building


def write_storeys(w: EstateWriter, building: Any) -> None:
    for level in w.plan.levels:
        storey = w.create(
            "IfcBuildingStorey",
            level.name,
            LongName=level.long_name,
            Elevation=level.elevation_m,
            CompositionType="ELEMENT",
        )
        ifcopenshell.api.aggregate.assign_object(w.file, products=[storey], relating_object=building)
        w.place(storey, building.ObjectPlacement, 0.0, 0.0, level.elevation_m)
        w.storeys[level.name] = storey


def write_spaces(w: EstateWriter) -> None:
    for sp in w.plan.spaces:
        level, storey = w.plan.level(sp.level), w.storeys[sp.level]
        space = w.create(
            "IfcSpace",
            sp.code,
            predefined_type=sp.predefined_type,
            LongName=sp.long_name,
            ObjectType=sp.object_type,
            CompositionType="ELEMENT",
        )
        # Aggregated under the storey (the IFC4 way for spaces), before the placement is set,
        # so the API has no placement to re-localise.
        ifcopenshell.api.aggregate.assign_object(w.file, products=[space], relating_object=storey)
        if isinstance(sp.outline, Rect):
            w.place(space, storey.ObjectPlacement, *sp.outline.centre, 0.0)
            profile = w.rectangle(sp.outline.width, sp.outline.depth)
        else:
            x0, y0 = sp.outline[0]
            w.place(space, storey.ObjectPlacement, x0, y0, 0.0)
            points = [w.point(x - x0, y - y0) for x, y in sp.outline]
            curve = w.file.createIfcPolyline([*points, points[0]])
            profile = w.file.createIfcArbitraryClosedProfileDef("AREA", None, curve)
        w.give_body(space, profile, level.clear_height_m)
        qto = ifcopenshell.api.pset.add_qto(w.file, product=space, name="Qto_SpaceBaseQuantities")
        area = round(sp.area_m2, 4)
        ifcopenshell.api.pset.edit_qto(
            w.file,
            qto=qto,
            properties={"Height": level.clear_height_m, "NetFloorArea": area, "GrossFloorArea": area},
        )
        w.spaces[sp.code] = space


def write_walls_and_slabs(w: EstateWriter) -> dict[str, list[tuple[Rect, Any]]]:
    """Walls and slabs; returns each storey's walls, for doors to find the wall they pierce."""
    walls: dict[str, list[tuple[Rect, Any]]] = defaultdict(list)
    for plan in w.plan.walls:
        height = w.plan.level(plan.level).clear_height_m
        wall = w.add_element(
            "IfcWall", plan.name, plan.level, plan.footprint, (0.0, height), predefined_type="SOLIDWALL"
        )
        w.add_pset(wall, "Pset_WallCommon", {"IsExternal": plan.external})
        walls[plan.level].append((plan.footprint, wall))
    for slab in w.plan.slabs:
        z0 = w.plan.level(slab.level).clear_height_m if slab.on_top else -SLAB_M
        w.add_element(
            "IfcSlab",
            slab.name,
            slab.level,
            slab.footprint,
            (z0, z0 + SLAB_M),
            predefined_type=slab.predefined_type,
        )
    return walls


def write_doors(w: EstateWriter, walls: dict[str, list[tuple[Rect, Any]]]) -> None:
    long_names = {sp.code: sp.long_name for sp in w.plan.spaces}
    for plan in w.plan.doors:
        fp = plan.footprint
        sides = [long_names[c] for c in plan.serves] + (["outside"] if plan.external else [])
        door = w.create(
            "IfcDoor",
            plan.name,
            predefined_type=plan.predefined_type,
            Description=" / ".join(sides),
            OverallWidth=mm(plan.width_m),
            OverallHeight=plan.height_m,
            OperationType=plan.operation_type,
        )
        storey = w.storeys[plan.level]
        ifcopenshell.api.spatial.assign_container(w.file, products=[door], relating_structure=storey)
        cx, cy = fp.centre
        host = next(
            (
                wall
                for r, wall in walls[plan.level]
                if r.x0 <= fp.x0 and fp.x1 <= r.x1 and r.y0 <= fp.y0 and fp.y1 <= r.y1
            ),
            None,
        )
        if host is None:  # a partition the model leaves out
            w.place(door, storey.ObjectPlacement, cx, cy, 0.0)
        else:
            # The opening is placed relative to its wall and the door relative to its opening,
            # as IFC expects of a filling; the opening is thicker than the wall so that it cuts
            # cleanly through both faces.
            opening = w.create("IfcOpeningElement", plan.name, predefined_type="OPENING")
            ifcopenshell.api.feature.add_feature(w.file, feature=opening, element=host)
            origin = host.ObjectPlacement.RelativePlacement.Location.Coordinates
            w.place(opening, host.ObjectPlacement, cx - origin[0], cy - origin[1], 0.0)
            along_x = fp.width >= fp.depth
            cut = w.rectangle(fp.width + (0.0 if along_x else 0.1), fp.depth + (0.1 if along_x else 0.0))
            w.give_body(opening, cut, plan.height_m)
            ifcopenshell.api.feature.add_filling(w.file, opening=opening, element=door)
            w.place(door, opening.ObjectPlacement, 0.0, 0.0, 0.0)
        w.give_body(door, w.rectangle(fp.width, fp.depth), plan.height_m)
        w.add_pset(door, "Pset_DoorCommon", {"IsExternal": plan.external})


def write_stairs(w: EstateWriter) -> None:
    for grid in w.plan.towers:
        for n, enclosure in ((1, grid.st1), (2, grid.st2)):
            i = STAIR_INSET_M
            flights = Rect(
                mm(enclosure.x0 + i), mm(enclosure.y0 + i), mm(enclosure.x1 - i), mm(enclosure.y1 - i)
            )
            for lower, upper in itertools.pairwise(w.plan.levels):
                # One stair per storey gap, in the lower storey, from its floor to the next.
                w.add_element(
                    "IfcStair",
                    f"Stair {grid.letter}{n} {lower.name}-{upper.name}",
                    lower.name,
                    flights,
                    (0.0, lower.height_m),
                    predefined_type="HALF_TURN_STAIR",
                )


def write_lifts(w: EstateWriter) -> None:
    levels = w.plan.levels
    ground = w.plan.level("GF")
    bottom = levels[0].elevation_m - ground.elevation_m
    top = levels[-1].elevation_m + levels[-1].height_m - ground.elevation_m
    for grid in w.plan.towers:
        for n, shaft in enumerate(grid.shafts, start=1):
            service = n == 3
            name = f"Lift {grid.letter}{n}" + (" (service)" if service else "")
            kind = "Service and firefighting lift" if service else "Passenger lift"
            lift = w.add_element(
                "IfcTransportElement",
                name,
                "GF",
                shaft,
                (bottom, top),
                predefined_type="ELEVATOR",
                Description=kind,
            )
            capacity = 21 if service else 13
            w.add_pset(lift, "Pset_TransportElementCommon", {"CapacityPeople": capacity})
            w.add_pset(lift, "Pset_TransportElementElevator", {"FireFightingLift": service})


def write_ramp(w: EstateWriter) -> None:
    """A solid wedge from the basement floor at the ramp's foot to ground level at its top."""
    ramp_rect = w.plan.ramp
    rise = -w.plan.levels[0].elevation_m
    ramp = w.create(
        "IfcRamp",
        "Vehicle ramp",
        predefined_type="STRAIGHT_RUN_RAMP",
        Description="Vehicle ramp from B1 up to the ramp entry at GF",
    )
    storey = w.storeys["B1"]
    ifcopenshell.api.spatial.assign_container(w.file, products=[ramp], relating_structure=storey)
    w.place(ramp, storey.ObjectPlacement, ramp_rect.x0, ramp_rect.y1, 0.0)
    # The wedge's section is drawn in the vertical x-z plane and swept south across the ramp's
    # width: local x = east and local z (the sweep) = south, so local y = up.
    length = ramp_rect.width
    section = [w.point(0.0, 0.0), w.point(length, 0.0), w.point(length, rise)]
    curve = w.file.createIfcPolyline([*section, section[0]])
    profile = w.file.createIfcArbitraryClosedProfileDef("AREA", "Ramp section", curve)
    position = w.file.createIfcAxis2Placement3D(
        w.point(0.0, 0.0, 0.0), w.direction(0.0, -1.0, 0.0), w.direction(1.0, 0.0, 0.0)
    )
    w.give_body(ramp, profile, ramp_rect.depth, position)


def write_water_system(w: EstateWriter) -> list[Any]:
    """Break tank -> booster pumps -> per tower a riser, a valve and branch per storey.

    Returns the booster pumps, which the power system feeds.
    """
    plan = w.plan
    room = plan.rect("B1-PMP")
    systems, here = (WATER,), ("B1-PMP",)
    incoming = w.add_element(
        "IfcPipeSegment",
        "Incoming water main",
        "B1",
        room.inner(3.0, 0.15, 0.2, 0.95),
        (2.4, 2.55),
        predefined_type="RIGIDSEGMENT",
        nominal_diameter_m=WATER_DN_M["incoming"],
        systems=systems,
        spaces=here,
    )
    tank = w.add_element(
        "IfcTank",
        "Break tank",
        "B1",
        room.inner(4.0, 2.5, 0.3, 0.75),
        (0.0, 2.0),
        predefined_type="BREAKPRESSURE",
        systems=systems,
        spaces=here,
    )
    w.add_pset(tank, "Pset_TankTypeCommon", {"NominalCapacity": 20.0})
    header = w.add_element(
        "IfcPipeFitting",
        "Booster header",
        "B1",
        room.inner(0.8, 0.3, 0.85, 0.3),
        (1.0, 1.3),
        predefined_type="JUNCTION",
        systems=systems,
        spaces=here,
    )
    w.link(incoming, tank, WATER)
    pumps = []
    for n, fx in ((1, 0.55), (2, 0.7)):
        # IFC4 has no BOOSTER pump type.
        pump = w.add_element(
            "IfcPump",
            f"Booster pump {n}",
            "B1",
            room.inner(0.6, 0.6, fx, 0.3),
            (0.0, 0.9),
            predefined_type="USERDEFINED",
            ObjectType="Booster pump",
            Description="Essential load",
            systems=(WATER, POWER),
            spaces=("B1-PMP",),
        )
        w.chain([tank, pump, header], WATER)
        pumps.append(pump)
    for grid in plan.towers:
        t, plb = grid.letter, grid.plb
        # Along the garage ceiling, just south of the core wall.
        x0, x1 = sorted((room.centre[0], plb.centre[0]))
        main = w.add_element(
            "IfcPipeSegment",
            f"Water main {t}",
            "B1",
            Rect(mm(x0), 10.45, mm(x1), 10.6),
            (3.0, 3.15),
            predefined_type="RIGIDSEGMENT",
            nominal_diameter_m=WATER_DN_M["main"],
            systems=(WATER,),
        )
        riser_valve = w.add_element(
            "IfcValve",
            f"Riser valve {t}",
            "B1",
            plb.inner(0.3, 0.2, 0.55, 0.5),
            (1.0, 1.25),
            predefined_type="ISOLATING",
            systems=(WATER,),
            spaces=(f"{t}-B1-PLB",),
        )
        w.chain([header, main, riser_valve], WATER)
        below = riser_valve
        for level in plan.levels:
            lv = level.name
            systems, here = (WATER,), (f"{t}-{level.code}-PLB",)
            riser = w.add_element(
                "IfcPipeSegment",
                f"Riser {t} {lv}",
                lv,
                plb.inner(0.15, 0.15, 0.2, 0.8),
                (0.0, level.height_m),
                predefined_type="RIGIDSEGMENT",
                nominal_diameter_m=WATER_DN_M["riser"],
                systems=systems,
                spaces=here,
            )
            w.link(below, riser, WATER)
            below = riser
            if lv == "B1":
                continue  # the basement is served from the pump room, not from the riser
            tee = w.add_element(
                "IfcPipeFitting",
                f"Tee {t} {lv}",
                lv,
                plb.inner(0.3, 0.25, 0.2, 0.8),
                (1.2, 1.4),
                predefined_type="JUNCTION",
                systems=systems,
                spaces=here,
            )
            valve = w.add_element(
                "IfcValve",
                f"Valve {t} {lv}",
                lv,
                plb.inner(0.3, 0.2, 0.6, 0.8),
                (1.2, 1.45),
                predefined_type="ISOLATING",
                systems=systems,
                spaces=here,
            )
            cor, ceiling = grid.corridor, level.clear_height_m
            branch = w.add_element(
                "IfcPipeSegment",
                f"Branch {t} {lv}",
                lv,
                Rect(mm(cor.x0 + 0.5), 9.925, mm(cor.x1 - 0.5), 10.075),
                (ceiling - 0.35, ceiling - 0.25),
                predefined_type="RIGIDSEGMENT",
                nominal_diameter_m=WATER_DN_M["branch"],
                systems=(WATER,),
                spaces=(f"{t}-{level.code}-COR",),
            )
            w.chain([riser, tee, valve, branch], WATER)
            below = tee
    return pumps


def write_storm_system(w: EstateWriter) -> list[Any]:
    """Roof drains -> downpipes -> collectors -> outfall; ramp drains -> sump -> pumps -> outfall.

    Returns the sump pumps, which the power system feeds.
    """
    plan = w.plan
    levels, top = plan.levels, plan.levels[-1]
    ground = plan.level("GF")
    roof_z = top.height_m  # the roof slab's top, relative to the top storey
    ceiling = (3.5, 3.65)  # along the garage ceiling, relative to B1
    sump, entry, ramp = plan.rect("B1-SUMP"), plan.rect("GF-RAMP"), plan.ramp
    east = mm(plan.basement.x1 - WALL_M)
    junction = w.add_element(
        "IfcPipeFitting",
        "Storm junction",
        "B1",
        Rect(mm(east - 3.2), 7.8, mm(east - 2.8), 8.2),
        ceiling,
        predefined_type="JUNCTION",
        systems=(STORM,),
    )
    outfall = w.add_element(
        "IfcPipeSegment",
        "Storm outfall",
        "B1",
        Rect(mm(east - 2.8), 7.925, east, 8.075),
        ceiling,
        predefined_type="RIGIDSEGMENT",
        systems=(STORM,),
        Description="To the public storm sewer",
    )
    for grid in plan.towers:
        t, plb = grid.letter, grid.plb
        outlet = w.add_element(
            "IfcPipeFitting",
            f"Roof outlet {t}",
            top.name,
            plb.inner(0.4, 0.4, 0.8, 0.8),
            (roof_z, roof_z + 0.2),
            predefined_type="JUNCTION",
            systems=(STORM,),
        )
        for n, x in ((1, grid.x0 + 5.0), (2, grid.x1 - 5.0)):
            # Over the corridor: whoever clears a drain goes up from the top corridor.
            drain = w.add_element(
                "IfcWasteTerminal",
                f"Roof drain {t}{n}",
                top.name,
                Rect(mm(x - 0.2), 9.8, mm(x + 0.2), 10.2),
                (roof_z, roof_z + 0.1),
                predefined_type="ROOFDRAIN",
                systems=(STORM,),
            )
            w.link(drain, outlet, STORM)
        pipe = plb.inner(0.15, 0.15, 0.8, 0.8)
        downpipe = w.add_element(
            "IfcPipeSegment",
            f"Downpipe {t}",
            "GF",
            pipe,
            (
                levels[0].elevation_m + ceiling[0] - ground.elevation_m,
                top.elevation_m + roof_z - ground.elevation_m,
            ),
            predefined_type="RIGIDSEGMENT",
            systems=(STORM,),
            spaces=[f"{t}-{lv.code}-PLB" for lv in levels],
        )
        collector = w.add_element(
            "IfcPipeSegment",
            f"Storm collector {t}",
            "B1",
            Rect(mm(pipe.centre[0]), 9.8, mm(east - 3.2), 9.95),
            ceiling,
            predefined_type="RIGIDSEGMENT",
            systems=(STORM,),
        )
        w.chain([outlet, downpipe, collector, junction], STORM)
    w.link(junction, outfall, STORM)
    gully = w.add_element(
        "IfcWasteTerminal",
        "Ramp gully",
        "GF",
        Rect(mm(entry.x0 + 0.3), mm(entry.y0 + 0.2), mm(entry.x0 + 0.7), mm(entry.y1 - 0.2)),
        (-0.05, 0.0),
        predefined_type="GULLYSUMP",
        Description="Channel drain at the ramp top",
        systems=(STORM,),
        spaces=("GF-RAMP",),
    )
    # Buried under the ramp, falling to the sump; placed at its sump end, where it can be reached.
    run = Rect(mm(sump.x1 - 1.0), mm(sump.y0 + 0.1), mm(entry.x0 + 0.5), mm(sump.y0 + 0.25))
    gully_pipe = w.add_element(
        "IfcPipeSegment",
        "Ramp gully pipe",
        "B1",
        run,
        (0.0, 0.15),
        predefined_type="RIGIDSEGMENT",
        systems=(STORM,),
        anchor=(mm(sump.x1 - 0.9), run.centre[1]),
    )
    systems, here = (STORM,), ("B1-SUMP",)
    trench = w.add_element(
        "IfcWasteTerminal",
        "Ramp trench drain",
        "B1",
        Rect(mm(sump.x1 - 0.6), mm(ramp.y0 + 0.2), mm(sump.x1 - 0.2), mm(ramp.y1 - 0.2)),
        (0.0, 0.05),
        predefined_type="GULLYSUMP",
        Description="Channel drain at the ramp foot",
        systems=systems,
        spaces=here,
    )
    tank = w.add_element(
        "IfcTank",
        "Sump",
        "B1",
        sump.inner(2.5, 2.5, 0.35, 0.7),
        (0.0, 1.2),
        predefined_type="BASIN",
        systems=systems,
        spaces=here,
    )
    w.add_pset(tank, "Pset_TankTypeCommon", {"NominalCapacity": 7.5})
    w.chain([gully, gully_pipe, tank], STORM)
    w.link(trench, tank, STORM)
    header = w.add_element(
        "IfcPipeFitting",
        "Sump discharge header",
        "B1",
        sump.inner(0.6, 0.3, 0.35, 0.97),
        (1.4, 1.7),
        predefined_type="JUNCTION",
        systems=systems,
        spaces=here,
    )
    pumps = []
    for n, fx in ((1, 0.15), (2, 0.55)):
        pump = w.add_element(
            "IfcPump",
            f"Sump pump {n}",
            "B1",
            sump.inner(0.5, 0.5, fx, 0.3),
            (0.0, 0.8),
            predefined_type="SUMPPUMP",
            Description="Essential load",
            systems=(STORM, POWER),
            spaces=("B1-SUMP",),
        )
        w.chain([tank, pump, header], STORM)
        pumps.append(pump)
    discharge = w.add_element(
        "IfcPipeSegment",
        "Sump discharge pipe",
        "B1",
        Rect(mm(east - 3.075), mm(sump.y1 - 0.3), mm(east - 2.925), 7.8),
        ceiling,
        predefined_type="RIGIDSEGMENT",
        systems=(STORM,),
    )
    w.chain([header, discharge, junction], STORM)
    sensor = w.add_element(
        "IfcSensor",
        "Sump level sensor",
        "B1",
        sump.inner(0.1, 0.1, 0.35, 0.7),
        (0.2, 0.5),
        predefined_type="LEVELSENSOR",
        spaces=("B1-SUMP",),
    )
    ifcopenshell.api.system.assign_flow_control(
        w.file, relating_flow_element=tank, related_flow_control=sensor
    )
    return pumps


def write_power_system(w: EstateWriter, essential_loads: Sequence[Any]) -> None:
    """Transformer and generator -> main switchboard -> risers, boards, lifts, essential pumps."""
    plan = w.plan
    mer, generator_room = plan.rect("B1-MER"), plan.rect("B1-GEN")
    board = w.add_element(
        "IfcElectricDistributionBoard",
        "Main switchboard",
        "B1",
        mer.inner(3.0, 0.8, 0.5, 0.85),
        (0.0, 2.2),
        predefined_type="SWITCHBOARD",
        systems=(POWER,),
        spaces=("B1-MER",),
    )
    transformer = w.add_element(
        "IfcTransformer",
        "Utility transformer",
        "B1",
        mer.inner(2.0, 1.6, 0.5, 0.4),
        (0.0, 2.0),
        predefined_type="VOLTAGE",
        Description="Utility supply",
        systems=(POWER,),
        spaces=("B1-MER",),
    )
    generator = w.add_element(
        "IfcElectricGenerator",
        "Standby generator",
        "B1",
        generator_room.inner(3.5, 1.6, 0.5, 0.6),
        (0.0, 2.0),
        predefined_type="ENGINEGENERATOR",
        Description="Type 10 standby diesel set",
        systems=(POWER,),
        spaces=("B1-GEN",),
    )
    w.add_pset(generator, "Pset_ElectricGeneratorTypeCommon", {"MaximumPowerOutput": 500000.0})
    w.link(transformer, board, POWER)
    w.link(generator, board, POWER)
    for grid in plan.towers:
        t, ele = grid.letter, grid.ele
        x0, x1 = sorted((mer.centre[0], ele.centre[0]))
        feeder = w.add_element(
            "IfcCableSegment",
            f"Feeder {t}",
            "B1",
            Rect(mm(x0), 10.15, mm(x1), 10.3),
            (3.3, 3.4),
            predefined_type="CABLESEGMENT",
            systems=(POWER,),
        )
        w.link(board, feeder, POWER)
        below = feeder
        for level in plan.levels:
            lv = level.name
            systems, here = (POWER,), (f"{t}-{level.code}-ELE",)
            riser = w.add_element(
                "IfcCableSegment",
                f"Cable riser {t} {lv}",
                lv,
                ele.inner(0.2, 0.2, 0.2, 0.85),
                (0.0, level.height_m),
                predefined_type="CABLESEGMENT",
                systems=systems,
                spaces=here,
            )
            w.link(below, riser, POWER)
            below = riser
            if lv == "B1":
                continue
            tap = w.add_element(
                "IfcCableFitting",
                f"Tap-off {t} {lv}",
                lv,
                ele.inner(0.3, 0.25, 0.2, 0.85),
                (1.5, 1.8),
                predefined_type="JUNCTION",
                systems=systems,
                spaces=here,
            )
            db = w.add_element(
                "IfcElectricDistributionBoard",
                f"DB {t} {lv}",
                lv,
                ele.inner(0.6, 0.25, 0.65, 0.9),
                (0.9, 1.8),
                predefined_type="DISTRIBUTIONBOARD",
                systems=systems,
                spaces=here,
            )
            w.chain([riser, tap, db], POWER)
            below = tap
        # "VT" (vertical transport), not "lift": the reader takes a board named lift for a lift.
        vt_board = w.add_element(
            "IfcElectricDistributionBoard",
            f"DB {t} VT",
            "B1",
            ele.inner(0.8, 0.3, 0.65, 0.4),
            (0.2, 2.0),
            predefined_type="DISTRIBUTIONBOARD",
            Description=f"Feeds the three lift cars of tower {t}",
            systems=(POWER,),
            spaces=(f"{t}-B1-ELE",),
        )
        w.link(board, vt_board, POWER)
        for name in (f"Lift {t}1", f"Lift {t}2", f"Lift {t}3 (service)"):
            # Only distribution elements may join a distribution system, so the lifts are fed
            # through their ports without being members of the power system.
            w.link(vt_board, w.elements[name], POWER)
    for load in essential_loads:
        w.link(board, load, POWER)


def write_moisture_sensors(w: EstateWriter) -> None:
    for code, watched in (("B1-PMP", "Break tank"), ("B1-MER", "Main switchboard")):
        room = w.plan.rect(code)
        sensor = w.add_element(
            "IfcSensor",
            f"Moisture sensor {w.spaces[code].LongName}",
            "B1",
            room.inner(0.1, 0.1, 0.5, 0.05),
            (0.0, 0.05),
            predefined_type="MOISTURESENSOR",
            spaces=(code,),
        )
        ifcopenshell.api.system.assign_flow_control(
            w.file, relating_flow_element=w.elements[watched], related_flow_control=sensor
        )


def write_systems(w: EstateWriter, building: Any) -> None:
    booster_pumps = write_water_system(w)
    sump_pumps = write_storm_system(w)
    write_power_system(w, [*booster_pumps, *sump_pumps])
    write_moisture_sensors(w)
    for name, predefined_type in SYSTEMS:
        system = ifcopenshell.api.system.add_system(w.file, ifc_class="IfcDistributionSystem")
        system.GlobalId = stable_guid(f"IfcDistributionSystem/{name}")
        system.Name, system.PredefinedType = name, predefined_type
        ifcopenshell.api.system.assign_system(w.file, products=w.members[name], system=system)
        w.file.createIfcRelServicesBuildings(
            stable_guid(f"IfcRelServicesBuildings/{name}"), None, None, None, system, [building]
        )


def write_references(w: EstateWriter) -> None:
    for code in sorted(w.references):
        ifcopenshell.api.spatial.reference_structure(
            w.file, products=w.references[code], relating_structure=w.spaces[code]
        )


def settle_guids(f: ifcopenshell.file) -> None:
    """Derive the GlobalIds of what the API made (psets, relationships) from what they relate.

    The API draws random GlobalIds and gathers related objects in sets: here each of those ids
    becomes a uuid5 of a stable key, and each list of related objects is put in creation order.
    """
    for pset in f.by_type("IfcPropertySetDefinition"):
        owner = pset.DefinesOccurrence[0].RelatedObjects[0]
        pset.GlobalId = stable_guid(f"{pset.is_a()}/{owner.GlobalId}/{pset.Name}")
    for rel in f.by_type("IfcRelationship"):
        ends = []  # the GlobalIds of the one-to-one ends: relating object, port, opening...
        for name, value in rel.get_info(recursive=False).items():
            if isinstance(value, ifcopenshell.entity_instance) and value.is_a("IfcRoot"):
                ends.append(value.GlobalId)
            elif isinstance(value, tuple) and value and isinstance(value[0], ifcopenshell.entity_instance):
                setattr(rel, name, sorted(value, key=lambda e: e.id()))
        rel.GlobalId = stable_guid(f"{rel.is_a()}/{'/'.join(ends)}")
    shared = [gid for gid, n in Counter(e.GlobalId for e in f.by_type("IfcRoot")).items() if n > 1]
    if shared:
        raise RuntimeError(
            f"{len(shared)} GlobalIds are shared by several entities, "
            f"e.g. {shared[0]}: two elements have the same class and name"
        )


def write_estate(plan: EstatePlan, out: Path) -> ifcopenshell.file:
    w = EstateWriter(plan)
    building = start_file(w, out.name)
    write_storeys(w, building)
    write_spaces(w)
    walls = write_walls_and_slabs(w)
    write_doors(w, walls)
    write_stairs(w)
    write_lifts(w)
    write_ramp(w)
    write_systems(w, building)
    write_references(w)
    settle_guids(w.file)
    out.parent.mkdir(parents=True, exist_ok=True)
    w.file.write(str(out))
    return w.file


def summarise(f: ifcopenshell.file) -> str:
    households = sum(1 for s in f.by_type("IfcSpace") if s.ObjectType == "Apartment")
    counts = [
        (len(f.by_type(cls)), what)
        for cls, what in (("IfcBuildingStorey", "storeys"), ("IfcSpace", "spaces"))
    ]
    counts.append((households, "households"))
    counts += [
        (len(f.by_type(cls)), what)
        for cls, what in (
            ("IfcDoor", "doors"),
            ("IfcWall", "walls"),
            ("IfcSlab", "slabs"),
            ("IfcStair", "stairs"),
            ("IfcTransportElement", "lifts"),
            ("IfcDistributionElement", "distribution elements"),
            ("IfcDistributionPort", "ports"),
            ("IfcRelConnectsPorts", "port connections"),
        )
    ]
    return ", ".join(f"{n} {what}" for n, what in counts)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="where to write the IFC file (default: %(default)s)"
    )
    parser.add_argument(
        "--towers", type=int, default=TOWER_COUNT, help="towers in the row, A, B, C... (default: %(default)s)"
    )
    parser.add_argument(
        "--floors",
        type=int,
        default=RESIDENTIAL_FLOORS,
        help="residential floors per tower (default: %(default)s)",
    )
    parser.add_argument("--flats-per-floor", type=int, default=FLATS_PER_FLOOR, help="(default: %(default)s)")
    parser.add_argument(
        "--basement-height",
        type=float,
        default=BASEMENT_HEIGHT_M,
        help="storey height of B1 in m (default: %(default)s)",
    )
    parser.add_argument(
        "--ground-height",
        type=float,
        default=GROUND_HEIGHT_M,
        help="storey height of GF in m (default: %(default)s)",
    )
    parser.add_argument(
        "--floor-height",
        type=float,
        default=FLOOR_HEIGHT_M,
        help="storey height of L01... in m (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.towers <= 26:
        parser.error(f"--towers: expected 1 to 26 (a letter each), got {args.towers}")
    if not 1 <= args.floors <= 99:
        parser.error(f"--floors: expected 1 to 99 (two digits in flat codes), got {args.floors}")
    if not 1 <= args.flats_per_floor <= 16:
        parser.error(
            f"--flats-per-floor: expected 1 to 16 (what fits a 40 m tower), got {args.flats_per_floor}"
        )
    for option in ("basement_height", "ground_height", "floor_height"):
        value = getattr(args, option)
        if not 2.8 <= value <= 10.0:
            parser.error(
                f"--{option.replace('_', '-')}: expected 2.8 to 10 m "
                f"(the tallest doors are 2.4 m), got {value}"
            )
    return args


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        plan = plan_estate(
            args.towers,
            args.floors,
            args.flats_per_floor,
            args.basement_height,
            args.ground_height,
            args.floor_height,
        )
    except ValueError as exc:
        raise SystemExit(f"make_estate.py: error: {exc}") from None
    f = write_estate(plan, args.out)
    seconds = time.perf_counter() - started
    size_mb = args.out.stat().st_size / 1e6
    log.info("%s: %s; %.1f MB in %.1f s", args.out, summarise(f), size_mb, seconds)


if __name__ == "__main__":
    main()
