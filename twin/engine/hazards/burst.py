"""Pipe burst: orifice flow into a space until a qualified person closes the upstream valve.

Q = Cd·A·√(2ΔP/ρ) (:mod:`twin.engine.physics`) runs into the space that holds the pipe; the
flooding model spreads it. The tasks: isolate at the valve (makes it safe; trained level 1 is
enough), repair at the break (a qualified plumber, level 2), clean up (scaled by the water let
out), and tell the households downstream of the closed valve, who are without water until the
repair is done and the valve reopened.
"""

from __future__ import annotations

import math
from typing import Any

from twin.engine import physics
from twin.engine.core import Proc, Sim, TaskSpec, draw
from twin.engine.hazards.flooding import Water
from twin.engine.hazards.power import Power
from twin.scenario.schema import PipeBurst

ISOLATE = (("plumber", 1),)
REPAIR = (("plumber", 2),)
CLEAN = (("general", 1), ("plumber", 1), ("hvac", 1), ("security", 1))
NOTIFY = (("front_desk", 1), ("security", 1))


def burst_flow_m3_s(pressure_bar: float, hole_area_cm2: float) -> float:
    """Orifice flow Q = Cd·A·√(2ΔP/ρ) in m³/s."""
    dp = pressure_bar * physics.PA_PER_BAR
    area = hole_area_cm2 * 1e-4
    return physics.DISCHARGE_COEFFICIENT * area * math.sqrt(2.0 * dp / physics.WATER_DENSITY_KG_M3)


def pipe_burst(sim: Sim, water: Water, power: Power, h: PipeBurst, ref: dict[str, Any], index: int) -> Proc:
    yield sim.env.timeout(h.start_min * 60.0)
    key = ("burst", index)
    flow = burst_flow_m3_s(h.pressure_bar, h.hole_area_cm2)
    space, node = ref["space"], ref["node"]
    pipe, valve, valve_node = ref["pipe_name"], ref["valve_name"], ref["valve_node"]
    water.claimed_storeys.add(sim.model.spaces[space].storey)
    water.set_source(key, space, flow)
    sim.log("hazard", node=node, value=flow,
            detail=f"pipe burst at {pipe}: {flow * 1000:.1f} l/s")
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

    sim.incident(
        "pipe_burst",
        f"Burst at {pipe}",
        "red",
        node,
        h.reported_via,
        [
            TaskSpec(f"isolate at {valve}", ISOLATE, valve_node, physics.ISOLATE_S,
                     makes_safe=True, effect=close),
            TaskSpec("repair the pipe", REPAIR, node, repair_s, after=[0], effect=reopen),
            TaskSpec("clean up", CLEAN, node, cleanup_s, after=[0], priority="yellow", effect=mop_up),
            TaskSpec(f"tell {len(households)} households", NOTIFY, sim.drill.front_desk,
                     physics.NOTIFY_BASE_S + physics.NOTIFY_PER_HOUSEHOLD_S * len(households),
                     after=[0], priority="yellow"),
        ],
    )
