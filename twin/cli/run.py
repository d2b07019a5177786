"""twin run [SCENARIO] [--seed N] [--out DIR] [--json]: run a drill and print its scorecard."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from twin.cli.progress import progress_bar


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run a drill: scorecard on screen, run folder on disk",
        description=__doc__ + " With no SCENARIO it runs the bundled demo drill on the default estate.",
    )
    p.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario YAML (default: the demo drill)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="run folder to write (default: runs/<scenario>-seed<N>, never overwritten)",
    )
    p.add_argument("--json", action="store_true", help="print the KPIs as one JSON object")
    p.add_argument("--no-cache", action="store_true", help="rebuild the model even if cached")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from twin.drill import run_drill
    from twin.engine.water import warm_up
    from twin.present.scorecard import format_scorecard
    from twin.scenario import default_scenario_path, load_scenario
    from twin.store import check_run_dir, default_run_dir, write_run
    from twin.twin import load_twin

    path = Path(args.scenario) if args.scenario else default_scenario_path()
    loaded = load_scenario(path)
    scenario = loaded.scenario
    if args.out is not None:
        check_run_dir(args.out)  # refused now, not after the drill has run
    with progress_bar("loading model") as progress:
        twin = load_twin(loaded.model_paths() or None, use_cache=not args.no_cache, progress=progress)
    seed = scenario.seed if args.seed is None else int(args.seed)
    with progress_bar("drill") as progress:
        progress(0.0, "loading the water model (its first run after an install compiles it)")
        warm_up()
        done = run_drill(twin, loaded, seed=seed, progress=progress)
    result, kpis = done.run, done.kpis
    out = args.out or default_run_dir(Path("runs"), path.stem, seed)
    write_run(out, result, kpis, scenario_file=str(path))
    if args.json:
        doc = {"scenario": scenario.name, "seed": seed, "run_dir": str(out), **kpis.to_json()}
        json.dump(doc, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    print(format_scorecard(kpis, scenario, seed=seed))
    print(
        f"\nrun folder: {out}  ({len(result.log)} events logged, {result.events} simulated, "
        f"{result.wall_s:.2f} s)"
    )
    return 0
