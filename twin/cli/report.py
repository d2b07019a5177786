"""twin report RUN_DIR [MODEL ...] --out report.html [--force]: the after-action report of a run."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from twin.cli.progress import progress_bar


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "report",
        help="write a run's after-action report: one HTML file that opens with no server",
        description=__doc__ + " The report holds the scorecard, the run summary, a timeline of "
        "tasks per person, plans of the building at the key moments and the event log.",
    )
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="run folder written by 'twin run --out'")
    p.add_argument(
        "models",
        nargs="*",
        metavar="MODEL",
        help="IFC file(s) the run was made on (default: those of its scenario, else the bundled estate)",
    )
    p.add_argument("--out", type=Path, required=True, help="HTML file to write")
    p.add_argument("--force", action="store_true", help="overwrite --out when it exists")
    p.add_argument("--no-cache", action="store_true", help="rebuild the model even if cached")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from twin.present.report import write_report
    from twin.present.runcheck import check_out, run_model_paths
    from twin.store import RunFolderError, read_run
    from twin.twin import load_twin

    if not args.run_dir.is_dir():
        raise RunFolderError(f"{args.run_dir}: no such folder; give a run folder written by 'twin run --out'")
    check_out(args.out, force=args.force)  # before the slow part
    stored = read_run(args.run_dir)
    paths = args.models or run_model_paths(stored)
    with progress_bar("loading model") as progress:
        twin = load_twin(paths, use_cache=not args.no_cache, progress=progress)
    out = write_report(stored, twin, args.out, force=args.force)
    print(out)
    return 0
