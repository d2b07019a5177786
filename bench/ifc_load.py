"""Cold and warm (cached) load times of every shared IFC file and the default estate.

    python bench/ifc_load.py [--json] [--repeat N] [--baseline CHECKOUT] [--only NAME ...]

Cold = read the IFC, build the graph, audit, write the cache (an empty cache folder each time),
in seconds of wall clock and of this process's CPU (the fairer figure on a shared machine);
warm = the same call again, answered from the cache. The comparison it stands for: the cache
against reading the file again; with ``--baseline`` (another checkout of DrillTwin, e.g.
``git worktree add /tmp/base <commit>``), this code's cold load against that one's, measured
model by model in turns so both see the same machine load, with what each found (spaces, doors,
stairs, reachable spaces) side by side. Targets on a 2-core machine: estate cold < 20 s and warm
< 1 s; institute_var2.ifc cold < 30 s; Revit exports (office_a, duplex_a) at least 2× faster
cold than the baseline with the same spaces, doors, stairs and reachability.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "ifc"


def models() -> list[tuple[str, list[Path]]]:
    found = [(p.name, [p]) for p in sorted(SHARED.glob("*.ifc"))]
    if (SHARED / "duplex_a.ifc").exists() and (SHARED / "duplex_electrical.ifc").exists():
        found.append(
            ("duplex_a + duplex_electrical", [SHARED / "duplex_a.ifc", SHARED / "duplex_electrical.ifc"])
        )
    estate = REPO / "models" / "estate.ifc"
    if estate.exists():
        found.append(("estate.ifc (default)", [estate]))
    return found


def measure(paths: list[Path] | list[str], repeat: int) -> dict[str, float]:
    from twin.twin import load_twin

    paths = [Path(p) for p in paths]
    cold, cpu, warm = [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            os.environ["DRILLTWIN_CACHE_DIR"] = folder
            c0 = time.process_time()
            t0 = time.perf_counter()
            twin = load_twin(paths)
            t1 = time.perf_counter()
            c1 = time.process_time()
            again = load_twin(paths)
            t2 = time.perf_counter()
            assert again.from_cache
            cold.append(t1 - t0)
            cpu.append(c1 - c0)
            warm.append(t2 - t1)
    return {
        "cold_s": statistics.median(cold),
        "cold_cpu_s": statistics.median(cpu),
        "warm_s": statistics.median(warm),
        "speedup": statistics.median(cold) / statistics.median(warm),
        "spaces": len(twin.model.spaces),
        "doors": len(twin.model.doors),
        "stairs": len(twin.model.stairs),
        "reachable": twin.audit.reachable_spaces,
        "nodes": twin.graph.n_nodes,
        "size_mb": sum(p.stat().st_size for p in paths) / 1e6,
    }


def measure_in(checkout: Path, paths: list[Path], repeat: int) -> dict[str, float]:
    """:func:`measure` run by another checkout's code, in a process of its own."""
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(checkout)!r})\n"
        f"sys.path.insert(0, {str(REPO / 'bench')!r})\n"
        "import ifc_load\n"
        f"print(json.dumps(ifc_load.measure({[str(p) for p in paths]!r}, {repeat})))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=checkout, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeat", type=int, default=1, help="runs per model (median)")
    parser.add_argument("--baseline", type=Path, help="another DrillTwin checkout to compare with")
    parser.add_argument("--only", nargs="*", default=None, help="model names to measure")
    args = parser.parse_args()
    chosen = [(n, p) for n, p in models() if not args.only or n in args.only]
    rows: dict[str, dict[str, float]] = {}
    base: dict[str, dict[str, float]] = {}
    loads = [load_average()]
    for name, paths in chosen:
        if args.baseline is not None:
            base[name] = measure_in(args.baseline.resolve(), paths, args.repeat)
        rows[name] = (
            measure_in(REPO, paths, args.repeat)
            if args.baseline is not None
            else measure([Path(p) for p in paths], args.repeat)
        )
    loads.append(load_average())
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if args.json:
        json.dump(
            {"machine": machine, "load_average": loads, "models": rows, "baseline": base or None},
            sys.stdout,
            indent=1,
        )
        print()
        return 0
    print(
        f"IFC load times on {machine} (median of {args.repeat}); load average before "
        f"{loads[0]}, after {loads[1]}"
    )
    if not base:
        print(f"{'model':<34} {'MB':>6} {'spaces':>7} {'nodes':>7} {'cold s':>8} {'warm s':>8} {'×':>6}")
        for name, r in rows.items():
            print(
                f"{name:<34} {r['size_mb']:>6.1f} {r['spaces']:>7} {r['nodes']:>7} "
                f"{r['cold_s']:>8.2f} {r['warm_s']:>8.3f} {r['speedup']:>6.0f}"
            )
    else:
        print(
            f"{'model':<34} {'base cold s':>11} {'cold s':>8} {'faster ×':>9} "
            f"{'base CPU s':>10} {'CPU s':>7} {'CPU ×':>6} "
            f"{'same spaces/doors/stairs/reachable':>36}"
        )
        for name, r in rows.items():
            b = base[name]
            same = all(r[k] == b[k] for k in ("spaces", "doors", "stairs", "reachable"))
            found = (
                "yes"
                if same
                else "no: "
                + ", ".join(
                    f"{k} {b[k]}→{r[k]}" for k in ("spaces", "doors", "stairs", "reachable") if r[k] != b[k]
                )
            )
            cpu = (
                (
                    f"{b['cold_cpu_s']:>10.2f} {r['cold_cpu_s']:>7.2f} "
                    f"{b['cold_cpu_s'] / r['cold_cpu_s']:>6.2f}"
                )
                if "cold_cpu_s" in b
                else f"{'':>10} {r['cold_cpu_s']:>7.2f} {'':>6}"
            )
            print(
                f"{name:<34} {b['cold_s']:>11.2f} {r['cold_s']:>8.2f} "
                f"{b['cold_s'] / r['cold_s']:>9.2f} {cpu} {found:>36}"
            )
    if not SHARED.exists():
        print(f"(no {SHARED}: only the bundled estate was measured)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
