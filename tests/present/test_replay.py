"""The replay: the times it draws, the storey and part it opens on, and the animated plan of a
storey (the state at each time is tests/events/test_state.py)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from twin.events.state import Track, moving_intervals
from twin.present.replay import busiest_part, default_storey, replay_times, storey_label

NAN = math.nan


def test_the_replay_slows_down_while_anyone_walks_and_keeps_the_moments_things_change():
    people = {"A": Track(np.array([0.0, 100.0, 110.0]), np.array([[0, 0, 0], [0, 0, 0], [10, 0, 0.0]]))}
    assert moving_intervals(people) == [(100.0, 110.0)]
    t = replay_times(people, end_s=600.0, events=[250.0], step_s=300.0, moving_step_s=5.0)
    assert t.tolist() == [0.0, 100.0, 105.0, 110.0, 250.0, 300.0, 600.0]
    # Too many frames: the steps grow until they fit; the events stay.
    few = replay_times(people, end_s=600.0, events=[250.0], step_s=60.0, moving_step_s=1.0, max_frames=8)
    assert few.size <= 8 and 250.0 in few and few[0] == 0.0 and few[-1] == 600.0


def test_the_replay_opens_on_the_storey_of_the_first_incident():
    overview = pd.DataFrame(
        {
            "storey": [0, 1, 2],
            "name": ["B1", "GF", "L01"],
            "elevation_m": [-4.0, 0.0, 4.5],
            "incidents": [1, 0, 1],
            "wet_spaces": [0, 3, 9],
            "people": [2, 1, 0],
            "first_s": [600.0, NAN, 0.0],
        }
    )
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
    # Water only on the burst's storey and the one below it; at the end, each place's last logged depth.
    floors = {twin.model.storeys[s].name for s in rp.place_storey[rp.depth.max(axis=1) > 0]}
    assert floors <= {"L14", "L13"} and "L14" in floors
    last = frame[frame["kind"] == "depth"].groupby(frame["place"].astype(str))["value"].last()
    wet_end = last[last > 0].to_dict()
    assert {p: d for p, d in zip(rp.places, rp.depth[:, -1], strict=True) if d > 0} == wet_end


def test_the_demo_replay_figure_has_a_frame_per_time_a_play_button_and_the_clock(demo):
    from twin.present.replay import replay_parts, storey_overview
    from twin.present.replay_figure import replay_figure

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
    assert {
        "incident: made safe",
        "person working on a task",
        "lift out of service (OUT)",
        "room (dry)",
    } <= legend
    incidents = next(t for t in spec["data"] if t.get("name") == "incidents")
    assert incidents["text"] == ["<b>#0</b> made safe"]
    people = next(t for t in spec["data"] if t.get("name") == "people")
    assert people["text"] == ["N-SEC1"]
    # Water: the colour bar runs to the deepest water of the run, in cm.
    bar = next(t for t in spec["data"] if t.get("name") == "water" and t.get("marker", {}).get("showscale"))
    assert bar["marker"]["cmax"] == pytest.approx(100 * rp.depth.max())
