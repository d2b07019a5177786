"""Progress on stderr for long steps: a bar on a terminal, plain lines otherwise.

A step can sit on one message for a long time (reading a large IFC file reports nothing until it
is read), so a clock ticks beside the bar twice a second; without a terminal, a step that takes
longer than :data:`QUIET_S` says what it is doing, one line per change, and nothing is printed for
quick steps (a twin read from the cache) nor for a step's last word (it is done).
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

#: Seconds a step may run before it is worth telling someone who is not at a terminal.
QUIET_S = 2.0
TICK_S = 0.5


@dataclass(slots=True)
class _State:
    fraction: float = 0.0
    message: str = ""
    drawn: bool = False  # a bar is on the terminal, to be wiped at the end
    said: str = ""  # the last message printed as a line


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[float, str], None]]:
    """Yield a ``progress(fraction, message)`` callback that shows the step's progress on stderr."""
    tty = sys.stderr.isatty()
    start = time.perf_counter()
    lock = threading.Lock()
    state = _State()
    stop = threading.Event()

    def draw() -> None:  # with the lock held
        elapsed = time.perf_counter() - start
        if tty:
            width = 24
            filled = round(max(0.0, min(1.0, state.fraction)) * width)
            sys.stderr.write(
                f"\r{label}: [{'#' * filled}{'.' * (width - filled)}] "
                f"{state.fraction:4.0%} {elapsed:5.1f}s {state.message[:56]:<56}"
            )
            sys.stderr.flush()
            state.drawn = True
        elif elapsed >= QUIET_S and state.message != state.said and state.fraction < 1.0:
            sys.stderr.write(f"{label}: {state.message} ({elapsed:.0f} s so far)\n")
            sys.stderr.flush()
            state.said = state.message

    def report(fraction: float, message: str) -> None:
        with lock:
            state.fraction, state.message = fraction, message
            draw()

    def tick() -> None:
        while not stop.wait(TICK_S):
            with lock:
                if state.message:
                    draw()

    ticker = threading.Thread(target=tick, name=f"progress: {label}", daemon=True)
    ticker.start()
    try:
        yield report
    finally:
        stop.set()
        ticker.join()
        if state.drawn:
            sys.stderr.write("\r" + " " * 120 + "\r")
            sys.stderr.flush()


def clock(seconds: float) -> str:
    """Seconds as ``m:ss`` (``h:mm:ss`` from an hour), ``?`` when unknown."""
    if not math.isfinite(seconds):
        return "?"
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
