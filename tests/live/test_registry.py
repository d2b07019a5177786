"""The server's exercise registry: join codes, looks that advance the exercise to the clock, clock
changes written in the exercise's log, and exercises found again after a server restart."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from twin.live.registry import ALPHABET, CLOCK_FILE, Registry, RegistryError, normalise_code


class FakeExercise:
    """An exercise reduced to what the registry uses: its time, its end, its notes (kept in a
    file in its folder, as a real exercise keeps its log)."""

    def __init__(self, folder: Path, end_s: float = 7200.0) -> None:
        self.folder = folder
        self.end_s = end_s
        self.now_s = 0.0
        self.advances: list[float] = []
        self.notes: list[dict[str, object]] = []

    def advance(self, until_s: float) -> None:
        assert until_s >= self.now_s, "an exercise never goes back"
        self.advances.append(until_s)
        self.now_s = until_s

    def note(self, kind: str, **fields: object) -> None:
        record = {"t_s": self.now_s, "kind": kind, **fields}
        self.notes.append(record)
        with (self.folder / "log.jsonl").open("a") as f:
            f.write(json.dumps(record) + "\n")


def resume_fake(folder: Path) -> FakeExercise:
    ex = FakeExercise(folder)
    lines = (folder / "log.jsonl").read_text().splitlines() if (folder / "log.jsonl").exists() else []
    ex.notes = [json.loads(x) for x in lines]
    return ex


class Wall:
    """A wall clock a test moves by hand."""

    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def reg(tmp_path: Path, wall: Wall) -> Registry:
    return Registry(tmp_path / "live", resume=resume_fake, now=wall)


def test_a_new_exercise_gets_a_six_letter_code_without_misreadable_letters_and_a_folder(reg, tmp_path):
    code = reg.create(FakeExercise)
    assert len(code) == 6 and set(code) <= set(ALPHABET)
    assert not set("01OI") & set(ALPHABET)
    saved = json.loads((tmp_path / "live" / code / CLOCK_FILE).read_text())
    assert saved["reached_s"] == 0.0 and saved["running"] is False and saved["end_s"] == 7200.0
    assert reg.codes() == [code]


def test_codes_are_read_in_any_case_with_spaces_or_dashes_and_wrong_ones_explained():
    assert normalise_code(" abc-def ") == "ABCDEF"
    with pytest.raises(
        RegistryError, match=r"join code 'AB0DEF': expected 6 letters and digits \(never 0, O, 1 or I\)"
    ):
        normalise_code("AB0DEF")


def test_an_unknown_code_says_so(reg):
    with pytest.raises(RegistryError, match="join code ZZZZZZ: no exercise with this code on this server"):
        reg.look("zzzzzz", lambda ex: None)


def test_a_paused_exercise_does_not_advance_however_long_people_look(reg, wall):
    code = reg.create(FakeExercise)
    wall.t += 600
    seen = reg.look(code, lambda ex: ex.now_s)
    assert seen.value == 0.0 and seen.sim_s == 0.0


def test_every_look_advances_the_exercise_to_the_clock_and_two_tabs_see_the_same(reg, wall):
    code = reg.create(FakeExercise)
    reg.set_speed(code, 30)
    reg.resume(code)
    wall.t += 20  # 20 s at 30× = 10 simulated minutes
    trainer = reg.look(code, lambda ex: ex.now_s)
    dispatcher = reg.look(code.lower(), lambda ex: ex.now_s)
    assert trainer.value == dispatcher.value == 600.0


def test_clock_changes_are_written_in_the_exercise_log_at_the_time_they_happen(reg, wall):
    code = reg.create(FakeExercise)
    reg.set_speed(code, 60)
    reg.resume(code)
    wall.t += 30  # 30 min simulated
    reg.pause(code)
    reg.pause(code)  # already paused: nothing new to note
    reg.jump(code, 900)
    notes = reg.look(code, lambda ex: list(ex.notes)).value
    assert notes == [
        {"t_s": 0.0, "kind": "clock", "action": "speed", "speed": 60.0, "running": False},
        {"t_s": 0.0, "kind": "clock", "action": "resume", "speed": 60.0, "running": True},
        {"t_s": 1800.0, "kind": "clock", "action": "pause", "speed": 60.0, "running": False},
        {"t_s": 1800.0, "kind": "clock", "action": "jump", "by_s": 900, "speed": 60.0, "running": False},
    ]
    assert reg.look(code, lambda ex: ex.now_s).value == 2700.0


def test_an_action_takes_effect_at_the_time_the_trainees_see(reg, wall):
    code = reg.create(FakeExercise)
    reg.set_speed(code, 5)
    reg.resume(code)
    wall.t += 12
    assert reg.act(code, lambda ex: ex.now_s) == 60.0


def test_after_a_server_restart_the_exercise_is_found_and_resumed_paused_where_it_was(reg, wall, tmp_path):
    code = reg.create(FakeExercise)
    reg.set_speed(code, 60)
    reg.resume(code)
    wall.t += 10
    reg.look(code, lambda ex: None)  # 600 s reached and saved (the first save since starting)
    wall.t += 3  # 780 s shown, not yet saved (saves come at most every 5 s)
    reg.look(code, lambda ex: None)

    restarted = Registry(tmp_path / "live", resume=resume_fake, now=wall)
    assert restarted.codes() == [code]
    wall.t += 3600  # the server was down an hour: the exercise did not run on meanwhile
    seen = restarted.look(code, lambda ex: ex.notes[-1])
    assert seen.sim_s == 600.0 and not seen.clock.running and seen.clock.speed == 60.0
    assert seen.value == {
        "t_s": 600.0,
        "kind": "clock",
        "action": "resumed after a server restart",
        "speed": 60.0,
        "running": False,
    }


def test_looks_from_many_threads_advance_one_exercise_in_order(reg, wall):
    code = reg.create(FakeExercise)
    reg.resume(code)
    seen: list[float] = []

    def look() -> None:
        seen.append(reg.look(code, lambda ex: ex.now_s).value)

    wall.t += 7
    threads = [threading.Thread(target=look) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [7.0] * 8
    assert reg.look(code, lambda ex: ex.advances).value == [7.0]


def test_a_failed_start_leaves_no_folder_behind(reg, tmp_path):
    def broken(folder: Path) -> FakeExercise:
        (folder / "log.jsonl").write_text("")
        raise RegistryError("scenario: not valid")

    with pytest.raises(RegistryError, match="scenario: not valid"):
        reg.create(broken)
    assert list((tmp_path / "live").iterdir()) == []
