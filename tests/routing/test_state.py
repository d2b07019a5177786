"""Network states are values: equal buildings are equal, hash equal, and build cheaply."""

from __future__ import annotations

import pytest

from twin.routing import NORMAL, NetworkState, RoutingError
from twin.travel import HEAVY, WALKING


def test_states_built_two_ways_are_equal_and_hash_equal():
    a = NetworkState().with_lifts_off([2, 1]).with_closed([7], storeys=[3])
    b = NetworkState(lifts_off={1, 2}, closed_nodes=[7], closed_storeys=(3,))
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b, NORMAL}) == 2


def test_numpy_integers_become_plain_ints():
    import numpy as np

    s = NetworkState(closed_nodes=np.array([4, 5], dtype=np.int64))
    assert s.closed_nodes == frozenset({4, 5})
    assert all(type(x) is int for x in s.closed_nodes)


def test_all_lifts_off_forgets_the_named_lifts_so_one_building_has_one_spelling():
    assert NetworkState(all_lifts_off=True, lifts_off={3}) == NORMAL.with_lifts_off()
    assert NORMAL.with_lifts_off([3]).with_lifts_off() == NORMAL.with_lifts_off()


def test_with_methods_undo_each_other():
    s = NORMAL.with_closed([1, 2], storeys=[0], edges=[9]).with_locked([4]).with_lifts_off([0])
    back = s.with_reopened([1, 2], storeys=[0], edges=[9]).with_unlocked([4]).with_lifts_on([0])
    assert back == NORMAL
    assert back.is_normal
    assert not s.is_normal


def test_mode_is_part_of_the_state():
    assert NORMAL.with_mode(HEAVY) != NORMAL
    assert NORMAL.with_mode(HEAVY).with_mode(WALKING) == NORMAL
    assert NORMAL.with_mode(HEAVY).is_normal


def test_a_negative_id_is_refused_with_the_field_named():
    with pytest.raises(RoutingError, match=r"NetworkState.closed_nodes: ids must be ≥ 0, got -1"):
        NetworkState(closed_nodes={-1, 3})


def test_switching_one_lift_on_while_all_are_off_says_what_to_do_instead():
    with pytest.raises(RoutingError, match="with_lifts_off"):
        NORMAL.with_lifts_off().with_lifts_on([1])


def test_describe_names_what_is_out_of_use():
    s = NORMAL.with_lifts_off().with_closed([1, 2]).with_locked([5])
    assert s.describe() == "walking; all lifts off; 2 nodes closed; 1 door locked"
