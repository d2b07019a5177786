"""People at run time: each person's life as a process — wait, go, work, go back to base — and
their walk through the building hop by hop.

Paths come from the routing tables of the building's current network state, so a change (lifts
stopping) reaches everyone en route at their next node and they re-route from there; no
shortest-path search runs per event. People called out from home arrive at the best entrance
after their drawn delay and go home when no more work comes.
"""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING

import numpy as np
import simpy

from twin.engine import physics
from twin.engine.core import timeout
from twin.engine.roster import Member, duty_now
from twin.engine.tasks import Task, finish
from twin.navgraph import NodeKind
from twin.routing import NoRouteError
from twin.scenario.schema import draw
from twin.travel import WALKING, TravelMode

if TYPE_CHECKING:
    from twin.engine.core import Proc, Sim


def member(env: simpy.Environment, sim: Sim, m: Member) -> Proc:
    """A person's life in the drill: wait, go, work, go back to base — or, called out, go home
    when no more work comes while they are on site."""
    while True:
        if m.task is None and m.called_out and not duty_now(sim)[m.index]:
            m.signal = env.event()
            yield m.signal | env.timeout(physics.CALLED_OUT_STAY_S)
            m.signal = None
            if m.task is None:
                m.called_out = m.on_site = False
                m.next_node = -1
                sim.log("move", node=m.node, person=m.crew.id, detail="left the site")
            continue
        if m.task is None:
            if m.on_site and m.crew.base >= 0 and m.node != m.crew.base and duty_now(sim)[m.index]:
                m.phase = "returning"
                with contextlib.suppress(simpy.Interrupt):  # a new task: stop going back
                    yield from travel(env, sim, m, m.crew.base, WALKING)
                m.phase = "idle"
                continue
            m.signal = env.event()
            yield m.signal
            m.signal = None
            continue
        task = m.task
        m.phase = "busy"
        try:
            yield from perform(env, sim, m, task)
        except simpy.Interrupt as stop:
            cause, old = stop.cause if isinstance(stop.cause, tuple) else (stop.cause, None)
            if cause == "preempt" and old is not None:
                _release(sim, old, m)
            continue
        m.phase = "idle"
        account(sim, m)
        m.task = None
        finish(sim, task, m)


def account(sim: Sim, m: Member) -> None:
    """Log the labour cost of a busy spell that ends now."""
    if not math.isnan(m.busy_since):
        hours = (sim.env.now - m.busy_since) / 3600.0
        m.busy_since = math.nan
        if hours > 0 and m.crew.hourly_rate > 0:
            sim.log(
                "cost",
                person=m.crew.id,
                value=hours * m.crew.hourly_rate,
                detail="contractor" if m.crew.contractor >= 0 else "labour",
            )


def _release(sim: Sim, task: Task, m: Member) -> None:
    """Put a task back on the board after its person was taken off it."""
    sim.log("preempted", node=task.node, incident=task.incident.id, task=task.id, person=m.crew.id)
    task.state = "open"
    task.person = -1
    task.ready_at = sim.env.now
    sim.open[task.id] = task
    sim.poke()


def perform(env: simpy.Environment, sim: Sim, m: Member, task: Task) -> Proc:
    """Come in if called out, walk to the task, work it (the rest of it, after a pre-emption)."""
    inc = task.incident
    if not m.on_site and not m.called_out:
        m.called_out = True
        rng = sim.rng(f"callout:{m.crew.id}")
        delay = 60.0 * draw(m.crew.delay_min, rng)
        entrance = m.crew.arrival if m.crew.arrival >= 0 else _best_entrance(sim, task)
        m.next_node, m.arrive_at = entrance, env.now + delay
        sim.log("callout", node=entrance, incident=inc.id, task=task.id, person=m.crew.id, value=delay)
        if m.crew.callout_fee:
            sim.log("cost", person=m.crew.id, value=m.crew.callout_fee, detail="callout")
        if m.crew.contractor >= 0:
            contract = sim.drill.scenario.contractors[m.crew.contractor]
            if delay > 60.0 * contract.contract_arrival_min and contract.penalty_per_breach:
                # Charged to the contractor: a credit against the drill's cost.
                sim.log(
                    "cost",
                    person=m.crew.id,
                    value=-contract.penalty_per_breach,
                    detail="penalty",
                    incident=inc.id,
                )
    if m.next_node >= 0 and m.arrive_at > env.now:
        # Still on the way in, or interrupted between two nodes: finish that first.
        yield env.timeout(m.arrive_at - env.now)
    if m.next_node >= 0:
        m.node, m.next_node = m.next_node, -1
    if not m.on_site:
        m.on_site = True
        sim.log("move", node=m.node, person=m.crew.id, detail="arrived on site")
    yield from travel(env, sim, m, task.node, task.mode, task=task)
    sim.log("on_site", node=task.node, incident=inc.id, task=task.id, person=m.crew.id, detail=task.name)
    if math.isnan(task.remaining_s):
        d = task.duration
        task.remaining_s = float(d() if callable(d) else d)
    sim.log("work", node=task.node, incident=inc.id, task=task.id, person=m.crew.id, value=task.remaining_s)
    started = env.now
    try:
        yield env.timeout(task.remaining_s)
    except simpy.Interrupt:
        task.remaining_s = max(task.remaining_s - (env.now - started), 0.0)
        raise
    task.remaining_s = 0.0


def _best_entrance(sim: Sim, task: Task) -> int:
    entrances = sim.graph.entrances
    if entrances.size == 0:
        return task.node
    t = sim.router.times(entrances, [task.node], sim.state_for(task.mode))[:, 0]
    return int(entrances[int(np.argmin(t))])


def travel(
    env: simpy.Environment, sim: Sim, m: Member, target: int, mode: TravelMode, *, task: Task | None = None
) -> Proc:
    """Walk ``m`` to ``target`` hop by hop, re-routing when the building changes."""
    graph = sim.graph
    task_id = task.id if task else -1
    person, trace, moved = m.crew.id, sim.trace_moves, sim.rec.move
    while m.node != target:
        state = sim.state_for(mode)
        try:
            path = sim.router.path(m.node, target, state)
        except NoRouteError:
            sim.log(
                "blocked",
                node=m.node,
                person=m.crew.id,
                incident=task.incident.id if task else -1,
                detail=f"no way to {sim.name(target)} ({state.describe()})",
            )
            yield sim.changed
            continue
        version = sim.version
        # Plain Python numbers, worked out once per path: this loop runs once per node passed,
        # the engine's most frequent step (a cheaper timeout, the arrival time summed here).
        nodes, hops = sim.walk(path)
        last = len(hops)
        arrive = env.now
        for k, (node, hop_s, xyz) in enumerate(hops, 1):
            # The sum SimPy's queue makes for the timeout, so the clock reads exactly this after.
            arrive += hop_s
            m.next_node = node
            m.arrive_at = arrive
            yield timeout(env, hop_s)
            m.node = node
            m.next_node = -1
            if trace:
                moved(arrive, person, xyz, task_id)
            if sim.version != version and k < last:
                if graph.node_kind[node] == NodeKind.LIFT:
                    # Caught in a car: its rescue device brings it back to where they boarded.
                    floor = [int(x) for x in nodes[:k] if graph.node_kind[x] != NodeKind.LIFT]
                    yield env.timeout(physics.LIFT_HOMING_S)
                    m.node = floor[-1] if floor else m.node
                sim.log(
                    "rerouted",
                    node=m.node,
                    person=m.crew.id,
                    incident=task.incident.id if task else -1,
                    detail=f"towards {sim.name(target)}",
                )
                break
