"""Water at run time on the estate: the step converges, spread water dries, the step is a setting."""

from __future__ import annotations

import pytest

from tests.engine.conftest import scenario_file, shipped, variant
from twin.background.rates import default_rates
from twin.engine import run
from twin.engine.hazards import flooding
from twin.engine.run import start
from twin.errors import TwinError
from twin.scenario import load_scenario


def _storm_figures(log) -> dict[str, float]:
    f = log.frame
    damage = dict(zip(f[f.kind == "damage"].detail, f[f.kind == "damage"].value, strict=True))
    incidents = f[f.kind == "incident"]
    return {
        "deepest_m": damage["max_depth_m"],
        "spaces_over_15_cm": damage["spaces_damaged"],
        "incident_min": sorted(incidents.t_s / 60.0),
        "incident_kind": [d.split("|")[0] for d in incidents.sort_values("t_s").detail],
    }


def test_the_storm_drill_at_the_shipped_step_agrees_with_a_one_second_step(estate_twin):
    storm = shipped("storm_basement_cascade.yaml")
    coarse = _storm_figures(run(estate_twin, storm).log)
    fine = _storm_figures(run(estate_twin, variant(storm, physics={"water_step_s": 1})).log)
    # Deepest water within 5 %, spaces over 15 cm within one, every incident within a minute.
    assert coarse["deepest_m"] == pytest.approx(fine["deepest_m"], rel=0.05)
    assert abs(coarse["spaces_over_15_cm"] - fine["spaces_over_15_cm"]) <= 1
    assert coarse["incident_kind"] == fine["incident_kind"]
    for a, b in zip(coarse["incident_min"], fine["incident_min"], strict=True):
        assert abs(a - b) <= 1.0
    # The sump pit's 35 cm is the deepest (the garages level out at 31 cm around it).
    assert 0.30 < fine["deepest_m"] < 0.40


def test_a_year_of_random_bursts_leaves_a_few_hundred_wetted_m2h_per_m3(estate_twin):
    # A year of the estate's random hazards (three times the shipped rates, no work orders):
    # every m³ let out wets at most ~100 m² at 1 cm for about a day before it is mopped, dried
    # or pumped (100 m² × 24 h = 2,400 m²·h), so a few thousand m²·h per m³ is the ceiling;
    # none is left standing at the end. (Before water dried whatever its depth, a year gave
    # ~125,000 m²·h per m³.)
    year = variant(
        shipped("estate_roster.yaml"), duration_h=365 * 24, background={"work_orders": False, "scale": 3.0}
    )
    f = run(estate_twin, year, rates=default_rates()).log.frame
    damage = dict(zip(f[f.kind == "damage"].detail, f[f.kind == "damage"].value, strict=True))
    water = dict(zip(f[f.kind == "water"].detail, f[f.kind == "water"].value, strict=True))
    assert damage["volume_m3"] > 20.0  # about twenty bursts
    assert damage["wetted_m2h"] / damage["volume_m3"] < 3000.0
    assert water["standing"] < 0.01 * damage["volume_m3"]
    assert water["dried"] > 0.0


def test_a_scenario_sets_the_water_step_and_a_bad_one_names_the_field(tmp_path):
    base = shipped("night_riser_burst.yaml").model_dump_json()
    assert '"physics":{"water_step_s":null}' in base.replace(" ", "")
    path = scenario_file(
        tmp_path,
        "name: x\npeople: [{id: a, trades: {plumber: 2}, shift: night}]\nphysics: {water_step_s: 0}\n",
    )
    with pytest.raises(TwinError, match=r"physics\.water_step_s"):
        load_scenario(path)
    path = scenario_file(
        tmp_path,
        "name: x\npeople: [{id: a, trades: {plumber: 2}, shift: night}]\nphysics: {water_step_s: 5}\n",
    )
    assert load_scenario(path).scenario.physics.water_step_s == 5.0


def test_drains_sized_for_the_design_storm_carry_an_ordinary_storm_and_blocked_ones_do_not(estate_twin):
    # C·A = 0.9 × 5,139 m² roofs + 0.7 × 30,000 m² paving = 25,625 m²; at the 100 mm/h design
    # storm the drains carry 25,625 × 0.1 / 3,600 = 712 l/s. A 2-year storm peaking at 70 mm/h
    # (498 l/s of runoff at its peak) passes; with 90 % of the drains blocked, 71 l/s get
    # through and the rest runs down the ramp.
    from twin.engine import physics
    from twin.engine.hazards.storm import design_capacity_m3_s

    assert design_capacity_m3_s(25_625.0) == pytest.approx(0.7118, abs=1e-4)
    assert physics.DESIGN_STORM_MM_H == 100.0
    storm = shipped("storm_basement_cascade.yaml")
    ordinary = dict(
        storm.hazards[0].model_dump(mode="json"), peak_mm_h=70, duration_min=120, drains_blocked_fraction=0.0
    )
    blocked = dict(ordinary, drains_blocked_fraction=0.9)
    for hazard, floods in ((ordinary, False), (blocked, True)):
        f = run(estate_twin, variant(storm, hazards=[hazard], duration_h=3)).log.frame
        water = dict(zip(f[f.kind == "water"].detail, f[f.kind == "water"].value, strict=True))
        assert (water.get("storm", 0.0) > 100.0) is floods
        assert ("Storm drainage overwhelmed" in " ".join(f[f.kind == "incident"].detail)) is floods
        assert "drains carry 712 l/s" in f[f.kind == "hazard"].detail.iloc[0]


def test_the_riser_cupboard_of_the_demo_drill_stands_at_the_same_depth_at_30_s_and_1_s(estate_twin):
    # 9 l/s into a 3.2 m² cupboard with a 0.8 m door: the weir head that carries it is
    # (0.009 / (1.7 × 0.8))^(2/3) = 3.5 cm over the 1 cm threshold, 4.5 cm deep, a little more
    # as the corridor fills. A coarse step must not overfill the cupboard in its first step.
    demo = shipped("night_riser_burst.yaml")
    deepest = []
    for step_s in (None, 1):
        f = run(estate_twin, variant(demo, physics={"water_step_s": step_s})).log.frame
        deepest.append(float(f[(f.kind == "damage") & (f.detail == "max_depth_m")].value.iloc[0]))
    assert deepest[0] == pytest.approx(deepest[1], rel=0.05)
    assert 0.045 < deepest[1] < 0.05


def test_the_storm_drill_solved_sparse_gives_what_the_compiled_dense_step_gives(estate_twin, monkeypatch):
    # With the dense solve capped at 8 spaces in play, every wide step of the storm drill goes
    # through the numpy reference's sparse solve instead of the compiled kernel: the same
    # incidents at the same times, the same deepest water and wetted area to rounding.
    storm = shipped("storm_basement_cascade.yaml")
    dense = run(estate_twin, storm).log.frame
    monkeypatch.setattr(flooding, "DENSE_MAX", 8)
    sparse_steps = []
    solve = flooding.step_numpy

    def counted(*args, **kwargs):
        sparse_steps.append(args[4])
        return solve(*args, **kwargs)

    monkeypatch.setattr(flooding, "step_numpy", counted)
    sparse = run(estate_twin, storm).log.frame
    assert len(sparse_steps) > 100  # the wide steps did go the sparse way (899 of them today)
    assert len(sparse) == len(dense)
    for column in ("t_s", "kind", "place", "person", "detail"):
        assert sparse[column].tolist() == dense[column].tolist()
    assert sparse["value"].to_numpy() == pytest.approx(
        dense["value"].to_numpy(), rel=1e-9, abs=1e-9, nan_ok=True
    )


def test_a_pump_added_again_under_its_key_pumps_at_its_new_rate_from_the_next_step(estate_twin):
    # 10 m³ standing in one space, no hazards: a 10 l/s pump takes 0.3 m³ in a 30 s step; the
    # same pump added again at 20 l/s takes 0.6 m³ in the next one.
    running = start(estate_twin, variant(shipped("night_riser_burst.yaml"), hazards=[]))
    water = running.world.water
    space = max(range(water.floors.n), key=lambda s: water.floors.area_m2[s])
    water.volume[space] = 10.0
    water._rose_at[space] = 0.0  # risen now (water standing a day unrisen dries)
    water.add_pump(("test", space), space, 0.010)
    running.advance(30.0)
    assert water.pumped_m3 == pytest.approx(0.3)
    water.add_pump(("test", space), space, 0.020)
    running.advance(60.0)
    assert water.pumped_m3 == pytest.approx(0.3 + 0.6)
