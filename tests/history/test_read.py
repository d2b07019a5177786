"""Reading work-order logs: hand-made logs whose answers a person can check."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from twin.history import (
    INCIDENT_COLUMNS,
    REJECTED_COLUMNS,
    HistoryError,
    MappingError,
    parse_mapping,
    read_history,
)
from twin.history.mapping import LoadedMapping
from twin.history.presets import PRESETS

ROSTER = Path(__file__).resolve().parents[2] / "scenarios" / "estate_roster.yaml"

PLAIN_LOG = """\
id,reported,dispatched,on_site,made_safe,resolved,place,category,title,trade,priority,person
A1,2026-05-04 09:00,2026-05-04 09:05,2026-05-04 09:20,,2026-05-04 10:20,Pump Room,tap,leaking tap,plumber,blue,D-PLB1
A2,2026-05-04 10:00,2026-05-04 10:02,2026-05-04 09:50,,2026-05-04 09:40,Pump Room,tap,before reported,plumber,blue,D-PLB1
A3,2026-05-04 11:00,,,,,Pump Rom,tap,typo in the place,plumber,blue,D-PLB1
A4,yesterday,,,,,Pump Room,tap,unreadable,plumber,blue,D-PLB1
A1,2026-05-04 12:00,,,,,Pump Room,tap,again,plumber,blue,D-PLB1
A6,2026-05-04 13:00,,,,,Pump Room,socket,unknown category,electrician,blue,D-PLB1
A7,2026-05-04 14:00,,,,,Pump Room,tap,urgent,plumber,P9,D-PLB1
A8,,,,,,Pump Room,tap,no report,plumber,blue,D-PLB1
A9,2026-05-04 15:00,,,,,Pump Room,burst,a burst,,red,Somebody
"""

PLAIN_MAP = """\
preset: plain
timezone: Europe/London
categories:
  tap: {kind: work_order, name: leaking tap or WC, per: household}
  burst: pipe_burst
"""


def mapping(text: str, folder: Path, name: str = "map.yaml") -> LoadedMapping:
    path = folder / name
    path.write_text(text)
    return parse_mapping(text, source=path)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_every_row_is_used_or_rejected_with_its_reason(tmp_path: Path) -> None:
    history = read_history(write(tmp_path, "log.csv", PLAIN_LOG), mapping(PLAIN_MAP, tmp_path))
    s = history.summary
    assert (s.read, s.used) == (9, 4)
    assert s.read == s.used + sum(s.rejected.values())
    assert dict(s.rejected) == {
        "duplicate id": 1,
        "no reported time": 1,
        "unreadable time": 1,
        "unknown category": 1,
        "unknown priority": 1,
    }
    rejected = history.rejected.set_index("row")
    assert list(history.rejected.columns) == list(REJECTED_COLUMNS)
    # Lines as a spreadsheet shows them: the header is line 1, A4 is on line 5.
    assert rejected.loc[5, ["column", "value", "reason"]].tolist() == [
        "reported",
        "yesterday",
        "unreadable time",
    ]
    assert rejected.loc[6, "detail"] == "the id was used on row 2; the first is kept"
    assert rejected.loc[8, ["column", "value"]].tolist() == ["priority", "P9"]
    assert history.incidents["id"].tolist() == ["A1", "A2", "A3", "A9"]
    assert history.incidents["row"].tolist() == [2, 3, 4, 10]


def test_a_placeholder_date_far_off_rejects_its_row_instead_of_crashing_the_import(tmp_path: Path) -> None:
    # Exports write 9999-12-31 for "not yet" and 0001-01-01 for "never"; neither fits a table of
    # times (pandas' run 1677–2262), and the import used to end in OutOfBoundsDatetime.
    log = (
        PLAIN_LOG.splitlines()[0]
        + "\n"
        + "\n".join(
            [
                "B1,2026-05-04 09:00,,,,9999-12-31 23:59,Pump Room,tap,not yet,plumber,blue,D-PLB1",
                "B2,0001-01-01 00:00,,,,,Pump Room,tap,never,plumber,blue,D-PLB1",
                "B3,2026-05-04 10:00,,,,2261-12-31 23:00,Pump Room,tap,far but a time,plumber,blue,D-PLB1",
            ]
        )
    )
    history = read_history(write(tmp_path, "log.csv", log), mapping(PLAIN_MAP, tmp_path))
    assert (history.summary.read, history.summary.used) == (3, 1)
    rejected = history.rejected.set_index("row")
    assert rejected.loc[2, ["column", "value", "reason"]].tolist() == [
        "resolved",
        "9999-12-31 23:59",
        "unreadable time",
    ]
    assert rejected.loc[2, "detail"] == (
        "'9999-12-31 23:59' is outside the years 1678–2261 a time can have (a placeholder for 'not yet'?); "
        "leave the cell empty"
    )
    assert rejected.loc[3, ["column", "value"]].tolist() == ["reported", "0001-01-01 00:00"]
    assert history.incidents["resolved"].iloc[0].isoformat() == "2261-12-31T23:00:00+00:00"


@pytest.mark.parametrize(
    ("text", "what"), [("[]", "the list is empty"), ('{"rows": [1, 2]}', "its 2 items are not records {...}")]
)
def test_a_json_export_without_records_says_so_instead_of_listing_no_columns(
    tmp_path: Path, text: str, what: str
) -> None:
    # It said: "columns.reported: log.json has no column 'reported'; its columns are " (none).
    log = write(tmp_path, "log.json", text)
    with pytest.raises(
        HistoryError,
        match=rf"^{log}: no work orders — {re.escape(what)}; export the period's work orders as a list of records$",
    ):
        read_history(log, mapping(PLAIN_MAP, tmp_path))


def test_impossible_times_are_flagged_on_their_row(tmp_path: Path) -> None:
    history = read_history(write(tmp_path, "log.csv", PLAIN_LOG), mapping(PLAIN_MAP, tmp_path))
    flags = history.incidents.set_index("id")["flags"]
    assert flags["A1"] == ""
    assert "on site before reported: 10 min earlier" in flags["A2"]
    assert "on site before dispatched: 12 min earlier" in flags["A2"]
    assert "resolved before reported: 20 min earlier" in flags["A2"]
    assert history.summary.flagged["resolved before on site"] == 1


def test_the_times_are_in_the_site_zone_and_durations_are_checkable(tmp_path: Path) -> None:
    history = read_history(write(tmp_path, "log.csv", PLAIN_LOG), mapping(PLAIN_MAP, tmp_path))
    a1 = history.incidents.set_index("id").loc["A1"]
    assert str(a1["reported"].tz) == "Europe/London"
    assert a1["reported"].isoformat() == "2026-05-04T09:00:00+01:00"  # BST in May
    assert (a1["arrived"] - a1["reported"]).total_seconds() == 20 * 60
    assert (a1["resolved"] - a1["arrived"]).total_seconds() == 60 * 60
    assert pd.isna(a1["made_safe"])
    assert list(history.incidents.columns) == list(INCIDENT_COLUMNS)


def test_without_a_twin_places_are_kept_as_written_at_node_minus_one(tmp_path: Path) -> None:
    history = read_history(write(tmp_path, "log.csv", PLAIN_LOG), mapping(PLAIN_MAP, tmp_path))
    rows = history.incidents.set_index("id")
    assert rows.loc["A3", "place"] == "Pump Rom"
    assert set(rows["node"]) == {-1}
    assert rows.loc["A9", ["kind", "priority", "person"]].tolist() == ["pipe_burst", "red", "Somebody"]
    assert rows.loc["A1", ["kind", "title", "trade"]].tolist() == ["work_order", "leaking tap", "plumber"]


def test_with_the_twin_a_misspelt_place_is_rejected_with_did_you_mean(
    tmp_path: Path, estate_twin: object
) -> None:
    text = PLAIN_MAP + f"scenario: {ROSTER}\n"
    history = read_history(write(tmp_path, "log.csv", PLAIN_LOG), mapping(text, tmp_path), twin=estate_twin)  # type: ignore[arg-type]
    rejected = history.rejected.set_index("row")
    assert rejected.loc[4, "reason"] == "unknown place"
    assert "did you mean: Pump Room" in rejected.loc[4, "detail"]
    rows = history.incidents.set_index("id")
    assert (rows["node"] >= 0).all()
    # "Somebody" is not on the estate's roster: kept, flagged, person left empty.
    assert rows.loc["A9", "person"] == ""
    assert rows.loc["A9", "flags"].startswith("unknown person: 'Somebody'")


def test_on_site_sooner_than_the_walk_from_the_base_is_flagged(tmp_path: Path, estate_twin: object) -> None:
    log = (
        "id,reported,on_site,place,category,trade,priority,person\n"
        "W1,2026-05-04 09:00,2026-05-04 09:00:20,A-2701 Flat A-2701,tap,plumber,blue,D-PLB1\n"
        "W2,2026-05-04 09:00,2026-05-04 09:30,A-2701 Flat A-2701,tap,plumber,blue,D-PLB1\n"
    )
    text = PLAIN_MAP + f"scenario: {ROSTER}\n"
    history = read_history(write(tmp_path, "walk.csv", log), mapping(text, tmp_path), twin=estate_twin)  # type: ignore[arg-type]
    flags = history.incidents.set_index("id")["flags"]
    # From the Engineering Office on the ground floor to a flat on L27 is minutes, not 20 s.
    assert flags["W1"].startswith("faster than the walk: on site 0.3 min after the report")
    assert flags["W2"] == ""


def test_daylight_saving_times_are_read_as_documented(tmp_path: Path) -> None:
    log = (
        "id,reported,on_site,resolved,category,trade,priority\n"
        # 29 March 2026: London's clocks go from 01:00 GMT to 02:00 BST; 01:30 did not exist.
        "S1,2026-03-29 01:30,2026-03-29 02:45,2026-03-29 03:00,tap,plumber,blue\n"
        # 25 October 2026: 01:00-02:00 happens twice (BST, then GMT).
        "S2,2026-10-25 01:40,2026-10-25 01:20,2026-10-25 02:10,tap,plumber,blue\n"
        "S3,2026-10-25 00:50,2026-10-25 01:20,2026-10-25 02:10,tap,plumber,blue\n"
    )
    history = read_history(write(tmp_path, "dst.csv", log), mapping(PLAIN_MAP, tmp_path))
    rows = history.incidents.set_index("id")
    # Skipped: read with the offset before the change, 01:30 GMT = 02:30 BST; on site 15 min later.
    assert rows.loc["S1", "reported"].isoformat() == "2026-03-29T02:30:00+01:00"
    assert (rows.loc["S1", "arrived"] - rows.loc["S1", "reported"]).total_seconds() == 15 * 60
    assert "clocks went forward: 2026-03-29 01:30 did not exist, read as 02:30 BST" in rows.loc["S1", "flags"]
    # Repeated: the report is the first 01:40 (BST); on site at 01:20 can only be the second
    # (GMT), 40 min later, so no "on site before reported".
    assert rows.loc["S2", "reported"].isoformat() == "2026-10-25T01:40:00+01:00"
    assert rows.loc["S2", "arrived"].isoformat() == "2026-10-25T01:20:00+00:00"
    assert (rows.loc["S2", "arrived"] - rows.loc["S2", "reported"]).total_seconds() == 40 * 60
    assert "before" not in rows.loc["S2", "flags"]
    assert "read as 01:20 GMT" in rows.loc["S2", "flags"]
    # After a report at 00:50 BST, on site at 01:20 is the first 01:20 (BST): 30 min.
    assert (rows.loc["S3", "arrived"] - rows.loc["S3", "reported"]).total_seconds() == 30 * 60
    assert history.summary.flagged == {"clocks went forward": 1, "clocks went back": 2}


def test_csv_excel_and_json_give_the_same_rows(tmp_path: Path) -> None:
    csv_path = write(tmp_path, "log.csv", PLAIN_LOG)
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    frame.to_excel(tmp_path / "log.xlsx", index=False)
    (tmp_path / "log.json").write_text(json.dumps(frame.to_dict(orient="records")))
    m = mapping(PLAIN_MAP, tmp_path)
    got = {suffix: read_history(tmp_path / f"log.{suffix}", m) for suffix in ("csv", "xlsx", "json")}
    base = got["csv"].incidents.drop(columns="row")
    for suffix in ("xlsx", "json"):
        pd.testing.assert_frame_equal(got[suffix].incidents.drop(columns="row"), base)
        assert dict(got[suffix].summary.rejected) == dict(got["csv"].summary.rejected)
    # Row numbers as each file shows them: spreadsheet rows match CSV lines; JSON counts records.
    assert got["xlsx"].rejected["row"].tolist() == got["csv"].rejected["row"].tolist()
    assert got["json"].rejected["row"].tolist() == [r - 1 for r in got["csv"].rejected["row"]]


def test_a_duration_column_stands_in_for_the_end_time(tmp_path: Path) -> None:
    log = "ref,logged,attended,hours,type\n7,04/05/2026 09:00,04/05/2026 09:30,1.5,tap\n8,04/05/2026 10:00,,-2,tap\n"
    text = (
        "timezone: Europe/London\ndate_format: '%d/%m/%Y %H:%M'\nduration_unit: hours\n"
        "columns: {id: ref, reported: logged, arrived: attended, duration: hours, category: type}\n"
        "categories: {tap: {kind: work_order, trade: plumber, priority: blue}}\n"
    )
    history = read_history(write(tmp_path, "d.csv", log), mapping(text, tmp_path))
    row = history.incidents.iloc[0]
    assert (row["resolved"] - row["arrived"]).total_seconds() == 90 * 60
    assert row["priority"] == "blue"
    assert history.rejected[["row", "value", "reason"]].values.tolist() == [[3, "-2", "unreadable duration"]]


def test_the_maximo_preset_reads_a_maximo_export_and_leaves_cancelled_orders_out(tmp_path: Path) -> None:
    log = (
        "WONUM,REPORTDATE,TARGSTARTDATE,ACTSTART,ACTFINISH,LOCATION,WORKTYPE,PROBLEMCODE,DESCRIPTION,WOPRIORITY,LEAD,STATUS\n"
        "5001,2026-05-04 09:00,2026-05-04 12:00,2026-05-04 09:40,2026-05-04 10:40,Pump Room,CM,LEAK,tap,3,JSMITH,CLOSE\n"
        "5002,2026-05-04 09:10,,,,Pump Room,CM,LEAK,tap,3,JSMITH,CAN\n"
    )
    text = (
        "preset: maximo\ntimezone: Europe/London\npriorities: {1: red, 2: yellow, 3: blue}\n"
        "categories: {LEAK: {kind: work_order, trade: plumber}}\npeople: {JSMITH: D-PLB1}\n"
    )
    history = read_history(write(tmp_path, "wo.csv", log), mapping(text, tmp_path))
    row = history.incidents.iloc[0]
    # ACTSTART is on site; TARGSTARTDATE (a target) is not read as anything.
    assert (row["arrived"] - row["reported"]).total_seconds() == 40 * 60
    assert pd.isna(row["dispatched"])
    assert row[["id", "title", "priority", "person"]].tolist() == ["5001", "tap", "blue", "D-PLB1"]
    assert history.rejected[["row", "column", "reason"]].values.tolist() == [[3, "STATUS", "excluded"]]
    assert set(PRESETS) >= {"maximo", "plain"}


def test_the_plain_preset_leaves_out_the_columns_a_log_does_not_have(tmp_path: Path) -> None:
    log = "id,reported,on_site,resolved,place,category,trade,priority\nP1,2026-01-05 08:00,2026-01-05 08:12,,Lobby,tap,plumber,yellow\n"
    history = read_history(write(tmp_path, "p.csv", log), mapping(PLAIN_MAP, tmp_path))
    assert history.summary.missing == (
        "dispatched (dispatched)",
        "made_safe (made_safe)",
        "title (title)",
        "person (person)",
    )
    assert history.incidents.iloc[0]["priority"] == "yellow"


def test_a_column_the_user_names_that_the_log_lacks_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = "timezone: UTC\ncolumns:\n  reported: REPORTED\n  arrived: ONSITE\ncategories: {x: pipe_burst}\n"
    log = write(tmp_path, "l.csv", "REPORTED,ON_SITE\n2026-01-01 00:00,2026-01-01 00:10\n")
    with pytest.raises(
        MappingError,
        match=r"map\.yaml:4: columns\.arrived: l\.csv has no column 'ONSITE' \(did you mean: ON_SITE\?\)",
    ):
        read_history(log, mapping(text, tmp_path))


def test_a_file_that_is_not_a_log_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=r"cannot read a '\.pdf' file; export the log as CSV"):
        read_history(write(tmp_path, "log.pdf", "x"), mapping(PLAIN_MAP, tmp_path))


def test_the_place_index_finds_what_resolve_place_finds(estate_twin: object) -> None:
    from twin.history.read import _Places
    from twin.places import resolve_place

    twin = estate_twin
    places = _Places(twin)  # type: ignore[arg-type]
    spaces = twin.model.spaces  # type: ignore[attr-defined]
    names = [s.name for s in spaces[::40]] + [s.label for s in spaces[7::40]] + ["Lift A1", "Pump Room @ B1"]
    for name in names:
        assert places.node(name) == resolve_place(name, twin.model, twin.graph), name  # type: ignore[attr-defined]


def test_codes_a_json_export_writes_as_numbers_read_as_their_digits(tmp_path: Path) -> None:
    records = [
        {"WONUM": 7001, "REPORTDATE": "2026-05-04T09:00:00+01:00", "PROBLEMCODE": "LEAK", "WOPRIORITY": 1.0},
        {"WONUM": 7002, "REPORTDATE": "2026-05-04T10:00:00Z", "PROBLEMCODE": "LEAK", "WOPRIORITY": 3},
    ]
    (tmp_path / "wo.json").write_text(json.dumps(records))
    text = "preset: maximo\npriorities: {1: red, 3: blue}\ncategories: {LEAK: {kind: work_order, trade: plumber}}\n"
    history = read_history(tmp_path / "wo.json", mapping(text, tmp_path))
    rows = history.incidents
    assert rows["id"].tolist() == ["7001", "7002"] and rows["priority"].tolist() == ["red", "blue"]
    # Times with an offset keep their instant: 10:00Z is 10:00 in the mapping's default zone, UTC.
    assert [t.isoformat() for t in rows["reported"]] == [
        "2026-05-04T08:00:00+00:00",
        "2026-05-04T10:00:00+00:00",
    ]


def test_a_log_over_the_size_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRILLTWIN_MAX_LOG_MB", "0.0001")
    with pytest.raises(
        HistoryError, match=r"more than the 0\.0001 MB a work-order log may have; .*DRILLTWIN_MAX_LOG_MB"
    ):
        read_history(write(tmp_path, "log.csv", PLAIN_LOG), mapping(PLAIN_MAP, tmp_path))


def test_a_site_without_a_twin_keeps_every_place_even_when_a_twin_is_given(
    tmp_path: Path, estate_twin: object
) -> None:
    text = PLAIN_MAP + "has_twin: false\n"
    history = read_history(write(tmp_path, "log.csv", PLAIN_LOG), mapping(text, tmp_path), twin=estate_twin)  # type: ignore[arg-type]
    rows = history.incidents.set_index("id")
    assert "unknown place" not in history.summary.rejected
    assert rows.loc["A3", ["place", "node"]].tolist() == ["Pump Rom", -1]


def test_a_quoted_field_over_two_lines_keeps_the_line_numbers_true(tmp_path: Path) -> None:
    log = (
        "id,reported,category,title,trade,priority\n"
        'Q1,2026-05-04 09:00,tap,"tap drips,\nsee photo",plumber,blue\n'
        "Q2,not a date,tap,x,plumber,blue\n"
        "\n"
        "Q3,2026-05-04 10:00,tap,x,plumber\n"
    )
    history = read_history(write(tmp_path, "q.csv", log), mapping(PLAIN_MAP, tmp_path))
    # Q1 spans lines 2-3, Q2 is on line 4, a blank line 5 is no record, Q3 (a field short) on 6.
    assert history.rejected[["row", "reason"]].values.tolist() == [
        [4, "unreadable time"],
        [6, "malformed row"],
    ]
    assert history.incidents["title"].tolist() == ["tap drips,\nsee photo"]
    assert history.summary.read == 3
