"""Who is who on a page: people's names from the roster, and clock times of a run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from twin.scenario.schema import Scenario


def people_names(scenario: Scenario) -> dict[str, str]:
    """Person and contractor ids → their names (the id when the roster gives none)."""
    names = {p.id: p.name or p.id for p in scenario.people}
    names.update({c.id: c.name or c.id for c in scenario.contractors})
    return names


def name_of(names: Mapping[str, str], person: str) -> str:
    """A person's name; a contractor's technician (``LIFTCO-1``) by their firm's."""
    if person in names:
        return names[person]
    base = next((k for k in names if person.startswith(k)), None)
    return names[base] if base else person


def clock(start: dt.datetime, t_s: float) -> dt.datetime:
    """The clock time ``t_s`` seconds after ``start``."""
    return start + dt.timedelta(seconds=float(t_s))
