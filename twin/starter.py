"""A starter drill for any building: the scenario ``twin init`` writes.

Takes a :class:`~twin.twin.Twin` and the model paths as the scenario should name them, gives the
text of a commented scenario YAML file that validates and runs on that building: a small day-shift
roster based in the space behind an entrance on the ground floor, a pipe burst at a real pipe with
a real isolation valve upstream when the model has one (else at a pipe and a main stopcock it
places under ``overlay``), a power loss at a real distribution board that feeds something, the
default targets — every line with a comment saying what it is and what to change.
"""

from __future__ import annotations

import math

import numpy as np
import yaml

from twin.engine.plant import Plant, build_plant
from twin.navgraph import NodeKind
from twin.routing import NORMAL, Router
from twin.twin import Twin


def starter_drill(twin: Twin, model_paths: list[str]) -> str:
    """The YAML text of a starter drill for ``twin`` (see the module docstring).

    Raises
    ------
    TwinError
        The model has no space anyone can be based in.
    """
    from twin.errors import ModelError

    model, graph = twin.model, twin.graph
    base = _base_space(twin)
    if base < 0:
        raise ModelError(
            f"{model.name}: no space to base a crew in — the model has no spaces "
            "(or none reachable); export IfcSpace elements and try again"
        )
    base_node = int(graph.space_node[base])
    router = Router(graph, keys=np.array([base_node], dtype=np.int64))
    seconds = router.times([base_node], np.arange(graph.n_nodes), NORMAL)[0]
    plant = build_plant(model, graph)
    space = model.spaces[base]
    lines = [
        "# yaml-language-server: $schema=scenario.schema.json",
        f"# A starter drill for {model.name}, written by `twin init`. Check it with",
        "# `twin validate --against-model THIS_FILE`, run it with `twin run THIS_FILE`, then make it",
        "# yours: the roster, where people wait, what fails and when.",
        f"name: Starter drill — {model.name}",
        "description: >",
        "  A day-shift pipe burst (and a power loss where the model has a distribution board),",
        "  answered by a plumber, an electrician and the front desk based near an entrance.",
        "model:  # the IFC file(s) of the building, relative to this file",
        *[f"  - {_q(p)}" for p in model_paths],
        "start: 2026-03-02T10:00:00  # a Monday, 10:00: the day shift is on site",
        "duration_h: 4  # how long the drill runs (hours)",
        "seed: 1  # the same seed gives the same drill; change it for another draw",
        "",
        "# targets: the defaults (red: first person on site in 15 min, 30 at most) — uncomment to set",
        "# targets:",
        "#   red: {on_site_min: 15, on_site_max_min: 30, made_safe_min: 60, resolved_min: 480}",
        "",
        "shifts:  # times of day; a person works the shift named in `shift:`",
        '  day: {start: "07:00", end: "19:00"}',
        '  night: {start: "19:00", end: "07:00"}',
        "",
        f"# Everyone waits in {space.label} ({model.storeys[space.storey].name}), the space behind",
        "# an entrance; `base:` takes a space name, `NAME @ STOREY` or a GlobalId.",
        "people:",
        f"  - {{id: PLB, name: Plumber, trades: {{plumber: 2}}, shift: day, base: {_q(space.id)}, "
        "hourly_rate: 40}  # closes valves, repairs pipes",
        f"  - {{id: ELE, name: Electrician, trades: {{electrician: 2}}, shift: day, "
        f"base: {_q(space.id)}, hourly_rate: 42}}  # boards, generators",
        f"  - {{id: DSK, name: Front desk, trades: {{front_desk: 1, security: 1}}, shift: day, "
        f"base: {_q(space.id)}, hourly_rate: 24}}  # takes calls, tells the residents",
        "",
        "dispatch: {kind: nearest}  # the nearest qualified person by walking time",
        "",
        "hazards:",
    ]
    burst, overlay = _burst(twin, plant, seconds, base)
    lines += burst
    lines += _power_loss(twin, plant, seconds)
    if overlay:
        lines += ["", *overlay]
    return "\n".join(lines) + "\n"


def _q(text: str) -> str:
    """``text`` as one double-quoted YAML scalar, escaped by the YAML emitter (names hold colons,
    '#', quotes, backslashes, even line breaks)."""
    out: str = yaml.safe_dump(text, default_style='"', allow_unicode=True, width=math.inf)
    return out.rstrip("\n")


def _base_space(twin: Twin) -> int:
    """The space behind an entrance door on the ground floor; else the largest reachable space
    on the lowest storey that has one."""
    model, graph = twin.model, twin.graph
    for n in graph.entrances.tolist():
        for u, v in zip(graph.edge_u.tolist(), graph.edge_v.tolist(), strict=True):
            other = v if u == n else u if v == n else -1
            if other < 0:
                continue
            kind = graph.node_kind[other]
            if kind in (NodeKind.SPACE, NodeKind.WAYPOINT) and graph.node_ref[other] >= 0:
                space = int(graph.node_ref[other])
                if not model.spaces[space].is_lift:
                    return space
    reachable = [
        i for i in range(len(model.spaces)) if twin.audit.reachable[i] and not model.spaces[i].is_lift
    ]
    if not reachable:
        return -1
    lowest = min(model.spaces[i].storey for i in reachable)
    return max(
        (i for i in reachable if model.spaces[i].storey == lowest), key=lambda i: model.spaces[i].area_m2
    )


def _label(twin: Twin, item: int, plant: Plant) -> str:
    storey = twin.model.storeys[int(plant.storey[item])].name
    return f"{plant.name[item]} ({storey})"


def _burst(twin: Twin, plant: Plant, seconds: np.ndarray, base: int) -> tuple[list[str], list[str]]:
    """The pipe-burst hazard lines, and overlay lines when the model has no usable pipe."""
    model = twin.model
    n = len(model.equipment)
    for pipe in plant.items("pipe"):
        if pipe >= n or plant.node[pipe] < 0 or not np.isfinite(seconds[plant.node[pipe]]):
            continue
        valve = plant.upstream_valve(pipe)
        if valve < 0 or plant.node[valve] < 0 or not np.isfinite(seconds[plant.node[valve]]):
            continue
        return [
            f"  # A real pipe of the model: {_label(twin, pipe, plant)}; its isolation valve",
            f"  # upstream, found through the ports, is {_label(twin, valve, plant)}.",
            "  - kind: pipe_burst",
            f"    at: {_q(model.equipment[pipe].id)}  # the pipe that bursts (name or GlobalId)",
            "    start_min: 5  # minutes after the start",
            "    pressure_bar: 4.5  # line pressure, 3–6 bar in a building's domestic water",
            "    reported_via: phone  # sensor, resident_app, phone or paper",
        ], []
    # No pipe with a valve upstream: place both under overlay, in spaces people can reach.
    target = _far_space(twin, seconds, base)
    stop = _valve_space(twin, seconds, base, target)
    here, there = model.spaces[stop], model.spaces[target]
    lack = "no pipes" if not plant.items("pipe") else "no isolation valve upstream of its pipes"
    where = f"the model has {lack} (no ports connect them)"
    return [
        f"  # {where[0].upper() + where[1:]}: this burst is at a pipe placed under `overlay` below.",
        "  - kind: pipe_burst",
        "    at: Starter pipe  # the overlay pipe; name a real pipe (name or GlobalId) instead",
        "    start_min: 5  # minutes after the start",
        "    pressure_bar: 4.5  # line pressure, 3–6 bar in a building's domestic water",
        "    reported_via: phone  # sensor, resident_app, phone or paper",
    ], [
        "overlay:  # what the model lacks: a pipe and the stopcock on its floor that isolates it",
        "  equipment:",
        f"    - {{id: Starter pipe, role: pipe, at: {_q(there.id)}}}  # in {there.label} "
        f"({model.storeys[there.storey].name})",
        f"    - {{id: Floor stopcock, role: valve, at: {_q(here.id)}}}  # in {here.label} "
        f"({model.storeys[here.storey].name})",
        "  links:",
        "    - {source: Floor stopcock, target: Starter pipe}  # water flows from the valve to the pipe",
    ]


def _far_space(twin: Twin, seconds: np.ndarray, base: int) -> int:
    """A reachable space on the highest storey people can walk to, furthest from the base."""
    model, graph = twin.model, twin.graph
    ok = [
        i
        for i in range(len(model.spaces))
        if not model.spaces[i].is_lift and np.isfinite(seconds[graph.space_node[i]])
    ]
    top = max(model.storeys[model.spaces[i].storey].elevation_m for i in ok)
    upper = [i for i in ok if model.storeys[model.spaces[i].storey].elevation_m == top]
    return max(upper, key=lambda i: (seconds[graph.space_node[i]], -i)) if upper else base


def _valve_space(twin: Twin, seconds: np.ndarray, base: int, pipe_space: int) -> int:
    """Where the floor's stopcock is: the space of the pipe's storey nearest the base by walking
    (the stair or lift lobby), other than the base and the pipe's own space when there is one."""
    model, graph = twin.model, twin.graph
    storey = model.spaces[pipe_space].storey
    options = [
        i
        for i in range(len(model.spaces))
        if model.spaces[i].storey == storey
        and not model.spaces[i].is_lift
        and i not in (base, pipe_space)
        and np.isfinite(seconds[graph.space_node[i]])
    ]
    if not options:
        return pipe_space if pipe_space != base else base
    return min(options, key=lambda i: (seconds[graph.space_node[i]], i))


def _power_loss(twin: Twin, plant: Plant, seconds: np.ndarray) -> list[str]:
    model = twin.model
    n = len(model.equipment)
    best = -1
    fed = 0
    for board in plant.items("board"):
        if board >= n or plant.node[board] < 0 or not np.isfinite(seconds[plant.node[board]]):
            continue
        count = len(plant.downstream([board], "power")) - 1
        if count > fed:
            best, fed = board, count
    if best < 0:
        return [
            "  # No distribution board that feeds anything was found (no ports or circuits);",
            "  # to drill a power loss, add a board and what it feeds under overlay.",
        ]
    return [
        f"  # A real board of the model: {_label(twin, best, plant)}, feeding {fed} element(s)",
        "  # through its ports or circuits.",
        "  - kind: power_loss",
        f"    at: {_q(model.equipment[best].id)}  # the board that trips (name or GlobalId)",
        "    start_min: 60  # an hour in",
        "    duration_min: 90  # until the supply comes back by itself (minutes)",
    ]
