"""``twin inspect MODEL [MODEL ...] [--json]``: what DrillTwin made of a building."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("inspect", help="summarise a model: storeys, spaces, equipment, reachability",
                       description=__doc__)
    p.add_argument("models", nargs="*", metavar="MODEL",
                   help="IFC file(s) of one building (default: the bundled estate)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-cache", action="store_true", help="rebuild even if cached")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from twin.cli.progress import progress_bar
    from twin.summary import format_summary, summarize
    from twin.twin import load_twin

    with progress_bar("loading model") as progress:
        twin = load_twin(args.models or None, use_cache=not args.no_cache, progress=progress)
    summary = summarize(twin)
    if args.json:
        json.dump(summary, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(format_summary(summary))
    return 0
