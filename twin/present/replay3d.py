"""The replay of a drill in 3D: the whole building at once, people moving along their paths.

Takes a :class:`~twin.present.replay.Replay` (the state of the building at each replay time) and the twin;
gives a :class:`Replay3D`: the building as context drawn once — each storey's outline at its
height, lift shafts and stairs as vertical lines, a 10 m ground grid, storey names — and, for every
replay time, the values of the four layers that change: water (a square per wet room at its
floor, coloured by depth on the plan's scale), lifts out of service (their shaft red, "OUT"),
incidents (diamonds coloured by state) and people (dots coloured by what they are doing, as on the
plan).

:func:`replay3d_html` writes it as a page (or a fragment of the after-action report) drawn with
three.js (vendored, inlined: the page fetches nothing) and a small player of its own: Play and a
time slider refill the four layers' small vertex buffers and draw the scene once; the camera is
the viewer's (drag to turn, scroll to zoom) and nothing the player does touches it; the next frame
waits until the last one is on screen. Why not plotly 3D, as before: in Chromium's software WebGL
(no GPU here) every ``Plotly.restyle`` also re-ran plotly's defaults and calc for every trace,
drew a picking pass and read the whole canvas back, and drew the storeys' outlines as triangle
strips — about 250 ms of CPU a frame against the 100 ms that 10 frames a second allow.
``bench/replay3d.py`` measures both in the same run (see the README).
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np
from plotly.colors import sample_colorscale
from shapely import unary_union

from twin.events.state import ACTIVITIES, STATES
from twin.present.replay import Replay
from twin.present.style import ACTIVITY_COLOURS, DEPTH_SCALE, LIFT_OK, LIFT_OUT, STAIR_LINE, STATE_COLOURS
from twin.twin import Twin

OUTLINE_COLOUR = "rgb(190,190,190)"
#: Storeys where something happens are drawn darker.
BUSY_OUTLINE_COLOUR = "rgb(40,40,40)"
#: Height of the whole player: title, controls, the 3D view and the legend.
HEIGHT_PX = 720
#: Of which the 3D view.
VIEW_PX = HEIGHT_PX - 150
#: Milliseconds each frame stays on screen while playing (longer if drawing it takes longer):
#: 10 frames a second, what the issue calls smooth.
FRAME_MS = 100
#: The layers that change from frame to frame, in the order of each frame's values.
DYNAMIC = ("water", "lifts out", "incidents", "people")
#: Spacing of the ground grid, metres: the scale of the view.
GRID_M = 10.0
#: People are drawn this far above the floor they stand on (about a person's middle).
PERSON_Z_M = 0.9


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


def _side_by_side(
    lifts: dict[str, Line], *, within_m: float = 12.0
) -> tuple[dict[str, int], list[list[float]]]:
    """Lifts whose shafts' tops are within ``within_m`` of each other, grouped (a tower's bank of
    lifts shares one "OUT" label): lift name → group, and each group's label point (the top of
    its first shaft)."""
    group: dict[str, int] = {}
    tops: list[list[float]] = []
    for name, (x, y, _, z1) in lifts.items():
        near = [g for g, (gx, gy, gz) in enumerate(tops) if math.dist((x, y, z1), (gx, gy, gz)) <= within_m]
        if near:
            group[name] = near[0]
        else:
            group[name] = len(tops)
            tops.append([round(x, 2), round(y, 2), round(z1, 2)])
    return group, tops


def _flat(points: np.ndarray) -> list[float]:
    """Points (n × 3) as x, y, z, x, y, z, … rounded to the centimetre: what a vertex buffer takes."""
    return [float(v) for v in np.round(np.asarray(points, dtype=float).reshape(-1), 2)]


def _ring_segments(ring: np.ndarray, z: float) -> np.ndarray:
    """A closed ring at height ``z`` as line segments (pairs of points), 2n × 3."""
    a = np.column_stack([ring[:-1], np.full(len(ring) - 1, z)])
    b = np.column_stack([ring[1:], np.full(len(ring) - 1, z)])
    return np.stack([a, b], axis=1).reshape(-1, 3)


def _vertical(lines: list[Line]) -> list[float]:
    return _flat(np.array([[[x, y, z0], [x, y, z1]] for x, y, z0, z1 in lines]).reshape(-1, 3))


Values = dict[str, list[Any]]
"""One changing layer at one moment: ``xyz`` (x, y, z, x, y, z, …), ``colour`` (a CSS colour
per point), ``size`` (pixels, water only), ``hover`` (the text shown over a point); for lifts,
``out`` (indices into the scene's lifts of those out of service)."""


@dataclass(frozen=True, slots=True)
class Replay3D:
    """The 3D replay: the building's context, and what changes at every replay time."""

    scene: dict[str, Any]
    """The context, drawn once: ``outlines`` and ``busy`` (storey outlines as line segments,
    quiet storeys and those where something happens), ``lifts`` (name and shaft segment each),
    ``lift_groups`` (where each group's "OUT" label goes; a lift's third value is its group),
    ``stairs`` (segments), ``labels`` (storey name, x, y, z, busy), ``grid`` (ground grid:
    centre, size, step, z), ``centre`` and ``radius`` (of everything drawn)."""
    frames: tuple[tuple[Values, ...], ...]
    """Per replay time, the values of each changing layer, in :data:`DYNAMIC` order."""
    clocks: tuple[str, ...]
    """Per replay time, the clock shown beside the slider."""
    initial: int
    frame_ms: int
    """Milliseconds each frame stays on screen while playing (longer if drawing it takes longer)."""
    max_depth_m: float
    """The deepest water of the run: the dark end of the water's colour scale."""


def replay3d_scene(
    twin: Twin, replay: Replay, *, initial: int | None = None, frame_ms: int = FRAME_MS
) -> Replay3D:
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

    # -- context, drawn once
    outlines = storey_outlines(twin)
    quiet_segs = [
        _ring_segments(r, float(elev[s])) for s, rings in outlines.items() if s not in busy for r in rings
    ]
    busy_segs = [
        _ring_segments(r, float(elev[s])) for s, rings in outlines.items() if s in busy for r in rings
    ]
    labels = []
    for s, rings in outlines.items():
        # The name beside the storey's corner furthest left in the first view (seen from +x, +y).
        pts = np.concatenate(rings)
        k = int(np.argmax(pts[:, 0] - pts[:, 1]))
        labels.append(
            [model.storeys[s].name, *np.round(pts[k], 2).tolist(), round(float(elev[s]), 2), s in busy]
        )
    lifts, stairs = _shafts(twin)
    group, tops = _side_by_side(lifts)
    everything = np.concatenate(
        [*quiet_segs, *busy_segs, np.zeros((0, 3))]
        + [np.array([[x, y, z0], [x, y, z1]]) for x, y, z0, z1 in [*lifts.values(), *stairs]]
        + [replay.xyz[~np.isnan(replay.xyz[:, :, 0])].reshape(-1, 3)]
    )
    if everything.size == 0:
        everything = np.zeros((1, 3))
    lo, hi = everything.min(axis=0), everything.max(axis=0)
    centre = (lo + hi) / 2
    grid_size = GRID_M * math.ceil(float(max(hi[0] - lo[0], hi[1] - lo[1])) / GRID_M + 1)
    scene: dict[str, Any] = {
        "outlines": _flat(np.concatenate([*quiet_segs, np.zeros((0, 3))])),
        "busy": _flat(np.concatenate([*busy_segs, np.zeros((0, 3))])),
        "lifts": [[name, _vertical([line]), group[name]] for name, line in lifts.items()],
        "lift_groups": tops,
        "stairs": _vertical(stairs) if stairs else [],
        "labels": labels,
        "grid": {
            "x": round(float(centre[0]), 2),
            "y": round(float(centre[1]), 2),
            "z": round(float(lo[2]), 2),
            "size": grid_size,
            "step": GRID_M,
        },
        "centre": np.round(centre, 2).tolist(),
        "radius": round(float(np.linalg.norm(hi - lo) / 2), 2),
    }

    # -- what changes, one layer each; the player refills these
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
    ititle = [str(t) for t in inc["title"]] if len(inc) else []
    lift_index = {name: k for k, name in enumerate(lifts)}

    def frame_values(j: int) -> tuple[Values, ...]:
        d = replay.depth[:, j] if replay.depth.size else np.zeros(0)
        on = (d > 0.001) & ~np.isnan(wxyz[:, 0])
        shade = (
            sample_colorscale(DEPTH_SCALE, list(np.clip(d[on] / max_depth, 0, 1)))
            if max_depth > 0 and on.any()
            else []
        )
        water: Values = {
            "xyz": _flat(wxyz[on]),
            "colour": list(shade),
            "size": np.round(wsize[on], 1).tolist(),
            "hover": [f"{p}: water {v * 100:.1f} cm" for p, v in zip(places[on], d[on], strict=True)],
        }
        lifts_out: Values = {
            "out": [
                lift_index[name]
                for k, name in enumerate(replay.lifts)
                if replay.stopped[k, j] and name in lifts
            ]
        }
        st = replay.state[:, j] if replay.state.size else np.zeros(0, dtype=int)
        seen = st >= 0
        incidents: Values = {
            "xyz": _flat(ixyz[seen]),
            "colour": [STATE_COLOURS[int(s)] for s in st[seen]],
            "hover": [f"{ititle[k]}: {STATES[int(st[k])]}" for k in np.flatnonzero(seen)],
        }
        ids = np.flatnonzero(~np.isnan(replay.xyz[:, j, 0]))
        people: Values = {
            "xyz": _flat(replay.xyz[ids, j] + [0.0, 0.0, PERSON_Z_M]),
            "colour": [ACTIVITY_COLOURS[int(replay.activity[i, j])] for i in ids],
            "hover": [
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
    clocks = tuple(f"{replay.clock(float(t)):%H:%M:%S} (+{t / 60:.0f} min)" for t in times)
    return Replay3D(
        scene=scene,
        frames=tuple(frame_values(j) for j in range(n)),
        clocks=clocks,
        initial=initial,
        frame_ms=frame_ms,
        max_depth_m=max_depth,
    )


def _legend_html(view: Replay3D) -> str:
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
            f"<span>grid: {GRID_M:g} m squares at the lowest floor</span>",
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
.r3d-view{position:relative;overflow:hidden;background:#fff;cursor:grab}
.r3d-view canvas{display:block}
.r3d-label{font-size:10px;color:#888;white-space:nowrap;pointer-events:none}
.r3d-label.busy{color:#222;font-weight:600}
.r3d-label.out{color:__LIFT_OUT__;font-weight:700;font-size:11px}
.r3d-tip{position:absolute;display:none;pointer-events:none;background:rgba(255,255,255,.95);
  border:1px solid #999;border-radius:3px;padding:2px 6px;font-size:12px;white-space:nowrap}
.r3d-legend{display:flex;flex-wrap:wrap;align-items:center;gap:3px 12px;margin:3px 6px;font-size:12px}
.r3d-legend span{white-space:nowrap}
.r3d-legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
.r3d-legend i.dot{border-radius:50%}
.r3d-legend i.diamond{transform:rotate(45deg) scale(.8);outline:1px solid #000}
.r3d-legend i.bar{width:16px;height:5px;vertical-align:2px}
.r3d-legend i.line{width:16px;height:2px;vertical-align:3px}
""".replace("__LIFT_OUT__", LIFT_OUT)

# The player. The context is built once; each frame refills the four changing layers' vertex
# buffers (allocated once, for the largest frame) and draws the scene once. Drawing happens only
# when something changed — a frame, the camera, the view's size — never in a loop. One loop serves
# Play and the slider: it shows the next frame, waits until that frame is on screen, and only
# then asks for another, so a slow machine shows fewer frames, never a growing queue.
# ``view.replay3d`` is the player: ``updates`` keeps how long each frame took while playing
# (refill to on screen), ``draw(j)`` shows frame j, ``camera()`` reads the camera back,
# ``onView(layer, i)`` says where a point is drawn (layer 3: people), for
# bench/replay3d.py and the browser test; ``scene`` (the context), ``moving`` and the two layers
# (``back``, ``front``: renderer and labels each) for profiling.
_PLAYER_JS = """
(function () {
  var T = window.R3D;
  var view = document.getElementById(__ID__), box = view.closest(".r3d");
  var ctx = __SCENE__, frames = __FRAMES__, clocks = __CLOCKS__;
  var frameMs = __FRAME_MS__, last = frames.length - 1;
  var play = box.querySelector(".r3d-play"), slider = box.querySelector(".r3d-slider"),
      clock = box.querySelector(".r3d-clock"), tip = view.querySelector(".r3d-tip");
  var probe = document.createElement("canvas");
  if (!(probe.getContext("webgl2") || probe.getContext("webgl"))) {
    view.textContent = "This browser cannot draw in 3D: WebGL is turned off or missing.";
    return;
  }
  var ratio = Math.max(1, Math.round(window.devicePixelRatio || 1));
  var W = Math.max(1, view.clientWidth), H = Math.max(1, view.clientHeight);

  // Two canvases, one over the other: the context (outlines, shafts, grid, storey names) is drawn
  // only when the camera or the view's size changes; each frame draws only the moving layers on a
  // transparent canvas over it. One canvas pixel per screen pixel, no multisampling: a software
  // renderer (no GPU) pays for every pixel of every canvas it draws.
  function layer(alpha) {
    var r = new T.WebGLRenderer({antialias: false, alpha: alpha, powerPreference: "low-power"});
    r.setPixelRatio(ratio);
    r.setSize(W, H);
    r.setClearColor(0xffffff, alpha ? 0 : 1);
    var l = new T.CSS2DRenderer();
    l.setSize(W, H);
    [r.domElement.style, l.domElement.style].forEach(function (st) {
      st.position = "absolute"; st.top = "0"; st.left = "0";
    });
    l.domElement.style.pointerEvents = "none";
    view.insertBefore(r.domElement, tip);
    view.insertBefore(l.domElement, tip);
    return {gl: r, labels: l};
  }
  var back = layer(false);
  // A software renderer (no GPU: SwiftShader, llvmpipe) draws at one pixel per CSS pixel even on
  // a high-density screen: twice the pixels each way cost it 2-3 times as long a frame.
  var gl = back.gl.getContext(), info = gl.getExtension("WEBGL_debug_renderer_info");
  var name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
  if (/swiftshader|llvmpipe|software/i.test(name)) {
    ratio = 1;
    back.gl.setPixelRatio(1);
    back.gl.setSize(W, H);
  }
  var front = layer(true);

  var scene = new T.Scene(), moving = new T.Scene();
  var centre = new T.Vector3().fromArray(ctx.centre), radius = Math.max(ctx.radius, 1);
  var camera = new T.PerspectiveCamera(30, W / H, radius / 100, radius * 20);
  camera.up.set(0, 0, 1);
  // As plotly's default view of a scene: from (1, 1, 1), as close as shows the whole building
  // (every point of its outlines and shafts within 90% of the view, across and up).
  var forward = new T.Vector3(-1, -1, -1).normalize(), across = new T.Vector3(1, -1, 0).normalize();
  var upward = new T.Vector3().crossVectors(across, forward);
  var tanUp = 0.9 * Math.tan(Math.PI * 15 / 180), tanAcross = tanUp * W / H, away = radius / 10;
  var v = new T.Vector3();
  [ctx.outlines, ctx.busy, ctx.stairs].concat(ctx.lifts.map(function (l) { return l[1]; }))
    .forEach(function (flat) {
      for (var i = 0; i < flat.length; i += 3) {
        v.fromArray(flat, i).sub(centre);  // its depth in front of the camera: away + v.forward
        away = Math.max(away, Math.abs(v.dot(across)) / tanAcross - v.dot(forward),
                        Math.abs(v.dot(upward)) / tanUp - v.dot(forward));
      }
    });
  camera.position.copy(centre).addScaledVector(forward, -away);
  var controls = new T.OrbitControls(camera, front.gl.domElement);
  controls.target.copy(centre);
  controls.zoomToCursor = true;
  controls.update();

  function thinLines(flat, colour) {
    var g = new T.BufferGeometry();
    g.setAttribute("position", new T.BufferAttribute(new Float32Array(flat), 3));
    return new T.LineSegments(g, new T.LineBasicMaterial({color: colour}));
  }
  var wide = [];
  function wideLines(flat, colour, px) {
    var g = new T.LineSegmentsGeometry();
    g.setPositions(flat);
    var m = new T.LineMaterial({color: new T.Color(colour).getHex(), linewidth: px});
    m.resolution.set(W, H);
    wide.push(m);
    return new T.LineSegments2(g, m);
  }
  function label(text, cls, xyz, into) {
    var div = document.createElement("div");
    div.className = "r3d-label " + cls;
    div.textContent = text;
    var o = new T.CSS2DObject(div);
    o.position.fromArray(xyz);
    o.center.set(1.05, 0.5);
    into.add(o);
    return o;
  }
  var g = ctx.grid, grid = new T.GridHelper(g.size, Math.round(g.size / g.step), 0xdddddd, 0xeeeeee);
  grid.rotation.x = Math.PI / 2;
  grid.position.set(g.x, g.y, g.z);
  scene.add(grid);
  if (ctx.outlines.length) scene.add(thinLines(ctx.outlines, "__OUTLINE__"));
  if (ctx.busy.length) scene.add(wideLines(ctx.busy, "__BUSY__", 2));
  if (ctx.stairs.length) scene.add(wideLines(ctx.stairs, "__STAIR__", 2));
  ctx.labels.forEach(function (l) { label(l[0], l[4] ? "busy" : "", [l[1], l[2], l[3]], scene); });
  // A stopped lift's shaft turns red; one "OUT" label per group of shafts side by side.
  var outLabels = ctx.lift_groups.map(function (g) {
    var o = label("", "out", g, moving);
    o.center.set(0.5, 1.2);
    o.visible = false;
    return o;
  });
  var liftsOut = ctx.lifts.map(function (lift) {
    scene.add(wideLines(lift[1], "__LIFT_OK__", 4));
    var out = wideLines(lift[1], "__LIFT_OUT__", 6);
    out.visible = false;
    moving.add(out);
    return out;
  });

  // Points: a square, a diamond or a dot of a given pixel size and colour, with an optional edge.
  var SHAPES = {square: 0, diamond: 1, dot: 2};
  function pointLayer(shape, size, edge, capacity, order) {
    var geo = new T.BufferGeometry(), n = Math.max(capacity, 1);
    ["position", "colour"].forEach(function (a) {
      geo.setAttribute(a, new T.BufferAttribute(new Float32Array(3 * n), 3));
    });
    geo.setAttribute("size", new T.BufferAttribute(new Float32Array(n).fill(size), 1));
    geo.setDrawRange(0, 0);
    var mat = new T.ShaderMaterial({
      uniforms: {ratio: {value: ratio}, shape: {value: SHAPES[shape]}, edge: {value: edge}},
      vertexShader: "attribute float size; attribute vec3 colour; varying vec3 c; uniform float ratio;" +
        "void main() { c = colour; gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);" +
        " gl_PointSize = size * ratio; }",
      fragmentShader: "varying vec3 c; uniform int shape; uniform float edge;" +
        "void main() { vec2 p = abs(gl_PointCoord * 2.0 - 1.0);" +
        " float d = shape == 0 ? max(p.x, p.y) : shape == 1 ? p.x + p.y : length(p);" +
        " if (d > 1.0) discard;" +
        // Colours are parsed into three.js's linear working space: back to the screen's sRGB.
        " gl_FragColor = linearToOutputTexel(vec4(d > edge ? vec3(0.0) : c, 1.0)); }"
    });
    var pts = new T.Points(geo, mat);
    pts.frustumCulled = false;  // its bounds change every frame
    // Incidents over water, people over both: never hidden behind a wet room's square.
    pts.renderOrder = order;
    mat.depthTest = order === 0;
    moving.add(pts);
    return {geo: geo, sized: size === 0, hover: []};
  }
  function capacity(k) {
    return frames.reduce(function (m, f) { return Math.max(m, f[k].xyz.length / 3); }, 0);
  }
  var layers = {0: pointLayer("square", 0, 1.0, capacity(0), 0),
                2: pointLayer("diamond", 14, 0.8, capacity(2), 1),
                3: pointLayer("dot", 9, 1.0, capacity(3), 2)};
  var colours = new Map();
  function rgb(css) {
    var c = colours.get(css);
    if (!c) { c = new T.Color(css); colours.set(css, c); }
    return c;
  }
  function fill(layer, v) {
    var geo = layer.geo, n = v.xyz.length / 3, pos = geo.attributes.position, col = geo.attributes.colour;
    pos.array.set(v.xyz);
    for (var i = 0; i < n; i++) rgb(v.colour[i]).toArray(col.array, 3 * i);
    pos.needsUpdate = col.needsUpdate = true;
    if (layer.sized) { geo.attributes.size.array.set(v.size); geo.attributes.size.needsUpdate = true; }
    geo.setDrawRange(0, n);
    layer.xyz = v.xyz;
    layer.hover = v.hover;
  }

  function render(all) {
    if (all) { back.gl.render(scene, camera); back.labels.render(scene, camera); }
    front.gl.render(moving, camera);
    front.labels.render(moving, camera);
  }
  var pending = false;
  function requestRender() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; render(true); });
  }
  controls.addEventListener("change", requestRender);
  new ResizeObserver(function () {
    W = Math.max(1, view.clientWidth); H = Math.max(1, view.clientHeight);
    [back, front].forEach(function (l) { l.gl.setSize(W, H); l.labels.setSize(W, H); });
    wide.forEach(function (m) { m.resolution.set(W, H); });
    camera.aspect = W / H; camera.updateProjectionMatrix();
    requestRender();
  }).observe(view);

  // Hover: the nearest person, incident or wet room within 10 pixels of the pointer.
  var p = new T.Vector3();
  function onView(k, i) {  // where point i of layer k is in the view, CSS pixels; z > 1: behind
    p.fromArray(layers[k].xyz, 3 * i).project(camera);
    return [(p.x + 1) / 2 * W, (1 - p.y) / 2 * H, p.z];
  }
  var top = front.gl.domElement;
  top.addEventListener("pointermove", function (e) {
    if (e.buttons) { tip.style.display = "none"; return; }
    var r = top.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top;
    var best = null, bestD = 100;
    [3, 2, 0].forEach(function (k) {
      var l = layers[k];
      for (var i = 0; i < l.hover.length; i++) {
        var at = onView(k, i), dx = at[0] - mx, dy = at[1] - my, d = dx * dx + dy * dy;
        if (at[2] < 1 && d < bestD) { bestD = d; best = l.hover[i]; }
      }
    });
    tip.style.display = best ? "block" : "none";
    if (best) { tip.textContent = best; tip.style.left = (mx + 12) + "px"; tip.style.top = (my + 12) + "px"; }
  });
  top.addEventListener("pointerleave", function () { tip.style.display = "none"; });

  var shown = __INITIAL__, asked = null, playing = false, busy = false;
  var player = view.replay3d = {
    updates: [], shown: function () { return shown; }, draw: draw, onView: onView,
    scene: scene, moving: moving, back: back, front: front,
    camera: function () { return camera.position.toArray().concat(controls.target.toArray()); }
  };
  function show(j) {
    var f = frames[j];
    fill(layers[0], f[0]); fill(layers[2], f[2]); fill(layers[3], f[3]);
    var out = new Set(f[1].out), names = outLabels.map(function () { return []; });
    liftsOut.forEach(function (o, k) {
      o.visible = out.has(k);
      if (o.visible) names[ctx.lifts[k][2]].push(ctx.lifts[k][0]);
    });
    outLabels.forEach(function (o, g) {
      var text = "OUT " + names[g].join(", ");
      o.visible = names[g].length > 0;
      if (o.element.textContent !== text) o.element.textContent = text;
    });
    render(false);
    shown = j;
    clock.textContent = "clock " + clocks[j];
    if (playing) slider.value = j;
  }
  function onScreen() {
    return new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(r); }); });
  }
  function pause(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function setPlaying(on) { playing = on; play.textContent = on ? "\\u275a\\u275a Pause" : "\\u25b6 Play"; }
  // Frame j on screen; resolves to the milliseconds that took.
  async function draw(j) {
    var t0 = performance.now();
    show(j);
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
  show(shown);
  render(true);
})();
"""


@cache
def three_js() -> str:
    """The vendored three.js bundle (the parts the player uses; MIT licence beside it, recipe in
    vendor/three/): one classic script defining the global ``R3D``."""
    return (files("twin.present") / "vendor" / "three-replay3d.min.js").read_text(encoding="utf-8")


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def replay3d_html(view: Replay3D, *, div_id: str = "replay3d", full_html: bool = True) -> str:
    """The 3D replay with its player: a whole offline page for the app's iframe, or with
    ``full_html=False`` a fragment for a page of its own (the after-action report). Both carry
    the three.js bundle inline: nothing is fetched.

    The app shows the 3D replay as a page of its own in an iframe, so that Streamlit's
    re-renders never rebuild it (and so never move the viewer's camera).
    """
    last = len(view.frames) - 1
    colours = {
        "__OUTLINE__": OUTLINE_COLOUR,
        "__BUSY__": BUSY_OUTLINE_COLOUR,
        "__STAIR__": STAIR_LINE,
        "__LIFT_OK__": LIFT_OK,
        "__LIFT_OUT__": LIFT_OUT,
    }
    script = _PLAYER_JS
    for key, colour in colours.items():
        script = script.replace(key, colour)
    script = (
        script.replace("__ID__", json.dumps(div_id))
        .replace("__SCENE__", _json(view.scene))
        .replace("__FRAMES__", _json(view.frames))
        .replace("__CLOCKS__", _json(view.clocks))
        .replace("__FRAME_MS__", str(int(view.frame_ms)))
        .replace("__INITIAL__", str(int(view.initial)))
        .replace("</", "<\\/")
    )  # nothing in the data may close the script element
    body = "".join(
        [
            f"<style>{_CSS}</style>",
            '<div class="r3d">',
            '<div class="r3d-title">The drill in 3D<small>drag to turn, right-drag to move, scroll to zoom: '
            "the view stays as you leave it while playing; hover a dot for who it is</small></div>",
            '<div class="r3d-bar"><button type="button" class="r3d-play">▶ Play</button>',
            f'<input type="range" class="r3d-slider" min="0" max="{last}" step="1" value="{view.initial}" '
            'aria-label="time in the drill">',
            f'<span class="r3d-clock">clock {html.escape(view.clocks[view.initial])}</span></div>',
            f'<div id="{html.escape(div_id)}" class="r3d-view" style="height:{VIEW_PX}px">'
            '<div class="r3d-tip"></div></div>',
            _legend_html(view),
            "</div>",
            f'<script type="text/javascript">{three_js()}</script>',
            f'<script type="text/javascript">{script}</script>',
        ]
    )
    if not full_html:
        return body
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<style>body{{margin:0}}</style></head><body>{body}</body></html>"
    )
