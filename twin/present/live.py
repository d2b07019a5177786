"""What a live exercise's pages draw from its log so far: the plan as it stands now.

Takes the event log of an exercise up to now (the frame of :mod:`twin.events.log`, every row at
or before ``now_s``), the scenario and the twin; gives the plan of one storey at ``now_s``
(:func:`plan_now`: spaces shaded by water, lifts out, incidents in their state, people where they
are, coloured by what they are doing) through the same drawing the report's snapshots use
(:func:`twin.present.snapshot.snapshot`), and the storey worth showing (:func:`storey_now`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.events.tables import incident_table
from twin.present.replay import build_replay
from twin.present.snapshot import Moment, Snapshot, snapshot
from twin.scenario.schema import Scenario
from twin.twin import Twin


def focus_now(
    twin: Twin, frame: pd.DataFrame, *, storey: int | None = None
) -> tuple[float, float, float, str]:
    """Where the plan looks (``x, y, z`` and what is there): the newest incident not yet
    resolved, else the newest incident, else the front desk's storey at ground level; on
    ``storey`` when one is given (its elevation, the incident there if any)."""
    model = twin.model
    table = incident_table(frame)
    if storey is not None:
        table = table[model.storey_at(table["z"].to_numpy(float)) == storey]
    open_ = table[table["resolved_s"].isna()]
    pick = open_ if len(open_) else table
    if len(pick):
        r = pick.iloc[-1]
        return float(r["x"]), float(r["y"]), float(r["z"]), f"#{int(r['incident'])} {r['title']}"
    s = storey if storey is not None else ground_storey(twin)
    xyz = twin.graph.node_xyz
    on = np.flatnonzero(model.storey_at(xyz[:, 2]) == s)
    x, y = (float(v) for v in xyz[on, :2].mean(axis=0)) if on.size else (0.0, 0.0)
    return x, y, float(model.storeys[s].elevation_m) + 0.1, ""


def ground_storey(twin: Twin) -> int:
    """The storey nearest elevation 0 (where the entrances and the front desk usually are)."""
    levels = np.asarray([s.elevation_m for s in twin.model.storeys], dtype=float)
    return int(np.argmin(np.abs(levels))) if levels.size else 0


def storey_now(twin: Twin, frame: pd.DataFrame) -> int:
    """The storey :func:`focus_now` looks at."""
    z = focus_now(twin, frame)[2]
    return max(int(twin.model.storey_at(z)), 0)


def plan_now(
    twin: Twin, scenario: Scenario, frame: pd.DataFrame, now_s: float, *, storey: int | None = None
) -> Snapshot:
    """The plan of ``storey`` (by default :func:`storey_now`) as it stands at ``now_s``; rows of
    ``frame`` after ``now_s`` are not looked at."""
    frame = frame[frame["t_s"] <= now_s]
    x, y, z, what = focus_now(twin, frame, storey=storey)
    replay = build_replay(twin, frame, scenario, times=np.array([float(now_s)]))
    title = f"Now — {what}" if what else "Now"
    return snapshot(twin, replay, 0, Moment(float(now_s), title, x, y, z), scenario=scenario)
