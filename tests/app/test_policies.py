"""A dispatch policy registered outside the app is offered by the app's forms with no edit there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest

from tests.app.test_compare_page import compare_page
from tests.app.test_drill_page import drill_page, editor
from twin.engine.dispatch import POLICIES, Board, Policy, register_policy
from twin.scenario.schema import PolicySpec


class Furthest(PolicySpec):
    """Send whoever is furthest away (a toy: nobody would)."""

    kind: Literal["furthest"]


def _furthest(spec: Furthest, board: Board) -> list[tuple[int, int, bool]]:
    out: list[tuple[int, int, bool]] = []
    taken: set[int] = set()
    for t in range(board.priority.shape[0]):
        ok = [j for j in range(board.available.shape[0]) if board.qualified[t, j] and j not in taken]
        if ok:
            j = max(ok, key=lambda k: float(board.time_s[t, k]))
            out.append((t, j, False))
            taken.add(j)
    return out


@pytest.fixture
def toy_policy() -> Iterator[str]:
    register_policy(Policy("furthest", Furthest, _furthest, "whoever is furthest away"))
    yield "furthest"
    POLICIES.unregister("furthest")


def test_a_policy_registered_in_a_test_is_offered_by_the_drill_form_and_the_compare_page(toy_policy):
    at = drill_page()
    form = next(s for s in at.selectbox if s.label == "Dispatch policy")
    assert form.options[-1] == "furthest — whoever is furthest away"
    form.set_value(toy_policy)
    next(b for b in at.button if b.label == "Apply to the YAML").click().run()
    assert not at.exception
    assert "dispatch: {kind: furthest}" in editor(at).value.splitlines()
    assert at.success  # the scenario validates with the new policy

    at = compare_page()
    for side in (0, 1):
        choices = [s for s in at.selectbox if s.label == "Dispatch policy"][side].options
        assert "furthest — whoever is furthest away" in choices


def test_the_live_policy_is_offered_only_to_a_scenario_that_already_names_it():
    from app.shared import policies

    assert "live" not in policies()
    assert {"nearest", "priority", "skill", "manual"} <= set(policies())
    assert "live" in policies("live")
