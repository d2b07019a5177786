"""twin render MODEL --out FILE.png [--storey NAME]: look at the twin."""

from __future__ import annotations

import argparse
from typing import Any

from twin.cli.common import add_model_arguments, load_models


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "render", help="draw the twin in 3D, or one storey's plan with its graph", description=__doc__
    )
    p.add_argument("--out", required=True, help="PNG file to write")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.add_argument("--storey", help="draw this storey's plan and navigation graph instead of 3D")
    p.add_argument("--size", default="1600x1200", help="image size WxH in pixels")
    add_model_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from twin.errors import TwinError
    from twin.present.render import render_3d, render_plan, storey_index
    from twin.store import check_out_file

    check_out_file(args.out, force=args.force, option="--out", example="twin.png")  # before the model loads
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        raise TwinError(f"--size {args.size!r}: expected WIDTHxHEIGHT, e.g. 1600x1200") from None
    twin = load_models(args)
    if args.storey:
        render_plan(twin, storey_index(twin.model, args.storey), args.out, size=(width, height))
    else:
        render_3d(twin, args.out, size=(width, height))
    print(args.out)
    return 0
