"""The building model: what :mod:`twin.ifc` reads out of IFC files, in metres, as frozen values.

Outside names are IFC GlobalIds (``id`` fields); inside, everything refers to everything else by
its index in the model's tuples (``storey: int`` is ``model.storeys[storey]``). Coordinates are
world metres with z up; footprints are shapely polygons in the world XY plane.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from shapely.geometry import MultiPolygon, Polygon

XYZ = tuple[float, float, float]

#: A point is on a storey when its height is at least the storey's elevation minus this (m): a
#: person on a landing or a floor finish a little below the storey's datum is still on it.
STOREY_TOLERANCE_M = 0.5


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One IFC file the model was read from."""

    name: str
    schema: str
    length_unit: str
    """The file's own length unit, short form (``m``, ``mm``, ``ft``); the model is in metres."""
    metres_per_unit: float
    sha256: str


@dataclass(frozen=True, slots=True)
class Storey:
    id: str
    name: str
    elevation_m: float
    building: str = ""
    source: int = 0
    aliases: tuple[str, ...] = ()
    """GlobalIds of storeys from other federated files that were aligned onto this one."""


@dataclass(frozen=True, slots=True)
class Space:
    id: str
    name: str
    long_name: str
    storey: int
    footprint: Polygon
    floor_z_m: float
    height_m: float
    object_type: str = ""
    declared_area_m2: float | None = None
    """The file's own area quantity (NetFloorArea, GrossFloorArea…), when it has one."""
    is_lift: bool = False
    """An IfcSpace that is really a lift car or shaft (named elevator, lift, Aufzug, 电梯…)."""

    @property
    def area_m2(self) -> float:
        return float(self.footprint.area)

    @property
    def label(self) -> str:
        """The most readable name: ``"A-1403 Flat A-1403"`` or just one of them."""
        if self.long_name and self.long_name != self.name:
            return f"{self.name} {self.long_name}".strip()
        return self.name or self.long_name or self.id

    def anchor(self) -> XYZ:
        """A point inside the footprint (the centroid when it lies inside) at floor level."""
        c = self.footprint.centroid
        if not self.footprint.contains(c):
            c = self.footprint.representative_point()
        return (float(c.x), float(c.y), self.floor_z_m)


@dataclass(frozen=True, slots=True)
class Door:
    id: str
    name: str
    storey: int
    xyz: XYZ
    width_m: float
    footprint: Polygon | None = None
    is_external: bool | None = None
    """``Pset_DoorCommon.IsExternal`` when the file says; ``None`` when it does not."""


@dataclass(frozen=True, slots=True)
class Stair:
    """A stair or ramp: a vertical link between the storeys in ``storeys`` (bottom to top)."""

    id: str
    name: str
    kind: str
    """``"stair"`` or ``"ramp"``."""
    footprint: Polygon
    z_min_m: float
    z_max_m: float
    storeys: tuple[int, ...]
    ends_xy: tuple[tuple[float, float], ...] = ()
    """Where the stair arrives on each storey of ``storeys`` (plan, m): the foot of its flight
    on the lowest, the top of it on the highest; empty when the model does not say."""


@dataclass(frozen=True, slots=True)
class Lift:
    """A lift car and the storeys it stops at (bottom to top)."""

    id: str
    name: str
    ifc_class: str
    """What the file called it: IfcTransportElement, or the IfcSpace / IfcFlowTerminal it hid as."""
    footprint: Polygon
    storeys: tuple[int, ...]
    parts: tuple[str, ...] = ()
    """GlobalIds of every element that was grouped into this lift (shaft, doors, per-storey cars)."""
    equipment: int = -1
    """Index of the lift in ``BuildingModel.equipment`` when it has ports (power feed), else -1."""
    aliases: tuple[str, ...] = ()
    """Every Name and LongName of its parts (``-``, ``Aufzug``, ``Lift 2``): a place named by any
    of them is this lift."""


@dataclass(frozen=True, slots=True)
class Equipment:
    """A distribution element (pump, valve, tank, pipe, board, generator, sensor, terminal…)."""

    id: str
    name: str
    ifc_class: str
    predefined_type: str
    storey: int
    xyz: XYZ
    space: int = -1
    systems: tuple[int, ...] = ()
    kind: str = ""
    """The IFC4 class this element is (``IfcValve``, ``IfcElectricDistributionBoard``…): its own
    class, or for IFC2X3's generic classes (IfcFlowController…) what its type object, its
    ObjectType or its name says; ``""`` when nothing says."""
    type_name: str = ""
    """The name of its type object (``Absperrventil``, ``Rueckschlagklappe``), else ``""``."""
    length_m: float | None = None
    """A pipe segment's length: its ``Length`` quantity, else the longest side of its body;
    None for other equipment or when the file says neither."""
    nominal_diameter_m: float | None = None
    """A pipe segment's nominal diameter (``NominalDiameter`` of its pipe-segment property set),
    None when the file does not say."""

    @property
    def what(self) -> str:
        """The class that says what the element is: ``kind`` when known, else ``ifc_class``."""
        return self.kind or self.ifc_class


@dataclass(frozen=True, slots=True)
class System:
    id: str
    name: str
    kind: str
    """``PredefinedType`` of an IfcDistributionSystem (``DOMESTICCOLDWATER``, ``ELECTRICAL``…),
    else its ``ObjectType``, else ``""``."""
    ifc_class: str
    members: tuple[int, ...]
    """Indices into ``BuildingModel.equipment``."""


@dataclass(frozen=True, slots=True)
class Walkable:
    """Where people can walk on a storey that has no spaces: its slabs minus its walls cut at
    about 1 m (so doorways stay open), see :mod:`twin.walkable`."""

    storey: int
    area: Polygon | MultiPolygon


@dataclass(frozen=True, slots=True)
class WallPlan:
    """A wall seen from above on the storey it stands on, with its doorways cut out: what a walk
    on that storey must not cross (read from the wall's extruded profile or its axis and
    material layers, see :mod:`twin.ifc`)."""

    storey: int
    plan: Polygon | MultiPolygon


@dataclass(frozen=True, slots=True)
class BuildingModel:
    sources: tuple[SourceFile, ...]
    storeys: tuple[Storey, ...]
    """Sorted by elevation, lowest first."""
    spaces: tuple[Space, ...]
    doors: tuple[Door, ...]
    stairs: tuple[Stair, ...]
    lifts: tuple[Lift, ...]
    equipment: tuple[Equipment, ...]
    systems: tuple[System, ...]
    port_links: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int32))
    """(k, 2) equipment indices whose ports are connected, or a board and what one of its
    circuits feeds (IfcRelAssignsToGroup); flow runs column 0 → 1 where ``port_directed`` is
    true (from the ports' FlowDirection, or board → load), either way where it is false."""
    port_directed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    warnings: tuple[str, ...] = ()
    walkable: tuple[Walkable, ...] = ()
    """Walkable areas of storeys with no spaces (the grid fallback)."""
    walls: tuple[WallPlan, ...] = ()
    """Wall plans with doorways cut out, per storey (walks must not cross them)."""

    @property
    def schema(self) -> str:
        return ",".join(dict.fromkeys(s.schema for s in self.sources))

    @property
    def length_units(self) -> str:
        return ",".join(dict.fromkeys(s.length_unit for s in self.sources))

    @property
    def name(self) -> str:
        return " + ".join(s.name for s in self.sources)

    def storey_at(self, z: ArrayLike) -> np.ndarray:
        """The storey index of each height ``z`` (m): the highest storey whose elevation is at most
        ``z`` plus :data:`STOREY_TOLERANCE_M`; the lowest storey for heights below all of them; -1
        for NaN (not in the building) or a model with no storeys. Same shape as ``z``."""
        z = np.asarray(z, dtype=float)
        if not self.storeys:
            return np.full(z.shape, -1, dtype=np.int32)
        elevations = np.array([s.elevation_m for s in self.storeys])
        found = np.searchsorted(elevations, np.nan_to_num(z) + STOREY_TOLERANCE_M, side="right") - 1
        return np.where(np.isnan(z), -1, np.maximum(found, 0)).astype(np.int32)
