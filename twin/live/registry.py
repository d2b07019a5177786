"""The server's live exercises, one per join code, advanced to the trainer's clock whenever anyone
looks.

An exercise lives in the server process, not in a browser session: Streamlit runs every session
(every tab, every device) in one process, so a module-level :class:`Registry` guarded by locks is
what a trainer's tab and a dispatcher's tab share, and a refresh finds the same exercise. Nothing
ticks: each look asks the exercise's :class:`~twin.live.clock.WallClock` what simulation time it
is now and advances the engine that far first (:meth:`Registry.look`), so two tabs looking at the
same moment see the same state, and an exercise nobody looks at costs nothing.

Each exercise keeps a folder ``<root>/<CODE>/``: the exercise's own log (written by the exercise,
every decision and inject as it happens) and ``clock.json`` (the clock, rewritten on every change
and now and then while it runs). After a server restart the registry finds the folders and
resumes each exercise from its log when its code is first asked for, paused at the time its clock
had last recorded: the trainer starts the clock again.

The registry does not know what an exercise is beyond :class:`Exercise` (advance, note, the
time it has reached and its end); the app passes the functions that make and resume one.
"""

from __future__ import annotations

import json
import logging
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from twin.errors import TwinError
from twin.live.clock import ClockError, WallClock
from twin.store import atomic_write

log = logging.getLogger(__name__)

#: Join-code letters: capitals and digits without the ones people misread (0/O, 1/I).
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: Join-code length: 32**6 ≈ 1.07e9 codes, so a guessed code finds nothing.
CODE_LENGTH = 6
#: The file that marks an exercise folder and holds its clock.
CLOCK_FILE = "clock.json"
#: While the clock runs, its time reached is written at most this often (wall seconds): what a
#: server restart can lose of the clock (never of the decisions, which the exercise logs at once).
SAVE_EVERY_S = 5.0

T = TypeVar("T")


class RegistryError(TwinError):
    """A join code that names no exercise, or an exercise folder that cannot be resumed."""


class Exercise(Protocol):
    """What the registry needs of an exercise."""

    @property
    def now_s(self) -> float:
        """The simulation time the exercise has reached."""
        ...

    @property
    def end_s(self) -> float:
        """The end of the exercise (the scenario's duration), seconds."""
        ...

    def advance(self, until_s: float) -> None:
        """Run the simulation on to ``until_s``."""
        ...

    def note(self, kind: str, **fields: Any) -> None:
        """Write a record in the exercise's log at its current simulation time (with the wall
        time); kept out of what a resume re-applies."""
        ...


def normalise_code(text: str) -> str:
    """A join code as typed (any case, spaces or dashes) in its canonical form, or a
    :class:`RegistryError` saying what a code looks like."""
    code = re.sub(r"[\s\-]", "", text).upper()
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        raise RegistryError(
            f"join code {text.strip()!r}: expected {CODE_LENGTH} letters and digits "
            "(never 0, O, 1 or I) — type the code shown on the trainer's page"
        )
    return code


def new_code(taken: Callable[[str], bool]) -> str:
    """A random join code for which ``taken`` is false."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if not taken(code):
            return code


@dataclass(slots=True, eq=False)
class Entry:
    """One exercise in the registry: its code, folder, clock and lock."""

    code: str
    folder: Path
    exercise: Exercise
    clock: WallClock
    lock: threading.RLock = field(default_factory=threading.RLock)
    saved_wall_s: float = -math.inf
    """When :data:`CLOCK_FILE` was last written."""


@dataclass(frozen=True, slots=True)
class Look:
    """What one look at an exercise found: the clock and the simulation time shown."""

    code: str
    clock: WallClock
    sim_s: float
    wall_s: float
    value: Any
    """What the caller's function returned."""


class Registry:
    """The exercises of one folder (see the module docstring).

    Parameters
    ----------
    root
        The folder holding one folder per exercise (the app uses ``live/`` in its working folder,
        beside ``runs/``).
    resume
        Makes the exercise of a folder again from its log (after a server restart).
    now
        The wall clock (seconds); ``time.time`` unless a test gives another.
    """

    def __init__(
        self, root: Path, *, resume: Callable[[Path], Exercise], now: Callable[[], float] = time.time
    ) -> None:
        self.root = Path(root)
        self._resume = resume
        self._now = now
        self._entries: dict[str, Entry] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------ finding exercises

    def codes(self) -> list[str]:
        """The codes of every exercise, in memory or in a folder, newest folder first."""
        on_disk: list[tuple[float, str]] = []
        if self.root.is_dir():
            for p in self.root.iterdir():
                if (p / CLOCK_FILE).is_file() and p.name not in self._entries:
                    on_disk.append((-(p / CLOCK_FILE).stat().st_mtime, p.name))
        with self._lock:
            here = sorted(self._entries, key=lambda c: -self._entries[c].saved_wall_s)
        return here + [c for _, c in sorted(on_disk)]

    def exists(self, code: str) -> bool:
        return code in self._entries or (self.root / code / CLOCK_FILE).is_file()

    def create(self, make: Callable[[Path], Exercise], *, speed: float = 1.0) -> str:
        """A new exercise made by ``make(folder)`` in a new folder, its clock paused at the start;
        returns its join code."""
        with self._lock:
            code = new_code(self.exists)
            folder = self.root / code
            folder.mkdir(parents=True, exist_ok=False)
            try:
                exercise = make(folder)
            except BaseException:
                # Nothing of a failed start is kept: the folder holds no decision yet.
                for p in sorted(folder.rglob("*"), reverse=True):
                    p.rmdir() if p.is_dir() else p.unlink()
                folder.rmdir()
                raise
            wall = self._now()
            clock = WallClock.start(wall, end_s=exercise.end_s, speed=speed)
            clock = WallClock(wall, exercise.now_s, clock.speed, False, clock.end_s)
            entry = Entry(code, folder, exercise, clock)
            self._save(entry, wall)
            self._entries[code] = entry
        log.info("live exercise %s started in %s", code, folder)
        return code

    def _entry(self, code: str) -> Entry:
        code = normalise_code(code)
        with self._lock:
            entry = self._entries.get(code)
            if entry is None:
                entry = self._load(code)
                self._entries[code] = entry
            return entry

    def _load(self, code: str) -> Entry:
        folder = self.root / code
        path = folder / CLOCK_FILE
        if not path.is_file():
            raise RegistryError(
                f"join code {code}: no exercise with this code on this server — check the code on "
                "the trainer's page (it is shown beside the clock)"
            )
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            reached_s = float(saved["reached_s"])
            speed = float(saved["speed"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RegistryError(
                f"{path}: cannot read the exercise's clock ({exc}); it may be damaged"
            ) from None
        exercise = self._resume(folder)
        wall = self._now()
        exercise.advance(max(reached_s, exercise.now_s))
        try:
            clock = WallClock(wall, exercise.now_s, 1.0, False, exercise.end_s).at_speed(speed, wall)
        except ClockError:
            clock = WallClock(wall, exercise.now_s, 1.0, False, exercise.end_s)
        entry = Entry(code, folder, exercise, clock)
        exercise.note("clock", action="resumed after a server restart", speed=clock.speed, running=False)
        self._save(entry, wall)
        log.info("live exercise %s resumed from %s at %.0f s", code, folder, exercise.now_s)
        return entry

    # ------------------------------------------------------------------------------- looking

    @contextmanager
    def _held(self, code: str) -> Iterator[tuple[Entry, float]]:
        entry = self._entry(code)
        with entry.lock:
            wall = self._now()
            target = entry.clock.sim_time(wall)
            if target > entry.exercise.now_s:
                entry.exercise.advance(target)
            if entry.clock.running and wall - entry.saved_wall_s >= SAVE_EVERY_S:
                self._save(entry, wall)
            yield entry, wall

    def look(self, code: str, read: Callable[[Exercise], T]) -> Look:
        """Advance the exercise to its clock's time now, then ``read(exercise)`` under its lock
        (return frozen data: the exercise moves on as soon as the lock is let go)."""
        with self._held(code) as (entry, wall):
            value = read(entry.exercise)
            return Look(entry.code, entry.clock, entry.exercise.now_s, wall, value)

    def act(self, code: str, do: Callable[[Exercise], T]) -> T:
        """Advance the exercise to now, then ``do(exercise)`` under its lock (a decision, an
        inject): it takes effect at the simulation time the trainees are looking at."""
        with self._held(code) as (entry, _):
            return do(entry.exercise)

    # ------------------------------------------------------------------------------ the clock

    def pause(self, code: str) -> WallClock:
        return self._change(code, lambda c, w: c.paused(w), action="pause")

    def resume(self, code: str) -> WallClock:
        return self._change(code, lambda c, w: c.resumed(w), action="resume")

    def set_speed(self, code: str, speed: float) -> WallClock:
        return self._change(code, lambda c, w: c.at_speed(speed, w), action="speed")

    def jump(self, code: str, by_s: float) -> WallClock:
        return self._change(code, lambda c, w: c.jumped(by_s, w), action="jump", by_s=by_s)

    def _change(self, code: str, change: Callable[[WallClock, float], WallClock], **fields: Any) -> WallClock:
        with self._held(code) as (entry, wall):
            clock = change(entry.clock, wall)
            if clock == entry.clock:
                return clock
            # Noted where the clock stood when the trainer changed it; a jump then runs on.
            entry.exercise.note("clock", **fields, speed=clock.speed, running=clock.running)
            entry.clock = clock
            target = clock.sim_time(wall)
            if target > entry.exercise.now_s:
                entry.exercise.advance(target)
            self._save(entry, wall)
            return clock

    def _save(self, entry: Entry, wall: float) -> None:
        c = entry.clock
        data = {
            "code": entry.code,
            "reached_s": entry.exercise.now_s,
            "speed": c.speed,
            "running": c.running,
            "end_s": c.end_s if math.isfinite(c.end_s) else None,
            "wall_s": wall,
        }
        text = json.dumps(data, indent=2) + "\n"
        try:
            atomic_write(entry.folder / CLOCK_FILE, lambda p: p.write_text(text, encoding="utf-8"))
        except OSError as exc:
            # The decisions are in the exercise's log; only the clock's last time is not saved.
            log.warning("%s: could not save the clock (%s)", entry.folder / CLOCK_FILE, exc)
        entry.saved_wall_s = wall


_REGISTRIES: dict[Path, Registry] = {}
_REGISTRIES_LOCK = threading.Lock()


def registry(root: Path, *, resume: Callable[[Path], Exercise]) -> Registry:
    """The process's one registry for ``root`` (every browser session of the server shares it)."""
    key = Path(root).resolve()
    with _REGISTRIES_LOCK:
        found = _REGISTRIES.get(key)
        if found is None:
            found = _REGISTRIES[key] = Registry(key, resume=resume)
        return found
