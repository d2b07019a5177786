"""Cold and warm (cached) load times of every shared IFC file and the default estate.

    python bench/ifc_load.py [--json] [--repeat N]

Cold = read the IFC, build the graph, audit, write the cache (an empty cache folder each time);
warm = the same call again, answered from the cache. The comparison it stands for: the cache
against reading the file again. Targets on a 2-core machine: estate cold < 20 s and warm < 1 s;
institute_var2.ifc cold < 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "ifc"


def models() -> list[tuple[str, list[Path]]]:
    found = [(p.name, [p]) for p in sorted(SHARED.glob("*.ifc"))]
    if (SHARED / "duplex_a.ifc").exists() and (SHARED / "duplex_electrical.ifc").exists():
        found.append(("duplex_a + duplex_electrical", [SHARED / "duplex_a.ifc",
                                                       SHARED / "duplex_electrical.ifc"]))
    estate = REPO / "models" / "estate.ifc"
    if estate.exists():
        found.append(("estate.ifc (default)", [estate]))
    return found


def measure(paths: list[Path], repeat: int) -> dict[str, float]:
    from twin.twin import load_twin

    cold, warm = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            os.environ["DRILLTWIN_CACHE_DIR"] = folder
            t0 = time.perf_counter()
            twin = load_twin(paths)
            t1 = time.perf_counter()
            again = load_twin(paths)
            t2 = time.perf_counter()
            assert again.from_cache
            cold.append(t1 - t0)
            warm.append(t2 - t1)
    return {
        "cold_s": statistics.median(cold),
        "warm_s": statistics.median(warm),
        "speedup": statistics.median(cold) / statistics.median(warm),
        "spaces": len(twin.model.spaces),
        "nodes": twin.graph.n_nodes,
        "size_mb": sum(p.stat().st_size for p in paths) / 1e6,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeat", type=int, default=1, help="runs per model (median)")
    args = parser.parse_args()
    rows = {name: measure(paths, args.repeat) for name, paths in models()}
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if args.json:
        json.dump({"machine": machine, "models": rows}, sys.stdout, indent=1)
        print()
        return 0
    print(f"IFC load times on {machine} (median of {args.repeat})")
    print(f"{'model':<34} {'MB':>6} {'spaces':>7} {'nodes':>7} {'cold s':>8} {'warm s':>8} {'×':>6}")
    for name, r in rows.items():
        print(f"{name:<34} {r['size_mb']:>6.1f} {r['spaces']:>7} {r['nodes']:>7} "
              f"{r['cold_s']:>8.2f} {r['warm_s']:>8.3f} {r['speedup']:>6.0f}")
    if not SHARED.exists():
        print(f"(no {SHARED}: only the bundled estate was measured)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
