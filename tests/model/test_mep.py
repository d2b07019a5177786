"""Real MEP in both schemas: IFC2X3's generic classes get roles, circuits feed, only valves that
can shut a pipe off isolate."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import shared_ifc
from tests.ifc_builder import TinyBuilding
from twin.engine.plant import build_plant
from twin.twin import load_twin


def _plant_room(schema: str) -> TinyBuilding:
    b = TinyBuilding(schema=schema)
    b.space("Plant", "Ground", 0, 0, 10, 6, long_name="Plant room")
    b.door("Entry", "Ground", 5.0, -0.1, external=True)
    return b


def test_ifc2x3_generic_elements_get_their_roles_from_type_objects_and_names(tmp_path: Path) -> None:
    b = _plant_room("IFC2X3")
    b.element("IfcFlowController", "V1", "Ground", 1, 1, type_class="IfcValveType", predefined="ISOLATING")
    b.element("IfcFlowController", "V2", "Ground", 2, 1, type_class="IfcValveType", predefined="CHECK")
    b.element("IfcElectricDistributionPoint", "DB-1", "Ground", 3, 1)
    b.element(
        "IfcFlowController",
        "SD",
        "Ground",
        4,
        1,
        type_class="IfcProtectiveDeviceType",
        type_name="Smoke Detector",
    )
    b.element("IfcFlowMovingDevice", "P1", "Ground", 5, 1, type_class="IfcPumpType", predefined="CIRCULATOR")
    b.element("IfcFlowStorageDevice", "T1", "Ground", 6, 1, type_class="IfcTankType")
    b.element("IfcFlowTerminal", "Main panel", "Ground", 7, 1)
    twin = load_twin([b.write(tmp_path / "mep2x3.ifc")], use_cache=False)
    plant = build_plant(twin.model, twin.graph)
    roles = dict(zip(plant.name, plant.role, strict=True))
    assert roles == {
        "V1": "valve",
        "V2": "control_valve",
        "DB-1": "board",
        "SD": "sensor",
        "P1": "booster_pump",
        "T1": "tank",
        "Main panel": "board",
    }
    kinds = {e.name: e.kind for e in twin.model.equipment}
    assert kinds["V1"] == "IfcValve" and kinds["DB-1"] == "IfcElectricDistributionBoard"


@pytest.mark.parametrize(
    ("schema", "circuit_class"), [("IFC4", "IfcDistributionCircuit"), ("IFC2X3", "IfcElectricalCircuit")]
)
def test_a_board_feeds_what_its_circuit_groups_when_the_file_has_no_ports(
    tmp_path: Path, schema: str, circuit_class: str
) -> None:
    b = _plant_room(schema)
    board_class = "IfcElectricDistributionBoard" if schema == "IFC4" else "IfcElectricDistributionPoint"
    board = b.element(board_class, "DB-1", "Ground", 1, 1)
    loads = [b.element("IfcFlowTerminal", f"Light {i}", "Ground", 2 + i, 3) for i in range(3)]
    other = b.element("IfcFlowTerminal", "Socket elsewhere", "Ground", 8, 5)
    b.circuit(circuit_class, "Circuit 1", [board, *loads])
    twin = load_twin([b.write(tmp_path / "circuit.ifc")], use_cache=False)
    plant = build_plant(twin.model, twin.graph)
    fed = {plant.name[i] for i in plant.downstream([plant.find("DB-1")], "power")}
    assert fed == {"DB-1", "Light 0", "Light 1", "Light 2"}
    assert other.Name not in fed


def test_non_return_and_three_way_valves_isolate_no_pipe_in_the_heating_model() -> None:
    twin = load_twin([shared_ifc("hvac_heating_with_building.ifc")])
    model = twin.model
    plant = build_plant(model, twin.graph)
    valves = Counter(
        (model.equipment[i].type_name, plant.role[i])
        for i in range(len(model.equipment))
        if model.equipment[i].what == "IfcValve"
    )
    # 11 valves: 6 Absperrventil (shut-off) and 1 Hubventil (globe) isolate; 3 Rueckschlagklappe
    # (non-return flaps) and 1 3-Wege-Regelventil (three-way control valve) do not.
    assert valves == {
        ("Absperrventil", "valve"): 6,
        ("Hubventil", "valve"): 1,
        ("Rueckschlagklappe", "control_valve"): 3,
        ("3-Wege-Regelventil PN16", "control_valve"): 1,
    }
    upstream = [plant.upstream_valve(i) for i in plant.items("pipe")]
    assert len(upstream) == 197
    assert all(plant.role[u] == "valve" for u in upstream if u >= 0)
    # Water passes through the control valves on its way: most pipes still find a shut-off.
    assert sum(u >= 0 for u in upstream) >= 190


def test_a_pipe_segments_length_and_size_come_from_its_quantities_else_from_its_body(tmp_path: Path) -> None:
    # A pipe with Qto_PipeSegmentBaseQuantities.Length 6.5 and NominalDiameter 0.04 reads as
    # 6.5 m of 40 mm; one with neither is as long as its 0.4 m body and of unknown size; a valve
    # has neither.
    import ifcopenshell.api

    b = _plant_room("IFC4")
    sized = b.element("IfcPipeSegment", "Sized pipe", "Ground", 1, 1)
    qto = ifcopenshell.api.run("pset.add_qto", b.f, product=sized, name="Qto_PipeSegmentBaseQuantities")
    ifcopenshell.api.run("pset.edit_qto", b.f, qto=qto, properties={"Length": 6.5})
    pset = ifcopenshell.api.run("pset.add_pset", b.f, product=sized, name="Pset_PipeSegmentTypeCommon")
    ifcopenshell.api.run("pset.edit_pset", b.f, pset=pset, properties={"NominalDiameter": 0.04})
    b.element("IfcPipeSegment", "Bare pipe", "Ground", 3, 1)
    b.element("IfcValve", "V1", "Ground", 5, 1)
    model = load_twin([b.write(tmp_path / "pipes.ifc")]).model
    size = {e.name: (e.length_m, e.nominal_diameter_m) for e in model.equipment}
    assert size["Sized pipe"] == (pytest.approx(6.5), pytest.approx(0.04))
    assert size["Bare pipe"][0] == pytest.approx(0.4) and size["Bare pipe"][1] is None
    assert size["V1"] == (None, None)
