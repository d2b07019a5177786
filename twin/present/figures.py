"""Interactive pictures of the twin: plotly figures for the app and for HTML reports.

Takes a :class:`~twin.twin.Twin`, gives :class:`plotly.graph_objects.Figure` objects that zoom,
pan and name what is under the pointer: :func:`plan_figure` draws one storey's plan with its
navigation graph and equipment (from :func:`twin.present.plan.storey_plan`, as ``twin render --storey``
does), :func:`building_figure` the whole building in 3D (the floor plates of
:func:`twin.present.render.space_plates`, stairs, lifts, equipment). Colours are those of
:mod:`twin.present.style`, as in the PNGs of :mod:`twin.present.render`. Every axis is in metres.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from twin.navgraph import EdgeKind, NodeKind
from twin.places import place_name
from twin.present.plan import StoreyPlan, rings_xy, room_labels, storey_plan
from twin.present.render import space_plates
from twin.present.style import (
    DOOR_RGB,
    EDGE_RGB,
    ENTRANCE_RGB,
    EQUIPMENT_RGB,
    HIGHLIGHT_RGB,
    LIFT_RGB,
    REACHABLE_RGB,
    SPACE_NODE_RGB,
    STAIR_RGB,
    STOREY_SHADES,
    UNREACHABLE_RGB,
    css,
    plan_axes,
    room_names_trace,
)
from twin.twin import Twin

Bounds = tuple[float, float, float, float]

#: Legend names of the navigation graph's links.
EDGE_LABELS = {
    EdgeKind.WALK: "walking route",
    EdgeKind.STAIR: "route up/down a stair",
    EdgeKind.RAMP: "route up/down a ramp",
    EdgeKind.LIFT_RIDE: "lift ride",
    EdgeKind.LIFT_BOARD: "into the lift",
    EdgeKind.OUTSIDE: "outside, between entrances",
}

#: The plot area of a plan is about this wide on a page (px): used to size the figure to the
#: plan's proportions and to decide which room names fit.
PLAN_WIDTH_PX = 1150
#: Plan height bounds (px).
PLAN_HEIGHT_PX = (360, 640)
#: Room names are written only where they fit at the initial zoom: about this many px a letter.
LABEL_PX_PER_CHAR = 6.5
#: Margin (m) round the part of a storey a plan is zoomed to.
VIEW_MARGIN_M = 3.0


#: Most room names one plan figure writes (the largest rooms first; hover names every room).
MAX_LABELS = 80


def plan_figure(
    twin: Twin, storey: int, *, view: Bounds | None = None, view_name: str = "", label_limit: int = MAX_LABELS
) -> go.Figure:
    """One storey's plan: spaces (red when unreachable), lift shafts and stairs, the navigation
    graph, doors, equipment and entrances; hovering names each thing.

    Parameters
    ----------
    twin
        The twin to draw.
    storey
        Index into ``twin.model.storeys``.
    view
        (x min, y min, x max, y max) in metres to zoom to at first (a part of the storey from
        :func:`twin.present.plan.plan_parts`); the whole storey when not given.
    view_name
        What ``view`` shows, for the title (``"A-GF"``).
    label_limit
        Write at most this many room names, those that fit inside their room at the initial
        zoom, largest rooms first (hovering names every room).
    """
    model, graph = twin.model, twin.graph
    plan = storey_plan(twin, storey)
    fig = go.Figure()

    reach = plan.reachable
    _add_rings(
        fig,
        [r for r, ok in zip(plan.outlines, reach, strict=True) if ok],
        name=f"space, reachable ({int(reach.sum())})",
        fill=css(REACHABLE_RGB, 0.55),
        line=css((1, 1, 1)),
        width=1.5,
    )
    if (~reach).any():
        _add_rings(
            fig,
            [r for r, ok in zip(plan.outlines, reach, strict=True) if not ok],
            name=f"space, UNREACHABLE ({int((~reach).sum())})",
            fill=css(UNREACHABLE_RGB, 0.6),
            line=css(UNREACHABLE_RGB),
            width=2.5,
        )
    if plan.walkable_outlines:
        _add_rings(
            fig,
            list(plan.walkable_outlines),
            name="walkable area (no spaces in the file)",
            fill=css(REACHABLE_RGB, 0.25),
            line=css(REACHABLE_RGB),
            width=1,
        )
    if plan.stair_outlines:
        _add_rings(
            fig,
            list(plan.stair_outlines),
            name=f"stair or ramp ({plan.stairs.size})",
            fill=css(STAIR_RGB, 0.15),
            line=css(STAIR_RGB),
            width=1.5,
        )
    if plan.lift_outlines:
        _add_rings(
            fig,
            list(plan.lift_outlines),
            name=f"lift shaft ({plan.lifts.size})",
            fill=css(LIFT_RGB, 0.3),
            line=css(LIFT_RGB),
            width=1.5,
        )

    for kind, rgb in EDGE_RGB.items():
        if kind in plan.edges:
            segs = plan.edges[kind]
            walk = kind == EdgeKind.WALK
            fig.add_trace(
                go.Scatter(
                    x=_gapped(segs[:, :, 0]),
                    y=_gapped(segs[:, :, 1]),
                    mode="lines",
                    name=EDGE_LABELS[kind],
                    hoverinfo="skip",
                    line={
                        "color": css(rgb, 0.6 if walk else 1.0),
                        "width": 1 if walk else 2,
                        "dash": "dash" if kind == EdgeKind.OUTSIDE else "solid",
                    },
                )
            )

    _add_nodes(fig, twin, plan, NodeKind.SPACE, "room centre", SPACE_NODE_RGB, "circle", 6)
    _add_nodes(fig, twin, plan, NodeKind.DOOR, "door", DOOR_RGB, "square", 6)
    _add_nodes(fig, twin, plan, NodeKind.STAIR, "stair landing", STAIR_RGB, "triangle-up", 12)
    _add_nodes(fig, twin, plan, NodeKind.LIFT, "lift stop", LIFT_RGB, "square", 12)
    _add_nodes(fig, twin, plan, NodeKind.GRID, "walkable grid cell", (0.5, 0.5, 0.5), "circle", 3)
    _add_nodes(fig, twin, plan, NodeKind.EQUIPMENT, "equipment", EQUIPMENT_RGB, "diamond", 9)
    if plan.entrances.size:
        xy = graph.node_xyz[plan.entrances]
        fig.add_trace(
            go.Scatter(
                x=xy[:, 0],
                y=xy[:, 1],
                mode="markers",
                name=f"entrance ({plan.entrances.size})",
                marker={
                    "symbol": "star",
                    "size": 18,
                    "color": css(ENTRANCE_RGB),
                    "line": {"color": "white", "width": 1},
                },
                hovertext=[f"entrance: {place_name(model, graph, int(n))}" for n in plan.entrances],
                hoverinfo="text",
            )
        )

    x0, y0, x1, y1 = _view(twin, plan, view)
    px_per_m = PLAN_WIDTH_PX / max(x1 - x0, 1.0)
    names = [
        (*model.spaces[i].anchor()[:2], text)
        for i, text in room_labels(
            model,
            plan.spaces,
            (x0, y0, x1, y1),
            px_per_m=px_per_m,
            px_per_char=LABEL_PX_PER_CHAR,
            min_height_px=14,
            limit=label_limit,
        )
    ]
    if names:
        fig.add_trace(room_names_trace(names, showlegend=True, textposition="top center"))

    st = model.storeys[storey]
    counts = (
        f"{plan.spaces.size} spaces, {plan.reachable_count} reachable"
        if plan.spaces.size
        else "no spaces in the file"
    )
    showing = f" — showing <b>{view_name}</b>" if view_name else ""
    fig.update_layout(
        title={
            "text": f"Storey <b>{st.name}</b> at {st.elevation_m:+.2f} m — {counts}{showing}"
            f"<br><sup>{model.name}; distances in metres; hover for names, drag to zoom, "
            "double-click to zoom out; click a legend entry to hide it</sup>",
            "x": 0.01,
            "xanchor": "left",
        },
        **plan_axes(x0, y0, x1, y1),
        plot_bgcolor="white",
        height=int(np.clip(PLAN_WIDTH_PX * (y1 - y0) / (x1 - x0), *PLAN_HEIGHT_PX)) + 190,
        margin={"l": 60, "r": 20, "t": 70, "b": 10},
        legend={
            "orientation": "h",
            "x": 0,
            "y": -0.08,
            "yanchor": "top",
            "font": {"size": 12},
            "groupclick": "toggleitem",
        },
        hoverlabel={"namelength": -1},
    )
    return fig


def building_figure(twin: Twin, *, storey: int | None = None) -> go.Figure:
    """The whole building in 3D: a floor plate per space (storeys in alternating shades, red when
    unreachable, ``storey`` highlighted), stair flights, lift shafts and equipment."""
    model, graph = twin.model, twin.graph
    fig = go.Figure()
    plates = space_plates(twin)
    if plates.n_cells:
        xyz = np.asarray(plates.points)
        tri = np.asarray(plates.faces).reshape(-1, 4)[:, 1:]
        space = np.asarray(plates.cell_data["space"])
        space_storey = np.array([sp.storey for sp in model.spaces], dtype=int)[space]
        ok = twin.audit.reachable[space]
        layers = [
            (ok & (space_storey != storey), "floors (spaces; storeys in two shades)", None, 0.35),
            (
                ok & (space_storey == storey),
                f"storey {_storey_name(twin, storey)} (selected)",
                HIGHLIGHT_RGB,
                0.9,
            ),
            (
                ~ok,
                f"unreachable space ({int(np.count_nonzero(~twin.audit.reachable))})",
                UNREACHABLE_RGB,
                0.95,
            ),
        ]
        for sel, name, rgb, opacity in layers:
            if not sel.any():
                continue
            colours = (
                [css(rgb)] * int(sel.sum())
                if rgb is not None
                else [css(STOREY_SHADES[s % 2]) for s in space_storey[sel]]
            )
            used, faces = np.unique(tri[sel], return_inverse=True)
            faces = faces.reshape(-1, 3)
            fig.add_trace(
                go.Mesh3d(
                    x=xyz[used, 0],
                    y=xyz[used, 1],
                    z=xyz[used, 2],
                    i=faces[:, 0],
                    j=faces[:, 1],
                    k=faces[:, 2],
                    facecolor=colours,
                    opacity=opacity,
                    name=name,
                    showlegend=True,
                    hoverinfo="skip",
                    flatshading=True,
                    lighting={"ambient": 0.9, "diffuse": 0.2},
                )
            )

    for kinds, rgb, width, name in (
        ((EdgeKind.STAIR, EdgeKind.RAMP), STAIR_RGB, 5, "stairs and ramps"),
        ((EdgeKind.LIFT_RIDE,), LIFT_RGB, 9, "lifts"),
    ):
        sel = np.flatnonzero(np.isin(graph.edge_kind, kinds))
        if sel.size:
            a, b = graph.node_xyz[graph.edge_u[sel]], graph.node_xyz[graph.edge_v[sel]]
            segs = np.stack([a, b], axis=1)
            refs = graph.edge_ref[sel]
            items = model.lifts if kinds[0] == EdgeKind.LIFT_RIDE else model.stairs
            names = [items[r].name if 0 <= r < len(items) else name for r in refs]
            fig.add_trace(
                go.Scatter3d(
                    x=_gapped(segs[:, :, 0]),
                    y=_gapped(segs[:, :, 1]),
                    z=_gapped(segs[:, :, 2]),
                    mode="lines",
                    name=f"{name} ({len({*refs.tolist()})})",
                    line={"color": css(rgb), "width": width},
                    hovertext=_gapped_text(names),
                    hoverinfo="text",
                )
            )

    eq = graph.nodes_of(NodeKind.EQUIPMENT)
    if eq.size:
        xyz = graph.node_xyz[eq]
        fig.add_trace(
            go.Scatter3d(
                x=xyz[:, 0],
                y=xyz[:, 1],
                z=xyz[:, 2],
                mode="markers",
                name=f"equipment ({eq.size})",
                marker={"size": 2.5, "color": css(EQUIPMENT_RGB)},
                hovertext=[_equipment_text(twin, int(graph.node_ref[n])) for n in eq],
                hoverinfo="text",
            )
        )
    if graph.entrances.size:
        xyz = graph.node_xyz[graph.entrances]
        fig.add_trace(
            go.Scatter3d(
                x=xyz[:, 0],
                y=xyz[:, 1],
                z=xyz[:, 2],
                mode="markers",
                name=f"entrance ({graph.entrances.size})",
                marker={"size": 6, "color": css(ENTRANCE_RGB), "symbol": "diamond"},
                hovertext=[f"entrance: {place_name(model, graph, int(n))}" for n in graph.entrances],
                hoverinfo="text",
            )
        )

    axis = {"showbackground": False, "gridcolor": "rgb(220,220,220)"}
    fig.update_layout(
        title={
            "text": f"{model.name}: {len(model.storeys)} storeys, {len(model.spaces)} spaces, "
            f"{twin.audit.reachable_spaces} reachable"
            "<br><sup>metres; drag to turn, scroll to zoom, hover for names</sup>"
        },
        scene={
            "aspectmode": "data",
            "xaxis": {"title": {"text": "x (m)"}, **axis},
            "yaxis": {"title": {"text": "y (m)"}, **axis},
            "zaxis": {"title": {"text": "height (m)"}, **axis},
            "camera": {"eye": {"x": -0.9, "y": -2.1, "z": 1.1}, "center": {"x": 0, "y": 0, "z": -0.1}},
        },
        height=720,
        margin={"l": 0, "r": 0, "t": 70, "b": 0},
        legend={"x": 0.01, "y": 0.95, "bgcolor": "rgba(255,255,255,0.8)"},
        hoverlabel={"namelength": -1},
    )
    return fig


def _add_rings(
    fig: go.Figure, rings: list[np.ndarray], *, name: str, fill: str, line: str, width: float
) -> None:
    xs, ys = rings_xy(rings)
    if not xs:
        return
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            fill="toself",
            fillcolor=fill,
            name=name,
            line={"color": line, "width": width},
            hoverinfo="skip",
        )
    )


def _add_nodes(
    fig: go.Figure,
    twin: Twin,
    plan: StoreyPlan,
    kind: NodeKind,
    label: str,
    rgb: Sequence[float],
    symbol: str,
    size: float,
) -> None:
    if kind not in plan.nodes:
        return
    model, graph = twin.model, twin.graph
    ids = plan.nodes[kind]
    xy = graph.node_xyz[ids]
    if kind == NodeKind.EQUIPMENT:
        text = [_equipment_text(twin, int(graph.node_ref[n])) for n in ids]
    elif kind == NodeKind.SPACE:
        text = [_space_text(twin, int(graph.node_ref[n])) for n in ids]
    else:
        text = [f"{label}: {place_name(model, graph, int(n))}" for n in ids]
    fig.add_trace(
        go.Scatter(
            x=xy[:, 0],
            y=xy[:, 1],
            mode="markers",
            name=f"{label} ({ids.size})",
            marker={
                "symbol": symbol,
                "size": size,
                "color": css(rgb),
                "line": {"color": "white", "width": 0.5},
            },
            hovertext=text,
            hoverinfo="text",
        )
    )


def _space_text(twin: Twin, i: int) -> str:
    sp = twin.model.spaces[i]
    ok = bool(twin.audit.reachable[i]) if i < twin.audit.reachable.size else True
    kind = f" ({sp.object_type})" if sp.object_type else ""
    return f"{sp.label}{kind}<br>{sp.area_m2:,.1f} m²{'' if ok else '<br><b>UNREACHABLE</b>'}"


def _equipment_text(twin: Twin, i: int) -> str:
    model = twin.model
    if not 0 <= i < len(model.equipment):
        return "equipment"
    e = model.equipment[i]
    systems = ", ".join(model.systems[s].name for s in e.systems if 0 <= s < len(model.systems))
    kind = e.ifc_class + (f" ({e.predefined_type})" if e.predefined_type else "")
    return f"{e.name or e.id}<br>{kind}" + (f"<br>system: {systems}" if systems else "")


def _storey_name(twin: Twin, storey: int | None) -> str:
    if storey is None or not 0 <= storey < len(twin.model.storeys):
        return "—"
    return twin.model.storeys[storey].name


def _view(twin: Twin, plan: StoreyPlan, view: Bounds | None) -> Bounds:
    """The initial (x0, y0, x1, y1) of a plan: ``view`` or everything on the storey, padded."""
    if view is None:
        rings = [*plan.outlines, *plan.walkable_outlines, *plan.lift_outlines, *plan.stair_outlines]
        pts = [r for r in rings if len(r)]
        pts += [twin.graph.node_xyz[ids][:, :2] for ids in plan.nodes.values()]
        if not pts:
            return (-10.0, -10.0, 10.0, 10.0)
        allp = np.vstack(pts)
        view = (*allp.min(axis=0).tolist(), *allp.max(axis=0).tolist())
    x0, y0, x1, y1 = view
    m = VIEW_MARGIN_M
    return (x0 - m, y0 - m, x1 + m, y1 + m)


def _gapped(pairs: np.ndarray) -> list[float | None]:
    """(m, 2) segment end coordinates as one list with a gap (None) after each segment."""
    out: list[float | None] = []
    for a, b in pairs.tolist():
        out += [a, b, None]
    return out


def _gapped_text(names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        out += [n, n, ""]
    return out
