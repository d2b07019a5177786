"""A dispatch policy defined here, in the test folder alone, is listed by the registry and runs a
drill — registered once, with no edit anywhere else (issue 13, item 5)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import pytest

from tests.engine.conftest import shipped, variant
from twin.engine import run
from twin.engine.dispatch import (
    FREE,
    Assignment,
    Board,
    Policy,
    PolicyError,
    policy,
    policy_names,
    register_policy,
)
from twin.scenario import ScenarioError, parse_scenario
from twin.scenario.kinds import POLICIES
from twin.scenario.schema import PolicySpec


class Farthest(PolicySpec):
    """The qualified free person farthest away (a policy no one should use: easy to tell apart)."""

    kind: Literal["farthest"]


def _farthest(spec: Farthest, board: Board) -> list[Assignment]:
    out: list[Assignment] = []
    free = (board.busy_priority == FREE) & board.available
    for t in range(board.priority.shape[0]):
        ok = board.qualified[t] & free & np.isfinite(board.time_s[t])
        if ok.any():
            j = int(np.argmax(np.where(ok, board.time_s[t], -np.inf)))
            out.append((t, j, False))
            free[j] = False
    return out


@pytest.fixture
def farthest() -> Iterator[Policy]:
    yield register_policy(Policy("farthest", Farthest, _farthest, "the farthest qualified person"))
    POLICIES.unregister("farthest")


def test_the_built_in_policies_are_listed_with_what_they_do():
    assert policy_names()[:4] == ("nearest", "priority", "skill", "manual")
    assert policy("manual").label == "a human dispatcher: roster order, after a delay"


def test_an_unregistered_policy_is_refused_naming_the_known_ones():
    with pytest.raises(
        ScenarioError,
        match=r"dispatch\.kind: unknown dispatch policy 'lottery' "
        r"\(known: nearest, priority, skill, manual, live\)",
    ):
        parse_scenario(
            "name: x\npeople: [{id: a, trades: {plumber: 1}, shift: day}]\ndispatch: {kind: lottery}\n"
        )


def test_a_toy_policy_registered_in_a_test_is_listed_and_runs_a_drill(farthest, estate_twin):
    assert policy_names()[-1] == "farthest" and policy("farthest").label == "the farthest qualified person"

    def first_dispatch(kind: str) -> Any:
        scenario = variant(shipped("night_riser_burst.yaml"), dispatch={"kind": kind})
        f = run(estate_twin, scenario, trace_moves=False).log.frame
        return f[f.kind == "dispatched"].iloc[0]

    near, far = first_dispatch("nearest"), first_dispatch("farthest")
    # The same task (isolate at the riser valve) goes to someone the dispatcher expected to take
    # longer to get there than the nearest qualified person.
    assert near["detail"] == far["detail"] and near["t_s"] == far["t_s"]
    assert far["value"] > near["value"] and far["person"] != near["person"]


class Everyone(PolicySpec):
    """Sends the first qualified person to every task, busy or not: a policy the dispatcher must refuse."""

    kind: Literal["everyone"]


def _first_qualified(spec: Everyone, board: Board) -> list[Assignment]:
    return [(t, int(np.argmax(board.qualified[t])), False) for t in range(board.priority.shape[0])]


def test_a_policy_that_sends_a_busy_person_is_stopped_naming_the_policy_and_the_person(estate_twin):
    register_policy(Policy("everyone", Everyone, _first_qualified, "the first qualified person, always"))
    try:
        # In the storm drill a second task opens while the night plumber is still on the first.
        scenario = variant(shipped("storm_basement_cascade.yaml"), dispatch={"kind": "everyone"})
        with pytest.raises(
            PolicyError, match=r"dispatch policy 'everyone' sent N-PLB to someone busy, without pre-empting"
        ):
            run(estate_twin, scenario, trace_moves=False)
    finally:
        POLICIES.unregister("everyone")
