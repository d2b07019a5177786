"""The replay as an animated plan of one storey.

Takes a :class:`~twin.present.replay.Replay` and the twin; gives :func:`replay_figure`, a plotly
plan of one storey with one animation frame per replay time, a play button and a time slider:
rooms shaded by water depth, lifts running or out of service, incidents coloured by state, people
coloured by what they are doing.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from twin.events.state import ACTIVITIES, STATES
from twin.present.plan import rings_xy, room_labels, storey_plan
from twin.present.replay import FRAME_MS, Replay
from twin.present.style import (
    ACTIVITY_COLOURS,
    DEPTH_SCALE,
    DRY_FILL,
    LIFT_OK,
    LIFT_OUT,
    LIFT_OUT_RGB,
    LIFT_RGB,
    PERSON_FONT,
    SPACE_LINE,
    STAIR_LINE,
    STATE_COLOURS,
    WATER_EDGE,
    css,
    plan_axes,
    room_names_trace,
)
from twin.twin import Twin
from twin.words import plural

#: Water is drawn in this many shades of the scale (one trace each).
WATER_SHADES = 8
PLAN_WIDTH_PX = 1100
PLAN_HEIGHT_PX = (340, 620)
VIEW_MARGIN_M = 3.0
LABEL_PX_PER_CHAR = 6.0
MAX_ROOM_LABELS = 40
#: Names listed under the clock of people who are on another storey, at most.
MAX_ELSEWHERE = 6


Bounds = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True, eq=False)
class _Storey:
    """What one storey's animation draws, the same in every frame."""

    twin: Twin
    replay: Replay
    storey: int
    view: Bounds
    """(x0, y0, x1, y1) shown first, margin included (m)."""
    view_name: str
    outline: dict[str, np.ndarray]
    """Space label → its outline on this storey."""
    anchors: dict[str, tuple[float, float]]
    wet_rows: list[int]
    """Rows of :attr:`Replay.places` on this storey that ever hold water."""
    top_m: float
    """The deepest water of the run: the top of the colour scale."""
    lift_names: list[str]
    lift_outlines: tuple[np.ndarray, ...]
    lift_row: dict[str, int]
    """Lift name → row of :attr:`Replay.stopped`."""
    lifts_change: bool
    """Whether a lift on this storey stops or starts during the run (else drawn once)."""
    inc_rows: list[int]
    """Rows of :attr:`Replay.incidents` on this storey."""


def _storey(twin: Twin, replay: Replay, storey: int, view: Bounds | None, view_name: str) -> _Storey:
    model = twin.model
    plan = storey_plan(twin, storey)
    anchors: dict[str, tuple[float, float]] = {}
    outline: dict[str, np.ndarray] = {}
    for i, ring in zip(plan.spaces.tolist(), plan.outlines, strict=True):
        sp = model.spaces[i]
        ax, ay, _ = sp.anchor()
        anchors[sp.label] = (ax, ay)
        outline[sp.label] = ring
    wet_rows = [
        k
        for k, s in enumerate(replay.place_storey)
        if s == storey and replay.places[k] in outline and replay.depth[k].max() > 0
    ]
    top_m = float(replay.depth.max()) if replay.depth.size else 0.0
    if view is None:
        b = np.array(
            [sp.footprint.bounds for sp in model.spaces if sp.storey == storey and not sp.footprint.is_empty]
        ).reshape(-1, 4)
        view = (
            (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))
            if len(b)
            else (-10.0, -10.0, 10.0, 10.0)
        )
    lift_names = [model.lifts[i].name for i in plan.lifts]
    lift_row = {n: k for k, n in enumerate(replay.lifts)}
    inc = replay.incidents
    return _Storey(
        twin=twin,
        replay=replay,
        storey=storey,
        view_name=view_name,
        view=(
            view[0] - VIEW_MARGIN_M,
            view[1] - VIEW_MARGIN_M,
            view[2] + VIEW_MARGIN_M,
            view[3] + VIEW_MARGIN_M,
        ),
        outline=outline,
        anchors=anchors,
        wet_rows=wet_rows,
        top_m=top_m if top_m > 0 else 0.01,
        lift_names=lift_names,
        lift_outlines=tuple(plan.lift_outlines),
        lift_row=lift_row,
        lifts_change=any(n in lift_row for n in lift_names),
        inc_rows=[k for k in range(len(inc)) if int(inc["storey"].iloc[k]) == storey],
    )


def _layers(fig: go.Figure, p: _Storey) -> tuple[list[int], list[int]]:
    """The plan's traces, in drawing order: rooms dry underneath and water in a few shades over
    them, stairs, lifts, room names, and the traces of the water's depth, the incidents and the
    people. Gives the indices of the traces each frame redraws (a frame carries data for those
    alone, so the fewer the smaller and faster the figure) and those of the three lift traces."""
    model = p.twin.model
    plan = storey_plan(p.twin, p.storey)
    dynamic: list[int] = []

    def add(trace: go.Scatter, *, changes: bool = False) -> int:
        if changes:
            dynamic.append(len(fig.data))
        fig.add_trace(trace)
        return len(fig.data) - 1

    xs, ys = rings_xy(p.outline.values(), decimals=2)
    add(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            fill="toself",
            fillcolor=DRY_FILL,
            showlegend=False,
            line={"color": SPACE_LINE, "width": 1},
            name="room (dry)",
            hoverinfo="skip",
        )
    )
    if p.wet_rows:
        for shade in _shades():
            add(
                go.Scatter(
                    mode="lines",
                    fill="toself",
                    fillcolor=shade,
                    showlegend=False,
                    name="water",
                    line={"color": WATER_EDGE, "width": 1},
                    hoverinfo="skip",
                ),
                changes=True,
            )
    if plan.stair_outlines:
        xs, ys = rings_xy(plan.stair_outlines, decimals=2)
        add(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": STAIR_LINE, "width": 1.5},
                name="stair",
                hoverinfo="skip",
            )
        )
    px_per_m = PLAN_WIDTH_PX / max(p.view[2] - p.view[0], 1.0)
    labels = [
        (*p.anchors[model.spaces[i].label], text)
        for i, text in room_labels(
            model,
            plan.spaces,
            p.view,
            px_per_m=px_per_m,
            px_per_char=LABEL_PX_PER_CHAR,
            min_height_px=16,
            limit=MAX_ROOM_LABELS,
        )
    ]
    # Lifts are redrawn only on storeys where one stops or starts during the drill.
    lift_traces = [
        add(
            go.Scatter(
                mode="lines",
                fill="toself",
                fillcolor=css(LIFT_RGB, 0.35),
                showlegend=False,
                line={"color": LIFT_OK, "width": 2},
                name="lift running",
                hoverinfo="skip",
            ),
            changes=p.lifts_change,
        ),
        add(
            go.Scatter(
                mode="lines",
                fill="toself",
                fillcolor=css(LIFT_OUT_RGB, 0.6),
                showlegend=False,
                line={"color": LIFT_OUT, "width": 3},
                name="lift out of service",
                hoverinfo="skip",
            ),
            changes=p.lifts_change,
        ),
        add(
            go.Scatter(
                mode="markers+text",
                showlegend=False,
                name="lifts",
                hoverinfo="text",
                marker={"symbol": "square", "size": 10, "color": "rgba(0,0,0,0)"},
                textposition="middle center",
                textfont={"size": 11, "color": "white"},
            ),
            changes=p.lifts_change,
        ),
    ]
    if labels:
        add(room_names_trace(labels))
    if p.wet_rows:
        # Hovering a wet room tells its depth.
        add(
            go.Scatter(
                mode="markers",
                marker={"size": 18, "opacity": 0},
                showlegend=False,
                name="water depth",
                hoverinfo="text",
            ),
            changes=True,
        )
    add(
        go.Scatter(
            mode="markers+text",
            name="incidents",
            hoverinfo="text",
            showlegend=False,
            cliponaxis=False,
            textposition="top center",
            textfont={"size": 13, "color": "black"},
        ),
        changes=True,
    )
    add(
        go.Scatter(
            mode="markers+text",
            name="people",
            hoverinfo="text",
            showlegend=False,
            cliponaxis=False,
            textposition="middle right",
            textfont={"size": 12, "color": "black", "family": PERSON_FONT},
        ),
        changes=True,
    )
    return dynamic, lift_traces


def _shades() -> list[str]:
    return list(sample_colorscale(DEPTH_SCALE, ((np.arange(WATER_SHADES) + 0.5) / WATER_SHADES).tolist()))


def _legend(fig: go.Figure, p: _Storey) -> None:
    """One legend entry for everything that can appear, whether or not it is there yet, and the
    water's colour bar."""

    def key(name: str, **style: object) -> None:
        fig.add_trace(go.Scatter(x=[None], y=[None], name=name, hoverinfo="skip", **style))

    key(
        "room (dry)",
        mode="markers",
        marker={"symbol": "square", "size": 13, "color": DRY_FILL, "line": {"color": SPACE_LINE, "width": 1}},
    )
    key(
        "lift running",
        mode="markers",
        marker={
            "symbol": "square",
            "size": 13,
            "color": css(LIFT_RGB, 0.5),
            "line": {"color": LIFT_OK, "width": 2},
        },
    )
    key(
        "lift out of service (OUT)",
        mode="markers",
        marker={
            "symbol": "square",
            "size": 13,
            "color": css(LIFT_OUT_RGB, 0.7),
            "line": {"color": LIFT_OUT, "width": 2},
        },
    )
    for state, colour in zip(STATES, STATE_COLOURS, strict=True):
        key(
            f"incident: {state}",
            mode="markers",
            marker={"symbol": "star", "size": 15, "color": colour, "line": {"color": "black", "width": 1}},
        )
    for activity, colour in zip(ACTIVITIES, ACTIVITY_COLOURS, strict=True):
        key(
            f"person {activity}",
            mode="markers",
            marker={"symbol": "circle", "size": 12, "color": colour, "line": {"color": "white", "width": 1}},
        )
    if p.wet_rows:
        # The water colour scale, carried by an invisible point.
        fig.add_trace(
            go.Scatter(
                x=[p.view[0]],
                y=[p.view[1]],
                mode="markers",
                showlegend=False,
                hoverinfo="skip",
                name="water",
                marker={
                    "size": 0.1,
                    "opacity": 0,
                    "color": [0.0],
                    "cmin": 0.0,
                    "cmax": p.top_m * 100,
                    "colorscale": DEPTH_SCALE,
                    "showscale": True,
                    "colorbar": {
                        "title": {"text": "water<br>depth (cm)"},
                        "thickness": 14,
                        "len": 0.55,
                        "y": 1,
                        "yanchor": "top",
                    },
                },
            )
        )


def _lift_data(p: _Storey, j: int) -> list[dict[str, object]]:
    """The three lift traces at frame ``j``: shafts running, shafts out, and their labels."""
    replay = p.replay
    ok_r: list[np.ndarray] = []
    out_r: list[np.ndarray] = []
    cx: list[float] = []
    cy: list[float] = []
    ctext: list[str] = []
    chover: list[str] = []
    for n, ring in zip(p.lift_names, p.lift_outlines, strict=True):
        out = n in p.lift_row and bool(replay.stopped[p.lift_row[n], j])
        (out_r if out else ok_r).append(ring)
        if len(ring) > 1:
            cx.append(float(np.mean(ring[:-1, 0])))
            cy.append(float(np.mean(ring[:-1, 1])))
            ctext.append("<b>OUT</b>" if out else "")
            chover.append(f"{html.escape(n)}: {'out of service' if out else 'running'}")
    data: list[dict[str, object]] = []
    for rings in (ok_r, out_r):
        xs, ys = rings_xy(rings, decimals=2)
        data.append({"x": xs, "y": ys})
    data.append({"x": cx, "y": cy, "text": ctext, "hovertext": chover})
    return data


def _frame_data(p: _Storey, j: int, bars: list[dict[str, object]]) -> tuple[list[dict[str, object]], str]:
    """The data of the redrawn traces at frame ``j`` (in the order of :func:`_layers`) and the
    title: the clock, the storey, who is here and who is elsewhere."""
    replay, storey, model = p.replay, p.storey, p.twin.model
    st = model.storeys[storey]
    inc = replay.incidents
    times = replay.times
    top_m = p.top_m
    t = float(times[j])
    data: list[dict[str, object]] = []
    if p.wet_rows:
        by_shade: list[list[np.ndarray]] = [[] for _ in range(WATER_SHADES)]
        hx: list[float] = []
        hy: list[float] = []
        htext: list[str] = []
        for k in p.wet_rows:
            d = float(replay.depth[k, j])
            if d <= 0:
                continue
            place = replay.places[k]
            by_shade[min(int(d / top_m * WATER_SHADES), WATER_SHADES - 1)].append(p.outline[place])
            hx.append(p.anchors[place][0])
            hy.append(p.anchors[place][1])
            htext.append(f"{html.escape(place)}: water {d * 100:.1f} cm")
        for rings in by_shade:
            xs, ys = rings_xy(rings, decimals=2)
            data.append({"x": xs, "y": ys})
    if p.lifts_change:
        data += _lift_data(p, j)
    if p.wet_rows:
        data.append({"x": hx, "y": hy, "hovertext": htext})
    sel = [k for k in p.inc_rows if replay.state[k, j] >= 0]
    data.append(
        {
            "x": [float(inc["x"].iloc[k]) for k in sel],
            "y": [float(inc["y"].iloc[k]) for k in sel],
            "marker": {
                "symbol": "star",
                "size": 26,
                "line": {"color": "black", "width": 1},
                "color": [STATE_COLOURS[replay.state[k, j]] for k in sel],
            },
            "text": [f"<b>#{inc['incident'].iloc[k]}</b> {STATES[replay.state[k, j]]}" for k in sel],
            "hovertext": [
                f"<b>#{inc['incident'].iloc[k]} {html.escape(str(inc['title'].iloc[k]))}</b> "
                f"({inc['priority'].iloc[k]})<br>{html.escape(str(inc['place'].iloc[k]))}"
                f"<br>{STATES[replay.state[k, j]]}"
                for k in sel
            ],
        }
    )
    here = [i for i in range(len(replay.people)) if replay.storey[i, j] == storey]
    hover = []
    for i in here:
        who = replay.people[i]
        a = int(replay.activity[i, j])
        b = int(replay.doing[i, j])
        what = (
            ACTIVITIES[a]
            if b < 0
            else (f"{ACTIVITIES[a]}: {html.escape(str(bars[b]['name']))} (#{bars[b]['incident']})")
        )
        hover.append(f"<b>{html.escape(who)}</b> · {html.escape(replay.names.get(who, who))}<br>{what}")
    data.append(
        {
            "x": [float(replay.xyz[i, j, 0]) for i in here],
            "y": [float(replay.xyz[i, j, 1]) for i in here],
            "marker": {
                "symbol": "circle",
                "size": 15,
                "line": {"color": "white", "width": 2},
                "color": [ACTIVITY_COLOURS[replay.activity[i, j]] for i in here],
            },
            "text": [replay.people[i] for i in here],
            "hovertext": hover,
        }
    )
    away = [
        (replay.people[i], int(replay.storey[i, j]))
        for i in range(len(replay.people))
        if replay.storey[i, j] >= 0 and replay.storey[i, j] != storey
    ]
    note = ", ".join(f"{w} on {model.storeys[s].name}" for w, s in away[:MAX_ELSEWHERE])
    if len(away) > MAX_ELSEWHERE:
        note += f" and {len(away) - MAX_ELSEWHERE} more"
    clock = replay.clock(t)
    stopped_all = int(replay.stopped[:, j].sum()) if replay.stopped.size else 0
    n_here = len(here)
    title = (
        f"<b>{clock:%H:%M:%S}</b> ({t / 60:.0f} min into the drill) — storey "
        f"<b>{html.escape(st.name)}</b> at {st.elevation_m:+.2f} m"
        + (f", showing <b>{html.escape(p.view_name)}</b>" if p.view_name else "")
        + f"<br><sup>{n_here} {'person' if n_here == 1 else 'people'} on this storey"
        + (f"; elsewhere: {html.escape(note)}" if note else "")
        + (f"; {plural(stopped_all, 'lift')} out of service in the building" if stopped_all else "")
        + "</sup>"
    )
    return data, title


def replay_figure(
    twin: Twin,
    replay: Replay,
    storey: int,
    *,
    view: tuple[float, float, float, float] | None = None,
    view_name: str = "",
    initial: int | None = None,
) -> go.Figure:
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
    p = _storey(twin, replay, storey, view, view_name)
    times = replay.times
    x0, y0, x1, y1 = p.view
    fig = go.Figure()
    dynamic, lift_traces = _layers(fig, p)
    _legend(fig, p)
    bars = replay.bars.to_dict("records")
    if initial is None:
        initial = _first_frame(replay, storey, p.inc_rows)
    initial = int(min(max(initial, 0), times.size - 1))
    if not p.lifts_change:
        # Static lifts: drawn once, as they stand (running) all drill long.
        for k, d in zip(lift_traces, _lift_data(p, 0), strict=True):
            fig.data[k].update(d)

    frames: list[dict[str, object]] = []
    steps = []
    start_title = ""
    # Placed explicitly: a frame's layout replaces the whole title, and an automatic place for a
    # two-line title moves during play.
    title_style = {
        "x": 0.01,
        "xanchor": "left",
        "yref": "container",
        "y": 1.0,
        "yanchor": "top",
        "pad": {"t": 22},
        "font": {"size": 17},
    }
    for j in range(times.size):
        data, title = _frame_data(p, j, bars)
        name = f"{j}"
        # Plain dicts: validated once, when the figure takes them.
        # The whole title: a frame's layout replaces the title, style and all.
        frames.append(
            {
                "name": name,
                "data": data,
                "traces": dynamic,
                "layout": {"title": title_style | {"text": title}},
            }
        )
        steps.append(
            {
                "method": "animate",
                "label": f"{replay.clock(float(times[j])):%H:%M}",
                "args": [
                    [name],
                    {
                        "mode": "immediate",
                        "frame": {"duration": 0, "redraw": True},
                        "transition": {"duration": 0},
                    },
                ],
            }
        )
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
        **plan_axes(x0, y0, x1, y1),
        plot_bgcolor="white",
        height=plot_h + 330,
        margin={"l": 60, "r": 30, "t": 100, "b": 200},
        legend={
            "orientation": "h",
            "x": 0,
            "y": 0,
            "yref": "container",
            "yanchor": "bottom",
            "font": {"size": 12},
            "itemclick": False,
            "itemdoubleclick": False,
        },
        hoverlabel={"namelength": -1},
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "showactive": False,
                "x": 0,
                "y": -78 * per_px,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 0, "r": 10},
                "buttons": play_buttons(FRAME_MS),
            }
        ],
        sliders=[
            {
                "active": initial,
                "steps": steps,
                "x": 0.16,
                "len": 0.84,
                "y": -62 * per_px,
                "yanchor": "top",
                "pad": {"t": 0, "b": 0},
                "ticklen": 0,
                "minorticklen": 0,
                # Hundreds of steps: their labels would overlap, so they are hidden and the clock of
                # the current one is shown above the slider (and in the title).
                "font": {"color": "rgba(0,0,0,0)", "size": 1},
                "currentvalue": {
                    "prefix": "clock ",
                    "font": {"size": 14, "color": "rgb(40,40,40)"},
                    "suffix": f"  (the drill runs {replay.start:%H:%M}–{end_clock:%H:%M}; "
                    "the replay slows down while people walk)",
                    "xanchor": "left",
                },
            }
        ],
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


def play_buttons(frame_ms: int) -> list[dict[str, Any]]:
    """Plotly's ▶ Play / ❚❚ Pause buttons for an animation of ``frame_ms`` frames (the 2D
    replay)."""
    return [
        {
            "label": "▶ Play",
            "method": "animate",
            "args": [
                None,
                {
                    "frame": {"duration": frame_ms, "redraw": True},
                    "fromcurrent": True,
                    "transition": {"duration": 0},
                    "mode": "immediate",
                },
            ],
        },
        {
            "label": "❚❚ Pause",
            "method": "animate",
            "args": [
                [None],
                {
                    "frame": {"duration": 0, "redraw": False},
                    "mode": "immediate",
                    "transition": {"duration": 0},
                },
            ],
        },
    ]
