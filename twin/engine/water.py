"""Water on floors: volumes per space, spreading through doors and down through slabs.

Pure functions over frozen data. :func:`build_floors` takes the model and its navigation graph
and gives :class:`Floors` — each space's floor area, the door (or open boundary) pairs water can
cross with their widths, and the spaces below each space. :func:`step` advances the volumes one
time step: inflows and pumps, then one implicit (backward-Euler) step of the exchange over door
thresholds (weir flow) and through slabs to the space below. Every transfer moves a volume from
one space to another, so the total is conserved up to what flows in and what pumps remove (a
test checks it).

A step is one compiled call (:mod:`twin.engine.water_kernel`) when up to :data:`DENSE_MAX`
spaces are in play; the numpy functions here are the reference it is tested against, and
solve the wider floods (sparse).
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
import scipy.sparse
import scipy.sparse.linalg
import shapely

from twin.engine import physics, water_kernel
from twin.engine.water_kernel import TOO_MANY
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
    pairs_at: np.ndarray = field(init=False, repr=False)
    pairs_ptr: np.ndarray = field(init=False, repr=False)
    """The pairs touching each space, ascending: ``pairs_at[pairs_ptr[i]:pairs_ptr[i + 1]]``
    (so a step finds the doors of the few wet spaces without scanning every door)."""
    slabs_at: np.ndarray = field(init=False, repr=False)
    slabs_ptr: np.ndarray = field(init=False, repr=False)
    """The slab leaks out of each space, ascending, laid out the same way."""

    def __post_init__(self) -> None:
        n = self.n
        pairs_at, pairs_ptr = _by_space(np.concatenate((self.pair_a, self.pair_b)), self.pair_a.size, n)
        slabs_at, slabs_ptr = _by_space(self.below_from, self.below_from.size, n)
        object.__setattr__(self, "pairs_at", pairs_at)
        object.__setattr__(self, "pairs_ptr", pairs_ptr)
        object.__setattr__(self, "slabs_at", slabs_at)
        object.__setattr__(self, "slabs_ptr", slabs_ptr)

    @property
    def n(self) -> int:
        return int(self.area_m2.shape[0])


def _by_space(space: np.ndarray, count: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``k % count`` grouped by ``space[k]``, ascending within each space, and the
    offsets of each space's group (compressed rows)."""
    order = np.lexsort((np.arange(space.size) % max(count, 1), space))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(space, minlength=n), out=ptr[1:])
    return (order % max(count, 1)).astype(np.int64), ptr


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


_NONE = np.zeros(0, dtype=np.int64)
_NONE.setflags(write=False)


@dataclass(frozen=True, slots=True)
class StepResult:
    volume_m3: np.ndarray
    pumped_m3: float
    """Removed by pumps this step."""
    exchanged_m3: float
    """Moved between spaces this step (through doors and slabs)."""
    door_pair: np.ndarray
    door_m3: np.ndarray
    """What crossed each door that carried water this step (index into the floors' pairs), in
    m³ from ``pair_a`` to ``pair_b`` (negative: the other way)."""


#: numpy's LAPACK solver of one right-hand side (the gufunc behind ``np.linalg.solve``).
_SOLVE1 = importlib.import_module("numpy.linalg._umath_linalg").solve1

#: Up to this many spaces in play, a step is the compiled kernel's elimination (a step of 17
#: spaces in play ~20 µs, of 150 ~0.2 ms, of 300 ~2 ms on the default estate); beyond it,
#: :func:`step_numpy` solves it sparse (scipy's SuperLU: ~4 ms at 300, ~20 ms for all 1,362
#: spaces, where the kernel's k×k working matrix would take ~75 ms).
DENSE_MAX = 300


def kernel_constants() -> np.ndarray:
    """The physics constants :func:`twin.engine.water_kernel.step_into` takes, read now (a test
    may have changed one): spread depth, weir C, slab k, level-difference floor, Picard passes
    and tolerance."""
    return np.array(
        (
            physics.SPREAD_DEPTH_M,
            physics.WEIR_COEFFICIENT,
            physics.SLAB_LEAK_PER_S,
            physics.LEVEL_DIFFERENCE_FLOOR_M,
            physics.WATER_PICARD_PASSES,
            physics.WATER_PICARD_RTOL,
        )
    )


#: The arrays of a :class:`Floors` as the compiled step takes them (:func:`kernel_floors`).
KernelFloors = tuple[
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
]


def kernel_floors(floors: Floors) -> KernelFloors:
    """The arrays of ``floors`` as :func:`twin.engine.water_kernel.step_into` takes them (one
    tuple, in this order)."""
    f = floors
    return (
        f.area_m2,
        f.pair_a,
        f.pair_b,
        f.pair_width_m,
        f.pairs_at,
        f.pairs_ptr,
        f.below_from,
        f.below_to,
        f.below_share,
        f.slabs_at,
        f.slabs_ptr,
    )


def step(
    floors: Floors,
    volume_m3: np.ndarray,
    inflow_m3_s: np.ndarray,
    pump_m3_s: np.ndarray,
    dt_s: float,
    *,
    layouts: dict[bytes, Any] | None = None,
) -> StepResult:
    """Advance water volumes by ``dt_s``: inflow and pumps, then spreading (implicit).

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
    dt_s
        The step (s); the spreading is stable, monotone and conservative at any step.
    layouts
        The caller's cache of spreading layouts (by the set of spaces giving water), kept
        between steps of one run, for steps solved sparse; none: worked out afresh.

    Up to :data:`DENSE_MAX` spaces in play, the step is one compiled call
    (:func:`twin.engine.water_kernel.step_into`); beyond, :func:`step_numpy` solves it sparse.
    """
    vol = volume_m3.copy()
    pumped, exchanged, live, q_door, m = water_kernel.step_into(
        kernel_floors(floors), vol, inflow_m3_s * dt_s, pump_m3_s, float(dt_s), kernel_constants(), DENSE_MAX
    )
    if m != TOO_MANY:
        return StepResult(vol, pumped, exchanged, live, q_door)
    return step_numpy(floors, volume_m3, inflow_m3_s, pump_m3_s, dt_s, layouts=layouts)


def step_numpy(
    floors: Floors,
    volume_m3: np.ndarray,
    inflow_m3_s: np.ndarray,
    pump_m3_s: np.ndarray,
    dt_s: float,
    *,
    layouts: dict[bytes, Any] | None = None,
) -> StepResult:
    """:func:`step` in numpy: the reference the compiled step is tested against, and the step
    taken when more than :data:`DENSE_MAX` spaces are in play (solved sparse)."""
    # Pumps draw first, so the levels the step ends with have spread after the drawing (a pit
    # pumped after spreading would end the step a pump-step lower than its neighbours allow);
    # what a pump could still take after that it takes from what flowed in to it.
    vol = volume_m3 + inflow_m3_s * dt_s
    capacity = pump_m3_s * dt_s
    pumped = np.minimum(capacity, vol)
    vol = np.maximum(vol - pumped, 0.0)
    exchanged = 0.0
    doors: tuple[np.ndarray, np.ndarray] = (_NONE, _NONE)
    over = vol - physics.SPREAD_DEPTH_M * floors.area_m2
    giving = over > 0.0
    if giving.any() and (floors.pair_a.size or floors.below_from.size):
        vol, exchanged, doors = _spread(floors, vol, over, giving, dt_s, {} if layouts is None else layouts)
    more = np.minimum(capacity - pumped, vol)
    vol = np.maximum(vol - more, 0.0)
    return StepResult(vol, float(pumped.sum() + more.sum()), exchanged, *doors)


def _spread(
    floors: Floors,
    vol: np.ndarray,
    over: np.ndarray,
    giving: np.ndarray,
    dt: float,
    layouts: dict[bytes, Any],
) -> tuple[np.ndarray, float, tuple[np.ndarray, np.ndarray]]:
    """One backward-Euler step of the water above the thresholds; gives (volumes, m³ moved,
    (doors that carried water, m³ through each)).

    Let x be the head (m) above the 1 cm threshold at the end of the step, 0 in a space whose
    water is under it. A door passes ``K·(x_a − x_b)``, K from :func:`door_conductance_m2_s`
    taken at the levels the step starts from, then re-taken at the levels the last solve ends
    with, up to :data:`~twin.engine.physics.WATER_PICARD_PASSES` solves in all (Picard passes; the
    coefficient is fixed within each solve, the textbook linearisation). A slab
    passes ``k·A·x`` down. Each space's balance ``A·x + dt·(outflows − inflows) = V − A·s`` is a
    linear system whose matrix is an M-matrix (positive diagonal, non-positive off-diagonal,
    diagonally dominant by columns), so its solution is non-negative and the step is stable
    and monotone at any ``dt``; water crosses each door from the space that ends the step higher
    to the one that ends it lower, so levels never overshoot. A space under the threshold only
    takes water; when what it takes lifts it over the threshold it joins the system and the
    solve repeats (an active set, two or three rounds at most in practice). Volumes move as
    paired transfers, so the total is conserved to rounding.
    """
    lay = _layout(floors, giving, layouts)
    b_loc = over[lay.nodes]
    depth_a, depth_b = vol[lay.ga] * lay.inv_a, vol[lay.gb] * lay.inv_b
    # The doors' coefficients at the levels the step starts from; then, while they move by more
    # than WATER_PICARD_RTOL, again at the end-of-step levels the last solve gives.
    k_door = door_conductance_m2_s(lay.cw, depth_a, depth_b)
    x = _heads(lay, k_door, b_loc, dt)
    s = physics.SPREAD_DEPTH_M
    for _ in range(physics.WATER_PICARD_PASSES - 1):
        k_next = door_conductance_m2_s(lay.cw, s + x[lay.la], s + x[lay.lb])
        # np.allclose(k_next, k_door, rtol=RTOL, atol=0) without its ~20 µs of generality
        # (the coefficients are finite and non-negative).
        if (np.abs(k_next - k_door) <= physics.WATER_PICARD_RTOL * k_door).all():
            break  # the doors flow as the last pass assumed: that pass stands
        k_door = k_next
        x = _heads(lay, k_door, b_loc, dt)

    q_door = dt * k_door * (x[lay.la] - x[lay.lb])  # from a to b
    q_slab = dt * lay.k_slab * x[lay.lf]
    out = vol + np.bincount(lay.to_all, np.concatenate((-q_door, q_door, -q_slab, q_slab)), floors.n)
    return out, float(np.abs(q_door).sum() + q_slab.sum()), (lay.live, q_door)


def _heads(lay: _Layout, k_door: np.ndarray, b_loc: np.ndarray, dt: float) -> np.ndarray:
    """Heads over the thresholds at the end of the step (local order), by the active set."""
    m = lay.nodes.size
    a_loc = lay.a_loc
    active = b_loc > 0.0
    dense = m <= DENSE_MAX
    mat: np.ndarray = np.zeros((0, 0))
    if dense:
        diag, vals, mat = _assemble(lay.lab, lay.flat, k_door, lay.k_slab, a_loc, lay.slab_out, dt)
    else:
        diag = a_loc + dt * (np.bincount(lay.lab, np.concatenate((k_door, k_door)), m) + lay.slab_out)
        vals = -dt * np.concatenate((k_door, k_door, lay.k_slab))
    x = np.zeros(m)
    for _ in range(m + 1):
        idx = active.nonzero()[0]
        x = np.zeros(m)
        if idx.size == m and dense:
            x = _solve_dense(mat, b_loc)  # every space in play is over the threshold
        elif idx.size:
            x[idx] = (
                _solve_dense(mat[idx][:, idx], b_loc[idx])
                if dense
                else _solve_sparse(diag, lay.rows, lay.cols, vals, idx, b_loc, m)
            )
        # What each space holds above its threshold after the transfers x implies.
        moved = (mat @ x if dense else _apply(diag, lay.rows, lay.cols, vals, x, m)) - a_loc * x
        now = b_loc - moved > lay.tiny
        if (now == active).all():
            break
        active = now
    return np.maximum(x, 0.0)


@numba.njit(cache=True, nogil=True)
def _assemble(
    lab: np.ndarray,
    flat: np.ndarray,
    k_door: np.ndarray,
    k_slab: np.ndarray,
    a_loc: np.ndarray,
    slab_out: np.ndarray,
    dt: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The step's matrix, dense: its diagonal ``A + dt·(Σ K_door + k_slab out)``, the off-diagonal
    values ``−dt·(K, K, k_slab)`` and the (m, m) matrix. Sums run in the order numpy's
    ``bincount`` runs them, so the matrix is the one the numpy assembly gives, bit for bit."""
    m = a_loc.size
    nd = k_door.size
    links = np.zeros(m)
    for i in range(2 * nd):
        links[lab[i]] += k_door[i % nd]
    diag = a_loc + dt * (links + slab_out)
    vals = np.empty(2 * nd + k_slab.size)
    for i in range(2 * nd):
        vals[i] = -dt * k_door[i % nd]
    for i in range(k_slab.size):
        vals[2 * nd + i] = -dt * k_slab[i]
    mat = np.zeros(m * m)
    for i in range(vals.size):
        mat[flat[i]] += vals[i]
    for i in range(m):
        mat[i * (m + 1)] += diag[i]
    return diag, vals, mat.reshape(m, m)


def _solve_dense(mat: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.linalg.solve(mat, b)`` through the same LAPACK gufunc (so the same bits), without
    its ~15 µs of argument checks and error-state handling: the matrix is an M-matrix, never
    singular; were it ever, numpy's own solve raises."""
    x: np.ndarray = _SOLVE1(mat, b, signature="dd->d")
    if x.size and math.isnan(x[0]):  # LAPACK failed: the gufunc fills the whole answer with NaN
        return np.asarray(np.linalg.solve(mat, b))
    return x


def door_conductance_m2_s(cw: np.ndarray, depth_a: np.ndarray, depth_b: np.ndarray) -> np.ndarray:
    """K (m²/s) such that ``K·(h_a − h_b)`` is the flow over a door's threshold: see
    :func:`door_conductance_numpy`, of which this is the compiled kernel (the same operations in
    the same order, so the same bits: a test checks)."""
    out: np.ndarray = water_kernel.door_conductance(
        cw, depth_a, depth_b, physics.SPREAD_DEPTH_M, physics.LEVEL_DIFFERENCE_FLOOR_M
    )
    return out


def door_conductance_numpy(cw: np.ndarray, depth_a: np.ndarray, depth_b: np.ndarray) -> np.ndarray:
    """K (m²/s) such that ``K·(h_a − h_b)`` is the flow over a door's threshold.

    The flow is the broad-crested weir ``C·b·H₁^1.5`` (H₁ the head over the threshold on the
    higher side; ``cw`` = C·b) reduced for a submerged downstream head H₂ by Villemonte's
    ``(1 − (H₂/H₁)^1.5)^0.385`` (Villemonte 1947, the standard submerged-weir correction), divided
    by the level difference — at least :data:`~twin.engine.physics.LEVEL_DIFFERENCE_FLOOR_M`, as
    the submerged law's slope is unbounded when the levels meet.
    """
    s = physics.SPREAD_DEPTH_M
    up = np.maximum(np.maximum(depth_a, depth_b) - s, 0.0)
    down = np.maximum(np.minimum(depth_a, depth_b) - s, 0.0)
    # down ≤ up, so where up is 0 so is down and the ratio is 0/1 = 0.
    ratio = down / np.where(up > 0.0, up, 1.0)
    flow = cw * up**1.5 * (1.0 - ratio**1.5) ** 0.385
    out: np.ndarray = flow / np.maximum(up - down, physics.LEVEL_DIFFERENCE_FLOOR_M)
    return out


@dataclass(frozen=True, slots=True, eq=False)
class _Layout:
    """Which doors and slabs carry water while a given set of spaces stands above the threshold,
    in local indices of the spaces in play: fixed while the same spaces give water, so worked
    out once for a run of steps (cached by the caller of :func:`step`)."""

    live: np.ndarray
    """Doors (pair indices) touching a giving space."""
    ga: np.ndarray
    gb: np.ndarray
    inv_a: np.ndarray
    inv_b: np.ndarray
    cw: np.ndarray
    """C·b of each live door."""
    k_slab: np.ndarray
    """k·A·share of each leaking slab (m²/s)."""
    nodes: np.ndarray
    """The spaces in play (sorted); local index = position here."""
    la: np.ndarray
    lb: np.ndarray
    lf: np.ndarray
    lab: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    flat: np.ndarray
    """``rows·m + cols``: where each off-diagonal term goes in the dense matrix."""
    a_loc: np.ndarray
    tiny: np.ndarray
    """``1e-12·a_loc``: a space holding less than this over its threshold takes no part."""
    slab_out: np.ndarray
    to_all: np.ndarray
    """Global space of each transfer term: doors out, doors in, slabs out, slabs in."""


#: Layouts kept per run (a drill's water goes through a few dozen wet sets at most).
_LAYOUTS_KEPT = 256


def _layout(floors: Floors, giving: np.ndarray, cache: dict[bytes, Any]) -> _Layout:
    key = giving.nonzero()[0].tobytes()
    found: _Layout | None = cache.get(key)
    if found is not None:
        return found
    area = floors.area_m2
    live = (giving[floors.pair_a] | giving[floors.pair_b]).nonzero()[0]
    ga, gb = floors.pair_a[live], floors.pair_b[live]
    leak = giving[floors.below_from].nonzero()[0]
    gf, gt = floors.below_from[leak], floors.below_to[leak]
    k_slab = physics.SLAB_LEAK_PER_S * area[gf] * floors.below_share[leak]  # m²/s
    nodes = np.unique(np.concatenate((giving.nonzero()[0], ga, gb, gt)))
    m = nodes.size
    la, lb = np.searchsorted(nodes, ga), np.searchsorted(nodes, gb)
    lf, lt = np.searchsorted(nodes, gf), np.searchsorted(nodes, gt)
    rows = np.concatenate((la, lb, lt))
    cols = np.concatenate((lb, la, lf))
    if len(cache) >= _LAYOUTS_KEPT:
        cache.clear()
    lay = cache[key] = _Layout(
        live=live,
        ga=ga,
        gb=gb,
        inv_a=1.0 / area[ga],
        inv_b=1.0 / area[gb],
        cw=physics.WEIR_COEFFICIENT * floors.pair_width_m[live],
        k_slab=k_slab,
        nodes=nodes,
        la=la,
        lb=lb,
        lf=lf,
        lab=np.concatenate((la, lb)),
        rows=rows,
        cols=cols,
        flat=rows * m + cols,
        a_loc=area[nodes],
        tiny=1e-12 * area[nodes],
        slab_out=np.bincount(lf, k_slab, m),
        to_all=np.concatenate((ga, gb, gf, gt)),
    )
    return lay


def _apply(
    diag: np.ndarray, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, x: np.ndarray, m: int
) -> np.ndarray:
    """``(D + O)·x`` for the diagonal ``diag`` and the off-diagonal entries ``vals`` at (rows, cols)."""
    return np.asarray(diag * x + np.bincount(rows, vals * x[cols], m))


def _solve_sparse(
    diag: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    vals: np.ndarray,
    idx: np.ndarray,
    b: np.ndarray,
    m: int,
) -> np.ndarray:
    """Solve the rows and columns ``idx`` of the system (the others' heads are 0), sparse."""
    k = idx.size
    pos = np.full(m, -1)
    pos[idx] = np.arange(k)
    r, c = pos[rows], pos[cols]
    keep = (r >= 0) & (c >= 0)
    mat = scipy.sparse.coo_matrix(
        (
            np.concatenate((diag[idx], vals[keep])),
            (np.concatenate((np.arange(k), r[keep])), np.concatenate((np.arange(k), c[keep]))),
        ),
        shape=(k, k),
    ).tocsc()
    return np.asarray(scipy.sparse.linalg.spsolve(mat, b[idx]))


def warm_up() -> None:
    """Load the compiled water kernels now (two rooms, one step of each kernel a run uses): the
    first call after an install compiles them (~10 s; numba caches them beside the package),
    later ones load them (~0.3 s). The command line calls it under a progress message so the
    drill's bar does not stall at the first water step."""
    f = Floors(
        np.array([10.0, 10.0]),
        np.array([0], dtype=np.int64),
        np.array([1], dtype=np.int64),
        np.array([0.9]),
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        np.zeros(0),
    )
    vol, added, pump = np.array([1.0, 0.0]), np.zeros(2), np.zeros(2)
    rose_at, max_depth = np.zeros(2), np.zeros(2)
    water_kernel.advance(
        kernel_floors(f),
        vol,
        added,
        pump,
        1.0,
        kernel_constants(),
        DENSE_MAX,
        rose_at,
        max_depth,
        0.0,
        0.002,
    )
    water_kernel.after_step(vol, vol, f.area_m2, rose_at, max_depth, 0.0, 0.002)
    water_kernel.depth_changes(vol, f.area_m2, np.zeros(2), 0.002, 0.005)
