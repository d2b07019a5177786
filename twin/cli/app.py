"""twin app [--port PORT] [--headless]: start the web front end on the bundled estate."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from twin.errors import TwinError
from twin.shipped import shipped_dir

APP_MAIN = "main.py"
#: Largest upload the server accepts (MB); the app checks the same limit itself.
MAX_UPLOAD_MB = 200


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "app", help="start the web front end (Streamlit) and print its local URL", description=__doc__
    )
    p.add_argument("--port", type=int, default=8501, help="local port to serve on (default: 8501)")
    p.add_argument("--headless", action="store_true", help="do not open a browser (for servers and tests)")
    p.set_defaults(run=run)


def streamlit_command(app: Path, *, port: int, headless: bool) -> list[str]:
    """The ``streamlit run`` command line for ``app``."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(port),
        "--server.address",
        "localhost",
        "--server.headless",
        "true" if headless else "false",
        "--server.maxUploadSize",
        str(MAX_UPLOAD_MB),
        "--browser.gatherUsageStats",
        "false",
        "--server.showEmailPrompt",
        "false",
        "--browser.serverAddress",
        "localhost",
        "--server.fileWatcherType",
        "none",
        "--theme.base",
        "light",
        "--client.toolbarMode",
        "viewer",
    ]


def app_main() -> Path:
    """The Streamlit entry script ``main.py`` of the shipped app (see :mod:`twin.shipped`)."""
    main = shipped_dir("app") / APP_MAIN
    if not main.is_file():
        raise TwinError(f"{main}: the web app's entry script is missing — reinstall DrillTwin")
    return main


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise TwinError(f"--port {args.port}: expected a port number between 1 and 65535")
    main = app_main()
    print(f"DrillTwin app: http://localhost:{args.port}  (Ctrl+C stops it)", flush=True)
    command = streamlit_command(main, port=args.port, headless=args.headless)
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    if os.name == "posix":
        # Become the server, so whoever stops `twin app` (Ctrl+C, a test, a service manager)
        # stops Streamlit and no orphan keeps the port.
        os.execve(command[0], command, env)
    return subprocess.call(command, env=env)
