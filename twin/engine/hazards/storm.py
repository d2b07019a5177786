"""Storm drainage failure: a design storm, runoff by the rational method, water at the low point.

Runoff Q = C·i(t)·A from the roofs (the building's footprint, C 0.9) and the paved site (C 0.7);
the site drains carry what their clear share of capacity allows and the excess runs down to the
low point (the sump at the foot of the ramp), where the sump pumps take out what they can while
they have power. The flooding model carries it on from there. Tasks: clear the blocked drain,
deploy a portable pump (a heavy load: lifts or ramps, no stairs).
"""

from __future__ import annotations

from typing import Any

from shapely.ops import unary_union

from twin.engine import physics
from twin.engine.core import Proc, Sim, TaskSpec
from twin.engine.hazards.flooding import PUMP_CREW, Water
from twin.scenario.schema import Storm
from twin.travel import HEAVY

CLEAR = (("plumber", 1), ("general", 1))


def intensity_mm_h(h: Storm, t_s: float) -> float:
    """Rain intensity ``t_s`` seconds into the storm: flat, or a triangle peaking at mid-storm."""
    d = h.duration_min * 60.0
    if t_s < 0 or t_s >= d:
        return 0.0
    if h.profile == "uniform":
        return h.peak_mm_h
    half = d / 2.0
    return h.peak_mm_h * (t_s / half if t_s <= half else (d - t_s) / half)


def catchment_m2(sim: Sim, h: Storm) -> tuple[float, float]:
    """(roof, paved) areas in m²: the building's footprint, and the paving draining to the ramp."""
    footprint = unary_union([s.footprint for s in sim.model.spaces]).area if sim.model.spaces else 0.0
    paved = h.paved_area_m2 if h.paved_area_m2 is not None else physics.PAVED_PER_FOOTPRINT * footprint
    return float(footprint), float(paved)


def design_capacity_m3_s(ca_m2: float) -> float:
    """What drains sized for the design storm carry (m³/s): Q = C·A·i at
    :data:`~twin.engine.physics.DESIGN_STORM_MM_H` (the rational method, as a designer sizes them)."""
    return ca_m2 * physics.DESIGN_STORM_MM_H * physics.MM_H_TO_M_S


def storm(sim: Sim, water: Water, h: Storm, ref: dict[str, Any], index: int) -> Proc:
    env = sim.env
    yield env.timeout(h.start_min * 60.0)
    roof, paved = catchment_m2(sim, h)
    ca = physics.RUNOFF_ROOF * roof + physics.RUNOFF_PAVING * paved
    capacity_m3_s = (h.drain_capacity_l_s / 1000.0 if h.drain_capacity_l_s is not None
                     else design_capacity_m3_s(ca))
    blocked = [h.drains_blocked_fraction]
    key = ("storm", index)
    low, node = ref["low_space"], ref["node"]
    sim.log("hazard", node=node, value=h.peak_mm_h,
            detail=f"storm {h.peak_mm_h:g} mm/h for {h.duration_min:g} min on {roof:.0f} m² roofs, "
                   f"{paved:.0f} m² paving; drains carry {capacity_m3_s * 1000:.0f} l/s, "
                   f"{blocked[0] * 100:.0f} % blocked")
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
            sim.incident(
                "storm",
                "Storm drainage overwhelmed",
                "red",
                node,
                h.reported_via,
                [
                    TaskSpec("clear the blocked drain", CLEAR, ref["drain_node"], physics.CLEAR_DRAIN_S,
                             makes_safe=True, effect=cleared),
                    TaskSpec("deploy a portable pump", PUMP_CREW, node, physics.DEPLOY_PUMP_S,
                             effect=deployed, mode=HEAVY),
                ],
            )
        yield env.timeout(physics.RAIN_STEP_S)
    water.set_source(key, low, 0.0)
    sim.log("hazard", node=node, detail="storm over")

