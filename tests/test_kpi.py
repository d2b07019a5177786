"""KPIs from a hand-written event log: numbers you can check on paper."""

from __future__ import annotations

import math

import pytest

from tests.engine.conftest import shipped
from twin.events.log import EventRecorder
from twin.kpi import compute_kpis
from twin.present.scorecard import format_scorecard


def test_response_is_first_on_site_minus_report_and_targets_are_checked():
    scenario = shipped("night_riser_burst.yaml")  # red: on site 15 min, made safe 45, resolved 300
    rec = EventRecorder()
    rec.add(0, "incident", incident=0, value=0, detail="pipe_burst|red|Burst")
    rec.add(600, "reported", incident=0)
    rec.add(660, "dispatched", incident=0, task=0, person="A")
    rec.add(1500, "on_site", incident=0, task=0, person="A")
    rec.add(2100, "made_safe", incident=0)
    rec.add(2100, "done", incident=0, task=0, person="A")
    rec.add(3000, "incident", incident=1, value=2, detail="work_order|blue|Dripping tap")
    rec.add(3000, "reported", incident=1)
    rec.add(3600, "supply", value=10, detail="water")
    rec.add(5400, "supply", value=0, detail="water")
    rec.add(5400, "cost", person="A", value=50.0, detail="labour")
    rec.add(5400, "cost", person="LIFTCO", value=-400.0, detail="penalty")
    k = compute_kpis(rec.freeze(), scenario)
    burst = k.incidents.iloc[0]
    assert burst["report_delay_min"] == 10 and burst["dispatch_min"] == 1 and burst["on_site_min"] == 15
    assert burst["on_site_met"] and burst["made_safe_min"] == 25 and burst["made_safe_met"]
    assert math.isnan(burst["resolved_min"]) and not burst["resolved_met"]
    blue = k.incidents.iloc[1]
    assert math.isnan(blue["on_site_min"]) and not blue["on_site_met"]  # nobody came: missed
    s = k.summary
    assert s["red_on_site_compliance"] == 1.0 and s["blue_on_site_compliance"] == 0.0
    assert s["red_on_site_max_compliance"] == 1.0  # 15 min ≤ the 30 min hard limit
    assert s["water_outage_household_h"] == pytest.approx(10 * 0.5)
    # Penalties are a credit of their own, never taken off the cost (which cannot go negative).
    assert s["cost_total"] == pytest.approx(50.0) and s["contractor_penalties"] == pytest.approx(400.0)
    assert k.people.set_index("person").loc["A", "busy_min"] == pytest.approx(24.0)


def test_utilisation_counts_busy_time_within_each_persons_shift_and_lists_everyone_on_the_roster():
    # The estate roster: day 07:00–19:00, night 19:00–07:00. A 48 h run from midnight.
    scenario = shipped("estate_roster.yaml").model_copy(update={"duration_h": 48.0, "background": None})
    rec = EventRecorder()
    # D-PLB1 (day): on a task 06:00–09:00 → 2 h of it on shift (07:00–09:00), 3 h busy in all.
    rec.add(6 * 3600, "dispatched", incident=0, task=0, person="D-PLB1")
    rec.add(9 * 3600, "done", incident=0, task=0, person="D-PLB1")
    # N-PLB1 (night): 18:00 → 20:00 on one task, pre-empted by another that ends at 21:00:
    # busy 18:00–21:00, of which 19:00–21:00 on shift.
    rec.add(18 * 3600, "dispatched", incident=1, task=1, person="N-PLB1")
    rec.add(20 * 3600, "dispatched", incident=2, task=2, person="N-PLB1")
    rec.add(20 * 3600, "preempted", incident=1, task=1, person="N-PLB1")
    rec.add(21 * 3600, "done", incident=2, task=2, person="N-PLB1")
    k = compute_kpis(rec.freeze(), scenario)
    people = k.people.set_index("person")
    assert set(people.index) == {p.id for p in scenario.people}  # zeros included
    assert people.loc["D-PLB1", "busy_min"] == pytest.approx(180)
    assert people.loc["D-PLB1", "busy_on_shift_min"] == pytest.approx(120)
    assert people.loc["D-PLB1", "shift_h"] == pytest.approx(24)  # two 12 h day shifts in 48 h
    assert people.loc["D-PLB1", "shift_utilisation"] == pytest.approx(2 / 24)
    assert people.loc["N-PLB1", "busy_on_shift_min"] == pytest.approx(120)
    assert people.loc["N-PLB1", "shift_h"] == pytest.approx(24)  # 00–07, 19–07, 19–24
    assert people.loc["D-GEN2", "busy_min"] == 0 and people.loc["D-GEN2", "shift_utilisation"] == 0
    s = k.summary
    # Three day plumber posts (D-PLB1..3), 72 shift-hours, 2 h busy on shift.
    assert s["utilisation:day:plumber"] == pytest.approx(2 / 72)
    assert s["utilisation:night:plumber"] == pytest.approx(2 / 48)
    assert s["utilisation:night:front_desk"] == 0.0


def test_a_hazard_made_safe_before_its_report_counts_zero_and_says_so():
    # The grid fails at 0 s, the generator takes the load at 10 s, the sensor reports at 12 s.
    scenario = shipped("day_grid_outage.yaml")
    rec = EventRecorder()
    rec.add(0, "incident", incident=0, value=0, detail="power_loss|red|Power loss at Utility transformer")
    rec.add(10, "made_safe", incident=0)
    rec.add(12, "reported", incident=0)
    rec.add(3600, "resolved", incident=0)
    k = compute_kpis(rec.freeze(), scenario)
    row = k.incidents.iloc[0]
    assert row["made_safe_min"] == 0.0 and row["safe_before_report"] and row["made_safe_met"]
    assert row["resolved_min"] == pytest.approx((3600 - 12) / 60)
    text = format_scorecard(k, scenario, seed=1)
    assert "0.0* / 30 ✓" in text and "made safe before it was reported" in text


def test_the_scorecard_names_the_currency_and_shows_penalties_as_a_credit():
    scenario = shipped("day_grid_outage.yaml").model_copy(update={"currency": "GBP"})
    rec = EventRecorder()
    rec.add(100, "cost", person="A", value=46.0, detail="labour")
    rec.add(100, "cost", person="LIFTCO", value=250.0, detail="callout")
    rec.add(100, "cost", person="LIFTCO", value=-400.0, detail="penalty")
    text = format_scorecard(compute_kpis(rec.freeze(), scenario), scenario, seed=1)
    assert "cost    GBP 296 (labour 46, call-outs 250, contractors 0)" in text
    assert "credit  GBP 400 in penalties late contractors owe" in text


def test_a_year_of_outages_never_gives_a_negative_made_safe_interval(estate_twin):
    # A year of the estate's random outages at ten times their rates (hazards only): the generator
    # often takes the load before the sensor's report arrives; no interval is negative.
    from tests.engine.conftest import variant
    from twin.background.rates import default_rates
    from twin.engine import run

    years = variant(
        shipped("estate_roster.yaml"), duration_h=24 * 365, background={"work_orders": False, "scale": 10.0}
    )
    k = compute_kpis(run(estate_twin, years, rates=default_rates()).log, years)
    power = k.incidents[k.incidents["kind"] == "power_loss"]
    assert len(power) >= 5
    assert (power["made_safe_min"].dropna() >= 0).all() and power["safe_before_report"].any()


def test_a_passenger_still_trapped_when_the_drill_ends_counts_until_the_end():
    scenario = shipped("day_grid_outage.yaml")  # 5 h long
    rec = EventRecorder()
    rec.add(600, "incident", incident=0, value=0, detail="entrapment|red|2 trapped in Lift A1")
    rec.add(660, "reported", incident=0)
    rec.add(1200, "incident", incident=1, value=0, detail="entrapment|red|1 trapped in Lift B1")
    rec.add(1260, "reported", incident=1)
    rec.add(3000, "made_safe", incident=1)
    s = compute_kpis(rec.freeze(), scenario).summary
    # Lift A1: from 10 min to the end at 300 min = 290 min; Lift B1: 20 → 50 min = 30 min.
    assert s["entrapments"] == 2
    assert s["entrapment_max_min"] == pytest.approx(290.0)
    assert s["entrapment_mean_min"] == pytest.approx((290.0 + 30.0) / 2)


def test_every_figure_a_page_names_has_its_words_unit_and_direction_in_one_registry():
    from twin.events.log import EventLog
    from twin.kpi import METRICS
    from twin.present.compare import HEADLINE
    from twin.sweep.measures import columns
    from twin.sweep.report import MEANS

    assert set(HEADLINE) <= set(METRICS) and set(MEANS) <= set(METRICS)
    # Each is a figure a run or a sweep's row actually has.
    summary = compute_kpis(EventLog.from_rows([]), shipped("night_riser_burst.yaml")).summary
    assert set(METRICS) <= set(summary) | set(columns())
    assert {m.better for m in METRICS.values()} <= {"lower", "higher", ""}
    assert METRICS["max_depth_m"].shown(0.153) == pytest.approx(15.3)  # shown in cm
