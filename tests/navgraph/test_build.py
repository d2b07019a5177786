"""The navigation graph and the reachability audit, on a tiny house and on the real corpus."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_ifc
from tests.ifc_builder import TinyBuilding, two_storey_house
from twin.navgraph import EdgeKind, NodeKind
from twin.routing import NORMAL, Router
from twin.travel import WALKING, edge_times_s
from twin.twin import load_twin

SHARED_WITH_SPACES = [
    "fzk_haus.ifc",
    "duplex_a.ifc",
    "office_a.ifc",
    "institute_var2.ifc",
    "hvac_heating_with_building.ifc",
]


def test_rooms_connect_through_their_doors_and_the_stair(tmp_path: Path) -> None:
    twin = load_twin([two_storey_house(tmp_path)], use_cache=False)
    model, graph = twin.model, twin.graph
    assert graph.entrances.size == 1
    assert model.doors[graph.node_ref[graph.entrances[0]]].name == "Front door"
    walk = graph.edge_kind == EdgeKind.WALK
    # Each door steps to a waypoint 0.4 m inside each space it opens into: front door, kitchen
    # door (2), stair door (2), bedroom door (2) = 7. Inside each (convex) space every two of its
    # centre, waypoints and stair landings see each other: hall 4 points (6 walks), kitchen 2
    # (1), stair hall centre, waypoint and landing (3), upper landing the same (3), bedroom 2 (1).
    assert walk.sum() == 7 + 6 + 1 + 3 + 3 + 1
    (stair_edge,) = np.flatnonzero(graph.edge_kind == EdgeKind.STAIR)
    assert graph.edge_rise_m[stair_edge] == pytest.approx(3.0)
    fwd, rev = edge_times_s(graph, WALKING)
    # 3 m is one reference storey: 17.5 s up, 12.5 s down.
    assert fwd[stair_edge] == pytest.approx(17.5)
    assert rev[stair_edge] == pytest.approx(12.5)


def test_a_room_without_a_door_is_unreachable_and_the_audit_says_why(tmp_path: Path) -> None:
    twin = load_twin([two_storey_house(tmp_path)], use_cache=False)
    audit = twin.audit
    assert audit.rule == "from an entrance"
    assert audit.reachable_spaces == 5
    (store,) = audit.unreachable
    assert twin.model.spaces[store.space].long_name == "Store"
    assert store.reason.startswith("no door or open boundary connects it")


def test_a_doorless_space_too_low_to_stand_in_is_called_a_roof_void(tmp_path: Path) -> None:
    """institute_var2.ifc's two attics (Dachboden-1/-2, 1.6 m high, solid walls all round and no
    door in the file) are voids, not rooms whose door is missing; a doorless room of full height
    still asks for its doors."""
    b = TinyBuilding()
    b.space("Hall", "Ground", 0, 0, 6, 4)
    b.door("Front", "Ground", 3.0, -0.1, external=True)
    b.space("Attic", "Ground", 6.3, 0, 10, 4, height=1.6)
    b.space("Store", "Ground", -4.3, 0, -0.3, 4, height=2.5)
    twin = load_twin([b.write(tmp_path / "attic.ifc")], use_cache=False)
    reasons = {twin.model.spaces[u.space].name: u.reason for u in twin.audit.unreachable}
    assert reasons["Attic"].startswith(
        "no door or open boundary connects it, and it is 1.6 m high: a roof void or crawl space"
    )
    assert reasons["Store"].startswith("no door or open boundary connects it — check that the doors")


def test_a_storey_no_stair_reaches_says_it_has_no_vertical_link(tmp_path: Path) -> None:
    b = TinyBuilding((("Ground", 0.0), ("Upper", 3.0), ("Attic", 6.0)))
    b.space("G", "Ground", 0, 0, 4, 4)
    b.door("Front", "Ground", 2.0, -0.1, external=True)
    b.stair("Stair", "Ground", 1.0, 1.0, 2.0, 3.0, rise=3.0)
    b.space("U", "Upper", 0, 0, 4, 4)
    b.space("A1", "Attic", 0, 0, 4, 4)
    b.space("A2", "Attic", 4.2, 0, 8, 4)
    b.door("Between", "Attic", 4.1, 2.0, along_x=False, external=False)
    twin = load_twin([b.write(tmp_path / "attic.ifc")], use_cache=False)
    reasons = {twin.model.spaces[u.space].name: u.reason for u in twin.audit.unreachable}
    assert set(reasons) == {"A1", "A2"}
    assert "its part of storey 'Attic' (2 space(s)) has no door, stair or lift" in reasons["A1"]


def test_touching_spaces_connect_across_their_open_boundary(tmp_path: Path) -> None:
    b = TinyBuilding()
    b.space("Corridor", "Ground", 0, 0, 10, 2)
    b.space("Lobby", "Ground", 10, 0, 14, 4)
    b.door("Entry", "Ground", 5.0, -0.1, external=True)
    twin = load_twin([b.write(tmp_path / "open.ifc")], use_cache=False)
    assert twin.audit.reachable_spaces == 2
    corridor, lobby = twin.graph.space_node
    router = Router(twin.graph, keys=np.array([corridor], dtype=np.int64))
    (metres,) = router.distances([corridor], [lobby], NORMAL)[0]
    # Through the middle of the shared 2 m boundary at (10, 1), stepping 0.4 m in from each side:
    # (5,1) → (9.6,1) → (10.4,1) → (12,2) = 4.6 + 0.8 + √(1.6² + 1²).
    assert metres == pytest.approx(4.6 + 0.8 + np.hypot(1.6, 1), rel=1e-3)


@pytest.mark.parametrize("name", SHARED_WITH_SPACES)
def test_at_least_90_percent_of_a_real_files_spaces_are_reachable(name: str) -> None:
    twin = load_twin([shared_ifc(name)])
    audit = twin.audit
    assert audit.reachable_spaces >= 0.9 * audit.total_spaces
    assert len(audit.unreachable) == audit.total_spaces - audit.reachable_spaces
    assert all(u.reason for u in audit.unreachable)


def test_the_office_lift_links_both_floors_in_the_graph() -> None:
    graph = load_twin([shared_ifc("office_a.ifc")]).graph
    assert (graph.node_kind == NodeKind.LIFT).sum() == 2
    assert (graph.edge_kind == EdgeKind.LIFT_RIDE).sum() == 1
    assert (graph.edge_kind == EdgeKind.LIFT_BOARD).sum() >= 2


def test_a_model_without_doors_or_stairs_gets_assumed_links_and_says_so() -> None:
    twin = load_twin([shared_ifc("hvac_heating_with_building.ifc")])
    assert twin.graph.edge_assumed.sum() >= 4
    assert any("no doors at all" in n for n in twin.audit.notes)
    assert any("no stairs or lifts" in n for n in twin.audit.notes)
    assert twin.audit.rule.startswith("largest connected part")


def test_without_spaces_a_walkable_grid_from_slabs_and_walls_links_the_storeys(
    tmp_path: Path,
) -> None:
    import ifcopenshell
    import ifcopenshell.api
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    f = ifcopenshell.open(str(shared_ifc("fzk_haus.ifc")))
    for space in list(f.by_type("IfcSpace")):
        ifcopenshell.api.run("root.remove_product", f, product=space)
    path = tmp_path / "haus_without_spaces.ifc"
    f.write(str(path))
    twin = load_twin([path], use_cache=False)
    graph = twin.graph
    grid = graph.node_kind == NodeKind.GRID
    assert set(graph.node_storey[grid].tolist()) == {0, 1}
    # The house's floor is about 10 m × 12 m less its walls: some 90 m² a storey, 1 m cells
    # refined to 0.5 m and finer in doorways.
    assert 300 < grid.sum() < 1500
    assert len(twin.model.walkable) == 2
    assert any("has no spaces; its walkable area" in n for n in twin.audit.notes)
    n = graph.n_nodes
    _, label = connected_components(
        coo_matrix((np.ones(graph.n_edges), (graph.edge_u, graph.edge_v)), shape=(n, n)),
        directed=False,
    )
    # One piece: the doors and the stair join every room on both storeys.
    assert len(np.unique(label[grid])) == 1
