"""The event log as a stage of its own: whatever made a log (a drill, an imported work-order
history, a live exercise), everything downstream — KPIs, the run store, the report, the replay,
the comparison of runs and sweeps — reads it through this package.

:mod:`~twin.events.log` is the type and its columns, :mod:`~twin.events.tables` the incident table
and the task bars, :mod:`~twin.events.state` the building at any time t.
"""

from __future__ import annotations

from twin.events.log import COLUMNS, KINDS, EventLog, EventLogError, EventRecorder
from twin.events.state import States, states
from twin.events.tables import incident_table, task_bars

__all__ = [
    "COLUMNS",
    "KINDS",
    "EventLog",
    "EventLogError",
    "EventRecorder",
    "States",
    "incident_table",
    "states",
    "task_bars",
]
