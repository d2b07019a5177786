"""Clock time of a run: the minute of the day at a moment, from the scenario's start.

The one translation from (start datetime, seconds into the run) to the local minute of the day
that shifts (``Shift.on_duty``), the day profiles and the replay read; seconds of the start
count.
"""

from __future__ import annotations

import datetime as dt
from typing import overload

import numpy as np

MINUTES_PER_DAY = 1440.0


@overload
def minute_of_day(start: dt.datetime, t_s: float = 0.0) -> float: ...


@overload
def minute_of_day(start: dt.datetime, t_s: np.ndarray) -> np.ndarray: ...


def minute_of_day(start: dt.datetime, t_s: float | np.ndarray = 0.0) -> float | np.ndarray:
    """Minutes after midnight (0 ≤ m < 1440) ``t_s`` seconds after ``start``."""
    start_min = start.hour * 60 + start.minute + start.second / 60
    return (start_min + t_s / 60.0) % MINUTES_PER_DAY
