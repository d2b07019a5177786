"""The building at any time t of an event log: where each person is, what they are doing, how
deep the water stands, which lifts are stopped and what state each incident is in.

Takes an event log's frame and a list of times, gives arrays indexed ``[thing, time]``; a single
time is a list of one. This is the one reading of "the state at t": the replay animates it, the
report's plans draw it at the key moments, and anything that asks where someone was reads it here.
A person between two points of their route is placed between them (they walk in straight lines
between the points the log records).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.events.tables import STEPS, incident_table, task_bars

XYZ = tuple[float, float, float]

#: An incident's state, in the order they come: index into this with :attr:`States.state`.
STATES = ("not known yet", "reported", "help on the way", "someone on site", "made safe", "resolved")
#: The incident-table column that starts each state after the first.
STATE_COLUMNS = tuple(f"{s}_s" for s in STEPS)

#: What a person is doing: index into this with :attr:`States.activity`.
ACTIVITIES = ("not on a task", "on the way to a task", "working on a task")


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
    departures = {
        p: np.sort(g["t_s"].to_numpy(float)) for p, g in leaves.groupby(leaves["person"].astype(str))
    }
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
            for t, x, y, z in zip(
                g["t_s"].to_numpy(float),
                g["x"].to_numpy(float),
                g["y"].to_numpy(float),
                g["z"].to_numpy(float),
                strict=True,
            ):
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


def activities(bars: pd.DataFrame, people: Sequence[str], times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What each person does at each time, from :func:`twin.events.tables.task_bars`.

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


def step_values(
    frame: pd.DataFrame, kind: str, key: str, times: np.ndarray, *, before: float = 0.0
) -> tuple[list[str], np.ndarray]:
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
    """``(incidents, times)`` state of each incident of :func:`twin.events.tables.incident_table`: an
    index into :data:`STATES`, or -1 before it happens. A state is the latest step reached."""
    times = np.asarray(times, dtype=float)
    state = np.full((len(table), times.size), -1, dtype=np.int8)
    raised = table["raised_s"].to_numpy(float)
    state[raised[:, None] <= times[None, :]] = 0
    for k, col in enumerate(STATE_COLUMNS, start=1):
        when = table[col].to_numpy(float)
        state[when[:, None] <= times[None, :]] = k  # NaN never compares true: never reached
    return state


# ------------------------------------------------------------------------------- all at once


@dataclass(frozen=True, slots=True, eq=False)
class States:
    """The state of the building at each of :attr:`times` (arrays indexed ``[thing, time]``)."""

    times: np.ndarray
    people: tuple[str, ...]
    xyz: np.ndarray
    """``(people, times, 3)``; NaN when not on site."""
    activity: np.ndarray
    """``(people, times)`` index into :data:`ACTIVITIES`."""
    doing: np.ndarray
    """``(people, times)`` row of :attr:`bars` each person is on, -1 for none."""
    bars: pd.DataFrame
    """:func:`twin.events.tables.task_bars` of the run."""
    places: tuple[str, ...]
    """Spaces that ever hold water, by label."""
    place_xyz: np.ndarray
    """``(places, 3)`` where each place's depth is logged."""
    depth: np.ndarray
    """``(places, times)`` water depth (m)."""
    lifts: tuple[str, ...]
    """Lifts that stop or start during the run, by name."""
    stopped: np.ndarray
    """``(lifts, times)`` True while out of service."""
    incidents: pd.DataFrame
    """:func:`twin.events.tables.incident_table` of the run."""
    state: np.ndarray
    """``(incidents, times)`` index into :data:`STATES`, -1 before the incident."""


def states(
    frame: pd.DataFrame,
    times: np.ndarray,
    *,
    end_s: float,
    people_tracks: Mapping[str, Track] | None = None,
    start: Mapping[str, tuple[float, XYZ]] | None = None,
) -> States:
    """The state of the building at each of ``times`` from an event log's frame.

    ``people_tracks`` are :func:`tracks` when already made, else they are made from ``frame`` and
    ``start`` (person → (time, position) before their first move: their base, from when they come
    on duty). Tasks still open at ``end_s`` run to it.
    """
    times = np.asarray(times, dtype=float)
    if people_tracks is None:
        people_tracks = tracks(frame, start=start)
    people = tuple(people_tracks)
    bars = task_bars(frame, end_s=end_s)
    activity, doing = activities(bars, people, times)
    places, depth = step_values(frame, "depth", "place", times)
    depth_rows = frame[frame["kind"] == "depth"].groupby(frame["place"].astype(str))[["x", "y", "z"]].first()
    place_xyz = depth_rows.reindex(places).to_numpy(float).reshape(-1, 3)
    lifts, running = step_values(frame, "lift", "detail", times, before=1.0)
    table = incident_table(frame)
    return States(
        times=times,
        people=people,
        xyz=positions(people_tracks, times),
        activity=activity,
        doing=doing,
        bars=bars,
        places=tuple(places),
        place_xyz=place_xyz,
        depth=depth,
        lifts=tuple(lifts),
        stopped=running == 0,
        incidents=table,
        state=incident_states(table, times),
    )
