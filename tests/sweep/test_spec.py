"""Sweep files: variants as changes to the base roster, and errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sweep.conftest import ROSTER, small_sweep
from twin.scenario import ScenarioError, load_scenario
from twin.sweep.spec import Change, apply_changes, load_sweep, search_sweep


def _night(scenario, trade):
    return [
        p.id
        for p in scenario.people
        if p.shift == "night" and not p.on_call and next(iter(p.trades)) == trade
    ]


BASE = load_scenario(ROSTER).scenario


def test_a_staff_count_below_the_roster_takes_people_off_from_the_end():
    thin = apply_changes(BASE, (Change(name="x", staff={"night": {"plumber": 1}}),))
    assert _night(thin, "plumber") == ["N-PLB1"]
    assert len(thin.people) == len(BASE.people) - 1


def test_a_staff_count_above_the_roster_copies_the_first_holder_of_the_post():
    more = apply_changes(BASE, (Change(name="x", staff={"night": {"plumber": 3}}),))
    assert _night(more, "plumber") == ["N-PLB1", "N-PLB2", "N-PLB1+1"]
    clone = next(p for p in more.people if p.id == "N-PLB1+1")
    assert clone.trades == {"plumber": 2} and clone.hourly_rate == 38 and clone.backup is None


def test_a_post_nobody_holds_is_created_at_level_2_where_that_trade_is_based():
    hvac = apply_changes(BASE, (Change(name="x", staff={"night": {"hvac": 1}}),))
    (new,) = [p for p in hvac.people if p.id == "night-hvac-1"]
    assert new.trades == {"hvac": 2} and new.shift == "night" and new.base == "Engineering Office"


def test_training_gives_everyone_in_the_post_the_trade_and_keeps_higher_levels():
    trained = apply_changes(
        BASE, (Change(name="x", train={"night": {"security": {"plumber": 1, "security": 1}}}),)
    )
    guards = {p.id: p.trades for p in trained.people if p.id in ("N-SEC1", "N-SEC2")}
    assert guards == {"N-SEC1": {"security": 2, "plumber": 1}, "N-SEC2": {"security": 1, "plumber": 1}}


def test_removing_someone_clears_the_backup_that_pointed_at_them():
    out = apply_changes(BASE, (Change(name="x", remove=["N-PLB1"]),))
    assert next(p for p in out.people if p.id == "N-PLB2").backup is None


def test_contract_terms_and_dispatch_change_only_what_they_name():
    out = apply_changes(
        BASE,
        (
            Change.model_validate(
                {
                    "name": "x",
                    "contractors": {"LIFTCO": {"contract_arrival_min": 20}},
                    "dispatch": {"kind": "nearest"},
                }
            ),
        ),
    )
    liftco = out.contractors[0]
    assert liftco.contract_arrival_min == 20 and liftco.penalty_per_breach == 400
    assert out.dispatch.kind == "nearest"


def test_a_grid_makes_every_combination_named_by_its_options(tmp_path: Path):
    path = tmp_path / "grid.yaml"
    path.write_text(
        f"name: g\nbase: {ROSTER}\nreplications: 1\n"
        "grid:\n"
        "  - [{name: 2 plumbers}, {name: 1 plumber, staff: {night: {plumber: 1}}}]\n"
        "  - [{name: nearest, dispatch: {kind: nearest}}, {name: priority, dispatch: {kind: priority}}]\n",
        encoding="utf-8",
    )
    loaded = load_sweep(path)
    assert [v.name for v in loaded.variants] == [
        "2 plumbers + nearest",
        "2 plumbers + priority",
        "1 plumber + nearest",
        "1 plumber + priority",
    ]
    assert loaded.variants[3].scenario.dispatch.kind == "priority"
    assert len(_night(loaded.variants[3].scenario, "plumber")) == 1


def test_the_period_and_background_apply_to_every_variant(tmp_path: Path):
    loaded = load_sweep(small_sweep(tmp_path, days=3))
    for v in loaded.variants:
        assert v.scenario.duration_h == 72.0
        assert v.scenario.start.isoformat() == "2026-01-05T00:00:00"
        assert v.scenario.background is not None


def test_a_background_the_sweep_file_gives_replaces_the_base_scenarios(tmp_path: Path):
    # estate_roster.yaml has `background: {}` (the shipped rates); the sweep's own rates file wins,
    # and `background: null` leaves only the base scenario's hazards.
    (tmp_path / "my_rates.yaml").write_text("work_orders: []\n", encoding="utf-8")
    path = small_sweep(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "background: {rates: my_rates.yaml}\n", encoding="utf-8")
    for v in load_sweep(path).variants:
        assert v.scenario.background is not None
        assert v.scenario.background.rates == str((tmp_path / "my_rates.yaml").resolve())
    path.write_text(text + "background: null\n", encoding="utf-8")
    assert all(v.scenario.background is None for v in load_sweep(path).variants)


def test_a_shift_the_base_lacks_fails_with_the_sweep_files_line(tmp_path: Path):
    path = small_sweep(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8").replace("staff: {night:", "staff: {nite:"), encoding="utf-8"
    )
    with pytest.raises(ScenarioError) as err:
        load_sweep(path)
    message = str(err.value)
    assert message.startswith(f"{path}:9: variants[1]")
    assert "no shift 'nite'" in message and "did you mean: night" in message


def test_a_missing_base_scenario_is_one_line_naming_the_field(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nbase: nowhere.yaml\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"s.yaml:2: base: no scenario file .*nowhere.yaml"):
        load_sweep(path)


def test_two_variants_with_one_name_are_refused(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(f"name: s\nbase: {ROSTER}\nvariants: [{{name: a}}, {{name: a}}]\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="two variants are called 'a'"):
        load_sweep(path)


def test_searching_a_sweep_file_without_a_search_section_is_one_line_saying_what_to_do(tmp_path: Path):
    loaded = load_sweep(small_sweep(tmp_path))
    with pytest.raises(ScenarioError, match=r"small.yaml: search: the sweep has no search: section; add one"):
        search_sweep(loaded)


def test_the_shipped_night_shift_sweep_loads_its_grid_of_six_variants():
    loaded = load_sweep(ROSTER.parent / "sweeps" / "night_shift_options.yaml")
    assert [len(_night(v.scenario, "plumber")) for v in loaded.variants] == [2, 2, 1, 1, 0, 0]
    guard = [next(p for p in v.scenario.people if p.id == "N-SEC2").trades for v in loaded.variants]
    assert guard[0] == {"security": 1}
    assert guard[5] == {"security": 1, "plumber": 1, "lift_technician": 1}
    assert loaded.variants[0].scenario.duration_h == 365 * 24
