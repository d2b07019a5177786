"""twin sweep SWEEP.yaml --out DIR [--workers N] [--scheduler ADDRESS] [--json]: run a staffing
sweep, recording each run as it finishes; the same command resumes an interrupted sweep."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "sweep",
        help="run many rosters over many replications of a period (resumable)",
        description=__doc__,
    )
    p.add_argument("sweep", metavar="SWEEP", type=Path, help="sweep YAML (see scenarios/sweeps/)")
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        help="output folder; an existing folder of the same sweep is resumed",
    )
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://host:8786 (pip install 'drilltwin[dask]')",
    )
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--no-cache", action="store_true", help="rebuild the model even if cached")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from twin.cli.progress import clock, progress_bar
    from twin.sweep.execute import refuse_if_busy, run_sweep
    from twin.sweep.report import format_report, sweep_report
    from twin.sweep.results import read_sweep
    from twin.sweep.spec import load_sweep
    from twin.twin import load_twin

    if args.workers is not None and args.workers < 1:
        print("twin sweep: --workers must be at least 1", file=sys.stderr)
        return 2
    loaded = load_sweep(args.sweep)
    refuse_if_busy(args.out)  # before the model loads: a second sweep on a folder is told at once
    with progress_bar("loading model") as progress:
        twin = load_twin(loaded.model_paths() or None, use_cache=not args.no_cache, progress=progress)
    with progress_bar("sweep") as bar:
        last = [0.0]
        # One rate, on one clock, from the progress line to the summary: runs finished in this
        # session over the time since the sweep started (preparing the variants and the routing
        # table included), so the last rate shown is the one the summary prints.
        started = time.monotonic()
        base: list[int] = []  # runs recorded before this session (the first call's count)
        at_last_run = [0.0]

        def progress_runs(done: int, total: int, message: str) -> None:
            if not base:
                base.append(done)
                return
            elapsed = at_last_run[0] = time.monotonic() - started
            rate = (done - base[0]) / elapsed if elapsed > 0 else 0.0
            left = (total - done) / rate if rate > 0 else float("nan")
            text = f"{done}/{total} runs, {rate:.2f} runs/s, {clock(left)} left"
            bar(done / total if total else 1.0, text)
            now = time.monotonic()
            if not sys.stderr.isatty() and not args.json and (now - last[0] > 10 or done == total):
                print(text, file=sys.stderr)
                last[0] = now

        if loaded.variants:
            outcome = run_sweep(
                twin, loaded, args.out, workers=args.workers, scheduler=args.scheduler, progress=progress_runs
            )
    if loaded.sweep.search is not None:
        return _search(
            args,
            twin,
            loaded,
            progress_bar,
            args.out / "search" if loaded.variants else args.out,
            before=format_report(sweep_report(read_sweep(args.out))) if loaded.variants else "",
        )
    report = sweep_report(read_sweep(args.out))
    if args.json:
        json.dump(
            {
                "out": str(args.out),
                "ran": outcome.ran,
                "already_done": outcome.already_done,
                "wall_s": round(outcome.wall_s, 2),
                **report.to_json(),
            },
            sys.stdout,
            ensure_ascii=False,
        )
        sys.stdout.write("\n")
        return 0
    if outcome.ran == 0:
        print(f"{args.out}: all {outcome.total} runs were already done; nothing to run.\n")
    else:
        to_last = at_last_run[0] or outcome.wall_s
        rate = outcome.ran / to_last if to_last else 0.0
        print(
            f"{outcome.ran} runs in {to_last:.1f} s, preparation included: {rate:.2f} runs/s on "
            f"{outcome.workers} workers ({outcome.executor}); {outcome.wall_s - to_last:.1f} s more to "
            f"write the results; {outcome.already_done} were already done.\n"
        )
    print(format_report(report))
    print(f"\nresults: {args.out}  (twin sweep-report {args.out} to see them again)")
    return 0


def _search(
    args: argparse.Namespace, twin: Any, loaded: Any, progress_bar: Any, out: Path, *, before: str
) -> int:
    from twin.sweep.search import erlang_text, format_search, run_search

    with progress_bar("search") as bar:
        last = [0.0]

        def progress_runs(done: int, total: int, message: str) -> None:
            bar(done / total if total else 1.0, f"{done}/{total} runs, {message}")
            now = time.monotonic()
            if not sys.stderr.isatty() and not args.json and now - last[0] > 10:
                print(f"search: {done}/{total} runs, {message}", file=sys.stderr)
                last[0] = now

        found = run_search(
            twin, loaded, out, workers=args.workers, scheduler=args.scheduler, progress=progress_runs
        )
    meets, confidence = dict(loaded.sweep.meets), loaded.sweep.confidence
    if args.json:
        json.dump({"out": str(out), **found.to_json(meets)}, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if before:
        print(before + "\n")
    print(format_search(found, meets, confidence, erlang=erlang_text(out)))
    print(f"\nsearch: {out}  (twin sweep-report {out} to see it again)")
    return 0
