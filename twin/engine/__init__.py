"""The drill engine: a scenario run on the twin as a SimPy discrete-event simulation.

Takes a :class:`~twin.twin.Twin`, a :class:`~twin.scenario.Scenario` and a seed; gives an
:class:`EventLog`. The parts, in the order a run uses them: :mod:`~twin.engine.setup` (the
scenario checked against the building), :mod:`~twin.engine.plant` (equipment as a flow network),
:mod:`~twin.engine.water` (water on floors, pure), :mod:`~twin.engine.core` (incidents, tasks,
people, the dispatcher), :mod:`~twin.engine.dispatch` (policies, pure),
:mod:`~twin.engine.hazards` (burst, power, storm, flooding), :mod:`~twin.engine.run`.
Every physical default is in :mod:`~twin.engine.physics`.
"""

from __future__ import annotations

from twin.engine.run import RunResult, drill_router, run
from twin.engine.setup import Drill, compile_drill
from twin.events.log import COLUMNS, KINDS, EventLog

__all__ = ["COLUMNS", "KINDS", "Drill", "EventLog", "RunResult", "compile_drill", "drill_router", "run"]
