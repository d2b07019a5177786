"""The engine's defaults do what their comments say: checked on the engine's own draws and
against hand arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.engine import physics
from twin.engine.hazards.entrapment import trapped_passengers
from twin.engine.hazards.power import generator_starts
from twin.engine.hazards.storm import Storm, catchment_m2, design_capacity_m3_s


def test_a_car_that_stops_occupied_holds_1_80_people_on_average_not_1_6():
    # max(1, Poisson(λ)) counts the Poisson's zero as one: mean λ + e^−λ = 1.6 + 0.2019 = 1.8019;
    # E[Y²] = λ + λ² + e^−λ = 4.3619, so the variance is 4.3619 − 1.8019² = 1.1151.
    lam = physics.PASSENGERS_PER_OCCUPIED_CAR
    assert lam == 1.6
    exact = sum(max(1, k) * math.exp(-lam) * lam**k / math.factorial(k) for k in range(60))
    assert exact == pytest.approx(lam + math.exp(-lam), abs=1e-12)
    assert exact == pytest.approx(1.8019, abs=1e-4)
    n = 100_000
    rng = np.random.default_rng(20261130)
    draws = np.array([trapped_passengers(rng) for _ in range(n)])
    assert draws.min() == 1
    variance = lam + lam**2 + math.exp(-lam) - exact**2
    assert variance == pytest.approx(1.1151, abs=1e-4)
    se = math.sqrt(variance / n)  # 0.0033
    assert abs(draws.mean() - exact) < 4 * se
    assert draws.mean() - lam > 50 * se  # 1.6 is not the mean the engine draws


def test_the_standby_set_starts_by_itself_on_95_of_100_demands_by_default():
    # 20,000 demands at p = 0.95: the share that start has σ = √(0.95 × 0.05 / 20,000) = 0.0015,
    # so it lies within 0.95 ± 3.29 σ = 0.945–0.955 but for one seed in a thousand.
    assert physics.GENERATOR_START_PROBABILITY == 0.95
    n = 20_000
    rng = np.random.default_rng(7)
    started = sum(generator_starts(rng) for _ in range(n))
    sigma = math.sqrt(0.95 * 0.05 / n)
    assert abs(started / n - 0.95) < 3.29 * sigma
    assert not any(generator_starts(rng, 0.0) for _ in range(100))
    assert all(generator_starts(rng, 1.0) for _ in range(100))


def test_one_sump_pump_carries_the_ramps_own_rain_at_the_design_storm_with_2_4_times_margin():
    # physics.SUMP_PUMP_L_S's sizing argument: an assumed 250 m² ramp, C 0.9, at 100 mm/h
    # runs off 250 × 0.9 × 0.1 m/h / 3,600 s = 6.25 l/s; one 15 l/s pump carries it 2.4 times.
    ramp_l_s = 250.0 * physics.RUNOFF_ROOF * physics.DESIGN_STORM_MM_H * physics.MM_H_TO_M_S * 1000.0
    assert ramp_l_s == pytest.approx(6.25)
    assert physics.SUMP_PUMP_L_S / ramp_l_s == pytest.approx(2.4)


def test_a_scenario_storm_without_paving_drains_278_l_s_on_the_estate_and_with_30000_m2_712(estate_twin):
    # The estate's footprint is 5,139 m²; a scenario's storm without paved_area_m2 paves
    # 1.5 × 5,139 = 7,709 m²: C·A = 0.9 × 5,139 + 0.7 × 7,709 = 10,021 m², drains sized for
    # 100 mm/h carry 10,021 × 0.1 / 3,600 = 278 l/s. The background storm and the shipped storm
    # drill pave 30,000 m²: C·A = 25,625 m², 712 l/s.
    sized = {}
    for paved in (None, 30_000.0):
        roof, paved_m2 = catchment_m2(estate_twin.model, Storm(kind="storm", paved_area_m2=paved))
        assert roof == pytest.approx(5139.2, abs=0.1)
        ca = physics.RUNOFF_ROOF * roof + physics.RUNOFF_PAVING * paved_m2
        sized[paved] = (paved_m2, design_capacity_m3_s(ca) * 1000.0)
    assert sized[None] == pytest.approx((7708.8, 278.4), abs=0.1)
    assert sized[30_000.0] == pytest.approx((30_000.0, 711.8), abs=0.1)
