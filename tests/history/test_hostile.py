"""Exports as they come from real systems, and the one clear line each gets when it cannot be read."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from twin.background.rates import default_rates
from twin.history import HistoryError, MappingError, parse_mapping, read_history
from twin.history.calibrate import _fit_duration, calibrate

HEADER = ["id", "reported", "on_site", "resolved", "place", "category", "trade", "priority", "person"]
ROWS = [
    [
        "1",
        "2025-03-01 10:00",
        "2025-03-01 10:20",
        "2025-03-01 11:00",
        "A-0101",
        "LEAK",
        "plumber",
        "red",
        "P1",
    ],
    [
        "2",
        "2025-03-02 10:00",
        "2025-03-02 10:20",
        "2025-03-02 11:00",
        "Café",
        "LEAK",
        "plumber",
        "blue",
        "P1",
    ],
]
COLS = "columns: {id: id, reported: reported, category: category, trade: trade, priority: priority}\n"
MAP = 'preset: plain\ntimezone: Europe/London\ndate_format: "%Y-%m-%d %H:%M"\n'


def read(tmp_path: Path, name: str, data: bytes | str, mapping: str = MAP) -> object:
    log = tmp_path / name
    log.write_bytes(data if isinstance(data, bytes) else data.encode())
    return read_history(log, parse_mapping(mapping, source=tmp_path / "map.yaml"))


def csv_text(sep: str = ",") -> str:
    return "\n".join(sep.join(r) for r in [HEADER, *ROWS]) + "\n"


def test_a_semicolon_export_is_one_line_naming_the_delimiter_to_set(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=r"log\.csv:1: .*separated by ';' — write delimiter: \";\""):
        read(tmp_path, "log.csv", csv_text(";"))
    h = read(tmp_path, "log.csv", csv_text(";"), MAP + 'delimiter: ";"\n')
    assert h.summary.used == 2  # type: ignore[attr-defined]


def test_utf16_reads_and_latin1_names_its_line_and_reads_with_its_encoding(tmp_path: Path) -> None:
    assert read(tmp_path, "u16.csv", csv_text().encode("utf-16")).summary.used == 2  # type: ignore[attr-defined]
    with pytest.raises(
        HistoryError,
        match=r"l1\.csv:3: not UTF-8 text \(byte 0xe9: saved as Latin-1 or Windows-1252\?\); .*encoding: cp1252",
    ):
        read(tmp_path, "l1.csv", csv_text().encode("latin-1"))
    h = read(tmp_path, "l1.csv", csv_text().encode("latin-1"), MAP + "encoding: cp1252\n")
    assert list(h.incidents["place"]) == ["A-0101", "Café"]  # type: ignore[attr-defined]


def test_a_json_log_is_decoded_like_a_csv_one(tmp_path: Path) -> None:
    # It was read as UTF-8 only: a UTF-16 export said "not valid JSON", a cp1252 one named no line.
    records = [dict(zip(HEADER, r, strict=True)) for r in ROWS]
    text = json.dumps(records, ensure_ascii=False, indent=1)
    assert read(tmp_path, "u16.json", text.encode("utf-16")).summary.used == 2  # type: ignore[attr-defined]
    with pytest.raises(HistoryError, match=r"l1\.json:\d+: not UTF-8 text \(byte 0xe9: .*encoding: cp1252"):
        read(tmp_path, "l1.json", text.encode("latin-1"))
    h = read(tmp_path, "l1.json", text.encode("latin-1"), MAP + "encoding: cp1252\n")
    assert list(h.incidents["place"]) == ["A-0101", "Café"]  # type: ignore[attr-defined]


def test_an_excel_log_on_its_second_sheet_under_a_title_keeps_the_spreadsheet_s_row_numbers(
    tmp_path: Path,
) -> None:
    book = Workbook()
    book.active.append(["exported by the CMMS"])  # type: ignore[union-attr]
    sheet = book.create_sheet("Work orders")
    sheet.append(["Work orders 2025"])
    sheet.merge_cells("A1:I1")
    for row in [HEADER, ROWS[0], [*ROWS[1], "stray"]]:
        sheet.append(row)
    book.save(tmp_path / "log.xlsx")
    h = read_history(tmp_path / "log.xlsx", parse_mapping(MAP))
    assert list(h.incidents["row"]) == [3]
    assert h.rejected.iloc[0][["row", "reason"]].tolist() == [4, "malformed row"]
    assert "1 filled cells right of the header" in h.rejected.iloc[0]["detail"]


def test_a_json_object_holding_the_list_and_nested_records_read(tmp_path: Path) -> None:
    records = [dict(zip(HEADER, r, strict=True)) for r in ROWS]
    assert read(tmp_path, "a.json", json.dumps({"data": records})).summary.used == 2  # type: ignore[attr-defined]
    nested = json.dumps([{"wo": r} for r in records])
    with pytest.raises(MappingError, match=r"no column 'reported' \(did you mean: wo\.reported"):
        read(tmp_path, "b.json", nested)
    cols = {f: f"wo.{c}" for f, c in {"id": "id", "reported": "reported", "priority": "priority"}.items()}
    mapping = "timezone: UTC\ndate_format: '%Y-%m-%d %H:%M'\ncategories: {LEAK: {kind: work_order, trade: plumber}}\n"
    h = read(
        tmp_path, "b.json", nested, mapping + f"columns: {json.dumps({**cols, 'category': 'wo.category'})}\n"
    )
    assert h.summary.used == 2  # type: ignore[attr-defined]
    with pytest.raises(HistoryError, match=r"c\.json: an object \(keys: a, b\), not a list"):
        read(tmp_path, "c.json", json.dumps({"a": records, "b": records}))


def test_a_column_the_mapping_uses_twice_in_the_header_is_an_error_naming_both(tmp_path: Path) -> None:
    text = "\n".join(",".join(r) for r in [[*HEADER, "place"], [*ROWS[0], "X"]])
    with pytest.raises(HistoryError, match=r"log\.csv:1: the column 'place' .* 2 times \(columns 5, 10\)"):
        read(tmp_path, "log.csv", text)


def test_offsets_excel_serials_and_epoch_seconds_read_to_the_same_instant(tmp_path: Path) -> None:
    def reported(value: str, date_format: str) -> pd.Timestamp:
        text = "id,reported,category,trade,priority\n1," + value + ",x,plumber,red\n"
        h = read(tmp_path, "t.csv", text, f"{COLS}timezone: Europe/London\ndate_format: {date_format}\n")
        return h.incidents["reported"].iat[0].tz_convert("UTC")  # type: ignore[attr-defined,no-any-return]

    noon = pd.Timestamp("2025-03-01 12:00", tz="UTC")  # GMT in March before the clocks change
    assert reported("45717.5", "excel") == noon  # Excel's day 45717 is 2025-03-01
    assert reported("1740830400", "epoch") == noon  # 20,148 days × 86,400 s + 12 h
    assert reported("2025-03-01T13:00:00+01:00", "iso") == noon
    assert reported("2025-03-01T12:00:00Z", "iso") == noon
    with pytest.raises(
        HistoryError, match=r"row 2: reported '45717\.5'.*Excel serial date: write date_format: excel"
    ):
        calibrate(
            read(tmp_path, "t.csv", "id,reported,category,trade,priority\n1,45717.5,x,plumber,red\n", COLS)
        )  # type: ignore[arg-type]


def test_a_folder_a_missing_scenario_and_a_clock_name_for_a_zone_are_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(HistoryError, match=r"d\.csv: is a folder, not a log file"):
        read_history(tmp_path / "d.csv", parse_mapping(MAP))
    mapping = parse_mapping(MAP + "scenario: nowhere.yaml\n", source=tmp_path / "map.yaml")
    with pytest.raises(MappingError, match=r"map\.yaml:4: scenario: .*nowhere\.yaml is not a file"):
        read_history(tmp_path / "d.csv", mapping)
    with pytest.raises(MappingError, match=r"timezone: 'BST' .* e\.g\. Europe/London"):
        parse_mapping(MAP.replace("Europe/London", "BST"))
    with pytest.raises(MappingError, match=r"timezone: 'GMT\+1' is a fixed offset.*opposite sign"):
        parse_mapping(MAP.replace("Europe/London", "GMT+1"))


def test_the_time_on_the_job_p_value_is_lilliefors_not_the_known_parameter_one() -> None:
    # 100 log-minutes, 70 from N(0, 1) and 30 from N(1.6, 0.5): D = 0.0987 against the normal of their
    # mean and standard deviation (n − 1, as Lilliefors), which
    # lies between Lilliefors' 5 % and 1 % critical values for n = 100 (0.886/√n and 1.031/√n), so
    # his test gives 0.01 < p < 0.05; the known-parameter KS would say p = 0.26.
    r = np.random.default_rng(0)
    logs = np.concatenate([r.normal(0, 1, 70), r.normal(1.6, 0.5, 30)])
    start = pd.Timestamp("2025-01-01", tz="UTC")
    rows = pd.DataFrame(
        {
            "arrived": [start] * 100,
            "resolved": [start + pd.Timedelta(minutes=float(m)) for m in np.exp(logs + 3)],
        }
    )
    fit = _fit_duration(rows)
    assert fit is not None and fit.ks_d == pytest.approx(0.0987, abs=5e-4)
    assert 0.01 < fit.ks_p < 0.05 and "Lilliefors" in fit.line()


def test_a_mapped_kind_the_log_never_shows_gives_the_exact_upper_bound_of_none(tmp_path: Path) -> None:
    rows = [
        f"{d},{dt.date(2025, 1, 1) + dt.timedelta(days=d):%Y-%m-%d} 10:00,LEAK,plumber,red"
        for d in range(365)
    ]
    mapping = COLS + "categories: {LEAK: {kind: work_order, trade: plumber}, STORM: storm}\n"
    h = read(tmp_path, "log.csv", "id,reported,category,trade,priority\n" + "\n".join(rows) + "\n", mapping)
    cal = calibrate(h)  # type: ignore[arg-type]
    # None in a year: the 95 % upper bound is χ²(0.975; 2)/2 = −ln 0.025 = 3.689 events over the
    # exposure — 2025's hours per month weighted by the default storm season (averaging 1).
    season = np.array(default_rates().seasons["storms"], float)
    hours = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]) * 24
    bound = -np.log(0.025) / (float((hours * season / season.mean()).sum()) / 8760)
    (note,) = [n for n in cal.notes if n.startswith("storm:")]
    assert f"at most {bound:.3g} per site a year" in note and "not enough evidence to replace it" in note
