"""Presets: the column names of common work-order exports, so a mapping names only its values.

A preset is one :class:`Preset` registered in :data:`PRESETS` by name; a mapping's ``preset:``
fills its ``columns:`` (and what to leave out, ``exclude:``) from it, and anything the mapping
writes itself wins. Adding an export format is one :func:`register_preset` call here or in the
user's own code; nothing else lists them.

What each IBM Maximo field means, and why it maps where it does (Maximo's WORKORDER object, as
its Work Order Tracking application documents the fields):

- ``WONUM`` identifies the work order → ``id``.
- ``REPORTDATE`` is when the work was reported (set when the record is created) → ``reported``.
- ``TARGSTARTDATE`` / ``TARGCOMPDATE`` are the *target* start and finish a planner sets — the
  promise, not what happened — so they map to nothing: using them as "dispatched" would credit
  the crew with the plan.
- ``ACTSTART`` is the actual start of the work (set when the status goes to INPRG, or from the
  first labour actual): for reactive work the closest field to "on site" → ``arrived``.
- ``ACTFINISH`` is the actual finish (set on COMP) → ``resolved``.
- Maximo's work order has no field for "dispatched" or "made safe": the dispatch time lives in
  the status history (WOSTATUS: the change to APPR, WSCH or a site's DISPATCH synonym), which a
  flat export of WORKORDER does not carry. A site that exports it adds the column itself
  (``columns: {dispatched: ...}``).
- ``LOCATION`` is the work order's location (a site's location code) → ``place``; a mapping
  whose location codes are not the twin's place names says ``has_twin: false`` or uses names.
- ``WORKTYPE`` is the type of work (CM corrective, PM preventive, EM emergency… — each
  organisation defines its list): too coarse for a kind of incident, so the preset leaves it out;
  ``PROBLEMCODE`` (failure reporting's problem) is the category, and ``DESCRIPTION`` the title.
- ``WOPRIORITY`` is a number whose meaning each site sets → ``priority`` (the mapping's
  ``priorities:`` says which numbers are red, yellow and blue).
- ``LEAD`` is the labour code of the lead person → ``person``.
- ``STATUS`` is the status (WAPPR, APPR, WSCH, WMATL, INPRG, COMP, CLOSE, CAN): a cancelled
  work order (CAN) did not happen, so the preset excludes it (counted among the rejected rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Preset:
    """The column names of one export format."""

    name: str
    description: str
    columns: Mapping[str, str]
    """Mapping field (``id``, ``reported``, …) → the export's column name."""
    exclude: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Column → values whose rows are left out (and counted as rejected, reason ``excluded``)."""


#: Every preset by name (:func:`register_preset` adds one).
PRESETS: dict[str, Preset] = {}


def register_preset(preset: Preset) -> Preset:
    """Add ``preset`` under its name (a second one of that name replaces it)."""
    PRESETS[preset.name] = preset
    return preset


register_preset(
    Preset(
        "maximo",
        "IBM Maximo work orders (WORKORDER): WONUM, REPORTDATE, ACTSTART, ACTFINISH, LOCATION, "
        "PROBLEMCODE, DESCRIPTION, WOPRIORITY, LEAD, STATUS; cancelled (STATUS CAN) left out",
        {
            "id": "WONUM",
            "reported": "REPORTDATE",
            "arrived": "ACTSTART",
            "resolved": "ACTFINISH",
            "place": "LOCATION",
            "category": "PROBLEMCODE",
            "title": "DESCRIPTION",
            "priority": "WOPRIORITY",
            "person": "LEAD",
            "status": "STATUS",
        },
        {"STATUS": ("CAN",)},
    )
)

register_preset(
    Preset(
        "plain",
        "a plain export: id, reported, dispatched, on_site, made_safe, resolved, place, category, "
        "title, trade, priority, person",
        {
            "id": "id",
            "reported": "reported",
            "dispatched": "dispatched",
            "arrived": "on_site",
            "made_safe": "made_safe",
            "resolved": "resolved",
            "place": "place",
            "category": "category",
            "title": "title",
            "trade": "trade",
            "priority": "priority",
            "person": "person",
        },
    )
)
