"""The drill at run time: the state one run's processes share.

SimPy processes are plain generator functions taking ``env`` first, in the modules of the
engine's run-time parts: :mod:`~twin.engine.tasks` (incidents and tasks),
:mod:`~twin.engine.dispatcher` (the dispatcher), :mod:`~twin.engine.people` (each person, their
walk), :mod:`~twin.engine.roster` (who is on duty, shift changes) and the hazards
(:mod:`twin.engine.hazards`). The state they share lives in one :class:`Sim` object per run
(nothing subclasses ``Environment``); hazards change the building through :meth:`Sim.set_state`.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from heapq import heappush
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL as NORMAL_PRIORITY

from twin.engine.dispatch import policy
from twin.engine.roster import Member, shift_marks
from twin.engine.setup import Drill
from twin.engine.streams import Streams
from twin.engine.tasks import Incident, Task
from twin.events.log import PRIORITY_CODE, EventRecorder
from twin.places import place_name
from twin.routing import NORMAL, NetworkState, Path, Router
from twin.travel import WALKING, TravelMode

Proc = Generator[simpy.Event, Any, Any]
#: Paths :meth:`Sim.walk` keeps before starting afresh (a long run passes through many states).
WALKS_KEPT = 4096
Walk = tuple[list[int], list[tuple[int, float, tuple[float, float, float]]]]
"""A path's nodes, and each hop as (the node it reaches, its seconds, that node's coordinates),
as plain Python numbers (:meth:`Sim.walk`)."""


def timeout(env: simpy.Environment, delay_s: float) -> simpy.Timeout:
    """``env.timeout(delay_s)`` for a delay known not to be negative, made as SimPy 4's
    ``Timeout.__init__`` makes it — the same attributes, the same entry in the same queue, so
    the same order of events — without the three Python calls around it (the bound class, the
    constructor, ``Environment.schedule``): about 1,000 of the ~15,000 machine instructions of a
    person's hop, the engine's most frequent event. ``tests/engine/test_core.py`` checks it
    against ``env.timeout`` (and fails if SimPy builds its timeouts differently)."""
    event = simpy.Timeout.__new__(simpy.Timeout)
    event.env = env
    event.callbacks = []
    event._value = None
    event._delay = delay_s
    event._ok = True
    heappush(env._queue, (env._now + delay_s, NORMAL_PRIORITY, next(env._eid), event))
    return event


class Sim:
    """The state of one run, shared by its processes."""

    def __init__(
        self,
        env: simpy.Environment,
        drill: Drill,
        router: Router,
        streams: Streams,
        *,
        trace_moves: bool = True,
    ) -> None:
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
        self.away: set[int] = set()
        """People taken out of the drill (called away, hurt): never sent (a live exercise's inject)."""
        self.policy = drill.scenario.dispatch
        kind = policy(self.policy.kind)
        self.assign = kind.assign
        self.preempt = tuple(PRIORITY_CODE[p] for p in kind.preempts(self.policy))
        """Priorities whose work a red task may take people off."""
        self.latency = kind.latency(self.policy)
        """The dispatcher's delay before an open task can be assigned (None: at once)."""
        self.channels = drill.scenario.all_channels  # built afresh on every call of the property
        self.start = drill.scenario.start
        self._names: dict[int, str] = {}
        self._xyz: dict[int, tuple[float, float, float]] = {}
        self._walks: dict[Path, Walk] = {}
        self.members = [
            Member(
                i,
                c,
                on_site=False,
                node=c.base if c.base >= 0 else c.arrival if c.arrival >= 0 else int(self._entrance()),
            )
            for i, c in enumerate(drill.crew)
        ]
        self._mode_states: dict[str, tuple[int, NetworkState]] = {}
        self.entrances: list[int] = self.graph.entrances.tolist() if self.graph.entrances.size else [0]
        """Where people called out come in (node 0 in a graph without entrances)."""
        self.qualification: dict[tuple[tuple[int, int], ...], tuple[np.ndarray, np.ndarray]] = {}
        """Who qualifies for a task, and by how many levels, per ``(trade, level)`` alternatives
        (:func:`twin.engine.tasks.add_tasks`)."""
        self.duty: list[bool] = []
        """Who is on duty, per member, at :attr:`duty_at` (:func:`twin.engine.roster.duty_now`)."""
        self.duty_at = math.nan
        self.duty_until = math.nan
        """:attr:`duty` holds until this time (just before the next shift mark)."""
        self.shift_marks = shift_marks(drill.crew)
        """Minutes of the day at which some shift starts or ends (:func:`twin.engine.roster.shift_marks`)."""
        self.backup = np.array([c.backup for c in drill.crew], dtype=np.int64)

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

    def walk(self, path: Path) -> Walk:
        """A path as plain Python lists, kept per path (the router hands out the same path
        object for the same trip in the same building state): its nodes, and each hop as the
        node it reaches, its seconds and that node's coordinates (as :meth:`xyz` gives them)."""
        found = self._walks.get(path)
        if found is None:
            if len(self._walks) >= WALKS_KEPT:
                self._walks.clear()
            nodes: list[int] = path.nodes.tolist()
            xyz: list[tuple[float, float, float]] = list(map(tuple, path.xyz.tolist()))
            hops = list(zip(nodes[1:], np.diff(path.t_s).tolist(), xyz[1:], strict=True))
            found = self._walks[path] = (nodes, hops)
        return found

    def log(
        self,
        kind: str,
        *,
        node: int = -1,
        incident: int = -1,
        task: int = -1,
        person: str = "",
        value: float = math.nan,
        detail: str = "",
        place: str | None = None,
        xyz: tuple[float, float, float] | None = None,
    ) -> None:
        """A row of the log now (:meth:`twin.events.log.EventRecorder.add`), at ``node``'s place
        and coordinates unless ``place`` and ``xyz`` are given."""
        if node >= 0:
            if place is None:
                place = self.name(node)
            if xyz is None:
                xyz = self.xyz(node)
        self.rec.add(
            self.env.now,
            kind,
            incident=incident,
            task=task,
            person=person,
            place="" if place is None else place,
            xyz=xyz,
            value=value,
            detail=detail,
        )

    def rng(self, purpose: str) -> np.random.Generator:
        return self.streams(purpose)

    def state_for(self, mode: TravelMode) -> NetworkState:
        """The building as it is now, for a traveller of ``mode``."""
        if mode is WALKING:
            return self.state
        found = self._mode_states.get(mode.name)
        if found is None or found[0] != self.version:
            found = self._mode_states[mode.name] = (self.version, self.state.with_mode(mode))
        return found[1]

    def set_state(self, state: NetworkState, why: str) -> None:
        """The building is now ``state``; people en route re-route at their next node."""
        if state == self.state:
            return
        self.state = state
        self.version += 1
        changed, self.changed = self.changed, self.env.event()
        changed.succeed()
        self.rec.add(self.env.now, "rerouted", detail=f"building changed: {why}; {state.describe()}")

    def poke(self) -> None:
        """Wake the dispatcher (:func:`twin.engine.dispatcher.dispatcher`)."""
        if not self.wake.triggered:
            self.wake.succeed()
