"""What every subcommand that reads a building shares: its MODEL arguments and loading them."""

from __future__ import annotations

import argparse
from typing import Any

from twin.cli.progress import progress_bar


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "models", nargs="*", metavar="MODEL", help="IFC file(s) of one building (default: the bundled estate)"
    )
    p.add_argument("--no-cache", action="store_true", help="rebuild the model even if cached")


def load_models(args: argparse.Namespace) -> Any:
    """The Twin of the files named on the command line, with a progress bar on a terminal."""
    from twin.twin import load_twin

    with progress_bar("loading model") as progress:
        return load_twin(args.models or None, use_cache=not args.no_cache, progress=progress)
