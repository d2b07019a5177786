"""The staffing model a user would write by hand: SimPy processes and networkx shortest paths.

What ``bench/sweep.py`` measures the engine against (``ratio_vs_naive``). No routing tables: every
dispatch decision runs ``nx.shortest_path_length`` from each free qualified person to the job,
and every walk back to base runs one more search (``nx.single_source_dijkstra``, for the path,
so a person walking back can be sent on from the next node they reach). It is a real
simulation of the work the engine does in a work-orders-only run:

* the same work orders - drawn by the library's generator (:func:`twin.background.generate.generate`)
  on the run's named streams (:class:`twin.engine.streams.Streams`), with the same report delays,
  so the engine and this model see identical arrivals for one seed;
* shifts - staff are on site only during their shift, at base when it starts (one busy when it
  ends finishes the job, then leaves); staff on call and contractors are at home at any hour,
  arrive at the entrance nearest the job after their drawn call-out delay, and leave after it;
* qualification - the person's level in the job's trade is at least the level it needs;
* dispatch - waiting jobs by priority, then report time; each goes to the free qualified person
  who can be there soonest (travel time; for people at home, their expected call-out delay plus
  the time from the nearest entrance);
* travel is a timeout of the shortest-path time, work a timeout of the job's drawn minutes.

Not modelled (the engine has them): hazards and their physics, pre-emption (no work order is
red), the building changing during the run, costs, the event log.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import simpy

from twin.background.generate import generate
from twin.clock import minute_of_day
from twin.engine.setup import TRADE_INDEX, Crew, Drill
from twin.engine.streams import Streams
from twin.events.log import PRIORITY_CODE
from twin.routing import NORMAL, compile_network
from twin.scenario.schema import draw
from twin.twin import Twin

Proc = Generator[simpy.Event, Any, None]
Seed = int | np.random.SeedSequence


def navigation_digraph(twin: Twin) -> nx.DiGraph:
    """The building as normal, walking: one arc per ordered node pair, weighted ``time`` in
    seconds (the arcs the engine's router searches)."""
    net = compile_network(twin.graph, NORMAL)
    graph = nx.DiGraph()
    graph.add_nodes_from(range(twin.graph.n_nodes))
    graph.add_weighted_edges_from(
        zip(net.arc_u.tolist(), net.arc_v.tolist(), net.arc_time_s.tolist(), strict=True), weight="time"
    )
    return graph


@dataclass(frozen=True, slots=True)
class Job:
    """One work order: raised, reported, who can do it, where, for how long."""

    id: int
    raised_s: float
    reported_s: float
    priority: int
    """0 red, 1 yellow, 2 blue."""
    trade: int
    """Index into :data:`twin.scenario.schema.TRADES`."""
    level: int
    node: int
    work_s: float


def work_orders(drill: Drill, seed: Seed) -> list[Job]:
    """The work orders of a run of ``drill`` on ``seed``, as :func:`twin.engine.background.background`
    raises them (same streams, same draws, same order)."""
    cat = drill.background
    if cat is None or cat.options.hazards:
        raise ValueError("naive model: give a drill whose background has work orders only (hazards: false)")
    scenario = drill.scenario
    streams = Streams(seed)
    choices = {per: int(nodes.size) for per, nodes in cat.nodes.items()}
    found = generate(
        cat.rates,
        cat.units,
        choices,
        scenario.start,
        scenario.duration_s,
        streams,
        draw,
        work_orders=cat.options.work_orders,
        hazards=False,
        scale=cat.options.scale,
    )
    channels = scenario.all_channels
    jobs = []
    for k, a in enumerate(found):
        w = cat.rates.work_orders[a.rate]
        delay = (
            draw(channels[w.channel].delay_s, streams(f"background:report:{w.name}"))
            if w.channel in channels
            else 0.0
        )
        jobs.append(
            Job(
                k,
                a.t_s,
                a.t_s + delay,
                PRIORITY_CODE[w.priority],
                TRADE_INDEX[w.trade],
                w.level,
                int(cat.nodes[w.per][a.unit]),
                60.0 * a.values["minutes"],
            )
        )
    return jobs


@dataclass(slots=True, eq=False)
class Person:
    """One crew member at run time."""

    crew: Crew
    from_home: bool
    """On call or a contractor: at home until called, at any hour."""
    on_site: bool = False
    node: int = -1
    job: Job | None = None
    wake: simpy.Event | None = None
    proc: simpy.Process | None = None
    walk: tuple[float, list[int], list[float]] | None = None
    """Walking back to base: (set off at, path nodes, seconds from the start to each)."""


@dataclass(slots=True, eq=False)
class State:
    """What the processes of one run share."""

    env: simpy.Environment
    graph: nx.DiGraph
    drill: Drill
    streams: Streams
    people: list[Person]
    entrances: list[int]
    start: dt.datetime
    queue: list[Job] = field(default_factory=list)
    wake: simpy.Event | None = None
    on_site_s: dict[int, float] = field(default_factory=dict)
    done: int = 0
    searches: int = 0

    def time(self, source: int, target: int) -> float:
        """Shortest travel time in seconds (``inf`` when there is no way)."""
        self.searches += 1
        try:
            return float(nx.shortest_path_length(self.graph, source, target, weight="time"))
        except nx.NetworkXNoPath:
            return math.inf

    def on_duty(self, p: Person) -> bool:
        shift = p.crew.shift
        return shift is not None and bool(shift.on_duty(minute_of_day(self.start, self.env.now)))

    def poke(self) -> None:
        assert self.wake is not None
        if not self.wake.triggered:
            self.wake.succeed()


@dataclass(frozen=True, slots=True)
class NaiveResult:
    """What one run of the model did, and how long it took."""

    jobs: int
    done: int
    events: int
    searches: int
    """Shortest-path searches run."""
    wall_s: float
    on_site_min: np.ndarray
    """Per job (in :func:`work_orders` order): minutes from report to the first person on site
    (NaN: nobody came before the end)."""
    priority: np.ndarray
    """Per job: 0 red, 1 yellow, 2 blue."""


def simulate(graph: nx.DiGraph, drill: Drill, seed: Seed) -> NaiveResult:
    """Run the model for the drill's duration on ``seed`` (see the module docs)."""
    started = time.perf_counter()
    scenario = drill.scenario
    env = simpy.Environment()
    people = [Person(c, from_home=c.shift is None or c.on_call) for c in drill.crew]
    start = scenario.start
    st = State(env, graph, drill, Streams(seed), people, [int(e) for e in drill.twin.graph.entrances], start)
    st.wake = env.event()
    jobs = work_orders(drill, seed)
    env.process(reports(env, st, jobs))
    env.process(dispatcher(env, st))
    env.process(shift_changes(env, st))
    for p in people:
        p.proc = env.process(person(env, st, p))
    end = scenario.duration_s
    events = 0
    while env.peek() <= end:
        env.step()
        events += 1
    wall_s = time.perf_counter() - started
    on_site = np.array([(st.on_site_s.get(j.id, math.nan) - j.reported_s) / 60.0 for j in jobs])
    priority = np.array([j.priority for j in jobs], dtype=np.int64)
    return NaiveResult(len(jobs), st.done, events, st.searches, wall_s, on_site, priority)


# -- processes -------------------------------------------------------------------------------


def reports(env: simpy.Environment, st: State, jobs: list[Job]) -> Proc:
    """Each job joins the queue when it is reported."""
    for job in sorted(jobs, key=lambda j: (j.reported_s, j.id)):
        if job.reported_s > env.now:
            yield env.timeout(job.reported_s - env.now)
        st.queue.append(job)
        st.poke()


def shift_changes(env: simpy.Environment, st: State) -> Proc:
    """Wake the dispatcher whenever a shift starts or ends (people come on, or go home)."""
    edges = sorted({m for s in st.drill.scenario.shifts.values() for m in s.minutes()})
    while True:
        st.poke()
        now = minute_of_day(st.start, env.now)
        later = [m - now for m in edges if m > now + 1e-9]
        wait_min = later[0] if later else edges[0] + 1440.0 - now
        yield env.timeout(60.0 * wait_min)


def dispatcher(env: simpy.Environment, st: State) -> Proc:
    while True:
        assert st.wake is not None
        yield st.wake
        st.wake = env.event()
        decide(st)


def decide(st: State) -> None:
    """Each waiting job, most urgent first, to the free qualified person there soonest."""
    for job in sorted(st.queue, key=lambda j: (j.priority, j.reported_s, j.id)):
        best: Person | None = None
        best_s = math.inf
        from_entrance = math.nan
        for p in st.people:
            if p.job is not None or p.crew.levels[job.trade] < job.level:
                continue
            if p.from_home:
                if math.isnan(from_entrance):
                    from_entrance = min(st.time(e, job.node) for e in st.entrances)
                t = p.crew.expected_delay_s + from_entrance
            elif st.on_duty(p):
                if not p.on_site:  # the shift has started: they are at base
                    p.on_site, p.node = True, p.crew.base
                t = eta(st, p, job.node)
            else:
                continue
            if t < best_s:
                best, best_s = p, t
        if best is not None:
            st.queue.remove(job)
            give(best, job)


def eta(st: State, p: Person, target: int) -> float:
    if p.walk is None:
        return st.time(p.node, target)
    node, left_s = where(p, st.env.now)
    return left_s + st.time(node, target)


def where(p: Person, now: float) -> tuple[int, float]:
    """The next node a person walking back reaches, and the seconds until they are there."""
    assert p.walk is not None
    set_off, nodes, at_s = p.walk
    k = min(bisect.bisect_left(at_s, now - set_off), len(nodes) - 1)
    return nodes[k], max(at_s[k] - (now - set_off), 0.0)


def give(p: Person, job: Job) -> None:
    p.job = job
    assert p.proc is not None
    if p.walk is not None:
        p.proc.interrupt()
    elif p.wake is not None and not p.wake.triggered:
        p.wake.succeed()


def person(env: simpy.Environment, st: State, p: Person) -> Proc:
    """Wait for a job, go, work, go back to base (or home)."""
    while True:
        if p.job is None:
            p.wake = env.event()
            yield p.wake
            p.wake = None
            continue
        job = p.job
        if not p.on_site:
            delay = 60.0 * draw(p.crew.delay_min, st.streams(f"callout:{p.crew.id}"))
            entrance = min(st.entrances, key=lambda e: st.time(e, job.node))
            yield env.timeout(delay)
            p.on_site, p.node = True, entrance
        yield env.timeout(st.time(p.node, job.node))
        p.node = job.node
        st.on_site_s.setdefault(job.id, env.now)
        yield env.timeout(job.work_s)
        p.job = None
        st.done += 1
        st.poke()
        if p.from_home or not st.on_duty(p):
            p.on_site = False  # home, or the shift is over
            continue
        if p.node == p.crew.base:
            continue
        length, nodes = nx.single_source_dijkstra(st.graph, p.node, p.crew.base, weight="time")
        st.searches += 1
        at_s = [0.0]
        for u, v in itertools.pairwise(nodes):
            at_s.append(at_s[-1] + st.graph[u][v]["time"])
        p.walk = (env.now, nodes, at_s)
        try:
            yield env.timeout(length)
            p.node = p.crew.base
            p.walk = None
        except simpy.Interrupt:  # sent on: first reach the next node
            node, left_s = where(p, env.now)
            p.walk = None
            yield env.timeout(left_s)
            p.node = node
