"""Walks follow the walkable area: round inner corners, out through doorways, round the outside;
the public files' walk links cross no wall (checked by an independent wall test)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_ifc
from tests.ifc_builder import TinyBuilding
from tests.navgraph.wall_oracle import crossing_links, wall_meshes
from twin.ifc import open_ifc
from twin.navgraph import EdgeKind, NodeKind
from twin.routing import NORMAL, Router
from twin.twin import load_twin

L_CORRIDOR = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (8.0, 10.0), (8.0, 2.0), (0.0, 2.0)]


def test_a_walk_along_an_l_shaped_corridor_turns_its_inner_corner(tmp_path: Path) -> None:
    b = TinyBuilding()
    b.space("Corridor", "Ground", 0, 0, 0, 0, outline=L_CORRIDOR)
    b.space("West", "Ground", -4.2, 0, -0.2, 4)
    b.space("North", "Ground", 6, 10.2, 12, 14)
    b.door("West door", "Ground", -0.1, 1.0, along_x=False, external=False)
    b.door("North door", "Ground", 9.0, 10.1, external=False)
    twin = load_twin([b.write(tmp_path / "l.ifc")], use_cache=False)
    graph = twin.graph
    west, north = graph.door_node
    metres = Router(graph, keys=np.array([west], dtype=np.int64)).distances([west], [north], NORMAL)
    # Door → 0.4 m in front of it (0.4, 1.0) → 0.3 m off the inner corner (8.3, 1.7) → 0.4 m in
    # front of the north door (9.0, 9.6) → door: 0.5 + √(7.9² + 0.7²) + √(0.7² + 7.9²) + 0.5.
    assert metres[0, 0] == pytest.approx(1.0 + 2 * np.hypot(7.9, 0.7), rel=1e-3)
    # The straight line between the two doors would cut across the corner: no such link.
    corner = (graph.node_kind == NodeKind.WAYPOINT) & np.isclose(graph.node_xyz[:, 0], 8.3) \
        & np.isclose(graph.node_xyz[:, 1], 1.7)
    assert corner.sum() == 1


def test_a_door_flagged_external_inside_the_building_is_no_entrance_and_an_unflagged_facade_door_is(
        tmp_path: Path) -> None:
    b = TinyBuilding()
    b.space("Hall", "Ground", 0, 0, 4, 4)
    b.space("Back", "Ground", 0, 4.2, 8, 8)
    b.space("Side", "Ground", 4.2, 0, 8, 4)
    b.door("Front", "Ground", 2.0, -0.1)  # no IsExternal at all, in the façade
    b.door("Escape", "Ground", 2.0, 4.1, external=True)  # between two rooms
    b.door("Side door", "Ground", 4.1, 2.0, along_x=False, external=False)
    twin = load_twin([b.write(tmp_path / "entrances.ifc")], use_cache=False)
    graph, model = twin.graph, twin.model
    names = {model.doors[graph.node_ref[n]].name for n in graph.entrances}
    assert names == {"Front"}
    assert any("flagged external" in n and "Escape" in n for n in twin.audit.notes)


def test_the_outside_walk_between_two_entrances_goes_round_the_building(tmp_path: Path) -> None:
    b = TinyBuilding()
    b.space("Hall", "Ground", 0, 0, 10, 6)
    b.door("South", "Ground", 5.0, -0.1, external=True)
    b.door("North", "Ground", 5.0, 6.1, external=True)
    twin = load_twin([b.write(tmp_path / "two.ifc")], use_cache=False)
    graph = twin.graph
    outline = graph.edge_kind == EdgeKind.OUTSIDE
    # The ring 1.5 m out round the closed-over plan (10 × 6 m): 13 × 9 m, its perimeter 44 m;
    # each door steps 1.4 m out to it (from its centre, 0.1 m outside the hall's wall face).
    assert graph.edge_length_m[outline].sum() == pytest.approx(44 + 2 * 1.4, rel=1e-3)
    ring = graph.node_kind == NodeKind.WAYPOINT
    xy = graph.node_xyz[ring & (graph.node_ref == -1), :2]
    assert xy[:, 0].min() == pytest.approx(-1.5) and xy[:, 1].max() == pytest.approx(7.5)
    # No outside link passes over the hall.
    hall = (0.0, 10.0, 0.0, 6.0)
    u, v = graph.edge_u[outline], graph.edge_v[outline]
    mid = (graph.node_xyz[u, :2] + graph.node_xyz[v, :2]) / 2
    assert not ((mid[:, 0] > hall[0]) & (mid[:, 0] < hall[1])
                & (mid[:, 1] > hall[2]) & (mid[:, 1] < hall[3])).any()


SHARED_WALLED = ["fzk_haus.ifc", "duplex_a.ifc", "office_a.ifc", "institute_var2.ifc"]


@pytest.mark.parametrize("name", SHARED_WALLED)
def test_no_walk_link_on_a_public_file_crosses_a_wall_the_audit_does_not_report(name: str) -> None:
    """Walls are meshed by IfcOpenShell and tested point by point (tests/navgraph/wall_oracle.py),
    sharing no code with the graph builder. A link the independent test finds through a wall
    must be one the audit reports too (links drawn straight where the model gives no way round),
    and those must be few."""
    path = shared_ifc(name)
    twin = load_twin([path])
    walls = wall_meshes(open_ifc(path))
    found = crossing_links(twin.graph, walls, (int(EdgeKind.WALK), int(EdgeKind.OUTSIDE)))
    reported = {(int(twin.graph.edge_u[e]), int(twin.graph.edge_v[e]))
                for e in twin.audit.wall_crossings}
    assumed = {(int(u), int(v)) for u, v in zip(twin.graph.edge_u[twin.graph.edge_assumed],
                                              twin.graph.edge_v[twin.graph.edge_assumed],
                                              strict=True)}
    unreported = [(u, v, m) for u, v, m in found if (u, v) not in reported | assumed]
    assert unreported == []
    walk = np.isin(twin.graph.edge_kind, (int(EdgeKind.WALK), int(EdgeKind.OUTSIDE))).sum()
    assert len(found) <= 0.02 * walk
