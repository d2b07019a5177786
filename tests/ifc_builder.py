"""Tiny IFC4 buildings made in memory with ifcopenshell.api, for tests that need exact numbers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.api
import numpy as np


class TinyBuilding:
    """A metre-unit IFC4 file with storeys; add rectangular spaces, doors and stairs by coordinates."""

    def __init__(
        self, storeys: Sequence[tuple[str, float]] = (("Ground", 0.0),), *, schema: str = "IFC4"
    ) -> None:
        f = ifcopenshell.api.run("project.create_file", version=schema)
        self.f = f
        if schema == "IFC2X3":  # every IFC2X3 entity needs an owner history, and it a user
            org = f.createIfcOrganization(Name="DrillTwin tests")
            f.createIfcPersonAndOrganization(f.createIfcPerson(), org)
            f.createIfcApplication(org, "0", "DrillTwin tests", "drilltwin-tests")
        project = ifcopenshell.api.run("root.create_entity", f, ifc_class="IfcProject", name="Tiny")
        ifcopenshell.api.run("unit.assign_unit", f, length={"is_metric": True, "raw": "METERS"})
        model = ifcopenshell.api.run("context.add_context", f, context_type="Model")
        self.body = ifcopenshell.api.run(
            "context.add_context",
            f,
            context_type="Model",
            context_identifier="Body",
            target_view="MODEL_VIEW",
            parent=model,
        )
        site = ifcopenshell.api.run("root.create_entity", f, ifc_class="IfcSite", name="Site")
        building = ifcopenshell.api.run("root.create_entity", f, ifc_class="IfcBuilding", name="B")
        ifcopenshell.api.run("aggregate.assign_object", f, relating_object=project, products=[site])
        ifcopenshell.api.run("aggregate.assign_object", f, relating_object=site, products=[building])
        self.storeys: dict[str, Any] = {}
        self.elevation: dict[str, float] = {}
        for name, z in storeys:
            st = ifcopenshell.api.run("root.create_entity", f, ifc_class="IfcBuildingStorey", name=name)
            st.Elevation = z
            self._place(st, 0, 0, z)
            ifcopenshell.api.run("aggregate.assign_object", f, relating_object=building, products=[st])
            self.storeys[name] = st
            self.elevation[name] = z

    def _place(self, el: Any, x: float, y: float, z: float) -> None:
        m = np.eye(4)
        m[:3, 3] = (x, y, z)
        ifcopenshell.api.run("geometry.edit_object_placement", self.f, product=el, matrix=m, is_si=True)

    def _box(self, el: Any, x: float, y: float, z: float, dx: float, dy: float, dz: float) -> None:
        rep = ifcopenshell.api.run(
            "geometry.add_slab_representation",
            self.f,
            context=self.body,
            depth=dz,
            polyline=[(0.0, 0.0), (dx, 0.0), (dx, dy), (0.0, dy)],
        )
        ifcopenshell.api.run("geometry.assign_representation", self.f, product=el, representation=rep)
        self._place(el, x, y, z)

    def space(
        self,
        name: str,
        storey: str,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        *,
        height: float = 2.7,
        long_name: str = "",
        area_qto: float | None = None,
        outline: Sequence[tuple[float, float]] | None = None,
    ) -> Any:
        """A rectangular space x0–x1 × y0–y1, or one with the given plan outline (x0, y0 are
        then where the outline's origin is placed)."""
        sp = ifcopenshell.api.run("root.create_entity", self.f, ifc_class="IfcSpace", name=name)
        sp.LongName = long_name or None
        ifcopenshell.api.run(
            "aggregate.assign_object", self.f, relating_object=self.storeys[storey], products=[sp]
        )
        if outline is None:
            self._box(sp, x0, y0, self.elevation[storey], x1 - x0, y1 - y0, height)
        else:
            rep = ifcopenshell.api.run(
                "geometry.add_slab_representation",
                self.f,
                context=self.body,
                depth=height,
                polyline=[tuple(p) for p in outline],
            )
            ifcopenshell.api.run("geometry.assign_representation", self.f, product=sp, representation=rep)
            self._place(sp, x0, y0, self.elevation[storey])
        if area_qto is not None:
            qto = ifcopenshell.api.run("pset.add_qto", self.f, product=sp, name="Qto_SpaceBaseQuantities")
            ifcopenshell.api.run("pset.edit_qto", self.f, qto=qto, properties={"GrossFloorArea": area_qto})
        return sp

    def door(
        self,
        name: str,
        storey: str,
        x: float,
        y: float,
        *,
        along_x: bool = True,
        width: float = 0.9,
        external: bool | None = None,
    ) -> Any:
        """A door centred on (x, y) in a 0.2 m wall running along x (or along y)."""
        d = ifcopenshell.api.run("root.create_entity", self.f, ifc_class="IfcDoor", name=name)
        d.OverallWidth, d.OverallHeight = width, 2.1
        ifcopenshell.api.run(
            "spatial.assign_container", self.f, relating_structure=self.storeys[storey], products=[d]
        )
        dx, dy = (width, 0.2) if along_x else (0.2, width)
        self._box(d, x - dx / 2, y - dy / 2, self.elevation[storey], dx, dy, 2.1)
        if external is not None:
            pset = ifcopenshell.api.run("pset.add_pset", self.f, product=d, name="Pset_DoorCommon")
            ifcopenshell.api.run("pset.edit_pset", self.f, pset=pset, properties={"IsExternal": external})
        return d

    def stair(self, name: str, storey: str, x0: float, y0: float, x1: float, y1: float, rise: float) -> Any:
        s = ifcopenshell.api.run("root.create_entity", self.f, ifc_class="IfcStair", name=name)
        ifcopenshell.api.run(
            "spatial.assign_container", self.f, relating_structure=self.storeys[storey], products=[s]
        )
        self._box(s, x0, y0, self.elevation[storey], x1 - x0, y1 - y0, rise)
        return s

    def wall(
        self,
        name: str,
        storey: str,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        *,
        z0: float = 0.0,
        height: float = 2.7,
    ) -> Any:
        """A box wall x0–x1 × y0–y1 standing from ``z0`` above the storey's floor (m)."""
        w = ifcopenshell.api.run("root.create_entity", self.f, ifc_class="IfcWall", name=name)
        ifcopenshell.api.run(
            "spatial.assign_container", self.f, relating_structure=self.storeys[storey], products=[w]
        )
        self._box(w, x0, y0, self.elevation[storey] + z0, x1 - x0, y1 - y0, height)
        return w

    def flight(
        self, name: str, storey: str, x0: float, x1: float, y_foot: float, y_top: float, rise: float
    ) -> Any:
        """A straight stair flight as a sloped slab 0.2 m thick (a mesh), x0–x1 wide, climbing
        ``rise`` from its foot at ``y_foot`` to its top at ``y_top`` (an IfcStair holding one
        IfcStairFlight)."""
        stair = ifcopenshell.api.run("root.create_entity", self.f, ifc_class="IfcStair", name=name)
        fl = ifcopenshell.api.run(
            "root.create_entity", self.f, ifc_class="IfcStairFlight", name=f"{name} flight"
        )
        ifcopenshell.api.run(
            "spatial.assign_container", self.f, relating_structure=self.storeys[storey], products=[stair]
        )
        ifcopenshell.api.run("aggregate.assign_object", self.f, relating_object=stair, products=[fl])
        z = self.elevation[storey]
        t = 0.2
        verts = [
            (x0, y_foot, z),
            (x1, y_foot, z),
            (x1, y_foot, z + t),
            (x0, y_foot, z + t),
            (x0, y_top, z + rise - t),
            (x1, y_top, z + rise - t),
            (x1, y_top, z + rise),
            (x0, y_top, z + rise),
        ]
        faces = [[0, 3, 2, 1], [4, 5, 6, 7], [0, 1, 5, 4], [3, 7, 6, 2], [0, 4, 7, 3], [1, 2, 6, 5]]
        rep = ifcopenshell.api.run(
            "geometry.add_mesh_representation", self.f, context=self.body, vertices=[verts], faces=[faces]
        )
        ifcopenshell.api.run("geometry.assign_representation", self.f, product=fl, representation=rep)
        self._place(fl, 0, 0, 0)
        return stair

    def element(
        self,
        ifc_class: str,
        name: str,
        storey: str,
        x: float,
        y: float,
        *,
        type_class: str | None = None,
        predefined: str | None = None,
        type_name: str | None = None,
    ) -> Any:
        """A 0.4 m box of equipment at (x, y) on a storey, typed by a type object when given
        (the way IFC2X3 says what an IfcFlowController is)."""
        el = ifcopenshell.api.run("root.create_entity", self.f, ifc_class=ifc_class, name=name)
        ifcopenshell.api.run(
            "spatial.assign_container", self.f, relating_structure=self.storeys[storey], products=[el]
        )
        self._box(el, x - 0.2, y - 0.2, self.elevation[storey], 0.4, 0.4, 0.4)
        if type_class is not None:
            t = ifcopenshell.api.run(
                "root.create_entity", self.f, ifc_class=type_class, name=type_name or type_class
            )
            if predefined is not None:
                t.PredefinedType = predefined
            ifcopenshell.api.run("type.assign_type", self.f, related_objects=[el], relating_type=t)
        return el

    def circuit(self, ifc_class: str, name: str, members: Sequence[Any]) -> Any:
        """A system (IfcElectricalCircuit, IfcDistributionCircuit…) grouping elements, no ports."""
        system = ifcopenshell.api.run("system.add_system", self.f, ifc_class=ifc_class)
        system.Name = name
        ifcopenshell.api.run("system.assign_system", self.f, products=list(members), system=system)
        return system

    def write(self, path: Path) -> Path:
        self.f.write(str(path))
        return path


def two_storey_house(tmp: Path) -> Path:
    """Ground: hall 0–4 × 0–4 with the front door at y = 0, kitchen 4.2–8 × 0–4 through a door,
    stair hall 0–4 × 4.2–8 through a door, stair inside it rising 3 m; upper: landing 0–4 × 4.2–8,
    bedroom 4.2–8 × 4.2–8 through a door; a locked-away store 10–12 × 0–2 with no door."""
    b = TinyBuilding((("Ground", 0.0), ("Upper", 3.0)))
    b.space("G1", "Ground", 0, 0, 4, 4, long_name="Hall", area_qto=16.0)
    b.space("G2", "Ground", 4.2, 0, 8, 4, long_name="Kitchen")
    b.space("G3", "Ground", 0, 4.2, 4, 8, long_name="Stair hall")
    b.space("G4", "Ground", 10, 0, 12, 2, long_name="Store")
    b.door("Front door", "Ground", 2.0, -0.1, external=True)
    b.door("Kitchen door", "Ground", 4.1, 2.0, along_x=False, external=False)
    b.door("Stair door", "Ground", 2.0, 4.1, external=False)
    b.stair("Stair", "Ground", 1.0, 5.0, 2.0, 7.5, rise=3.0)
    b.space("U1", "Upper", 0, 4.2, 4, 8, long_name="Landing")
    b.space("U2", "Upper", 4.2, 4.2, 8, 8, long_name="Bedroom")
    b.door("Bedroom door", "Upper", 4.1, 6.0, along_x=False, external=False)
    return b.write(tmp / "house.ifc")
