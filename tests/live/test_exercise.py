"""Live exercises: decisions and injects between the engine's steps, the log, resume."""

from __future__ import annotations

import json
import random

import pytest

from tests.live.conftest import DEMO
from twin.live import (
    Decision,
    DecisionError,
    ExerciseLogError,
    InjectError,
    read_log,
    resume,
    start_exercise,
)
from twin.scenario import ScenarioError

# The demo drill: the riser bursts at 02:10 (t = 0) and is phoned in (3–25 min); the guard
# N-SEC1 is trained to close valves, N-SEC2 is not; the day staff are off shift at night.


def _first_open(ex, until_s=3600.0, step_s=60.0):
    """Advance a minute at a time until a task is on the board; that task."""
    while ex.now_s < until_s:
        ex.advance(ex.now_s + step_s)
        tasks = ex.view().open_tasks
        if tasks:
            return tasks[0]
    raise AssertionError("no task opened")


def _play(ex, step_s):
    """A scripted trainee: sends the valve-trained guard to isolate, the night plumber to
    repair, takes the guard off the clean-up, injects a lift entrapment and a phone line down."""
    isolate = _first_open(ex, step_s=step_s)
    ex.decide(Decision("assign", "N-SEC1", isolate.id))
    ex.inject({"kind": "channel_down", "channel": "phone", "duration_min": 30}, message="phones dead")
    ex.note("clock", action="speed", speed=30)
    while not any(t.name == "repair the pipe" for t in ex.view().open_tasks):
        ex.advance(ex.now_s + step_s)
    by_name = {t.name: t for t in ex.view().open_tasks}
    with pytest.raises(DecisionError):
        ex.decide(Decision("assign", "N-SEC2", by_name["repair the pipe"].id))  # refused, logged
    ex.decide(Decision("assign", "N-PLB", by_name["repair the pipe"].id))
    ex.decide(Decision("assign", "N-SEC1", by_name["clean up"].id))
    ex.advance(ex.now_s + 5 * step_s)
    ex.decide(Decision("release", "N-SEC1"))
    ex.inject({"kind": "entrapment", "lift": "Lift B1", "passengers": 2}, message="alarm in lift B1")
    ex.advance(ex.now_s + step_s)
    lift = next(t for t in ex.view().open_tasks if t.name == "rescue passengers")
    ex.decide(Decision("callout", "LIFTCO", lift.id))


def test_the_same_decisions_at_the_same_times_give_the_same_drill_whatever_the_clock_steps(estate_twin):
    a = start_exercise(estate_twin, DEMO)
    _play(a, step_s=60.0)
    # The same decisions, the clock moved in 7-second steps in between (a faster page).
    b = start_exercise(estate_twin, DEMO)
    for r in a.records:
        if r["type"] == "note":
            continue
        while b.now_s + 7.0 < r["t_s"]:
            b.advance(b.now_s + 7.0)
        b.advance(r["t_s"])
        try:
            if r["type"] == "decision":
                b.decide(Decision.from_json(r["decision"]))
            else:
                b.inject(r["inject"], message=r["message"])
        except DecisionError:
            assert not r["ok"]
    assert a.view() == b.view()
    assert a.finish().log.equals(b.finish().log)


def test_a_resumed_exercise_has_the_same_state_and_goes_on_to_the_same_end(estate_twin, tmp_path):
    path = tmp_path / "exercise.jsonl"
    live = start_exercise(estate_twin, DEMO, log_path=path)
    _play(live, step_s=45.0)
    live.advance(live.now_s + 100.0)
    live.note("clock", action="pause")
    # The server stops here; a new one resumes from the log alone.
    back = resume(path, twin=estate_twin)
    assert back.now_s == live.now_s
    assert back.view() == live.view()
    assert back.event_log().equals(live.event_log())
    assert [r["type"] for r in back.records] == [r["type"] for r in live.records]
    # Both go on: one more decision, logged by the resumed one, and the same end.
    for ex in (live, back):
        ex.advance(ex.now_s + 600.0)
        free = next(p for p in ex.view().people if p.status == "free" and "security" in p.trades)
        tasks = [t for t in ex.view().open_tasks if any(c.person == free.id for c in t.candidates)]
        if tasks:
            ex.decide(Decision("assign", free.id, tasks[0].id))
    assert back.finish().log.equals(live.finish().log)
    written = read_log(path)
    assert written.records[-1]["kind"] == "finished" and not written.problems


def test_a_torn_last_line_is_reported_and_skipped_and_nothing_before_it_is_lost(estate_twin, tmp_path):
    path = tmp_path / "exercise.jsonl"
    ex = start_exercise(estate_twin, DEMO, log_path=path)
    task = _first_open(ex)
    ex.decide(Decision("assign", "N-SEC1", task.id))
    ex.advance(ex.now_s + 120.0)
    ex.note("clock", action="pause")  # the latest time the log names: where a resume stands
    with path.open("a", encoding="utf-8") as f:
        f.write('{"type": "decision", "t_s": 20')  # the server died mid-write
    back = resume(path, twin=estate_twin)
    assert len(back.problems) == 1 and ":4: not a complete record" in back.problems[0]  # line 4
    assert "torn" in back.problems[0]
    assert back.view() == ex.view()
    back.note("trainer", text="resumed after a crash")
    back.close()
    again = read_log(path)
    assert [r["type"] for r in again.records] == ["decision", "note", "note"]
    assert json.loads(path.read_text().splitlines()[-1])["text"] == "resumed after a crash"


def test_a_decision_the_drill_cannot_carry_out_says_who_and_why(estate_twin):
    ex = start_exercise(estate_twin, DEMO)
    task = _first_open(ex)
    assert task.name.startswith("isolate")

    def refused(person: str, task_id: int = task.id, kind: str = "assign") -> str:
        with pytest.raises(DecisionError) as err:
            ex.decide(Decision(kind, person, task_id))  # type: ignore[arg-type]
        return str(err.value)

    assert refused("N-SEC2") == (
        f"cannot send N-SEC2 to task {task.id} 'isolate at Riser valve B': N-SEC2 (Guard) is not "
        "qualified: the task needs plumber:1, N-SEC2 (Guard) holds security:1"
    )
    assert "D-PLB1 (Day plumber 1) is off shift (works 07:00–19:00) and not on call" in refused("D-PLB1")
    assert "no person 'N-SEC9' (did you mean" in refused("N-SEC9")
    assert "N-PLB (Night plumber) is on site: assign them" in refused("N-PLB", kind="callout")
    ex.decide(Decision("assign", "N-SEC1", task.id))
    assert "is already assigned to N-SEC1" in refused("N-PLB")
    assert refused("N-PLB", task.id + 1) == (
        f"task {task.id + 1} 'repair the pipe' waits for another task to be done first; the open tasks are none"
    )
    assert "holds no task" in refused("N-PLB", kind="release")
    # Every refusal is in the exercise's records, with its reason; the one decision made, once.
    made = [r for r in ex.records if r["type"] == "decision"]
    assert sum(r["ok"] for r in made) == 1 and all(r["error"] for r in made if not r["ok"])


def test_a_phone_line_down_holds_the_report_until_it_is_back(estate_twin):
    ex = start_exercise(estate_twin, DEMO)
    ex.inject({"kind": "channel_down", "channel": "phone", "duration_min": 60})
    ex.advance(3600.0)
    assert ex.view().incidents == ()  # the burst at t = 0 was phoned in: nothing known yet
    ex.advance(3600.0 + 1500.0)  # back at 60 min, then the phone's usual 3–25 min
    (burst,) = ex.view().incidents
    assert 3600.0 + 180.0 <= burst.reported_s <= 3600.0 + 1500.0


def test_injects_take_effect_in_the_running_drill(estate_twin):
    ex = start_exercise(estate_twin, DEMO)
    ex.advance(60.0)
    ex.inject({"kind": "burst", "at": "Riser A L10", "reported_via": "sensor"})
    ex.inject({"kind": "generator_fails", "duration_min": 30})
    ex.inject({"kind": "person_away", "person": "N-ELE", "hurt": True})
    ex.inject({"kind": "storm_worse", "peak_mm_h": 200, "duration_min": 30})
    with pytest.raises(InjectError, match=r"entrapment\.lift: 'Front Desk' is not a lift"):
        ex.inject({"kind": "entrapment", "lift": "Front Desk"})
    ex.advance(600.0)
    log = ex.event_log().frame
    titles = set(log[log.kind == "incident"].detail)
    assert {"pipe_burst|red|Burst at Riser A L10", "injury|red|Night electrician hurt"} <= titles
    assert "storm|red|Storm drainage overwhelmed" in titles
    assert log.detail.str.endswith("failed to start").any()  # the standby set did not start
    people = {p.id: p for p in ex.view().people}
    assert people["N-ELE"].status == "away"
    start_task = next(t for t in ex.view().open_tasks if t.name.startswith("start") and "by hand" in t.name)
    assert "N-ELE" not in [c.person for c in start_task.candidates if c.status == "free"]
    with pytest.raises(DecisionError, match="taken out of the exercise"):
        ex.decide(Decision("assign", "N-ELE", start_task.id))


def test_a_log_of_another_model_is_not_resumed(estate_twin, tmp_path):
    path = tmp_path / "exercise.jsonl"
    start_exercise(estate_twin, DEMO, log_path=path).close()
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    header["model"]["twin"] = "0" * 32
    path.write_text(json.dumps(header) + "\n")
    with pytest.raises(ExerciseLogError, match="ran on another model"):
        resume(path, twin=estate_twin)


def test_random_decisions_at_random_clock_steps_resume_to_the_same_drill(estate_twin, tmp_path):
    """Assignments (sensible or not), people taken off their work at any moment, people called
    away: whatever a trainee does, the log brings the exercise back exactly."""
    rng = random.Random(5)
    path = tmp_path / "exercise.jsonl"
    short = tmp_path / "demo.yaml"
    short.write_text(
        DEMO.read_text(encoding="utf-8").replace("duration_h: 6", "duration_h: 2.5"), encoding="utf-8"
    )
    ex = start_exercise(estate_twin, short, log_path=path)
    ex.inject({"kind": "burst", "at": "Riser A L10", "reported_via": "sensor"})
    made = 0
    while ex.now_s < 2 * 3600.0:
        ex.advance(ex.now_s + rng.choice([0.0, 1.0, 7.0, 60.0, 300.0]))
        view = ex.view()
        try:
            if view.open_tasks and rng.random() < 0.6:
                task = rng.choice(view.open_tasks)
                ex.decide(Decision("assign", rng.choice(task.candidates).person, task.id))
            elif rng.random() < 0.5:
                busy = [p.id for p in view.people if p.task >= 0]
                if busy:
                    ex.decide(Decision("release", rng.choice(busy)))
            elif rng.random() < 0.1:
                who = rng.choice(view.people).id
                ex.inject({"kind": "person_away", "person": who, "duration_min": 20})
            made += 1
        except (DecisionError, InjectError):
            pass
    ex.note("clock", action="pause")
    back = resume(path, twin=estate_twin)
    assert made > 50 and sum(r["type"] == "decision" and r["ok"] for r in ex.records) > 20
    assert back.view() == ex.view()
    assert back.event_log().equals(ex.event_log())
    assert back.finish().log.equals(ex.finish().log)


def test_an_uploaded_scenario_may_name_only_files_inside_the_folders_it_is_given(estate_twin, tmp_path):
    outside = tmp_path / "rates.yaml"
    outside.write_text("{}", encoding="utf-8")
    text = DEMO.read_text(encoding="utf-8") + f"\nbackground: {{rates: {outside}}}\n"
    with pytest.raises(ScenarioError, match="rates"):
        start_exercise(estate_twin, text, source=DEMO, inside=[DEMO.parent])


def test_a_notepad_unicode_scenario_file_starts_an_exercise_and_a_latin1_one_names_its_line(
    estate_twin, tmp_path
):
    # The file was read as UTF-8 here: a UTF-16 scenario that `twin validate` accepts raised
    # UnicodeDecodeError, a traceback.
    from twin.scenario import load_scenario

    unicode = tmp_path / "notepad.yaml"
    unicode.write_bytes(DEMO.read_text(encoding="utf-8").encode("utf-16"))
    for given in (unicode, load_scenario(unicode)):
        assert start_exercise(estate_twin, given).running.drill.scenario.name.startswith("Night-shift")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(DEMO.read_text(encoding="utf-8").replace("Night-shift", "Équipe").encode("latin-1"))
    with pytest.raises(ScenarioError, match=rf"^{latin}:6: not UTF-8 text \(byte 0xc9"):
        start_exercise(estate_twin, latin)


def test_an_exercise_loads_its_water_kernels_before_the_engine_starts(estate_twin, monkeypatch):
    """The first water step runs under the exercise's lock while every page waits, so the
    kernels are loaded (compiled, on a fresh install: ~20 s) when the exercise starts."""
    from twin.live import exercise

    calls: list[str] = []
    start = exercise.start
    monkeypatch.setattr(exercise, "warm_up", lambda: calls.append("warm_up"))
    monkeypatch.setattr(exercise, "start", lambda *a, **k: calls.append("start") or start(*a, **k))
    start_exercise(estate_twin, DEMO)
    assert calls == ["warm_up", "start"]
