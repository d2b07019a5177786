"""DrillTwin: IFC building → navigation graph → SimPy drills → KPIs.

The pipeline, one module a stage: :mod:`twin.ifc` reads IFC into a :class:`BuildingModel`,
:mod:`twin.navgraph` makes the walkable :class:`NavGraph`, :mod:`twin.audit` says what cannot be
reached, :mod:`twin.twin` ties them together with the cache (:mod:`twin.cache`).
"""

from __future__ import annotations

__version__ = "0.1.0"

#: Bumped whenever the IFC → model → graph pipeline changes its output; part of the cache key.
PIPELINE_VERSION = "12"
