"""Compiling a drill: a scenario checked against a twin, every name turned into an index.

Takes a :class:`~twin.twin.Twin` and a :class:`~twin.scenario.Scenario`, gives a frozen
:class:`Drill`: the crew with their trades as a level matrix and their bases as nodes, the plant
(equipment topology with the overlay), the floors water spreads over, and each hazard's places
resolved. A place the building does not have is a :class:`~twin.scenario.FieldError` naming the
field, so the CLI can point at the line of the scenario file. Nothing random happens here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from twin.background.rates import Rates
from twin.engine.catalogue import compile_background
from twin.engine.plant import ELECTRICAL_ROOM, Plant, build_plant
from twin.engine.water import Floors, build_floors
from twin.errors import PlaceError
from twin.navgraph import NodeKind
from twin.places import locate
from twin.scenario.kinds import HAZARDS
from twin.scenario.load import FieldError
from twin.scenario.schema import TRADES, Contractor, Person, Quantity, Scenario, Shift, typical
from twin.twin import Twin

TRADE_INDEX = {t: i for i, t in enumerate(TRADES)}


@dataclass(frozen=True, slots=True)
class Crew:
    """One person the dispatcher can send: own staff, or one technician of a contractor."""

    id: str
    name: str
    levels: tuple[int, ...]
    """Level per trade of :data:`~twin.scenario.schema.TRADES` (0: not held)."""
    shift: Shift | None
    """None for contractors (available any time, from off site)."""
    on_call: bool
    delay_min: Quantity
    """Call-out delay (staff) or arrival delay (contractor), minutes."""
    expected_delay_s: float
    """What the dispatcher expects the delay to be (the contract time for contractors)."""
    base: int
    """Navigation-graph node of the home base (-1 for contractors)."""
    backup: int
    """Index of the backup in the crew (-1: none)."""
    hourly_rate: float
    callout_fee: float
    contractor: int = -1
    """Index into ``scenario.contractors``, -1 for own staff."""


@dataclass(frozen=True, slots=True, eq=False)
class Drill:
    """Everything a run needs that does not change during it."""

    twin: Twin
    scenario: Scenario
    plant: Plant
    floors: Floors
    crew: tuple[Crew, ...]
    levels: np.ndarray
    """``(people, trades)`` int8 levels."""
    hazard_refs: tuple[dict[str, Any], ...]
    """Per hazard, its resolved places (plant items, spaces, nodes)."""
    front_desk: int
    """Node where residents are told (front desk, reception, security; else the first base)."""
    electrical_rooms: tuple[int, ...]
    """Spaces whose flooding trips switchgear, and so the power of every board in them."""
    background: Any = None
    """Where background work can happen (:class:`twin.engine.background.Catalogue`), when the
    scenario has a ``background:`` section."""


def _place(text: str, twin: Twin, loc: tuple[str | int, ...]) -> int:
    try:
        return locate(text, twin.model, twin.graph).node
    except PlaceError as exc:
        raise FieldError(loc, str(exc)) from None


def _levels(trades: dict[str, int]) -> tuple[int, ...]:
    row = [0] * len(TRADES)
    for trade, level in trades.items():
        row[TRADE_INDEX[trade]] = level
    return tuple(row)


def _staff(p: Person, i: int, scenario: Scenario, twin: Twin, ids: dict[str, int]) -> Crew:
    base = _place(p.base, twin, ("people", i, "base"))
    for gap in twin.audit.unreachable:
        if int(twin.graph.space_node[gap.space]) == base:
            raise FieldError(("people", i, "base"), f"'{p.base}' cannot be reached from an entrance: "
                             f"{gap.reason}; base the person in a room the crews can walk from")
    return Crew(
        id=p.id,
        name=p.name or p.id,
        levels=_levels(p.trades),
        shift=scenario.shifts[p.shift],
        on_call=p.on_call,
        delay_min=p.callout_delay_min,
        expected_delay_s=60.0 * typical(p.callout_delay_min),
        base=base,
        backup=ids[p.backup] if p.backup else -1,
        hourly_rate=p.hourly_rate,
        callout_fee=p.callout_fee,
    )


def _contract(c: Contractor, k: int, n: int) -> Crew:
    return Crew(
        id=c.id if c.technicians == 1 else f"{c.id}-{n + 1}",
        name=c.name or c.id,
        levels=_levels(c.trades),
        shift=None,
        on_call=True,
        delay_min=c.arrival_delay_min,
        expected_delay_s=60.0 * c.contract_arrival_min,
        base=-1,
        backup=-1,
        hourly_rate=c.hourly_rate,
        callout_fee=c.callout_fee,
        contractor=k,
    )


def compile_drill(twin: Twin, scenario: Scenario, *, rates: Rates | None = None) -> Drill:
    """Check a scenario against a twin and resolve every name in it.

    ``rates`` are the rates of the scenario's ``background:`` section, required when it has one:
    the engine reads no files, so the caller reads them
    (:func:`twin.background.rates.scenario_rates`: the file ``background.rates`` names, or the
    shipped defaults).

    Raises
    ------
    FieldError
        A place, piece of equipment or link the building does not have, naming the field.
    """
    if scenario.entrances:
        twin = _with_entrances(twin, scenario.entrances)
    model, graph = twin.model, twin.graph
    if graph.entrances.size == 0 and scenario.contractors:
        raise FieldError(("contractors",), "the building has no entrance for contractors to arrive at")
    ids = {p.id: i for i, p in enumerate(scenario.people)}
    crew = [_staff(p, i, scenario, twin, ids) for i, p in enumerate(scenario.people)]
    for k, c in enumerate(scenario.contractors):
        crew += [_contract(c, k, n) for n in range(c.technicians)]
    levels = np.array([c.levels for c in crew], dtype=np.int8).reshape(len(crew), len(TRADES))

    try:
        plant = build_plant(model, graph, scenario.overlay)
    except PlaceError as exc:
        text = str(exc)
        head, _, rest = text.partition(": ")
        loc: tuple[str | int, ...] = tuple(
            int(x) if x.isdigit() else x for x in head.replace("[", ".").replace("]", "").split(".")
        )
        raise FieldError(loc, rest) from None

    refs = [HAZARDS.of(h).compile(h, twin, plant, ("hazards", i)) for i, h in enumerate(scenario.hazards)]
    desk = _front_desk(twin, crew)
    rooms = tuple(
        i for i, s in enumerate(model.spaces) if ELECTRICAL_ROOM.search(f"{s.name} {s.long_name}")
    )
    catalogue = None
    if scenario.background is not None:
        if rates is None:
            raise TypeError(f"scenario '{scenario.name}' has a background: section: pass its rates, "
                            "compile_drill(..., rates=twin.background.rates.scenario_rates(scenario))")
        catalogue = compile_background(twin, plant, scenario, rates)
    return Drill(
        twin=twin,
        scenario=scenario,
        plant=plant,
        floors=build_floors(model, graph),
        crew=tuple(crew),
        levels=levels,
        hazard_refs=tuple(refs),
        front_desk=desk,
        electrical_rooms=rooms,
        background=catalogue,
    )


def _with_entrances(twin: Twin, places: list[str]) -> Twin:
    """The twin with the scenario's declared entrances instead of the ones found in the façade."""
    from dataclasses import replace

    nodes = []
    for i, place in enumerate(places):
        try:
            nodes.append(locate(place, twin.model, twin.graph).node)
        except PlaceError as exc:
            raise FieldError(("entrances", i), str(exc)) from None
    graph = replace(twin.graph, entrances=np.array(sorted(set(nodes)), dtype=np.int32))
    return replace(twin, graph=graph)


def _front_desk(twin: Twin, crew: list[Crew]) -> int:
    model, graph = twin.model, twin.graph
    for pattern in ("front desk", "reception", "security", "concierge"):
        for i, s in enumerate(model.spaces):
            if pattern in f"{s.name} {s.long_name} {s.object_type}".lower() and graph.space_node[i] >= 0:
                return int(graph.space_node[i])
    bases = [c.base for c in crew if c.base >= 0]
    return bases[0] if bases else int(graph.entrances[0]) if graph.entrances.size else 0


def space_of_item(twin: Twin, plant: Plant, item: int) -> int:
    """The space a plant item stands in: its own, the space it was placed at, or the nearest one
    on its storey (-1 when the storey has none)."""
    model, graph = twin.model, twin.graph
    if item < len(model.equipment) and model.equipment[item].space >= 0:
        return model.equipment[item].space
    node = int(plant.node[item])
    if node >= 0 and graph.node_kind[node] == NodeKind.SPACE:
        return int(graph.node_ref[node])
    # Nearest space on the item's storey.
    storey = int(plant.storey[item])
    x, y = plant.xyz[item, 0], plant.xyz[item, 1]
    best, best_d = -1, np.inf
    for i, s in enumerate(model.spaces):
        if s.storey == storey:
            d = s.footprint.centroid.distance(shapely.Point(x, y))
            if d < best_d:
                best, best_d = i, d
    return best


def default_essential(plant: Plant, model: Any) -> list[int]:
    """What a standby generator feeds when the scenario does not say: every pump, and the
    service and fire lifts."""
    out = [k for k in range(len(plant)) if plant.role[k] in ("booster_pump", "sump_pump")]
    out += [
        int(plant.lift_item[k])
        for k, lift in enumerate(model.lifts)
        if plant.lift_item[k] >= 0 and any(w in lift.name.lower() for w in ("service", "fire"))
    ]
    return out
