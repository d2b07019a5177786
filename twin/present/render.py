"""Pictures of the twin, for a person to check it by eye.

:func:`render_3d` draws the whole building off screen with pyvista (floor plates per space,
stairs, lifts, equipment); :func:`render_plan` draws one storey's plan with its navigation graph
over it (matplotlib, which pyvista already depends on). Unreachable spaces are red in both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from twin.errors import TwinError, suggest
from twin.model import BuildingModel
from twin.navgraph import EdgeKind, NodeKind
from twin.present.plan import StoreyPlan, plan_parts, room_labels, storey_plan
from twin.present.style import (
    DOOR_RGB,
    EDGE_RGB,
    ENTRANCE_RGB,
    EQUIPMENT_RGB,
    LIFT_RGB,
    REACHABLE_RGB,
    SPACE_NODE_RGB,
    STAIR_RGB,
    UNREACHABLE_RGB,
)
from twin.twin import Twin
from twin.words import plural


def storey_index(model: BuildingModel, name: str) -> int:
    """The storey called ``name`` (case-insensitive), or a PlaceError-style message."""
    names = [s.name for s in model.storeys]
    for i, n in enumerate(names):
        if n.lower() == name.lower():
            return i
    raise TwinError(
        f"--storey {name!r}: no such storey in {model.name} "
        f"(storeys: {', '.join(names[:12])}{'…' if len(names) > 12 else ''})"
        f"{suggest(name, names)}"
    )


#: Label font size (points) on a plan; a room is labelled only when its name fits inside it.
LABEL_PT = 8
#: At most this many separate parts of a storey get a panel each; more are drawn as one plan.
MAX_PANELS = 6


def render_plan(
    twin: Twin, storey: int, out: str | Path, *, size: tuple[int, int] = (1600, 1200), dpi: int = 100
) -> Path:
    """Draw storey ``storey``: spaces (red when unreachable), doors, stairs, lifts, equipment,
    entrances and the navigation graph, with the rooms named where their names fit.

    A storey in separate parts (three towers over a shared podium) gets one panel per part, one
    above the other at the figure's full width, so each is drawn large enough to read; ``size``
    gives the width and the height of one panel at most.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model = twin.model
    plan = storey_plan(twin, storey)
    names, views = zip(*plan_panels(twin, storey, plan), strict=True)
    width_in = size[0] / dpi
    axis_w_in = width_in - 1.3  # room for the y axis and its label
    heights = [
        min(size[1] / dpi, max(2.2, axis_w_in * (v[3] - v[1]) / max(v[2] - v[0], 1e-6))) + 0.6 for v in views
    ]
    legend_in, title_in = 0.9, 0.6
    fig = plt.figure(figsize=(width_in, sum(heights) + legend_in + title_in), dpi=dpi)
    grid = fig.add_gridspec(
        len(views),
        1,
        height_ratios=heights,
        left=0.9 / width_in,
        right=0.98,
        top=1 - title_in / fig.get_figheight(),
        bottom=legend_in / fig.get_figheight(),
        hspace=0.6 / (sum(heights) / len(heights)),
    )
    for k, view in enumerate(views):
        ax = fig.add_subplot(grid[k])
        _draw_plan(ax, twin, plan, view, dpi=dpi)
        if names[k]:
            ax.set_title(f"{names[k]}", fontsize=10, loc="left")
    fig.suptitle(
        f"{model.name} — storey '{plan.name}' at {plan.elevation_m:+.2f} m: "
        f"{plural(plan.spaces.size, 'space')}, {plan.reachable_count} reachable"
        + (f" — {plural(len(views), 'part')}, drawn apart" if len(views) > 1 else ""),
        fontsize=12,
        y=1 - 0.12 / fig.get_figheight(),
        va="top",
    )
    fig.legend(handles=_legend_handles(plan), loc="lower center", ncol=6, fontsize=9, frameon=False)
    out = Path(out)
    fig.savefig(out, dpi=dpi)
    plt.close(fig)
    return out


def plan_panels(
    twin: Twin, storey: int, plan: StoreyPlan | None = None
) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The panels of a storey's plan: ``(part name, (x0, y0, x1, y1) in metres)`` per separate part
    of the storey, west to east (one unnamed panel for a storey in one piece), all as wide as the
    widest part so that every panel is drawn at one scale."""
    parts = plan_parts(twin, storey)
    if 1 < len(parts) <= MAX_PANELS:
        panels = [(p.label, _margin(p.bounds)) for p in parts]
    else:
        panels = [("", _plan_bounds(twin, plan or storey_plan(twin, storey)))]
    span = max(v[2] - v[0] for _, v in panels)
    return [(name, ((v[0] + v[2] - span) / 2, v[1], (v[0] + v[2] + span) / 2, v[3])) for name, v in panels]


def _margin(bounds: tuple[float, float, float, float], m: float = 2.0) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = bounds
    return (x0 - m, y0 - m, x1 + m, y1 + m)


def _plan_bounds(twin: Twin, plan: StoreyPlan) -> tuple[float, float, float, float]:
    """Everything drawn on the storey: its spaces, or (a storey with none) its graph's nodes."""
    rings = [r for r in (*plan.outlines, *plan.walkable_outlines) if len(r)]
    if rings:
        xy = np.vstack(rings)
    else:
        ids = np.concatenate([*plan.nodes.values()]) if plan.nodes else np.zeros(0, int)
        xy = twin.graph.node_xyz[ids][:, :2] if ids.size else np.zeros((1, 2))
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    return _margin((float(x0), float(y0), float(x1), float(y1)))


#: Node kinds drawn on a plan: colour, marker, legend label, marker area (pt²).
NODE_STYLE: dict[NodeKind, tuple[Any, str, str, float]] = {
    NodeKind.SPACE: (SPACE_NODE_RGB, "o", "space (graph node)", 12),
    NodeKind.DOOR: (DOOR_RGB, "s", "door", 14),
    NodeKind.STAIR: (STAIR_RGB, "^", "stair landing", 60),
    NodeKind.LIFT: (LIFT_RGB, "s", "lift stop", 70),
    NodeKind.EQUIPMENT: (EQUIPMENT_RGB, "D", "equipment", 18),
}
#: Edge kinds: legend label (figures.py names the same kinds in the app's plan).
EDGE_LABEL = {
    EdgeKind.WALK: "walking link",
    EdgeKind.STAIR: "stair flight",
    EdgeKind.RAMP: "ramp",
    EdgeKind.LIFT_RIDE: "lift ride",
    EdgeKind.LIFT_BOARD: "boarding a lift",
    EdgeKind.OUTSIDE: "outside, between entrances (dashed)",
}


def _draw_plan(
    ax: Any, twin: Twin, plan: StoreyPlan, view: tuple[float, float, float, float], *, dpi: int
) -> None:
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import Polygon as MplPolygon

    model, graph = twin.model, twin.graph
    patches = [MplPolygon(ring, closed=True) for ring in plan.outlines]
    colours = [REACHABLE_RGB if ok else UNREACHABLE_RGB for ok in plan.reachable]
    ax.add_collection(
        PatchCollection(patches, facecolor=colours, edgecolor="white", linewidth=1.2, alpha=0.85)
    )
    for kind, rgb in EDGE_RGB.items():
        if kind in plan.edges:
            walk = kind == EdgeKind.WALK
            ax.add_collection(
                LineCollection(
                    list(plan.edges[kind]),
                    colors=[rgb],
                    linewidths=0.6 if walk else 1.4,
                    alpha=0.6 if walk else 1.0,
                    linestyles="dashed" if kind == EdgeKind.OUTSIDE else "solid",
                )
            )
    for node_kind, (rgb, marker, _label, area) in NODE_STYLE.items():
        if node_kind in plan.nodes:
            xy = graph.node_xyz[plan.nodes[node_kind]]
            ax.scatter(xy[:, 0], xy[:, 1], s=area, c=[rgb], marker=marker, zorder=3, edgecolors="none")
    if plan.entrances.size:
        xy = graph.node_xyz[plan.entrances]
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=180,
            marker="*",
            c=[ENTRANCE_RGB],
            edgecolors="white",
            linewidths=0.8,
            zorder=4,
        )
    x0, y0, x1, y1 = view
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)", fontsize=8)
    ax.set_ylabel("y (m)", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(True, alpha=0.2)
    # Name the rooms whose names fit inside them at this scale (as the app's plan does).
    bbox = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    px_per_m = min(bbox.width * fig_w * dpi / (x1 - x0), bbox.height * fig_h * dpi / (y1 - y0))
    label_px = LABEL_PT * dpi / 72
    for i, text in room_labels(
        model,
        plan.spaces.tolist(),
        view,
        px_per_m=px_per_m,
        px_per_char=0.6 * label_px,
        min_height_px=2.2 * label_px,
        limit=400,
    ):
        x, y, _ = model.spaces[i].anchor()
        ax.annotate(
            text,
            (x, y),
            fontsize=LABEL_PT,
            ha="center",
            va="bottom",
            xytext=(0, 4),
            textcoords="offset points",
            clip_on=True,
        )


def _legend_handles(plan: StoreyPlan) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [Patch(facecolor=REACHABLE_RGB, label="space reachable from an entrance")]
    if not plan.reachable.all():
        handles.append(Patch(facecolor=UNREACHABLE_RGB, label="space NOT reachable"))
    for node_kind, (rgb, marker, label, area) in NODE_STYLE.items():
        if node_kind in plan.nodes:
            handles.append(
                Line2D(
                    [],
                    [],
                    ls="none",
                    marker=marker,
                    color=rgb,
                    markersize=area**0.5,
                    label=f"{label} ({len(plan.nodes[node_kind])})",
                )
            )
    if plan.entrances.size:
        handles.append(
            Line2D(
                [],
                [],
                ls="none",
                marker="*",
                color=ENTRANCE_RGB,
                markersize=13,
                label=f"entrance ({plan.entrances.size})",
            )
        )
    for kind, rgb in EDGE_RGB.items():
        if kind in plan.edges and kind != EdgeKind.LIFT_BOARD:
            handles.append(
                Line2D(
                    [],
                    [],
                    color=rgb,
                    lw=1.4,
                    label=EDGE_LABEL[kind],
                    ls="--" if kind == EdgeKind.OUTSIDE else "-",
                )
            )
    return handles


def render_3d(twin: Twin, out: str | Path, *, size: tuple[int, int] = (1600, 1200)) -> Path:
    """Draw the whole twin off screen: a floor plate per space, stairs, lifts and equipment."""
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    import pyvista as pv

    plotter = pv.Plotter(off_screen=True, window_size=list(size))
    plotter.set_background("white")  # type: ignore[arg-type]  # pyvista stub quirk
    plates = space_plates(twin)
    if plates.n_cells:
        plotter.add_mesh(plates, scalars="colour", rgb=True, opacity=0.85)
        plotter.add_mesh(space_outlines(twin), color=(0.25, 0.3, 0.4), line_width=1)
    graph = twin.graph
    for kinds, rgb, width in (
        ((EdgeKind.STAIR, EdgeKind.RAMP), STAIR_RGB, 4),
        ((EdgeKind.LIFT_RIDE,), LIFT_RGB, 6),
    ):
        sel = np.isin(graph.edge_kind, kinds)
        if sel.any():
            plotter.add_mesh(
                _segments(graph.node_xyz[graph.edge_u[sel]], graph.node_xyz[graph.edge_v[sel]]),
                color=rgb,
                line_width=width,
            )
    eq = graph.node_kind == NodeKind.EQUIPMENT
    if eq.any():
        plotter.add_points(
            graph.node_xyz[eq], color=EQUIPMENT_RGB, point_size=6, render_points_as_spheres=True
        )
    audit = twin.audit
    plotter.add_text(
        f"{twin.model.name}: {len(twin.model.storeys)} storeys, {len(twin.model.spaces)} spaces, "
        f"{audit.reachable_spaces} reachable (red: unreachable)\n"
        "green: stairs and ramps   orange: lifts   purple: equipment",
        font_size=10,
        color="black",
    )
    plotter.camera_position = "iso"
    plotter.camera.zoom(1.2)
    out = Path(out)
    plotter.screenshot(str(out))
    plotter.close()
    return out


def space_plates(twin: Twin) -> Any:
    """One pyvista PolyData with a floor plate per space, triangulated (cell data ``colour`` as
    RGB uint8, ``space`` as the index into ``model.spaces``)."""
    import pyvista as pv

    points: list[np.ndarray] = []
    faces: list[int] = []
    colours: list[tuple[float, float, float]] = []
    spaces: list[int] = []
    offset = 0
    for i, sp in enumerate(twin.model.spaces):
        ring = np.asarray(sp.footprint.exterior.coords)[:-1, :2]
        if len(ring) < 3:
            continue
        pts = np.column_stack([ring, np.full(len(ring), sp.floor_z_m + 0.05)])
        points.append(pts)
        faces.extend([len(ring), *range(offset, offset + len(ring))])
        offset += len(ring)
        spaces.append(i)
        # Alternate two shades storey by storey so stacked floors read apart.
        shade = REACHABLE_RGB if sp.storey % 2 else (0.72, 0.80, 0.90)
        colours.append(shade if twin.audit.reachable[i] else UNREACHABLE_RGB)
    if not points:
        return pv.PolyData()
    mesh = pv.PolyData(np.vstack(points), faces=np.array(faces))
    mesh.cell_data["colour"] = (np.array(colours) * 255).astype(np.uint8)
    mesh.cell_data["space"] = np.array(spaces, dtype=np.int32)
    return mesh.triangulate()


def space_outlines(twin: Twin) -> Any:
    """The outline of every space's floor plate, as line segments."""
    starts, ends = [], []
    for sp in twin.model.spaces:
        ring = np.asarray(sp.footprint.exterior.coords)[:, :2]
        if len(ring) < 2:
            continue
        z = np.full((len(ring) - 1, 1), sp.floor_z_m + 0.06)
        starts.append(np.hstack([ring[:-1], z]))
        ends.append(np.hstack([ring[1:], z]))
    if not starts:
        return _segments(np.zeros((0, 3)), np.zeros((0, 3)))
    return _segments(np.vstack(starts), np.vstack(ends))


def _segments(a: np.ndarray, b: np.ndarray) -> Any:
    import pyvista as pv

    pts = np.empty((2 * len(a), 3))
    pts[0::2], pts[1::2] = a, b
    lines = np.column_stack(
        [np.full(len(a), 2), np.arange(0, 2 * len(a), 2), np.arange(1, 2 * len(a), 2)]
    ).ravel()
    return pv.PolyData(pts, lines=lines)
