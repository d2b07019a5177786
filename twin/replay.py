"""The replay of a drill: an event log → the building's state at each replay time, and an animated
plan of one storey.

Takes the event log's frame, the scenario and the twin; gives a frozen :class:`Replay` — where
each person is (interpolated along the route they walked), what they are doing, how deep the
water stands in each space, which lifts are stopped and what state each incident is in, at each of
a list of times — and :func:`replay_figure`, a plotly plan of one storey with one animation frame
per time, a play button and a time slider.

The single-time helpers of :mod:`twin.report` (:func:`~twin.report.positions_at`,
:func:`~twin.report.depths_at`, :func:`~twin.report.lifts_out_at`,
:func:`~twin.report.incidents_at`) answer the same questions one time at a time and stepwise;
here the answers for every frame come at once, and a person between two points of their route is
drawn between them. The tests check that both agree where they should.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from twin.clock import minute_of_day
from twin.errors import PlaceError
from twin.figures import room_labels
from twin.model import BuildingModel
from twin.places import resolve_place
from twin.plan import PlanPart, plan_parts, storey_plan
from twin.report import STOREY_TOLERANCE_M, incident_table, task_bars
from twin.scenario.schema import Scenario
from twin.twin import Twin
from twin.words import plural

XYZ = tuple[float, float, float]

#: An incident's state, in the order they come: index into this with :attr:`Replay.state`.
STATES = ("not known yet", "reported", "help on the way", "someone on site", "made safe", "resolved")
#: The incident-table column that starts each state after the first.
STATE_COLUMNS = ("reported_s", "dispatched_s", "on_site_s", "made_safe_s", "resolved_s")
STATE_COLOURS = ("rgb(150,150,150)", "#d62728", "#ff7f0e", "#f2c500", "#9467bd", "#2ca02c")

#: What a person is doing: index into this with :attr:`Replay.activity`.
ACTIVITIES = ("not on a task", "on the way to a task", "working on a task")
ACTIVITY_COLOURS = ("rgb(125,125,125)", "#d81b60", "rgb(20,20,20)")

#: Water depth colours, shallow to deep, from 0 to the deepest water of the run.
DEPTH_SCALE = [[0.0, "rgb(198,219,239)"], [0.5, "rgb(66,146,198)"], [1.0, "rgb(8,48,107)"]]

#: Water is drawn in this many shades of the scale (one trace each).
WATER_SHADES = 8

DRY_FILL = "rgb(243,243,240)"
SPACE_LINE = "rgb(160,160,160)"
STAIR_LINE = "rgb(51,166,77)"
LIFT_OK = "rgb(242,153,26)"
LIFT_OUT = "rgb(211,47,47)"

PLAN_WIDTH_PX = 1100
PLAN_HEIGHT_PX = (340, 620)
VIEW_MARGIN_M = 3.0
LABEL_PX_PER_CHAR = 6.0
MAX_ROOM_LABELS = 40
#: Names listed under the clock of people who are on another storey, at most.
MAX_ELSEWHERE = 6
#: Milliseconds each frame is shown while playing.
FRAME_MS = 160


# ------------------------------------------------------------------------------- people


@dataclass(frozen=True, slots=True)
class Track:
    """Where one person is known to be: at ``xyz[k]`` at time ``t[k]``, moving in a straight line
    between consecutive points (two points at one place are a wait)."""

    t: np.ndarray
    xyz: np.ndarray


def tracks(frame: pd.DataFrame, *, start: Mapping[str, tuple[float, XYZ]] | None = None) -> dict[str, Track]:
    """Each person's track from the ``move`` rows of an event log.

    A ``move`` row is logged when a person *reaches* a point of their route, so a walk that starts
    after a wait (dispatched to a task, or going back to base when a task is done) leaves at the
    ``dispatched`` or ``done`` row before its first move: the track waits until then.

    Parameters
    ----------
    frame
        The event log's frame.
    start
        Person → (time, position) where they are before their first move: their base, from when
        they come on duty. People in neither the log's moves nor ``start`` have no track; people
        only in ``start`` stay there.

    Returns
    -------
    dict
        Person id → :class:`Track`, sorted by person id.
    """
    kinds = frame["kind"].astype(str)
    person = frame["person"].fillna("").astype(str)
    moves = frame[(kinds == "move") & (person != "")].sort_values("t_s", kind="stable")
    leaves = frame[kinds.isin(["dispatched", "done"]) & (person != "")]
    departures = {p: np.sort(g["t_s"].to_numpy(float))
                  for p, g in leaves.groupby(leaves["person"].astype(str))}
    out: dict[str, Track] = {}
    by_person = {p: g for p, g in moves.groupby(moves["person"].astype(str), sort=True)}
    for p in sorted(set(by_person) | set(start or {})):
        ts: list[float] = []
        pts: list[XYZ] = []
        if start and p in start:
            t0, xyz0 = start[p]
            ts.append(float(t0))
            pts.append((float(xyz0[0]), float(xyz0[1]), float(xyz0[2])))
        if p in by_person:
            g = by_person[p]
            dep = departures.get(p, np.zeros(0))
            for t, x, y, z in zip(g["t_s"].to_numpy(float), g["x"].to_numpy(float),
                                  g["y"].to_numpy(float), g["z"].to_numpy(float), strict=True):
                if ts and t < ts[-1]:
                    continue  # a start later than the first move: the move wins
                if ts:
                    # The last departure after the previous point: waited there until then.
                    k = int(np.searchsorted(dep, t, side="left")) - 1
                    if k >= 0 and ts[-1] < dep[k] < t:
                        ts.append(float(dep[k]))
                        pts.append(pts[-1])
                ts.append(float(t))
                pts.append((float(x), float(y), float(z)))
        out[p] = Track(np.asarray(ts, dtype=float), np.asarray(pts, dtype=float).reshape(-1, 3))
    return out


def positions(people: Mapping[str, Track], times: np.ndarray) -> np.ndarray:
    """``(people, times, 3)`` positions, interpolated along each track; NaN before a track starts
    (not on site yet); the last point after it ends."""
    times = np.asarray(times, dtype=float)
    out = np.full((len(people), times.size, 3), np.nan)
    for i, track in enumerate(people.values()):
        if track.t.size == 0:
            continue
        on = times >= track.t[0]
        for c in range(3):
            out[i, on, c] = np.interp(times[on], track.t, track.xyz[:, c])
    return out


def moving_intervals(people: Mapping[str, Track]) -> list[tuple[float, float]]:
    """The stretches of time when anyone is moving, merged, in time order."""
    spans: list[tuple[float, float]] = []
    for track in people.values():
        if track.t.size < 2:
            continue
        step = np.any(track.xyz[1:] != track.xyz[:-1], axis=1) & (track.t[1:] > track.t[:-1])
        spans += list(zip(track.t[:-1][step].tolist(), track.t[1:][step].tolist(), strict=True))
    merged: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def replay_times(people: Mapping[str, Track], *, end_s: float, events: Iterable[float] = (),
                 step_s: float = 300.0, moving_step_s: float = 10.0, max_frames: int = 240) -> np.ndarray:
    """The times to draw: every ``step_s`` over the drill, every ``moving_step_s`` while anyone
    moves (the replay slows down to show the walk), and the times of ``events`` (an incident
    changing state), from 0 to ``end_s``. Steps grow by half until there are at most
    ``max_frames`` times (the events are always kept)."""
    spans = moving_intervals(people)
    ev = np.asarray([e for e in events if 0.0 <= e <= end_s], dtype=float)
    while True:
        parts: list[np.ndarray] = [np.arange(0.0, end_s, step_s), np.array([end_s]), ev]
        for a, b in spans:
            parts += [np.arange(a, b, moving_step_s), np.array([b])]
        # Tenths of a second, rounded up: the frame of an event shows the state after it
        # (someone who arrives at 1374.84 s is on site in the frame at 1374.9 s).
        t = np.unique(np.clip(np.ceil(np.concatenate(parts) * 10.0 - 1e-6) / 10.0, 0.0, end_s))
        # Times within 1 s of the one before add nothing to see.
        keep = np.ones(t.size, dtype=bool)
        last = -math.inf
        for k, v in enumerate(t):
            if v - last < 1.0:
                keep[k] = False
            else:
                last = v
        t = t[keep]
        if t.size <= max_frames or (moving_step_s >= end_s and step_s >= end_s):
            return t
        moving_step_s *= 1.5
        if moving_step_s > step_s / 2:
            step_s *= 1.5


def duty_starts(twin: Twin, scenario: Scenario) -> dict[str, tuple[float, XYZ]]:
    """Where and from when the staff wait before anyone sends them anywhere: at their base, from
    the first minute of the drill they are on duty (people on call are at home until called)."""
    out: dict[str, tuple[float, XYZ]] = {}
    # Shifts repeat daily: the first day of the drill tells.
    minutes = np.arange(0.0, min(scenario.duration_s / 60.0, 1440.0), 1.0)
    for p in scenario.people:
        if p.on_call:
            continue
        shift = scenario.shifts[p.shift]
        on = next((m for m in minutes if shift.on_duty(minute_of_day(scenario.start, 60.0 * m))), None)
        if on is None:
            continue
        try:
            node = resolve_place(p.base, twin.model, twin.graph)
        except PlaceError:
            continue
        x, y, z = (float(v) for v in twin.graph.node_xyz[node])
        out[p.id] = (float(on) * 60.0, (x, y, z))
    return out


def activities(bars: pd.DataFrame, people: Sequence[str], times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What each person does at each time, from :func:`twin.report.task_bars`.

    Returns
    -------
    activity
        ``(people, times)`` index into :data:`ACTIVITIES`.
    bar
        ``(people, times)`` row of ``bars`` they are on (-1: none); the latest started wins.
    """
    times = np.asarray(times, dtype=float)
    activity = np.zeros((len(people), times.size), dtype=np.int8)
    bar = np.full((len(people), times.size), -1, dtype=np.int32)
    row = {p: i for i, p in enumerate(people)}
    for k, rec in enumerate(bars.to_dict("records")):
        i = row.get(str(rec["person"]))
        if i is None:
            continue
        on = (times >= rec["start_s"]) & (times < rec["end_s"])
        arrived = rec["on_site_s"]
        working = on & (times >= arrived) if not math.isnan(arrived) else np.zeros_like(on)
        activity[i, on] = 1
        activity[i, working] = 2
        bar[i, on] = k
    return activity, bar


# ------------------------------------------------------------------------ water, lifts, incidents


def step_values(frame: pd.DataFrame, kind: str, key: str, times: np.ndarray, *,
                before: float = 0.0) -> tuple[list[str], np.ndarray]:
    """The last ``value`` of each ``key`` (``place`` or ``detail``) among the ``kind`` rows at or
    before each time: ``(keys, (keys, times) values)``, ``before`` where none came yet."""
    times = np.asarray(times, dtype=float)
    rows = frame[frame["kind"] == kind].sort_values("t_s", kind="stable")
    keys: list[str] = []
    values: list[np.ndarray] = []
    for name, g in rows.groupby(rows[key].astype(str), sort=True):
        t = g["t_s"].to_numpy(float)
        v = g["value"].to_numpy(float)
        idx = np.searchsorted(t, times, side="right") - 1
        values.append(np.where(idx >= 0, v[np.maximum(idx, 0)], before))
        keys.append(str(name))
    return keys, (np.vstack(values) if values else np.zeros((0, times.size)))


def incident_states(table: pd.DataFrame, times: np.ndarray) -> np.ndarray:
    """``(incidents, times)`` state of each incident of :func:`twin.report.incident_table`: an
    index into :data:`STATES`, or -1 before it happens. A state is the latest step reached."""
    times = np.asarray(times, dtype=float)
    state = np.full((len(table), times.size), -1, dtype=np.int8)
    raised = table["raised_s"].to_numpy(float)
    state[raised[:, None] <= times[None, :]] = 0
    for k, col in enumerate(STATE_COLUMNS, start=1):
        when = table[col].to_numpy(float)
        state[when[:, None] <= times[None, :]] = k  # NaN never compares true: never reached
    return state


def storey_index(model: BuildingModel, z: np.ndarray) -> np.ndarray:
    """The storey of each height (as :func:`twin.report.storey_at`); -1 for NaN (not on site)."""
    z = np.asarray(z, dtype=float)
    if not model.storeys:
        return np.full(z.shape, -1, dtype=np.int32)
    elevations = np.array([s.elevation_m for s in model.storeys])
    found = np.searchsorted(elevations, np.nan_to_num(z) + STOREY_TOLERANCE_M, side="right") - 1
    return np.where(np.isnan(z), -1, np.maximum(found, 0)).astype(np.int32)


# ------------------------------------------------------------------------------- the replay


@dataclass(frozen=True, slots=True, eq=False)
class Replay:
    """The state of the building at each replay time (arrays indexed ``[thing, time]``)."""

    start: dt.datetime
    """Clock time of t = 0."""
    end_s: float
    times: np.ndarray
    people: tuple[str, ...]
    names: Mapping[str, str]
    """Person id → name from the roster."""
    xyz: np.ndarray
    """``(people, times, 3)``; NaN when not on site."""
    storey: np.ndarray
    """``(people, times)`` storey index; -1 when not on site."""
    activity: np.ndarray
    """``(people, times)`` index into :data:`ACTIVITIES`."""
    doing: np.ndarray
    """``(people, times)`` row of :attr:`bars` each person is on, -1 for none."""
    bars: pd.DataFrame
    """:func:`twin.report.task_bars` of the run."""
    places: tuple[str, ...]
    """Spaces that ever hold water, by label."""
    place_storey: np.ndarray
    depth: np.ndarray
    """``(places, times)`` water depth (m)."""
    lifts: tuple[str, ...]
    """Lifts that stop or start during the drill, by name."""
    stopped: np.ndarray
    """``(lifts, times)`` True while out of service."""
    incidents: pd.DataFrame
    """:func:`twin.report.incident_table` of the run, with a ``storey`` column."""
    state: np.ndarray
    """``(incidents, times)`` index into :data:`STATES`, -1 before the incident."""

    def clock(self, t_s: float) -> dt.datetime:
        return self.start + dt.timedelta(seconds=float(t_s))


def people_names(scenario: Scenario) -> dict[str, str]:
    names = {p.id: p.name or p.id for p in scenario.people}
    names.update({c.id: c.name or c.id for c in scenario.contractors})
    return names


def build_replay(twin: Twin, frame: pd.DataFrame, scenario: Scenario, *,
                 times: np.ndarray | None = None, max_frames: int = 240) -> Replay:
    """The replay of one run (``frame``: its event log) on the building it ran on."""
    model = twin.model
    end_s = scenario.duration_s
    people_tracks = tracks(frame, start=duty_starts(twin, scenario))
    table = incident_table(frame)
    if times is None:
        events = np.concatenate([table[c].to_numpy(float) for c in ("raised_s", *STATE_COLUMNS)]
                                + [frame.loc[frame["kind"] == "lift", "t_s"].to_numpy(float)])
        times = replay_times(people_tracks, end_s=end_s, events=events[~np.isnan(events)],
                             max_frames=max_frames)
    times = np.asarray(times, dtype=float)
    people = tuple(people_tracks)
    xyz = positions(people_tracks, times)
    bars = task_bars(frame, end_s=end_s)
    activity, doing = activities(bars, people, times)
    places, depth = step_values(frame, "depth", "place", times)
    depth_rows = frame[frame["kind"] == "depth"].groupby("place")["z"].first()
    place_storey = storey_index(model, np.array([depth_rows.get(p, np.nan) for p in places], dtype=float))
    lifts, running = step_values(frame, "lift", "detail", times, before=1.0)
    table = table.assign(storey=storey_index(model, table["z"].to_numpy(float)))
    return Replay(
        start=scenario.start, end_s=end_s, times=times, people=people, names=people_names(scenario),
        xyz=xyz, storey=storey_index(model, xyz[:, :, 2]), activity=activity, doing=doing, bars=bars,
        places=tuple(places), place_storey=place_storey, depth=depth, lifts=tuple(lifts),
        stopped=running == 0, incidents=table, state=incident_states(table, times),
    )


def storey_overview(twin: Twin, replay: Replay) -> pd.DataFrame:
    """Per storey: ``storey, name, elevation_m, incidents, wet_spaces`` (that ever hold water),
    ``people`` (who are ever on it) and ``first_s`` (when the first incident there happened)."""
    model = twin.model
    n = len(model.storeys)
    inc = replay.incidents
    rows = []
    wet = replay.depth.max(axis=1) > 0 if replay.depth.size else np.zeros(0, dtype=bool)
    for s in range(n):
        here = inc[inc["storey"] == s]
        seen = (replay.storey == s).any(axis=1) if replay.storey.size else np.zeros(0, dtype=bool)
        rows.append({
            "storey": s, "name": model.storeys[s].name, "elevation_m": model.storeys[s].elevation_m,
            "incidents": len(here), "wet_spaces": int(np.count_nonzero(wet & (replay.place_storey == s))),
            "people": int(np.count_nonzero(seen)),
            "first_s": float(here["raised_s"].min()) if len(here) else math.nan,
        })
    return pd.DataFrame(rows)


def default_storey(overview: pd.DataFrame, *, fallback: int = 0) -> int:
    """The storey to open the replay on: where the first incident happened, else where most
    rooms get wet, else ``fallback``."""
    hit = overview[overview["incidents"] > 0]
    if len(hit):
        return int(hit.sort_values(["first_s", "storey"]).iloc[0]["storey"])
    if len(overview) and overview["wet_spaces"].max() > 0:
        return int(overview.sort_values("wet_spaces", ascending=False, kind="stable").iloc[0]["storey"])
    return fallback


def storey_label(row: Mapping[str, object]) -> str:
    """``"L14 (+43.50 m): 1 incident · water in 12 rooms · 3 people"``."""
    bits = []
    n = int(row["incidents"])  # type: ignore[call-overload]
    if n:
        bits.append(f"{n} incident{'s' if n > 1 else ''}")
    if row["wet_spaces"]:
        bits.append(f"water in {row['wet_spaces']} room{'s' if row['wet_spaces'] != 1 else ''}")
    if row["people"]:
        bits.append(f"{row['people']} {'person' if row['people'] == 1 else 'people'}")
    what = f": {' · '.join(bits)}" if bits else ""
    return f"{row['name']} ({float(row['elevation_m']):+.2f} m){what}"  # type: ignore[arg-type]


def storey_points(twin: Twin, replay: Replay, storey: int) -> list[tuple[float, float]]:
    """Where things happen on a storey: its incidents, its wet spaces, its people (for choosing
    the part of the storey to show)."""
    inc = replay.incidents[replay.incidents["storey"] == storey]
    pts = list(zip(inc["x"].astype(float), inc["y"].astype(float), strict=True))
    wet_labels = {p for p, s, d in zip(replay.places, replay.place_storey, replay.depth, strict=True)
                  if s == storey and d.max() > 0}
    for sp in twin.model.spaces:
        if sp.storey == storey and sp.label in wet_labels:
            x, y, _ = sp.anchor()
            pts.append((x, y))
    here = replay.storey == storey
    pts += [(float(x), float(y)) for x, y in replay.xyz[here][:, :2]]
    return pts


def busiest_part(parts: Sequence[PlanPart], points: Sequence[tuple[float, float]]) -> int:
    """Index of the part holding most of ``points`` (within 1 m), the largest part on a tie or
    with no points."""
    if not parts:
        return -1

    def inside(b: tuple[float, float, float, float], p: tuple[float, float]) -> bool:
        return b[0] - 1 <= p[0] <= b[2] + 1 and b[1] - 1 <= p[1] <= b[3] + 1

    counts = [sum(inside(pt.bounds, p) for p in points) for pt in parts]
    return max(range(len(parts)), key=lambda k: (counts[k], parts[k].spaces))


# ------------------------------------------------------------------------------- the figure


def _rings(rings: Iterable[np.ndarray]) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for r in rings:
        if len(r) >= 3:
            xs += [*np.round(r[:, 0], 2).tolist(), None]
            ys += [*np.round(r[:, 1], 2).tolist(), None]
    return xs, ys




def replay_figure(twin: Twin, replay: Replay, storey: int, *,
                  view: tuple[float, float, float, float] | None = None, view_name: str = "",
                  initial: int | None = None) -> go.Figure:
    """One storey's plan, animated over :attr:`Replay.times`: rooms shaded by water depth, lifts
    orange (running) or red (out of service), incidents as stars coloured by state, people as dots
    coloured by what they are doing; a play button and a time slider with the clock.

    Parameters
    ----------
    twin, replay
        The building and the run's replay on it.
    storey
        Index into ``twin.model.storeys``.
    view
        (x min, y min, x max, y max) in metres to show at first (a part of the storey); the whole
        storey when not given.
    view_name
        What ``view`` shows, for the title.
    initial
        The frame shown before play is pressed (default: the first time someone is on the storey
        after its first incident is reported, else that report, else the start).
    """
    model = twin.model
    plan = storey_plan(twin, storey)
    st = model.storeys[storey]
    times = replay.times
    fig = go.Figure()
    # Indices of the traces each frame redraws; a frame carries data for those alone, so the
    # fewer the smaller and faster the figure.
    dynamic: list[int] = []

    def add(trace: go.Scatter, *, changes: bool = False) -> int:
        if changes:
            dynamic.append(len(fig.data))
        fig.add_trace(trace)
        return len(fig.data) - 1

    anchors: dict[str, tuple[float, float]] = {}
    outline: dict[str, np.ndarray] = {}
    for i, ring in zip(plan.spaces.tolist(), plan.outlines, strict=True):
        sp = model.spaces[i]
        ax, ay, _ = sp.anchor()
        anchors[sp.label] = (ax, ay)
        outline[sp.label] = ring
    wet_rows = [k for k, s in enumerate(replay.place_storey)
                if s == storey and replay.places[k] in outline and replay.depth[k].max() > 0]
    top_m = float(replay.depth.max()) if replay.depth.size else 0.0
    top_m = top_m if top_m > 0 else 0.01
    shades = sample_colorscale(DEPTH_SCALE, ((np.arange(WATER_SHADES) + 0.5) / WATER_SHADES).tolist())

    # -- rooms, dry underneath; water in a few shades over them
    xs, ys = _rings(outline.values())
    add(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=DRY_FILL, showlegend=False,
                   line={"color": SPACE_LINE, "width": 1}, name="room (dry)", hoverinfo="skip"))
    if wet_rows:
        for shade in shades:
            add(go.Scatter(mode="lines", fill="toself", fillcolor=shade, showlegend=False, name="water",
                           line={"color": "rgb(60,90,140)", "width": 1}, hoverinfo="skip"), changes=True)
    if plan.stair_outlines:
        xs, ys = _rings(plan.stair_outlines)
        add(go.Scatter(x=xs, y=ys, mode="lines", line={"color": STAIR_LINE, "width": 1.5},
                       name="stair", hoverinfo="skip"))

    if view is None:
        b = np.array([sp.footprint.bounds for sp in model.spaces
                      if sp.storey == storey and not sp.footprint.is_empty]).reshape(-1, 4)
        view = ((float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))
                if len(b) else (-10.0, -10.0, 10.0, 10.0))
    x0, y0, x1, y1 = (view[0] - VIEW_MARGIN_M, view[1] - VIEW_MARGIN_M,
                      view[2] + VIEW_MARGIN_M, view[3] + VIEW_MARGIN_M)
    px_per_m = PLAN_WIDTH_PX / max(x1 - x0, 1.0)
    labels = [(*anchors[model.spaces[i].label], text) for i, text in room_labels(
        model, plan.spaces, (x0, y0, x1, y1), px_per_m=px_per_m, px_per_char=LABEL_PX_PER_CHAR,
        min_height_px=16, limit=MAX_ROOM_LABELS)]

    # -- lifts: redrawn only on storeys where one stops or starts during the drill
    lift_names = [model.lifts[i].name for i in plan.lifts]
    lift_row = {n: k for k, n in enumerate(replay.lifts)}
    lifts_change = any(n in lift_row for n in lift_names)
    lift_traces = [
        add(go.Scatter(mode="lines", fill="toself", fillcolor="rgba(242,153,26,0.35)", showlegend=False,
                       line={"color": LIFT_OK, "width": 2}, name="lift running", hoverinfo="skip"),
            changes=lifts_change),
        add(go.Scatter(mode="lines", fill="toself", fillcolor="rgba(211,47,47,0.6)", showlegend=False,
                       line={"color": LIFT_OUT, "width": 3}, name="lift out of service", hoverinfo="skip"),
            changes=lifts_change),
        add(go.Scatter(mode="markers+text", showlegend=False, name="lifts", hoverinfo="text",
                       marker={"symbol": "square", "size": 10, "color": "rgba(0,0,0,0)"},
                       textposition="middle center", textfont={"size": 11, "color": "white"}),
            changes=lifts_change),
    ]
    if labels:
        add(go.Scatter(x=[lb[0] for lb in labels], y=[lb[1] for lb in labels], mode="text",
                       text=[lb[2] for lb in labels], textfont={"size": 10, "color": "rgb(40,40,40)"},
                       showlegend=False, hoverinfo="skip", name="room names"))
    if wet_rows:
        # Hovering a wet room tells its depth.
        add(go.Scatter(mode="markers", marker={"size": 18, "opacity": 0}, showlegend=False,
                       name="water depth", hoverinfo="text"), changes=True)
    add(go.Scatter(mode="markers+text", name="incidents", hoverinfo="text", showlegend=False,
                   cliponaxis=False, textposition="top center", textfont={"size": 13, "color": "black"}),
        changes=True)
    add(go.Scatter(mode="markers+text", name="people", hoverinfo="text", showlegend=False, cliponaxis=False,
                   textposition="middle right",
                   textfont={"size": 12, "color": "black", "family": "Arial Black, Arial, sans-serif"}),
        changes=True)

    # -- the legend: one entry for everything that can appear, whether or not it is there yet
    def key(name: str, **style: object) -> None:
        fig.add_trace(go.Scatter(x=[None], y=[None], name=name, hoverinfo="skip", **style))

    key("room (dry)", mode="markers", marker={"symbol": "square", "size": 13, "color": DRY_FILL,
                                               "line": {"color": SPACE_LINE, "width": 1}})
    key("lift running", mode="markers",
        marker={"symbol": "square", "size": 13, "color": "rgba(242,153,26,0.5)",
                "line": {"color": LIFT_OK, "width": 2}})
    key("lift out of service (OUT)", mode="markers",
        marker={"symbol": "square", "size": 13, "color": "rgba(211,47,47,0.7)",
                "line": {"color": LIFT_OUT, "width": 2}})
    for state, colour in zip(STATES, STATE_COLOURS, strict=True):
        key(f"incident: {state}", mode="markers",
            marker={"symbol": "star", "size": 15, "color": colour, "line": {"color": "black", "width": 1}})
    for activity, colour in zip(ACTIVITIES, ACTIVITY_COLOURS, strict=True):
        key(f"person {activity}", mode="markers",
            marker={"symbol": "circle", "size": 12, "color": colour, "line": {"color": "white", "width": 1}})
    if wet_rows:
        # The water colour scale, carried by an invisible point.
        add(go.Scatter(x=[x0], y=[y0], mode="markers", showlegend=False, hoverinfo="skip", name="water",
                       marker={"size": 0.1, "opacity": 0, "color": [0.0], "cmin": 0.0, "cmax": top_m * 100,
                               "colorscale": DEPTH_SCALE, "showscale": True,
                               "colorbar": {"title": {"text": "water<br>depth (cm)"}, "thickness": 14,
                                            "len": 0.55, "y": 1, "yanchor": "top"}}))

    inc = replay.incidents
    inc_rows = [k for k in range(len(inc)) if int(inc["storey"].iloc[k]) == storey]
    bars = replay.bars.to_dict("records")

    def lift_data(j: int) -> list[dict[str, object]]:
        ok_r: list[np.ndarray] = []
        out_r: list[np.ndarray] = []
        cx: list[float] = []
        cy: list[float] = []
        ctext: list[str] = []
        chover: list[str] = []
        for n, ring in zip(lift_names, plan.lift_outlines, strict=True):
            out = n in lift_row and bool(replay.stopped[lift_row[n], j])
            (out_r if out else ok_r).append(ring)
            if len(ring) > 1:
                cx.append(float(np.mean(ring[:-1, 0])))
                cy.append(float(np.mean(ring[:-1, 1])))
                ctext.append("<b>OUT</b>" if out else "")
                chover.append(f"{html.escape(n)}: {'out of service' if out else 'running'}")
        data: list[dict[str, object]] = []
        for rings in (ok_r, out_r):
            xs, ys = _rings(rings)
            data.append({"x": xs, "y": ys})
        data.append({"x": cx, "y": cy, "text": ctext, "hovertext": chover})
        return data

    def frame_data(j: int) -> tuple[list[dict[str, object]], str]:
        t = float(times[j])
        data: list[dict[str, object]] = []
        if wet_rows:
            by_shade: list[list[np.ndarray]] = [[] for _ in shades]
            hx: list[float] = []
            hy: list[float] = []
            htext: list[str] = []
            for k in wet_rows:
                d = float(replay.depth[k, j])
                if d <= 0:
                    continue
                place = replay.places[k]
                by_shade[min(int(d / top_m * WATER_SHADES), WATER_SHADES - 1)].append(outline[place])
                hx.append(anchors[place][0])
                hy.append(anchors[place][1])
                htext.append(f"{html.escape(place)}: water {d * 100:.1f} cm")
            for rings in by_shade:
                xs, ys = _rings(rings)
                data.append({"x": xs, "y": ys})
        if lifts_change:
            data += lift_data(j)
        if wet_rows:
            data.append({"x": hx, "y": hy, "hovertext": htext})
        sel = [k for k in inc_rows if replay.state[k, j] >= 0]
        data.append({
            "x": [float(inc["x"].iloc[k]) for k in sel], "y": [float(inc["y"].iloc[k]) for k in sel],
            "marker": {"symbol": "star", "size": 26, "line": {"color": "black", "width": 1},
                       "color": [STATE_COLOURS[replay.state[k, j]] for k in sel]},
            "text": [f"<b>#{inc['incident'].iloc[k]}</b> {STATES[replay.state[k, j]]}" for k in sel],
            "hovertext": [f"<b>#{inc['incident'].iloc[k]} {html.escape(str(inc['title'].iloc[k]))}</b> "
                          f"({inc['priority'].iloc[k]})<br>{html.escape(str(inc['place'].iloc[k]))}"
                          f"<br>{STATES[replay.state[k, j]]}" for k in sel],
        })
        here = [i for i in range(len(replay.people)) if replay.storey[i, j] == storey]
        hover = []
        for i in here:
            p = replay.people[i]
            a = int(replay.activity[i, j])
            b = int(replay.doing[i, j])
            what = ACTIVITIES[a] if b < 0 else (
                f"{ACTIVITIES[a]}: {html.escape(str(bars[b]['name']))} (#{bars[b]['incident']})")
            hover.append(f"<b>{html.escape(p)}</b> · {html.escape(replay.names.get(p, p))}<br>{what}")
        data.append({
            "x": [float(replay.xyz[i, j, 0]) for i in here], "y": [float(replay.xyz[i, j, 1]) for i in here],
            "marker": {"symbol": "circle", "size": 15, "line": {"color": "white", "width": 2},
                       "color": [ACTIVITY_COLOURS[replay.activity[i, j]] for i in here]},
            "text": [replay.people[i] for i in here], "hovertext": hover,
        })
        away = [(replay.people[i], int(replay.storey[i, j])) for i in range(len(replay.people))
                if replay.storey[i, j] >= 0 and replay.storey[i, j] != storey]
        note = ", ".join(f"{p} on {model.storeys[s].name}" for p, s in away[:MAX_ELSEWHERE])
        if len(away) > MAX_ELSEWHERE:
            note += f" and {len(away) - MAX_ELSEWHERE} more"
        clock = replay.clock(t)
        stopped_all = int(replay.stopped[:, j].sum()) if replay.stopped.size else 0
        n_here = len(here)
        title = (f"<b>{clock:%H:%M:%S}</b> ({t / 60:.0f} min into the drill) — storey "
                 f"<b>{html.escape(st.name)}</b> at {st.elevation_m:+.2f} m"
                 + (f", showing <b>{html.escape(view_name)}</b>" if view_name else "")
                 + f"<br><sup>{n_here} {'person' if n_here == 1 else 'people'} on this storey"
                 + (f"; elsewhere: {html.escape(note)}" if note else "")
                 + (f"; {plural(stopped_all, 'lift')} out of service in the building" if stopped_all else "")
                 + "</sup>")
        return data, title

    if initial is None:
        initial = _first_frame(replay, storey, inc_rows)
    initial = int(min(max(initial, 0), times.size - 1))
    if not lifts_change:
        # Static lifts: drawn once, as they stand (running) all drill long.
        for k, d in zip(lift_traces, lift_data(0), strict=True):
            fig.data[k].update(d)

    frames: list[dict[str, object]] = []
    steps = []
    start_title = ""
    # Placed explicitly: a frame's layout replaces the whole title, and an automatic place for a
    # two-line title moves during play.
    title_style = {"x": 0.01, "xanchor": "left", "yref": "container", "y": 1.0, "yanchor": "top",
                   "pad": {"t": 22}, "font": {"size": 17}}
    for j in range(times.size):
        data, title = frame_data(j)
        name = f"{j}"
        # Plain dicts: validated once, when the figure takes them.
        # The whole title: a frame's layout replaces the title, style and all.
        frames.append({"name": name, "data": data, "traces": dynamic,
                       "layout": {"title": title_style | {"text": title}}})
        steps.append({"method": "animate", "label": f"{replay.clock(float(times[j])):%H:%M}",
                      "args": [[name], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                        "transition": {"duration": 0}}]})
        if j == initial:
            for idx, d in zip(dynamic, data, strict=True):
                fig.data[idx].update(d)
            start_title = title
    fig.frames = frames

    end_clock = replay.clock(replay.end_s)
    plot_h = int(np.clip(PLAN_WIDTH_PX * (y1 - y0) / max(x1 - x0, 1.0), *PLAN_HEIGHT_PX))
    # The controls sit a fixed number of pixels under the plot: paper units per pixel.
    per_px = 1.0 / (plot_h + 40)
    fig.update_layout(
        title=title_style | {"text": start_title},
        xaxis={"range": [x0, x1], "title": {"text": "x (m)"}, "showgrid": True,
               "gridcolor": "rgb(238,238,238)", "zeroline": False, "constrain": "domain"},
        yaxis={"range": [y0, y1], "title": {"text": "y (m)"}, "scaleanchor": "x", "scaleratio": 1,
               "showgrid": True, "gridcolor": "rgb(238,238,238)", "zeroline": False},
        plot_bgcolor="white",
        height=plot_h + 330,
        margin={"l": 60, "r": 30, "t": 100, "b": 200},
        legend={"orientation": "h", "x": 0, "y": 0, "yref": "container", "yanchor": "bottom",
                "font": {"size": 12}, "itemclick": False, "itemdoubleclick": False},
        hoverlabel={"namelength": -1},
        updatemenus=[{
            "type": "buttons", "direction": "left", "showactive": False,
            "x": 0, "y": -78 * per_px, "xanchor": "left", "yanchor": "top", "pad": {"t": 0, "r": 10},
            "buttons": [
                {"label": "▶ Play", "method": "animate",
                 "args": [None, {"frame": {"duration": FRAME_MS, "redraw": True}, "fromcurrent": True,
                                 "transition": {"duration": 0}, "mode": "immediate"}]},
                {"label": "❚❚ Pause", "method": "animate",
                 "args": [[None], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate",
                                   "transition": {"duration": 0}}]},
            ],
        }],
        sliders=[{
            "active": initial, "steps": steps, "x": 0.16, "len": 0.84, "y": -62 * per_px, "yanchor": "top",
            "pad": {"t": 0, "b": 0}, "ticklen": 0, "minorticklen": 0,
            # Hundreds of steps: their labels would overlap, so they are hidden and the clock of
            # the current one is shown above the slider (and in the title).
            "font": {"color": "rgba(0,0,0,0)", "size": 1},
            "currentvalue": {"prefix": "clock ", "font": {"size": 14, "color": "rgb(40,40,40)"},
                             "suffix": f"  (the drill runs {replay.start:%H:%M}–{end_clock:%H:%M}; "
                                       "the replay slows down while people walk)",
                             "xanchor": "left"},
        }],
    )
    return fig


def _first_frame(replay: Replay, storey: int, inc_rows: Sequence[int]) -> int:
    """The first frame worth a look: someone on the storey after its first incident is reported
    (else the report, else the first frame with anyone on the storey, else the start)."""
    times = replay.times
    here = (replay.storey == storey).any(axis=0) if replay.storey.size else np.zeros(times.size, bool)
    reported = replay.incidents["reported_s"].to_numpy(float)[list(inc_rows)]
    reported = reported[~np.isnan(reported)]
    if reported.size:
        after = np.flatnonzero(here & (times >= reported.min()))
        return int(after[0]) if after.size else int(np.searchsorted(times, reported.min(), side="left"))
    return int(np.flatnonzero(here)[0]) if here.any() else 0


def replay_parts(twin: Twin, replay: Replay, storey: int) -> tuple[tuple[PlanPart, ...], int]:
    """The parts of a storey and the index of the one to show first (where things happen)."""
    parts = plan_parts(twin, storey)
    return parts, busiest_part(parts, storey_points(twin, replay, storey))


# --------------------------------------------------------------------------- before the drill


def hazard_places(twin: Twin, scenario: Scenario) -> pd.DataFrame:
    """Where each hazard of a scenario happens, as its kind draws it (the first of its
    :attr:`~twin.engine.hazards.kind.Drawing.places` fields that is set):
    ``hazard, kind, place, start_min, x, y, z, symbol, label, storey``; hazards whose place the
    building does not have are left out (the drill's compilation names them)."""
    from twin.scenario.kinds import HAZARDS

    rows = []
    for i, h in enumerate(scenario.hazards):
        kind = HAZARDS.of(h)
        place = next((str(v) for f in kind.drawing.places if (v := getattr(h, f, None))), "")
        try:
            node = resolve_place(place, twin.model, twin.graph)
        except PlaceError:
            continue
        x, y, z = (float(v) for v in twin.graph.node_xyz[node])
        rows.append({"hazard": i, "kind": h.kind, "place": place, "start_min": h.start_min,
                     "x": x, "y": y, "z": z, "symbol": kind.drawing.symbol, "label": kind.label})
    columns = ["hazard", "kind", "place", "start_min", "x", "y", "z", "symbol", "label"]
    table = pd.DataFrame(rows, columns=columns)
    return table.assign(storey=storey_index(twin.model, table["z"].to_numpy(float)))


def start_figure(twin: Twin, scenario: Scenario) -> go.Figure:
    """The plan where a scenario's first hazard happens, as the drill starts: the hazards as red
    stars, the staff on duty at their bases, the rooms and lifts (the replay's drawing, still)."""
    from twin.engine.log import EventLog

    places = hazard_places(twin, scenario)
    empty = EventLog.from_rows([]).frame
    replay = build_replay(twin, empty, scenario, times=np.zeros(1))
    storey = int(places["storey"].iloc[0]) if len(places) else default_storey(storey_overview(twin, replay))
    here = places[places["storey"] == storey]
    parts = plan_parts(twin, storey)
    points = list(zip(here["x"], here["y"], strict=True))
    best = busiest_part(parts, points)
    view, view_name = (parts[best].bounds, parts[best].label) if best >= 0 else (None, "")
    fig = replay_figure(twin, replay, storey, view=view, view_name=view_name, initial=0)
    fig.frames = ()
    fig.add_trace(go.Scatter(
        x=here["x"], y=here["y"], mode="markers+text", cliponaxis=False, name="hazard",
        marker={"symbol": "star", "size": 24, "color": STATE_COLOURS[1],
                "line": {"color": "black", "width": 1}},
        text=[f"<b>{h.replace('_', ' ')}</b> at +{m:g} min"
              for h, m in zip(here["kind"], here["start_min"], strict=True)],
        textposition="top center", textfont={"size": 12}, hoverinfo="text",
        hovertext=[f"{h.replace('_', ' ')} at {p}, {m:g} min into the drill"
                   for h, p, m in zip(here["kind"], here["place"], here["start_min"], strict=True)]))
    st = twin.model.storeys[storey]
    elsewhere = len(places) - len(here)
    fig.update_layout(
        title={"text": f"Where it starts: storey <b>{html.escape(st.name)}</b>"
                       + (f", {html.escape(view_name)}" if view_name else "")
                       + f"<br><sup>{scenario.start:%H:%M}: staff on duty at their bases"
                       + (f"; {plural(elsewhere, 'more hazard', 'more hazards')} on other storeys"
                          if elsewhere else "") + "</sup>",
               "font": {"size": 14}},
        updatemenus=[], sliders=[], showlegend=False, height=380,
        margin={"l": 40, "r": 10, "t": 60, "b": 30},
    )
    fig.update_traces(showscale=False, selector={"name": "water"})
    return fig
