"""A run stepped in slices (the live exercise's clock) is the same run as one call."""

from __future__ import annotations

import numpy as np

from tests.engine.conftest import shipped
from twin.engine import run
from twin.engine.run import start


def test_stepping_in_random_slices_gives_the_same_log_as_one_run(estate_twin):
    scenario = shipped("storm_basement_cascade.yaml")
    whole = run(estate_twin, scenario)
    running = start(estate_twin, scenario)
    rng = np.random.default_rng(3)
    # 80 slice ends, some landing exactly on event times (the water model's steps) and some
    # repeated: both must change nothing.
    ends = np.sort(np.concatenate([rng.uniform(0, scenario.duration_s, 60), np.arange(20) * 30.0]))
    for until in ends:
        running.advance(float(until))
        assert running.now_s == float(until) or running.now_s > until
    sliced = running.finish()
    assert sliced.events == whole.events and len(whole.log) > 1000
    assert sliced.log.equals(whole.log)


def test_the_clock_stands_exactly_where_a_slice_ends(estate_twin):
    running = start(estate_twin, shipped("night_riser_burst.yaml"))
    running.advance(0.1)
    running.advance(0.3)  # 0.1 + (0.3 - 0.1) is not 0.3 in floating point
    assert running.now_s == 0.3
    running.advance(0.2)  # the past: nothing happens
    assert running.now_s == 0.3
    running.advance(1e9)  # past the end: stops at the end
    assert running.now_s == running.end_s


def test_progress_is_reported_about_every_fiftieth_of_the_run_and_changes_nothing(estate_twin):
    scenario = shipped("night_riser_burst.yaml")
    seen: list[tuple[float, str]] = []
    reported = run(estate_twin, scenario, progress=lambda f, msg: seen.append((f, msg)))
    silent = run(estate_twin, scenario)
    assert reported.log.equals(silent.log) and reported.events == silent.events
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and seen[-1] == (1.0, "done")
    # A report at the first event, then one each time the clock passes another 1/50 of the run.
    assert 10 <= len(seen) <= 52
    assert seen[0][1].startswith("simulated ") and seen[0][1].endswith(
        f"of {scenario.duration_s / 60:.0f} min"
    )
