"""Which spaces are households: one definition for the engine, ``twin inspect`` and the app.

A space is a household (a flat, a dwelling) when its ObjectType, long name or name says so, in
the words exporters use: "Apartment", "Flat", "Dwelling", "Residence", "Wohnung", "Logement",
"住宅"… as whole words, so the residents' lounge or a flat roof's plant deck is not one. The
default estate marks its 810 flats ``ObjectType = Apartment``.
"""

from __future__ import annotations

import re

import numpy as np

from twin.model import BuildingModel, Space

#: Words naming a dwelling, matched as whole words, any case, plurals allowed.
HOUSEHOLD_WORDS = re.compile(
    r"\b(apartments?|flats?|dwellings?|residences?|wohnung(en)?|wohneinheit(en)?|appartements?|"
    r"logements?|viviendas?|housing units?|residential units?)\b|住宅|公寓",
    re.IGNORECASE,
)
#: Words of shared rooms that can sit beside a dwelling word ("Flat roof plant", "Apartment
#: lobby"): such a space is not a household.
SHARED_WORDS = re.compile(
    r"\b(lounge|lobby|corridor|stair|roof|plant|store|common|amenity|garage|lift|hall)\b", re.IGNORECASE
)


def is_household(space: Space) -> bool:
    """Whether ``space`` holds a household."""
    text = f"{space.object_type} {space.long_name} {space.name}"
    return bool(HOUSEHOLD_WORDS.search(text)) and not SHARED_WORDS.search(text)


def household_spaces(model: BuildingModel) -> np.ndarray:
    """Indices (``model.spaces`` order) of the spaces that hold a household."""
    return np.array([i for i, s in enumerate(model.spaces) if is_household(s)], dtype=np.int64)
