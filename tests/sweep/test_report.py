"""The sweep report on rows a person can check by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from twin.scenario.schema import PRIORITIES
from twin.sweep.measures import columns, roster_cost
from twin.sweep.report import (
    format_report,
    mean_interval,
    paired_interval,
    ratio_interval,
    rows_frame,
    sweep_report,
)
from twin.sweep.results import SweepResults

T_975_1 = 12.706204736  # Student t, 97.5 %, 1 degree of freedom
T_975_2 = 4.302652730  # 2 degrees of freedom


def test_pooled_compliance_of_9_and_10_out_of_10_is_95_percent_with_the_cluster_interval():
    e = ratio_interval(np.array([9, 10]), np.array([10, 10]))
    assert e.value == pytest.approx(0.95)
    # z = (9 − 9.5)/10, (10 − 9.5)/10 = ∓0.05: sd 0.0707; half width t·sd/√2 = 12.706 × 0.05 = 0.635.
    assert e.low == pytest.approx(0.95 - T_975_1 * 0.05)
    assert e.high == 1.0  # clipped


def test_the_mean_interval_of_1_2_3_is_2_plus_or_minus_t_times_1_over_root_3():
    e = mean_interval(np.array([1.0, 2.0, 3.0]))
    assert e.value == 2.0
    assert e.high - 2.0 == pytest.approx(T_975_2 / math.sqrt(3))


def test_a_paired_difference_that_is_the_same_every_year_has_no_width():
    e = paired_interval(np.array([10.0, 20.0, 35.0]), np.array([7.0, 17.0, 32.0]))
    assert (e.value, e.low, e.high) == (3.0, 3.0, 3.0)


def _rows(variant: int, on_time_red: list[int], cost: list[float]) -> pd.DataFrame:
    n = len(cost)
    data: dict[str, object] = {c: np.zeros(n) for c in columns()}
    data |= {"variant": variant, "replication": np.arange(n)}
    for p in PRIORITIES:
        data[f"{p}_incidents"] = np.full(n, 10.0)
        data[f"{p}_on_time"] = np.full(n, 10.0)
        for q in (50, 90, 95):
            data[f"{p}_p{q}_min"] = np.full(n, float(q) / 10)
    data["red_on_time"] = np.array(on_time_red, dtype=float)
    data["cost_total"] = np.array(cost)
    return pd.DataFrame(data)


def _results(*frames: pd.DataFrame, names: tuple[str, ...]) -> SweepResults:
    meta = {
        "name": "hand",
        "replications": 3,
        "period": {"days": 365},
        "meets": {"red": 0.95},
        "variants": [{"index": i, "name": n} for i, n in enumerate(names)],
    }
    return SweepResults(Path("."), meta, pd.concat(frames, ignore_index=True))


def test_the_cheapest_variant_meeting_the_red_target_is_chosen_and_the_cheaper_miss_is_not():
    results = _results(
        _rows(0, [10, 10, 10], [300.0, 310.0, 320.0]),  # 100 %, the dearest
        _rows(1, [10, 9, 10], [200.0, 210.0, 220.0]),  # 96.7 %: meets 95 % on the estimate
        _rows(2, [8, 9, 8], [100.0, 110.0, 120.0]),  # 83.3 %: cheapest, misses
        names=("three", "two", "one"),
    )
    report = sweep_report(results)
    assert [v.meets for v in report.variants] == [True, True, False]
    best = report.cheapest_meeting
    assert best is not None and best.name == "two"
    assert best.means["cost_total"].value == pytest.approx(210.0)
    assert not best.meets_surely  # its interval reaches below 95 %
    # Paired against "three": cost −100 every year, so no width.
    diff = report.differences[0]
    assert diff["variant"] == "two" and diff["cost_total"] == {"value": -100.0, "low": -100.0, "high": -100.0}
    assert diff["red_compliance"]["value"] == pytest.approx(29 / 30 - 1, abs=1e-6)  # rounded for JSON
    text = format_report(report)
    assert "Cheapest variant meeting the targets: two, 210 per period" in text
    frame = rows_frame(report)
    assert frame["red_compliance"].tolist() == pytest.approx([1.0, 29 / 30, 25 / 30])


def test_no_variant_meeting_the_targets_says_so():
    report = sweep_report(_results(_rows(0, [5, 5, 5], [1.0, 1.0, 1.0]), names=("thin",)))
    assert report.cheapest_meeting is None
    assert "No variant meets the targets." in format_report(report)
    assert report.to_json()["cheapest_meeting_targets"] is None


def test_a_roster_pays_a_12_hour_shift_for_every_day_of_the_period():
    from tests.sweep.conftest import ROSTER
    from twin.scenario import load_scenario

    base = load_scenario(ROSTER).scenario
    one = base.model_copy(update={"duration_h": 24.0, "people": [base.people[0]]})  # night plumber, 38/h
    assert roster_cost(one) == pytest.approx(12 * 38)
    week = one.model_copy(update={"duration_h": 7 * 24.0})
    assert roster_cost(week) == pytest.approx(7 * 12 * 38)
    # Staff on call at night still work (and are paid) their day shift: 12 h at 38 and at 40.
    on_call = base.model_copy(update={"people": [p for p in base.people if p.on_call]})
    assert [p.hourly_rate for p in on_call.people] == [38, 40]
    assert roster_cost(on_call) == pytest.approx(12 * (38 + 40))
