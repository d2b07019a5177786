"""Live exercises: a trainer runs the clock and injects events while trainees dispatch the crews.

Takes a :class:`~twin.twin.Twin` and a scenario; gives an exercise stepped in slices of the
engine (:class:`twin.engine.run.Running`), its append-only log, and — afterwards — an
:class:`~twin.events.log.EventLog` like any drill's (KPIs, report, replay, compare for free).

API (names kept stable for the app's exercise registry):

- :func:`start_exercise` ``(twin, scenario, *, source, seed, log_path, script, rates) → Exercise``;
  :func:`resume` ``(log_path, *, twin, rates, append=True) → Exercise`` (re-runs from the start,
  re-applying each recorded action at its simulation time).
- :class:`Exercise`: ``now_s``, ``end_s``, ``finished``, ``advance(until_s)`` (fires scripted
  injects on the way), ``view() → View``, ``decide(Decision) → Applied`` (raises
  :class:`DecisionError`), ``inject(spec | dict, *, message, expected) → str`` (raises
  :class:`InjectError`), ``note(kind, **fields)`` (trainer notes, clock events: logged, not
  replayed), ``records`` (every log record), ``event_log()``, ``finish() → RunResult``,
  ``close()``.
- :class:`Decision` ``(kind: "assign" | "callout" | "release", person: str, task: int = -1)``.
- :class:`View` ``(t_s, clock, end_s, incidents: KnownIncident…, open_tasks: OpenTask…,
  people: PersonStatus…)``; an :class:`OpenTask` lists its :class:`Candidate` s with the twin's
  ``travel_s``; statuses in :data:`STATUSES`.
- :data:`INJECTS` (the inject registry: ``INJECTS.names()``, ``INJECTS[name].schema``,
  ``.label``), :func:`register_inject`.
- Inject files: :func:`load_script`, :func:`parse_script` → :class:`LoadedScript`;
  :func:`check_script` ``(script, drill)`` → located problems (``start_exercise`` refuses a
  script that has any).
- The log: :func:`read_log` → :class:`ExerciseRecord` (header, records, problems); every record
  has ``type`` (decision, inject, note), ``t_s`` and ``wall``; decisions and injects ``ok`` (and
  ``error``). :func:`replay` ``(record, *, upto)`` rebuilds it without writing.
- After action (:mod:`twin.live.after`): ``timeline``, ``review_decisions``, ``review_injects``,
  ``propose_ratings`` (``LEVELS``), ``restart_log``.

A resumed exercise stands at the latest time its log names: the app's clock should append a
``note("clock", …)`` when it pauses, changes speed or jumps, so a restart resumes there.
"""

from __future__ import annotations

from twin.live.decisions import DECISION_KINDS, Applied, Decision, DecisionError
from twin.live.exercise import Exercise, replay, resume, start_exercise
from twin.live.injects import INJECTS, Inject, InjectError, InjectSpec, register_inject
from twin.live.record import ExerciseLogError, ExerciseRecord, read_log
from twin.live.script import Expected, InjectScript, LoadedScript, check_script, load_script, parse_script
from twin.live.view import STATUSES, Candidate, KnownIncident, OpenTask, PersonStatus, TaskState, View
from twin.scenario.schema import Live

__all__ = [
    "DECISION_KINDS",
    "INJECTS",
    "STATUSES",
    "Applied",
    "Candidate",
    "Decision",
    "DecisionError",
    "Exercise",
    "ExerciseLogError",
    "ExerciseRecord",
    "Expected",
    "Inject",
    "InjectError",
    "InjectScript",
    "InjectSpec",
    "KnownIncident",
    "Live",
    "LoadedScript",
    "OpenTask",
    "PersonStatus",
    "TaskState",
    "View",
    "check_script",
    "load_script",
    "parse_script",
    "read_log",
    "register_inject",
    "replay",
    "resume",
    "start_exercise",
]
