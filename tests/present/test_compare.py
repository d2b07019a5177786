"""Comparing runs: headline figures in display units, side by side, and the response figure."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from twin.kpi import INCIDENT_COLUMNS, Kpis
from twin.present.compare import headline, response_figure, side_by_side


def kpis(on_site_min: list[float], **summary: float) -> Kpis:
    n = len(on_site_min)
    incidents = pd.DataFrame({c: [math.nan] * n for c in INCIDENT_COLUMNS})
    incidents["incident"] = range(n)
    incidents["title"] = [f"incident {i}" for i in range(n)]
    incidents["priority"] = ["red"] * n
    incidents["on_site_min"] = on_site_min
    base = {
        "incidents": float(n),
        "red_on_site_compliance": 0.5,
        "mean_response_min": 12.0,
        "max_depth_m": 0.042,
        "cost_total": 100.0,
    }
    return Kpis(incidents, pd.DataFrame(), {**base, **summary})


def test_headline_figures_are_in_the_units_shown():
    table = headline(kpis([10.0, 14.0])).set_index("metric")
    assert table.loc["red_on_site_compliance", ["value", "unit"]].tolist() == [50.0, "%"]
    assert (
        table.loc["max_depth_m", "value"] == pytest.approx(4.2) and table.loc["max_depth_m", "unit"] == "cm"
    )
    assert math.isnan(table.loc["water_m3", "value"])  # not in this run's summary: does not apply


def test_side_by_side_says_which_run_did_better_and_by_how_much():
    table = side_by_side(
        {
            "A": kpis([10.0]),
            "B": kpis([20.0], mean_response_min=20.0, cost_total=80.0, red_on_site_compliance=0.5),
        }
    ).set_index("metric")
    assert table.loc["mean_response_min", ["A", "B", "change", "better_run"]].tolist() == [
        12.0,
        20.0,
        8.0,
        "A",
    ]
    assert table.loc["cost_total", ["change", "better_run"]].tolist() == [-20.0, "B"]
    assert table.loc["red_on_site_compliance", "better_run"] == "same"
    assert table.loc["incidents", "better_run"] == ""  # more incidents is not better or worse


def test_the_response_figure_has_a_box_per_run_and_counts_incidents_nobody_reached():
    fig = response_figure({"day": kpis([3.0, 5.0]), "night": kpis([12.0, math.nan])})
    boxes = [t for t in fig.data if t.type == "box" and t.boxpoints is False]
    assert [b.x[0] for b in boxes] == [
        "day<br><sup>2 incidents</sup>",
        "night<br><sup>2 incidents, 1 never reached</sup>",
    ]
    assert fig.layout.yaxis.title.text == "minutes from report to first person on site"
