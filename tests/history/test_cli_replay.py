"""`twin replay` end to end on a hand-made log: what a new user runs, what it prints and writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from twin.cli import main
from twin.errors import TwinError

ROSTER = """name: hand-made roster
shifts:
  all day: {start: "00:00", end: "00:00"}
people:
  - {id: P1, trades: {plumber: 2}, shift: all day, base: Engineering Office, hourly_rate: 40}
  - {id: P2, trades: {plumber: 2}, shift: all day, base: C-03-LOB Lobby C L03, hourly_rate: 30}
"""

LOG = """id,reported,dispatched,on_site,made_safe,resolved,place,category,title,trade,priority,person
1043,2026-03-02 08:00,2026-03-02 08:05,2026-03-02 08:34,2026-03-02 08:50,2026-03-02 09:40,C-0306 Flat C-0306,LEAK,Leak in flat,plumber,1,Jo
1044,2026-03-02 08:20,2026-03-02 08:20,2026-03-02 08:21,,2026-03-02 08:52,C-0306 Flat C-0306,LEAK,Dripping tap,plumber,2,Sam
1047,not a date,,,,,C-0306 Flat C-0306,LEAK,x,plumber,2,Jo
"""

MAP = """preset: plain
timezone: Europe/Berlin
scenario: roster.yaml
priorities: {1: red, 2: yellow, 3: blue}
people: {Jo: P1, Sam: P2}
"""

WHAT_IF = """what_if:
  - name: nearest qualified
    dispatch: {kind: nearest}
"""


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name, text in (("roster.yaml", ROSTER), ("log.csv", LOG), ("map.yaml", MAP), ("w.yaml", WHAT_IF)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_replay_prints_the_import_the_kpis_and_the_what_if_and_writes_a_run_folder(files, capsys):
    out = files / "out"
    argv = ["replay", str(files / "log.csv"), "--map", str(files / "map.yaml")]
    assert main([*argv, "--out", str(out), "--what-if", str(files / "w.yaml")]) == 0
    text = capsys.readouterr().out
    assert "3 rows read: 2 used, 1 rejected" in text
    assert "row 4, reported = 'not a date': unreadable time" in text
    assert "log.csv replayed — 1 day(s) from 2026-03-02" in text
    assert "1043 Leak in flat" in text and "34.0 / 15 ✗" in text  # on site 34 min, red target 15
    # P2 waits in tower C's lobby: nearest qualified sends P2 to 1043 instead of P1.
    assert "incident 1043: on site 34 → 5 min (P1 → P2)" in text
    for name in (
        "events.parquet",
        "kpis.parquet",
        "metadata.json",
        "rejected.csv",
        "travel.csv",
        "report.html",
    ):
        assert (out / name).is_file(), name
    assert list(pd.read_csv(out / "rejected.csv")["row"]) == [4]
    pairs = pd.read_csv(out / "what-if" / "pairs.csv", dtype={"id": str})
    assert list(pairs["id"]) == ["1043", "1044"]
    assert (out / "what-if" / "nearest-qualified" / "events.parquet").is_file()


def test_a_what_if_naming_an_unknown_person_is_one_line_with_its_line_before_the_model_loads(files, capsys):
    (files / "w.yaml").write_text("what_if:\n  - name: fewer\n    remove: [P9]\n", encoding="utf-8")
    argv = ["replay", str(files / "log.csv"), "--map", str(files / "map.yaml"), "--out", str(files / "o")]
    assert main([*argv, "--what-if", str(files / "w.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "w.yaml:2: what_if[0] ('fewer'): remove: no person 'P9'" in err[0]
    assert not (files / "o").exists()


def test_a_day_the_log_lacks_or_a_reversed_window_is_refused_before_the_run_folder_is_written(
    files, capsys, estate_twin
):
    # A --day outside the log was found after the run folder was written without its report, so
    # the corrected command was refused: the --out "already exists".
    out = files / "o"
    argv = ["replay", str(files / "log.csv"), "--map", str(files / "map.yaml"), "--out", str(out)]
    assert main([*argv, "--day", "2026-03-09"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "twin replay: --day: no incident was reported on 2026-03-09; the log runs 2026-03-02 to 2026-03-02"
    )
    assert not out.exists()
    assert main([*argv, "--from", "2026-03-05", "--to", "2026-03-01"]) == 2
    assert capsys.readouterr().err == (
        "twin replay: --from 2026-03-05 is after --to 2026-03-01; give --to on or after --from\n"
    )
    assert not out.exists()
    assert main([*argv, "--day", "2026-03-02"]) == 0
    assert (out / "report.html").is_file()


@pytest.mark.parametrize("failure", ["what-if fails", "disk fills", "disk fills in a what-if's run"])
def test_a_what_if_failing_partway_leaves_no_half_folder_and_the_rerun_finishes(
    files, capsys, monkeypatch, estate_twin, failure
):
    # The import, the run folder and the report were written before the what-if ran: when it
    # failed, the rerun was refused ("already exists and is not empty").
    import twin.history.whatif
    import twin.store

    out = files / "o"
    out.mkdir()  # an empty folder given as --out stays as it was
    argv = ["replay", str(files / "log.csv"), "--map", str(files / "map.yaml"), "--out", str(out)]
    argv += ["--what-if", str(files / "w.yaml")]
    full = "No space left on device"
    if failure == "disk fills in a what-if's run":
        real_files = twin.store.run_files
        calls = []

        def second_fails(*args: object, **kwargs: object) -> object:
            calls.append(1)
            if len(calls) == 2:  # the replay's own run files, then the what-if's
                raise OSError(28, full)
            return real_files(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(twin.store, "run_files", second_fails)
    else:
        error = TwinError("the what-if broke") if failure == "what-if fails" else OSError(28, full)

        def fails(*args: object, **kwargs: object) -> None:
            raise error

        monkeypatch.setattr(twin.history.whatif, "what_if", fails)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    fix = "nothing was left behind — free some disk space or choose another --out, and run again"
    assert (
        err
        == {
            "what-if fails": "twin replay: the what-if broke",
            "disk fills": f"twin replay: {out}: could not write the replay ({full}); {fix}",
            "disk fills in a what-if's run": (
                f"twin replay: {out / 'what-if' / 're-run-as-recorded'}: could not write the run ({full}); {fix}"
            ),
        }[failure]
    )
    assert out.is_dir() and not any(out.iterdir())
    assert sorted(p.name for p in files.iterdir()) == ["log.csv", "map.yaml", "o", "roster.yaml", "w.yaml"]
    if failure == "what-if fails":  # once is enough: the same command now finishes
        monkeypatch.undo()
        assert main(argv) == 0
        assert (out / "report.html").is_file() and (out / "what-if" / "pairs.csv").is_file()


def test_a_week_of_the_sample_replays_and_its_re_run_repeats_the_engine_that_made_it(tmp_path, capsys):
    """The sample was made by the engine, so re-run as recorded — same people, same report and
    dispatch times, same work — puts nearly every person on site when the log does. What the log
    cannot tell (planned work is not exported, so where someone was) is all that differs."""
    from twin.scenario import scenarios_dir

    folder = scenarios_dir() / "history"
    out = tmp_path / "week"
    argv = [
        "replay",
        str(folder / "estate_workorders.csv"),
        "--map",
        str(folder / "estate_workorders.map.yaml"),
    ]
    (tmp_path / "stairs.yaml").write_text("what_if:\n  - {name: lifts stopped, lifts: stopped}\n")
    argv += ["--out", str(out), "--what-if", str(tmp_path / "stairs.yaml")]
    assert main([*argv, "--from", "2025-11-24", "--to", "2025-11-30"]) == 0
    text = capsys.readouterr().out
    assert "3,424 rows read: 3,419 used, 5 rejected" in text
    pairs = pd.read_csv(out / "what-if" / "pairs.csv", dtype={"id": str})
    assert f"replayed: {len(pairs)} work orders reported 2025-11-24 to 2025-11-30" in text
    gap = (pairs["re-run as recorded: on site min"] - pairs["logged: on site min"]).abs()
    assert (gap < 1).mean() > 0.85  # the whole year: 94 % within a minute, 90 % within 6 s
    # Stopped lifts never make anyone come sooner when who goes is as logged.
    later = pairs["lifts stopped: on site min"] - pairs["re-run as recorded: on site min"]
    assert (later > -0.01).mean() > 0.95
    assert (out / "report.html").is_file()
