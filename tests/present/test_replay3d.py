"""The 3D replay: the building as context once, what changes in every frame, the camera the viewer's."""

from __future__ import annotations

import numpy as np
import pytest

from twin.present.replay import build_replay
from twin.present.replay3d import DYNAMIC, replay3d_figure, replay3d_html, storey_outlines
from twin.present.style import ACTIVITY_COLOURS, STATE_COLOURS


@pytest.fixture(scope="module")
def demo(estate_twin):
    from twin.engine import run
    from twin.scenario import default_scenario_path, load_scenario

    scenario = load_scenario(default_scenario_path()).scenario
    result = run(estate_twin, scenario, scenario.seed)
    return estate_twin, scenario, build_replay(estate_twin, result.log.frame, scenario)


def test_every_storey_with_rooms_is_an_outline_at_its_height(demo) -> None:
    twin, _, _ = demo
    outlines = storey_outlines(twin)
    with_rooms = {sp.storey for sp in twin.model.spaces}
    assert set(outlines) == with_rooms
    # A tower storey: the three towers are three separate outlines, each about 40 m × 20 m.
    l14 = next(i for i, s in enumerate(twin.model.storeys) if s.name == "L14")
    widths = sorted(round(float(np.ptp(r[:, 0]))) for r in outlines[l14])
    assert widths == [40, 40, 40]


def test_frames_carry_only_what_changes_and_never_the_camera(demo) -> None:
    twin, _, replay = demo
    view = replay3d_figure(twin, replay)
    fig = view.figure.to_dict()
    assert "frames" not in fig and "camera" not in fig["layout"]["scene"]
    assert fig["layout"]["uirevision"] == fig["layout"]["scene"]["uirevision"] == "replay3d"
    assert view.dynamic == list(range(len(fig["data"]) - len(DYNAMIC), len(fig["data"])))
    assert [fig["data"][i]["name"].split(" ")[0] for i in view.dynamic] == [
        "water",
        "lift",
        "incident",
        "person",
    ]
    assert len(view.frames) == len(view.clocks) == replay.times.size
    for frame in view.frames:
        assert len(frame) == len(DYNAMIC)
        for values in frame:
            # Trace data only (no layout, so no camera), and as many of each as there are points.
            assert set(values) <= {"x", "y", "z", "marker.color", "marker.size", "hovertext", "text"}
            assert len({len(v) for v in values.values()}) == 1, {k: len(v) for k, v in values.items()}


def test_the_guard_walks_to_the_valve_in_the_frames_in_the_plan_s_colours(demo) -> None:
    twin, _, replay = demo
    view = replay3d_figure(twin, replay)
    guard = replay.people.index("N-SEC1")
    # The frame when the guard is working on the valve: dark dot (working) at the valve's height.
    j = int(np.flatnonzero(replay.activity[guard] == 2)[0])
    people = view.frames[j][-1]
    here = np.flatnonzero(~np.isnan(replay.xyz[:, j, 0]))
    k = int(np.flatnonzero(here == guard)[0])
    assert people["marker.color"][k] == ACTIVITY_COLOURS[2]
    assert people["z"][k] == pytest.approx(replay.xyz[guard, j, 2] + 0.9, abs=0.005)
    assert people["hovertext"][k].startswith("N-SEC1 · ")
    # Incidents coloured by state as on the plan: the burst is resolved in the last frame.
    assert view.frames[-1][2]["marker.color"] == [STATE_COLOURS[-1]]
    # The clock of a frame is its time of day and minutes into the drill.
    t = float(replay.times[j])
    assert view.clocks[j] == f"{replay.clock(t):%H:%M:%S} (+{t / 60:.0f} min)"


def test_the_page_opens_offline_and_the_report_fragment_leaves_plotly_js_to_the_report(demo) -> None:
    twin, _, replay = demo
    view = replay3d_figure(twin, replay)
    page = replay3d_html(view)
    assert "<script src" not in page and "<link" not in page  # plotly.js inlined, nothing fetched
    assert page.count("Plotly.newPlot") >= 1 and len(page) > 3_000_000
    fragment = replay3d_html(view, div_id="fig-replay3d", full_html=False)
    assert 'id="fig-replay3d"' in fragment and len(fragment) < 1_000_000
    assert "</script>" not in fragment[fragment.index("<script") : -len("</script>")]
