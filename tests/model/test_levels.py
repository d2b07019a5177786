"""No phantom floors: lift shafts and atriums rising from a basement, storeys with nothing to walk
on, and storey names that do not depend on the order of federated files."""

from __future__ import annotations

from pathlib import Path

from tests.ifc_builder import TinyBuilding
from twin.twin import load_twin


def test_a_lift_shaft_rising_from_the_basement_makes_no_level_of_its_own(tmp_path: Path) -> None:
    b = TinyBuilding((("Basement", -3.0), ("Ground", 0.0), ("Upper", 3.0)))
    for storey in ("Basement", "Ground", "Upper"):
        b.space(f"Hall {storey}", storey, 0, 0, 6, 4)
    b.door("Front", "Ground", 3.0, -0.1, external=True)
    # Contained in the ground storey, as exporters do, but its pit is in the basement.
    shaft = b.space("Lift", "Ground", 6.2, 0, 8.2, 2, height=9.0)
    b.f.by_id(shaft.id()).ObjectPlacement.RelativePlacement.Location.Coordinates = (6.2, 0.0, -3.0)
    twin = load_twin([b.write(tmp_path / "shaft.ifc")], use_cache=False)
    assert [s.name for s in twin.model.storeys] == ["Basement", "Ground", "Upper"]
    assert not any("derived level" in w for w in twin.model.warnings)
    (lift,) = twin.model.lifts
    assert [twin.model.storeys[s].name for s in lift.storeys] == ["Basement", "Ground", "Upper"]


def test_a_storey_with_no_space_slab_or_door_gets_no_walkable_grid(tmp_path: Path) -> None:
    import ifcopenshell.api

    b = TinyBuilding((("Ground", 0.0), ("Parapet", 3.0)))
    b.space("Hall", "Ground", 0, 0, 6, 4)
    b.door("Front", "Ground", 3.0, -0.1, external=True)
    wall = ifcopenshell.api.run("root.create_entity", b.f, ifc_class="IfcWall", name="Parapet")
    ifcopenshell.api.run(
        "spatial.assign_container", b.f, relating_structure=b.storeys["Parapet"], products=[wall]
    )
    b._box(wall, 0, 0, 3.0, 6, 0.2, 1.1)
    twin = load_twin([b.write(tmp_path / "parapet.ifc")], use_cache=False)
    assert twin.model.walkable == ()
    assert any("'Parapet' has no spaces, no floor slab and no doors" in w for w in twin.model.warnings)


def test_federated_storey_names_do_not_depend_on_the_order_of_the_files(tmp_path: Path) -> None:
    arch = TinyBuilding((("Level 1", 0.0),))
    arch.space("Office", "Level 1", 0, 0, 6, 4)
    mep = TinyBuilding((("L1 MEP", 0.1),))
    mep.element("IfcValve", "V1", "L1 MEP", 1, 1)
    a = arch.write(tmp_path / "arch.ifc")
    m = mep.write(tmp_path / "mep.ifc")
    one = load_twin([a, m], use_cache=False).model
    other = load_twin([m, a], use_cache=False).model
    assert [s.name for s in one.storeys] == [s.name for s in other.storeys] == ["Level 1"]


def test_a_height_is_on_the_storey_below_it_and_nan_is_nowhere() -> None:
    import math

    from twin.model import BuildingModel, Storey

    model = BuildingModel(
        sources=(),
        storeys=(Storey("b", "B1", -4.0), Storey("g", "GF", 0.0), Storey("1", "L01", 4.5)),
        spaces=(),
        doors=(),
        stairs=(),
        lifts=(),
        equipment=(),
        systems=(),
    )
    z = [-4.0, -0.2, 0.0, 3.0, 4.4, 4.5, 40.0, -9.0, math.nan]
    # -0.2 and 4.4 are within the 0.5 m a floor finish or a landing sits below the storey's datum.
    assert model.storey_at(z).tolist() == [0, 1, 1, 1, 2, 2, 2, 0, -1]
    assert int(model.storey_at(4.4)) == 2
