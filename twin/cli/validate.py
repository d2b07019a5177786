"""twin validate FILE ...: check scenario files; every problem names file, line, field and fix."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("validate", help="check scenario files", description=__doc__)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="scenario YAML file(s)")
    p.add_argument("--against-model", action="store_true",
                   help="also check every place against the scenario's building (loads the model)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print ``ok`` lines on stdout and every problem on stderr (one line each); exit 2 if any."""
    from twin.scenario import FieldError, ScenarioError, load_scenario, validation_errors
    from twin.scenario.load import read_text

    bad = 0
    for path in args.files:
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
        if args.against_model:
            from twin.engine import compile_drill
            from twin.twin import load_twin

            twin = load_twin(loaded.model_paths() or None)
            try:
                compile_drill(twin, loaded.scenario)
            except FieldError as exc:
                print(f"twin validate: {loaded.locate_error(exc)}", file=sys.stderr)
                bad += 1
                continue
        s = loaded.scenario
        print(f"{path}: ok — {s.name!r}: {len(s.people)} people, {len(s.contractors)} contractor(s), "
              f"{len(s.hazards)} hazard(s), dispatch {s.dispatch.kind}")
    return 2 if bad else 0
