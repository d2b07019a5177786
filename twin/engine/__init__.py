"""The drill engine: a scenario run on the twin as a SimPy discrete-event simulation.

Takes a :class:`~twin.twin.Twin`, a :class:`~twin.scenario.Scenario` and a seed (and the rates
of a scenario's background work: the engine reads no files); gives an :class:`EventLog`. The
parts, in the order a run uses them: :mod:`~twin.engine.setup` (the scenario checked against the
building), :mod:`~twin.engine.plant` (equipment as a flow network), :mod:`~twin.engine.water`
(water on floors, pure), :mod:`~twin.engine.catalogue` (where background work can happen),
:mod:`~twin.engine.core` (the state a run's processes share), :mod:`~twin.engine.tasks`
(incidents and tasks), :mod:`~twin.engine.dispatcher` (the dispatcher process),
:mod:`~twin.engine.dispatch` (policies, pure, registered), :mod:`~twin.engine.people` (each
person's process and walk), :mod:`~twin.engine.roster` (who is on duty), :mod:`~twin.engine.hazards`
(one module per registered kind, and the water and power at run time),
:mod:`~twin.engine.background`, :mod:`~twin.engine.run` (:func:`run`, or :func:`start` and
:class:`Running` stepped in slices for a live exercise). Every physical default is in
:mod:`~twin.engine.physics`.
"""

from __future__ import annotations

from twin.engine.run import Running, RunResult, drill_router, run, start
from twin.engine.setup import Drill, compile_drill
from twin.events.log import COLUMNS, KINDS, EventLog

__all__ = [
    "COLUMNS",
    "KINDS",
    "Drill",
    "EventLog",
    "RunResult",
    "Running",
    "compile_drill",
    "drill_router",
    "run",
    "start",
]
