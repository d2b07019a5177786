"""The run's shared state gives what the one definitions give: who is on duty (the shift's
``on_duty``), the log's rows (``EventRecorder.add``), who qualifies for a task."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.engine.conftest import shipped, variant
from twin.engine.roster import duty_now, on_duty
from twin.engine.run import start
from twin.engine.tasks import _qualify
from twin.events.log import EventRecorder


@pytest.mark.parametrize("clock", ["06:59", "07:00", "18:59", "19:00"])
def test_who_is_on_duty_is_each_persons_shift_around_the_shift_changes(estate_twin, clock):
    running = start(estate_twin, variant(shipped("night_riser_burst.yaml"), duration_h=24))  # from 02:10
    h, m = (int(x) for x in clock.split(":"))
    running.advance(((h * 60 + m - 130) % 1440) * 60.0)
    sim = running.sim
    duty = duty_now(sim)
    assert duty == [bool(on_duty(sim, m.crew)) for m in sim.members]
    by_shift = {m.crew.id: duty[m.index] for m in sim.members if m.crew.shift is not None}
    day = clock[:2] in ("07", "18")  # 07:00 to 18:59 is the day shift
    for m in sim.members:
        if m.crew.shift is not None:
            assert by_shift[m.crew.id] == (m.crew.shift.minutes()[0] == (420 if day else 1140))


def test_who_is_on_duty_holds_between_shift_marks_and_changes_at_each_to_the_definition(estate_twin):
    """Through a day asked every 7 min 13 s and just before, at and just after every shift mark
    (07:00 and 19:00): the kept answer is each person's shift's ``on_duty`` every time, and it
    is worked out again only when a mark has been passed."""
    running = start(estate_twin, variant(shipped("night_riser_burst.yaml"), duration_h=24))  # from 02:10
    sim = running.sim
    assert sim.shift_marks == [420, 1140]
    at_marks = [
        ((mark - 130) % 1440) * 60.0 + d for mark in sim.shift_marks for d in (-2e-3, -1e-4, 0.0, 1e-4)
    ]
    times = sorted({*np.arange(0.0, 86_400.0, 433.0).tolist(), *at_marks})
    answers = []
    for t in times:
        running.advance(t)
        duty = duty_now(sim)
        assert duty == [bool(on_duty(sim, m.crew)) for m in sim.members], t
        answers.append(duty)
    worked_out = {id(a) for a in answers}
    # Once at the start, then again at each mark, and for the last 1e-3 s before each (the margin).
    assert len(worked_out) <= 1 + 4 * len(sim.shift_marks)
    assert len({tuple(a) for a in answers}) == 2  # the night shift's answer and the day shift's


def test_a_move_row_is_the_row_add_writes():
    by_add, by_move = EventRecorder(), EventRecorder()
    by_add.add(12.5, "move", person="PLB1", xyz=(1.0, -2.5, 3.25), task=4)
    by_move.move(12.5, "PLB1", (1.0, -2.5, 3.25), 4)
    assert by_move.rows == by_add.rows
    assert math.isnan(by_move.rows[0][9]) and by_move.rows[0][1] == -1


def test_tasks_needing_the_same_trades_share_one_read_only_qualification(estate_twin):
    base = shipped("night_riser_burst.yaml")
    burst = base.hazards[0].model_dump(mode="json")
    running = start(estate_twin, variant(base, hazards=[burst, dict(burst, start_min=30.0)]))
    running.finish()
    sim = running.sim
    seen: dict[tuple[tuple[int, int], ...], np.ndarray] = {}
    for task in sim.tasks:
        assert task.qualified is not None and not task.qualified.flags.writeable
        qualified, excess = _qualify(sim.drill.levels, task.needs)
        assert np.array_equal(task.qualified, qualified) and np.array_equal(task.excess, excess)
        assert seen.setdefault(task.needs, task.qualified) is task.qualified
    assert len(sim.tasks) == 8 and len(seen) == 4  # two bursts, four tasks each
