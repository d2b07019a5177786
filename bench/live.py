"""Live exercise clock: how long one step of the clock takes, against one plain run.

    python bench/live.py [--json] [--quick] [--step-s 60] [--scenario NAME ...]

On the default estate (``load_twin()``, loaded once from a warm cache and not timed), for each
scenario (default: the shipped demo, the storm cascade and the 24-hour estate roster with its
background work): a live exercise (:func:`twin.live.start_exercise`, the engine sends nobody)
stepped as the Live page's clock steps it at 60× with a tick a wall second — ``advance`` by
``--step-s`` simulated seconds — and at every step the page's work: the dispatcher's view, and a
stand-in trainee who sends the nearest free qualified person to every open task the view lists
(one decision each, through the exercise as a trainee's). Per step: wall time of the advance, the
view and the decisions, and their sum; its median, 95th percentile and maximum, and the share of
the tick (1 s at 60×) the slowest step uses. The same scenario is also run once as a plain
:func:`twin.engine.run` (its own policy, moves traced, drill compiled, a fresh router as the
exercise has), so the sum of the steps — the engine's work plus the page's — can be compared
with the plain run over the same span in the same process.

The page keeps up at 60× when the slowest step takes under the tick: ``keeps_up_60x``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from twin.background.rates import scenario_rates  # noqa: E402
from twin.engine import compile_drill, drill_router, run  # noqa: E402
from twin.live import Decision, DecisionError, start_exercise  # noqa: E402
from twin.scenario import load_scenario  # noqa: E402
from twin.twin import Twin, load_twin  # noqa: E402

SCENARIOS = REPO / "scenarios"
DEFAULT = ("night_riser_burst.yaml", "storm_basement_cascade.yaml", "estate_roster.yaml")
#: The Live page's fastest clock: 60 simulated seconds a wall second.
SPEED = 60.0


def live_steps(twin: Twin, path: Path, step_s: float, span_s: float | None) -> dict[str, Any]:
    """Step a live exercise of ``path`` to its end (or ``span_s``), timing each step's parts."""
    ex = start_exercise(twin, path)
    end = ex.end_s if span_s is None else min(span_s, ex.end_s)
    advance, view, decide, decisions, open_max = [], [], [], 0, 0
    while ex.now_s < end:
        t0 = time.perf_counter()
        ex.advance(min(ex.now_s + step_s, end))
        t1 = time.perf_counter()
        board = ex.view()
        t2 = time.perf_counter()
        open_max = max(open_max, len(board.open_tasks))
        taken: set[str] = set()
        for task in board.open_tasks:
            free = [c for c in task.candidates if c.status == "free" and np.isfinite(c.travel_s)]
            free = [c for c in free if c.person not in taken]
            if free:
                best = min(free, key=lambda c: c.travel_s)
                try:
                    ex.decide(Decision("assign", best.person, task.id))
                except DecisionError:
                    continue
                taken.add(best.person)
                decisions += 1
        t3 = time.perf_counter()
        advance.append(t1 - t0)
        view.append(t2 - t1)
        decide.append(t3 - t2)
    total = np.add(np.add(advance, view), decide)
    return {
        "steps": len(total),
        "span_s": end,
        "decisions": decisions,
        "max_open_tasks": open_max,
        "advance_ms_p50": 1000 * float(np.median(advance)),
        "view_ms_p50": 1000 * float(np.median(view)),
        "decide_ms_p50": 1000 * float(np.median(decide)),
        "step_ms_p50": 1000 * float(np.median(total)),
        "step_ms_p95": 1000 * float(np.percentile(total, 95)),
        "step_ms_max": 1000 * float(np.max(total)),
        "steps_wall_s": float(np.sum(total)),
        "events": ex.running.events,
    }


def plain_run(twin: Twin, path: Path, span_s: float | None) -> dict[str, Any]:
    """One :func:`run` of the scenario (its own policy, moves traced) from a compiled drill with
    a fresh router, as the exercise starts (its compile is not in the steps either)."""
    scenario = load_scenario(path).scenario
    if span_s is not None:
        scenario = scenario.model_copy(update={"duration_h": min(span_s, scenario.duration_s) / 3600.0})
    drill = compile_drill(twin, scenario, rates=scenario_rates(scenario))
    t0 = time.perf_counter()
    result = run(twin, scenario, drill=drill, router=drill_router(drill))
    return {"run_wall_s": time.perf_counter() - t0, "run_events": result.events}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--quick", action="store_true", help="the demo drill's first 2 hours only")
    ap.add_argument(
        "--step-s", type=float, default=SPEED, help="simulated seconds a step (60: 60× at 1 s ticks)"
    )
    ap.add_argument("--scenario", action="append", help="a shipped scenario's file name (repeatable)")
    args = ap.parse_args(argv)
    names = args.scenario or (["night_riser_burst.yaml"] if args.quick else list(DEFAULT))
    span = 2 * 3600.0 if args.quick else None
    twin = load_twin()
    tick_s = args.step_s / SPEED
    rows = []
    for name in names:
        path = SCENARIOS / name
        live = live_steps(twin, path, args.step_s, span)
        plain = plain_run(twin, path, span)
        rows.append(
            {
                "scenario": name,
                **live,
                **plain,
                "steps_vs_run": live["steps_wall_s"] / plain["run_wall_s"],
                "tick_s": tick_s,
                "tick_share_max": live["step_ms_max"] / 1000.0 / tick_s,
                "keeps_up_60x": live["step_ms_max"] / 1000.0 < tick_s,
            }
        )
    out = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()},
        "step_s": args.step_s,
        "rows": rows,
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"live clock at {SPEED:g}×: a step of {args.step_s:g} sim s every {tick_s:g} s of wall time")
    print(f"load average {out['machine']['load'][0]:.2f} on {os.cpu_count()} cpus")
    head = (
        f"{'scenario':28} {'steps':>6} {'decided':>7} {'open':>5} {'adv p50':>8} {'view p50':>8} "
        f"{'step p50':>8} {'p95':>7} {'max':>7} {'tick %':>7} {'Σsteps':>7} {'run()':>7} {'ratio':>6}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['scenario']:28} {r['steps']:6d} {r['decisions']:7d} {r['max_open_tasks']:5d} "
            f"{r['advance_ms_p50']:7.1f}ms {r['view_ms_p50']:7.1f}ms {r['step_ms_p50']:7.1f}ms "
            f"{r['step_ms_p95']:5.0f}ms {r['step_ms_max']:5.0f}ms {100 * r['tick_share_max']:6.1f}% "
            f"{r['steps_wall_s']:6.2f}s {r['run_wall_s']:6.2f}s {r['steps_vs_run']:5.2f}×"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
