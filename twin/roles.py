"""What a space is for, one definition each, for the engine, ``twin inspect`` and the app.

A space's role comes from its ObjectType, long name and name, in the words exporters use:

- a **household** (a flat, a dwelling): "Apartment", "Flat", "Dwelling", "Residence",
  "Wohnung", "Logement", "住宅"… as whole words, so the residents' lounge or a flat roof's plant
  deck is not one. The default estate marks its 810 flats ``ObjectType = Apartment``;
- an **electrical room**, whose flooding trips the switchgear in it: "electrical room",
  "switch room", "main electrical", "Elektro…", "配电";
- a **front desk**, where residents are told what is happening: the front desk, else
  reception, else the security room, else the concierge's.
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


#: An electrical room whose flooding trips the switchgear (matched in its name and long name).
ELECTRICAL_ROOM = re.compile(r"electrical room|switch ?room|main electrical|elektro|配电", re.IGNORECASE)
#: Words of the places residents are told, the first found preferred.
FRONT_DESK_WORDS = ("front desk", "reception", "security", "concierge")


def is_electrical_room(space: Space) -> bool:
    """Whether ``space`` is an electrical room (flooding it trips the switchgear in it)."""
    return bool(ELECTRICAL_ROOM.search(f"{space.name} {space.long_name}"))


def electrical_rooms(model: BuildingModel) -> tuple[int, ...]:
    """Indices of the electrical rooms (``model.spaces`` order)."""
    return tuple(i for i, s in enumerate(model.spaces) if is_electrical_room(s))


def front_desks(model: BuildingModel) -> list[int]:
    """Indices of the spaces where residents are told, most preferred first (every front desk
    before any reception, and so on through :data:`FRONT_DESK_WORDS`)."""
    texts = [f"{s.name} {s.long_name} {s.object_type}".lower() for s in model.spaces]
    return [i for word in FRONT_DESK_WORDS for i, text in enumerate(texts) if word in text]
