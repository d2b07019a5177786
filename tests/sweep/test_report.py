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
    bootstrap_mean,
    design_effect,
    format_report,
    mean_interval,
    paired_interval,
    pooled_percentiles,
    replications_to_settle,
    rows_frame,
    share_interval,
    sweep_report,
)
from twin.sweep.results import SweepResults

T_975_1 = 12.706204736  # Student t, 97.5 %, 1 degree of freedom
T_975_2 = 4.302652730  # 2 degrees of freedom


def test_three_of_three_on_time_is_100_percent_with_a_low_end_of_29_percent():
    # One incident in each of three replications, all on time. Clopper–Pearson for 3 of 3:
    # the low end solves p³ = 0.025, p = 0.025^(1/3) = 0.2924; the high end is 100 %.
    e = share_interval(np.array([1, 1, 1]), np.array([1, 1, 1]))
    assert e.value == 1.0 and e.high == 1.0
    assert e.low == pytest.approx(0.025 ** (1 / 3))


def test_one_of_one_is_compatible_with_a_share_of_2_5_percent():
    e = share_interval(np.array([1]), np.array([1]))
    assert (e.value, e.high) == (1.0, 1.0) and e.low == pytest.approx(0.025)


def test_none_of_five_on_time_has_a_high_end_of_52_percent_and_never_goes_below_zero():
    # 0 of 5: the high end solves (1 − p)^5 = 0.025, p = 1 − 0.025^(1/5) = 0.5218.
    e = share_interval(np.array([0, 0]), np.array([3, 2]))
    assert (e.value, e.low) == (0.0, 0.0) and e.high == pytest.approx(1 - 0.025**0.2)


def test_replications_that_disagree_count_as_fewer_incidents_than_they_hold():
    # 10 of 10 in one year, 0 of 10 in the other: p = 0.5, binomial variance 0.25/20 = 0.0125;
    # linearised cluster variance: z = ±0.5, var(z) = 0.5, /2 = 0.25 → design effect 20: the
    # 20 incidents are worth one independent one.
    assert design_effect(np.array([10, 0]), np.array([10, 10])) == pytest.approx(20.0)
    # Years that agree exactly are no worse than independent incidents (at least 1).
    assert design_effect(np.array([5, 5]), np.array([10, 10])) == 1.0
    wide = share_interval(np.array([10, 0]), np.array([10, 10]))
    # Half a success in one effective trial: the interval covers nearly everything.
    assert wide.value == 0.5 and wide.low < 0.001 and wide.high > 0.999


def test_an_interval_straddling_the_target_says_how_many_more_years_would_settle_it():
    # 30 of 30 over 3 years (10 a year): all on time, low end 0.025^(1/30) = 88.4 % < 95 %. At the
    # same share the low end reaches 95 % once 0.025^(1/n) ≥ 0.95, n ≥ ln 0.025 / ln 0.95 = 71.9
    # incidents: 72 → 8 years (80 incidents; 7 years give 70, not enough).
    assert replications_to_settle(1.0, 0.95, 3, 30.0) == 8
    # A share exactly on the target never settles.
    assert replications_to_settle(0.95, 0.95, 20, 100.0) is None


def test_a_bootstrap_mean_of_counts_never_has_a_negative_low_end():
    e = bootstrap_mean(np.array([0.0, 0.0, 0.0, 0.0, 40.0]))
    assert e.value == 8.0 and e.low >= 0.0 and e.high <= 40.0
    assert mean_interval(np.array([0.0, 0.0, 0.0, 0.0, 40.0])).low < 0  # what a t-interval does


def test_pooled_percentiles_take_every_incident_not_the_mean_of_each_years():
    # Year 1: one response of 10 min; year 2: nine of 1 min. Pooled p90 of the ten values is 1 min
    # (9 of 10 at or below 1); the mean of the years' own p90s would be 5.5.
    e = pooled_percentiles([np.array([10.0]), np.full(9, 1.0)], qs=(90, 95))
    assert e["p90"].value == 1.0 and e["p95"].value == 10.0
    assert 1.0 <= e["p90"].low <= e["p90"].high <= 10.0
    # Nobody on site counts as never.
    assert pooled_percentiles([np.array([1.0, np.nan])], qs=(95,))["p95"].value == math.inf


def test_the_mean_interval_of_1_2_3_is_2_plus_or_minus_t_times_1_over_root_3():
    e = mean_interval(np.array([1.0, 2.0, 3.0]))
    assert e.value == 2.0
    assert e.high - 2.0 == pytest.approx(T_975_2 / math.sqrt(3))


def test_a_paired_difference_that_is_the_same_every_year_has_no_width():
    e = paired_interval(np.array([10.0, 20.0, 35.0]), np.array([7.0, 17.0, 32.0]))
    assert (e.value, e.low, e.high) == (3.0, 3.0, 3.0)


def _rows(variant: int, on_time_red: list[int], cost: list[float], incidents: float = 10.0) -> pd.DataFrame:
    n = len(cost)
    data: dict[str, object] = {c: np.zeros(n) for c in columns()}
    data |= {"variant": variant, "replication": np.arange(n)}
    for p in PRIORITIES:
        data[f"{p}_incidents"] = np.full(n, incidents)
        data[f"{p}_on_time"] = np.full(n, incidents)
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


def test_the_cheapest_variant_meeting_the_red_target_at_95_percent_confidence_is_chosen():
    results = _results(
        _rows(0, [100, 100, 100], [300.0, 310.0, 320.0], 100),  # 300 of 300: low end 98.8 %
        _rows(1, [97, 96, 97], [200.0, 210.0, 220.0], 100),  # 96.7 %: meets on the estimate only
        _rows(2, [83, 84, 83], [100.0, 110.0, 120.0], 100),  # 83.3 %: cheapest, misses
        names=("three", "two", "one"),
    )
    report = sweep_report(results)
    assert [v.meets for v in report.variants] == [True, True, False]
    assert [v.verdict for v in report.variants] == ["meets", "not enough evidence", "misses"]
    assert report.variants[0].compliance["red"].low == pytest.approx(0.025 ** (1 / 300))
    best = report.cheapest_meeting
    assert best is not None and best.name == "three"
    assert best.means["cost_total"].value == pytest.approx(310.0)
    assert [v.name for v in report.cheaper_undecided] == ["two"]
    two = report.variants[1].evidence["red"]
    assert two.incidents == 300 and two.on_time == 290
    assert two.settle_replications is not None and two.settle_replications > 3
    # Paired against "three": cost −100 every year, so no width.
    diff = report.differences[0]
    assert diff["variant"] == "two" and diff["cost_total"] == {"value": -100.0, "low": -100.0, "high": -100.0}
    assert diff["red_compliance"]["value"] == pytest.approx(29 / 30 - 1, abs=1e-6)  # rounded for JSON
    text = format_report(report)
    assert "Cheapest variant meeting the targets at 95% confidence: three, 310 per period" in text
    assert "Cheaper, not enough evidence yet: two (210)" in text
    frame = rows_frame(report)
    assert frame["red_compliance"].tolist() == pytest.approx([1.0, 29 / 30, 25 / 30])


def test_a_priority_with_no_incidents_says_none_happened_and_does_not_block_the_answer():
    rows = _rows(0, [100, 100, 100], [1.0, 1.0, 1.0], 100)
    rows["yellow_incidents"] = 0.0
    rows["yellow_on_time"] = 0.0
    results = _results(rows, names=("quiet",))
    results.meta["meets"] = {"red": 0.95, "yellow": 0.9}
    report = sweep_report(results)
    v = report.variants[0]
    assert v.evidence["yellow"].verdict == "none happened" and math.isnan(v.compliance["yellow"].value)
    assert v.verdict == "meets" and report.cheapest_meeting is v


def test_each_verdict_names_the_priority_and_the_kind_of_incident_behind_its_misses():
    rows = _rows(0, [8, 8, 8], [1.0, 1.0, 1.0], 10)
    rows["red_incidents:entrapment"] = 6.0
    rows["red_missed:entrapment"] = 2.0
    rows["red_incidents:pipe_burst"] = 4.0
    rows["red_missed:pipe_burst"] = 0.0
    report = sweep_report(_results(rows, names=("thin",)))
    v = report.variants[0]
    assert v.verdict == "misses"
    assert v.driver.startswith("red: 24 of 30 on time (80.0%")
    assert "6 of the 6 misses are entrapment (12 of 18 in time)" in v.driver
    rows["red_on_time"] = [10.0, 10.0, 9.0]  # 29 of 30: the one miss, an entrapment
    rows["red_missed:entrapment"] = [0.0, 0.0, 1.0]
    one = sweep_report(_results(rows, names=("thin",))).variants[0]
    assert "; the one miss is entrapment (17 of 18 in time)" in one.driver


def test_no_variant_meeting_the_targets_says_so():
    report = sweep_report(_results(_rows(0, [5, 5, 5], [1.0, 1.0, 1.0]), names=("thin",)))
    assert report.cheapest_meeting is None and report.variants[0].verdict == "misses"
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


def test_pooled_percentiles_over_years_with_no_incidents_stay_within_the_observed_values():
    e = pooled_percentiles([np.array([]), np.array([5.0, 7.0]), np.array([]), np.array([6.0])], qs=(50,))
    assert e["p50"].value == 6.0 and 5.0 <= e["p50"].low <= e["p50"].high <= 7.0


def test_a_variant_with_every_incident_on_time_but_too_few_says_how_many_years_would_settle_it():
    # 18 of 18 red on time over 3 years: Clopper–Pearson low end 0.025^(1/18) = 81.5 % < 95 %.
    rows = _rows(0, [6, 6, 6], [1.0, 1.0, 1.0], 6)
    v = sweep_report(_results(rows, names=("few",))).variants[0]
    e = v.evidence["red"]
    assert v.verdict == "not enough evidence" and e.share.low == pytest.approx(0.025 ** (1 / 18))
    # At 6 a year, all on time: 72 incidents are needed (0.025^(1/72) ≥ 95 %), 12 years.
    assert e.settle_replications == 12
    assert v.driver.endswith(
        f"none missed; about {e.settle_replications:,} replication-years would settle it"
    )


T_90_2 = 1.885618083  # Student t, 90 %, 2 degrees of freedom (a two-sided 80 % interval)


@pytest.mark.parametrize(("confidence", "t"), [(0.80, T_90_2), (0.95, T_975_2)])
def test_paired_and_utilisation_intervals_follow_the_sweeps_confidence(confidence: float, t: float):
    # Variant 1 costs 1, 2, 3 more than variant 0 in the three years: mean 2, sd 1, so the paired
    # interval is 2 ± t/√3 — ±1.089 at 80 %, ±2.484 at 95 %.
    a = _rows(0, [10, 10, 10], [100.0, 100.0, 100.0])
    b = _rows(1, [10, 10, 10], [101.0, 102.0, 103.0])
    b["utilisation:night:plumber"] = [0.2, 0.3, 0.4]
    results = _results(a, b, names=("today", "dearer"))
    results.meta["confidence"] = confidence
    report = sweep_report(results)
    cost = report.differences[0]["cost_total"]
    assert cost["value"] == 2.0
    assert cost["low"] == pytest.approx(2 - t / math.sqrt(3), abs=1e-6)
    assert cost["high"] == pytest.approx(2 + t / math.sqrt(3), abs=1e-6)
    # Resampling three years of 20, 30, 40 %: a resampled mean of 20 % (all three draws the 20 %
    # year) has probability 1/27 = 3.7 %, one of at most 23.3 % has 4/27 = 14.8 %. So the 95 %
    # interval's low end is 20 %, the 80 % interval's (its 10th percentile) 23.3 %.
    busy = report.variants[1].utilisation["night:plumber"]
    assert busy.value == pytest.approx(0.3)
    assert busy.low == pytest.approx(0.2 if confidence == 0.95 else 0.7 / 3)
    assert f"{confidence:.0%} Student-t intervals" in format_report(report)
