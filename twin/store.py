"""Run folders: a drill's results on disk, and back.

A run folder holds ``events.parquet`` (the event log), ``kpis.parquet`` (``scope, key, label,
metric, value``) and ``metadata.json`` (the resolved scenario, the model files and their hashes,
the seed, the DrillTwin and pipeline versions, the event count). A run folder is written whole in
a hidden temporary folder and renamed into place, so a crash or a full disk never leaves half a
run; an existing run is never overwritten.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
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


def run_name(stem: str, seed: int) -> str:
    """A run folder's name: ``<stem>-seed<seed>`` (``stem``: the scenario file's, else "scenario")."""
    return f"{stem or 'scenario'}-seed{seed}"


def default_run_dir(root: Path, stem: str, seed: int) -> Path:
    """``root/<stem>-seed<seed>``, or with ``-2``, ``-3``… when that already exists."""
    base = root / run_name(stem, seed)
    path, k = base, 1
    while path.exists():
        k += 1
        path = root / f"{base.name}-{k}"
    return path


def check_run_dir(path: Path, *, option: str = "--out") -> None:
    """Raise a :class:`RunFolderError` unless a run can be written at ``path`` (absent, or an empty
    folder): checked before a drill runs, so a refusal costs nothing. ``option`` is the command's
    option that named ``path``, for the fix."""
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise RunFolderError(
            f"{path}: already exists and is not empty; a run is never written over another — "
            f"choose another {option} or remove that folder"
        )
    # The folders above it are made when the run is written: the first that exists must be a
    # folder we may write in, or the run would be lost after it ran.
    if problem := out_folder_problem(path, make_folders=True, option=option):
        raise RunFolderError(f"{path}: {problem}")


class OutFileError(TwinError):
    """An output file that cannot be written, or would be written over data without --force."""


def check_out_file(
    out: str | Path, *, force: bool, option: str, example: str, error: type[TwinError] = OutFileError
) -> Path:
    """Refuse, before any work, an ``out`` file that is a folder, that exists (data already
    written is never replaced without ``force``) or whose folder is missing or not writable;
    ``option`` is the command's option that named it (``--export``) and ``example`` a file name
    (``map.png``), both for the fix; ``error`` is the command's own class."""
    out = Path(out)
    if out.is_dir():
        raise error(f"{out}: is a folder; give a file name, e.g. {option} {example}")
    if out.exists() and not force:
        raise error(f"{out}: already exists; pass --force to overwrite it or choose another name")
    if problem := out_folder_problem(out, make_folders=False, option=option):
        raise error(f"{out}: {problem}")
    return out


def out_folder_problem(out: Path, *, make_folders: bool, option: str) -> str | None:
    """Why ``out`` cannot be written where it is (``None`` when it can), checked before any work:
    a file where a folder is needed, a folder that is missing (unless ``make_folders``: then the
    first one that exists counts) or not writable. Ends with the fix, which names ``option`` (the
    command's option that named ``out``)."""
    parent = Path(out).absolute().parent
    above = parent
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir():
        return f"{above} is a file, not a folder; choose another {option}"
    if above != parent and not make_folders:
        return f"folder {parent} does not exist; create it or choose another {option}"
    if not os.access(above, os.W_OK | os.X_OK):
        return f"folder {above} is not writable; choose another {option}"
    return None


@contextlib.contextmanager
def staged_folder(path: Path, *, what: str = "run", option: str = "--out") -> Iterator[Path]:
    """A hidden temporary folder beside ``path`` to write into, renamed to ``path`` when the block
    ends without an error; on any error (a full disk, a failing step, Ctrl-C) it is removed and
    ``path`` is as it was. ``path`` must be absent or an empty folder (:func:`check_run_dir`), so
    nothing that was there before is ever replaced. ``what`` the folder holds (``run``, ``replay``)
    and ``option`` that named it are for the messages.

    Raises
    ------
    RunFolderError
        ``path`` holds files, cannot be created, or the writing failed on an operating-system
        error (nothing was left behind).
    """
    path = Path(path)
    check_run_dir(path, option=option)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    except OSError as exc:
        raise RunFolderError(
            f"{path}: cannot create the {what} folder ({exc.strerror}); choose another {option}"
        ) from None
    try:
        yield tmp
        if path.is_dir():
            path.rmdir()  # empty (checked above; rmdir refuses otherwise): the finished one replaces it
        os.rename(tmp, path)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RunFolderError(
            f"{path}: could not write the {what} ({exc.strerror or exc}); nothing was left behind — "
            f"free some disk space or choose another {option}, and run again"
        ) from None
    except RunFolderError as exc:  # a folder written inside this one: name it where it was going
        shutil.rmtree(tmp, ignore_errors=True)
        raise RunFolderError(str(exc).replace(str(tmp), str(path))) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_run(path: Path, result: Result, kpis: Kpis, *, scenario_file: str | None = None) -> Path:
    """Write a run folder at ``path`` (it must not already hold files).

    The files are written in a hidden temporary folder beside it, which is renamed to ``path``
    when all are there (:func:`staged_folder`): a full disk or a crash leaves no half-written run
    folder behind.
    """
    with staged_folder(path) as tmp:
        write_run_files(tmp, result, kpis, scenario_file=scenario_file)
    return Path(path)


def write_run_files(folder: Path, result: Result, kpis: Kpis, *, scenario_file: str | None = None) -> None:
    """Write the files of a run (:func:`run_files`) into ``folder``, which exists: for a folder
    being staged (:func:`staged_folder`) that holds more than the run."""
    for name, data in run_files(result, kpis, scenario_file=scenario_file).items():
        (folder / name).write_bytes(data)


def run_files(result: Result, kpis: Kpis, *, scenario_file: str | None = None) -> dict[str, bytes]:
    """The files of a run folder (:data:`FILES`), by name, as bytes."""
    events, table = io.BytesIO(), io.BytesIO()
    result.log.frame.to_parquet(events, index=False)
    kpis.to_long().to_parquet(table, index=False)
    meta = metadata(result, scenario_file=scenario_file)
    return {
        "events.parquet": events.getvalue(),
        "kpis.parquet": table.getvalue(),
        "metadata.json": json.dumps(meta, indent=2).encode("utf-8"),
    }


def run_zip(result: Result, kpis: Kpis, name: str, *, scenario_file: str | None = None) -> bytes:
    """A run folder called ``name`` as a zip archive, made in memory (what :func:`write_run`
    would write, for a download)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for file, data in run_files(result, kpis, scenario_file=scenario_file).items():
            zf.writestr(f"{name}/{file}", data)
    return buf.getvalue()


def stored_run(result: Result, kpis: Kpis, name: str, *, scenario_file: str | None = None) -> StoredRun:
    """The run as :func:`read_run` would read it back from a folder called ``name``, without
    writing one."""
    meta = json.loads(json.dumps(metadata(result, scenario_file=scenario_file)))
    return StoredRun(Path(name), result.log, kpis.to_long(), meta)


def run_folders(root: Path) -> dict[str, Path]:
    """The run folders directly under ``root``, newest first, by ``<root's name>/<folder>``."""
    return folders_holding(root, "metadata.json")


def folders_holding(root: Path, marker: str) -> dict[str, Path]:
    """The folders directly under ``root`` that hold a file ``marker``, newest (by that file)
    first, by ``<root's name>/<folder>``."""
    if not root.is_dir():
        return {}
    found = [p for p in root.iterdir() if (p / marker).is_file()]
    found.sort(key=lambda p: -(p / marker).stat().st_mtime)
    return {f"{root.name}/{p.name}": p for p in found}


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
