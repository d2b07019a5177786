"""The live exercise's plan now: the storey it opens on and who is drawn where, from a log so far."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="module")
def demo(estate_twin: Any) -> Any:
    from twin.engine import run
    from twin.scenario import default_scenario_path, load_scenario

    scenario = load_scenario(default_scenario_path()).scenario
    return estate_twin, scenario, run(estate_twin, scenario).log.frame


def people_drawn(fig: Any) -> set[str]:
    return {str(t) for tr in fig.data if tr.name == "people" for t in tr.text}


def test_the_plan_opens_on_the_burst_before_anyone_knows_of_it(demo):
    from twin.present.live import plan_now

    twin, scenario, frame = demo
    snap = plan_now(twin, scenario, frame, 300.0)
    assert snap.storey == "L14"
    assert snap.figure.layout.title.text.startswith(
        "<b>Now — #0 Burst at Riser B L14</b><br><sup>02:15:00 (+5.0 min)"
    )
    # Nobody has been sent yet: the night shift waits on the ground floor.
    assert snap.elsewhere == "N-DSK on GF, N-ELE on GF, N-PLB on GF, N-SEC1 on GF, N-SEC2 on GF"


def test_the_plan_of_a_chosen_storey_shows_who_is_there_now_and_ignores_later_rows(demo):
    from twin.present.live import plan_now

    twin, scenario, frame = demo
    # At 1400 s the guard has been at the basement riser valve since 1374.8 s (the demo's log).
    basement = plan_now(twin, scenario, frame, 1400.0, storey=0)
    assert basement.storey == "B1" and people_drawn(basement.figure) == {"N-SEC1"}
    ground = plan_now(twin, scenario, frame, 1400.0, storey=1)
    assert ground.storey == "GF" and people_drawn(ground.figure) == {"N-DSK", "N-ELE", "N-PLB", "N-SEC2"}
    assert ground.elsewhere == "N-SEC1 on B1"
    # The same picture from the log cut at 1400 s: nothing after now is read.
    cut = plan_now(twin, scenario, frame[frame["t_s"] <= 1400.0], 1400.0, storey=0)
    assert cut.figure.to_json() == basement.figure.to_json()
