"""The history rebuilt as an event log: KPIs a person can check from the logged times, the
twin's walk against the logged interval, where people came from."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.history.conftest import THREE, incidents
from twin.events.log import incident_parts, task_fields
from twin.history.read import HistoryError
from twin.history.reconstruct import busiest_day, days_of, history_scenario, one_day, reconstruct
from twin.kpi import compute_kpis
from twin.places import resolve_place
from twin.routing import Router


def test_three_logged_incidents_give_kpis_from_their_logged_times(roster):
    rec = reconstruct(incidents(THREE), roster)
    k = compute_kpis(rec.log, rec.scenario)
    table = k.incidents.set_index("title")
    # on site = arrived − reported; dispatch = dispatched − reported; resolved = resolved − reported
    assert table.loc["1043 Leak in flat", "on_site_min"] == pytest.approx(34.0)
    assert table.loc["1044 Dripping tap", "on_site_min"] == pytest.approx(1.0)
    assert math.isnan(table.loc["1045 Socket dead", "on_site_min"])
    assert list(k.incidents["dispatch_min"]) == pytest.approx([5.0, 0.0, 10.0])
    assert list(k.incidents["resolved_min"]) == pytest.approx([100.0, 32.0, 60.0])
    # Made safe: 1043 at 08:50 (50 min); the others when resolved, as the engine does.
    assert list(k.incidents["made_safe_min"]) == pytest.approx([50.0, 32.0, 60.0])
    assert k.summary["red_on_site_compliance"] == 0.0  # 34 min against 15
    assert k.summary["yellow_on_site_compliance"] == 1.0
    assert k.summary["mean_response_min"] == pytest.approx((34.0 + 1.0) / 2)
    # Labour: P1 08:05–09:40 at 40/h, P2 08:20–08:52 at 30/h, E1 10:10–11:00 at 44/h.
    assert k.summary["cost_labour"] == pytest.approx(95 / 60 * 40 + 32 / 60 * 30 + 50 / 60 * 44)
    # The period: the day of the first report, from local midnight.
    assert rec.scenario.start.isoformat() == "2026-03-02T00:00:00"
    assert rec.scenario.duration_h == 24.0


def test_rows_are_written_as_the_engine_writes_them(roster):
    f = reconstruct(incidents(THREE), roster).log.frame
    raised = f[f["kind"] == "incident"]
    assert [incident_parts(d, v) for d, v in zip(raised["detail"], raised["value"], strict=True)] == [
        ("work_order", "red", "1043 Leak in flat"),
        ("work_order", "yellow", "1044 Dripping tap"),
        ("work_order", "blue", "1045 Socket dead"),
    ]
    tasks = [task_fields(d) for d in f[f["kind"] == "task"]["detail"]]
    # 1043 was made safe part-way: a make-safe task and a repair, as a re-run raises it.
    assert tasks[:2] == [("make safe", "plumber:1"), ("repair", "plumber:1")]
    assert tasks[2] == ("1044 Dripping tap", "plumber:1")
    assert f["t_s"].is_monotonic_increasing
    assert set(f[f["kind"] == "on_site"]["person"]) == {"P1", "P2"}


def test_a_history_with_no_twin_keeps_every_row_without_places_on_the_plan(roster):
    rec = reconstruct(incidents(THREE), roster)
    assert rec.recorded == ()
    assert rec.travel["twin_walk_min"].isna().all()
    assert (rec.log.of("move")).empty
    assert set(rec.log.of("incident")["place"]) == {"C-0306 Flat C-0306", "Roof shed 9"}


def test_the_twins_walk_is_set_against_the_logged_interval(roster, estate_twin):
    rec = reconstruct(incidents(THREE, estate_twin), roster, twin=estate_twin)
    g = estate_twin.graph
    flat = resolve_place("C-0306 Flat C-0306", estate_twin.model, g)
    office = resolve_place("Engineering Office", estate_twin.model, g)
    guards = resolve_place("Security Room", estate_twin.model, g)
    walk = Router(g).times([office, guards], [flat])[:, 0] / 60.0
    t = rec.travel.set_index("id")
    assert t.loc["1043", "came_from"] == "A-GF-ENG Engineering Office" and t.loc["1043", "why"] == "base"
    assert t.loc["1043", "twin_walk_min"] == pytest.approx(walk[0])
    assert t.loc["1043", "log_travel_min"] == pytest.approx(29.0)
    assert not t.loc["1043", "faster_than_walk"]  # 29 min logged, a few minutes' walk
    assert t.loc["1044", "twin_walk_min"] == pytest.approx(walk[1])
    assert walk[1] > 2.0  # so 1 min logged is faster than the walk, beyond the clock's minute
    assert t.loc["1044", "faster_than_walk"]
    assert math.isnan(t.loc["1045", "twin_walk_min"])  # not on the twin
    # The dispatched row carries the walk the twin implies, as the engine's carries its estimate.
    d = rec.log.of("dispatched")
    assert d[d["incident"] == 0]["value"].iloc[0] == pytest.approx(walk[0] * 60.0)
    # The replay's walk ends on site at the logged arrival, at the flat.
    moves = rec.log.of("move")
    last = moves[moves["person"] == "P1"].iloc[-1]
    assert last["t_s"] == pytest.approx(8 * 3600 + 34 * 60)
    assert np.allclose(last[["x", "y", "z"]].to_numpy(float), g.node_xyz[flat])
    assert [r.node for r in rec.recorded] == [flat, flat]  # 1045 has no place to re-run


def test_someone_sent_again_soon_comes_from_their_last_incident_later_from_base(roster, estate_twin):
    rows = [
        THREE[0],
        {
            "id": "2001",
            "place": "A-B1-PLB Plumbing riser A B1",
            "person": "P1",
            "reported": "09:41",
            "dispatched": "09:41",
            "arrived": "09:55",
            "resolved": "10:30",
        },
        {
            "id": "2002",
            "place": "A-B1-PLB Plumbing riser A B1",
            "person": "P1",
            "reported": "13:00",
            "dispatched": "13:00",
            "arrived": "13:10",
            "resolved": "13:30",
        },
    ]
    t = reconstruct(incidents(rows, estate_twin), roster, twin=estate_twin).travel.set_index("id")
    assert t.loc["2001", "came_from"] == "C-0306 Flat C-0306"
    assert t.loc["2001", "why"] == "last seen at incident 1043"  # 1 min after resolving it
    assert (t.loc["2002", "came_from"], t.loc["2002", "why"]) == ("A-GF-ENG Engineering Office", "base")


def test_a_log_naming_nobody_is_measured_against_the_default_targets():
    rows = [{**r, "person": ""} for r in THREE]
    scenario = history_scenario(incidents(rows), None)
    assert [p.id for p in scenario.people] == ["crew"]
    k = compute_kpis(*(lambda r: (r.log, r.scenario))(reconstruct(incidents(rows), scenario)))
    assert k.summary["red_on_site_compliance"] == 0.0
    people = history_scenario(incidents(THREE), None).people
    assert [(p.id, p.trades) for p in people] == [
        ("E1", {"electrician": 2}),
        ("P1", {"plumber": 2}),
        ("P2", {"plumber": 2}),
    ]


def test_an_empty_history_is_refused(roster):
    with pytest.raises(HistoryError, match="no incident with a reported time"):
        reconstruct(incidents([{**THREE[0], "reported": None}]), roster)


def test_a_summer_report_is_at_its_wall_clock_time_and_intervals_are_real_time(roster):
    """The engine's clock has no daylight saving: a report at 07:30 CEST on 1 July is 07:30 to
    it (so the day shift is on), 121 days and 7.5 h after 2 March's midnight — though only
    121 days 6.5 h really passed. The 5 min to the dispatch stay 5 min."""
    summer = {
        **THREE[1],
        "id": "3001",
        "reported": "07:30",
        "dispatched": "07:35",
        "arrived": "07:40",
        "resolved": "08:00",
    }
    table = incidents([THREE[0], summer])
    table.loc[1, ["reported", "dispatched", "arrived", "resolved"]] += pd.DateOffset(
        days=121
    )  # calendar days: 07:30 stays 07:30
    f = reconstruct(table, roster).log.frame
    raised = f[(f["kind"] == "incident") & (f["incident"] == 1)]["t_s"].iloc[0]
    assert raised == (121 * 24 + 7.5) * 3600
    sent = f[(f["kind"] == "dispatched") & (f["incident"] == 1)]["t_s"].iloc[0]
    assert sent - raised == 300.0


def test_one_day_of_a_history_is_a_run_of_its_own_from_that_midnight(roster):
    """1043 and 1044 are reported on 2 March, 3001 on 4 March at 09:00: the busiest day is the
    first (one red); day 2 holds 3001 alone, reported 9 h after its midnight."""
    later = {
        **THREE[1],
        "id": "3001",
        "reported": "09:00",
        "dispatched": "09:05",
        "arrived": "09:20",
        "resolved": "10:00",
    }
    table = incidents([THREE[0], THREE[1], later])
    table.loc[2, ["reported", "dispatched", "arrived", "resolved"]] += pd.DateOffset(days=2)
    rec = reconstruct(table, roster)
    days = days_of(rec)
    assert list(days["day"]) == [0, 2] and list(days["incidents"]) == [2, 1] and list(days["red"]) == [1, 0]
    assert busiest_day(rec) == 0
    log, scenario = one_day(rec, 2)
    assert scenario.start.isoformat() == "2026-03-04T00:00:00" and scenario.duration_h == 24.0
    k = compute_kpis(log, scenario)
    assert list(k.incidents["title"]) == ["3001 Dripping tap"]
    assert list(k.incidents["event_min"]) == [540.0] and list(k.incidents["on_site_min"]) == [20.0]
