"""An independent check that walk links do not pass through walls.

It shares no code with :mod:`twin.navgraph`, :mod:`twin.walkable` or :mod:`twin.ifc`'s wall
reading: walls are meshed by IfcOpenShell (openings cut, world metres) and a point is inside a
wall when a vertical ray from it crosses the wall's closed mesh an odd number of times. A link on
one storey is sampled every ``STEP_M`` at 1 m above the storey's floor; it crosses a wall when
more than ``TOLERANCE_M`` of it lies inside one (a door node stands in its opening, so a link
through a doorway has none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: Sampling step along a link (m).
STEP_M = 0.02
#: A link may graze a wall by this much in total (m): a corner of a jamb, a skirting.
TOLERANCE_M = 0.06
#: Height of the check above the storey's floor (m): below door heads, above thresholds.
CUT_M = 1.0


@dataclass(frozen=True)
class WallMesh:
    name: str
    tri: np.ndarray
    """(m, 3, 3) triangles in world metres."""
    lo: np.ndarray
    hi: np.ndarray


def wall_meshes(f: Any) -> list[WallMesh]:
    """Every IfcWall of an opened file as world-metre triangles (openings cut)."""
    import ifcopenshell.geom

    walls = [w for w in f.by_type("IfcWall") if w.Representation is not None]
    if not walls:
        return []
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)
    it = ifcopenshell.geom.iterator(settings, f, 1, include=walls)
    out = []
    if not it.initialize():
        return out
    while True:
        item = it.get()
        v = np.asarray(item.geometry.verts, float).reshape(-1, 3)
        fa = np.asarray(item.geometry.faces, int).reshape(-1, 3)
        if len(v) and len(fa):
            out.append(WallMesh(item.name or str(item.id), v[fa], v.min(0), v.max(0)))
        if not it.next():
            break
    return out


def inside(mesh: WallMesh, pts: np.ndarray) -> np.ndarray:
    """Which points (n, 3) lie inside the closed mesh (vertical ray parity)."""
    res = np.zeros(len(pts), bool)
    box = np.all((pts >= mesh.lo - 1e-9) & (pts <= mesh.hi + 1e-9), axis=1)
    if not box.any():
        return res
    p = pts[box]
    a, b, c = mesh.tri[:, 0], mesh.tri[:, 1], mesh.tri[:, 2]
    # 2-D barycentric coordinates of every point in every triangle's plan.
    d = (b[:, 1] - c[:, 1]) * (a[:, 0] - c[:, 0]) + (c[:, 0] - b[:, 0]) * (a[:, 1] - c[:, 1])
    ok = np.abs(d) > 1e-12
    a, b, c, d = a[ok], b[ok], c[ok], d[ok]
    px, py = p[:, None, 0], p[:, None, 1]
    l1 = ((b[:, 1] - c[:, 1]) * (px - c[:, 0]) + (c[:, 0] - b[:, 0]) * (py - c[:, 1])) / d
    l2 = ((c[:, 1] - a[:, 1]) * (px - c[:, 0]) + (a[:, 0] - c[:, 0]) * (py - c[:, 1])) / d
    l3 = 1 - l1 - l2
    # Half-open rule on the edges so a ray through a shared edge counts once.
    hit = (l1 >= 0) & (l2 >= 0) & (l3 >= 0) & ~((l1 == 0) | (l2 == 0) | (l3 == 0))
    z = l1 * a[:, 2] + l2 * b[:, 2] + l3 * c[:, 2]
    crossings = np.count_nonzero(hit & (z > p[:, None, 2]), axis=1)
    res[np.flatnonzero(box)] = crossings % 2 == 1
    return res


def crossing_links(graph: Any, walls: list[WallMesh], kinds: tuple[int, ...]) -> list[tuple[int, int, float]]:
    """(u, v, metres inside walls) of every level link of the given edge kinds that crosses a wall."""
    out = []
    for e in np.flatnonzero(np.isin(graph.edge_kind, kinds)):
        u, v = int(graph.edge_u[e]), int(graph.edge_v[e])
        if graph.node_storey[u] != graph.node_storey[v]:
            continue
        a, b = graph.node_xyz[u, :2], graph.node_xyz[v, :2]
        length = float(np.hypot(*(b - a)))
        if length < STEP_M:
            continue
        n = int(np.ceil(length / STEP_M))
        t = (np.arange(n) + 0.5) / n
        z = float(min(graph.node_xyz[u, 2], graph.node_xyz[v, 2])) + CUT_M
        pts = np.column_stack([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), np.full(n, z)])
        lo, hi = pts.min(0), pts.max(0)
        hit = np.zeros(n, bool)
        for w in walls:
            if np.any(w.hi < lo) or np.any(w.lo > hi):
                continue
            hit |= inside(w, pts)
        metres = float(hit.sum()) * length / n
        if metres > TOLERANCE_M:
            out.append((u, v, metres))
    return out
