"""Hand-made histories: incidents tables of the shape the history reader gives, whose answers a
person can work out (times to the minute, one roster of three)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from twin.places import resolve_place
from twin.scenario.schema import Scenario

TZ = "Europe/Berlin"
DAY = "2026-03-02"

ROSTER = """
name: hand-made history
shifts:
  all day: {start: "00:00", end: "00:00"}
people:
  - {id: P1, trades: {plumber: 2}, shift: all day, base: Engineering Office, hourly_rate: 40}
  - {id: P2, trades: {plumber: 2}, shift: all day, base: Security Room, hourly_rate: 30}
  - {id: E1, trades: {electrician: 2}, shift: all day, base: Engineering Office, hourly_rate: 44}
dispatch: {kind: nearest}
"""


def at(clock: str | None) -> pd.Timestamp:
    return pd.NaT if clock is None else pd.Timestamp(f"{DAY} {clock}", tz=TZ)


def incidents(rows: list[dict[str, Any]], twin: Any = None) -> pd.DataFrame:
    """An incidents table from short rows: clock times ``HH:MM`` on :data:`DAY`, places resolved
    on ``twin`` (node -1 without one, or for a place it does not have)."""
    out = []
    for k, r in enumerate(rows):
        node = -1
        if twin is not None and r.get("place"):
            try:
                node = resolve_place(r["place"], twin.model, twin.graph)
            except ValueError:
                node = -1
        out.append(
            {
                "row": k + 2,
                "id": r["id"],
                **{c: at(r.get(c)) for c in ("reported", "dispatched", "arrived", "made_safe", "resolved")},
                "place": r.get("place", ""),
                "node": node,
                "kind": r.get("kind", "work_order"),
                "category": r.get("category", ""),
                "title": r.get("title", ""),
                "trade": r.get("trade", "plumber"),
                "priority": r.get("priority", "yellow"),
                "person": r.get("person", ""),
                "flags": "",
            }
        )
    return pd.DataFrame(out)


#: Three incidents: a red leak P1 reached in 34 min and made safe at 50; a yellow one P2 reached
#: 1 min after being sent to the top of tower C (faster than anyone walks there); a blue one in a
#: place the building does not have, with no on-site time.
THREE = [
    {
        "id": "1043",
        "title": "Leak in flat",
        "place": "C-0306 Flat C-0306",
        "priority": "red",
        "person": "P1",
        "reported": "08:00",
        "dispatched": "08:05",
        "arrived": "08:34",
        "made_safe": "08:50",
        "resolved": "09:40",
    },
    {
        "id": "1044",
        "title": "Dripping tap",
        "place": "C-0306 Flat C-0306",
        "priority": "yellow",
        "person": "P2",
        "reported": "08:20",
        "dispatched": "08:20",
        "arrived": "08:21",
        "resolved": "08:52",
    },
    {
        "id": "1045",
        "title": "Socket dead",
        "place": "Roof shed 9",
        "trade": "electrician",
        "priority": "blue",
        "person": "E1",
        "reported": "10:00",
        "dispatched": "10:10",
        "resolved": "11:00",
    },
]


@pytest.fixture(scope="module")
def roster() -> Scenario:
    from twin.scenario import parse_scenario

    return parse_scenario(ROSTER).scenario
