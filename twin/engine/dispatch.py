"""Dispatch policies: pure functions from open tasks × people × travel times to assignments.

The engine builds a :class:`Board` — a snapshot of who could do what and how long each would
take to get there (a row lookup in the routing tables, see :meth:`twin.routing.Router.response_times`)
— and a policy returns ``(task, person, preempt)`` triples. Policies never look at the SimPy
environment, so they can be tested, compared and swapped by name in the scenario.

Each policy is registered once (:func:`register_policy`) with its scenario schema (the
``dispatch: {kind: …}`` it accepts), its function and a one-line label; the scenario's
validation, the engine, the CLI and the app all ask :data:`POLICIES` (:func:`policy_names`,
:func:`policy`), so a new policy needs no edit anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from twin.errors import TwinError
from twin.scenario.kinds import POLICIES
from twin.scenario.schema import Live, Manual, Nearest, PolicySpec, PriorityFirst, Quantity, SkillAware

Assignment = tuple[int, int, bool]


class PolicyError(TwinError):
    """A dispatch policy's choice the dispatcher cannot carry out (a busy or unqualified person,
    a task or person twice)."""


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


def _no_latency(spec: Any) -> Quantity | None:
    return None


def _no_preemption(spec: Any) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True, slots=True)
class Policy:
    """A dispatch policy, as registered.

    Attributes
    ----------
    name
        The scenario's ``dispatch: {kind: name}``.
    schema
        Its scenario schema: a :class:`~twin.scenario.schema.PolicySpec` with
        ``kind: Literal[name]`` and the policy's settings.
    assign
        ``(spec, board) → [(task row, person column, preempt)]``, each task and person at most
        once; pure.
    label
        What it does, in one line (forms and lists show it beside the name).
    latency
        ``spec →`` the delay (a quantity, s) before a task that opens can be assigned — a human
        dispatcher's — or None.
    preempts
        ``spec →`` the priorities (``"yellow"``, ``"blue"``) whose work a red task may take
        people off.
    """

    name: str
    schema: type[PolicySpec]
    assign: Callable[[Any, Board], list[Assignment]]
    label: str
    latency: Callable[[Any], Quantity | None] = _no_latency
    preempts: Callable[[Any], tuple[str, ...]] = _no_preemption


def register_policy(policy: Policy) -> Policy:
    """Make ``policy`` a ``dispatch: {kind: …}`` scenarios, the engine and the app know."""
    registered: Policy = POLICIES.register(policy)
    return registered


def policy_names() -> tuple[str, ...]:
    """Every registered policy's name, built-ins first."""
    return POLICIES.names()


def policy(name: str) -> Policy:
    """The registered policy called ``name`` (:class:`~twin.scenario.kinds.UnknownKindError`
    naming the known ones otherwise)."""
    found: Policy = POLICIES[name]
    return found


def assign(spec: PolicySpec, board: Board) -> list[Assignment]:
    """The assignments the scenario's policy ``spec`` makes on ``board``."""
    return policy(spec.kind).assign(spec, board)


def _nearest(spec: Any, board: Board) -> list[Assignment]:
    return _greedy(board, 0.0, {})


def _priority(spec: PriorityFirst, board: Board) -> list[Assignment]:
    return _greedy(board, 0.0, {1: "yellow" in spec.preempt, 2: "blue" in spec.preempt})


def _skill(spec: SkillAware, board: Board) -> list[Assignment]:
    return _greedy(board, spec.level_penalty_s, {})


def _manual(spec: Any, board: Board) -> list[Assignment]:
    return _by_habit(board)


def _nobody(spec: Any, board: Board) -> list[Assignment]:
    return []


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


register_policy(Policy("nearest", Nearest, _nearest, "nearest qualified person (by travel time)"))
register_policy(
    Policy(
        "priority",
        PriorityFirst,
        _priority,
        "nearest, and a red task takes people off lower-priority work",
        preempts=lambda spec: tuple(spec.preempt),
    )
)
register_policy(
    Policy("skill", SkillAware, _skill, "nearest, sparing senior staff for the tasks that need them")
)
register_policy(
    Policy(
        "manual",
        Manual,
        _manual,
        "a human dispatcher: roster order, after a delay",
        latency=lambda spec: spec.latency_s,
    )
)
register_policy(
    Policy("live", Live, _nobody, "nobody is sent by the engine: a trainee dispatches (live exercises)")
)
