"""Tables of an event log: one row per incident, one bar per person on a task.

Takes an event log's frame (:data:`twin.events.log.COLUMNS`), gives the incident table (kind,
priority and title as columns, the first time of each step) and the task bars (dispatched → on
site → done) that KPIs, the report, the replay and the timeline all read.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from twin.events.log import incident_fields, task_name

#: The steps of an incident after it is raised, in order: ``<step>_s`` columns of
#: :func:`incident_table`.
STEPS = ("reported", "dispatched", "on_site", "made_safe", "resolved")

INCIDENT_TABLE_COLUMNS = (
    "incident",
    "kind",
    "priority",
    "title",
    "place",
    "x",
    "y",
    "z",
    "raised_s",
    *(f"{s}_s" for s in STEPS),
)


def incident_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per incident, in the order they were raised: ``incident, kind, priority, title,
    place, x, y, z`` and the first time of each step (``raised_s, reported_s, dispatched_s,
    on_site_s, made_safe_s, resolved_s``; NaN when it never came)."""
    raised = frame[frame["kind"] == "incident"].sort_values("t_s", kind="stable")
    raised = raised.groupby("incident").head(1)
    fields = incident_fields(raised)
    out = pd.DataFrame(
        {
            "incident": raised["incident"].astype("int64").to_numpy(),
            "kind": fields["kind"].to_numpy(),
            "priority": fields["priority"].to_numpy(),
            "title": fields["title"].to_numpy(),
            "place": raised["place"].astype(str).to_numpy(),
            "x": raised["x"].to_numpy(float),
            "y": raised["y"].to_numpy(float),
            "z": raised["z"].to_numpy(float),
            "raised_s": raised["t_s"].to_numpy(float),
        }
    )
    steps = frame[frame["incident"] >= 0]
    for kind in STEPS:
        first = steps[steps["kind"] == kind].groupby("incident")["t_s"].min()
        out[f"{kind}_s"] = out["incident"].map(first).astype(float)
    return out.astype({"kind": "string", "priority": "string", "title": "string"})


TASK_BAR_COLUMNS = ("person", "incident", "task", "name", "start_s", "on_site_s", "end_s", "ended")


def task_bars(frame: pd.DataFrame, *, end_s: float) -> pd.DataFrame:
    """Each stretch a person spent on a task: from dispatched, through on site, to done.

    Returns
    -------
    pandas.DataFrame
        ``person, incident, task, name, start_s, on_site_s, end_s, ended`` — ``ended`` is
        ``done``, ``preempted`` (taken off it for more urgent work) or ``unfinished`` (still on it
        at ``end_s``); ``on_site_s`` is NaN when they never got there. Sorted by start.
    """
    rows = frame[
        frame["kind"].isin(["dispatched", "on_site", "done", "preempted"])
        & (frame["person"].fillna("") != "")
    ].sort_values("t_s", kind="stable")
    open_: dict[tuple[str, int], dict[str, Any]] = {}
    bars: list[dict[str, Any]] = []
    for t, kind, person, task, incident, detail in zip(
        rows["t_s"],
        rows["kind"],
        rows["person"].astype(str),
        rows["task"],
        rows["incident"],
        rows["detail"].astype(str),
        strict=True,
    ):
        key = (person, int(task))
        if kind == "dispatched":
            open_[key] = {
                "person": person,
                "incident": int(incident),
                "task": int(task),
                "name": task_name(detail),
                "start_s": float(t),
                "on_site_s": math.nan,
            }
        elif key in open_:
            if kind == "on_site":
                open_[key]["on_site_s"] = float(t)
            else:
                bars.append({**open_.pop(key), "end_s": float(t), "ended": str(kind)})
    bars += [{**b, "end_s": max(end_s, b["start_s"]), "ended": "unfinished"} for b in open_.values()]
    out = pd.DataFrame(bars, columns=list(TASK_BAR_COLUMNS)).astype(
        {
            "incident": "int64",
            "task": "int64",
            "start_s": "float64",
            "on_site_s": "float64",
            "end_s": "float64",
        }
    )
    return out.sort_values(["start_s", "person"], kind="stable").reset_index(drop=True)
