"""Background work in a run: the building's catalogue of places, and the process raising them.

:func:`compile_background` finds, once per drill, where background events can happen: every
household, lift, piece of equipment by role, the common spaces (work for the whole site), the
flats a leak can start in (a household's leak is in its own pipework, closed at its own stop
valve), the supply an outage cuts and the low point a storm floods. :func:`background` draws the period's
events (:func:`twin.background.generate.generate`) from the run's streams and raises each at its
time: a work order is an incident with one task; a hazard runs the same physics as a scenario's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from twin.background.generate import Arrival, generate
from twin.background.rates import Rates, default_rates, load_rates
from twin.engine import physics
from twin.engine.core import Proc, Sim, TaskSpec, draw
from twin.engine.hazards.burst import pipe_burst
from twin.engine.hazards.flooding import Water
from twin.engine.hazards.power import Power, entrapment, power_hazard
from twin.engine.hazards.storm import storm
from twin.engine.plant import Plant
from twin.engine.setup import default_essential, flat_leak_ref, space_of_item, storm_ref
from twin.errors import PlaceError
from twin.navgraph import NodeKind
from twin.places import lift_landing, locate
from twin.scenario.load import FieldError
from twin.scenario.schema import Background, PipeBurst, PowerLoss, Scenario, Storm
from twin.twin import Twin

log = logging.getLogger(__name__)

#: Equipment roles a rate can count.
_ROLES = ("booster_pump", "sump_pump", "board", "generator", "valve", "drain")


@dataclass(frozen=True, slots=True, eq=False)
class Catalogue:
    """Where background events can happen in one building, and what they need there."""

    options: Background
    rates: Rates
    nodes: dict[str, np.ndarray]
    """Per ``per`` (household, site, lift, equipment role): the node of each place it picks from."""
    units: dict[str, int]
    """Per ``per``: how many units the rate counts (``site`` is 1)."""
    leak_flats: tuple[int, ...]
    """Spaces (flats) a household's leak can start in: :func:`~twin.engine.setup.flat_leak_ref`."""
    power: dict[str, Any] | None
    """The power-loss place (the supply), or None when the plant has none reachable."""
    storm: dict[str, Any] | None
    storm_low_point: str
    lifts: tuple[int, ...]
    """Lift indices (of the model) that have a landing."""
    _bursts: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Leak places by flat, worked out when first drawn."""

    def burst(self, twin: Twin, plant: Plant, k: int) -> dict[str, Any]:
        ref = self._bursts.get(k)
        if ref is None:
            ref = self._bursts[k] = flat_leak_ref(twin, self.leak_flats[k])
        return ref

    def warm(self, twin: Twin, plant: Plant) -> None:
        """Work out every leak's places now (before the catalogue goes to workers)."""
        for k in range(len(self.leak_flats)):
            self.burst(twin, plant, k)

    def describe(self) -> str:
        parts = [
            f"{self.units.get('household', 0)} households",
            f"{len(self.lifts)} lifts",
            f"{len(self.leak_flats)} flats a leak can start in",
        ]
        parts.append("a supply for power losses" if self.power else "no supply for power losses")
        parts.append(f"storms collect at {self.storm_low_point}" if self.storm else "no low point for storms")
        return ", ".join(parts)


def scenario_rates(scenario: Scenario) -> Rates | None:
    """The rates a scenario's background uses (None: it has no background)."""
    bg = scenario.background
    if bg is None:
        return None
    return load_rates(bg.rates) if bg.rates else default_rates()


def compile_background(twin: Twin, plant: Plant, scenario: Scenario, rates: Rates) -> Catalogue:
    """Where background events can happen in ``twin`` (raises :class:`FieldError` for a storm
    low point the building does not have)."""
    assert scenario.background is not None
    model, graph = twin.model, twin.graph
    space_node = graph.space_node
    households = np.array(
        [int(space_node[s]) for s in plant.household_spaces if space_node[s] >= 0], dtype=np.int64
    )
    homes = set(int(s) for s in plant.household_spaces)
    common = np.array(
        [int(space_node[i]) for i in range(len(model.spaces)) if i not in homes and space_node[i] >= 0],
        dtype=np.int64,
    )
    lifts = tuple(k for k in range(len(model.lifts)) if lift_landing(graph, k) >= 0)
    nodes: dict[str, np.ndarray] = {
        "household": households,
        "site": common,
        "lift": np.array([lift_landing(graph, k) for k in lifts], dtype=np.int64),
    }
    for role in _ROLES:
        nodes[role] = np.array(
            [int(plant.node[i]) for i in plant.items(role) if plant.node[i] >= 0], dtype=np.int64
        )
    units = {per: int(n.size) for per, n in nodes.items()}
    units["site"] = 1

    flats = tuple(int(s) for s in plant.household_spaces if space_node[s] >= 0)

    supplies = [i for i in plant.items("supply") if plant.node[i] >= 0]
    gens = plant.items("generator")
    power = None
    if supplies:
        power = {
            "item": supplies[0],
            "generator": gens[0] if gens else -1,
            "essential": tuple(default_essential(plant, model)),
            "node": int(plant.node[supplies[0]]),
        }

    storm_rate = rates.hazards.storm
    low, low_name = -1, ""
    if storm_rate is not None and storm_rate.low_point:
        try:
            low = locate(storm_rate.low_point, model, graph).node
        except PlaceError as exc:
            raise FieldError(("background", "rates"), f"hazards.storm.low_point: {exc}") from None
        if graph.node_kind[low] != NodeKind.SPACE:
            raise FieldError(
                ("background", "rates"),
                f"hazards.storm.low_point: '{storm_rate.low_point}' is not a space water can collect in",
            )
        low_name = storm_rate.low_point
    else:
        for pump in plant.items("sump_pump"):
            space = space_of_item(twin, plant, pump)
            if space >= 0 and space_node[space] >= 0:
                low, low_name = int(space_node[space]), model.spaces[space].label
                break
    return Catalogue(
        options=scenario.background,
        rates=rates,
        nodes=nodes,
        units=units,
        leak_flats=flats,
        power=power,
        storm=storm_ref(twin, plant, low) if low >= 0 else None,
        storm_low_point=low_name,
        lifts=lifts,
    )


def arrivals(sim: Sim, cat: Catalogue) -> list[Arrival]:
    """The run's background events, from its streams (the same for every roster on one seed)."""
    choices = {per: int(n.size) for per, n in cat.nodes.items()}
    # A hazard picks among its own places; none where the building has none.
    choices |= {
        "pipe_burst": len(cat.leak_flats),
        "entrapment": len(cat.lifts),
        "power_loss": int(cat.power is not None),
        "storm": int(cat.storm is not None),
    }
    opts = cat.options
    return generate(
        cat.rates,
        cat.units,
        choices,
        sim.start,
        sim.drill.scenario.duration_s,
        sim.rng,
        draw,
        work_orders=opts.work_orders,
        hazards=opts.hazards,
        scale=opts.scale,
    )


def background(sim: Sim, water: Water, power: Power, cat: Catalogue, first_hazard: int) -> Proc:
    """Raise each background event at its time. Hazards are numbered from ``first_hazard`` (after
    the scenario's own) for their random streams."""
    env = sim.env
    twin, plant = sim.drill.twin, sim.drill.plant
    rates = cat.rates
    hazard_index = first_hazard
    channels = sim.channels
    found = arrivals(sim, cat)
    sim.log("background", value=len(found), detail=cat.describe())
    for a in found:
        if a.t_s > env.now:
            yield env.timeout(a.t_s - env.now)
        v = a.values
        if a.kind == "work_order":
            w = rates.work_orders[a.rate]
            node = int(cat.nodes[w.per][a.unit])
            delay = (
                draw(channels[w.channel].delay_s, sim.rng(f"background:report:{w.name}"))
                if w.channel in channels
                else 0.0
            )
            sim.incident(
                "work_order",
                w.name,
                w.priority,
                node,
                w.channel,
                [TaskSpec(w.name, ((w.trade, w.level),), node, 60.0 * v["minutes"])],
                delay_s=delay,
            )
            continue
        if a.kind == "entrapment":
            lift = cat.lifts[a.unit % len(cat.lifts)]
            stops = sim.model.lifts[lift].storeys
            storey = int(stops[min(int(v["u"] * len(stops)), len(stops) - 1)]) if stops else -1
            passengers = max(
                1, int(sim.rng("background:passengers").poisson(physics.PASSENGERS_PER_OCCUPIED_CAR))
            )
            entrapment(sim, lift, storey, passengers, 60.0 * v["minutes"])
            continue
        i, hazard_index = hazard_index, hazard_index + 1
        # Drawn values are clipped to what the scenario schema accepts (a lognormal tail).
        if a.kind == "pipe_burst":
            burst_rate = rates.hazards.pipe_burst
            assert burst_rate is not None
            ref = cat.burst(twin, plant, a.unit % len(cat.leak_flats))
            burst = PipeBurst(
                kind="pipe_burst",
                at=ref["pipe_name"],
                pressure_bar=min(max(v["pressure_bar"], 0.5), 16),
                hole_area_cm2=min(max(v["hole_area_cm2"], 0.1), 500),
                repair_min=v["repair_min"],
                reported_via=burst_rate.channel,
            )
            env.process(pipe_burst(sim, water, power, burst, ref, i))
        elif a.kind == "power_loss":
            loss_rate = rates.hazards.power_loss
            assert loss_rate is not None and cat.power is not None
            loss = PowerLoss(
                kind="power_loss",
                at=plant.name[cat.power["item"]],
                duration_min=v["duration_min"],
                repair_min=v["repair_min"],
                generator_start_probability=loss_rate.generator_start_probability,
                lift_occupancy=loss_rate.lift_occupancy,
                reported_via=loss_rate.channel,
            )
            env.process(power_hazard(sim, power, loss, cat.power))
        elif a.kind == "storm":
            storm_rate = rates.hazards.storm
            assert storm_rate is not None and cat.storm is not None
            rain = Storm(
                kind="storm",
                duration_min=max(v["duration_min"], 1.0),
                peak_mm_h=min(max(v["peak_mm_h"], 0.1), 500),
                drains_blocked_fraction=min(max(v["drains_blocked_fraction"], 0.0), 1.0),
                drain_capacity_l_s=storm_rate.drain_capacity_l_s,
                paved_area_m2=storm_rate.paved_area_m2,
                low_point=cat.storm_low_point,
                reported_via=storm_rate.channel,
            )
            env.process(storm(sim, water, rain, cat.storm, i))
