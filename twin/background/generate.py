"""Drawing a period's background incidents from rates: a pure function of (rates, units, seed).

Each rate is a Poisson process whose intensity is the yearly rate times the number of units,
shaped by its season (month) and day profile (hour): constant within each clock hour, so the
count in an hour is Poisson with that hour's mean and the times within it are uniform — exact
for a piecewise-constant rate, and one vectorised draw per rate for a whole year.

Every rate draws from its own named stream (:class:`~twin.engine.streams.Streams`), so the
incidents of one seed are the same whatever the roster (common random numbers), and adding a
kind of work order does not move the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from twin.background.rates import Rates, Schedule, _Rate
from twin.scenario.schema import Quantity

HOURS_PER_YEAR = 8760.0

Draw = Callable[[Quantity, np.random.Generator], float]
StreamOf = Callable[[str], np.random.Generator]


@dataclass(frozen=True, slots=True)
class Arrival:
    """One background event: when, what, where (a unit of what the rate counts) and its draws."""

    t_s: float
    """Seconds from the start of the period."""
    kind: str
    """``work_order`` or a hazard kind."""
    rate: int
    """Index into ``rates.work_orders`` (-1 for hazards)."""
    unit: int
    """Which unit: an index into the choices of the rate's ``per`` (a household, a lift…)."""
    values: Mapping[str, float]
    """Drawn numbers: ``minutes`` for work orders, the rate's
    :attr:`~twin.background.rates.HazardRate.DRAWS` for hazards, and ``u``
    (uniform 0–1) for any further choice at run time."""


def hourly_intensity(rates: Rates, rate: _Rate, start: dt.datetime, hours: int) -> np.ndarray:
    """Relative intensity of ``rate`` in each clock hour from ``start`` (averages 1 over a year)."""
    season = np.asarray(rates.seasons[rate.season], dtype=float)
    day = np.asarray(rates.day_profiles[rate.day], dtype=float)
    season = season / season.mean()
    day = day / day.mean()
    first = np.datetime64(start.replace(minute=0, second=0, microsecond=0), "h")
    clock = first + np.arange(hours).astype("timedelta64[h]")
    month = clock.astype("datetime64[M]").astype(int) % 12
    hour = (clock - clock.astype("datetime64[D]")).astype(int)
    return np.asarray(season[month] * day[hour])


def poisson_times(
    rng: np.random.Generator, per_year: float, intensity: np.ndarray, start: dt.datetime, duration_s: float
) -> np.ndarray:
    """Event times (s from ``start``, sorted) of a Poisson process of ``per_year`` events a year
    shaped by ``intensity`` per clock hour; hours cut by the period's ends count in part."""
    offset = start.minute * 60.0 + start.second + start.microsecond / 1e6
    edges = np.clip(np.arange(intensity.size + 1) * 3600.0 - offset, 0.0, duration_s)
    lo, width = edges[:-1], np.diff(edges)
    counts = rng.poisson(per_year / HOURS_PER_YEAR * intensity * width / 3600.0)
    bins = np.repeat(np.arange(intensity.size), counts)
    times = lo[bins] + rng.random(bins.size) * width[bins]
    return np.sort(times)


def scheduled_times(
    schedule: Schedule, n_units: int, start: dt.datetime, duration_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """(times in s from ``start``, unit) of every planned visit in the period, in time order.

    Unit ``u`` is first due on day ``floor(u · every_days / n_units)`` of the period (so the
    units spread evenly over a cycle), then every ``every_days`` days, at each time of ``at``.
    """
    day0 = dt.datetime.combine(start.date(), dt.time())
    offset_s = (start - day0).total_seconds()
    cycle_s = schedule.every_days * 86400.0
    first_day = np.floor(np.arange(n_units) * schedule.every_days / max(n_units, 1))
    cycles = int(np.ceil((duration_s + offset_s) / cycle_s)) + 1
    times, units = [], []
    for minute in schedule.minutes_of_day():
        t = first_day[:, None] * 86400.0 + np.arange(cycles)[None, :] * cycle_s + minute * 60.0 - offset_s
        times.append(t.ravel())
        units.append(np.repeat(np.arange(n_units), cycles))
    t_all, u_all = np.concatenate(times), np.concatenate(units)
    keep = (t_all >= 0) & (t_all < duration_s)
    order = np.lexsort((u_all[keep], t_all[keep]))
    return t_all[keep][order], u_all[keep][order]


def generate(
    rates: Rates,
    units: Mapping[str, int],
    choices: Mapping[str, int],
    start: dt.datetime,
    duration_s: float,
    stream: StreamOf,
    draw: Draw,
    *,
    work_orders: bool = True,
    hazards: bool = True,
    scale: float = 1.0,
) -> list[Arrival]:
    """Every background event of the period, in time order.

    Parameters
    ----------
    units
        How many of each ``per`` the building has (households, lifts, pumps…; ``site`` is 1):
        the rate's multiplier.
    choices
        How many places each ``per`` picks from (``site`` work is at any common space), and each
        hazard kind (the pipes a burst can hit…); one with no choices raises nothing.
    stream
        Named random streams of the run (``stream("background:…")``).
    draw
        Draws a scenario quantity (the engine's, so distributions mean the same everywhere).
    """
    hours = int(np.ceil((duration_s + start.minute * 60 + start.second) / 3600.0)) + 1
    out: list[Arrival] = []
    specs: list[tuple[str, int, _Rate, tuple[tuple[str, Quantity], ...]]] = []
    if work_orders:
        for i, w in enumerate(rates.work_orders):
            specs.append((f"work_order:{w.name}", i, w, (("minutes", w.minutes),)))
    if hazards:
        for kind, rate in rates.hazards.items():
            if rate is not None:
                specs.append((kind, -1, rate, tuple((f, getattr(rate, f)) for f in rate.DRAWS)))
    for name, index, rate, quantities in specs:
        per: str = rate.per  # type: ignore[attr-defined]
        n_units, n_choices = units.get(per, 0), choices.get(name, choices.get(per, 0))
        schedule = getattr(rate, "schedule", None)
        if (rate.per_year <= 0 and schedule is None) or n_units <= 0 or n_choices <= 0:
            continue
        rng = stream(f"background:{name}")
        if schedule is not None:
            # Planned work keeps its calendar whatever the scale (scale is for reactive load).
            times, which = scheduled_times(schedule, n_units, start, duration_s)
            if n_choices != n_units:  # site work: each visit at one of the common spaces
                which = rng.integers(n_choices, size=times.size)
        else:
            times = poisson_times(
                rng,
                rate.per_year * n_units * scale,
                hourly_intensity(rates, rate, start, hours),
                start,
                duration_s,
            )
            which = rng.integers(n_choices, size=times.size)
        kind = "work_order" if index >= 0 else name
        for t, unit in zip(times.tolist(), which.tolist(), strict=True):
            values = {f: draw(q, rng) for f, q in quantities}
            values["u"] = float(rng.random())
            out.append(Arrival(t, kind, index, unit, values))
    out.sort(key=lambda a: (a.t_s, a.kind, a.rate, a.unit))
    return out
