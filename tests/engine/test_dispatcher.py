"""The dispatcher's travel times against the router's own answer for the same people."""

from __future__ import annotations

import math

import numpy as np

from tests.engine.conftest import shipped
from twin.engine.dispatcher import travel_times
from twin.engine.run import start
from twin.routing import Positions


def _positions(sim) -> Positions:
    """Everyone's place as the dispatcher saw it before it read table rows itself: a person on
    site at a node (or the next node of a walk, after the seconds to it), a contractor at its
    arrival point and anyone else called out at every entrance, after their expected delay."""
    width, now = len(sim.entrances), sim.env.now
    nodes, etas = [], []
    for m in sim.members:
        if m.on_site:
            walking = m.next_node >= 0 and m.arrive_at > now
            nodes.append([m.next_node if walking else m.node] + [0] * (width - 1))
            etas.append([m.arrive_at - now if walking else 0.0] + [math.inf] * (width - 1))
        elif m.crew.arrival >= 0:
            nodes.append([m.crew.arrival] + [0] * (width - 1))
            etas.append([m.crew.expected_delay_s] + [math.inf] * (width - 1))
        else:
            nodes.append(list(sim.entrances))
            etas.append([m.crew.expected_delay_s] * width)
    return Positions(np.array(nodes), np.array(etas))


def test_travel_times_are_the_routers_response_times_from_where_everyone_is(estate_twin):
    """Mid-drill, people walking, on site and at home on call: the nearest entrance plus the
    call-out delay is the least over every entrance of entrance plus delay, to the bit."""
    running = start(estate_twin, shipped("night_riser_burst.yaml"))
    sim = running.sim
    checked = walking = off_site = 0
    for t_s in np.arange(60.0, 3600.0, 47.0):
        running.advance(float(t_s))
        tasks = [t for t in sim.tasks if t.state != "done"] or sim.tasks
        qualified = np.ones((len(tasks), len(sim.members)), dtype=bool)
        got = travel_times(sim, tasks, qualified)
        want = sim.router.response_times([t.node for t in tasks], _positions(sim), sim.state)
        assert np.array_equal(got, want)  # bit for bit, inf included
        checked += got.size
        walking += sum(m.on_site and m.next_node >= 0 and m.arrive_at > sim.env.now for m in sim.members)
        off_site += sum(not m.on_site for m in sim.members)
    assert checked > 50 and walking > 0 and off_site > 0


def test_people_a_task_does_not_accept_are_at_inf(estate_twin):
    running = start(estate_twin, shipped("night_riser_burst.yaml"))
    running.advance(400.0)
    sim = running.sim
    task = sim.tasks[0]
    times = travel_times(sim, [task], task.qualified[None, :])[0]
    assert np.isinf(times[~task.qualified]).all() and np.isfinite(times[task.qualified]).any()
