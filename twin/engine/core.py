"""The drill at run time: incidents, tasks, people moving through the building, the dispatcher.

SimPy processes are plain generator functions taking ``env`` first; the state they share lives in
one :class:`Sim` object per run (nothing subclasses ``Environment``). People move hop by hop
along paths taken from the routing tables of the building's current network state, so a change
(lifts stopping) reaches everyone en route at their next node and they re-route from there; no
shortest-path search runs per event. Hazards (:mod:`twin.engine.hazards`) raise incidents here
and change the building through :meth:`Sim.set_state`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from twin.engine import physics
from twin.engine.dispatch import FREE, Board, assign
from twin.engine.setup import TRADE_INDEX, Crew, Drill
from twin.engine.streams import Streams
from twin.events.log import PRIORITY_CODE, EventRecorder, incident_detail
from twin.navgraph import NodeKind
from twin.places import place_name
from twin.routing import NORMAL, NetworkState, NoRouteError, Positions, Router
from twin.scenario.schema import Manual, Quantity
from twin.travel import WALKING, TravelMode

Proc = Generator[simpy.Event, Any, Any]


def draw(q: Quantity, rng: np.random.Generator) -> float:
    """One draw of a scenario quantity (a number is itself)."""
    if isinstance(q, int | float):
        return float(q)
    kind = q.kind
    if kind == "fixed":
        return float(q.value)  # type: ignore[union-attr]
    if kind == "uniform":
        return float(rng.uniform(q.low, q.high))  # type: ignore[union-attr]
    if kind == "triangular":
        if q.low == q.high:  # type: ignore[union-attr]
            return float(q.low)  # type: ignore[union-attr]
        return float(rng.triangular(q.low, q.mode, q.high))  # type: ignore[union-attr]
    if kind == "lognormal":
        sigma = math.log(q.p90 / q.median) / 1.2815515655446004  # type: ignore[union-attr]
        return float(q.median * math.exp(sigma * rng.standard_normal()))  # type: ignore[union-attr]
    return float(rng.exponential(q.mean))  # type: ignore[union-attr]


# -- incidents and tasks ---------------------------------------------------------------------


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
    """Waits for :meth:`Sim.open_gate` (an outside event, e.g. the utility's power returning)."""


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
    """waiting → open → assigned → done."""
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
    tasks: list[Task] = field(default_factory=list)
    made_safe: bool = False
    resolved: bool = False


@dataclass(slots=True, eq=False)
class Member:
    """One person at run time."""

    index: int
    crew: Crew
    on_site: bool
    node: int
    next_node: int = -1
    arrive_at: float = 0.0
    task: Task | None = None
    phase: str = "idle"
    """idle (free, maybe walking back to base) or busy."""
    proc: simpy.Process | None = None
    signal: simpy.Event | None = None
    busy_since: float = math.nan
    busy_s: float = 0.0
    called_out: bool = False


# -- the run's shared state ------------------------------------------------------------------


class Sim:
    """The state of one run, shared by its processes."""

    def __init__(self, env: simpy.Environment, drill: Drill, router: Router, streams: Streams,
                 *, trace_moves: bool = True) -> None:
        self.env = env
        self.drill = drill
        self.model = drill.twin.model
        self.graph = drill.twin.graph
        self.router = router
        self.streams = streams
        self.rec = EventRecorder()
        self.trace_moves = trace_moves
        self.state: NetworkState = NORMAL
        self.version = 0
        self.changed: simpy.Event = env.event()
        self.incidents: list[Incident] = []
        self.tasks: list[Task] = []
        self.open: dict[int, Task] = {}
        """Tasks waiting for a person, by id (insertion order = the order they opened)."""
        self.wake: simpy.Event = env.event()
        self.policy = drill.scenario.dispatch
        # Read once: a missing attribute on a pydantic model takes its slow path every time.
        self._preempt = tuple(PRIORITY_CODE[p] for p in getattr(self.policy, "preempt", ()) or ())
        self.channels = drill.scenario.all_channels  # built afresh on every call of the property
        self.start = drill.scenario.start
        self._names: dict[int, str] = {}
        self._xyz: dict[int, tuple[float, float, float]] = {}
        self.members = [
            Member(i, c, on_site=False, node=c.base if c.base >= 0 else int(self._entrance()))
            for i, c in enumerate(drill.crew)
        ]
        self._mode_states: dict[str, tuple[int, NetworkState]] = {}
        self._shift_minutes: dict[Any, tuple[int, int]] = {}
        self._start_min = self.start.hour * 60 + self.start.minute + self.start.second / 60
        self._backup = np.array([c.backup for c in drill.crew], dtype=np.int64)

    # -- small helpers -------------------------------------------------------------------------

    def _entrance(self) -> int:
        e = self.graph.entrances
        return int(e[0]) if e.size else 0

    def name(self, node: int) -> str:
        n = self._names.get(node)
        if n is None:
            n = self._names[node] = place_name(self.model, self.graph, node)
        return n

    def xyz(self, node: int) -> tuple[float, float, float]:
        """A node's coordinates as floats, kept: the log asks for them at every move."""
        p = self._xyz.get(node)
        if p is None:
            x, y, z = self.graph.node_xyz[node].tolist()
            p = self._xyz[node] = (x, y, z)
        return p

    def log(self, kind: str, *, node: int = -1, **kw: Any) -> None:
        if node >= 0:
            kw.setdefault("place", self.name(node))
            kw.setdefault("xyz", self.xyz(node))
        self.rec.add(self.env.now, kind, **kw)

    def rng(self, purpose: str) -> np.random.Generator:
        return self.streams(purpose)

    def on_duty(self, crew: Crew) -> bool:
        if crew.shift is None:
            return False
        hours = self._shift_minutes.get(crew.shift)
        if hours is None:
            hours = self._shift_minutes[crew.shift] = crew.shift.minutes()
        start, end = hours
        now = (self._start_min + self.env.now / 60.0) % 1440.0
        if start == end:
            return True
        return start <= now < end if start < end else (now >= start or now < end)

    def state_for(self, mode: TravelMode) -> NetworkState:
        """The building as it is now, for a traveller of ``mode``."""
        if mode is WALKING:
            return self.state
        found = self._mode_states.get(mode.name)
        if found is None or found[0] != self.version:
            found = self._mode_states[mode.name] = (self.version, self.state.with_mode(mode))
        return found[1]

    # -- the building changing -------------------------------------------------------------------

    def set_state(self, state: NetworkState, why: str) -> None:
        """The building is now ``state``; people en route re-route at their next node."""
        if state == self.state:
            return
        self.state = state
        self.version += 1
        changed, self.changed = self.changed, self.env.event()
        changed.succeed()
        self.rec.add(self.env.now, "rerouted", detail=f"building changed: {why}; {state.describe()}")

    # -- incidents -------------------------------------------------------------------------------

    def incident(self, kind: str, title: str, priority: str, node: int, channel: str,
                 specs: Sequence[TaskSpec], *, delay_s: float | None = None) -> Incident:
        """Raise an incident now; it is reported after the channel's delay, then its tasks open."""
        inc = Incident(len(self.incidents), kind, title, PRIORITY_CODE[priority], node, self.env.now)
        self.incidents.append(inc)
        self.log("incident", node=node, incident=inc.id, value=inc.priority,
                 detail=incident_detail(kind, priority, title))
        self.add_tasks(inc, specs)
        if delay_s is None:
            delay_s = draw(self.channels[channel].delay_s, self.rng(f"channel:{channel}"))
        self.env.process(self._report(inc, delay_s, channel))
        return inc

    def _report(self, inc: Incident, delay_s: float, channel: str) -> Proc:
        yield self.env.timeout(delay_s)
        inc.reported = True
        self.log("reported", node=inc.node, incident=inc.id, detail=channel)
        for task in inc.tasks:
            self._maybe_open(task)
        self.poke()

    def add_tasks(self, inc: Incident, specs: Sequence[TaskSpec]) -> list[Task]:
        made: list[Task] = []
        for spec in specs:
            needs = tuple((TRADE_INDEX[t], lv) for t, lv in spec.needs)
            prio = PRIORITY_CODE[spec.priority] if spec.priority else inc.priority
            task = Task(len(self.tasks), inc, spec.name, needs, spec.node, spec.duration_s, prio,
                        spec.mode, spec.makes_safe, spec.effect, gated=spec.gated)
            task.qualified, task.excess = self._qualification(needs)
            task.after = [made[k] for k in spec.after]
            for pre in task.after:
                pre.successors.append(task)
            self.tasks.append(task)
            inc.tasks.append(task)
            made.append(task)
            alts = " or ".join(f"{t}:{lv}" for t, lv in spec.needs)
            self.log("task", node=task.node, incident=inc.id, task=task.id, value=prio,
                     detail=f"{spec.name}|{alts}")
        if inc.reported:
            for task in made:
                self._maybe_open(task)
            self.poke()
        return made

    def _qualification(self, needs: tuple[tuple[int, int], ...]) -> tuple[np.ndarray, np.ndarray]:
        levels = self.drill.levels
        p = levels.shape[0]
        qualified = np.zeros(p, dtype=bool)
        best = np.full(p, -1, dtype=np.int64)
        for trade, level in needs:
            have = levels[:, trade].astype(np.int64)
            ok = have >= level
            qualified |= ok
            best = np.where(ok, np.maximum(best, have - level), best)
        return qualified, np.maximum(best, 0)

    def open_gate(self, task: Task) -> None:
        task.gated = False
        self._maybe_open(task)
        self.poke()

    def _maybe_open(self, task: Task) -> None:
        if task.state != "waiting" or not task.incident.reported or task.gated:
            return
        if any(pre.state != "done" for pre in task.after):
            return
        task.state = "open"
        task.ready_at = self.env.now
        self.open[task.id] = task
        if isinstance(self.policy, Manual):
            task.ready_at += draw(self.policy.latency_s, self.rng("dispatcher"))
            self.env.process(self._poke_at(task.ready_at))

    def _poke_at(self, t: float) -> Proc:
        yield self.env.timeout(max(t - self.env.now, 0.0))
        self.poke()

    def make_safe(self, inc: Incident) -> None:
        if not inc.made_safe:
            inc.made_safe = True
            self.log("made_safe", node=inc.node, incident=inc.id)

    def finish(self, task: Task, member: Member | None) -> None:
        task.state = "done"
        if member is not None:
            self.log("done", node=task.node, incident=task.incident.id, task=task.id,
                     person=member.crew.id, detail=task.name)
        if task.effect is not None:
            task.effect()
        inc = task.incident
        if task.makes_safe:
            self.make_safe(inc)
        for nxt in task.successors:
            self._maybe_open(nxt)
        if not inc.resolved and all(t.state == "done" for t in inc.tasks):
            inc.resolved = True
            self.make_safe(inc)
            self.log("resolved", node=inc.node, incident=inc.id)
        self.poke()

    # -- dispatching -----------------------------------------------------------------------------

    def poke(self) -> None:
        if not self.wake.triggered:
            self.wake.succeed()

    def dispatcher(self) -> Proc:
        while True:
            yield self.wake
            self.wake = self.env.event()
            self.decide()

    def shift_changes(self) -> Proc:
        """Wake the dispatcher whenever a shift starts or ends: work queued overnight for a day
        trade is handed out when the day shift arrives, not at the next unrelated event."""
        marks = sorted({m for c in self.drill.crew if c.shift is not None for m in c.shift.minutes()})
        if not marks:
            return
        while True:
            now_min = (self._start_min + self.env.now / 60.0) % 1440.0
            wait = min((m - now_min) % 1440.0 or 1440.0 for m in marks)
            yield self.env.timeout(wait * 60.0)
            self.poke()

    #: Tasks put on one board beyond the free people: later ones wait for the next decision,
    #: which follows at once when people are left free.
    BOARD_SLACK = 4

    def decide(self) -> None:
        """Put the open tasks and the people on a :class:`Board` and apply the policy's choices."""
        if not self.open:
            return
        now = self.env.now
        members = self.members
        p = len(members)
        busy = np.full(p, FREE, dtype=np.int64)
        available = np.zeros(p, dtype=bool)
        for m in members:
            c = m.crew
            if m.task is not None:
                busy[m.index] = m.task.priority
            duty = self.on_duty(c) if c.shift is not None else False
            if duty and not m.on_site and m.task is None and not m.called_out:
                m.on_site, m.node = True, c.base  # the shift has started: they are at base
            elif not duty and m.on_site and m.task is None and not m.called_out and c.contractor < 0:
                m.on_site = False  # the shift is over
            available[m.index] = duty or c.on_call or m.on_site
        free = available & (busy == FREE)
        preemptable = np.zeros(p, dtype=bool)
        if self._preempt:
            for prio in self._preempt:
                preemptable |= busy == prio
            preemptable &= available
        if not free.any() and not preemptable.any():
            return
        # The tasks that could be served now, most urgent first, up to what the free people
        # (plus some slack for tasks whose qualified people are taken first) can cover.
        ready = sorted((t for t in self.open.values() if t.ready_at <= now),
                       key=lambda t: (t.priority, t.ready_at, t.id))
        cap = int(free.sum()) + self.BOARD_SLACK
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
        positions = self._positions()
        count = len(chosen)
        qualified = np.stack([t.qualified for t in chosen])  # type: ignore[misc]
        excess = np.stack([t.excess for t in chosen])  # type: ignore[misc]
        time_s = np.full((count, p), np.inf)
        by_mode: dict[str, list[int]] = {}
        for i, task in enumerate(chosen):
            by_mode.setdefault(task.mode.name, []).append(i)
        for rows in by_mode.values():
            mode = chosen[rows[0]].mode
            state = self.state_for(mode)
            targets = np.fromiter((chosen[i].node for i in rows), dtype=np.int64, count=len(rows))
            time_s[rows] = self.router.response_times(targets, positions, state, eligible=qualified[rows])
        board = Board(
            priority=np.fromiter((t.priority for t in chosen), dtype=np.int64, count=count),
            qualified=qualified,
            excess=excess,
            time_s=time_s,
            busy_priority=busy,
            available=available,
            backup=self._backup,
        )
        made = assign(self.policy, board)
        for ti, j, preempting in made:
            self._send(members[j], chosen[ti], float(time_s[ti, j]), preempting)
        if more and made:
            self.poke()

    def _positions(self) -> Positions:
        """Everyone's place for the dispatcher: a node and the seconds until they stand there;
        people off site count from the entrances, after their expected call-out delay."""
        entrances = self.graph.entrances if self.graph.entrances.size else np.array([0])
        width = max(1, int(entrances.size))
        node = np.zeros((len(self.members), width), dtype=np.int64)
        eta = np.full((len(self.members), width), np.inf)
        now = self.env.now
        for m in self.members:
            if m.on_site:
                if m.next_node >= 0 and m.arrive_at > now:
                    node[m.index, 0], eta[m.index, 0] = m.next_node, m.arrive_at - now
                else:
                    node[m.index, 0], eta[m.index, 0] = m.node, 0.0
            else:
                node[m.index] = entrances
                eta[m.index] = m.crew.expected_delay_s
        return Positions(node, eta)

    def _send(self, m: Member, task: Task, expected_s: float, preempt: bool) -> None:
        task.state = "assigned"
        task.person = m.index
        self.open.pop(task.id, None)
        self.log("dispatched", node=task.node, incident=task.incident.id, task=task.id,
                 person=m.crew.id, value=expected_s, detail=task.name + (" (pre-empting)" if preempt else ""))
        old = m.task
        m.task = task
        if math.isnan(m.busy_since):
            m.busy_since = self.env.now
        if old is not None and preempt:
            assert m.proc is not None
            m.proc.interrupt(("preempt", old))
        elif m.signal is not None and not m.signal.triggered:
            m.signal.succeed()
        elif m.proc is not None and m.phase == "returning":
            m.proc.interrupt(("assigned", None))

    # -- people ----------------------------------------------------------------------------------

    def member(self, m: Member) -> Proc:
        """A person's life in the drill: wait, go, work, go back to base — or, called out, go home
        when no more work comes while they are on site."""
        while True:
            if m.task is None and m.called_out and not self.on_duty(m.crew):
                m.signal = self.env.event()
                yield m.signal | self.env.timeout(physics.CALLED_OUT_STAY_S)
                m.signal = None
                if m.task is None:
                    m.called_out = m.on_site = False
                    m.next_node = -1
                    self.log("move", node=m.node, person=m.crew.id, detail="left the site")
                continue
            if m.task is None:
                if m.on_site and m.crew.base >= 0 and m.node != m.crew.base and self.on_duty(m.crew):
                    m.phase = "returning"
                    with contextlib.suppress(simpy.Interrupt):  # a new task: stop going back
                        yield from self.travel(m, m.crew.base, WALKING)
                    m.phase = "idle"
                    continue
                m.signal = self.env.event()
                yield m.signal
                m.signal = None
                continue
            task = m.task
            m.phase = "busy"
            try:
                yield from self.perform(m, task)
            except simpy.Interrupt as stop:
                cause, old = stop.cause if isinstance(stop.cause, tuple) else (stop.cause, None)
                if cause == "preempt" and old is not None:
                    self._release(old, m)
                continue
            m.phase = "idle"
            self._account(m)
            m.task = None
            self.finish(task, m)

    def _account(self, m: Member) -> None:
        if not math.isnan(m.busy_since):
            hours = (self.env.now - m.busy_since) / 3600.0
            m.busy_s += self.env.now - m.busy_since
            m.busy_since = math.nan
            if hours > 0 and m.crew.hourly_rate > 0:
                self.log("cost", person=m.crew.id, value=hours * m.crew.hourly_rate,
                         detail="contractor" if m.crew.contractor >= 0 else "labour")

    def _release(self, task: Task, m: Member) -> None:
        """Put a task back on the board after its person was taken off it."""
        self.log("preempted", node=task.node, incident=task.incident.id, task=task.id, person=m.crew.id)
        task.state = "open"
        task.person = -1
        task.ready_at = self.env.now
        self.open[task.id] = task
        self.poke()

    def perform(self, m: Member, task: Task) -> Proc:
        env = self.env
        inc = task.incident
        if not m.on_site and not m.called_out:
            m.called_out = True
            rng = self.rng(f"callout:{m.crew.id}")
            delay = 60.0 * draw(m.crew.delay_min, rng)
            entrance = self._best_entrance(task)
            m.next_node, m.arrive_at = entrance, env.now + delay
            self.log("callout", node=entrance, incident=inc.id, task=task.id, person=m.crew.id, value=delay)
            if m.crew.callout_fee:
                self.log("cost", person=m.crew.id, value=m.crew.callout_fee, detail="callout")
            if m.crew.contractor >= 0:
                contract = self.drill.scenario.contractors[m.crew.contractor]
                if delay > 60.0 * contract.contract_arrival_min and contract.penalty_per_breach:
                    # Charged to the contractor: a credit against the drill's cost.
                    self.log("cost", person=m.crew.id, value=-contract.penalty_per_breach,
                             detail="penalty", incident=inc.id)
        if m.next_node >= 0 and m.arrive_at > env.now:
            # Still on the way in, or interrupted between two nodes: finish that first.
            yield env.timeout(m.arrive_at - env.now)
        if m.next_node >= 0:
            m.node, m.next_node = m.next_node, -1
        if not m.on_site:
            m.on_site = True
            self.log("move", node=m.node, person=m.crew.id, detail="arrived on site")
        yield from self.travel(m, task.node, task.mode, task=task)
        self.log("on_site", node=task.node, incident=inc.id, task=task.id, person=m.crew.id, detail=task.name)
        if math.isnan(task.remaining_s):
            d = task.duration
            task.remaining_s = float(d() if callable(d) else d)
        self.log("work", node=task.node, incident=inc.id, task=task.id, person=m.crew.id,
                 value=task.remaining_s)
        started = env.now
        try:
            yield env.timeout(task.remaining_s)
        except simpy.Interrupt:
            task.remaining_s = max(task.remaining_s - (env.now - started), 0.0)
            raise
        task.remaining_s = 0.0

    def _best_entrance(self, task: Task) -> int:
        entrances = self.graph.entrances
        if entrances.size == 0:
            return task.node
        t = self.router.times(entrances, [task.node], self.state_for(task.mode))[:, 0]
        return int(entrances[int(np.argmin(t))])

    def travel(self, m: Member, target: int, mode: TravelMode, *, task: Task | None = None) -> Proc:
        """Walk ``m`` to ``target`` hop by hop, re-routing when the building changes."""
        env, graph = self.env, self.graph
        task_id = task.id if task else -1
        while m.node != target:
            state = self.state_for(mode)
            try:
                path = self.router.path(m.node, target, state)
            except NoRouteError:
                self.log("blocked", node=m.node, person=m.crew.id, incident=task.incident.id if task else -1,
                         detail=f"no way to {self.name(target)} ({state.describe()})")
                yield self.changed
                continue
            version = self.version
            # Plain Python numbers: this loop runs once per node passed, the engine's most
            # frequent step.
            nodes, hops = path.nodes.tolist(), np.diff(path.t_s).tolist()
            last = len(nodes) - 1
            for k in range(1, last + 1):
                m.next_node = nodes[k]
                m.arrive_at = env.now + hops[k - 1]
                yield env.timeout(hops[k - 1])
                m.node, m.next_node = nodes[k], -1
                if self.trace_moves:
                    self.rec.add(env.now, "move", person=m.crew.id, xyz=self.xyz(m.node), task=task_id)
                if self.version != version and k < last:
                    if graph.node_kind[m.node] == NodeKind.LIFT:
                        # Caught in a car: its rescue device brings it back to where they boarded.
                        floor = [int(x) for x in nodes[:k] if graph.node_kind[x] != NodeKind.LIFT]
                        yield env.timeout(physics.LIFT_HOMING_S)
                        m.node = floor[-1] if floor else m.node
                    self.log("rerouted", node=m.node, person=m.crew.id,
                             incident=task.incident.id if task else -1, detail=f"towards {self.name(target)}")
                    break

