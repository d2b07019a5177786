"""twin sweep-report DIR [--json]: per variant, target compliance per priority with confidence
intervals, p50/p90/p95 response, damage and cost; the cheapest variant meeting the targets;
paired differences between variants. On a search's folder: the search's answer so far."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "sweep-report", help="answers from a sweep folder (finished or not)", description=__doc__
    )
    p.add_argument("folder", metavar="DIR", type=Path, help="a folder written by 'twin sweep --out'")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from twin.sweep.report import format_report, sweep_report
    from twin.sweep.results import read_sweep
    from twin.sweep.search import erlang_text, format_search, read_search

    results = read_sweep(args.folder)
    if "search" in results.meta:
        meets, confidence = dict(results.meta["meets"]), float(results.meta.get("confidence", 0.95))
        found = read_search(args.folder)
        if args.json:
            json.dump(found.to_json(meets), sys.stdout, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            print(format_search(found, meets, confidence, erlang=erlang_text(args.folder)))
        return 0
    report = sweep_report(results)
    if args.json:
        json.dump(report.to_json(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(format_report(report))
    return 0
