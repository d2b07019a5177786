"""The exercise log: one JSON object per line, appended and flushed as each thing happens.

The first line is the header (``type: header``): the scenario's text and path, the model (its
files and the twin's hash), the seed, the inject script if any, the wall-clock start. Every line
after it is a record with ``type``, ``t_s`` (simulation seconds) and ``wall`` (UTC, ISO 8601):

- ``decision`` (``decision: {kind, person, task}``) and ``inject`` (``inject: {kind, …}``,
  ``message``, ``expected``, ``script``: its index in the inject file or null), each with ``ok``
  and, when the drill could not carry it out, ``error`` — the actions a resume re-applies, in
  order, each at its ``t_s`` (a refused one must be refused again);
- ``note`` — free-form trainer notes and clock events (pause, speed, jump; ``kind`` says which),
  kept out of the replay.

Writing is append, then flush and ``fsync``: a line written is never lost. A crash can tear the
last line; reading reports a line that is not JSON and skips it (:attr:`ExerciseRecord.problems`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twin.errors import TwinError

log = logging.getLogger(__name__)

#: Version of the log's format (the header's ``format``).
FORMAT = 1
#: Record types a resume re-applies, in order.
ACTIONS = ("decision", "inject")
RECORD_TYPES = ("decision", "inject", "note")


class ExerciseLogError(TwinError):
    """An exercise log that cannot be read back (no header, another format)."""


def wall_now() -> str:
    """The wall clock, UTC, ISO 8601 to the millisecond."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class LogWriter:
    """Appends records to an exercise log: each opens the file, writes one line, flushes and
    syncs it, and closes it before :meth:`append` returns (records are few — decisions, injects,
    notes — and no handle is left open between them)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._torn = self.path.exists() and self.path.stat().st_size > 0 and not _ends_with_newline(self.path)

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, allow_nan=True) + "\n"
        if self._torn:
            # A line torn by a crash stays as it was (reported when read); ours starts afresh.
            line, self._torn = "\n" + line, False
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())

    def close(self) -> None:
        """Nothing is held open; kept so an exercise can say it is done writing."""


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


@dataclass(frozen=True, slots=True)
class ExerciseRecord:
    """An exercise log read back: its header, its records in order, and the lines skipped."""

    path: Path
    header: dict[str, Any]
    records: tuple[dict[str, Any], ...]
    problems: tuple[str, ...] = field(default_factory=tuple)
    """``file:line: …`` for each line that could not be read (a torn last line after a crash)."""

    @property
    def actions(self) -> tuple[dict[str, Any], ...]:
        """The records a resume re-applies (decisions and injects), in order."""
        return tuple(r for r in self.records if r.get("type") in ACTIONS)

    @property
    def last_t_s(self) -> float:
        """The latest simulation time any record names (0 when none)."""
        return max((float(r.get("t_s", 0.0)) for r in self.records), default=0.0)


def read_log(path: Path) -> ExerciseRecord:
    """Read an exercise log; :class:`ExerciseLogError` when its header cannot be read."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ExerciseLogError(f"{path}: no such exercise log") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ExerciseLogError(f"{path}: cannot be read ({exc})") from None
    header: dict[str, Any] | None = None
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            last = n == len(lines)
            problems.append(
                f"{path}:{n}: not a complete record ({exc.msg}); skipped"
                + (" — the last line, torn when the server stopped" if last else "")
            )
            continue
        if not isinstance(obj, dict):
            problems.append(f"{path}:{n}: not a record (a JSON object); skipped")
            continue
        if header is None:
            if obj.get("type") != "header":
                raise ExerciseLogError(f"{path}:{n}: an exercise log starts with its header line")
            if obj.get("format") != FORMAT:
                raise ExerciseLogError(
                    f"{path}:{n}: log format {obj.get('format')!r}; this DrillTwin reads format {FORMAT}"
                )
            header = obj
            continue
        if obj.get("type") not in RECORD_TYPES or not isinstance(obj.get("t_s"), int | float):
            problems.append(f"{path}:{n}: unknown record (type {obj.get('type')!r}); skipped")
            continue
        records.append(obj)
    if header is None:
        raise ExerciseLogError(f"{path}: no header line; not an exercise log")
    for p in problems:
        log.warning("%s", p)
    return ExerciseRecord(path, header, tuple(records), tuple(problems))
