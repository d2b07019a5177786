"""The building at time t of an event log: people interpolated along their routes, what they are
doing, water, lifts and incidents — checked on hand-written logs."""

from __future__ import annotations

import math

import numpy as np

from tests.event_frames import frame as _frame
from twin.events.state import (
    STATES,
    Track,
    activities,
    incident_states,
    moving_intervals,
    positions,
    states,
    step_values,
    tracks,
)
from twin.events.tables import incident_table, task_bars

NAN = math.nan


def test_a_person_moves_in_a_straight_line_between_two_points_of_their_route():
    f = _frame(
        [
            (10.0, "move", "A", "", 0.0, 0.0, 0.0, NAN, ""),
            (20.0, "move", "A", "", 10.0, 0.0, 0.0, NAN, ""),
            (30.0, "move", "A", "", 10.0, 4.0, 3.0, NAN, ""),
        ]
    )
    xyz = positions(tracks(f), np.array([5.0, 10.0, 15.0, 20.0, 25.0, 40.0]))
    assert np.isnan(xyz[0, 0]).all()  # not on site before the first point
    assert xyz[0, 1:, 0].tolist() == [0.0, 5.0, 10.0, 10.0, 10.0]
    assert xyz[0, 4].tolist() == [10.0, 2.0, 1.5]  # halfway up a stair: halfway up in z too
    assert xyz[0, 5].tolist() == [10.0, 4.0, 3.0]  # stays at the last point


def test_a_person_waits_where_they_are_until_dispatched_then_walks():
    f = _frame(
        [
            (20.0, "move", "A", "", 10.0, 0.0, 0.0, NAN, ""),
            (100.0, "dispatched", "A", "Riser", 0.0, 0.0, 0.0, 30.0, "repair", 0, 1),
            (110.0, "move", "A", "", 20.0, 0.0, 0.0, NAN, ""),
        ]
    )
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


def test_overlapping_walks_merge_into_one_stretch():
    people = {
        "A": Track(np.array([0.0, 10.0, 20.0]), np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0.0]])),
        "B": Track(np.array([15.0, 30.0]), np.array([[5, 0, 0], [6, 0, 0.0]])),
        "C": Track(np.array([50.0, 60.0]), np.array([[5, 0, 0], [5, 0, 0.0]])),  # waits: no walk
    }
    assert moving_intervals(people) == [(0.0, 30.0)]


def test_water_depth_steps_from_one_logged_depth_to_the_next():
    f = _frame(
        [
            (0.0, "depth", "", "R1", 1.0, 1.0, 0.0, 0.10, ""),
            (60.0, "depth", "", "R1", 1.0, 1.0, 0.0, 0.30, ""),
            (60.0, "depth", "", "R2", 5.0, 1.0, 0.0, 0.05, ""),
            (120.0, "depth", "", "R1", 1.0, 1.0, 0.0, 0.0, ""),
        ]
    )
    times = np.array([30.0, 60.0, 90.0, 130.0])
    places, depth = step_values(f, "depth", "place", times)
    assert places == ["R1", "R2"]
    assert depth.tolist() == [[0.10, 0.30, 0.30, 0.0], [0.0, 0.05, 0.05, 0.05]]


def test_a_lift_is_out_between_its_stop_and_its_restart():
    f = _frame(
        [
            (10.0, "lift", "", "Garage", 0.0, 0.0, 0.0, 0.0, "Lift A"),
            (10.0, "lift", "", "Lobby", 0.0, 0.0, 0.0, 0.0, "Lift B"),
            (50.0, "lift", "", "Garage", 0.0, 0.0, 0.0, 1.0, "Lift A"),
        ]
    )
    times = np.array([5.0, 20.0, 60.0])
    names, running = step_values(f, "lift", "detail", times, before=1.0)
    stopped = running == 0
    assert names == ["Lift A", "Lift B"]
    assert stopped.tolist() == [[False, True, False], [False, True, True]]


def test_an_incident_goes_through_its_states_in_order():
    f = _frame(
        [
            (0.0, "incident", "", "Riser", 1.0, 2.0, 3.0, 0.0, "pipe_burst|red|Burst", 0),
            (100.0, "reported", "", "Riser", 1.0, 2.0, 3.0, NAN, "phone", 0),
            (100.0, "dispatched", "A", "Valve", 0.0, 0.0, 0.0, 60.0, "isolate", 0, 0),
            (160.0, "on_site", "A", "Valve", 0.0, 0.0, 0.0, NAN, "isolate", 0, 0),
            (400.0, "made_safe", "", "Riser", 1.0, 2.0, 3.0, NAN, "", 0),
            (50.0, "incident", "", "Lift", 9.0, 9.0, 0.0, 0.0, "entrapment|red|Trapped", 1),
        ]
    )
    table = incident_table(f.sort_values("t_s", kind="stable"))
    state = incident_states(table, np.array([0.0, 40.0, 100.0, 160.0, 500.0]))
    words = [[STATES[s] if s >= 0 else "-" for s in row] for row in state]
    assert words[0] == ["not known yet", "not known yet", "help on the way", "someone on site", "made safe"]
    assert words[1] == ["-", "-", "not known yet", "not known yet", "not known yet"]


def test_a_person_is_on_the_way_then_working_then_free():
    f = _frame(
        [
            (0.0, "dispatched", "A", "Valve", 0.0, 0.0, 0.0, 90.0, "isolate", 0, 0),
            (100.0, "on_site", "A", "Valve", 0.0, 0.0, 0.0, NAN, "isolate", 0, 0),
            (400.0, "done", "A", "Valve", 0.0, 0.0, 0.0, NAN, "isolate", 0, 0),
        ]
    )
    bars = task_bars(f, end_s=1000.0)
    activity, doing = activities(bars, ["A", "B"], np.array([0.0, 50.0, 100.0, 399.0, 400.0]))
    assert activity.tolist() == [[1, 1, 2, 2, 0], [0, 0, 0, 0, 0]]
    assert doing.tolist() == [[0, 0, 0, 0, -1], [-1] * 5]


def test_the_state_at_one_time_answers_where_everyone_is_what_is_wet_stopped_and_how_far_each_incident_got():
    f = _frame(
        [
            (0.0, "incident", "", "Riser", 1.0, 2.0, 3.0, 0.0, "pipe_burst|red|Burst", 0),
            (30.0, "depth", "", "R1", 1.0, 2.0, 3.0, 0.12, ""),
            (40.0, "lift", "", "Lobby", 0.0, 0.0, 0.0, 0.0, "Lift B"),
            (60.0, "reported", "", "Riser", 1.0, 2.0, 3.0, NAN, "phone", 0),
            (60.0, "dispatched", "A", "Riser", 1.0, 2.0, 3.0, 40.0, "isolate|plumber:1", 0, 0),
            (100.0, "move", "A", "", 1.0, 2.0, 3.0, NAN, "", 0, 0),
            (100.0, "on_site", "A", "Riser", 1.0, 2.0, 3.0, NAN, "isolate", 0, 0),
        ]
    )
    at = states(f, np.array([80.0]), end_s=600.0, start={"A": (0.0, (9.0, 2.0, 3.0))})
    # A left base (x 9) at the dispatch (60 s) and reaches the riser (x 1) at 100 s: halfway at 80 s.
    assert at.people == ("A",) and at.xyz[0, 0].tolist() == [5.0, 2.0, 3.0]
    assert at.activity[0, 0] == 1 and at.bars.loc[at.doing[0, 0], "name"] == "isolate"
    assert (
        at.places == ("R1",)
        and at.depth[:, 0].tolist() == [0.12]
        and at.place_xyz[0].tolist() == [1.0, 2.0, 3.0]
    )
    assert at.lifts == ("Lift B",) and at.stopped[:, 0].tolist() == [True]
    assert [STATES[s] for s in at.state[:, 0]] == ["help on the way"]
