"""Progress on stderr: quiet for quick steps, one line per change for slow ones without a terminal."""

from __future__ import annotations

import time

import pytest

from twin.cli import progress


def test_a_quick_step_prints_nothing_without_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with progress.progress_bar("loading model") as report:
        report(1.0, "loaded from cache")
    assert capsys.readouterr().err == ""


def test_a_slow_step_says_what_it_is_doing_once_per_change(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(progress, "QUIET_S", 0.2)
    monkeypatch.setattr(progress, "TICK_S", 0.05)
    with progress.progress_bar("loading model") as report:
        report(0.0, "reading estate.ifc")
        time.sleep(0.5)  # the ticker notices the step has gone on longer than QUIET_S
        report(0.8, "building the navigation graph")
        report(0.9, "building the navigation graph")
    lines = capsys.readouterr().err.splitlines()
    assert [ln.split(" (")[0] for ln in lines] == [
        "loading model: reading estate.ifc",
        "loading model: building the navigation graph",
    ]
    assert lines[0].endswith(" s so far)")


def test_the_clock_reads_minutes_and_seconds_then_hours() -> None:
    assert progress.clock(59.6) == "1:00"
    assert progress.clock(3725) == "1:02:05"
    assert progress.clock(float("nan")) == "?"
