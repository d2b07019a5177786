"""Reachability audit: which spaces can be reached, and why the others cannot.

Takes a model and its navigation graph, gives an :class:`Audit` — what a user reads first when
their own model is imperfect. Reachable means connected, through doors, open boundaries, stairs
and lifts (all working), to an entrance; when the model has no detectable entrance, to the
largest connected part of the graph, and the audit says which rule it used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from twin.model import BuildingModel
from twin.navgraph import WALL_GRAZE_M, EdgeKind, NavGraph, NodeKind, walls_by_storey

RULE_ENTRANCE = "from an entrance"
#: A space lower than this (m) is no room people walk into through a door: habitable rooms
#: need 2.2–2.4 m of clear height in most building codes (e.g. 2.4 m in Germany's state
#: building codes, 2.2 m for attic rooms), so a doorless one is a void, not a missing door.
LOW_SPACE_M = 2.0
RULE_LARGEST = "largest connected part (no entrance found: no external door on the ground storey)"


@dataclass(frozen=True, slots=True)
class Unreachable:
    space: int
    """Index into ``model.spaces``."""
    reason: str


@dataclass(frozen=True, slots=True)
class StoreyReach:
    storey: int
    reachable: int
    total: int


@dataclass(frozen=True, slots=True)
class Audit:
    rule: str
    reachable: np.ndarray
    """Bool per space, in ``model.spaces`` order."""
    unreachable: tuple[Unreachable, ...]
    per_storey: tuple[StoreyReach, ...]
    notes: tuple[str, ...]
    """The model's reading warnings and the graph builder's notes."""
    wall_crossings: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """Edge ids of walk and outside links that pass through a wall (should be none)."""
    assumed_wall_crossings: int = 0
    """Links the builder assumed through walls because the model has no doors."""

    @property
    def reachable_spaces(self) -> int:
        return int(self.reachable.sum())

    @property
    def total_spaces(self) -> int:
        return int(self.reachable.size)


def audit_reachability(model: BuildingModel, graph: NavGraph) -> Audit:
    """Which spaces can be reached from an entrance (else the largest connected part), and why not."""
    n = graph.n_nodes
    adjacency = coo_matrix((np.ones(graph.n_edges), (graph.edge_u, graph.edge_v)), shape=(n, n)).tocsr()
    _, label = connected_components(adjacency, directed=False)
    if graph.entrances.size:
        rule = RULE_ENTRANCE
        good = np.unique(label[graph.entrances])
    else:
        rule = RULE_LARGEST
        sizes = np.bincount(label[graph.space_node]) if graph.space_node.size else np.zeros(1)
        good = np.array([int(np.argmax(sizes))]) if sizes.size else np.zeros(0, int)
    reachable_node = np.isin(label, good)
    reachable = reachable_node[graph.space_node] if graph.space_node.size else np.zeros(0, bool)

    degree = np.bincount(np.concatenate([graph.edge_u, graph.edge_v]), minlength=n)
    vertical = np.isin(graph.node_kind, (NodeKind.STAIR, NodeKind.LIFT))
    target = "an entrance" if rule == RULE_ENTRANCE else "the largest connected part"
    unreachable = []
    for i in np.flatnonzero(~reachable):
        node = graph.space_node[i]
        space = model.spaces[i]
        storey = model.storeys[space.storey].name
        if degree[node] == 0 and 0 < space.height_m < LOW_SPACE_M:
            reason = (
                f"no door or open boundary connects it, and it is {space.height_m:.1f} m "
                "high: a roof void or crawl space, entered (if at all) by a hatch or "
                "ladder the model does not hold"
            )
        elif degree[node] == 0:
            reason = (
                "no door or open boundary connects it — check that the doors in its walls "
                "are exported as IfcDoor"
            )
        else:
            part = label == label[node]
            part_spaces = int(np.count_nonzero(part[graph.space_node]))
            if not (part & vertical).any() and len(np.unique(graph.node_storey[part])) == 1:
                reason = (
                    f"its part of storey '{storey}' ({part_spaces} space(s)) has no door, "
                    f"stair or lift leading on to {target}"
                )
            else:
                reason = (
                    f"its doors, stairs and lifts lead only to {part_spaces} space(s) "
                    f"that do not reach {target}"
                )
        unreachable.append(Unreachable(int(i), reason))

    space_storey = np.array([sp.storey for sp in model.spaces], dtype=int)
    per_storey = tuple(
        StoreyReach(
            s, int(np.count_nonzero(reachable[space_storey == s])), int(np.count_nonzero(space_storey == s))
        )
        for s in range(len(model.storeys))
    )
    crossing = links_through_walls(model, graph)
    assumed = int(np.count_nonzero(graph.edge_assumed[crossing])) if crossing.size else 0
    real = crossing[~graph.edge_assumed[crossing]] if crossing.size else crossing
    notes = model.warnings + graph.notes
    if real.size:
        notes += (
            f"{real.size} walk link(s) pass through a wall (drawn straight where the "
            "model gave no way round); routes through them are shorter than the walk",
        )
    return Audit(rule, reachable, tuple(unreachable), per_storey, notes, real.astype(np.int64), assumed)


def links_through_walls(model: BuildingModel, graph: NavGraph) -> np.ndarray:
    """Edge ids of level walk and outside links that run more than ``WALL_GRAZE_M`` inside the
    model's wall plans (doorways cut out)."""
    walls = walls_by_storey(model)
    if not walls or not graph.n_edges:
        return np.zeros(0, np.int64)
    u, v = graph.edge_u, graph.edge_v
    level = np.isin(graph.edge_kind, (int(EdgeKind.WALK), int(EdgeKind.OUTSIDE))) & (
        graph.node_storey[u] == graph.node_storey[v]
    )
    out = []
    for storey, plan in walls.items():
        sel = np.flatnonzero(level & (graph.node_storey[u] == storey))
        if not sel.size:
            continue
        lines = shapely.linestrings(
            np.stack([graph.node_xyz[u[sel], :2], graph.node_xyz[v[sel], :2]], axis=1)
        )
        hit = shapely.intersects(lines, plan)
        if hit.any():
            inside = shapely.length(shapely.intersection(lines[hit], plan))
            out.append(sel[hit][inside > WALL_GRAZE_M])
    return np.sort(np.concatenate(out)) if out else np.zeros(0, np.int64)
