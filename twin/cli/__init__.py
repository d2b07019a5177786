"""The ``twin`` command. Each subcommand lives in ``twin/cli/<name>.py`` with ``add_parser`` and
``run``; this module only dispatches, and turns a :class:`~twin.errors.TwinError` into one line on
stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from twin import __version__
from twin.errors import TwinError

#: Subcommand name → module under twin.cli (imported only when that command runs, so
#: ``twin --help`` stays fast).
COMMANDS: dict[str, str] = {
    "inspect": "inspect",
    "init": "init",
    "render": "render",
    "route": "route",
    "graph": "graph",
    "validate": "validate",
    "schema": "schema",
    "run": "run",
    "report": "report",
    "replay": "replay",
    "sweep": "sweep",
    "sweep-report": "sweep_report",
    "calibrate": "calibrate",
    "app": "app",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twin", description="DrillTwin: emergency drills on a digital twin of a building."
    )
    parser.add_argument("--version", action="version", version=f"twin {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS.values():
        importlib.import_module(f"twin.cli.{module}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.run(args) or 0)
    except TwinError as exc:
        print(f"twin {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"twin {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`twin inspect | head`): not an error of ours.
        sys.stdout = None  # stop Python flushing into the closed pipe
        return 0
    except OSError as exc:
        # The last guard: a file the command could not read or write (a folder where a file was
        # expected, no permission, a full disk) is one line naming it, never a traceback.
        print(f"twin {args.command}: {os_error_line(exc)}", file=sys.stderr)
        return 2


def os_error_line(exc: OSError) -> str:
    """``"path: what went wrong — what to do"`` for an operating-system error."""
    import errno

    where = f"{exc.filename}: " if exc.filename else ""
    what = exc.strerror or str(exc) or type(exc).__name__
    fixes = {
        errno.ENOSPC: "free some disk space and run the command again",
        errno.EACCES: "check the file's permissions",
        errno.EPERM: "check the file's permissions",
        errno.EISDIR: "name a file, not a folder",
        errno.ENOTDIR: "check the path: a part of it is a file, not a folder",
        errno.ENOENT: "check the path",
        errno.EROFS: "write somewhere else (--out)",
    }
    return f"{where}{what} — {fixes.get(exc.errno or 0, 'check the path and try again')}"


if __name__ == "__main__":
    sys.exit(main())
