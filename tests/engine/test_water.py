"""Water on floors: conservation, levelling through doors, leaks to the space below, pumps.

The spreading is a backward-Euler step (see :func:`twin.engine.water._spread`), so the hand
calculations below solve the same two- or three-line balances a person can redo on paper.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.engine import physics, water, water_kernel
from twin.engine.water import Floors, step

S = physics.SPREAD_DEPTH_M
C = physics.WEIR_COEFFICIENT


def floors(
    area: list[float], pairs: list[tuple[int, int]], below: list[tuple[int, int]] = (), width_m: float = 0.9
) -> Floors:
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    frm = np.array([x[0] for x in below], dtype=np.int64)
    to = np.array([x[1] for x in below], dtype=np.int64)
    share = np.ones(len(below))
    return Floors(np.array(area, float), a, b, np.full(len(pairs), width_m), frm, to, share)


def still(n: int) -> np.ndarray:
    return np.zeros(n)


def test_water_in_a_closed_room_stays_put():
    f = floors([20.0], [])
    v = step(f, np.array([1.0]), still(1), still(1), 30.0).volume_m3
    assert v[0] == 1.0


def test_a_door_passes_the_weir_flow_reduced_by_villemonte_when_submerged():
    # Heads 9 cm and 4 cm over a 0.9 m threshold: free weir 1.7·0.9·0.09^1.5 = 0.04131 m³/s,
    # Villemonte (1 − (4/9)^1.5)^0.385 = 0.7037^0.385 = 0.8735 → 0.03609 m³/s over a 5 cm
    # difference: K = 0.7217 m²/s. With the far side dry it is the free weir over 9 cm.
    k = water.door_conductance_m2_s(np.array([C * 0.9]), np.array([0.10]), np.array([0.05]))
    assert k[0] == pytest.approx(0.7217, abs=1e-4)
    free = water.door_conductance_m2_s(np.array([C * 0.9]), np.array([0.10]), np.array([0.0]))
    assert free[0] * 0.09 == pytest.approx(C * 0.9 * 0.09**1.5, rel=1e-12)


def test_one_step_between_two_wet_rooms_moves_what_the_hand_balance_says(monkeypatch):
    # 20 m² rooms at 10 cm and 5 cm, a 0.9 m door, K = 0.7217 m²/s (above). One backward-Euler
    # solve: the heads' difference after 30 s is Δ/(1 + 2·dt·K/A) = 0.05/(1 + 43.30/20), and the
    # door passed dt·K·(that difference) = 0.3421 m³.
    monkeypatch.setattr(physics, "WATER_PICARD_PASSES", 1)
    f = floors([20.0, 20.0], [(0, 1)])
    out = step(f, np.array([2.0, 1.0]), still(2), still(2), 30.0).volume_m3
    k = C * 0.9 * 0.09**1.5 * (1 - (0.04 / 0.09) ** 1.5) ** 0.385 / 0.05
    moved = 30.0 * k * 0.05 / (1.0 + 2.0 * 30.0 * k / 20.0)
    assert abs(moved - 0.3421) < 1e-4
    assert out[0] == pytest.approx(2.0 - moved, abs=1e-12)
    assert out[1] == pytest.approx(1.0 + moved, abs=1e-12)


def test_two_rooms_joined_by_a_door_level_out():
    # 2 m³ in a 20 m² room (10 cm), none next door (20 m²): after an hour both hold 5 cm.
    f = floors([20.0, 20.0], [(0, 1)])
    v = np.array([2.0, 0.0])
    for _ in range(120):
        v = step(f, v, still(2), still(2), 30.0).volume_m3
    assert abs(v.sum() - 2.0) < 1e-12
    assert np.allclose(v / 20.0, 0.05, atol=1e-4)


@pytest.mark.parametrize("dt_s", [1.0, 5.0, 30.0, 60.0, 120.0])
def test_three_spaces_in_a_row_approach_the_common_level_monotonically(dt_s):
    # 100, 10 and 100 m² in a row through 2 m doors at 0.5 / 1.0 / 0.5 m: 110 m³ on 210 m² is a
    # common level of 0.5238 m. The middle falls and the ends rise, every step, to that level.
    f = floors([100.0, 10.0, 100.0], [(0, 1), (1, 2)], width_m=2.0)
    v = np.array([50.0, 10.0, 50.0])
    common = 110.0 / 210.0
    depths = [v / f.area_m2]
    for _ in range(math.ceil(1800.0 / dt_s)):
        v = step(f, v, still(3), still(3), dt_s).volume_m3
        depths.append(v / f.area_m2)
    d = np.array(depths)
    assert (np.diff(d[:, 1]) <= 1e-12).all(), "the middle space must only fall"
    assert (np.diff(d[:, 0]) >= -1e-12).all() and (np.diff(d[:, 2]) >= -1e-12).all()
    assert (d[:, 1] >= common - 1e-9).all() and (d[:, 0] <= common + 1e-9).all()
    assert abs(d[-1, 1] - common) < 1e-3
    assert abs(v.sum() - 110.0) < 1e-9


def test_water_below_the_threshold_does_not_cross_a_door():
    f = floors([10.0, 10.0], [(0, 1)])
    v = np.array([0.05, 0.0])  # 5 mm: under the 1 cm threshold
    out = step(f, v, still(2), still(2), 30.0).volume_m3
    assert out[1] == 0.0


def test_a_room_drains_through_a_door_down_to_the_threshold_and_no_further():
    # 10 cm in 20 m² next to a dry 500 m² hall: the room ends just above 1 cm, the rest is in
    # the hall, which stays under its own threshold (1.8 m³ over 500 m² is 3.6 mm).
    f = floors([20.0, 500.0], [(0, 1)])
    v = np.array([2.0, 0.0])
    for _ in range(500):
        v = step(f, v, still(2), still(2), 30.0).volume_m3
    assert S <= v[0] / 20.0 < S + 1e-3
    assert v[1] == pytest.approx(2.0 - v[0], abs=1e-12)


def test_a_wet_slab_leaks_into_the_space_below_at_k_times_a_times_head():
    # 5 cm on 50 m²: 4 cm above the threshold. Backward Euler over 10 s leaks
    # A·h·(k·dt)/(1 + k·dt) = 2 m³ · 0.002/1.002 = 3.992 l.
    f = floors([50.0, 50.0], [], below=[(0, 1)])
    v = np.array([50.0 * 0.05, 0.0])
    out = step(f, v, still(2), still(2), 10.0).volume_m3
    kdt = physics.SLAB_LEAK_PER_S * 10.0
    expected = 50.0 * (0.05 - S) * kdt / (1.0 + kdt)
    assert abs(out[1] - expected) < 1e-12 and abs(expected - 0.0039920) < 1e-6


def test_a_pump_removes_at_most_its_capacity_and_never_more_than_is_there():
    f = floors([10.0], [])
    r = step(f, np.array([1.0]), still(1), np.array([0.015]), 30.0)
    assert abs(r.pumped_m3 - 0.45) < 1e-12 and abs(r.volume_m3[0] - 0.55) < 1e-12
    r = step(f, np.array([0.1]), still(1), np.array([0.015]), 30.0)
    assert r.pumped_m3 == 0.1 and r.volume_m3[0] == 0.0


def test_a_large_wet_area_solved_sparse_gives_what_the_dense_solve_gives(monkeypatch):
    # 400 rooms in a row, water in every other one: more than DENSE_MAX (300) spaces in play.
    n = 400
    f = floors([12.0] * n, [(i, i + 1) for i in range(n - 1)], below=[(i, i - 1) for i in range(1, n, 7)])
    v = np.where(np.arange(n) % 2 == 0, 12.0 * 0.2, 0.0)
    sparse = step(f, v, still(n), still(n), 30.0).volume_m3
    monkeypatch.setattr(water, "DENSE_MAX", 10_000)
    dense = step(f, v, still(n), still(n), 30.0).volume_m3
    assert np.allclose(sparse, dense, rtol=0, atol=1e-10)
    assert abs(sparse.sum() - v.sum()) < 1e-9


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 8),
    seed=st.integers(0, 10_000),
    steps=st.integers(1, 40),
    dt_s=st.sampled_from([1.0, 30.0, 120.0, 600.0]),
)
def test_water_volume_is_conserved_while_it_spreads(n, seed, steps, dt_s):
    rng = np.random.default_rng(seed)
    area = rng.uniform(2.0, 200.0, n).tolist()
    pairs = sorted({tuple(sorted(rng.choice(n, 2, replace=False).tolist())) for _ in range(2 * n)})
    below = [(i, i - 1) for i in range(1, n) if rng.random() < 0.5]
    f = floors(area, pairs, below)
    v = rng.uniform(0.0, 5.0, n)
    inflow = rng.uniform(0.0, 0.02, n) * (rng.random(n) < 0.3)
    pumps = rng.uniform(0.0, 0.01, n) * (rng.random(n) < 0.3)
    total_in = v.sum()
    pumped = 0.0
    for _ in range(steps):
        r = step(f, v, inflow, pumps, dt_s)
        v, pumped = r.volume_m3, pumped + r.pumped_m3
        total_in += inflow.sum() * dt_s
        assert (v >= -1e-12).all()
    assert abs(v.sum() + pumped - total_in) < 1e-9 * max(total_in, 1.0)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 8), seed=st.integers(0, 10_000), dt_s=st.sampled_from([1.0, 30.0, 120.0, 600.0]))
def test_water_crosses_every_door_from_the_space_that_ends_higher(n, seed, dt_s):
    # No overshoot at any step: after a step, each door's water went from the side whose level
    # (above the threshold) is now higher, and no space ends above the highest level or under
    # the lowest one it started with (no sources, no slabs, no pumps).
    rng = np.random.default_rng(seed)
    area = rng.uniform(2.0, 200.0, n)
    pairs = sorted({tuple(sorted(rng.choice(n, 2, replace=False).tolist())) for _ in range(2 * n)})
    f = floors(area.tolist(), pairs)
    v = rng.uniform(0.0, 2.0, n) * area
    out = step(f, v, still(n), still(n), dt_s).volume_m3
    before, after = v / area, out / area
    assert after.max() <= before.max() + 1e-12
    assert after.min() >= min(before.min(), S) - 1e-12
    level = np.maximum(after, S)
    r = step(f, v, still(n), still(n), dt_s)
    pa, pb = f.pair_a[r.door_pair], f.pair_b[r.door_pair]
    downhill = np.sign(level[pa] - level[pb])
    assert (r.door_m3 * downhill >= -1e-12).all()
    assert (np.abs(r.door_m3[np.abs(level[pa] - level[pb]) < 1e-12]) < 1e-9).all()


def test_the_compiled_door_kernel_gives_the_numpy_formulas_bits():
    # Heads dry, under, at and over the threshold on either side, and equal levels: the numba
    # kernel runs the numpy expression's operations in its order, so not one bit differs.
    rng = np.random.default_rng(7)
    depth = np.concatenate((rng.random(4000) * 0.3, [0.0, S, S, 0.02, 0.02, 0.5]))
    other = np.concatenate((rng.random(4000) * 0.3, [0.0, 0.0, S, 0.02, 0.0, 0.5]))
    cw = C * rng.uniform(0.7, 2.0, depth.size)
    assert np.array_equal(
        water.door_conductance_m2_s(cw, depth, other), water.door_conductance_numpy(cw, depth, other)
    )


def test_the_compiled_matrix_assembly_and_solve_give_numpys_bits():
    # 17 spaces, 24 doors and 5 slabs at random: the kernel's diagonal, off-diagonal values and
    # dense matrix equal numpy's bincount assembly exactly, and the direct LAPACK call equals
    # np.linalg.solve exactly.
    rng = np.random.default_rng(3)
    m, nd, ns, dt = 17, 24, 5, 30.0
    la, lb = rng.integers(m, size=nd), rng.integers(m, size=nd)
    lf, lt = rng.integers(m, size=ns), rng.integers(m, size=ns)
    lab = np.concatenate((la, lb))
    flat = np.concatenate((la, lb, lt)) * m + np.concatenate((lb, la, lf))
    k_door, k_slab = rng.random(nd), rng.random(ns) * 1e-3
    a_loc = rng.uniform(5.0, 200.0, m)
    slab_out = np.bincount(lf, k_slab, m)
    diag, vals, mat = water._assemble(lab, flat, k_door, k_slab, a_loc, slab_out, dt)
    want_diag = a_loc + dt * (np.bincount(lab, np.concatenate((k_door, k_door)), m) + slab_out)
    want_vals = -dt * np.concatenate((k_door, k_door, k_slab))
    want = np.bincount(flat, want_vals, m * m).reshape(m, m)
    want.reshape(-1)[:: m + 1] += want_diag
    assert np.array_equal(diag, want_diag) and np.array_equal(vals, want_vals)
    assert np.array_equal(mat, want)
    b = rng.random(m)
    assert np.array_equal(water._solve_dense(mat, b), np.linalg.solve(mat, b))


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(2, 12),
    seed=st.integers(0, 100_000),
    dt_s=st.sampled_from([1.0, 30.0, 120.0, 600.0]),
)
def test_the_compiled_step_gives_the_numpy_reference_volumes(n, seed, dt_s):
    # Random rooms, doors, slabs, sources and pumps, five steps in a row: the one-call compiled
    # step (its own elimination, in-place transfers) and the numpy reference (LAPACK, bincount)
    # agree to rounding (1e-10 of the water in play), and list the same doors carrying water.
    rng = np.random.default_rng(seed)
    area = rng.uniform(2.0, 200.0, n)
    pairs = sorted({tuple(sorted(rng.choice(n, 2, replace=False).tolist())) for _ in range(2 * n)})
    below = [(i, i - 1) for i in range(1, n) if rng.random() < 0.5]
    f = floors(area.tolist(), pairs, below)
    v = rng.uniform(0.0, 2.0, n) * area * (rng.random(n) < 0.6)
    inflow = rng.uniform(0.0, 0.02, n) * (rng.random(n) < 0.3)
    pumps = rng.uniform(0.0, 0.01, n) * (rng.random(n) < 0.3)
    for _ in range(5):
        got, want = step(f, v, inflow, pumps, dt_s), water.step_numpy(f, v, inflow, pumps, dt_s)
        scale = max(v.sum(), 1.0)
        assert np.abs(got.volume_m3 - want.volume_m3).max() < 1e-10 * scale
        assert abs(got.pumped_m3 - want.pumped_m3) < 1e-10 * scale
        assert abs(got.exchanged_m3 - want.exchanged_m3) < 1e-9 * scale
        assert np.array_equal(got.door_pair, want.door_pair)
        assert np.abs(got.door_m3 - want.door_m3).max(initial=0.0) < 1e-9 * scale
        v = got.volume_m3


def test_a_flood_wider_than_the_dense_solve_is_left_to_the_sparse_one(monkeypatch):
    # Ten rooms in a row all over the threshold, DENSE_MAX lowered to 5: the compiled step
    # declines and leaves the volumes as they were; step() then gives the numpy answer.
    monkeypatch.setattr(water, "DENSE_MAX", 5)
    f = floors([10.0] * 10, [(i, i + 1) for i in range(9)])
    v = np.linspace(0.2, 2.0, 10)
    kept = v.copy()
    *_, in_play = water_kernel.step_into(
        water.kernel_floors(f), kept, still(10), still(10), 30.0, water.kernel_constants(), 5
    )
    assert in_play == water_kernel.TOO_MANY and np.array_equal(kept, v)
    assert np.array_equal(
        step(f, v, still(10), still(10), 30.0).volume_m3,
        water.step_numpy(f, v, still(10), still(10), 30.0).volume_m3,
    )


def test_floors_list_the_doors_and_slabs_of_each_space():
    # Doors 0-1, 1-2, 0-3; slabs 2→1, 2→0, 1→0: space 0 has doors 0 and 2, space 1 doors 0
    # and 1 and slab 2, space 2 door 1 and slabs 0 and 1, space 3 door 2.
    f = floors([1.0] * 4, [(0, 1), (1, 2), (0, 3)], below=[(2, 1), (2, 0), (1, 0)])
    doors = [f.pairs_at[f.pairs_ptr[i] : f.pairs_ptr[i + 1]].tolist() for i in range(4)]
    slabs = [f.slabs_at[f.slabs_ptr[i] : f.slabs_ptr[i + 1]].tolist() for i in range(4)]
    assert doors == [[0, 2], [0, 1], [1], [2]]
    assert slabs == [[], [2], [0, 1], []]


def test_after_a_step_a_run_keeps_when_water_rose_the_deepest_water_and_the_wet_area():
    # 10 m² and 20 m² rooms: 0.5 → 0.6 m³ (rose, 6 cm), 1.0 → 1.0 m³ (5 cm, not risen); a 4 m²
    # cupboard with 4 l (1 mm: under the 2 mm wet depth). Wet area 30 m², deepest 0.06 m.
    area = np.array([10.0, 20.0, 4.0])
    rose_at, max_depth = np.full(3, -np.inf), np.array([0.0, 0.08, 0.0])
    wet, deepest = water_kernel.after_step(
        np.array([0.5, 1.0, 0.004]), np.array([0.6, 1.0, 0.004]), area, rose_at, max_depth, 90.0, 0.002
    )
    assert wet == 30.0 and deepest == pytest.approx(0.06)
    assert rose_at.tolist() == [90.0, -np.inf, -np.inf]
    assert max_depth.tolist() == pytest.approx([0.06, 0.08, 0.001])


def test_depths_are_logged_when_they_move_by_the_log_step_or_turn_wet_or_dry():
    # Logged 0.10, 0.10, 0.0 and 0.02 m; now 0.103 (moved 3 mm: not logged), 0.106 (6 mm:
    # logged), 0.003 (turned wet) and 0.001 (under the wet depth: dry, logged as 0).
    area = np.ones(4)
    logged = np.array([0.10, 0.10, 0.0, 0.02])
    idx, depth = water_kernel.depth_changes(
        np.array([0.103, 0.106, 0.003, 0.001]), area, logged, 0.002, 0.005
    )
    assert idx.tolist() == [1, 2, 3] and depth.tolist() == pytest.approx([0.106, 0.003, 0.0])
    assert logged.tolist() == pytest.approx([0.10, 0.106, 0.003, 0.0])


def _dense(ptr: np.ndarray, col: np.ndarray, val: np.ndarray) -> np.ndarray:
    m = ptr.size - 1
    out = np.zeros((m, m))
    for i in range(m):
        out[i, col[ptr[i] : ptr[i + 1]]] = val[ptr[i] : ptr[i + 1]]
    return out


def test_the_step_matrix_held_by_rows_has_the_entries_a_person_works_out():
    # A corridor (0) of 40 m² with three rooms, two doors between 0 and 1, a slab from 2 onto 3,
    # dt 30 s. Corridor's diagonal: 40 + 30·(0.1 + 0.2 + 0.3 + 0.05) = 59.5; between 0 and 1:
    # −30·(0.1 + 0.05) = −4.5; slab: −30·0.01 = −0.3 in row 3, column 2.
    la, lb = np.array([0, 0, 0, 1]), np.array([1, 2, 3, 0])
    k_door, k_slab = np.array([0.1, 0.2, 0.3, 0.05]), np.array([0.01])
    slab_out = np.array([0.0, 0.0, 0.01, 0.0])
    a_loc = np.array([40.0, 10.0, 12.0, 9.0])
    ptr, col, val = water_kernel._matrix(
        la, lb, np.array([2]), np.array([3]), k_door, k_slab, slab_out, a_loc, 30.0
    )
    for i in range(4):
        assert np.all(np.diff(col[ptr[i] : ptr[i + 1]]) > 0)  # each row's columns ascending, once
    dense = _dense(ptr, col, val)
    assert dense[0, 0] == pytest.approx(59.5) and dense[0, 1] == dense[1, 0] == pytest.approx(-4.5)
    assert dense[3, 2] == pytest.approx(-0.3) and dense[2, 3] == 0.0


def test_the_step_matrix_held_by_rows_is_the_dense_assembly_bit_for_bit():
    # Contributions to one entry are added in the dense assembly's order (diagonal, door by
    # door, slab by slab), so every entry has its bits: seven doors off a corridor, four more
    # between 0 and 1, two slabs 2→3 and one 4→3, random conductances (sums that round
    # differently in another order).
    rng = np.random.default_rng(5)
    m, dt = 8, 30.0
    la = np.r_[np.zeros(7, np.int64), 1, 1, 1, 1]
    lb = np.r_[np.arange(1, 8), 0, 0, 0, 0]
    lf, lt = np.array([2, 2, 4]), np.array([3, 3, 3])
    k_door, k_slab = rng.uniform(0.01, 1.0, la.size), rng.uniform(1e-3, 1e-2, 3)
    slab_out, a_loc = np.bincount(lf, k_slab, m), rng.uniform(5.0, 50.0, m)
    dense = _dense(*water_kernel._matrix(la, lb, lf, lt, k_door, k_slab, slab_out, a_loc, dt))
    want = np.diag(a_loc + dt * slab_out)
    for a, b, k in zip(la, lb, k_door, strict=True):
        want[a, a] += dt * k
        want[b, b] += dt * k
        want[a, b] -= dt * k
        want[b, a] -= dt * k
    for f, t, k in zip(lf, lt, k_slab, strict=True):
        want[t, f] -= dt * k
    assert np.array_equal(dense, want)


def test_the_elimination_follows_fill_round_a_ring_of_rooms():
    # Five rooms in a ring, all active: every row has three entries, so the pivots go 0..4 and
    # eliminating room 0 fills (1, 4) and (4, 1); the fill must be eliminated too.
    m = 5
    la, lb = np.arange(m), (np.arange(m) + 1) % m
    k_door, a_loc = np.linspace(0.1, 0.5, m), np.linspace(10.0, 30.0, m)
    none = np.zeros(0, np.int64)
    ptr, col, val = water_kernel._matrix(la, lb, none, none, k_door, np.zeros(0), np.zeros(m), a_loc, 30.0)
    b = np.array([1.0, 0.5, 2.0, 0.2, 1.5])
    x = water_kernel._solve_active(ptr, col, val, b, np.ones(m, dtype=np.bool_))
    assert np.allclose(x, np.linalg.solve(_dense(ptr, col, val), b), rtol=1e-13, atol=0)


def test_the_elimination_solves_a_star_whose_hub_comes_first_as_lapack_does():
    # A corridor (space 0) with 40 rooms off it, every space active: the hub has the lowest
    # index; pivoting rooms first keeps the elimination free of fill. Same x as numpy's solve.
    m = 41
    la, lb = np.zeros(m - 1, dtype=np.int64), np.arange(1, m)
    k_door = np.linspace(0.05, 0.4, m - 1)
    a_loc = np.r_[120.0, np.linspace(8.0, 25.0, m - 1)]
    ptr, col, val = water_kernel._matrix(
        la, lb, np.zeros(0, np.int64), np.zeros(0, np.int64), k_door, np.zeros(0), np.zeros(m), a_loc, 30.0
    )
    dense = _dense(ptr, col, val)
    b = np.random.default_rng(7).uniform(0.0, 2.0, m)
    x = water_kernel._solve_active(ptr, col, val, b, np.ones(m, dtype=np.bool_))
    assert np.allclose(x, np.linalg.solve(dense, b), rtol=1e-13, atol=0)
    # Inactive spaces (here every other room) have no unknown: their rows and columns are out.
    active = np.arange(m) % 2 == 0
    x = water_kernel._solve_active(ptr, col, val, b, active)
    idx = np.flatnonzero(active)
    assert np.all(x[~active] == 0.0)
    assert np.allclose(x[idx], np.linalg.solve(dense[np.ix_(idx, idx)], b[idx]), rtol=1e-13, atol=0)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 9), seed=st.integers(0, 10_000), dense_max=st.sampled_from([1, 300]))
def test_a_run_step_keeps_the_same_record_as_a_step_then_a_pass_over_every_space(n, seed, dense_max):
    # advance() looks only at the spaces a step can change; after_step() looks at all of them.
    # Random floors, some spaces dry, one inflow, one pump: the same bits either way (and with
    # dense_max 1, a flood too wide for the kernel changes nothing in either).
    rng = np.random.default_rng(seed)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.4]
    below = [(i, j) for i in range(n) for j in range(n) if i != j and rng.random() < 0.1]
    f = floors(list(rng.uniform(2.0, 60.0, n)), pairs, below)
    v = np.where(rng.random(n) < 0.5, f.area_m2 * rng.uniform(0.0, 0.3, n), 0.0)
    added, pump = still(n), still(n)
    added[rng.integers(n)] = rng.uniform(0.0, 2.0)
    pump[rng.integers(n)] = rng.uniform(0.0, 0.01)
    rose_a, rose_b = np.full(n, -np.inf), np.full(n, -np.inf)
    deep_a, deep_b = np.zeros(n), np.zeros(n)
    va, vb = v.copy(), v.copy()
    consts = water.kernel_constants()
    *_, wet_a, deepest_a, m = water_kernel.advance(
        water.kernel_floors(f), va, added, pump, 30.0, consts, dense_max, rose_a, deep_a, 60.0, 0.002
    )
    *_, m_b = water_kernel.step_into(water.kernel_floors(f), vb, added, pump, 30.0, consts, dense_max)
    assert m == m_b and np.array_equal(va, vb)
    if m == water_kernel.TOO_MANY:
        assert np.array_equal(va, v) and np.all(rose_a == -np.inf) and np.all(deep_a == 0.0)
        return
    wet_b, deepest_b = water_kernel.after_step(v, vb, f.area_m2, rose_b, deep_b, 60.0, 0.002)
    assert (wet_a, deepest_a) == (wet_b, deepest_b)
    assert np.array_equal(rose_a, rose_b) and np.array_equal(deep_a, deep_b)
