"""The event log: an append-only table of everything that happened in a drill.

One row per event: ``t_s`` (seconds from the scenario start), ``incident`` and ``task`` ids (-1
when none), ``person`` id, ``kind`` (see :data:`KINDS`), ``place`` name, ``x, y, z`` in metres,
``value`` (a number whose meaning the kind gives: a depth in m, a cost, a volume in m³) and
``detail`` text. KPIs (:mod:`twin.kpi`) are pure functions of this table.

This module is the one place that knows how the columns encode things: an ``incident`` row's
``detail`` holds the incident's kind, priority and title (:func:`incident_detail` writes it,
:func:`incident_fields` reads it back as real columns) and a ``task`` row's ``detail`` holds
the task's name and who it needs (:func:`task_fields`). The stored format (``events.parquet``)
is :data:`COLUMNS`, unchanged since the first run folders.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.errors import TwinError

COLUMNS = ("t_s", "incident", "task", "person", "kind", "place", "x", "y", "z", "value", "detail")
#: The dtype of each column of a frozen log.
_DTYPE = {
    "t_s": "float64",
    "incident": "int32",
    "task": "int32",
    "person": "string",
    "kind": "string",
    "place": "string",
    "x": "float64",
    "y": "float64",
    "z": "float64",
    "value": "float64",
    "detail": "string",
}
#: A row as numpy reads it from a tuple of :data:`COLUMNS` (:meth:`EventLog.from_rows`).
_ROW = np.dtype([(name, object if _DTYPE[name] == "string" else _DTYPE[name]) for name in COLUMNS])

#: Event kinds, and what ``value`` holds for each.
KINDS: dict[str, str] = {
    "background": "background work is drawn (value: how many events); detail: where they can happen",
    "hazard": "a hazard starts; detail says what",
    "incident": "an incident happens (value: priority 0 red, 1 yellow, 2 blue); detail: kind|priority|title",
    "reported": "the incident is known through its channel",
    "task": "a task is created (value: priority); detail: name|trade:level alternatives",
    "dispatched": "a person is assigned (value: the travel time the dispatcher expected, s)",
    "callout": "an off-site person or contractor is called (value: their delay, s)",
    "on_site": "the person reaches the task's place",
    "work": "work starts",
    "preempted": "the person is taken off the task for more urgent work",
    "done": "the task is finished",
    "made_safe": "the incident's hazard is under control",
    "resolved": "every task of the incident is done",
    "move": "a person passes a node of the navigation graph (for the replay)",
    "rerouted": "a person's way changes because the building changed",
    "blocked": "a person has no way to the task in the building as it is",
    "depth": "water depth in a space (value: m)",
    "water": "water released or removed (value: m³); detail: burst|storm|pumped|mopped up|dried|standing",
    "power": "a load loses (value 0) or regains (value 1) power; detail: what",
    "lift": "a lift stops (value 0) or runs again (value 1)",
    "entrapment": "passengers trapped in a car (value: how many)",
    "valve": "an isolation valve is closed (value 0) or opened (value 1)",
    "supply": "households without water (value: how many)",
    "cost": "money (value); detail: labour|callout|contractor|penalty",
    "damage": "damage tally at the end (value); detail: wetted_m2h|volume_m3|max_depth_m",
    "end": "the run ends",
}

PRIORITY_CODE = {"red": 0, "yellow": 1, "blue": 2}
PRIORITY_NAME = {v: k for k, v in PRIORITY_CODE.items()}


class EventLogError(TwinError):
    """A table is not an event log (wrong columns)."""


def incident_detail(kind: str, priority: str, title: str) -> str:
    """The ``detail`` of an ``incident`` row: ``kind|priority|title`` (the title may hold ``|``)."""
    return f"{kind}|{priority}|{title}"


def incident_parts(detail: str, value: float) -> tuple[str, str, str]:
    """An ``incident`` row's ``detail`` and ``value`` as the incident's kind, priority (red, yellow
    or blue; blue when the code is missing) and title. A detail that is not ``kind|priority|title``
    (a log from elsewhere) is all title, of kind ``""``."""
    parts = detail.split("|", 2)
    kind, title = (parts[0], parts[2]) if len(parts) == 3 else ("", detail)
    return kind, "blue" if math.isnan(value) else PRIORITY_NAME.get(int(value), "blue"), title


def incident_fields(rows: pd.DataFrame) -> pd.DataFrame:
    """:func:`incident_parts` of ``incident`` rows as three string columns ``kind, priority,
    title`` on the rows' index."""
    parts = [
        incident_parts(str(d), float(v))
        for d, v in zip(rows["detail"].fillna(""), rows["value"], strict=True)
    ]
    return pd.DataFrame(parts, columns=["kind", "priority", "title"], index=rows.index).astype("string")


def task_detail(name: str, needs: Sequence[tuple[str, int]]) -> str:
    """The ``detail`` of a ``task`` row: ``name|trade:level or trade:level…`` (who may do it)."""
    return name + "|" + " or ".join(f"{t}:{lv}" for t, lv in needs)


def task_fields(detail: str) -> tuple[str, str]:
    """A ``task`` row's ``detail`` (``name|needs``) as the task's name and who it needs
    (``plumber:1 or general:1``; ``""`` when not given)."""
    name, _, needs = detail.partition("|")
    return name, needs


def task_name(detail: str) -> str:
    """The task's name from a ``task`` or ``dispatched`` row's ``detail``."""
    return task_fields(detail)[0]


class EventRecorder:
    """Collects rows during a run (cheap appends); :meth:`freeze` makes the :class:`EventLog`."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows: list[tuple[float, int, int, str, str, str, float, float, float, float, str]] = []

    def add(
        self,
        t_s: float,
        kind: str,
        *,
        incident: int = -1,
        task: int = -1,
        person: str = "",
        place: str = "",
        xyz: tuple[float, float, float] | np.ndarray | None = None,
        value: float = math.nan,
        detail: str = "",
    ) -> None:
        if xyz is None:
            x = y = z = math.nan
        else:
            x, y, z = float(xyz[0]), float(xyz[1]), float(xyz[2])
        self.rows.append((float(t_s), incident, task, person, kind, place, x, y, z, float(value), detail))

    def move(self, t_s: float, person: str, xyz: tuple[float, float, float], task: int) -> None:
        """A ``move`` row: ``add(t_s, "move", person=person, xyz=xyz, task=task)`` for plain
        floats, without the keyword handling (the engine logs one per node a person passes)."""
        x, y, z = xyz
        self.rows.append((t_s, -1, task, person, "move", "", x, y, z, math.nan, ""))

    def freeze(self) -> EventLog:
        return EventLog.from_rows(self.rows)


@dataclass(frozen=True, slots=True, eq=False)
class EventLog:
    """The finished log as a pandas DataFrame with the columns of :data:`COLUMNS`."""

    frame: pd.DataFrame

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[object, ...]]) -> EventLog:
        # One pass of numpy's over the rows into a structured array (strings as objects), then
        # a column from each field. The rows lie scattered in memory after a run, so one pass
        # over them beats a list per column (eleven passes) by about a tenth of the CPU on the
        # engine bench's stress drill (186,000 rows: ~0.24 s against ~0.27 s) for all that it
        # runs more machine instructions.
        table = np.array(rows, dtype=_ROW)
        frame = pd.DataFrame(
            {
                name: pd.array(table[name], dtype="string")
                if _DTYPE[name] == "string"
                else np.ascontiguousarray(table[name])
                for name in COLUMNS
            }
        )
        return cls(frame)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, source: str = "the table") -> EventLog:
        """A stored or imported table as a log; :class:`EventLogError` naming ``source`` unless its
        columns are :data:`COLUMNS`."""
        if list(frame.columns) != list(COLUMNS):
            raise EventLogError(
                f"{source}: unexpected columns {list(frame.columns)}; an event log has {', '.join(COLUMNS)}"
            )
        return cls(frame)

    def __len__(self) -> int:
        return len(self.frame)

    def of(self, kind: str) -> pd.DataFrame:
        return self.frame[self.frame["kind"] == kind]

    def equals(self, other: EventLog) -> bool:
        return bool(self.frame.equals(other.frame))
