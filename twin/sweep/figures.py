"""The staffing sweep's picture: cost against target compliance per variant, with intervals.

Takes :func:`twin.sweep.report.rows_frame` (one row per variant), gives a plotly figure for the
app (and any report): across, each variant's mean cost per period; up, the share of one
priority's incidents with someone on site within target; both with 95 % interval bars.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from twin.present.style import PRIORITY_COLOURS

#: Colours of the variants in the chart, in order (the first is the baseline).
PALETTE = (
    "#37474f",
    "#1e88e5",
    "#43a047",
    "#8e24aa",
    "#fb8c00",
    "#00acc1",
    "#d81b60",
    "#6d4c41",
    "#7cb342",
    "#3949ab",
)


def cost_compliance_figure(
    frame: pd.DataFrame, prio: str, *, share: float | None, minutes: float | None, best: str | None
) -> go.Figure:
    """Cost (x) against one priority's compliance in % (y) per variant, with 95 % interval bars.

    Variants are numbered as in the table (long names go to the legend): filled markers meet
    every target of the sweep, open ones miss, the star is the cheapest meeting them. Variants
    that land on the same point (the same roster cost and cover) share one label, ``2, 3``."""
    fig = go.Figure()
    numbered = frame.assign(number=range(1, len(frame) + 1))
    rows = numbered[numbered[f"{prio}_compliance"].notna()]
    y_all = 100 * rows[f"{prio}_compliance"]
    best_number = next(
        (str(n) for n, v in zip(rows["number"], rows["variant"], strict=True) if v == best), None
    )
    labels: dict[tuple[float, float], list[str]] = {}
    for cost, y, n in zip(rows["cost"].round(6), y_all.round(6), rows["number"], strict=True):
        labels.setdefault((cost, y), []).append(str(n))
    places = _label_positions(rows["cost"].to_numpy(dtype=float), y_all.to_numpy(dtype=float))
    _frontier(fig, rows, y_all)
    records = list(zip(rows.to_dict("records"), y_all, places, strict=True))
    # The star last, so it is drawn over every other marker and bar.
    records.sort(key=lambda item: item[0]["variant"] == best)
    for r, y, place in records:
        colour = PALETTE[(r["number"] - 1) % len(PALETTE)]
        is_best = r["variant"] == best
        word = str(r.get("verdict", "meets" if r.get("meets") else "misses"))
        symbol = "star" if is_best else SYMBOLS.get(word, "circle-open")
        group = labels[(round(r["cost"], 6), round(y, 6))]
        text = ""
        if group[0] == str(r["number"]):  # the first variant on a point labels it
            text = ", ".join(group)
            if best_number in group:
                text += " — cheapest meeting the targets"
        low, high = 100 * r[f"{prio}_low"], 100 * r[f"{prio}_high"]
        status = "cheapest meeting the targets" if is_best else VERDICT_TEXT.get(word, word)
        fig.add_trace(
            go.Scatter(
                x=[r["cost"]],
                y=[y],
                mode="markers+text",
                text=[text],
                textposition=place,
                textfont={"size": 14, "color": "rgb(40,40,40)"},
                name=f"{r['number']} · {r['variant']}",
                legendrank=int(r["number"]),
                marker={
                    "color": "#ffd600" if is_best else colour,
                    "size": 30 if is_best else 14,
                    "symbol": symbol,
                    "line": {
                        "color": "rgb(20,20,20)" if is_best else colour,
                        "width": 2 if is_best else 2.5,
                    },
                },
                error_x={
                    "type": "data",
                    "array": _bar(r["cost_high"] - r["cost"]),
                    "arrayminus": _bar(r["cost"] - r["cost_low"]),
                    "color": colour,
                    "thickness": 1.5,
                },
                error_y={
                    "type": "data",
                    "array": _bar(high - y),
                    "arrayminus": _bar(y - low),
                    "color": colour,
                    "thickness": 1.5,
                },
                hoverinfo="text",
                hovertext=[
                    f"<b>{r['number']} · {r['variant']}</b> ({status})<br>{prio} on time {y:.1f} % "
                    f"({interval_text(low, high)})<br>cost {r['cost']:,.0f} "
                    f"({interval_text(r['cost_low'], r['cost_high'], digits=0)})<br>{r['runs']} runs"
                ],
            )
        )
    lows = [v for v in (100 * rows[f"{prio}_low"]).tolist() + y_all.tolist() if not pd.isna(v)]
    highs = [v for v in (100 * rows[f"{prio}_high"]).tolist() + y_all.tolist() if not pd.isna(v)]
    if share is not None:
        fig.add_hline(
            y=100 * share,
            line={"color": PRIORITY_COLOURS.get(prio, "black"), "dash": "dash", "width": 1.5},
            annotation_text=f"target: {share:.0%} of {prio} incidents",
            annotation_position="bottom left",
        )
        lows.append(100 * share)
        highs.append(100 * share)
    # The target and every interval in view, with room above the top label; ticks only from 0 to 100 %.
    lo, hi = min(lows, default=0.0), max(highs, default=100.0)
    pad = max(1.5, 0.08 * (hi - lo))
    view = [lo - pad, hi + 1.5 * pad]
    ticks = _ticks(max(view[0], 0.0), min(view[1], 100.0))
    within = "" if minutes is None else f" within {minutes:g} min"
    fig.update_layout(
        title={"text": f"Cost per period against {prio} incidents reached{within}, per variant"},
        xaxis={
            "title": {"text": "cost per period (mean, 95 % interval)"},
            "gridcolor": "rgb(230,230,230)",
            "tickformat": ",.0f",
            "zeroline": False,
        },
        yaxis={
            "title": {"text": f"{prio} incidents with someone on site{within} (%)"},
            "gridcolor": "rgb(230,230,230)",
            "zeroline": False,
            "range": view,
            "tickvals": ticks,
            "ticktext": [f"{t:g} %" for t in ticks],
        },
        plot_bgcolor="white",
        height=520,
        margin={"l": 80, "r": 30, "t": 60, "b": 60},
        legend={
            "title": {"text": "Variants"},
            "x": 1.02,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
            "font": {"size": 13},
        },
        showlegend=True,
    )
    return fig


#: Marker per verdict (the cheapest variant meeting the targets is a star).
SYMBOLS = {"meets": "circle", "misses": "circle-open", "not enough evidence": "diamond-open"}
VERDICT_TEXT = {
    "meets": "meets the targets",
    "misses": "misses the targets",
    "not enough evidence": "not enough evidence yet",
}
#: Where a label may sit around its point, in the order tried.
_PLACES = ("top right", "bottom right", "top left", "bottom left", "middle right", "middle left")


def _label_positions(x: np.ndarray, y: np.ndarray) -> list[str]:
    """A text position per point so that labels keep off other points and other labels: in the
    plot's unit square, a label is a box beside its point; the first place whose box touches no
    point and no label placed before it wins (points taken left to right)."""
    if x.size == 0:
        return []
    span_x = float(np.ptp(x)) or 1.0
    span_y = float(np.ptp(y)) or 1.0
    u, v = (x - x.min()) / span_x, (y - y.min()) / span_y
    w, h = 0.12, 0.07  # a short label's box, as a share of the plot
    boxes: list[tuple[float, float, float, float]] = []
    out = [""] * x.size
    for i in np.argsort(u, kind="stable"):
        for place in _PLACES:
            vert, horiz = place.split()
            x0 = u[i] + 0.01 if horiz == "right" else u[i] - 0.01 - w
            y0 = {"top": v[i] + 0.01, "bottom": v[i] - 0.01 - h, "middle": v[i] - h / 2}[vert]
            box = (x0, y0, x0 + w, y0 + h)
            hits_point = any(
                box[0] <= u[j] <= box[2] and box[1] <= v[j] <= box[3] for j in range(x.size) if j != i
            )
            hits_label = any(
                box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes
            )
            if not hits_point and not hits_label:
                break
        out[i] = place
        boxes.append(box)
    return out


def _frontier(fig: go.Figure, rows: pd.DataFrame, y_all: pd.Series) -> None:
    """The cost–compliance frontier: from the cheapest variant, each next variant that reaches a
    higher share than every cheaper one, joined by a line."""
    order = np.argsort(rows["cost"].to_numpy(dtype=float), kind="stable")
    xs, ys, best = [], [], -math.inf
    for i in order:
        y = float(y_all.iloc[i])
        if y > best:
            xs.append(float(rows["cost"].iloc[i]))
            ys.append(y)
            best = y
    if len(xs) >= 2:
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="cost–compliance frontier",
                                 line={"color": "rgb(150,150,150)", "dash": "dot", "width": 1.5},
                                 hoverinfo="skip", legendrank=0))


def _ticks(low: float, high: float) -> list[float]:
    """Round tick values from ``low`` to ``high`` (at most about eight)."""
    step = next((x for x in (0.5, 1, 2, 2.5, 5, 10, 20, 25) if (high - low) / x <= 8), 25)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 6) for i in range(int((high - first) / step + 1e-9) + 1)]


def _bar(value: float) -> list[float | None]:
    """An error bar's length, ``None`` where there is no interval (a single replication)."""
    return [None if pd.isna(value) else max(float(value), 0.0)]


def interval_text(low: float, high: float, *, scale: float = 1.0, digits: int = 1) -> str:
    """``low–high`` (times ``scale``), or a dash where there is no interval."""
    if pd.isna(low) or pd.isna(high):
        return "–"
    return f"{scale * low:,.{digits}f}–{scale * high:,.{digits}f}"
