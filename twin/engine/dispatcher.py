"""The dispatcher at run time: a process that, whenever something changes, puts the open tasks
and the people on a :class:`~twin.engine.dispatch.Board` and sends whom the scenario's policy
chooses.

Travel times are row lookups in the routing tables of the building as it is now
(:meth:`~twin.routing.Router.response_times`); people off site count from the entrances after
their expected call-out delay. A person sent away from lower-priority work is interrupted
(pre-emption); one walking back to base turns round.
"""

from __future__ import annotations

import math
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from twin.engine.dispatch import FREE, Assignment, Board, Listed, PolicyError
from twin.engine.roster import duty_now
from twin.routing import Table

if TYPE_CHECKING:
    from twin.engine.core import Proc, Sim
    from twin.engine.roster import Member
    from twin.engine.tasks import Task

#: Tasks put on one board beyond the free people: later ones wait for the next decision, which
#: follows at once when people are left free.
BOARD_SLACK = 4
#: Routing tables (building states) whose rows a :class:`Desk` keeps; past that it starts afresh.
#: Few, and fewer than the router keeps: a kept table stays in memory (~12 MB on the estate).
TABLES_KEPT = 4
#: Qualification arrays a :class:`Desk` keeps the people of; past that it starts afresh.
QUALIFICATIONS_KEPT = 4096


@dataclass(slots=True, eq=False)
class Desk:
    """What the dispatcher keeps between the decisions of a run: facts a decision would
    otherwise work out again each time, none of which changes while it is kept.

    Attributes
    ----------
    people
        Per qualification array (a task's ``qualified``, keyed by identity and kept alive here,
        so the key stays unique): the indices of the people it lists, in roster order. Tasks
        needing the same trades share one array (:func:`twin.engine.tasks.add_tasks`).
    lists
        The same arrays (and the roster's backups) as tuples, for the boards.
    rows
        Per routing table (one building state): each place's row, once it has one (a table's
        rows are only ever added, never moved).
    gates
        Per routing table and row: seconds from the nearest entrance to that row's place, for
        someone called out from home (they come in by the best entrance).
    views
        Per routing table: its ``time_s`` as a memoryview, and how many rows it had then.
    """

    people: dict[int, tuple[np.ndarray, tuple[int, ...]]] = field(default_factory=dict)
    lists: dict[int, tuple[np.ndarray, tuple[Any, ...]]] = field(default_factory=dict)
    rows: dict[Table, dict[int, int]] = field(default_factory=dict)
    gates: dict[Table, dict[int, float]] = field(default_factory=dict)
    views: dict[Table, tuple[int, memoryview]] = field(default_factory=dict)

    def qualified(self, mask: np.ndarray) -> tuple[int, ...]:
        """The people ``mask`` (a task's ``qualified``) lists."""
        found = self.people.get(id(mask))
        if found is None:
            if len(self.people) >= QUALIFICATIONS_KEPT:
                self.people.clear()
            found = self.people[id(mask)] = (mask, tuple(np.flatnonzero(mask).tolist()))
        return found[1]

    def listed(self, a: np.ndarray | None) -> tuple[Any, ...]:
        """A task's ``qualified`` or ``excess`` (or the roster's backups) as a tuple (boards
        share it: read-only, as the array)."""
        found = self.lists.get(id(a))
        if found is None:
            assert a is not None  # set when the task is added
            if len(self.lists) >= QUALIFICATIONS_KEPT:
                self.lists.clear()
            found = self.lists[id(a)] = (a, tuple(a.tolist()))
        return found[1]

    def rows_of(self, table: Table, nodes: list[int]) -> list[int]:
        """Each node's row in ``table`` (searched when the table has none yet: the same row
        whether searched alone or with others)."""
        known = self.rows.get(table)
        if known is None:
            if len(self.rows) >= TABLES_KEPT:
                self.rows.clear()
                self.gates.clear()
                self.views.clear()
            known = self.rows[table] = {}
            self.gates[table] = {}
        out = []
        for n in nodes:
            r = known.get(n)
            if r is None:
                r = known[n] = table.row(n)
            out.append(r)
        return out

    def time_s(self, table: Table) -> memoryview:
        """``table.time_s`` as a memoryview (``[row, node]`` gives a Python float), kept while
        the table gains no rows (its array stays the same)."""
        found = self.views.get(table)
        if found is None or found[0] != len(table):
            found = self.views[table] = (len(table), table.time_s.data)
        return found[1]

    def gate_s(self, table: Table, row: int, entrances: list[int]) -> float:
        """Seconds from the nearest of ``entrances`` to ``row``'s place."""
        gates = self.gates[table]
        found = gates.get(row)
        if found is None:
            found = gates[row] = min(self.time_s(table)[row, e] for e in entrances)
        return found


def dispatcher(env: simpy.Environment, sim: Sim) -> Proc:
    """Decide each time the dispatcher is woken (:meth:`~twin.engine.core.Sim.poke`)."""
    desk = Desk()
    while True:
        yield sim.wake
        sim.wake = env.event()
        decide(sim, desk)


def decide(sim: Sim, desk: Desk | None = None) -> None:
    """Put the open tasks and the people on a :class:`Board` and apply the policy's choices.

    A decision that cannot send anyone stops before any board is built: no task open, nobody
    free (or pre-emptable), or no ready task a free person (or, for a red task, a pre-emptable
    one) qualifies for. The board holds the tasks that can be served, most urgent first, up to
    the free people plus :data:`BOARD_SLACK`; ``desk`` keeps what does not change between
    decisions (a fresh one when omitted)."""
    if not sim.open:
        return
    if desk is None:
        desk = Desk()
    now = sim.env.now
    busy, available = _roster(sim, settle=True)
    free: set[int] = set()
    preemptable: set[int] = set()
    preempt = sim.preempt
    for j, prio in enumerate(busy):
        if available[j]:
            if prio == FREE:
                free.add(j)
            elif prio in preempt:
                preemptable.add(j)
    if not free and not preemptable:
        return
    # The tasks that could be served now: a free person qualifies, or a pre-emptable one for a
    # red task. Asked once per qualification (tasks needing the same trades share theirs).
    fits: dict[int, tuple[tuple[int, ...], bool, bool]] = {}
    ready: list[Task] = []
    for t in sim.open.values():
        if t.ready_at > now:
            continue
        q = t.qualified
        assert q is not None
        fit = fits.get(id(q))
        if fit is None:
            who = desk.qualified(q)
            fit = fits[id(q)] = (who, not free.isdisjoint(who), not preemptable.isdisjoint(who))
        if fit[1] or (t.priority == 0 and fit[2]):
            ready.append(t)
    if not ready:
        return
    ready.sort(key=_urgency)
    cap = len(free) + BOARD_SLACK
    chosen, more = ready[:cap], len(ready) > cap
    # Travel times of the people who may be sent (on the board, inf for the others: no policy
    # may send them, Board's docs).
    times = _times(sim, desk, chosen, [[j for j in fits[id(t.qualified)][0] if available[j]] for t in chosen])
    qualified = [desk.listed(t.qualified) for t in chosen]
    priority = [t.priority for t in chosen]
    excess = [desk.listed(t.excess) for t in chosen]
    board = Board.of_lists(
        Listed(priority, qualified, excess, times, busy, available, desk.listed(sim.backup))
    )
    made = sim.assign(sim.policy, board)
    _verify(sim, made, chosen, qualified, free, preemptable)
    members = sim.members
    for ti, j, preempting in made:
        _send(sim, members[j], chosen[ti], float(times[ti][j]), preempting)
    if more and made:
        sim.poke()


def _urgency(t: Task) -> tuple[int, float, int]:
    """Most urgent first: priority, then the longest waiting, then the first raised."""
    return t.priority, t.ready_at, t.id


def roster_now(sim: Sim, *, settle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Who can be sent now: ``(busy, available)``, per person the priority of the task they hold
    (:data:`FREE` when none) and whether they may be sent at all (on duty, on call or a
    contractor, or on site; not someone taken out of the drill, ``sim.away``). With ``settle``,
    people whose shift has just started are put at their base, those whose shift is over go
    home (:func:`on_site_now`; a decision does, a look at the board must not)."""
    busy, available = _roster(sim, settle=settle)
    return np.array(busy, dtype=np.int64), np.array(available, dtype=bool)


def _roster(sim: Sim, *, settle: bool) -> tuple[list[int], list[bool]]:
    """:func:`roster_now` as plain lists."""
    duty = duty_now(sim)
    away = sim.away
    busy: list[int] = []
    available: list[bool] = []
    for j, (m, on) in enumerate(zip(sim.members, duty, strict=True)):
        c, task = m.crew, m.task
        busy.append(FREE if task is None else task.priority)
        here = on_site_now(m, on)
        if settle and here != m.on_site:
            m.on_site = here
            if here:
                m.node = c.base  # the shift has started: they are at base
        available.append((on or c.on_call or here) and j not in away)
    return busy, available


def on_site_now(m: Member, duty: bool) -> bool:
    """Whether ``m`` is on site, their shift's start and end taken into account: someone free
    whose shift has started is at base, someone free whose shift is over has gone home
    (contractors stay until their work is done; people called out go home by themselves)."""
    if m.task is None and not m.called_out:
        if duty:
            return True
        if m.crew.contractor < 0:
            return False
    return m.on_site


def travel_times(sim: Sim, tasks: Sequence[Task], qualified: np.ndarray) -> np.ndarray:
    """``(tasks, people)`` seconds for each person to reach each task's place in the building as
    it is now (off-site people after their expected call-out delay); ``inf`` where ``qualified``
    is False or they cannot get there."""
    rows = np.broadcast_to(np.asarray(qualified, dtype=bool), (len(tasks), len(sim.members)))
    who = [tuple(np.flatnonzero(row).tolist()) for row in rows]
    times = _times(sim, Desk(), tasks, who)
    return np.array(times, dtype=np.float64).reshape(len(tasks), len(sim.members))


def _times(sim: Sim, desk: Desk, tasks: Sequence[Task], who: Sequence[Sequence[int]]) -> list[list[float]]:
    """:func:`travel_times` as lists, for the people ``who`` lists per task (``inf`` for the
    rest): per task, a row of the routing table of the building as it is now, read at each
    person's place — where they stand, the next node of their walk plus the seconds to it, or,
    off site, the entrance nearest the task (a contractor's arrival point) plus their expected
    call-out delay. The sums :meth:`~twin.routing.Router.response_times` makes over every
    entrance: adding one delay to each entrance's time keeps their order (rounding is
    monotonic), so the nearest entrance plus the delay is the least of the sums."""
    now = sim.env.now
    members, entrances, router = sim.members, sim.entrances, sim.router
    p = len(members)
    out: list[list[float]] = [[] for _ in tasks]
    by_mode: dict[str, list[int]] = {}
    for i, task in enumerate(tasks):
        by_mode.setdefault(task.mode.name, []).append(i)
    for group in by_mode.values():
        table = router.table(sim.state_for(tasks[group[0]].mode), "to")
        rows = desk.rows_of(table, [tasks[i].node for i in group])
        time_s = desk.time_s(table)
        for i, r in zip(group, rows, strict=True):
            line = [math.inf] * p
            for j in who[i]:
                # Where the dispatcher counts them from, and the seconds until they are there.
                m = members[j]
                if m.on_site:
                    if m.next_node >= 0 and m.arrive_at > now:  # between two nodes of a walk
                        line[j] = time_s[r, m.next_node] + (m.arrive_at - now)
                    else:
                        line[j] = time_s[r, m.node]
                elif m.crew.arrival >= 0:  # a contractor who signs in at a set place
                    line[j] = time_s[r, m.crew.arrival] + m.crew.expected_delay_s
                else:  # called out: in by the entrance nearest the task
                    line[j] = desk.gate_s(table, r, entrances) + m.crew.expected_delay_s
            out[i] = line
    return out


def _check(
    sim: Sim,
    made: list[Assignment],
    chosen: list[Task],
    qualified: np.ndarray,
    free: np.ndarray,
    preemptable: np.ndarray,
) -> None:
    """A policy's choices are kept only if each sends a free (or, pre-empting, a pre-emptable)
    qualified person to one task, each task and person once: anything else would leave a
    task assigned to nobody working on it. ``free`` and ``preemptable`` are per person."""
    _verify(
        sim,
        made,
        chosen,
        qualified,
        set(np.flatnonzero(free).tolist()),
        set(np.flatnonzero(preemptable).tolist()),
    )


def _verify(
    sim: Sim,
    made: list[Assignment],
    chosen: list[Task],
    qualified: Sequence[Sequence[bool]] | np.ndarray,
    free: Container[int],
    preemptable: Container[int],
) -> None:
    """:func:`_check`, ``free`` and ``preemptable`` holding the indices of those people."""
    tasks: set[int] = set()
    people: set[int] = set()
    members = sim.members
    for ti, j, preempting in made:
        if not 0 <= j < len(members):
            raise PolicyError(
                f"dispatch policy '{sim.policy.kind}' sent person {j}, who is not on the board "
                f"(people 0..{len(members) - 1}, at {sim.env.now:.0f} s)"
            )
        m = members[j]
        why = (
            "a task it was not shown"
            if not 0 <= ti < len(chosen)
            else "a task twice"
            if ti in tasks
            else "a person twice"
            if j in people
            else "someone not qualified for it"
            if not qualified[ti][j]
            else "someone busy, without pre-empting"
            if not preempting and j not in free
            else "someone whose work may not be pre-empted"
            if preempting and j not in preemptable
            else ""
        )
        if why:
            raise PolicyError(
                f"dispatch policy '{sim.policy.kind}' sent {m.crew.id} to {why} (task {ti} of the "
                f"board at {sim.env.now:.0f} s): a policy assigns each open task at most once, "
                "to a free, qualified person (or pre-empts one its `preempts` allows)"
            )
        tasks.add(ti)
        people.add(j)


def _send(sim: Sim, m: Member, task: Task, expected_s: float, preempt: bool) -> None:
    task.state = "assigned"
    task.person = m.index
    sim.open.pop(task.id, None)
    sim.log(
        "dispatched",
        node=task.node,
        incident=task.incident.id,
        task=task.id,
        person=m.crew.id,
        value=expected_s,
        detail=task.name + (" (pre-empting)" if preempt else ""),
    )
    old = m.task
    m.task = task
    if math.isnan(m.busy_since):
        m.busy_since = sim.env.now
    if old is not None and preempt:
        assert m.proc is not None
        m.proc.interrupt(("preempt", old))
    elif m.signal is not None and not m.signal.triggered:
        m.signal.succeed()
    elif m.proc is not None and m.phase == "returning":
        m.proc.interrupt(("assigned", None))
