"""A dispatcher's decisions, applied to a running drill at its current time.

A decision sends a person to an open task (``assign``; ``callout`` is the same for someone off
site — an on-call person or a contractor — and says so), or takes a person off the task they
hold (``release``: the task goes back on the board). Sending goes through the engine's own
dispatcher: the same availability (:func:`~twin.engine.dispatcher.roster_now`), the same guard
a policy's choices pass (:func:`~twin.engine.dispatcher._check`) and the same
:func:`~twin.engine.dispatcher._send`; a person who is busy, off shift, away, not qualified or
cannot get there is a :class:`DecisionError` naming who and why, and nothing changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from twin.engine.core import Sim
from twin.engine.dispatch import FREE, PolicyError
from twin.engine.dispatcher import _check, _send, roster_now, travel_times
from twin.engine.people import _release, account
from twin.engine.roster import Member
from twin.engine.tasks import Task
from twin.errors import TwinError, suggest
from twin.scenario.schema import TRADES

DecisionKind = Literal["assign", "callout", "release"]
DECISION_KINDS: tuple[str, ...] = ("assign", "callout", "release")


class DecisionError(TwinError):
    """A decision the drill cannot carry out now (who and why in the message)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What the dispatcher decided: ``kind`` (assign, callout, release), the person's id and,
    to assign or call out, the task's id (:attr:`twin.live.view.OpenTask.id`)."""

    kind: DecisionKind
    person: str
    task: int = -1

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "person": self.person, "task": self.task}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Decision:
        kind = str(data.get("kind", ""))
        known: dict[str, DecisionKind] = {"assign": "assign", "callout": "callout", "release": "release"}
        if kind in known:
            return cls(known[kind], str(data.get("person", "")), int(data.get("task", -1)))
        raise DecisionError(f"unknown decision '{kind}'{suggest(kind, DECISION_KINDS)}")


@dataclass(frozen=True, slots=True)
class Applied:
    """A decision carried out: at ``t_s``; ``expected_s`` the travel time the twin expected
    (assign, callout), ``task`` the task it concerned."""

    decision: Decision
    t_s: float
    task: int
    expected_s: float


def member_of(sim: Sim, person: str) -> Member:
    """The person with id ``person``, or a :class:`DecisionError` naming the known ids."""
    for m in sim.members:
        if m.crew.id == person:
            return m
    ids = [m.crew.id for m in sim.members]
    raise DecisionError(f"no person '{person}'{suggest(person, ids)} (people: {', '.join(ids)})")


def trades_text(levels: tuple[int, ...] | np.ndarray) -> str:
    """``plumber:2, security:1`` from a level row."""
    return ", ".join(f"{t}:{int(levels[i])}" for i, t in enumerate(TRADES) if levels[i] > 0) or "no trade"


def needs_text(task: Task) -> str:
    """``plumber:1 or security:1``: who may do a task."""
    return " or ".join(f"{TRADES[t]}:{lv}" for t, lv in task.needs)


def apply_decision(sim: Sim, decision: Decision) -> Applied:
    """Carry out ``decision`` now; a :class:`DecisionError` (and no change) when it cannot be."""
    m = member_of(sim, decision.person)
    if decision.kind == "release":
        return _take_off(sim, m, decision)
    task = _open_task(sim, decision.task)
    busy, available = roster_now(sim)
    free = available & (busy == FREE)
    qualified = np.asarray(task.qualified)[None, :]
    time_s = travel_times(sim, [task], qualified)[0]
    j = m.index
    who = f"{m.crew.id} ({m.crew.name})" if m.crew.name != m.crew.id else m.crew.id
    why = ""
    if j in sim.away:
        why = f"{who} has been taken out of the exercise (called away or hurt)"
    elif not available[j]:
        shift = m.crew.shift
        hours = f"{shift.start}–{shift.end}" if shift is not None else ""
        why = f"{who} is off shift (works {hours}) and not on call"
    elif m.task is not None:
        why = f"{who} is busy with task {m.task.id} '{m.task.name}'; take them off it first (release)"
    elif not qualified[0, j]:
        holds = trades_text(m.crew.levels)
        why = f"{who} is not qualified: the task needs {needs_text(task)}, {who} holds {holds}"
    elif decision.kind == "callout" and m.on_site:
        why = f"{who} is on site: assign them, there is nobody to call out"
    elif not math.isfinite(time_s[j]):
        why = (
            f"{who} cannot reach {sim.name(task.node)} in the building as it is now ({sim.state.describe()})"
        )
    if why:
        raise DecisionError(f"cannot send {m.crew.id} to task {task.id} '{task.name}': {why}")
    try:
        _check(sim, [(0, j, False)], [task], qualified, free, np.zeros_like(free))
    except PolicyError as exc:  # the engine's own guard: a reason the checks above missed
        raise DecisionError(f"cannot send {m.crew.id} to task {task.id} '{task.name}': {exc}") from None
    expected = float(time_s[j])
    _send(sim, m, task, expected, False)
    return Applied(decision, float(sim.env.now), task.id, expected)


def _open_task(sim: Sim, task_id: int) -> Task:
    if not 0 <= task_id < len(sim.tasks):
        raise DecisionError(f"no task {task_id}: the open tasks are {_open_ids(sim)}")
    task = sim.tasks[task_id]
    if task.state == "open":
        return task
    if task.state == "assigned":
        holder = sim.members[task.person].crew.id if task.person >= 0 else "someone"
        state = f"is already assigned to {holder}"
    elif task.state == "done":
        state = "is done"
    elif not task.incident.reported:
        state = "is not known yet (its incident has not been reported)"
    else:
        state = "waits for another task to be done first"
    raise DecisionError(f"task {task_id} '{task.name}' {state}; the open tasks are {_open_ids(sim)}")


def _open_ids(sim: Sim) -> str:
    ids = [str(t) for t in sim.open]
    return ", ".join(ids) if ids else "none"


def _take_off(sim: Sim, m: Member, decision: Decision) -> Applied:
    """Take ``m`` off their task now: the task goes back on the board with the work left."""
    task = m.task
    if task is None:
        raise DecisionError(f"{m.crew.id} holds no task to be taken off")
    m.task = None
    account(sim, m)
    if m.proc is not None and m.phase == "busy" and m.signal is None:
        # Working, walking or coming in: the process stops that at once (keeping the work left).
        # One not yet picked up (parked at its signal) just finds no task when it wakes.
        m.proc.interrupt(("released", task))
    _release(sim, task, m)
    return Applied(decision, float(sim.env.now), task.id, math.nan)
