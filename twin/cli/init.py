"""twin init MODEL [MODEL ...] [--out drill.yaml]: write a starter drill for a building."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from twin.cli.common import add_model_arguments, load_models
from twin.errors import TwinError


def add_parser(sub: Any) -> None:
    p = sub.add_parser("init", help="write a commented starter drill for a building", description=__doc__)
    p.add_argument("--out", type=Path, help="the scenario file to write (default: print it)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    add_model_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from twin.drill import compile_checked
    from twin.scenario import parse_scenario
    from twin.starter import starter_drill

    out: Path | None = args.out
    if out is not None and out.is_dir():
        raise TwinError(f"{out}: is a folder; give a file name, e.g. --out drill.yaml")
    if out is not None and out.exists() and not args.force:
        raise TwinError(f"{out}: already exists — choose another --out, or add --force to overwrite it")
    if out is not None:
        from twin.store import out_folder_problem

        if problem := out_folder_problem(out, make_folders=True, option="--out"):  # init makes the folders
            raise TwinError(f"{out}: {problem}")
    twin = load_models(args)
    folder = (out.parent if out is not None else Path.cwd()).resolve()
    from twin.twin import default_model_path

    names = []
    for p in args.models or [default_model_path()]:
        rel = os.path.relpath(Path(p).resolve(), folder)
        names.append(str(Path(p).resolve()) if rel.startswith("..") else rel)
    text = starter_drill(twin, names)
    # The drill must validate against this very building before it is handed out.
    loaded = parse_scenario(text, source=out)
    compile_checked(twin, loaded)
    if out is None:
        sys.stdout.write(text)
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out}: check it with `twin validate --against-model {out}`, run it with `twin run {out}`")
    return 0
