"""The replay of a run: the building's state at each replay time, with the storeys it happens on.

Takes the event log's frame, the scenario and the twin; gives a frozen :class:`Replay` — where
each person is (interpolated along the route they walked), what they are doing, how deep the
water stands in each space, which lifts are stopped and what state each incident is in, at each of
a list of times (the state itself is :func:`twin.events.state.states`), the storey of each, and
which storey and part of it to show first. The plan figure is :mod:`twin.present.replay_figure`,
the 3D one :mod:`twin.present.replay3d`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.clock import minute_of_day
from twin.errors import PlaceError
from twin.events.state import STATE_COLUMNS, Track, moving_intervals, states, tracks
from twin.events.tables import incident_table
from twin.places import resolve_place
from twin.present.names import people_names
from twin.present.plan import PlanPart, plan_parts
from twin.scenario.schema import Scenario
from twin.twin import Twin

XYZ = tuple[float, float, float]

#: Milliseconds each frame is shown while playing.
FRAME_MS = 160


def replay_times(
    people: Mapping[str, Track],
    *,
    end_s: float,
    events: Iterable[float] = (),
    step_s: float = 300.0,
    moving_step_s: float = 10.0,
    max_frames: int = 240,
) -> np.ndarray:
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
    """``(people, times)`` index into :data:`twin.events.state.ACTIVITIES`."""
    doing: np.ndarray
    """``(people, times)`` row of :attr:`bars` each person is on, -1 for none."""
    bars: pd.DataFrame
    """:func:`twin.events.tables.task_bars` of the run."""
    places: tuple[str, ...]
    """Spaces that ever hold water, by label."""
    place_xyz: np.ndarray
    """``(places, 3)`` where each place's depth is logged."""
    place_storey: np.ndarray
    depth: np.ndarray
    """``(places, times)`` water depth (m)."""
    lifts: tuple[str, ...]
    """Lifts that stop or start during the drill, by name."""
    stopped: np.ndarray
    """``(lifts, times)`` True while out of service."""
    incidents: pd.DataFrame
    """:func:`twin.events.tables.incident_table` of the run, with a ``storey`` column."""
    state: np.ndarray
    """``(incidents, times)`` index into :data:`twin.events.state.STATES`, -1 before the incident."""

    def clock(self, t_s: float) -> dt.datetime:
        return self.start + dt.timedelta(seconds=float(t_s))


def build_replay(
    twin: Twin,
    frame: pd.DataFrame,
    scenario: Scenario,
    *,
    times: np.ndarray | None = None,
    max_frames: int = 240,
) -> Replay:
    """The replay of one run (``frame``: its event log) on the building it ran on: the state of
    :func:`twin.events.state.states` at ``times`` (by default the times :func:`replay_times`
    chooses) with the storey of each person, wet place and incident."""
    model = twin.model
    end_s = scenario.duration_s
    people_tracks = tracks(frame, start=duty_starts(twin, scenario))
    if times is None:
        table = incident_table(frame)
        events = np.concatenate(
            [table[c].to_numpy(float) for c in ("raised_s", *STATE_COLUMNS)]
            + [frame.loc[frame["kind"] == "lift", "t_s"].to_numpy(float)]
        )
        times = replay_times(
            people_tracks, end_s=end_s, events=events[~np.isnan(events)], max_frames=max_frames
        )
    at = states(frame, np.asarray(times, dtype=float), end_s=end_s, people_tracks=people_tracks)
    table = at.incidents.assign(storey=model.storey_at(at.incidents["z"].to_numpy(float)))
    return Replay(
        start=scenario.start,
        end_s=end_s,
        times=at.times,
        people=at.people,
        names=people_names(scenario),
        xyz=at.xyz,
        storey=model.storey_at(at.xyz[:, :, 2]),
        activity=at.activity,
        doing=at.doing,
        bars=at.bars,
        places=at.places,
        place_xyz=at.place_xyz,
        place_storey=model.storey_at(at.place_xyz[:, 2]),
        depth=at.depth,
        lifts=at.lifts,
        stopped=at.stopped,
        incidents=table,
        state=at.state,
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
        rows.append(
            {
                "storey": s,
                "name": model.storeys[s].name,
                "elevation_m": model.storeys[s].elevation_m,
                "incidents": len(here),
                "wet_spaces": int(np.count_nonzero(wet & (replay.place_storey == s))),
                "people": int(np.count_nonzero(seen)),
                "first_s": float(here["raised_s"].min()) if len(here) else math.nan,
            }
        )
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
    wet_labels = {
        p
        for p, s, d in zip(replay.places, replay.place_storey, replay.depth, strict=True)
        if s == storey and d.max() > 0
    }
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


def replay_parts(twin: Twin, replay: Replay, storey: int) -> tuple[tuple[PlanPart, ...], int]:
    """The parts of a storey and the index of the one to show first (where things happen)."""
    parts = plan_parts(twin, storey)
    return parts, busiest_part(parts, storey_points(twin, replay, storey))
