"""Run folders: a drill's results on disk, and back.

A run folder holds ``events.parquet`` (the event log), ``kpis.parquet`` (``scope, key, label,
metric, value``) and ``metadata.json`` (the resolved scenario, the model files and their hashes,
the seed, the DrillTwin and pipeline versions, the event count). A run folder is written whole in
a hidden temporary folder and renamed into place, so a crash or a full disk never leaves half a
run; an existing run is never overwritten.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from twin import PIPELINE_VERSION, __version__
from twin.errors import TwinError
from twin.events.log import EventLog, EventLogError
from twin.kpi import Kpis
from twin.scenario.schema import Scenario

if TYPE_CHECKING:  # the type only: reading a run folder needs no building
    from twin.twin import Twin

FILES = ("events.parquet", "kpis.parquet", "metadata.json")


class RunFolderError(TwinError):
    """A run folder cannot be written or read."""


class _Drill(Protocol):
    @property
    def twin(self) -> Twin: ...
    @property
    def scenario(self) -> Scenario: ...


class Result(Protocol):
    """What a run folder is written from: the engine's ``RunResult`` is one (the store reads
    logs, it does not run drills, so it names only what it reads)."""

    @property
    def log(self) -> EventLog: ...
    @property
    def drill(self) -> _Drill: ...
    @property
    def seed(self) -> Any: ...
    @property
    def events(self) -> int: ...
    @property
    def wall_s(self) -> float: ...


@dataclass(frozen=True, slots=True, eq=False)
class StoredRun:
    path: Path
    log: EventLog
    kpis: pd.DataFrame
    metadata: dict[str, Any]

    @property
    def scenario(self) -> Scenario:
        return Scenario.model_validate(self.metadata["scenario"])


def metadata(result: Result, *, scenario_file: str | None = None) -> dict[str, Any]:
    twin = result.drill.twin
    return {
        "drilltwin_version": __version__,
        "pipeline_version": PIPELINE_VERSION,
        "scenario_file": scenario_file,
        "scenario": result.drill.scenario.model_dump(mode="json"),
        "seed": result.seed,
        "model": [{"name": s.name, "sha256": s.sha256, "schema": s.schema} for s in twin.model.sources],
        "model_key": twin.cache_key,
        "events_processed": result.events,
        "log_rows": len(result.log),
        "wall_s": round(result.wall_s, 3),
    }


def default_run_dir(root: Path, stem: str, seed: int) -> Path:
    """``root/<stem>-seed<seed>``, or with ``-2``, ``-3``… when that already exists."""
    base = root / f"{stem}-seed{seed}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = root / f"{base.name}-{k}"
    return path


def check_run_dir(path: Path) -> None:
    """Raise a :class:`RunFolderError` unless a run can be written at ``path`` (absent, or an empty
    folder): checked before a drill runs, so a refusal costs nothing."""
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise RunFolderError(
            f"{path}: already exists and is not empty; a run is never written over another — "
            "choose another --out or remove that folder"
        )


def write_run(path: Path, result: Result, kpis: Kpis, *, scenario_file: str | None = None) -> Path:
    """Write a run folder at ``path`` (it must not already hold files).

    The files are written in a hidden temporary folder beside it, which is renamed to ``path``
    when all are there: a full disk or a crash leaves no half-written run folder behind.
    """
    path = Path(path)
    check_run_dir(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    except OSError as exc:
        raise RunFolderError(
            f"{path}: cannot create the run folder ({exc.strerror}); choose another --out"
        ) from None
    try:
        result.log.frame.to_parquet(tmp / "events.parquet", index=False)
        kpis.to_long().to_parquet(tmp / "kpis.parquet", index=False)
        meta = metadata(result, scenario_file=scenario_file)
        (tmp / "metadata.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        if path.is_dir():
            path.rmdir()  # empty (checked above): the finished folder takes its place
        os.rename(tmp, path)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RunFolderError(
            f"{path}: could not write the run ({exc.strerror or exc}); nothing was left behind — "
            "free some disk space or choose another --out, and run again"
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


#: Permissions of the files written (rw-r--r--: readable by the team, as an ordinary file).
FILE_MODE = 0o644


def atomic_write(target: Path, write: Callable[[Path], Any]) -> None:
    """Write ``target`` through a temporary file in its folder and a rename: never half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    # mkstemp makes the file 0600; a run folder is shared like any document (rw-r--r--).
    os.fchmod(fd, FILE_MODE)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_run(path: str | Path) -> StoredRun:
    """Read a run folder written by :func:`write_run`; a damaged one is a :class:`RunFolderError`
    naming the file and what is wrong with it."""
    p = Path(path)
    if not p.is_dir():
        raise RunFolderError(
            f"{p}: not a run folder ({'no such folder' if not p.exists() else 'a file'}); "
            "give a folder written by 'twin run --out'"
        )
    missing = [name for name in FILES if not (p / name).is_file()]
    if missing:
        raise RunFolderError(
            f"{p}: not a run folder (missing {', '.join(missing)}); give a folder written by 'twin run --out'"
        )
    damaged = "it may be damaged — run the drill again"
    try:
        meta = json.loads((p / "metadata.json").read_text(encoding="utf-8"))
        events = pd.read_parquet(p / "events.parquet")
        kpis = pd.read_parquet(p / "kpis.parquet")
    except (OSError, ValueError) as exc:
        raise RunFolderError(f"{p}: cannot read the run ({_one_line(exc)}); {damaged}") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("scenario"), dict):
        raise RunFolderError(
            f"{p / 'metadata.json'}: holds no scenario (expected a JSON object with a 'scenario' "
            f"object, got {type(meta).__name__}); {damaged}"
        )
    try:
        Scenario.model_validate(meta["scenario"])
    except ValueError as exc:
        raise RunFolderError(
            f"{p / 'metadata.json'}: its scenario is not valid ({_one_line(exc)}); {damaged}"
        ) from None
    try:
        log = EventLog.from_frame(events, source=f"{p}/events.parquet")
    except EventLogError as exc:
        raise RunFolderError(f"{exc}; {damaged}") from None
    return StoredRun(p, log, kpis, meta)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:160] or type(exc).__name__
