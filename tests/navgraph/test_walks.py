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
    corner = (
        (graph.node_kind == NodeKind.WAYPOINT)
        & np.isclose(graph.node_xyz[:, 0], 8.3)
        & np.isclose(graph.node_xyz[:, 1], 1.7)
    )
    assert corner.sum() == 1


def test_a_door_flagged_external_inside_the_building_is_no_entrance_and_an_unflagged_facade_door_is(
    tmp_path: Path,
) -> None:
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
    assert not (
        (mid[:, 0] > hall[0]) & (mid[:, 0] < hall[1]) & (mid[:, 1] > hall[2]) & (mid[:, 1] < hall[3])
    ).any()


SHARED = [
    "fzk_haus.ifc",
    "duplex_a.ifc",
    "office_a.ifc",
    "institute_var2.ifc",
    "hvac_heating_with_building.ifc",
    "duplex_electrical.ifc",
]


@pytest.mark.parametrize("name", SHARED)
def test_no_walk_link_on_a_public_file_crosses_a_wall(name: str) -> None:
    """Walls are meshed by IfcOpenShell and tested point by point (tests/navgraph/wall_oracle.py),
    sharing no code with the graph builder: no walk or outside link crosses one, and the audit
    reports none. Only links the builder marks as assumed may (hvac_heating has no doors at
    all, so its rooms are joined through the walls between them, and says so)."""
    path = shared_ifc(name)
    twin = load_twin([path])
    graph = twin.graph
    walls = wall_meshes(open_ifc(path))
    found = crossing_links(graph, walls, (int(EdgeKind.WALK), int(EdgeKind.OUTSIDE)))
    assumed = {
        (int(u), int(v))
        for u, v in zip(graph.edge_u[graph.edge_assumed], graph.edge_v[graph.edge_assumed], strict=True)
    }
    assert [(u, v, m) for u, v, m in found if (u, v) not in assumed] == []
    assert twin.audit.wall_crossings.size == 0


def test_a_bulkhead_over_an_open_boundary_is_no_wall_at_walking_height(tmp_path: Path) -> None:
    """A wall whose body spans 2.3–2.7 m (a bulkhead over the way between two spaces, as in
    office_a.ifc and duplex_a.ifc) reaches no storey's 1 m cut: it stands on no storey, so the
    walk across the open boundary under it is not reported as going through a wall."""
    b = TinyBuilding()
    b.space("Corridor", "Ground", 0, 0, 4, 2)
    b.space("Office", "Ground", 4, 0, 8, 2)
    b.door("Front", "Ground", 2.0, -0.1, external=True)
    b.wall("Bulkhead", "Ground", 3.95, 0, 4.05, 2, z0=2.3, height=0.4)
    b.wall("Partition", "Ground", 0, 2.0, 8, 2.1)  # a real one, for contrast
    twin = load_twin([b.write(tmp_path / "bulkhead.ifc")], use_cache=False)
    plan = twin.model.walls[0].plan
    assert plan.area == pytest.approx(8 * 0.1)  # the partition only
    assert twin.audit.wall_crossings.size == 0
    assert twin.audit.reachable_spaces == 2
    graph = twin.graph
    office = graph.space_node[1]
    metres = Router(graph, keys=np.array([office], dtype=np.int64)).distances(
        [graph.door_node[0]], [office], NORMAL
    )
    # Door (2, -0.1) → 0.4 m in (2, 0.4)... across the boundary at (4, 1) → office centre (6, 1):
    # straight under the bulkhead, not round anything.
    assert metres[0, 0] < 7.0


def test_a_stair_steps_off_where_its_flight_arrives_not_through_the_wall_beside_it(tmp_path: Path) -> None:
    """duplex_a.ifc's cause: upstairs, a bedroom beside the stairwell overlaps the stair's plan
    more than the hallway its flight arrives in, and was joined to the stair's middle straight
    through the stairwell's wall. The landing now joins the space at the top of the flight."""
    b = TinyBuilding((("Ground", 0.0), ("Upper", 3.0)))
    b.space("Hall", "Ground", 0, 0, 6, 8)
    b.door("Front", "Ground", 3.0, -0.1, external=True)
    b.flight("Stair", "Ground", 4.0, 5.0, y_foot=1.0, y_top=5.0, rise=3.0)
    # Upstairs: the bedroom beside the stairwell (nearer the stair's middle than the hall is),
    # behind the stairwell's wall; the hall where the flight arrives, at y = 5.
    b.space("Bedroom", "Upper", 5.1, 0, 8, 4.9)
    b.wall("Stairwell wall", "Upper", 5.0, 0, 5.1, 4.9)
    b.wall("Bedroom wall", "Upper", 5.0, 4.9, 8, 5.0)
    b.space("Landing hall", "Upper", 3.0, 5.0, 8, 8)
    b.door("Bedroom door", "Upper", 6.5, 4.95, external=False)
    path = b.write(tmp_path / "stairwell.ifc")
    twin = load_twin([path], use_cache=False)
    graph, model = twin.graph, twin.model
    stair = model.stairs[0]
    assert np.asarray(stair.ends_xy) == pytest.approx(np.array([[4.5, 1.0], [4.5, 5.0]]))
    upper = model.storeys.index(next(s for s in model.storeys if s.name == "Upper"))
    landing = np.flatnonzero((graph.node_kind == NodeKind.STAIR) & (graph.node_storey == upper))
    assert landing.size == 1
    touching = np.concatenate(
        [graph.edge_v[graph.edge_u == landing[0]], graph.edge_u[graph.edge_v == landing[0]]]
    )
    joined = {
        model.spaces[graph.node_ref[n]].name
        for n in touching
        if graph.node_kind[n] in (NodeKind.WAYPOINT, NodeKind.SPACE)
    }
    assert joined == {"Landing hall"}
    found = crossing_links(graph, wall_meshes(open_ifc(path)), (int(EdgeKind.WALK), int(EdgeKind.OUTSIDE)))
    assert found == [] and twin.audit.wall_crossings.size == 0
    assert twin.audit.reachable_spaces == 3


def test_a_toilet_roll_holder_on_a_cubicle_partition_is_reached_round_the_partition(tmp_path: Path) -> None:
    """office_a.ifc's cause: equipment set into a partition inside a space was joined to the
    space's centre straight through the partition (its inner corners came from the space's
    outline only). It is now reached at the partition's face, round the partition's end."""
    b = TinyBuilding()
    b.space("Toilets", "Ground", 0, 0, 6, 4)
    b.door("Front", "Ground", 1.0, -0.1, external=True)
    b.wall("Cubicle side", "Ground", 3.5, 0.0, 3.6, 3.0, z0=0.3, height=1.5)
    # A 0.4 m box whose placement (its corner, where the model puts equipment) is (3.58, 1.0):
    # inside the 10 cm partition, 2 cm from its east face.
    b.element("IfcSanitaryTerminal", "Holder", "Ground", 3.78, 1.2)
    path = b.write(tmp_path / "cubicle.ifc")
    twin = load_twin([path], use_cache=False)
    graph = twin.graph
    assert twin.model.equipment[0].xyz[:2] == pytest.approx((3.58, 1.0))
    found = crossing_links(graph, wall_meshes(open_ifc(path)), (int(EdgeKind.WALK), int(EdgeKind.OUTSIDE)))
    assert found == [] and twin.audit.wall_crossings.size == 0
    kit = graph.equipment_node[0]
    assert graph.node_xyz[kit, :2] == pytest.approx((3.6, 1.0))  # on its nearer face
    centre = graph.space_node[0]
    assert graph.node_xyz[centre, :2] == pytest.approx((3.0, 2.0))
    metres = Router(graph, keys=np.array([centre], dtype=np.int64)).distances([centre], [kit], NORMAL)
    # From the centre (3, 2) round the partition's end, 0.3 m clear of its corners (3.2, 3.3)
    # and (3.9, 3.3), down to (3.6, 1): more than 1.3 + 0.7 + 2.3 m, not the 0.6 m straight line.
    assert metres[0, 0] == pytest.approx(np.hypot(0.2, 1.3) + 0.7 + np.hypot(0.3, 2.3), rel=0.05)
