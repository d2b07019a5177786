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


def test_codes_with_leading_zeros_or_dots_are_read_as_written_not_as_yaml_numbers() -> None:
    # YAML 1.1 reads unquoted 010 as octal 8, 0042 as 34, 1.10 as 1.1 and 1:30 as 90: the log's
    # codes 010, 0042… then matched nothing, and 1 and 01 merged into one key.
    m = parse_mapping(
        "preset: maximo\npriorities: {01: red, 1: blue}\n"
        "categories: {010: pipe_burst, 1.10: storm, 1:30: entrapment}\n"
        "people: {0042: D-PLB1}\nexclude: {STATUS: [007, CAN]}\n"
    ).mapping
    assert m.priorities == {"01": "red", "1": "blue"}
    assert list(m.categories) == ["010", "1.10", "1:30"]
    assert m.category_of("010").kind == "pipe_burst"  # type: ignore[union-attr]
    assert m.category_of("8") is None
    assert m.people == {"0042": "D-PLB1"}
    assert m.exclude == {"STATUS": ["007", "CAN"]}


def test_one_code_given_twice_as_a_number_and_as_text_is_an_error_naming_both_lines() -> None:
    with pytest.raises(
        MappingError,
        match=r"^map\.yaml:4: priorities: the code '1' is given twice \(first on line 3\); keep one$",
    ):
        parse_mapping("preset: maximo\npriorities:\n  1: red\n  '1': blue\n", source=Path("map.yaml"))


def test_a_work_order_trade_is_checked() -> None:
    with pytest.raises(
        MappingError, match=r":3: categories\.T\.trade: unknown trade 'plumer' \(did you mean: plumber\?\)"
    ):
        parse_mapping("preset: maximo\ncategories:\n  T: {kind: work_order, trade: plumer}\n")
