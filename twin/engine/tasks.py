"""Incidents and their tasks at run time: raised, reported, opened, finished.

A hazard raises an incident with :func:`incident` (its tasks as :class:`TaskSpec`); the incident
is reported after its channel's delay (:func:`report`, a process), then each task opens once the
tasks it waits for are done (and its gate, if any, is opened). :func:`finish` closes a task,
runs its effect, opens its successors and resolves the incident when all its tasks are done.
Every change wakes the dispatcher (:meth:`~twin.engine.core.Sim.poke`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import simpy

from twin.engine.setup import TRADE_INDEX
from twin.events.log import PRIORITY_CODE, incident_detail, task_detail
from twin.scenario.schema import draw
from twin.travel import WALKING, TravelMode

if TYPE_CHECKING:
    from twin.engine.core import Proc, Sim
    from twin.engine.roster import Member


@dataclass(slots=True, eq=False)
class TaskSpec:
    """A task to create: who may do it, where, for how long, after what, and what it changes."""

    name: str
    needs: Sequence[tuple[str, int]]
    """Alternatives: any one ``(trade, minimum level)`` qualifies."""
    node: int
    duration_s: float | Callable[[], float]
    after: Sequence[int] = ()
    """Indices (in the same list of specs) of tasks that must be done first."""
    makes_safe: bool = False
    effect: Callable[[], None] | None = None
    priority: str | None = None
    """Defaults to the incident's."""
    mode: TravelMode = WALKING
    gated: bool = False
    """Waits for :func:`open_gate` (an outside event, e.g. the utility's power returning)."""


@dataclass(slots=True, eq=False)
class Task:
    id: int
    incident: Incident
    name: str
    needs: tuple[tuple[int, int], ...]
    node: int
    duration: float | Callable[[], float]
    priority: int
    mode: TravelMode
    makes_safe: bool
    effect: Callable[[], None] | None
    after: list[Task] = field(default_factory=list)
    successors: list[Task] = field(default_factory=list)
    gated: bool = False
    state: str = "waiting"
    """waiting → open → assigned → done (a pre-empted task goes from assigned back to open)."""
    remaining_s: float = math.nan
    ready_at: float = 0.0
    person: int = -1
    qualified: np.ndarray | None = None
    """``(people,)`` who holds a trade this task accepts at the level it needs."""
    excess: np.ndarray | None = None
    """``(people,)`` levels above what the task needs."""


@dataclass(slots=True, eq=False)
class Incident:
    id: int
    kind: str
    title: str
    priority: int
    node: int
    t_event: float
    reported: bool = False
    reported_s: float = math.nan
    """When it was reported (s from the start)."""
    tasks: list[Task] = field(default_factory=list)
    made_safe: bool = False
    resolved: bool = False


def incident(
    sim: Sim,
    kind: str,
    title: str,
    priority: str,
    node: int,
    channel: str,
    specs: Sequence[TaskSpec],
    *,
    delay_s: float | None = None,
) -> Incident:
    """Raise an incident now; it is reported after the channel's delay, then its tasks open."""
    env = sim.env
    inc = Incident(len(sim.incidents), kind, title, PRIORITY_CODE[priority], node, env.now)
    sim.incidents.append(inc)
    sim.log(
        "incident",
        node=node,
        incident=inc.id,
        value=inc.priority,
        detail=incident_detail(kind, priority, title),
    )
    add_tasks(sim, inc, specs)
    if delay_s is None:
        delay_s = draw(sim.channels[channel].delay_s, sim.rng(f"channel:{channel}"))
    env.process(report(env, sim, inc, delay_s, channel))
    return inc


def report(env: simpy.Environment, sim: Sim, inc: Incident, delay_s: float, channel: str) -> Proc:
    """The incident becomes known after ``delay_s``: its tasks open."""
    yield env.timeout(delay_s)
    inc.reported, inc.reported_s = True, env.now
    sim.log("reported", node=inc.node, incident=inc.id, detail=channel)
    for task in inc.tasks:
        maybe_open(sim, task)
    sim.poke()


def add_tasks(sim: Sim, inc: Incident, specs: Sequence[TaskSpec]) -> list[Task]:
    """Add tasks to an incident (open at once when it is already reported)."""
    made: list[Task] = []
    for spec in specs:
        named = tuple(spec.needs)
        needs = _trade_indices(named)
        prio = PRIORITY_CODE[spec.priority] if spec.priority else inc.priority
        qualified, excess = _qualification(sim, needs)
        task = Task(
            len(sim.tasks),
            inc,
            spec.name,
            needs,
            spec.node,
            spec.duration_s,
            prio,
            spec.mode,
            spec.makes_safe,
            spec.effect,
            gated=spec.gated,
            qualified=qualified,
            excess=excess,
        )
        if spec.after:
            task.after = [made[k] for k in spec.after]
            for pre in task.after:
                pre.successors.append(task)
        sim.tasks.append(task)
        inc.tasks.append(task)
        made.append(task)
        sim.log(
            "task",
            node=task.node,
            incident=inc.id,
            task=task.id,
            value=prio,
            detail=_task_detail(spec.name, named),
        )
    if inc.reported:
        for task in made:
            maybe_open(sim, task)
        sim.poke()
    return made


@functools.lru_cache(maxsize=1024)
def _trade_indices(needs: tuple[tuple[str, int], ...]) -> tuple[tuple[int, int], ...]:
    """A task's ``(trade, level)`` alternatives with each trade as its index: worked out once
    per alternatives (hazards raise the same few again and again)."""
    return tuple((TRADE_INDEX[t], lv) for t, lv in needs)


#: :func:`~twin.events.log.task_detail`, kept per name and alternatives (a burst's four tasks
#: come back with every burst at the same pipe).
_task_detail = functools.lru_cache(maxsize=4096)(task_detail)


def _qualification(sim: Sim, needs: tuple[tuple[int, int], ...]) -> tuple[np.ndarray, np.ndarray]:
    """Who qualifies for a task needing ``needs`` and by how many levels: worked out once per
    ``needs`` in a run (the roster does not change) and shared, read-only, by its tasks."""
    found = sim.qualification.get(needs)
    if found is None:
        found = sim.qualification[needs] = _qualify(sim.drill.levels, needs)
        for a in found:
            a.flags.writeable = False
    return found


def _qualify(levels: np.ndarray, needs: tuple[tuple[int, int], ...]) -> tuple[np.ndarray, np.ndarray]:
    p = levels.shape[0]
    qualified = np.zeros(p, dtype=bool)
    best = np.full(p, -1, dtype=np.int64)
    for trade, level in needs:
        have = levels[:, trade].astype(np.int64)
        ok = have >= level
        qualified |= ok
        best = np.where(ok, np.maximum(best, have - level), best)
    return qualified, np.maximum(best, 0)


def open_gate(sim: Sim, task: Task) -> None:
    """The outside event a gated task waits for has happened."""
    task.gated = False
    maybe_open(sim, task)
    sim.poke()


def maybe_open(sim: Sim, task: Task) -> None:
    """Put a task on the board when it is reported, ungated and its predecessors are done."""
    if task.state != "waiting" or not task.incident.reported or task.gated:
        return
    if any(pre.state != "done" for pre in task.after):
        return
    task.state = "open"
    task.ready_at = sim.env.now
    sim.open[task.id] = task
    if sim.latency is not None:
        task.ready_at += draw(sim.latency, sim.rng("dispatcher"))
        sim.env.process(_poke_at(sim.env, sim, task.ready_at))


def _poke_at(env: simpy.Environment, sim: Sim, t: float) -> Proc:
    yield env.timeout(max(t - env.now, 0.0))
    sim.poke()


def make_safe(sim: Sim, inc: Incident) -> None:
    if not inc.made_safe:
        inc.made_safe = True
        sim.log("made_safe", node=inc.node, incident=inc.id)


def finish(sim: Sim, task: Task, member: Member | None) -> None:
    """A task is done: its effect, its successors, and the incident resolved when it was the last."""
    task.state = "done"
    if member is not None:
        sim.log(
            "done",
            node=task.node,
            incident=task.incident.id,
            task=task.id,
            person=member.crew.id,
            detail=task.name,
        )
    if task.effect is not None:
        task.effect()
    inc = task.incident
    if task.makes_safe:
        make_safe(sim, inc)
    for nxt in task.successors:
        maybe_open(sim, nxt)
    if not inc.resolved and all(t.state == "done" for t in inc.tasks):
        inc.resolved = True
        make_safe(sim, inc)
        sim.log("resolved", node=inc.node, incident=inc.id)
    sim.poke()
