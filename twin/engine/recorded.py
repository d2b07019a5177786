"""Recorded incidents in a run: the process raising a given list of incidents at their times.

A work-order history re-run through the engine (:mod:`twin.history.whatif`) raises each of its
incidents at the time it happened, at its place, with the on-site work the log recorded, instead
of incidents a hazard's physics or the background rates draw. :func:`raise_recorded` raises them as
:func:`twin.engine.background.background` raises rate-drawn work orders: with
:func:`~twin.engine.tasks.incident`, so every row is the engine's own.

Three things the log fixes and the engine keeps:

- **when the dispatcher sends someone**: a task waits the log's reported → dispatched interval
  before anyone may be sent (its gate opens then), so a change of who goes is not mixed up with
  a change of how long the desk took to decide;
- **how long the work takes** on site: the log's on site → made safe and on site → resolved;
- **who went**, when :attr:`RecordedIncident.person` names someone: only they may take the task
  (the dispatcher waits for them if they are busy), as happened. Left empty, the scenario's
  dispatch policy chooses.

:func:`steps` is the one definition of an incident's tasks, read by the reconstruction of the
log (:mod:`twin.history.reconstruct`) too, so a replayed log and its re-run name their tasks alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import simpy

from twin.engine.core import Proc, Sim
from twin.engine.tasks import Task, TaskSpec, incident, open_gate
from twin.scenario.schema import TRADES, draw

#: Task names of an incident with a logged make-safe step before its repair.
MAKE_SAFE, REPAIR = "make safe", "repair"


@dataclass(frozen=True, slots=True)
class RecordedIncident:
    """One incident of a log, as the engine raises it."""

    t_s: float
    """When it happened: seconds from the scenario start."""
    kind: str
    """A hazard kind's name or ``work_order``; the log's word, kept for the KPIs' rows."""
    title: str
    priority: str
    """red, yellow or blue."""
    node: int
    """Its place in the navigation graph."""
    trade: str
    """Who may do it: anyone holding this trade (any level); ``""``: anyone."""
    work_s: float
    """On site → resolved, seconds."""
    safe_s: float = math.nan
    """On site → made safe, seconds, when the log has a make-safe step before the repair."""
    dispatch_delay_s: float = 0.0
    """Reported → dispatched: nobody is sent before it has passed."""
    report_delay_s: float | None = 0.0
    """Event → reported; ``None``: drawn from :attr:`channel`'s delay."""
    channel: str = "phone"
    person: str = ""
    """Who went, the only one who may take it: a roster id, or a contractor's id (any of its
    technicians); ``""``: the policy chooses."""


def steps(r: RecordedIncident) -> list[tuple[str, float, bool]]:
    """An incident's tasks as ``(name, seconds of work, makes safe)``: a make-safe step and the
    repair when the log made it safe part-way through the work, else one task named after the
    incident, whose end makes it safe and resolves it (as :func:`~twin.engine.tasks.finish`
    does)."""
    if 0.0 < r.safe_s < r.work_s:
        return [(MAKE_SAFE, r.safe_s, True), (REPAIR, r.work_s - r.safe_s, False)]
    return [(r.title, max(r.work_s, 0.0), True)]


def needs(trade: str) -> tuple[tuple[str, int], ...]:
    """Who may do the work: anyone holding ``trade`` (level 1 up), or anyone at all for ``""``."""
    return ((trade, 1),) if trade else tuple((t, 1) for t in TRADES)


@dataclass(frozen=True, slots=True)
class Recorded:
    """What a run re-plays: the incidents, and the building as it was."""

    incidents: Sequence[RecordedIncident]
    lifts_working: bool = True
    """False: every lift is stopped for the whole run (people take the stairs)."""


def raise_recorded(env: simpy.Environment, sim: Sim, history: Recorded) -> Proc:
    """Raise each incident at its time (they are raised in time order)."""
    index: dict[str, list[int]] = {}
    contractors = sim.drill.scenario.contractors
    for m in sim.members:
        index[m.crew.id] = [m.index]
        if m.crew.contractor >= 0 and contractors[m.crew.contractor].id != m.crew.id:
            index.setdefault(contractors[m.crew.contractor].id, []).append(m.index)
    unknown = sorted({r.person for r in history.incidents if r.person and r.person not in index})
    if unknown:
        raise ValueError(f"recorded incidents name people not on the roster: {', '.join(unknown)}")
    if not history.lifts_working:
        sim.set_state(sim.state.with_lifts_off(), "every lift stopped")
    for r in sorted(history.incidents, key=lambda r: r.t_s):
        if r.t_s > env.now:
            yield env.timeout(r.t_s - env.now)
        delay = r.report_delay_s
        if delay is None:
            # One stream per channel: runs compared on one seed draw the same delays in turn.
            delay = draw(sim.channels[r.channel].delay_s, sim.rng(f"recorded:channel:{r.channel}"))
        specs = [
            TaskSpec(
                name, needs(r.trade), r.node, work_s, after=[k - 1] if k else (), makes_safe=safe, gated=not k
            )
            for k, (name, work_s, safe) in enumerate(steps(r))
        ]
        inc = incident(sim, r.kind, r.title, r.priority, r.node, r.channel, specs, delay_s=delay)
        if r.person:
            for task in inc.tasks:
                _pin(task, index[r.person], len(sim.members))
        env.process(_release(env, sim, inc.tasks[0], delay + r.dispatch_delay_s))


def _pin(task: Task, persons: list[int], people: int) -> None:
    """Only ``persons`` may take ``task``."""
    only = np.zeros(people, dtype=bool)
    only[persons] = True
    task.qualified = only
    task.excess = np.zeros(people, dtype=np.int64)


def _release(env: simpy.Environment, sim: Sim, task: Task, after_s: float) -> Proc:
    yield env.timeout(after_s)
    open_gate(sim, task)
