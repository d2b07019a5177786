"""What every page shares: the building chooser, loading the twin (cached), and cached views of it.

The twin is cached with ``st.cache_resource`` (one object for every session: it is frozen);
tables with ``st.cache_data``. Uploaded IFC files are written only inside a temporary folder that
is removed as soon as the twin is built; nothing uploaded is ever unpickled.

A page starts with ``twin = shared.current_twin()`` and draws nothing more when it is ``None``
(the reason is already on the page).
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from twin.errors import TwinError
from twin.twin import Twin, load_twin

log = logging.getLogger(__name__)

#: Upload limits: the file types the reader takes, and the largest file accepted.
IFC_TYPES = ("ifc", "ifczip")
MAX_UPLOAD_MB = 200

BUNDLED = "Bundled estate"
UPLOAD = "Upload IFC file(s)"
SOURCE_KEY = "building_source"
FILES_KEY = "building_files"


@dataclass(frozen=True, slots=True)
class Loaded:
    twin: Twin
    seconds: float
    """How long the load took when it was not yet in the app's memory."""


def building_chooser() -> None:
    """The sidebar widgets that choose the building (drawn by the entry script, so the choice
    holds on every page)."""
    with st.sidebar:
        st.radio("Building", (BUNDLED, UPLOAD), key=SOURCE_KEY,
                 help="The bundled estate: three 27-storey towers over a shared basement, 810 flats.")
        if st.session_state.get(SOURCE_KEY) == UPLOAD:
            st.file_uploader(
                "IFC file(s) of one building", type=list(IFC_TYPES), accept_multiple_files=True,
                key=FILES_KEY, max_upload_size=MAX_UPLOAD_MB,
                help=f".ifc or .ifczip, up to {MAX_UPLOAD_MB} MB each; several files of one "
                     "building (architecture + MEP) load as one model.",
            )


def current_twin() -> Twin | None:
    """The twin of the building chosen in the sidebar, or ``None`` (after saying why on the
    page) when there is none yet or it cannot be read."""
    files: list[Any] = []
    if st.session_state.get(SOURCE_KEY, BUNDLED) != BUNDLED:
        files = st.session_state.get(FILES_KEY) or []
        if not files:
            st.info(f"Upload the IFC file(s) of a building in the sidebar (.ifc or .ifczip, up to "
                    f"{MAX_UPLOAD_MB} MB each), or choose the bundled estate.")
            return None
        if problem := upload_problem(files):
            st.error(problem)
            return None
    key = tuple((f.name, f.size, f.file_id) for f in files)
    slot = _slot(key)
    if "loaded" not in slot:
        bar = st.empty()

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), message)

        try:
            slot["loaded"] = _load_uploaded(files, progress) if files else _load_bundled(progress)
        except TwinError as exc:
            st.error(str(exc))
            return None
        except Exception as exc:  # a file no reader rule foresaw: still a message, not a trace
            if not files:
                raise
            log.exception("reading uploaded IFC files failed")
            detail = " ".join(str(exc).split())
            st.error(f"{', '.join(f.name for f in files)}: could not be read "
                     f"({type(exc).__name__}: {detail}) — check that it is an IFC export of a building")
            return None
        finally:
            bar.empty()
    loaded: Loaded = slot["loaded"]
    st.session_state["twin_load_s"] = loaded.seconds
    return loaded.twin


def upload_problem(files: Sequence[Any]) -> str:
    """Why these uploads cannot be read (wrong type, too large), or ``""``."""
    for f in files:
        suffix = Path(f.name).suffix.lower().lstrip(".")
        if suffix not in IFC_TYPES:
            return (f"{f.name}: expected an .ifc or .ifczip file, got '.{suffix}' — export the "
                    "model as IFC")
        if f.size > MAX_UPLOAD_MB * 1024 * 1024:
            return (f"{f.name}: {f.size / 1024 / 1024:.0f} MB is more than the {MAX_UPLOAD_MB} MB "
                    "an upload may have — use `twin inspect FILE` on the command line instead")
    return ""


@st.cache_resource(show_spinner=False, max_entries=4)
def _slot(key: tuple[tuple[str, int, str], ...]) -> dict[str, Loaded]:
    """Where the twin of the bundled estate (``key == ()``) or of one set of uploads is kept, for
    every session. It is filled outside the cached function, so that the progress bar of a first
    load is not replayed on later runs (Streamlit replays elements drawn in cached functions)."""
    return {}


def _load_bundled(progress: Any) -> Loaded:
    start = time.perf_counter()
    twin = load_twin(progress=progress)
    return Loaded(twin, time.perf_counter() - start)


def _load_uploaded(files: Sequence[Any], progress: Any) -> Loaded:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="drilltwin-upload-") as tmp:
        paths: list[Path] = []
        for i, f in enumerate(files):
            # One folder per file keeps its own (sanitised) name, which the twin reports.
            folder = Path(tmp) / str(i)
            folder.mkdir()
            path = folder / _safe_name(f.name)
            path.write_bytes(f.getvalue())
            paths.append(path)
        try:
            twin = load_twin(paths, progress=progress)
        except TwinError as exc:
            message = str(exc)
            for path, f in zip(paths, files, strict=True):
                message = message.replace(str(path), f.name)
            raise type(exc)(message.replace(tmp, "")) from None
    return Loaded(twin, time.perf_counter() - start)


def _safe_name(name: str) -> str:
    """A file name that stays inside its folder: no path parts, no odd characters."""
    stem = Path(name).name
    suffix = Path(stem).suffix.lower()
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", stem[: -len(suffix)] if suffix else stem).strip("._")
    return f"{base[:80] or 'model'}{suffix}"


# --------------------------------------------------------------------------------------------
# Cached views of a twin (keyed by the twin's cache key: the files' hashes + pipeline version).


@st.cache_data(show_spinner=False, max_entries=8)
def tables(key: str, _twin: Twin) -> dict[str, Any]:
    from twin.summary import building_tables

    return building_tables(_twin)


@st.cache_data(show_spinner=False, max_entries=8)
def plan_parts(key: str, storey: int, _twin: Twin) -> tuple[Any, ...]:
    from twin.plan import plan_parts

    return plan_parts(_twin, storey)


@st.cache_resource(show_spinner=False, max_entries=64)
def plan_figure(key: str, storey: int, view: tuple[float, float, float, float] | None,
                view_name: str, _twin: Twin) -> Any:
    from twin.figures import plan_figure

    return plan_figure(_twin, storey, view=view, view_name=view_name)


@st.cache_resource(show_spinner=False, max_entries=64)
def building_figure(key: str, storey: int, _twin: Twin) -> Any:
    from twin.figures import building_figure

    return building_figure(_twin, storey=storey)
