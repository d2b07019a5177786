"""Staffing-sweep throughput: replication-years per second on 1 and 2 worker processes, and the
engine against a hand-written SimPy + networkx model of the same work, in the same run.

    python bench/sweep.py [--json] [--replications N] [--quick] [--engine-seeds N] [--naive-seeds N]
                          [--naive-days D]

The workload is the first variant ("today") of ``scenarios/sweeps/night_shift_options.yaml`` on
the default estate: the base ``scenarios/estate_roster.yaml`` with its ``background: {}`` (work
orders and random hazards drawn from ``twin/background/rates.yaml``), one simulated year per run
(``--quick``: 30 days, figures scaled to a year). The twin is loaded once, not timed.

1. Sweep throughput (issue 6). :func:`twin.sweep.execute.build_context` compiles the variant and
   searches the router's table once (its time is shown on its own, not counted); then
   :func:`~twin.sweep.execute.run_sweep` runs the same N replications (same seeds) with 1 and
   with 2 local worker processes, each into a fresh temporary folder, both from that context.
   A measurement is ``run_sweep``'s wall time: opening the folder, starting the pool, the runs,
   recording each row in the parent (a parquet part and an fsynced manifest line) and writing
   ``results.parquet``.

   * ``replications_per_s_{1_worker,2_workers}`` - replication-years per second;
   * ``scaling`` - the 2-worker rate over the 1-worker rate (target >= 1.7);
   * ``projected_min_for_1000_replication_years`` - at the 2-worker rate (target < 10).

   To show where a wall time goes, it is split into the runs (the ``wall_s`` each worker
   records: simulate, KPIs, row; summed and divided by the workers) and the rest ("outside
   runs": pool start-up, recording, a worker idle at the end when runs do not divide evenly).
   "cores: ours" is the CPU time of this process and its workers over the wall time; "others"
   the cores the rest of the machine kept busy meanwhile (from ``/proc/stat``): on 2 cores a
   busy neighbour takes the second worker's core, so only figures measured with "others" near 0
   mean anything. After the pools, one run in this process is split into ``run()`` and its KPIs
   and row.

2. ``ratio_vs_naive`` = seconds per replication-year of the hand-written model in
   ``bench/naive.py`` (SimPy processes; ``nx.shortest_path_length`` from each free qualified
   person at every dispatch decision, one more search per walk back to base) / those of the
   engine (``twin.engine.run`` with the drill compiled and the router warmed by
   ``build_context``, ``trace_moves=False``), both single process, same machine, same run
   (target >= 20). Both run work orders only (``hazards: false``: the naive model has no water
   or power physics) on the same arrivals: the naive model draws them with the library's
   generator on the run's streams. The engine is timed over ``--engine-seeds`` seeds (the first
   run in a process is ~0.2 s slower: lazy set-up), the naive model over ``--naive-seeds`` (it is
   slow; ``--naive-days`` shortens both models' runs for this comparison alone — on the calibrated
   workload of ~19,000 jobs a year the naive model takes many minutes per year); the networkx
   graph is built once, timed apart.

   As a check that both do the same work, the table shows the mean minutes from report to the
   first person on site per priority from each (the engine's through ``compute_kpis``), and the
   share of jobs where both put someone on site at the same second. They are not identical:
   the naive model calls staff on call and contractors from home for every job (the engine
   keeps someone called out on site for 15 min after a job), and ties between equally near
   people can break differently.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))  # bench/naive.py

from naive import NaiveResult, navigation_digraph, simulate  # noqa: E402

from twin.engine import run  # noqa: E402
from twin.events.log import PRIORITY_NAME  # noqa: E402
from twin.kpi import compute_kpis  # noqa: E402
from twin.sweep.execute import Context, build_context, run_one, run_sweep  # noqa: E402
from twin.sweep.measures import run_row  # noqa: E402
from twin.sweep.results import read_sweep  # noqa: E402
from twin.sweep.spec import LoadedSweep, Variant, load_sweep  # noqa: E402
from twin.twin import Twin, load_twin  # noqa: E402

SWEEP = REPO / "scenarios" / "sweeps" / "night_shift_options.yaml"
TARGET_SCALING = 1.7
TARGET_PROJECTED_MIN = 10.0
TARGET_RATIO = 20.0
PRIORITIES = ("red", "yellow", "blue")
SAME_S = 1.0
"""Two on-site times this close (seconds) count as the same."""


class CpuMeter:
    """CPU time from now on: of this process and its finished children (the pool's workers, once
    shut down), and of the whole machine (Linux ``/proc/stat``), so a measurement can tell how
    many cores other processes kept busy meanwhile - on 2 cores, one busy neighbour halves the
    2-worker figure."""

    def __init__(self) -> None:
        self._wall = time.perf_counter()
        self._ours = _own_cpu_s()
        self._machine = _machine_busy_s()

    def read(self) -> dict[str, float | None]:
        wall = time.perf_counter() - self._wall
        ours = _own_cpu_s() - self._ours
        machine = _machine_busy_s()
        others = None
        if machine is not None and self._machine is not None:
            others = max(machine - self._machine - ours, 0.0) / wall
        return {"own_cores": ours / wall, "other_processes_cores": others}


def _own_cpu_s() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _machine_busy_s() -> float | None:
    try:
        first = Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in first[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def workload(loaded: LoadedSweep, *, replications: int, days: float, hazards: bool = True) -> LoadedSweep:
    """The sweep cut to its first variant, ``replications`` runs of ``days`` each; without
    ``hazards`` only the background's work orders happen."""
    variant = loaded.variants[0]
    scenario = variant.scenario.model_copy(update={"duration_h": days * 24.0})
    if not hazards:
        if scenario.background is None:
            raise SystemExit(f"{SWEEP}: the base scenario has no background: section to take hazards out of")
        background = scenario.background.model_copy(update={"hazards": False})
        scenario = scenario.model_copy(update={"background": background})
    sweep = loaded.sweep.model_copy(
        update={
            "replications": replications,
            "period": loaded.sweep.period.model_copy(update={"days": days}),
        }
    )
    return dataclasses.replace(loaded, sweep=sweep, variants=(Variant(0, variant.name, scenario),))


def timed_context(twin: Twin, work: LoadedSweep) -> tuple[float, Context]:
    start = time.perf_counter()
    ctx = build_context(twin, work, work.sweep.replications)
    return time.perf_counter() - start, ctx


def bench_pool(
    twin: Twin, work: LoadedSweep, ctx: Context, workers: int, years_per_run: float
) -> dict[str, Any]:
    """One ``run_sweep`` of every replication on ``workers`` processes, into a fresh folder."""
    with tempfile.TemporaryDirectory(prefix="drilltwin-bench-sweep-") as tmp:
        out = Path(tmp) / "sweep"
        meter = CpuMeter()
        done = run_sweep(twin, work, out, workers=workers, context=ctx)
        cpu = meter.read()
        rows = read_sweep(out).rows
    run_s = rows["wall_s"].to_numpy(dtype=float)
    return {
        "workers": done.workers,
        "executor": done.executor,
        "runs": done.ran,
        "wall_s": done.wall_s,
        "runs_per_s": done.ran / done.wall_s,
        "replication_years_per_s": done.ran * years_per_run / done.wall_s,
        "run_s_mean": float(run_s.mean()),
        "run_s_max": float(run_s.max()),
        "outside_runs_s": done.wall_s - float(run_s.sum()) / done.workers,
        "events_per_run": float(rows["events"].mean()),
        **cpu,
    }


def split_one_run(twin: Twin, ctx: Context) -> dict[str, float]:
    """What a worker does per run (:func:`twin.sweep.execute.run_one`), timed in parts in this
    process, after one untimed run (as a worker is after its first): simulate, then KPIs and row."""
    run_one(ctx, 0, 0)
    drill = ctx.drills[0]
    start = time.perf_counter()
    result = run(twin, drill.scenario, ctx.seeds[0], drill=drill, router=ctx.router, trace_moves=False)
    simulated = time.perf_counter()
    run_row(compute_kpis(result.log, drill.scenario), result.log, drill.scenario)
    done = time.perf_counter()
    return {"run_s": simulated - start, "kpis_and_row_s": done - simulated, "run_one_s": done - start}


def bench_sweep(twin: Twin, loaded: LoadedSweep, *, replications: int, days: float) -> dict[str, Any]:
    work = workload(loaded, replications=replications, days=days)
    context_s, ctx = timed_context(twin, work)
    years_per_run = days / 365.0
    pools = {w: bench_pool(twin, work, ctx, w, years_per_run) for w in (1, 2)}
    # After the pools: a run here warms this process's router, which forked workers would inherit.
    split = split_one_run(twin, ctx)
    one, two = pools[1], pools[2]
    scaling = two["replication_years_per_s"] / one["replication_years_per_s"]
    return {
        "variant": work.variants[0].name,
        "days": days,
        "replications": replications,
        "context_s": context_s,
        "pools": {str(w): r for w, r in pools.items()},
        "one_run": split,
        "scaling": scaling,
        "projected_min_for_1000_replication_years": 1000.0 / two["replication_years_per_s"] / 60.0,
        "events_per_replication_year": (one["events_per_run"] + two["events_per_run"]) / 2 / years_per_run,
    }


def bench_vs_naive(
    twin: Twin, loaded: LoadedSweep, *, days: float, engine_seeds: int, naive_seeds: int
) -> dict[str, Any]:
    work = workload(loaded, replications=max(engine_seeds, naive_seeds), days=days, hazards=False)
    context_s, ctx = timed_context(twin, work)
    drill = ctx.drills[0]
    scenario = drill.scenario
    years = days / 365.0

    engine_s, engine_events, first_kpis = [], [], None
    for r in range(engine_seeds):
        start = time.perf_counter()
        result = run(twin, scenario, ctx.seeds[r], drill=drill, router=ctx.router, trace_moves=False)
        engine_s.append(time.perf_counter() - start)
        engine_events.append(result.events)
        if r == 0:
            first_kpis = compute_kpis(result.log, scenario)
    assert first_kpis is not None

    start = time.perf_counter()
    graph = navigation_digraph(twin)
    graph_s = time.perf_counter() - start
    naive = [simulate(graph, drill, ctx.seeds[r]) for r in range(naive_seeds)]

    engine_per_year = float(np.mean(engine_s)) / years
    naive_per_year = float(np.mean([n.wall_s for n in naive])) / years
    return {
        "days": days,
        "context_s": context_s,
        "networkx_graph_s": graph_s,
        "networkx_graph": {"nodes": graph.number_of_nodes(), "arcs": graph.number_of_edges()},
        "engine": {
            "seeds": engine_seeds,
            "wall_s": engine_s,
            "s_per_replication_year": engine_per_year,
            "events_per_replication_year": float(np.mean(engine_events)) / years,
        },
        "naive": {
            "seeds": naive_seeds,
            "wall_s": [n.wall_s for n in naive],
            "s_per_replication_year": naive_per_year,
            "events_per_replication_year": float(np.mean([n.events for n in naive])) / years,
            "searches_per_replication_year": float(np.mean([n.searches for n in naive])) / years,
            "jobs": naive[0].jobs,
            "done": naive[0].done,
        },
        "ratio_vs_naive": naive_per_year / engine_per_year,
        "check": compare(first_kpis.incidents, naive[0]),
    }


def compare(engine: Any, naive: NaiveResult) -> dict[str, Any]:
    """Seed 0 of both: jobs and mean minutes from report to first on site per priority, and the
    share of jobs both reached at the same time (the engine's incidents are its work orders, in
    the order raised, which is the naive model's job order)."""
    eng_on = engine["on_site_min"].to_numpy(dtype=float)
    eng_prio = engine["priority"].astype(str).to_numpy()
    nv_prio = np.array([PRIORITY_NAME[int(p)] for p in naive.priority])
    out: dict[str, Any] = {"engine_jobs": len(engine), "naive_jobs": naive.jobs, "per_priority": {}}
    for prio in PRIORITIES:
        e, n = eng_on[eng_prio == prio], naive.on_site_min[nv_prio == prio]
        out["per_priority"][prio] = {
            "jobs": int(e.size),
            "engine_mean_on_site_min": _mean(e),
            "naive_mean_on_site_min": _mean(n),
            "engine_not_reached": int(np.isnan(e).sum()),
            "naive_not_reached": int(np.isnan(n).sum()),
        }
    same_jobs = len(engine) == naive.jobs and bool((eng_prio == nv_prio).all())
    if same_jobs:
        same = np.abs(eng_on - naive.on_site_min) * 60.0 <= SAME_S
        out["same_on_site_share"] = float(same.mean())
    else:
        out["same_on_site_share"] = None
    out["same_jobs"] = same_jobs
    return out


def _mean(a: np.ndarray) -> float | None:
    a = a[~np.isnan(a)]
    return float(a.mean()) if a.size else None


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _cores(v: float | None) -> str:
    return "?" if v is None else f"{v:.2f}"


def _minutes(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def print_report(
    machine: str, others: float | None, load_s: float, s: dict[str, Any], n: dict[str, Any]
) -> None:
    print(f"Staffing-sweep throughput on {machine}")
    print(
        f"(other processes kept {_cores(others)} cores busy on average while this ran; "
        "figures are only comparable on an idle machine)"
    )
    print(
        f"\nWorkload: variant '{s['variant']}' of {SWEEP.relative_to(REPO)}, {s['days']:g}-day runs, "
        f"{s['replications']} replications per worker count (same seeds)"
    )
    print(
        f"Twin loaded in {load_s:.2f} s; sweep context (compile, router table) built in "
        f"{s['context_s']:.2f} s - neither counted"
    )
    print(
        f"\n  {'workers':>7} {'runs':>5} {'wall s':>8} {'run s mean':>11} {'run s max':>10} "
        f"{'outside runs s':>15} {'repl-years/s':>13} {'cores: ours':>12} {'others':>7}"
    )
    for r in s["pools"].values():
        print(
            f"  {r['workers']:>7} {r['runs']:>5} {r['wall_s']:>8.2f} {r['run_s_mean']:>11.2f} "
            f"{r['run_s_max']:>10.2f} {r['outside_runs_s']:>15.2f} {r['replication_years_per_s']:>13.3f} "
            f"{r['own_cores']:>12.2f} {_cores(r['other_processes_cores']):>7}"
        )
    one = s["one_run"]
    print(
        f"  one run in this process: run() {one['run_s']:.2f} s + KPIs and row "
        f"{one['kpis_and_row_s']:.2f} s = {one['run_one_s']:.2f} s; "
        f"{s['events_per_replication_year']:,.0f} events per replication-year"
    )
    scaling, projected = s["scaling"], s["projected_min_for_1000_replication_years"]
    print(
        f"\nscaling (2 workers / 1): {scaling:.2f}x (target >= {TARGET_SCALING}) -> "
        f"{_met(scaling >= TARGET_SCALING)}"
    )
    print(
        f"projected for 1,000 replication-years on 2 workers: {projected:.1f} min "
        f"(target < {TARGET_PROJECTED_MIN:g}) -> {_met(projected < TARGET_PROJECTED_MIN)}"
    )

    e, nv = n["engine"], n["naive"]
    print(
        f"\nEngine vs a hand-written SimPy + networkx model: work orders only, {n['days']:g}-day runs "
        f"(context {n['context_s']:.2f} s, networkx graph of {n['networkx_graph']['arcs']:,} arcs "
        f"{n['networkx_graph_s']:.2f} s - not counted)"
    )
    print(
        f"\n  {'model':<44} {'seeds':>5} {'s/repl-year':>12} {'events/repl-year':>17} "
        f"{'searches/repl-year':>19}"
    )
    print(
        f"  {'engine (run, warm router, no moves traced)':<44} {e['seeds']:>5} "
        f"{e['s_per_replication_year']:>12.3f} {e['events_per_replication_year']:>17,.0f} {'-':>19}"
    )
    print(
        f"  {'naive (networkx search per decision)':<44} {nv['seeds']:>5} "
        f"{nv['s_per_replication_year']:>12.1f} {nv['events_per_replication_year']:>17,.0f} "
        f"{nv['searches_per_replication_year']:>19,.0f}"
    )
    ratio = n["ratio_vs_naive"]
    print(f"\nratio_vs_naive: {ratio:,.0f}x (target >= {TARGET_RATIO:g}x) -> {_met(ratio >= TARGET_RATIO)}")

    c = n["check"]
    print(
        f"\nSame work? Seed 0, {c['engine_jobs']:,} work orders in the engine, {c['naive_jobs']:,} in "
        "the naive model; minutes from report to the first person on site:"
    )
    print(f"  {'priority':<9} {'jobs':>6} {'engine mean':>12} {'naive mean':>11} {'not reached (e/n)':>18}")
    for prio, r in c["per_priority"].items():
        if r["jobs"]:
            print(
                f"  {prio:<9} {r['jobs']:>6} {_minutes(r['engine_mean_on_site_min']):>12} "
                f"{_minutes(r['naive_mean_on_site_min']):>11} "
                f"{r['engine_not_reached']:>8} / {r['naive_not_reached']:<7}"
            )
    if c["same_on_site_share"] is not None:
        print(
            f"  on site at the same second in both: {c['same_on_site_share']:.0%} of the jobs. Not "
            "identical by design: the naive model calls staff\n  on call and contractors from home for "
            "every job, and ties between equally near people may break differently."
        )
    else:
        print("  the two job lists differ (count or priorities): the generator and the engine disagree")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--replications", type=int, default=8, help="runs per worker count (default 8)")
    parser.add_argument("--quick", action="store_true", help="30-day runs instead of a year (a smoke test)")
    parser.add_argument(
        "--engine-seeds", type=int, default=2, help="engine runs timed against the naive model"
    )
    parser.add_argument("--naive-seeds", type=int, default=1, help="naive-model runs timed (slow)")
    parser.add_argument(
        "--naive-days",
        type=float,
        default=None,
        help="days per run of the engine-vs-naive comparison (default: as the sweep's runs)",
    )
    args = parser.parse_args()
    if args.replications < 1 or args.engine_seeds < 1 or args.naive_seeds < 1:
        parser.error("--replications, --engine-seeds and --naive-seeds must be at least 1")
    days = 30.0 if args.quick else 365.0
    naive_days = days if args.naive_days is None else args.naive_days
    if not 0 < naive_days <= 366:
        parser.error("--naive-days must be more than 0 and at most 366")

    meter = CpuMeter()
    loaded = load_sweep(SWEEP)
    start = time.perf_counter()
    twin = load_twin(loaded.model_paths() or None)
    load_s = time.perf_counter() - start
    sweep = bench_sweep(twin, loaded, replications=args.replications, days=days)
    naive = bench_vs_naive(
        twin, loaded, days=naive_days, engine_seeds=args.engine_seeds, naive_seeds=args.naive_seeds
    )

    others = meter.read()["other_processes_cores"]
    machine = f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    pools = sweep["pools"]
    figures = {
        "replications_per_s_1_worker": pools["1"]["replication_years_per_s"],
        "replications_per_s_2_workers": pools["2"]["replication_years_per_s"],
        "scaling": sweep["scaling"],
        "projected_min_for_1000_replication_years": sweep["projected_min_for_1000_replication_years"],
        "engine_s_per_replication_year": naive["engine"]["s_per_replication_year"],
        "naive_s_per_replication_year": naive["naive"]["s_per_replication_year"],
        "ratio_vs_naive": naive["ratio_vs_naive"],
        "events_per_replication_year": sweep["events_per_replication_year"],
    }
    if not args.json:
        print_report(machine, others, load_s, sweep, naive)
        return 0
    meets = {
        "scaling": bool(figures["scaling"] >= TARGET_SCALING),
        "projected_min_for_1000_replication_years": bool(
            figures["projected_min_for_1000_replication_years"] < TARGET_PROJECTED_MIN
        ),
        "ratio_vs_naive": bool(figures["ratio_vs_naive"] >= TARGET_RATIO),
    }
    out = {
        "machine": machine,
        "cpu_count": os.cpu_count(),
        "other_processes_cores": others,
        "days_per_run": days,
        **figures,
        "targets": {
            "scaling": TARGET_SCALING,
            "projected_min_for_1000_replication_years": TARGET_PROJECTED_MIN,
            "ratio_vs_naive": TARGET_RATIO,
        },
        "meets_targets": meets,
        "twin_load_s": load_s,
        "sweep": sweep,
        "vs_naive": naive,
    }
    json.dump(out, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
