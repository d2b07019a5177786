"""One storey's plan as plain geometry: what every 2D picture of the twin draws.

Takes a :class:`~twin.twin.Twin` and a storey index, gives a frozen :class:`StoreyPlan` — space
outlines with their reachability, lift and stair footprints, the navigation-graph segments by
edge kind and the nodes by node kind, all in world metres (x, y). :func:`twin.present.render.render_plan`
(matplotlib) and :mod:`twin.present.figures` (plotly, for the app) both draw from it, so the two never
disagree about what is on a storey; :func:`room_labels` picks the room names that fit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from shapely.geometry import MultiPolygon, Polygon

from twin.model import BuildingModel
from twin.navgraph import EdgeKind, NodeKind
from twin.twin import Twin

#: Edges drawn when they only touch the storey (their other end is on another one): a flight
#: or a lift ride seen from above is a short stroke at the landing.
VERTICAL_EDGES = (EdgeKind.STAIR, EdgeKind.RAMP, EdgeKind.LIFT_RIDE)


@dataclass(frozen=True, slots=True)
class StoreyPlan:
    storey: int
    name: str
    elevation_m: float
    spaces: np.ndarray
    """Indices into ``model.spaces`` of the spaces on this storey."""
    outlines: tuple[np.ndarray, ...]
    """Closed exterior ring (k, 2) of each space in ``spaces``, in metres."""
    reachable: np.ndarray
    """Bool per space in ``spaces``."""
    lifts: np.ndarray
    """Indices into ``model.lifts`` of the lifts that stop here."""
    lift_outlines: tuple[np.ndarray, ...]
    stairs: np.ndarray
    """Indices into ``model.stairs`` of the stairs and ramps that serve this storey."""
    stair_outlines: tuple[np.ndarray, ...]
    walkable_outlines: tuple[np.ndarray, ...]
    """Rings of the walkable area, on a storey with no spaces (the grid fallback)."""
    edges: Mapping[EdgeKind, np.ndarray]
    """(m, 2, 2) segments per edge kind (only kinds present on the storey)."""
    nodes: Mapping[NodeKind, np.ndarray]
    """Node ids per node kind on this storey (only kinds present)."""
    entrances: np.ndarray
    """Node ids of the entrances on this storey."""

    @property
    def reachable_count(self) -> int:
        return int(np.count_nonzero(self.reachable))


def storey_plan(twin: Twin, storey: int) -> StoreyPlan:
    """The geometry of storey ``storey`` (an index into ``twin.model.storeys``)."""
    model, graph, audit = twin.model, twin.graph, twin.audit
    spaces = np.array([i for i, sp in enumerate(model.spaces) if sp.storey == storey], dtype=int)
    lifts = np.array([i for i, lf in enumerate(model.lifts) if storey in lf.storeys], dtype=int)
    stairs = np.array([i for i, s in enumerate(model.stairs) if storey in s.storeys], dtype=int)

    on = graph.node_storey == storey
    both = on[graph.edge_u] & on[graph.edge_v]
    touching = on[graph.edge_u] | on[graph.edge_v]
    edges: dict[EdgeKind, np.ndarray] = {}
    for kind in EdgeKind:
        sel = (touching if kind in VERTICAL_EDGES else both) & (graph.edge_kind == kind)
        if sel.any():
            edges[kind] = np.stack(
                [graph.node_xyz[graph.edge_u[sel], :2], graph.node_xyz[graph.edge_v[sel], :2]], axis=1
            )
    nodes = {kind: ids for kind in NodeKind if (ids := np.flatnonzero(on & (graph.node_kind == kind))).size}

    st = model.storeys[storey]
    return StoreyPlan(
        storey=storey,
        name=st.name,
        elevation_m=st.elevation_m,
        spaces=spaces,
        outlines=tuple(_ring(model.spaces[i].footprint) for i in spaces),
        reachable=audit.reachable[spaces] if spaces.size else np.zeros(0, bool),
        lifts=lifts,
        lift_outlines=tuple(_ring(model.lifts[i].footprint) for i in lifts),
        stairs=stairs,
        stair_outlines=tuple(_ring(model.stairs[i].footprint) for i in stairs),
        walkable_outlines=tuple(
            _ring(part) for w in model.walkable if w.storey == storey for part in _parts(w.area)
        ),
        edges=edges,
        nodes=nodes,
        entrances=graph.entrances[graph.node_storey[graph.entrances] == storey],
    )


def _ring(polygon: Polygon) -> np.ndarray:
    if polygon.is_empty:
        return np.zeros((0, 2))
    return np.asarray(polygon.exterior.coords)[:, :2]


def _parts(area: Polygon | MultiPolygon) -> list[Polygon]:
    return list(area.geoms) if isinstance(area, MultiPolygon) else [area]


@dataclass(frozen=True, slots=True)
class PlanPart:
    """A separate part of a storey (a tower, a wing, a detached entrance) and where it lies."""

    label: str
    spaces: int
    bounds: tuple[float, float, float, float]
    """(x min, y min, x max, y max) in metres."""


#: Spaces further apart than this (m) belong to different parts of a storey.
PART_GAP_M = 6.0


def plan_parts(twin: Twin, storey: int, *, gap_m: float = PART_GAP_M) -> tuple[PlanPart, ...]:
    """The separate parts of a storey's spaces, west to east, named by what their spaces' names
    share (``"A-GF"`` for ``A-GF-COR``, ``A-GF-ENG``…) or by the largest space; one part for a
    storey that is all in one piece. A plan of a wide estate is readable part by part."""
    from shapely import STRtree

    model = twin.model
    idx = [i for i, sp in enumerate(model.spaces) if sp.storey == storey and not sp.footprint.is_empty]
    if not idx:
        return ()
    shapes = [model.spaces[i].footprint for i in idx]
    tree = STRtree(shapes)
    # Union-find over spaces closer than gap_m.
    parent = list(range(len(idx)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    a, b = tree.query(shapes, predicate="dwithin", distance=gap_m)
    for u, v in zip(a.tolist(), b.tolist(), strict=True):
        ru, rv = root(u), root(v)
        if ru != rv:
            parent[ru] = rv
    groups: dict[int, list[int]] = {}
    for k in range(len(idx)):
        groups.setdefault(root(k), []).append(k)

    parts = []
    for members in groups.values():
        xs0, ys0, xs1, ys1 = zip(*(shapes[k].bounds for k in members), strict=True)
        spaces = [model.spaces[idx[k]] for k in members]
        prefix = _common_prefix([sp.name for sp in spaces]).rstrip(" -_.")
        if len(members) == 1 or len(prefix) < 1:
            largest = max(spaces, key=lambda sp: sp.area_m2)
            label = largest.long_name or largest.name
        else:
            label = prefix
        parts.append(PlanPart(label, len(members), (min(xs0), min(ys0), max(xs1), max(ys1))))
    return tuple(sorted(parts, key=lambda p: (p.bounds[0], p.bounds[1])))


def _common_prefix(names: list[str]) -> str:
    first, last = min(names), max(names)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def room_labels(
    model: BuildingModel,
    spaces: Iterable[int],
    view: tuple[float, float, float, float],
    *,
    px_per_m: float,
    px_per_char: float,
    min_height_px: float,
    limit: int,
) -> list[tuple[int, str]]:
    """``(space index, text)`` for the rooms in ``view`` (x0, y0, x1, y1 in metres) whose name
    fits them on screen, largest room first, at most ``limit``: the long name when it fits, else
    the short one, else none (hover still names the room)."""
    x0, y0, x1, y1 = view
    out: list[tuple[int, str]] = []
    for i in sorted((int(k) for k in spaces), key=lambda k: -model.spaces[k].area_m2):
        sp = model.spaces[i]
        bx0, by0, bx1, by1 = sp.footprint.bounds
        if bx1 < x0 or bx0 > x1 or by1 < y0 or by0 > y1 or (by1 - by0) * px_per_m < min_height_px:
            continue
        room_px = (bx1 - bx0) * px_per_m
        text = next((t for t in (sp.long_name, sp.name) if t and len(t) * px_per_char <= room_px), None)
        if text:
            out.append((i, text))
            if len(out) >= limit:
                break
    return out


def rings_xy(
    rings: Iterable[np.ndarray], *, decimals: int | None = None
) -> tuple[list[float | None], list[float | None]]:
    """Plan rings (``(n, 2+)`` arrays; fewer than 3 points are skipped) as one pair of x and y
    lists with ``None`` between rings — how plotly draws many outlines in one trace; rounded to
    ``decimals`` where a page carries many frames."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for r in rings:
        if len(r) >= 3:
            x, y = (
                (r[:, 0], r[:, 1])
                if decimals is None
                else (np.round(r[:, 0], decimals), np.round(r[:, 1], decimals))
            )
            xs += [*x.tolist(), None]
            ys += [*y.tolist(), None]
    return xs, ys
