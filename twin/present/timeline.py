"""The timeline of a run: tasks per person as a Gantt chart, coloured by incident.

Takes the event log's frame and the scenario; gives :func:`timeline_figure` (the task bars of
:func:`twin.events.tables.task_bars`, the reports as dotted lines).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from twin.events.tables import incident_table, task_bars
from twin.present.names import clock, name_of, people_names
from twin.present.style import incident_colour
from twin.scenario.schema import Scenario

#: The timeline's plot area is about this wide (px): bar labels are written where they fit.
TIMELINE_WIDTH_PX = 900


def timeline_figure(frame: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """Tasks per person as a Gantt chart: a light bar while travelling (dispatched → on site), a
    solid one while on site (→ done), coloured by incident; dotted lines mark the reports."""
    end_s = scenario.duration_s
    bars = task_bars(frame, end_s=end_s)
    table = incident_table(frame)
    titles = dict(zip(table["incident"], table["title"], strict=True))
    names = people_names(scenario)
    start = scenario.start
    fig = go.Figure()
    people = sorted(set(bars["person"]))
    last = float(bars["end_s"].max()) if len(bars) else end_s
    shown_to = min(end_s, last + max(0.05 * last, 300.0))
    px_per_s = TIMELINE_WIDTH_PX / max(shown_to, 1.0)

    def fits(text: str, seconds: float) -> str:
        return text if len(text) * 6.5 + 8 <= seconds * px_per_s else ""

    labels = {p: f"{p} · {name_of(names, p)}" for p in people}

    def bar(
        sel: pd.DataFrame,
        t0: np.ndarray,
        t1: np.ndarray,
        *,
        name: str,
        colour: str,
        opacity: float,
        group: str,
        show: bool,
        text: list[str],
    ) -> None:
        ms = (t1 - t0) * 1000.0
        fig.add_trace(
            go.Bar(
                y=[labels[p] for p in sel["person"]],
                x=ms,
                base=[clock(start, t).isoformat() for t in t0],
                orientation="h",
                name=name,
                legendgroup=group,
                showlegend=show,
                marker={"color": colour, "line": {"width": 0}},
                opacity=opacity,
                text=text,
                textposition="inside",
                insidetextanchor="start",
                textfont={"color": "white", "size": 11},
                textangle=0,
                constraintext="none",
                hovertext=[
                    f"<b>{r['person']}</b> · {r['name']} (#{r['incident']})<br>"
                    f"dispatched {clock(start, r['start_s']):%H:%M:%S}, "
                    + (
                        f"on site {clock(start, r['on_site_s']):%H:%M:%S}, "
                        if not math.isnan(r["on_site_s"])
                        else "never on site, "
                    )
                    + f"{r['ended']} {clock(start, r['end_s']):%H:%M:%S}"
                    for r in sel.to_dict("records")
                ],
                hoverinfo="text",
            )
        )

    for inc in sorted(set(bars["incident"])):
        sel = bars[bars["incident"] == inc]
        arrived = sel["on_site_s"].fillna(sel["end_s"]).to_numpy(float)
        colour = incident_colour(int(inc))
        group = f"inc{inc}"
        title = f"#{inc} {titles.get(inc, '')}"
        bar(
            sel,
            sel["start_s"].to_numpy(float),
            arrived,
            name=f"{title} — travelling",
            colour=colour,
            opacity=0.35,
            group=group,
            show=False,
            text=[""] * len(sel),
        )
        on = sel[sel["on_site_s"].notna()]
        bar(
            on,
            on["on_site_s"].to_numpy(float),
            on["end_s"].to_numpy(float),
            name=title,
            colour=colour,
            opacity=1.0,
            group=group,
            show=True,
            text=[
                fits(
                    f"{r['name']}{' (taken off)' if r['ended'] == 'preempted' else ''}",
                    r["end_s"] - r["on_site_s"],
                )
                for r in on.to_dict("records")
            ],
        )

    for rec in table.to_dict("records"):
        if not math.isnan(rec["reported_s"]) and rec["reported_s"] <= shown_to:
            when = clock(start, rec["reported_s"]).isoformat()
            fig.add_shape(
                type="line",
                x0=when,
                x1=when,
                y0=0,
                y1=1,
                yref="paper",
                line={"color": incident_colour(rec["incident"]), "dash": "dot", "width": 1.5},
            )
            fig.add_annotation(
                x=when,
                y=1,
                yref="paper",
                xanchor="left",
                yanchor="top",
                showarrow=False,
                text=f"#{rec['incident']} reported",
                font={"size": 10, "color": incident_colour(rec["incident"])},
                bgcolor="rgba(255,255,255,0.8)",
            )
    fig.update_layout(
        barmode="overlay",
        height=150 + 44 * max(len(people), 2),
        margin={"l": 10, "r": 20, "t": 30, "b": 10},
        xaxis={
            "type": "date",
            "title": {"text": f"clock time ({start:%a %d %b %Y})"},
            "range": [start.isoformat(), clock(start, shown_to).isoformat()],
            "gridcolor": "rgb(230,230,230)",
        },
        yaxis={
            "autorange": "reversed",
            "categoryorder": "array",
            "categoryarray": [labels[p] for p in people],
            "automargin": True,
        },
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "title": {"text": "incident:"}},
        plot_bgcolor="white",
        hoverlabel={"namelength": -1},
    )
    return fig
