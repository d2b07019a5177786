"""Hazard kinds as SimPy processes with physical state: pipe burst, power loss, storm and (in
background work only) lift entrapment; flooding is the water they let out, at run time.

Each hazard kind is one module that registers itself (:mod:`~twin.engine.hazards.kind`);
importing this package registers the built-in kinds, in the order scenarios list them.
"""

# isort: off
from twin.engine.hazards import entrapment  # noqa: F401  (registers the kind)
from twin.engine.hazards import burst  # noqa: F401
from twin.engine.hazards import power  # noqa: F401
from twin.engine.hazards import storm  # noqa: F401

# isort: on
from twin.engine.hazards.kind import (
    Drawing,
    HazardKind,
    Occurrence,
    Places,
    Ref,
    World,
    hazard_kind,
    register_hazard,
)

__all__ = ["Drawing", "HazardKind", "Occurrence", "Places", "Ref", "World", "hazard_kind", "register_hazard"]
