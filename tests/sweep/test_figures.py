"""The cost–compliance chart: the star on top, labels apart, the frontier."""

from __future__ import annotations

import pandas as pd
import pytest

from twin.sweep.figures import (
    _PLACES,
    _label_positions,
    cost_compliance_figure,
    label_box,
    overlap,
    point_box,
)


def _frame() -> pd.DataFrame:
    rows = [
        ("today", 1000.0, 0.90, "misses"),
        ("cheaper", 900.0, 0.80, "misses"),
        ("trained", 1001.0, 0.99, "meets"),  # next to "today" on the cost axis
        ("trained, one fewer", 950.0, 0.985, "not enough evidence"),
    ]
    return pd.DataFrame(
        [
            {
                "variant": v,
                "runs": 5,
                "cost": c,
                "cost_low": c - 5,
                "cost_high": c + 5,
                "verdict": w,
                "meets": w == "meets",
                "red_compliance": y,
                "red_low": y - 0.02,
                "red_high": min(1.0, y + 0.02),
            }
            for v, c, y, w in rows
        ]
    )


def test_the_cheapest_variant_meeting_the_targets_is_a_large_star_drawn_over_the_others():
    fig = cost_compliance_figure(_frame(), "red", share=0.95, minutes=15, best="trained", level=0.95)
    points = [t for t in fig.data if " · " in (t.name or "")]
    assert points[-1].name == "3 · trained"  # drawn last: on top of every other marker and bar
    star = points[-1].marker
    assert star.symbol == "star" and star.size > max(p.marker.size for p in points[:-1])
    assert {p.name: p.marker.symbol for p in points[:-1]} == {
        "1 · today": "circle-open",
        "2 · cheaper": "circle-open",
        "4 · trained, one fewer": "diamond-open",
    }
    # The legend keeps the table's numbering whatever the drawing order.
    assert sorted(p.legendrank for p in points) == [1, 2, 3, 4]


def test_the_frontier_joins_the_cheapest_variant_to_each_that_reaches_more():
    fig = cost_compliance_figure(_frame(), "red", share=0.95, minutes=15, best="trained", level=0.95)
    (line,) = [t for t in fig.data if t.name == "cost–compliance frontier"]
    # 900 → 80 %, then 950 → 98.5 %, then 1,001 → 99 %; "today" (1,000, 90 %) is beaten by a cheaper one.
    assert list(line.x) == [900.0, 950.0, 1001.0] and list(line.y) == [80.0, 98.5, 99.0]


def test_labels_of_points_side_by_side_go_to_different_sides():
    import numpy as np

    # Two points 0.1 % of the plot apart at the same height: the second label cannot sit top
    # right as well (it would cover the first label), so it moves.
    places = _label_positions(
        np.array([0.1, 0.101, 0.9]), np.array([0.5, 0.5, 0.1]), ["1", "2", "3"], sizes=np.array([14, 14, 14])
    )
    assert places[0] != places[1]
    assert all(p in _PLACES for p in places)


def test_the_stars_long_label_covers_no_other_label_or_point_and_stays_in_the_plot():
    # The shipped grid over two weeks: six variants on three points at one height (each pair the
    # same roster cost and cover), 86,000, 91,100 and 97,100 a period; the cheapest pair is the star's.
    rows = [
        (f"v{i}", c, 0.838)
        for i, c in enumerate((97_141.0, 97_141.0, 91_140.0, 91_140.0, 85_956.0, 85_956.0), start=1)
    ]
    frame = pd.DataFrame(
        [
            {
                "variant": v,
                "runs": 3,
                "cost": c,
                "cost_low": c - 1_100,
                "cost_high": c + 1_100,
                "verdict": "meets",
                "meets": True,
                "yellow_compliance": y,
                "yellow_low": 0.688,
                "yellow_high": 0.935,
            }
            for v, c, y in rows
        ]
    )
    fig = cost_compliance_figure(frame, "yellow", share=0.6, minutes=120, best="v5", level=0.95)
    x0, x1 = fig.layout.xaxis.range
    y0, y1 = fig.layout.yaxis.range
    points = [t for t in fig.data if " · " in (t.name or "")]
    labelled = [t for t in points if t.text[0]]
    assert sorted(t.text[0] for t in labelled) == ["1, 2", "3, 4", "5, 6 — cheapest<br>meeting the targets"]
    boxes, dots, bars = [], [], []
    for t in points:
        u, v = (t.x[0] - x0) / (x1 - x0), (t.y[0] - y0) / (y1 - y0)
        lo, hi = (
            (t.y[0] - t.error_y.arrayminus[0] - y0) / (y1 - y0),
            (t.y[0] + t.error_y.array[0] - y0) / (y1 - y0),
        )
        bars.append((u - 0.002, lo, u + 0.002, hi))  # the vertical interval bar, about 1 px wide
        dots.append(point_box(u, v, t.marker.size))
        if t.text[0]:
            boxes.append(label_box(u, v, t.text[0], t.marker.size, t.textposition))
    for i, a in enumerate(boxes):
        assert overlap(a, (0, 0, 1, 1)) == pytest.approx((a[2] - a[0]) * (a[3] - a[1]))  # inside
        assert all(overlap(a, b) == 0 for b in boxes[i + 1 :])
        assert all(overlap(a, b) == 0 for b in bars)  # and off every interval bar
        # Off every marker but the ones it labels (the same point).
        own = {j for j, d in enumerate(dots) if overlap(d, dots[points.index(labelled[i])]) > 0}
        assert all(overlap(a, d) == 0 for j, d in enumerate(dots) if j not in own)
