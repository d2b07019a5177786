"""The report's plans at key moments: the storey where something happens, as it stood then.

Takes the event log's frame (for the moments) and a :class:`~twin.present.replay.Replay` at those
moments (the one reading of the building at time t, :mod:`twin.events.state`); gives
:func:`key_moments` (the first report, the first person on site, each red incident made safe, the
end) and :func:`snapshot`, a plotly plan of one moment.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from shapely.geometry import Point

from twin.events.state import STATES, states
from twin.events.tables import incident_table
from twin.present.names import clock, name_of, people_names
from twin.present.plan import StoreyPlan, plan_parts, rings_xy, room_labels, storey_plan
from twin.present.replay import Replay
from twin.present.style import (
    DEPTH_SCALE,
    DRY_FILL,
    IDLE_COLOUR,
    LIFT_OK,
    LIFT_OUT,
    LIFT_OUT_RGB,
    LIFT_RGB,
    PERSON_FONT,
    SPACE_LINE,
    STAIR_LINE,
    css,
    incident_colour,
    plan_axes,
    room_names_trace,
)
from twin.scenario.schema import Scenario
from twin.twin import Twin
from twin.words import plural

#: A plan is drawn about this wide (px); its height follows the part of the storey shown.
PLAN_WIDTH_PX = 1100
PLAN_HEIGHT_PX = (320, 620)
VIEW_MARGIN_M = 4.0
#: Spaces are named on a plan when the name fits at about this many px a letter.
LABEL_PX_PER_CHAR = 6.0
MAX_ROOM_LABELS = 40
#: A plan wider than this (m) is cropped to what matters at the moment, with this margin (m).
CROP_ABOVE_M = 100.0
CROP_MARGIN_M = 30.0

Bounds = tuple[float, float, float, float]


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
        return Moment(
            float(row["t_s"]),
            title,
            float(row["x"]),
            float(row["y"]),
            float(row["z"]),
            (inc,) if inc >= 0 else (),
        )

    rep = frame[(frame["kind"] == "reported") & frame["z"].notna()].sort_values("t_s", kind="stable")
    if len(rep):
        r = rep.iloc[0]
        how = f" ({r['detail']})" if str(r["detail"]) else ""
        moments.append(
            at(
                r,
                f"First report: #{int(r['incident'])} {titles.get(int(r['incident']), '')}"
                f" becomes known{how}",
            )
        )
    on = frame[(frame["kind"] == "on_site") & frame["z"].notna()].sort_values("t_s", kind="stable")
    if len(on):
        r = on.iloc[0]
        moments.append(
            at(r, f"First person on site: {r['person']} reaches {r['place']} for #{int(r['incident'])}")
        )
    red = set(table.loc[table["priority"] == "red", "incident"].tolist())
    safe = frame[(frame["kind"] == "made_safe") & frame["incident"].isin(red) & frame["z"].notna()]
    for _, r in safe.sort_values("t_s", kind="stable").groupby("incident").head(1).iterrows():
        moments.append(at(r, f"Made safe: #{int(r['incident'])} {titles.get(int(r['incident']), '')}"))

    end = states(frame, np.array([float(end_s)]), end_s=end_s, people_tracks={})
    standing = end.depth[:, 0] if end.depth.size else np.zeros(0)
    wet = bool((standing > 0).any())
    if wet:
        deepest = end.place_xyz[int(np.argmax(standing))]
        where: tuple[float, float, float] = (float(deepest[0]), float(deepest[1]), float(deepest[2]))
    elif len(table):
        first = table.iloc[0]
        where = (float(first["x"]), float(first["y"]), float(first["z"]))
    else:
        where = (math.nan, math.nan, 0.0)
    end_title = "End of the drill — water still standing here" if wet else "End of the drill"
    moments.append(Moment(float(end_s), end_title, *where))
    return sorted(moments, key=lambda m: m.t_s)


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


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One plan snapshot: the figure and, in words, what lies off it."""

    moment: Moment
    storey: str
    figure: go.Figure
    elsewhere: str


def snapshot(
    twin: Twin,
    replay: Replay,
    j: int,
    moment: Moment,
    *,
    scenario: Scenario,
    max_depth_m: float | None = None,
) -> Snapshot:
    """The plan of the storey where ``moment`` happens, as it stood then (``replay`` at its time
    ``j``, which is the moment's): spaces (shaded by water depth), stairs, lifts (red when out of
    service), incidents with their state, and people (coloured by the incident they are working
    on)."""
    model = twin.model
    t = moment.t_s
    storey = max(int(model.storey_at(moment.z)), 0)
    plan = storey_plan(twin, storey)

    on_site = replay.storey[:, j] >= 0
    people = pd.DataFrame(
        {
            "person": np.asarray(replay.people, dtype=object)[on_site],
            "x": replay.xyz[on_site, j, 0],
            "y": replay.xyz[on_site, j, 1],
            "storey": replay.storey[on_site, j],
        }
    )
    here = people[people["storey"] == storey]
    wet_rows = (replay.depth[:, j] > 0) & (replay.place_storey == storey) if replay.depth.size else []
    wet = pd.DataFrame(
        {
            "place": np.asarray(replay.places, dtype=object)[wet_rows],
            "x": replay.place_xyz[wet_rows, 0],
            "y": replay.place_xyz[wet_rows, 1],
            "depth_m": replay.depth[wet_rows, j],
        }
    )
    raised = (replay.state[:, j] >= 0) & (replay.incidents["storey"].to_numpy() == storey)
    incidents = replay.incidents[raised].assign(state=[STATES[s] for s in replay.state[raised, j]])
    out = {n for n, s in zip(replay.lifts, replay.stopped[:, j], strict=True) if s}
    bars = replay.bars.to_dict("records")
    working = {p: bars[b] for p, b in zip(replay.people, replay.doing[:, j], strict=True) if b >= 0}

    # The view follows the moment, the people and the water; other incidents on the storey
    # (another tower) are named under the plan rather than shrinking it.
    points = [
        (moment.x, moment.y),
        *zip(here["x"], here["y"], strict=True),
        *zip(wet["x"], wet["y"], strict=True),
    ]
    x0, y0, x1, y1 = _parts_view(twin, storey, points)
    m = VIEW_MARGIN_M
    view = (x0 - m, y0 - m, x1 + m, y1 + m)
    x0, y0, x1, y1 = view
    fig = go.Figure()
    _rooms(fig, twin, plan, wet, view, max_depth_m=max_depth_m)
    _stairs_and_lifts(fig, twin, plan, out)
    off_view = _incidents(fig, incidents, view)
    _people(fig, here, working, people_names(scenario), t)

    away = people[people["storey"] != storey]
    elsewhere = ", ".join(
        [f"{p} on {model.storeys[s].name}" for p, s in zip(away["person"], away["storey"], strict=True)]
        + [
            f"incident #{r['incident']} ({r['title']}, {r['state']}) on this storey outside the view"
            for r in off_view.to_dict("records")
        ]
    )
    st = model.storeys[storey]
    at = clock(scenario.start, t)
    lifts_note = f"; {plural(len(out), 'lift')} out of service in the building" if out else ""
    fig.update_layout(
        title={
            "text": f"<b>{html.escape(moment.title)}</b><br><sup>{at:%H:%M:%S} "
            f"(+{t / 60:.1f} min) — storey <b>{html.escape(st.name)}</b> at "
            f"{st.elevation_m:+.1f} m{lifts_note}</sup>",
            "x": 0.01,
            "xanchor": "left",
        },
        **plan_axes(x0, y0, x1, y1),
        plot_bgcolor="white",
        height=int(np.clip(PLAN_WIDTH_PX * (y1 - y0) / max(x1 - x0, 1.0), *PLAN_HEIGHT_PX)) + 150,
        margin={"l": 60, "r": 50, "t": 75, "b": 10},
        legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top"},
        hoverlabel={"namelength": -1},
    )
    return Snapshot(moment, st.name, fig, elsewhere)


def _rooms(
    fig: go.Figure,
    twin: Twin,
    plan: StoreyPlan,
    wet: pd.DataFrame,
    view: Bounds,
    *,
    max_depth_m: float | None,
) -> None:
    """Spaces: dry ones in one trace, wet ones one by one filled by depth (a colour bar with
    them), room names where they fit and a name on hover for every room in ``view``."""
    model = twin.model
    x0, y0, x1, y1 = view
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
    xs, ys = rings_xy(dry)
    if xs:
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=DRY_FILL,
                line={"color": SPACE_LINE, "width": 1},
                name="space (dry)",
                hoverinfo="skip",
            )
        )
    top = max_depth_m or max(depth_of.values(), default=0.0) or 1.0
    outline = dict(zip(plan.spaces.tolist(), plan.outlines, strict=True))
    for i, depth in sorted(depth_of.items()):
        colour = sample_colorscale(DEPTH_SCALE, [min(depth / top, 1.0)])[0]
        xs, ys = rings_xy([outline[i]])
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=colour,
                line={"color": "rgb(40,70,120)", "width": 1},
                showlegend=False,
                name=model.spaces[i].label,
                hoveron="fills",
                hovertext=f"{model.spaces[i].label}: water {depth * 100:.1f} cm",
                hoverinfo="text",
            )
        )
    if depth_of:
        # An invisible point carries the colour bar of the water layer.
        fig.add_trace(
            go.Scatter(
                x=[x0],
                y=[y0],
                mode="markers",
                name="water depth",
                showlegend=False,
                hoverinfo="skip",
                marker={
                    "size": 0.1,
                    "opacity": 0,
                    "color": [0.0],
                    "cmin": 0.0,
                    "cmax": top * 100,
                    "colorscale": DEPTH_SCALE,
                    "showscale": True,
                    "colorbar": {"title": {"text": "water<br>(cm)"}, "thickness": 14, "len": 0.6},
                },
            )
        )
    hover: list[tuple[float, float, str]] = []
    for i in sorted(plan.spaces.tolist(), key=lambda k: -model.spaces[k].area_m2):
        sp = model.spaces[i]
        bx0, by0, bx1, by1 = sp.footprint.bounds
        if bx1 < x0 or bx0 > x1 or by1 < y0 or by0 > y1:
            continue
        ax, ay, _ = sp.anchor()
        hover.append((ax, ay, sp.label + (f": water {depth_of[i] * 100:.1f} cm" if i in depth_of else "")))
    labels = [
        (*model.spaces[i].anchor()[:2], text)
        for i, text in room_labels(
            model,
            plan.spaces,
            view,
            px_per_m=PLAN_WIDTH_PX / max(x1 - x0, 1.0),
            px_per_char=LABEL_PX_PER_CHAR,
            min_height_px=16,
            limit=MAX_ROOM_LABELS,
        )
    ]
    if hover:
        fig.add_trace(
            go.Scatter(
                x=[h[0] for h in hover],
                y=[h[1] for h in hover],
                mode="markers",
                marker={"size": 14, "opacity": 0},
                showlegend=False,
                hovertext=[h[2] for h in hover],
                hoverinfo="text",
                name="rooms",
            )
        )
    if labels:
        fig.add_trace(room_names_trace(labels))


def _stairs_and_lifts(fig: go.Figure, twin: Twin, plan: StoreyPlan, out: set[str]) -> None:
    """Stairs outlined; lift shafts running, and those ``out`` of service red with a cross."""
    model = twin.model
    if plan.stair_outlines:
        xs, ys = rings_xy(plan.stair_outlines)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": STAIR_LINE, "width": 1.5},
                name="stair",
                hoverinfo="skip",
            )
        )
    lift_names = [model.lifts[i].name for i in plan.lifts]
    for running in (True, False):
        sel = [
            (n, r) for n, r in zip(lift_names, plan.lift_outlines, strict=True) if (n not in out) == running
        ]
        if not sel:
            continue
        xs, ys = rings_xy([r for _, r in sel])
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=css(LIFT_RGB, 0.35) if running else css(LIFT_OUT_RGB, 0.55),
                line={"color": LIFT_OK if running else LIFT_OUT, "width": 2 if running else 3},
                name=("lift" if not out else "lift running") if running else "lift OUT OF SERVICE",
                hoverinfo="skip",
            )
        )
        cx = [float(np.mean(r[:-1, 0])) for _, r in sel if len(r) > 1]
        cy = [float(np.mean(r[:-1, 1])) for _, r in sel if len(r) > 1]
        fig.add_trace(
            go.Scatter(
                x=cx,
                y=cy,
                mode="markers" if running else "markers+text",
                marker={
                    "symbol": "square" if running else "x",
                    "size": 9 if running else 14,
                    "color": LIFT_OK if running else LIFT_OUT,
                    "line": {"width": 1, "color": "white"},
                },
                text=None if running else ["out" for _ in sel],
                textposition="bottom center",
                textfont={"color": LIFT_OUT, "size": 10},
                showlegend=False,
                name="lifts",
                hovertext=[f"{n}: {'running' if running else 'out of service'}" for n, _ in sel],
                hoverinfo="text",
            )
        )


def _incidents(fig: go.Figure, incidents: pd.DataFrame, view: Bounds) -> pd.DataFrame:
    """A star and a label with its state for each incident in ``view``; gives those outside it."""
    x0, y0, x1, y1 = view
    inside = (incidents["x"] >= x0) & (incidents["x"] <= x1) & (incidents["y"] >= y0) & (incidents["y"] <= y1)
    off_view = incidents[~inside]
    incidents = incidents[inside]
    for rec in incidents.to_dict("records"):
        colour = incident_colour(int(rec["incident"]))
        fig.add_trace(
            go.Scatter(
                x=[rec["x"]],
                y=[rec["y"]],
                mode="markers",
                marker={
                    "symbol": "star",
                    "size": 22,
                    "color": colour,
                    "line": {"color": "black", "width": 1},
                },
                name=f"incident #{rec['incident']}: {rec['title']}",
                legendgroup=f"inc{rec['incident']}",
                hovertext=[
                    f"<b>#{rec['incident']} {rec['title']}</b> ({rec['priority']})<br>{rec['place']}"
                    f"<br>{rec['state']}"
                ],
                hoverinfo="text",
            )
        )
        fig.add_annotation(
            x=rec["x"],
            y=rec["y"],
            ax=0,
            ay=-38,
            text=f"<b>#{rec['incident']}</b> {rec['state']}",
            showarrow=True,
            arrowcolor=colour,
            arrowwidth=1.5,
            bgcolor="rgba(255,255,255,0.9)",
            bordercolor=colour,
            borderwidth=1.5,
            borderpad=3,
            font={"size": 12, "color": "black"},
        )
    return off_view


def _people(
    fig: go.Figure, here: pd.DataFrame, working: dict[str, dict[str, Any]], names: dict[str, str], t: float
) -> None:
    """A dot per person on the plan, coloured by the incident they are working on."""
    if len(here):
        colours, hovers = [], []
        for p in here["person"]:
            r = working.get(p)
            colours.append(incident_colour(int(r["incident"])) if r else IDLE_COLOUR)
            if r is None:
                what = "not on a task"
            else:
                there = not math.isnan(r["on_site_s"]) and r["on_site_s"] <= t
                what = f"{'working on' if there else 'on the way to'} {r['name']} (#{r['incident']})"
            hovers.append(f"<b>{p}</b> · {name_of(names, p)}<br>{what}")
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name="person (colour: the incident they work on)",
                marker={"symbol": "circle", "size": 12, "color": IDLE_COLOUR},
            )
        )
        fig.add_trace(
            go.Scatter(
                x=here["x"],
                y=here["y"],
                mode="markers+text",
                name="people",
                showlegend=False,
                marker={
                    "symbol": "circle",
                    "size": 15,
                    "color": colours,
                    "line": {"color": "white", "width": 2},
                },
                text=list(here["person"]),
                textposition="middle right",
                cliponaxis=False,
                textfont={"size": 12, "color": "black", "family": PERSON_FONT, "shadow": "0px 0px 3px white"},
                hovertext=hovers,
                hoverinfo="text",
            )
        )
