"""Compiling a drill: a scenario checked against a twin, every name turned into an index.

Takes a :class:`~twin.twin.Twin` and a :class:`~twin.scenario.Scenario`, gives a frozen
:class:`Drill`: the crew with their trades as a level matrix and their bases as nodes, the plant
(equipment topology with the overlay), the floors water spreads over, and each hazard's places
resolved. A place the building does not have is a :class:`~twin.scenario.FieldError` naming the
field, so the CLI can point at the line of the scenario file. Nothing random happens here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import shapely

from twin.background.rates import Rates
from twin.engine.catalogue import compile_background
from twin.engine.plant import Plant, build_plant
from twin.engine.water import Floors, build_floors
from twin.errors import PlaceError
from twin.navgraph import NodeKind
from twin.places import locate
from twin.roles import electrical_rooms, front_desks
from twin.scenario.kinds import HAZARDS
from twin.scenario.load import FieldError
from twin.scenario.schema import TRADES, Contractor, Overlay, Person, Quantity, Scenario, Shift, typical
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
    arrival: int = -1
    """Node a contractor's technician arrives at (``arrives_at``); -1: the entrance nearest
    the job."""


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
            raise FieldError(
                ("people", i, "base"),
                f"'{p.base}' cannot be reached from an entrance: "
                f"{gap.reason}; base the person in a room the crews can walk from",
            )
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


def _contract(c: Contractor, k: int, n: int, arrival: int) -> Crew:
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
        arrival=arrival,
    )


def _arrival(twin: Twin, c: Contractor, k: int) -> int:
    """The node a contractor's technicians arrive at, or -1 for the entrance nearest the job."""
    if c.arrives_at is None:
        return -1
    try:
        return locate(c.arrives_at, twin.model, twin.graph).node
    except PlaceError as exc:
        raise FieldError(("contractors", k, "arrives_at"), str(exc)) from None


def compile_drill(
    twin: Twin, scenario: Scenario, *, rates: Rates | None = None, errors: list[FieldError] | None = None
) -> Drill:
    """Check a scenario against a twin and resolve every name in it.

    ``rates`` are the rates of the scenario's ``background:`` section, required when it has one:
    the engine reads no files, so the caller reads them
    (:func:`twin.background.rates.scenario_rates`: the file ``background.rates`` names, or the
    shipped defaults).

    With ``errors``, every :class:`FieldError` is appended there instead of raised, and the
    item at fault (a person, a hazard, an entrance, an overlay item) is left out, so one pass
    finds them all; the drill returned is then for checking only.

    Raises
    ------
    FieldError
        A place, piece of equipment or link the building does not have, naming the field
        (without ``errors``).
    """
    keep = _Keep(errors)
    if scenario.entrances:
        twin = _with_entrances(twin, scenario.entrances, keep)
    model, graph = twin.model, twin.graph
    contractors = scenario.contractors
    if graph.entrances.size == 0 and any(c.arrives_at is None for c in contractors):
        keep.fail(
            FieldError(
                ("contractors",),
                "the building has no entrance for contractors to "
                "arrive at; name one with `entrances:` or each contractor's `arrives_at:`",
            )
        )
        contractors = []
    ids = {p.id: i for i, p in enumerate(scenario.people)}
    crew = keep.each(scenario.people, lambda i, p: _staff(p, i, scenario, twin, ids))
    for k, c in enumerate(contractors):
        try:
            arrival = _arrival(twin, c, k)
        except FieldError as exc:
            keep.fail(exc)
            continue
        crew += [_contract(c, k, n, arrival) for n in range(c.technicians)]
    levels = np.array([c.levels for c in crew], dtype=np.int8).reshape(len(crew), len(TRADES))

    overlay: Overlay | None = scenario.overlay
    while True:
        try:
            plant = build_plant(model, graph, overlay)
            break
        except PlaceError as exc:
            text = str(exc)
            head, _, rest = text.partition(": ")
            loc: tuple[str | int, ...] = tuple(
                int(x) if x.isdigit() else x for x in head.replace("[", ".").replace("]", "").split(".")
            )
            if overlay is None:
                raise FieldError(loc, rest) from None
            keep.fail(FieldError(loc, rest))
            overlay = _without(overlay, loc)  # None: check the rest without the overlay

    refs = keep.each(scenario.hazards, lambda i, h: HAZARDS.of(h).compile(h, twin, plant, ("hazards", i)))
    desk = _front_desk(twin, crew)
    rooms = electrical_rooms(model)
    catalogue = None
    if scenario.background is not None:
        if rates is None:
            raise TypeError(
                f"scenario '{scenario.name}' has a background: section: pass its rates, "
                "compile_drill(..., rates=twin.background.rates.scenario_rates(scenario))"
            )
        found = keep.each([scenario], lambda _i, s: compile_background(twin, plant, s, rates))
        catalogue = found[0] if found else None
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


T = TypeVar("T")
U = TypeVar("U")


class _Keep:
    """Raise the first :class:`FieldError`, or (given a list) collect every one and go on
    without the item at fault."""

    def __init__(self, errors: list[FieldError] | None) -> None:
        self.errors = errors

    def fail(self, exc: FieldError) -> None:
        if self.errors is None:
            raise exc
        self.errors.append(exc)

    def each(self, items: Sequence[T], make: Callable[[int, T], U]) -> list[U]:
        out = []
        for i, item in enumerate(items):
            try:
                out.append(make(i, item))
            except FieldError as exc:
                self.fail(exc)
        return out


def _without(overlay: Overlay, loc: tuple[str | int, ...]) -> Overlay | None:
    """The overlay without the item ``loc`` points at (None when it points at none)."""
    if len(loc) >= 3 and loc[0] == "overlay" and loc[1] in ("equipment", "links") and isinstance(loc[2], int):
        items = list(getattr(overlay, str(loc[1])))
        if loc[2] < len(items):
            del items[loc[2]]
            return overlay.model_copy(update={loc[1]: items})
    return None


def _with_entrances(twin: Twin, places: list[str], keep: _Keep) -> Twin:
    """The twin with the scenario's declared entrances instead of the ones found in the façade."""
    from dataclasses import replace

    nodes = keep.each(places, lambda i, place: _place(place, twin, ("entrances", i)))
    if not nodes:
        return twin  # every one named nothing (errors collected): check the rest with the façade's
    graph = replace(twin.graph, entrances=np.array(sorted(set(nodes)), dtype=np.int32))
    return replace(twin, graph=graph)


def _front_desk(twin: Twin, crew: list[Crew]) -> int:
    graph = twin.graph
    for i in front_desks(twin.model):
        if graph.space_node[i] >= 0:
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
