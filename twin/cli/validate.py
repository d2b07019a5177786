"""twin validate FILE ...: check scenario and sweep files; every problem names file, line, field and fix.

A file whose top level has ``base:`` is a sweep file (a scenario has none): it is checked as a
sweep — its own fields, its base scenario and every variant built from it."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from twin.words import plural


def add_parser(sub: Any) -> None:
    p = sub.add_parser("validate", help="check scenario and sweep files", description=__doc__)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="scenario or sweep YAML files")
    p.add_argument(
        "--against-model",
        action="store_true",
        help="also check every place against the scenario's building (loads the model)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print ``ok`` lines on stdout and every problem on stderr (one line each); exit 2 if any."""
    from twin.scenario import ScenarioError, load_scenario, validation_errors
    from twin.scenario.load import read_text

    bad = 0
    for path in args.files:
        if is_sweep_file(path):
            bad += not check_sweep(path, against_model=args.against_model)
            continue
        try:
            loaded = load_scenario(path)
        except ScenarioError as exc:
            # Every schema problem of the file, not just the first; a file that cannot be read
            # (missing, too large, not YAML) has its one line.
            try:
                problems = validation_errors(read_text(path, "the scenario"), source=path)
            except ScenarioError:
                problems = []
            for line in problems or [str(exc)]:
                print(f"twin validate: {line}", file=sys.stderr)
            bad += 1
            continue
        s = loaded.scenario
        if args.against_model:
            from twin.preflight import preflight
            from twin.twin import load_twin

            twin = load_twin(loaded.model_paths() or None)
            found = preflight(twin, loaded)
            for line in found.errors:
                print(f"twin validate: {line}", file=sys.stderr)
            for line in found.cannot:
                print(f"twin validate: {path}: cannot: {line}", file=sys.stderr)
            if found.errors or not twin.model.spaces or twin.graph.n_edges == 0:
                print(
                    f"twin validate: {path}: {plural(len(found.errors), 'problem')} with "
                    f"{twin.model.name}; {plural(len(found.cannot), 'thing')} a drill on it cannot do",
                    file=sys.stderr,
                )
                bad += 1
                continue
            if found.cannot:
                print(
                    f"{path}: valid, but a drill on {twin.model.name} cannot do "
                    f"{plural(len(found.cannot), 'thing')} listed above"
                )
                continue
        print(
            f"{path}: ok — {s.name!r}: {plural(len(s.people), 'person')}, "
            f"{plural(len(s.contractors), 'contractor')}, "
            f"{plural(len(s.hazards), 'hazard')}, dispatch {s.dispatch.kind}"
        )
    return 2 if bad else 0


def is_sweep_file(path: Path) -> bool:
    """Whether ``path`` is a sweep file: a YAML mapping with ``base:`` at its top level."""
    from twin.errors import TwinError
    from twin.scenario.load import read_text, read_yaml

    try:
        _, doc = read_yaml(read_text(path, "the file"), str(path))
    except TwinError:
        return False  # the scenario checks say what is wrong with it
    return isinstance(doc, dict) and "base" in doc


def check_sweep(path: Path, *, against_model: bool) -> bool:
    """Print what is wrong with a sweep file, or one ``ok`` line; whether it is valid. A search's
    candidate rosters are built (and, with ``against_model``, checked) like variants."""
    from twin.scenario import ScenarioError
    from twin.sweep.spec import load_sweep, search_sweep

    try:
        loaded = load_sweep(path)
        candidates = search_sweep(loaded).variants if loaded.sweep.search is not None else ()
    except ScenarioError as exc:
        print(f"twin validate: {exc}", file=sys.stderr)
        return False
    if against_model:
        from twin.drill import check_drill
        from twin.drill import variant as located
        from twin.twin import load_twin

        twin = load_twin(loaded.model_paths() or None)
        for what, variant in [("variant", v) for v in loaded.variants] + [("roster", v) for v in candidates]:
            check = check_drill(twin, located(loaded.base, variant.scenario))
            for line in check.errors:
                print(f"twin validate: {path}: {what} '{variant.name}': {line}", file=sys.stderr)
            if check.errors:
                return False
    print(f"{path}: ok — {sweep_summary(loaded, len(candidates))}")
    return True


def sweep_summary(loaded: Any, candidates: int) -> str:
    """What a valid sweep file asks for, in one line: its variants × replications, or its
    search (candidate rosters, the screen, the steps, the cap and the budget of runs), or both."""
    s = loaded.sweep
    on = f"of {plural(s.period.days, 'day')} on {os.path.normpath(loaded.base.path or s.base)}"
    parts = []
    if loaded.variants:
        parts.append(f"{plural(len(loaded.variants), 'variant')} × {plural(s.replications, 'replication')}")
    if s.search is not None:
        q = s.search
        parts.append(
            f"{'and a search of ' if parts else ''}{plural(candidates, 'candidate roster')}, each "
            f"screened on {plural(q.screen_replications, 'replication')}, then {q.step_replications} "
            f"more a round for each contender up to {q.max_replications}, within a budget of "
            f"{plural(q.budget_runs, 'run')}"
        )
    kind = "sweep" if loaded.variants else "search"
    return f"{kind} {s.name!r}: {' '.join(parts)} {on}"
