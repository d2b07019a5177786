"""The clock of a run: minutes after midnight of a moment given as a start time and seconds after it.

Shifts are daily windows of minutes after midnight (:meth:`twin.scenario.schema.Shift.on_duty`);
a run starts at a clock time and counts seconds from it. This is the one conversion between the two.
"""

from __future__ import annotations

import datetime as dt

MINUTES_PER_DAY = 1440


def minute_of_day(start: dt.datetime, t_s: float = 0.0) -> float:
    """Minutes after midnight (seconds included, in [0, 1440)) at ``t_s`` seconds after ``start``."""
    return (start.hour * 60 + start.minute + start.second / 60.0 + t_s / 60.0) % MINUTES_PER_DAY
