"""How every picture of DrillTwin looks: one palette for plans, the replay (2D and 3D), the
report, the timeline, the comparison of runs and the still pictures of ``twin render``.

Colours are defined once as RGB triples in 0..1 (what matplotlib and pyvista take) and given to
plotly as CSS strings by :func:`css`, so the PNG of a storey and the page in the app look alike.
Blue is water: nothing else that appears on a plan is blue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from twin.navgraph import EdgeKind

RGB = tuple[float, float, float]


def css(rgb: Sequence[float], alpha: float | None = None) -> str:
    """``rgb(…)`` / ``rgba(…)`` for an RGB triple in 0..1."""
    r, g, b = (round(255 * c) for c in rgb)
    return f"rgb({r},{g},{b})" if alpha is None else f"rgba({r},{g},{b},{alpha})"


# -- the building
REACHABLE_RGB: RGB = (0.55, 0.68, 0.85)
UNREACHABLE_RGB: RGB = (0.90, 0.25, 0.20)
LIFT_RGB: RGB = (0.95, 0.60, 0.10)
#: A lift out of service.
LIFT_OUT_RGB: RGB = (211 / 255, 47 / 255, 47 / 255)
STAIR_RGB: RGB = (0.20, 0.65, 0.30)
EQUIPMENT_RGB: RGB = (0.45, 0.25, 0.65)
DOOR_RGB: RGB = (0.25, 0.25, 0.25)
ENTRANCE_RGB: RGB = (0.85, 0.10, 0.10)
SPACE_NODE_RGB: RGB = (0.10, 0.20, 0.50)
WALK_RGB: RGB = (0.45, 0.45, 0.45)
OUTSIDE_RGB: RGB = (0.6, 0.6, 0.9)
EDGE_RGB: dict[EdgeKind, RGB] = {
    EdgeKind.WALK: WALK_RGB,
    EdgeKind.STAIR: STAIR_RGB,
    EdgeKind.RAMP: STAIR_RGB,
    EdgeKind.LIFT_RIDE: LIFT_RGB,
    EdgeKind.LIFT_BOARD: LIFT_RGB,
    EdgeKind.OUTSIDE: OUTSIDE_RGB,
}
#: A light and a darker shade, storey by storey, so stacked floors read apart in 3D.
STOREY_SHADES: tuple[RGB, RGB] = ((0.72, 0.80, 0.90), REACHABLE_RGB)
#: The storey picked out in the 3D view.
HIGHLIGHT_RGB: RGB = (0.16, 0.38, 0.72)

# -- plans during a run (the replay, the report's plans)
LIFT_OK = css(LIFT_RGB)
LIFT_OUT = css(LIFT_OUT_RGB)
STAIR_LINE = css(STAIR_RGB)
DRY_FILL = "rgb(243,243,240)"
SPACE_LINE = "rgb(160,160,160)"
#: Water depth colours, shallow to deep (shallow water must still show against a dry floor).
DEPTH_SCALE = [[0.0, "rgb(198,219,239)"], [0.5, "rgb(66,146,198)"], [1.0, "rgb(8,48,107)"]]
WATER_EDGE = "rgb(60,90,140)"
GRID = "rgb(238,238,238)"
#: A person's name beside their dot: heavy, so it reads over rooms and water.
PERSON_FONT = "Arial Black, Arial, sans-serif"

# -- incidents and people
PRIORITY_COLOURS = {"red": "#c62828", "yellow": "#f9a825", "blue": "#1565c0"}
#: One colour per incident (by incident id, cycling), on the timeline and the report's plans. No
#: blue: blue is water.
INCIDENT_COLOURS = (
    "#d62728",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#7f7f7f",
    "#393b79",
)
#: Someone not on a task.
IDLE_COLOUR = "rgb(125,125,125)"
#: Per incident state (:data:`twin.events.state.STATES`).
STATE_COLOURS = ("rgb(150,150,150)", "#d62728", "#ff7f0e", "#f2c500", "#9467bd", "#2ca02c")
#: Per activity (:data:`twin.events.state.ACTIVITIES`).
ACTIVITY_COLOURS = (IDLE_COLOUR, "#d81b60", "rgb(20,20,20)")


def incident_colour(incident: int) -> str:
    """The colour of an incident by its id (:data:`IDLE_COLOUR` for none, -1)."""
    return INCIDENT_COLOURS[incident % len(INCIDENT_COLOURS)] if incident >= 0 else IDLE_COLOUR


def plan_axes(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    """The axes of every storey plan (the Building page, the replay, the report's snapshots):
    metres, equal scale, a light grid; pass as ``fig.update_layout(**plan_axes(...))``."""
    return {
        "xaxis": {
            "range": [x0, x1],
            "title": {"text": "x (m)"},
            "showgrid": True,
            "gridcolor": GRID,
            "zeroline": False,
            "constrain": "domain",
        },
        "yaxis": {
            "range": [y0, y1],
            "title": {"text": "y (m)"},
            "scaleanchor": "x",
            "scaleratio": 1,
            "showgrid": True,
            "gridcolor": GRID,
            "zeroline": False,
        },
    }


#: Room names on a plan.
ROOM_NAME = "rgb(40,40,40)"


def room_names_trace(
    labels: Sequence[tuple[float, float, str]], *, showlegend: bool = False, **extra: Any
) -> go.Scatter:
    """The room names of a plan (``x, y, text`` each, from :func:`twin.present.plan.room_labels`)
    as one text trace (in the legend, so it can be hidden, where ``showlegend``); ``extra`` sets
    other trace properties (``textposition``)."""
    return go.Scatter(
        x=[lb[0] for lb in labels],
        y=[lb[1] for lb in labels],
        mode="text",
        text=[lb[2] for lb in labels],
        textfont={"size": 10, "color": ROOM_NAME},
        showlegend=showlegend,
        hoverinfo="skip",
        name="room names",
        **extra,
    )
