"""The 3D replay: the building as context once, what changes in every frame, the camera the viewer's."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from twin.present.replay import build_replay
from twin.present.replay3d import DYNAMIC, replay3d_figure, storey_outlines
from twin.present.style import ACTIVITY_COLOURS, STATE_COLOURS


def values(v: object) -> np.ndarray:
    """An array of a figure's JSON: a list, or plotly's typed array ``{"dtype", "bdata"}``."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
    return np.asarray(v, dtype=float)


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
    fig = replay3d_figure(twin, replay).to_dict()
    n_context = len(fig["data"]) - len(DYNAMIC)
    assert len(fig["frames"]) == replay.times.size
    for frame in fig["frames"]:
        assert frame["traces"] == list(range(n_context, n_context + len(DYNAMIC)))
        assert "layout" not in frame  # no camera, no title: the view is the viewer's while playing
    assert fig["layout"]["uirevision"] == fig["layout"]["scene"]["uirevision"] == "replay3d"
    play = fig["layout"]["updatemenus"][0]["buttons"][0]
    assert play["label"] == "▶ Play" and play["args"][1]["frame"]["redraw"] is True


def test_the_guard_walks_to_the_valve_in_the_frames_in_the_plan_s_colours(demo) -> None:
    twin, _, replay = demo
    fig = replay3d_figure(twin, replay).to_dict()
    people_at = len(fig["data"]) - 1
    guard = replay.people.index("N-SEC1")
    # The frame when the guard is working on the valve: dark dot (working) at the valve's height.
    j = int(np.flatnonzero(replay.activity[guard] == 2)[0])
    people = fig["frames"][j]["data"][-1]
    here = np.flatnonzero(~np.isnan(replay.xyz[:, j, 0]))
    k = int(np.flatnonzero(here == guard)[0])
    assert people["marker"]["color"][k] == ACTIVITY_COLOURS[2]
    assert values(people["z"])[k] == pytest.approx(replay.xyz[guard, j, 2] + 0.9)
    assert fig["data"][people_at]["name"].startswith("person")
    # Incidents coloured by state as on the plan: the burst is resolved in the last frame.
    last = fig["frames"][-1]["data"][2]
    assert last["marker"]["color"] == [STATE_COLOURS[-1]]
