"""twin inspect MODEL [MODEL ...] [--json]: what DrillTwin made of a building."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from twin.cli.common import add_model_arguments, load_models


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "inspect", help="summarise a model: storeys, spaces, equipment, reachability", description=__doc__
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_model_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from twin.present.summary import format_summary, summarize

    twin = load_models(args)
    summary = summarize(twin)
    if args.json:
        json.dump(summary, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(format_summary(summary))
    return 0
