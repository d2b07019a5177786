"""Power at run time: the electrical tree, the standby generator, and what stops without power.

An item of the plant has power when a live supply reaches it through items that carry power and
have not failed — or when the running generator reaches it and it is an essential load (pumps,
service and fire lifts by default). When loads change: lifts leave or rejoin the crews' network
(and a car that stops may trap passengers), booster pumps stop and the upper floors lose water,
sump pumps stop (and need a hand restart), boards go dark over households.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal

import numpy as np
import simpy
from pydantic import Field

from twin.background.generate import Arrival
from twin.background.rates import HazardRate
from twin.engine import physics
from twin.engine.core import Proc, Sim
from twin.engine.hazards.entrapment import entrapment, trapped_passengers
from twin.engine.hazards.kind import Drawing, HazardKind, Occurrence, Places, Ref, World, register_hazard
from twin.engine.plant import Plant, resolve_item, served_households
from twin.engine.setup import default_essential
from twin.engine.tasks import Incident, TaskSpec, add_tasks, incident, make_safe, open_gate
from twin.errors import PlaceError
from twin.places import lift_landing
from twin.scenario.load import FieldError
from twin.scenario.schema import HazardSpec, LogNormal, Quantity, Triangular, draw
from twin.twin import Twin


class PowerLoss(HazardSpec):
    """Everything fed from ``at`` loses power: a utility outage at the supply or a board fault."""

    kind: Literal["power_loss"]
    at: str = Field(description="the supply or board that fails (equipment name or GlobalId)")
    duration_min: Quantity | None = Field(
        Triangular(kind="triangular", low=30, mode=90, high=240),
        description="utility restores after this (min); null = until an electrician repairs the "
        "board. The default (30/90/240) is assumed by this project: a drill-sized outage, longer "
        "than the background's grid interruptions (median 30 min, rates file)",
    )
    generator: str | None = Field(None, description="standby generator; found in the model when omitted")
    generator_start_probability: float | None = Field(
        None,
        ge=0,
        le=1,
        description="chance the standby set starts by itself; none = the engine's default "
        "(twin/engine/physics.py GENERATOR_START_PROBABILITY, 0.95)",
    )
    lift_occupancy: float | None = Field(
        None,
        ge=0,
        le=1,
        description="chance a stopped car holds passengers; none = the engine's default "
        "(twin/engine/physics.py LIFT_OCCUPANCY, 0.3)",
    )
    essential: list[str] = Field(
        default_factory=list,
        description="loads the generator feeds; default: pumps and service/fire lifts",
    )
    repair_min: Quantity = Field(
        Triangular(kind="triangular", low=30, mode=60, high=120),
        description="an electrician's repair of the failed board when duration_min is null "
        "(min); assumed by this project",
    )
    reported_via: str = "sensor"


class PowerLossRate(HazardRate):
    DRAWS: ClassVar[tuple[str, ...]] = ("duration_min", "repair_min")
    # The defaults are the shipped rates file's power_loss row (twin/background/rates.yaml, with
    # its source: grid interruptions, SAIFI ≈ 1), for a rates file that leaves a field out.
    per: Literal["site"] = "site"
    duration_min: Quantity = LogNormal(kind="lognormal", median=30, p90=150)
    repair_min: Quantity = Triangular(kind="triangular", low=30, mode=60, high=180)
    generator_start_probability: float | None = Field(
        None, ge=0, le=1, description="none = the engine's default (physics.GENERATOR_START_PROBABILITY)"
    )
    lift_occupancy: float | None = Field(
        None, ge=0, le=1, description="none = the engine's default (physics.LIFT_OCCUPANCY)"
    )


_LOADS = ("lift", "booster_pump", "sump_pump", "board")


class Power:
    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        plant = sim.drill.plant
        self.plant = plant
        self.failed: set[int] = set()
        self.running: set[int] = set()
        self.essential: set[int] = set()
        supplies = {i for i in range(len(plant)) if plant.role[i] == "supply"}
        if not supplies:
            supplies = {
                i for i in range(len(plant)) if plant.role[i] in ("board", "cable") and not plant.parents[i]
            }
        self.supplies = supplies
        self.loads = [i for i in range(len(plant)) if plant.role[i] in _LOADS]
        self.powered = dict.fromkeys(self.loads, True)
        self.needs_restart: set[int] = set()
        self.off_since: dict[int, float] = {}
        self.lifts_off: set[int] = set()
        self.water_households: dict[Any, set[int]] = {}
        self.power_households = 0
        self.restart_incident: Incident | None = None
        self.ground = _ground_storey(sim)
        self.occupancy = physics.LIFT_OCCUPANCY
        """Chance a car that stops holds passengers (set by the hazard that cuts the power)."""

    def has_power(self, item: int) -> bool:
        return self.powered.get(item, True)

    def pump_works(self, item: int) -> bool:
        """Powered, and not waiting for a reset after a long stop (a short one it rides through)."""
        return self.has_power(item) and item not in self.needs_restart

    def energised(self) -> set[int]:
        """Items with power now: reached from a live supply through live items, or from the
        running generator when they are essential loads."""
        plant = self.plant
        utility = plant.downstream(self.supplies - self.failed, "power", blocked=self.failed)
        backup = plant.downstream(self.running - self.failed, "power", blocked=self.failed)
        return utility | (backup & self.essential)

    def compute(self, energised: set[int]) -> dict[int, bool]:
        plant = self.plant
        unfed_lifts_ok = not (self.failed & self.supplies) and not self.failed
        out = {}
        for i in self.loads:
            fed = i in energised
            if not plant.parents[i] and plant.role[i] == "lift":
                fed = unfed_lifts_ok  # no feed in the model: it goes when any supply fails
            out[i] = fed
        return out

    def update(self, why: str) -> None:
        sim = self.sim
        live = self.energised()
        new = self.compute(live)
        changed = [i for i in self.loads if new[i] != self.powered[i]]
        self.powered = new
        self._households(live)
        if not changed:
            return
        plant = self.plant
        for i in changed:
            node = int(plant.node[i])
            sim.log("power", node=node, value=float(new[i]), detail=f"{plant.name[i]}: {why}")
        # Lifts: those without power leave the network; cars that stop may trap passengers.
        off = set()
        for k, item in enumerate(plant.lift_item):
            item = int(item)
            if item >= 0 and not self.powered.get(item, True):
                off.add(k)
        for k in sorted(off - self.lifts_off):
            sim.log("lift", node=lift_landing(sim.graph, k), value=0.0, detail=sim.model.lifts[k].name)
            sim.env.process(self._maybe_entrapment(k))
        for k in sorted(self.lifts_off - off):
            sim.log("lift", node=lift_landing(sim.graph, k), value=1.0, detail=sim.model.lifts[k].name)
        if off != self.lifts_off:
            self.lifts_off = off
            state = dataclasses.replace(sim.state, all_lifts_off=False, lifts_off=frozenset(off))
            sim.set_state(state, f"{len(off)} lift(s) without power")
        # Sump pumps: one that was off longer than its controller rides through needs a reset.
        now = sim.env.now
        for i in changed:
            if plant.role[i] == "sump_pump" and not new[i]:
                self.off_since[i] = now
        back = [
            i
            for i in changed
            if plant.role[i] == "sump_pump"
            and new[i]
            and now - self.off_since.pop(i, now) > physics.PUMP_RIDE_THROUGH_S
        ]
        if back:
            self.needs_restart.update(back)
            self._restart_task(back)
        # Water pressure on the upper floors.
        self._pressure()

    def _households(self, energised: set[int]) -> None:
        """Households whose feeding item (a board, a cable fitting) has no power, logged on change."""
        fed = int(np.count_nonzero(self.plant.household_feed["power"] >= 0))
        count = fed - len(served_households(self.plant, energised, "power"))
        if count != self.power_households:
            self.power_households = count
            self.sim.log("supply", value=count, detail="power")

    def _maybe_entrapment(self, lift: int) -> Proc:
        """A car still stopped once the generator had its chance may hold trapped passengers."""
        sim = self.sim
        yield sim.env.timeout(physics.GENERATOR_START_S + 1.0)
        if lift not in self.lifts_off:
            return
        occupancy = self.occupancy
        rng = sim.rng(f"lift:{lift}")
        occupied = rng.random() < occupancy
        stops = sim.model.lifts[lift].storeys
        storey = int(stops[int(rng.integers(len(stops)))]) if stops else -1
        passengers = trapped_passengers(rng)
        if occupied:
            entrapment(sim, lift, storey, passengers, physics.RESCUE_S)

    def _restart_task(self, pumps: list[int]) -> None:
        sim = self.sim
        node = int(self.plant.node[pumps[0]])
        names = ", ".join(self.plant.name[i] for i in pumps)

        def restarted() -> None:
            self.needs_restart.difference_update(pumps)
            sim.log("power", node=node, value=1.0, detail=f"{names}: restarted")

        specs = [
            TaskSpec(
                f"restart {names}",
                (("electrician", 1), ("plumber", 2)),
                node,
                physics.RESTART_PUMP_S,
                effect=restarted,
                priority="red",
            )
        ]
        if self.restart_incident is None or self.restart_incident.resolved:
            self.restart_incident = incident(
                sim, "pump_restart", f"Restart {names}", "red", node, "sensor", specs
            )
        else:
            add_tasks(sim, self.restart_incident, specs)

    def _pressure(self) -> None:
        sim = self.sim
        plant = self.plant
        boosters = [i for i in self.loads if plant.role[i] == "booster_pump"]
        if not boosters:
            return
        if any(self.powered[i] for i in boosters):
            self.water_households.pop("pressure", None)
        else:
            high = self.ground + physics.MAINS_PRESSURE_STOREYS
            self.water_households["pressure"] = {
                int(s) for s in plant.household_spaces if sim.model.spaces[int(s)].storey > high
            }
        self.log_water()

    def log_water(self) -> None:
        count = len(set().union(*self.water_households.values())) if self.water_households else 0
        last = getattr(self, "_water_count", 0)
        if count != last:
            self._water_count = count
            self.sim.log("supply", value=count, detail="water")


def _ground_storey(sim: Sim) -> int:
    elevations = np.array([s.elevation_m for s in sim.model.storeys])
    return int(np.argmin(np.abs(elevations))) if elevations.size else 0


def power_loss(
    sim: Sim,
    power: Power,
    items: Sequence[int],
    *,
    duration_s: float | None,
    repair_s: float,
    generator: int,
    start_probability: float,
    essential: tuple[int, ...],
    channel: str,
    cause: str,
    occupancy: float,
) -> Incident:
    """``items`` fail now (the first names the incident): raise the incident, start the generator
    (or not), plan the check and the repair."""
    plant = sim.drill.plant
    item = items[0]
    node = int(plant.node[item])
    name = plant.name[item]
    power.occupancy = occupancy
    power.essential |= set(essential)
    power.failed.update(items)
    sim.log("hazard", node=node, detail=f"power loss at {name}: {cause}")
    power.update(f"power lost at {name}")

    specs: list[TaskSpec] = [
        TaskSpec(f"check {name}", (("electrician", 1),), node, physics.CHECK_SUPPLY_S),
    ]

    def restore() -> None:
        power.failed.difference_update(items)
        power.running.clear()
        power.update(f"power restored at {name}")

    def mains_back() -> None:
        """The utility is back: what is not on the generator has power again at once; the
        essential loads stay on the generator until an electrician switches them back."""
        power.failed.difference_update(items)
        power.update(f"utility supply back at {name}")

    def switch_back() -> None:
        power.running.clear()
        power.update(f"back on mains at {name}")

    if duration_s is None:
        specs.append(
            TaskSpec(f"repair {name}", (("electrician", 2),), node, repair_s, after=[0], effect=restore)
        )
    else:
        specs.append(
            TaskSpec(
                f"switch back to mains at {name}",
                (("electrician", 1),),
                node,
                physics.SWITCH_BACK_S,
                after=[0],
                effect=switch_back,
                gated=True,
            )
        )
    inc = incident(sim, "power_loss", f"Power loss at {name}", "red", node, channel, specs)
    if duration_s is not None:
        sim.env.process(_utility_returns(sim, inc.tasks[1], duration_s, mains_back))
    if generator >= 0 and plant.node[generator] >= 0:
        sim.env.process(_generator_start(sim, power, inc, generator, start_probability))
    return inc


def _utility_returns(sim: Sim, task: Any, duration_s: float, back: Callable[[], None]) -> Proc:
    yield sim.env.timeout(duration_s)
    sim.log("hazard", node=task.node, incident=task.incident.id, detail="utility supply back")
    back()
    open_gate(sim, task)


def generator_starts(rng: np.random.Generator, p: float = physics.GENERATOR_START_PROBABILITY) -> bool:
    """Whether the standby set starts by itself on this demand: true with probability ``p``
    (default :data:`~twin.engine.physics.GENERATOR_START_PROBABILITY`), one draw of ``rng``."""
    return bool(rng.random() < p)


def _generator_start(sim: Sim, power: Power, inc: Incident, generator: int, p: float) -> Proc:
    """The standby set tries to start; if it does not, an electrician must start it by hand."""
    yield sim.env.timeout(physics.GENERATOR_START_S)
    plant = sim.drill.plant
    name, node = plant.name[generator], int(plant.node[generator])
    if inc.resolved:
        return

    def run() -> None:
        power.running.add(generator)
        power.update(f"{name} running")
        if any(power.powered[i] for i in power.essential if i in power.powered):
            make_safe(sim, inc)

    if generator_starts(sim.rng("generator"), p):
        sim.log("hazard", node=node, incident=inc.id, detail=f"{name} started")
        run()
    else:
        sim.log("hazard", node=node, incident=inc.id, detail=f"{name} failed to start")
        add_tasks(
            sim,
            inc,
            [
                TaskSpec(
                    f"start {name} by hand",
                    (("electrician", 1),),
                    node,
                    physics.GENERATOR_MANUAL_START_S,
                    effect=run,
                )
            ],
        )


def power_hazard(env: simpy.Environment, world: World, h: PowerLoss, ref: Ref, index: int) -> Proc:
    """The scenario's power loss, when its time comes."""
    sim, power = world.sim, world.power
    yield env.timeout(h.start_min * 60.0)
    rng = sim.rng("power")
    duration = None if h.duration_min is None else 60.0 * draw(h.duration_min, rng)
    power_loss(
        sim,
        power,
        [ref["item"]],
        duration_s=duration,
        repair_s=60.0 * draw(h.repair_min, rng),
        generator=ref["generator"],
        start_probability=physics.GENERATOR_START_PROBABILITY
        if h.generator_start_probability is None
        else h.generator_start_probability,
        essential=ref["essential"],
        channel=h.reported_via,
        cause="utility outage" if sim.drill.plant.role[ref["item"]] == "supply" else "board fault",
        occupancy=physics.LIFT_OCCUPANCY if h.lift_occupancy is None else h.lift_occupancy,
    )


def compile_power_loss(h: PowerLoss, twin: Twin, plant: Plant, loc: tuple[str | int, ...]) -> Ref:
    model, graph = twin.model, twin.graph
    try:
        item = resolve_item(plant, h.at, model, graph, field="at")
    except PlaceError as exc:
        raise FieldError((*loc, "at"), str(exc).removeprefix("at: ")) from None
    generator = -1
    if h.generator:
        try:
            generator = resolve_item(plant, h.generator, model, graph, field="generator")
        except PlaceError as exc:
            raise FieldError((*loc, "generator"), str(exc).removeprefix("generator: ")) from None
    else:
        gens = plant.items("generator")
        generator = gens[0] if gens else -1
    essential = []
    for j, text in enumerate(h.essential):
        try:
            essential.append(resolve_item(plant, text, model, graph, field="essential"))
        except PlaceError as exc:
            raise FieldError((*loc, "essential", j), str(exc).removeprefix("essential: ")) from None
    if not h.essential:
        essential = default_essential(plant, model)
    node = int(plant.node[item])
    if node < 0:
        raise FieldError((*loc, "at"), f"'{plant.name[item]}' is not reachable on foot")
    return {"item": item, "generator": generator, "essential": tuple(essential), "node": node}


def _supply(twin: Twin, plant: Plant, rate: Any) -> Places:
    """A utility outage cuts the first supply reachable on foot (none: no outages)."""
    supplies = [i for i in plant.items("supply") if plant.node[i] >= 0]
    if not supplies:
        return Places.of([])
    gens = plant.items("generator")
    return Places.of(
        [
            {
                "item": supplies[0],
                "generator": gens[0] if gens else -1,
                "essential": tuple(default_essential(plant, twin.model)),
                "node": int(plant.node[supplies[0]]),
            }
        ]
    )


def _outage(
    env: simpy.Environment, world: World, rate: PowerLossRate, a: Arrival, ref: Any, index: int
) -> None:
    v = a.values
    loss = PowerLoss(
        kind="power_loss",
        at=world.sim.drill.plant.name[ref["item"]],
        duration_min=v["duration_min"],
        repair_min=v["repair_min"],
        generator_start_probability=rate.generator_start_probability,
        lift_occupancy=rate.lift_occupancy,
        reported_via=rate.channel,
    )
    env.process(power_hazard(env, world, loss, ref, index))


register_hazard(
    HazardKind(
        "power_loss",
        PowerLoss,
        compile_power_loss,
        power_hazard,
        Occurrence(
            PowerLossRate,
            _supply,
            _outage,
            lambda places: "a supply for power losses" if len(places) else "no supply for power losses",
        ),
        Drawing(places=("at",), symbol="star"),
    )
)
