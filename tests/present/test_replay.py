"""The replay: people interpolated along their routes, water, lifts and incidents at each frame,
and the animated plan of a storey."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.event_frames import frame as _frame
from twin.model import BuildingModel, Storey
from twin.present.replay import (
    STATES,
    Track,
    activities,
    busiest_part,
    default_storey,
    incident_states,
    moving_intervals,
    positions,
    replay_times,
    step_values,
    storey_index,
    storey_label,
    tracks,
)
from twin.present.report import depths_at, incident_table, lifts_out_at, positions_at, storey_at, task_bars

NAN = math.nan




def test_a_person_moves_in_a_straight_line_between_two_points_of_their_route():
    f = _frame([
        (10.0, "move", "A", "", 0.0, 0.0, 0.0, NAN, ""),
        (20.0, "move", "A", "", 10.0, 0.0, 0.0, NAN, ""),
        (30.0, "move", "A", "", 10.0, 4.0, 3.0, NAN, ""),
    ])
    xyz = positions(tracks(f), np.array([5.0, 10.0, 15.0, 20.0, 25.0, 40.0]))
    assert np.isnan(xyz[0, 0]).all()  # not on site before the first point
    assert xyz[0, 1:, 0].tolist() == [0.0, 5.0, 10.0, 10.0, 10.0]
    assert xyz[0, 4].tolist() == [10.0, 2.0, 1.5]  # halfway up a stair: halfway up in z too
    assert xyz[0, 5].tolist() == [10.0, 4.0, 3.0]  # stays at the last point


def test_a_person_waits_where_they_are_until_dispatched_then_walks():
    f = _frame([
        (20.0, "move", "A", "", 10.0, 0.0, 0.0, NAN, ""),
        (100.0, "dispatched", "A", "Riser", 0.0, 0.0, 0.0, 30.0, "repair", 0, 1),
        (110.0, "move", "A", "", 20.0, 0.0, 0.0, NAN, ""),
    ])
    track = tracks(f)["A"]
    assert track.t.tolist() == [20.0, 100.0, 110.0]
    xyz = positions(tracks(f), np.array([50.0, 100.0, 105.0]))
    assert xyz[0, :, 0].tolist() == [10.0, 10.0, 15.0]  # not drifting for 80 s: waiting, then walking


def test_staff_wait_at_base_from_when_they_come_on_duty():
    f = _frame([(300.0, "move", "A", "", 4.0, 0.0, 0.0, NAN, "")])
    people = tracks(f, start={"A": (0.0, (0.0, 0.0, 0.0)), "B": (600.0, (7.0, 7.0, 0.0))})
    assert list(people) == ["A", "B"]
    xyz = positions(people, np.array([0.0, 150.0, 300.0, 599.0, 600.0]))
    assert xyz[0, :, 0].tolist() == [0.0, 2.0, 4.0, 4.0, 4.0]  # no departure logged: walks from the start
    assert np.isnan(xyz[1, :4, 0]).all() and xyz[1, 4].tolist() == [7.0, 7.0, 0.0]


def test_replay_positions_agree_with_the_reports_at_every_point_of_the_route():
    f = _frame([
        (10.0, "move", "A", "", 1.0, 2.0, 0.0, NAN, ""),
        (15.0, "move", "B", "", 5.0, 5.0, 3.0, NAN, ""),
        (20.0, "move", "A", "", 3.0, 4.0, 0.0, NAN, ""),
    ])
    people = tracks(f)
    order = list(people)
    for t, p in zip(f["t_s"], f["person"], strict=True):
        ours = positions(people, np.array([t]))[order.index(p), 0]
        theirs = positions_at(f, t).set_index("person").loc[p, ["x", "y", "z"]]
        assert ours.tolist() == theirs.tolist()
    # In between, the report keeps the last point; the replay is on the way to the next.
    assert positions(people, np.array([15.0]))[order.index("A"), 0].tolist() == [2.0, 3.0, 0.0]


def test_the_replay_slows_down_while_anyone_walks_and_keeps_the_moments_things_change():
    people = {"A": Track(np.array([0.0, 100.0, 110.0]), np.array([[0, 0, 0], [0, 0, 0], [10, 0, 0.0]]))}
    assert moving_intervals(people) == [(100.0, 110.0)]
    t = replay_times(people, end_s=600.0, events=[250.0], step_s=300.0, moving_step_s=5.0)
    assert t.tolist() == [0.0, 100.0, 105.0, 110.0, 250.0, 300.0, 600.0]
    # Too many frames: the steps grow until they fit; the events stay.
    few = replay_times(people, end_s=600.0, events=[250.0], step_s=60.0, moving_step_s=1.0, max_frames=8)
    assert few.size <= 8 and 250.0 in few and few[0] == 0.0 and few[-1] == 600.0


def test_overlapping_walks_merge_into_one_stretch():
    people = {
        "A": Track(np.array([0.0, 10.0, 20.0]), np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0.0]])),
        "B": Track(np.array([15.0, 30.0]), np.array([[5, 0, 0], [6, 0, 0.0]])),
        "C": Track(np.array([50.0, 60.0]), np.array([[5, 0, 0], [5, 0, 0.0]])),  # waits: no walk
    }
    assert moving_intervals(people) == [(0.0, 30.0)]


def test_water_depth_steps_and_agrees_with_the_report():
    f = _frame([
        (0.0, "depth", "", "R1", 1.0, 1.0, 0.0, 0.10, ""),
        (60.0, "depth", "", "R1", 1.0, 1.0, 0.0, 0.30, ""),
        (60.0, "depth", "", "R2", 5.0, 1.0, 0.0, 0.05, ""),
        (120.0, "depth", "", "R1", 1.0, 1.0, 0.0, 0.0, ""),
    ])
    times = np.array([30.0, 60.0, 90.0, 130.0])
    places, depth = step_values(f, "depth", "place", times)
    assert places == ["R1", "R2"]
    assert depth.tolist() == [[0.10, 0.30, 0.30, 0.0], [0.0, 0.05, 0.05, 0.05]]
    for j, t in enumerate(times):
        wet = depths_at(f, t).set_index("place")["depth_m"].to_dict()
        assert wet == {p: d for p, d in zip(places, depth[:, j], strict=True) if d > 0}


def test_a_lift_is_out_between_its_stop_and_its_restart():
    f = _frame([
        (10.0, "lift", "", "Garage", 0.0, 0.0, 0.0, 0.0, "Lift A"),
        (10.0, "lift", "", "Lobby", 0.0, 0.0, 0.0, 0.0, "Lift B"),
        (50.0, "lift", "", "Garage", 0.0, 0.0, 0.0, 1.0, "Lift A"),
    ])
    times = np.array([5.0, 20.0, 60.0])
    names, running = step_values(f, "lift", "detail", times, before=1.0)
    stopped = running == 0
    assert names == ["Lift A", "Lift B"]
    assert stopped.tolist() == [[False, True, False], [False, True, True]]
    for j, t in enumerate(times):
        assert lifts_out_at(f, t) == [n for n, s in zip(names, stopped[:, j], strict=True) if s]


def test_an_incident_goes_through_its_states_in_order():
    f = _frame([
        (0.0, "incident", "", "Riser", 1.0, 2.0, 3.0, 0.0, "pipe_burst|red|Burst", 0),
        (100.0, "reported", "", "Riser", 1.0, 2.0, 3.0, NAN, "phone", 0),
        (100.0, "dispatched", "A", "Valve", 0.0, 0.0, 0.0, 60.0, "isolate", 0, 0),
        (160.0, "on_site", "A", "Valve", 0.0, 0.0, 0.0, NAN, "isolate", 0, 0),
        (400.0, "made_safe", "", "Riser", 1.0, 2.0, 3.0, NAN, "", 0),
        (50.0, "incident", "", "Lift", 9.0, 9.0, 0.0, 0.0, "entrapment|red|Trapped", 1),
    ])
    table = incident_table(f.sort_values("t_s", kind="stable"))
    state = incident_states(table, np.array([0.0, 40.0, 100.0, 160.0, 500.0]))
    words = [[STATES[s] if s >= 0 else "-" for s in row] for row in state]
    assert words[0] == ["not known yet", "not known yet", "help on the way", "someone on site", "made safe"]
    assert words[1] == ["-", "-", "not known yet", "not known yet", "not known yet"]


def test_a_person_is_on_the_way_then_working_then_free():
    f = _frame([
        (0.0, "dispatched", "A", "Valve", 0.0, 0.0, 0.0, 90.0, "isolate", 0, 0),
        (100.0, "on_site", "A", "Valve", 0.0, 0.0, 0.0, NAN, "isolate", 0, 0),
        (400.0, "done", "A", "Valve", 0.0, 0.0, 0.0, NAN, "isolate", 0, 0),
    ])
    bars = task_bars(f, end_s=1000.0)
    activity, doing = activities(bars, ["A", "B"], np.array([0.0, 50.0, 100.0, 399.0, 400.0]))
    assert activity.tolist() == [[1, 1, 2, 2, 0], [0, 0, 0, 0, 0]]
    assert doing.tolist() == [[0, 0, 0, 0, -1], [-1] * 5]


def test_storey_index_agrees_with_the_reports_storey_at():
    model = BuildingModel(sources=(), storeys=(Storey("b", "B1", -4.0), Storey("g", "GF", 0.0),
                                              Storey("1", "L01", 4.5)),
                          spaces=(), doors=(), stairs=(), lifts=(), equipment=(), systems=())
    z = np.array([-4.0, -0.2, 0.0, 3.0, 4.4, 4.5, 40.0, -9.0, NAN])
    assert storey_index(model, z).tolist() == [storey_at(model, v) for v in z] == [0, 1, 1, 1, 2, 2, 2, 0, -1]


def test_the_replay_opens_on_the_storey_of_the_first_incident():
    overview = pd.DataFrame({
        "storey": [0, 1, 2], "name": ["B1", "GF", "L01"], "elevation_m": [-4.0, 0.0, 4.5],
        "incidents": [1, 0, 1], "wet_spaces": [0, 3, 9], "people": [2, 1, 0], "first_s": [600.0, NAN, 0.0],
    })
    assert default_storey(overview) == 2
    assert default_storey(overview.assign(incidents=0)) == 2  # else where most rooms get wet
    assert default_storey(overview.assign(incidents=0, wet_spaces=0), fallback=1) == 1
    assert storey_label(overview.iloc[0].to_dict()) == "B1 (-4.00 m): 1 incident · 2 people"
    assert storey_label(overview.iloc[2].to_dict()) == "L01 (+4.50 m): 1 incident · water in 9 rooms"


def test_the_part_of_a_storey_shown_first_is_where_most_happens():
    from twin.present.plan import PlanPart

    parts = (PlanPart("A", 10, (0.0, 0.0, 40.0, 20.0)), PlanPart("B", 8, (65.0, 0.0, 105.0, 20.0)))
    assert busiest_part(parts, [(80.0, 10.0), (70.0, 5.0), (10.0, 10.0)]) == 1
    assert busiest_part(parts, []) == 0  # nothing happens: the larger part
    assert busiest_part((), [(1.0, 1.0)]) == -1


# ------------------------------------------------------------------- the demo drill, end to end


@pytest.fixture(scope="module")
def demo(estate_twin: Any) -> Any:
    from twin.engine import run
    from twin.present.replay import build_replay
    from twin.scenario import default_scenario_path, load_scenario

    scenario = load_scenario(default_scenario_path()).scenario
    result = run(estate_twin, scenario)
    return estate_twin, result.log.frame, scenario, build_replay(estate_twin, result.log.frame, scenario)


def test_the_demo_replay_shows_the_guard_closing_the_basement_valve_and_the_water_on_l14(demo):
    twin, frame, scenario, rp = demo
    assert rp.times[0] == 0.0 and rp.times[-1] == scenario.duration_s
    assert 60 < rp.times.size <= 240
    # Every on-site moment is a frame, and the guard is at the valve then (in the basement).
    on = frame[(frame["kind"] == "on_site") & (frame["person"] == "N-SEC1")].iloc[0]
    j = int(np.flatnonzero(np.isclose(rp.times, math.ceil(on["t_s"] * 10 - 1e-6) / 10))[0])
    i = rp.people.index("N-SEC1")
    assert rp.xyz[i, j].tolist() == pytest.approx([on["x"], on["y"], on["z"]], abs=0.1)
    assert twin.model.storeys[rp.storey[i, j]].name == "B1" and rp.activity[i, j] == 2
    # The night shift waits at base from the start; the day shift comes at 07:00.
    assert rp.storey[rp.people.index("N-DSK"), 0] >= 0 and rp.storey[rp.people.index("D-PLB1"), 0] == -1
    # Water only on the burst's storey and the one below it; the end matches the report's.
    floors = {twin.model.storeys[s].name for s in rp.place_storey[rp.depth.max(axis=1) > 0]}
    assert floors <= {"L14", "L13"} and "L14" in floors
    wet_end = depths_at(frame, scenario.duration_s).set_index("place")["depth_m"].to_dict()
    assert {p: d for p, d in zip(rp.places, rp.depth[:, -1], strict=True) if d > 0} == wet_end


def test_the_demo_replay_figure_has_a_frame_per_time_a_play_button_and_the_clock(demo):
    from twin.present.replay import replay_figure, replay_parts, storey_overview

    twin, _, _, rp = demo
    overview = storey_overview(twin, rp)
    storey = default_storey(overview)
    assert twin.model.storeys[storey].name == "L14"
    parts, best = replay_parts(twin, rp, storey)
    assert parts[best].label == "B-14"
    fig = replay_figure(twin, rp, storey, view=parts[best].bounds, view_name=parts[best].label)
    spec = json.loads(fig.to_json())
    assert len(spec["frames"]) == rp.times.size
    assert spec["layout"]["updatemenus"][0]["buttons"][0]["label"] == "▶ Play"
    slider = spec["layout"]["sliders"][0]
    assert len(slider["steps"]) == rp.times.size and slider["steps"][0]["label"] == "02:10"
    # It opens when the first person reaches L14 after the report: the guard, made safe.
    title = spec["layout"]["title"]["text"]
    assert "storey <b>L14</b> at +43.50 m, showing <b>B-14</b>" in title
    assert title.startswith("<b>02:37:") and "1 person on this storey" in title
    legend = {t.get("name") for t in spec["data"] if t.get("showlegend") is not False}
    assert {"incident: made safe", "person working on a task", "lift out of service (OUT)", "room (dry)"} <= legend
    incidents = next(t for t in spec["data"] if t.get("name") == "incidents")
    assert incidents["text"] == ["<b>#0</b> made safe"]
    people = next(t for t in spec["data"] if t.get("name") == "people")
    assert people["text"] == ["N-SEC1"]
    # Water: the colour bar runs to the deepest water of the run, in cm.
    bar = next(t for t in spec["data"] if t.get("name") == "water" and t.get("marker", {}).get("showscale"))
    assert bar["marker"]["cmax"] == pytest.approx(100 * rp.depth.max())
