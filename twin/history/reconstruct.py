"""Rebuilding an imported work-order history as an event log, like a drill's.

Takes the incidents a history's reader gives (:func:`twin.history.read.read_history`: one row per
work order, with its times, place, kind, trade, priority and who went), the scenario whose
roster, channels and targets apply and, when there is one, the building's twin. Gives a
:class:`Reconstruction`: an :class:`~twin.events.log.EventLog` written with the engine's own
helpers — the same row kinds, ``incident``/``task`` details and task names
(:func:`twin.engine.recorded.steps`) — so the KPIs, the after-action report, the plan replay and
compare read it as they read a drill; the travel the twin implies for each dispatch set against
the log's dispatched → on-site interval; and the incidents as the engine re-raises them for a
what-if (:mod:`twin.history.whatif`).

Where someone came from: the place of the last incident the log has them on, while they could
not yet have walked back from it to their base (the engine's people walk back to base when a
task is done); else their base; from the entrance nearest the job when they were off shift
(called out). A log without a twin (places that do not resolve: node -1) still gets every row
and its KPIs, without coordinates, walks or moves — and so without a plan replay.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from twin.clock import minute_of_day
from twin.engine.recorded import RecordedIncident, needs, steps
from twin.errors import PlaceError
from twin.events.log import PRIORITY_CODE, EventLog, EventRecorder, incident_detail, task_detail
from twin.history.read import INCIDENT_COLUMNS, History, HistoryError
from twin.places import place_name, resolve_place
from twin.routing import NORMAL, Router
from twin.scenario.schema import TRADES, Person, Scenario, Shift
from twin.twin import Twin

#: Maintenance systems stamp times to the minute: a logged dispatched → on-site interval is
#: "faster than the walk" only when it is shorter than the twin's walk by more than this.
CLOCK_RESOLUTION_S = 60.0

#: The channel an imported incident's ``reported`` row names: the log says when it was reported,
#: not how (a what-if can say, see :mod:`twin.history.whatif`).
LOGGED_CHANNEL = "log"

TRAVEL_COLUMNS = (
    "incident",
    "id",
    "row",
    "person",
    "came_from",
    "why",
    "log_travel_min",
    "twin_walk_min",
    "faster_than_walk",
)


@dataclass(frozen=True, slots=True, eq=False)
class Reconstruction:
    """An imported history as a drill's results."""

    log: EventLog
    scenario: Scenario
    """The scenario it is measured against: its roster, channels and targets, over the log's
    period (:attr:`start`, whole days), with no hazards and no background of its own."""
    start: pd.Timestamp
    """The moment ``t_s = 0`` (local midnight before the first report, time-zone aware)."""
    ids: tuple[str, ...]
    """The log's id of each incident of :attr:`log` (its ``incident`` column indexes this)."""
    travel: pd.DataFrame
    """One row per incident (:data:`TRAVEL_COLUMNS`): who went, where from and why, the log's
    dispatched → on-site minutes against the twin's walk, and ``faster_than_walk``."""
    recorded: tuple[RecordedIncident, ...]
    """The incidents on the twin as the engine raises them, for a what-if (those whose place
    resolved), in the order they were reported."""
    recorded_incident: tuple[int, ...]
    """The :attr:`log`'s incident index of each of :attr:`recorded`."""
    assumed_work: tuple[str, ...]
    """Ids of incidents in :attr:`recorded` whose on-site work the log does not give (no on-site
    or resolved time): their work is the median of their kind's."""
    twin: Twin | None = None


def reconstruct(incidents: pd.DataFrame, scenario: Scenario, *, twin: Twin | None = None) -> Reconstruction:
    """An imported history as an event log on the twin.

    Parameters
    ----------
    incidents
        The reader's incidents (:data:`INCIDENT_COLUMNS`): times tz-aware (``NaT`` when absent),
        ``node`` -1 where the place did not resolve, ``person`` a roster id or ``""``.
    scenario
        Whose roster, channels and targets apply (its period, hazards and background are
        replaced by the log's).
    twin
        The building; ``None`` for a log from a site without one.

    Raises
    ------
    HistoryError
        No incidents; a period longer than a scenario may run (366 days).
    """
    missing = [c for c in INCIDENT_COLUMNS if c not in incidents.columns]
    if missing:
        raise HistoryError(
            f"the incidents table lacks {', '.join(missing)}; it has {', '.join(incidents.columns)}"
        )
    table = incidents[incidents["reported"].notna()].sort_values(["reported", "row"], kind="stable")
    if table.empty:
        raise HistoryError("the history has no incident with a reported time; nothing to rebuild")
    start = _local_midnight(table["reported"].iloc[0])
    last = max(
        pd.Timestamp(table[c].max())
        for c in ("reported", "dispatched", "arrived", "made_safe", "resolved")
        if table[c].notna().any()
    )
    days = math.ceil((last - start).total_seconds() / 86400.0 + 1e-9)
    if days > 366:
        raise HistoryError(
            f"the history runs {days} days from {start:%Y-%m-%d}; a replay covers at most 366 — "
            "split the log by year"
        )
    scenario = scenario.model_copy(
        update={
            "start": start.tz_localize(None).to_pydatetime(),
            "duration_h": 24.0 * days,
            "hazards": [],
            "background": None,
        }
    )
    return _Builder(table, scenario, twin, start).build()


def history_scenario(incidents: pd.DataFrame, base: Scenario | None, *, name: str = "history") -> Scenario:
    """The scenario a history is measured against: ``base`` (the mapping's ``scenario:``) when
    given; else the default targets with one person per name in the log, on duty all day (the
    log says who went, not their shifts) and holding the trade they went for most."""
    if base is not None:
        return base
    people: list[Person] = []
    named = incidents[incidents["person"].astype(str) != ""]
    for pid, rows in named.groupby(named["person"].astype(str), sort=True):
        trades = rows["trade"].astype(str)
        trades = trades[trades != ""]
        trade = str(trades.mode().iloc[0]) if len(trades) else "general"
        people.append(Person(id=str(pid), trades={trade: 2}, shift="all day"))
    if not people:
        # A scenario has a roster; a log naming nobody gets one stand-in that is never sent.
        people.append(
            Person(id="crew", name="nobody named in the log", trades={"general": 1}, shift="all day")
        )
    return Scenario(name=name, people=people, shifts={"all day": Shift(start="00:00", end="00:00")})


def _local_midnight(t: Any) -> pd.Timestamp:
    ts = pd.Timestamp(t)
    if ts.tzinfo is None:
        raise HistoryError(f"reported time {ts} has no time zone; the reader gives tz-aware times")
    return ts.normalize()


def _seconds(t: Any, start: pd.Timestamp) -> float:
    return math.nan if pd.isna(t) else float((pd.Timestamp(t) - start).total_seconds())


def _times(r: dict[str, Any], start: pd.Timestamp) -> dict[str, float]:
    """Seconds from ``start`` of each step of a work order: the report on the site's wall clock —
    the engine's clock has no daylight saving, so a summer report at 07:30 must be 07:30 to it,
    when the day shift is on — and the steps after it by the time that really passed."""
    rep = pd.Timestamp(r["reported"])
    wall = float((rep.tz_localize(None) - start.tz_localize(None)).total_seconds())
    out = {"reported": wall}
    for c in ("dispatched", "arrived", "made_safe", "resolved"):
        out[c] = math.nan if pd.isna(r[c]) else wall + float((pd.Timestamp(r[c]) - rep).total_seconds())
    return out


class _Builder:
    """Writes one history's rows (a builder rather than one long function: the people's last
    known places carry from one incident to the next)."""

    def __init__(
        self, table: pd.DataFrame, scenario: Scenario, twin: Twin | None, start: pd.Timestamp
    ) -> None:
        self.table = table
        self.scenario = scenario
        self.twin = twin
        self.start = start
        self.rec = EventRecorder()
        self.people = {p.id: p for p in scenario.people}
        self.contractors = {c.id: c for c in scenario.contractors}
        self.base: dict[str, int] = {}
        self.router: Router | None = None
        if twin is not None:
            for p in scenario.people:
                try:
                    self.base[p.id] = resolve_place(p.base, twin.model, twin.graph)
                except PlaceError:
                    self.base[p.id] = -1
            keys = [n for n in self.base.values() if n >= 0] + [int(n) for n in twin.graph.entrances]
            self.router = Router(twin.graph, np.unique(np.asarray(keys, dtype=np.int64)))
        self.last: dict[str, tuple[float, int, str]] = {}
        """Person → (time they finished, node, log id) of the last incident the log has them on."""
        self.task_ids = 0

    def build(self) -> Reconstruction:
        rows = list(self.table.to_dict("records"))
        kinds = pd.Series([str(r["kind"]) for r in rows])
        work = [_seconds(r["resolved"], self.start) - _seconds(r["arrived"], self.start) for r in rows]
        median = pd.Series(work, dtype=float).groupby(kinds).median()
        overall = float(np.nanmedian(work)) if np.isfinite(work).any() else 0.0
        travel: list[tuple[Any, ...]] = []
        recorded: list[RecordedIncident] = []
        assumed: list[tuple[str, int]] = []
        recorded_at: list[int] = []
        for i, r in enumerate(rows):
            t = _times(r, self.start)
            person = str(r["person"] or "")
            if person and person not in self.people and person not in self.contractors:
                person = ""  # not on the roster: the reader flags it; nobody to place
            came, why, walk_s, path = self._origin(person, int(r["node"]), t)
            interval = t["arrived"] - t["dispatched"]
            faster = bool(interval + CLOCK_RESOLUTION_S < walk_s) if math.isfinite(walk_s) else False
            travel.append(
                (i, str(r["id"]), int(r["row"]), person, came, why, interval / 60.0, walk_s / 60.0, faster)
            )
            w = work[i]
            if not math.isfinite(w):
                w = float(median.get(str(r["kind"]), math.nan))
                w = w if math.isfinite(w) else overall
                assumed.append((str(r["id"]), i))
            spec = RecordedIncident(
                t_s=t["reported"],
                kind=str(r["kind"]),
                title=_title(r),
                priority=str(r["priority"]),
                node=int(r["node"]),
                trade=_trade(r["trade"]) or self._post(person),
                work_s=max(w, 0.0),
                safe_s=t["made_safe"] - t["arrived"],
                dispatch_delay_s=max(t["dispatched"] - t["reported"], 0.0)
                if math.isfinite(t["dispatched"])
                else 0.0,
                person=person,
            )
            if spec.node >= 0:
                recorded.append(spec)
                recorded_at.append(i)
            self._write(i, r, spec, t, person, walk_s, path)
            if person and math.isfinite(end := np.nanmax([t["arrived"], t["made_safe"], t["resolved"]])):
                self.last[person] = (float(end), int(r["node"]), str(r["id"]))
        cols = list(TRAVEL_COLUMNS)
        travel_frame = pd.DataFrame(travel, columns=cols).astype(
            {"id": "string", "person": "string", "came_from": "string", "why": "string"}
        )
        ids = tuple(str(r["id"]) for r in rows)
        self.rec.add(self.scenario.duration_s, "end", value=float(len(rows)))
        # A stable sort: rows at one time keep the order they were written in.
        in_time = sorted(self.rec.rows, key=lambda row: float(row[0]))
        frame = EventLog.from_rows(in_time).frame
        return Reconstruction(
            EventLog(frame.reset_index(drop=True)),
            self.scenario,
            self.start,
            ids,
            travel_frame,
            tuple(recorded),
            tuple(recorded_at),
            tuple(a for a, i in assumed if i in set(recorded_at)),
            self.twin,
        )

    # -- where from -------------------------------------------------------------------------
    def _origin(self, person: str, node: int, t: dict[str, float]) -> tuple[str, str, float, Any]:
        """(where they came from, why, the twin's walk in s, the path) for one dispatch."""
        if not person or self.twin is None or self.router is None or node < 0:
            return "", "" if person else "nobody named", math.nan, None
        p = self.people.get(person)
        when = t["dispatched"] if math.isfinite(t["dispatched"]) else t["reported"]
        base = self.base.get(person, -1)
        origin, why = base, "base"
        last = self.last.get(person)
        on_duty = p is not None and bool(
            self.scenario.shifts[p.shift].on_duty(minute_of_day(self.scenario.start, when))
        )
        if p is None:  # a contractor: signs in at their arrival point, else the entrance nearest
            c = self.contractors[person]
            arrival = resolve_place(c.arrives_at, self.twin.model, self.twin.graph) if c.arrives_at else -1
            entrances = np.asarray([arrival]) if arrival >= 0 else self.twin.graph.entrances
            if entrances.size:
                to_job = self.router.times(entrances, [node], NORMAL)[:, 0]
                origin, why = int(entrances[int(np.argmin(to_job))]), "contractor: from where they sign in"
        elif not on_duty:
            entrances = self.twin.graph.entrances
            if entrances.size:
                to_job = self.router.times(entrances, [node], NORMAL)[:, 0]
                origin, why = (
                    int(entrances[int(np.argmin(to_job))]),
                    "off shift: called out, from the entrance",
                )
        elif last is not None and last[1] >= 0:
            done_s, prev, prev_id = last
            back = float(self.router.times([prev], [base], NORMAL)[0, 0]) if base >= 0 else math.inf
            if when < done_s:
                origin, why = prev, f"still at incident {prev_id}"
            elif when - done_s < back:
                origin, why = prev, f"last seen at incident {prev_id}"
        if origin < 0:
            return "", "base not in the building", math.nan, None
        path = self.router.path(origin, node, NORMAL)
        return place_name(self.twin.model, self.twin.graph, origin), why, float(path.time_s), path

    # -- rows -------------------------------------------------------------------------------
    def _log(self, t_s: float, kind: str, node: int, place: str, **kw: Any) -> None:
        if not math.isfinite(t_s):
            return
        if node >= 0 and self.twin is not None:
            kw["place"] = place_name(self.twin.model, self.twin.graph, node)
            kw["xyz"] = self.twin.graph.node_xyz[node]
        else:
            kw["place"] = place
        self.rec.add(t_s, kind, **kw)

    def _write(
        self,
        i: int,
        r: dict[str, Any],
        spec: RecordedIncident,
        t: dict[str, float],
        person: str,
        walk_s: float,
        path: Any,
    ) -> None:
        node, place = spec.node, str(r["place"] or "")
        rep = t["reported"]
        self._log(
            rep,
            "incident",
            node,
            place,
            incident=i,
            value=PRIORITY_CODE[spec.priority],
            detail=incident_detail(spec.kind, spec.priority, spec.title),
        )
        parts = steps(spec)
        first = self.task_ids
        self.task_ids += len(parts)
        for k, (name, _, _) in enumerate(parts):
            self._log(
                rep,
                "task",
                node,
                place,
                incident=i,
                task=first + k,
                value=PRIORITY_CODE[spec.priority],
                detail=task_detail(name, needs(spec.trade)),
            )
        self._log(rep, "reported", node, place, incident=i, detail=LOGGED_CHANNEL)
        name0 = parts[0][0]
        self._log(
            t["dispatched"],
            "dispatched",
            node,
            place,
            incident=i,
            task=first,
            person=person,
            value=walk_s,
            detail=name0,
        )
        if path is not None and math.isfinite(t["arrived"]):
            self._moves(person, first, path, t)
        self._log(t["arrived"], "on_site", node, place, incident=i, task=first, person=person, detail=name0)
        self._log(t["arrived"], "work", node, place, incident=i, task=first, person=person, value=parts[0][1])
        end0 = t["resolved"]
        if len(parts) == 2:
            end0 = t["made_safe"]
            self._log(end0, "done", node, place, incident=i, task=first, person=person, detail=name0)
            self._log(end0, "made_safe", node, place, incident=i)
            name1 = parts[1][0]
            for kind, value in (("dispatched", 0.0), ("on_site", math.nan), ("work", parts[1][1])):
                self._log(
                    end0,
                    kind,
                    node,
                    place,
                    incident=i,
                    task=first + 1,
                    person=person,
                    value=value,
                    detail="" if kind == "work" else name1,
                )
            self._log(
                t["resolved"], "done", node, place, incident=i, task=first + 1, person=person, detail=name1
            )
        else:
            self._log(t["resolved"], "done", node, place, incident=i, task=first, person=person, detail=name0)
            safe = t["made_safe"] if math.isfinite(t["made_safe"]) else t["resolved"]
            self._log(safe, "made_safe", node, place, incident=i)
        self._log(t["resolved"], "resolved", node, place, incident=i)
        self._cost(i, person, t)

    def _moves(self, person: str, task: int, path: Any, t: dict[str, float]) -> None:
        """The walk the twin implies, ending when the log has them on site (squeezed into the
        logged interval when that is shorter than the walk)."""
        assert self.twin is not None  # a path comes from the twin's router
        xyz = self.twin.graph.node_xyz
        walk = float(path.time_s)
        interval = t["arrived"] - t["dispatched"] if math.isfinite(t["dispatched"]) else walk
        scale = min(1.0, interval / walk) if walk > 0 and interval >= 0 else 1.0
        leave = t["arrived"] - walk * scale
        for node, at in zip(path.nodes[1:].tolist(), path.t_s[1:].tolist(), strict=True):
            self.rec.add(leave + at * scale, "move", person=person, task=task, xyz=xyz[node])

    def _post(self, person: str) -> str:
        """The first trade of who went: the work's trade when the log gives none."""
        p = self.people.get(person) or self.contractors.get(person)
        return next(iter(p.trades)) if p is not None else ""

    def _cost(self, i: int, person: str, t: dict[str, float]) -> None:
        """Their hours on it at the roster's (or contract's) rate, as the engine accounts a busy
        spell; a contractor's call-out fee too."""
        p = self.people.get(person) or self.contractors.get(person)
        begin = t["dispatched"] if math.isfinite(t["dispatched"]) else t["arrived"]
        if p is None or not (math.isfinite(begin) and math.isfinite(t["resolved"])):
            return
        hours = max(t["resolved"] - begin, 0.0) / 3600.0
        detail = "labour" if person in self.people else "contractor"
        if detail == "contractor" and p.callout_fee:
            self.rec.add(begin, "cost", incident=i, person=person, value=p.callout_fee, detail="callout")
        if hours > 0 and p.hourly_rate > 0:
            self.rec.add(
                t["resolved"], "cost", incident=i, person=person, value=hours * p.hourly_rate, detail=detail
            )


def _title(r: dict[str, Any]) -> str:
    """The incident's title with the log's id in front, so the report's rows lead back to it."""
    title = str(r.get("title") or r.get("category") or "").strip()
    return f"{r['id']} {title}".strip()


def _trade(value: Any) -> str:
    """A trade the roster knows, else ``""`` (anyone may do it)."""
    return str(value) if isinstance(value, str) and value in TRADES else ""


def days_of(rec: Reconstruction) -> pd.DataFrame:
    """Each day of the history with its incidents: ``day`` (0 = the first), ``date``,
    ``incidents``, ``red`` — the days a one-day replay (:func:`one_day`) can show."""
    raised = rec.log.of("incident")
    day = (raised["t_s"] // 86400.0).astype(int)
    red = raised["value"] == PRIORITY_CODE["red"]
    out = (
        pd.DataFrame({"day": day, "red": red.astype(int)})
        .groupby("day")
        .agg(incidents=("red", "size"), red=("red", "sum"))
    )
    out = out.reset_index()
    out.insert(1, "date", [(rec.start + pd.Timedelta(days=int(d))).date() for d in out["day"]])
    return out


def busiest_day(rec: Reconstruction) -> int:
    """The day with the most red incidents, then the most incidents (the first such)."""
    days = days_of(rec)
    best = days.sort_values(["red", "incidents", "day"], ascending=[False, False, True], kind="stable")
    return int(best["day"].iloc[0])


def one_day(rec: Reconstruction, day: int) -> tuple[EventLog, Scenario]:
    """The incidents reported on ``day`` (0 = the first) as a run of their own, for a plan replay
    or a report a person can read: every row of those incidents (their work past midnight too)
    and of the walks to them, times from that day's midnight; the scenario starting then, until
    the last of them is done (at least the day)."""
    f = rec.log.frame
    lo, hi = day * 86400.0, (day + 1) * 86400.0
    raised = f[(f["kind"] == "incident") & (f["t_s"] >= lo) & (f["t_s"] < hi)]["incident"]
    mine = f["incident"].isin(raised)
    tasks = f.loc[mine & (f["task"] >= 0), "task"].unique()
    keep = mine | ((f["kind"] == "move") & f["task"].isin(tasks))
    rows = f[keep].copy()
    rows["t_s"] = rows["t_s"] - lo
    hours = max(24.0, math.ceil(float(rows["t_s"].max()) / 3600.0) if len(rows) else 24.0)
    scenario = rec.scenario.model_copy(
        update={"start": rec.scenario.start + pd.Timedelta(days=day).to_pytimedelta(), "duration_h": hours}
    )
    return EventLog(rows.reset_index(drop=True)), scenario


def replay_history(history: History, *, twin: Twin | None) -> Reconstruction:
    """An imported history (:func:`twin.history.read.read_history`) rebuilt on ``twin``, measured
    against its mapping's scenario (else :func:`history_scenario`'s), named after its file."""
    base = history.scenario.scenario if history.scenario is not None else None
    scenario = history_scenario(history.incidents, base)
    scenario = scenario.model_copy(update={"name": f"{history.source.name} replayed"})
    return reconstruct(history.incidents, scenario, twin=twin if history.mapping.mapping.has_twin else None)


def reported_between(history: History, first: dt.date | None, last: dt.date | None) -> History:
    """The history with only the work orders reported from day ``first`` to day ``last``
    (inclusive, the site's local dates; ``None``: open), to replay a week of a year's log."""
    local = history.incidents["reported"].dt.date
    keep = pd.Series(True, index=history.incidents.index)
    if first is not None:
        keep &= local >= first
    if last is not None:
        keep &= local <= last
    return dataclasses.replace(history, incidents=history.incidents[keep].reset_index(drop=True))
