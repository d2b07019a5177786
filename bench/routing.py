"""Routing tables against one shortest-path search per dispatch decision.

    python bench/routing.py [--json] [--storeys 100] [--grid 30] [--keys 200] [--people 60]

On a synthetic tower of >= 100,000 navigation nodes (``twin.synthetic.tower``) and on the default
estate (``load_twin()``, when ``models/estate.ifc`` exists), for each network state (normal, all
lifts off, heavy equipment, a flooded storey): the time to compile the network and to build the
"to" table from the key places, and the table's memory. Then nearest-qualified-person decisions
per second, on the same random decisions, three ways in the same run:

* table    - ``Router.nearest`` (a row lookup and an argmin per decision), and
             ``Router.dispatch`` (a batch of 10,000 decisions in one call);
* scipy    - ``scipy.sparse.csgraph.dijkstra`` from the place on the transposed graph, per decision;
* networkx - ``single_source_dijkstra_path_length`` on the reversed DiGraph, per decision
             (measured on a sample and extrapolated).

All three search the same arcs (parallel edges collapsed to the fastest) and their answers are
checked to agree. Targets: table >= 200x the networkx rate; 10,000 decisions in < 0.1 s.
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

from scipy.sparse.csgraph import dijkstra  # noqa: E402

from twin.navgraph import NavGraph, NodeKind  # noqa: E402
from twin.routing import NORMAL, NetworkState, Positions, Router  # noqa: E402
from twin.travel import HEAVY  # noqa: E402

TARGET_RATIO = 200.0
TARGET_BATCH_S = 0.1
TRADES = 4


def states(flood_storey: int) -> dict[str, NetworkState]:
    return {
        "normal": NORMAL,
        "lifts off": NORMAL.with_lifts_off(),
        "heavy equipment": NORMAL.with_mode(HEAVY),
        f"storey {flood_storey} flooded": NORMAL.with_closed(storeys=[flood_storey]),
    }


def decisions(
    graph: NavGraph, keys: np.ndarray, *, people: int, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, Positions, np.ndarray]:
    """Random places, people (a third of them en route) and who is qualified for each."""
    walkable = np.flatnonzero(np.isin(graph.node_kind, [NodeKind.GRID, NodeKind.SPACE]))
    nodes = rng.choice(walkable, size=people)
    eta = np.where(rng.random(people) < 1 / 3, rng.uniform(0, 60, people), 0.0)
    trade = rng.integers(0, TRADES, people)
    targets = rng.choice(keys, size=count)
    needed = rng.integers(0, TRADES, count)
    eligible = trade[None, :] == needed[:, None]
    return targets, Positions.en_route(nodes, eta), eligible


def best_of(fn: Any, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_building(
    graph: NavGraph,
    keys: np.ndarray,
    flood_storey: int,
    *,
    people: int,
    batch: int,
    single: int,
    nx_sample: int,
    scipy_sample: int,
    seed: int,
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    all_states = states(flood_storey)
    router = Router(graph, keys=keys, max_states=len(all_states))
    per_state: dict[str, dict[str, float]] = {}
    for label, state in all_states.items():
        start = time.perf_counter()
        router.network(state)
        compiled = time.perf_counter()
        table = router.table(state, "to")
        built = time.perf_counter()
        per_state[label] = {
            "compile_s": compiled - start,
            "build_s": built - compiled,
            "rows": len(table),
            "table_mb": table.nbytes / 1e6,
            "reachable": float(np.isfinite(table.time_s).mean()),
        }

    targets, positions, eligible = decisions(graph, keys, people=people, count=batch, rng=rng)
    node, eta = positions.node[:, 0], positions.eta_s[:, 0]

    # Table, one decision per call.
    n_single = min(single, batch)
    start = time.perf_counter()
    ours = [router.nearest(int(targets[i]), positions, eligible=eligible[i]) for i in range(n_single)]
    table_rate = n_single / (time.perf_counter() - start)

    # Table, all decisions in one call.
    batch_s = best_of(lambda: router.dispatch(targets, positions, eligible=eligible))
    person, seconds = router.dispatch(targets, positions, eligible=eligible)

    def pick(dist_at_people: np.ndarray, i: int) -> tuple[int, float]:
        t = np.where(eligible[i], dist_at_people + eta, np.inf)
        j = int(np.argmin(t))
        return (j, float(t[j])) if np.isfinite(t[j]) else (-1, float("inf"))

    # scipy, one search per decision.
    backward = router.network(NORMAL).backward
    start = time.perf_counter()
    scipy_answers = []
    for i in range(scipy_sample):
        dist = dijkstra(backward, directed=True, indices=int(targets[i]))
        scipy_answers.append(pick(dist[node], i))
    scipy_rate = scipy_sample / (time.perf_counter() - start)

    # networkx, one search per decision, on the same arcs reversed.
    import networkx as nx

    net = router.network(NORMAL)
    start = time.perf_counter()
    reversed_graph = nx.DiGraph()
    reversed_graph.add_nodes_from(range(graph.n_nodes))
    reversed_graph.add_weighted_edges_from(
        zip(net.arc_v.tolist(), net.arc_u.tolist(), net.arc_time_s.tolist(), strict=True)
    )
    nx_build_s = time.perf_counter() - start
    start = time.perf_counter()
    nx_answers = []
    for i in range(nx_sample):
        lengths = nx.single_source_dijkstra_path_length(reversed_graph, int(targets[i]))
        dist = np.array([lengths.get(int(v), np.inf) for v in node])
        nx_answers.append(pick(dist, i))
    nx_rate = nx_sample / (time.perf_counter() - start)

    def same(a: tuple[int, float], b: tuple[int, float]) -> bool:
        return a[1] == b[1] or abs(a[1] - b[1]) < 1e-6

    agree = (
        all(same(ours[i], scipy_answers[i]) for i in range(min(scipy_sample, n_single)))
        and all(same(ours[i], nx_answers[i]) for i in range(min(nx_sample, n_single)))
        and all(same(ours[i], (int(person[i]), float(seconds[i]))) for i in range(n_single))
    )
    build_normal = per_state["normal"]["build_s"]
    return {
        "nodes": graph.n_nodes,
        "edges": graph.n_edges,
        "keys": int(keys.size),
        "people": people,
        "states": per_state,
        "tables_mb_total": router.nbytes / 1e6,
        "queries": {
            "table_per_s": table_rate,
            "table_batch_per_s": batch / batch_s,
            "batch_decisions": batch,
            "batch_s": batch_s,
            "scipy_per_s": scipy_rate,
            "networkx_per_s": nx_rate,
            "networkx_graph_build_s": nx_build_s,
            "networkx_sample": nx_sample,
            "scipy_sample": scipy_sample,
        },
        "ratio_vs_networkx": table_rate / nx_rate,
        "ratio_batch_vs_networkx": (batch / batch_s) / nx_rate,
        "ratio_vs_scipy": table_rate / scipy_rate,
        "table_pays_off_after_decisions_vs_scipy": build_normal / (1 / scipy_rate - 1 / table_rate),
        "answers_agree": bool(agree),
        "nobody_able": int(np.count_nonzero(person < 0)),
    }


def synthetic(args: argparse.Namespace) -> tuple[NavGraph, np.ndarray, float]:
    from twin.synthetic import tower

    start = time.perf_counter()
    g = tower(
        args.storeys,
        grid=(args.grid, args.grid),
        rooms_per_storey=min(100, args.grid * args.grid),
        stairs=((0, 0), (args.grid - 1, args.grid - 1)),
        lifts=tuple((args.grid // 2 + k, 0) for k in range(-2, 2)),
        with_model=False,
    ).graph
    made = time.perf_counter() - start
    rng = np.random.default_rng(args.seed)
    rooms = rng.choice(g.nodes_of(NodeKind.SPACE), size=max(args.keys - args.storeys, 0), replace=False)
    keys = np.unique(np.concatenate([g.nodes_of(NodeKind.EQUIPMENT)[: args.keys], rooms]))
    return g, keys, made


def estate() -> tuple[NavGraph, np.ndarray, float] | str:
    path = REPO / "models" / "estate.ifc"
    if not path.exists() and not os.environ.get("DRILLTWIN_MODEL"):
        return f"{path} does not exist (generate it with python models/make_estate.py)"
    from twin.twin import load_twin

    start = time.perf_counter()
    twin = load_twin()
    made = time.perf_counter() - start
    g = twin.graph
    places = [g.space_node, g.equipment_node, g.entrances]
    keys = np.unique(np.concatenate([np.asarray(p, dtype=np.int64) for p in places]))
    return g, keys[keys >= 0], made


def print_building(name: str, r: dict[str, Any], made_s: float) -> None:
    q = r["queries"]
    print(
        f"\n{name}: {r['nodes']:,} nodes, {r['edges']:,} edges, {r['keys']} key places, "
        f"{r['people']} people (graph ready in {made_s:.1f} s)"
    )
    print(f"  {'state':<22} {'compile s':>10} {'table s':>9} {'rows':>6} {'MB':>8} {'reachable':>10}")
    for label, s in r["states"].items():
        print(
            f"  {label:<22} {s['compile_s']:>10.3f} {s['build_s']:>9.2f} {s['rows']:>6} "
            f"{s['table_mb']:>8.1f} {s['reachable']:>10.1%}"
        )
    print(f"  all cached states: {r['tables_mb_total']:.0f} MB")
    print(f"  {'nearest qualified person':<34} {'decisions/s':>14} {'vs networkx':>12}")
    rows = [
        ("table, one call per decision", q["table_per_s"]),
        (f"table, batch of {q['batch_decisions']:,}", q["table_batch_per_s"]),
        (f"scipy dijkstra per decision ({q['scipy_sample']})", q["scipy_per_s"]),
        (f"networkx per decision ({q['networkx_sample']})", q["networkx_per_s"]),
    ]
    for label, rate in rows:
        print(f"  {label:<34} {rate:>14,.1f} {rate / q['networkx_per_s']:>11,.0f}x")
    print(
        f"  batch of {q['batch_decisions']:,} decisions: {q['batch_s'] * 1e3:.1f} ms; "
        f"table pays for its build after {r['table_pays_off_after_decisions_vs_scipy']:,.0f} "
        f"decisions vs scipy; answers agree: {r['answers_agree']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--storeys", type=int, default=100, help="synthetic tower storeys")
    parser.add_argument("--grid", type=int, default=30, help="corridor cells per side per storey")
    parser.add_argument("--keys", type=int, default=200, help="key places of the tower's table")
    parser.add_argument("--people", type=int, default=60, help="crew members to choose from")
    parser.add_argument("--batch", type=int, default=10_000, help="decisions in the batch")
    parser.add_argument("--single", type=int, default=10_000, help="decisions made one by one")
    parser.add_argument("--nx-sample", type=int, default=3, help="networkx searches timed")
    parser.add_argument("--scipy-sample", type=int, default=20, help="scipy searches timed")
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--no-estate", action="store_true", help="only the synthetic tower")
    args = parser.parse_args()

    common = dict(
        people=args.people,
        batch=args.batch,
        single=args.single,
        nx_sample=args.nx_sample,
        scipy_sample=args.scipy_sample,
        seed=args.seed,
    )
    g, keys, made = synthetic(args)
    tower_result = bench_building(g, keys, 1, **common)
    tower_result["graph_s"] = made
    del g
    buildings: dict[str, Any] = {"synthetic tower": tower_result}
    found = "left out (--no-estate)" if args.no_estate else estate()
    if isinstance(found, str):
        buildings["default estate"] = {"skipped": found}
    else:
        eg, ekeys, emade = found
        buildings["default estate"] = bench_building(
            eg, ekeys, int(eg.node_storey.min()), **{**common, "nx_sample": 20}
        )
        buildings["default estate"]["graph_s"] = emade

    q = tower_result["queries"]
    meets = tower_result["ratio_vs_networkx"] >= TARGET_RATIO and q["batch_s"] < TARGET_BATCH_S
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if args.json:
        out = {
            "machine": machine,
            "ratio_vs_networkx": tower_result["ratio_vs_networkx"],
            "batch_10000_s": q["batch_s"] if args.batch == 10_000 else None,
            "targets": {"ratio_vs_networkx": TARGET_RATIO, "batch_10000_s": TARGET_BATCH_S},
            "meets_targets": bool(meets),
            "buildings": buildings,
        }
        json.dump(out, sys.stdout, indent=1)
        print()
        return 0
    print(f"Routing tables vs a search per decision, on {machine}")
    print_building("Synthetic tower", tower_result, tower_result["graph_s"])
    est = buildings["default estate"]
    if "skipped" in est:
        print(f"\nDefault estate: skipped - {est['skipped']}")
    else:
        print_building("Default estate", est, est["graph_s"])
    print(
        f"\nratio vs networkx (tower, one call per decision): "
        f"{tower_result['ratio_vs_networkx']:,.0f}x (target >= {TARGET_RATIO:.0f}x); "
        f"batch of {args.batch:,}: {q['batch_s'] * 1e3:.1f} ms "
        f"(target < {TARGET_BATCH_S * 1e3:.0f} ms) -> {'met' if meets else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
