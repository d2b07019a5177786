"""One row of figures per run of a sweep: a pure function of its KPIs and scenario.

Per priority: incidents, how many had someone qualified on site within target, and the p50,
p90 and p95 of response (minutes from report to first person on site); per priority and
incident kind the incidents and how many were missed (``red_missed:entrapment``: what drives a
verdict). Then damage and cost over the period, and utilisation: per shift and post
(``utilisation:night:plumber``) and per person (``utilisation:person:N-PLB1``), each the busy
share of shift hours. Cost is what the roster costs to run: staff are paid their shift hours (busy
or not); staff on call are paid, besides, a fee per call-out and the hours they work off shift;
contractors their fees and hours, less the penalties they owe for late arrival.
"""

from __future__ import annotations

import json
import math

import numpy as np

from twin.events.log import EventLog
from twin.kpi import Kpis
from twin.scenario.schema import PRIORITIES, Scenario

#: Columns with a figure per priority: ``red_incidents``, ``red_on_time``, ``red_p50_min`` …
PER_PRIORITY = ("incidents", "on_time", "p50_min", "p90_min", "p95_min")
#: Run-level columns after the per-priority ones.
TOTALS = (
    "made_safe_compliance",
    "water_m3",
    "wetted_m2h",
    "entrapments",
    "entrapment_max_min",
    "water_outage_household_h",
    "power_outage_household_h",
    "cost_roster",
    "cost_on_call",
    "cost_contractor",
    "contractor_penalties",
    "cost_total",
)


def columns() -> list[str]:
    return [f"{p}_{c}" for p in PRIORITIES for c in PER_PRIORITY] + list(TOTALS)


def roster_cost(scenario: Scenario) -> float:
    """What staff are paid for their shifts over the scenario's period: each person's rate × the
    hours their shift covers from start to end (call-outs off shift are paid on top)."""
    start_min = scenario.start.hour * 60 + scenario.start.minute
    minutes = np.arange(round(scenario.duration_h * 60)) + start_min
    of_day = minutes % 1440
    total = 0.0
    hours: dict[str, float] = {}
    for p in scenario.people:
        if p.hourly_rate == 0:
            continue
        if p.shift not in hours:
            lo, hi = scenario.shifts[p.shift].minutes()
            on = (
                np.ones_like(of_day, dtype=bool)
                if lo == hi
                else (of_day >= lo) & (of_day < hi)
                if lo < hi
                else (of_day >= lo) | (of_day < hi)
            )
            hours[p.shift] = float(on.sum()) / 60.0
        total += p.hourly_rate * hours[p.shift]
    return total


def run_row(kpis: Kpis, log: EventLog, scenario: Scenario) -> dict[str, float | str]:
    """The sweep's figures for one run (see the module docs)."""
    row: dict[str, float | str] = {}
    inc = kpis.incidents
    for prio in PRIORITIES:
        rows = inc[inc["priority"] == prio]
        on_site = rows["on_site_min"].to_numpy(dtype=float)
        seen = on_site[~np.isnan(on_site)]
        row[f"{prio}_incidents"] = float(len(rows))
        # Every response time, for percentiles pooled over replications (JSON: a Parquet cell).
        row[f"{prio}_on_site_min_all"] = json.dumps([round(float(x), 3) for x in on_site])
        row[f"{prio}_on_time"] = float(rows["on_site_met"].astype(bool).sum())
        for q in (50, 90, 95):
            row[f"{prio}_p{q}_min"] = float(np.percentile(seen, q)) if seen.size else math.nan
        kinds = rows.groupby(rows["kind"].astype(str))["on_site_met"]
        for kind, met in kinds:
            row[f"{prio}_incidents:{kind}"] = float(len(met))
            row[f"{prio}_missed:{kind}"] = float((~met.astype(bool)).sum())
    s = kpis.summary
    row |= {k: float(v) for k, v in s.items() if k.startswith("utilisation:")}
    people = kpis.people[kpis.people["shift"] != ""]
    row |= {
        f"utilisation:person:{p}": float(u)
        for p, u in zip(people["person"], people["shift_utilisation"], strict=True)
    }
    for key in (
        "made_safe_compliance",
        "water_m3",
        "wetted_m2h",
        "entrapments",
        "entrapment_max_min",
        "water_outage_household_h",
        "power_outage_household_h",
        "contractor_penalties",
    ):
        row[key] = float(s.get(key, math.nan))
    # Cost rows name the person. On-call staff are paid their fees and the hours they work off
    # shift (a task's labour is logged when it ends); every other call-out fee is a contractor's.
    f = log.frame
    on_call = {p.id: scenario.shifts[p.shift] for p in scenario.people if p.on_call}
    mine = f[(f["kind"] == "cost") & f["person"].isin(list(on_call))]
    fees = float(mine.loc[mine["detail"] == "callout", "value"].sum()) if len(mine) else 0.0
    start_min = scenario.start.hour * 60 + scenario.start.minute
    off_shift = sum(
        float(v)
        for t, p, v, d in zip(mine["t_s"], mine["person"], mine["value"], mine["detail"], strict=True)
        if d == "labour" and not on_call[str(p)].on_duty((start_min + t / 60.0) % 1440)
    )
    on_call_cost = fees + off_shift
    contractor = s["cost_contractor"] + s["cost_callout"] - fees
    roster = roster_cost(scenario)
    row["cost_on_call"] = on_call_cost
    row["cost_contractor"] = contractor
    row["cost_roster"] = roster
    row["cost_total"] = roster + on_call_cost + contractor - float(s.get("contractor_penalties", 0.0))
    return row
