"""What the duty dispatcher sees, frozen at one moment of a running drill.

Only what a real dispatcher would know: incidents once reported through their channel (with its
delay), the tasks open on the board and how long each has waited, the roster (free, en route, on
task, off shift, on call, away) with where each person is, and for every open task the travel
time the twin computes for each qualified person — the same numbers the engine's policies
decide on (:func:`~twin.engine.dispatcher.travel_times`). Reading the view changes nothing in
the drill (a page may refresh it at any time without changing what happens).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from twin.engine.core import Sim
from twin.engine.dispatch import FREE
from twin.engine.dispatcher import on_site_now, roster_now, travel_times
from twin.engine.roster import Member, on_duty
from twin.events.log import PRIORITY_NAME
from twin.live.decisions import needs_text, trades_text
from twin.places import storey_name

#: A person's status on the board, in the order the roster lists them.
STATUSES: tuple[str, ...] = ("free", "en route", "on task", "on call", "off shift", "away")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A qualified person for an open task and the twin's travel time (``inf``: cannot get
    there now); off-site people count from an entrance after their expected call-out delay."""

    person: str
    name: str
    status: str
    travel_s: float


@dataclass(frozen=True, slots=True)
class OpenTask:
    id: int
    incident: int
    incident_title: str
    name: str
    priority: str
    place: str
    storey: str
    waiting_s: float
    """Since it opened (or went back on the board)."""
    needs: str
    """``plumber:1 or security:1``."""
    candidates: tuple[Candidate, ...]
    """Qualified people, the free ones first, each group by travel time."""


@dataclass(frozen=True, slots=True)
class TaskState:
    id: int
    name: str
    state: str
    """waiting, open, assigned or done."""
    person: str


@dataclass(frozen=True, slots=True)
class KnownIncident:
    id: int
    kind: str
    title: str
    priority: str
    place: str
    storey: str
    reported_s: float
    made_safe: bool
    resolved: bool
    tasks: tuple[TaskState, ...]


@dataclass(frozen=True, slots=True)
class PersonStatus:
    id: str
    name: str
    status: str
    place: str
    storey: str
    node: int
    """Navigation-graph node they are at or walking to; -1 off site."""
    task: int
    """The task they hold, -1 for none."""
    task_name: str
    trades: str
    contractor: bool


@dataclass(frozen=True, slots=True)
class View:
    t_s: float
    clock: dt.datetime
    end_s: float
    incidents: tuple[KnownIncident, ...]
    open_tasks: tuple[OpenTask, ...]
    people: tuple[PersonStatus, ...]


def status_of(sim: Sim, m: Member, available: bool) -> str:
    """One of :data:`STATUSES`."""
    if m.index in sim.away:
        return "away"
    task = m.task
    if task is not None:
        here = m.on_site and m.next_node < 0 and m.node == task.node
        return "on task" if here else "en route"
    if not available:
        return "off shift"
    duty = bool(on_duty(sim, m.crew))
    if not on_site_now(m, duty):
        return "on call"
    return "free"


def dispatcher_view(sim: Sim) -> View:
    """The board at the drill's current time (see the module docstring)."""
    now = float(sim.env.now)
    busy, available = roster_now(sim, settle=False)
    free = available & (busy == FREE)
    statuses = [status_of(sim, m, bool(available[m.index])) for m in sim.members]
    people = tuple(_person(sim, m, statuses[m.index]) for m in sim.members)
    tasks = [t for t in sim.open.values() if t.ready_at <= now]
    tasks.sort(key=lambda t: (t.priority, t.ready_at, t.id))
    open_tasks: list[OpenTask] = []
    if tasks:
        qualified = np.stack([np.asarray(t.qualified) for t in tasks])
        time_s = travel_times(sim, tasks, qualified)
        for i, t in enumerate(tasks):
            js = [int(j) for j in np.flatnonzero(qualified[i])]
            js.sort(key=lambda j: (not free[j], float(time_s[i, j]), j))
            open_tasks.append(
                OpenTask(
                    id=t.id,
                    incident=t.incident.id,
                    incident_title=t.incident.title,
                    name=t.name,
                    priority=PRIORITY_NAME[t.priority],
                    place=sim.name(t.node),
                    storey=storey_name(sim.model, sim.graph, t.node),
                    waiting_s=now - t.ready_at,
                    needs=needs_text(t),
                    candidates=tuple(
                        Candidate(
                            sim.members[j].crew.id, sim.members[j].crew.name, statuses[j], float(time_s[i, j])
                        )
                        for j in js
                    ),
                )
            )
    holders = {m.index: m.crew.id for m in sim.members}
    incidents = tuple(
        KnownIncident(
            id=inc.id,
            kind=inc.kind,
            title=inc.title,
            priority=PRIORITY_NAME[inc.priority],
            place=sim.name(inc.node),
            storey=storey_name(sim.model, sim.graph, inc.node),
            reported_s=float(inc.reported_s),
            made_safe=inc.made_safe,
            resolved=inc.resolved,
            tasks=tuple(TaskState(t.id, t.name, t.state, holders.get(t.person, "")) for t in inc.tasks),
        )
        for inc in sim.incidents
        if inc.reported and not math.isnan(inc.reported_s)
    )
    clock = sim.start + dt.timedelta(seconds=now)
    return View(now, clock, sim.drill.scenario.duration_s, incidents, tuple(open_tasks), people)


def _person(sim: Sim, m: Member, status: str) -> PersonStatus:
    task = m.task
    here = on_site_now(m, bool(on_duty(sim, m.crew)))
    if not here:
        # Off site: no place in the building (one called out is on the way in).
        node, place, storey = -1, "on the way in" if m.called_out else "off site", ""
    else:
        node = m.crew.base if not m.on_site else m.next_node if m.next_node >= 0 else m.node
        place, storey = sim.name(node), storey_name(sim.model, sim.graph, node)
    return PersonStatus(
        id=m.crew.id,
        name=m.crew.name,
        status=status,
        place=place,
        storey=storey,
        node=node,
        task=task.id if task is not None else -1,
        task_name=task.name if task is not None else "",
        trades=trades_text(m.crew.levels),
        contractor=m.crew.contractor >= 0,
    )
