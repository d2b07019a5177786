"""Dispatch policies as pure functions of a board: who gets sent where."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.engine.dispatch import FREE, Board, _greedy, assign
from twin.scenario.schema import Manual, Nearest, PriorityFirst, SkillAware


def board(time_s, *, priority=None, qualified=None, excess=None, busy=None, backup=None, available=None):
    t = np.array(time_s, dtype=float)
    k, p = t.shape
    return Board(
        priority=np.array(priority if priority is not None else [0] * k),
        qualified=np.array(qualified, bool) if qualified is not None else np.ones((k, p), bool),
        excess=np.array(excess) if excess is not None else np.zeros((k, p), int),
        time_s=t,
        busy_priority=np.array(busy if busy is not None else [FREE] * p),
        available=np.array(available, bool) if available is not None else np.ones(p, bool),
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


# -- the policies against a numpy rendering of the same rules -------------------------------------
# The built-in policies loop over the board as Python lists (faster on boards this small); these
# are the numpy versions they replaced, kept as the oracle.


def _greedy_numpy(b: Board, level_penalty_s: float, preempt: dict[int, bool]) -> list[tuple[int, int, bool]]:
    out = []
    taken = np.zeros(b.available.shape, dtype=bool)
    free = (b.busy_priority == FREE) & b.available
    for t in range(b.priority.shape[0]):
        ok = b.qualified[t] & ~taken & np.isfinite(b.time_s[t])
        cost = b.time_s[t] + level_penalty_s * b.excess[t]
        candidates = ok & free
        if candidates.any():
            j = int(np.argmin(np.where(candidates, cost, np.inf)))
            out.append((t, j, False))
            taken[j] = True
            continue
        if b.priority[t] == 0 and preempt:
            lower = np.zeros_like(ok)
            for prio, allowed in preempt.items():
                if allowed:
                    lower |= b.busy_priority == prio
            candidates = ok & lower & b.available
            if candidates.any():
                j = int(np.argmin(np.where(candidates, cost, np.inf)))
                out.append((t, j, True))
                taken[j] = True
    return out


def _by_habit_numpy(b: Board) -> list[tuple[int, int, bool]]:
    out = []
    taken = np.zeros(b.available.shape, dtype=bool)
    free = (b.busy_priority == FREE) & b.available
    for t in range(b.priority.shape[0]):
        reach = b.qualified[t] & np.isfinite(b.time_s[t])
        pick = -1
        for j in np.flatnonzero(reach & b.available):
            if free[j] and not taken[j]:
                pick = int(j)
                break
            k = int(b.backup[j])
            if k >= 0 and reach[k] and free[k] and not taken[k]:
                pick = k
                break
        if pick >= 0:
            out.append((t, pick, False))
            taken[pick] = True
    return out


@st.composite
def boards(draw: st.DrawFn) -> Board:
    """Small boards with ties, unreachable people, busy and unavailable people and backups."""
    k = draw(st.integers(1, 5))
    p = draw(st.integers(1, 7))
    times = st.sampled_from([0.0, 30.0, 60.0, 60.0, 90.0, 1e9, np.inf])
    return board(
        draw(st.lists(st.lists(times, min_size=p, max_size=p), min_size=k, max_size=k)),
        priority=draw(st.lists(st.integers(0, 2), min_size=k, max_size=k)),
        qualified=draw(st.lists(st.lists(st.booleans(), min_size=p, max_size=p), min_size=k, max_size=k)),
        excess=draw(st.lists(st.lists(st.integers(0, 3), min_size=p, max_size=p), min_size=k, max_size=k)),
        busy=draw(st.lists(st.sampled_from([FREE, FREE, 0, 1, 2]), min_size=p, max_size=p)),
        backup=draw(st.lists(st.integers(-1, p - 1), min_size=p, max_size=p)),
        available=draw(st.lists(st.booleans(), min_size=p, max_size=p)),
    )


@settings(max_examples=300, deadline=None)
@given(b=boards(), penalty=st.sampled_from([0.0, 30.0, 180.0, np.inf]))
def test_the_policies_assign_as_the_numpy_rendering_of_their_rules_on_random_boards(b, penalty):
    assert assign(Nearest(kind="nearest"), b) == _greedy_numpy(b, 0.0, {})
    for preempt in ([], ["blue"], ["blue", "yellow"]):
        want = _greedy_numpy(b, 0.0, {1: "yellow" in preempt, 2: "blue" in preempt})
        assert assign(PriorityFirst(kind="priority", preempt=preempt), b) == want
    if np.isfinite(penalty):
        assert assign(SkillAware(kind="skill", level_penalty_s=penalty), b) == _greedy_numpy(b, penalty, {})
    with np.errstate(invalid="ignore"):  # (the scenario refuses it) inf s a level x 0 levels: NaN
        assert _greedy(b, penalty, {2: True}) == _greedy_numpy(b, penalty, {2: True})
    assert assign(Manual(kind="manual"), b) == _by_habit_numpy(b)


def test_a_board_of_lists_shows_the_same_arrays_as_one_of_arrays():
    lists = Board(
        priority=[0, 2],
        qualified=[[True, False], [True, True]],
        excess=[[1, 0], [0, 0]],
        time_s=[[60.0, np.inf], [30.0, 45.5]],
        busy_priority=[FREE, 1],
        available=[True, False],
        backup=[1, -1],
    )
    arrays = board(
        [[60.0, np.inf], [30.0, 45.5]],
        priority=[0, 2],
        qualified=[[True, False], [True, True]],
        excess=[[1, 0], [0, 0]],
        busy=[FREE, 1],
        backup=[1, -1],
        available=[True, False],
    )
    for name in ("priority", "qualified", "excess", "time_s", "busy_priority", "available", "backup"):
        a, b = getattr(lists, name), getattr(arrays, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert lists.listed == arrays.listed
    assert lists.qualified.shape == (2, 2) and lists.time_s[0, 1] == np.inf


@settings(max_examples=200, deadline=None)
@given(b=boards())
def test_the_travel_times_of_people_who_may_not_be_sent_change_no_assignment(b):
    """The dispatcher leaves them inf (it does not look them up): every policy must decide
    the same without them."""
    masked = board(
        np.where(b.available[None, :], b.time_s, np.inf),
        priority=b.priority,
        qualified=b.qualified,
        excess=b.excess,
        busy=b.busy_priority,
        backup=b.backup,
        available=b.available,
    )
    specs = [
        Nearest(kind="nearest"),
        PriorityFirst(kind="priority", preempt=["blue", "yellow"]),
        SkillAware(kind="skill", level_penalty_s=180),
        Manual(kind="manual"),
    ]
    for spec in specs:
        assert assign(spec, masked) == assign(spec, b), spec.kind
