"""Dispatch policies: pure functions from open tasks × people × travel times to assignments.

The engine builds a :class:`Board` — a snapshot of who could do what and how long each would
take to get there (a row lookup in the routing tables, see :meth:`twin.routing.Router.response_times`)
— and a policy returns ``(task, person, preempt)`` triples. Policies never look at the SimPy
environment, so they can be tested, compared and swapped by name in the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.scenario.schema import Manual, Nearest, PriorityFirst, SkillAware

Policy = Nearest | PriorityFirst | SkillAware | Manual
Assignment = tuple[int, int, bool]

#: ``busy_priority`` of a free person.
FREE = 9


@dataclass(frozen=True, slots=True, eq=False)
class Board:
    """What the dispatcher sees: ``t`` open tasks, ``p`` people.

    Attributes
    ----------
    priority
        ``(t,)`` 0 red, 1 yellow, 2 blue. Tasks are listed in the order they should be served.
    qualified
        ``(t, p)`` the person holds a trade the task accepts, at the level it needs.
    excess
        ``(t, p)`` levels above what the task needs (for skill-aware dispatch).
    time_s
        ``(t, p)`` seconds for the person to reach the task's place, counting a call-out for
        people off site; ``inf`` when they cannot get there.
    busy_priority
        ``(p,)`` priority of what each person is doing now, :data:`FREE` when free.
    available
        ``(p,)`` on duty, on call or a contractor: may be sent at all.
    backup
        ``(p,)`` index of each person's backup (-1: none).
    """

    priority: np.ndarray
    qualified: np.ndarray
    excess: np.ndarray
    time_s: np.ndarray
    busy_priority: np.ndarray
    available: np.ndarray
    backup: np.ndarray


def assign(policy: Policy, board: Board) -> list[Assignment]:
    """The assignments ``policy`` makes on ``board``; each task and person at most once."""
    if isinstance(policy, Manual):
        return _by_habit(board)
    penalty = policy.level_penalty_s if isinstance(policy, SkillAware) else 0.0
    preempt = {1: "yellow" in policy.preempt, 2: "blue" in policy.preempt} if isinstance(
        policy, PriorityFirst
    ) else {}
    return _greedy(board, penalty, preempt)


def _greedy(board: Board, level_penalty_s: float, preempt: dict[int, bool]) -> list[Assignment]:
    out: list[Assignment] = []
    taken = np.zeros(board.available.shape, dtype=bool)
    free = (board.busy_priority == FREE) & board.available
    for t in range(board.priority.shape[0]):
        ok = board.qualified[t] & ~taken & np.isfinite(board.time_s[t])
        cost = board.time_s[t] + level_penalty_s * board.excess[t]
        candidates = ok & free
        if candidates.any():
            j = int(np.argmin(np.where(candidates, cost, np.inf)))
            out.append((t, j, False))
            taken[j] = True
            continue
        if board.priority[t] == 0 and preempt:
            lower = np.zeros_like(ok)
            for prio, allowed in preempt.items():
                if allowed:
                    lower |= board.busy_priority == prio
            candidates = ok & lower & board.available
            if candidates.any():
                j = int(np.argmin(np.where(candidates, cost, np.inf)))
                out.append((t, j, True))
                taken[j] = True
    return out


def _by_habit(board: Board) -> list[Assignment]:
    """The first qualified person on the roster; when that post is busy, its backup."""
    out: list[Assignment] = []
    taken = np.zeros(board.available.shape, dtype=bool)
    free = (board.busy_priority == FREE) & board.available & ~taken
    for t in range(board.priority.shape[0]):
        reach = board.qualified[t] & np.isfinite(board.time_s[t])
        pick = -1
        for j in np.flatnonzero(reach & board.available):
            if free[j] and not taken[j]:
                pick = int(j)
                break
            b = int(board.backup[j])
            if b >= 0 and reach[b] and free[b] and not taken[b]:
                pick = b
                break
        if pick >= 0:
            out.append((t, pick, False))
            taken[pick] = True
    return out
