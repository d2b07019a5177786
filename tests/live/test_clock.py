"""The live exercise's wall clock: simulation time from an anchor, a speed and a running flag."""

from __future__ import annotations

import math

import pytest

from twin.live.clock import SPEEDS, ClockError, WallClock, clock_text

#: A wall-clock moment to start from (any number: only differences count).
T0 = 1_000.0


def test_a_new_clock_is_paused_at_the_start_of_the_scenario():
    clock = WallClock.start(T0)
    assert not clock.running
    assert clock.sim_time(T0) == 0.0
    assert clock.sim_time(T0 + 3600) == 0.0


def test_at_30x_ten_wall_seconds_are_five_simulated_minutes():
    clock = WallClock.start(T0).at_speed(30, T0).resumed(T0)
    assert clock.sim_time(T0 + 10) == 300.0
    assert clock.sim_time(T0 + 60) == 1800.0


def test_pausing_keeps_the_time_reached_and_resuming_goes_on_from_it():
    # 20 s at 5× = 100 s simulated; paused for an hour of wall time; 4 s more at 5× = 120 s.
    clock = WallClock.start(T0).at_speed(5, T0).resumed(T0)
    paused = clock.paused(T0 + 20)
    assert paused.sim_time(T0 + 20) == 100.0
    assert paused.sim_time(T0 + 3620) == 100.0
    again = paused.resumed(T0 + 3620)
    assert again.sim_time(T0 + 3624) == 120.0


def test_changing_speed_counts_the_time_before_at_the_old_speed():
    # 10 s at 1× (10 s) then 10 s at 60× (600 s): 610 s.
    clock = WallClock.start(T0).resumed(T0)
    faster = clock.at_speed(60, T0 + 10)
    assert faster.sim_time(T0 + 20) == 610.0


def test_jumping_ahead_adds_simulated_time_and_keeps_running_or_paused():
    running = WallClock.start(T0).resumed(T0).jumped(900, T0 + 30)
    assert running.sim_time(T0 + 30) == 930.0
    assert running.sim_time(T0 + 40) == 940.0
    paused = WallClock.start(T0).jumped(900, T0 + 30)
    assert paused.sim_time(T0 + 99) == 900.0


def test_simulated_time_stops_at_the_end_of_the_exercise():
    clock = WallClock.start(T0, end_s=7200).at_speed(60, T0).resumed(T0)
    assert clock.sim_time(T0 + 119) == 7140.0
    assert clock.sim_time(T0 + 121) == 7200.0
    assert clock.finished(T0 + 120) and not clock.finished(T0 + 119)
    assert clock.jumped(9000, T0).sim_time(T0) == 7200.0


def test_a_wall_clock_that_goes_back_never_takes_simulated_time_back():
    clock = WallClock.start(T0).resumed(T0 + 10)
    assert clock.sim_time(T0) == 0.0


def test_wall_time_until_a_simulated_moment_follows_the_speed():
    clock = WallClock.start(T0).at_speed(30, T0).resumed(T0)
    assert clock.wall_until(600, T0) == 20.0
    assert clock.wall_until(600, T0 + 25) == 0.0
    assert clock.paused(T0).wall_until(600, T0) == math.inf


def test_only_the_offered_speeds_and_forward_jumps_are_taken():
    assert SPEEDS == (1, 5, 30, 60)
    with pytest.raises(ClockError, match=r"clock speed: expected one of 1×, 5×, 30×, 60×, got 2×"):
        WallClock.start(T0).at_speed(2, T0)
    with pytest.raises(ClockError, match="jump ahead: expected a positive number of seconds, got -60"):
        WallClock.start(T0).jumped(-60, T0)


def test_the_clock_describes_itself_in_words():
    clock = WallClock.start(T0, end_s=7200).at_speed(30, T0).resumed(T0)
    assert clock.describe(T0 + 24.5) == "running at 30×, 12:15 into the exercise"
    assert clock.paused(T0 + 150).describe(T0 + 999) == "paused (speed 30×), 1:15:00 into the exercise"
    assert clock.describe(T0 + 1000) == "at the end, 2:00:00 into the exercise"
    assert clock_text(59.9) == "00:59" and clock_text(3661) == "1:01:01"
