"""Running a sweep: every (variant, replication) as a pure function on a ``concurrent.futures``
executor, each result recorded as it arrives.

The parent compiles every variant once and builds one router for all of them, its table for the
building as normal searched in advance from every place background work can happen; that
context goes to each worker once (the process pool's initializer; Dask's ``scatter``), so no
worker rebuilds it per run. Replication ``r`` runs on ``SeedSequence(seed).spawn(R)[r]`` in
every variant: the same incidents for every roster (common random numbers).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from twin import __version__
from twin.drill import compile_checked, run_drill
from twin.drill import variant as located
from twin.engine import drill_router
from twin.engine.setup import Drill
from twin.errors import TwinError
from twin.routing import NORMAL, Router
from twin.store import atomic_write
from twin.sweep.measures import run_row
from twin.sweep.results import META, SweepFolder, SweepFolderError
from twin.sweep.spec import LoadedSweep
from twin.twin import Twin

log = logging.getLogger(__name__)

#: The file in a sweep folder that names the process running it (the lock itself is ``flock``).
LOCK_NOTE = ".lock"

#: ``progress(done, total, message)`` for the runs of a sweep.
Progress = Callable[[int, int, str], None]


class SweepError(TwinError):
    """A sweep cannot run (a run failed, the cluster is unreachable, dask is not installed)."""


@dataclass(frozen=True, slots=True, eq=False)
class Context:
    """What every run of a sweep needs, built once and sent to each worker once."""

    drills: tuple[Drill, ...]
    router: Router
    seeds: tuple[np.random.SeedSequence, ...]
    fixed_costs: tuple[float, ...] = ()
    """Per variant: the cost the simulation does not see over the period (``cost_per_year``
    pro rata)."""


@dataclass(frozen=True, slots=True)
class SweepRun:
    """What :func:`run_sweep` did."""

    total: int
    already_done: int
    ran: int
    wall_s: float
    workers: int
    executor: str


def build_context(twin: Twin, loaded: LoadedSweep, replications: int | None = None) -> Context:
    """Compile every variant and build the shared router (see the module docs).

    Raises
    ------
    ScenarioError
        A variant names a place the building does not have (naming the base scenario's line).
    """
    variants = loaded.variants
    drills: list[Drill] = []
    for v in variants:
        scenario = v.scenario if not drills else v.scenario.model_copy(update={"background": None})
        drill = compile_checked(twin, located(loaded.base, scenario), what=f"variant '{v.name}': ")
        if drills:
            # Every variant has the base's building, overlay and background: share where background
            # work happens (and what it has worked out) instead of compiling it per variant.
            drill = dataclasses.replace(drill, scenario=v.scenario, background=drills[0].background)
        drills.append(drill)
    keys = np.unique(np.concatenate([drill_router(d).keys for d in drills])).astype(np.int64)
    router = Router(twin.graph, keys)
    table = router.table(NORMAL, "to")  # searched now, once, for every worker
    cat = drills[0].background
    if cat is not None:
        cat.warm(twin, drills[0].plant)
        # Every place background work can happen, in the building as normal: nearly every
        # dispatch asks for one. In other states (lifts off) rows come as asked for, so a new
        # state costs a few searches, not one per place.
        table.rows(np.unique(np.concatenate(list(cat.nodes.values()))).astype(np.int64))
    seeds = tuple(np.random.SeedSequence(loaded.sweep.seed).spawn(replications or loaded.sweep.replications))
    years = loaded.sweep.period.days / 365.0
    return Context(tuple(drills), router, seeds, tuple(v.cost_per_year * years for v in variants))


_CONTEXT: Context | None = None
#: The open descriptor of the sweep folder this process locks (closed in forked workers).
_LOCK_FD: int | None = None
#: How often a worker checks that the sweep's parent process is still alive (s).
PARENT_CHECK_S = 0.5


def _init_worker(ctx: Context, parent: int | None = None) -> None:
    global _CONTEXT, _LOCK_FD
    _CONTEXT = ctx
    if _LOCK_FD is not None:
        # A forked worker shares the parent's lock on the folder: let go of it, so the lock
        # ends with the parent, not with the last worker.
        os.close(_LOCK_FD)
        _LOCK_FD = None
    if parent is not None:
        threading.Thread(
            target=_exit_with_parent, args=(parent,), daemon=True, name="exit-with-parent"
        ).start()


def _exit_with_parent(parent: int) -> None:
    """End this worker as soon as the sweep's parent has gone (killed, crashed): nothing would
    record its results, and an orphan would go on using a core."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[Callable[[], None]]:
    """Hold an exclusive lock on the sweep folder ``out`` (created when absent) for as long as the
    sweep runs; a second sweep on the same folder is refused naming the process that holds it.

    Yields a function that records this process as the holder (call it once the folder is a
    sweep folder: the note is a file in it). The lock is the operating system's (``flock`` on the
    folder), so it ends with the process however that ends.
    """
    global _LOCK_FD
    if out.exists() and not out.is_dir():
        yield lambda: None  # not a folder: opening it as a sweep folder says so
        return
    fd = _locked_fd(out)
    _LOCK_FD = fd
    note = out / LOCK_NOTE

    def note_holder() -> None:
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        atomic_write(note, lambda f: f.write_text(f"pid {os.getpid()}, since {started}\n", encoding="utf-8"))

    try:
        yield note_holder
    finally:
        note.unlink(missing_ok=True)
        _LOCK_FD = None
        os.close(fd)


def refuse_if_busy(out: Path) -> None:
    """Raise the error :func:`folder_lock` would if another sweep holds ``out`` now: a quick
    answer before the slow loading (the lock itself is taken when the sweep starts)."""
    if out.is_dir():
        os.close(_locked_fd(out))


def _locked_fd(out: Path) -> int:
    """A descriptor of the folder ``out`` (created when absent) holding its exclusive lock."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise SweepFolderError(
            f"{out}: cannot create the sweep folder ({exc.strerror}); choose another --out"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        try:
            holder = (out / LOCK_NOTE).read_text(encoding="utf-8").strip()
        except OSError:
            holder = ""
        raise SweepFolderError(
            f"{out}: another sweep is running in this folder "
            f"({holder or 'a process that is just starting'}); "
            "wait for it to finish, or stop it and run this command again — it resumes where that "
            "one stopped"
        ) from None
    return fd


def clear_temporary_files(out: Path) -> int:
    """Remove the hidden temporary files a killed sweep left (parts and descriptions being
    written when it died); call only while holding the folder's lock. Returns how many."""
    removed = 0
    for folder in (out, out / "parts"):
        if not folder.is_dir():
            continue
        for f in folder.glob(".*"):
            if f.name != LOCK_NOTE and f.is_file():
                f.unlink(missing_ok=True)
                removed += 1
    return removed


def run_one(ctx: Context | None, variant: int, replication: int) -> dict[str, Any]:
    """One run of the sweep → its row of figures (a pure function of the context and indices)."""
    ctx = ctx or _CONTEXT
    assert ctx is not None, "worker started without the sweep's context"
    drill = ctx.drills[variant]
    started = time.perf_counter()
    done = run_drill(
        drill.twin,
        drill.scenario,
        seed=ctx.seeds[replication],
        drill=drill,
        router=ctx.router,
        trace_moves=False,
    )
    result, kpis = done.run, done.kpis
    row = run_row(kpis, result.log, drill.scenario)
    fixed = ctx.fixed_costs[variant] if ctx.fixed_costs else 0.0
    row["cost_fixed"] = fixed
    row["cost_total"] = float(row["cost_total"]) + fixed
    return {
        "variant": variant,
        "replication": replication,
        **row,
        "events": float(result.events),
        "wall_s": time.perf_counter() - started,
    }


#: What a sweep's results depend on, as recorded in ``sweep.json`` under ``inputs``, in words for
#: the line that refuses to mix results when one changed.
INPUTS = {
    "model": "the building model's contents",
    "rates": "the background rates files' contents",
    "scenario": "the scenario (the base scenario or a variant, with everything it includes)",
    "sweep": "the sweep file's base, period, seed, background, confidence, variants, grid or search moves",
    "version": "the DrillTwin version",
}

#: A search's fields that only say how many runs to make. No run's figures depend on them, and
#: the search replays its rounds from the recorded runs on their current values
#: (:func:`twin.sweep.search.plan`), so a folder resumes when they change: a larger
#: ``budget_runs`` continues the search, reusing every run already made.
SEARCH_RUN_COUNTS = ("screen_replications", "step_replications", "max_replications", "budget_runs")

#: What may change between runs of one sweep (so is not in its digest): how many replications,
#: the targets judged (``meets:``), its name and description, and a search's run counts.
_MAY_CHANGE: dict[str, Any] = {
    "replications": True,
    "meets": True,
    "name": True,
    "description": True,
    "search": dict.fromkeys(SEARCH_RUN_COUNTS, True),
}

#: A sweep file's fields in the words of the refusal, where the field alone would not say it.
_FIELD_WORDS = {"search": "search: moves (staff, options, choose_one)"}


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def sweep_fields(loaded: LoadedSweep) -> dict[str, str]:
    """A digest per field of the sweep file that its runs depend on (every field but
    :data:`_MAY_CHANGE`), recorded so a refusal can name the field that changed."""
    dumped = loaded.sweep.model_dump(mode="json", exclude=_MAY_CHANGE)
    return {key: _digest(value) for key, value in dumped.items()}


def sweep_inputs(loaded: LoadedSweep, twin: Twin) -> dict[str, str]:
    """A digest of everything a sweep's runs depend on, one per entry of :data:`INPUTS`: the
    model files' bytes, the rates files' bytes, the resolved scenarios, the sweep (less what may
    change between runs of it: replications, ``meets:``, its name and description, a search's
    run counts) and the program version. A resumed sweep whose inputs differ would mix results,
    and is refused."""
    from twin.background.rates import DEFAULT_RATES

    rates: dict[str, str] = {}
    for v in loaded.variants:
        bg = v.scenario.background
        if bg is None:
            continue
        for path in [DEFAULT_RATES, *([Path(bg.rates)] if bg.rates else [])]:
            try:
                rates[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                rates[str(path)] = "unreadable"
    sweep = loaded.sweep.model_dump(mode="json", exclude=_MAY_CHANGE)
    return {
        "model": _digest(sorted(src.sha256 for src in twin.model.sources)),
        "rates": _digest(sorted(rates.values())),
        "scenario": _digest([v.scenario.model_dump(mode="json") for v in loaded.variants]),
        "sweep": _digest(sweep),
        "version": __version__,
    }


def check_inputs(out: Path, meta: dict[str, Any]) -> None:
    """Refuse to resume a sweep folder whose runs were made on other inputs than ``meta``'s (a
    :func:`sweep_meta`), saying which changed — for the sweep file, which of its fields."""
    meta_path = out / META
    if not meta_path.is_file():
        return
    try:
        old = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SweepFolderError(f"{meta_path}: cannot read it ({exc}); is this a sweep folder?") from None
    if not isinstance(old, dict):
        raise SweepFolderError(
            f"{meta_path}: not a sweep description (a JSON {type(old).__name__}, not an object); "
            "choose a new --out folder"
        )
    before = old.get("inputs")
    if not isinstance(before, dict):
        raise SweepFolderError(
            f"{out}: was started by a DrillTwin that did not record the model and rates it ran on, "
            "so its runs cannot be trusted to match new ones — choose a new --out folder"
        )
    inputs = meta["inputs"]
    changed = [key for key in INPUTS if before.get(key) != inputs[key]]
    if changed:
        words = "; ".join(
            _changed_fields(old, meta)
            if k == "sweep"
            else INPUTS[k] + (f" ({before.get(k)} → {inputs[k]})" if k == "version" else "")
            for k in changed
        )
        raise SweepFolderError(
            f"{out}: holds the results of another sweep — changed since it was started: {words}; its "
            "runs would mix with new ones — choose a new --out folder (or restore what changed to resume)"
        )


def _changed_fields(old: dict[str, Any], meta: dict[str, Any]) -> str:
    """The sweep file's fields that differ from those the folder was started with, in words
    (``seed: 7 → 8``); the general words when the folder did not record them per field."""
    before, now = old.get("sweep_fields"), meta["sweep_fields"]
    if not isinstance(before, dict):
        return INPUTS["sweep"]
    names = [key for key in sorted({*before, *now}) if before.get(key) != now.get(key)]
    out = []
    for key in names:
        words = _FIELD_WORDS.get(key, f"{key}:")
        if key in ("seed", "period") and key in old:
            words += f" {_shown(old[key])} → {_shown(meta[key])}"
        out.append(words)
    return "the sweep file's " + ", ".join(out) if out else INPUTS["sweep"]


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)


def sweep_meta(loaded: LoadedSweep, twin: Twin) -> dict[str, Any]:
    s = loaded.sweep
    return {
        "name": s.name,
        "description": s.description,
        "sweep_file": str(loaded.path) if loaded.path else None,
        "fingerprint": loaded.fingerprint(),
        "inputs": sweep_inputs(loaded, twin),
        "sweep_fields": sweep_fields(loaded),
        "seed": s.seed,
        "replications": s.replications,
        "period": s.period.model_dump(mode="json"),
        "meets": s.meets,
        "confidence": s.confidence,
        "targets": loaded.base.scenario.targets.model_dump(mode="json"),
        "variants": [
            {
                "index": v.index,
                "name": v.name,
                "scenario": v.scenario.model_dump(mode="json"),
                "cost_per_year": v.cost_per_year,
            }
            for v in loaded.variants
        ],
        "model": [{"name": src.name, "sha256": src.sha256} for src in twin.model.sources],
        "drilltwin_version": __version__,
    }


def run_sweep(
    twin: Twin,
    loaded: LoadedSweep,
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    context: Context | None = None,
) -> SweepRun:
    """Run every (variant, replication) not yet recorded in ``out``, recording each as it ends.

    Parameters
    ----------
    workers
        Local worker processes (default: the machine's cores). Ignored with ``scheduler``.
    scheduler
        A Dask scheduler address (``tcp://host:8786``): run on that cluster instead.
    progress
        Called with (runs done, runs in total, a message with the rate and the time left).
    context
        A context from :func:`build_context`, to reuse between sweeps of the same file.
    """
    started = time.perf_counter()
    out = Path(out)
    meta = sweep_meta(loaded, twin)
    with folder_lock(out) as note_holder:
        check_inputs(out, meta)
        folder = SweepFolder.open(out, meta)
        if removed := clear_temporary_files(out):
            log.info("%s: removed %d temporary file(s) left by a sweep that was stopped", out, removed)
        note_holder()
        if folder.meta.get("meets") != loaded.sweep.meets:
            # `meets:` only judges the finished rows: a change is allowed, and the report uses it.
            log.warning(
                "%s: meets: changed from %s to %s; the report uses the new targets",
                out,
                folder.meta.get("meets"),
                loaded.sweep.meets,
            )
            folder.update_meta({"meets": loaded.sweep.meets})
        if "sweep_fields" not in folder.meta:  # started before fields were recorded one by one
            folder.update_meta({"sweep_fields": meta["sweep_fields"]})
        return _run_pending(
            folder,
            twin,
            loaded,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            context=context,
            started=started,
        )


def _run_pending(
    folder: SweepFolder,
    twin: Twin,
    loaded: LoadedSweep,
    *,
    workers: int | None,
    scheduler: str | None,
    progress: Progress | None,
    context: Context | None,
    started: float,
) -> SweepRun:
    replications = int(folder.meta["replications"])
    # Replication by replication, so a sweep stopped early has every variant on the same years.
    todo = [(v.index, r) for r in range(replications) for v in loaded.variants]
    done = folder.done
    pending = [key for key in todo if key not in done]
    total, before = len(todo), len(todo) - len(pending)
    if progress:
        progress(before, total, "already done" if before else "starting")
    if not pending:
        if not (folder.path / "results.parquet").is_file():
            folder.finish()
        return SweepRun(total, before, 0, time.perf_counter() - started, 0, "none")
    ctx = context or build_context(twin, loaded, replications)
    with open_runner(ctx, workers=workers, scheduler=scheduler) as runner:
        ran = runner.run(pending, folder, loaded, progress=progress, before=before, total=total)
    folder.finish()
    return SweepRun(total, before, ran, time.perf_counter() - started, runner.workers, runner.name)


@dataclass(slots=True)
class Runner:
    """An open executor with the sweep's context on every worker: runs batches of keys."""

    executor: Any
    shared: Any
    workers: int
    name: str

    def run(
        self,
        keys: list[tuple[int, int]],
        folder: SweepFolder,
        loaded: LoadedSweep,
        *,
        progress: Progress | None = None,
        before: int = 0,
        total: int | None = None,
    ) -> int:
        """Run ``keys`` (variant, replication), recording each row as it arrives; returns how
        many ran. Raises :class:`SweepError` naming the run that failed."""
        total = before + len(keys) if total is None else total
        ran = 0
        t0 = time.perf_counter()
        futures: dict[Future[dict[str, Any]], tuple[int, int]] = {}
        try:
            futures = {self.executor.submit(run_one, self.shared, v, r): (v, r) for v, r in keys}
            for fut in as_completed(futures):
                v, r = futures[fut]
                try:
                    row = fut.result()
                except Exception as exc:
                    raise SweepError(
                        f"run of variant '{loaded.variants[v].name}', replication {r} failed: "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
                folder.record(row)
                ran += 1
                if progress:
                    elapsed = time.perf_counter() - t0
                    rate = ran / elapsed if elapsed > 0 else 0.0
                    left = (len(keys) - ran) / rate if rate > 0 else float("nan")
                    progress(before + ran, total, f"{rate:.2f} runs/s, {_clock(left)} left")
        finally:
            for fut in futures:
                fut.cancel()
        return ran


@contextlib.contextmanager
def open_runner(
    ctx: Context, *, workers: int | None = None, scheduler: str | None = None
) -> Iterator[Runner]:
    """A local process pool (or a Dask cluster) holding ``ctx`` on every worker, shut on exit."""
    if scheduler:
        client, name, n_workers = _dask_client(scheduler)
        try:
            shared: Any = client.scatter(ctx, broadcast=True, hash=False)
            yield Runner(client.get_executor(), shared, n_workers, name)
        finally:
            client.close()
        return
    n_workers = max(1, workers or os.cpu_count() or 1)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    executor = ProcessPoolExecutor(
        n_workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(ctx, os.getpid()),
    )
    try:
        yield Runner(executor, None, n_workers, f"local processes ({method})")
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _clock(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "?"
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _dask_client(address: str) -> tuple[Any, str, int]:
    try:
        from distributed import Client
    except ImportError:
        raise SweepError(
            "--scheduler needs Dask: pip install 'drilltwin[dask]' (dask[distributed])"
        ) from None
    try:
        client = Client(address, timeout="10s")
    except OSError as exc:
        raise SweepError(
            f"--scheduler {address}: cannot reach the Dask scheduler ({exc}); "
            "check the address and that 'dask scheduler' is running"
        ) from None
    workers = len(client.scheduler_info().get("workers", {}))
    return client, f"dask {address}", workers
