"""The roster search: a toy whose cheapest feasible roster is known by construction, the
procedure's stopping rules, resuming, and a small search on the estate."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.sweep.conftest import ROSTER
from twin.sweep.erlang import erlang_c_wait, fewest_servers, wait_exceeds
from twin.sweep.search import looks, plan
from twin.sweep.spec import Change, Search, variant_name

MEETS = {"red": 0.95}


def _toy(search: Search, share_of: dict[int, float], cost_of: dict[int, float], red_per_year: int = 50):
    """Run the procedure on made-up rows: candidate ``v`` gets ``share_of[v]`` of its red
    incidents on time every year and costs ``cost_of[v]``; returns the finished plan and the
    runs it asked for."""
    names = [variant_name(c) for c in search.candidates()]
    rows = pd.DataFrame(columns=["variant", "replication", "red_on_time", "red_incidents", "cost_total"])
    asked = 0
    for _ in range(1000):
        p = plan(search, MEETS, 0.95, names, rows)
        if p.finished:
            return p, asked
        asked += len(p.pending)
        new = pd.DataFrame(
            [
                {
                    "variant": v,
                    "replication": r,
                    "red_incidents": float(red_per_year),
                    "red_on_time": float(round(share_of[v] * red_per_year)),
                    "cost_total": cost_of[v],
                }
                for v, r in p.pending
            ]
        )
        rows = pd.concat([rows, new], ignore_index=True) if len(rows) else new
    raise AssertionError("the search never finished")


def test_the_cheapest_roster_that_surely_meets_the_target_is_found_and_the_others_ruled_out_with_reasons():
    # Night plumbers 0–3: with 2 or more every red incident is reached in time, with fewer 70 %;
    # each plumber costs 100. By construction the answer is 2 night plumbers.
    search = Search(
        staff={"night": {"plumber": (0, 3)}},
        screen_replications=3,
        step_replications=3,
        max_replications=30,
        budget_runs=200,
    )
    names = [variant_name(c) for c in search.candidates()]
    assert names == ["0 night plumbers", "1 night plumber", "2 night plumbers", "3 night plumbers"]
    p, asked = _toy(search, {0: 0.7, 1: 0.7, 2: 1.0, 3: 1.0}, {0: 0.0, 1: 100.0, 2: 200.0, 3: 300.0})
    assert p.answer is not None and p.answer.name == "2 night plumbers"
    status = {j.name: j.status for j in p.judged}
    assert status == {
        "0 night plumbers": "infeasible",
        "1 night plumber": "infeasible",
        "2 night plumbers": "feasible",
        "3 night plumbers": "feasible",
    }
    assert "misses red: 70.0%" in next(j.reason for j in p.judged if j.name == "1 night plumber")
    # Each verdict at 1 − 0.05 / (4 rosters × 10 looks); 150 of 150 on time has a low end of
    # 0.000625^(1/150) = 95.2 %, so the screen settles it: 12 runs against 120 enumerating.
    assert looks(search) == 10 and p.level_each == pytest.approx(1 - 0.05 / 40)
    assert asked == p.runs == 12 and p.enumeration_runs == 120
    assert [j.name for j in p.frontier("red")] == ["0 night plumbers", "2 night plumbers"]


def test_a_roster_that_sits_on_the_target_stays_undecided_until_the_budget_and_says_so():
    # One night plumber: exactly 95 % (never decidable); two: 100 % but dearer.
    search = Search(
        staff={"night": {"plumber": (1, 2)}},
        screen_replications=2,
        step_replications=2,
        max_replications=40,
        budget_runs=20,
    )
    p, asked = _toy(search, {0: 0.95, 1: 1.0}, {0: 100.0, 1: 200.0}, red_per_year=20)
    assert p.finished and asked <= 20
    one = next(j for j in p.judged if j.name == "1 night plumber")
    assert one.status == "not enough evidence" and "budget of 20 runs is spent" in one.reason
    # Two plumbers: 100 % of the incidents they saw; whether that is enough is in the answer.
    two = next(j for j in p.judged if j.name == "2 night plumbers")
    assert two.status in ("feasible", "not enough evidence")


def test_a_search_killed_mid_round_asks_only_for_the_runs_that_round_still_lacks():
    search = Search(staff={"night": {"plumber": (0, 1)}}, screen_replications=3, budget_runs=100)
    names = [variant_name(c) for c in search.candidates()]
    rows = pd.DataFrame(
        [
            {"variant": v, "replication": r, "red_incidents": 10.0, "red_on_time": 10.0, "cost_total": 1.0}
            for v in range(2)
            for r in range(3)
            if (v, r) != (1, 2)
        ]
    )
    p = plan(search, MEETS, 0.95, names, rows)
    assert not p.finished and p.pending == [(1, 2)]


def test_options_are_tried_on_and_off_and_one_of_each_group_is_chosen():
    search = Search(
        staff={"night": {"plumber": (1, 2)}},
        options=[Change(name="guards close valves", train={"night": {"security": {"plumber": 1}}})],
        choose_one=[
            [
                Change(name="lift contract as today"),
                Change(name="20-minute lift contract", cost_per_year=5000),
            ]
        ],
        budget_runs=100,
    )
    names = [variant_name(c) for c in search.candidates()]
    assert len(names) == search.size() == 8
    assert names[0] == "1 night plumber + lift contract as today"
    assert "2 night plumbers + guards close valves + 20-minute lift contract" in names


def test_a_search_the_budget_cannot_screen_is_refused_with_the_budget_it_needs():
    with pytest.raises(
        ValueError,
        match=r"budget_runs \(5\) cannot screen 4 rosters × 3 replications; "
        r"raise it to at least 12",
    ):
        Search(staff={"night": {"plumber": (0, 3)}}, budget_runs=5)


def test_erlang_c_matches_the_textbook_values():
    # One server, load 0.5: P(wait) = ρ = 0.5 (M/M/1). Two servers, load 1: P(wait) = 1/3.
    assert erlang_c_wait(1, 0.5) == pytest.approx(0.5)
    assert erlang_c_wait(2, 1.0) == pytest.approx(1 / 3)
    # M/M/1 at ρ = 0.5, mean job 60 min: P(wait > 15) = 0.5 · e^(−0.5·15/60).
    assert wait_exceeds(1, 0.5, 60.0, 15.0) == pytest.approx(0.5 * math.exp(-0.125))
    # Stability first: a load of 2.3 erlangs needs at least 3 people.
    assert fewest_servers(2.3, 60.0, 15.0, 0.0) == 3
    # A light load of 0.1 erlang: one person leaves 0.1 · e^(−0.9·15/60) = 8.0 % of jobs waiting
    # over 15 min, more than 5 %, so Erlang C asks for two.
    assert wait_exceeds(1, 0.1, 60.0, 15.0) == pytest.approx(0.1 * math.exp(-0.9 * 0.25))
    assert fewest_servers(0.1, 60.0, 15.0, 0.95) == 2


SEARCH_FILE = """\
name: Tiny search
base: {base}
period: {{start: 2026-01-05T00:00:00, days: 1}}
seed: 7
meets: {{red: 0.9}}
search:
  staff: {{night: {{plumber: [1, 2]}}}}
  screen_replications: 2
  step_replications: 1
  max_replications: 3
  budget_runs: 6
"""


def test_a_search_on_the_estate_finishes_writes_its_answer_and_resumes_to_nothing(
    tmp_path: Path, estate_twin
):
    from twin.sweep.results import read_sweep
    from twin.sweep.search import SEARCH, read_search, run_search
    from twin.sweep.spec import load_sweep

    path = tmp_path / "search.yaml"
    path.write_text(SEARCH_FILE.format(base=ROSTER), encoding="utf-8")
    loaded = load_sweep(path)
    assert loaded.variants == ()  # a search only: no variant list
    found = run_search(estate_twin, loaded, tmp_path / "out", workers=1)
    assert found.finished and 4 <= found.runs <= 6
    doc = json.loads((tmp_path / "out" / SEARCH).read_text(encoding="utf-8"))
    assert doc["procedure"].startswith("sequential elimination") and doc["runs"] == found.runs
    assert {b["trade"] for b in doc["erlang_c"]["bounds"]} >= {"plumber", "electrician"}
    rows = read_sweep(tmp_path / "out").rows
    assert len(rows) == found.runs
    again = run_search(estate_twin, loaded, tmp_path / "out", workers=1)
    assert len(read_sweep(tmp_path / "out").rows) == found.runs and again.runs == found.runs
    assert read_search(tmp_path / "out").answer == found.answer
    assert np.isfinite(rows["cost_total"]).all()


# A search that cannot settle on its screen: at the per-verdict level 1 − 0.05/(2 rosters × 2
# looks) = 0.9875, even every yellow job on time proves 90 % only from 48 of them on, and one day
# has a handful — so with budget_runs 4 (the screen: 2 rosters × 2) it stops for the budget.
UNSETTLED = SEARCH_FILE.replace("meets: {{red: 0.9}}", "meets: {{yellow: 0.9}}").replace(
    "budget_runs: 6", "budget_runs: 4"
)


@pytest.fixture(scope="module")
def unsettled(tmp_path_factory, estate_twin):
    """The unsettled search run to its budget of 4, with every progress call it made."""
    from twin.sweep.search import run_search
    from twin.sweep.spec import load_sweep

    tmp = tmp_path_factory.mktemp("unsettled")
    path = tmp / "search.yaml"
    path.write_text(UNSETTLED.format(base=ROSTER), encoding="utf-8")
    calls: list[tuple[int, int, str]] = []
    found = run_search(
        estate_twin, load_sweep(path), tmp / "out", workers=1, progress=lambda *c: calls.append(c)
    )
    return path, tmp / "out", found, calls


def test_a_search_reports_progress_for_each_replication_as_it_finishes(unsettled):
    _, _, found, calls = unsettled
    assert found.runs == 4 and found.stop_reason == "the budget of 4 runs is spent"
    done = [d for d, _, _ in calls]
    # Not 0/4 until the round ends: 1, 2, 3 and 4 of 4 as each run is recorded.
    assert done == sorted(done) and {1, 2, 3, 4} <= set(done)
    assert all(total == 4 for _, total, _ in calls)
    per_run = [m for d, _, m in calls if 1 <= d <= 3]
    assert per_run and all(m.startswith("round 0: ") and m.endswith(" left in round") for m in per_run)


def test_a_larger_budget_resumes_the_search_reusing_every_run_it_made(unsettled, estate_twin, tmp_path):
    import shutil

    from twin.sweep.results import read_sweep
    from twin.sweep.search import SEARCH, read_search, run_search
    from twin.sweep.spec import load_sweep, search_sweep

    path, first, _, _ = unsettled
    out = tmp_path / "out"
    shutil.copytree(first, out)
    parts = {p.name: p.stat().st_mtime_ns for p in (out / "parts").iterdir()}
    assert len(parts) == 4
    path.write_text(UNSETTLED.format(base=ROSTER).replace("budget_runs: 4", "budget_runs: 6"))
    calls: list[tuple[int, int, str]] = []
    found = run_search(estate_twin, load_sweep(path), out, workers=1, progress=lambda *c: calls.append(c))
    # Round 1 gives each undecided roster one more year (4 + 2 = 6 runs, both at max_replications
    # 3): the 4 runs made are reused untouched and only 2 are run.
    assert found.runs == 6 and found.stop_reason == "the undecided rosters reached max_replications (3)"
    assert len(read_sweep(out).rows) == 6
    now = {p.name: p.stat().st_mtime_ns for p in (out / "parts").iterdir()}
    assert len(now) == 6 and {name: now[name] for name in parts} == parts
    assert [d for d, _, _ in calls if d > 4] == [5, 6, 6]  # each new run, then the end
    # The folder describes the search as resumed: the report replays 6 runs, the answer says 6.
    assert read_search(out).runs == 6
    assert json.loads((out / SEARCH).read_text(encoding="utf-8"))["runs"] == 6
    # The folder is the search's candidates' (the app's run_folder finds it again by this).
    meta = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert meta["fingerprint"] == search_sweep(load_sweep(path)).fingerprint()
    assert meta["search"]["budget_runs"] == 6


def test_a_search_resumed_with_another_seed_is_refused_naming_the_seed(unsettled, estate_twin, tmp_path):
    from twin.sweep.results import SweepFolderError, read_sweep
    from twin.sweep.search import run_search
    from twin.sweep.spec import load_sweep

    _, out, _, _ = unsettled
    other = tmp_path / "other.yaml"
    other.write_text(UNSETTLED.format(base=ROSTER).replace("seed: 7", "seed: 8"), encoding="utf-8")
    with pytest.raises(
        SweepFolderError,
        match=r"out: holds the results of another sweep — changed since it was started: the sweep "
        r"file's seed: 7 → 8; its runs would mix with new ones — choose a new --out folder "
        r"\(or restore what changed to resume\)$",
    ):
        run_search(estate_twin, load_sweep(other), out, workers=1)
    assert len(read_sweep(out).rows) == 4


def test_a_roster_judged_on_no_incident_of_the_targeted_priority_says_so_not_a_nan_low_end():
    search = Search(staff={"night": {"plumber": (1, 2)}}, screen_replications=2, budget_runs=4)
    p, asked = _toy(search, {0: 1.0, 1: 1.0}, {0: 100.0, 1: 200.0}, red_per_year=0)
    assert asked == 4 and p.answer is not None and p.answer.name == "1 night plumber"
    assert p.answer.reason == "no red incident happened in 2 replications: nothing to judge"
