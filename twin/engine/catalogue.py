"""Where background work can happen in one building: the catalogue a drill compiles once.

Takes a twin, its plant, the scenario's ``background:`` options and the rates (data: the edge
reads the rates file, :func:`twin.background.rates.scenario_rates`); gives a :class:`Catalogue` —
every household, common space, lift and piece of equipment by role a rate counts, and where each
hazard kind that occurs in background work can happen (its own
:attr:`~twin.engine.hazards.kind.Occurrence.places`). Nothing random happens here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from twin.background.rates import Rates
from twin.engine.plant import Plant
from twin.places import lift_landing
from twin.scenario.kinds import HAZARDS
from twin.scenario.schema import Background, Scenario
from twin.twin import Twin

if TYPE_CHECKING:  # the kinds' modules import the engine, which compiles catalogues
    from twin.engine.hazards.kind import HazardKind, Places

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
    hazards: dict[str, Places]
    """Per hazard kind that occurs in background work: where it can happen
    (:attr:`~twin.engine.hazards.kind.Occurrence.places`)."""

    def warm(self, twin: Twin, plant: Plant) -> None:
        """Work out every hazard's places now (before the catalogue goes to workers)."""
        for places in self.hazards.values():
            places.warm()

    def describe(self) -> str:
        parts = [f"{self.units.get('household', 0)} households"]
        parts += [hazard_of(kind).occurrence.describe(places) for kind, places in self.hazards.items()]  # type: ignore[union-attr]
        return ", ".join(parts)


def hazard_of(name: str) -> HazardKind:
    found: HazardKind = HAZARDS[name]
    return found


def compile_background(twin: Twin, plant: Plant, scenario: Scenario, rates: Rates) -> Catalogue:
    """Where background events can happen in ``twin`` (raises
    :class:`~twin.scenario.FieldError` for a place in the rates the building does not have)."""
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
    lifts = [k for k in range(len(model.lifts)) if lift_landing(graph, k) >= 0]
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
    hazards = {
        kind.name: kind.occurrence.places(twin, plant, rates.hazards.get(kind.name))
        for kind in HAZARDS
        if kind.occurrence is not None
    }
    return Catalogue(options=scenario.background, rates=rates, nodes=nodes, units=units, hazards=hazards)
