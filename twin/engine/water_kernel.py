"""The water step compiled: :func:`twin.engine.water.step`'s arithmetic in one numba function.

A drill steps its water thousands of times, each over a handful of spaces; in numpy each step
was some sixty small array calls (~200 µs of interpreter and dispatch for a few µs of
arithmetic). Here one compiled call does the whole step: pumps, the spaces in play and their
doors and slabs, the Picard passes of the backward-Euler solve with its active set, the
transfers. The numpy functions in :mod:`twin.engine.water` stay the reference it is tested
against (``tests/engine/test_water.py``: the same volumes to 1e-12 on random floors) and serve
steps with more than :data:`~twin.engine.water.DENSE_MAX` spaces in play (solved sparse).

The linear solve is Gaussian elimination without pivoting. The step's matrix is diagonally
dominant by columns (each column's diagonal is the space's area plus ``dt`` times the very
conductances its off-diagonal entries hold), a property each elimination step keeps, so
partial pivoting would never swap a row: this is the elimination LAPACK's ``dgesv`` would do on
the matrix with its rows and columns reordered the same way (which keeps it diagonally dominant
by columns), with the same stability, without its call overhead. Two things keep it near the cost of the
doors rather than of m²: the matrix is held by rows (a space's few doors and slabs), and the
pivots go in order of how many neighbours a space has, rooms before the corridor they open on,
so eliminating a room fills nothing (a hub eliminated first would fill the whole matrix).

A run's step (:func:`advance`) reads every space once, to find those holding, receiving or
losing water; everything else works on those and on the spaces the water reaches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

if TYPE_CHECKING:
    from twin.engine.water import KernelFloors

#: Returned as ``m`` when more spaces are in play than the dense solve takes: the caller solves
#: the step sparse instead.
TOO_MANY = -1


@numba.njit(cache=True, nogil=True, error_model="numpy")
def step_into(  # pragma: no cover - compiled; tested against the numpy reference
    net: KernelFloors,
    vol: np.ndarray,
    added_m3: np.ndarray,
    pump_m3_s: np.ndarray,
    dt: float,
    consts: np.ndarray,
    dense_max: int,
) -> tuple[float, float, np.ndarray, np.ndarray, int]:
    """One water step over the arrays of :class:`~twin.engine.water.Floors` (``net``, as
    :func:`~twin.engine.water.kernel_floors` gives them), in place on ``vol`` (m³ standing in
    each space; ``added_m3`` arrives this step). ``consts`` = (spread depth, weir C, slab k,
    level-difference floor, Picard passes, Picard rtol). Returns (pumped, exchanged, live doors,
    m³ through each, spaces in play); spaces in play is :data:`TOO_MANY`, and ``vol`` is left
    untouched, when more than ``dense_max`` spaces would be in play."""
    pumped, exchanged, live, q_door, m, _ = _step_touched(
        net,
        vol,
        added_m3,
        pump_m3_s,
        dt,
        consts,
        dense_max,
        _touched(vol, added_m3, pump_m3_s),
    )
    return pumped, exchanged, live, q_door, m


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _touched(vol: np.ndarray, added_m3: np.ndarray, pump_m3_s: np.ndarray) -> np.ndarray:  # pragma: no cover
    """The spaces a step can change, ascending: those holding water, receiving it or pumped. A
    step leaves every other space as it is unless water spreads into it, so everything but this
    one pass over the spaces works on these few (and on the spaces water reaches)."""
    out = np.empty(vol.size, dtype=np.int64)
    k = 0
    for i in range(vol.size):
        if vol[i] != 0.0 or added_m3[i] != 0.0 or pump_m3_s[i] != 0.0:
            out[k] = i
            k += 1
    return out[:k]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _step_touched(  # pragma: no cover - compiled
    net: KernelFloors,
    vol: np.ndarray,
    added_m3: np.ndarray,
    pump_m3_s: np.ndarray,
    dt: float,
    consts: np.ndarray,
    dense_max: int,
    touched: np.ndarray,
) -> tuple[float, float, np.ndarray, np.ndarray, int, np.ndarray]:
    """:func:`step_into` given the spaces it can change (:func:`_touched`); also gives the
    spaces in play (those the spreading may have changed)."""
    (
        area,
        pair_a,
        pair_b,
        pair_width_m,
        pairs_at,
        pairs_ptr,
        below_from,
        below_to,
        below_share,
        slabs_at,
        slabs_ptr,
    ) = net
    s, weir, slab_k, floor = consts[0], consts[1], consts[2], consts[3]
    passes, rtol = int(consts[4]), consts[5]
    t = touched.size
    # Inflow, then the pumps draw first (as step_numpy; a space with neither keeps its volume).
    w = np.empty(t)
    first = np.zeros(t)
    giving = np.empty(t, dtype=np.int64)
    g = 0
    for k in range(t):
        i = touched[k]
        w[k] = vol[i]
        if added_m3[i] != 0.0 or pump_m3_s[i] != 0.0:
            v = w[k] + added_m3[i]
            first[k] = min(pump_m3_s[i] * dt, v)
            w[k] = max(v - first[k], 0.0)
        if w[k] - s * area[i] > 0.0:
            giving[g] = i
            g += 1
    exchanged = 0.0
    live = np.zeros(0, dtype=np.int64)
    q_door = np.zeros(0)
    m = 0
    nodes = np.zeros(0, dtype=np.int64)
    spreads = g > 0 and (pair_a.size > 0 or below_from.size > 0)
    if spreads:
        live, leak = _carrying(pairs_at, pairs_ptr, slabs_at, slabs_ptr, giving[:g])
        nodes = _nodes(pair_a, pair_b, below_to, giving[:g], live, leak)
        m = nodes.size
        if m > dense_max:
            return 0.0, 0.0, live, q_door, TOO_MANY, nodes  # vol untouched
    for k in range(t):
        vol[touched[k]] = w[k]
    if spreads:
        exchanged, q_door = _spread(
            area,
            pair_a,
            pair_b,
            pair_width_m,
            below_from,
            below_to,
            below_share,
            vol,
            live,
            leak,
            nodes,
            dt,
            s,
            weir,
            slab_k,
            floor,
            passes,
            rtol,
        )
    # What a pump could still take it takes from what flowed in to it (a pumped space is touched).
    total = 0.0
    more_total = 0.0
    for k in range(t):
        i = touched[k]
        if pump_m3_s[i] != 0.0:
            more = min(pump_m3_s[i] * dt - first[k], vol[i])
            vol[i] = max(vol[i] - more, 0.0)
            total += first[k]
            more_total += more
    return total + more_total, exchanged, live, q_door, m, nodes


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _carrying(
    pairs_at: np.ndarray,
    pairs_ptr: np.ndarray,
    slabs_at: np.ndarray,
    slabs_ptr: np.ndarray,
    giving: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The doors and the slabs carrying water from ``giving`` (each ascending, as the numpy
    reference orders them)."""
    count = 0
    leaks = 0
    for i in giving:
        count += pairs_ptr[i + 1] - pairs_ptr[i]
        leaks += slabs_ptr[i + 1] - slabs_ptr[i]
    touching = np.empty(count, dtype=np.int64)
    leak = np.empty(leaks, dtype=np.int64)
    k = 0
    j = 0
    for i in giving:
        for p in range(pairs_ptr[i], pairs_ptr[i + 1]):
            touching[k] = pairs_at[p]
            k += 1
        for q in range(slabs_ptr[i], slabs_ptr[i + 1]):
            leak[j] = slabs_at[q]
            j += 1
    _sort(leak)
    return _sorted_unique(touching), leak  # a door between two giving spaces is listed by both


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _nodes(
    pair_a: np.ndarray,
    pair_b: np.ndarray,
    below_to: np.ndarray,
    giving: np.ndarray,
    live: np.ndarray,
    leak: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """The spaces in play, sorted (local index = position): the giving spaces, both sides of
    each live door, the space under each leaking slab."""
    nd, ns = live.size, leak.size
    ends = np.empty(giving.size + 2 * nd + ns, dtype=np.int64)
    for g in range(giving.size):
        ends[g] = giving[g]
    for d in range(nd):
        ends[giving.size + 2 * d] = pair_a[live[d]]
        ends[giving.size + 2 * d + 1] = pair_b[live[d]]
    for q in range(ns):
        ends[giving.size + 2 * nd + q] = below_to[leak[q]]
    return _sorted_unique(ends)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _sort(a: np.ndarray) -> None:  # pragma: no cover - compiled
    """Sort a short array in place (insertion sort: a few dozen doors or spaces; numba's
    ``np.sort``/``np.unique`` would add seconds to the first compile for nothing here)."""
    for i in range(1, a.size):
        v = a[i]
        j = i - 1
        while j >= 0 and a[j] > v:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _sorted_unique(a: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """The distinct values of a short array, ascending (sorts ``a`` in place)."""
    _sort(a)
    k = 0
    for i in range(a.size):
        if i == 0 or a[i] != a[k - 1]:
            a[k] = a[i]
            k += 1
    return a[:k]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _local(nodes: np.ndarray, space: np.ndarray, which: np.ndarray) -> np.ndarray:  # pragma: no cover
    """The position of each ``space[which]`` in the ascending ``nodes`` (all are there): bisection."""
    out = np.empty(which.size, dtype=np.int64)
    for k in range(which.size):
        lo, hi = 0, nodes.size - 1
        v = space[which[k]]
        while lo < hi:
            mid = (lo + hi) // 2
            if nodes[mid] < v:
                lo = mid + 1
            else:
                hi = mid
        out[k] = lo
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _spread(  # pragma: no cover - compiled
    area: np.ndarray,
    pair_a: np.ndarray,
    pair_b: np.ndarray,
    pair_width_m: np.ndarray,
    below_from: np.ndarray,
    below_to: np.ndarray,
    below_share: np.ndarray,
    vol: np.ndarray,
    live: np.ndarray,
    leak: np.ndarray,
    nodes: np.ndarray,
    dt: float,
    s: float,
    weir: float,
    slab_k: float,
    floor: float,
    passes: int,
    rtol: float,
) -> tuple[float, np.ndarray]:
    """The spreading of :func:`twin.engine.water._spread`, in place on ``vol``, through the
    doors ``live`` and slabs ``leak`` among the spaces ``nodes``; gives (m³ moved, m³ through
    each live door)."""
    m, nd, ns = nodes.size, live.size, leak.size
    la = _local(nodes, pair_a, live)
    lb = _local(nodes, pair_b, live)
    lf = _local(nodes, below_from, leak)
    lt = _local(nodes, below_to, leak)
    cw = np.empty(nd)
    depth_a = np.empty(nd)
    depth_b = np.empty(nd)
    for d in range(nd):
        a, b = pair_a[live[d]], pair_b[live[d]]
        cw[d] = weir * pair_width_m[live[d]]
        depth_a[d] = vol[a] * (1.0 / area[a])
        depth_b[d] = vol[b] * (1.0 / area[b])
    k_slab = np.empty(ns)
    slab_out = np.zeros(m)
    for q in range(ns):
        k_slab[q] = slab_k * area[below_from[leak[q]]] * below_share[leak[q]]
        slab_out[lf[q]] += k_slab[q]
    a_loc = np.empty(m)
    b_loc = np.empty(m)
    for i in range(m):
        a_loc[i] = area[nodes[i]]
        b_loc[i] = vol[nodes[i]] - s * area[nodes[i]]

    k_door = door_conductance(cw, depth_a, depth_b, s, floor)
    x = _heads(la, lb, lf, lt, k_door, k_slab, slab_out, a_loc, b_loc, dt)
    for _ in range(passes - 1):
        for d in range(nd):
            depth_a[d] = s + x[la[d]]
            depth_b[d] = s + x[lb[d]]
        k_next = door_conductance(cw, depth_a, depth_b, s, floor)
        same = True
        for d in range(nd):
            if abs(k_next[d] - k_door[d]) > rtol * k_door[d]:
                same = False
                break
        if same:
            break
        k_door = k_next
        x = _heads(la, lb, lf, lt, k_door, k_slab, slab_out, a_loc, b_loc, dt)

    q_door = np.empty(nd)
    moved = 0.0
    for d in range(nd):
        q = dt * k_door[d] * (x[la[d]] - x[lb[d]])
        q_door[d] = q
        moved += abs(q)
        vol[pair_a[live[d]]] -= q
        vol[pair_b[live[d]]] += q
    for j in range(ns):
        q = dt * k_slab[j] * x[lf[j]]
        moved += q
        vol[below_from[leak[j]]] -= q
        vol[below_to[leak[j]]] += q
    return moved, q_door


@numba.njit(cache=True, nogil=True, error_model="numpy")
def door_conductance(
    cw: np.ndarray, depth_a: np.ndarray, depth_b: np.ndarray, s: float, floor: float
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`twin.engine.water.door_conductance_numpy`, element by element: the same operations
    in the same order, so the same bits (a test checks)."""
    out = np.empty(cw.size)
    for i in range(cw.size):
        a, b = depth_a[i], depth_b[i]
        up = max(max(a, b) - s, 0.0)
        down = max(min(a, b) - s, 0.0)
        ratio = down / (up if up > 0.0 else 1.0)
        flow = cw[i] * up**1.5 * (1.0 - ratio**1.5) ** 0.385
        out[i] = flow / max(up - down, floor)
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _heads(  # pragma: no cover - compiled
    la: np.ndarray,
    lb: np.ndarray,
    lf: np.ndarray,
    lt: np.ndarray,
    k_door: np.ndarray,
    k_slab: np.ndarray,
    slab_out: np.ndarray,
    a_loc: np.ndarray,
    b_loc: np.ndarray,
    dt: float,
) -> np.ndarray:
    """Heads over the thresholds at the end of the step by the active set, as
    :func:`twin.engine.water._heads` finds them (the step's matrix held by rows, each row's
    non-zero entries only: a space has a few doors, so each pass costs the doors, not m²)."""
    m = a_loc.size
    ptr, col, val = _matrix(la, lb, lf, lt, k_door, k_slab, slab_out, a_loc, dt)
    active = np.empty(m, dtype=np.bool_)
    for i in range(m):
        active[i] = b_loc[i] > 0.0
    x = np.zeros(m)
    for _ in range(m + 1):
        x = _solve_active(ptr, col, val, b_loc, active)
        # What each space holds above its threshold after the transfers x implies.
        changed = False
        for i in range(m):
            moved = -a_loc[i] * x[i]
            for e in range(ptr[i], ptr[i + 1]):
                moved += val[e] * x[col[e]]
            now = b_loc[i] - moved > 1e-12 * a_loc[i]
            if now != active[i]:
                changed = True
            active[i] = now
        if not changed:
            break
    for i in range(m):
        x[i] = max(x[i], 0.0)
    return x


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _matrix(  # pragma: no cover - compiled
    la: np.ndarray,
    lb: np.ndarray,
    lf: np.ndarray,
    lt: np.ndarray,
    k_door: np.ndarray,
    k_slab: np.ndarray,
    slab_out: np.ndarray,
    a_loc: np.ndarray,
    dt: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The step's matrix by rows (CSR: row ``i``'s columns ``col[ptr[i]:ptr[i + 1]]``, ascending,
    values ``val``): each space's area plus ``dt`` times its doors' and slabs' conductances on the
    diagonal, minus ``dt`` times a door's conductance between its two spaces and a slab's from the
    space above into the space below. Contributions to one entry are added in the order of the
    dense assembly it replaces (diagonal first, then door by door, then slab by slab), so every
    entry has the same bits."""
    m, nd, ns = a_loc.size, k_door.size, k_slab.size
    start = np.zeros(m + 1, dtype=np.int64)
    for i in range(m):
        start[i + 1] = 1
    for d in range(nd):
        start[la[d] + 1] += 2
        start[lb[d] + 1] += 2
    for j in range(ns):
        start[lt[j] + 1] += 1
    for i in range(m):
        start[i + 1] += start[i]
    # Every contribution in assembly order, then each row sorted stably by column.
    fill = start[:m].copy()
    col = np.empty(start[m], dtype=np.int64)
    val = np.empty(start[m])
    for i in range(m):
        col[fill[i]] = i
        val[fill[i]] = a_loc[i] + dt * slab_out[i]
        fill[i] += 1
    for d in range(nd):
        a, b = la[d], lb[d]
        c = dt * k_door[d]
        for row, column, v in ((a, a, c), (b, b, c), (a, b, -c), (b, a, -c)):
            col[fill[row]] = column
            val[fill[row]] = v
            fill[row] += 1
    for j in range(ns):
        row = lt[j]
        col[fill[row]] = lf[j]
        val[fill[row]] = -(dt * k_slab[j])
        fill[row] += 1
    # Merge each row's contributions to one column (insertion sort keeps their order).
    ptr = np.zeros(m + 1, dtype=np.int64)
    out = 0
    for i in range(m):
        lo, hi = start[i], start[i + 1]
        for e in range(lo + 1, hi):
            c, v = col[e], val[e]
            f = e - 1
            while f >= lo and col[f] > c:
                col[f + 1] = col[f]
                val[f + 1] = val[f]
                f -= 1
            col[f + 1] = c
            val[f + 1] = v
        e = lo
        while e < hi:
            c, acc = col[e], val[e]
            e += 1
            while e < hi and col[e] == c:
                acc += val[e]
                e += 1
            col[out] = c
            val[out] = acc
            out += 1
        ptr[i + 1] = out
    return ptr, col[:out], val[:out]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _solve_active(  # pragma: no cover - compiled
    ptr: np.ndarray, col: np.ndarray, val: np.ndarray, b: np.ndarray, active: np.ndarray
) -> np.ndarray:
    """Solve the rows and columns of the matrix (:func:`_matrix`) where ``active`` (the others'
    unknowns are 0) by Gaussian elimination without pivoting (module docstring: the matrix is
    column-dominant)."""
    m = b.size
    k = 0
    for i in range(m):
        k += active[i]
    x = np.zeros(m)
    if k == 0:
        return x
    # Pivots in order of each row's entries (a space's doors, and the slabs leaking into it),
    # fewest first: a room before the corridor it opens on. Eliminating a hub last fills
    # nothing, first fills everything (a heuristic: any order keeps the columns dominant).
    idx = np.empty(k, dtype=np.int64)
    r = 0
    for i in range(m):
        if active[i]:
            deg = ptr[i + 1] - ptr[i]
            j = r - 1
            while j >= 0 and ptr[idx[j] + 1] - ptr[idx[j]] > deg:
                idx[j + 1] = idx[j]
                j -= 1
            idx[j + 1] = i
            r += 1
    pos = np.full(m, -1, dtype=np.int64)
    for r in range(k):
        pos[idx[r]] = r
    lu = np.zeros((k, k))
    y = np.empty(k)
    # last[r]: the last column where row r is not 0; below[c]: the last row where column c is
    # not 0. Elimination only fills a row up to its pivot row's last column, and a column down
    # to its pivot column's last row, so each update stays inside those bounds: separate floods
    # (blocks of the matrix) cost about their own size cubed, not the whole system's.
    last = np.zeros(k, dtype=np.int64)
    below = np.zeros(k, dtype=np.int64)
    for r in range(k):
        i = idx[r]
        y[r] = b[i]
        for e in range(ptr[i], ptr[i + 1]):
            c = pos[col[e]]
            if c >= 0:
                lu[r, c] = val[e]
                if val[e] != 0.0:
                    last[r] = max(last[r], c)
                    below[c] = max(below[c], r)
    for p in range(k):
        pivot = lu[p, p]
        end = last[p] + 1
        for r in range(p + 1, below[p] + 1):
            f = lu[r, p] / pivot
            if f != 0.0:
                for c in range(p + 1, end):
                    lu[r, c] -= f * lu[p, c]
                y[r] -= f * y[p]
                if last[r] < last[p]:
                    last[r] = last[p]
        for c in range(p + 1, end):
            if below[c] < below[p]:
                below[c] = below[p]
    for r in range(k - 1, -1, -1):
        acc = y[r]
        for c in range(r + 1, last[r] + 1):
            acc -= lu[r, c] * y[c]
        y[r] = acc / lu[r, r]
    for r in range(k):
        x[idx[r]] = y[r]
    return x


@numba.njit(cache=True, nogil=True, error_model="numpy")
def after_step(  # pragma: no cover - compiled
    before: np.ndarray,
    after: np.ndarray,
    area: np.ndarray,
    rose_at: np.ndarray,
    max_depth: np.ndarray,
    now: float,
    wet_depth: float,
) -> tuple[float, float]:
    """What a run keeps of a step, in one pass over the spaces: when each space's water last
    rose (``rose_at``, set to ``now`` where the volume grew by more than rounding), the deepest
    water each has stood at (``max_depth``), both in place; gives (wet floor area in m², the
    deepest water now in m)."""
    wet = 0.0
    deepest = 0.0
    for i in range(area.size):
        if after[i] > before[i] * (1.0 + 1e-9) + 1e-12:
            rose_at[i] = now
        d = after[i] / area[i]
        if d > wet_depth:
            wet += area[i]
        if d > max_depth[i]:
            max_depth[i] = d
        if d > deepest:
            deepest = d
    return wet, deepest


@numba.njit(cache=True, nogil=True, error_model="numpy")
def depth_changes(  # pragma: no cover - compiled
    volume: np.ndarray, area: np.ndarray, logged: np.ndarray, wet_depth: float, step_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """The spaces whose shown depth (0 under ``wet_depth``) moved by ``step_m`` or more since
    ``logged``, or became wet or dry, and their depths now; ``logged`` is brought up to date in
    place."""
    count = 0
    changed = np.empty(area.size, dtype=np.int64)
    for i in range(area.size):
        if volume[i] == 0.0 and logged[i] == 0.0:
            continue  # dry and shown dry (most spaces): nothing to log (step_m > 0)
        d = volume[i] / area[i]
        shown = d if d > wet_depth else 0.0
        if abs(shown - logged[i]) >= step_m or (shown > 0.0) != (logged[i] > 0.0):
            changed[count] = i
            count += 1
            logged[i] = shown
    depth = np.empty(count)
    for k in range(count):
        depth[k] = logged[changed[k]]
    return changed[:count].copy(), depth


@numba.njit(cache=True, nogil=True, error_model="numpy")
def advance(  # pragma: no cover - compiled
    net: KernelFloors,
    vol: np.ndarray,
    added_m3: np.ndarray,
    pump_m3_s: np.ndarray,
    dt: float,
    consts: np.ndarray,
    dense_max: int,
    rose_at: np.ndarray,
    max_depth: np.ndarray,
    now: float,
    wet_depth: float,
) -> tuple[float, float, float, float, int]:
    """A run's water step in one call: :func:`step_into` on ``vol`` then :func:`after_step`.
    Gives (pumped, exchanged, wet area, deepest, spaces in play); with :data:`TOO_MANY`
    nothing has changed (the caller solves the step sparse)."""
    area = net[0]
    touched = _touched(vol, added_m3, pump_m3_s)
    before = np.empty(touched.size)
    for k in range(touched.size):
        before[k] = vol[touched[k]]
    pumped, exchanged, _, _, m, nodes = _step_touched(
        net,
        vol,
        added_m3,
        pump_m3_s,
        dt,
        consts,
        dense_max,
        touched,
    )
    if m == TOO_MANY:
        return 0.0, 0.0, 0.0, 0.0, m
    # What the step may have changed: the touched spaces and those in play (a space in play
    # that was not touched was dry). after_step's pass, over these in ascending order (both
    # lists are, so a merge): the same sums as a pass over every space.
    wet = 0.0
    deepest = 0.0
    t, m_in = touched.size, nodes.size
    j = k = 0
    while j < t or k < m_in:
        if k == m_in or (j < t and touched[j] <= nodes[k]):
            i = touched[j]
            was = before[j]
            if k < m_in and nodes[k] == i:
                k += 1
            j += 1
        else:
            i = nodes[k]
            was = 0.0
            k += 1
        if vol[i] > was * (1.0 + 1e-9) + 1e-12:
            rose_at[i] = now
        d = vol[i] / area[i]
        if d > wet_depth:
            wet += area[i]
        if d > max_depth[i]:
            max_depth[i] = d
        if d > deepest:
            deepest = d
    return pumped, exchanged, wet, deepest, m
