"""The after-action report: a run folder → one self-contained HTML page.

Takes a :class:`~twin.store.StoredRun` and the :class:`~twin.twin.Twin` it ran on, gives HTML that
opens with no server and no network (plotly.js is inlined once): the scorecard against the
targets, the run summary, a timeline of tasks per person, plan snapshots at the key moments (water
depth, people, lifts out of service, incidents and their state) and the event log.

The replay helpers — :func:`positions_at`, :func:`depths_at`, :func:`lifts_out_at`,
:func:`incidents_at`, :func:`task_bars`, :func:`key_moments` — are pure functions of the event
log's frame, so the app's replay draws the same state at the same time as the report.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.offline import get_plotlyjs
from shapely.geometry import Point

from twin import __version__
from twin.clock import minute_of_day
from twin.engine.log import KINDS, PRIORITY_NAME
from twin.errors import PlaceError, TwinError
from twin.kpi import Kpis, compute_kpis
from twin.model import BuildingModel
from twin.narrative import event_sentences
from twin.places import resolve_place
from twin.plan import plan_parts, storey_plan
from twin.scenario.schema import Scenario
from twin.scorecard import LEGEND, scorecard_rows
from twin.store import StoredRun, atomic_write
from twin.twin import Twin
from twin.words import plural

log = logging.getLogger(__name__)

XYZ = tuple[float, float, float]

#: One colour per incident (by incident id, cycling), on the timeline and the plans. No blue:
#: blue is water.
INCIDENT_COLOURS = ("#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#bcbd22",
                    "#17becf", "#7f7f7f", "#393b79")
PRIORITY_COLOURS = {"red": "#c62828", "yellow": "#f9a825", "blue": "#1565c0"}
#: Water depth colours, shallow to deep (shallow water must still show against a dry floor).
DEPTH_SCALE = [[0.0, "rgb(189,215,238)"], [0.5, "rgb(66,146,198)"], [1.0, "rgb(8,48,107)"]]
DRY_FILL = "rgb(242,242,240)"
SPACE_LINE = "rgb(150,150,150)"
LIFT_OK = "rgb(242,153,26)"
LIFT_OUT = "rgb(211,47,47)"
STAIR_LINE = "rgb(51,166,77)"
IDLE_COLOUR = "rgb(90,90,90)"
#: A plan is drawn about this wide (px); its height follows the part of the storey shown.
PLAN_WIDTH_PX = 1100
PLAN_HEIGHT_PX = (320, 620)
VIEW_MARGIN_M = 4.0
#: Spaces are named on a plan when the name fits at about this many px a letter.
LABEL_PX_PER_CHAR = 6.0
MAX_ROOM_LABELS = 40
#: A person or a space is on a storey when its z is at least the storey's elevation minus this.
STOREY_TOLERANCE_M = 0.5
#: The timeline's plot area is about this wide (px): bar labels are written where they fit.
TIMELINE_WIDTH_PX = 900
#: A plan wider than this (m) is cropped to what matters at the moment, with this margin (m).
CROP_ABOVE_M = 100.0
CROP_MARGIN_M = 30.0
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


class ReportError(TwinError):
    """A report cannot be written, or the run does not fit the building given."""


# --------------------------------------------------------------------------- replay state at t


def _upto(frame: pd.DataFrame, kind: str, t_s: float) -> pd.DataFrame:
    rows = frame[(frame["kind"] == kind) & (frame["t_s"] <= t_s)]
    return rows.sort_values("t_s", kind="stable")


def positions_at(frame: pd.DataFrame, t_s: float, *,
                 start: Mapping[str, XYZ] | None = None) -> pd.DataFrame:
    """Where each person is at ``t_s``: their last ``move`` row at or before it.

    Parameters
    ----------
    frame
        The event log's frame.
    t_s
        Seconds from the scenario start.
    start
        Person → (x, y, z) for people who have not moved yet (their base, when on duty); people
        in neither are not on site.

    Returns
    -------
    pandas.DataFrame
        ``person, x, y, z, since_s`` (the time of that position; NaN for a ``start`` position),
        one row per person, sorted by person.
    """
    moves = _upto(frame, "move", t_s)
    moves = moves[moves["person"].fillna("") != ""]
    last = moves.groupby(moves["person"].astype(str), sort=True).tail(1)
    out = pd.DataFrame({
        "person": last["person"].astype(str).to_numpy(),
        "x": last["x"].to_numpy(float), "y": last["y"].to_numpy(float), "z": last["z"].to_numpy(float),
        "since_s": last["t_s"].to_numpy(float),
    })
    if start:
        moved = set(out["person"])
        rest = [(p, *map(float, xyz), math.nan) for p, xyz in start.items() if p not in moved]
        if rest:
            extra = pd.DataFrame(rest, columns=list(out.columns))
            out = pd.concat([out, extra], ignore_index=True) if len(out) else extra
    return out.sort_values("person", kind="stable").reset_index(drop=True)


def depths_at(frame: pd.DataFrame, t_s: float) -> pd.DataFrame:
    """The water standing at ``t_s``: per space its last ``depth`` row at or before it.

    Returns
    -------
    pandas.DataFrame
        ``place, x, y, z, depth_m`` for the spaces with water (depth > 0), sorted by place.
    """
    rows = _upto(frame, "depth", t_s)
    last = rows.groupby(rows["place"].astype(str), sort=True).tail(1)
    last = last[last["value"] > 0]
    out = pd.DataFrame({
        "place": last["place"].astype(str).to_numpy(),
        "x": last["x"].to_numpy(float), "y": last["y"].to_numpy(float), "z": last["z"].to_numpy(float),
        "depth_m": last["value"].to_numpy(float),
    })
    return out.sort_values("place", kind="stable").reset_index(drop=True)


def lifts_out_at(frame: pd.DataFrame, t_s: float) -> list[str]:
    """Names of the lifts stopped at ``t_s`` (their last ``lift`` row says 0), sorted."""
    rows = _upto(frame, "lift", t_s)
    last = rows.groupby(rows["detail"].astype(str), sort=True).tail(1)
    return sorted(last.loc[last["value"] == 0, "detail"].astype(str))


def incident_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per incident: ``incident, kind, priority, title, place, x, y, z`` and the first
    time of each step (``raised_s, reported_s, dispatched_s, on_site_s, made_safe_s,
    resolved_s``; NaN when it never came)."""
    raised = frame[frame["kind"] == "incident"].sort_values("t_s", kind="stable")
    raised = raised.groupby("incident").head(1)
    parts = raised["detail"].astype(str).str.split("|", n=2)
    out = pd.DataFrame({
        "incident": raised["incident"].astype(int).to_numpy(),
        "kind": [p[0] for p in parts],
        "priority": [PRIORITY_NAME.get(int(v), "blue") for v in raised["value"]],
        "title": [p[2] if len(p) > 2 else p[-1] for p in parts],
        "place": raised["place"].astype(str).to_numpy(),
        "x": raised["x"].to_numpy(float), "y": raised["y"].to_numpy(float),
        "z": raised["z"].to_numpy(float),
        "raised_s": raised["t_s"].to_numpy(float),
    })
    steps = frame[frame["incident"] >= 0]
    for kind in ("reported", "dispatched", "on_site", "made_safe", "resolved"):
        first = steps[steps["kind"] == kind].groupby("incident")["t_s"].min()
        out[f"{kind}_s"] = out["incident"].map(first).astype(float)
    return out


#: An incident's state, latest step first: (column, words).
_STATES = (("resolved_s", "resolved"), ("made_safe_s", "made safe"), ("on_site_s", "someone on site"),
           ("dispatched_s", "reported, help on the way"), ("reported_s", "reported"))


def incidents_at(frame: pd.DataFrame, t_s: float) -> pd.DataFrame:
    """The incidents raised by ``t_s`` (:func:`incident_table` rows) with a ``state`` column:
    not known yet, reported, reported with help on the way, someone on site, made safe, resolved."""
    table = incident_table(frame)
    table = table[table["raised_s"] <= t_s].copy()
    states = []
    for rec in table.to_dict("records"):
        states.append(next((words for col, words in _STATES if rec[col] <= t_s), "not known yet"))
    table["state"] = states
    return table.reset_index(drop=True)


def task_bars(frame: pd.DataFrame, *, end_s: float) -> pd.DataFrame:
    """Each stretch a person spent on a task: from dispatched, through on site, to done.

    Returns
    -------
    pandas.DataFrame
        ``person, incident, task, name, start_s, on_site_s, end_s, ended`` — ``ended`` is
        ``done``, ``preempted`` (taken off it for more urgent work) or ``unfinished`` (still on it
        at ``end_s``); ``on_site_s`` is NaN when they never got there. Sorted by start.
    """
    rows = frame[frame["kind"].isin(["dispatched", "on_site", "done", "preempted"])
                 & (frame["person"].fillna("") != "")].sort_values("t_s", kind="stable")
    open_: dict[tuple[str, int], dict[str, Any]] = {}
    bars: list[dict[str, Any]] = []
    for t, kind, person, task, incident, detail in zip(
            rows["t_s"], rows["kind"], rows["person"].astype(str), rows["task"], rows["incident"],
            rows["detail"].astype(str), strict=True):
        key = (person, int(task))
        if kind == "dispatched":
            open_[key] = {"person": person, "incident": int(incident), "task": int(task),
                          "name": detail.split("|")[0], "start_s": float(t), "on_site_s": math.nan}
        elif key in open_:
            if kind == "on_site":
                open_[key]["on_site_s"] = float(t)
            else:
                bars.append({**open_.pop(key), "end_s": float(t), "ended": str(kind)})
    bars += [{**b, "end_s": max(end_s, b["start_s"]), "ended": "unfinished"} for b in open_.values()]
    cols = ["person", "incident", "task", "name", "start_s", "on_site_s", "end_s", "ended"]
    out = pd.DataFrame(bars, columns=cols).astype({"incident": "int64", "task": "int64",
                                                   "start_s": "float64", "on_site_s": "float64",
                                                   "end_s": "float64"})
    return out.sort_values(["start_s", "person"], kind="stable").reset_index(drop=True)


def storey_at(model: BuildingModel, z: float) -> int:
    """The storey a height ``z`` (m) is on: the highest whose elevation is at most ``z`` (plus
    :data:`STOREY_TOLERANCE_M`); the lowest storey below all of them; -1 for NaN (nowhere)."""
    if not model.storeys or math.isnan(z):
        return -1
    elevations = np.array([s.elevation_m for s in model.storeys])
    return max(int(np.searchsorted(elevations, z + STOREY_TOLERANCE_M, side="right")) - 1, 0)


@dataclass(frozen=True, slots=True)
class Moment:
    """A point of the drill worth a plan: when, what, and where (the storey is where ``z`` is)."""

    t_s: float
    title: str
    x: float
    y: float
    z: float
    incidents: tuple[int, ...] = ()


def key_moments(frame: pd.DataFrame, *, end_s: float) -> list[Moment]:
    """The first report, the first person on site, the moment each red incident was made safe,
    and the end — in time order, with where each happened.

    The end is placed at the deepest water standing then, else at the first incident.
    """
    table = incident_table(frame)
    titles = dict(zip(table["incident"], table["title"], strict=True))
    moments: list[Moment] = []

    def at(row: pd.Series, title: str) -> Moment:
        inc = int(row["incident"])
        return Moment(float(row["t_s"]), title, float(row["x"]), float(row["y"]), float(row["z"]),
                      (inc,) if inc >= 0 else ())

    rep = frame[(frame["kind"] == "reported") & frame["z"].notna()].sort_values("t_s", kind="stable")
    if len(rep):
        r = rep.iloc[0]
        how = f" ({r['detail']})" if str(r["detail"]) else ""
        moments.append(at(r, f"First report: #{int(r['incident'])} {titles.get(int(r['incident']), '')}"
                             f" becomes known{how}"))
    on = frame[(frame["kind"] == "on_site") & frame["z"].notna()].sort_values("t_s", kind="stable")
    if len(on):
        r = on.iloc[0]
        moments.append(at(r, f"First person on site: {r['person']} reaches {r['place']} "
                             f"for #{int(r['incident'])}"))
    red = set(table.loc[table["priority"] == "red", "incident"].tolist())
    safe = frame[(frame["kind"] == "made_safe") & frame["incident"].isin(red) & frame["z"].notna()]
    for _, r in safe.sort_values("t_s", kind="stable").groupby("incident").head(1).iterrows():
        moments.append(at(r, f"Made safe: #{int(r['incident'])} {titles.get(int(r['incident']), '')}"))

    wet = depths_at(frame, end_s)
    if len(wet):
        deepest = wet.loc[wet["depth_m"].idxmax()]
        where: tuple[float, float, float] = (float(deepest["x"]), float(deepest["y"]), float(deepest["z"]))
    elif len(table):
        first = table.iloc[0]
        where = (float(first["x"]), float(first["y"]), float(first["z"]))
    else:
        where = (math.nan, math.nan, 0.0)
    end_title = "End of the drill — water still standing here" if len(wet) else "End of the drill"
    moments.append(Moment(float(end_s), end_title, *where))
    return sorted(moments, key=lambda m: m.t_s)


# --------------------------------------------------------------------------------- figures


def incident_colour(incident: int) -> str:
    return INCIDENT_COLOURS[incident % len(INCIDENT_COLOURS)] if incident >= 0 else IDLE_COLOUR


def _clock(start: dt.datetime, t_s: float) -> dt.datetime:
    return start + dt.timedelta(seconds=float(t_s))


def _people_names(scenario: Scenario) -> dict[str, str]:
    names = {p.id: p.name or p.id for p in scenario.people}
    names.update({c.id: c.name or c.id for c in scenario.contractors})
    return names


def _name_of(names: Mapping[str, str], person: str) -> str:
    if person in names:
        return names[person]
    base = next((k for k in names if person.startswith(k)), None)
    return names[base] if base else person


def timeline_figure(frame: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """Tasks per person as a Gantt chart: a light bar while travelling (dispatched → on site), a
    solid one while on site (→ done), coloured by incident; dotted lines mark the reports."""
    end_s = scenario.duration_s
    bars = task_bars(frame, end_s=end_s)
    table = incident_table(frame)
    titles = dict(zip(table["incident"], table["title"], strict=True))
    names = _people_names(scenario)
    start = scenario.start
    fig = go.Figure()
    people = sorted(set(bars["person"]))
    last = float(bars["end_s"].max()) if len(bars) else end_s
    shown_to = min(end_s, last + max(0.05 * last, 300.0))
    px_per_s = TIMELINE_WIDTH_PX / max(shown_to, 1.0)

    def fits(text: str, seconds: float) -> str:
        return text if len(text) * 6.5 + 8 <= seconds * px_per_s else ""
    labels = {p: f"{p} · {_name_of(names, p)}" for p in people}

    def bar(sel: pd.DataFrame, t0: np.ndarray, t1: np.ndarray, *, name: str, colour: str,
            opacity: float, group: str, show: bool, text: list[str]) -> None:
        ms = (t1 - t0) * 1000.0
        fig.add_trace(go.Bar(
            y=[labels[p] for p in sel["person"]], x=ms,
            base=[_clock(start, t).isoformat() for t in t0], orientation="h", name=name,
            legendgroup=group, showlegend=show, marker={"color": colour, "line": {"width": 0}},
            opacity=opacity, text=text, textposition="inside", insidetextanchor="start",
            textfont={"color": "white", "size": 11}, textangle=0, constraintext="none",
            hovertext=[
                f"<b>{r['person']}</b> · {r['name']} (#{r['incident']})<br>"
                f"dispatched {_clock(start, r['start_s']):%H:%M:%S}, "
                + (f"on site {_clock(start, r['on_site_s']):%H:%M:%S}, "
                   if not math.isnan(r["on_site_s"]) else "never on site, ")
                + f"{r['ended']} {_clock(start, r['end_s']):%H:%M:%S}"
                for r in sel.to_dict("records")
            ],
            hoverinfo="text",
        ))

    for inc in sorted(set(bars["incident"])):
        sel = bars[bars["incident"] == inc]
        arrived = sel["on_site_s"].fillna(sel["end_s"]).to_numpy(float)
        colour = incident_colour(int(inc))
        group = f"inc{inc}"
        title = f"#{inc} {titles.get(inc, '')}"
        bar(sel, sel["start_s"].to_numpy(float), arrived, name=f"{title} — travelling", colour=colour,
            opacity=0.35, group=group, show=False, text=[""] * len(sel))
        on = sel[sel["on_site_s"].notna()]
        bar(on, on["on_site_s"].to_numpy(float), on["end_s"].to_numpy(float), name=title,
            colour=colour, opacity=1.0, group=group, show=True,
            text=[fits(f"{r['name']}{' (taken off)' if r['ended'] == 'preempted' else ''}",
                       r["end_s"] - r["on_site_s"]) for r in on.to_dict("records")])

    for rec in table.to_dict("records"):
        if not math.isnan(rec["reported_s"]) and rec["reported_s"] <= shown_to:
            when = _clock(start, rec["reported_s"]).isoformat()
            fig.add_shape(type="line", x0=when, x1=when, y0=0, y1=1, yref="paper",
                          line={"color": incident_colour(rec["incident"]), "dash": "dot", "width": 1.5})
            fig.add_annotation(x=when, y=1, yref="paper", xanchor="left", yanchor="top",
                               showarrow=False, text=f"#{rec['incident']} reported",
                               font={"size": 10, "color": incident_colour(rec["incident"])},
                               bgcolor="rgba(255,255,255,0.8)")
    fig.update_layout(
        barmode="overlay",
        height=150 + 44 * max(len(people), 2),
        margin={"l": 10, "r": 20, "t": 30, "b": 10},
        xaxis={"type": "date", "title": {"text": f"clock time ({start:%a %d %b %Y})"},
               "range": [start.isoformat(), _clock(start, shown_to).isoformat()],
               "gridcolor": "rgb(230,230,230)"},
        yaxis={"autorange": "reversed", "categoryorder": "array",
               "categoryarray": [labels[p] for p in people], "automargin": True},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom",
                "title": {"text": "incident:"}},
        plot_bgcolor="white",
        hoverlabel={"namelength": -1},
    )
    return fig


def _parts_view(twin: Twin, storey: int, points: Sequence[tuple[float, float]]) -> tuple[float, ...]:
    """The bounds of the parts of a storey (a tower, a wing) that hold any of ``points``; the
    part nearest the first point when none does; the whole storey when it has no parts."""
    parts = plan_parts(twin, storey)
    if not parts:
        return (-10.0, -10.0, 10.0, 10.0)

    def dist(b: tuple[float, float, float, float], p: tuple[float, float]) -> float:
        dx = max(b[0] - p[0], 0.0, p[0] - b[2])
        dy = max(b[1] - p[1], 0.0, p[1] - b[3])
        return math.hypot(dx, dy)

    pts = [p for p in points if not (math.isnan(p[0]) or math.isnan(p[1]))]
    chosen = [pt for pt in parts if any(dist(pt.bounds, p) <= 1.0 for p in pts)]
    if not chosen:
        chosen = [min(parts, key=lambda pt: dist(pt.bounds, pts[0]))] if pts else list(parts)
    b = np.array([pt.bounds for pt in chosen])
    view = [float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())]
    if pts:
        # A long basement under the whole estate: show the stretch where things happen.
        p = np.array(pts)
        for lo, hi in ((0, 2), (1, 3)):
            if view[hi] - view[lo] > CROP_ABOVE_M:
                view[lo] = max(view[lo], float(p[:, lo].min()) - CROP_MARGIN_M)
                view[hi] = min(view[hi], float(p[:, lo].max()) + CROP_MARGIN_M)
    return (view[0], view[1], view[2], view[3])


def _rings_xy(rings: Sequence[np.ndarray]) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for r in rings:
        if len(r) >= 3:
            xs += [*r[:, 0].tolist(), None]
            ys += [*r[:, 1].tolist(), None]
    return xs, ys


def _on_storey(rows: pd.DataFrame, model: BuildingModel, storey: int) -> pd.DataFrame:
    mask = np.fromiter((storey_at(model, z) == storey for z in rows["z"]), dtype=bool, count=len(rows))
    return rows[mask]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One plan snapshot: the figure and, in words, what lies off it."""

    moment: Moment
    storey: str
    figure: go.Figure
    elsewhere: str


def snapshot(twin: Twin, frame: pd.DataFrame, moment: Moment, *, scenario: Scenario,
             start_positions: Mapping[str, XYZ] | None = None, max_depth_m: float | None = None) -> Snapshot:
    """The plan of the storey where ``moment`` happens, as it stood then: spaces (shaded by water
    depth), stairs, lifts (red when out of service), incidents with their state, and people
    (coloured by the incident they are working on)."""
    model = twin.model
    t = moment.t_s
    storey = max(storey_at(model, moment.z), 0)
    plan = storey_plan(twin, storey)
    names = _people_names(scenario)
    start = scenario.start

    people = positions_at(frame, t, start=start_positions)
    people["storey"] = np.array([storey_at(model, z) for z in people["z"]], dtype=int)
    here = people[people["storey"] == storey]
    wet = _on_storey(depths_at(frame, t), model, storey)
    incidents = _on_storey(incidents_at(frame, t), model, storey)
    out = set(lifts_out_at(frame, t))
    bars = task_bars(frame, end_s=scenario.duration_s)
    doing = bars[(bars["start_s"] <= t) & (bars["end_s"] > t)]

    # The view follows the moment, the people and the water; other incidents on the storey
    # (another tower) are named under the plan rather than shrinking it.
    points = [(moment.x, moment.y), *zip(here["x"], here["y"], strict=True),
              *zip(wet["x"], wet["y"], strict=True)]
    x0, y0, x1, y1 = _parts_view(twin, storey, points)
    m = VIEW_MARGIN_M
    x0, y0, x1, y1 = x0 - m, y0 - m, x1 + m, y1 + m
    fig = go.Figure()

    # Spaces: dry ones in one trace; wet ones one by one, filled by depth.
    by_label = {model.spaces[i].label: int(i) for i in plan.spaces}
    depth_of: dict[int, float] = {}
    for rec in wet.to_dict("records"):
        i = by_label.get(rec["place"])
        if i is None:
            p = Point(rec["x"], rec["y"])
            i = next((int(k) for k in plan.spaces if model.spaces[k].footprint.covers(p)), None)
        if i is not None:
            depth_of[i] = max(depth_of.get(i, 0.0), float(rec["depth_m"]))
    dry = [ring for i, ring in zip(plan.spaces, plan.outlines, strict=True) if int(i) not in depth_of]
    xs, ys = _rings_xy(dry)
    if xs:
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=DRY_FILL,
                                 line={"color": SPACE_LINE, "width": 1}, name="space (dry)",
                                 hoverinfo="skip"))
    top = max_depth_m or max(depth_of.values(), default=0.0) or 1.0
    outline = dict(zip(plan.spaces.tolist(), plan.outlines, strict=True))
    for i, depth in sorted(depth_of.items()):
        colour = sample_colorscale(DEPTH_SCALE, [min(depth / top, 1.0)])[0]
        xs, ys = _rings_xy([outline[i]])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=colour,
                                 line={"color": "rgb(40,70,120)", "width": 1}, showlegend=False,
                                 name=model.spaces[i].label, hoveron="fills",
                                 hovertext=f"{model.spaces[i].label}: water {depth * 100:.1f} cm",
                                 hoverinfo="text"))
    if depth_of:
        # An invisible point carries the colour bar of the water layer.
        fig.add_trace(go.Scatter(
            x=[x0], y=[y0], mode="markers", name="water depth", showlegend=False, hoverinfo="skip",
            marker={"size": 0.1, "opacity": 0, "color": [0.0], "cmin": 0.0, "cmax": top * 100,
                    "colorscale": DEPTH_SCALE, "showscale": True,
                    "colorbar": {"title": {"text": "water<br>(cm)"}, "thickness": 14, "len": 0.6}},
        ))
    # Room names where they fit, largest first; hovering names every room.
    px_per_m = PLAN_WIDTH_PX / max(x1 - x0, 1.0)
    labels: list[tuple[float, float, str]] = []
    hover: list[tuple[float, float, str]] = []
    for i in sorted(plan.spaces.tolist(), key=lambda k: -model.spaces[k].area_m2):
        sp = model.spaces[i]
        bx0, by0, bx1, by1 = sp.footprint.bounds
        if bx1 < x0 or bx0 > x1 or by1 < y0 or by0 > y1:
            continue
        ax, ay, _ = sp.anchor()
        hover.append((ax, ay, sp.label + (f": water {depth_of[i] * 100:.1f} cm" if i in depth_of else "")))
        text = next((s for s in (sp.long_name, sp.name)
                     if s and len(s) * LABEL_PX_PER_CHAR <= (bx1 - bx0) * px_per_m
                     and (by1 - by0) * px_per_m >= 16), None)
        if text and len(labels) < MAX_ROOM_LABELS:
            labels.append((ax, ay, text))
    if hover:
        fig.add_trace(go.Scatter(x=[h[0] for h in hover], y=[h[1] for h in hover], mode="markers",
                                 marker={"size": 14, "opacity": 0}, showlegend=False,
                                 hovertext=[h[2] for h in hover], hoverinfo="text", name="rooms"))
    if labels:
        fig.add_trace(go.Scatter(x=[lb[0] for lb in labels], y=[lb[1] for lb in labels], mode="text",
                                 text=[lb[2] for lb in labels],
                                 textfont={"size": 10, "color": "rgb(70,70,70)"},
                                 showlegend=False, hoverinfo="skip", name="room names"))

    if plan.stair_outlines:
        xs, ys = _rings_xy(plan.stair_outlines)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": STAIR_LINE, "width": 1.5},
                                 name="stair", hoverinfo="skip"))
    lift_names = [model.lifts[i].name for i in plan.lifts]
    for running in (True, False):
        sel = [(n, r) for n, r in zip(lift_names, plan.lift_outlines, strict=True)
               if (n not in out) == running]
        if not sel:
            continue
        xs, ys = _rings_xy([r for _, r in sel])
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", fill="toself",
            fillcolor="rgba(242,153,26,0.35)" if running else "rgba(211,47,47,0.55)",
            line={"color": LIFT_OK if running else LIFT_OUT, "width": 2 if running else 3},
            name=("lift" if not out else "lift running") if running else "lift OUT OF SERVICE",
            hoverinfo="skip"))
        cx = [float(np.mean(r[:-1, 0])) for _, r in sel if len(r) > 1]
        cy = [float(np.mean(r[:-1, 1])) for _, r in sel if len(r) > 1]
        fig.add_trace(go.Scatter(
            x=cx, y=cy, mode="markers" if running else "markers+text",
            marker={"symbol": "square" if running else "x", "size": 9 if running else 14,
                    "color": LIFT_OK if running else LIFT_OUT, "line": {"width": 1, "color": "white"}},
            text=None if running else ["out" for _ in sel], textposition="bottom center",
            textfont={"color": LIFT_OUT, "size": 10}, showlegend=False, name="lifts",
            hovertext=[f"{n}: {'running' if running else 'out of service'}" for n, _ in sel],
            hoverinfo="text"))

    inside = ((incidents["x"] >= x0) & (incidents["x"] <= x1) & (incidents["y"] >= y0)
              & (incidents["y"] <= y1))
    off_view = incidents[~inside]
    incidents = incidents[inside]
    for rec in incidents.to_dict("records"):
        colour = incident_colour(int(rec["incident"]))
        fig.add_trace(go.Scatter(
            x=[rec["x"]], y=[rec["y"]], mode="markers",
            marker={"symbol": "star", "size": 22, "color": colour, "line": {"color": "black", "width": 1}},
            name=f"incident #{rec['incident']}: {rec['title']}", legendgroup=f"inc{rec['incident']}",
            hovertext=[f"<b>#{rec['incident']} {rec['title']}</b> ({rec['priority']})<br>{rec['place']}"
                       f"<br>{rec['state']}"], hoverinfo="text"))
        fig.add_annotation(x=rec["x"], y=rec["y"], ax=0, ay=-38,
                           text=f"<b>#{rec['incident']}</b> {rec['state']}", showarrow=True,
                           arrowcolor=colour, arrowwidth=1.5, bgcolor="rgba(255,255,255,0.9)",
                           bordercolor=colour, borderwidth=1.5, borderpad=3,
                           font={"size": 12, "color": "black"})

    if len(here):
        working = {r["person"]: r for r in doing.to_dict("records")}
        colours, hovers = [], []
        for p in here["person"]:
            r = working.get(p)
            colours.append(incident_colour(int(r["incident"])) if r else IDLE_COLOUR)
            if r is None:
                what = "not on a task"
            else:
                there = not math.isnan(r["on_site_s"]) and r["on_site_s"] <= t
                what = f"{'working on' if there else 'on the way to'} {r['name']} (#{r['incident']})"
            hovers.append(f"<b>{p}</b> · {_name_of(names, p)}<br>{what}")
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", name="person (colour: the incident they work on)",
            marker={"symbol": "circle", "size": 12, "color": IDLE_COLOUR}))
        fig.add_trace(go.Scatter(
            x=here["x"], y=here["y"], mode="markers+text", name="people", showlegend=False,
            marker={"symbol": "circle", "size": 15, "color": colours, "line": {"color": "white", "width": 2}},
            text=list(here["person"]), textposition="middle right", cliponaxis=False,
            textfont={"size": 12, "color": "black", "family": "Arial Black, Arial, sans-serif",
                      "shadow": "0px 0px 3px white"},
            hovertext=hovers, hoverinfo="text"))

    away = people[people["storey"] != storey]
    elsewhere = ", ".join(
        [f"{p} on {model.storeys[s].name}" for p, s in zip(away["person"], away["storey"], strict=True)]
        + [f"incident #{r['incident']} ({r['title']}, {r['state']}) on this storey outside the view"
           for r in off_view.to_dict("records")])
    st = model.storeys[storey]
    clock = _clock(start, t)
    lifts_note = f"; {plural(len(out), 'lift')} out of service in the building" if out else ""
    fig.update_layout(
        title={"text": f"<b>{html.escape(moment.title)}</b><br><sup>{clock:%H:%M:%S} "
                       f"(+{t / 60:.1f} min) — storey <b>{html.escape(st.name)}</b> at "
                       f"{st.elevation_m:+.1f} m{lifts_note}</sup>",
               "x": 0.01, "xanchor": "left"},
        xaxis={"range": [x0, x1], "title": {"text": "x (m)"}, "showgrid": True,
               "gridcolor": "rgb(238,238,238)", "zeroline": False, "constrain": "domain"},
        yaxis={"range": [y0, y1], "title": {"text": "y (m)"}, "scaleanchor": "x", "scaleratio": 1,
               "showgrid": True, "gridcolor": "rgb(238,238,238)", "zeroline": False},
        plot_bgcolor="white",
        height=int(np.clip(PLAN_WIDTH_PX * (y1 - y0) / max(x1 - x0, 1.0), *PLAN_HEIGHT_PX)) + 150,
        margin={"l": 60, "r": 50, "t": 75, "b": 10},
        legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top"},
        hoverlabel={"namelength": -1},
    )
    return Snapshot(moment, st.name, fig, elsewhere)


def base_positions(twin: Twin, scenario: Scenario, t_s: float) -> dict[str, XYZ]:
    """Where the staff on duty at ``t_s`` wait before anyone sends them anywhere: their bases."""
    minute = minute_of_day(scenario.start, t_s)
    out: dict[str, XYZ] = {}
    for p in scenario.people:
        if p.on_call or not scenario.shifts[p.shift].on_duty(minute):
            continue  # at home until called out (then their moves place them)
        try:
            node = resolve_place(p.base, twin.model, twin.graph)
        except PlaceError:
            log.warning("%s: base %r is not in this building; not drawn before they move", p.id, p.base)
            continue
        x, y, z = (float(v) for v in twin.graph.node_xyz[node])
        out[p.id] = (x, y, z)
    return out


# ------------------------------------------------------------------------------------ HTML


def run_model_paths(run: StoredRun) -> list[Path] | None:
    """The model files of a run's scenario (relative to its scenario file), or None for the
    bundled estate."""
    scenario = run.scenario
    if not scenario.model:
        return None
    base = Path(run.metadata.get("scenario_file") or ".").parent
    return [p if p.is_absolute() else base / p for p in map(Path, scenario.model)]


def check_model(run: StoredRun, twin: Twin) -> None:
    """Refuse a twin whose files are not those the run was made on (plans would lie)."""
    want = [(m.get("name", "?"), m.get("sha256", "")) for m in run.metadata.get("model", [])]
    have = [(s.name, s.sha256) for s in twin.model.sources]
    if want and sorted(h for _, h in want) != sorted(h for _, h in have):
        raise ReportError(
            f"{run.path / 'metadata.json'}: the run was made on {', '.join(n for n, _ in want)} "
            f"(sha256 {', '.join(h[:12] for _, h in want)}), but the model loaded is "
            f"{', '.join(n for n, _ in have)} (sha256 {', '.join(h[:12] for _, h in have)}) — "
            "name the run's model files after RUN_DIR"
        )


_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;margin:0;
 background:#fafafa;line-height:1.45}
main{max-width:1200px;margin:0 auto;padding:24px 28px 60px;background:white}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 8px;border-bottom:2px solid #ddd;
 padding-bottom:4px}h3{font-size:16px;margin:22px 0 4px}
.meta{color:#555;font-size:14px}.note{color:#555;font-size:13px;margin:4px 0 10px}
.intro{background:#f3f6fa;border-left:4px solid #7a9cc6;padding:10px 14px;font-size:14px;margin:14px 0}
nav a{margin-right:14px;font-size:14px}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ok{color:#1b7e2a;font-weight:bold}.miss{color:#c62828;font-weight:bold}
.prio{display:inline-block;padding:1px 7px;border-radius:9px;color:white;font-size:12px}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
ul.summary{padding-left:20px;font-size:14px}ul.summary li{margin:3px 0}
.snap{margin:18px 0 26px;border:1px solid #e4e4e4;padding:6px 8px 2px}
table.log td{font-size:12px;padding:2px 6px}tr.key td{background:#fff6e0}
"""


def _esc(v: Any) -> str:
    return html.escape(str(v))


def _num(v: Any, fmt: str = "{:.1f}") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return fmt.format(float(v))


def _mark(cell: str) -> str:
    """A scorecard cell with its ✓/✗ coloured."""
    text = _esc(cell)
    return text.replace("✓", '<span class="ok">✓</span>').replace("✗", '<span class="miss">✗</span>')


def _scorecard_html(kpis: Kpis) -> str:
    rows = scorecard_rows(kpis)
    if not rows:
        return "<p>No incidents happened in this drill.</p>"
    cols = list(rows[0])
    head = "".join(f"<th>{_esc(c)}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            if c == "priority":
                colour = PRIORITY_COLOURS.get(r[c], "#777")
                cells.append(f'<td><span class="prio" style="background:{colour}">{_esc(r[c])}</span></td>')
            elif c == "incident":
                sw = f'<span class="swatch" style="background:{incident_colour(int(r["#"]))}"></span>'
                cells.append(f"<td>{sw}{_esc(r[c])}</td>")
            else:
                cells.append(f'<td class="num">{_mark(r[c])}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table><tr>{head}</tr>{''.join(body)}</table>"
            f'<p class="note">{_esc(" ".join(LEGEND))}</p>')


def _summary_html(kpis: Kpis, scenario: Scenario) -> str:
    s = kpis.summary
    items = []
    for prio in ("red", "yellow", "blue"):
        n = int(s[f"{prio}_incidents"])
        if n:
            items.append(
                f"<b>{prio}</b>: {plural(n, 'incident')}, <b>{s[f'{prio}_on_site_compliance']:.0%}</b> with "
                f"someone on site within {scenario.targets.of(prio).on_site_min:g} min of the report; "
                f"mean {_num(s[f'{prio}_mean_on_site_min'])} min, 90th percentile "
                f"{_num(s[f'{prio}_p90_on_site_min'])} min")
    if not math.isnan(s["made_safe_compliance"]):
        items.append(f"<b>made safe</b> within target: {s['made_safe_compliance']:.0%} of the incidents "
                     "that have a made-safe target")
    items.append(f"<b>water damage</b>: {s['water_m3']:.1f} m³ let out, {s['wetted_m2h']:.0f} m²·h of "
                 f"floor wetted (area × hours), deepest {s['max_depth_m'] * 100:.1f} cm, "
                 f"{plural(int(s['spaces_damaged']), 'space')} over 15 cm")
    if s["entrapments"]:
        items.append(f"<b>lift entrapments</b>: {int(s['entrapments'])}, longest "
                     f"{s['entrapment_max_min']:.1f} min, mean {s['entrapment_mean_min']:.1f} min")
    else:
        items.append("<b>lift entrapments</b>: none")
    items.append(f"<b>outages</b>: {s['water_outage_household_h']:.0f} household·hours without water, "
                 f"{s['power_outage_household_h']:.0f} without power")
    items.append(f"<b>cost</b>: {scenario.currency} {s['cost_total']:,.0f} in all — labour "
                 f"{s['cost_labour']:,.0f}, call-outs {s['cost_callout']:,.0f}, contractors "
                 f"{s['cost_contractor']:,.0f}; a credit of {s['contractor_penalties']:,.0f} in penalties "
                 "contractors owe for arriving late, not taken off the cost")
    return '<ul class="summary">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _people_html(kpis: Kpis, scenario: Scenario) -> str:
    names = _people_names(scenario)
    if kpis.people.empty:
        return "<p>Nobody was sent anywhere.</p>"
    rows = "".join(
        f"<tr><td>{_esc(r['person'])}</td><td>{_esc(_name_of(names, str(r['person'])))}</td>"
        f'<td class="num">{int(r["tasks"])}</td><td class="num">{r["busy_min"]:.1f}</td>'
        f'<td class="num">{r["utilisation"]:.0%}</td></tr>'
        for r in kpis.people.to_dict("records"))
    return ("<table><tr><th>person</th><th>name</th><th>tasks done</th><th>busy (min)</th>"
            f"<th>share of the drill busy</th></tr>{rows}</table>")


#: Rows of these kinds are highlighted in the event log.
_KEY_KINDS = {"incident", "reported", "on_site", "made_safe", "resolved", "hazard", "entrapment"}


def _log_html(frame: pd.DataFrame, start: dt.datetime, scenario: Scenario) -> tuple[str, int]:
    shown = frame[frame["kind"] != "move"]
    left_out = len(frame) - len(shown)
    out = ['<table class="log"><tr><th>clock</th><th>+min</th><th>kind</th><th>incident</th>'
           "<th>what happened</th></tr>"]
    for t, inc, kind, said in zip(shown["t_s"], shown["incident"], shown["kind"].astype(str),
                                  event_sentences(shown, scenario), strict=True):
        cls = ' class="key"' if kind in _KEY_KINDS else ""
        out.append(
            f"<tr{cls}><td>{_clock(start, t):%H:%M:%S}</td><td class=\"num\">{t / 60:.1f}</td>"
            f"<td>{_esc(kind)}</td><td class=\"num\">{'' if inc < 0 else inc}</td>"
            f"<td>{_esc(said)}</td></tr>")
    out.append("</table>")
    return "".join(out), left_out


def _glossary_html(frame: pd.DataFrame) -> str:
    present = set(frame["kind"].astype(str))
    rows = "".join(f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in KINDS.items() if k in present)
    return f"<table><tr><th>kind</th><th>what it means (and what “value” holds)</th></tr>{rows}</table>"


def _figure_html(fig: go.Figure, div_id: str, **config: Any) -> str:
    return str(fig.to_html(full_html=False, include_plotlyjs=False, config={**PLOTLY_CONFIG, **config},
                           div_id=div_id))


def report_html(run: StoredRun, twin: Twin, *, kpis: Kpis | None = None) -> str:
    """The whole report as one HTML document (plotly.js inlined once; no network needed)."""
    # The replay stages build on this module's helpers: imported here, not at the top.
    from twin.replay import build_replay
    from twin.replay3d import replay3d_figure

    scenario = run.scenario
    frame = run.log.frame
    kpis = kpis or compute_kpis(run.log, scenario)
    start = scenario.start
    end_s = scenario.duration_s
    seed = run.metadata.get("seed", scenario.seed)
    building = ", ".join(m.get("name", "?") for m in run.metadata.get("model", [])) or twin.model.name

    top_depth = frame.loc[frame["kind"] == "depth", "value"].max()
    top_depth = float(top_depth) if pd.notna(top_depth) and top_depth > 0 else None
    snaps = []
    for m in key_moments(frame, end_s=end_s):
        snaps.append(snapshot(twin, frame, m, scenario=scenario, max_depth_m=top_depth,
                              start_positions=base_positions(twin, scenario, m.t_s)))
    log_table, left_out = _log_html(frame, start, scenario)
    moves = int((frame["kind"] == "move").sum())

    snap_html = []
    for k, s in enumerate(snaps):
        away = (f'<p class="note">Not on this plan: {_esc(s.elsewhere)}.</p>' if s.elsewhere
                else '<p class="note">Everyone on site is on this plan.</p>')
        snap_html.append(f'<div class="snap">{_figure_html(s.figure, f"fig-plan-{k}")}{away}</div>')

    people_ids = sorted(set(task_bars(frame, end_s=end_s)["person"]))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>After-action report — {_esc(scenario.name)}</title>",
        f"<style>{_CSS}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head><body><main>",
        f"<h1>After-action report: {_esc(scenario.name)}</h1>",
        f'<p class="meta">Drill starting <b>{start:%A %d %B %Y, %H:%M}</b>, running '
        f"{scenario.duration_h:g} h (to {_clock(start, end_s):%H:%M}) · random seed <b>{_esc(seed)}</b> · "
        f"building <b>{_esc(building)}</b> ({plural(len(twin.model.storeys), 'storey')}, "
        f"{plural(len(twin.model.spaces), 'space')}) · {plural(len(frame), 'event')} logged</p>",
        f"<p>{_esc(scenario.description.strip())}</p>" if scenario.description.strip() else "",
        '<div class="intro">This is a <b>simulated</b> emergency drill, run by DrillTwin on a digital '
        "model of the building: hazards (burst pipes, storms, power cuts) happen, become known through a "
        "channel (a sensor, a phone call), and the people on the roster are sent to deal with them, "
        "walking the building's corridors, stairs and lifts. Times in the scorecard are "
        "<b>minutes from the moment the incident was reported</b>; each is checked against the "
        "service target of the incident's priority (red is the most urgent).</div>",
        '<nav><a href="#scorecard">Scorecard</a><a href="#summary">Summary</a>'
        '<a href="#timeline">Timeline</a><a href="#plans">Plans at key moments</a>'
        '<a href="#replay3d">In 3D</a><a href="#log">Event log</a></nav>',
        '<h2 id="scorecard">Scorecard</h2>',
        '<p class="note">Per incident: when it happened (minutes into the drill), how long until it '
        "was reported, then minutes from the report until someone was dispatched, was on site, had "
        "made it safe, and had finished every task, each as time / target: ✓ met the target, ✗ "
        "missed it.</p>",
        _scorecard_html(kpis),
        '<h2 id="summary">Summary of the run</h2>',
        _summary_html(kpis, scenario),
        "<h3>People</h3>",
        _people_html(kpis, scenario),
        '<h2 id="timeline">Timeline of tasks per person</h2>',
        '<p class="note">Each bar is one person on one task, coloured by incident: the light part is '
        "the way there (from being dispatched to arriving), the solid part the time on site until the "
        "task was done. Dotted lines mark when each incident was reported. Hover a bar for times.</p>",
        _figure_html(timeline_figure(frame, scenario), "fig-timeline", displayModeBar=False) if people_ids
        else "<p>Nobody was sent anywhere.</p>",
        '<h2 id="plans">Plans at key moments</h2>',
        '<p class="note">The storey where each moment happens, seen from above (metres). Grey rooms '
        "are dry, blue ones hold water (darker is deeper; same scale on every plan); stars are "
        "incidents with their state at that moment; dots are people, coloured by the incident they "
        "are working on (grey: not on a task); lift shafts are orange, or red with a cross when out "
        "of service; stairs are outlined green. People are drawn where they last passed a point of "
        "their route. Hover for names; drag to zoom, double-click to zoom back.</p>",
        *snap_html,
        '<h2 id="replay3d">The drill in 3D</h2>',
        '<p class="note">The whole building: storeys as outlines at their height (dark where '
        "something happens), lift shafts orange (red with OUT when stopped), stairs green; squares "
        "are wet rooms (darker is deeper), diamonds incidents coloured by state, dots people "
        "coloured by what they are doing. Press ▶ Play; drag to turn, scroll to zoom — the view "
        "stays while it plays.</p>",
        _figure_html(replay3d_figure(twin, build_replay(twin, frame, scenario)), "fig-replay3d"),
        '<h2 id="log">Event log</h2>',
        f'<p class="note">{len(frame) - left_out} of {len(frame)} events. Left out: {moves} '
        "“move” rows (a person passing a point of their route; the plans above use them). "
        "Highlighted rows are the steps of an incident. Times are clock time and minutes into the "
        "drill.</p>",
        log_table,
        "<h3>What the kinds of event mean</h3>",
        _glossary_html(frame),
        f'<p class="meta" style="margin-top:30px">Written by DrillTwin {__version__} from the run '
        f"folder {_esc(run.path)} (pipeline {_esc(run.metadata.get('pipeline_version', '?'))}).</p>",
        "</main></body></html>",
    ]
    return "\n".join(p for p in parts if p)


def check_out(out: Path, *, force: bool = False) -> Path:
    """Refuse an ``out`` that cannot or must not be written, before any work is done."""
    out = Path(out)
    if out.is_dir():
        raise ReportError(f"{out}: is a folder; give a file name for the report, e.g. --out report.html")
    parent = out.parent if str(out.parent) else Path(".")
    if out.exists() and not force:
        raise ReportError(f"{out}: already exists; pass --force to overwrite it or choose another --out")
    if not parent.is_dir():
        raise ReportError(f"{out}: folder {parent} does not exist; create it or choose another --out")
    if not os.access(parent, os.W_OK):
        raise ReportError(f"{out}: folder {parent} is not writable; choose another --out")
    return out


def write_report(run: StoredRun, twin: Twin, out: Path, *, force: bool = False) -> Path:
    """Write the after-action report of ``run`` to ``out`` (an HTML file) and return its path.

    Parameters
    ----------
    run
        A run folder read with :func:`twin.store.read_run`.
    twin
        The building the run was made on (checked against the run's model hashes).
    out
        The HTML file to write; written to a temporary name and renamed, so a failure never
        leaves half a report.
    force
        Overwrite ``out`` when it exists.
    """
    out = check_out(out, force=force)
    check_model(run, twin)
    text = report_html(run, twin)
    try:
        atomic_write(out, lambda p: p.write_text(text, encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"{out}: cannot write the report ({exc.strerror}); choose another --out") from None
    log.info("report: %s (%d kB)", out, len(text) // 1024)
    return out
