"""Place names people type, resolved to graph nodes — and helpful when they are wrong."""

from __future__ import annotations

import dataclasses

import pytest

from twin.errors import PlaceError
from twin.model import Equipment
from twin.navgraph import NodeKind
from twin.places import close_places, describe_path, place_name, resolve_place, storey_name
from twin.routing import NORMAL, Router
from twin.synthetic import tower


@pytest.fixture(scope="module")
def tw():
    # 3 storeys, rooms "0001", "0002" (long names "Room 1", "Room 2") on Level 0, "0101"… above.
    return tower(3, grid=(4, 3), rooms_per_storey=2, stairs=((0, 0),), lifts=((1, 0),))


def resolve(tw, place):
    return resolve_place(place, tw.model, tw.graph)


def test_a_space_is_found_by_name_case_insensitively(tw):
    node = resolve(tw, "0101")
    assert tw.graph.node_kind[node] == NodeKind.SPACE
    assert tw.model.spaces[tw.graph.node_ref[node]].id == "space-001-01"
    assert resolve(tw, "  0101 room 1 ") == node  # name + long name, any case


def test_a_long_name_on_every_storey_is_ambiguous_and_the_message_lists_storeys_and_ids(tw):
    with pytest.raises(PlaceError) as err:
        resolve(tw, "Room 1")
    message = str(err.value)
    assert message.startswith("'Room 1' names 3 places: space 0001 Room 1 on Level 0 (space-000-01);")
    assert "Level 2 (space-002-01)" in message
    assert message.endswith("give a GlobalId or add '@ STOREY'")
    assert "\n" not in message


def test_at_storey_picks_one_of_the_same_name(tw):
    node = resolve(tw, "room 1 @ level 2")
    assert tw.graph.node_storey[node] == 2
    assert resolve(tw, "Room 1 @ 2") == node


def test_an_unknown_place_suggests_the_closest_names(tw):
    with pytest.raises(
        PlaceError,
        match=r"no place called 'Valve L7' in synthetic \(did you mean: Valve L2, Valve L1",
    ):
        resolve(tw, "Valve L7")


def test_global_ids_of_spaces_doors_equipment_and_lifts_all_resolve(tw):
    g = tw.graph
    assert g.node_kind[resolve(tw, "space-002-02")] == NodeKind.SPACE
    assert g.node_kind[resolve(tw, "door-00000")] == NodeKind.DOOR
    assert resolve(tw, "valve-001") == resolve(tw, "Valve L1") == int(g.equipment_node[1])


def test_a_lift_stands_for_the_floor_in_front_of_its_lowest_stop(tw):
    node = resolve(tw, "Lift 1")
    assert tw.graph.node_kind[node] == NodeKind.GRID and tw.graph.node_storey[node] == 0
    assert tw.graph.node_xyz[node].tolist() == [5.0, 0.0, 0.0]
    # … so a rescue can still be routed there with every lift off.
    assert Router(tw.graph).times([resolve(tw, "0201")], [node], NORMAL.with_lifts_off())[0, 0] < 1e9


def test_node_literal_for_debugging(tw):
    assert resolve(tw, "node:5") == 5
    with pytest.raises(PlaceError, match=r"expected node:<id> with an id in 0\.\."):
        resolve(tw, "node:100000")


def test_closing_places_does_what_suits_each(tw):
    state = close_places(NORMAL, ["Lift 1", "Door 0001", "Level 1", "0202", "Stair A"], tw.model, tw.graph)
    assert state.lifts_off == {0}
    assert state.locked_doors == {0}
    assert state.closed_storeys == {1}
    assert state.closed_nodes == {resolve(tw, "0202")}
    assert len(state.closed_edges) == 2  # the two flights of stair A


def test_nodes_get_readable_names_and_storeys(tw):
    g, m = tw.graph, tw.model
    assert place_name(m, g, resolve(tw, "0101")) == "0101 Room 1"
    assert place_name(m, g, 0) == "walkway"
    assert place_name(m, g, int(g.entrances[0])) == "Main entrance"
    assert storey_name(m, g, resolve(tw, "0201")) == "Level 2"


def test_a_described_path_has_the_json_fields_of_twin_route(tw):
    path = Router(tw.graph).path(resolve(tw, "Main entrance"), resolve(tw, "0201"))
    report = describe_path(path, tw.model, tw.graph)
    assert set(report) == {"time_s", "distance_m", "storeys_crossed", "path"}
    assert report["storeys_crossed"] == 2
    first, last = report["path"][0], report["path"][-1]
    assert first == {
        "name": "Main entrance",
        "storey": "Level 0",
        "x": -2.0,
        "y": 0.0,
        "z": 0.0,
        "t_s": 0.0,
    }
    assert last["name"] == "0201 Room 1" and last["t_s"] == report["time_s"]


def test_a_lift_listed_as_equipment_too_is_still_one_lift(tw):
    # Real files give a lift with a power feed an equipment entry of the same name and GlobalId.
    lift = dataclasses.replace(tw.model.lifts[0], equipment=len(tw.model.equipment))
    feed = Equipment(
        id=lift.id,
        name=lift.name,
        ifc_class="IfcTransportElement",
        predefined_type="ELEVATOR",
        storey=0,
        xyz=(5.0, -1.3, 0.0),
    )
    model = dataclasses.replace(tw.model, lifts=(lift,), equipment=(*tw.model.equipment, feed))
    assert resolve_place("Lift 1", model, tw.graph) == resolve_place(lift.id, model, tw.graph)
    assert close_places(NORMAL, ["Lift 1"], model, tw.graph).lifts_off == {0}
