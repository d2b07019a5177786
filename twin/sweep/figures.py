"""The staffing sweep's picture: cost against target compliance per variant, with intervals.

Takes :func:`twin.sweep.report.rows_frame` (one row per variant), gives a plotly figure for the
app (and any report): across, each variant's mean cost per period; up, the share of one
priority's incidents with someone on site within target; both with interval bars at the sweep's
confidence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
    frame: pd.DataFrame,
    prio: str,
    *,
    share: float | None,
    minutes: float | None,
    best: str | None,
    level: float,
) -> go.Figure:
    """Cost (x) against one priority's compliance in % (y) per variant, with interval bars at
    ``level`` (the sweep's confidence, which the frame's intervals were computed at).

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
    texts = []
    for cost, y, n in zip(rows["cost"].round(6), y_all.round(6), rows["number"], strict=True):
        group = labels[(cost, y)]
        text = ""
        if group[0] == str(n):  # the first variant on a point labels it
            text = ", ".join(group) + (STAR_LABEL if best_number in group else "")
        texts.append(text)
    y_view = _y_view(rows, prio, y_all, share)
    x_view = _x_view(rows)
    star_point = [
        best_number in labels[(c, y)] for c, y in zip(rows["cost"].round(6), y_all.round(6), strict=True)
    ]
    cost = rows["cost"].to_numpy(dtype=float)
    places = _label_positions(
        (cost - x_view[0]) / (x_view[1] - x_view[0]),
        (y_all.to_numpy(dtype=float) - y_view[0]) / (y_view[1] - y_view[0]),
        texts,
        sizes=np.where(star_point, STAR_PX, MARKER_PX),
        bars=_bars_unit(rows, prio, x_view, y_view),
        first=next((i for i, t in enumerate(texts) if t and star_point[i]), None),
    )
    _frontier(fig, rows, y_all)
    records = list(zip(rows.to_dict("records"), y_all, places, texts, strict=True))
    # The star last, so it is drawn over every other marker and bar.
    records.sort(key=lambda item: item[0]["variant"] == best)
    for r, y, place, text in records:
        colour = PALETTE[(r["number"] - 1) % len(PALETTE)]
        star = r["variant"] == best
        word = str(r.get("verdict", "meets" if r.get("meets") else "misses"))
        symbol = "star" if star else SYMBOLS.get(word, "circle-open")
        low, high = 100 * r[f"{prio}_low"], 100 * r[f"{prio}_high"]
        status = "cheapest meeting the targets" if star else VERDICT_TEXT.get(word, word)
        fig.add_trace(
            go.Scatter(
                x=[r["cost"]],
                y=[y],
                mode="markers+text",
                text=[text],
                textposition=place,
                textfont={"size": LABEL_FONT_PX, "color": "rgb(40,40,40)"},
                name=f"{r['number']} · {r['variant']}",
                legendrank=int(r["number"]),
                marker={
                    "color": "#ffd600" if star else colour,
                    "size": STAR_PX if star else MARKER_PX,
                    "symbol": symbol,
                    "line": {
                        "color": "rgb(20,20,20)" if star else colour,
                        "width": 2 if star else 2.5,
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
    if share is not None:
        fig.add_hline(
            y=100 * share,
            line={"color": PRIORITY_COLOURS.get(prio, "black"), "dash": "dash", "width": 1.5},
            annotation_text=f"target: {share:.0%} of {prio} incidents",
            annotation_position="bottom left",
        )
    ticks = _ticks(max(y_view[0], 0.0), min(y_view[1], 100.0))
    within = "" if minutes is None else f" within {minutes:g} min"
    fig.update_layout(
        title={"text": f"Cost per period against {prio} incidents reached{within}, per variant"},
        xaxis={
            "title": {"text": f"cost per period (mean, {level:.0%} interval)"},
            "gridcolor": "rgb(230,230,230)",
            "tickformat": ",.0f",
            "zeroline": False,
            "range": x_view,
        },
        yaxis={
            "title": {"text": f"{prio} incidents with someone on site{within} (%)"},
            "gridcolor": "rgb(230,230,230)",
            "zeroline": False,
            "range": y_view,
            "tickvals": ticks,
            "ticktext": [f"{t:g} %" for t in ticks],
        },
        plot_bgcolor="white",
        height=HEIGHT_PX,
        margin=MARGIN_PX,
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
#: What the star's label adds to its variants' numbers: on two lines, so that it fits between
#: points that a one-line label would reach across.
STAR_LABEL = " — cheapest<br>meeting the targets"
#: Where a label may sit around its point, in the order tried.
_PLACES = (
    "top right",
    "bottom right",
    "top left",
    "bottom left",
    "middle right",
    "middle left",
    "top center",
    "bottom center",
)
#: The figure's height and margins, px; the plot area is what they leave.
HEIGHT_PX = 520
MARGIN_PX = {"l": 80, "r": 30, "t": 60, "b": 60}
#: The plot area the label placement assumes, px: 400 high (the height less the margins) and 560
#: wide — in the app's wide layout it is 560–700 px (the legend takes the rest), so the narrower
#: width is assumed and a label's box is never smaller than the drawn label.
PLOT_PX = (560.0, float(HEIGHT_PX - MARGIN_PX["t"] - MARGIN_PX["b"]))
#: Labels' font size, and a character's mean width and a line's height at that size, px (plotly's
#: default sans-serif, measured on digits and lower-case words; rounded up).
LABEL_FONT_PX = 14
CHAR_PX, LINE_PX = 7.8, 20.0
#: Marker sizes, px: every variant, and the star on the cheapest meeting the targets.
MARKER_PX, STAR_PX = 14, 30
#: An interval bar's thickness when labels keep off it, px.
BAR_PX = 3.0

Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 in the plot area's unit square (0–1 across and up)."""


def label_box(u: float, v: float, text: str, size_px: float, place: str) -> Box:
    """The box a label takes beside its point at (u, v) in the plot's unit square, for a
    plotly text position ``place`` (``"top right"`` …): the text's width and height from its
    characters and lines, set off by the marker's radius."""
    w_px, h_px = PLOT_PX
    lines = text.split("<br>")
    w = (max(len(line) for line in lines) * CHAR_PX + 4) / w_px
    h = len(lines) * LINE_PX / h_px
    gap_x, gap_y = size_px / 2 / w_px, size_px / 2 / h_px
    vert, horiz = place.split()
    x0 = {"right": u + gap_x, "left": u - gap_x - w, "center": u - w / 2}[horiz]
    y0 = {"top": v + gap_y, "bottom": v - gap_y - h, "middle": v - h / 2}[vert]
    return (x0, y0, x0 + w, y0 + h)


def point_box(u: float, v: float, size_px: float) -> Box:
    """The square a marker of ``size_px`` covers at (u, v)."""
    rx, ry = size_px / 2 / PLOT_PX[0], size_px / 2 / PLOT_PX[1]
    return (u - rx, v - ry, u + rx, v + ry)


def overlap(a: Box, b: Box) -> float:
    """The area two boxes share (0 when they only touch)."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _outside(box: Box) -> float:
    """The box's area outside the plot (plotly clips text at the axes)."""
    inside = overlap(box, (0.0, 0.0, 1.0, 1.0))
    return (box[2] - box[0]) * (box[3] - box[1]) - inside


def _label_positions(
    u: np.ndarray,
    v: np.ndarray,
    texts: list[str],
    *,
    sizes: np.ndarray,
    bars: Sequence[Box] = (),
    first: int | None = None,
) -> list[str]:
    """A text position per point so that labels keep off the other points, the other labels, the
    interval bars and the plot's edges. Points are in the plot's unit
    square; ``first`` (the star) is placed first, then the others left to right; each takes
    the first place in :data:`_PLACES` with the least area covered (of points, labels, interval
    bars and the outside of the plot). Unlabelled points (``""``) take no room but their
    marker's."""
    out = ["top right"] * len(texts)
    points = [point_box(float(a), float(b), float(s)) for a, b, s in zip(u, v, sizes, strict=True)]
    order = [int(i) for i in np.argsort(u, kind="stable") if i != first]
    if first is not None:
        order.insert(0, first)
    placed: list[Box] = []
    for i in order:
        if not texts[i]:
            continue
        tried: list[tuple[float, int, str, Box]] = []
        for k, place in enumerate(_PLACES):
            box = label_box(float(u[i]), float(v[i]), texts[i], float(sizes[i]), place)
            cover = (
                sum(overlap(box, p) for j, p in enumerate(points) if j != i)
                + sum(overlap(box, b) for b in placed)
                + _outside(box)
                + sum(overlap(box, b) for b in bars)
            )
            tried.append((cover, k, place, box))
            if cover == 0:
                break
        _, _, out[i], box = min(tried)
        placed.append(box)
    return out


def _y_view(rows: pd.DataFrame, prio: str, y_all: pd.Series, share: float | None) -> list[float]:
    """The y range (%): the target and every interval in view, with room above the top label."""
    lows = [v for v in (100 * rows[f"{prio}_low"]).tolist() + y_all.tolist() if not pd.isna(v)]
    highs = [v for v in (100 * rows[f"{prio}_high"]).tolist() + y_all.tolist() if not pd.isna(v)]
    if share is not None:
        lows.append(100 * share)
        highs.append(100 * share)
    lo, hi = min(lows, default=0.0), max(highs, default=100.0)
    pad = max(1.5, 0.08 * (hi - lo))
    return [lo - pad, hi + 1.5 * pad]


def _x_view(rows: pd.DataFrame) -> list[float]:
    """The x range (cost): every point and interval, with a margin for markers and labels."""
    values = [x for c in ("cost", "cost_low", "cost_high") for x in rows[c].tolist() if not pd.isna(x)]
    lo, hi = min(values, default=0.0), max(values, default=1.0)
    span = hi - lo if hi > lo else max(abs(hi), 1.0) * 0.02
    return [lo - 0.1 * span, hi + 0.1 * span]


def _bars_unit(rows: pd.DataFrame, prio: str, x_view: list[float], y_view: list[float]) -> list[Box]:
    """The interval bars as thin boxes in the plot's unit square."""

    def ux(x: float) -> float:
        return (x - x_view[0]) / (x_view[1] - x_view[0])

    def vy(y: float) -> float:
        return (y - y_view[0]) / (y_view[1] - y_view[0])

    tx, ty = BAR_PX / 2 / PLOT_PX[0], BAR_PX / 2 / PLOT_PX[1]
    out: list[Box] = []
    for r in rows.to_dict("records"):
        u, v = ux(r["cost"]), vy(100 * r[f"{prio}_compliance"])
        if not pd.isna(r["cost_low"]) and not pd.isna(r["cost_high"]):
            out.append((ux(r["cost_low"]), v - ty, ux(r["cost_high"]), v + ty))
        if not pd.isna(r[f"{prio}_low"]) and not pd.isna(r[f"{prio}_high"]):
            out.append((u - tx, vy(100 * r[f"{prio}_low"]), u + tx, vy(100 * r[f"{prio}_high"])))
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
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name="cost–compliance frontier",
                line={"color": "rgb(150,150,150)", "dash": "dot", "width": 1.5},
                hoverinfo="skip",
                legendrank=0,
            )
        )


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
