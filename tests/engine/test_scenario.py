"""Scenario files: validation with file, line, field and fix; the schema; the shipped scenarios."""

from __future__ import annotations

import json

import pytest

from tests.engine.conftest import SCENARIOS, scenario_file
from twin.background.rates import scenario_rates
from twin.cli import main
from twin.engine import compile_drill
from twin.scenario import (
    FieldError,
    ScenarioError,
    load_scenario,
    parse_scenario,
    schema_json,
    validation_errors,
)

MINIMAL = """name: tiny
people:
  - id: P1
    trades: {plumber: 2}
    shift: night
"""


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_scenario_is_valid_and_fits_the_estate(path, estate_twin):
    loaded = load_scenario(path)
    drill = compile_drill(estate_twin, loaded.scenario, rates=scenario_rates(loaded.scenario))
    assert len(drill.crew) >= len(loaded.scenario.people)


def test_a_misspelt_trade_names_file_line_field_and_the_known_trades(tmp_path):
    path = scenario_file(tmp_path, MINIMAL.replace("plumber: 2", "plumer: 2"))
    with pytest.raises(
        ScenarioError,
        match=r"drill\.yaml:4: people\[0\]\.trades: unknown trade 'plumer' "
        r"\(did you mean: plumber\?\)",
    ):
        load_scenario(path)


def test_an_unknown_field_is_an_error_on_its_own_line(tmp_path):
    text = MINIMAL + "hazards:\n  - kind: pipe_burst\n    at: Riser B L14\n    presure_bar: 4\n"
    with pytest.raises(ScenarioError, match=r":9: hazards\[0\]\.presure_bar: unknown field 'presure_bar'"):
        load_scenario(scenario_file(tmp_path, text))


def test_an_unknown_hazard_kind_lists_the_kinds(tmp_path):
    text = MINIMAL + "hazards:\n  - kind: earthquake\n"
    with pytest.raises(
        ScenarioError,
        match=r":7: hazards\[0\]\.kind: unknown hazard kind 'earthquake' "
        r"\(known: pipe_burst, power_loss, storm\)",
    ):
        load_scenario(scenario_file(tmp_path, text))


def test_a_shift_nobody_defined_is_named_with_the_known_shifts(tmp_path):
    with pytest.raises(
        ScenarioError, match=r":5: people\[0\]\.shift: unknown shift 'nite' \(did you mean: night\?\)"
    ):
        load_scenario(scenario_file(tmp_path, MINIMAL.replace("night", "nite")))


def test_bad_yaml_names_the_line(tmp_path):
    with pytest.raises(ScenarioError, match=r"drill\.yaml:3: not valid YAML"):
        load_scenario(scenario_file(tmp_path, "name: x\npeople:\n  - id: [P1\n"))


def test_validation_errors_lists_every_problem_for_an_editor():
    text = MINIMAL.replace("plumber: 2", "plumber: 7") + "duration_h: -1\n"
    problems = validation_errors(text)
    assert len(problems) == 2
    assert any("duration_h" in p and ":6:" in p for p in problems)
    assert any("level must be 1, 2 or 3, got 7" in p for p in problems)


def test_a_place_the_building_lacks_points_at_its_line(tmp_path, estate_twin):
    text = MINIMAL + "    base: Enginering Office\n"
    loaded = load_scenario(scenario_file(tmp_path, text))
    with pytest.raises(FieldError) as caught:
        compile_drill(estate_twin, loaded.scenario)
    message = str(loaded.locate_error(caught.value))
    assert message.startswith(
        f"{tmp_path / 'drill.yaml'}:6: people[0].base: no place called 'Enginering Office'"
    )
    assert "did you mean: Engineering Office" in message


def test_a_burst_with_no_valve_upstream_says_how_to_name_one(estate_twin):
    loaded = parse_scenario(MINIMAL + "hazards:\n  - {kind: pipe_burst, at: Break tank}\n")
    with pytest.raises(
        FieldError, match=r"hazards\[0\]\.at: no isolation valve upstream of 'Break tank'.*'valve:'"
    ):
        compile_drill(estate_twin, loaded.scenario)


def test_the_json_schema_describes_hazards_and_policies():
    schema = json.loads(schema_json())
    assert schema["title"] == "DrillTwin scenario"
    assert {"PipeBurst", "PowerLoss", "Storm", "Nearest", "PriorityFirst", "SkillAware", "Manual"} <= set(
        schema["$defs"]
    )
    assert schema["$defs"]["PipeBurst"]["properties"]["pressure_bar"]["default"] == 4.5


def test_twin_validate_says_ok_on_stdout_and_each_problem_on_stderr_and_exits_2(tmp_path, capsys):
    good = scenario_file(tmp_path, MINIMAL, "good.yaml")
    bad = scenario_file(tmp_path, MINIMAL.replace("plumber", "plumer"), "bad.yaml")
    assert main(["validate", str(good)]) == 0
    assert "good.yaml: ok" in capsys.readouterr().out
    assert main(["validate", str(good), str(bad)]) == 2
    captured = capsys.readouterr()
    assert "bad.yaml:4: people[0].trades: unknown trade 'plumer'" in captured.err
    assert "plumer" not in captured.out and "good.yaml: ok" in captured.out


def test_twin_run_reports_a_bad_place_with_its_line_and_exit_status_2(tmp_path, capsys):
    path = scenario_file(tmp_path, MINIMAL + "    base: Nowhere Room\n")
    assert main(["run", str(path), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "drill.yaml:6: people[0].base: no place called 'Nowhere Room'" in err
    assert not (tmp_path / "run").exists()


def test_the_shipped_schema_file_is_the_current_schema():
    """scenarios/scenario.schema.json is what editors read; regenerate it with
    `twin schema > scenarios/scenario.schema.json` after changing the scenario models."""
    assert (SCENARIOS / "scenario.schema.json").read_text(encoding="utf-8") == schema_json() + "\n"


# -- editing the common fields of a scenario's text (twin.scenario.edit) ---------------------------


def test_setting_fields_rewrites_their_lines_and_keeps_everything_else():
    import datetime as dt

    from twin.scenario import parse_scenario
    from twin.scenario.edit import set_fields

    text = (SCENARIOS / "night_riser_burst.yaml").read_text(encoding="utf-8")
    new = set_fields(
        text,
        {
            "seed": 9,
            "start": dt.datetime(2026, 11, 21, 14, 10),
            "name": "Day: riser",
            "dispatch": {"kind": "manual"},
        },
    )
    changed = [(a, b) for a, b in zip(text.splitlines(), new.splitlines(), strict=True) if a != b]
    assert changed == [
        ("name: Night-shift riser burst, tower B L14", "name: 'Day: riser'"),
        ("start: 2026-11-21T02:10:00", "start: 2026-11-21 14:10:00"),
        ("seed: 7", "seed: 9"),
        ("dispatch: {kind: nearest}", "dispatch: {kind: manual}"),
    ]
    s = parse_scenario(new).scenario
    assert (s.seed, s.start.hour, s.name, s.dispatch.kind) == (9, 14, "Day: riser", "manual")


def test_a_block_field_becomes_one_line_and_the_comment_before_the_next_field_stays():
    from twin.scenario.edit import set_fields

    text = "name: x\ndispatch:\n  kind: manual\n  latency_s: 60\n\n# the hazards\nhazards: []\n"
    assert set_fields(text, {"dispatch": {"kind": "skill"}}) == (
        "name: x\ndispatch: {kind: skill}\n\n# the hazards\nhazards: []\n"
    )


def test_a_missing_field_goes_where_the_schema_puts_it():
    from twin.scenario.edit import set_fields

    assert set_fields("name: x\npeople: []\n", {"seed": 3, "duration_h": 2.5}) == (
        "name: x\nduration_h: 2.5\nseed: 3\npeople: []\n"
    )
    assert set_fields("", {"name": "x"}) == "name: x\n"


def test_fields_cannot_be_set_in_text_that_is_not_a_mapping():
    from twin.scenario import ScenarioError
    from twin.scenario.edit import set_fields

    with pytest.raises(ScenarioError, match=r"not valid YAML .*; fix it before setting fields"):
        set_fields("name: [\n", {"seed": 1})
    with pytest.raises(ScenarioError, match="a scenario is a YAML mapping"):
        set_fields("- a\n- b\n", {"seed": 1})
