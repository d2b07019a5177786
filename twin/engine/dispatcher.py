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
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import simpy

from twin.engine.dispatch import FREE, Assignment, Board, PolicyError
from twin.engine.roster import duty_now
from twin.routing import Positions

if TYPE_CHECKING:
    from twin.engine.core import Proc, Sim
    from twin.engine.roster import Member
    from twin.engine.tasks import Task

#: Tasks put on one board beyond the free people: later ones wait for the next decision, which
#: follows at once when people are left free.
BOARD_SLACK = 4


def dispatcher(env: simpy.Environment, sim: Sim) -> Proc:
    """Decide each time the dispatcher is woken (:meth:`~twin.engine.core.Sim.poke`)."""
    while True:
        yield sim.wake
        sim.wake = env.event()
        decide(sim)


def decide(sim: Sim) -> None:
    """Put the open tasks and the people on a :class:`Board` and apply the policy's choices."""
    if not sim.open:
        return
    now = sim.env.now
    members = sim.members
    p = len(members)
    busy, available = roster_now(sim)
    free = available & (busy == FREE)
    preemptable = np.zeros(p, dtype=bool)
    if sim.preempt:
        for prio in sim.preempt:
            preemptable |= busy == prio
        preemptable &= available
    if not free.any() and not preemptable.any():
        return
    # The tasks that could be served now, most urgent first, up to what the free people
    # (plus some slack for tasks whose qualified people are taken first) can cover.
    ready = sorted(
        (t for t in sim.open.values() if t.ready_at <= now), key=lambda t: (t.priority, t.ready_at, t.id)
    )
    cap = int(free.sum()) + BOARD_SLACK
    chosen: list[Task] = []
    more = False
    for t in ready:
        assert t.qualified is not None
        if (t.qualified & free).any() or (t.priority == 0 and (t.qualified & preemptable).any()):
            if len(chosen) == cap:
                more = True
                break
            chosen.append(t)
    if not chosen:
        return
    count = len(chosen)
    qualified = np.array([t.qualified for t in chosen])  # (np.stack is slower on small rows)
    excess = np.array([t.excess for t in chosen])
    time_s = travel_times(sim, chosen, qualified)
    board = Board(
        priority=np.fromiter((t.priority for t in chosen), dtype=np.int64, count=count),
        qualified=qualified,
        excess=excess,
        time_s=time_s,
        busy_priority=busy,
        available=available,
        backup=sim.backup,
    )
    made = sim.assign(sim.policy, board)
    _check(sim, made, chosen, qualified, free, preemptable)
    for ti, j, preempting in made:
        _send(sim, members[j], chosen[ti], float(time_s[ti, j]), preempting)
    if more and made:
        sim.poke()


def roster_now(sim: Sim, *, settle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Who can be sent now: ``(busy, available)``, per person the priority of the task they hold
    (:data:`FREE` when none) and whether they may be sent at all (on duty, on call or a
    contractor, or on site; not someone taken out of the drill, ``sim.away``). With ``settle``,
    people whose shift has just started are put at their base, those whose shift is over go
    home (:func:`on_site_now`; a decision does, a look at the board must not)."""
    duty = duty_now(sim)
    away = sim.away
    busy: list[int] = []
    available: list[bool] = []
    for m in sim.members:
        c = m.crew
        busy.append(FREE if m.task is None else m.task.priority)
        here = on_site_now(m, duty[m.index])
        if settle and here != m.on_site:
            m.on_site = here
            if here:
                m.node = c.base  # the shift has started: they are at base
        available.append(bool((duty[m.index] or c.on_call or here) and m.index not in away))
    return np.array(busy, dtype=np.int64), np.array(available, dtype=bool)


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
    positions = _positions(sim)
    time_s = np.full((len(tasks), len(sim.members)), np.inf)
    by_mode: dict[str, list[int]] = {}
    for i, task in enumerate(tasks):
        by_mode.setdefault(task.mode.name, []).append(i)
    for rows in by_mode.values():
        mode = tasks[rows[0]].mode
        state = sim.state_for(mode)
        targets = np.fromiter((tasks[i].node for i in rows), dtype=np.int64, count=len(rows))
        time_s[rows] = sim.router.response_times(targets, positions, state, eligible=qualified[rows])
    return time_s


def _positions(sim: Sim) -> Positions:
    """Everyone's place for the dispatcher: a node and the seconds until they stand there;
    people off site count from the entrances (a contractor from its arrival point), after their
    expected call-out delay."""
    entrances = sim.entrances
    width = len(entrances)
    pad_node, pad_eta = [0] * (width - 1), [math.inf] * (width - 1)
    nodes: list[list[int]] = []
    etas: list[list[float]] = []
    now = sim.env.now
    for m in sim.members:
        if m.on_site:
            if m.next_node >= 0 and m.arrive_at > now:
                nodes.append([m.next_node, *pad_node])
                etas.append([m.arrive_at - now, *pad_eta])
            else:
                nodes.append([m.node, *pad_node])
                etas.append([0.0, *pad_eta])
        elif m.crew.arrival >= 0:  # a contractor who signs in at a set place
            nodes.append([m.crew.arrival, *pad_node])
            etas.append([m.crew.expected_delay_s, *pad_eta])
        else:
            nodes.append(entrances)
            etas.append([m.crew.expected_delay_s] * width)
    shape = (len(nodes), width)
    node = np.array(nodes, dtype=np.int64).reshape(shape)
    eta = np.array(etas, dtype=np.float64).reshape(shape)
    return Positions(node, eta)


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
    task assigned to nobody working on it."""
    tasks: set[int] = set()
    people: set[int] = set()
    for ti, j, preempting in made:
        m = sim.members[j]
        why = (
            "a task it was not shown"
            if not 0 <= ti < len(chosen)
            else "a task twice"
            if ti in tasks
            else "a person twice"
            if j in people
            else "someone not qualified for it"
            if not qualified[ti, j]
            else "someone busy, without pre-empting"
            if not preempting and not free[j]
            else "someone whose work may not be pre-empted"
            if preempting and not preemptable[j]
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
