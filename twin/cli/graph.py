"""twin graph [MODEL ...] [--export FILE]: the navigation graph, summarised or exported."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from twin.cli.common import add_model_arguments, load_models


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "graph",
        help="summarise the navigation graph or export it (.graphml, .csv)",
        description=__doc__,
    )
    p.add_argument(
        "--export",
        metavar="FILE",
        help="write the graph: GraphML (.graphml: networkx, igraph, Gephi) or edge list (.csv)",
    )
    p.add_argument("--force", action="store_true", help="overwrite the --export file if it exists")
    p.add_argument("--heavy", action="store_true", help="edge times for heavy equipment (no stairs)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    add_model_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from twin.graph_export import export_graph
    from twin.navgraph import EdgeKind, NodeKind
    from twin.store import check_out_file
    from twin.travel import HEAVY, WALKING

    if args.export:
        check_out_file(
            args.export, force=args.force, option="--export", example="graph.graphml"
        )  # before the model loads
    twin = load_models(args)
    graph = twin.graph
    summary: dict[str, Any] = {
        "nodes": graph.n_nodes,
        "edges": graph.n_edges,
        "node_kinds": {k.name.lower(): int(np.count_nonzero(graph.node_kind == k)) for k in NodeKind},
        "edge_kinds": {k.name.lower(): int(np.count_nonzero(graph.edge_kind == k)) for k in EdgeKind},
        "entrances": int(graph.entrances.size),
        "notes": list(graph.notes),
    }
    if args.export:
        out = export_graph(graph, args.export, model=twin.model, mode=HEAVY if args.heavy else WALKING)
        summary["export"] = str(out)
    if args.json:
        json.dump(summary, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    kinds = ", ".join(f"{v} {k}" for k, v in summary["node_kinds"].items() if v)
    links = ", ".join(f"{v} {k}" for k, v in summary["edge_kinds"].items() if v)
    print(f"nodes      {graph.n_nodes} ({kinds})")
    print(f"edges      {graph.n_edges} ({links})")
    print(f"entrances  {graph.entrances.size}")
    for note in graph.notes:
        print(f"note       {note}")
    if args.export:
        print(f"wrote      {summary['export']}")
    return 0
