"""The mapping file: validated like a scenario, errors located to their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.history import MappingError, parse_mapping


def test_an_unknown_kind_is_located_to_its_line_with_did_you_mean() -> None:
    text = "timezone: Europe/London\ncolumns: {reported: R}\ncategories:\n  BURST: pipe_brust\n"
    with pytest.raises(
        MappingError,
        match=r"map\.yaml:4: categories\.BURST\.kind: unknown kind 'pipe_brust' \(did you mean: pipe_burst\?\)",
    ):
        parse_mapping(text, source=Path("map.yaml"))


def test_an_unknown_time_zone_names_its_line_and_a_fix() -> None:
    with pytest.raises(
        MappingError,
        match=r"map\.yaml:2: timezone: unknown time zone 'Europe/Londn' \(did you mean: Europe/London",
    ):
        parse_mapping("preset: maximo\ntimezone: Europe/Londn\n", source=Path("map.yaml"))


def test_a_mapping_needs_the_reported_column_unless_a_preset_gives_it() -> None:
    with pytest.raises(
        MappingError, match=r"columns\.reported: name the column holding when each work order was reported"
    ):
        parse_mapping("timezone: UTC\n", source=Path("map.yaml"))
    assert parse_mapping("preset: maximo\n").mapping.columns.reported == "REPORTDATE"


def test_a_preset_fills_the_columns_and_the_user_s_own_win() -> None:
    loaded = parse_mapping("preset: maximo\ncolumns: {arrived: ONSITE, duration: HOURS}\n")
    cols = loaded.mapping.columns
    assert (cols.id, cols.arrived, cols.duration, cols.resolved) == ("WONUM", "ONSITE", "HOURS", None)
    assert "arrived" not in loaded.from_preset and "id" in loaded.from_preset
    assert loaded.mapping.exclude == {"STATUS": ["CAN"]}


def test_codes_written_as_numbers_are_read_as_text_and_categories_as_short_kinds() -> None:
    m = parse_mapping(
        "preset: maximo\npriorities: {1: red, 2: yellow}\ncategories: {B: pipe_burst}\n"
    ).mapping
    assert m.priority_of("1") == "red" and m.priority_of("9") is None
    assert m.category_of("b") is not None and m.category_of("B").kind == "pipe_burst"  # type: ignore[union-attr]


def test_a_work_order_trade_is_checked() -> None:
    with pytest.raises(
        MappingError, match=r":3: categories\.T\.trade: unknown trade 'plumer' \(did you mean: plumber\?\)"
    ):
        parse_mapping("preset: maximo\ncategories:\n  T: {kind: work_order, trade: plumer}\n")
