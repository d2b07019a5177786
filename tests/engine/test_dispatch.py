"""Dispatch policies as pure functions of a board: who gets sent where."""

from __future__ import annotations

import numpy as np

from twin.engine.dispatch import FREE, Board, assign
from twin.scenario.schema import Manual, Nearest, PriorityFirst, SkillAware


def board(time_s, *, priority=None, qualified=None, excess=None, busy=None, backup=None):
    t = np.array(time_s, dtype=float)
    k, p = t.shape
    return Board(
        priority=np.array(priority if priority is not None else [0] * k),
        qualified=np.array(qualified, bool) if qualified is not None else np.ones((k, p), bool),
        excess=np.array(excess) if excess is not None else np.zeros((k, p), int),
        time_s=t,
        busy_priority=np.array(busy if busy is not None else [FREE] * p),
        available=np.ones(p, bool),
        backup=np.array(backup if backup is not None else [-1] * p),
    )


def test_nearest_sends_the_closest_qualified_person():
    b = board([[300.0, 120.0, 60.0]], qualified=[[True, True, False]])
    assert assign(Nearest(kind="nearest"), b) == [(0, 1, False)]


def test_each_person_gets_at_most_one_task_per_decision():
    b = board([[60.0, 90.0], [50.0, 400.0]])
    assert assign(Nearest(kind="nearest"), b) == [(0, 0, False), (1, 1, False)]


def test_nobody_is_sent_who_cannot_get_there():
    b = board([[np.inf, np.inf]])
    assert assign(Nearest(kind="nearest"), b) == []


def test_priority_first_takes_a_person_off_routine_work_for_an_emergency():
    b = board([[100.0, 200.0]], busy=[2, 0])  # person 0 on blue work, person 1 on red
    assert assign(Nearest(kind="nearest"), b) == []
    assert assign(PriorityFirst(kind="priority"), b) == [(0, 0, True)]


def test_priority_first_never_preempts_for_a_routine_task():
    b = board([[100.0]], priority=[2], busy=[2])
    assert assign(PriorityFirst(kind="priority"), b) == []


def test_skill_aware_prefers_the_trained_guard_over_the_senior_plumber_close_by():
    # The senior plumber (2 levels above need) is 200 s nearer; 2 x 180 s outweighs that.
    b = board([[100.0, 300.0]], excess=[[2, 0]])
    assert assign(Nearest(kind="nearest"), b) == [(0, 0, False)]
    assert assign(SkillAware(kind="skill", level_penalty_s=180), b) == [(0, 1, False)]


def test_manual_dispatch_calls_the_a_post_then_its_backup_not_the_nearest():
    b = board([[500.0, 50.0, 20.0]], busy=[0, FREE, FREE], backup=[2, -1, -1])
    assert assign(Manual(kind="manual"), b) == [(0, 2, False)]
