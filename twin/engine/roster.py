"""The roster at run time: each person's state, who is on duty, and the shift changes.

A person is on duty when the scenario's clock is inside their shift
(:meth:`~twin.scenario.schema.Shift.on_duty` on :func:`~twin.clock.minute_of_day`); contractors
have no shift and are never on duty (they are called). :func:`shift_changes` wakes the dispatcher
at every shift's start and end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import simpy

from twin.clock import MINUTES_PER_DAY, minute_of_day
from twin.engine.setup import Crew

if TYPE_CHECKING:
    from twin.engine.core import Proc, Sim
    from twin.engine.tasks import Task

#: How long before the next shift mark :func:`duty_now` works duty out again (s): far more than
#: the rounding of a run's clock (a year is ~3e7 s, whose last bit is ~4e-9 s), far less than
#: any gap between events that matters.
DUTY_MARGIN_S = 1e-3


@dataclass(slots=True, eq=False)
class Member:
    """One person at run time."""

    index: int
    crew: Crew
    on_site: bool
    node: int
    next_node: int = -1
    arrive_at: float = 0.0
    task: Task | None = None
    phase: str = "idle"
    """idle (free), returning (free, walking back to base: a dispatch turns them round) or busy."""
    proc: simpy.Process | None = None
    signal: simpy.Event | None = None
    busy_since: float = math.nan
    called_out: bool = False


def on_duty(sim: Sim, crew: Crew) -> bool:
    """Whether ``crew`` is inside their shift now (contractors: never)."""
    return crew.shift is not None and crew.shift.on_duty(minute_of_day(sim.start, sim.env.now))


def duty_now(sim: Sim) -> list[bool]:
    """:func:`on_duty` of every member (``sim.members`` order) now. Nobody's duty changes between
    two shift marks (:func:`shift_marks`), so it is worked out again only after the next one:
    the dispatcher and every idle person ask at each decision."""
    now = sim.env.now
    if not sim.duty_at <= now < sim.duty_until:
        minute = minute_of_day(sim.start, now)
        by_shift: dict[int, bool] = {}
        duty: list[bool] = []
        for m in sim.members:
            shift = m.crew.shift
            if shift is None:
                duty.append(False)
                continue
            on = by_shift.get(id(shift))
            if on is None:
                on = by_shift[id(shift)] = bool(shift.on_duty(minute))
            duty.append(on)
        sim.duty, sim.duty_at = duty, now
        # Kept until a little before the next mark: the mark reached by adding minutes here and
        # by minute_of_day there may differ in the last bit, and working it out again is exact.
        marks = sim.shift_marks
        sim.duty_until = now + 60.0 * minutes_to_next(marks, minute) - DUTY_MARGIN_S if marks else math.inf
    return sim.duty


def shift_marks(crew: Sequence[Crew]) -> list[int]:
    """The minutes of the day at which some shift of ``crew`` starts or ends, ascending: the only
    moments anyone's duty changes."""
    return sorted({m for c in crew if c.shift is not None for m in c.shift.minutes()})


def minutes_to_next(marks: Sequence[int], minute: float) -> float:
    """Minutes from ``minute`` of the day to the next of ``marks`` (a whole day when ``minute``
    is on the only mark)."""
    return min((m - minute) % MINUTES_PER_DAY or MINUTES_PER_DAY for m in marks)


def shift_changes(env: simpy.Environment, sim: Sim) -> Proc:
    """Wake the dispatcher whenever a shift starts or ends: work queued overnight for a day
    trade is handed out when the day shift arrives, not at the next unrelated event."""
    marks = sim.shift_marks
    if not marks:
        return
    while True:
        yield env.timeout(minutes_to_next(marks, minute_of_day(sim.start, env.now)) * 60.0)
        sim.poke()
