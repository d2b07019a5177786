"""The run's shared state: the hop timeout made without SimPy's constructor, a path as a walk."""

from __future__ import annotations

import simpy

from tests.engine.conftest import shipped
from twin.engine.core import timeout
from twin.engine.run import start
from twin.routing import NORMAL


def test_a_hop_timeout_is_the_timeout_simpy_makes_in_the_same_queue_slot():
    env = simpy.Environment()
    env.timeout(2.5)
    env.run()  # the clock off zero, the queue empty
    ours = timeout(env, 1.25)
    theirs = env.timeout(1.25)
    assert type(ours) is type(theirs)
    # Every attribute SimPy's constructor sets, and no other (fails if SimPy changes them).
    assert vars(ours) == vars(theirs)
    assert ours.callbacks == [] and ours.callbacks is not theirs.callbacks
    (t_ours, p_ours, id_ours, e_ours), (t_theirs, p_theirs, id_theirs, e_theirs) = sorted(
        env._queue, key=lambda entry: entry[2]
    )
    assert (e_ours, e_theirs) == (ours, theirs)
    assert t_ours == t_theirs == 3.75 and p_ours == p_theirs and id_theirs == id_ours + 1


def test_a_process_waiting_on_a_hop_timeout_resumes_after_the_delay_in_creation_order():
    env = simpy.Environment()
    woke: list[tuple[str, float]] = []

    def walker(name: str, make, delay_s: float):
        value = yield make(env, delay_s)
        woke.append((name, env.now, value))

    env.process(walker("simpy", lambda e, d: e.timeout(d), 0.5))
    env.process(walker("hop", timeout, 0.5))
    env.process(walker("early hop", timeout, 0.25))
    env.run()
    assert woke == [("early hop", 0.25, None), ("simpy", 0.5, None), ("hop", 0.5, None)]


def test_a_walk_reaches_the_paths_nodes_in_hops_that_add_up_to_its_time(estate_twin):
    sim = start(estate_twin, shipped("night_riser_burst.yaml")).sim
    base = sim.drill.crew[0].base
    path = sim.router.path(base, sim.drill.front_desk, NORMAL)
    nodes, hops = sim.walk(path)
    assert nodes == path.nodes.tolist() and len(hops) == len(nodes) - 1 >= 2
    assert [node for node, _, _ in hops] == nodes[1:]
    assert [xyz for _, _, xyz in hops] == [sim.xyz(n) for n in nodes[1:]]
    total = 0.0
    for k, (_, hop_s, _) in enumerate(hops, 1):
        total += hop_s
        assert abs(total - (path.t_s[k] - path.t_s[0])) < 1e-9
    assert sim.walk(path) is sim.walk(path)  # worked out once per path
