"""Building the twin of untrusted IFC files (web uploads) in a child process with memory and time
limits, so that no file — however large, malformed or hostile — can take the caller down.

The child (``python -m twin.isolated FILE…``) caps its own address space (``RLIMIT_AS``) and CPU
time, builds the twin into a private cache folder and reports progress and the result as JSON
lines on stdout; the parent stops it when the time limit passes. A crash there (ifcopenshell is C++
and can segfault on a damaged file) becomes one :class:`~twin.errors.ModelError` line here. The
parent reads the built twin back from that folder and deletes the folder: nothing of the upload
stays on disk.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from twin import cache
from twin.audit import audit_reachability
from twin.errors import ModelError, TwinError
from twin.ifc import Progress
from twin.limits import UPLOAD_MEMORY_MB, UPLOAD_SECONDS
from twin.twin import Twin

log = logging.getLogger(__name__)

#: The child's exit status when it ran out of memory in Python (not in C++, which aborts).
EXIT_MEMORY = 3


def load_twin_isolated(
    paths: Sequence[Path],
    *,
    progress: Progress | None = None,
    memory_mb: float | None = None,
    seconds: float | None = None,
) -> Twin:
    """The twin of ``paths``, built in a child process (see the module docs).

    Raises
    ------
    ModelError
        The files cannot be read (the child's own one-line error), the child crashed, ran out of
        memory or time. Each message names the limit and how to raise it.
    """
    memory = memory_mb or UPLOAD_MEMORY_MB.value()
    limit_s = seconds or UPLOAD_SECONDS.value()
    names = ", ".join(str(p) for p in paths)
    report = progress or (lambda _f, _m: None)
    with tempfile.TemporaryDirectory(prefix="drilltwin-isolated-") as folder:
        package_root = str(Path(__file__).resolve().parents[1])
        env = {
            **os.environ,
            "DRILLTWIN_CACHE_DIR": folder,
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
            # One thread each: BLAS thread pools reserve address space the limit would count.
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        cmd = [
            sys.executable,
            "-m",
            "twin.isolated",
            "--memory-mb",
            str(memory),
            "--seconds",
            str(limit_s),
            *(str(p) for p in paths),
        ]
        with subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, stdin=subprocess.DEVNULL, text=True
        ) as proc:
            outcome, stderr = _follow(proc, time.monotonic() + limit_s, report, names, limit_s)
        if "error" in outcome:
            raise ModelError(str(outcome["error"]))
        if proc.returncode == EXIT_MEMORY:
            raise _memory_error(names, memory)
        if proc.returncode < 0 or "key" not in outcome:
            tail = " ".join("".join(stderr).split())[-200:]
            if "MemoryError" in tail or "bad_alloc" in tail:
                raise _memory_error(names, memory)
            how = (
                f"signal {signal.Signals(-proc.returncode).name}"
                if proc.returncode < 0
                else f"exit status {proc.returncode}"
            )
            log.warning("the isolated reader of %s ended with %s: %s", names, how, tail)
            raise ModelError(
                f"{names}: the IFC reader crashed on this file ({how}) — it may be damaged, or need more "
                f"than the {memory:g} MB an upload may use ({UPLOAD_MEMORY_MB.how_to_raise()}); "
                "`twin inspect FILE` on the command line shows more"
            )
        key = str(outcome["key"])
        hit = cache.load(key, Path(folder))
        if hit is None:
            raise ModelError(f"{names}: the isolated reader's result could not be read back; try again")
        model, graph = hit
        return Twin(model, graph, audit_reachability(model, graph), key, False)


def load_uploaded_twin(
    files: Sequence[tuple[str, bytes]],
    *,
    progress: Progress | None = None,
    memory_mb: float | None = None,
    seconds: float | None = None,
) -> Twin:
    """The twin of uploaded files given as (name, contents), built as :func:`load_twin_isolated`
    builds it. The files are written only inside a temporary folder removed when this returns;
    errors name the uploads, never that folder.

    Raises
    ------
    ModelError
        As :func:`load_twin_isolated`.
    """
    with tempfile.TemporaryDirectory(prefix="drilltwin-upload-") as tmp:
        paths: list[Path] = []
        for i, (name, data) in enumerate(files):
            # One folder per file keeps its own (sanitised) name, which the twin reports.
            folder = Path(tmp) / str(i)
            folder.mkdir()
            path = folder / safe_name(name)
            path.write_bytes(data)
            paths.append(path)
        try:
            return load_twin_isolated(paths, progress=progress, memory_mb=memory_mb, seconds=seconds)
        except TwinError as exc:
            message = str(exc)
            for path, (name, _) in zip(paths, files, strict=True):
                message = message.replace(str(path), name)
            raise type(exc)(message.replace(tmp, "")) from None


def safe_name(name: str) -> str:
    """An uploaded file's name that stays inside its folder: no path parts, no odd characters."""
    stem = Path(name).name
    suffix = Path(stem).suffix.lower()
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", stem[: -len(suffix)] if suffix else stem).strip("._")
    return f"{base[:80] or 'model'}{suffix}"


def _follow(
    proc: subprocess.Popen[str], deadline: float, report: Progress, names: str, limit_s: float
) -> tuple[dict[str, object], list[str]]:
    """Relay the child's progress until it ends (or kill it at ``deadline``); its last JSON
    document and its stderr lines."""
    assert proc.stdout is not None and proc.stderr is not None
    lines: queue.Queue[str | None] = queue.Queue()
    stderr: list[str] = []
    readers = [
        threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True),
        threading.Thread(target=lambda: stderr.extend(proc.stderr or ()), daemon=True),
    ]
    for reader in readers:
        reader.start()
    outcome: dict[str, object] = {}
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _time_error(names, limit_s)
            try:
                line = lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if line is None:
                break
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "progress" in msg:
                report(float(msg["progress"]), str(msg.get("message", "")))
            else:
                outcome = msg
        try:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            # It closed its output but went on running past the limit.
            raise _time_error(names, limit_s) from None
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        for reader in readers:  # both pipes are at their end once the child has gone
            reader.join(timeout=5.0)
    return outcome, stderr


def _time_error(names: str, limit_s: float) -> ModelError:
    return ModelError(
        f"{names}: reading it took longer than {limit_s:g} s, the limit for an upload — "
        f"{UPLOAD_SECONDS.how_to_raise()}, or run `twin inspect FILE` on the command line"
    )


def _memory_error(names: str, memory: float) -> ModelError:
    return ModelError(
        f"{names}: reading it needs more than the {memory:g} MB of memory an upload may use — "
        f"{UPLOAD_MEMORY_MB.how_to_raise()}, or run `twin inspect FILE` on the command line"
    )


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def main(argv: Sequence[str] | None = None) -> int:
    """The child: limit itself, build the twin into ``$DRILLTWIN_CACHE_DIR``, report as JSON lines."""
    import argparse
    import resource

    parser = argparse.ArgumentParser(prog="python -m twin.isolated")
    parser.add_argument("--memory-mb", type=float, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    memory = int(args.memory_mb * 1_000_000)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(args.seconds) + 5  # a backstop: the parent stops the child at the time limit
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))

    def say(doc: dict[str, object]) -> None:
        sys.stdout.write(json.dumps(doc) + "\n")
        sys.stdout.flush()

    from twin.twin import load_twin

    try:
        twin = load_twin(args.files, progress=lambda f, m: say({"progress": f, "message": m}))
    except TwinError as exc:
        say({"error": str(exc)})
        return 2
    except MemoryError:
        return EXIT_MEMORY
    say({"key": twin.cache_key})
    return 0


if __name__ == "__main__":
    sys.exit(main())
