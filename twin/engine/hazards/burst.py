"""Pipe burst: orifice flow into a space until a qualified person closes the upstream valve.

Q = Cd·A·√(2ΔP/ρ) (:mod:`twin.engine.physics`) runs into the space that holds the pipe; the
flooding model spreads it. The tasks: isolate at the valve (makes it safe; trained level 1 is
enough), repair at the break (a qualified plumber, level 2), clean up (scaled by the water let
out), and tell the households downstream of the closed valve, who are without water until the
repair is done and the valve reopened.

In background work a burst is a household's leak (the rates' bursts per household), drawn by
pipe length and size (:func:`leak_sites`, :func:`twin.engine.physics.pipe_break_weight`): most
start in a flat's own pipework and are closed at its stop valve (one household without water);
some in a floor's branch (closed at the floor valve) or a riser (the riser valve), as often as
their length and size make them. A leak's hole is drawn from the rates and capped at the bore of
the pipe it starts in (:func:`twin.engine.physics.bore_area_cm2`): a full-bore break is the
largest opening a pipe can have. A drill's hole is used as written, and refused when it is larger
than the bore of a pipe whose file gives its diameter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import simpy
from pydantic import Field

from twin.background.generate import Arrival
from twin.background.rates import HazardRate
from twin.engine import physics
from twin.engine.core import Proc
from twin.engine.hazards.kind import Drawing, HazardKind, Occurrence, Places, Ref, World, register_hazard
from twin.engine.plant import Plant, resolve_item, served_households
from twin.engine.setup import space_of_item
from twin.engine.tasks import TaskSpec, incident
from twin.errors import PlaceError
from twin.scenario.load import FieldError
from twin.scenario.schema import HazardSpec, LogNormal, Quantity, Triangular, Uniform, draw
from twin.twin import Twin


class PipeBurst(HazardSpec):
    """A break discharging Q = Cd·A·√(2ΔP/ρ) until the upstream isolation valve is closed."""

    kind: Literal["pipe_burst"]
    at: str = Field(description="the pipe (equipment name or GlobalId) or the space it is in")
    pressure_bar: float = Field(
        4.5, gt=0, le=16, description="line pressure: 3–6 bar in a building's supply (DESIGN.md)"
    )
    hole_area_cm2: float = Field(
        5.0,
        gt=0,
        le=500,
        description="area of the break; 5 cm² assumed by this project: a split in a riser or "
        "branch (9 l/s at 4.5 bar), the serious burst a drill is for",
    )
    valve: str | None = Field(None, description="the isolation valve, when the topology cannot find it")
    repair_min: Quantity = Field(
        Triangular(kind="triangular", low=45, mode=90, high=180),
        description="a plumber's repair at the break (min); assumed by this project, the same as "
        "the rates file's background leaks",
    )


class PipeBurstRate(HazardRate):
    DRAWS: ClassVar[tuple[str, ...]] = ("pressure_bar", "hole_area_cm2", "repair_min")
    # The defaults are the shipped rates file's pipe_burst row (twin/background/rates.yaml, with
    # its source:), for a rates file that leaves a field out; units in the names (bar, cm², min).
    per: Literal["household", "site"] = "household"
    pressure_bar: Quantity = Uniform(kind="uniform", low=3, high=6)
    hole_area_cm2: Quantity = LogNormal(kind="lognormal", median=1.5, p90=5)
    repair_min: Quantity = Triangular(kind="triangular", low=45, mode=90, high=180)


ISOLATE = (("plumber", 1),)
REPAIR = (("plumber", 2),)
CLEAN = (("general", 1), ("plumber", 1), ("hvac", 1), ("security", 1))
NOTIFY = (("front_desk", 1), ("security", 1))


def burst_flow_m3_s(pressure_bar: float, hole_area_cm2: float) -> float:
    """Orifice flow Q = Cd·A·√(2ΔP/ρ) in m³/s."""
    dp = pressure_bar * physics.PA_PER_BAR
    area = hole_area_cm2 * 1e-4
    return physics.DISCHARGE_COEFFICIENT * area * math.sqrt(2.0 * dp / physics.WATER_DENSITY_KG_M3)


def pipe_burst(env: simpy.Environment, world: World, h: PipeBurst, ref: Ref, index: int) -> Proc:
    sim, water, power = world.sim, world.water, world.power
    yield env.timeout(h.start_min * 60.0)
    key = ("burst", index)
    flow = burst_flow_m3_s(h.pressure_bar, h.hole_area_cm2)
    space, node = ref["space"], ref["node"]
    pipe, valve, valve_node = ref["pipe_name"], ref["valve_name"], ref["valve_node"]
    water.claimed_storeys.add(sim.model.spaces[space].storey)
    water.set_source(key, space, flow)
    sim.log("hazard", node=node, value=flow, detail=f"pipe burst at {pipe}: {flow * 1000:.1f} l/s")
    households = set(ref["households"])
    repair_s = 60.0 * draw(h.repair_min, sim.rng(f"repair:{index}"))

    def close() -> None:
        water.set_source(key, space, 0.0)
        sim.log("valve", node=valve_node, value=0.0, detail=valve)
        power.water_households[key] = households
        power.log_water()

    def reopen() -> None:
        sim.log("valve", node=valve_node, value=1.0, detail=valve)
        power.water_households.pop(key, None)
        power.log_water()

    def mop_up() -> None:
        water.mop_up(sim.model.spaces[space].storey)

    def cleanup_s() -> float:
        return physics.CLEANUP_BASE_S + physics.CLEANUP_PER_M3_S * water.released_by.get(key, 0.0)

    incident(
        sim,
        "pipe_burst",
        f"Burst at {pipe}",
        "red",
        node,
        h.reported_via,
        [
            TaskSpec(
                f"isolate at {valve}", ISOLATE, valve_node, physics.ISOLATE_S, makes_safe=True, effect=close
            ),
            TaskSpec("repair the pipe", REPAIR, node, repair_s, after=[0], effect=reopen),
            TaskSpec("clean up", CLEAN, node, cleanup_s, after=[0], priority="yellow", effect=mop_up),
            TaskSpec(
                f"tell {len(households)} households",
                NOTIFY,
                sim.drill.front_desk,
                physics.NOTIFY_BASE_S + physics.NOTIFY_PER_HOUSEHOLD_S * len(households),
                after=[0],
                priority="yellow",
            ),
        ],
    )


def burst_ref(twin: Twin, plant: Plant, item: int, valve: int) -> Ref | None:
    """A burst's places: the pipe, its valve, the space it floods (None: it is in no space) and the
    households downstream of the valve, who are without water from isolation to repair."""
    space = space_of_item(twin, plant, item)
    if space < 0:
        return None
    households = served_households(plant, plant.downstream([valve], "water"))
    equipment = twin.model.equipment
    return {
        # "pipe", not "item": nobody is sent to the pipe itself (the tasks are at its space and
        # its valve), so the router does not key a search on it (run.drill_router).
        "pipe": item,
        "valve": valve,
        "space": space,
        "node": int(twin.graph.space_node[space]),
        "households": frozenset(int(x) for x in households),
        "pipe_name": plant.name[item],
        "valve_name": plant.name[valve],
        "valve_node": int(plant.node[valve]),
        # The file's nominal diameter (m), None when it gives none or the item is the overlay's.
        "diameter_m": equipment[item].nominal_diameter_m if item < len(equipment) else None,
    }


def flat_leak_ref(twin: Twin, space: int) -> Ref:
    """A leak in a flat's own pipework (a fitting, a hose, a tap connector — where most escapes
    of water in flats start): water into the flat, closed at the flat's stop valve, which is in
    the flat (the model need not draw it), so only that household is without water until the
    repair — not the riser's or the floor's households, as closing a shared valve would."""
    label = twin.model.spaces[space].label
    node = int(twin.graph.space_node[space])
    return {
        "pipe": -1,
        "valve": -1,
        "space": space,
        "node": node,
        "households": frozenset({space}),
        "pipe_name": f"pipework in {label}",
        "valve_name": f"stop valve of {label}",
        "valve_node": node,
        "diameter_m": physics.FLAT_PIPEWORK_DIAMETER_M,
    }


def compile_burst(h: PipeBurst, twin: Twin, plant: Plant, loc: tuple[str | int, ...]) -> Ref:
    model, graph = twin.model, twin.graph
    try:
        item = resolve_item(plant, h.at, model, graph, field="at")
    except PlaceError as exc:
        raise FieldError((*loc, "at"), str(exc).removeprefix("at: ")) from None
    if h.valve:
        try:
            valve = resolve_item(plant, h.valve, model, graph, field="valve")
        except PlaceError as exc:
            raise FieldError((*loc, "valve"), str(exc).removeprefix("valve: ")) from None
    else:
        valve = plant.upstream_valve(item)
        if valve < 0:
            raise FieldError(
                (*loc, "at"),
                f"no isolation valve upstream of '{plant.name[item]}' in the model's port "
                "connections; name one with 'valve:' or add one under overlay",
            )
    if plant.node[valve] < 0:
        raise FieldError((*loc, "valve"), f"valve '{plant.name[valve]}' is not reachable on foot")
    ref = burst_ref(twin, plant, item, valve)
    if ref is None:
        raise FieldError((*loc, "at"), f"'{plant.name[item]}' is in no space water could fill")
    diameter = ref["diameter_m"]
    if diameter is not None and h.hole_area_cm2 > (bore := physics.bore_area_cm2(diameter)):
        raise FieldError(
            (*loc, "hole_area_cm2"),
            f"{h.hole_area_cm2:g} cm² is larger than the bore of '{plant.name[item]}' "
            f"({diameter * 1000:g} mm: π·d²/4 = {bore:.2f} cm²), the largest opening a break can "
            f"have; set hole_area_cm2 to at most {math.floor(bore * 100) / 100:g}",
        )
    return ref


@dataclass(frozen=True, slots=True)
class LeakSite:
    """A pipe a background leak can start in: one of the model's pipe segments (``item``,
    closed at its nearest upstream isolation ``valve``), or a flat's own pipework (``item`` -1,
    closed at the flat's stop valve), which the model does not draw."""

    item: int
    valve: int
    space: int
    length_m: float
    diameter_m: float | None

    @property
    def weight(self) -> float:
        """Its share of the leaks, up to a common factor (:func:`physics.pipe_break_weight`)."""
        return physics.pipe_break_weight(self.length_m, self.diameter_m)


@dataclass(frozen=True, slots=True)
class LeakSites:
    sites: tuple[LeakSite, ...]
    left_out_m: float
    """Length of the model's pipe segments a leak is not drawn in: no isolation valve upstream
    (gravity drainage, or a supply main the building cannot shut), the valve out of reach, or
    the pipe in no space."""

    def describe(self) -> str:
        flats = sum(1 for s in self.sites if s.item < 0)
        pipes_m = sum(s.length_m for s in self.sites if s.item >= 0)
        out = f"{flats} flats' pipework and {pipes_m:,.0f} m of the building's pipes a leak can start in"
        return out + (f" ({self.left_out_m:,.0f} m no valve isolates left out)" if self.left_out_m else "")


def leak_sites(twin: Twin, plant: Plant) -> LeakSites:
    """Every pipe a household's leak can start in, with its length and size: the model's pipe
    segments of known length that an isolation valve within reach shuts, and the pipework of
    each flat that has none of them drawn inside it (:data:`physics.FLAT_PIPEWORK_M` of
    :data:`physics.FLAT_PIPEWORK_DIAMETER_M`)."""
    model, space_node = twin.model, twin.graph.space_node
    sites: list[LeakSite] = []
    left_out = 0.0
    piped: set[int] = set()
    for item, e in enumerate(model.equipment):
        if e.what != "IfcPipeSegment" or e.length_m is None:
            continue
        valve = plant.upstream_valve(item)
        space = space_of_item(twin, plant, item)
        if valve < 0 or plant.node[valve] < 0 or space < 0:
            left_out += e.length_m
            continue
        sites.append(LeakSite(item, valve, space, e.length_m, e.nominal_diameter_m))
        piped.add(space)
    flats = [
        LeakSite(-1, -1, int(s), physics.FLAT_PIPEWORK_M, physics.FLAT_PIPEWORK_DIAMETER_M)
        for s in plant.household_spaces
        if space_node[s] >= 0 and int(s) not in piped
    ]
    return LeakSites(tuple(flats + sites), left_out)


def leak_ref(twin: Twin, plant: Plant, site: LeakSite) -> Ref:
    """The places of a leak at ``site`` (see :func:`burst_ref`, :func:`flat_leak_ref`)."""
    if site.item < 0:
        return flat_leak_ref(twin, site.space)
    ref = burst_ref(twin, plant, site.item, site.valve)
    assert ref is not None  # leak_sites keeps pipes in a space only
    return ref


def _leak_places(twin: Twin, plant: Plant, rate: Any) -> Places:
    found = leak_sites(twin, plant)
    sites = found.sites
    return Places(
        len(sites),
        lambda k: leak_ref(twin, plant, sites[k]),
        [s.weight for s in sites],
        note=found.describe(),
    )


def leak_burst(rate: PipeBurstRate, values: Mapping[str, float], ref: Ref) -> PipeBurst:
    """The burst of a background leak with these drawn values at ``ref`` (:func:`leak_ref`).

    Drawn values are clipped to what the scenario schema accepts (a lognormal tail), and the hole
    to the bore of the pipe the leak starts in (:func:`physics.bore_area_cm2`): no leak lets out
    more than a full-bore break of its pipe would at its pressure.
    """
    bore = physics.bore_area_cm2(ref["diameter_m"])
    return PipeBurst(
        kind="pipe_burst",
        at=ref["pipe_name"],
        pressure_bar=min(max(values["pressure_bar"], 0.5), 16),
        hole_area_cm2=min(max(values["hole_area_cm2"], 0.1), bore, 500),
        repair_min=values["repair_min"],
        reported_via=rate.channel,
    )


def _leak(
    env: simpy.Environment, world: World, rate: PipeBurstRate, a: Arrival, ref: Any, index: int
) -> None:
    env.process(pipe_burst(env, world, leak_burst(rate, a.values, ref), ref, index))


register_hazard(
    HazardKind(
        "pipe_burst",
        PipeBurst,
        compile_burst,
        pipe_burst,
        Occurrence(PipeBurstRate, _leak_places, _leak, lambda places: places.note),
        Drawing(places=("at",), symbol="star"),
    )
)
