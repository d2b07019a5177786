"""Water on floors: conservation, levelling through doors, leaks to the space below, pumps."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.engine import physics
from twin.engine.water import Floors, step


def floors(area: list[float], pairs: list[tuple[int, int]], below: list[tuple[int, int]] = ()) -> Floors:
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    frm = np.array([x[0] for x in below], dtype=np.int64)
    to = np.array([x[1] for x in below], dtype=np.int64)
    share = np.ones(len(below))
    return Floors(np.array(area, float), a, b, np.full(len(pairs), 0.9), frm, to, share)


def test_water_in_a_closed_room_stays_put():
    f = floors([20.0], [])
    v = step(f, np.array([1.0]), np.zeros(1), np.zeros(1), 30.0).volume_m3
    assert v[0] == 1.0


def test_two_rooms_joined_by_a_door_level_out():
    # 2 m³ in a 20 m² room (10 cm), none next door (20 m²): after an hour both hold 5 cm.
    f = floors([20.0, 20.0], [(0, 1)])
    v = np.array([2.0, 0.0])
    for _ in range(120):
        v = step(f, v, np.zeros(2), np.zeros(2), 30.0).volume_m3
    assert v.sum() == np.float64(2.0) or abs(v.sum() - 2.0) < 1e-12
    assert np.allclose(v / 20.0, 0.05, atol=1e-4)


def test_water_below_the_threshold_does_not_cross_a_door():
    f = floors([10.0, 10.0], [(0, 1)])
    v = np.array([0.05, 0.0])  # 5 mm: under the 1 cm threshold
    out = step(f, v, np.zeros(2), np.zeros(2), 30.0).volume_m3
    assert out[1] == 0.0


def test_a_wet_slab_leaks_into_the_space_below_at_k_times_a_times_head():
    f = floors([50.0, 50.0], [], below=[(0, 1)])
    v = np.array([50.0 * 0.05, 0.0])  # 5 cm on the upper floor
    out = step(f, v, np.zeros(2), np.zeros(2), 10.0).volume_m3
    expected = physics.SLAB_LEAK_PER_S * 50.0 * (0.05 - physics.SPREAD_DEPTH_M) * 10.0
    assert abs(out[1] - expected) < 1e-12


def test_a_pump_removes_at_most_its_capacity_and_never_more_than_is_there():
    f = floors([10.0], [])
    r = step(f, np.array([1.0]), np.zeros(1), np.array([0.015]), 30.0)
    assert abs(r.pumped_m3 - 0.45) < 1e-12 and abs(r.volume_m3[0] - 0.55) < 1e-12
    r = step(f, np.array([0.1]), np.zeros(1), np.array([0.015]), 30.0)
    assert r.pumped_m3 == 0.1 and r.volume_m3[0] == 0.0


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 8),
    seed=st.integers(0, 10_000),
    steps=st.integers(1, 40),
)
def test_water_volume_is_conserved_while_it_spreads(n, seed, steps):
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
        r = step(f, v, inflow, pumps, 30.0)
        v, pumped = r.volume_m3, pumped + r.pumped_m3
        total_in += inflow.sum() * 30.0
        assert (v >= -1e-12).all()
    assert abs(v.sum() + pumped - total_in) < 1e-9 * max(total_in, 1.0)
