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
from twin.plan import storey_plan
from twin.twin import Twin

REACHABLE_RGB = (0.55, 0.68, 0.85)
UNREACHABLE_RGB = (0.90, 0.25, 0.20)
LIFT_RGB = (0.95, 0.60, 0.10)
STAIR_RGB = (0.20, 0.65, 0.30)
EQUIPMENT_RGB = (0.45, 0.25, 0.65)
DOOR_RGB = (0.25, 0.25, 0.25)
EDGE_RGB = {
    EdgeKind.WALK: (0.45, 0.45, 0.45),
    EdgeKind.STAIR: STAIR_RGB,
    EdgeKind.RAMP: STAIR_RGB,
    EdgeKind.LIFT_RIDE: LIFT_RGB,
    EdgeKind.LIFT_BOARD: LIFT_RGB,
    EdgeKind.OUTSIDE: (0.6, 0.6, 0.9),
}

#: Label every space on a plan with at most this many spaces; beyond it, only the large ones.
MAX_LABELS = 80


def storey_index(model: BuildingModel, name: str) -> int:
    """The storey called ``name`` (case-insensitive), or a PlaceError-style message."""
    names = [s.name for s in model.storeys]
    for i, n in enumerate(names):
        if n.lower() == name.lower():
            return i
    raise TwinError(f"--storey {name!r}: no such storey in {model.name} "
                    f"(storeys: {', '.join(names[:12])}{'…' if len(names) > 12 else ''})"
                    f"{suggest(name, names)}")


def render_plan(twin: Twin, storey: int, out: str | Path, *, size: tuple[int, int] = (1600, 1200),
                dpi: int = 100) -> Path:
    """Draw storey ``storey``: spaces (red when unreachable), doors, equipment, the graph."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import Polygon as MplPolygon

    model, graph = twin.model, twin.graph
    plan = storey_plan(twin, storey)
    fig, ax = plt.subplots(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)
    on_storey = plan.spaces.tolist()
    patches = [MplPolygon(ring, closed=True) for ring in plan.outlines]
    colours = [REACHABLE_RGB if ok else UNREACHABLE_RGB for ok in plan.reachable]
    ax.add_collection(PatchCollection(patches, facecolor=colours, edgecolor="white",
                                      linewidth=1.2, alpha=0.85))

    for kind, rgb in EDGE_RGB.items():
        if kind not in plan.edges:
            continue
        walk = kind == EdgeKind.WALK
        ax.add_collection(LineCollection(list(plan.edges[kind]), colors=[rgb],
                                         linewidths=0.5 if walk else 1.2, alpha=0.6 if walk else 1.0,
                                         linestyles="dashed" if kind == EdgeKind.OUTSIDE else "solid"))

    def scatter(kind: NodeKind, rgb: Any, marker: str, label: str, s: float) -> None:
        if kind in plan.nodes:
            xy = graph.node_xyz[plan.nodes[kind]]
            ax.scatter(xy[:, 0], xy[:, 1], s=s, c=[rgb], marker=marker, label=f"{label} ({len(xy)})",
                       zorder=3, edgecolors="none")

    scatter(NodeKind.SPACE, (0.1, 0.2, 0.5), "o", "space", 10)
    scatter(NodeKind.DOOR, DOOR_RGB, "s", "door", 12)
    scatter(NodeKind.STAIR, STAIR_RGB, "^", "stair landing", 50)
    scatter(NodeKind.LIFT, LIFT_RGB, "s", "lift stop", 60)
    scatter(NodeKind.EQUIPMENT, EQUIPMENT_RGB, "D", "equipment", 14)
    entrances = plan.entrances
    if entrances.size:
        xy = graph.node_xyz[entrances]
        ax.scatter(xy[:, 0], xy[:, 1], s=140, marker="*", c=[(0.85, 0.1, 0.1)], zorder=4,
                   label=f"entrance ({entrances.size})")

    label_all = len(on_storey) <= MAX_LABELS
    big = sorted(on_storey, key=lambda i: -model.spaces[i].area_m2)[:MAX_LABELS]
    for i in on_storey if label_all else big:
        x, y, _ = model.spaces[i].anchor()
        ax.annotate(model.spaces[i].long_name or model.spaces[i].name, (x, y), fontsize=6,
                    ha="center", va="bottom", xytext=(0, 3), textcoords="offset points")

    ax.set_title(f"{model.name} — storey '{plan.name}' at {plan.elevation_m:+.2f} m: "
                 f"{len(on_storey)} spaces, {plan.reachable_count} reachable "
                 f"(red: unreachable)", fontsize=11)
    ax.set_aspect("equal")
    ax.autoscale_view()
    # Fit the figure to the storey's shape so a long, thin plan is not lost in white space.
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width_in = size[0] / dpi
    fig.set_size_inches(width_in, min(size[1] / dpi, max(4.0, width_in * (y1 - y0) / (x1 - x0) + 1.5)))
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    # Below the plan and its axis label (figure coordinates, so a long thin plan does not squeeze
    # it onto the label), so it never hides a room.
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=7, fontsize=8, frameon=False)
    ax.grid(True, alpha=0.2)
    out = Path(out)
    fig.tight_layout(rect=(0.0, 0.07, 1.0, 1.0))
    fig.savefig(out, dpi=dpi)
    plt.close(fig)
    return out


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
    for kinds, rgb, width in (((EdgeKind.STAIR, EdgeKind.RAMP), STAIR_RGB, 4),
                              ((EdgeKind.LIFT_RIDE,), LIFT_RGB, 6)):
        sel = np.isin(graph.edge_kind, kinds)
        if sel.any():
            plotter.add_mesh(_segments(graph.node_xyz[graph.edge_u[sel]],
                                       graph.node_xyz[graph.edge_v[sel]]),
                             color=rgb, line_width=width)
    eq = graph.node_kind == NodeKind.EQUIPMENT
    if eq.any():
        plotter.add_points(graph.node_xyz[eq], color=EQUIPMENT_RGB, point_size=6,
                           render_points_as_spheres=True)
    audit = twin.audit
    plotter.add_text(
        f"{twin.model.name}: {len(twin.model.storeys)} storeys, {len(twin.model.spaces)} spaces, "
        f"{audit.reachable_spaces} reachable (red: unreachable)\n"
        "green: stairs and ramps   orange: lifts   purple: equipment",
        font_size=10, color="black",
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
    lines = np.column_stack([np.full(len(a), 2), np.arange(0, 2 * len(a), 2),
                             np.arange(1, 2 * len(a), 2)]).ravel()
    return pv.PolyData(pts, lines=lines)
