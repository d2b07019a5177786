"""What if: a history's incidents re-run through the engine with changes, paired with the log.

Takes a :class:`~twin.history.reconstruct.Reconstruction` (the log on the twin) and what-if
changes, gives each run's event log and KPIs and, incident by incident, when someone was on site
in the log, in the log re-run as recorded, and under each change.

A change is written as a sweep's roster variant (:class:`twin.sweep.spec.Change`: ``dispatch``,
``staff``, ``train``, ``add``, ``remove``, ``contractors``), so a user learns one language, plus two
things only a replay asks: ``lifts: working | stopped`` and ``reported_via: <channel>``.

Every run raises the same incidents (:mod:`twin.engine.recorded`) at the times, places and
priorities of the log, with its on-site work and its reported → dispatched interval. What the
log fixes and a change may move:

- **who went**: the person the log names, until a change says ``dispatch:`` or changes the roster
  (``staff``, ``add``, ``remove``): then the scenario's (or the change's) dispatch policy chooses
  among everyone — an added plumber can only matter if someone may send them;
- **the building**: lifts as the ``as_logged`` section says, unless a change says otherwise;
- **how it was reported**: as logged, the incident is known at its logged time. A change of
  channel puts the event the typical delay of the logged channel (``as_logged.reported_via``,
  by default phone) before the logged report, and reports it after the new channel's delay.

So the pairs measure minutes from the **logged** report to the first person on site, the same
clock in every column ("incident 1043: on site 34 → 12 min"); the KPIs beside them are each run's
own (from its own report, as for a drill). Runs share one seed: every random draw left (call-out
delays, a new channel's delay, a contractor's arrival) comes from the engine's named streams, so
two runs draw the same numbers for the same purpose (common random numbers).

A hazard in the log (a burst, an entrapment) is re-run as its logged work, not through its
physics: no water spreads, so a change's effect on damage is not measured — only on who is on
site when.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from twin.engine import run
from twin.engine.recorded import Recorded, RecordedIncident
from twin.errors import PlaceError, suggest
from twin.events.log import EventLog
from twin.events.tables import incident_table
from twin.history.read import HistoryError
from twin.history.reconstruct import Reconstruction
from twin.kpi import METRICS, Kpis, Metric, compute_kpis
from twin.places import resolve_place
from twin.scenario.load import Loc, ScenarioError, _nearest_line, format_loc, parse_yaml_model, read_text
from twin.scenario.schema import Scenario, _Frozen, typical
from twin.sweep.spec import Change, apply_changes
from twin.twin import Twin

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

Lifts = Literal["working", "stopped"]

#: The name of the run that changes nothing: the log re-run through the engine as recorded.
AS_RECORDED = "re-run as recorded"
#: The run that lets the scenario's dispatch policy choose among the roster as logged (added when a
#: what-if changes the roster: its baseline).
POLICY_AS_LOGGED = "policy, roster as logged"
#: The name of the log's own column.
LOGGED = "logged"


class WhatIf(Change):
    """One what-if: a sweep's roster change (``dispatch``, ``staff``, ``add``…) and the building
    and channel."""

    lifts: Lifts | None = Field(None, description="working or stopped for the whole period")
    reported_via: str | None = Field(None, description="every incident reported through this channel")


class AsLogged(_Frozen):
    """What the log does not say about how things were."""

    lifts: Lifts = Field("working", description="the lifts while the log was written")
    reported_via: str = Field("phone", description="the channel the logged reports mostly came by")


class WhatIfFile(_Frozen):
    """A what-if file: what the log does not say, and the changes to try."""

    as_logged: AsLogged = AsLogged()
    seed: int = Field(0, ge=0, description="the runs' common seed")
    what_if: list[WhatIf] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class LoadedWhatIf:
    spec: WhatIfFile
    path: Path | None
    lines: dict[Loc, int]

    def where(self, loc: Loc) -> str:
        line = _nearest_line(self.lines, loc)
        return f"{self.path or '<what-if>'}:{line or 1}: {format_loc(loc)}"


def load_what_if(path: str | Path) -> LoadedWhatIf:
    """Read a what-if file (YAML); :class:`~twin.scenario.load.ScenarioError` with file:line."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: no such file; check the path of the what-if file")
    return parse_what_if(read_text(p, "it"), source=p)


def parse_what_if(text: str, *, source: Path | None = None) -> LoadedWhatIf:
    spec, lines = parse_yaml_model(
        text, WhatIfFile, source=source, what="what-if file (as_logged:, what_if: [{name:, …}])"
    )
    return LoadedWhatIf(spec, source, lines)


@dataclass(frozen=True, slots=True, eq=False)
class Outcome:
    """One run: its name, scenario, log and KPIs, and what it fixed or freed."""

    name: str
    scenario: Scenario
    log: EventLog
    kpis: Kpis
    who_chooses: str
    """"as logged" or the dispatch policy's kind."""
    against: str
    """The run (or :data:`LOGGED`) that differs from this one only by its change: what its pairs
    are read against."""


@dataclass(frozen=True, slots=True, eq=False)
class WhatIfResult:
    logged: Kpis
    """The reconstruction's KPIs over the incidents re-run (those on the twin)."""
    runs: tuple[Outcome, ...]
    """The log re-run as recorded, then each what-if."""
    pairs: pd.DataFrame
    """One row per re-run incident: ``incident`` (the reconstruction's), ``id, title, priority``,
    then per column (``logged``, then each run's name) ``<name>: on site min`` (from the logged
    report; NaN: nobody came) and ``<name>: who``."""
    left_out: tuple[str, ...]
    """Ids of incidents not re-run: their place is not on the twin."""
    assumed_work: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (LOGGED, *(r.name for r in self.runs))


def check_what_if(loaded: LoadedWhatIf, scenario: Scenario, *, twin: Twin | None = None) -> None:
    """Every change applies to the scenario and names known channels — and, given the twin, every
    person it adds has a base in the building — or a :class:`~twin.scenario.load.ScenarioError`
    with the what-if file's line."""
    channels = scenario.all_channels
    spec = loaded.spec
    named: list[tuple[Loc, str | None]] = [(("as_logged", "reported_via"), spec.as_logged.reported_via)]
    named += [(("what_if", i, "reported_via"), w.reported_via) for i, w in enumerate(spec.what_if)]
    for loc, channel in named:
        if channel is not None and channel not in channels:
            raise ScenarioError(
                f"{loaded.where(loc)}: unknown channel '{channel}'{suggest(channel, channels)}; "
                f"channels: {', '.join(channels)}"
            )
    seen: set[str] = set()
    for i, w in enumerate(spec.what_if):
        if w.name in seen or w.name in (AS_RECORDED, LOGGED, POLICY_AS_LOGGED):
            raise ScenarioError(
                f"{loaded.where(('what_if', i, 'name'))}: '{w.name}' is taken; give each what-if its own name"
            )
        seen.add(w.name)
        try:
            apply_changes(scenario, (w,))
        except (ValueError, ValidationError) as exc:
            msg = (
                str(exc).splitlines()[0]
                if not isinstance(exc, ValidationError)
                else f"{format_loc(tuple(exc.errors()[0]['loc']))}: {exc.errors()[0]['msg']}"
            )
            raise ScenarioError(f"{loaded.where(('what_if', i))} ('{w.name}'): {msg}") from None
        for j, person in enumerate(w.add if twin is not None else ()):
            try:
                resolve_place(person.base, twin.model, twin.graph)  # type: ignore[union-attr]
            except PlaceError as exc:
                raise ScenarioError(f"{loaded.where(('what_if', i, 'add', j, 'base'))}: {exc}") from None


def what_if(
    rec: Reconstruction,
    changes: Sequence[WhatIf],
    *,
    as_logged: AsLogged | None = None,
    seed: int = 0,
    trace_moves: bool = True,
    progress: Progress | None = None,
) -> WhatIfResult:
    """Re-run the history as recorded and under each change.

    Raises
    ------
    HistoryError
        No twin (a what-if walks people through the building), or no incident on it.
    ValueError
        A change does not apply to the scenario (see :func:`check_what_if` for the file's line).
    """
    if rec.twin is None:
        raise HistoryError(
            "a what-if needs the building's twin: give the model (IFC) the log's places are in"
        )
    if not rec.recorded:
        raise HistoryError("no incident of the log has a place on the twin; nothing to re-run")
    as_logged = as_logged or AsLogged()
    base = rec.scenario
    todo: list[tuple[str, WhatIf | None]] = [(AS_RECORDED, None)]
    if any(_roster_only(w) for w in changes):
        # A roster change lets the scenario's policy choose who goes: its effect is read against
        # that policy on the roster as logged, not against who went.
        todo.append((POLICY_AS_LOGGED, WhatIf(name=POLICY_AS_LOGGED, dispatch=base.dispatch)))
    todo += [(w.name, w) for w in changes]
    runs: list[Outcome] = []
    for k, (name, change) in enumerate(todo):

        def step(f: float, msg: str, k: int = k, name: str = name) -> None:
            if progress is not None:
                progress((k + f) / len(todo), f"{name}: {msg}")

        scenario = base if change is None else apply_changes(base, (change,))
        incidents, who = _incidents(rec, scenario, change, as_logged)
        lifts = (change.lifts if change is not None and change.lifts else None) or as_logged.lifts
        result = run(
            rec.twin,
            scenario,
            seed,
            recorded=Recorded(incidents, lifts_working=lifts == "working"),
            trace_moves=trace_moves,
            progress=step,
        )
        against = (
            LOGGED
            if change is None
            else POLICY_AS_LOGGED
            if _roster_only(change) and name != POLICY_AS_LOGGED
            else AS_RECORDED
        )
        runs.append(Outcome(name, scenario, result.log, compute_kpis(result.log, scenario), who, against))
        log.info("what-if %r: %d incidents re-run", name, len(incidents))
    # The log's KPIs over the incidents re-run, so every column counts the same incidents.
    f = rec.log.frame
    kept = f[(f["incident"] < 0) | f["incident"].isin(rec.recorded_incident)]
    logged = compute_kpis(EventLog(kept.reset_index(drop=True)), base)
    recorded_ids = set(rec.recorded_incident)
    left_out = tuple(rec.ids[i] for i in range(len(rec.ids)) if i not in recorded_ids)
    return WhatIfResult(logged, tuple(runs), _pairs(rec, runs), left_out, rec.assumed_work)


def _incidents(
    rec: Reconstruction, scenario: Scenario, change: WhatIf | None, as_logged: AsLogged
) -> tuple[list[RecordedIncident], str]:
    """The recorded incidents as this run raises them, and who chooses who goes."""
    frees = change is not None and (change.dispatch is not None or _roster_only(change))
    roster = {p.id for p in scenario.people} | {c.id for c in scenario.contractors}
    out = list(rec.recorded)
    if frees:
        out = [dataclasses.replace(r, person="") for r in out]
    else:
        out = [r if r.person in roster else dataclasses.replace(r, person="") for r in out]
    channel = change.reported_via if change is not None else None
    if channel and channel != as_logged.reported_via:
        before_s = typical(scenario.all_channels[as_logged.reported_via].delay_s)
        out = [
            dataclasses.replace(r, t_s=max(r.t_s - before_s, 0.0), report_delay_s=None, channel=channel)
            for r in out
        ]
    return out, scenario.dispatch.kind if frees else "as logged"


def _roster_only(change: WhatIf) -> bool:
    """The change alters who is on the roster or what they can do, and says no dispatch policy."""
    return change.dispatch is None and bool(change.staff or change.add or change.remove or change.train)


def _pairs(rec: Reconstruction, runs: Sequence[Outcome]) -> pd.DataFrame:
    """Per re-run incident, minutes from the logged report to the first person on site, and who."""
    logged_table = incident_table(rec.log.frame)
    index = np.asarray(rec.recorded_incident, dtype=np.int64)
    reported_s = logged_table.set_index("incident").loc[index, "reported_s"].to_numpy(float)
    out = logged_table.set_index("incident").loc[index, ["title", "priority"]].reset_index()
    out.insert(1, "id", [rec.ids[i] for i in index])
    columns = [(LOGGED, rec.log.frame, index)] + [
        (r.name, r.log.frame, np.arange(len(index), dtype=np.int64)) for r in runs
    ]
    for name, frame, incidents in columns:
        on_site = (
            frame[frame["kind"] == "on_site"].sort_values("t_s", kind="stable").groupby("incident").head(1)
        )
        first = on_site.set_index("incident")
        t = first["t_s"].reindex(incidents).to_numpy(float)
        out[f"{name}: on site min"] = (t - reported_s) / 60.0
        out[f"{name}: who"] = first["person"].reindex(incidents).fillna("").astype(str).to_numpy()
    return out


#: The run-level figures shown side by side (keys of :attr:`twin.kpi.Kpis.summary`).
SIDE_BY_SIDE = (
    "incidents",
    "red_on_site_compliance",
    "red_p90_on_site_min",
    "yellow_on_site_compliance",
    "blue_on_site_compliance",
    "mean_response_min",
    "made_safe_compliance",
    "cost_total",
)


def metric(key: str) -> Metric | None:
    """What a figure of :data:`SIDE_BY_SIDE` is: :data:`twin.kpi.METRICS` names red's; yellow's
    and blue's are red's in other words."""
    if key in METRICS:
        return METRICS[key]
    for prio in ("yellow", "blue"):
        if key.startswith(prio + "_") and (red := METRICS.get("red" + key[len(prio) :])):
            return dataclasses.replace(red, label=red.label.replace("Red", prio.capitalize(), 1))
    return None


def side_by_side(result: WhatIfResult) -> pd.DataFrame:
    """The KPIs of the log and of each run, one column each (rows: :data:`SIDE_BY_SIDE`)."""
    cols = {LOGGED: result.logged.summary, **{r.name: r.kpis.summary for r in result.runs}}
    return pd.DataFrame(
        {name: [float(s.get(k, math.nan)) for k in SIDE_BY_SIDE] for name, s in cols.items()},
        index=list(SIDE_BY_SIDE),
    )
