"""The replay of a drill in 3D: the whole building at once, people moving along their paths.

Takes a :class:`~twin.present.replay.Replay` (the state of the building at each replay time) and the twin;
gives a :class:`Replay3DFigure`: a plotly 3D figure of one moment and, for every replay time, the
values of the traces that change. The building is context drawn once — each storey's outline at
its height, lift shafts and stairs as vertical lines — and only what changes moves: water (a
square per wet room at its floor, coloured by depth on the plan's scale), lifts out of service
(their shaft red, "OUT"), incidents (diamonds coloured by state) and people (dots coloured by what
they are doing, as on the plan).

:func:`replay3d_html` writes it as a page (or a fragment of the after-action report) with a small
player of its own: Play and a time slider restyle only the four changing traces
(``Plotly.restyle``), never the layout, so the camera stays where the viewer turned it, and the
next frame waits until the last one is on screen. Why not plotly's animation frames: with the
slider and buttons drawn by plotly, every frame also redrew the slider's hundreds of steps, the
legend and the whole figure, and the 3D canvas was drawn at twice the screen's pixels — 1–2 s per
frame in Chromium's software WebGL here. ``bench/replay3d.py`` measures both in the same run (see
the README).
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import sample_colorscale
from plotly.offline import get_plotlyjs
from shapely import unary_union

from twin.events.state import ACTIVITIES, STATES
from twin.present.replay import FRAME_MS, Replay
from twin.present.style import ACTIVITY_COLOURS, DEPTH_SCALE, LIFT_OK, LIFT_OUT, STAIR_LINE, STATE_COLOURS
from twin.twin import Twin

#: Vertical exaggeration: none — a 27-storey tower is tall, which is the point.
OUTLINE_COLOUR = "rgb(190,190,190)"
#: Storeys where something happens are drawn darker.
BUSY_OUTLINE_COLOUR = "rgb(40,40,40)"
#: Height of the whole player: title, controls, the 3D view and the legend.
HEIGHT_PX = 720
#: Of which the 3D view: every pixel of it is drawn again each frame (software WebGL here pays
#: per pixel), so it is no taller than a storey stack needs to be read.
VIEW_PX = HEIGHT_PX - 150
#: The traces that change from frame to frame, after the context traces, in this order.
DYNAMIC = ("water", "lifts out", "incidents", "people")


def _loop(
    ring: np.ndarray, z: float, xs: list[float | None], ys: list[float | None], zs: list[float | None]
) -> None:
    xs += [*np.round(ring[:, 0], 2).tolist(), None]
    ys += [*np.round(ring[:, 1], 2).tolist(), None]
    zs += [round(z, 2)] * len(ring) + [None]


def storey_outlines(twin: Twin) -> dict[int, list[np.ndarray]]:
    """Each storey's outline: the rings of the union of its spaces' footprints (slightly grown,
    so rooms with walls between them merge), storey index → rings."""
    model = twin.model
    out: dict[int, list[np.ndarray]] = {}
    for s in range(len(model.storeys)):
        shapes = [
            sp.footprint.buffer(0.3) for sp in model.spaces if sp.storey == s and not sp.footprint.is_empty
        ]
        if not shapes:
            continue
        merged = unary_union(shapes).buffer(-0.3).simplify(0.2)
        polys = getattr(merged, "geoms", [merged])
        out[s] = [np.asarray(p.exterior.coords)[:, :2] for p in polys if not p.is_empty]
    return out


Line = tuple[float, float, float, float]
"""A vertical line: x, y, bottom z, top z."""


def _shafts(twin: Twin) -> tuple[dict[str, Line], list[Line]]:
    """Lift name → (x, y, z bottom, z top); stairs as (x, y, z bottom, z top)."""
    model = twin.model
    elev = [s.elevation_m for s in model.storeys]
    lifts = {}
    for lift in model.lifts:
        if lift.storeys and not lift.footprint.is_empty:
            c = lift.footprint.centroid
            lifts[lift.name] = (c.x, c.y, elev[lift.storeys[0]], elev[lift.storeys[-1]])
    stairs = []
    for st in model.stairs:
        if not st.footprint.is_empty:
            c = st.footprint.centroid
            stairs.append((c.x, c.y, st.z_min_m, st.z_max_m))
    return lifts, stairs


def _vertical(lines: list[Line]) -> dict[str, list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    zs: list[float | None] = []
    for x, y, z0, z1 in lines:
        xs += [round(x, 2), round(x, 2), None]
        ys += [round(y, 2), round(y, 2), None]
        zs += [round(z0, 2), round(z1, 2), None]
    return {"x": xs, "y": ys, "z": zs}


Values = dict[str, list[Any]]
"""One changing trace at one moment: plotly attribute path → its values, as ``Plotly.restyle``
takes them (``{"x": [...], "marker.color": [...]}``)."""


@dataclass(frozen=True, slots=True)
class Replay3DFigure:
    """The 3D replay: a figure of one moment, and what changes at every replay time."""

    figure: go.Figure
    """The building's context and the changing traces (:data:`DYNAMIC`) at frame :attr:`initial`;
    no animation frames, no slider: :func:`replay3d_html` plays :attr:`frames` into it."""
    frames: tuple[tuple[Values, ...], ...]
    """Per replay time, the values of each changing trace, in :data:`DYNAMIC` order."""
    clocks: tuple[str, ...]
    """Per replay time, the clock shown beside the slider."""
    initial: int
    frame_ms: int
    """Milliseconds each frame stays on screen while playing (longer if drawing it takes longer)."""
    max_depth_m: float
    """The deepest water of the run: the dark end of the water's colour scale."""

    @property
    def dynamic(self) -> list[int]:
        """The figure's indices of the changing traces."""
        n = len(self.figure.data)
        return list(range(n - len(DYNAMIC), n))


def _xyz(points: np.ndarray) -> Values:
    return {
        "x": np.round(points[:, 0], 2).tolist(),
        "y": np.round(points[:, 1], 2).tolist(),
        "z": np.round(points[:, 2], 2).tolist(),
    }


def replay3d_figure(
    twin: Twin, replay: Replay, *, initial: int | None = None, frame_ms: int = FRAME_MS
) -> Replay3DFigure:
    """The drill in 3D over :attr:`Replay.times` (see the module's docstring).

    Parameters
    ----------
    initial
        The frame shown first (default: when the first incident is raised, else 0).
    frame_ms
        Milliseconds each frame is shown while playing.
    """
    model = twin.model
    times = replay.times
    n = times.size
    elev = np.array([s.elevation_m for s in model.storeys]) if model.storeys else np.zeros(1)
    busy = set(replay.incidents["storey"].astype(int).tolist()) | set(
        int(s) for s, d in zip(replay.place_storey, replay.depth, strict=True) if d.max() > 0
    )

    fig = go.Figure()
    # -- context, drawn once
    outlines = storey_outlines(twin)  # unions and buffers: once for both passes
    for busy_pass in (False, True):
        xs: list[float | None] = []
        ys: list[float | None] = []
        zs: list[float | None] = []
        for s, rings in outlines.items():
            if (s in busy) == busy_pass:
                for ring in rings:
                    _loop(ring, float(elev[s]), xs, ys, zs)
        fig.add_trace(
            go.Scatter3d(
                x=xs,
                y=ys,
                z=zs,
                mode="lines",
                hoverinfo="skip",
                name="storey where something happens" if busy_pass else "storeys",
                line={
                    "color": BUSY_OUTLINE_COLOUR if busy_pass else OUTLINE_COLOUR,
                    "width": 3 if busy_pass else 1.5,
                },
            )
        )
    lifts, stairs = _shafts(twin)
    fig.add_trace(
        go.Scatter3d(
            **_vertical(list(lifts.values())),
            mode="lines",
            name="lift shaft",
            hoverinfo="skip",
            line={"color": LIFT_OK, "width": 5},
        )
    )
    fig.add_trace(
        go.Scatter3d(
            **_vertical(stairs),
            mode="lines",
            name="stairs",
            hoverinfo="skip",
            line={"color": STAIR_LINE, "width": 2},
        )
    )

    # -- what changes, one trace each; the player restyles these
    max_depth = float(replay.depth.max()) if replay.depth.size else 0.0
    space_of = {sp.label: sp for sp in model.spaces}
    wet = [space_of.get(p) for p in replay.places]
    wxyz = np.array(
        [[*(sp.anchor()[:2]), float(elev[sp.storey])] if sp is not None else [np.nan] * 3 for sp in wet]
    ).reshape(-1, 3)
    wsize = np.array([min(18.0, 4.0 + 1.2 * math.sqrt(sp.area_m2)) if sp is not None else 0.0 for sp in wet])
    places = np.array(replay.places, dtype=object)
    inc = replay.incidents
    ixyz = inc[["x", "y", "z"]].to_numpy(float) if len(inc) else np.zeros((0, 3))
    ititle = [html.escape(str(t)) for t in inc["title"]] if len(inc) else []

    def frame_values(j: int) -> tuple[Values, ...]:
        d = replay.depth[:, j] if replay.depth.size else np.zeros(0)
        on = (d > 0.001) & ~np.isnan(wxyz[:, 0])
        shade = (
            sample_colorscale(DEPTH_SCALE, list(np.clip(d[on] / max_depth, 0, 1)))
            if max_depth > 0 and on.any()
            else []
        )
        water: Values = {
            **_xyz(wxyz[on]),
            "marker.color": list(shade),
            "marker.size": np.round(wsize[on], 1).tolist(),
            "hovertext": [f"{p}: water {v * 100:.1f} cm" for p, v in zip(places[on], d[on], strict=True)],
        }
        out_now = [name for k, name in enumerate(replay.lifts) if replay.stopped[k, j] and name in lifts]
        # The name sits on the top point of each stopped shaft.
        lifts_out: Values = {
            **_vertical([lifts[name] for name in out_now]),
            "text": [t for name in out_now for t in ("", f"OUT {name}", "")],
            "hovertext": [t for name in out_now for t in (name, name, "")],
        }
        st = replay.state[:, j] if replay.state.size else np.zeros(0, dtype=int)
        seen = st >= 0
        incidents: Values = {
            **_xyz(ixyz[seen]),
            "marker.color": [STATE_COLOURS[int(s)] for s in st[seen]],
            "hovertext": [f"{ititle[k]}: {STATES[int(st[k])]}" for k in np.flatnonzero(seen)],
        }
        here = ~np.isnan(replay.xyz[:, j, 0])
        ids = np.flatnonzero(here)
        people: Values = {
            **_xyz(replay.xyz[here, j] + [0.0, 0.0, 0.9]),
            "marker.color": [ACTIVITY_COLOURS[int(replay.activity[i, j])] for i in ids],
            "hovertext": [
                f"{replay.people[i]} · {replay.names.get(replay.people[i], '')}: "
                f"{ACTIVITIES[int(replay.activity[i, j])]}"
                for i in ids
            ],
        }
        return water, lifts_out, incidents, people

    if initial is None:
        initial = 0
        if len(inc):
            first = float(np.nanmin(inc["raised_s"].to_numpy(float)))
            initial = min(n - 1, int(np.searchsorted(times, first)))
    frames = tuple(frame_values(j) for j in range(n))
    styles = [
        {
            "mode": "markers",
            "name": "water (darker is deeper)",
            # Opaque: a translucent trace costs WebGL a second pass over every pixel each frame.
            "marker": {"symbol": "square", "line": {"width": 0}},
        },
        {
            "mode": "lines+text",
            "name": "lift out of service",
            "line": {"color": LIFT_OUT, "width": 9},
            "textposition": "top center",
            "textfont": {"color": LIFT_OUT, "size": 11},
        },
        {
            "mode": "markers",
            "name": "incident (colour: its state)",
            "marker": {"symbol": "diamond", "size": 9, "line": {"width": 1, "color": "black"}},
        },
        # No name beside each dot: text in a WebGL scene costs more per frame than everything
        # else together; hover names them.
        {
            "mode": "markers",
            "name": "person (colour: what they do; hover for the name)",
            "marker": {"size": 6},
        },
    ]
    for style, values in zip(styles, frames[initial], strict=True):
        trace = go.Scatter3d(hoverinfo="text", **style)
        for path, v in values.items():
            trace[path] = v
        fig.add_trace(trace)

    span = [float(np.nanmin(elev)) - 3, float(np.nanmax(elev)) + 6]
    fig.update_layout(
        height=VIEW_PX,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        # The legend is the player's own (HTML, under the view): plotly's would be redrawn with
        # every frame, and it can show each colour the markers take.
        showlegend=False,
        uirevision="replay3d",
        scene={
            "uirevision": "replay3d",
            "aspectmode": "data",
            "domain": {"x": [0, 1], "y": [0, 1]},
            "xaxis": {"title": "x (m)", "showspikes": False},
            "yaxis": {"title": "y (m)", "showspikes": False},
            "zaxis": {"title": "height (m)", "range": span, "showspikes": False},
            # No camera: plotly's default view, then the viewer's; frames never carry one.
        },
    )
    clocks = tuple(f"{replay.clock(float(t)):%H:%M:%S} (+{t / 60:.0f} min)" for t in times)
    return Replay3DFigure(
        figure=fig, frames=frames, clocks=clocks, initial=initial, frame_ms=frame_ms, max_depth_m=max_depth
    )


def _legend_html(view: Replay3DFigure) -> str:
    def key(colour: str, label: str, shape: str = "") -> str:
        return f'<span><i class="{shape}" style="background:{colour}"></i>{html.escape(label)}</span>'

    water = ", ".join(str(c) for _, c in DEPTH_SCALE)
    deepest = f" (deepest {view.max_depth_m * 100:.0f} cm)" if view.max_depth_m > 0 else ""
    return "".join(
        [
            '<div class="r3d-legend">',
            "<b>people</b>",
            *(key(c, a, "dot") for a, c in zip(ACTIVITIES, ACTIVITY_COLOURS, strict=True)),
            "<b>incidents</b>",
            *(key(c, s, "diamond") for s, c in zip(STATES, STATE_COLOURS, strict=True)),
            '</div><div class="r3d-legend">',
            f'<span><i style="background:linear-gradient(90deg,{water});width:36px"></i>'
            f"water, shallow to deep{deepest}</span>",
            key(LIFT_OK, "lift shaft", "bar"),
            key(LIFT_OUT, "lift out of service (OUT)", "bar"),
            key(STAIR_LINE, "stairs", "bar"),
            key(OUTLINE_COLOUR, "storey", "line"),
            key(BUSY_OUTLINE_COLOUR, "storey where something happens", "line"),
            "</div>",
        ]
    )


_CSS = """
.r3d{font:13px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222}
.r3d-title{font-size:16px;margin:2px 6px}
.r3d-title small{color:#666;font-size:12px;margin-left:8px}
.r3d-bar{display:flex;align-items:center;gap:12px;margin:6px 6px}
.r3d-play{min-width:92px;padding:4px 10px;font:inherit;cursor:pointer}
.r3d-slider{flex:1;min-width:120px}
.r3d-clock{min-width:240px;font-size:14px;font-variant-numeric:tabular-nums}
.r3d-legend{display:flex;flex-wrap:wrap;align-items:center;gap:3px 12px;margin:3px 6px;font-size:12px}
.r3d-legend span{white-space:nowrap}
.r3d-legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
.r3d-legend i.dot{border-radius:50%}
.r3d-legend i.diamond{transform:rotate(45deg) scale(.8);outline:1px solid #000}
.r3d-legend i.bar{width:16px;height:5px;vertical-align:2px}
.r3d-legend i.line{width:16px;height:2px;vertical-align:3px}
"""

# The player. One loop serves Play and the slider: it restyles the changing traces to the next
# frame (never the layout: the camera is the viewer's), waits until that frame is on screen, and
# only then asks for another — so a slow machine shows fewer frames, never a growing queue.
# ``gd.replay3d.updates`` keeps how long each frame took while playing (restyle to on screen),
# for bench/replay3d.py and the browser test.
_PLAYER_JS = """
(function () {
  var gd = document.getElementById(__ID__);
  var box = gd.closest(".r3d");
  var figure = __FIGURE__, frames = __FRAMES__, clocks = __CLOCKS__;
  var dynamic = __DYNAMIC__, frameMs = __FRAME_MS__, last = frames.length - 1;
  var play = box.querySelector(".r3d-play"), slider = box.querySelector(".r3d-slider"),
      clock = box.querySelector(".r3d-clock");
  var shown = __INITIAL__, asked = null, playing = false, busy = false;
  var player = gd.replay3d = {updates: [], shown: function () { return shown; }, draw: draw};
  function restyleOf(frame) {
    var u = {};
    frame.forEach(function (trace, i) {
      Object.keys(trace).forEach(function (k) {
        if (!u[k]) u[k] = frame.map(function () { return undefined; });
        u[k][i] = trace[k];
      });
    });
    return u;
  }
  function onScreen() {
    return new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(r); }); });
  }
  function pause(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function setPlaying(on) { playing = on; play.textContent = on ? "\\u275a\\u275a Pause" : "\\u25b6 Play"; }
  // Frame j on screen; resolves to the milliseconds that took.
  async function draw(j) {
    var t0 = performance.now();
    await Plotly.restyle(gd, restyleOf(frames[j]), dynamic);
    shown = j;
    clock.textContent = "clock " + clocks[j];
    if (playing) slider.value = j;
    await onScreen();
    return performance.now() - t0;
  }
  async function run() {
    if (busy) return;
    busy = true;
    try {
      for (;;) {
        var next;
        if (asked !== null) { next = asked; asked = null; }
        else if (playing && shown < last) next = shown + 1;
        else break;
        var ms = await draw(next);
        if (playing) { player.updates.push(ms); if (ms < frameMs) await pause(frameMs - ms); }
      }
    } finally { busy = false; }
    if (playing && shown >= last) setPlaying(false);
  }
  play.addEventListener("click", function () {
    if (playing) { setPlaying(false); return; }
    if (shown >= last) asked = 0;
    setPlaying(true);
    run();
  });
  slider.addEventListener("input", function () {
    asked = Number(slider.value);
    clock.textContent = "clock " + clocks[asked];
    run();
  });
  // One canvas pixel per screen pixel (plotly's default draws 3D at twice that: four times the
  // pixels, each paid for every frame by a software renderer).
  var config = {displaylogo: false, scrollZoom: true, responsive: true,
                plotGlPixelRatio: Math.max(1, Math.round(window.devicePixelRatio || 1))};
  Plotly.newPlot(gd, figure.data, figure.layout, config);
})();
"""


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def replay3d_html(view: Replay3DFigure, *, div_id: str = "replay3d", full_html: bool = True) -> str:
    """The 3D replay with its player: a whole offline page (plotly.js inlined) for the app's
    iframe, or with ``full_html=False`` a fragment for a page that already loads plotly.js (the
    after-action report).

    The app shows the 3D replay this way rather than through Streamlit's chart, whose re-renders
    hand plotly the figure's original layout on every frame and so turn the viewer's camera back
    (seen in Chromium); in a page of its own the camera stays where the viewer leaves it.
    """
    last = len(view.frames) - 1
    figure = pio.to_json(view.figure, validate=False, pretty=False)
    script = (
        _PLAYER_JS.replace("__ID__", json.dumps(div_id))
        .replace("__FIGURE__", figure)
        .replace("__FRAMES__", _json(view.frames))
        .replace("__CLOCKS__", _json(view.clocks))
        .replace("__DYNAMIC__", _json(view.dynamic))
        .replace("__FRAME_MS__", str(int(view.frame_ms)))
        .replace("__INITIAL__", str(int(view.initial)))
        .replace("</", "<\\/")
    )  # nothing in the data may close the script element
    body = "".join(
        [
            f"<style>{_CSS}</style>",
            '<div class="r3d">',
            '<div class="r3d-title">The drill in 3D<small>drag to turn, scroll to zoom: the view stays as '
            "you leave it while playing; hover a dot for who it is</small></div>",
            '<div class="r3d-bar"><button type="button" class="r3d-play">▶ Play</button>',
            f'<input type="range" class="r3d-slider" min="0" max="{last}" step="1" value="{view.initial}" '
            'aria-label="time in the drill">',
            f'<span class="r3d-clock">clock {html.escape(view.clocks[view.initial])}</span></div>',
            f'<div id="{html.escape(div_id)}" class="plotly-graph-div" '
            f'style="width:100%;height:{VIEW_PX}px"></div>',
            _legend_html(view),
            "</div>",
            f'<script type="text/javascript">{script}</script>',
        ]
    )
    if not full_html:
        return body
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<style>body{margin:0}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>{body}</body></html>'
    )
