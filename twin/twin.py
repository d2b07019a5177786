"""The twin: a building model, its navigation graph and its reachability audit, loaded once.

This is the I/O edge of the first pipeline stage: it finds the model files (the bundled default
estate when none are named), reads them through the cache, and hands back a frozen :class:`Twin`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from twin import cache
from twin.audit import Audit, audit_reachability
from twin.errors import ModelError
from twin.ifc import Progress, file_sha256, read_ifc
from twin.model import BuildingModel
from twin.navgraph import NavGraph, build_navgraph
from twin.shipped import shipped_dir

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "estate.ifc"


@dataclass(frozen=True, slots=True)
class Twin:
    model: BuildingModel
    graph: NavGraph
    audit: Audit
    cache_key: str = ""
    from_cache: bool = False


def default_model_path() -> Path:
    """The bundled default estate: ``$DRILLTWIN_MODEL``, else ``estate.ifc`` shipped with the
    package (see :mod:`twin.shipped`)."""
    if env := os.environ.get("DRILLTWIN_MODEL"):
        return Path(env)
    candidate = shipped_dir("models") / DEFAULT_MODEL_NAME
    if candidate.exists():
        return candidate
    raise ModelError(
        f"{candidate}: the bundled default estate is missing — reinstall DrillTwin, set "
        "DRILLTWIN_MODEL, or name a model file"
    )


def load_twin(
    paths: Sequence[str | Path] | None = None,
    *,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> Twin:
    """Load (or build and cache) the twin of one or several IFC files of one building.

    Parameters
    ----------
    paths
        IFC files (``.ifc`` or ``.ifczip``); none means the bundled default estate.
    use_cache
        Read and write the cache (see :mod:`twin.cache`).
    progress
        Called with (fraction done, what is happening) during a cold build.
    """
    files = [Path(p) for p in paths] if paths else [default_model_path()]
    report = progress or (lambda _f, _m: None)
    hashes = [file_sha256(p) for p in files]  # each file checked: there, a file, readable
    key = cache.cache_key(hashes)
    if use_cache and (hit := cache.load(key)) is not None:
        model, graph = hit
        if len(model.sources) == len(files):
            # The entry may come from a copy of the same bytes under another name: the twin
            # is reported under the names the user gave now.
            model = replace(
                model,
                sources=tuple(replace(src, name=p.name) for src, p in zip(model.sources, files, strict=True)),
            )
        report(1.0, "loaded from cache")
        return Twin(model, graph, audit_reachability(model, graph), key, True)

    # Said on every step of a cold build: why this run is slow and the next ones are not.
    model = read_ifc(
        files, progress=lambda f, m: report(0.8 * f, f"first build, then cached: {m}"), sha256s=hashes
    )
    report(0.8, "first build, then cached: building the navigation graph")
    log.info("building the navigation graph")
    graph = build_navgraph(model)
    log.info("navigation graph: %d nodes, %d edges", graph.n_nodes, graph.n_edges)
    if use_cache:
        cache.store(key, model, graph)
    report(1.0, "done")
    return Twin(model, graph, audit_reachability(model, graph), key, False)
