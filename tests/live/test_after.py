"""After-action analysis: decisions against nearest, expected actions, ratings, restart."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.engine.conftest import scenario_file
from twin.live import Decision, read_log, resume, start_exercise
from twin.live.after import LEVELS, propose_ratings, restart_log, review_decisions, review_injects, timeline
from twin.routing import NORMAL, Router

# Two people who can close the riser valve: a guard in the security room on the ground floor of
# tower A, and a plumber on call at home, 20 min away. The burst is reported by a sensor (5–30 s).
HAND_MADE = """\
name: Near and far
start: 2026-11-21T02:10:00
duration_h: 2
seed: 4
people:
  - {id: NEAR, trades: {plumber: 1}, shift: night, base: Security Room}
  - {id: FAR, trades: {plumber: 2}, shift: day, on_call: true, callout_delay_min: 20}
hazards:
  - {kind: pipe_burst, at: Riser B L14, reported_via: sensor}
"""


def test_a_decision_is_set_against_nearest_by_the_minutes_its_walk_costs(estate_twin, tmp_path):
    path = tmp_path / "exercise.jsonl"
    ex = start_exercise(estate_twin, scenario_file(tmp_path, HAND_MADE), log_path=path)
    ex.advance(60.0)
    (isolate,) = ex.view().open_tasks
    ex.decide(Decision("callout", "FAR", isolate.id))  # the plumber, by habit
    ex.finish()
    # By hand: the guard walks from the security room; the plumber comes in after 20 min at the
    # entrance nearest the valve and walks from there. Walks from the routing tables directly.
    sim = ex.running.sim
    valve = sim.tasks[isolate.id].node
    router = Router(estate_twin.graph, np.array([valve]))
    near_s = float(router.times([sim.members[0].crew.base], [valve], NORMAL)[0, 0])
    far_s = 20 * 60.0 + float(router.times(estate_twin.graph.entrances, [valve], NORMAL)[:, 0].min())
    assert (far_s - near_s) / 60.0 > 19.0  # nearest is over 19 min faster

    (review,) = review_decisions(read_log(path), twin=estate_twin)
    assert (review.chosen, review.nearest) == ("FAR", "NEAR")
    assert review.t_s == 60.0 and review.chosen_travel_s == pytest.approx(far_s)
    assert review.nearest_travel_s == pytest.approx(near_s)
    # Both on site one walk after the decision: the cost is the difference of the walks.
    assert review.chosen_on_site_s == pytest.approx(60.0 + far_s)
    assert review.nearest_on_site_s == pytest.approx(60.0 + near_s)
    assert review.cost_min == pytest.approx((far_s - near_s) / 60.0)


def test_the_after_action_review_of_a_scripted_exercise(estate_twin, tmp_path):
    script = """\
injects:
  - at_min: 30
    inject: {kind: burst, at: Riser A L10, reported_via: sensor}
    message: Water alarm in riser A
    expected: {action: send the nearest plumber, person: NEAR, within_min: 5}
"""
    path = tmp_path / "exercise.jsonl"
    ex = start_exercise(estate_twin, scenario_file(tmp_path, HAND_MADE), log_path=path, script=script)
    ex.advance(60.0)
    (first,) = ex.view().open_tasks
    ex.decide(Decision("assign", "NEAR", first.id))  # the nearest: costs nothing
    ex.advance(30 * 60.0 + 120.0)  # the scripted burst at 30 min, reported within 30 s
    second = next(t for t in ex.view().open_tasks if t.name.startswith("isolate"))
    ex.decide(Decision("callout", "FAR", second.id))
    result = ex.finish()
    record = read_log(path)

    entries = timeline(record, result.log)
    assert [e.type for e in entries] == ["decision", "inject", "decision", "note"]
    assert entries[0].what == f"assign NEAR to task {first.id} 'isolate at Riser valve B'"
    decisions = review_decisions(record, twin=estate_twin)
    assert decisions[0].cost_min == 0.0 and decisions[0].nearest == "NEAR"
    (burst,) = review_injects(record, result.log)
    assert burst.first_sent == "FAR" and burst.met is False  # the wrong person, if in time
    assert 0 < burst.first_sent_min < 5.0
    ratings = {r.capability: r for r in propose_ratings(result.log, ex.loaded.scenario, decisions, (burst,))}
    # One inject, its expected action not taken, though someone was sent: major challenges.
    assert (ratings["expected actions"].met, ratings["expected actions"].level) == (0, LEVELS[2])
    # One decision as nearest, one costing over 19 min (> 5): major challenges.
    assert decisions[1].cost_min > 19.0
    assert (ratings["dispatch decisions"].met, ratings["dispatch decisions"].items) == (1, 2)
    assert ratings["dispatch decisions"].level == LEVELS[2]
    assert "within 15 min of the report" in ratings["first response (red)"].basis


def test_restarting_from_a_decision_stands_the_exercise_just_before_it(estate_twin, tmp_path):
    path = tmp_path / "exercise.jsonl"
    ex = start_exercise(estate_twin, scenario_file(tmp_path, HAND_MADE), log_path=path)
    ex.advance(60.0)
    (isolate,) = ex.view().open_tasks
    before = ex.view()
    ex.decide(Decision("callout", "FAR", isolate.id))
    ex.advance(600.0)
    again = restart_log(read_log(path), 0, tmp_path / "again.jsonl")
    back = resume(again, twin=estate_twin)
    assert back.now_s == 60.0 and back.view() == before
    back.decide(Decision("assign", "NEAR", isolate.id))  # this time, the nearest
    assert read_log(again).header["restarted_from"]["record"] == 0
    assert not math.isnan(back.finish().log.frame.t_s.max())
