"""The incident table and the task bars of an event log, on hand-written logs."""

from __future__ import annotations

import math

import pytest

from tests.event_frames import frame as _frame
from twin.events.log import COLUMNS, EventLog, EventLogError, incident_detail
from twin.events.tables import incident_table, task_bars

NAN = math.nan


def test_an_incidents_kind_priority_and_title_are_columns_of_their_own():
    f = _frame(
        [
            (
                0.0,
                "incident",
                "",
                "Riser",
                1.0,
                2.0,
                3.0,
                0.0,
                incident_detail("pipe_burst", "red", "Burst | L14"),
                0,
            ),
            (
                50.0,
                "incident",
                "",
                "Car 2",
                9.0,
                9.0,
                0.0,
                1.0,
                incident_detail("entrapment", "yellow", "Trapped"),
                1,
            ),
            (90.0, "reported", "", "Riser", 1.0, 2.0, 3.0, NAN, "phone", 0),
            (150.0, "on_site", "A", "Valve", 0.0, 0.0, 0.0, NAN, "isolate", 0, 0),
            (130.0, "on_site", "B", "Valve", 0.0, 0.0, 0.0, NAN, "isolate", 0, 1),
        ]
    )
    table = incident_table(f).set_index("incident")
    assert table["kind"].tolist() == ["pipe_burst", "entrapment"]
    assert table["priority"].tolist() == ["red", "yellow"]
    assert table.loc[0, "title"] == "Burst | L14"  # a bar in the title stays in the title
    assert table.loc[0, ["raised_s", "reported_s", "on_site_s"]].tolist() == [0.0, 90.0, 130.0]  # the first
    assert math.isnan(table.loc[1, "reported_s"]) and table.loc[1, "raised_s"] == 50.0


def test_task_bars_run_from_dispatch_through_on_site_to_done():
    f = _frame(
        [
            (0.0, "dispatched", "A", "Valve", 0.0, 0.0, 0.0, 90.0, "isolate", 0, 0),
            (100.0, "on_site", "A", "Valve", 0.0, 0.0, 0.0, NAN, "isolate", 0, 0),
            (400.0, "done", "A", "Valve", 0.0, 0.0, 0.0, NAN, "isolate", 0, 0),
            (200.0, "dispatched", "B", "Riser", 0.0, 0.0, 0.0, 60.0, "repair the pipe", 1, 3),
        ]
    )
    bars = task_bars(f.sort_values("t_s"), end_s=1000.0).set_index("person")
    assert bars.loc["A", ["start_s", "on_site_s", "end_s"]].tolist() == [0.0, 100.0, 400.0]
    assert bars.loc["A", "ended"] == "done" and bars.loc["A", "name"] == "isolate"
    assert bars.loc["B", "ended"] == "unfinished" and bars.loc["B", "end_s"] == 1000.0
    assert math.isnan(bars.loc["B", "on_site_s"]) and bars.loc["B", "incident"] == 1


def test_a_table_with_other_columns_is_not_an_event_log():
    frame = EventLog.from_rows([]).frame
    assert list(EventLog.from_frame(frame).frame.columns) == list(COLUMNS)
    with pytest.raises(
        EventLogError, match=r"^old/events.parquet: unexpected columns .*; an event log has t_s, "
    ):
        EventLog.from_frame(frame.drop(columns="detail"), source="old/events.parquet")
