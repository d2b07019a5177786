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

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from twin.errors import TwinError
from twin.scenario.kinds import POLICIES
from twin.scenario.schema import Live, Manual, Nearest, PolicySpec, PriorityFirst, Quantity, SkillAware

Assignment = tuple[int, int, bool]


class PolicyError(TwinError):
    """A dispatch policy's choice the dispatcher cannot carry out (a busy or unqualified person,
    a task or person twice)."""


#: ``busy_priority`` of a free person.
FREE = 9


class Listed(NamedTuple):
    """A board's numbers as Python lists (:attr:`Board.listed`), laid out as its arrays."""

    priority: Sequence[int]
    qualified: Sequence[Sequence[bool]]
    excess: Sequence[Sequence[int]]
    time_s: Sequence[Sequence[float]]
    busy_priority: Sequence[int]
    available: Sequence[bool]
    backup: Sequence[int]


#: The dtype of each of a :class:`Board`'s arrays, in the order of its constructor's arguments.
_DTYPES = (np.int64, np.bool_, np.int64, np.float64, np.int64, np.bool_, np.int64)


class Board:
    """What the dispatcher sees: ``t`` open tasks, ``p`` people.

    Built from numpy arrays or from lists (the dispatcher's own: a board is a few tasks by a
    few dozen people, where making arrays costs more than the built-in policies' loops). Each
    attribute is a numpy array — the one given, or made from the list given on first use — and
    :attr:`listed` has the same numbers as Python lists (a list given is taken as it is).

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
        people off site; ``inf`` when they cannot get there. The dispatcher leaves it ``inf``
        for people who may not be sent (not ``available``): no policy may send them.
    busy_priority
        ``(p,)`` priority of what each person is doing now, :data:`FREE` when free.
    available
        ``(p,)`` on duty, on call or a contractor, and not taken out of the drill: may be sent
        at all.
    backup
        ``(p,)`` index of each person's backup (-1: none).
    """

    __slots__ = ("_arrays", "_given", "_listed")

    def __init__(
        self,
        priority: ArrayLike,
        qualified: ArrayLike,
        excess: ArrayLike,
        time_s: ArrayLike,
        busy_priority: ArrayLike,
        available: ArrayLike,
        backup: ArrayLike,
    ) -> None:
        self._given: tuple[Any, ...] = (priority, qualified, excess, time_s, busy_priority, available, backup)
        self._arrays: list[np.ndarray | None] = [None] * len(self._given)
        self._listed: Listed | None = None

    @classmethod
    def of_lists(cls, listed: Listed) -> Board:
        """The board of these lists (as given, also as :attr:`listed`)."""
        board = cls(*listed)
        board._listed = listed
        return board

    def _array(self, k: int) -> np.ndarray:
        found = self._arrays[k]
        if found is None:
            given = self._given[k]
            if not isinstance(given, np.ndarray):
                given = np.array(given, dtype=_DTYPES[k])
            found = self._arrays[k] = given
        return found

    @property
    def priority(self) -> np.ndarray:
        return self._array(0)

    @property
    def qualified(self) -> np.ndarray:
        return self._array(1)

    @property
    def excess(self) -> np.ndarray:
        return self._array(2)

    @property
    def time_s(self) -> np.ndarray:
        return self._array(3)

    @property
    def busy_priority(self) -> np.ndarray:
        return self._array(4)

    @property
    def available(self) -> np.ndarray:
        return self._array(5)

    @property
    def backup(self) -> np.ndarray:
        return self._array(6)

    @property
    def listed(self) -> Listed:
        """The board as Python lists."""
        if self._listed is None:
            self._listed = Listed(*[g.tolist() if isinstance(g, np.ndarray) else g for g in self._given])
        return self._listed


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
    automatic
        It sends people by itself. False for ``live``, where a trainee decides: forms for an
        ordinary drill do not offer it.
    """

    name: str
    schema: type[PolicySpec]
    assign: Callable[[Any, Board], list[Assignment]]
    label: str
    latency: Callable[[Any], Quantity | None] = _no_latency
    preempts: Callable[[Any], tuple[str, ...]] = _no_preemption
    automatic: bool = True


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
    """Each task in turn (the board's order) to the free qualified person with the least cost —
    travel time plus ``level_penalty_s`` per level above the need — who can get there and has
    no task from this board yet; the first such person on a tie. With nobody free, a red task
    takes the least-cost person whose work ``preempt`` allows (by priority) to be pre-empted.

    Plain Python over the board's rows: a board is a few tasks by a few dozen people, where a
    numpy call per row costs more than the loop (tests/engine/test_dispatch.py checks it
    against a numpy rendering of the same rules on random boards)."""
    b = board.listed
    busy, available = b.busy_priority, b.available
    free = [j for j, w in enumerate(busy) if w == FREE and available[j]]
    lower: list[int] | None = None  # who may be pre-empted: worked out when a red task needs it
    excess = b.excess if level_penalty_s else None
    taken: list[int] = []  # each person once a board (all costs inf: person 0, as np.argmin)
    out: list[Assignment] = []
    for t, prio in enumerate(b.priority):
        row, q, extra = b.time_s[t], b.qualified[t], None if excess is None else excess[t]
        preempting = False
        j = _least(free, q, row, extra, level_penalty_s)
        if j < 0 and prio == 0 and preempt:
            if lower is None:
                lower = [k for k, w in enumerate(busy) if preempt.get(w, False) and available[k]]
                lower = [k for k in lower if k not in taken]
            preempting = True
            j = _least(lower, q, row, extra, level_penalty_s)
        if j >= 0:
            out.append((t, j, preempting))
            taken.append(j)
            if j in free:
                free.remove(j)
            if lower is not None and j in lower:
                lower.remove(j)
    return out


def _least(
    pool: list[int],
    qualified: Sequence[bool],
    time_s: Sequence[float],
    excess: Sequence[int] | None,
    level_penalty_s: float,
) -> int:
    """The person of ``pool`` (in roster order) with the least cost to a task among those
    qualified who can get there (a finite time), -1 when none: ``np.argmin`` of the costs
    with everyone else at ``inf`` — the first least cost, a NaN counting as least, and person
    0 when every cost is ``inf``."""
    best_j, best, found = 0, math.inf, False
    for j in pool:
        if qualified[j]:
            x = time_s[j]
            if -math.inf < x < math.inf:
                found = True
                c = x if excess is None else x + level_penalty_s * excess[j]  # 0 s a level: the time
                if c < best:
                    best_j, best = j, c
                elif c != c:  # NaN
                    return j
    return best_j if found else -1


def _by_habit(board: Board) -> list[Assignment]:
    """The first qualified person on the roster; when that post is busy, its backup."""
    listed = board.listed
    available, backup = listed.available, listed.backup
    free = [a and b == FREE for a, b in zip(available, listed.busy_priority, strict=True)]
    taken = [False] * len(free)
    out: list[Assignment] = []
    for t, (row, q) in enumerate(zip(listed.time_s, listed.qualified, strict=True)):
        reach = [ok and math.isfinite(x) for ok, x in zip(q, row, strict=True)]
        pick = -1
        for j, (r, a) in enumerate(zip(reach, available, strict=True)):
            if not (r and a):
                continue
            if free[j] and not taken[j]:
                pick = j
                break
            b = backup[j]
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
    Policy(
        "live",
        Live,
        _nobody,
        "nobody is sent by the engine: a trainee dispatches (live exercises)",
        automatic=False,
    )
)
