"""Comparing runs: two or more runs' KPIs as one table and one picture.

Takes :class:`~twin.kpi.Kpis` (and the scenarios' targets) per run label, gives the headline
figures of a run in display units (:func:`headline`), those of several runs side by side with the
difference (:func:`side_by_side`), and the spread of response times per run as a box-and-points
figure (:func:`response_figure`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from twin.kpi import METRICS, Kpis
from twin.present.style import PRIORITY_COLOURS
from twin.scenario.schema import Scenario
from twin.words import plural

#: The figures a trainer compares first (their words, units and directions: :data:`twin.kpi.METRICS`).
HEADLINE = (
    "incidents",
    "red_on_site_compliance",
    "mean_response_min",
    "red_p90_on_site_min",
    "made_safe_compliance",
    "water_m3",
    "max_depth_m",
    "spaces_damaged",
    "entrapments",
    "entrapment_max_min",
    "water_outage_household_h",
    "power_outage_household_h",
    "cost_total",
)


def headline(kpis: Kpis) -> pd.DataFrame:
    """The headline figures of one run: ``metric, label, help, unit, value, better`` (value in
    the unit shown; NaN when it does not apply, e.g. no red incident)."""
    rows = []
    for key in HEADLINE:
        m = METRICS[key]
        v = kpis.summary.get(key, math.nan)
        rows.append(
            {
                "metric": key,
                "label": m.label,
                "help": m.help,
                "unit": m.unit,
                "value": m.shown(v) if v is not None else math.nan,
                "better": m.better,
            }
        )
    return pd.DataFrame(rows)


def side_by_side(runs: Mapping[str, Kpis]) -> pd.DataFrame:
    """Headline figures of each run (a column per label, in order), the change from the first
    run to the last (``change``), and which run did better (``better``: a label, "same" or "")."""
    labels = list(runs)
    table = headline(runs[labels[0]])[["metric", "label", "help", "unit", "better"]].copy()
    for name in labels:
        table[name] = headline(runs[name])["value"].to_numpy()
    first, last = table[labels[0]].to_numpy(float), table[labels[-1]].to_numpy(float)
    table["change"] = last - first
    verdict = []
    for way, a, b in zip(table["better"], first, last, strict=True):
        if not way or math.isnan(a) or math.isnan(b) or len(labels) < 2:
            verdict.append("")
        elif round(a, 1) == round(b, 1):  # the same as far as the table shows
            verdict.append("same")
        else:
            verdict.append(labels[-1] if (b < a) == (way == "lower") else labels[0])
    table["better_run"] = verdict
    return table.drop(columns="better")


def response_figure(runs: Mapping[str, Kpis], scenarios: Mapping[str, Scenario] | None = None) -> go.Figure:
    """Minutes from report to first person on site, one box per run with every incident as a
    point (coloured by priority); dashed lines at each priority's on-site target (of the first
    run); incidents nobody reached are counted under the run's name."""
    fig = go.Figure()
    for label, kpis in runs.items():
        inc = kpis.incidents
        minutes = inc["on_site_min"].to_numpy(float)
        missing = int(np.isnan(minutes).sum())
        name = (
            f"{label}<br><sup>{plural(len(inc), 'incident')}"
            + (f", {missing} never reached" if missing else "")
            + "</sup>"
        )
        fig.add_trace(
            go.Box(
                y=minutes,
                x=[name] * len(minutes),
                name=label,
                boxpoints=False,
                showlegend=False,
                line={"color": "rgb(90,90,90)"},
                fillcolor="rgba(0,0,0,0.05)",
                hoverinfo="skip",
            )
        )
        for prio, colour in PRIORITY_COLOURS.items():
            sel = (inc["priority"] == prio).to_numpy()
            if not sel.any():
                continue
            # Points only (the box of this trace is invisible): one trace per priority colour.
            fig.add_trace(
                go.Box(
                    y=minutes[sel],
                    x=[name] * int(sel.sum()),
                    name=f"{prio} incident",
                    legendgroup=prio,
                    boxpoints="all",
                    jitter=0.6,
                    pointpos=0,
                    showlegend=False,
                    marker={"color": colour, "size": 10, "line": {"color": "white", "width": 1}},
                    line={"width": 0, "color": "rgba(0,0,0,0)"},
                    fillcolor="rgba(0,0,0,0)",
                    hovertext=[
                        f"#{i} {t} ({p}): {m:.1f} min"
                        for i, t, p, m in zip(
                            inc["incident"][sel],
                            inc["title"][sel],
                            inc["priority"][sel],
                            minutes[sel],
                            strict=True,
                        )
                    ],
                    hoverinfo="text",
                )
            )
    for prio, colour in PRIORITY_COLOURS.items():
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=f"{prio} incident",
                marker={"color": colour, "size": 10},
            )
        )
    if scenarios:
        first = next(iter(scenarios.values()))
        seen = {str(p) for k in runs.values() for p in k.incidents["priority"]}
        top = max(
            (
                float(np.nanmax(k.incidents["on_site_min"].to_numpy(float)))
                for k in runs.values()
                if k.incidents["on_site_min"].notna().any()
            ),
            default=0.0,
        )
        for prio in ("red", "yellow", "blue"):
            target = first.targets.of(prio).on_site_min
            if prio in seen and target <= max(top * 1.5, 30.0):
                fig.add_hline(
                    y=target,
                    line={"color": PRIORITY_COLOURS[prio], "dash": "dash", "width": 1.5},
                    annotation_text=f"{prio} target {target:g} min",
                    annotation_position="top left",
                )
    fig.update_layout(
        boxmode="overlay",
        yaxis={
            "title": {"text": "minutes from report to first person on site"},
            "rangemode": "tozero",
            "gridcolor": "rgb(230,230,230)",
        },
        plot_bgcolor="white",
        height=440,
        margin={"l": 60, "r": 20, "t": 30, "b": 40},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
    )
    return fig
