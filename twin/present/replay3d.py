"""The replay of a drill in 3D: the whole building at once, people moving along their paths.

Takes a :class:`~twin.present.replay.Replay` (the state of the building at each replay time) and the twin;
gives a plotly figure with one animation frame per replay time, a play button and a time slider.
The building is context drawn once — each storey's outline at its height, lift shafts and stairs
as vertical lines — and only what changes is in the frames: water (a square per wet room at its
floor, coloured by depth on the plan's scale), lifts out of service (their shaft red, "OUT"),
incidents (diamonds coloured by state) and people (dots coloured by what they are doing, as on the
plan). The camera is the viewer's: frames carry no camera and ``uirevision`` keeps it while
playing.

Why plotly frames: the figure is one self-contained piece of HTML (the after-action report opens
offline, and the app shows the same page in an iframe — :func:`replay3d_html`), and the frames
hold only the four changing traces (``traces=`` in each frame), so a frame is a few hundred
points. ``bench/replay3d.py`` measures the frame time in Chromium against frames that repeat
every trace (see the README).
"""

from __future__ import annotations

import html
import math

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import sample_colorscale
from shapely import unary_union

from twin.events.state import ACTIVITIES, STATES
from twin.present.replay import FRAME_MS, Replay
from twin.present.style import ACTIVITY_COLOURS, DEPTH_SCALE, LIFT_OK, LIFT_OUT, STAIR_LINE, STATE_COLOURS
from twin.twin import Twin

#: Vertical exaggeration: none — a 27-storey tower is tall, which is the point.
OUTLINE_COLOUR = "rgb(190,190,190)"
#: Storeys where something happens are drawn darker.
BUSY_OUTLINE_COLOUR = "rgb(40,40,40)"
HEIGHT_PX = 720
#: Indices of the traces the frames replace, after the context traces.
DYNAMIC = ("water", "lifts out", "incidents", "people")


def _loop(ring: np.ndarray, z: float, xs: list[float | None], ys: list[float | None],
          zs: list[float | None]) -> None:
    xs += [*np.round(ring[:, 0], 2).tolist(), None]
    ys += [*np.round(ring[:, 1], 2).tolist(), None]
    zs += [round(z, 2)] * len(ring) + [None]


def storey_outlines(twin: Twin) -> dict[int, list[np.ndarray]]:
    """Each storey's outline: the rings of the union of its spaces' footprints (slightly grown,
    so rooms with walls between them merge), storey index → rings."""
    model = twin.model
    out: dict[int, list[np.ndarray]] = {}
    for s in range(len(model.storeys)):
        shapes = [sp.footprint.buffer(0.3) for sp in model.spaces
                  if sp.storey == s and not sp.footprint.is_empty]
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


def replay3d_html(fig: go.Figure, *, div_id: str = "replay3d") -> str:
    """The figure as one offline HTML page (plotly.js inlined) for an iframe.

    The app shows the 3D replay this way rather than through Streamlit's chart, whose re-renders
    hand plotly the figure's original layout on every frame and so turn the viewer's camera back
    (seen in Chromium); a plain page keeps the camera the viewer left, as the report does.
    """
    return str(pio.to_html(fig, include_plotlyjs=True, full_html=True, validate=False, div_id=div_id,
                           default_width="100%", default_height=f"{int(fig.layout.height or HEIGHT_PX)}px",
                           config={"displaylogo": False, "scrollZoom": True, "responsive": True}))


def replay3d_figure(twin: Twin, replay: Replay, *, initial: int | None = None,
                    frame_ms: int = FRAME_MS, height_px: int = HEIGHT_PX) -> go.Figure:
    """The drill in 3D over :attr:`Replay.times` (see the module's docstring).

    Parameters
    ----------
    initial
        The frame shown first (default: when the first person reaches an incident's storey, else 0).
    frame_ms
        Milliseconds each frame is shown while playing.
    """
    model = twin.model
    times = replay.times
    n = times.size
    elev = np.array([s.elevation_m for s in model.storeys]) if model.storeys else np.zeros(1)
    busy = set(replay.incidents["storey"].astype(int).tolist()) | set(
        int(s) for s, d in zip(replay.place_storey, replay.depth, strict=True) if d.max() > 0)

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
        fig.add_trace(go.Scatter3d(
            x=xs, y=ys, z=zs, mode="lines", hoverinfo="skip", showlegend=busy_pass,
            name="storey where something happens" if busy_pass else "storeys",
            line={"color": BUSY_OUTLINE_COLOUR if busy_pass else OUTLINE_COLOUR,
                  "width": 3 if busy_pass else 1.5}))
    lifts, stairs = _shafts(twin)
    fig.add_trace(go.Scatter3d(**_vertical(list(lifts.values())), mode="lines", name="lift shaft",
                               hoverinfo="skip", line={"color": LIFT_OK, "width": 5}))
    fig.add_trace(go.Scatter3d(**_vertical(stairs), mode="lines", name="stairs", hoverinfo="skip",
                               line={"color": STAIR_LINE, "width": 2}))
    n_context = len(fig.data)

    # -- what changes, one trace each; the frames replace these
    max_depth = float(replay.depth.max()) if replay.depth.size else 0.0
    space_of = {sp.label: sp for sp in model.spaces}
    wet = [space_of.get(p) for p in replay.places]
    wxyz = np.array([[*(sp.anchor()[:2]), float(elev[sp.storey])] if sp is not None else [np.nan] * 3
                     for sp in wet]).reshape(-1, 3)
    wsize = np.array([min(18.0, 4.0 + 1.2 * math.sqrt(sp.area_m2)) if sp is not None else 0.0 for sp in wet])
    inc = replay.incidents
    ixyz = inc[["x", "y", "z"]].to_numpy(float) if len(inc) else np.zeros((0, 3))
    ititle = [html.escape(str(t)) for t in inc["title"]] if len(inc) else []

    def frame_data(j: int) -> list[dict[str, object]]:
        d = replay.depth[:, j] if replay.depth.size else np.zeros(0)
        on = (d > 0.001) & ~np.isnan(wxyz[:, 0])
        shade = (sample_colorscale(DEPTH_SCALE, list(np.clip(d[on] / max_depth, 0, 1)))
                 if max_depth > 0 and on.any() else [])
        water = {"x": wxyz[on, 0], "y": wxyz[on, 1], "z": wxyz[on, 2],
                 "marker": {"color": shade, "size": wsize[on]},
                 "hovertext": [f"{p}: water {v * 100:.1f} cm" for p, v in
                               zip(np.array(replay.places)[on], d[on], strict=True)]}
        out_now = [name for k, name in enumerate(replay.lifts) if replay.stopped[k, j] and name in lifts]
        # The name sits on the top point of each stopped shaft.
        lifts_out = {**_vertical([lifts[name] for name in out_now]),
                     "text": [t for name in out_now for t in ("", f"OUT {name}", "")],
                     "hovertext": [t for name in out_now for t in (name, name, "")]}
        st = replay.state[:, j] if replay.state.size else np.zeros(0, dtype=int)
        seen = st >= 0
        incidents = {"x": ixyz[seen, 0], "y": ixyz[seen, 1], "z": ixyz[seen, 2],
                     "marker": {"color": [STATE_COLOURS[int(s)] for s in st[seen]]},
                     "hovertext": [f"{ititle[k]}: {STATES[int(st[k])]}" for k in np.flatnonzero(seen)]}
        here = ~np.isnan(replay.xyz[:, j, 0])
        ids = np.flatnonzero(here)
        people = {"x": replay.xyz[here, j, 0], "y": replay.xyz[here, j, 1], "z": replay.xyz[here, j, 2] + 0.9,
                  "marker": {"color": [ACTIVITY_COLOURS[int(replay.activity[i, j])] for i in ids]},
                  "hovertext": [f"{replay.people[i]} · {replay.names.get(replay.people[i], '')}: "
                                f"{ACTIVITIES[int(replay.activity[i, j])]}" for i in ids]}
        return [{"type": "scatter3d", **d} for d in (water, lifts_out, incidents, people)]

    if initial is None:
        initial = 0
        if len(inc):
            first = float(np.nanmin(inc["raised_s"].to_numpy(float)))
            initial = min(n - 1, int(np.searchsorted(times, first)))
    start = frame_data(initial)
    styles = [
        {"mode": "markers", "name": "water (darker is deeper)",
         "marker": {"symbol": "square", "opacity": 0.85, "line": {"width": 0}}},
        {"mode": "lines+text", "name": "lift out of service", "line": {"color": LIFT_OUT, "width": 9},
         "textposition": "top center", "textfont": {"color": LIFT_OUT, "size": 11}},
        {"mode": "markers", "name": "incident (colour: its state)",
         "marker": {"symbol": "diamond", "size": 9, "line": {"width": 1, "color": "black"}}},
        # No name beside each dot: text in a WebGL scene costs more per frame than everything
        # else together (bench/replay3d.py); hover names them.
        {"mode": "markers", "name": "person (colour: what they do; hover for the name)",
         "marker": {"size": 6}},
    ]
    for style, data in zip(styles, start, strict=True):
        trace = go.Scatter3d(hoverinfo="text", **style)
        trace.update({k: v for k, v in data.items() if k != "type"})
        fig.add_trace(trace)
    dynamic = list(range(n_context, n_context + len(DYNAMIC)))

    def clock(j: int) -> str:
        return f"{replay.clock(float(times[j])):%H:%M:%S} (+{times[j] / 60:.0f} min)"

    # Hundreds of frames of four traces each: plotly's validation of every one costs ~15 s, more
    # than building them; they are built from known-good pieces (the traces above were validated
    # and the test suite draws the figure in Chromium), so they are attached unvalidated.
    frames = tuple(go.Frame(name=str(j), data=[go.Scatter3d(d, _validate=False) for d in frame_data(j)],
                            traces=dynamic, _validate=False)
                   for j in range(n))
    fig._frame_objs = frames
    # The clock is the slider's current value: frames change no layout (a title per frame would
    # relayout the whole figure every frame).
    steps = [{"method": "animate", "label": clock(j),
              "args": [[str(j)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                  "transition": {"duration": 0}}]} for j, t in enumerate(times)]
    span = [float(np.nanmin(elev)) - 3, float(np.nanmax(elev)) + 6]
    fig.update_layout(
        title={"text": "The drill in 3D<br><sup>drag to turn, scroll to zoom: the view stays as you leave "
                       "it while playing</sup>", "x": 0.01, "xanchor": "left", "font": {"size": 16}},
        height=height_px, margin={"l": 0, "r": 0, "t": 100, "b": 80},
        uirevision="replay3d",
        scene={"uirevision": "replay3d", "aspectmode": "data", "domain": {"x": [0, 1], "y": [0, 1]},
               "xaxis": {"title": "x (m)", "showspikes": False},
               "yaxis": {"title": "y (m)", "showspikes": False},
               "zaxis": {"title": "height (m)", "range": span, "showspikes": False},
               # No camera: plotly's default view. A camera in the layout is where an animation
               # frame's redraw puts the view back to, undoing the viewer's turn (seen in Chromium).
               },
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "yref": "paper",
                "bgcolor": "rgba(255,255,255,0.7)", "font": {"size": 11}},
        updatemenus=[{
            "type": "buttons", "direction": "left", "showactive": False,
            "x": 0, "y": 0, "xanchor": "left", "yanchor": "top", "pad": {"t": 10, "r": 10},
            "buttons": [
                {"label": "▶ Play", "method": "animate",
                 "args": [None, {"frame": {"duration": frame_ms, "redraw": True}, "fromcurrent": True,
                                 "transition": {"duration": 0}, "mode": "immediate"}]},
                {"label": "❚❚ Pause", "method": "animate",
                 "args": [[None], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate",
                                   "transition": {"duration": 0}}]},
            ]}],
        sliders=[{"active": initial, "steps": steps, "x": 0.16, "len": 0.84, "y": 0, "yanchor": "top",
                  "pad": {"t": 0, "b": 0}, "ticklen": 0, "minorticklen": 0,
                  # Hundreds of steps: their labels would overlap; the current one is the clock.
                  "font": {"color": "rgba(0,0,0,0)", "size": 1},
                  "currentvalue": {"prefix": "clock ", "xanchor": "left",
                                   "font": {"size": 14, "color": "rgb(40,40,40)"}}}],
    )
    return fig
