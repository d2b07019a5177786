"""Running a drill: (twin, scenario, seed) → EventLog, as a pure function.

Builds the SimPy environment, the run's shared state and its processes (the dispatcher, one per
person, one per hazard, the water model when there is water), steps the environment to the end
of the scenario with ``env.step()`` — counting events and reporting progress — and returns the
frozen :class:`~twin.events.log.EventLog`. The same seed gives the same log, row for row.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import simpy

from twin.background.rates import Rates
from twin.engine import physics
from twin.engine.background import background
from twin.engine.core import Sim
from twin.engine.dispatcher import dispatcher
from twin.engine.hazards.flooding import Water
from twin.engine.hazards.kind import World
from twin.engine.hazards.power import Power, power_loss
from twin.engine.people import account, member
from twin.engine.recorded import Recorded, raise_recorded
from twin.engine.roster import shift_changes
from twin.engine.setup import Drill, compile_drill, default_essential, space_of_item
from twin.engine.streams import Streams
from twin.events.log import EventLog
from twin.routing import Router
from twin.scenario.kinds import HAZARDS
from twin.scenario.schema import Scenario
from twin.twin import Twin

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


@dataclass(frozen=True, slots=True, eq=False)
class RunResult:
    log: EventLog
    drill: Drill
    seed: int | np.random.SeedSequence
    events: int
    """SimPy events processed."""
    wall_s: float


#: Fields of a hazard's resolved places that hold a graph node, and those that hold a plant item.
_NODE_REFS = ("node", "drain_node")
_ITEM_REFS = ("item", "valve", "generator", "drain")


def drill_router(drill: Drill) -> Router:
    """A router keyed on the places this drill sends people to from the start: the crew's bases,
    the front desk and each hazard's places, searched in one go the first time a state is used.
    Other places (equipment a cascade reaches, a flooded room) get their rows when first asked
    for: far fewer searches than one from every piece of equipment in every state the building
    passes through. Entrances are no key: people come in from them (a column of these rows),
    nobody is sent to one."""
    g, plant = drill.twin.graph, drill.plant
    keys = [c.base for c in drill.crew if c.base >= 0]
    keys.append(drill.front_desk)
    for ref in drill.hazard_refs:
        keys += [int(ref[k]) for k in _NODE_REFS if ref.get(k, -1) >= 0]
        items = [ref[k] for k in _ITEM_REFS if ref.get(k, -1) >= 0]
        keys += [int(plant.node[i]) for i in items if plant.node[i] >= 0]
    return Router(g, np.unique(np.asarray(keys, dtype=np.int64)))


@dataclass(eq=False)
class Running:
    """A drill under way: the SimPy environment and the run's state, advanced in slices.

    Made by :func:`start`; :meth:`advance` steps the environment to a time, :meth:`finish` ends
    the run and gives its :class:`RunResult`. Stepping in any slices gives the same log as one
    :func:`run` (events at a slice's end are processed before it returns, and the clock then
    stands exactly at the slice's end), so a live exercise can act between slices.
    """

    env: simpy.Environment
    sim: Sim
    world: World
    drill: Drill
    seed: int | np.random.SeedSequence
    started: float
    """``time.perf_counter()`` at the start (for the run's wall time)."""
    events: int = 0
    """SimPy events processed so far."""
    finished: bool = False

    @property
    def now_s(self) -> float:
        """Seconds from the scenario's start."""
        return float(self.env.now)

    @property
    def end_s(self) -> float:
        """The scenario's end, s."""
        return self.drill.scenario.duration_s

    def advance(self, until_s: float, *, progress: Progress | None = None) -> None:
        """Process every event up to and including ``until_s`` (at most the scenario's end), then
        stand the clock at ``until_s``. An ``until_s`` at or before now does nothing: events a
        decision caused at this instant wait for the next slice, live and on a replay alike."""
        if self.finished:
            raise RuntimeError("the run has finished; start another to advance")
        env = self.env
        end = self.end_s
        until = min(float(until_s), end)
        if until <= env.now:
            return
        # SimPy's loop, run once per event: its methods bound once, and no progress test per
        # event when nobody asked for progress.
        peek, step = env.peek, env.step
        events = 0
        if progress is None:
            while peek() <= until:
                step()
                events += 1
        else:
            report_every = max(end / 50.0, 1.0)
            next_report = env.now
            while peek() <= until:
                step()
                events += 1
                if env.now >= next_report:
                    progress(min(env.now / end, 1.0), f"simulated {env.now / 60:.0f} of {end / 60:.0f} min")
                    next_report = env.now + report_every
        self.events += events
        if env.now < until:
            # SimPy moves its clock only by processing an event; env.run(until=t) lands on
            # now + (t − now), which can miss t by the last bit — and a decision applied between
            # slices must see the clock it would see on a replay, slices or not.
            env._now = until

    def finish(self, *, progress: Progress | None = None) -> RunResult:
        """Run to the scenario's end and close the books: open labour accounted, the water's
        damage tallied, the ``end`` row; the frozen log."""
        self.advance(self.end_s, progress=progress)
        sim = self.sim
        for m in sim.members:
            if not math.isnan(m.busy_since):
                account(sim, m)
        self.world.water.finalize()
        sim.log("end", value=self.events)
        self.finished = True
        if progress is not None:
            progress(1.0, "done")
        wall = time.perf_counter() - self.started
        log.info(
            "drill %r seed %s: %d events in %.2f s", self.drill.scenario.name, self.seed, self.events, wall
        )
        return RunResult(sim.rec.freeze(), self.drill, self.seed, self.events, wall)


def start(
    twin: Twin,
    scenario: Scenario,
    seed: int | np.random.SeedSequence | None = None,
    *,
    drill: Drill | None = None,
    rates: Rates | None = None,
    router: Router | None = None,
    trace_moves: bool = True,
    recorded: Recorded | None = None,
) -> Running:
    """Build a drill's environment and processes at time 0 (see :func:`run` for the
    parameters); advance it with :meth:`Running.advance`, end it with :meth:`Running.finish`."""
    started = time.perf_counter()
    drill = drill or compile_drill(twin, scenario, rates=rates)
    router = router or drill_router(drill)
    if seed is None:
        seed = scenario.seed
    elif not isinstance(seed, np.random.SeedSequence):
        seed = int(seed)
    env = simpy.Environment()
    sim = Sim(env, drill, router, Streams(seed), trace_moves=trace_moves)
    water = Water(sim)
    power = Power(sim)
    plant = drill.plant
    for item in plant.items("sump_pump"):
        cap = plant.capacity_l_s[item]
        cap_l_s = physics.SUMP_PUMP_L_S if math.isnan(cap) else float(cap)
        space = space_of_item(twin, plant, item)
        if space >= 0:
            water.add_pump(
                ("sump", item), space, cap_l_s / 1000.0, works=partial(power.pump_works, item), kick=False
            )

    def switchgear_flooded(space: int) -> None:
        boards = [
            i
            for i in range(len(plant))
            if plant.role[i] in ("board", "supply")
            and i < len(twin.model.equipment)
            and twin.model.equipment[i].space == space
            and i not in power.failed
        ]
        if not boards:
            return
        # The main board names the incident; everything in the room fails with it.
        boards.sort(key=lambda i: (plant.role[i] != "board", i))
        rng = sim.rng("switchgear")
        low, high = physics.FLOODED_SWITCHGEAR_REPAIR_S
        power_loss(
            sim,
            power,
            boards,
            duration_s=None,
            repair_s=float(rng.uniform(low, high)),
            generator=(plant.items("generator") or [-1])[0],
            start_probability=physics.GENERATOR_START_PROBABILITY,
            essential=tuple(default_essential(plant, twin.model)),
            channel="sensor",
            cause=f"{twin.model.spaces[space].label} flooded",
            occupancy=physics.LIFT_OCCUPANCY,
        )

    water.on_switchgear_flooded = switchgear_flooded

    env.process(dispatcher(env, sim))
    env.process(shift_changes(env, sim))
    for m in sim.members:
        m.proc = env.process(member(env, sim, m))
    world = World(sim, water, power)
    for i, (h, ref) in enumerate(zip(scenario.hazards, drill.hazard_refs, strict=True)):
        env.process(HAZARDS.of(h).process(env, world, h, ref, i))
    if drill.background is not None:
        env.process(background(env, world, drill.background, len(scenario.hazards)))
    if recorded is not None:
        env.process(raise_recorded(env, sim, recorded))
    # Everyone on shift starts at base.
    sim.poke()
    return Running(env, sim, world, drill, seed, started)


def run(
    twin: Twin,
    scenario: Scenario,
    seed: int | np.random.SeedSequence | None = None,
    *,
    drill: Drill | None = None,
    rates: Rates | None = None,
    router: Router | None = None,
    progress: Progress | None = None,
    trace_moves: bool = True,
    recorded: Recorded | None = None,
) -> RunResult:
    """Run one drill: :func:`start`, advanced to the end, :meth:`~Running.finish`.

    Parameters
    ----------
    twin, scenario
        The building and the drill.
    seed
        Overrides ``scenario.seed``; a ``SeedSequence`` (a sweep's replication, from ``spawn``)
        seeds the run's streams directly.
    drill, router
        A compiled drill and its router, to share between runs of one scenario (a sweep);
        compiled here when omitted.
    rates
        The rates of the scenario's ``background:`` section, to compile it here (see
        :func:`~twin.engine.setup.compile_drill`).
    progress
        Called with (fraction of the scenario's time done, message).
    trace_moves
        Log a ``move`` row per node each person passes (for the replay); off for sweeps.
    recorded
        Incidents of a work-order history to raise at their times (:mod:`twin.engine.recorded`).
    """
    running = start(
        twin,
        scenario,
        seed,
        drill=drill,
        rates=rates,
        router=router,
        trace_moves=trace_moves,
        recorded=recorded,
    )
    return running.finish(progress=progress)
