"""Reachability audit: which spaces can be reached, and why the others cannot.

Takes a model and its navigation graph, gives an :class:`Audit` — what a user reads first when
their own model is imperfect. Reachable means connected, through doors, open boundaries, stairs
and lifts (all working), to an entrance; when the model has no detectable entrance, to the
largest connected part of the graph, and the audit says which rule it used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from twin.model import BuildingModel
from twin.navgraph import NavGraph, NodeKind

RULE_ENTRANCE = "from an entrance"
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

    @property
    def reachable_spaces(self) -> int:
        return int(self.reachable.sum())

    @property
    def total_spaces(self) -> int:
        return int(self.reachable.size)


def audit_reachability(model: BuildingModel, graph: NavGraph) -> Audit:
    """Which spaces can be reached from an entrance (else the largest connected part), and why not."""
    n = graph.n_nodes
    adjacency = coo_matrix(
        (np.ones(graph.n_edges), (graph.edge_u, graph.edge_v)), shape=(n, n)
    ).tocsr()
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
        if degree[node] == 0:
            reason = ("no door or open boundary connects it — check that the doors in its walls "
                      "are exported as IfcDoor")
        else:
            part = label == label[node]
            part_spaces = int(np.count_nonzero(part[graph.space_node]))
            if not (part & vertical).any() and len(np.unique(graph.node_storey[part])) == 1:
                reason = (f"its part of storey '{storey}' ({part_spaces} space(s)) has no door, "
                          f"stair or lift leading on to {target}")
            else:
                reason = (f"its doors, stairs and lifts lead only to {part_spaces} space(s) "
                          f"that do not reach {target}")
        unreachable.append(Unreachable(int(i), reason))

    space_storey = np.array([sp.storey for sp in model.spaces], dtype=int)
    per_storey = tuple(
        StoreyReach(s, int(np.count_nonzero(reachable[space_storey == s])),
                    int(np.count_nonzero(space_storey == s)))
        for s in range(len(model.storeys))
    )
    return Audit(rule, reachable, tuple(unreachable), per_storey,
                 model.warnings + graph.notes)
