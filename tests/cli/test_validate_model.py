"""`twin validate --against-model`: every problem at once, and what a drill on the model cannot
do; `twin route` says when nothing links two places."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ifc_builder import TinyBuilding, two_storey_house
from twin.cli import main


def _starter(tmp_path: Path) -> tuple[Path, str]:
    out = tmp_path / "drill.yaml"
    assert main(["init", str(two_storey_house(tmp_path)), "--out", str(out)]) == 0
    return out, out.read_text(encoding="utf-8")


def test_every_bad_place_is_reported_at_once_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, text = _starter(tmp_path)
    lines = text.splitlines()
    plb = next(i for i, ln in enumerate(lines) if ln.startswith("  - {id: PLB"))
    ele = next(i for i, ln in enumerate(lines) if ln.startswith("  - {id: ELE"))
    lines[plb] = lines[plb].split("base:")[0] + "base: Kitchn, hourly_rate: 40}"
    lines[ele] = lines[ele].split("base:")[0] + "base: Bedrom, hourly_rate: 42}"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", "--against-model", str(out)]) == 2
    printed = capsys.readouterr().err
    assert f"drill.yaml:{plb + 1}: people[0].base: no place called 'Kitchn'" in printed
    assert f"drill.yaml:{ele + 1}: people[1].base: no place called 'Bedrom'" in printed
    assert "2 problems" in printed


def test_a_task_nobody_on_the_roster_can_do_is_said_upfront(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, text = _starter(tmp_path)
    out.write_text(
        "\n".join(ln for ln in text.splitlines() if not ln.startswith("  - {id: DSK")) + "\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["validate", "--against-model", str(out)]) == 0
    printed = capsys.readouterr().err
    assert "cannot: Burst at Starter pipe: task 'tell" in printed
    assert "needs front_desk:1 or security:1 and nobody on the roster has it" in printed


def test_a_model_without_spaces_does_not_validate_ok(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = TinyBuilding()
    b.element("IfcValve", "V1", "Ground", 1, 1)
    model = b.write(tmp_path / "mep_only.ifc")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"name: MEP only\nmodel: [{model.name}]\npeople:\n"
        "  - {id: P, trades: {plumber: 2}, shift: day, base: V1}\n",
        encoding="utf-8",
    )
    assert main(["validate", "--against-model", str(scenario)]) == 2
    printed = capsys.readouterr().err
    assert "cannot: the model has no spaces" in printed and "federate" in printed


def test_route_on_a_graph_with_no_links_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = TinyBuilding()
    b.space("A", "Ground", 0, 0, 4, 4)
    b.space("B", "Ground", 10, 0, 14, 4)
    model = b.write(tmp_path / "apart.ifc")
    assert main(["route", "--from", "A", "--to", "B", str(model)]) == 2
    assert "the navigation graph has no links at all" in capsys.readouterr().err


def test_a_scenario_can_declare_where_people_from_outside_come_in(tmp_path: Path) -> None:
    from twin.engine import compile_drill
    from twin.scenario import load_scenario
    from twin.twin import load_twin

    b = TinyBuilding()
    b.space("Yard office", "Ground", 0, 0, 4, 4)
    b.space("Store", "Ground", 4.2, 0, 8, 4)
    b.door("Gate", "Ground", 4.1, 2.0, along_x=False, external=False)  # no façade door at all
    model = b.write(tmp_path / "yard.ifc")
    text = (
        f"name: Yard\nmodel: [{model.name}]\npeople:\n"
        "  - {id: P, trades: {plumber: 2}, shift: day, base: Yard office}\n"
        "contractors:\n  - {id: C, trades: {lift_technician: 2}}\n"
    )
    plain = tmp_path / "plain.yaml"
    plain.write_text(text, encoding="utf-8")
    declared = tmp_path / "declared.yaml"
    declared.write_text(text + "entrances: [Gate]\n", encoding="utf-8")
    twin = load_twin([model], use_cache=False)
    assert twin.graph.entrances.size == 0
    assert main(["validate", "--against-model", str(plain)]) == 2
    drill = compile_drill(twin, load_scenario(declared).scenario)
    gate = twin.graph.door_node[0]
    assert drill.twin.graph.entrances.tolist() == [gate]
