"""Reading real and tiny IFC files into a model in metres."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import shared_ifc
from tests.ifc_builder import two_storey_house
from twin.ifc import read_ifc


def test_fzk_haus_storeys_are_at_0_and_2_7_metres() -> None:
    model = read_ifc([shared_ifc("fzk_haus.ifc")])
    assert [(s.name, s.elevation_m) for s in model.storeys] == [
        ("Erdgeschoss", 0.0),
        ("Dachgeschoss", pytest.approx(2.7)),
    ]
    assert model.length_units == "m"


def test_storeys_are_sorted_by_elevation_with_the_foundation_first() -> None:
    model = read_ifc([shared_ifc("duplex_a.ifc")])
    assert [s.name for s in model.storeys] == ["T/FDN", "Level 1", "Level 2", "Roof"]
    assert model.storeys[0].elevation_m == pytest.approx(-1.25)


def test_a_millimetre_file_comes_out_in_metres() -> None:
    model = read_ifc([shared_ifc("hvac_heating_with_building.ifc")])
    assert model.length_units == "mm"
    living = next(sp for sp in model.spaces if sp.name == "GF_Living")
    # 17.46 m × 4.62 m in the file's millimetres.
    assert living.area_m2 == pytest.approx(80.64, rel=0.01)
    assert living.height_m == pytest.approx(2.95, abs=0.01)


def test_a_feet_file_comes_out_in_metres() -> None:
    model = read_ifc([shared_ifc("duplex_electrical.ifc")])
    assert model.length_units == "ft"
    level2 = next(s for s in model.storeys if s.name == "Level 2")
    # 10.17 ft in the file is the architectural model's 3.10 m.
    assert level2.elevation_m == pytest.approx(3.10, abs=0.01)


@pytest.mark.parametrize("name", ["fzk_haus.ifc", "institute_var2.ifc"])
def test_space_areas_match_the_files_own_area_quantities_within_2_percent(name: str) -> None:
    model = read_ifc([shared_ifc(name)])
    declared = [sp for sp in model.spaces if sp.declared_area_m2]
    assert len(declared) == len(model.spaces)
    for sp in declared:
        assert sp.area_m2 == pytest.approx(sp.declared_area_m2, rel=0.02), sp.name


def test_the_heating_model_yields_pumps_valves_and_a_connected_port_graph() -> None:
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    model = read_ifc([shared_ifc("hvac_heating_with_building.ifc")])
    classes = [e.ifc_class for e in model.equipment]
    assert classes.count("IfcPump") == 4
    assert classes.count("IfcValve") == 11
    assert len(model.port_links) == 228
    assert model.port_directed.all()
    n = len(model.equipment)
    links = model.port_links
    graph = coo_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    # All but one element (a loose fitting with no connected port) form one network.
    assert np.bincount(label).max() == n - 1
    assert {s.kind for s in model.systems} == {"HEATING"}


def test_the_office_lift_hidden_as_a_flow_terminal_serves_both_floors() -> None:
    model = read_ifc([shared_ifc("office_a.ifc")])
    (lift,) = model.lifts
    assert lift.ifc_class == "IfcFlowTerminal"
    assert "Elevator" in lift.name
    assert [model.storeys[s].name for s in lift.storeys] == ["Level 1", "Level 2"]
    # The lift's door terminals are parts of the lift, not equipment.
    assert len(lift.parts) == 3
    assert not any("Elevator" in e.name for e in model.equipment)


def test_architecture_and_electrical_files_federate_by_storey_name() -> None:
    model = read_ifc([shared_ifc("duplex_a.ifc"), shared_ifc("duplex_electrical.ifc")])
    assert [s.name for s in model.storeys] == ["T/FDN", "Level 1", "Level 2", "Roof"]
    assert len(model.sources) == 2
    assert model.length_units == "m,ft"
    level1 = next(i for i, s in enumerate(model.storeys) if s.name == "Level 1")
    assert len(model.storeys[level1].aliases) == 1
    on_level1 = [e for e in model.equipment if e.storey == level1]
    assert len(on_level1) > 20
    # Electrical equipment lands inside the architectural rooms (both files share coordinates).
    assert sum(e.space >= 0 for e in model.equipment) > 0.6 * len(model.equipment)


def test_a_storey_holding_three_levels_is_split_into_levels() -> None:
    model = read_ifc([shared_ifc("hvac_heating_with_building.ifc")])
    assert [round(s.elevation_m, 2) for s in model.storeys] == [-4.0, 0.0, 3.34]
    assert any("derived level" in w for w in model.warnings)


def test_a_tiny_house_reads_its_spaces_doors_and_stair(tmp_path: Path) -> None:
    model = read_ifc([two_storey_house(tmp_path)])
    assert [s.name for s in model.storeys] == ["Ground", "Upper"]
    assert len(model.spaces) == 6
    hall = next(sp for sp in model.spaces if sp.name == "G1")
    assert hall.area_m2 == pytest.approx(16.0)
    assert hall.declared_area_m2 == pytest.approx(16.0)
    (stair,) = model.stairs
    assert stair.storeys == (0, 1)
    front = next(d for d in model.doors if d.name == "Front door")
    assert front.is_external is True
    assert front.xyz[:2] == pytest.approx((2.0, -0.1))
