"""The clock of a run: minutes after midnight of a moment given as a start time and seconds after it.

Shifts are daily windows of minutes after midnight (:meth:`twin.scenario.schema.Shift.on_duty`);
a run starts at a clock time and counts seconds from it. This is the one conversion between the
two (seconds of the start included), for one moment or an array of them.
"""

from __future__ import annotations

import datetime as dt
from typing import overload

import numpy as np

MINUTES_PER_DAY = 1440.0

#: The years a moment may have: every table of times is pandas', whose nanosecond timestamps run
#: from 1677-09-21 to 2262-04-11; a date beyond them is a placeholder or a typo, not a time.
FIRST_YEAR, LAST_YEAR = 1678, 2261


@overload
def minute_of_day(start: dt.datetime, t_s: float = 0.0) -> float: ...


@overload
def minute_of_day(start: dt.datetime, t_s: np.ndarray) -> np.ndarray: ...


def minute_of_day(start: dt.datetime, t_s: float | np.ndarray = 0.0) -> float | np.ndarray:
    """Minutes after midnight (seconds included, in [0, 1440)) at ``t_s`` seconds after ``start``."""
    start_min = start.hour * 60 + start.minute + start.second / 60.0
    return (start_min + t_s / 60.0) % MINUTES_PER_DAY
