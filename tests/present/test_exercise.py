"""A live exercise's after-action review in words and in the report: the timeline, each decision
against nearest, expected actions, ratings the trainer may change, and the report so far."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from tests.present.test_report import _Refs
from twin.live.after import LEVELS, DecisionReview, Rating
from twin.present.exercise import cost_text, decision_rows, rated, rating_rows


def test_a_decision_is_said_to_cost_or_save_minutes_against_nearest():
    assert cost_text(3.24, "N-PLB", "N-SEC1") == "cost 3.2 min"
    assert cost_text(-1.0, "N-PLB", "N-SEC1") == "saved 1.0 min"
    assert cost_text(0.0, "N-SEC1", "N-SEC1") == "as nearest (the same person)"
    assert cost_text(0.01, "N-PLB", "N-SEC1") == "as nearest (the same arrival)"
    assert cost_text(math.nan, "N-PLB", "N-SEC1") == "not comparable (one never got there)"
    assert cost_text(math.nan, "N-PLB", "") == "nearest could send nobody"


def test_a_decision_row_counts_minutes_from_the_decision(tmp_path: Path) -> None:
    from twin.scenario import default_scenario_path, load_scenario

    scenario = load_scenario(default_scenario_path()).scenario
    # Sent at 30 min after the task had waited 8.5 min; on site 2 min later; nearest 1.5 min.
    review = DecisionReview(
        3, 1800.0, 0, "isolate", 510.0, "N-PLB", 87.0, 1920.0, "N-SEC1", 81.0, 1890.0, 0.5
    )
    (row,) = decision_rows([review], scenario, {"N-PLB": "Night plumber", "N-SEC1": "Guard"})
    assert row == {
        "clock": "02:40:00",
        "task": "0 isolate",
        "waited (min)": "8.5",
        "sent": "N-PLB Night plumber",
        "on site after (min)": "2.0",
        "nearest would send": "N-SEC1 Guard",
        "nearest on site after (min)": "1.5",
        "against nearest": "cost 0.5 min",
    }


def test_the_trainer_changes_a_rating_and_the_proposal_is_kept_beside_it():
    proposed = (
        Rating("first response (red)", LEVELS[0], 1, 1, "1 of 1 …"),
        Rating("making safe", LEVELS[1], 3, 4, "…"),
    )
    given = rated(proposed, {"making safe": LEVELS[2]})
    rows = rating_rows(given, proposed)
    assert [(r["capability"], r["rating"], r["proposed"]) for r in rows] == [
        ("first response (red)", LEVELS[0], ""),
        ("making safe", LEVELS[2], LEVELS[1]),
    ]
    with pytest.raises(
        ValueError, match="rating of making safe: expected one of performed without challenges"
    ):
        rated(proposed, {"making safe": "fine"})


# --------------------------------------------------------------- an exercise of the demo drill


@pytest.fixture(scope="module")
def played(estate_twin: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo drill as an exercise: at 30 min the on-call plumber is called out to the isolate
    task (the valve-trained guard, nearest, was 1.4 min away); stopped at 35 min."""
    from twin.live import Decision, read_log, start_exercise
    from twin.scenario import default_scenario_path

    log_path = tmp_path_factory.mktemp("exercise") / "exercise.jsonl"
    ex = start_exercise(estate_twin, default_scenario_path(), log_path=log_path)
    ex.advance(1800.0)
    ex.decide(Decision("callout", "OC-PLB", 0))
    ex.advance(2100.0)
    return estate_twin, ex, read_log(log_path)


def test_calling_out_the_on_call_plumber_costs_the_call_out_delay_against_the_guard(played):
    from twin.live.after import review_decisions

    twin, ex, record = played
    (review,) = review_decisions(record, twin=twin)
    assert review.chosen == "OC-PLB" and review.nearest == "N-SEC1"
    # The guard walks 1.4 min to the basement valve; the plumber is called out from home first
    # (30–60 min, the scenario's call-out delay) and then walks in.
    assert review.nearest_on_site_s - review.t_s == pytest.approx(review.nearest_travel_s, abs=1.0)
    assert 30 <= review.cost_min <= 62
    (row,) = decision_rows([review], ex.loaded.scenario, {"OC-PLB": "On-call plumber", "N-SEC1": "Guard"})
    assert row["against nearest"] == f"cost {review.cost_min:.1f} min"


def test_the_report_of_an_exercise_so_far_lists_the_decision_and_needs_no_network(played):
    from twin.live.after import propose_ratings, review_decisions, review_injects, timeline
    from twin.present.exercise import exercise_run, review_sections
    from twin.present.report import report_html

    twin, ex, record = played
    log = ex.event_log()
    run = exercise_run(log, ex.running.drill, 7, now_s=ex.now_s, name="live/ABCDEF")
    assert run.scenario.duration_h == pytest.approx(2100 / 3600)
    entries = timeline(record, log)
    decisions = review_decisions(record, twin=twin)
    injects = review_injects(record, log)
    proposed = propose_ratings(run.log, run.scenario, decisions, injects)
    sections = review_sections(
        entries, decisions, injects, proposed, proposed, scenario=run.scenario, end_s=ex.now_s
    )
    text = report_html(run, twin, sections=sections)
    assert [s[0] for s in sections] == ["exercise", "decisions", "injects", "ratings"]
    assert "callout OC-PLB to task 0 &#x27;isolate at Riser valve B&#x27;" in text
    assert f"cost {decisions[0].cost_min:.1f} min" in text
    refs = _Refs()
    refs.feed(text)
    assert refs.scripts_with_src == 0 and not [u for u in refs.urls if u.startswith(("http", "//"))]
    assert text.count("* plotly.js v") == 1
    assert '<a href="#decisions">Each decision against the nearest qualified person</a>' in text


def test_the_trainers_clock_changes_are_said_in_words():
    from twin.present.exercise import clock_note

    assert clock_note({"kind": "clock", "action": "jump", "by_s": 900, "speed": 1.0, "running": False}) == (
        "clock: jumped 15 min ahead (paused, 1×)"
    )
    assert clock_note({"kind": "clock", "action": "resume", "speed": 60.0, "running": True}) == (
        "clock: started (running, 60×)"
    )
    assert clock_note({"kind": "clock", "action": "speed", "speed": 30.0, "running": True}) == (
        "clock: speed changed (running, 30×)"
    )
