"""Entrapment: passengers trapped in a stopped lift car, freed by a lift-trained person or the
lift contractor.

A scenario does not name one: it follows from a power loss (a car still stopped after the
generator's chance, :mod:`twin.engine.hazards.power`) and occurs at random in background work
(the rates' entrapments per lift: a car that stops between floors for any reason).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import simpy

from twin.background.generate import Arrival
from twin.background.rates import HazardRate
from twin.engine import physics
from twin.engine.core import Sim
from twin.engine.hazards.kind import HazardKind, Occurrence, Places, World, register_hazard
from twin.engine.plant import Plant
from twin.engine.tasks import Incident, TaskSpec, incident
from twin.places import lift_landing
from twin.scenario.schema import Quantity, Triangular
from twin.twin import Twin


class EntrapmentRate(HazardRate):
    DRAWS: ClassVar[tuple[str, ...]] = ("minutes",)
    per: Literal["lift"] = "lift"
    # The rescue's work once at the landing (min), the shipped rates file's entrapment row: a car
    # stopped by a fault, so finding why comes first; assumed by this project. A car a power cut
    # stops is freed in physics.RESCUE_S (15 min): it only needs a hand release.
    minutes: Quantity = Triangular(kind="triangular", low=15, mode=25, high=45)


def trapped_passengers(rng: np.random.Generator) -> int:
    """How many are in a car that stops occupied: max(1, Poisson(λ)) with λ
    :data:`~twin.engine.physics.PASSENGERS_PER_OCCUPIED_CAR` — a mean of λ + e^−λ (1.80 at 1.6),
    as the zero draws count as one."""
    return max(1, int(rng.poisson(physics.PASSENGERS_PER_OCCUPIED_CAR)))


def entrapment(sim: Sim, lift: int, storey: int, passengers: int, rescue_s: float) -> Incident:
    """Passengers trapped in ``lift`` at ``storey`` (-1: its first stop): a red incident reported by
    the car's alarm, freed by a lift-trained person or the lift contractor."""
    node = lift_landing(sim.graph, lift, storey)
    name = sim.model.lifts[lift].name

    def freed() -> None:
        sim.log("entrapment", node=node, value=0.0, detail=f"{name}: freed")

    inc = incident(
        sim,
        "entrapment",
        f"{passengers} trapped in {name}",
        "red",
        node,
        "sensor",
        [
            TaskSpec(
                "rescue passengers", (("lift_technician", 1),), node, rescue_s, makes_safe=True, effect=freed
            )
        ],
    )
    sim.log("entrapment", node=node, incident=inc.id, value=passengers, detail=name)
    return inc


def _lifts(twin: Twin, plant: Plant, rate: Any) -> Places:
    """The lifts that have a landing."""
    return Places.of([k for k in range(len(twin.model.lifts)) if lift_landing(twin.graph, k) >= 0])


def _trapped(
    env: simpy.Environment, world: World, rate: EntrapmentRate, a: Arrival, lift: Any, index: int
) -> None:
    sim, v = world.sim, a.values
    stops = sim.model.lifts[lift].storeys
    storey = int(stops[min(int(v["u"] * len(stops)), len(stops) - 1)]) if stops else -1
    passengers = trapped_passengers(sim.rng("background:passengers"))
    entrapment(sim, lift, storey, passengers, 60.0 * v["minutes"])


register_hazard(
    HazardKind(
        "entrapment",
        None,
        occurrence=Occurrence(
            EntrapmentRate, _lifts, _trapped, lambda places: f"{len(places)} lifts", numbered=False
        ),
    )
)
