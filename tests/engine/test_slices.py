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
