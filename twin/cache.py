"""The twin cache: a built model and graph, keyed by the files' content hash + pipeline version.

Safe formats only — a user may upload the IFC file, so nothing here is ever unpickled: the model
is gzipped JSON (footprints as WKB hex), the graph an ``.npz`` read with ``allow_pickle=False``.
Writes are atomic (temporary file + rename), so a crash never leaves a half-written entry.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import tempfile
import types
import typing
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from twin import PIPELINE_VERSION
from twin.model import BuildingModel
from twin.navgraph import NavGraph

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """``$DRILLTWIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/drilltwin``, else ``~/.cache/drilltwin``."""
    if env := os.environ.get("DRILLTWIN_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "drilltwin"


def cache_key(file_hashes: list[str]) -> str:
    digest = hashlib.sha256(f"pipeline={PIPELINE_VERSION}".encode())
    for h in file_hashes:
        digest.update(h.encode())
    return digest.hexdigest()[:32]


def load(key: str, directory: Path | None = None) -> tuple[BuildingModel, NavGraph] | None:
    """The cached model and graph for ``key``, or ``None`` when absent or unreadable."""
    folder = directory or cache_dir()
    model_path, graph_path = folder / f"{key}.model.json.gz", folder / f"{key}.graph.npz"
    if not (model_path.exists() and graph_path.exists()):
        return None
    try:
        with gzip.open(model_path, "rt", encoding="utf-8") as fh:
            model = _decode(BuildingModel, json.load(fh))
        with np.load(graph_path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        notes = tuple(str(n) for n in arrays.pop("notes", np.zeros(0, str)))
        graph = NavGraph(**arrays, notes=notes)
    except Exception as exc:  # a stale or damaged entry is rebuilt, never trusted
        log.warning("ignoring unreadable cache entry %s: %s", key, exc)
        return None
    return model, graph


def store(key: str, model: BuildingModel, graph: NavGraph, directory: Path | None = None) -> None:
    folder = directory or cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(_encode(model), separators=(",", ":")).encode()
        _atomic_write(folder / f"{key}.model.json.gz", gzip.compress(payload, compresslevel=5))
        arrays = {f.name: getattr(graph, f.name) for f in fields(graph) if f.name != "notes"}
        arrays["notes"] = np.array(graph.notes, dtype=str)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".npz", delete=False) as tmp:
            np.savez(tmp, **arrays)
        os.replace(tmp.name, folder / f"{key}.graph.npz")
    except OSError as exc:  # a read-only home must not stop the twin from loading
        log.warning("could not write the twin cache in %s: %s", folder, exc)


def _atomic_write(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, path)


# --------------------------------------------------------------------------------------------
# Frozen dataclasses <-> JSON, driven by the type hints.


def _encode(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, BaseGeometry):
        return {"wkb": shapely.to_wkb(value, hex=True)}
    if isinstance(value, np.ndarray):
        return {"dtype": str(value.dtype), "shape": list(value.shape), "data": value.ravel().tolist()}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value


def _decode(hint: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(hint)
    if isinstance(data, dict) and "wkb" in data:
        return shapely.from_wkb(data["wkb"])
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _decode(options[0], data)
    if isinstance(hint, type) and is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(**{f.name: _decode(hints[f.name], data[f.name]) for f in fields(hint)
                       if f.name in data})
    if hint is np.ndarray:
        return np.array(data["data"], dtype=data["dtype"]).reshape(data["shape"])
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in data)
        return tuple(_decode(a, v) for a, v in zip(args, data, strict=True))
    return data
