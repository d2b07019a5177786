"""Storm drainage failure: a design storm, runoff by the rational method, water at the low point.

Runoff Q = C·i(t)·A from the roofs (the building's footprint, C 0.9) and the paved site (C 0.7);
the site drains carry what their clear share of capacity allows and the excess runs down to the
low point (the sump at the foot of the ramp), where the sump pumps take out what they can while
they have power. The flooding model carries it on from there. Tasks: clear the blocked drain,
deploy a portable pump (a heavy load: lifts or ramps, no stairs).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import simpy
from pydantic import Field
from shapely.ops import unary_union

from twin.background.generate import Arrival
from twin.background.rates import HazardRate
from twin.engine import physics
from twin.engine.core import Proc
from twin.engine.hazards.flooding import PUMP_CREW
from twin.engine.hazards.kind import Drawing, HazardKind, Occurrence, Places, Ref, World, register_hazard
from twin.engine.plant import Plant
from twin.engine.setup import space_of_item
from twin.engine.tasks import TaskSpec, incident
from twin.errors import PlaceError
from twin.model import BuildingModel
from twin.navgraph import NodeKind
from twin.places import locate
from twin.scenario.load import FieldError
from twin.scenario.schema import HazardSpec, LogNormal, Quantity, Triangular, Uniform
from twin.travel import HEAVY
from twin.twin import Twin

CLEAR = (("plumber", 1), ("general", 1))


class Storm(HazardSpec):
    """A design storm on the roofs and the paved site; runoff Q = C·i·A by the rational method."""

    kind: Literal["storm"]
    duration_min: float = Field(
        120.0, gt=0, description="how long it rains; 120 assumed by this project (the background's mode)"
    )
    peak_mm_h: float = Field(
        80.0,
        gt=0,
        le=500,
        description="rain at the peak; 80 assumed by this project: a heavy storm, below the "
        "100 mm/h the drains are sized for, so the drill floods through blocked drains",
    )
    profile: Literal["triangular", "uniform"] = "triangular"
    drains_blocked_fraction: float = Field(
        0.6,
        ge=0,
        le=1,
        description="share of the drains' capacity lost to blockage; 0.6 assumed by this project "
        "(badly silted; the background draws 0.1–0.6)",
    )
    drain_capacity_l_s: float | None = Field(
        None,
        ge=0,
        description="what the site's drains carry when clear; none = sized for the design storm "
        "(twin/engine/physics.py DESIGN_STORM_MM_H on this storm's catchment C·A — with the "
        "default paving 278 l/s on the estate, with 30,000 m² paving 712 l/s)",
    )
    paved_area_m2: float | None = Field(
        None,
        ge=0,
        description="site paving draining to the low point; none = 1.5 × the building's "
        "footprint (physics.PAVED_PER_FOOTPRINT: 7,709 m² on the estate, whose podium and roads "
        "are 30,000 m² — the shipped storm drill and the background storm say so)",
    )
    low_point: str = Field("Sump Pit", description="where excess water collects (a space)")
    reported_via: str = "sensor"


class StormRate(HazardRate):
    DRAWS: ClassVar[tuple[str, ...]] = ("duration_min", "peak_mm_h", "drains_blocked_fraction")
    per: Literal["site"] = "site"
    # The defaults are the shipped rates file's storm row (twin/background/rates.yaml, with its
    # source:), here for a rates file that leaves a field out. They differ from a scenario
    # storm's on purpose: a scenario names one storm to drill, the background draws many.
    duration_min: Quantity = Triangular(kind="triangular", low=60, mode=120, high=240)
    peak_mm_h: Quantity = LogNormal(kind="lognormal", median=70, p90=130)
    drains_blocked_fraction: Quantity = Uniform(kind="uniform", low=0.1, high=0.6)
    drain_capacity_l_s: float | None = Field(
        None,
        ge=0,
        description="none = drains sized for the design storm (physics.DESIGN_STORM_MM_H) on "
        "this row's catchment: 712 l/s on the estate with the default paving",
    )
    paved_area_m2: float = Field(
        30000.0,
        ge=0,
        description="site paving draining to the low point: the estate's podium and access roads "
        "(assumed by this project for the shipped estate; set your site's)",
    )
    low_point: str | None = Field(
        None, description="where runoff collects; none = the first sump pump's space"
    )


def intensity_mm_h(h: Storm, t_s: float) -> float:
    """Rain intensity ``t_s`` seconds into the storm: flat, or a triangle peaking at mid-storm."""
    d = h.duration_min * 60.0
    if t_s < 0 or t_s >= d:
        return 0.0
    if h.profile == "uniform":
        return h.peak_mm_h
    half = d / 2.0
    return h.peak_mm_h * (t_s / half if t_s <= half else (d - t_s) / half)


def catchment_m2(model: BuildingModel, h: Storm) -> tuple[float, float]:
    """(roof, paved) areas in m²: the building's footprint, and the paving draining to the ramp
    (``h.paved_area_m2``, else :data:`~twin.engine.physics.PAVED_PER_FOOTPRINT` × the footprint)."""
    footprint = unary_union([s.footprint for s in model.spaces]).area if model.spaces else 0.0
    paved = h.paved_area_m2 if h.paved_area_m2 is not None else physics.PAVED_PER_FOOTPRINT * footprint
    return float(footprint), float(paved)


def design_capacity_m3_s(ca_m2: float) -> float:
    """What drains sized for the design storm carry (m³/s): Q = C·A·i at
    :data:`~twin.engine.physics.DESIGN_STORM_MM_H` (the rational method, as a designer sizes them)."""
    return ca_m2 * physics.DESIGN_STORM_MM_H * physics.MM_H_TO_M_S


def storm(env: simpy.Environment, world: World, h: Storm, ref: Ref, index: int) -> Proc:
    sim, water = world.sim, world.water
    yield env.timeout(h.start_min * 60.0)
    roof, paved = catchment_m2(sim.model, h)
    ca = physics.RUNOFF_ROOF * roof + physics.RUNOFF_PAVING * paved
    capacity_m3_s = (
        h.drain_capacity_l_s / 1000.0 if h.drain_capacity_l_s is not None else design_capacity_m3_s(ca)
    )
    blocked = [h.drains_blocked_fraction]
    key = ("storm", index)
    low, node = ref["low_space"], ref["node"]
    sim.log(
        "hazard",
        node=node,
        value=h.peak_mm_h,
        detail=f"storm {h.peak_mm_h:g} mm/h for {h.duration_min:g} min on {roof:.0f} m² roofs, "
        f"{paved:.0f} m² paving; drains carry {capacity_m3_s * 1000:.0f} l/s, "
        f"{blocked[0] * 100:.0f} % blocked",
    )
    raised = False

    def cleared() -> None:
        blocked[0] = 0.0
        sim.log("hazard", node=ref["drain_node"], detail="drain cleared")

    def deployed() -> None:
        water.add_pump(("portable", low), low, physics.PORTABLE_PUMP_L_S / 1000.0)

    t0 = env.now
    while env.now - t0 < h.duration_min * 60.0:
        i = intensity_mm_h(h, env.now - t0 + physics.RAIN_STEP_S / 2)
        runoff = ca * i * physics.MM_H_TO_M_S
        carried = capacity_m3_s * (1.0 - blocked[0])
        excess = max(runoff - carried, 0.0)
        water.set_source(key, low, excess)
        if excess > 0 and not raised:
            raised = True
            water.claimed.add(low)
            incident(
                sim,
                "storm",
                "Storm drainage overwhelmed",
                "red",
                node,
                h.reported_via,
                [
                    TaskSpec(
                        "clear the blocked drain",
                        CLEAR,
                        ref["drain_node"],
                        physics.CLEAR_DRAIN_S,
                        makes_safe=True,
                        effect=cleared,
                    ),
                    TaskSpec(
                        "deploy a portable pump",
                        PUMP_CREW,
                        node,
                        physics.DEPLOY_PUMP_S,
                        effect=deployed,
                        mode=HEAVY,
                    ),
                ],
            )
        yield env.timeout(physics.RAIN_STEP_S)
    water.set_source(key, low, 0.0)
    sim.log("hazard", node=node, detail="storm over")


def storm_ref(twin: Twin, plant: Plant, low: int) -> Ref:
    """A storm's places: the low point (a space node) and the drain nearest it, which a crew
    clears."""
    graph = twin.graph
    drains = [k for k in plant.items("drain") if plant.node[k] >= 0]
    if drains:
        xyz = graph.node_xyz[low]
        drain = min(drains, key=lambda k: float(np.linalg.norm(plant.xyz[k] - xyz)))
        drain_node = int(plant.node[drain])
    else:
        drain, drain_node = -1, low
    return {"low_space": int(graph.node_ref[low]), "node": low, "drain": drain, "drain_node": drain_node}


def compile_storm(h: Storm, twin: Twin, plant: Plant, loc: tuple[str | int, ...]) -> Ref:
    try:
        low = locate(h.low_point, twin.model, twin.graph).node
    except PlaceError as exc:
        raise FieldError((*loc, "low_point"), str(exc)) from None
    if twin.graph.node_kind[low] != NodeKind.SPACE:
        raise FieldError((*loc, "low_point"), f"'{h.low_point}' is not a space water can collect in")
    return storm_ref(twin, plant, low)


def _low_point(twin: Twin, plant: Plant, rate: StormRate | None) -> Places:
    """The rates' low point, or the first sump pump's space; nowhere when there is neither."""
    model, graph = twin.model, twin.graph
    if rate is not None and rate.low_point:
        try:
            low = locate(rate.low_point, model, graph).node
        except PlaceError as exc:
            raise FieldError(("background", "rates"), f"hazards.storm.low_point: {exc}") from None
        if graph.node_kind[low] != NodeKind.SPACE:
            raise FieldError(
                ("background", "rates"),
                f"hazards.storm.low_point: '{rate.low_point}' is not a space water can collect in",
            )
        return Places.of([(rate.low_point, storm_ref(twin, plant, low))])
    for pump in plant.items("sump_pump"):
        space = space_of_item(twin, plant, pump)
        if space >= 0 and graph.space_node[space] >= 0:
            low = int(graph.space_node[space])
            return Places.of([(model.spaces[space].label, storm_ref(twin, plant, low))])
    return Places.of([])


def _rain(env: simpy.Environment, world: World, rate: StormRate, a: Arrival, place: Any, index: int) -> None:
    v = a.values
    name, ref = place
    rain = Storm(
        kind="storm",
        duration_min=max(v["duration_min"], 1.0),
        peak_mm_h=min(max(v["peak_mm_h"], 0.1), 500),
        drains_blocked_fraction=min(max(v["drains_blocked_fraction"], 0.0), 1.0),
        drain_capacity_l_s=rate.drain_capacity_l_s,
        paved_area_m2=rate.paved_area_m2,
        low_point=name,
        reported_via=rate.channel,
    )
    env.process(storm(env, world, rain, ref, index))


def _describe(places: Places) -> str:
    return f"storms collect at {places[0][0]}" if len(places) else "no low point for storms"


register_hazard(
    HazardKind(
        "storm",
        Storm,
        compile_storm,
        storm,
        Occurrence(StormRate, _low_point, _rain, _describe),
        Drawing(places=("low_point",), symbol="star"),
    )
)
