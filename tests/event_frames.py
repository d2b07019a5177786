"""Hand-written event logs for tests of the replay and report helpers."""

from __future__ import annotations

from typing import Any

import pandas as pd

from twin.events.log import EventLog


def frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """An event-log frame from rows of (t_s, kind, person, place, x, y, z, value, detail[, incident, task])."""
    full = []
    for r in rows:
        t, kind, person, place, x, y, z, value, detail, *ids = r
        incident, task = [*ids, -1, -1][:2]
        full.append((t, incident, task, person, kind, place, x, y, z, value, detail))
    return EventLog.from_rows(full).frame
