"""twin schema: print the JSON Schema of scenario files, for editors."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of scenario files", description=__doc__)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from twin.scenario import schema_json

    sys.stdout.write(schema_json() + "\n")
    return 0
