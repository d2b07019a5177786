"""A sweep's output folder: durable, appended run by run, resumable after any crash.

::

    DIR/sweep.json       what the sweep is (variants, seed, period, fingerprint), written once
    DIR/parts/*.parquet  one row of figures per finished run, each written to a temporary name
                         and renamed into place
    DIR/manifest.jsonl   one line per finished run, appended and flushed to disk after its part
    DIR/results.parquet  every row, in order, written when the sweep is complete

A run counts as done once its manifest line is on disk. Killed at any moment (``kill -9``), the
folder holds whole parts and whole manifest lines, plus at most a torn last line (dropped when
read) and parts of runs whose line was not yet written (run again: the same seed gives the same
row, and the part is replaced whole). Nothing recorded is lost or run twice.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from twin.errors import TwinError
from twin.store import atomic_write


class SweepFolderError(TwinError):
    """A sweep folder cannot be written, read, or belongs to another sweep."""


MANIFEST = "manifest.jsonl"
META = "sweep.json"
RESULTS = "results.parquet"


@dataclass(frozen=True, slots=True, eq=False)
class SweepResults:
    """What a sweep folder holds: its description and one row per finished run."""

    path: Path
    meta: dict[str, Any]
    rows: pd.DataFrame

    @property
    def total_runs(self) -> int:
        return len(self.meta["variants"]) * int(self.meta["replications"])

    @property
    def complete(self) -> bool:
        return len(self.rows) >= self.total_runs


def part_name(variant: int, replication: int) -> str:
    return f"parts/v{variant:03d}-r{replication:06d}.parquet"


class SweepFolder:
    """The output folder of one sweep, opened for recording runs."""

    def __init__(self, path: Path, meta: dict[str, Any]) -> None:
        self.path = path
        self.meta = meta
        self._done = _read_manifest(path, meta)

    @classmethod
    def open(cls, path: str | os.PathLike[str], meta: dict[str, Any]) -> SweepFolder:
        """Create the folder, or reopen one written by the same sweep (``meta["fingerprint"]``).
        A sweep with more replications than before extends it."""
        p = Path(path)
        existing = p / META
        old: dict[str, Any] | None = None
        if existing.is_file():
            old = _read_meta(p)
            if old.get("fingerprint") != meta["fingerprint"]:
                raise SweepFolderError(
                    f"{p}: holds the results of another sweep ('{old.get('name')}', fingerprint "
                    f"{old.get('fingerprint')}, not {meta['fingerprint']}); the sweep file, its base "
                    "scenario or the seed changed — choose a new --out folder to keep both"
                )
            if int(old["replications"]) >= int(meta["replications"]):
                meta = {**meta, "replications": old["replications"]}
        elif p.exists() and (not p.is_dir() or any(p.iterdir())):
            raise SweepFolderError(f"{p}: exists and is not a sweep folder; choose another --out")
        try:
            (p / "parts").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SweepFolderError(
                f"{p}: cannot create the sweep folder ({exc.strerror}); choose another --out"
            ) from None
        if old is None or int(meta["replications"]) > int(old["replications"]):
            atomic_write(existing, lambda f: f.write_text(json.dumps(meta, indent=2), encoding="utf-8"))
        else:
            meta = old  # as it was: reopening a sweep writes nothing
        folder = cls(p, meta)
        folder._trim_torn_line()
        return folder

    def update_meta(self, changes: dict[str, Any]) -> None:
        """Rewrite ``sweep.json`` with ``changes`` — only what may change between runs of one
        sweep (the targets judged, a search's run counts), never what the runs depend on."""
        self.meta = {**self.meta, **changes}
        text = json.dumps(self.meta, indent=2)
        atomic_write(self.path / META, lambda f: f.write_text(text, encoding="utf-8"))

    @property
    def done(self) -> set[tuple[int, int]]:
        """``(variant, replication)`` of every recorded run."""
        return set(self._done)

    def record(self, row: dict[str, Any]) -> None:
        """Write one finished run: its part, then its manifest line (flushed to disk)."""
        v, r = int(row["variant"]), int(row["replication"])
        if (v, r) in self._done:
            return
        part = part_name(v, r)
        frame = pd.DataFrame([row])
        atomic_write(self.path / part, lambda f: frame.to_parquet(f, index=False))
        line = json.dumps({"variant": v, "replication": r, "part": part}) + "\n"
        with open(self.path / MANIFEST, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        self._done.add((v, r))

    def finish(self) -> Path:
        """Write ``results.parquet`` (every row, in order) once every run is recorded."""
        results = read_sweep(self.path)
        atomic_write(self.path / RESULTS, lambda f: results.rows.to_parquet(f, index=False))
        return self.path / RESULTS

    def _trim_torn_line(self) -> None:
        """Drop a last manifest line cut short by a crash, so the next line starts cleanly."""
        manifest = self.path / MANIFEST
        if not manifest.is_file():
            return
        data = manifest.read_bytes()
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            with open(manifest, "r+b") as fh:
                fh.truncate(keep)


def _read_meta(p: Path) -> dict[str, Any]:
    try:
        meta = json.loads((p / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SweepFolderError(f"{p / META}: cannot read it ({exc}); is this a sweep folder?") from None
    if (
        not isinstance(meta, dict)
        or not isinstance(meta.get("variants"), list)
        or not isinstance(meta.get("replications"), int)
    ):
        raise SweepFolderError(
            f"{p / META}: not a sweep description (no 'variants' list and 'replications' count); it is "
            "damaged — run the sweep again into a new --out folder"
        )
    return meta


def _read_manifest(p: Path, meta: dict[str, Any] | None = None) -> set[tuple[int, int]]:
    """The runs the manifest records whose parts are there. A line that is torn, not UTF-8, not
    an entry, or names a run the sweep does not have is not a recorded run (it runs again)."""
    manifest = p / MANIFEST
    done: set[tuple[int, int]] = set()
    if not manifest.is_file():
        return done
    variants = len(meta["variants"]) if meta else None
    for raw in manifest.read_bytes().splitlines():
        try:
            entry = json.loads(raw.decode("utf-8"))
            key = (int(entry["variant"]), int(entry["replication"]))
            if entry["part"] != part_name(*key):
                continue
        except (ValueError, KeyError, TypeError):
            continue  # a line torn by a crash (or damaged): that run is not recorded
        if key[0] < 0 or key[1] < 0 or (variants is not None and key[0] >= variants):
            continue
        if (p / entry["part"]).is_file():
            done.add(key)
    return done


def read_sweep(path: str | Path) -> SweepResults:
    """Every recorded run of a sweep folder (finished or not), sorted by variant and replication."""
    p = Path(path)
    if not (p / META).is_file():
        raise SweepFolderError(
            f"{p}: not a sweep folder (no {META}); give a folder written by 'twin sweep --out'"
        )
    meta = _read_meta(p)
    done = sorted(_read_manifest(p, meta))
    results = p / RESULTS
    if results.is_file():
        try:
            rows = pd.read_parquet(results)
        except (OSError, ValueError):
            rows = None  # damaged: it is only a copy of the parts, read them instead
        if rows is not None and len(rows) == len(done):
            return SweepResults(p, meta, rows)
    frames = []
    for v, r in done:
        part = p / part_name(v, r)
        try:
            frames.append(pd.read_parquet(part))
        except (OSError, ValueError) as exc:
            raise SweepFolderError(
                f"{part}: damaged ({' '.join(str(exc).split())[:120]}); delete it and run the same "
                "'twin sweep' command again — that run is made again"
            ) from None
    rows = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["variant", "replication"])
    )
    if len(rows):
        rows = rows.sort_values(["variant", "replication"], kind="stable").reset_index(drop=True)
    return SweepResults(p, meta, rows)
