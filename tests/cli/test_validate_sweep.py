"""`twin validate` knows a sweep file from a scenario file and checks each as what it is."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO
from twin.cli import main

SWEEP = REPO / "scenarios" / "sweeps" / "night_shift_options.yaml"


def test_the_shipped_sweep_file_validates_as_a_sweep_with_its_six_variants(capsys) -> None:
    assert main(["validate", str(SWEEP)]) == 0
    out = capsys.readouterr().out
    assert out == (
        f"{SWEEP}: ok — sweep 'Night-shift options': 6 variants × 10 replications of 365 days "
        f"on {REPO / 'scenarios' / 'estate_roster.yaml'}\n"
    )
    assert "required field" not in out


def test_a_bad_sweep_file_gets_its_own_line_and_exit_status_2(tmp_path: Path, capsys) -> None:
    sweep = tmp_path / "bad_sweep.yaml"
    sweep.write_text(f"name: tiny\nbase: {REPO / 'scenarios' / 'estate_roster.yaml'}\nreplications: 0\n")
    assert main(["validate", str(sweep), str(SWEEP)]) == 2
    out, err = capsys.readouterr()
    problems = err.splitlines()
    assert len(problems) == 1 and problems[0].startswith(f"twin validate: {sweep}:3: replications:")
    assert problems[0].endswith("replications: must be ≥ 1, got 0")
    assert out.startswith(f"{SWEEP}: ok — sweep")
    assert "people" not in err


def test_a_sweep_whose_variant_changes_a_missing_post_names_the_variant_line(tmp_path: Path, capsys) -> None:
    sweep = tmp_path / "s.yaml"
    sweep.write_text(
        f"name: tiny\nbase: {REPO / 'scenarios' / 'estate_roster.yaml'}\nvariants:\n"
        "  - name: no such person\n    remove: [NOBODY-1]\n"
    )
    assert main(["validate", str(sweep)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"twin validate: {sweep}:4: variants[0] ('no such person'):")


SEARCH = REPO / "scenarios" / "sweeps" / "night_shift_search.yaml"


def test_the_shipped_search_file_validates_as_a_search_with_its_candidates_screen_and_budget(capsys) -> None:
    # 0–2 night plumbers (3) × valve training on/off (2) × lift-release training on/off (2) = 12.
    assert main(["validate", str(SEARCH)]) == 0
    assert capsys.readouterr().out == (
        f"{SEARCH}: ok — search 'Night-shift search': 12 candidate rosters, each screened on 2 "
        "replications, then 2 more a round for each contender up to 10, within a budget of 60 runs "
        f"of 365 days on {REPO / 'scenarios' / 'estate_roster.yaml'}\n"
    )


def test_a_search_move_on_a_shift_the_base_lacks_is_refused_with_its_line(tmp_path: Path, capsys) -> None:
    sweep = tmp_path / "s.yaml"
    sweep.write_text(
        f"name: tiny\nbase: {REPO / 'scenarios' / 'estate_roster.yaml'}\n"
        "search:\n  staff: {nigth: {plumber: [0, 1]}}\n  budget_runs: 6\n"
    )
    assert main(["validate", str(sweep)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"twin validate: {sweep}:3: search ('0 nigth plumbers'): staff.nigth: no shift 'nigth' in the "
        "base scenario (did you mean: night?); shifts: day, night\n"
    )
