"""IFC file(s) → :class:`~twin.model.BuildingModel`, in metres.

This is the one place where IFC's project units become metres: ifcopenshell's placement helpers
answer in project units (multiplied here by ``metres_per_unit``), its geometry iterator already in
metres. Several files of one building (architecture + MEP) federate into one model: storeys align
by GlobalId, then by name, then by elevation.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import re
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import MultiPolygon, Polygon, box

from twin.errors import ModelError
from twin.model import (
    XYZ,
    BuildingModel,
    Door,
    Equipment,
    Lift,
    SourceFile,
    Space,
    Stair,
    Storey,
    System,
    Walkable,
    WallPlan,
)

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

#: Names that real exports give lifts hidden as spaces, terminals or proxies.
LIFT_NAME = re.compile(r"elevator|\blift|aufzug|fahrstuhl|ascenseur|ascensor|电梯|升降机", re.I)
#: IfcTransportElement predefined types that are not lifts.
NOT_LIFT_TYPES = {"ESCALATOR", "MOVINGWALKWAY", "CRANEWAY", "LIFTINGGEAR"}

#: A stair or lift serves a storey whose elevation lies within its z-range widened by this (m):
#: flights start a few cm above the slab and railings stick out above the top landing.
VERTICAL_TOLERANCE_M = 0.5
#: A lift stops at storeys at least this far below the top of its shaft (m): the shaft and the
#: machine room rise above the last stop.
LIFT_HEADROOM_M = 1.0
#: A space whose floor lies further than this from its storey's elevation is on another level (m).
LEVEL_SPLIT_M = 1.5
#: Federated storeys whose elevations differ by less than this are the same floor (m).
STOREY_MATCH_M = 0.3
#: Lift parts whose plan boxes come this close belong to one lift (m).
LIFT_GROUP_M = 0.5

LENGTH_UNIT_NAMES = {
    ("", "METRE"): "m",
    ("MILLI", "METRE"): "mm",
    ("CENTI", "METRE"): "cm",
    ("DECI", "METRE"): "dm",
    ("KILO", "METRE"): "km",
}
CONVERSION_UNIT_NAMES = {"FOOT": "ft", "INCH": "in", "YARD": "yd", "MILE": "mi"}

#: Where files keep a space's floor area, best first. GrossFloorArea is the plan area of the
#: space's body (what the footprint measures); NetFloorArea deducts skirtings and columns.
AREA_QUANTITIES = ("GrossFloorArea", "NetFloorArea", "GSA BIM Area", "Area", "NetArea", "GrossArea")


# --------------------------------------------------------------------------------------------
# Opening files: every way a file can be bad becomes one ModelError line.


def file_sha256(path: Path) -> str:
    """The SHA-256 of a model file's bytes (checked readable first: see :func:`check_model_file`)."""
    check_model_file(path)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise ModelError(
            f"{path}: cannot be read ({exc.strerror}) — check the file and its permissions"
        ) from None
    return digest.hexdigest()


def check_model_file(path: Path) -> None:
    """Raise a :class:`ModelError` when ``path`` is not a readable, non-empty file."""
    p = Path(path)
    if not p.exists():
        raise ModelError(f"{p}: no such file — check the path")
    if p.is_dir():
        raise ModelError(f"{p}: is a folder, not an IFC file — name the .ifc file inside it")
    if not p.is_file():
        raise ModelError(f"{p}: is not a regular file — name an .ifc or .ifczip file")
    try:
        with p.open("rb"):
            pass
    except OSError as exc:
        raise ModelError(f"{p}: cannot be read ({exc.strerror}) — check the file's permissions") from None
    if p.stat().st_size == 0:
        raise ModelError(f"{p}: the file is empty (0 bytes) — export the model again")


#: The IFC schemas ifcopenshell can read, as ``FILE_SCHEMA`` names them (IFC4X3_ADD2 etc. start so).
KNOWN_SCHEMAS = ("IFC2X3", "IFC4", "IFC4X3")
_FILE_SCHEMA = re.compile(rb"FILE_SCHEMA\s*\(\s*\(\s*'([^']*)'", re.I)


def open_ifc(path: str | Path) -> Any:
    """Open an ``.ifc`` or ``.ifczip`` file, or raise a :class:`ModelError` that says why not."""
    import ifcopenshell
    import ifcopenshell.ifcopenshell_wrapper

    p = Path(path)
    check_model_file(p)
    with p.open("rb") as fh:
        head = fh.read(64)
    name, text = _read_ifczip(p) if head.startswith(b"PK") else (p, _read_step_text(p, head))
    found = _FILE_SCHEMA.search(text[:8192].encode("utf-8", errors="replace"))
    schema = found.group(1).decode("ascii", errors="replace") if found else ""
    if not any(schema.upper().startswith(k) for k in KNOWN_SCHEMAS):
        raise ModelError(
            f"{name}: unknown IFC schema {schema!r} in its FILE_SCHEMA header (this reader knows "
            f"{', '.join(KNOWN_SCHEMAS)}) — export the model as IFC2X3 or IFC4"
        )
    try:
        f = ifcopenshell.file.from_string(text)
        ifcopenshell.ifcopenshell_wrapper.schema_by_name(f.schema_identifier)
    except Exception as exc:  # ifcopenshell raises plain RuntimeError/IOError on parse errors
        raise ModelError(
            f"{name}: not a readable IFC file ({_one_line(exc)}) — export it again as IFC2X3 or IFC4"
        ) from None
    return f


def _read_step_text(p: Path, head: bytes) -> str:
    if not head.lstrip().startswith(b"ISO-10303-21"):
        raise ModelError(
            f"{p}: not an IFC file (it does not start with 'ISO-10303-21;') — "
            "export the model as IFC (STEP physical file) or .ifczip"
        )
    raw = p.read_bytes()
    if b"END-ISO-10303-21" not in raw[-4096:]:
        raise ModelError(
            f"{p}: the IFC file is truncated (no 'END-ISO-10303-21;' at its end) — "
            "the export or the download did not finish; export or copy it again"
        )
    # STEP is 7-bit with escapes; be lenient with stray bytes from some exporters.
    return raw.decode("utf-8", errors="replace")


#: Below this many inflated bytes the compression ratio is not checked (a tiny, repetitive test
#: file may deflate well past any ratio real exports reach, and cannot hurt).
RATIO_FLOOR_BYTES = 8_000_000


def _read_ifczip(p: Path) -> tuple[Path, str]:
    """The first ``.ifc`` member of an archive, inflated in chunks and stopped as soon as it passes
    the size or ratio limit (:mod:`twin.limits`), so a zip bomb never reaches memory."""
    from twin.limits import INFLATED_MB, ZIP_RATIO

    max_bytes = int(INFLATED_MB.value() * 1_000_000)
    max_ratio = ZIP_RATIO.value()
    try:
        with zipfile.ZipFile(p) as zf:
            members = [i for i in zf.infolist() if i.filename.lower().endswith(".ifc") and not i.is_dir()]
            if not members:
                raise ModelError(f"{p}: the zip archive holds no .ifc file — zip the .ifc itself")
            info = members[0]
            inner = Path(f"{p}!{info.filename}")
            # What the archive says first (it may lie: the stream below is checked as it comes);
            # the compressed size cannot be more than the archive's own size.
            compressed = max(1, min(info.compress_size, p.stat().st_size))

            def too_big(size: int) -> None:
                if size > max_bytes:
                    raise ModelError(
                        f"{inner}: inflates to more than {INFLATED_MB.value():g} MB, the limit for one "
                        f"model — if this is a real export, {INFLATED_MB.how_to_raise()}"
                    )
                if size > RATIO_FLOOR_BYTES and size > max_ratio * compressed:
                    raise ModelError(
                        f"{inner}: inflates more than {max_ratio:g}× its {compressed:,} compressed bytes "
                        f"(IFC text deflates 4–7×): a zip bomb, or not IFC text — "
                        f"if this is a real export, {ZIP_RATIO.how_to_raise()}"
                    )

            too_big(info.file_size)
            chunks: list[bytes] = []
            size = 0
            with zf.open(info) as fh:
                while chunk := fh.read(1 << 20):
                    size += len(chunk)
                    too_big(size)
                    chunks.append(chunk)
    except zipfile.BadZipFile as exc:
        raise ModelError(f"{p}: a broken .ifczip archive ({exc}) — zip the .ifc again") from None
    except (NotImplementedError, RuntimeError, zipfile.LargeZipFile, EOFError, zlib.error) as exc:
        # An unsupported compression method, an encrypted member, a cut-off stream.
        raise ModelError(
            f"{p}: cannot inflate the archive ({_one_line(exc)}) — zip the .ifc again "
            "with plain deflate and no password"
        ) from None
    raw = b"".join(chunks)
    del chunks
    if not raw.lstrip().startswith(b"ISO-10303-21"):
        raise ModelError(f"{inner}: not an IFC file inside the archive")
    if b"END-ISO-10303-21" not in raw[-4096:]:
        raise ModelError(f"{inner}: the IFC file inside the archive is truncated")
    return inner, raw.decode("utf-8", errors="replace")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:160] or type(exc).__name__


# --------------------------------------------------------------------------------------------
# Reading one file.


@dataclass
class _Parts:
    """What one file yields before federation (storey indices local to the file)."""

    source: SourceFile
    storeys: list[Storey]
    spaces: list[Space] = field(default_factory=list)
    doors: list[Door] = field(default_factory=list)
    stairs: list[Stair] = field(default_factory=list)
    lifts: list[Lift] = field(default_factory=list)
    equipment: list[Equipment] = field(default_factory=list)
    systems: list[System] = field(default_factory=list)
    port_links: list[tuple[int, int, bool]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    walkable: list[Walkable] = field(default_factory=list)
    walls: list[WallPlan] = field(default_factory=list)


def read_ifc(
    paths: Sequence[str | Path],
    *,
    progress: Progress | None = None,
    sha256s: Sequence[str] | None = None,
) -> BuildingModel:
    """Read one or several IFC files of one building into a model in metres.

    Parameters
    ----------
    paths
        The files; the first one's storeys are the reference the others align to.
    progress
        Called with (fraction done, what is happening).
    sha256s
        The files' content hashes when the caller already has them (the cache key needs them
        first); otherwise each file is hashed here.

    Raises
    ------
    ModelError
        A file is missing, empty, not IFC, truncated, or has no storeys.
    """
    if not paths:
        raise ModelError("no IFC file given — name at least one model file")
    report = progress or (lambda _f, _m: None)
    parts = []
    for i, path in enumerate(paths):
        p = Path(path)
        report(i / len(paths), f"reading {p.name}")
        f = open_ifc(p)
        sha = sha256s[i] if sha256s is not None else file_sha256(p)
        parts.append(read_file(f, name=p.name, sha256=sha, where=str(p)))
    report(1.0, "federating")
    return federate(parts)


def read_file(f: Any, *, name: str, sha256: str, where: str = "") -> _Parts:
    """Read one opened ifcopenshell file into :class:`_Parts` (storeys sorted by elevation).

    ``name`` is the file's display name; ``where`` the path that error messages name.
    """
    with _memo_for_one_file():
        return _read_file(f, name=name, sha256=sha256, where=where)


def _read_file(f: Any, *, name: str, sha256: str, where: str) -> _Parts:
    import ifcopenshell.util.unit

    scale = float(ifcopenshell.util.unit.calculate_unit_scale(f))
    source = SourceFile(
        name=name,
        schema=str(f.schema),
        length_unit=_length_unit_name(f),
        metres_per_unit=scale,
        sha256=sha256,
    )
    storeys = _read_storeys(f, where or name, scale)
    parts = _Parts(source=source, storeys=[s for s, _ in storeys])
    container_of = {entity.id(): storey.id for storey, entity in storeys}
    clock = time.perf_counter()
    targets = _geometry_targets(f)
    log.info(
        "%s: %s, %d storeys; shaping %d spaces, doors, stairs and lifts",
        name,
        f.schema,
        len(parts.storeys),
        len(targets),
    )
    geometry = _geometry(f, targets)
    log.info("%s: shapes read in %.1f s", name, time.perf_counter() - clock)

    def storey_index(el: Any, z: float | None) -> int:
        st = _containing_storey(el)
        elevations = np.array([s.elevation_m for s in parts.storeys])
        if st is None or st.id() not in container_of:
            return _storey_by_z(elevations, z if z is not None else 0.0)
        home = next(i for i, s in enumerate(parts.storeys) if s.id == container_of[st.id()])
        if z is None:
            return home
        # A storey may hold several physical levels (see _split_levels): take the highest
        # level of this storey at or below z.
        family = [
            i
            for i, s in enumerate(parts.storeys)
            if i == home or s.id.startswith(parts.storeys[home].id + "@")
        ]
        below = [i for i in family if parts.storeys[i].elevation_m <= z + STOREY_MATCH_M]
        return max(below, key=lambda i: parts.storeys[i].elevation_m) if below else home

    _read_spaces(f, parts, geometry, storey_index, scale)
    _split_levels(parts)
    _read_doors(f, parts, geometry, storey_index, scale)
    elevations = np.array([s.elevation_m for s in parts.storeys])
    _read_stairs(f, parts, geometry, elevations)
    _read_lifts(f, parts, geometry, elevations)
    _read_equipment(f, parts, storey_index, scale)
    log.info(
        "%s: %d spaces, %d doors, %d stairs, %d lifts, %d equipment (%.1f s)",
        name,
        len(parts.spaces),
        len(parts.doors),
        len(parts.stairs),
        len(parts.lifts),
        len(parts.equipment),
        time.perf_counter() - clock,
    )
    records = _wall_records(f, scale)
    _read_walkable(f, parts, elevations, records, scale)
    _read_walls(f, parts, storey_index, scale, records)
    log.info("%s: walls and walkable areas read (%.1f s)", name, time.perf_counter() - clock)
    return parts


def _length_unit_name(f: Any) -> str:
    for assignment in f.by_type("IfcUnitAssignment"):
        for unit in assignment.Units:
            if getattr(unit, "UnitType", None) != "LENGTHUNIT":
                continue
            if unit.is_a("IfcSIUnit"):
                return LENGTH_UNIT_NAMES.get((unit.Prefix or "", unit.Name), str(unit.Name))
            if unit.is_a("IfcConversionBasedUnit"):
                return CONVERSION_UNIT_NAMES.get(str(unit.Name).upper(), str(unit.Name).lower())
    return "m"  # IFC's default when a file assigns no length unit


def _read_storeys(f: Any, name: str, scale: float) -> list[tuple[Storey, Any]]:

    entities = f.by_type("IfcBuildingStorey")
    if not entities:
        raise ModelError(
            f"{name}: the file has no IfcBuildingStorey — DrillTwin places every space, door and "
            "piece of equipment on a storey; export the building's levels (storeys) too"
        )
    found = []
    for st in entities:
        if st.ObjectPlacement is not None:
            # The placement is what the geometry uses; Elevation is sometimes relative to the
            # building or left stale, so it is only the fallback.
            z = float(_placement(st.ObjectPlacement)[2, 3])
        else:
            z = float(st.Elevation or 0.0)
        building = _parent_of_type(st, "IfcBuilding")
        found.append(
            (
                Storey(
                    id=st.GlobalId,
                    name=st.Name or st.LongName or st.GlobalId,
                    elevation_m=round(z * scale, 6),
                    building=(building.Name or "") if building is not None else "",
                ),
                st,
            )
        )
    found.sort(key=lambda pair: pair[0].elevation_m)
    # Storeys of different buildings may share names ("Level 1" in each tower).
    names = [s.name for s, _ in found]
    if len(set(names)) < len(names):
        found = [
            (replace(s, name=f"{s.building} {s.name}".strip()) if names.count(s.name) > 1 else s, e)
            for s, e in found
        ]
    return found


def _parent_of_type(el: Any, ifc_class: str) -> Any | None:
    import ifcopenshell.util.element

    node = el
    for _ in range(16):
        node = ifcopenshell.util.element.get_aggregate(node) or ifcopenshell.util.element.get_container(node)
        if node is None:
            return None
        if node.is_a(ifc_class):
            return node
    return None


def _container(el: Any) -> Any | None:
    """``ifcopenshell.util.element.get_container(el)``, remembered for the file being read: an
    aggregated space has no container of its own, and the helper climbs to the project to say
    so, for every space (two thirds of the estate's space reading)."""
    import ifcopenshell.util.element

    memo = _MEMO.get()
    key = ("container", el.id())
    if memo is not None and key in memo:
        return memo[key]
    if rel := getattr(el, "ContainedInStructure", None):
        found = rel[0].RelatingStructure
    else:
        parent = ifcopenshell.util.element.get_parent(el)
        found = _container(parent) if parent is not None else None
    if memo is not None:
        memo[key] = found
    return found


def _containing_storey(el: Any) -> Any | None:
    import ifcopenshell.util.element

    node = el
    for _ in range(16):
        parent = _container(node) or ifcopenshell.util.element.get_aggregate(node)
        if parent is None:
            return None
        if parent.is_a("IfcBuildingStorey"):
            return parent
        node = parent
    return None


def _split_levels(parts: _Parts) -> None:
    """Give spaces that lie a whole level above or below their storey a level of their own.

    Some exports put every space of a building in one storey (hvac_heating_with_building.ifc has
    a basement, a ground floor and an upper floor all in 'Erdgeschoss'). A space whose floor is
    more than ``LEVEL_SPLIT_M`` from its storey's elevation gets a derived storey at its own floor
    level, named after the storey, with a warning. Storeys stay sorted by elevation.
    """
    derived: dict[tuple[int, float], int] = {}
    for k, sp in enumerate(parts.spaces):
        home = parts.storeys[sp.storey]
        if abs(sp.floor_z_m - home.elevation_m) <= LEVEL_SPLIT_M:
            continue
        if sp.is_lift or sp.floor_z_m < home.elevation_m < sp.floor_z_m + sp.height_m - LEVEL_SPLIT_M:
            # A lift shaft or an atrium rising through its storey from below: its floor is the
            # pit or the level below, not a level of this storey.
            continue
        z = round(sp.floor_z_m, 2)
        key = (sp.storey, z)
        if key not in derived:
            derived[key] = len(parts.storeys)
            parts.storeys.append(
                replace(home, id=f"{home.id}@{z:+.2f}", name=f"{home.name} @ {z:+.2f} m", elevation_m=z)
            )
            parts.warnings.append(
                f"{parts.source.name}: storey '{home.name}' holds spaces at z = {z:+.2f} m, "
                f"{abs(z - home.elevation_m):.2f} m from its elevation; they were put on a "
                f"derived level '{home.name} @ {z:+.2f} m' — export one storey per level"
            )
        parts.spaces[k] = replace(sp, storey=derived[key])
    if not derived:
        return
    order = sorted(range(len(parts.storeys)), key=lambda i: parts.storeys[i].elevation_m)
    new_index = {old: new for new, old in enumerate(order)}
    parts.storeys[:] = [parts.storeys[i] for i in order]
    parts.spaces[:] = [replace(sp, storey=new_index[sp.storey]) for sp in parts.spaces]


def _storey_by_z(elevations: np.ndarray, z: float) -> int:
    """The storey whose floor is the highest at or below z (+ 0.3 m for finishes)."""
    below = np.flatnonzero(elevations <= z + STOREY_MATCH_M)
    return int(below[-1]) if below.size else 0


# --------------------------------------------------------------------------------------------
# Placements and openings, each worked out once per file read.

#: Per file being read: placement matrices and opening boxes by entity id. Revit chains every
#: element's placement through its storey's and the building's, and each opening is asked for
#: by its door and by its wall on every storey the wall stands on; ifcopenshell's helper walks
#: the chain from the top every time (a fifth of office_a.ifc's cold load).
_MEMO: contextvars.ContextVar[dict[tuple[str, int], Any] | None] = contextvars.ContextVar(
    "drilltwin_ifc_memo", default=None
)


@contextlib.contextmanager
def _memo_for_one_file() -> Iterator[None]:
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _placement(placement: Any) -> np.ndarray:
    """The 4×4 matrix of an object placement (project units): the same products, in the same
    order, as ``ifcopenshell.util.placement.get_local_placement``, each link of a chain once."""
    import ifcopenshell.util.placement

    if placement is None:
        return np.eye(4)
    memo = _MEMO.get()
    key = ("placement", placement.id())
    if memo is not None and key in memo:
        return np.asarray(memo[key])
    if placement.is_a("IfcLocalPlacement"):
        rel_to = placement.PlacementRelTo
        parent = np.eye(4) if rel_to is None else _placement(rel_to)
        m = np.dot(parent, ifcopenshell.util.placement.get_axis2placement(placement.RelativePlacement))
    else:  # a grid placement: rare; let ifcopenshell work it out
        m = np.asarray(ifcopenshell.util.placement.get_local_placement(placement), float)
    if memo is not None:
        memo[key] = m
    return np.asarray(m)


# --------------------------------------------------------------------------------------------
# Geometry: one pass of the ifcopenshell iterator over the elements whose shape matters.


@dataclass(frozen=True, slots=True)
class _Shape:
    footprint: Polygon
    z_min: float
    z_max: float
    centre: XYZ
    verts: np.ndarray | None = None
    """The mesh's vertices (n, 3), world metres, when it was meshed."""


def _geometry_targets(f: Any) -> list[Any]:
    targets: list[Any] = []
    for cls in (
        "IfcSpace",
        "IfcDoor",
        "IfcStair",
        "IfcStairFlight",
        "IfcRamp",
        "IfcRampFlight",
        "IfcTransportElement",
    ):
        targets.extend(f.by_type(cls))
    seen = {e.id() for e in targets}
    for el in f.by_type("IfcProduct"):
        if el.id() not in seen and _looks_like_lift(el):
            targets.append(el)
    return [e for e in targets if e.Representation is not None]


def _looks_like_lift(el: Any) -> bool:
    if el.is_a("IfcTransportElement"):
        return _predefined(el) not in NOT_LIFT_TYPES
    if not (
        el.is_a("IfcSpace")
        or el.is_a("IfcFlowTerminal")
        or el.is_a("IfcBuildingElementProxy")
        or el.is_a("IfcFurnishingElement")
        or el.is_a("IfcDistributionElement")
    ):
        return False
    text = " ".join(str(getattr(el, a, None) or "") for a in ("Name", "LongName", "ObjectType"))
    return bool(LIFT_NAME.search(text))


def _iter_meshes(f: Any, elements: list[Any]) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(element id, verts (n, 3) in world metres, faces (m, 3)) for each element with a mesh."""
    import ifcopenshell.geom

    if not elements:
        return
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)
    # One thread: on a 2-core machine shared with other work, a second kernel thread was slower
    # (office_a walls: 5.8 s on 1 thread, 15.5 s on 2, load average 10).
    iterator = ifcopenshell.geom.iterator(settings, f, 1, include=elements)
    if not iterator.initialize():
        return
    while True:
        item = iterator.get()
        verts = np.asarray(item.geometry.verts, dtype=float).reshape(-1, 3)
        faces = np.asarray(item.geometry.faces, dtype=np.int64).reshape(-1, 3)
        if len(verts) and len(faces):
            yield item.id, verts, faces
        if not iterator.next():
            break


def _geometry(f: Any, elements: list[Any]) -> dict[int, _Shape]:
    """Footprint (union of the mesh's triangles seen from above), z-range and centre per element.

    A space or slab whose body is one vertical extrusion of a polygon is read from its profile,
    and a door from the opening it fills, not meshed: the geometry kernel only meshes what has
    no simpler form (stairs, lifts, spaces of other shapes)."""
    import ifcopenshell.util.unit

    scale = float(ifcopenshell.util.unit.calculate_unit_scale(f))
    shapes: dict[int, _Shape] = {}
    rest = []
    for el in elements:
        if el.is_a("IfcDoor"):
            shape = _door_shape(el, scale)
        elif el.is_a("IfcSpace") or el.is_a("IfcSlab"):
            shape = _extruded_shape(el, scale)
        else:
            shape = None
        if shape is None:
            rest.append(el)
        else:
            shapes[el.id()] = shape
    shapes.update({i: _shape_of(verts, faces) for i, verts, faces in _iter_meshes(f, rest)})
    return shapes


def _extruded_shape(el: Any, scale: float) -> _Shape | None:
    """The shape of an element whose body is a single vertical extrusion of a polygon profile."""

    if el.ObjectPlacement is None:
        return None
    bodies = [r for r in el.Representation.Representations if r.RepresentationIdentifier == "Body"]
    if len(bodies) != 1 or len(bodies[0].Items) != 1:
        return None
    item = bodies[0].Items[0]
    if not item.is_a("IfcExtrudedAreaSolid"):
        return None
    direction = [float(c) for c in item.ExtrudedDirection.DirectionRatios]
    if abs(direction[2]) < 0.999 * float(np.linalg.norm(direction)):
        return None
    profile = _profile_polygon(item.SweptArea)
    if profile is None or profile.is_empty or not profile.is_valid:
        return None
    m = np.asarray(_placement(el.ObjectPlacement), float) @ _axis2placement(item.Position)
    if abs(abs(m[2, 2]) - 1.0) > 1e-6:
        return None  # a tilted placement: let the kernel do it
    depth = float(item.Depth) * (1.0 if direction[2] * m[2, 2] > 0 else -1.0)
    plan = _transform(profile, m)
    if scale != 1.0:
        plan = shapely.affinity.scale(plan, scale, scale, origin=(0, 0))
    z0 = float(m[2, 3]) * scale
    z1 = z0 + depth * scale
    lo, hi = min(z0, z1), max(z0, z1)
    minx, miny, maxx, maxy = plan.bounds
    footprint = _largest_polygon(shapely.set_precision(plan, 1e-4))
    return _Shape(footprint, lo, hi, ((minx + maxx) / 2, (miny + maxy) / 2, (lo + hi) / 2))


def _shape_of(verts: np.ndarray, faces: np.ndarray) -> _Shape:
    tri = verts[faces][:, :, :2]
    rings = np.concatenate([tri, tri[:, :1]], axis=1)
    polys = shapely.polygons(rings)
    polys = polys[shapely.area(polys) > 1e-8]
    lo, hi = verts.min(axis=0), verts.max(axis=0)
    footprint: Polygon
    if len(polys):
        merged = shapely.union_all(polys, grid_size=1e-4)
        footprint = _largest_polygon(merged)
    else:  # a flat or vertical-only mesh: fall back to its plan box
        footprint = box(lo[0], lo[1], max(hi[0], lo[0] + 1e-3), max(hi[1], lo[1] + 1e-3))
    c = (lo + hi) / 2
    return _Shape(footprint, float(lo[2]), float(hi[2]), (float(c[0]), float(c[1]), float(c[2])), verts)


def _largest_polygon(geom: Any) -> Polygon:
    if isinstance(geom, Polygon):
        return geom
    if isinstance(geom, MultiPolygon) or hasattr(geom, "geoms"):
        polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
        if polys:
            return max(polys, key=lambda g: g.area)
    return Polygon()


# --------------------------------------------------------------------------------------------
# Elements.


def _read_spaces(f: Any, parts: _Parts, geometry: dict[int, _Shape], storey_index: Any, scale: float) -> None:
    import ifcopenshell.util.unit

    area_scale = float(ifcopenshell.util.unit.calculate_unit_scale(f, "AREAUNIT"))
    missing = []
    for sp in f.by_type("IfcSpace"):
        shape = geometry.get(sp.id())
        if shape is None or shape.footprint.is_empty:
            missing.append(sp.Name or sp.GlobalId)
            continue
        storey = storey_index(sp, shape.z_min)
        parts.spaces.append(
            Space(
                id=sp.GlobalId,
                name=sp.Name or "",
                long_name=sp.LongName or "",
                storey=storey,
                footprint=shapely.simplify(shape.footprint, 0.005),
                floor_z_m=shape.z_min,
                height_m=shape.z_max - shape.z_min,
                object_type=sp.ObjectType or "",
                declared_area_m2=_declared_area(sp, area_scale),
                is_lift=_looks_like_lift(sp),
            )
        )
    if missing:
        parts.warnings.append(
            f"{parts.source.name}: {len(missing)} space(s) have no geometry and were left out "
            f"({', '.join(missing[:5])}{'…' if len(missing) > 5 else ''})"
        )


def _declared_area(sp: Any, area_scale: float) -> float | None:
    import ifcopenshell.util.element

    qtos = ifcopenshell.util.element.get_psets(sp, qtos_only=True)
    for wanted in AREA_QUANTITIES:
        for values in qtos.values():
            value = values.get(wanted)
            if isinstance(value, int | float) and value > 0:
                return float(value) * area_scale
    return None


def _read_doors(f: Any, parts: _Parts, geometry: dict[int, _Shape], storey_index: Any, scale: float) -> None:
    import ifcopenshell.util.element
    import ifcopenshell.util.placement

    for door in f.by_type("IfcDoor"):
        shape = geometry.get(door.id())
        if shape is not None:
            xyz: XYZ = (shape.centre[0], shape.centre[1], shape.z_min)
            footprint: Polygon | None = shape.footprint
        elif door.ObjectPlacement is not None:
            m = _placement(door.ObjectPlacement)
            xyz = (float(m[0, 3] * scale), float(m[1, 3] * scale), float(m[2, 3] * scale))
            footprint = None
        else:
            parts.warnings.append(
                f"{parts.source.name}: door {door.Name or door.GlobalId} has no placement and was left out"
            )
            continue
        common = ifcopenshell.util.element.get_psets(door).get("Pset_DoorCommon", {})
        external = common.get("IsExternal")
        width = door.OverallWidth * scale if door.OverallWidth else 0.9
        parts.doors.append(
            Door(
                id=door.GlobalId,
                name=door.Name or "",
                storey=storey_index(door, xyz[2]),
                xyz=xyz,
                width_m=float(width),
                footprint=footprint,
                is_external=bool(external) if isinstance(external, bool) else None,
            )
        )


def _read_stairs(f: Any, parts: _Parts, geometry: dict[int, _Shape], elevations: np.ndarray) -> None:
    """One vertical link per IfcStair/IfcRamp (with its flights), or per loose flight."""
    import ifcopenshell.util.element

    claimed: set[int] = set()
    groups: list[tuple[Any, str, list[Any]]] = []
    for cls, kind in (("IfcStair", "stair"), ("IfcRamp", "ramp")):
        for whole in f.by_type(cls):
            members = [whole, *ifcopenshell.util.element.get_decomposition(whole)]
            claimed.update(m.id() for m in members)
            groups.append((whole, kind, members))
    for cls, kind in (("IfcStairFlight", "stair"), ("IfcRampFlight", "ramp")):
        for flight in f.by_type(cls):
            if flight.id() not in claimed:
                groups.append((flight, kind, [flight]))
    for el, kind, members in groups:
        shapes = [geometry[m.id()] for m in members if m.id() in geometry]
        label = el.Name or el.GlobalId
        if not shapes:
            parts.warnings.append(f"{parts.source.name}: {kind} {label} has no geometry; it links no storeys")
            continue
        z_min = min(s.z_min for s in shapes)
        z_max = max(s.z_max for s in shapes)
        served = _storeys_between(elevations, z_min, z_max)
        if len(served) < 2:
            parts.warnings.append(
                f"{parts.source.name}: {kind} {label} spans z {z_min:.2f}–{z_max:.2f} m, which "
                "reaches only one storey; it links nothing"
            )
            continue
        footprint = _largest_polygon(shapely.union_all([s.footprint for s in shapes]))
        walked = [
            geometry[m.id()] for m in members if m.is_a() in WALKED_STAIR_PARTS and m.id() in geometry
        ] or shapes
        ends = _stair_ends(walked, elevations[list(served)], footprint)
        parts.stairs.append(Stair(el.GlobalId, label, kind, footprint, z_min, z_max, served, ends))


#: The parts of a stair people walk on: where their mesh meets a storey's floor is where the
#: stair arrives there (railings and stringers rise above it; they would pull the point along).
WALKED_STAIR_PARTS = ("IfcStairFlight", "IfcRampFlight", "IfcSlab", "IfcStair", "IfcRamp")
#: A stair's vertices this close (m) to a storey's floor level mark where it arrives there: less
#: than a riser, so the next step's vertices stay out.
STAIR_END_M = 0.15


def _stair_ends(
    shapes: list[_Shape], levels: np.ndarray, footprint: Polygon
) -> tuple[tuple[float, float], ...]:
    """Where a stair arrives on each of the storeys at ``levels`` (m): the middle of its mesh's
    vertices within ``STAIR_END_M`` of that level (the bottom tread, the top nosing). A stair
    not meshed (read from a profile) or with no vertex near a level arrives at its centroid."""
    verts = [s.verts for s in shapes if s.verts is not None and len(s.verts)]
    c = footprint.centroid
    if not verts or footprint.is_empty:
        return ()
    v = np.concatenate(verts)
    ends = []
    for z in levels.tolist():
        near = v[np.abs(v[:, 2] - z) <= STAIR_END_M]
        if not len(near):
            # The flight stops short of the floor (a top tread one riser below it): its
            # highest or lowest vertices, whichever end is nearer this level.
            edge = v[:, 2].max() if abs(v[:, 2].max() - z) < abs(v[:, 2].min() - z) else v[:, 2].min()
            near = (
                v[np.abs(v[:, 2] - edge) <= STAIR_END_M] if abs(edge - z) <= VERTICAL_TOLERANCE_M else v[:0]
            )
        if len(near):
            lo, hi = near[:, :2].min(axis=0), near[:, :2].max(axis=0)
            ends.append((float(lo[0] + hi[0]) / 2, float(lo[1] + hi[1]) / 2))
        else:
            ends.append((float(c.x), float(c.y)))
    return tuple(ends)


def _storeys_between(elevations: np.ndarray, z_min: float, z_max: float) -> tuple[int, ...]:
    inside = (elevations >= z_min - VERTICAL_TOLERANCE_M) & (elevations <= z_max + VERTICAL_TOLERANCE_M)
    return tuple(int(i) for i in np.flatnonzero(inside))


def _read_lifts(f: Any, parts: _Parts, geometry: dict[int, _Shape], elevations: np.ndarray) -> None:
    """Group lift-like elements standing over each other into lifts; their z-range gives the stops."""
    candidates = [f.by_id(i) for i in geometry]
    candidates = [el for el in candidates if _looks_like_lift(el)]
    groups: list[list[Any]] = []
    boxes: list[Polygon] = []
    for el in candidates:
        b = box(*geometry[el.id()].footprint.bounds)
        for i, g in enumerate(boxes):
            if g.distance(b) <= LIFT_GROUP_M:
                groups[i].append(el)
                boxes[i] = box(*g.union(b).bounds)
                break
        else:
            groups.append([el])
            boxes.append(b)
    for members, plan in zip(groups, boxes, strict=True):
        # Name the lift after its most lift-like part: a transport element, else the biggest.
        members.sort(key=lambda e: (not e.is_a("IfcTransportElement"), -geometry[e.id()].footprint.area))
        head = members[0]
        z_min = min(geometry[e.id()].z_min for e in members)
        z_max = max(geometry[e.id()].z_max for e in members)
        stops = tuple(
            int(i)
            for i in np.flatnonzero(
                (elevations >= z_min - VERTICAL_TOLERANCE_M) & (elevations <= z_max - LIFT_HEADROOM_M)
            )
        )
        if len(members) > 1 or len(stops) < 2:
            # Per-storey cars or doors: each part's own storey is a stop.
            stops = tuple(
                sorted(set(stops) | {_storey_by_z(elevations, geometry[e.id()].z_min) for e in members})
            )
        aliases = tuple(
            dict.fromkeys(
                str(n).strip()
                for e in members
                for n in (e.Name, getattr(e, "LongName", None))
                if n and str(n).strip()
            )
        )
        # The readable name: the first with a letter in it ("Aufzug", not a space named "-").
        name = next((n for n in aliases if re.search(r"[^\W\d_]", n)), None) or (
            aliases[0] if aliases else head.GlobalId
        )
        if len(stops) < 2:
            parts.warnings.append(
                f"{parts.source.name}: lift {name} serves only one storey; it links nothing"
            )
        parts.lifts.append(
            Lift(
                id=head.GlobalId,
                name=name,
                ifc_class=head.is_a(),
                footprint=plan,
                storeys=stops,
                parts=tuple(e.GlobalId for e in members),
                aliases=aliases,
            )
        )


def _predefined(el: Any) -> str:
    import ifcopenshell.util.element

    value = ifcopenshell.util.element.get_predefined_type(el)
    return str(value) if value else ""


#: IFC2X3's generic distribution classes: what such an element is, its type object says.
GENERIC_CLASSES = {
    "IfcDistributionElement",
    "IfcDistributionFlowElement",
    "IfcDistributionControlElement",
    "IfcFlowController",
    "IfcFlowTerminal",
    "IfcFlowMovingDevice",
    "IfcEnergyConversionDevice",
    "IfcFlowStorageDevice",
    "IfcFlowSegment",
    "IfcFlowFitting",
    "IfcFlowTreatmentDevice",
}
#: IFC2X3 classes that IFC4 renamed.
RENAMED_CLASSES = {
    "IfcElectricDistributionPoint": "IfcElectricDistributionBoard",
    "IfcElectricDistributionPointType": "IfcElectricDistributionBoard",
}
#: Words in a generic element's names that say what it is, when no type object does; checked
#: in order (a "smoke detector" typed as a protective device is a sensor, not a board).
KIND_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"detector|sensor|melder|fühler|fuehler", re.I), "IfcSensor"),
    (re.compile(r"valve|ventil|schieber|klappe|hahn|cock", re.I), "IfcValve"),
    (re.compile(r"pump|pumpe", re.I), "IfcPump"),
    (
        re.compile(
            r"panel ?board|switch ?board|distribution (board|panel|point)|\bpanel\b|"
            r"verteiler|unterverteilung|\bmdb\b|\bdb\b",
            re.I,
        ),
        "IfcElectricDistributionBoard",
    ),
    (re.compile(r"generator|aggregat", re.I), "IfcElectricGenerator"),
    (re.compile(r"transformer|trafo", re.I), "IfcTransformer"),
    (re.compile(r"\btank\b|cistern|speicher|behälter", re.I), "IfcTank"),
)


def _kind_of(el: Any) -> tuple[str, str]:
    """(the IFC4 class an element is, its type object's name) — see ``Equipment.kind``."""
    import ifcopenshell.util.element

    cls = el.is_a()
    typ = ifcopenshell.util.element.get_type(el)
    type_name = str(getattr(typ, "Name", None) or "") if typ is not None else ""
    if cls in RENAMED_CLASSES:
        return RENAMED_CLASSES[cls], type_name
    if cls not in GENERIC_CLASSES:
        return cls, type_name
    text = " ".join(
        str(x or "") for x in (el.Name, el.ObjectType, type_name, getattr(typ, "ElementType", None))
    )
    if KIND_WORDS[0][0].search(text):
        return KIND_WORDS[0][1], type_name  # detectors are typed as whatever the tool had
    if typ is not None:
        tcls = typ.is_a()
        if tcls in RENAMED_CLASSES:
            return RENAMED_CLASSES[tcls], type_name
        if (
            tcls.endswith("Type")
            and tcls[:-4] not in GENERIC_CLASSES
            and tcls not in ("IfcDistributionElementType", "IfcBuildingElementProxyType")
        ):
            return tcls[:-4], type_name
    for pattern, kind in KIND_WORDS[1:]:
        if pattern.search(text):
            return kind, type_name
    return "", type_name


def _read_equipment(f: Any, parts: _Parts, storey_index: Any, scale: float) -> None:

    elements = list(f.by_type("IfcDistributionElement"))
    lift_ids = {gid for lift in parts.lifts for gid in lift.parts}
    # Lifts with ports (a power feed) join the equipment so the electrical tree reaches them.
    ports_of = _ports_by_element(f)
    elements += [e for e in f.by_type("IfcTransportElement") if e.id() in ports_of]
    index_of: dict[int, int] = {}
    for el in elements:
        if el.GlobalId in lift_ids and not el.is_a("IfcTransportElement"):
            continue  # a lift hidden as a flow terminal is a lift, not equipment
        if el.ObjectPlacement is not None:
            m = _placement(el.ObjectPlacement)
            xyz: XYZ = (float(m[0, 3] * scale), float(m[1, 3] * scale), float(m[2, 3] * scale))
        else:
            xyz = (0.0, 0.0, 0.0)
        index_of[el.id()] = len(parts.equipment)
        kind, type_name = _kind_of(el)
        length, diameter = _pipe_size(el, scale) if (kind or el.is_a()) == "IfcPipeSegment" else (None, None)
        parts.equipment.append(
            Equipment(
                id=el.GlobalId,
                name=el.Name or "",
                ifc_class=el.is_a(),
                predefined_type=_predefined(el),
                storey=storey_index(el, xyz[2]),
                xyz=xyz,
                kind=kind,
                type_name=type_name,
                length_m=length,
                nominal_diameter_m=diameter,
            )
        )
    for i, lift in enumerate(parts.lifts):
        for gid in lift.parts:
            hit = next((j for j, e in enumerate(parts.equipment) if e.id == gid), None)
            if hit is not None:
                parts.lifts[i] = replace(lift, equipment=hit)
                break

    _read_port_links(f, parts, index_of, ports_of)
    _read_systems(f, parts, index_of)


#: Quantities and properties that give a pipe segment's length and nominal size, in the
#: file's length unit (IFC4 Qto_PipeSegmentBaseQuantities; Pset_PipeSegmentTypeCommon, on the
#: type or the occurrence).
PIPE_LENGTH_QUANTITIES = ("Length",)
PIPE_DIAMETER_PROPERTIES = ("NominalDiameter", "OuterDiameter", "InnerDiameter")


def _pipe_size(el: Any, scale: float) -> tuple[float | None, float | None]:
    """A pipe segment's length and nominal diameter (m), each None when the file does not say.
    The length is the ``Length`` quantity, else the longest side of its body when that is one
    vertical extrusion (a riser's height, a run's plan length)."""
    import ifcopenshell.util.element

    psets = ifcopenshell.util.element.get_psets(el)
    length = _first_positive(psets, PIPE_LENGTH_QUANTITIES)
    diameter = _first_positive(psets, PIPE_DIAMETER_PROPERTIES)
    length_m = None if length is None else length * scale
    if length_m is None and el.Representation is not None:
        shape = _extruded_shape(el, scale)  # in metres already
        if shape is not None:
            minx, miny, maxx, maxy = shape.footprint.bounds
            length_m = max(maxx - minx, maxy - miny, shape.z_max - shape.z_min)
    return length_m, None if diameter is None else diameter * scale


def _first_positive(psets: dict[str, dict[str, Any]], names: tuple[str, ...]) -> float | None:
    for wanted in names:
        for values in psets.values():
            value = values.get(wanted)
            if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
                return float(value)
    return None


def _read_systems(f: Any, parts: _Parts, index_of: dict[int, int]) -> None:
    member_systems: dict[int, list[int]] = {}
    for system in f.by_type("IfcSystem"):
        if system.is_a("IfcZone") or system.is_a("IfcStructuralAnalysisModel"):
            continue
        members = sorted(
            {index_of[o.id()] for rel in system.IsGroupedBy for o in rel.RelatedObjects if o.id() in index_of}
        )
        kind = getattr(system, "PredefinedType", None)
        kind = "" if kind in (None, "NOTDEFINED", "USERDEFINED") else str(kind)
        k = len(parts.systems)
        parts.systems.append(
            System(
                id=system.GlobalId,
                name=system.Name or system.GlobalId,
                kind=kind or (system.ObjectType or ""),
                ifc_class=system.is_a(),
                members=tuple(members),
            )
        )
        for m in members:
            member_systems.setdefault(m, []).append(k)
    for m, systems in member_systems.items():
        parts.equipment[m] = replace(parts.equipment[m], systems=tuple(systems))
    _circuit_feeds(parts)


#: What can feed a circuit, best first: a distribution board, else a switch or breaker.
FEEDER_KINDS = (("IfcElectricDistributionBoard",), ("IfcSwitchingDevice", "IfcProtectiveDevice"))


def _circuit_feeds(parts: _Parts) -> None:
    """A board feeds what its circuit groups: electrical distribution is often exported with no
    ports at all, only IfcElectricalCircuit / IfcDistributionCircuit / IfcSystem groups
    (IfcRelAssignsToGroup). Each group with one feeder gets a directed link feeder → member,
    unless ports already link the two."""
    linked = {(a, b) for a, b, _ in parts.port_links} | {(b, a) for a, b, _ in parts.port_links}
    ported = {a for a, _, _ in parts.port_links} | {b for _, b, _ in parts.port_links}
    ambiguous = []
    for system in parts.systems:
        members = list(system.members)
        if any(m in ported for m in members):
            continue  # its ports say what feeds what
        feeders: list[int] = []
        for kinds in FEEDER_KINDS:
            feeders = [m for m in members if parts.equipment[m].kind in kinds]
            if feeders:
                break
        if not feeders or len(feeders) == len(members):
            continue
        if len(feeders) > 1:
            ambiguous.append(system.name)
            continue
        board = feeders[0]
        for m in members:
            if m != board and (board, m) not in linked:
                parts.port_links.append((board, m, True))
    if ambiguous:
        parts.warnings.append(
            f"{parts.source.name}: {len(ambiguous)} system(s) group several boards "
            f"({', '.join(ambiguous[:3])}{'…' if len(ambiguous) > 3 else ''}); which board feeds "
            "what in them is not known — connect ports, or link them under overlay.links"
        )


def _ports_by_element(f: Any) -> dict[int, list[Any]]:
    """Element id → its ports, from IFC4 nesting and IFC2X3 IfcRelConnectsPortToElement."""
    ports: dict[int, list[Any]] = {}
    for rel in f.by_type("IfcRelNests"):
        nested = [o for o in rel.RelatedObjects if o.is_a("IfcPort")]
        if nested:
            ports.setdefault(rel.RelatingObject.id(), []).extend(nested)
    if f.schema != "IFC4X3":
        for rel in f.by_type("IfcRelConnectsPortToElement"):
            ports.setdefault(rel.RelatedElement.id(), []).append(rel.RelatingPort)
    return ports


def _read_port_links(f: Any, parts: _Parts, index_of: dict[int, int], ports_of: dict[int, list[Any]]) -> None:
    owner = {p.id(): el for el, ps in ports_of.items() for p in ps}
    for rel in f.by_type("IfcRelConnectsPorts"):
        a, b = rel.RelatingPort, rel.RelatedPort
        ea, eb = owner.get(a.id()), owner.get(b.id())
        if ea is None or eb is None or ea not in index_of or eb not in index_of or ea == eb:
            continue
        ia, ib = index_of[ea], index_of[eb]
        da, db = getattr(a, "FlowDirection", None), getattr(b, "FlowDirection", None)
        if (da == "SOURCE" and db in ("SINK", None)) or (da is None and db == "SINK"):
            parts.port_links.append((ia, ib, True))
        elif (da == "SINK" and db in ("SOURCE", None)) or (da is None and db == "SOURCE"):
            parts.port_links.append((ib, ia, True))
        else:
            parts.port_links.append((ia, ib, False))


def _read_walkable(
    f: Any, parts: _Parts, elevations: np.ndarray, records: dict[int, _WallRecord], scale: float
) -> None:
    """For storeys without spaces: slabs (by where their top lies) minus walls cut at 1 m.
    Walls whose plan was read from their extruded profile are cut from it; only the others
    (columns, curtain walls, walls of other shapes) are meshed."""
    from twin.walkable import SECTION_HEIGHT_M, section_at, walkable_area

    with_spaces = {sp.storey for sp in parts.spaces}
    with_doors = {d.storey for d in parts.doors}
    bare = [i for i in range(len(parts.storeys)) if i not in with_spaces]
    slabs = list(f.by_type("IfcSlab"))
    if not bare:
        return
    walls = [e for cls in ("IfcWall", "IfcColumn", "IfcCurtainWall") for e in f.by_type(cls)]
    extruded = [r for r in records.values() if r.z_range is not None]
    done = {r.wall.id() for r in extruded}
    slab_shapes = _geometry(f, [e for e in slabs if e.Representation is not None])
    # Only storeys with a floor slab or a door can be walked on: mesh walls only for them.
    bare = [
        i
        for i in bare
        if i in with_doors
        or any(abs(sh.z_max - float(elevations[i])) <= VERTICAL_TOLERANCE_M for sh in slab_shapes.values())
    ]
    for i in sorted(set(range(len(parts.storeys))) - with_spaces - set(bare)):
        parts.warnings.append(
            f"{parts.source.name}: storey '{parts.storeys[i].name}' has no spaces, no floor "
            "slab and no doors: nothing to walk on there, so it gets no walkable area"
        )
    if not bare:
        return
    wall_meshes = list(
        _iter_meshes(f, [e for e in walls if e.Representation is not None and e.id() not in done])
    )
    for i in bare:
        z = float(elevations[i])
        floor = [sh.footprint for sh in slab_shapes.values() if abs(sh.z_max - z) <= VERTICAL_TOLERANCE_M]
        cut = z + SECTION_HEIGHT_M
        sections, standing = [], []
        for rec in extruded:
            lo, hi = rec.z_range  # type: ignore[misc]
            if not lo <= cut <= hi:
                continue
            sections.append(_wall_section(rec, cut, scale))
            if lo >= z - VERTICAL_TOLERANCE_M:
                standing.append(rec.plan)
        for _, verts, faces in wall_meshes:
            lo, hi = verts[:, 2].min(), verts[:, 2].max()
            if not lo <= cut <= hi:
                continue
            sections.append(section_at(verts, faces, cut))
            if lo >= z - VERTICAL_TOLERANCE_M:  # stands on this floor: its plan is floor too
                standing.append(_shape_of(verts, faces).footprint)
        if not floor and standing:
            # No slab at this level (a slab on grade is often left out): the floor is what the
            # outer walls enclose.
            outline = shapely.union_all(standing)
            floor = [
                Polygon(p.exterior)
                for p in shapely.get_parts(outline)
                if isinstance(p, Polygon) and p.interiors
            ]
        if not floor:
            continue
        area = walkable_area(floor, sections, wall_footprints=standing)
        if not area.is_empty:
            parts.walkable.append(Walkable(i, area))
            parts.warnings.append(
                f"{parts.source.name}: storey '{parts.storeys[i].name}' has no spaces; its "
                f"walkable area ({area.area:.0f} m²) comes from slabs (or what its walls enclose) "
                f"minus walls cut at "
                f"{SECTION_HEIGHT_M:g} m"
            )


@dataclass(frozen=True, slots=True)
class _WallRecord:
    wall: Any
    plan: Polygon
    z_range: tuple[float, float] | None
    """Heights (m) the body spans; None when only the axis says where the wall is."""
    z_placed: float
    """Height of the wall's placement (m)."""


def _wall_records(f: Any, scale: float) -> dict[int, _WallRecord]:
    """Each IfcWall's plan read without meshing (see :func:`_wall_plan`), by entity id."""

    out = {}
    for wall in f.by_type("IfcWall"):
        if wall.Representation is None or wall.ObjectPlacement is None:
            continue
        m = np.asarray(_placement(wall.ObjectPlacement), float)
        found = _wall_plan(wall, m, scale)
        if found is not None and not found[0].is_empty:
            out[wall.id()] = _WallRecord(wall, found[0], found[1], float(m[2, 3] * scale))
    return out


def _wall_section(rec: _WallRecord, cut: float, scale: float) -> Any:
    """A wall's plan with the openings that are open at height ``cut`` (m) taken out."""
    holes = [
        hole
        for rel in getattr(rec.wall, "HasOpenings", ()) or ()
        if (hole := _opening_plan(rel.RelatedOpeningElement, scale, cut)) is not None
    ]
    return rec.plan.difference(shapely.union_all(holes)) if holes else rec.plan


def _read_walls(
    f: Any, parts: _Parts, storey_index: Any, scale: float, records: dict[int, _WallRecord]
) -> None:
    """Each wall's plan, read from its representation without meshing: the profile of an
    extruded body (through boolean clippings), else its axis widened by its material layers.
    Doorways (door footprints and openings) are cut out. Walls with neither are counted."""
    doors_on: dict[int, list[Polygon]] = {}
    for d in parts.doors:
        shape = (
            d.footprint
            if d.footprint is not None and not d.footprint.is_empty
            else shapely.Point(d.xyz[:2]).buffer(d.width_m / 2)
        )
        doors_on.setdefault(d.storey, []).append(shape.buffer(DOORWAY_MARGIN_M))
    plans: dict[int, list[Any]] = {}
    unread = sum(
        1
        for w in f.by_type("IfcWall")
        if w.Representation is not None and w.ObjectPlacement is not None and w.id() not in records
    )
    for rec in records.values():
        # A wall standing through several storeys (a stair shaft's) is a wall on each; one whose
        # body reaches no storey's cut (a bulkhead over a corridor or a stair, a downstand
        # under a slab) is above people's heads everywhere and stands on none. Only a wall
        # whose heights are unknown (read from its axis) is placed by its storey.
        storeys = (
            [
                i
                for i, st in enumerate(parts.storeys)
                if rec.z_range[0] <= st.elevation_m + WALL_CUT_M <= rec.z_range[1]
            ]
            if rec.z_range is not None
            else [storey_index(rec.wall, rec.z_placed)]
        )
        for storey in storeys:
            cut = parts.storeys[storey].elevation_m + WALL_CUT_M
            plans.setdefault(storey, []).append(_wall_section(rec, cut, scale))
    for storey, found in sorted(plans.items()):
        solid = shapely.union_all(found)
        if doors_on.get(storey):
            solid = solid.difference(shapely.union_all(doors_on[storey]))
        parts.walls.append(WallPlan(storey, _polygonal(solid)))
    if unread:
        parts.warnings.append(
            f"{parts.source.name}: {unread} wall(s) have neither an extruded profile nor an axis "
            "with material layers; walks are not checked against them"
        )


#: Door footprints are widened by this (m) when cut out of walls: frames and mesh rounding.
DOORWAY_MARGIN_M = 0.05
#: Walls are seen as cut at this height above their storey's floor (m): doorways are open there,
#: window sills mostly not (the same cut as :data:`twin.walkable.SECTION_HEIGHT_M`).
WALL_CUT_M = 1.0


def _opening_plan(opening: Any, scale: float, cut_z: float) -> Polygon | None:
    """The plan of an extruded opening (any direction) that is open at height ``cut_z`` (m)."""
    box_ = _opening_box(opening, scale)
    if box_ is None or not box_[1] <= cut_z <= box_[2]:
        return None
    return box_[0].buffer(0.01)


def _door_shape(door: Any, scale: float) -> _Shape | None:
    """A door's shape from the opening it fills (its doorway through the wall), not its mesh:
    a door needs where its doorway is and how wide, not its leaf, frame and handle."""
    for rel in getattr(door, "FillsVoids", ()) or ():
        found = _opening_box(rel.RelatingOpeningElement, scale)
        if found is not None and found[0].area > 0:
            plan, lo, hi = found
            c = plan.centroid
            return _Shape(plan, lo, hi, (float(c.x), float(c.y), (lo + hi) / 2))
    return None


def _opening_box(opening: Any, scale: float) -> tuple[Polygon, float, float] | None:
    """The plan (convex hull) and heights (m) of an opening made of extrusions in any direction."""
    memo = _MEMO.get()
    key = ("opening", opening.id())
    if memo is not None and key in memo:
        return cast("tuple[Polygon, float, float] | None", memo[key])
    found = _opening_box_of(opening, scale)
    if memo is not None:
        memo[key] = found
    return found


def _opening_box_of(opening: Any, scale: float) -> tuple[Polygon, float, float] | None:
    if opening.Representation is None or opening.ObjectPlacement is None:
        return None
    m = np.asarray(_placement(opening.ObjectPlacement), float)
    corners = []
    for rep in opening.Representation.Representations:
        for item in rep.Items:
            while item.is_a("IfcBooleanResult"):
                item = item.FirstOperand
            if not item.is_a("IfcExtrudedAreaSolid"):
                continue
            profile = _profile_polygon(item.SweptArea)
            if profile is None:
                continue
            xy = np.asarray(profile.exterior.coords)
            d = np.asarray([float(c) for c in item.ExtrudedDirection.DirectionRatios])
            d = d / np.linalg.norm(d) * float(item.Depth)
            base = np.column_stack([xy, np.zeros(len(xy)), np.ones(len(xy))])
            top = base.copy()
            top[:, :3] += d
            pts = (m @ _axis2placement(item.Position) @ np.vstack([base, top]).T).T[:, :3] * scale
            corners.append(pts)
    if not corners:
        return None
    pts = np.vstack(corners)
    hull = shapely.MultiPoint(pts[:, :2]).convex_hull
    if not isinstance(hull, Polygon):
        return None
    return hull, float(pts[:, 2].min()), float(pts[:, 2].max())


def _wall_plan(wall: Any, m: np.ndarray, scale: float) -> tuple[Polygon, tuple[float, float] | None] | None:
    """The plan of one wall in world metres and the heights (m) its body spans (None when only
    its axis says where it is), or None when it cannot be read without meshing."""
    reps = {r.RepresentationIdentifier: r for r in wall.Representation.Representations}
    body = reps.get("Body")
    local: Polygon | None = None
    z_range: tuple[float, float] | None = None
    if body is not None and body.Items:
        item = body.Items[0]
        while item.is_a("IfcBooleanResult"):
            item = item.FirstOperand
        if item.is_a("IfcExtrudedAreaSolid") and abs(float(item.ExtrudedDirection.DirectionRatios[2])) > 0.99:
            profile = _profile_polygon(item.SweptArea)
            if profile is not None:
                position = _axis2placement(item.Position)
                local = _transform(profile, position)
                z0 = float(m[2, 3] + position[2, 3])
                z1 = z0 + float(item.Depth) * float(np.sign(item.ExtrudedDirection.DirectionRatios[2]))
                z_range = (min(z0, z1) * scale, max(z0, z1) * scale)
    if local is None and "Axis" in reps:
        local = _axis_plan(wall, reps["Axis"])
    if local is None or local.is_empty:
        return None
    world = _transform(local, m)
    if scale != 1.0:
        world = shapely.affinity.scale(world, scale, scale, origin=(0, 0))
    return world, z_range


def _profile_polygon(profile: Any) -> Polygon | None:
    if profile.is_a("IfcRectangleProfileDef"):
        x, y = float(profile.XDim) / 2, float(profile.YDim) / 2
        poly = box(-x, -y, x, y)
    elif profile.is_a("IfcArbitraryClosedProfileDef"):
        pts = _curve_points(profile.OuterCurve)
        if pts is None or len(pts) < 3:
            return None
        poly = Polygon(pts).buffer(0)
    else:
        return None
    position = getattr(profile, "Position", None)
    return _transform(poly, _axis2placement(position)) if position is not None else poly


def _curve_points(curve: Any) -> list[tuple[float, float]] | None:
    """The vertices of a polyline or an indexed poly curve (arcs taken by their points)."""
    if curve.is_a("IfcPolyline"):
        return [(float(p.Coordinates[0]), float(p.Coordinates[1])) for p in curve.Points]
    if curve.is_a("IfcIndexedPolyCurve"):
        return [(float(c[0]), float(c[1])) for c in curve.Points.CoordList]
    return None


def _axis_plan(wall: Any, axis: Any) -> Polygon | None:
    """A wall's axis widened by its material layer set usage (offset and direction sense)."""
    import ifcopenshell.util.element

    pts = _curve_points(axis.Items[0]) if axis.Items else None
    if pts is None or len(pts) < 2:
        return None
    line = shapely.LineString(pts)
    usage = ifcopenshell.util.element.get_material(wall, should_skip_usage=False)
    if usage is None or not usage.is_a("IfcMaterialLayerSetUsage"):
        return None
    thickness = sum(float(layer.LayerThickness) for layer in usage.ForLayerSet.MaterialLayers)
    if thickness <= 0 or line.length == 0:
        return None
    sense = 1.0 if usage.DirectionSense == "POSITIVE" else -1.0
    centre = float(usage.OffsetFromReferenceLine or 0.0) + sense * thickness / 2
    return line.offset_curve(centre).buffer(thickness / 2, cap_style="flat", join_style="mitre")


def _axis2placement(position: Any) -> np.ndarray:
    """4×4 matrix of an IfcAxis2Placement2D/3D (in the file's units)."""
    m = np.eye(4)
    if position is None:
        return m
    loc = [float(c) for c in position.Location.Coordinates]
    m[: len(loc), 3] = loc
    ref = getattr(position, "RefDirection", None)
    x = np.array([float(c) for c in ref.DirectionRatios] if ref is not None else [1.0, 0.0], float)
    if position.is_a("IfcAxis2Placement2D"):
        x = x[:2] / np.linalg.norm(x[:2])
        m[:2, 0] = x
        m[:2, 1] = (-x[1], x[0])
        return m
    axis = getattr(position, "Axis", None)
    z = np.array([float(c) for c in axis.DirectionRatios] if axis is not None else [0, 0, 1.0])
    x3 = np.resize(x, 3) if x.size == 3 else np.array([x[0], x[1], 0.0])
    z = z / np.linalg.norm(z)
    x3 = x3 - z * float(x3 @ z)
    x3 = x3 / np.linalg.norm(x3)
    # z × x written out: np.cross costs more than the whole placement on three-vectors.
    y = (z[1] * x3[2] - z[2] * x3[1], z[2] * x3[0] - z[0] * x3[2], z[0] * x3[1] - z[1] * x3[0])
    m[:3, 0], m[:3, 1], m[:3, 2] = x3, y, z
    return m


def _transform(poly: Any, m: np.ndarray) -> Any:
    """A plan polygon through the plan part of a 4×4 placement matrix."""
    a, b, d, e = m[0, 0], m[0, 1], m[1, 0], m[1, 1]
    return shapely.affinity.affine_transform(poly, [a, b, d, e, m[0, 3], m[1, 3]])


def _polygonal(geom: Any) -> Polygon | MultiPolygon:
    polys = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]
    if not polys:
        return Polygon()
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


# --------------------------------------------------------------------------------------------
# Federation.


def _renumber_stair(stair: Stair, new_index: Any) -> Stair:
    """A stair with its storeys renumbered and sorted, each end staying with its storey."""
    pairs = sorted(
        zip((new_index[i] for i in stair.storeys), stair.ends_xy or [None] * len(stair.storeys), strict=True),
        key=lambda p: p[0],
    )
    ends = tuple(e for _, e in pairs if e is not None)
    return replace(stair, storeys=tuple(i for i, _ in pairs), ends_xy=ends)


def federate(parts: Sequence[_Parts]) -> BuildingModel:
    """Merge files of one building: storeys align by GlobalId, name, then elevation."""
    storeys: list[Storey] = []
    spaces: list[Space] = []
    doors: list[Door] = []
    stairs: list[Stair] = []
    lifts: list[Lift] = []
    equipment: list[Equipment] = []
    systems: list[System] = []
    links: list[tuple[int, int, bool]] = []
    warnings: list[str] = []
    walkable: list[Walkable] = []
    walls: list[WallPlan] = []
    remaps: list[list[int]] = []
    for source_index, part in enumerate(parts):
        remap = [_align_storey(storeys, s, source_index) for s in part.storeys]
        remaps.append(remap)
        offset = len(equipment)

        def moved(items: list[Any], remap: list[int] = remap) -> list[Any]:
            return [replace(x, storey=remap[x.storey]) for x in items]

        spaces += moved(part.spaces)
        doors += moved(part.doors)
        stairs += [replace(s, storeys=tuple(remap[i] for i in s.storeys)) for s in part.stairs]
        lifts += [
            replace(
                li,
                storeys=tuple(remap[i] for i in li.storeys),
                equipment=li.equipment + offset if li.equipment >= 0 else -1,
            )
            for li in part.lifts
        ]
        equipment += [
            replace(e, storey=remap[e.storey], systems=tuple(k + len(systems) for k in e.systems))
            for e in part.equipment
        ]
        systems += [replace(s, members=tuple(m + offset for m in s.members)) for s in part.systems]
        links += [(a + offset, b + offset, d) for a, b, d in part.port_links]
        warnings += part.warnings
        walkable += [replace(w, storey=remap[w.storey]) for w in part.walkable]
        walls += [replace(w, storey=remap[w.storey]) for w in part.walls]

    # A storey met in several files takes the name its file with the most spaces there gives
    # it (the architecture, not the MEP model), whichever order the files came in.
    named: dict[int, tuple[int, str]] = {}
    for part, remap in zip(parts, remaps, strict=True):
        counts = Counter(sp.storey for sp in part.spaces)
        for local, merged in enumerate(remap):
            key = (counts.get(local, 0), part.storeys[local].name)
            best = named.get(merged)
            if best is None or key[0] > best[0] or (key[0] == best[0] and key[1] < best[1]):
                named[merged] = key
    storeys = [replace(s, name=named[i][1]) if i in named else s for i, s in enumerate(storeys)]

    # Sort storeys by elevation and renumber everything that points at them.
    order = sorted(range(len(storeys)), key=lambda i: storeys[i].elevation_m)
    new_index = {old: new for new, old in enumerate(order)}

    def renumber(items: list[Any]) -> tuple[Any, ...]:
        return tuple(replace(x, storey=new_index[x.storey]) for x in items)

    spaces_t = renumber(spaces)
    equipment_t = _place_in_spaces(renumber(equipment), spaces_t)
    if not spaces and not walkable:
        warnings.append(
            f"{' + '.join(p.source.name for p in parts)}: {len(storeys)} storey(s) but no IfcSpace and "
            "no floor slab to walk on — crews move between spaces (rooms); export the spaces too"
        )
    return BuildingModel(
        sources=tuple(p.source for p in parts),
        storeys=tuple(storeys[i] for i in order),
        spaces=spaces_t,
        doors=renumber(doors),
        stairs=tuple(_renumber_stair(s, new_index) for s in stairs),
        lifts=tuple(replace(li, storeys=tuple(sorted(new_index[i] for i in li.storeys))) for li in lifts),
        equipment=equipment_t,
        systems=tuple(systems),
        port_links=np.array([(a, b) for a, b, _ in links], dtype=np.int32).reshape(-1, 2),
        port_directed=np.array([d for _, _, d in links], dtype=bool),
        warnings=tuple(warnings),
        walkable=tuple(
            replace(w, storey=new_index[w.storey])
            for w in walkable
            # Another federated file may have brought the storey its spaces.
            if not any(sp.storey == w.storey for sp in spaces)
        ),
        walls=tuple(replace(w, storey=new_index[w.storey]) for w in walls),
    )


def _align_storey(storeys: list[Storey], new: Storey, source_index: int) -> int:
    """Index of the storey in ``storeys`` that ``new`` is (appending it when it is none)."""
    if source_index > 0:
        for i, s in enumerate(storeys):
            if s.id == new.id or new.id in s.aliases:
                return i
        for match in (
            lambda s: _norm(s.name) == _norm(new.name),
            lambda s: abs(s.elevation_m - new.elevation_m) < STOREY_MATCH_M,
        ):
            hits = [i for i, s in enumerate(storeys) if match(s)]
            if hits:
                i = min(hits, key=lambda k: abs(storeys[k].elevation_m - new.elevation_m))
                storeys[i] = replace(storeys[i], aliases=(*storeys[i].aliases, new.id))
                return i
    storeys.append(replace(new, source=source_index))
    return len(storeys) - 1


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-.]+", " ", name).strip().lower()


def _place_in_spaces(equipment: tuple[Equipment, ...], spaces: tuple[Space, ...]) -> tuple[Equipment, ...]:
    """Give each piece of equipment the space on its storey that holds it (or lies within 0.5 m)."""
    if not equipment or not spaces:
        return equipment
    tree = shapely.STRtree([sp.footprint for sp in spaces])
    points = shapely.points([(e.xyz[0], e.xyz[1]) for e in equipment])
    space_storey = np.array([sp.storey for sp in spaces])
    pairs = tree.query(points, predicate="dwithin", distance=0.5)
    best: dict[int, tuple[float, int]] = {}
    for ei, si in zip(*pairs, strict=True):
        if space_storey[si] != equipment[ei].storey:
            continue
        d = float(shapely.distance(points[ei], spaces[si].footprint))
        if ei not in best or d < best[ei][0]:
            best[ei] = (d, int(si))
    return tuple(replace(e, space=best[i][1]) if i in best else e for i, e in enumerate(equipment))
