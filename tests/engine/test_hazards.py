"""Hazard physics a person can check by hand, on the default estate."""

from __future__ import annotations

import pytest

from tests.engine.conftest import shipped, variant
from twin.background.rates import default_rates
from twin.engine import run
from twin.engine.hazards.burst import burst_flow_m3_s


def test_burst_flow_is_the_orifice_equation():
    # Q = 0.6 · 5e-4 m² · √(2 · 4.5e5 Pa / 1000 kg/m³) = 0.6 · 5e-4 · 30 = 9.0 l/s
    assert burst_flow_m3_s(4.5, 5.0) == pytest.approx(0.009, rel=1e-12)


def test_a_15_mm_pipes_bore_is_1_77_cm2_and_a_full_bore_break_of_it_lets_out_2_6_to_3_7_l_s():
    from twin.engine.physics import bore_area_cm2

    # π · (0.015 m)² / 4 = 1.7671e-4 m² = 1.7671 cm²; DN32: π · 0.032² / 4 = 8.0425 cm².
    assert bore_area_cm2(0.015) == pytest.approx(1.7671, abs=1e-4)
    assert bore_area_cm2(0.032) == pytest.approx(8.0425, abs=1e-4)
    # Q = 0.6 · 1.7671e-4 m² · √(2 · 3e5 / 1000) = 0.6 · 1.7671e-4 · 24.495 = 2.597 l/s at 3 bar,
    # · √(2 · 6e5 / 1000) = 34.641 → 3.673 l/s at 6 bar: the most a flat's pipework lets out.
    assert burst_flow_m3_s(3.0, bore_area_cm2(0.015)) == pytest.approx(2.597e-3, rel=1e-3)
    assert burst_flow_m3_s(6.0, bore_area_cm2(0.015)) == pytest.approx(3.673e-3, rel=1e-3)


def test_no_background_leak_has_a_hole_larger_than_its_pipes_bore(estate_twin):
    # The rates' holes are lognormal, median 1.5 cm², p90 5 cm²: σ = ln(5 / 1.5) / 1.2816 = 0.9395,
    # so P(hole > 1.7671 cm²) = 1 − Φ(ln(1.7671 / 1.5) / 0.9395) = 1 − Φ(0.1744) = 0.431 of a flat's
    # leaks are capped at its 15 mm bore. A DN32 floor branch (8.04 cm²) caps only
    # 1 − Φ(ln(8.0425 / 1.5) / 0.9395) = 1 − Φ(1.787) = 0.037 of them.
    import numpy as np

    from twin.engine.hazards.burst import leak_burst, leak_ref, leak_sites
    from twin.engine.plant import build_plant
    from twin.scenario.schema import draw

    plant = build_plant(estate_twin.model, estate_twin.graph)
    sites = leak_sites(estate_twin, plant).sites
    flat = leak_ref(estate_twin, plant, next(s for s in sites if s.item < 0))
    branch = leak_ref(estate_twin, plant, next(s for s in sites if s.item >= 0 and s.diameter_m == 0.032))
    rate = default_rates().hazards["pipe_burst"]
    rng = np.random.default_rng(7)
    for ref, bore, capped in ((flat, 1.7671, 0.431), (branch, 8.0425, 0.037)):
        holes = np.array(
            [
                leak_burst(rate, {k: draw(getattr(rate, k), rng) for k in rate.DRAWS}, ref).hole_area_cm2
                for _ in range(4000)
            ]
        )
        assert holes.max() == pytest.approx(bore, abs=1e-4)
        # 4,000 draws: the share capped within 3 standard errors (√(0.431 · 0.569 / 4000) = 0.008).
        assert (holes == holes.max()).mean() == pytest.approx(capped, abs=0.025)


def test_a_drill_hole_larger_than_its_pipes_bore_is_refused_with_the_bore(estate_twin):
    from tests.engine.test_scenario import MINIMAL
    from twin.engine import compile_drill
    from twin.scenario import FieldError, parse_scenario

    # Branch A L14 is DN32 in the file: π · 0.032² / 4 = 8.04 cm².
    text = MINIMAL + "hazards:\n  - {kind: pipe_burst, at: Branch A L14, hole_area_cm2: %s}\n"
    with pytest.raises(
        FieldError, match=r"hazards\[0\]\.hole_area_cm2: 10 cm² is larger than the bore .*8\.04"
    ):
        compile_drill(estate_twin, parse_scenario(text % 10).scenario)
    compile_drill(estate_twin, parse_scenario(text % 8).scenario)


def test_closing_the_valve_stops_the_flow(estate_twin):
    result = run(estate_twin, shipped("night_riser_burst.yaml"))
    f = result.log.frame
    burst_at = f[f.kind == "hazard"].t_s.iloc[0]
    closed = f[(f.kind == "valve") & (f.value == 0)]
    assert len(closed) == 1 and closed.detail.iloc[0] == "Riser valve B"
    released = f[(f.kind == "water") & (f.detail == "burst")].value.iloc[0]
    # 9 l/s from the burst until the valve closed, and not a litre after.
    assert released == pytest.approx(0.009 * (closed.t_s.iloc[0] - burst_at), rel=1e-9)


def test_the_valve_is_closed_by_a_person_qualified_to_isolate_who_walked_there(estate_twin):
    scenario = shipped("night_riser_burst.yaml")
    f = run(estate_twin, scenario).log.frame
    done = f[(f.kind == "done") & f.detail.str.startswith("isolate")]
    who = done.person.iloc[0]
    person = next(p for p in scenario.people if p.id == who)
    assert person.trades.get("plumber", 0) >= 1
    arrived = f[(f.kind == "on_site") & (f.person == who) & (f.task == done.task.iloc[0])]
    assert arrived.place.iloc[0] == "Riser valve B"
    moves = f[(f.kind == "move") & (f.person == who) & (f.t_s <= arrived.t_s.iloc[0])]
    assert len(moves) >= 3  # walked there node by node, from their base in tower A


def test_water_spreads_from_the_riser_cupboard_and_stays_accounted_for(estate_twin):
    f = run(estate_twin, shipped("night_riser_burst.yaml")).log.frame
    water = dict(zip(f[f.kind == "water"].detail, f[f.kind == "water"].value, strict=True))
    # What came out is what stands, plus what was pumped or mopped up.
    assert water["burst"] == pytest.approx(water["standing"] + water["pumped"] + water["mopped"], rel=1e-9)
    wet = f[(f.kind == "depth") & (f.value > 0)].place.unique()
    assert "B-14-PLB Plumbing riser B L14" in wet and "B-14-COR Corridor B L14" in wet
    assert any(p.startswith("B-13-") for p in wet)  # through the slab to the storey below


def _sump_depth(log, minute: float) -> float:
    f = log.frame
    rows = f[(f.kind == "depth") & (f.place == "B1-SUMP Sump Pit") & (f.t_s <= minute * 60)]
    return float(rows.value.iloc[-1]) if len(rows) else 0.0


def test_flood_depth_rises_faster_once_the_sump_pumps_lose_power(estate_twin):
    storm = shipped("storm_basement_cascade.yaml")
    gentle = dict(storm.hazards[0].model_dump(mode="json"), peak_mm_h=60, duration_min=120)
    powered = variant(storm, hazards=[gentle], duration_h=2)
    outage = {
        "kind": "power_loss",
        "at": "Main switchboard",
        "duration_min": None,
        "generator_start_probability": 0.0,
        "start_min": 0,
    }
    dark = variant(storm, hazards=[gentle, outage], duration_h=2)
    a, b = run(estate_twin, powered).log, run(estate_twin, dark).log
    pumps_off = b.frame[
        (b.frame.kind == "power") & b.frame.detail.str.startswith("Sump pump") & (b.frame.value == 0)
    ]
    assert len(pumps_off) == 2
    for minute in (20, 30, 40):  # until the blocked drain is cleared (~33 min) and after
        assert _sump_depth(b, minute) > _sump_depth(a, minute)

    def pumped(log):
        return log.frame[(log.frame.kind == "water") & (log.frame.detail == "pumped")].value.iloc[0]

    # In the dark only the crews' portable pumps run (two: the storm's and the flooding's).
    assert pumped(a) > 0 and pumped(b) > 0


def test_a_flooded_electrical_room_trips_the_power_and_stops_lifts(estate_twin):
    f = run(estate_twin, shipped("storm_basement_cascade.yaml")).log.frame
    over = f[(f.kind == "depth") & (f.place == "B1-MER Main Electrical Room") & (f.detail == "over 30 cm")]
    trip = f[(f.kind == "incident") & f.detail.str.contains("Power loss at Main switchboard")]
    assert len(over) == 1 and len(trip) == 1 and trip.t_s.iloc[0] == over.t_s.iloc[0]
    stopped = f[(f.kind == "lift") & (f.value == 0) & (f.t_s == trip.t_s.iloc[0])]
    assert len(stopped) == 9  # the generator feeds through the flooded board: nothing runs


def test_entrapments_are_rescued_only_by_lift_qualified_people_or_the_contractor(estate_twin):
    scenario = shipped("day_grid_outage.yaml")
    f = run(estate_twin, scenario).log.frame
    rescues = f[(f.kind == "done") & (f.detail == "rescue passengers")]
    trapped = f[f.kind == "entrapment"].dropna(subset=["value"])
    assert len(rescues) == int((f.kind == "incident").sum() - 1) > 0  # every entrapment
    qualified = {p.id for p in scenario.people if p.trades.get("lift_technician", 0) >= 1}
    qualified |= {c.id for c in scenario.contractors}
    assert set(rescues.person) <= qualified
    assert len(trapped) >= len(rescues)


def test_with_nobody_qualified_for_lifts_the_passengers_stay_trapped(estate_twin):
    scenario = shipped("day_grid_outage.yaml")
    people = [p.model_dump(mode="json") for p in scenario.people]
    for p in people:
        p["trades"].pop("lift_technician", None)
    f = run(estate_twin, variant(scenario, people=people, contractors=[])).log.frame
    trapped = f[(f.kind == "incident") & f.detail.str.startswith("entrapment")]
    assert len(trapped) > 0
    assert not ((f.kind == "done") & (f.detail == "rescue passengers")).any()
    assert not f[(f.kind == "made_safe") & f.incident.isin(trapped.incident)].shape[0]


def test_the_generator_brings_back_the_service_lifts_and_the_passenger_lifts_stay_off(estate_twin):
    f = run(estate_twin, shipped("day_grid_outage.yaml")).log.frame
    lifts = f[(f.kind == "lift") & (f.t_s <= 60)]
    last = lifts.groupby("detail").value.last()
    assert set(last[last == 0].index) == {f"Lift {t}{n}" for t in "ABC" for n in (1, 2)}
    assert set(last[last == 1].index) == {f"Lift {t}3 (service)" for t in "ABC"}
    back = lifts[lifts.value == 1].t_s
    assert (back == 10.0).all()  # a Type 10 standby set takes the load in 10 s
    trapped = f[(f.kind == "incident") & f.detail.str.startswith("entrapment")].detail
    assert not trapped.str.contains("service").any()  # cars moving again trap nobody


def test_a_total_two_hour_outage_darkens_all_810_households_for_two_hours(estate_twin):
    # The transformer fails for exactly 2 h and the generator starts, feeding only the essential
    # loads (pumps, service lifts): every flat is dark, whether its nearest power carrier is a
    # board (324 flats) or a cable fitting (486), until the utility returns: 810 × 2 = 1,620.
    from twin.kpi import compute_kpis

    grid = shipped("day_grid_outage.yaml")
    total = dict(grid.hazards[0].model_dump(mode="json"), duration_min=120, generator_start_probability=1.0)
    scenario = variant(grid, hazards=[total])
    log = run(estate_twin, scenario).log
    f = log.frame
    dark = f[(f.kind == "supply") & (f.detail == "power")]
    assert dark.value.tolist() == [810.0, 0.0] and dark.t_s.tolist() == [0.0, 7200.0]
    assert compute_kpis(log, scenario).summary["power_outage_household_h"] == pytest.approx(1620.0)


def test_a_board_fault_darkens_the_households_downstream_of_it_only(estate_twin):
    # One storey board of tower B fails: the flats it feeds (through it or the cable fittings
    # after it) go dark, a handful out of 810, none in another tower.
    from twin.engine.plant import served_households

    drill_plant = run(estate_twin, shipped("night_riser_burst.yaml")).drill.plant
    board = next(i for i, n in enumerate(drill_plant.name) if n == "DB B L14")
    fed = served_households(drill_plant, drill_plant.downstream([board], "power"), "power")
    names = [estate_twin.model.spaces[int(s)].name for s in fed]
    assert 0 < len(names) < 20 and all(n.startswith("B-14") for n in names)


def test_places_with_weights_1_2_7_are_drawn_in_proportion_to_them():
    # Three pipes of 1, 2 and 7 m (same size): the cumulative shares are 0.1, 0.3 and 1.0, so a
    # uniform u below 0.1 falls on the first, below 0.3 on the second, the rest on the third;
    # 20,000 draws land within 0.015 of 10 / 20 / 70 % (4.6 standard deviations for the 70 %).
    import numpy as np

    from twin.engine.hazards.kind import Places

    places = Places(3, lambda k: ["1 m", "2 m", "7 m"][k], [1.0, 2.0, 7.0])
    assert [places.index_at(u) for u in (0.0, 0.0999, 0.1, 0.2999, 0.3, 0.9999)] == [0, 0, 1, 1, 2, 2]
    u = np.random.default_rng(11).random(20_000)
    share = np.bincount([places.index_at(x) for x in u], minlength=3) / u.size
    assert share == pytest.approx([0.1, 0.2, 0.7], abs=0.015)
    with pytest.raises(ValueError, match="weights"):
        Places(2, str, [0.0, 0.0])
    # A sweep's workers get the places pickled: the weights go with them.
    import pickle

    again = pickle.loads(pickle.dumps(places))
    assert list(again) == ["1 m", "2 m", "7 m"] and again.index_at(0.25) == 1


def test_a_pipes_share_of_the_leaks_is_its_length_over_its_diameter():
    from twin.engine.physics import pipe_break_weight

    # weight = L · 0.1 m / DN: 7 m of DN50 counts 14; a flat's 25 m of 15 mm pipe 166.7; a 3 m
    # DN80 riser storey 3.75 — per metre the flat's pipe breaks 80/15 = 5.3 times as often.
    assert pipe_break_weight(7.0, 0.05) == pytest.approx(14.0)
    assert pipe_break_weight(25.0, 0.015) == pytest.approx(166.667, rel=1e-5)
    assert pipe_break_weight(3.0, 0.08) == pytest.approx(3.75)
    assert pipe_break_weight(7.0, None) == pipe_break_weight(7.0, 0.05)  # no size: a DN50 pipe


def test_a_leak_is_drawn_by_pipe_length_and_size_and_isolated_where_it_starts(estate_twin):
    # The estate's water pipes from the IFC (Length quantity, NominalDiameter): per tower risers
    # of 4.0 (B1) + 4.5 (GF) + 27 × 3.0 m = 89.5 m of DN80 and 28 floor branches of 38.6 m of
    # DN32; plus 25 m of 15 mm pipework in each of 810 flats. Weights L/DN:
    #   flats 810 · 25 / 0.015 = 1,350,000; branches 84 · 38.6 / 0.032 = 101,325;
    #   risers 3 · 89.5 / 0.08 = 3,356.25 → shares 92.80 %, 6.97 %, 0.23 %.
    # A flat's leak is closed at its stop valve (1 household), a branch at its floor valve (the
    # floor's 10 flats; the ground floor's has none), a riser at the riser valve (the tower's
    # 270): 0.9280 · 1 + 0.0697 · 10 · 81/84 + 0.00231 · 270 = 2.22 households per leak, where
    # drawing a flat alike for every leak gave 1.
    import numpy as np

    from twin.engine.hazards.burst import leak_ref, leak_sites
    from twin.engine.plant import build_plant

    plant = build_plant(estate_twin.model, estate_twin.graph)
    found = leak_sites(estate_twin, plant)
    weight = np.array([s.weight for s in found.sites])
    kind = np.array(
        ["flat" if s.item < 0 else plant.name[s.item].split()[0] for s in found.sites], dtype=object
    )
    share = {k: weight[kind == k].sum() / weight.sum() for k in ("flat", "Branch", "Riser")}
    assert share == pytest.approx({"flat": 0.92804, "Branch": 0.069655, "Riser": 0.0023072}, rel=1e-3)
    households = np.array([len(leak_ref(estate_twin, plant, s)["households"]) for s in found.sites])
    assert set(households[kind == "flat"]) == {1}
    assert set(households[kind == "Riser"]) == {270}
    assert sorted(set(households[kind == "Branch"])) == [0, 10]
    assert float(households @ weight / weight.sum()) == pytest.approx(2.2227, abs=1e-3)
    branch = next(s for s in found.sites if s.item >= 0 and plant.name[s.item] == "Branch A L14")
    ref = leak_ref(estate_twin, plant, branch)
    assert ref["valve_name"] == "Valve A L14"
    assert sorted(estate_twin.model.spaces[h].name[:4] for h in ref["households"]) == ["A-14"] * 10


def test_background_leaks_are_closed_where_they_start_and_cut_off_only_those_households(estate_twin):
    # A month of hazards at 20 times the rates: most leaks start in a flat and are closed at its
    # stop valve (one household without water until the repair); any in a floor branch or a riser
    # is closed at that floor's or riser's valve. The households without water never exceed what
    # the open leaks' valves cut off.
    month = variant(
        shipped("estate_roster.yaml"), duration_h=30 * 24, background={"work_orders": False, "scale": 20.0}
    )
    f = run(estate_twin, month, rates=default_rates()).log.frame
    leaks = f[(f.kind == "incident") & f.detail.str.startswith("pipe_burst")]
    assert len(leaks) >= 3
    in_flats = leaks.detail.str.contains("Burst at pipework in ")
    assert in_flats.mean() >= 0.5
    closed = f[(f.kind == "valve") & (f.value == 0)]
    assert len(closed) >= 1
    assert all(d.startswith(("stop valve of ", "Valve ", "Riser valve ")) for d in closed.detail)
    without = f[(f.kind == "supply") & (f.detail == "water")].value
    assert without.max() <= (~in_flats).sum() * 270 + in_flats.sum()
