"""Water on floors: volumes per space, spreading through doors and down through slabs.

Pure functions over frozen data. :func:`build_floors` takes the model and its navigation graph
and gives :class:`Floors` — each space's floor area, the door (or open boundary) pairs water can
cross with their widths, and the spaces below each space. :func:`step` advances the volumes one
time step: inflows, then exchange over thresholds as broad-crested weir flow, then slab leaks to
the space below, then pumps. Every transfer moves a volume from one space to another, so the
total is conserved up to what flows in and what pumps remove (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from twin.engine import physics
from twin.model import BuildingModel
from twin.navgraph import EdgeKind, NavGraph, NodeKind


@dataclass(frozen=True, slots=True, eq=False)
class Floors:
    area_m2: np.ndarray
    """Floor area of each space (m²), ``model.spaces`` order; at least 1 m²."""
    pair_a: np.ndarray
    pair_b: np.ndarray
    """Spaces joined by a door or an open boundary (each pair once)."""
    pair_width_m: np.ndarray
    below_from: np.ndarray
    below_to: np.ndarray
    below_share: np.ndarray
    """Slab leaks: space ``below_from`` leaks ``below_share`` of its leak into ``below_to``
    (shares of one space sum to 1 over the spaces under it)."""

    @property
    def n(self) -> int:
        return int(self.area_m2.shape[0])


def build_floors(model: BuildingModel, graph: NavGraph) -> Floors:
    """Floor areas, water paths between spaces and the spaces under each space."""
    area = np.array([max(s.area_m2, 1.0) for s in model.spaces], dtype=np.float64)
    pairs: dict[tuple[int, int], float] = {}

    walk = graph.edge_kind == EdgeKind.WALK
    u, v = graph.edge_u[walk], graph.edge_v[walk]
    # A space's own node or a waypoint inside it (node_ref = the space) stands for the space.
    in_space = np.isin(graph.node_kind, (NodeKind.SPACE, NodeKind.WAYPOINT)) & (graph.node_ref >= 0)
    # Open boundaries: a walk from one space straight into another.
    both = in_space[u] & in_space[v]
    for a, b in zip(graph.node_ref[u[both]], graph.node_ref[v[both]], strict=True):
        key = (min(int(a), int(b)), max(int(a), int(b)))
        if key[0] != key[1]:
            pairs[key] = max(pairs.get(key, 0.0), physics.OPEN_BOUNDARY_WIDTH_M)
    # Doors: every two spaces a door node touches.
    door_space: dict[int, set[int]] = {}
    for x, y in ((u, v), (v, u)):
        sel = (graph.node_kind[x] == NodeKind.DOOR) & in_space[y]
        for d, s in zip(graph.node_ref[x[sel]], graph.node_ref[y[sel]], strict=True):
            door_space.setdefault(int(d), set()).add(int(s))
    for d, spaces in door_space.items():
        width = model.doors[d].width_m if 0 <= d < len(model.doors) else 0.9
        ordered = sorted(spaces)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                pairs[(a, b)] = max(pairs.get((a, b), 0.0), width)
    keys = sorted(pairs)
    pair_a = np.array([k[0] for k in keys], dtype=np.int64)
    pair_b = np.array([k[1] for k in keys], dtype=np.int64)
    width_m = np.array([pairs[k] for k in keys], dtype=np.float64)

    below_from, below_to, share = _spaces_below(model)
    return Floors(area, pair_a, pair_b, width_m, below_from, below_to, share)


def _spaces_below(model: BuildingModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    by_storey: dict[int, list[int]] = {}
    for i, s in enumerate(model.spaces):
        by_storey.setdefault(s.storey, []).append(i)
    frm: list[int] = []
    to: list[int] = []
    share: list[float] = []
    for storey, above in by_storey.items():
        lower = by_storey.get(storey - 1)
        if not lower:
            continue
        polys = [model.spaces[i].footprint for i in lower]
        tree = shapely.STRtree(polys)
        for i in above:
            fp = model.spaces[i].footprint
            hits = tree.query(fp, predicate="intersects")
            overlaps = [(lower[int(h)], shapely.intersection(fp, polys[int(h)]).area) for h in hits]
            overlaps = [(j, a) for j, a in overlaps if a > 0.01]
            total = sum(a for _, a in overlaps)
            for j, a in overlaps:
                frm.append(i)
                to.append(j)
                share.append(a / total)
    return np.asarray(frm, np.int64), np.asarray(to, np.int64), np.asarray(share, np.float64)


@dataclass(frozen=True, slots=True)
class StepResult:
    volume_m3: np.ndarray
    pumped_m3: float
    """Removed by pumps this step."""
    exchanged_m3: float
    """Moved between spaces this step (through doors and slabs)."""


def step(
    floors: Floors,
    volume_m3: np.ndarray,
    inflow_m3_s: np.ndarray,
    pump_m3_s: np.ndarray,
    dt_s: float,
) -> StepResult:
    """Advance water volumes by ``dt_s``.

    Parameters
    ----------
    floors
        Areas and connections.
    volume_m3
        Water standing in each space now.
    inflow_m3_s
        Water arriving in each space (a burst, storm runoff).
    pump_m3_s
        Pumping capacity working in each space (sump pumps, portable pumps).
    """
    vol = volume_m3 + inflow_m3_s * dt_s
    area = floors.area_m2
    n = floors.n
    exchanged = 0.0

    # Over thresholds: weir flow from the deeper to the shallower side, at most what would level
    # the two (so the explicit step never overshoots), and at most what stands above the
    # threshold on the giving side (scaled down when several doors drain one space). Only a
    # space deeper than the threshold gives water, so only the doors of those spaces are worked
    # on: in a drill, a handful of the building's thousand or more.
    depth = vol / area
    deep = depth > physics.SPREAD_DEPTH_M
    if floors.pair_a.size and deep.any():
        live = (deep[floors.pair_a] | deep[floors.pair_b]).nonzero()[0]
        a, b = floors.pair_a[live], floors.pair_b[live]
        first = depth[a] >= depth[b]
        high, low = np.where(first, a, b), np.where(first, b, a)
        dh = depth[high]
        head = dh - physics.SPREAD_DEPTH_M
        q = physics.WEIR_COEFFICIENT * floors.pair_width_m[live] * head**1.5 * dt_s
        ah, al = area[high], area[low]
        level = (dh - np.maximum(depth[low], physics.SPREAD_DEPTH_M)) * ah * al / (ah + al)
        q = np.minimum(q, np.maximum(level, 0.0))
        out = np.bincount(high, weights=q, minlength=n)[high]
        spare = np.maximum(vol[high] - physics.SPREAD_DEPTH_M * area[high], 0.0)
        q = q * np.where(out > spare, spare / np.where(out > 0, out, 1.0), 1.0)
        vol = vol - np.bincount(high, weights=q, minlength=n) + np.bincount(low, weights=q, minlength=n)
        exchanged += float(q.sum())

    # Through slabs to the space below: k·A·(h − threshold)·dt. Water below the threshold stays
    # in the floor finish (it soaks in and is mopped up); above it, it finds the slab's
    # penetrations.
    if floors.below_from.size:
        above = np.maximum(vol - physics.SPREAD_DEPTH_M * area, 0.0)
        leaking = (above[floors.below_from] > 0).nonzero()[0]
        if leaking.size:
            src, share = floors.below_from[leaking], floors.below_share[leaking]
            q = physics.SLAB_LEAK_PER_S * above[src] * dt_s * share
            if q.any():
                vol = vol - np.bincount(src, weights=q, minlength=n) + np.bincount(
                    floors.below_to[leaking], weights=q, minlength=n
                )
                exchanged += _total(q, leaking, floors.below_from.size)

    pumped = np.minimum(pump_m3_s * dt_s, vol)
    vol = np.maximum(vol - pumped, 0.0)
    return StepResult(vol, float(pumped.sum()), exchanged)


def _total(values: np.ndarray, at: np.ndarray, size: int) -> float:
    """``values`` summed as numpy sums them when they stand at ``at`` in ``size`` zeros, so the
    total rounds the same as a sum over every slab (pairwise summation groups by position)."""
    full = np.zeros(size)
    full[at] = values
    return float(full.sum())
