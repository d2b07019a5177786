"""The walkable area of a storey whose spaces are missing, and a walkable grid over it.

Takes slab and wall meshes (world metres, as the IfcOpenShell geometry iterator gives them),
gives the area a person can walk on: the floor (slabs' footprints and walls' plans) minus the
walls cut about 1 m above it. A cut at that height passes through door openings, so rooms stay
joined through their doorways while walls block. Over that area :func:`walkable_grid` lays a
lattice of cells joined to their 8 neighbours wherever the straight step between them stays
inside the area, so routing on the grid goes round walls and through doors.

Pipeline: ``section_at`` (per wall mesh) → ``walkable_area`` → ``walkable_grid`` (the
navigation graph hooks doors, stairs and equipment onto its cells).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from twin.errors import ModelError, TwinError

#: Height of the wall cut above the storey's floor (m): below door heads, above skirtings and
#: thresholds, so door openings show as gaps.
SECTION_HEIGHT_M = 1.0
#: Coordinates of section segments are snapped to this grid (m) before they are joined into
#: rings, so ends computed in two neighbouring triangles meet exactly.
SNAP_M = 1e-6
#: At most this many halvings of the grid spacing in narrow passages.
MAX_REFINE = 4

Area: TypeAlias = Polygon | MultiPolygon


@dataclass(frozen=True, slots=True)
class WalkableGrid:
    """Cells of a walkable lattice and the undirected steps between 8-neighbours.

    Index ``i`` is a cell; edge ``e`` joins ``u[e] < v[e]`` with length ``length_m[e]``
    (the spacing, or the spacing times √2 for a diagonal step).
    """

    xy: np.ndarray
    """Cell centres, shape (n, 2), float, world metres."""
    u: np.ndarray
    """First cell of each edge, int32."""
    v: np.ndarray
    """Second cell of each edge, int32."""
    length_m: np.ndarray
    """Length of each edge (m), float."""
    spacing_m: float
    """Distance between neighbouring lattice rows and columns (m)."""


def section_at(verts: np.ndarray, faces: np.ndarray, z: float) -> Area:
    """Cut a closed triangle mesh with the horizontal plane at height ``z``.

    Parameters
    ----------
    verts
        Vertex coordinates, shape (n, 3), world metres.
    faces
        Vertex indices of each triangle, shape (m, 3).
    z
        Height of the cutting plane (m).

    Returns
    -------
    Polygon or MultiPolygon
        The area of the plane inside the mesh; empty when the mesh does not reach ``z``.
        A wall with a door opening cut below its head gives two pieces, a hollow column a
        polygon with a hole.

    Raises
    ------
    ModelError
        When ``verts`` or ``faces`` do not have three columns.

    Notes
    -----
    A vertex exactly on the plane counts as above it, the usual symbolic perturbation: every
    triangle edge then either crosses the plane or does not, with no special cases, and a cut
    through vertices gives the same area as a cut just below them (a box cut at its top face
    gives the face, at its bottom face nothing). Which faces of the cut are solid is
    decided by ray parity (even-odd), so the winding of the mesh's triangles does not matter.
    """
    verts = np.asarray(verts, dtype=float)
    faces = np.asarray(faces, dtype=np.int64)
    if verts.ndim != 2 or verts.shape[1] != 3 or faces.ndim != 2 or faces.shape[1] != 3:
        raise ModelError(
            f"section_at: expected verts of shape (n, 3) and faces of shape (m, 3), "
            f"got {verts.shape} and {faces.shape}; reshape the geometry iterator's "
            f"flat arrays with .reshape(-1, 3)"
        )
    segments = _cut_segments(verts, faces, z)
    if not len(segments):
        return Polygon()
    lines = shapely.linestrings(segments)
    noded = shapely.union_all(lines, grid_size=SNAP_M)
    pieces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    if not len(pieces):
        return Polygon()
    inside = _odd_crossings(shapely.get_coordinates(shapely.point_on_surface(pieces)), segments)
    return _polygonal(shapely.union_all(pieces[inside], grid_size=SNAP_M))


def walkable_area(
    slab_footprints: Sequence[Polygon],
    wall_sections: Sequence[Area],
    *,
    wall_footprints: Sequence[Area] = (),
    clearance_m: float = 0.2,
    min_width_m: float = 0.3,
) -> Area:
    """Where a person can walk: the floor minus the walls widened by a clearance.

    Parameters
    ----------
    slab_footprints
        Plan footprints of the storey's slabs (m).
    wall_sections
        Walls (and columns, furniture, …) cut about 1 m above the floor, see :func:`section_at`.
    wall_footprints
        The same walls' plans seen from above (the union of their triangles). A wall stands on
        floor, so its plan counts as floor and its section takes it back out again; what stays
        is the floor of its doorways. Pass them: exports often stop the slabs at the walls'
        faces, which leaves a doorway with no floor (duplex_a.ifc's front doors, in walls 0.42 m
        thick). Only walls standing on this floor and reaching the cut belong here; a wall
        lower than the cut (a parapet) is an obstacle: pass its plan in ``wall_sections``.
    clearance_m
        How far a person's centre stays from a wall: half a person's width (m).
    min_width_m
        Passages narrower than this are dropped, and seams between slabs narrower than this are
        closed (m).

    Returns
    -------
    Polygon or MultiPolygon
        The walkable area; a MultiPolygon when walls cut the storey into parts with no way
        between them.

    Raises
    ------
    TwinError
        When ``clearance_m`` or ``min_width_m`` is negative.

    Notes
    -----
    The seams are closed on the slabs *before* the walls are cut, and only slivers are opened
    away after: closing the walkable area itself would bridge any wall thinner than
    ``min_width_m`` once the clearance is small. Buffers use mitred joins, so a plan drawn with
    right angles keeps them (and its areas stay easy to check by hand).
    """
    if clearance_m < 0 or min_width_m < 0:
        raise TwinError(
            f"walkable_area: clearance_m and min_width_m must be ≥ 0 m, got {clearance_m} and {min_width_m}"
        )
    r = min_width_m / 2
    floor = shapely.union_all(np.asarray([*slab_footprints, *wall_footprints], dtype=object))
    if r > 0:
        floor = _closing(floor, r)
    if len(wall_sections):
        walls = shapely.union_all(np.asarray(list(wall_sections), dtype=object))
        if clearance_m > 0:
            walls = shapely.buffer(walls, clearance_m, join_style="mitre")
        floor = shapely.difference(floor, walls)
    if r > 0:
        floor = _opening(floor, r)
    return _polygonal(floor)


def walkable_grid(area: Area, *, spacing_m: float = 1.0, min_gap_m: float = 0.3) -> WalkableGrid:
    """Lay a square lattice over a walkable area and join neighbours with straight steps.

    Parameters
    ----------
    area
        The walkable area (m), see :func:`walkable_area`.
    spacing_m
        Distance between lattice rows and columns (m) where the area is wide.
    min_gap_m
        Narrowest passage the grid must still cross (m), normally ``min_width_m`` of
        :func:`walkable_area`. A doorway narrower than the spacing may hold no row of cells, so
        wherever the area is narrower than 1.5 times a lattice's spacing the lattice of half
        that spacing is laid too, again and again, until the spacing is at most ``min_gap_m``.

    Returns
    -------
    WalkableGrid
        Cells at the lattice points inside (or on the edge of) the area, the lattice starting
        half a spacing in from the area's lower-left bound, ordered row by row; an edge wherever
        the segment between two 8-neighbours of the same lattice level lies within the area.

    Raises
    ------
    TwinError
        When ``spacing_m`` or ``min_gap_m`` is not positive.

    Notes
    -----
    Every finer lattice contains the coarser ones, so the cells of a refined passage and of the
    rooms on either side are neighbours on the finer lattice and join up without special cases.
    """
    if not (spacing_m > 0 and min_gap_m > 0):
        raise TwinError(
            f"walkable_grid: spacing_m and min_gap_m must be > 0 m, got {spacing_m} and {min_gap_m}"
        )
    if area.is_empty:
        return _empty_grid(spacing_m)
    # Preparing caches an index on the geometry: do it on a copy, not on the caller's area.
    area = shapely.from_wkb(shapely.to_wkb(area))
    shapely.prepare(area)
    levels = min(MAX_REFINE, max(0, int(np.ceil(np.log2(spacing_m / min_gap_m) - 1e-9))))
    fine = spacing_m / 2**levels
    origin = np.array(area.bounds[:2]) + spacing_m / 2

    # Each level: the lattice of that spacing inside its region, as integer coordinates on the
    # finest lattice (so the same point found on two levels is one cell).
    keys: list[np.ndarray] = []
    region: shapely.Geometry = area
    for level in range(levels + 1):
        step = 2 ** (levels - level)
        h = spacing_m / 2**level
        if level:
            coarse = 2 * h
            # Passages narrower than 1.5 coarse spacings: a straight passage at least one
            # spacing wide always holds a chain of coarse cells, and the half spacing more is a
            # margin for passages at an angle to the lattice.
            narrow = shapely.difference(area, _opening(area, 0.75 * coarse))
            # Opening does not give the area back to the last bit: drop those slivers, and
            # passages too narrow to be crossed anyway, or the whole outline would be refined.
            narrow = _opening(narrow, min_gap_m / 4)
            if narrow.is_empty:  # then narrower still is empty too
                break
            region = shapely.intersection(area, shapely.buffer(narrow, 2 * coarse, join_style="mitre"))
            shapely.prepare(region)
        rx0, ry0, rx1, ry1 = region.bounds
        ia = np.arange(np.floor((rx0 - origin[0]) / h), np.ceil((rx1 - origin[0]) / h) + 1)
        ib = np.arange(np.floor((ry0 - origin[1]) / h), np.ceil((ry1 - origin[1]) / h) + 1)
        ga, gb = np.meshgrid(ia, ib)
        inside = shapely.intersects_xy(region, origin[0] + ga * h, origin[1] + gb * h)
        keys.append(np.column_stack([ga[inside], gb[inside]]).astype(np.int64) * step)
    ab = np.unique(np.concatenate(keys), axis=0)
    if not len(ab):
        return _empty_grid(spacing_m)
    # Row by row (y, then x): every neighbour offset below points to a later cell, so u < v.
    ab = ab[np.lexsort((ab[:, 0], ab[:, 1]))]
    xy = origin + ab * fine
    lo = ab.min(axis=0)
    width = int(ab[:, 0].max() - lo[0]) + 2**levels + 1
    key = (ab[:, 1] - lo[1]) * width + (ab[:, 0] - lo[0])

    us, vs = [], []
    for level in range(levels + 1):
        step = 2 ** (levels - level)
        on_level = np.flatnonzero((ab[:, 0] % step == 0) & (ab[:, 1] % step == 0))
        for da, db in ((1, 0), (0, 1), (1, 1), (-1, 1)):
            target = key[on_level] + (db * width + da) * step
            at = np.minimum(np.searchsorted(key, target), len(key) - 1)
            found = key[at] == target
            us.append(on_level[found])
            vs.append(at[found])
    u = np.concatenate(us)
    v = np.concatenate(vs)
    if len(u):
        ok = shapely.covers(area, shapely.linestrings(np.stack([xy[u], xy[v]], axis=1)))
        u, v = u[ok], v[ok]
    length = np.hypot(*(xy[v] - xy[u]).T) if len(u) else np.zeros(0)
    return WalkableGrid(
        xy=xy,
        u=u.astype(np.int32),
        v=v.astype(np.int32),
        length_m=np.asarray(length, dtype=float),
        spacing_m=float(spacing_m),
    )


def _cut_segments(verts: np.ndarray, faces: np.ndarray, z: float) -> np.ndarray:
    """Segments (k, 2, 2) where triangles cross the plane, zero-length ones dropped."""
    above = verts[:, 2] >= z
    side = above[faces]
    crossing = side.any(axis=1) & ~side.all(axis=1)
    tri = faces[crossing]
    side = side[crossing]
    if not len(tri):
        return np.zeros((0, 2, 2))
    # The odd vertex out is on one side, the other two on the other: the cut runs across the
    # two edges that leave it.
    odd = np.where(side[:, 0] == side[:, 1], 2, np.where(side[:, 0] == side[:, 2], 1, 0))
    rows = np.arange(len(tri))
    lone = tri[rows, odd]
    ends = [_crossing_point(verts, lone, tri[rows, (odd + step) % 3], z) for step in (1, 2)]
    segments = np.stack(ends, axis=1)
    keep = np.any(segments[:, 0] != segments[:, 1], axis=1)
    return segments[keep]


def _crossing_point(verts: np.ndarray, a: np.ndarray, b: np.ndarray, z: float) -> np.ndarray:
    """Where edges (a, b) cross the plane, computed from the lower end so that the same edge
    gives bit-identical points in both triangles that share it."""
    lower = np.where(verts[a, 2] < verts[b, 2], a, b)
    upper = np.where(verts[a, 2] < verts[b, 2], b, a)
    p, q = verts[lower], verts[upper]
    t = (z - p[:, 2]) / (q[:, 2] - p[:, 2])
    return np.asarray(p[:, :2] + t[:, None] * (q[:, :2] - p[:, :2]))


def _odd_crossings(points: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Even-odd rule: True for points whose ray towards +x crosses an odd number of segments."""
    x0, y0 = segments[None, :, 0, 0], segments[None, :, 0, 1]
    x1, y1 = segments[None, :, 1, 0], segments[None, :, 1, 1]
    px, py = points[:, 0, None], points[:, 1, None]
    straddles = (y0 > py) != (y1 > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
    hits = straddles & (x_at > px)
    return np.asarray(hits.sum(axis=1) % 2 == 1)


def _closing(geom: shapely.Geometry, r: float) -> shapely.Geometry:
    """Fill gaps and notches narrower than 2r."""
    return shapely.buffer(shapely.buffer(geom, r, join_style="mitre"), -r, join_style="mitre")


def _opening(geom: shapely.Geometry, r: float) -> shapely.Geometry:
    """Drop parts and passages narrower than 2r."""
    return shapely.buffer(shapely.buffer(geom, -r, join_style="mitre"), r, join_style="mitre")


def _polygonal(geom: shapely.Geometry) -> Area:
    """The polygons of a geometry as one Polygon or MultiPolygon (empty Polygon if none)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = shapely.get_parts(shapely.get_parts(geom))  # collections may hold multi-parts
    polys = [p for p in parts if isinstance(p, Polygon) and not p.is_empty]
    if not polys:
        return Polygon()
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _empty_grid(spacing_m: float) -> WalkableGrid:
    return WalkableGrid(
        xy=np.zeros((0, 2)),
        u=np.zeros(0, np.int32),
        v=np.zeros(0, np.int32),
        length_m=np.zeros(0),
        spacing_m=float(spacing_m),
    )
