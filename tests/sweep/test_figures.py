"""The cost–compliance chart: the star on top, labels apart, the frontier."""

from __future__ import annotations

import pandas as pd

from twin.sweep.figures import _label_positions, cost_compliance_figure


def _frame() -> pd.DataFrame:
    rows = [
        ("today", 1000.0, 0.90, "misses"),
        ("cheaper", 900.0, 0.80, "misses"),
        ("trained", 1001.0, 0.99, "meets"),  # next to "today" on the cost axis
        ("trained, one fewer", 950.0, 0.985, "not enough evidence"),
    ]
    return pd.DataFrame([
        {"variant": v, "runs": 5, "cost": c, "cost_low": c - 5, "cost_high": c + 5, "verdict": w,
         "meets": w == "meets", "red_compliance": y, "red_low": y - 0.02, "red_high": min(1.0, y + 0.02)}
        for v, c, y, w in rows
    ])


def test_the_cheapest_variant_meeting_the_targets_is_a_large_star_drawn_over_the_others():
    fig = cost_compliance_figure(_frame(), "red", share=0.95, minutes=15, best="trained")
    points = [t for t in fig.data if " · " in (t.name or "")]
    assert points[-1].name == "3 · trained"  # drawn last: on top of every other marker and bar
    star = points[-1].marker
    assert star.symbol == "star" and star.size > max(p.marker.size for p in points[:-1])
    assert {p.name: p.marker.symbol for p in points[:-1]} == {
        "1 · today": "circle-open", "2 · cheaper": "circle-open", "4 · trained, one fewer": "diamond-open"}
    # The legend keeps the table's numbering whatever the drawing order.
    assert sorted(p.legendrank for p in points) == [1, 2, 3, 4]


def test_the_frontier_joins_the_cheapest_variant_to_each_that_reaches_more():
    fig = cost_compliance_figure(_frame(), "red", share=0.95, minutes=15, best="trained")
    (line,) = [t for t in fig.data if t.name == "cost–compliance frontier"]
    # 900 → 80 %, then 950 → 98.5 %, then 1,001 → 99 %; "today" (1,000, 90 %) is beaten by a cheaper one.
    assert list(line.x) == [900.0, 950.0, 1001.0] and list(line.y) == [80.0, 98.5, 99.0]


def test_labels_of_points_side_by_side_go_to_different_sides():
    import numpy as np

    # Two points 0.1 % of the cost range apart at the same height: the second label cannot sit
    # top right as well (it would cover the first label), so it moves.
    places = _label_positions(np.array([0.0, 0.001, 1.0]), np.array([50.0, 50.0, 0.0]))
    assert places[0] != places[1]
    assert all(p in {"top right", "bottom right", "top left", "bottom left", "middle right", "middle left"}
               for p in places)
