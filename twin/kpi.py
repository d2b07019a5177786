"""KPIs: pure functions of an event log and the scenario's targets.

Takes an :class:`~twin.events.log.EventLog` (and the targets and roster of the scenario it came
from), gives :class:`Kpis`: per incident the report, dispatch, on-site, made-safe and resolved
times against the targets; per priority the share on site within target, mean and p90 response;
damage (water volume, wetted area × hours, deepest water); entrapments; households without water
or power over time; per person the share of the drill spent on tasks; cost (labour, call-outs,
contractors, and the penalties contractors owe for late arrival).

Times are minutes from the incident's report unless named otherwise: the clock the service
targets run on (DESIGN.md: "response time = first qualified person on site − incident reported").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from twin.clock import minute_of_day
from twin.events.log import EventLog
from twin.events.tables import incident_table
from twin.scenario.schema import Scenario, Shift

#: Figures per person (the people table's numeric columns).
PEOPLE_FIGURES = ("tasks", "busy_min", "utilisation", "shift_h", "busy_on_shift_min", "shift_utilisation")

INCIDENT_COLUMNS = (
    "incident",
    "kind",
    "title",
    "priority",
    "event_min",
    "report_delay_min",
    "dispatch_min",
    "on_site_min",
    "made_safe_min",
    "resolved_min",
    "target_on_site_min",
    "on_site_met",
    "made_safe_met",
    "resolved_met",
    "safe_before_report",
    "target_made_safe_min",
    "target_resolved_min",
)


@dataclass(frozen=True, slots=True)
class Metric:
    """What a run-level figure is, for every page that shows one."""

    label: str
    """Short name for a table row (``"Water let out"``)."""
    help: str
    """What it is, in a sentence fragment."""
    unit: str = ""
    """The unit it is shown in (``"min"``, ``"%"``, ``"cm"``; ``""`` for a count or money)."""
    scale: float = 1.0
    """Multiplies the stored value into :attr:`unit` (a share → %, metres → cm)."""
    better: str = ""
    """``"lower"``, ``"higher"`` or ``""`` (neither: a count of what happened)."""

    def shown(self, value: float) -> float:
        return float(value) * self.scale


#: Run-level figures by name: the keys of :attr:`Kpis.summary` (per priority for red; yellow and
#: blue follow the same words) and the measures a sweep adds per run (:mod:`twin.sweep.measures`).
#: The comparison of runs, the sweep report and the app read labels, units and directions here.
METRICS: dict[str, Metric] = {
    "incidents": Metric("Incidents", "incidents that happened"),
    "red_on_site_compliance": Metric(
        "Red on site in time",
        "share of red incidents with a qualified person on site within the target",
        "%",
        100.0,
        "higher",
    ),
    "mean_response_min": Metric(
        "Mean time to on site",
        "mean minutes from an incident's report to the first person on site",
        "min",
        better="lower",
    ),
    "red_p90_on_site_min": Metric(
        "Red: p90 time to on site",
        "90th percentile of minutes from report to on site, red incidents",
        "min",
        better="lower",
    ),
    "made_safe_compliance": Metric(
        "Made safe in time", "share of incidents made safe within the target", "%", 100.0, "higher"
    ),
    "water_m3": Metric(
        "Water let out", "water that escaped before the valve was closed", "m³", better="lower"
    ),
    "wetted_m2h": Metric("Wetted m²·h", "floor area wetted × hours", better="lower"),
    "max_depth_m": Metric("Deepest water", "the deepest water standing in any room", "cm", 100.0, "lower"),
    "spaces_damaged": Metric(
        "Rooms over 15 cm", "rooms where the water stood deeper than 15 cm", better="lower"
    ),
    "entrapments": Metric("Lift entrapments", "lift cars that stopped with people inside", better="lower"),
    "entrapment_max_min": Metric(
        "Longest entrapment", "minutes the longest-trapped passengers waited", "min", better="lower"
    ),
    "water_outage_household_h": Metric(
        "Household·h without water",
        "households without water × hours (a tower for 2 h counts its households × 2)",
        better="lower",
    ),
    "power_outage_household_h": Metric(
        "Household·h without power", "households without power × hours", better="lower"
    ),
    "cost_total": Metric(
        "Cost",
        "labour, call-out fees and contractors (late contractors' penalties not deducted)",
        better="lower",
    ),
    "cost_roster": Metric(
        "Roster cost", "what the staff on the roster are paid for their shifts", better="lower"
    ),
    "cost_on_call": Metric(
        "On-call cost", "call-out fees and off-shift hours of the staff on call", better="lower"
    ),
    "cost_contractor": Metric("Contractor cost", "what contractors are paid", better="lower"),
}


@dataclass(frozen=True, slots=True, eq=False)
class Kpis:
    incidents: pd.DataFrame
    """One row per incident, columns :data:`INCIDENT_COLUMNS`."""
    people: pd.DataFrame
    """One row per rostered person (zeros included) and per contractor technician who worked:
    ``person``, ``post`` (first trade), ``shift``, ``tasks``, ``busy_min``, ``utilisation`` (busy
    share of the whole run), ``shift_h`` (hours on shift in the run), ``busy_on_shift_min`` and
    ``shift_utilisation`` (busy share of their shift hours; NaN for contractors)."""
    summary: dict[str, float]
    """Run-level figures, by name (see :func:`compute_kpis`)."""

    def to_long(self) -> pd.DataFrame:
        """One table ``scope, key, label, metric, value`` for ``kpis.parquet``."""
        rows: list[tuple[str, str, str, str, float]] = []
        for name, value in self.summary.items():
            rows.append(("run", "", "", name, float(value)))
        for rec in self.incidents.to_dict("records"):
            label = f"{rec['kind']}|{rec['priority']}|{rec['title']}"
            for col in INCIDENT_COLUMNS[4:]:
                rows.append(("incident", str(rec["incident"]), label, col, _num(rec[col])))
        for rec in self.people.to_dict("records"):
            for col in PEOPLE_FIGURES:
                rows.append(("person", str(rec["person"]), "", col, _num(rec[col])))
        frame = pd.DataFrame.from_records(rows, columns=["scope", "key", "label", "metric", "value"])
        return frame.astype(
            {"scope": "string", "key": "string", "label": "string", "metric": "string", "value": "float64"}
        )

    def to_json(self) -> dict[str, Any]:
        """Plain data: ``{"summary": {...}, "incidents": [...], "people": [...]}`` (NaN → null)."""

        def clean(v: Any) -> Any:
            if isinstance(v, float | np.floating):
                return None if math.isnan(v) else round(float(v), 4)
            if isinstance(v, np.integer | np.bool_):
                return v.item()
            return v

        return {
            "summary": {k: clean(v) for k, v in self.summary.items()},
            "incidents": [{k: clean(v) for k, v in r.items()} for r in self.incidents.to_dict("records")],
            "people": [{k: clean(v) for k, v in r.items()} for r in self.people.to_dict("records")],
        }


def _num(v: Any) -> float:
    if v is None:
        return math.nan
    if isinstance(v, bool | np.bool_):
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def compute_kpis(log: EventLog, scenario: Scenario) -> Kpis:
    """Every KPI of one run.

    ``summary`` holds: ``incidents``; per priority ``<p>_incidents``, ``<p>_on_site_compliance``
    (share on site within target, unresolved-on-site counts as missed), ``<p>_on_site_max_compliance``
    (within the hard limit, where the targets set one), ``<p>_mean_on_site_min``,
    ``<p>_p90_on_site_min``; ``mean_response_min`` (all priorities); ``made_safe_compliance``;
    ``water_m3``, ``wetted_m2h``, ``max_depth_m``, ``spaces_damaged``; ``entrapments``,
    ``entrapment_max_min``, ``entrapment_mean_min``; ``water_outage_household_h``,
    ``power_outage_household_h``; ``cost_labour``, ``cost_callout``, ``cost_contractor``,
    ``cost_total`` (their sum: what the property pays, never less than 0) and
    ``contractor_penalties`` (owed to the property by late contractors: a credit of its own, not
    taken off the total), in the scenario's ``currency``; ``duration_h``; per shift and post
    (first trade) of the roster ``utilisation:<shift>:<post>``, the busy share of the post's
    shift hours (Σ busy on shift / Σ shift hours of everyone holding it).

    Intervals run from the report. A hazard made safe before anyone knew of it (the generator
    takes the load 10 s after the grid fails, the sensor reports a moment later) has
    ``made_safe_min`` 0 and ``safe_before_report`` true.
    """
    f = log.frame
    end_s = scenario.duration_s
    incidents = _incident_table(f, scenario)
    summary: dict[str, float] = {"incidents": float(len(incidents)), "duration_h": scenario.duration_h}
    for prio in ("red", "yellow", "blue"):
        rows = incidents[incidents["priority"] == prio]
        n = len(rows)
        summary[f"{prio}_incidents"] = float(n)
        on_site = rows["on_site_min"].to_numpy(dtype=float)
        limit = scenario.targets.of(prio).on_site_max_min
        if n and limit is not None:
            within = rows["on_site_min"].to_numpy(dtype=float) <= limit  # NaN (nobody came) is False
            summary[f"{prio}_on_site_max_compliance"] = float(within.mean())
        if n:
            summary[f"{prio}_on_site_compliance"] = float(rows["on_site_met"].astype(bool).mean())
            seen = on_site[~np.isnan(on_site)]
            summary[f"{prio}_mean_on_site_min"] = float(seen.mean()) if seen.size else math.nan
            summary[f"{prio}_p90_on_site_min"] = float(np.percentile(seen, 90)) if seen.size else math.nan
        else:
            summary[f"{prio}_on_site_compliance"] = math.nan
            summary[f"{prio}_mean_on_site_min"] = math.nan
            summary[f"{prio}_p90_on_site_min"] = math.nan
    all_on = incidents["on_site_min"].to_numpy(dtype=float)
    all_on = all_on[~np.isnan(all_on)]
    summary["mean_response_min"] = float(all_on.mean()) if all_on.size else math.nan
    safe = incidents["made_safe_met"].dropna()
    summary["made_safe_compliance"] = float(safe.astype(bool).mean()) if len(safe) else math.nan

    damage = f[f["kind"] == "damage"]
    tally = dict(zip(damage["detail"].astype(str), damage["value"], strict=True))
    summary["water_m3"] = float(tally.get("volume_m3", 0.0))
    summary["wetted_m2h"] = float(tally.get("wetted_m2h", 0.0))
    summary["max_depth_m"] = float(tally.get("max_depth_m", 0.0))
    summary["spaces_damaged"] = float(tally.get("spaces_damaged", 0.0))

    trapped = incidents[incidents["kind"] == "entrapment"]
    durations = (trapped["made_safe_at_min"] - trapped["event_min"]).to_numpy(dtype=float, copy=True)
    summary["entrapments"] = float(len(trapped))
    open_ = np.isnan(durations)
    if open_.any():
        # Still trapped at the end: counted until the end.
        durations[open_] = (end_s / 60.0) - trapped["event_min"].to_numpy(dtype=float)[open_]
    summary["entrapment_max_min"] = float(durations.max()) if durations.size else 0.0
    summary["entrapment_mean_min"] = float(durations.mean()) if durations.size else 0.0

    supply = f[f["kind"] == "supply"]
    for what in ("water", "power"):
        rows = supply[supply["detail"] == what]
        summary[f"{what}_outage_household_h"] = _integrate(
            rows["t_s"].to_numpy(), rows["value"].to_numpy(), end_s
        )

    cost = f[f["kind"] == "cost"]
    by = cost.groupby(cost["detail"].astype(str))["value"].sum()
    summary["cost_labour"] = float(by.get("labour", 0.0))
    summary["cost_callout"] = float(by.get("callout", 0.0))
    summary["cost_contractor"] = float(by.get("contractor", 0.0))
    summary["contractor_penalties"] = float(-by.get("penalty", 0.0))
    summary["cost_total"] = summary["cost_labour"] + summary["cost_callout"] + summary["cost_contractor"]
    people = _people_table(f, scenario)
    summary |= post_utilisation(people)
    return Kpis(incidents[list(INCIDENT_COLUMNS)], people, summary)


def _integrate(t: np.ndarray, level: np.ndarray, end_s: float) -> float:
    """Hours × level of a step function that takes ``level[i]`` from ``t[i]`` on."""
    if t.size == 0:
        return 0.0
    edges = np.append(t, max(end_s, float(t[-1])))
    return float((np.diff(edges) * level).sum() / 3600.0)


def _incident_table(f: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    table = incident_table(f)
    if table.empty:
        columns = (*INCIDENT_COLUMNS, "made_safe_at_min")
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}).astype(
            {"incident": "int64", "kind": "string", "title": "string", "priority": "string"}
        )
    out = table[["incident", "kind", "title", "priority"]].copy()
    event_s = table["raised_s"]
    reported = table["reported_s"]
    out["event_min"] = event_s / 60.0
    out["report_delay_min"] = (reported - event_s) / 60.0
    for name, kind in (
        ("dispatch_min", "dispatched"),
        ("on_site_min", "on_site"),
        ("made_safe_min", "made_safe"),
        ("resolved_min", "resolved"),
    ):
        out[name] = (table[f"{kind}_s"] - reported) / 60.0
    out["made_safe_at_min"] = table["made_safe_s"] / 60.0
    out["safe_before_report"] = (out["made_safe_min"] < 0).to_numpy()
    out["made_safe_min"] = out["made_safe_min"].clip(lower=0.0)
    targets = [scenario.targets.of(p) for p in out["priority"]]
    out["target_on_site_min"] = [t.on_site_min for t in targets]
    out["on_site_met"] = (out["on_site_min"] <= out["target_on_site_min"]).fillna(False)
    out["made_safe_met"] = [
        None if t.made_safe_min is None else bool(v <= t.made_safe_min)
        for t, v in zip(targets, out["made_safe_min"], strict=True)
    ]
    out["resolved_met"] = [
        None if t.resolved_min is None else bool(v <= t.resolved_min)
        for t, v in zip(targets, out["resolved_min"], strict=True)
    ]
    out["target_made_safe_min"] = [math.nan if t.made_safe_min is None else t.made_safe_min for t in targets]
    out["target_resolved_min"] = [math.nan if t.resolved_min is None else t.resolved_min for t in targets]
    return out[[*INCIDENT_COLUMNS, "made_safe_at_min"]].astype(
        {"kind": "string", "title": "string", "priority": "string"}
    )


def shift_seconds(shift: Shift, start_min: float, t_s: np.ndarray) -> np.ndarray:
    """Seconds on ``shift`` between a run's start (``start_min`` after midnight) and each ``t_s``:
    the cumulative of the shift's daily on-duty window, exact for any times."""
    lo, hi = shift.minutes()
    if lo == hi:
        return np.asarray(t_s, dtype=float).copy()
    windows = [(lo, hi)] if lo < hi else [(lo, 1440), (0, hi)]
    per_day = sum(b - a for a, b in windows) * 60.0

    def upto(abs_s: np.ndarray) -> np.ndarray:  # on-duty seconds from the midnight before the start
        days, rest = np.divmod(abs_s, 86400.0)
        part = sum(np.clip(rest - a * 60.0, 0.0, (b - a) * 60.0) for a, b in windows)
        return days * per_day + part

    t = np.asarray(t_s, dtype=float)
    return np.asarray(upto(t + start_min * 60.0) - upto(np.array(start_min * 60.0)))


def _busy_intervals(g: pd.DataFrame, end_s: float) -> list[tuple[float, float]]:
    """When one person was on a task: from a dispatch to the end of their last open task."""
    out: list[tuple[float, float]] = []
    open_tasks: set[int] = set()
    since = math.nan
    for t, kind, task in zip(g["t_s"], g["kind"], g["task"], strict=True):
        if kind == "dispatched":
            if not open_tasks:
                since = t
            open_tasks.add(int(task))
        elif kind == "preempted":
            open_tasks.discard(int(task))  # already on the task that took them off it
        else:
            open_tasks.discard(int(task))
            if not open_tasks:
                out.append((since, t))
    if open_tasks:
        out.append((since, end_s))
    return out


def _people_table(f: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    end_s = scenario.duration_s
    rows = f[f["kind"].isin(["dispatched", "done", "preempted"]) & (f["person"] != "")]
    groups = {str(k): g for k, g in rows.groupby(rows["person"].astype(str), sort=True)}
    start_min = minute_of_day(scenario.start)
    roster = {p.id: p for p in scenario.people}
    out = []
    for person in [*roster, *sorted(set(groups) - set(roster))]:
        g = groups.get(person)
        spans = np.array(_busy_intervals(g, end_s) if g is not None else [], dtype=float).reshape(-1, 2)
        busy = float((spans[:, 1] - spans[:, 0]).sum())
        tasks = int((g["kind"] == "done").sum()) if g is not None else 0
        p = roster.get(person)
        if p is None:  # a contractor's technician: no shift of ours
            post, shift_name, shift_h, on_busy, share = "contractor", "", math.nan, math.nan, math.nan
        else:
            shift = scenario.shifts[p.shift]
            post, shift_name = next(iter(p.trades)), p.shift
            on_s = float(shift_seconds(shift, start_min, np.array([end_s]))[0])
            ends = shift_seconds(shift, start_min, spans.ravel()).reshape(-1, 2)
            on_busy = float((ends[:, 1] - ends[:, 0]).sum()) / 60.0
            shift_h = on_s / 3600.0
            share = on_busy * 60.0 / on_s if on_s else math.nan
        out.append(
            (
                person,
                post,
                shift_name,
                tasks,
                busy / 60.0,
                busy / end_s if end_s else math.nan,
                shift_h,
                on_busy,
                share,
            )
        )
    cols = ["person", "post", "shift", *PEOPLE_FIGURES]
    return pd.DataFrame(out, columns=cols).astype(
        {"person": "string", "post": "string", "shift": "string", "tasks": "int64"}
    )


def post_utilisation(people: pd.DataFrame) -> dict[str, float]:
    """``utilisation:<shift>:<post>`` → Σ busy on shift / Σ shift time of the roster's holders."""
    staff = people[people["shift"] != ""]
    out: dict[str, float] = {}
    for (shift, post), g in staff.groupby(["shift", "post"], sort=True):
        hours = float(g["shift_h"].sum())
        out[f"utilisation:{shift}:{post}"] = (
            float(g["busy_on_shift_min"].sum()) / 60.0 / hours if hours > 0 else math.nan
        )
    return out
