"""Who is nearest: row lookups and argmin over where people are, one decision or thousands."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.routing import NORMAL, Positions, Router, RoutingError
from twin.synthetic import graph_from_edges, tower


def line(n: int = 5):
    """Nodes 0..n-1 on a line 13 m apart: 10 s a hop at 1.3 m/s."""
    return graph_from_edges([(13.0 * i, 0, 0) for i in range(n)], [(i, i + 1) for i in range(n - 1)])


def test_someone_en_route_counts_from_where_they_will_be():
    # Target node 4. A stands at node 0: 40 s. B reaches node 2 in 5 s: 5 + 20 = 25 s.
    r = Router(line())
    people = Positions.en_route([0, 2], [0.0, 5.0])
    assert r.nearest(4, people) == (1, pytest.approx(25.0))


def test_only_eligible_people_are_sent():
    # C at node 3 (10 s) is not qualified; B (25 s) is.
    r = Router(line())
    people = Positions.en_route([0, 2, 3], [0.0, 5.0, 0.0])
    assert r.nearest(4, people, eligible=[True, True, False]) == (1, pytest.approx(25.0))
    assert r.nearest(4, people) == (2, pytest.approx(10.0))


def test_nobody_eligible_or_able_to_get_there_gives_minus_one_and_inf():
    r = Router(line())
    people = Positions.at([0, 1])
    assert r.nearest(4, people, eligible=[False, False]) == (-1, np.inf)
    assert r.nearest(4, people, NORMAL.with_closed([4])) == (-1, np.inf)
    assert r.dispatch([4, 0], Positions.at([])) == (
        pytest.approx([-1, -1]),
        pytest.approx([np.inf] * 2),
    )


def test_someone_part_way_along_an_edge_may_turn_back():
    # Walking 0 -> 1, a quarter of the way: 2.5 s back to 0, 7.5 s on to 1.
    r = Router(line())
    people = Positions.on_edges(r.network(), [0], [1], [0.25])
    assert r.nearest(0, people) == (0, pytest.approx(2.5))
    assert r.nearest(1, people) == (0, pytest.approx(7.5))
    assert r.nearest(4, people) == (0, pytest.approx(37.5))


def test_a_batch_of_decisions_is_one_lookup_per_target():
    r = Router(line(), keys=[0, 4])
    people = Positions.at([1, 3])
    person, seconds = r.dispatch([0, 4, 2, 0], people)
    assert person.tolist() == [0, 1, 0, 0]  # node 2 is a tie: the lower index wins
    assert seconds.tolist() == pytest.approx([10, 10, 10, 10])
    times = r.response_times([0, 4], people, eligible=[[True, False], [True, True]])
    assert times.tolist() == [[10.0, np.inf], [30.0, 10.0]]


def test_eligibility_of_the_wrong_shape_is_refused_with_the_expected_shape():
    r = Router(line())
    with pytest.raises(RoutingError, match=r"expected \(2, 3\) \(targets x people\) or \(3,\)"):
        r.response_times([0, 1], Positions.at([0, 1, 2]), eligible=[True, False])


def test_positions_outside_the_graph_are_refused():
    with pytest.raises(RoutingError, match=r"positions: node 9 is not in the graph \(nodes 0..4\)"):
        Router(line()).nearest(0, Positions.at([9]))
    with pytest.raises(RoutingError, match="eta_s must be ≥ 0"):
        Positions.en_route([0], [-1.0])


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_batch_dispatch_equals_one_decision_at_a_time(data):
    g = tower(data.draw(st.integers(2, 6)), grid=(3, 2), rooms_per_storey=2).graph
    n = g.n_nodes
    targets = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=20))
    p = data.draw(st.integers(1, 8))
    nodes = data.draw(st.lists(st.integers(0, n - 1), min_size=p, max_size=p))
    eta = data.draw(st.lists(st.floats(0, 100), min_size=p, max_size=p))
    eligible = np.array(
        data.draw(st.lists(st.booleans(), min_size=p * len(targets), max_size=p * len(targets)))
    )
    eligible = eligible.reshape(len(targets), p)
    state = data.draw(st.sampled_from([NORMAL, NORMAL.with_lifts_off()]))
    r = Router(g, keys=targets[:3])
    people = Positions.en_route(nodes, eta)
    person, seconds = r.dispatch(targets, people, state, eligible=eligible)
    direct = r.times(nodes, targets, state) + np.asarray(eta)[:, None]  # (people, targets)
    for i, t in enumerate(targets):
        one = r.nearest(t, people, state, eligible=eligible[i])
        assert (int(person[i]), float(seconds[i])) == one
        best = np.where(eligible[i], direct[:, i], np.inf).min()
        assert seconds[i] == pytest.approx(best, abs=1e-9)
