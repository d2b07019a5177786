"""The one YAML reader refuses hostile and impossible input with one line naming file, line and
fix, before anything walks or builds it: alias bombs, oversize files, impossible dates, tags,
NaN and negative quantities, numbers written with their unit — for scenarios, sweeps and rates."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.engine.conftest import SCENARIOS, scenario_file
from twin.background.rates import load_rates
from twin.cli import main
from twin.scenario import ScenarioError, load_scenario, parse_scenario, validation_errors
from twin.scenario.load import file_references, read_yaml, shipped_data_dirs, with_files_resolved
from twin.sweep.spec import load_sweep

DEMO = SCENARIOS / "night_riser_burst.yaml"
REPAIR = "repair_min: {kind: triangular, low: 60, mode: 100, high: 180}"


def billion_laughs(levels: int = 9, fan: int = 9) -> str:
    """A scenario whose ``people`` alias ``fan**levels`` copies of one list (9⁹ ≈ 387 million
    nodes) in about 520 bytes."""
    lines = ["name: laughs", "l0: &l0 [x]"]
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * fan)}]")
    lines.append(f"people: *l{levels}")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_at_once_naming_the_limit():
    text = billion_laughs()
    assert len(text) < 1000
    start = time.perf_counter()
    with pytest.raises(
        ScenarioError,
        match=r"bomb\.yaml:\d+: its aliases \(\*name\) expand to more than "
        r"100,000 YAML nodes.*DRILLTWIN_MAX_YAML_NODES",
    ):
        parse_scenario(text, source=Path("bomb.yaml"))
    assert validation_errors(text, source=Path("bomb.yaml"))[0].startswith("bomb.yaml:")
    assert time.perf_counter() - start < 10.0  # a guard against a hang (unguarded, it runs for hours)


def test_the_alias_limit_counts_expanded_nodes_and_can_be_raised(monkeypatch):
    # Expanded: l0 = [x] is 2 nodes, l1 = 1 + 9·2 = 19, l2 = 1 + 9·19 = 172, l3 = 1 + 9·172 = 1,549;
    # the top mapping is 1 + 6 keys + 'laughs' + l0..l3 + people (= l3) = 1 + 6 + 1 + 3,291 = 3,299.
    text = billion_laughs(levels=3)
    monkeypatch.setenv("DRILLTWIN_MAX_YAML_NODES", "3298")
    with pytest.raises(ScenarioError, match="more than 3,298 YAML nodes"):
        read_yaml(text, "small.yaml")
    monkeypatch.setenv("DRILLTWIN_MAX_YAML_NODES", "3299")
    _, data = read_yaml(text, "small.yaml")
    assert len(data["people"]) == 9 and len(data["people"][0][0]) == 9


def test_an_alias_that_contains_itself_is_refused():
    with pytest.raises(ScenarioError, match=r"loop\.yaml:1: an alias refers to a node that contains it"):
        read_yaml("a: &a [1, *a]\n", "loop.yaml")


def test_the_same_reader_guards_sweeps_rates_and_the_validate_command(tmp_path, capsys):
    bomb = billion_laughs()
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(bomb.replace("people:", "variants:"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"sweep\.yaml:.*expand to more than"):
        load_sweep(sweep)
    rates = tmp_path / "rates.yaml"
    rates.write_text(bomb.replace("people:", "work_orders:"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"rates\.yaml:.*expand to more than"):
        load_rates(rates)
    path = scenario_file(tmp_path, bomb, "bomb.yaml")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "expand to more than 100,000 YAML nodes" in err


def test_a_yaml_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path, capsys):
    path = tmp_path / "huge.yaml"
    path.write_text("name: big\n" + "# padding\n" * 250_000, encoding="utf-8")  # 2.5 MB
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err  # the size is checked before the file is read or parsed
    assert "huge.yaml: 2.5 MB is more than the 2 MB a YAML file may have" in err
    assert "if it really is that long, set DRILLTWIN_MAX_YAML_MB (MB) to raise it" in err
    assert err.count("\n") == 1
    with pytest.raises(ScenarioError, match=r"2\.5 MB is more than the 2 MB"):
        parse_scenario(path.read_text(encoding="utf-8"), source=path)  # text from the app's editor


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "start: 2026-11-21T02:10:00",
            "start: 2026-02-30",
            r"x\.yaml:{line}: cannot read the value '2026-02-30' \(day is out of range for month\); write a real date",
        ),
        (
            "start: 2026-11-21T02:10:00",
            "start: !!python/object/apply:os.system ['echo hi']",
            r"x\.yaml:{line}: could not determine a constructor for the tag .*; a scenario holds plain data only",
        ),
        (
            REPAIR,
            "repair_min: .nan",
            r"x\.yaml:{line}: hazards\[0\]\.repair_min: must be a finite number, got nan",
        ),
        (REPAIR, "repair_min: -100", r"x\.yaml:{line}: hazards\[0\]\.repair_min: must be ≥ 0, got -100$"),
        (
            REPAIR,
            'repair_min: "15 min"',
            r"x\.yaml:{line}: hazards\[0\]\.repair_min: must be a number, got '15 min'; write the number alone, in "
            r"minutes",
        ),
        (
            REPAIR,
            "repair_min: {kind: triangular, low: .nan, mode: 100, high: 180}",
            r"x\.yaml:{line}: hazards\[0\]\.repair_min\.low: must be a finite number, got nan",
        ),
        (
            REPAIR,
            "repair_min: {kind: uniform, low: -5, high: 10}",
            r"x\.yaml:{line}: hazards\[0\]\.repair_min\.low: must be ≥ 0, got -5$",
        ),
        (
            "pressure_bar: 4.5",
            "pressure_bar: .inf",
            r"x\.yaml:{line}: hazards\[0\]\.pressure_bar: must be a finite",
        ),
        (
            "pressure_bar: 4.5",
            "pressure_bar: 40",
            r"x\.yaml:{line}: hazards\[0\]\.pressure_bar: must be ≤ 16, got 40$",
        ),
        ("duration_h: 6", "duration_h: 0", r"x\.yaml:{line}: duration_h: must be > 0, got 0$"),
    ],
)
def test_a_value_that_cannot_run_is_refused_with_its_line_and_allowed_range(old, new, message):
    text = DEMO.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    with pytest.raises(ScenarioError, match=message.replace("{line}", str(line))):
        parse_scenario(text.replace(old, new), source=Path("x.yaml"))


def test_validate_names_a_negative_repair_time_instead_of_the_run_crashing(tmp_path, capsys):
    text = DEMO.read_text(encoding="utf-8").replace(REPAIR, "repair_min: -100")
    path = scenario_file(tmp_path, text)
    assert main(["run", str(path), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "hazards[0].repair_min: must be ≥ 0, got -100" in err
    assert not (tmp_path / "run").exists()


def test_a_rates_file_with_a_nan_rate_names_its_line(tmp_path):
    rates = tmp_path / "rates.yaml"
    rates.write_text(
        "work_orders:\n  - {name: leak, per: household, priority: blue, trade: plumber,\n"
        "     per_year: .nan, minutes: 30}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match=r"rates\.yaml:3: work_orders\[0\]\.per_year: must be a finite"):
        load_rates(rates)


def test_an_unquoted_shift_end_that_yaml_reads_as_base_60_says_to_quote_it():
    # YAML 1.1 reads 19:00 as 19 × 60 = 1140 but leaves 07:00 (leading zero) as text, so only
    # one end of the shift broke, and the message used to say "must be text, got int 1140".
    text = DEMO.read_text(encoding="utf-8").replace(
        'day: {start: "07:00", end: "19:00"}', "day: {start: 07:00, end: 19:00}"
    )
    line = text.splitlines().index("  day: {start: 07:00, end: 19:00}") + 1
    assert validation_errors(text, source=Path("shifts.yaml")) == [
        f"shifts.yaml:{line}: shifts.day.end: YAML read the unquoted 19:00 as the number 1140 (base 60); "
        'write the time in quotes, "19:00"'
    ]
    text = text.replace("start: 07:00, end: 19:00", "start: 7, end: 19:00")
    assert validation_errors(text, source=Path("shifts.yaml"))[0] == (
        f"shifts.yaml:{line}: shifts.day.start: the number 7 is not a time of day; "
        'write it in quotes as "HH:MM", e.g. "07:00"'
    )


def test_an_unquoted_visit_time_in_a_rates_file_says_to_quote_it(tmp_path):
    rates = tmp_path / "rates.yaml"
    rates.write_text(
        "work_orders:\n  - {name: round, per: site, priority: blue, trade: general, minutes: 30,\n"
        "     schedule: {every_days: 1, at: [08:00, 14:30]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ScenarioError,
        match=r"rates\.yaml:3: .*schedule\.at.*YAML read the unquoted 14:30 as the number 870 \(base 60\); "
        r'write the time in quotes, "14:30"',
    ):
        load_rates(rates)


@pytest.mark.parametrize(
    ("start", "shown"),
    [
        ("9999-12-31T22:00:00", "9999-12-31 22:00"),
        ("0001-01-01T02:10:00", "0001-01-01 02:10"),
        ("2261-12-31T20:00:00", "2261-12-31 20:00"),
    ],
)
def test_a_start_outside_the_years_a_table_of_times_holds_is_refused_at_its_line(start, shown):
    # 9999-12-31 ran, then its report crashed adding the run's seconds to it (OverflowError).
    text = DEMO.read_text(encoding="utf-8").replace("start: 2026-11-21T02:10:00", f"start: {start}")
    assert validation_errors(text, source=Path("far.yaml")) == [
        f"far.yaml:11: start: {shown} (and the 6 h after it) is outside the years 1678–2261 a drill's "
        "times can have; give a date within them"
    ]
    # The last hours that fit: 2261-12-31 17:00 + 6 h ends in 2261.
    ok = DEMO.read_text(encoding="utf-8").replace("start: 2026-11-21T02:10:00", "start: 2261-12-31T17:00:00")
    assert validation_errors(ok) == []


def test_a_latin1_scenario_names_its_line_and_a_notepad_unicode_one_reads(tmp_path):
    text = DEMO.read_text(encoding="utf-8").replace("name: Night-shift", "name: Équipe de nuit,")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(text.encode("latin-1", errors="replace"))
    with pytest.raises(
        ScenarioError,
        match=rf"^{latin}:6: not UTF-8 text \(byte 0xc9: saved as Latin-1 or Windows-1252\?\); "
        "save the scenario as UTF-8 YAML$",
    ):
        load_scenario(latin)
    unicode = tmp_path / "notepad.yaml"
    unicode.write_bytes(text.encode("utf-16"))  # with its byte-order mark, as Notepad saves "Unicode"
    assert load_scenario(unicode).scenario.name.startswith("Équipe de nuit,")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"PK\x03\x04\x00\x00\xff")
    with pytest.raises(ScenarioError, match=r"not a text file \(it holds NUL bytes: a binary file\?\)"):
        load_scenario(binary)


def test_a_folder_or_an_unreadable_file_as_scenario_is_one_line(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 2
    assert f"{tmp_path}: is a folder, not a scenario file" in capsys.readouterr().err
    assert main(["run", str(tmp_path)]) == 2
    assert f"{tmp_path}: is a folder, not a scenario file" in capsys.readouterr().err


def test_a_key_given_twice_is_refused_naming_both_lines_instead_of_keeping_the_last():
    # PyYAML keeps the last of two keys silently: the drill would run with seed 8, unseen.
    text = DEMO.read_text(encoding="utf-8").replace("seed: 7\n", "seed: 7\nseed: 8\n")
    first = text.splitlines().index("seed: 7") + 1
    with pytest.raises(
        ScenarioError,
        match=rf"^twice\.yaml:{first + 1}: 'seed' is given twice \(first on line {first}\); "
        "YAML keeps only the last, silently — delete or merge one of them$",
    ):
        parse_scenario(text, source=Path("twice.yaml"))
    with pytest.raises(ScenarioError, match=r"^f\.yaml:2: 'low' is given twice \(first on line 2\)"):
        read_yaml("a:\n  b: {low: 1, low: 2}\n", "f.yaml")
    # The same name in two list items, or 1 and '1', are different keys.
    assert read_yaml("- {c: 1}\n- {c: 2}\n", "f.yaml")[1] == [{"c": 1}, {"c": 2}]
    assert read_yaml("1: a\n'1': b\n", "f.yaml")[1] == {1: "a", "1": "b"}


def test_a_control_character_in_the_yaml_is_one_line_naming_its_line():
    text = DEMO.read_text(encoding="utf-8").replace("seed: 7", "seed: 7\x00")
    line = text.splitlines().index("seed: 7\x00") + 1
    with pytest.raises(
        ScenarioError, match=rf"^nul\.yaml:{line}: not valid YAML: character #x0000 is not allowed"
    ):
        parse_scenario(text, source=Path("nul.yaml"))


def test_validate_names_an_impossible_date_on_its_line_instead_of_a_traceback(tmp_path, capsys):
    text = DEMO.read_text(encoding="utf-8").replace(
        "start: 2026-11-21T02:10:00", "start: 2026-13-45T02:10:00"
    )
    path = scenario_file(tmp_path, text, "month13.yaml")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"twin validate: {path}:11: cannot read the value '2026-13-45T02:10:00' (month must be in 1..12); "
        "write a real date as YYYY-MM-DD or quote the value\n"
    )


# -- file references: the app reads only the upload's folder and the shipped data ---------------


def test_every_file_a_scenario_names_is_listed_with_its_field():
    text = DEMO.read_text(encoding="utf-8") + "model: [a.ifc, b.ifc]\nbackground: {rates: my_rates.yaml}\n"
    loaded = parse_scenario(text)
    assert file_references(loaded.scenario) == [
        (("model", 0), "a.ifc"),
        (("model", 1), "b.ifc"),
        (("background", "rates"), "my_rates.yaml"),
    ]


@pytest.mark.parametrize("target", ["/etc/passwd", "/etc/no-such-file", "../../../../etc/hostname"])
def test_the_app_refuses_a_file_outside_the_shipped_data_without_opening_it(target, tmp_path):
    text = DEMO.read_text(encoding="utf-8") + f"background: {{rates: {target}}}\n"
    loaded = parse_scenario(text, source=Path("edited.yaml"))
    with pytest.raises(ScenarioError) as info:
        with_files_resolved(loaded, SCENARIOS, inside=shipped_data_dirs())
    line = len(text.splitlines())
    # The same words whether the file exists or not: nothing about the server's files leaks.
    assert str(info.value) == (
        f"edited.yaml:{line}: background.rates: '{target}' is outside the upload's folder and DrillTwin's "
        "shipped data, and the app reads no other file; name a shipped file or leave the field out "
        "(rates: left out uses the default rates)"
    )


def test_the_app_takes_the_shipped_rates_file_by_a_relative_path():
    text = DEMO.read_text(encoding="utf-8") + "background: {rates: ../twin/background/rates.yaml}\n"
    loaded = with_files_resolved(parse_scenario(text), SCENARIOS, inside=shipped_data_dirs())
    assert loaded.scenario.background is not None
    assert Path(loaded.scenario.background.rates or "").is_file()


def test_the_command_line_still_reads_files_anywhere(tmp_path):
    rates = tmp_path / "mine.yaml"
    rates.write_text("work_orders: []\n", encoding="utf-8")
    path = scenario_file(tmp_path, DEMO.read_text(encoding="utf-8") + f"background: {{rates: {rates}}}\n")
    assert load_scenario(path).scenario.background.rates == str(rates)  # type: ignore[union-attr]


def test_a_base_in_a_room_nobody_can_reach_is_a_validation_error(tmp_path, capsys):
    from tests.ifc_builder import two_storey_house

    house = two_storey_house(tmp_path)  # its 'G4 Store' has no door
    path = scenario_file(
        tmp_path,
        f"name: x\nmodel: [{house.name}]\npeople:\n"
        "  - {id: P1, trades: {plumber: 2}, shift: night, base: G4 Store}\n",
    )
    assert main(["validate", "--against-model", str(path)]) == 2
    err = capsys.readouterr().err
    # The problem, then validate's count of what it found against the model.
    assert err.count("\n") == 2 and "1 problem with house.ifc" in err
    assert (
        "drill.yaml:4: people[0].base: 'G4 Store' cannot be reached from an entrance: no door or open "
        "boundary connects it"
    ) in err


RED = "red: {on_site_min: 15, on_site_max_min: 30, made_safe_min: 45, resolved_min: 300}"


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            RED,
            "red: {on_site_min: 30, on_site_max_min: 15, made_safe_min: 45, resolved_min: 300}",
            "16: targets.red.on_site_max_min: 15 is below on_site_min (30); on_site_max_min must be at "
            "least on_site_min — raise on_site_max_min or lower on_site_min",
        ),
        (
            RED,
            "red: {on_site_min: 15, on_site_max_min: 30, made_safe_min: 45, resolved_min: 8}",
            "16: targets.red.resolved_min: 8 is below made_safe_min (45); resolved_min must be at least "
            "made_safe_min — raise resolved_min or lower made_safe_min",
        ),
        (
            "callout_delay_min: {kind: uniform, low: 30, high: 60}",
            "callout_delay_min: {kind: uniform, low: 50, high: 10}",
            "39: people[9].callout_delay_min.high: 10 is below low (50); high must be at least low — "
            "raise high or lower low",
        ),
        (
            REPAIR,
            "repair_min: {kind: triangular, low: 60, mode: 50, high: 180}",
            "61: hazards[0].repair_min.mode: 50 is below low (60); mode must be at least low — "
            "raise mode or lower low",
        ),
    ],
)
def test_a_maximum_below_its_minimum_is_refused_naming_both_fields_and_the_fix(old, new, problem):
    text = DEMO.read_text(encoding="utf-8")
    assert old in text
    assert validation_errors(text.replace(old, new), source=Path("t.yaml")) == [f"t.yaml:{problem}"]


def test_a_sweep_whose_most_replications_are_below_its_first_screen_is_refused_the_same_way(tmp_path):
    path = tmp_path / "search.yaml"
    path.write_text(
        f"name: s\nbase: {DEMO}\nsearch:\n  staff: {{night: {{plumber: [1, 2]}}}}\n"
        "  screen_replications: 5\n  max_replications: 4\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ScenarioError,
        match=rf"^{path}:6: search\.max_replications: 4 is below screen_replications \(5\); "
        "max_replications must be at least screen_replications — raise max_replications or lower "
        "screen_replications$",
    ):
        load_sweep(path)


YES_NO = "— YAML reads unquoted yes, no, on, off, true and false as yes/no;"


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "seed: 7",
            "seed: yes",
            f"13: seed: a yes/no (true) where a number is expected {YES_NO} write the number",
        ),
        (
            "trades: {plumber: 2}",
            "trades: {plumber: on}",
            f"25: people[0].trades: a yes/no (true at plumber) where a number is expected {YES_NO} write the number",
        ),
        (
            "on_site_min: 15,",
            "on_site_min: no,",
            f"16: targets.red.on_site_min: a yes/no (false) where a number is expected {YES_NO} write the number",
        ),
        (
            "low: 30, high: 60",
            "low: off, high: 60",
            f"39: people[9].callout_delay_min.low: a yes/no (false) where a number is expected {YES_NO} "
            "write the number",
        ),
        (
            "hourly_rate: 38",
            "hourly_rate: true",
            f"25: people[0].hourly_rate: a yes/no (true) where a number is expected {YES_NO} write the number",
        ),
        (
            "name: Night-shift riser",
            "name: yes #",
            f"6: name: a yes/no (true) where text is expected {YES_NO} put the text in quotes",
        ),
        (
            "start: 2026-11-21T02:10:00",
            "start: on",
            f"11: start: a yes/no (true) where a date and time is expected {YES_NO} write it as "
            "2026-01-05T08:00:00",
        ),
    ],
)
def test_a_yes_or_no_where_a_number_a_time_or_text_belongs_is_refused_naming_the_field(old, new, problem):
    # pydantic turned `seed: yes` into seed 1 and `plumber: on` into level 1, unseen.
    text = DEMO.read_text(encoding="utf-8")
    assert old in text
    assert validation_errors(text.replace(old, new, 1), source=Path("t.yaml")) == [f"t.yaml:{problem}"]
    # A yes/no where one belongs is still one.
    assert validation_errors(text.replace("hourly_rate: 38", "hourly_rate: 38, on_call: no")) == []


def test_a_sweep_staff_count_given_as_yes_is_refused_at_its_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        f"name: s\nbase: {DEMO}\nvariants:\n  - {{name: a, staff: {{night: {{plumber: yes}}}}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ScenarioError,
        match=rf"^{path}:4: variants\[0\]\.staff: a yes/no \(true at night\.plumber\) where a number is expected",
    ):
        load_sweep(path)


@pytest.mark.parametrize(("written", "shown"), [("+02:00", "+02:00"), ("Z", "+00:00"), ("-05:30", "-05:30")])
def test_a_start_with_a_utc_offset_is_refused_asking_for_the_building_s_local_time(written, shown):
    # It ran at the wall-clock hour and kept the offset in the run's metadata, unchecked.
    text = DEMO.read_text(encoding="utf-8").replace(
        "start: 2026-11-21T02:10:00", f"start: 2026-11-21T02:10:00{written}"
    )
    assert validation_errors(text, source=Path("tz.yaml")) == [
        f"tz.yaml:11: start: 2026-11-21 02:10{shown} has a UTC offset; give the building's local time without "
        "one (2026-11-21T02:10:00 if 02:10 is the time on the building's clocks): shifts, the background's "
        "hours and the logs all use the building's clock"
    ]


def test_a_sweep_period_starting_with_a_utc_offset_is_refused_the_same_way(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        f"name: s\nbase: {DEMO}\nperiod: {{start: 2026-01-05T08:00:00+02:00, days: 1}}\n", encoding="utf-8"
    )
    with pytest.raises(
        ScenarioError, match=rf"^{path}:3: period\.start: 2026-01-05 08:00\+02:00 has a UTC offset; "
    ):
        load_sweep(path)
