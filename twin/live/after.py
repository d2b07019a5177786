"""After-action analysis of a live exercise, from its log: frozen data for the report to show.

- :func:`timeline` — the injects, decisions (refused ones too) and trainer notes in order.
- :func:`review_decisions` — each decision that sent someone, against what the nearest-qualified
  policy would have done at that moment: the exercise is re-run from its log to the instant
  before the decision, once with the decision and once with the person ``nearest`` picks on the
  same board, each run on (with the exercise's later injects, no later decisions) until someone
  is on site at the task; the difference is the minutes the decision cost (negative: saved).
- :func:`review_injects` — per scripted inject with an expected action, what happened: the first
  person sent to the incidents it raised, and when, against who and how soon was expected.
- :func:`propose_ratings` — a rating per capability in the four-level style of exercise
  evaluation (performed without challenges / with some / with major challenges / unable to
  perform), proposed from those numbers with the thresholds stated; the trainer may change it.
- :func:`restart_log` — a new exercise log truncated at a chosen decision, to run again from
  that moment.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin.background.rates import Rates
from twin.engine.dispatch import Board, policy
from twin.engine.dispatcher import roster_now, travel_times
from twin.events.log import EventLog, task_name
from twin.kpi import compute_kpis
from twin.live.decisions import Decision, DecisionError
from twin.live.exercise import Exercise, replay
from twin.live.injects import InjectError
from twin.live.record import ExerciseRecord, LogWriter, wall_now
from twin.scenario.schema import Nearest, Scenario
from twin.twin import Twin

#: How far the clock runs at a time while waiting for someone to reach a task (s): the on-site
#: time itself is the event's own, this only bounds the work done past it.
_WATCH_STEP_S = 60.0


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    t_s: float
    wall: str
    type: str
    """inject, decision or note."""
    what: str
    """One line: ``assign N-SEC1 to task 0 'isolate at Riser valve B'``, ``burst: pipe burst at …``."""
    ok: bool
    error: str
    record: int
    """Its index in the log's records."""


def timeline(record: ExerciseRecord, log: EventLog | None = None) -> tuple[TimelineEntry, ...]:
    """The exercise's injects, decisions and notes in order (task names from ``log`` when given)."""
    names = _task_names(log) if log is not None else {}
    out = []
    for i, r in enumerate(record.records):
        kind = r["type"]
        if kind == "decision":
            d = r["decision"]
            task = f" to task {d['task']} '{names.get(d['task'], '?')}'" if d["kind"] != "release" else ""
            what = f"{d['kind']} {d['person']}{task}" if d["kind"] != "release" else f"take {d['person']} off"
        elif kind == "inject":
            what = f"{r['inject']['kind']}: {r.get('result') or r['inject']}"
            if r.get("message"):
                what += f" — “{r['message']}”"
        else:
            extra = {k: v for k, v in r.items() if k not in ("type", "t_s", "wall", "kind")}
            what = f"{r.get('kind', 'note')}" + (f": {extra}" if extra else "")
        out.append(
            TimelineEntry(
                float(r["t_s"]),
                str(r.get("wall", "")),
                kind,
                what,
                bool(r.get("ok", True)),
                str(r.get("error", "")),
                i,
            )
        )
    return tuple(out)


def _task_names(log: EventLog) -> dict[int, str]:
    rows = log.of("task")
    return {int(t): task_name(str(d)) for t, d in zip(rows["task"], rows["detail"], strict=True)}


# -- each decision against the nearest-qualified policy -----------------------------------------


@dataclass(frozen=True, slots=True)
class DecisionReview:
    record: int
    """The decision's index in the log's records."""
    t_s: float
    task: int
    task_name: str
    waited_s: float
    """How long the task had waited on the board when the decision was made."""
    chosen: str
    chosen_travel_s: float
    """The travel time the twin showed for the person chosen."""
    chosen_on_site_s: float
    """When someone was on site at the task after the decision (nan: not by the end)."""
    nearest: str
    """Whom the nearest-qualified policy would have sent ("" : nobody it could)."""
    nearest_travel_s: float
    nearest_on_site_s: float
    cost_min: float
    """Minutes the decision cost against nearest (negative: it saved them; 0: the same
    person); nan when either never got there."""


def review_decisions(
    record: ExerciseRecord, *, twin: Twin | None = None, rates: Rates | None = None
) -> tuple[DecisionReview, ...]:
    """Each decision that sent someone, against nearest at that moment (see the module docstring)."""
    out = []
    again = _Again(record, twin, rates)
    for k, r in enumerate(record.records):
        if r["type"] != "decision" or not r.get("ok") or r["decision"]["kind"] == "release":
            continue
        out.append(_review(record, k, again))
    return tuple(out)


class _Again:
    """Replays of one log, sharing its compiled drill and travel-time tables."""

    def __init__(self, record: ExerciseRecord, twin: Twin | None, rates: Rates | None) -> None:
        self.record = record
        first = replay(record, twin=twin, rates=rates, upto=0)
        self.twin = first.running.drill.twin
        self.drill = first.running.drill
        self.router = first.running.sim.router

    def at(self, k: int) -> Exercise:
        """The exercise just before record ``k``, at its time."""
        ex = replay(self.record, twin=self.twin, upto=k, drill=self.drill, router=self.router)
        ex.running.advance(float(self.record.records[k]["t_s"]))
        return ex


def _review(record: ExerciseRecord, k: int, again: _Again) -> DecisionReview:
    r = record.records[k]
    decision = Decision.from_json(r["decision"])
    t = float(r["t_s"])
    ex = again.at(k)
    sim = ex.running.sim
    task = sim.tasks[decision.task]
    waited = t - task.ready_at
    nearest, times = _nearest_choice(ex, decision.task)
    chosen_j = next(m.index for m in sim.members if m.crew.id == decision.person)
    chosen_travel = float(times[chosen_j])
    chosen_on_site = _on_site_after(ex, record, k, decision)
    if not nearest:
        return DecisionReview(
            k, t, task.id, task.name, waited, decision.person, chosen_travel, chosen_on_site,
            "", math.nan, math.nan, math.nan,
        )  # fmt: skip
    if nearest == decision.person:
        return DecisionReview(
            k, t, task.id, task.name, waited, decision.person, chosen_travel, chosen_on_site,
            nearest, chosen_travel, chosen_on_site, 0.0,
        )  # fmt: skip
    nearest_j = next(m.index for m in sim.members if m.crew.id == nearest)
    other = again.at(k)
    nearest_on_site = _on_site_after(other, record, k, Decision("assign", nearest, decision.task))
    cost = (chosen_on_site - nearest_on_site) / 60.0
    return DecisionReview(
        k, t, task.id, task.name, waited, decision.person, chosen_travel, chosen_on_site,
        nearest, float(times[nearest_j]), nearest_on_site, cost,
    )  # fmt: skip


def _nearest_choice(ex: Exercise, task_id: int) -> tuple[str, np.ndarray]:
    """Whom the registered ``nearest`` policy sends to ``task_id`` on the board as it is now, and
    everyone's travel time to it. The board is the dispatcher's (:func:`roster_now`,
    :func:`travel_times`); nothing in the drill changes."""
    sim = ex.running.sim
    task = sim.tasks[task_id]
    busy, available = roster_now(sim, settle=False)
    qualified = np.asarray(task.qualified)[None, :]
    time_s = travel_times(sim, [task], qualified)
    board = Board(
        priority=np.array([task.priority]),
        qualified=qualified,
        excess=np.asarray(task.excess)[None, :],
        time_s=time_s,
        busy_priority=busy,
        available=available,
        backup=sim.backup,
    )
    made = policy("nearest").assign(Nearest(kind="nearest"), board)
    who = sim.members[made[0][1]].crew.id if made else ""
    return who, time_s[0]


def _on_site_after(ex: Exercise, record: ExerciseRecord, k: int, decision: Decision) -> float:
    """Apply ``decision`` now, then run on — the log's later injects at their times, no later
    decisions — until someone is on site at its task; that time (nan: not by the end)."""
    ex.decide(decision)
    rows = ex.running.sim.rec.rows
    seen = len(rows)
    later = [r for r in record.records[k + 1 :] if r["type"] == "inject"]
    while not ex.finished and ex.now_s < ex.end_s:
        nxt = ex.now_s + _WATCH_STEP_S
        if later and float(later[0]["t_s"]) <= nxt:
            nxt = float(later[0]["t_s"])
        ex.running.advance(nxt)
        for row in rows[seen:]:
            if row[4] == "on_site" and row[2] == decision.task:
                return float(row[0])
        seen = len(rows)
        while later and float(later[0]["t_s"]) <= ex.now_s:
            r = later.pop(0)
            with contextlib.suppress(InjectError):  # refused then, refused now
                ex.inject(r["inject"], message=r.get("message", ""))
    return math.nan


# -- scripted injects: what was expected, what happened -----------------------------------------


@dataclass(frozen=True, slots=True)
class InjectReview:
    record: int
    t_s: float
    inject: str
    message: str
    expected: str
    expected_person: str
    expected_within_min: float
    """nan: no time expected."""
    incidents: tuple[int, ...]
    """The incidents the inject raised."""
    first_sent: str
    """The first person sent to one of them ("" : nobody)."""
    first_sent_min: float
    """Minutes from the report (or, raising none, from the inject) to that; nan: nobody."""
    met: bool | None
    """Whether what happened meets what was expected; None when nothing checkable was expected."""


def review_injects(record: ExerciseRecord, log: EventLog) -> tuple[InjectReview, ...]:
    """Per inject with an expected action (scripted or thrown in), what happened."""
    f = log.frame
    out = []
    decisions = [(i, r) for i, r in enumerate(record.records) if r["type"] == "decision" and r.get("ok")]
    for i, r in enumerate(record.records):
        if r["type"] != "inject" or not r.get("ok") or not r.get("expected"):
            continue
        t = float(r["t_s"])
        exp = r["expected"]
        raised = f[(f.kind == "incident") & (f.t_s == t) & (f.incident >= int(r.get("incidents_before", 0)))]
        incidents = tuple(int(x) for x in raised.incident)
        sent = f[(f.kind == "dispatched") & f.incident.isin(incidents)] if incidents else f.iloc[0:0]
        if incidents:
            reported = f[(f.kind == "reported") & f.incident.isin(incidents)]
            since = float(reported.t_s.min()) if len(reported) else t
            first = sent.sort_values("t_s", kind="stable").head(1)
            who = str(first.person.iloc[0]) if len(first) else ""
            when = (float(first.t_s.iloc[0]) - since) / 60.0 if len(first) else math.nan
        else:
            after = [d for j, d in decisions if j > i and d["decision"]["kind"] != "release"]
            who = after[0]["decision"]["person"] if after else ""
            when = (float(after[0]["t_s"]) - t) / 60.0 if after else math.nan
        person, within = exp.get("person"), exp.get("within_min")
        checks = []
        if person:
            checks.append(who == person)
        if within is not None:
            checks.append(bool(when <= float(within)) if not math.isnan(when) else False)
        out.append(
            InjectReview(
                i, t, str(r["inject"]["kind"]), str(r.get("message", "")), str(exp.get("action", "")),
                str(person or ""), float(within) if within is not None else math.nan, incidents,
                who, when, all(checks) if checks else None,
            )
        )  # fmt: skip
    return tuple(out)


# -- ratings ---------------------------------------------------------------------------------

#: The four levels, best first (the exercise evaluation guides' wording).
LEVELS = (
    "performed without challenges",
    "performed with some challenges",
    "performed with major challenges",
    "unable to perform",
)

#: A decision within this of nearest counts as as good (min): the board shows whole minutes.
DECISION_SLACK_MIN = 1.0
#: A decision costing more than this is a major challenge (min): a third of the red on-site
#: target of 15 min (DESIGN.md, "Priority classes").
DECISION_MAJOR_MIN = 5.0
#: Share of items meeting their target at or above which, with none past the hard limit, a
#: capability was performed with some challenges only.
SOME_SHARE = 0.75


@dataclass(frozen=True, slots=True)
class Rating:
    capability: str
    level: str
    """One of :data:`LEVELS`."""
    met: int
    items: int
    basis: str
    """The numbers and the thresholds the level was proposed from."""


def _level(met: int, items: int, past_limit: int, done: int) -> str:
    if items and met == items:
        return LEVELS[0]
    if items and met / items >= SOME_SHARE and past_limit == 0:
        return LEVELS[1]
    if done > 0:
        return LEVELS[2]
    return LEVELS[3]


_RULE = (
    f"all met → {LEVELS[0]}; at least {SOME_SHARE:.0%} met and none past the hard limit → {LEVELS[1]}; "
    f"some done by the end → {LEVELS[2]}; none → {LEVELS[3]}"
)


def propose_ratings(
    log: EventLog,
    scenario: Scenario,
    decisions: tuple[DecisionReview, ...] = (),
    injects: tuple[InjectReview, ...] = (),
) -> tuple[Rating, ...]:
    """A rating per capability, from the KPIs of the exercise's log and the reviews (see
    :data:`LEVELS` and the thresholds beside them); capabilities with nothing to rate are left out."""
    k = compute_kpis(log, scenario)
    inc: pd.DataFrame = k.incidents
    out: list[Rating] = []
    red = inc[inc["priority"] == "red"]
    if len(red):
        on = red["on_site_min"].to_numpy(dtype=float)
        limit = scenario.targets.red.on_site_max_min or math.inf
        met = int(red["on_site_met"].fillna(False).astype(bool).sum())
        past = int(np.sum(~(on <= limit)))
        out.append(
            Rating(
                "first response (red)",
                _level(met, len(red), past, int(np.isfinite(on).sum())),
                met,
                len(red),
                f"{met} of {len(red)} red incidents had a qualified person on site within "
                f"{scenario.targets.red.on_site_min:g} min of the report; {past} past the {limit:g}-min "
                f"limit or never; {_RULE}",
            )
        )
    safe = inc[inc["target_made_safe_min"].notna()]
    if len(safe):
        made = safe["made_safe_min"].to_numpy(dtype=float)
        target = safe["target_made_safe_min"].to_numpy(dtype=float)
        met = int(np.sum(made <= target))
        past = int(np.sum(~(made <= 2 * target)))
        out.append(
            Rating(
                "making safe",
                _level(met, len(safe), past, int(np.isfinite(made).sum())),
                met,
                len(safe),
                f"{met} of {len(safe)} incidents made safe within their target; {past} past twice the "
                f"target or never (the hard limit here); {_RULE}",
            )
        )
    rated = [d for d in decisions if not math.isnan(d.cost_min)]
    if rated:
        cost = np.array([d.cost_min for d in rated])
        met = int(np.sum(cost <= DECISION_SLACK_MIN))
        past = int(np.sum(cost > DECISION_MAJOR_MIN))
        out.append(
            Rating(
                "dispatch decisions",
                _level(met, len(rated), past, len(rated)),
                met,
                len(rated),
                f"{met} of {len(rated)} decisions within {DECISION_SLACK_MIN:g} min of the nearest "
                f"qualified person's arrival; {past} cost more than {DECISION_MAJOR_MIN:g} min "
                f"(total {float(np.sum(np.maximum(cost, 0))):.1f} min lost); {_RULE}",
            )
        )
    checked = [i for i in injects if i.met is not None]
    if checked:
        met = sum(bool(i.met) for i in checked)
        done = sum(bool(i.first_sent) for i in checked)
        out.append(
            Rating(
                "expected actions",
                _level(met, len(checked), 0 if met / len(checked) >= SOME_SHARE else 1, done),
                met,
                len(checked),
                f"{met} of {len(checked)} scripted injects got the expected action (person and time); "
                f"{done} got some response; {_RULE}",
            )
        )
    return tuple(out)


# -- restart from a decision ---------------------------------------------------------------------


def restart_log(record: ExerciseRecord, at_record: int, path: Path) -> Path:
    """A new exercise log holding ``record``'s header and its records before ``at_record`` (a
    decision's index), standing at that decision's time: :func:`~twin.live.resume` it to take
    that decision again. ``path`` must not exist yet."""
    if not 0 <= at_record < len(record.records):
        raise DecisionError(f"no record {at_record}: the log has {len(record.records)}")
    path = Path(path)
    if path.exists():
        raise DecisionError(f"{path}: already exists; name a new log for the restarted exercise")
    t = float(record.records[at_record]["t_s"])
    header: dict[str, Any] = {
        **record.header,
        "wall": wall_now(),
        "restarted_from": {"log": str(record.path), "record": at_record, "t_s": t},
    }
    writer = LogWriter(path)
    writer.append(header)
    for r in record.records[:at_record]:
        writer.append(r)
    writer.append({"type": "note", "t_s": t, "kind": "restart", "from": str(record.path), "wall": wall_now()})
    return path
