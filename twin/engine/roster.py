"""The roster at run time: each person's state, who is on duty, and the shift changes.

A person is on duty when the scenario's clock is inside their shift
(:meth:`~twin.scenario.schema.Shift.on_duty` on :func:`~twin.clock.minute_of_day`); contractors
have no shift and are never on duty (they are called). :func:`shift_changes` wakes the dispatcher
at every shift's start and end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import simpy

from twin.clock import MINUTES_PER_DAY, minute_of_day
from twin.engine.setup import Crew

if TYPE_CHECKING:
    from twin.engine.core import Proc, Sim
    from twin.engine.tasks import Task


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
    """:func:`on_duty` of every member (``sim.members`` order) now, worked out once per moment
    and per shift: the dispatcher and every idle person ask at each decision."""
    now = sim.env.now
    if sim.duty_at != now:
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
    return sim.duty


def shift_changes(env: simpy.Environment, sim: Sim) -> Proc:
    """Wake the dispatcher whenever a shift starts or ends: work queued overnight for a day
    trade is handed out when the day shift arrives, not at the next unrelated event."""
    marks = sorted({m for c in sim.drill.crew if c.shift is not None for m in c.shift.minutes()})
    if not marks:
        return
    while True:
        now_min = minute_of_day(sim.start, env.now)
        wait = min((m - now_min) % MINUTES_PER_DAY or MINUTES_PER_DAY for m in marks)
        yield env.timeout(wait * 60.0)
        sim.poke()
