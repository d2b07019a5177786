"""Drill engine speed: events per second of drill runs against bare SimPy in the same run.

    python bench/engine.py [--json] [--quick] [--profile] [--by-process] [--repeat N] [--seed N]

Measures, on the default estate (``load_twin()``, loaded once from a warm cache and not timed):

* bare SimPy - 10 processes each ``yield env.timeout(1)`` in a loop, stepped with ``env.step()``
  exactly as :func:`twin.engine.run` steps a drill (``peek``, compare with the end, ``step``,
  count): timeouts per second, the ceiling any SimPy model can reach on this machine;
* each shipped scenario (``scenarios/*.yaml``) - the wall time of ``run()`` as a user calls it
  (compile the drill, build the router, simulate, freeze the log), and again with the drill
  compiled and the router's tables warm from an earlier run (``drill=``, ``router=``: the steady
  cost of one more run in a sweep); events, events per second, log rows;
* a stress drill - ``night_riser_burst.yaml`` with 1,000 pipe bursts at random ``Branch …``
  pipes at uniform random times over 30 days (1 cm² holes, reported through the resident app),
  30 days + 12 h long, with a day and a night shift of 4 plumbers and 4 guards each plus the
  base scenario's front desk; built from a fixed seed. Run with ``trace_moves`` on (a ``move``
  row per node passed, for the replay) and off (as sweeps run), each from a compiled drill with
  a fresh router (the compile time is shown on its own).

An *event* is one ``env.step()`` of SimPy's environment, counted the same way in both: in bare
SimPy a timeout firing and resuming its process; in a drill anything SimPy processes — a person
reaching the next node, a water step, a task's work ending, a dispatcher wake-up, a process
starting or ending. ``RunResult.events`` counts the same ``env.step()`` calls.

``ratio_vs_simpy`` = events/s of the stress drill with moves traced / bare SimPy timeouts/s.
Bare SimPy is measured just before and just after the stress drill and the faster of the two is
used, so a neighbour's load that slows one measurement cannot flatter the ratio. Target
(issue 11, item 6): at least 0.25. ``--profile`` profiles that stress run with pyinstrument and prints the
top of its call tree; ``--by-process`` times each resume of each SimPy process of a warm stress
run (garbage collector off), names it by the generator it waited in and the event that woke it
(a person passing a node, a water step, a decision…), prints the CPU of each kind, and then the
budget: what a ratio of 0.25 allows that run in CPU seconds, less what no change to the drill's
own work can remove — SimPy stepping the run's events at bare SimPy's cost, each hop at the cost
of a model walk that does only what a hop must (its timeout, the position, the ``move`` row), the
log's freeze — against what the rest (water, decisions, tasks, hazards) takes now.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import simpy

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from twin.background.rates import scenario_rates  # noqa: E402
from twin.engine import RunResult, compile_drill, drill_router, run  # noqa: E402
from twin.scenario import Scenario, load_scenario  # noqa: E402
from twin.twin import Twin, load_twin  # noqa: E402

TARGET_RATIO = 0.25
SCENARIOS = REPO / "scenarios"
STRESS_BASE = SCENARIOS / "night_riser_burst.yaml"
STRESS_DAYS = 30


def bare_simpy(events: int, processes: int = 10, repeat: int = 3) -> dict[str, float]:
    """Timeouts per second of ``processes`` loops of ``yield env.timeout(1)`` (best of ``repeat``)."""
    runs = [_simpy_once(events, processes) for _ in range(repeat)]
    return max(runs, key=lambda r: r["events_per_s"])


def _simpy_once(events: int, processes: int) -> dict[str, float]:
    env = simpy.Environment()

    def tick(env: simpy.Environment) -> Any:
        while True:
            yield env.timeout(1)

    for _ in range(processes):
        env.process(tick(env))
    end = events / processes
    count = 0
    cpu = time.process_time()
    start = time.perf_counter()
    # The loop of twin.engine.run.Running.advance, without a progress callback.
    peek, step = env.peek, env.step
    while peek() <= end:
        step()
        count += 1
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return {
        "events": count,
        "wall_s": wall,
        "events_per_s": count / wall,
        "cpu_s": cpu,
        "events_per_cpu_s": count / cpu,
    }


def stress_scenario(twin: Twin, seed: int, incidents: int = 1000) -> Scenario:
    """The demo drill with ``incidents`` bursts over 30 days and a roster that keeps up."""
    base = load_scenario(STRESS_BASE).scenario
    pipes = sorted(e.name for e in twin.model.equipment if e.name.startswith("Branch "))
    rng = np.random.default_rng(seed)
    days_min = STRESS_DAYS * 24 * 60
    template = base.hazards[0].model_dump(mode="json")
    hazards = [
        dict(template, at=str(at), start_min=float(t), hole_area_cm2=1.0, reported_via="resident_app")
        for at, t in zip(rng.choice(pipes, size=incidents), rng.uniform(0, days_min, incidents), strict=True)
    ]
    people: list[dict[str, Any]] = []
    for shift in ("day", "night"):
        s = shift[0].upper()
        people += [
            {
                "id": f"{s}-PLB{k}",
                "trades": {"plumber": 2},
                "shift": shift,
                "base": "Engineering Office",
                "hourly_rate": 38,
            }
            for k in range(1, 5)
        ]
        people += [
            {
                "id": f"{s}-SEC{k}",
                "trades": {"security": 1, "general": 1},
                "shift": shift,
                "base": "Security Room",
                "hourly_rate": 24,
            }
            for k in range(1, 5)
        ]
    people += [p.model_dump(mode="json") for p in base.people if "front_desk" in p.trades]
    data = base.model_dump(mode="json")
    data.update(
        name=f"Stress: {incidents} pipe bursts over {STRESS_DAYS} days",
        description="bench/engine.py",
        duration_h=STRESS_DAYS * 24 + 12,
        people=people,
        contractors=[],
        hazards=hazards,
    )
    return Scenario.model_validate(data)


def timed(fn: Any, repeat: int) -> tuple[float, RunResult, float]:
    """Best wall time of ``repeat`` calls, the last result, and the best CPU time (this
    process's, ``time.process_time``: what a neighbour's load inflates least)."""
    best = best_cpu = np.inf
    for _ in range(repeat):
        cpu = time.process_time()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best, result, best_cpu


def figures(wall_s: float, result: RunResult, cpu_s: float) -> dict[str, Any]:
    return {
        "wall_s": wall_s,
        "events": result.events,
        "events_per_s": result.events / wall_s,
        "cpu_s": cpu_s,
        "events_per_cpu_s": result.events / cpu_s,
        "rows": len(result.log),
    }


def bench_scenario(twin: Twin, path: Path, repeat: int) -> dict[str, Any]:
    scenario = load_scenario(path).scenario
    rates = scenario_rates(scenario)  # read as a user's run reads it, outside the timing
    cold_s, cold, cold_cpu = timed(lambda: run(twin, scenario, rates=rates), repeat)
    drill = cold.drill
    router = drill_router(drill)
    run(twin, scenario, drill=drill, router=router)  # fills the router's tables
    warm_s, warm, warm_cpu = timed(lambda: run(twin, scenario, drill=drill, router=router), repeat)
    assert warm.log.equals(cold.log), f"{path.name}: a warm run gave another log"
    return {
        "name": scenario.name,
        "duration_h": scenario.duration_h,
        "run": figures(cold_s, cold, cold_cpu),
        "warm": figures(warm_s, warm, warm_cpu),
    }


def bench_stress(twin: Twin, scenario: Scenario, repeat: int) -> dict[str, Any]:
    start = time.perf_counter()
    drill = compile_drill(twin, scenario, rates=scenario_rates(scenario))
    compile_s = time.perf_counter() - start
    out: dict[str, Any] = {
        "compile_s": compile_s,
        "hazards": len(scenario.hazards),
        "days": scenario.duration_h / 24,
    }
    for trace in (True, False):
        wall_s, result, cpu_s = timed(lambda t=trace: run(twin, scenario, drill=drill, trace_moves=t), repeat)
        row = figures(wall_s, result, cpu_s)
        row["incidents"] = int((result.log.frame["kind"] == "incident").sum())
        out["trace_moves" if trace else "no_moves"] = row
    return out


def profile_stress(twin: Twin, scenario: Scenario, lines: int) -> str:
    from pyinstrument import Profiler

    drill = compile_drill(twin, scenario, rates=scenario_rates(scenario))
    profiler = Profiler(interval=0.001)
    profiler.start()
    run(twin, scenario, drill=drill, trace_moves=True)
    profiler.stop()
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    return "\n".join(text.splitlines()[:lines])


#: What each innermost generator's resume is, for ``--by-process`` (the generator a process's
#: ``yield from`` chain was suspended in, and the kind of event that resumed it).
RESUME_KINDS = {
    "travel/Timeout": "a person passes a node (people.travel)",
    "travel/Interruption": "a person's walk interrupted (a new task)",
    "perform/Timeout": "a person's work ends, or a called-out one arrives",
    "member/Event": "a person woken (a task, a shift)",
    "member/Condition": "a called-out person's stay ends",
    "Water._loop/Timeout": "a water step (hazards.flooding)",
    "pipe_burst/Timeout": "a burst: reported, then isolated",
    "dispatcher/Event": "a dispatcher decision",
    "report/Timeout": "an incident reported",
}


def by_process(twin: Twin, scenario: Scenario) -> dict[str, Any]:
    """CPU per kind of resume on the stress drill (moves traced): each resume of a SimPy process
    timed and summed by the generator it was suspended in (the innermost of its ``yield from``
    chain) and the kind of event that resumed it. A warm run first, so the numba kernels are
    loaded and the router's tables filled (this measures the steady cost per event; the
    per-resume timer adds about a microsecond to each; the garbage collector is off for the
    timed run, so a full collection does not land on one process's row). The log's freeze is
    timed on its own."""
    import simpy.events

    from twin.events.log import EventRecorder

    drill = compile_drill(twin, scenario, rates=scenario_rates(scenario))
    router = drill_router(drill)
    run(twin, scenario, drill=drill, router=router, trace_moves=True)
    resumes: dict[str, int] = {}
    cpu: dict[str, float] = {}
    plain = simpy.events.Process._resume
    plain_freeze = EventRecorder.freeze
    clock = time.process_time
    freeze_s = [0.0]

    def timed_resume(self: Any, event: Any) -> None:
        inner = self._generator
        while inner.gi_yieldfrom is not None:
            inner = inner.gi_yieldfrom
        name = f"{inner.__qualname__}/{type(event).__name__}"
        start = clock()
        plain(self, event)
        cpu[name] = cpu.get(name, 0.0) + clock() - start
        resumes[name] = resumes.get(name, 0) + 1

    def timed_freeze(self: Any) -> Any:
        start = clock()
        frozen = plain_freeze(self)
        freeze_s[0] += clock() - start
        return frozen

    # A full garbage collection (~0.25 s over the twin's objects) would land on whichever process
    # happens to run; with the collector off for the timed run each row is that process's own.
    gc.collect()
    gc.disable()
    simpy.events.Process._resume = timed_resume  # type: ignore[method-assign]
    EventRecorder.freeze = timed_freeze  # type: ignore[method-assign]
    try:
        start = clock()
        result = run(twin, scenario, drill=drill, router=router, trace_moves=True)
        total = clock() - start
    finally:
        simpy.events.Process._resume = plain  # type: ignore[method-assign]
        EventRecorder.freeze = plain_freeze  # type: ignore[method-assign]
        gc.enable()
    rows = [
        {
            "resume": k,
            "what": RESUME_KINDS.get(k, ""),
            "resumes": resumes[k],
            "cpu_s": cpu[k],
            "us_per_resume": 1e6 * cpu[k] / resumes[k],
        }
        for k in sorted(cpu, key=cpu.__getitem__, reverse=True)
    ]
    rows.append(
        {
            "resume": "(freeze)",
            "what": "the log's freeze (rows to a DataFrame)",
            "resumes": 0,
            "cpu_s": freeze_s[0],
            "us_per_resume": float("nan"),
        }
    )
    rows.append(
        {
            "resume": "(rest)",
            "what": "SimPy's loop, events no process waits on, the timer",
            "resumes": result.events - sum(resumes.values()),
            "cpu_s": total - sum(cpu.values()) - freeze_s[0],
            "us_per_resume": float("nan"),
        }
    )
    return {"events": result.events, "cpu_s": total, "rows": rows}


def hop_floor(walkers: int = 8, hops: int = 200_000, repeat: int = 3) -> dict[str, float]:
    """CPU per event of a model walk: ``walkers`` processes running the loop of
    :func:`twin.engine.people.travel` over a fixed path and nothing else — the hop's timeout
    (:func:`twin.engine.core.timeout`), the person's position and arrival written, the ``move``
    row (:meth:`twin.events.log.EventRecorder.move`). What a hop cannot cost less than in this
    engine's design (best of ``repeat``)."""
    from twin.engine.core import timeout
    from twin.events.log import EventRecorder

    class Walker:
        __slots__ = ("arrive_at", "next_node", "node")

        def __init__(self) -> None:
            self.node, self.next_node, self.arrive_at = 0, -1, 0.0

    path = [(k, 1.0 + 0.1 * (k % 7), (0.5 * k, 2.0, 3.0)) for k in range(1, 51)]

    def walk(env: simpy.Environment, m: Walker, person: str, moved: Any, laps: int) -> Any:
        for _ in range(laps):
            arrive = env.now
            for node, hop_s, xyz in path:
                arrive += hop_s
                m.next_node = node
                m.arrive_at = arrive
                yield timeout(env, hop_s)
                m.node = node
                m.next_node = -1
                moved(arrive, person, xyz, -1)

    best = np.inf
    count = 0
    for _ in range(repeat):
        env = simpy.Environment()
        rec = EventRecorder()
        laps = max(hops // (walkers * len(path)), 1)
        for w in range(walkers):
            env.process(walk(env, Walker(), f"W{w}", rec.move, laps))
        peek, step = env.peek, env.step
        count = 0
        cpu = time.process_time()
        while peek() < np.inf:
            step()
            count += 1
        best = min(best, time.process_time() - cpu)
    return {"events": count, "cpu_s": best, "us_per_event": 1e6 * best / count}


def budget(
    processes: dict[str, Any], floor: dict[str, float], bare: dict[str, float], run_cpu_s: float
) -> dict[str, Any]:
    """What ``ratio_vs_simpy`` = :data:`TARGET_RATIO` allows the stress run, in CPU seconds of
    this machine now, and what of it goes where it cannot be cut: SimPy stepping the run's events
    at bare SimPy's own cost, each hop at the model walk's cost, the log's freeze. The same three
    taken from the run's CPU (``run_cpu_s``, untimed) leave what the rest costs now."""
    events = processes["events"]
    bare_us = 1e6 / bare["events_per_cpu_s"]
    by = {r["resume"]: r for r in processes["rows"]}
    hops = by.get("travel/Timeout", {"resumes": 0})["resumes"]
    allowed = events * bare_us / TARGET_RATIO / 1e6
    stepping = events * bare_us / 1e6
    hop_extra = hops * max(floor["us_per_event"] - bare_us, 0.0) / 1e6
    freeze = by["(freeze)"]["cpu_s"]
    return {
        "events": events,
        "bare_us_per_event": bare_us,
        "hop_floor_us": floor["us_per_event"],
        "hops": hops,
        "allowed_cpu_s": allowed,
        "simpy_stepping_s": stepping,
        "hops_beyond_a_timeout_s": hop_extra,
        "freeze_s": freeze,
        "left_for_the_rest_s": allowed - stepping - hop_extra - freeze,
        "run_cpu_s": run_cpu_s,
        "the_rest_now_s": run_cpu_s - stepping - hop_extra - freeze,
    }


def print_row(label: str, r: dict[str, Any], extra: str = "") -> None:
    print(
        f"  {label:<44} {r['wall_s']:>8.2f} {r['events']:>10,} {r['events_per_s']:>10,.0f} "
        f"{r['rows']:>9,}{extra}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--quick", action="store_true", help="fewer SimPy events, one repeat, 200 stress incidents"
    )
    parser.add_argument("--profile", action="store_true", help="profile the stress drill (pyinstrument)")
    parser.add_argument("--profile-lines", type=int, default=60, help="lines of the call tree printed")
    parser.add_argument(
        "--by-process",
        action="store_true",
        help="CPU per SimPy process kind on the stress drill (a warm run, each resume timed)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (best)")
    parser.add_argument("--seed", type=int, default=20240611, help="seed of the stress drill's bursts")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    simpy_events = 100_000 if args.quick else 500_000
    incidents = 200 if args.quick else 1000

    start = time.perf_counter()
    twin = load_twin()
    load_s = time.perf_counter() - start
    simpy_result = bare_simpy(simpy_events, repeat=repeat)
    shipped = {p.name: bench_scenario(twin, p, repeat) for p in sorted(SCENARIOS.glob("*.yaml"))}
    stress = stress_scenario(twin, args.seed, incidents)
    simpy_before = bare_simpy(simpy_events, repeat=repeat)
    stress_result = bench_stress(twin, stress, repeat)
    simpy_after = bare_simpy(simpy_events, repeat=repeat)
    stress_result["incidents_asked"] = incidents
    # The machine's ceiling around the stress run: the faster bare SimPy of before and after.
    ceiling = max(simpy_result, simpy_before, simpy_after, key=lambda r: r["events_per_s"])
    ratio = stress_result["trace_moves"]["events_per_s"] / ceiling["events_per_s"]
    ratio_no_moves = stress_result["no_moves"]["events_per_s"] / ceiling["events_per_s"]
    # The same ratio in events per CPU second of this process: on a shared machine the wall
    # clock measures the neighbours too; CPU time much less so.
    cpu_ceiling = max(r["events_per_cpu_s"] for r in (simpy_result, simpy_before, simpy_after))
    ratio_cpu = stress_result["trace_moves"]["events_per_cpu_s"] / cpu_ceiling
    profile = profile_stress(twin, stress, args.profile_lines) if args.profile else None
    processes = by_process(twin, stress) if args.by_process else None
    spent = None
    if processes is not None:
        floor = hop_floor()
        ceiling_now = max(
            (bare_simpy(simpy_events, repeat=repeat), ceiling), key=lambda r: r["events_per_cpu_s"]
        )
        spent = budget(processes, floor, ceiling_now, stress_result["trace_moves"]["cpu_s"])

    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if args.json:
        out = {
            "machine": machine,
            "twin_load_s": load_s,
            "simpy": ceiling,
            "simpy_measurements_events_per_s": [
                r["events_per_s"] for r in (simpy_result, simpy_before, simpy_after)
            ],
            "load_average": list(os.getloadavg()),
            "scenarios": shipped,
            "stress": stress_result,
            "ratio_vs_simpy": ratio,
            "ratio_vs_simpy_no_moves": ratio_no_moves,
            "ratio_vs_simpy_cpu": ratio_cpu,
            "target": {"ratio_vs_simpy": TARGET_RATIO},
            "meets_target": bool(ratio >= TARGET_RATIO),
            "profile": profile,
            "by_process": processes,
            "budget": spent,
        }
        json.dump(out, sys.stdout, indent=1)
        print()
        return 0

    print(
        f"Drill engine vs bare SimPy on {machine} "
        f"(twin loaded in {load_s:.2f} s, not counted; best of {repeat} runs each)"
    )
    bare = ceiling
    print(
        f"\nBare SimPy, 10 processes: {bare['events']:,} timeouts in {bare['wall_s']:.2f} s "
        f"= {bare['events_per_s']:,.0f} events/s (the fastest of three measurements: before the "
        f"scenarios, just before and just after the stress drill; load average "
        f"{os.getloadavg()[0]:.1f})"
    )
    print(f"\n  {'run':<44} {'wall s':>8} {'events':>10} {'events/s':>10} {'log rows':>9}")
    for name, r in shipped.items():
        print(f"  {name} ({r['duration_h']:g} h)")
        print_row("run() (compile, route, simulate, freeze)", r["run"])
        print_row("compiled drill, warm router", r["warm"])
    s = stress_result
    print(
        f"  stress: {s['incidents_asked']:,} bursts over {s['days']:g} days "
        f"(compiled in {s['compile_s']:.2f} s, not counted)"
    )
    for key, label in (("trace_moves", "moves traced"), ("no_moves", "no moves (trace_moves=False)")):
        print_row(label, s[key], f"  incidents {s[key]['incidents']:,}")
    met = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(
        f"\nratio_vs_simpy (stress, moves traced): {ratio:.3f} (target >= {TARGET_RATIO}) -> {met}; "
        f"without moves: {ratio_no_moves:.3f}; in events per CPU second: {ratio_cpu:.3f}"
    )
    if profile is not None:
        print("\nProfile of the stress drill, moves traced (pyinstrument):")
        print(profile)
    if processes is not None and spent is not None:
        total = processes["cpu_s"]
        print(
            "\nCPU by kind of resume on the stress drill, moves traced (a warm run, each resume timed "
            "and named by the generator it waited in and the event that woke it; garbage collector off):"
        )
        print(f"  {'resume':<28} {'what':<52} {'resumes':>8} {'CPU s':>7} {'share':>6} {'µs each':>8}")
        for r in processes["rows"]:
            if r["cpu_s"] < 0.001 * total:
                continue
            print(
                f"  {r['resume']:<28} {r['what']:<52} {r['resumes']:>8,} {r['cpu_s']:>7.3f} "
                f"{r['cpu_s'] / total:>6.0%} {r['us_per_resume']:>8.1f}"
            )
        b = spent
        lines = (
            (
                f"{b['events']:,} events at {TARGET_RATIO} x bare SimPy's "
                f"{b['bare_us_per_event']:.2f} µs a timeout",
                b["allowed_cpu_s"],
            ),
            ("- SimPy stepping those events at bare SimPy's own cost", b["simpy_stepping_s"]),
            (
                f"- {b['hops']:,} hops at a model walk's {b['hop_floor_us']:.2f} µs, beyond a bare timeout",
                b["hops_beyond_a_timeout_s"],
            ),
            ("- the log's freeze", b["freeze_s"]),
            ("= left for the water, the decisions, the tasks and the hazards", b["left_for_the_rest_s"]),
            (
                f"the run now (its best untimed run above: {b['run_cpu_s']:.2f} s), less the same three",
                b["the_rest_now_s"],
            ),
        )
        print(f"\nWhat ratio_vs_simpy = {TARGET_RATIO} allows this run (CPU s, this machine now):")
        for label, value in lines:
            print(f"  {label:<78} {value:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
