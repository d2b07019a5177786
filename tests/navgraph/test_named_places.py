"""Lifts, stairs and entrances a user can see in `twin inspect` and name in a scenario."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import shared_ifc
from tests.ifc_builder import TinyBuilding
from twin.places import resolve_place
from twin.present.summary import format_summary, summarize
from twin.twin import load_twin


def _house_with_a_lift_space(tmp_path: Path) -> Path:
    b = TinyBuilding((("Ground", 0.0), ("Upper", 3.0)))
    b.space("G", "Ground", 0, 0, 6, 4, long_name="Hall")
    b.space("U", "Upper", 0, 0, 6, 4, long_name="Landing")
    b.door("Front", "Ground", 3.0, -0.1, external=True)
    # A lift exported as one space through both storeys, named "-" with its real name as LongName.
    b.space("-", "Ground", 6.2, 0, 8.2, 2, height=6.0, long_name="Aufzug")
    b.stair("Stair", "Ground", 0.5, 2.5, 1.5, 3.5, rise=3.0)
    return b.write(tmp_path / "lift.ifc")


def test_a_lift_exported_as_a_space_named_dash_answers_to_its_long_name_at_each_stop(tmp_path: Path) -> None:
    twin = load_twin([_house_with_a_lift_space(tmp_path)], use_cache=False)
    model, graph = twin.model, twin.graph
    (lift,) = model.lifts
    assert lift.name == "Aufzug"
    assert [model.storeys[s].name for s in lift.storeys] == ["Ground", "Upper"]
    upper = resolve_place("Aufzug @ Upper", model, graph)
    ground = resolve_place("aufzug", model, graph)
    assert model.storeys[int(graph.node_storey[upper])].name == "Upper"
    assert model.storeys[int(graph.node_storey[ground])].name == "Ground"
    stair_top = resolve_place("Stair @ Upper", model, graph)
    assert model.storeys[int(graph.node_storey[stair_top])].name == "Upper"


def test_inspect_lists_lifts_with_stops_stairs_with_storeys_and_entrances(tmp_path: Path) -> None:
    summary = summarize(load_twin([_house_with_a_lift_space(tmp_path)], use_cache=False))
    assert summary["lifts"] == [
        {
            "name": "Aufzug",
            "id": summary["lifts"][0]["id"],
            "found_as": "IfcSpace",
            "stops": ["Ground", "Upper"],
        }
    ]
    assert [(s["name"], s["storeys"]) for s in summary["stairs"]] == [("Stair", ["Ground", "Upper"])]
    assert [e["name"] for e in summary["entrances"]] == ["Front"]
    text = format_summary(summary)
    assert "Aufzug [IfcSpace] stops: Ground, Upper" in text
    assert "Stair (stair): Ground, Upper" in text
    assert "MEP roles: none" in text


def test_inspect_says_the_electrical_model_has_no_mep_topology() -> None:
    summary = summarize(load_twin([shared_ifc("duplex_electrical.ifc")]))
    assert summary["mep"]["roles"] == {"board": 2, "booster_pump": 2, "other": 89, "sensor": 6}
    assert summary["mep"]["topology"].startswith("none: no ports connect the equipment")
