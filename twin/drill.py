"""One drill from a scenario to its KPIs: checked against the building, compiled, run, scored.

Takes a :class:`~twin.twin.Twin` and a :class:`~twin.scenario.LoadedScenario` (or scenario
text), gives every problem located to the scenario file's line (:func:`check_drill`,
:func:`check_text`) or the run and its KPIs (:func:`run_drill`). It is the edge between the
files a user names and the engine, which reads none: the background rates a scenario names are
read here. ``twin run``, ``twin validate``, the app and sweeps all go through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from twin.background.rates import Rates, scenario_rates
from twin.engine import Drill, RunResult, compile_drill, run
from twin.engine.run import Progress
from twin.errors import TwinError
from twin.kpi import Kpis, compute_kpis
from twin.routing import Router
from twin.scenario import FieldError, LoadedScenario, ScenarioError, parse_scenario, validation_errors
from twin.scenario.load import with_files_resolved
from twin.scenario.schema import Scenario
from twin.twin import Twin


@dataclass(frozen=True, slots=True, eq=False)
class Check:
    """A scenario checked against a building."""

    loaded: LoadedScenario | None
    """The scenario (``None`` when its text does not validate)."""
    errors: tuple[str, ...]
    """Every problem, one line each: ``file:line: field: problem — fix``."""
    drill: Drill | None
    """The compiled drill, when there is no problem."""
    found: tuple[FieldError, ...] = ()
    """The problems with the building as field errors (their ``loc`` in the scenario)."""


@dataclass(frozen=True, slots=True, eq=False)
class DrillResult:
    """A drill run and its KPIs."""

    run: RunResult
    kpis: Kpis

    @property
    def scenario(self) -> Scenario:
        return self.run.drill.scenario


def check_drill(twin: Twin, loaded: LoadedScenario, *, rates: Rates | None = None) -> Check:
    """Every field of ``loaded`` the building does not have, each located to its line, found in
    one pass; and the compiled drill when there is none."""
    scenario = loaded.scenario
    if rates is None:
        try:
            rates = scenario_rates(scenario)
        except TwinError as exc:  # the rates file named by background.rates: missing or wrong
            return Check(loaded, (str(exc),), None)
    found: list[FieldError] = []
    drill = compile_drill(twin, scenario, rates=rates, errors=found)
    errors = tuple(str(loaded.locate_error(e)) for e in found)
    return Check(loaded, errors, None if found else drill, tuple(found))


def check_text(
    twin: Twin, text: str, *, source: Path, folder: Path, inside: Sequence[Path] | None = None
) -> Check:
    """Scenario text checked as :func:`check_drill` does, after its schema (every problem of
    the text, not the first). Files it names resolve from ``folder`` and, with ``inside``, only
    within those folders (see :func:`twin.scenario.load.with_files_resolved`)."""
    problems = validation_errors(text, source=source)
    if problems:
        return Check(None, tuple(problems), None)
    try:
        loaded = with_files_resolved(parse_scenario(text, source=source), folder, inside=inside)
    except ScenarioError as exc:
        return Check(None, (str(exc),), None)
    return check_drill(twin, loaded)


def compile_checked(
    twin: Twin, loaded: LoadedScenario, *, rates: Rates | None = None, what: str = ""
) -> Drill:
    """The compiled drill, or a :class:`ScenarioError` naming every problem (file and line),
    prefixed with ``what`` (``"variant 'two plumbers': "``)."""
    check = check_drill(twin, loaded, rates=rates)
    if check.drill is None:
        raise ScenarioError(what + "; ".join(check.errors))
    return check.drill


def run_drill(
    twin: Twin,
    loaded: LoadedScenario | Scenario,
    *,
    seed: int | np.random.SeedSequence | None = None,
    drill: Drill | None = None,
    rates: Rates | None = None,
    router: Router | None = None,
    progress: Progress | None = None,
    trace_moves: bool = True,
) -> DrillResult:
    """Run a drill (compiled now unless ``drill`` is given) and score it.

    Parameters
    ----------
    seed
        The run's seed (default: the scenario's).
    drill
        The drill compiled from this scenario, to share between runs of it.
    router
        Travel-time tables to share between runs on the same building (sweeps).
    progress
        Called with (fraction done, message).

    Raises
    ------
    ScenarioError
        The scenario names something the building does not have (every such field, located).
    """
    if isinstance(loaded, Scenario):
        loaded = LoadedScenario(loaded, None)
    if drill is None:
        if progress:
            progress(0.0, "checking the scenario against the building")
        drill = compile_checked(twin, loaded, rates=rates)
    scenario = loaded.scenario
    result = run(twin, scenario, seed, drill=drill, router=router, progress=progress, trace_moves=trace_moves)
    return DrillResult(result, compute_kpis(result.log, scenario))


def variant(loaded: LoadedScenario, scenario: Scenario) -> LoadedScenario:
    """``scenario`` (a variant of ``loaded``'s) located by ``loaded``'s file and lines."""
    return replace(loaded, scenario=scenario)
