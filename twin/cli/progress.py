"""A progress line on stderr for long steps (only when stderr is a terminal)."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[float, str], None]]:
    """Yield a ``progress(fraction, message)`` callback that draws a bar on a terminal."""
    tty = sys.stderr.isatty()
    start = time.perf_counter()
    drawn = False

    def report(fraction: float, message: str) -> None:
        nonlocal drawn
        if not tty:
            return
        width = 24
        filled = round(max(0.0, min(1.0, fraction)) * width)
        elapsed = time.perf_counter() - start
        sys.stderr.write(f"\r{label}: [{'#' * filled}{'.' * (width - filled)}] "
                         f"{fraction:4.0%} {elapsed:5.1f}s {message[:40]:<40}")
        sys.stderr.flush()
        drawn = True

    try:
        yield report
    finally:
        if drawn:
            sys.stderr.write("\r" + " " * 100 + "\r")
            sys.stderr.flush()


def clock(seconds: float) -> str:
    """Seconds as ``m:ss`` (``h:mm:ss`` from an hour), ``?`` when unknown."""
    if not math.isfinite(seconds):
        return "?"
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
