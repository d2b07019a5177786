"""Contractors arrive where the scenario says they sign in (``arrives_at``), else at the entrance
nearest the job."""

from __future__ import annotations

import pytest

from tests.engine.conftest import shipped, variant
from twin.engine import run
from twin.engine.setup import compile_drill
from twin.scenario.load import FieldError


def _lift_contractor_only(**contractor: object):  # type: ignore[no-untyped-def]
    """The day outage drill with nobody on the roster able to free trapped passengers, so the
    lift contractor is called for every entrapment; its first two hours."""
    scenario = shipped("day_grid_outage.yaml")
    people = [p.model_dump(mode="json") for p in scenario.people]
    for p in people:
        p["trades"].pop("lift_technician", None)
    firms = [dict(c.model_dump(mode="json"), **contractor) for c in scenario.contractors]
    return variant(scenario, people=people, contractors=firms, duration_h=2)


def test_a_contractor_arrives_and_sets_off_from_its_named_arrival_point(estate_twin):
    f = run(estate_twin, _lift_contractor_only(arrives_at="Security Room")).log.frame
    called = f[(f.kind == "callout") & f.person.str.startswith("LIFTCO")]
    assert len(called) > 0
    assert set(called.place) == {next(p for p in f.place.dropna().unique() if "Security Room" in p)}
    arrived = f[(f.kind == "move") & f.person.str.startswith("LIFTCO") & (f.detail == "arrived on site")]
    assert len(arrived) == len(called) and set(arrived.place) == set(called.place)


def test_without_an_arrival_point_a_contractor_comes_in_at_the_entrance_nearest_the_job(estate_twin):
    f = run(estate_twin, _lift_contractor_only()).log.frame
    called = f[(f.kind == "callout") & f.person.str.startswith("LIFTCO")]
    assert len(called) > 0
    assert not any("Security Room" in p for p in called.place)
    g, model = estate_twin.graph, estate_twin.model
    doors = {model.doors[g.node_ref[n]].name for n in g.entrances}
    assert all(any(d and d in p for d in doors) for p in called.place)


def test_an_unknown_arrival_point_names_the_field(estate_twin):
    with pytest.raises(FieldError, match=r"contractors\[0\]\.arrives_at") as err:
        compile_drill(estate_twin, _lift_contractor_only(arrives_at="Gatehouse 9"))
    assert "Gatehouse 9" in str(err.value)
