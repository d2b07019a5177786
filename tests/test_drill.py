"""The one call for a drill: every problem with the building at once, located; then the run."""

from __future__ import annotations

import pytest

from tests.engine.conftest import SCENARIOS, scenario_file
from twin.drill import check_drill, check_text, compile_checked, run_drill
from twin.engine import setup
from twin.scenario import ScenarioError, load_scenario

THREE_BAD = """name: three bad places
people:
  - {id: P1, trades: {plumber: 2}, shift: night, base: Enginering Office}
  - {id: P2, trades: {plumber: 2}, shift: night, base: Engineering Office}
  - {id: P3, trades: {electrician: 2}, shift: night, base: Nowhere Room}
hazards:
  - {kind: pipe_burst, at: No Such Pipe}
"""


def test_every_place_the_building_lacks_is_found_in_one_compile(tmp_path, estate_twin, monkeypatch):
    loaded = load_scenario(scenario_file(tmp_path, THREE_BAD))
    plants = []
    real = setup.build_plant
    monkeypatch.setattr(setup, "build_plant", lambda *a, **k: plants.append(1) or real(*a, **k))
    check = check_drill(estate_twin, loaded)
    assert check.drill is None
    where = str(tmp_path / "drill.yaml")
    assert [e.split(": ", 2)[:2] for e in check.errors] == [
        [f"{where}:3", "people[0].base"],
        [f"{where}:5", "people[2].base"],
        [f"{where}:7", "hazards[0].at"],
    ]
    assert "did you mean: Engineering Office" in check.errors[0]
    assert len(plants) == 1  # one pass, not one compile per problem


def test_a_scenario_that_fits_compiles_once_and_runs_to_the_same_kpis(estate_twin):
    loaded = load_scenario(SCENARIOS / "night_riser_burst.yaml")
    check = check_drill(estate_twin, loaded)
    assert check.errors == () and check.drill is not None
    first = run_drill(estate_twin, loaded, drill=check.drill, trace_moves=False)
    again = run_drill(estate_twin, loaded, trace_moves=False)
    assert first.run.seed == loaded.scenario.seed
    assert first.kpis.to_json() == again.kpis.to_json()


def test_compile_checked_names_every_problem_in_one_line(tmp_path, estate_twin):
    loaded = load_scenario(scenario_file(tmp_path, THREE_BAD))
    with pytest.raises(
        ScenarioError,
        match=r"^variant 'x': .*people\[0\]\.base.*; .*people\[2\]\.base.*; "
        r".*hazards\[0\]\.at: ",
    ):
        compile_checked(estate_twin, loaded, what="variant 'x': ")


def test_text_with_schema_problems_lists_them_before_any_compile(tmp_path, estate_twin):
    text = THREE_BAD.replace(
        "plumber: 2}, shift: night, base: Engineering", "plumber: 7}, shift: night, base: Engineering"
    )
    check = check_text(estate_twin, text, source=tmp_path / "x.yaml", folder=tmp_path)
    assert check.loaded is None and check.drill is None
    assert len(check.errors) == 1 and ":4: people[1].trades" in check.errors[0]


def test_a_rates_file_that_is_not_there_is_a_problem_reported_not_raised(tmp_path, estate_twin):
    text = "name: no rates\npeople: [{id: P1, trades: {plumber: 2}, shift: night}]\nbackground: {rates: nope.yaml}\n"
    check = check_text(estate_twin, text, source=tmp_path / "drill.yaml", folder=tmp_path)
    assert check.drill is None and len(check.errors) == 1
    assert "nope.yaml" in check.errors[0]
