"""A live exercise: a drill whose clock a trainer runs, with a trainee's decisions and the
trainer's injects applied between the engine's steps, each written to the exercise's log.

:func:`start_exercise` starts one from a scenario (run under the ``live`` policy: the engine
sends nobody); :meth:`Exercise.advance` moves its clock (firing the inject file's injects as
their times come); :meth:`Exercise.view` is what the dispatcher sees; :meth:`Exercise.decide` and
:meth:`Exercise.inject` act now. :func:`resume` rebuilds an exercise from its log by running
again from the start and re-applying each recorded action at its simulation time: the same
seed and the same decisions give the same state and the same event log.

An exercise is not thread-safe: a server holding several serialises the calls to each.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from twin.background.rates import Rates, scenario_rates
from twin.drill import compile_checked
from twin.engine.core import Sim
from twin.engine.run import Running, RunResult, start
from twin.engine.setup import Drill
from twin.engine.water import warm_up
from twin.errors import TwinError
from twin.events.log import EventLog
from twin.live.decisions import Applied, Decision, DecisionError, apply_decision
from twin.live.injects import InjectError, InjectSpec, apply_inject, inject_spec
from twin.live.record import FORMAT, ExerciseLogError, ExerciseRecord, LogWriter, read_log, wall_now
from twin.live.script import Expected, LoadedScript, check_script, parse_script
from twin.live.view import View, dispatcher_view
from twin.routing import Router
from twin.scenario import LoadedScenario, ScenarioError, parse_scenario
from twin.scenario.load import read_text, with_files_resolved
from twin.scenario.schema import Live
from twin.twin import Twin

log = logging.getLogger(__name__)


class Exercise:
    """One live exercise (see the module docstring). Made by :func:`start_exercise` or
    :func:`resume`."""

    def __init__(
        self,
        running: Running,
        loaded: LoadedScenario,
        header: dict[str, Any],
        script: LoadedScript | None,
        writer: LogWriter | None,
    ) -> None:
        self.running = running
        self.loaded = loaded
        self.header = header
        self.script = script
        self._writer = writer
        self.records: list[dict[str, Any]] = []
        """Every record after the header, in order (the log's lines, as written)."""
        self.problems: tuple[str, ...] = ()
        """Lines of the log a resume had to skip (a torn last line)."""
        self._fired: set[int] = set()
        self._injects = 0
        self._replaying = False
        self._result: RunResult | None = None

    # -- the clock --------------------------------------------------------------------------

    @property
    def now_s(self) -> float:
        return self.running.now_s

    @property
    def end_s(self) -> float:
        return self.running.end_s

    @property
    def finished(self) -> bool:
        return self.running.finished

    @property
    def log_path(self) -> Path | None:
        return self._writer.path if self._writer is not None else None

    def advance(self, until_s: float) -> None:
        """Move the clock to ``until_s`` (at most the end), firing each scripted inject whose
        time comes on the way, at its time."""
        until = min(float(until_s), self.end_s)
        if self.script is not None and not self._replaying:
            items = self.script.script.injects
            for i in self.script.order():
                at = 60.0 * items[i].at_min
                if i in self._fired or at > until:
                    continue
                self.running.advance(at)
                self._scripted(i)
        self.running.advance(until)

    def _scripted(self, i: int) -> None:
        assert self.script is not None
        item = self.script.script.injects[i]
        self._fired.add(i)
        try:
            self.inject(item.inject, message=item.message, expected=item.expected, script=i)
        except InjectError as exc:
            log.warning("%s: %s", self.script.where(("injects", i, "inject")), exc)

    # -- what the dispatcher sees, and does ---------------------------------------------------

    @property
    def sim(self) -> Sim:
        """The run's shared state (for the app's plan of the building now)."""
        return self.running.sim

    def view(self) -> View:
        """The dispatcher's board now (reading it changes nothing)."""
        return dispatcher_view(self.running.sim)

    def decide(self, decision: Decision) -> Applied:
        """Carry out a dispatcher's decision now and log it; a refused one is logged too and
        raises :class:`DecisionError` (who and why)."""
        self._live()
        record: dict[str, Any] = {"type": "decision", "t_s": self.now_s, "decision": decision.to_json()}
        try:
            applied = apply_decision(self.running.sim, decision)
        except DecisionError as exc:
            self._append({**record, "ok": False, "error": str(exc)})
            raise
        self._append({**record, "ok": True, "expected_s": applied.expected_s})
        return applied

    def inject(
        self,
        spec: InjectSpec | dict[str, Any],
        *,
        message: str = "",
        expected: Expected | dict[str, Any] | None = None,
        script: int | None = None,
    ) -> str:
        """Apply an inject now and log it (with the message shown to trainees and the action
        expected); one line saying what happened. A refused one is logged and raises
        :class:`InjectError`."""
        self._live()
        try:
            spec = inject_spec(spec)
            if isinstance(expected, dict):
                expected = Expected.model_validate(expected)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InjectError(f"inject {where}: {first['msg']}") from None
        record: dict[str, Any] = {
            "type": "inject",
            "t_s": self.now_s,
            "inject": spec.model_dump(mode="json"),
            "message": message,
            "expected": expected.model_dump(mode="json") if expected is not None else None,
            "script": script,
            "incidents_before": len(self.running.sim.incidents),
        }
        index = self._injects
        self._injects += 1
        try:
            result = apply_inject(self.running, spec, index)
        except InjectError as exc:
            named = InjectError(exc.message, (spec.kind, *exc.loc))  # "entrapment.lift: …"
            self._append({**record, "ok": False, "error": str(named)})
            raise named from None
        self._append({**record, "ok": True, "result": result})
        return result

    def note(self, kind: str, **fields: Any) -> None:
        """Append a free-form record (a trainer's note, a clock event: pause, speed, jump) at
        the current time; kept out of the replay."""
        self._append({"type": "note", "t_s": self.now_s, "kind": kind, **fields})

    def finish(self) -> RunResult:
        """Run to the scenario's end (scripted injects fire on the way) and close the books."""
        if self._result is None:
            self.advance(self.end_s)
            self._result = self.running.finish()
            self.note("finished")
        return self._result

    def event_log(self) -> EventLog:
        """The event log so far (rows up to now; the finished one after :meth:`finish`)."""
        if self._result is not None:
            return self._result.log
        return self.running.sim.rec.freeze()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _reapply(self, r: dict[str, Any]) -> bool:
        """Apply a recorded decision or inject again now; whether the drill carried it out."""
        try:
            if r["type"] == "decision":
                self.decide(Decision.from_json(r["decision"]))
            else:
                self.inject(
                    r["inject"],
                    message=r.get("message", ""),
                    expected=r.get("expected"),
                    script=r.get("script"),
                )
        except (DecisionError, InjectError):
            return False
        return True

    def _live(self) -> None:
        if self.running.finished:
            raise DecisionError("the exercise has finished")

    def _append(self, record: dict[str, Any]) -> None:
        record = {**record, "wall": wall_now()}
        self.records.append(record)
        if self._writer is not None and not self._replaying:
            self._writer.append(record)


def _scenario_text(scenario: str | Path | LoadedScenario) -> tuple[str, Path | None]:
    if isinstance(scenario, Path):
        return read_text(scenario, "the scenario"), scenario
    if isinstance(scenario, LoadedScenario):
        if scenario.path is not None and scenario.path.is_file():
            text = read_text(scenario.path, "the scenario")
            if parse_scenario(text, source=scenario.path).scenario == scenario.scenario:
                return text, scenario.path
        data = scenario.scenario.model_dump(mode="json", exclude_defaults=True)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True), scenario.path
    return scenario, None


def _prepare(
    twin: Twin,
    text: str,
    path: Path | None,
    rates: Rates | None,
    inside: Sequence[Path] | None = None,
) -> tuple[LoadedScenario, Any]:
    loaded = with_files_resolved(
        parse_scenario(text, source=path), path.parent if path else Path.cwd(), inside=inside
    )
    live = loaded.scenario.model_copy(update={"dispatch": Live(kind="live")})
    loaded = LoadedScenario(live, loaded.path, loaded.lines)
    if rates is None:
        rates = scenario_rates(live)
    return loaded, compile_checked(twin, loaded, rates=rates)


def start_exercise(
    twin: Twin,
    scenario: str | Path | LoadedScenario,
    *,
    source: Path | None = None,
    seed: int | None = None,
    log_path: Path | None = None,
    script: LoadedScript | str | None = None,
    rates: Rates | None = None,
    inside: Sequence[Path] | None = None,
) -> Exercise:
    """Start a live exercise at time 0.

    Parameters
    ----------
    scenario
        Scenario text (named by ``source`` in errors; its files resolve from ``source``'s
        folder), a scenario file, or a loaded scenario. Its ``dispatch:`` is replaced by the
        ``live`` policy.
    seed
        Overrides the scenario's.
    log_path
        Where the exercise's log is written (appended; None: no log).
    script
        An inject file (loaded, or its text): its injects fire as the clock reaches them.
    inside
        Folders the files the scenario names must lie in (an upload: the shipped ones, see
        :func:`twin.scenario.load.with_files_resolved`).
    """
    text, path = _scenario_text(scenario)
    path = source or path
    loaded, drill = _prepare(twin, text, path, rates, inside)
    if isinstance(script, str):
        script = parse_script(script)
    if script is not None:
        problems = check_script(script, drill)
        if problems:
            raise ScenarioError("; ".join(problems))
    seed = loaded.scenario.seed if seed is None else int(seed)
    header = {
        "type": "header",
        "format": FORMAT,
        "wall": wall_now(),
        "scenario": {"name": loaded.scenario.name, "path": str(path) if path else None, "text": text},
        "model": {"files": list(loaded.scenario.model), "twin": twin.cache_key},
        "seed": seed,
        "script": None
        if script is None
        else {"path": str(script.path) if script.path else None, "text": script.text},
    }
    writer = None
    if log_path is not None:
        if Path(log_path).exists() and Path(log_path).stat().st_size > 0:
            raise ExerciseLogError(f"{log_path}: already holds an exercise; resume it, or name a new log")
        writer = LogWriter(Path(log_path))
        writer.append(header)
    # The water kernels loaded now, not at the first water step: that step runs under the
    # exercise's lock while every page waits (on a fresh install it would compile them, ~20 s).
    warm_up()
    running = start(twin, loaded.scenario, seed, drill=drill)
    return Exercise(running, loaded, header, script, writer)


def resume(
    log_path: Path, *, twin: Twin | None = None, rates: Rates | None = None, append: bool = True
) -> Exercise:
    """Rebuild an exercise from its log: run again from the start, re-applying each recorded
    decision and inject at its simulation time, then stand the clock at the latest time the log
    names. With ``append`` the exercise goes on writing to the same log.

    Raises
    ------
    ExerciseLogError
        The log cannot be read, was made on another model, or a recorded action no longer has
        the outcome it had (the scenario or DrillTwin changed).
    """
    record = read_log(Path(log_path))
    ex = replay(record, twin=twin, rates=rates)
    ex.problems = record.problems
    ex.running.advance(record.last_t_s)
    if append:
        ex._writer = LogWriter(Path(log_path))
    return ex


def replay(
    record: ExerciseRecord,
    *,
    twin: Twin | None = None,
    rates: Rates | None = None,
    upto: int | None = None,
    drill: Drill | None = None,
    router: Router | None = None,
) -> Exercise:
    """The exercise of a log rebuilt from its start with its first ``upto`` records (all: None)
    re-applied, each at its time; the clock stands at the last one applied. Writes nothing.
    ``drill`` and ``router`` (another replay's ``running.drill`` and ``running.sim.router``)
    spare compiling the drill again when replaying one log several times."""
    from twin.twin import load_twin

    h = record.header
    path = Path(h["scenario"]["path"]) if h["scenario"].get("path") else None
    text = str(h["scenario"]["text"])
    where = record.path
    try:
        probe = with_files_resolved(parse_scenario(text, source=path), path.parent if path else Path.cwd())
        if twin is None:
            twin = load_twin(probe.model_paths() if probe.scenario.model else None)
    except TwinError as exc:
        raise ExerciseLogError(f"{where}: its scenario cannot be loaded again: {exc}") from None
    want = h.get("model", {}).get("twin", "")
    if want and twin.cache_key and want != twin.cache_key:
        raise ExerciseLogError(
            f"{where}: the exercise ran on another model (twin {want[:12]}…, now {twin.cache_key[:12]}…); "
            "resume it on the model it started on"
        )
    if drill is None:
        loaded, drill = _prepare(twin, text, path, rates)
    else:
        loaded = LoadedScenario(drill.scenario, path)
    script = None
    if h.get("script"):
        sp = h["script"].get("path")
        script = parse_script(str(h["script"]["text"]), source=Path(sp) if sp else None)
    running = start(twin, loaded.scenario, int(h["seed"]), drill=drill, router=router)
    ex = Exercise(running, loaded, h, script, None)
    ex._replaying = True
    for n, r in enumerate(record.records[:upto]):
        if r["type"] == "note":
            ex.records.append(r)
            continue
        ex.running.advance(float(r["t_s"]))
        before = len(ex.records)
        ok = ex._reapply(r)
        # The record as written (its wall time) in the place of the one the re-application made.
        ex.records[before:] = [r]
        if ok != bool(r.get("ok", True)):
            raise ExerciseLogError(
                f"{where}: record {n + 1} ({r['type']} at {r['t_s']:.0f} s) was "
                f"{'carried out' if r.get('ok', True) else 'refused'} in the exercise but not now; "
                "the scenario or DrillTwin has changed since"
            )
        if r.get("script") is not None:
            ex._fired.add(int(r["script"]))
    ex._replaying = False
    return ex
