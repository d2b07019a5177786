"""An Erlang C lower bound per trade and shift: how many people a queueing formula asks for.

The sweep's answer comes from simulation: people walk, lifts stop, skills and shifts limit who
can go. Erlang C (M/M/c) leaves all of that out, so it shows how far those move the answer.
**Assumptions**: jobs of a trade arrive as a Poisson stream at the shift's mean rate over the
period (from the rates file: reactive work and the planned calendar, hazards left out); job
times are exponential with the trade's mean time on the job; no travel; the people of a post
are interchangeable and serve one queue first come, first served (no priorities, no
pre-emption); nobody helps from another trade or shift. The bound asks for the fewest people
``c`` with the queue stable (``c`` above the offered load) and P(wait > ``wait_min``) ≤
``1 − share``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from twin.background.generate import generate
from twin.clock import minute_of_day
from twin.engine.setup import Drill
from twin.engine.streams import Streams
from twin.kpi import shift_seconds
from twin.scenario.schema import draw


def erlang_c_wait(c: int, load: float) -> float:
    """Erlang C: the probability that a job waits, with ``c`` servers and ``load`` erlangs
    (1 when the queue is unstable)."""
    if c <= load:
        return 1.0
    term, total = 1.0, 1.0  # a^k / k!, summed for k < c
    for k in range(1, c):
        term *= load / k
        total += term
    last = term * load / c * c / (c - load)
    return last / (total + last)


def wait_exceeds(c: int, load: float, mean_min: float, wait_min: float) -> float:
    """P(wait > ``wait_min``) in M/M/c with mean job time ``mean_min``."""
    if c <= load:
        return 1.0
    return erlang_c_wait(c, load) * math.exp(-(c - load) * wait_min / mean_min)


def fewest_servers(load: float, mean_min: float, wait_min: float, share: float) -> int:
    """The fewest ``c`` with P(wait > ``wait_min``) ≤ 1 − ``share``."""
    c = max(1, math.floor(load) + 1)
    while wait_exceeds(c, load, mean_min, wait_min) > 1 - share:
        c += 1
    return c


@dataclass(frozen=True, slots=True)
class TradeBound:
    shift: str
    trade: str
    jobs: int
    """Jobs of this trade raised while the shift was on, over the period."""
    per_hour: float
    mean_min: float
    load: float
    """Offered load in erlangs: jobs per hour × mean hours per job."""
    fewest: int
    rostered: int
    """People holding the post on that shift in the base roster."""


def erlang_bounds(
    drill: Drill, *, seed: int = 0, wait_min: float = 15.0, share: float = 0.95
) -> list[TradeBound]:
    """Per shift and trade of the base roster, the Erlang C bound (see the module docs) on the
    background work one replication draws."""
    cat = drill.background
    scenario = drill.scenario
    if cat is None:
        return []
    choices = {per: int(n.size) for per, n in cat.nodes.items()}
    found = generate(
        cat.rates,
        cat.units,
        choices,
        scenario.start,
        scenario.duration_s,
        Streams(seed),
        draw,
        hazards=False,
        scale=cat.options.scale,
    )
    start_min = minute_of_day(scenario.start)
    jobs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for a in found:
        w = cat.rates.work_orders[a.rate]
        jobs[w.trade].append((a.t_s, a.values["minutes"]))
    rostered: dict[tuple[str, str], int] = defaultdict(int)
    for p in scenario.people:
        rostered[(p.shift, next(iter(p.trades)))] += 1
    out = []
    for (shift_name, trade), n in sorted(rostered.items()):
        if trade not in jobs:
            continue
        shift = scenario.shifts[shift_name]
        times = np.array([t for t, _ in jobs[trade]])
        minutes = np.array([m for _, m in jobs[trade]])
        on = np.asarray(shift.on_duty(minute_of_day(scenario.start, times)), dtype=bool)
        hours = float(shift_seconds(shift, start_min, np.array([scenario.duration_s]))[0]) / 3600.0
        count = int(on.sum())
        if count == 0 or hours == 0:
            continue
        per_hour = count / hours
        mean_min = float(minutes[on].mean())
        load = per_hour * mean_min / 60.0
        out.append(
            TradeBound(
                shift_name,
                trade,
                count,
                per_hour,
                mean_min,
                load,
                fewest_servers(load, mean_min, wait_min, share),
                n,
            )
        )
    return out


def format_bounds(bounds: list[TradeBound], *, wait_min: float = 15.0, share: float = 0.95) -> str:
    if not bounds:
        return ""
    lines = [
        f"Erlang C lower bound (M/M/c, no travel, one FCFS queue per trade and shift; "
        f"P(wait > {wait_min:g} min) ≤ {1 - share:.0%}):",
        "  shift   trade             jobs/h   mean min   load (erlang)   Erlang C   rostered",
    ]
    for b in bounds:
        lines.append(
            f"  {b.shift:<7} {b.trade:<16} {b.per_hour:7.2f}   {b.mean_min:8.1f}   {b.load:13.2f}   "
            f"{b.fewest:8d}   {b.rostered:8d}"
        )
    return "\n".join(lines)
