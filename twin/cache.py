"""The twin cache: a built model and graph, keyed by the files' content hash + pipeline version.

Safe formats only — a user may upload the IFC file, so nothing here is ever unpickled: the model
is gzipped JSON (footprints as WKB hex), the graph an ``.npz`` read with ``allow_pickle=False``.
Writes are atomic (temporary file + rename), so a crash never leaves a half-written entry, and
each entry carries the SHA-256 of its two files: an entry edited after it was written, or whose
arrays do not fit together, is rebuilt rather than served.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
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


def _paths(folder: Path, key: str) -> tuple[Path, Path, Path]:
    return folder / f"{key}.model.json.gz", folder / f"{key}.graph.npz", folder / f"{key}.digest.json"


def load(key: str, directory: Path | None = None) -> tuple[BuildingModel, NavGraph] | None:
    """The cached model and graph for ``key``, or ``None`` when absent, unreadable, not what was
    written (its files' digests differ from those written with them) or inconsistent."""
    folder = directory or cache_dir()
    model_path, graph_path, digest_path = _paths(folder, key)
    if not (model_path.exists() and graph_path.exists()):
        return None
    try:
        written = json.loads(digest_path.read_text(encoding="utf-8"))
        model_bytes, graph_bytes = model_path.read_bytes(), graph_path.read_bytes()
        if written != _digest(model_bytes, graph_bytes):
            log.warning("cache entry %s was changed after it was written; rebuilding it", key)
            return None
        model = _decode(BuildingModel, json.loads(gzip.decompress(model_bytes).decode("utf-8")))
        with np.load(io.BytesIO(graph_bytes), allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        notes = tuple(str(n) for n in arrays.pop("notes", np.zeros(0, str)))
        graph = NavGraph(**arrays, notes=notes)
        if problem := inconsistency(model, graph):
            log.warning("cache entry %s is inconsistent (%s); rebuilding it", key, problem)
            return None
    except Exception as exc:  # a stale or damaged entry is rebuilt, never trusted
        log.warning("ignoring unreadable cache entry %s: %s", key, exc)
        return None
    return model, graph


def inconsistency(model: BuildingModel, graph: NavGraph) -> str:
    """Why a model and graph cannot belong together (array lengths, indices out of range), or ``""``."""
    n, m = graph.n_nodes, graph.n_edges
    for name in ("node_storey", "node_kind", "node_ref"):
        if getattr(graph, name).shape != (n,):
            return f"{name} has {getattr(graph, name).shape} entries for {n} nodes"
    for name in ("edge_v", "edge_kind", "edge_length_m", "edge_rise_m", "edge_ref"):
        if getattr(graph, name).shape != (m,):
            return f"{name} has {getattr(graph, name).shape} entries for {m} edges"
    if graph.node_xyz.shape != (n, 3):
        return f"node_xyz has shape {graph.node_xyz.shape}, not ({n}, 3)"
    for name, count in (
        ("space_node", len(model.spaces)),
        ("door_node", len(model.doors)),
        ("equipment_node", len(model.equipment)),
    ):
        if getattr(graph, name).shape != (count,):
            return f"{name} has {getattr(graph, name).shape} entries for {count} in the model"
    for name in ("edge_u", "edge_v", "entrances", "space_node", "door_node", "equipment_node"):
        ids = getattr(graph, name)
        if ids.size and (ids.min() < -1 or ids.max() >= n):
            return f"{name} names nodes outside 0..{n - 1}"
    if m and (graph.edge_u.min() < 0 or graph.edge_v.min() < 0):
        return "an edge has no end node"
    if n and (graph.node_storey.min() < 0 or graph.node_storey.max() >= len(model.storeys)):
        return f"node_storey names storeys outside 0..{len(model.storeys) - 1}"
    if not (np.isfinite(graph.edge_length_m).all() and (graph.edge_length_m >= 0).all()):
        return "an edge length is negative or not finite"
    return ""


def store(key: str, model: BuildingModel, graph: NavGraph, directory: Path | None = None) -> None:
    """Write an entry: its two files, then the digest of their bytes (all atomically)."""
    folder = directory or cache_dir()
    model_path, graph_path, digest_path = _paths(folder, key)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(_encode(model), separators=(",", ":")).encode()
        model_bytes = gzip.compress(payload, compresslevel=5)
        arrays = {f.name: getattr(graph, f.name) for f in fields(graph) if f.name != "notes"}
        arrays["notes"] = np.array(graph.notes, dtype=str)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        graph_bytes = buf.getvalue()
        _atomic_write(model_path, model_bytes)
        _atomic_write(graph_path, graph_bytes)
        _atomic_write(digest_path, json.dumps(_digest(model_bytes, graph_bytes)).encode())
    except OSError as exc:  # a read-only home must not stop the twin from loading
        log.warning("could not write the twin cache in %s: %s", folder, exc)


def remove(key: str, directory: Path | None = None) -> None:
    """Delete an entry's files (an upload's twin goes with the upload)."""
    for path in _paths(directory or cache_dir(), key):
        path.unlink(missing_ok=True)


def _digest(model_bytes: bytes, graph_bytes: bytes) -> dict[str, str]:
    return {
        "pipeline": PIPELINE_VERSION,
        "model_sha256": hashlib.sha256(model_bytes).hexdigest(),
        "graph_sha256": hashlib.sha256(graph_bytes).hexdigest(),
    }


def _atomic_write(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
        try:
            tmp.write(data)
        except BaseException:
            Path(tmp.name).unlink(missing_ok=True)
            raise
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


@functools.cache
def _field_hints(cls: type) -> dict[str, Any]:
    """A dataclass's field types, resolved once per class (``typing.get_type_hints`` evaluates
    every annotation string again on each call: 1.6 of 2.6 s of a warm estate load when it was
    called per decoded object)."""
    return typing.get_type_hints(cls)


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
        hints = _field_hints(hint)
        return hint(**{f.name: _decode(hints[f.name], data[f.name]) for f in fields(hint) if f.name in data})
    if hint is np.ndarray:
        return np.array(data["data"], dtype=data["dtype"]).reshape(data["shape"])
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in data)
        return tuple(_decode(a, v) for a, v in zip(args, data, strict=True))
    return data
