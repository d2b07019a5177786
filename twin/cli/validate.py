"""twin validate FILE ...: check scenario files; every problem names file, line, field and fix."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from twin.words import plural


def add_parser(sub: Any) -> None:
    p = sub.add_parser("validate", help="check scenario files", description=__doc__)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="scenario YAML file(s)")
    p.add_argument("--against-model", action="store_true",
                   help="also check every place against the scenario's building (loads the model)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from twin.scenario import FieldError, ScenarioError, load_scenario, validation_errors

    bad = 0
    for path in args.files:
        try:
            loaded = load_scenario(path)
        except ScenarioError as exc:
            text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
            problems = validation_errors(text, source=path) if text else []
            for line in problems or [str(exc)]:
                print(line)
            bad += 1
            continue
        if args.against_model:
            from twin.engine import compile_drill
            from twin.twin import load_twin

            twin = load_twin(loaded.model_paths() or None)
            try:
                compile_drill(twin, loaded.scenario)
            except FieldError as exc:
                print(loaded.locate_error(exc))
                bad += 1
                continue
        s = loaded.scenario
        print(f"{path}: ok — {s.name!r}: {plural(len(s.people), 'person')}, "
              f"{plural(len(s.contractors), 'contractor')}, "
              f"{plural(len(s.hazards), 'hazard')}, dispatch {s.dispatch.kind}")
    return 2 if bad else 0
