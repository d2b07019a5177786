"""One definition of a household, shared by the engine and `twin inspect`."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from twin.engine.plant import build_plant
from twin.households import is_household
from twin.model import Space
from twin.present.summary import summarize


def space(object_type: str, long_name: str = "", name: str = "") -> Space:
    return Space(id="x", name=name, long_name=long_name, storey=0, footprint=box(0, 0, 5, 5),
                 floor_z_m=0.0, height_m=3.0, object_type=object_type)


@pytest.mark.parametrize("object_type, long_name", [
    ("Apartment", ""), ("Flat", ""), ("Dwelling", ""), ("Wohnung", ""), ("", "Flat 3B"),
    ("Room", "Apartment 12"), ("", "住宅 101"), ("Logement", ""),
])
def test_flats_dwellings_and_wohnungen_are_households(object_type, long_name):
    assert is_household(space(object_type, long_name))


@pytest.mark.parametrize("object_type, long_name", [
    ("Amenity", "Residents' Lounge B"), ("Lobby", "Apartment lobby"), ("Plant room", "Flat roof plant"),
    ("Corridor", ""), ("Unit", "AHU unit"), ("Office", "Flatbed scanner room"),
])
def test_lounges_lobbies_and_plant_rooms_are_not(object_type, long_name):
    assert not is_household(space(object_type, long_name))


def test_the_engine_and_inspect_count_the_estates_810_flats_alike(estate_twin):
    plant = build_plant(estate_twin.model, estate_twin.graph)
    assert plant.household_spaces.size == 810
    assert summarize(estate_twin)["counts"]["households"] == 810
