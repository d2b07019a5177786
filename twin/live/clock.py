"""The wall clock of a live exercise: how simulation time follows the trainer's clock.

A :class:`WallClock` is a frozen value: an anchor (a wall-clock moment and the simulation time
at it), a speed (simulation seconds per wall second) and whether it runs. The simulation time
at any later wall moment follows from the anchor alone, so nothing has to tick: whoever looks
asks :meth:`WallClock.sim_time` with the time now, and the engine is advanced to that. Pausing,
resuming, changing speed and jumping ahead each return a new clock anchored where the old one
had got to, so simulation time never goes back and never skips what it has already shown.

Wall time is any monotone count of seconds (``time.time()`` in the app, so that it survives a
server restart and can be written in the exercise's log).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from twin.errors import TwinError

#: The speeds a trainer chooses from (simulation seconds per wall second): real time, and the
#: faster speeds a trainer uses to get through quiet stretches (issue 16 asks for these four).
SPEEDS: tuple[int, ...] = (1, 5, 30, 60)


class ClockError(TwinError):
    """A clock change that cannot be made (an unknown speed, a jump backwards)."""


@dataclass(frozen=True, slots=True)
class WallClock:
    """Simulation time as a function of wall time (see the module docstring)."""

    anchor_wall_s: float
    """A wall-clock moment (seconds)."""
    anchor_sim_s: float
    """The simulation time at :attr:`anchor_wall_s` (seconds after the scenario's start)."""
    speed: float = 1.0
    """Simulation seconds per wall second while running."""
    running: bool = False
    end_s: float = math.inf
    """The end of the exercise: simulation time stops there."""

    @classmethod
    def start(cls, wall_now: float, *, end_s: float = math.inf, speed: float = 1.0) -> WallClock:
        """A paused clock at simulation time 0 (the scenario's start)."""
        return cls(wall_now, 0.0, _checked_speed(speed), False, end_s)

    def sim_time(self, wall_now: float) -> float:
        """The simulation time at ``wall_now`` (never before the anchor's, never past the end)."""
        t = self.anchor_sim_s
        if self.running:
            t += max(wall_now - self.anchor_wall_s, 0.0) * self.speed
        return min(t, self.end_s)

    def finished(self, wall_now: float) -> bool:
        """Whether simulation time has reached the end of the exercise."""
        return self.sim_time(wall_now) >= self.end_s

    def wall_until(self, sim_s: float, wall_now: float) -> float:
        """Wall seconds from ``wall_now`` until the clock shows ``sim_s`` (``inf`` when paused or
        never; 0 when already past)."""
        ahead = sim_s - self.sim_time(wall_now)
        if ahead <= 0:
            return 0.0
        if not self.running or sim_s > self.end_s:
            return math.inf
        return ahead / self.speed

    def _anchored(self, wall_now: float) -> WallClock:
        return replace(self, anchor_wall_s=wall_now, anchor_sim_s=self.sim_time(wall_now))

    def paused(self, wall_now: float) -> WallClock:
        """Stopped where it had got to at ``wall_now`` (a paused clock is unchanged)."""
        if not self.running:
            return self
        return replace(self._anchored(wall_now), running=False)

    def resumed(self, wall_now: float) -> WallClock:
        """Running again from where it stood at ``wall_now`` (a running clock is unchanged)."""
        if self.running:
            return self
        return replace(self._anchored(wall_now), running=True)

    def at_speed(self, speed: float, wall_now: float) -> WallClock:
        """At ``speed`` (one of :data:`SPEEDS`) from where it stood at ``wall_now``."""
        return replace(self._anchored(wall_now), speed=_checked_speed(speed))

    def jumped(self, by_s: float, wall_now: float) -> WallClock:
        """``by_s`` simulation seconds ahead of where it stood at ``wall_now`` (at most to the
        end); running or paused as before."""
        if not math.isfinite(by_s) or by_s <= 0:
            raise ClockError(
                f"jump ahead: expected a positive number of seconds, got {by_s:g} — the clock "
                "never goes back; restart from a decision to go back"
            )
        here = self._anchored(wall_now)
        return replace(here, anchor_sim_s=min(here.anchor_sim_s + by_s, self.end_s))

    def describe(self, wall_now: float) -> str:
        """One line for a person: ``running at 30×, 12:05 into the exercise`` (mm:ss)."""
        state = f"running at {self.speed:g}×" if self.running else f"paused (speed {self.speed:g}×)"
        if self.finished(wall_now):
            state = "at the end"
        return f"{state}, {clock_text(self.sim_time(wall_now))} into the exercise"


def clock_text(t_s: float) -> str:
    """``h:mm:ss`` (or ``mm:ss`` under an hour) of a number of seconds, rounded down."""
    whole = int(max(t_s, 0.0))
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _checked_speed(speed: float) -> float:
    if speed not in SPEEDS:
        raise ClockError(f"clock speed: expected one of {', '.join(f'{s}×' for s in SPEEDS)}, got {speed:g}×")
    return float(speed)
