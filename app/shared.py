"""What every page shares: the building chooser, loading the twin (cached), and cached views of it.

The twin is cached with ``st.cache_resource`` (one object for every session: it is frozen);
tables with ``st.cache_data``. Uploaded IFC files go to :func:`twin.isolated.load_uploaded_twin`,
which reads them in a child process with memory and time limits and keeps nothing of them on
disk; nothing uploaded is ever unpickled.

A page starts with ``twin = shared.current_twin()`` and draws nothing more when it is ``None``
(the reason is already on the page).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from twin.errors import TwinError
from twin.isolated import load_uploaded_twin
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
        st.radio(
            "Building",
            (BUNDLED, UPLOAD),
            key=SOURCE_KEY,
            help="The bundled estate: three 27-storey towers over a shared basement, 810 flats.",
        )
        if st.session_state.get(SOURCE_KEY) == UPLOAD:
            st.file_uploader(
                "IFC file(s) of one building",
                type=list(IFC_TYPES),
                accept_multiple_files=True,
                key=FILES_KEY,
                max_upload_size=MAX_UPLOAD_MB,
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
            st.info(
                f"Upload the IFC file(s) of a building in the sidebar (.ifc or .ifczip, up to "
                f"{MAX_UPLOAD_MB} MB each), or choose the bundled estate."
            )
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
            st.error(
                f"{', '.join(f.name for f in files)}: could not be read "
                f"({type(exc).__name__}: {detail}) — check that it is an IFC export of a building"
            )
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
            return f"{f.name}: expected an .ifc or .ifczip file, got '.{suffix}' — export the model as IFC"
        if f.size > MAX_UPLOAD_MB * 1024 * 1024:
            return (
                f"{f.name}: {f.size / 1024 / 1024:.0f} MB is more than the {MAX_UPLOAD_MB} MB "
                "an upload may have — use `twin inspect FILE` on the command line instead"
            )
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
    # In a child process with memory and time limits: no upload can take the server down, and
    # its built twin is deleted with it (see twin.isolated).
    twin = load_uploaded_twin([(f.name, f.getvalue()) for f in files], progress=progress)
    return Loaded(twin, time.perf_counter() - start)


# --------------------------------------------------------------------------------------------
# Cached views of a twin (keyed by the twin's cache key: the files' hashes + pipeline version).


@st.cache_data(show_spinner=False, max_entries=8)
def tables(key: str, _twin: Twin) -> dict[str, Any]:
    from twin.present.summary import building_tables

    return building_tables(_twin)


@st.cache_data(show_spinner=False, max_entries=8)
def plan_parts(key: str, storey: int, _twin: Twin) -> tuple[Any, ...]:
    from twin.present.plan import plan_parts

    return plan_parts(_twin, storey)


@st.cache_resource(show_spinner=False, max_entries=64)
def plan_figure(
    key: str, storey: int, view: tuple[float, float, float, float] | None, view_name: str, _twin: Twin
) -> Any:
    from twin.present.figures import plan_figure

    return plan_figure(_twin, storey, view=view, view_name=view_name)


@st.cache_resource(show_spinner=False, max_entries=64)
def building_figure(key: str, storey: int, _twin: Twin) -> Any:
    from twin.present.figures import building_figure

    return building_figure(_twin, storey=storey)


# --------------------------------------------------------------------------------------------
# Drills: scenarios checked against the building, runs kept in the session, their pictures
# cached by run id (the twin's cache key + the scenario + the seed: the same id, the same run).

#: Scenario uploads: the types taken and the largest file (a scenario is a page of YAML).
SCENARIO_TYPES = ("yaml", "yml")
SCENARIO_MAX_BYTES = 200_000


def policies(current: str = "") -> dict[str, str]:
    """The dispatch policies a form offers, with what each does: every policy registered
    (:func:`twin.engine.dispatch.policy_names`), so a new one is offered with no edit here —
    except those that send nobody by themselves (``live``: the Live page's), unless ``current``
    (the scenario's own) is one."""
    from twin.engine.dispatch import policy, policy_names

    return {name: policy(name).label for name in policy_names() if policy(name).automatic or name == current}


@dataclass(frozen=True, slots=True, eq=False)
class DrillRun:
    """One drill run in the app: what ran, its result and KPIs."""

    id: str
    source: str
    """The scenario's file name, as errors and downloads name it."""
    text: str
    """The YAML it ran."""
    result: Any
    """:class:`twin.engine.RunResult`."""
    kpis: Any
    """:class:`twin.kpi.Kpis`."""
    finished: float
    """``time.perf_counter()`` when the run returned."""

    @property
    def scenario(self) -> Any:
        return self.result.drill.scenario

    @property
    def twin(self) -> Twin:
        twin: Twin = self.result.drill.twin
        return twin

    @property
    def frame(self) -> Any:
        return self.result.log.frame

    @property
    def label(self) -> str:
        return f"{self.scenario.name} — {self.scenario.start:%a %H:%M}, seed {self.result.seed}"


def shipped_scenarios() -> dict[str, Path]:
    """The shipped scenarios by display name (``scenarios/night_riser_burst.yaml``), the default
    drill first."""
    from twin.scenario import default_scenario_path, scenarios_dir

    default = default_scenario_path()
    paths = sorted(scenarios_dir().glob("*.yaml"), key=lambda p: (p != default, p.name))
    return {f"scenarios/{p.name}": p for p in paths}


def scenario_upload_problem(f: Any) -> str:
    """Why an uploaded scenario file cannot be used, or ``""``."""
    suffix = Path(f.name).suffix.lower().lstrip(".")
    if suffix not in SCENARIO_TYPES:
        return f"{f.name}: expected a .yaml or .yml scenario file, got '.{suffix}'"
    if f.size > SCENARIO_MAX_BYTES:
        return (
            f"{f.name}: {f.size / 1000:.0f} kB is more than the {SCENARIO_MAX_BYTES // 1000} kB a "
            "scenario may have — a scenario is a page of YAML"
        )
    return ""


def uploaded_yaml(f: Any, it: str) -> str:
    """An uploaded YAML file's text, decoded as the library decodes files on disk
    (:func:`twin.scenario.load.decode_yaml`: UTF-8, or UTF-16 with its byte-order mark).

    Raises
    ------
    ScenarioError
        Not text: names the upload (``safe_name``), the line and the byte, and says to save ``it``
        as UTF-8 YAML.
    """
    from twin.isolated import safe_name
    from twin.scenario.load import decode_yaml

    return decode_yaml(f.getvalue(), safe_name(f.name), it)


def check_scenario(twin: Twin, text: str, source: str) -> Any:
    """The scenario in ``text`` checked against the building (:class:`twin.drill.Check`): every
    problem one line each (``file:line: field: problem``), the compiled drill when there is
    none. Files it names resolve as if it were one of the shipped scenarios, and only to shipped
    data: the app never reads the server's other files for a user."""
    return _checked(twin.cache_key, text, source, twin)


@st.cache_resource(show_spinner=False, max_entries=16)
def _checked(key: str, text: str, source: str, _twin: Twin) -> Any:
    from twin.drill import check_text
    from twin.scenario import scenarios_dir
    from twin.scenario.load import shipped_data_dirs

    return check_text(_twin, text, source=Path(source), folder=scenarios_dir(), inside=shipped_data_dirs())


def run_id(twin: Twin, scenario: Any, seed: int) -> str:
    import hashlib

    text = f"{twin.cache_key}\n{scenario.model_dump_json()}\n{seed}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_drill(
    twin: Twin, check: Any, text: str, source: str, *, label: str = "Running the drill"
) -> DrillRun:
    """Run a checked scenario (:func:`check_scenario`) with a progress bar; the KPIs with it."""
    from twin.drill import run_drill
    from twin.engine.water import warm_up

    bar = st.progress(0.0, f"{label}…")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), f"{label}: {message}")

    try:
        progress(0.0, "loading the water model (its first run after an install compiles it)")
        warm_up()
        done = run_drill(twin, check.loaded, drill=check.drill, progress=progress)
        finished = time.perf_counter()
    finally:
        bar.empty()
    seed = done.run.seed
    return DrillRun(run_id(twin, done.scenario, seed), source, text, done.run, done.kpis, finished)


@dataclass(frozen=True, slots=True, eq=False)
class Outcome:
    """A run to compare: from this session, or read from a run folder."""

    id: str
    label: str
    scenario: Any
    frame: Any
    kpis: Any
    seed: int
    where: str
    """Where it comes from: the scenario file or the run folder."""


def outcome_of(run: DrillRun) -> Outcome:
    return Outcome(run.id, run.label, run.scenario, run.frame, run.kpis, run.result.seed, run.source)


def saved_runs() -> dict[str, Path]:
    """Run folders under ``runs/`` of the current folder (what ``twin run`` writes), newest first."""
    from twin.store import run_folders

    return run_folders(Path.cwd() / "runs")


@st.cache_resource(show_spinner=False, max_entries=16)
def read_outcome(path: str, mtime: float, shown: str) -> Outcome:
    """A saved run folder as an :class:`Outcome`, named ``shown`` (raises ``TwinError`` when it
    is not one)."""
    from twin.kpi import compute_kpis
    from twin.store import read_run

    stored = read_run(Path(path))
    scenario = stored.scenario
    seed = int(stored.metadata.get("seed", scenario.seed))
    kpis = compute_kpis(stored.log, scenario)
    return Outcome(
        f"saved:{path}:{mtime}",
        f"{scenario.name} (seed {seed}, {Path(path).name})",
        scenario,
        stored.log.frame,
        kpis,
        seed,
        shown,
    )


def run_folder_zip(run: DrillRun) -> bytes:
    """The run folder (``events.parquet``, ``kpis.parquet``, ``metadata.json``) as a zip archive."""
    from twin.store import run_zip

    return run_zip(run.result, run.kpis, folder_name(run), scenario_file=run.source)


def report_html(run: DrillRun) -> bytes:
    """The after-action report of a run (what ``twin report`` writes)."""
    from twin.present.report import report_html
    from twin.store import stored_run

    stored = stored_run(run.result, run.kpis, folder_name(run), scenario_file=run.source)
    return report_html(stored, run.twin, kpis=run.kpis).encode("utf-8")


def folder_name(run: DrillRun) -> str:
    from twin.store import run_name

    return run_name(Path(run.source).stem, run.result.seed)


@st.cache_resource(show_spinner=False, max_entries=8)
def replay(key: str, _run: DrillRun) -> Any:
    from twin.present.replay import build_replay

    return build_replay(_run.twin, _run.frame, _run.scenario)


@st.cache_resource(show_spinner=False, max_entries=32)
def replay_figure(
    key: str, storey: int, view: tuple[float, float, float, float] | None, view_name: str, _run: DrillRun
) -> Any:
    from twin.present.replay_figure import replay_figure

    return replay_figure(_run.twin, replay(key, _run), storey, view=view, view_name=view_name)


@st.cache_resource(show_spinner=False, max_entries=8)
def replay3d_html(key: str, _run: DrillRun) -> str:
    from twin.present.replay3d import replay3d_html, replay3d_scene

    return replay3d_html(replay3d_scene(_run.twin, replay(key, _run)))


@st.cache_resource(show_spinner=False, max_entries=32)
def timeline_figure(key: str, _frame: Any, _scenario: Any) -> Any:
    from twin.events.tables import task_bars
    from twin.present.timeline import timeline_figure

    if task_bars(_frame, end_s=_scenario.duration_s).empty:
        return None
    fig = timeline_figure(_frame, _scenario)
    # Room under the time axis for its tick labels and title.
    fig.update_layout(margin={"b": 60}, height=fig.layout.height + 50)
    return fig


def scorecard_table(kpis: Any) -> Any:
    import pandas as pd

    from twin.present.scorecard import scorecard_rows

    table = pd.DataFrame(scorecard_rows(kpis))
    if len(table):
        table["#"] = "#" + table["#"]
    return table


def field_widgets(scenario: Any, prefix: str, *, container: Any = st) -> None:
    """Widgets for a scenario's common fields (name, start, duration, seed, dispatch), keyed
    ``prefix + field`` and starting from the scenario's values; read them with
    :func:`field_changes`."""
    c = container
    c.text_input("Name", value=scenario.name, key=f"{prefix}name")
    left, right = c.columns(2)
    left.date_input("Start date", value=scenario.start.date(), key=f"{prefix}date")
    right.time_input("Start time", value=scenario.start.time(), step=300, key=f"{prefix}time")
    left, right = c.columns(2)
    left.number_input(
        "Duration (h)",
        min_value=0.25,
        max_value=24.0 * 14,
        step=0.5,
        value=float(scenario.duration_h),
        key=f"{prefix}duration_h",
    )
    right.number_input(
        "Random seed",
        min_value=0,
        step=1,
        value=int(scenario.seed),
        key=f"{prefix}seed",
        help="The same scenario and seed give the same drill, event for event.",
    )
    labels = policies(scenario.dispatch.kind)
    kinds = list(labels)
    c.selectbox(
        "Dispatch policy",
        kinds,
        index=kinds.index(scenario.dispatch.kind),
        format_func=lambda k: f"{k} — {labels[k]}",
        key=f"{prefix}dispatch",
    )


def field_changes(scenario: Any, prefix: str) -> dict[str, Any]:
    """The common fields whose widgets (:func:`field_widgets`) differ from the scenario, as
    scenario fields (``{"seed": 8, "dispatch": {"kind": "manual"}}``)."""
    import datetime as dt

    s = st.session_state
    out: dict[str, Any] = {}
    name = str(s.get(f"{prefix}name", scenario.name)).strip()
    if name and name != scenario.name:
        out["name"] = name
    date = s.get(f"{prefix}date", scenario.start.date())
    clock = s.get(f"{prefix}time", scenario.start.time())
    start = dt.datetime.combine(date, clock)
    if start != scenario.start:
        out["start"] = start
    duration = float(s.get(f"{prefix}duration_h", scenario.duration_h))
    if duration != scenario.duration_h:
        out["duration_h"] = duration
    seed = int(s.get(f"{prefix}seed", scenario.seed))
    if seed != scenario.seed:
        out["seed"] = seed
    kind = s.get(f"{prefix}dispatch", scenario.dispatch.kind)
    if kind != scenario.dispatch.kind:
        out["dispatch"] = {"kind": kind}
    return out


@st.cache_resource(show_spinner=False, max_entries=16)
def start_figure(key: str, scenario_json: str, _twin: Twin, _scenario: Any) -> Any:
    from twin.present.start import start_figure

    return start_figure(_twin, _scenario)
