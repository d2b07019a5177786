"""KPIs from a hand-written event log: numbers you can check on paper."""

from __future__ import annotations

import math

import pytest

from tests.engine.conftest import shipped
from twin.engine.log import EventRecorder
from twin.kpi import compute_kpis


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
    assert s["cost_total"] == pytest.approx(50.0 - 400.0)
    assert k.people.set_index("person").loc["A", "busy_min"] == pytest.approx(24.0)
