"""Freezing the recorded rows into the event log: every value kept, each column its dtype."""

from __future__ import annotations

import math

import numpy as np

from twin.events.log import COLUMNS, EventLog, EventRecorder


def test_freezing_keeps_every_value_of_every_row_in_its_column():
    rec = EventRecorder()
    rec.add(
        12.5,
        "incident",
        incident=3,
        place="Boiler Room @ B1",
        xyz=(1.0, 2.0, -3.5),
        value=0.0,
        detail="burst|red|Riser",
    )
    rec.move(14.25, "D-PLB1", (4.0, 5.5, 6.0), 7)
    rec.add(20.0, "end", value=2)
    frame = rec.freeze().frame
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 3
    assert frame["t_s"].tolist() == [12.5, 14.25, 20.0]
    assert frame["incident"].tolist() == [3, -1, -1] and frame["task"].tolist() == [-1, 7, -1]
    assert frame["person"].tolist() == ["", "D-PLB1", ""]
    assert frame["kind"].tolist() == ["incident", "move", "end"]
    assert frame["place"].tolist() == ["Boiler Room @ B1", "", ""]
    assert frame[["x", "y", "z"]].iloc[1].tolist() == [4.0, 5.5, 6.0]
    assert math.isnan(frame["x"].iloc[2]) and math.isnan(frame["value"].iloc[1])
    assert frame["value"].iloc[2] == 2.0 and frame["detail"].iloc[0] == "burst|red|Riser"


def test_a_frozen_log_has_the_stored_formats_dtypes_with_rows_or_without():
    row = (1.0, 2, 3, "P", "work", "Room @ 1", 0.5, 0.25, 0.125, 60.0, "Fix")
    for rows in ([], [row] * 5):
        frame = EventLog.from_rows(rows).frame
        assert [str(frame[c].dtype) for c in COLUMNS] == [
            "float64", "int32", "int32", "string", "string", "string",
            "float64", "float64", "float64", "float64", "string",
        ]  # fmt: skip
        assert all(frame[c].to_numpy().flags["C_CONTIGUOUS"] for c in ("t_s", "incident", "x", "value"))
    assert np.array_equal(frame["z"].to_numpy(), np.full(5, 0.125))
