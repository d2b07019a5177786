"""The plant: the building's equipment as a flow network — what feeds what, water and power.

Takes the model's equipment and port connections (``IfcRelConnectsPorts``, flow directed where
the ports say) plus a scenario's overlay (a valve, a board, "this board feeds that lift" a real
file lacks), gives a :class:`Plant`: one item per piece of equipment with its role, its place on
the navigation graph and its upstream / downstream neighbours, and the questions hazards ask of
it: the nearest isolation valve upstream of a burst, everything downstream of a valve or a
failed board, which households a valve serves.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from twin.errors import PlaceError
from twin.model import BuildingModel
from twin.navgraph import NavGraph
from twin.places import locate
from twin.roles import household_spaces
from twin.scenario.schema import Overlay

_WATER_ROLES = {"valve", "control_valve", "pipe", "tank", "booster_pump", "sump_pump"}
_POWER_ROLES = {"board", "supply", "generator", "cable", "lift_feed"}

_ROLE_BY_CLASS = {
    "IfcValve": "valve",
    "IfcPipeSegment": "pipe",
    "IfcPipeFitting": "pipe",
    "IfcFlowMeter": "pipe",
    "IfcTank": "tank",
    "IfcElectricDistributionBoard": "board",
    "IfcSwitchingDevice": "board",
    "IfcProtectiveDevice": "board",
    "IfcTransformer": "supply",
    "IfcElectricGenerator": "generator",
    "IfcCableSegment": "cable",
    "IfcCableFitting": "cable",
    "IfcCableCarrierSegment": "cable",
    "IfcJunctionBox": "cable",
    "IfcTransportElement": "lift",
    "IfcWasteTerminal": "drain",
    "IfcSensor": "sensor",
}


#: IfcValveTypeEnum values of valves that can shut a pipe off (an isolation valve).
ISOLATING_VALVES = {
    "ISOLATING",
    "STOPCOCK",
    "GASCOCK",
    "SAFETYCUTOFF",
    "DRAWOFFCOCK",
    "DOUBLEREGULATING",
    "COMMISSIONING",
}
#: Valves that cannot isolate: non-return, mixing/diverting (three-way), pressure and air
#: control, regulating. They pass water on like a pipe.
CONTROL_VALVES = {
    "CHECK",
    "DOUBLECHECK",
    "MIXING",
    "DIVERTING",
    "CHANGEOVER",
    "PRESSUREREDUCING",
    "PRESSURERELIEF",
    "AIRRELEASE",
    "ANTIVACUUM",
    "STEAMTRAP",
    "REGULATING",
    "FLUSHING",
    "FAUCET",
    "GASTAP",
}
#: Words in a valve's or its type's name that say it cannot isolate (English and German).
CONTROL_VALVE_WORDS = re.compile(
    r"check|non.?return|r(ü|ue)ckschlag|r(ü|ue)ckfluss|three.?way|3.?way|3.?wege|dreiwege|mix|"
    r"regel|regulat|control|thermostat|relief|reducing|sicherheits|druckminder|entl(ü|ue)ft|"
    r"air.?vent|strangreg",
    re.IGNORECASE,
)


def role_of(ifc_class: str, predefined_type: str, name: str) -> str:
    """The drill role of a model element, from its class (its IFC4 class for IFC2X3's generic
    ones, see ``Equipment.kind``), type and name. A valve is an isolation ``valve`` when its
    type says it shuts off or nothing says otherwise; a non-return, three-way or control valve
    is a ``control_valve``, which passes water on and isolates nothing."""
    if ifc_class == "IfcValve":
        kind = predefined_type.upper()
        if kind in ISOLATING_VALVES:
            return "valve"
        if kind in CONTROL_VALVES or CONTROL_VALVE_WORDS.search(f"{predefined_type} {name}"):
            return "control_valve"
        return "valve"
    if ifc_class == "IfcPump":
        text = f"{predefined_type} {name}".lower()
        return "sump_pump" if "sump" in text or "drain" in text else "booster_pump"
    return _ROLE_BY_CLASS.get(ifc_class, "other")


@dataclass(frozen=True, slots=True, eq=False)
class Plant:
    """Equipment as a directed flow network. Items ``0..len(model.equipment)-1`` are the model's
    equipment in order; overlay items follow."""

    name: tuple[str, ...]
    role: tuple[str, ...]
    node: np.ndarray
    """Navigation-graph node where a person works on the item (-1: not reachable)."""
    storey: np.ndarray
    xyz: np.ndarray
    capacity_l_s: np.ndarray
    """Pump capacity where known (NaN otherwise)."""
    children: tuple[tuple[int, ...], ...]
    parents: tuple[tuple[int, ...], ...]
    lift_item: np.ndarray
    """Plant item standing for each lift of the model (its power feed point), -1 if none."""
    household_spaces: np.ndarray
    """Space indices of the households (flats): :func:`twin.roles.household_spaces`."""
    household_feed: dict[str, np.ndarray]
    """Per medium (``water``, ``power``), the item that feeds each household (aligned with
    ``household_spaces``; -1: none on its storey): the nearest item in plan on the household's
    storey that carries the medium and that the medium reaches from its sources — a
    distribution board for power where the storey has one (a flat's consumer unit hangs off the
    floor's board), else a cable fitting; for water the end of a run, a floor's branch (not the
    riser or tee it leaves, however near) — so whatever cuts that item off cuts the household
    off."""

    def __len__(self) -> int:
        return len(self.name)

    def items(self, role: str) -> list[int]:
        return [i for i, r in enumerate(self.role) if r == role]

    def carries(self, item: int, medium: str) -> bool:
        role = self.role[item]
        return role in (_WATER_ROLES if medium == "water" else _POWER_ROLES) or role == "other"

    def downstream(self, starts: Iterable[int], medium: str, *, blocked: Iterable[int] = ()) -> set[int]:
        """Items reached from ``starts`` following the flow (the starts included), passing
        through items that carry ``medium`` and not through ``blocked``."""
        stop = set(blocked)
        seen = {s for s in starts if s not in stop}
        queue = deque(seen)
        while queue:
            u = queue.popleft()
            if not self.carries(u, medium):
                continue  # a load (a pump, a lift) takes power but passes none on
            for v in self.children[u]:
                if v not in seen and v not in stop:
                    seen.add(v)
                    queue.append(v)
        return seen

    def upstream_valve(self, item: int) -> int:
        """The nearest isolation valve against the flow from ``item`` (breadth first); -1 if none."""
        seen = {item}
        queue = deque([item])
        while queue:
            u = queue.popleft()
            for v in self.parents[u]:
                if v in seen or not self.carries(v, "water"):
                    continue
                if self.role[v] == "valve":
                    return v
                seen.add(v)
                queue.append(v)
        return -1

    def find(self, text: str) -> int:
        """An item by exact name (case-insensitive), or -1."""
        key = text.strip().lower()
        for i, n in enumerate(self.name):
            if n.lower() == key:
                return i
        return -1


def _xyz(graph: NavGraph, node: int) -> tuple[float, float, float]:
    x, y, z = (float(c) for c in graph.node_xyz[node])
    return (x, y, z)


def build_plant(model: BuildingModel, graph: NavGraph, overlay: Overlay | None = None) -> Plant:
    """The plant of a model plus an overlay.

    Raises
    ------
    PlaceError
        An overlay item's ``at`` or a link end names nothing in the building.
    """
    overlay = overlay or Overlay()
    names = [e.name or e.id for e in model.equipment]
    roles = [role_of(e.what, e.predefined_type, f"{e.name} {e.type_name}") for e in model.equipment]
    nodes = [int(n) for n in graph.equipment_node]
    storeys = [e.storey for e in model.equipment]
    xyz = [e.xyz for e in model.equipment]
    capacity = [np.nan] * len(names)
    ids = {e.id: i for i, e in enumerate(model.equipment)}
    lift_item = np.full(len(model.lifts), -1, dtype=np.int64)
    for k, lift in enumerate(model.lifts):
        if lift.equipment >= 0:
            lift_item[k] = lift.equipment

    for j, extra in enumerate(overlay.equipment):
        try:
            where = locate(extra.at, model, graph)
        except PlaceError as exc:
            raise PlaceError(f"overlay.equipment[{j}].at: {exc}") from None
        names.append(extra.id)
        roles.append("board" if extra.role == "lift_feed" else extra.role)
        nodes.append(where.node)
        storeys.append(int(graph.node_storey[where.node]))
        xyz.append(_xyz(graph, where.node))
        capacity.append(extra.capacity_l_s if extra.capacity_l_s is not None else np.nan)
        ids[extra.id] = len(names) - 1

    n = len(names)
    children: list[set[int]] = [set() for _ in range(n)]
    parents: list[set[int]] = [set() for _ in range(n)]
    for (a, b), directed in zip(model.port_links, model.port_directed, strict=True):
        a, b = int(a), int(b)
        children[a].add(b)
        parents[b].add(a)
        if not directed:
            children[b].add(a)
            parents[a].add(b)

    lower = {name.lower(): i for i, name in enumerate(names)}
    for j, link in enumerate(overlay.links):
        ends = []
        for field_name, text in (("source", link.source), ("target", link.target)):
            item = ids.get(text, lower.get(text.strip().lower(), -1))
            if item < 0:
                # A lift named as the target: give it a plant item of its own.
                try:
                    where = locate(text, model, graph)
                except PlaceError as exc:
                    raise PlaceError(f"overlay.links[{j}].{field_name}: {exc}") from None
                if where.kind == "lift" and lift_item[where.index] >= 0:
                    item = int(lift_item[where.index])
                elif where.kind == "lift":
                    names.append(model.lifts[where.index].name)
                    roles.append("lift")
                    nodes.append(where.node)
                    storeys.append(int(graph.node_storey[where.node]))
                    xyz.append(_xyz(graph, where.node))
                    capacity.append(np.nan)
                    children.append(set())
                    parents.append(set())
                    item = len(names) - 1
                    lift_item[where.index] = item
                elif where.kind == "equipment":
                    item = where.index
                else:
                    raise PlaceError(
                        f"overlay.links[{j}].{field_name}: '{text}' is a {where.kind}, not equipment; "
                        "add it under overlay.equipment first"
                    )
            ends.append(item)
        children[ends[0]].add(ends[1])
        parents[ends[1]].add(ends[0])

    households = household_spaces(model)
    plant = Plant(
        name=tuple(names),
        role=tuple(roles),
        node=np.asarray(nodes, dtype=np.int64),
        storey=np.asarray(storeys, dtype=np.int64),
        xyz=np.asarray(xyz, dtype=np.float64).reshape(-1, 3),
        capacity_l_s=np.asarray(capacity, dtype=np.float64),
        children=tuple(tuple(sorted(c)) for c in children),
        parents=tuple(tuple(sorted(p)) for p in parents),
        lift_item=lift_item,
        household_spaces=households,
        household_feed={},
    )
    plant.household_feed.update({medium: _feeders(plant, model, medium) for medium in ("water", "power")})
    return plant


#: Where each medium starts: the items it flows out of.
_SOURCES = {"water": ("tank", "booster_pump"), "power": ("supply", "generator")}
#: The role that feeds households where a storey has one (else the nearest carrier does).
_TERMINAL = {"water": "pipe", "power": "board"}


def _feeders(plant: Plant, model: BuildingModel, medium: str) -> np.ndarray:
    """The item feeding each household (see :attr:`Plant.household_feed`)."""
    feed = np.full(plant.household_spaces.size, -1, dtype=np.int64)
    carriers = [i for i in range(len(plant)) if plant.carries(i, medium) and plant.role[i] != "other"]
    sources = [i for i in range(len(plant)) if plant.role[i] in _SOURCES[medium]]
    if not sources and medium == "power":  # a board or cable at the top of its tree stands in
        sources = [i for i in carriers if not plant.parents[i]]
    if sources:
        reached = plant.downstream(sources, medium)
        fed = [i for i in carriers if i in reached]
        carriers = fed or carriers  # a file without topology: the nearest carrier still names it
    if not carriers:
        return feed
    items = np.asarray(carriers, dtype=np.int64)
    terminal_role = np.array([r == _TERMINAL[medium] for r in plant.role], dtype=bool)
    if medium == "water":
        # A flat draws from the end of a run (a floor's branch), not from the riser or the tee
        # it passes on the way, even where those are nearer in plan: the pipes water flows on
        # from are not terminals (a file without topology has every pipe a terminal).
        for i in np.flatnonzero(terminal_role):
            if any(plant.role[c] in _WATER_ROLES for c in plant.children[int(i)]):
                terminal_role[i] = False
    for k, s in enumerate(plant.household_spaces):
        space = model.spaces[int(s)]
        here = items[plant.storey[items] == space.storey]
        if here.size == 0:
            continue
        terminal = here[terminal_role[here]]
        here = terminal if terminal.size else here
        x, y, _ = space.anchor()
        d = np.hypot(plant.xyz[here, 0] - x, plant.xyz[here, 1] - y)
        feed[k] = int(here[int(np.argmin(d))])
    return feed


def served_households(plant: Plant, items: set[int], medium: str = "water") -> np.ndarray:
    """Households fed through any of ``items`` (their feeding item is one of them)."""
    if not items or plant.household_spaces.size == 0:
        return np.empty(0, dtype=np.int64)
    feed = plant.household_feed[medium]
    hit = np.isin(feed, np.fromiter(items, dtype=np.int64, count=len(items)))
    out: np.ndarray = plant.household_spaces[hit]
    return out


def resolve_item(plant: Plant, text: str, model: BuildingModel, graph: NavGraph, *, field: str) -> int:
    """A plant item from an overlay id, an equipment name or GlobalId; a space name gives the
    first item in that space. Errors name ``field``."""
    item = plant.find(text)
    if item >= 0:
        return item
    try:
        where = locate(text, model, graph)
    except PlaceError as exc:
        raise PlaceError(f"{field}: {exc}") from None
    if where.kind == "equipment":
        return where.index
    if where.kind == "lift" and plant.lift_item[where.index] >= 0:
        return int(plant.lift_item[where.index])
    if where.kind == "space":
        inside = [i for i, e in enumerate(model.equipment) if e.space == where.index]
        if inside:
            return inside[0]
    raise PlaceError(
        f"{field}: '{text}' is a {where.kind} with no equipment in it; name a piece of equipment, "
        "or add one under overlay.equipment"
    )
