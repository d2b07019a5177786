"""One definition of each role a space plays (household, electrical room, front desk), shared by the
engine and `twin inspect`."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from twin.engine.plant import build_plant
from twin.model import Space
from twin.present.summary import summarize
from twin.roles import electrical_rooms, front_desks, is_electrical_room, is_household


def space(object_type: str, long_name: str = "", name: str = "") -> Space:
    return Space(
        id="x",
        name=name,
        long_name=long_name,
        storey=0,
        footprint=box(0, 0, 5, 5),
        floor_z_m=0.0,
        height_m=3.0,
        object_type=object_type,
    )


@pytest.mark.parametrize(
    "object_type, long_name",
    [
        ("Apartment", ""),
        ("Flat", ""),
        ("Dwelling", ""),
        ("Wohnung", ""),
        ("", "Flat 3B"),
        ("Room", "Apartment 12"),
        ("", "住宅 101"),
        ("Logement", ""),
    ],
)
def test_flats_dwellings_and_wohnungen_are_households(object_type, long_name):
    assert is_household(space(object_type, long_name))


@pytest.mark.parametrize(
    "object_type, long_name",
    [
        ("Amenity", "Residents' Lounge B"),
        ("Lobby", "Apartment lobby"),
        ("Plant room", "Flat roof plant"),
        ("Corridor", ""),
        ("Unit", "AHU unit"),
        ("Office", "Flatbed scanner room"),
    ],
)
def test_lounges_lobbies_and_plant_rooms_are_not(object_type, long_name):
    assert not is_household(space(object_type, long_name))


def test_the_engine_and_inspect_count_the_estates_810_flats_alike(estate_twin):
    plant = build_plant(estate_twin.model, estate_twin.graph)
    assert plant.household_spaces.size == 810
    assert summarize(estate_twin)["counts"]["households"] == 810


@pytest.mark.parametrize(
    ("name", "long_name", "expected"),
    [
        ("B1-03", "Main Electrical Room", True),
        ("Switchroom", "", True),
        ("E01", "Elektroraum", True),
        ("B1-04", "配电室", True),
        ("B1-05", "Pump room", False),
        ("Electrician's store", "", False),
    ],
)
def test_an_electrical_room_is_named_so(name, long_name, expected):
    assert is_electrical_room(space("", long_name, name)) is expected


def test_the_estate_has_one_electrical_room_and_residents_are_told_at_the_front_desk(estate_twin):
    model = estate_twin.model
    assert [model.spaces[i].label for i in electrical_rooms(model)] == ["B1-MER Main Electrical Room"]
    desks = front_desks(model)
    assert "front desk" in model.spaces[desks[0]].label.lower()
