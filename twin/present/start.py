"""Before a drill: where a scenario's hazards happen, and the plan as the drill starts.

Takes the twin and a scenario (no run yet); gives :func:`hazard_places` (a table of where each
hazard happens) and :func:`start_figure` (the replay's plan, still, with the hazards as stars).
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from twin.errors import PlaceError
from twin.events.log import EventLog
from twin.places import resolve_place
from twin.present.plan import plan_parts
from twin.present.replay import build_replay, busiest_part, default_storey, storey_overview
from twin.present.replay_figure import replay_figure
from twin.present.style import STATE_COLOURS
from twin.scenario.schema import Scenario
from twin.twin import Twin
from twin.words import plural


def hazard_places(twin: Twin, scenario: Scenario) -> pd.DataFrame:
    """Where each hazard of a scenario happens, as its kind draws it (the first of its
    :attr:`~twin.engine.hazards.kind.Drawing.places` fields that is set):
    ``hazard, kind, place, start_min, x, y, z, symbol, label, storey``; hazards whose place the
    building does not have are left out (the drill's compilation names them)."""
    from twin.scenario.kinds import HAZARDS

    rows = []
    for i, h in enumerate(scenario.hazards):
        kind = HAZARDS.of(h)
        place = next((str(v) for f in kind.drawing.places if (v := getattr(h, f, None))), "")
        try:
            node = resolve_place(place, twin.model, twin.graph)
        except PlaceError:
            continue
        x, y, z = (float(v) for v in twin.graph.node_xyz[node])
        rows.append(
            {
                "hazard": i,
                "kind": h.kind,
                "place": place,
                "start_min": h.start_min,
                "x": x,
                "y": y,
                "z": z,
                "symbol": kind.drawing.symbol,
                "label": kind.label,
            }
        )
    columns = ["hazard", "kind", "place", "start_min", "x", "y", "z", "symbol", "label"]
    table = pd.DataFrame(rows, columns=columns)
    return table.assign(storey=twin.model.storey_at(table["z"].to_numpy(float)))


def start_figure(twin: Twin, scenario: Scenario) -> go.Figure:
    """The plan where a scenario's first hazard happens, as the drill starts: the hazards as red
    stars, the staff on duty at their bases, the rooms and lifts (the replay's drawing, still)."""
    places = hazard_places(twin, scenario)
    empty = EventLog.from_rows([]).frame
    replay = build_replay(twin, empty, scenario, times=np.zeros(1))
    storey = int(places["storey"].iloc[0]) if len(places) else default_storey(storey_overview(twin, replay))
    here = places[places["storey"] == storey]
    parts = plan_parts(twin, storey)
    points = list(zip(here["x"], here["y"], strict=True))
    best = busiest_part(parts, points)
    view, view_name = (parts[best].bounds, parts[best].label) if best >= 0 else (None, "")
    fig = replay_figure(twin, replay, storey, view=view, view_name=view_name, initial=0)
    fig.frames = ()
    fig.add_trace(
        go.Scatter(
            x=here["x"],
            y=here["y"],
            mode="markers+text",
            cliponaxis=False,
            name="hazard",
            marker={
                "symbol": "star",
                "size": 24,
                "color": STATE_COLOURS[1],
                "line": {"color": "black", "width": 1},
            },
            text=[
                f"<b>{h.replace('_', ' ')}</b> at +{m:g} min"
                for h, m in zip(here["kind"], here["start_min"], strict=True)
            ],
            textposition="top center",
            textfont={"size": 12},
            hoverinfo="text",
            hovertext=[
                f"{h.replace('_', ' ')} at {p}, {m:g} min into the drill"
                for h, p, m in zip(here["kind"], here["place"], here["start_min"], strict=True)
            ],
        )
    )
    st = twin.model.storeys[storey]
    elsewhere = len(places) - len(here)
    fig.update_layout(
        title={
            "text": f"Where it starts: storey <b>{html.escape(st.name)}</b>"
            + (f", {html.escape(view_name)}" if view_name else "")
            + f"<br><sup>{scenario.start:%H:%M}: staff on duty at their bases"
            + (f"; {plural(elsewhere, 'more hazard', 'more hazards')} on other storeys" if elsewhere else "")
            + "</sup>",
            "font": {"size": 14},
        },
        updatemenus=[],
        sliders=[],
        showlegend=False,
        height=380,
        margin={"l": 40, "r": 10, "t": 60, "b": 30},
    )
    fig.update_traces(showscale=False, selector={"name": "water"})
    return fig
