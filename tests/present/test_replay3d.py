"""The 3D replay: the building as context once, what changes in every frame, the camera the viewer's."""

from __future__ import annotations

import numpy as np
import pytest

from twin.present.replay import build_replay
from twin.present.replay3d import (
    DYNAMIC,
    _side_by_side,
    replay3d_html,
    replay3d_scene,
    storey_outlines,
    three_js,
)
from twin.present.style import ACTIVITY_COLOURS, STATE_COLOURS


@pytest.fixture(scope="module")
def demo(estate_twin):
    from twin.engine import run
    from twin.scenario import default_scenario_path, load_scenario

    scenario = load_scenario(default_scenario_path()).scenario
    result = run(estate_twin, scenario, scenario.seed)
    return estate_twin, scenario, build_replay(estate_twin, result.log.frame, scenario)


@pytest.fixture(scope="module")
def view(demo):
    twin, _, replay = demo
    return replay3d_scene(twin, replay)


def test_every_storey_with_rooms_is_an_outline_at_its_height(demo) -> None:
    twin, _, _ = demo
    outlines = storey_outlines(twin)
    with_rooms = {sp.storey for sp in twin.model.spaces}
    assert set(outlines) == with_rooms
    # A tower storey: the three towers are three separate outlines, each about 40 m × 20 m.
    l14 = next(i for i, s in enumerate(twin.model.storeys) if s.name == "L14")
    widths = sorted(round(float(np.ptp(r[:, 0]))) for r in outlines[l14])
    assert widths == [40, 40, 40]


def test_lifts_side_by_side_share_one_out_label() -> None:
    # Two shafts 3 m apart and one 100 m away: two labels, at the top of each bank's first shaft.
    group, tops = _side_by_side({"A1": (0, 0, -4, 30), "A2": (3, 0, -4, 30), "B1": (100, 0, -4, 30)})
    assert group == {"A1": 0, "A2": 0, "B1": 1}
    assert tops == [[0, 0, 30], [100, 0, 30]]


def test_the_context_is_each_storey_at_its_height_the_shafts_and_a_name_per_storey(demo, view) -> None:
    twin, _, _ = demo
    ctx = view.scene
    elevations = {s.elevation_m for s in twin.model.storeys}
    # Outlines are pairs of points (segments), each flat at a storey's height.
    for key in ("outlines", "busy"):
        xyz = np.array(ctx[key]).reshape(-1, 2, 3)
        assert (xyz[:, 0, 2] == xyz[:, 1, 2]).all() and set(xyz[:, 0, 2]) <= elevations
    # The burst is on L14: its outline is dark, L20's (where nothing happens) is not.
    busy_z, quiet_z = set(ctx["busy"][2::3]), set(ctx["outlines"][2::3])
    z = {s.name: s.elevation_m for s in twin.model.storeys}
    assert z["L14"] in busy_z and z["L14"] not in quiet_z and z["L20"] in quiet_z
    # Nine lifts from B1 (-4 m) to the top storey, in three banks of three (one per tower).
    assert len(ctx["lifts"]) == 9 and len(ctx["lift_groups"]) == 3
    top = max(elevations)
    for name, segment, group in ctx["lifts"]:
        assert segment[2] == -4.0 and segment[5] == top and segment[:2] == segment[3:5]
        assert group == "ABC".index(name[len("Lift ")])
    assert [label[0] for label in ctx["labels"]] == [s.name for s in twin.model.storeys]
    assert [label[4] for label in ctx["labels"] if label[0] in ("L14", "L20")] == [True, False]


def test_frames_carry_only_the_four_changing_layers(demo, view) -> None:
    _, _, replay = demo
    assert DYNAMIC == ("water", "lifts out", "incidents", "people")
    assert len(view.frames) == len(view.clocks) == replay.times.size
    for frame in view.frames:
        water, lifts_out, incidents, people = frame
        assert set(lifts_out) == {"out"}
        for values in (water, incidents, people):
            # Three coordinates, one colour and one hover text per point.
            assert len(values["xyz"]) == 3 * len(values["colour"]) == 3 * len(values["hover"])
        assert len(water["size"]) == len(water["colour"])


def test_the_guard_walks_to_the_valve_in_the_frames_in_the_plan_s_colours(demo, view) -> None:
    _, _, replay = demo
    guard = replay.people.index("N-SEC1")
    # The frame when the guard is working on the valve: dark dot (working) at the valve's height.
    j = int(np.flatnonzero(replay.activity[guard] == 2)[0])
    people = view.frames[j][-1]
    here = np.flatnonzero(~np.isnan(replay.xyz[:, j, 0]))
    k = int(np.flatnonzero(here == guard)[0])
    assert people["colour"][k] == ACTIVITY_COLOURS[2]
    assert people["xyz"][3 * k + 2] == pytest.approx(replay.xyz[guard, j, 2] + 0.9, abs=0.005)
    assert people["hover"][k].startswith("N-SEC1 · ")
    # Incidents coloured by state as on the plan: the burst is resolved in the last frame.
    assert view.frames[-1][2]["colour"] == [STATE_COLOURS[-1]]
    # The clock of a frame is its time of day and minutes into the drill.
    t = float(replay.times[j])
    assert view.clocks[j] == f"{replay.clock(t):%H:%M:%S} (+{t / 60:.0f} min)"


def test_the_page_opens_offline_with_three_js_inlined_once(view) -> None:
    page = replay3d_html(view)
    assert "<script src" not in page and "<link" not in page  # three.js inlined, nothing fetched
    assert page.count(three_js()) == 1 and "Plotly" not in page
    # Data and code: a fifth of what the plotly page weighed (plotly.js alone is 4.8 MB).
    assert len(page) < 1_200_000
    fragment = replay3d_html(view, div_id="fig-replay3d", full_html=False)
    assert 'id="fig-replay3d"' in fragment and not fragment.startswith("<!DOCTYPE")
    # Nothing in the data closes a script element early: every one ends where it should.
    assert fragment.count("<script") == fragment.count("</script>") == 2
