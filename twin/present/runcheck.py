"""Checks before a report is written: the run fits the building given, and the report can be written.

Takes a :class:`~twin.store.StoredRun`, a :class:`~twin.twin.Twin` and an output path; raises a
:class:`ReportError` naming what does not fit and what to do, before any work is done.
"""

from __future__ import annotations

from pathlib import Path

from twin.errors import TwinError
from twin.store import StoredRun, check_out_file
from twin.twin import Twin


class ReportError(TwinError):
    """A report cannot be written, or the run does not fit the building given."""


def run_model_paths(run: StoredRun) -> list[Path] | None:
    """The model files of a run's scenario (relative to its scenario file), or None for the
    bundled estate."""
    scenario = run.scenario
    if not scenario.model:
        return None
    base = Path(run.metadata.get("scenario_file") or ".").parent
    return [p if p.is_absolute() else base / p for p in map(Path, scenario.model)]


def check_model(run: StoredRun, twin: Twin) -> None:
    """Refuse a twin whose files are not those the run was made on (plans would lie)."""
    want = [(m.get("name", "?"), m.get("sha256", "")) for m in run.metadata.get("model", [])]
    have = [(s.name, s.sha256) for s in twin.model.sources]
    if want and sorted(h for _, h in want) != sorted(h for _, h in have):
        raise ReportError(
            f"{run.path / 'metadata.json'}: the run was made on {', '.join(n for n, _ in want)} "
            f"(sha256 {', '.join(h[:12] for _, h in want)}), but the model loaded is "
            f"{', '.join(n for n, _ in have)} (sha256 {', '.join(h[:12] for _, h in have)}) — "
            "name the run's model files after RUN_DIR"
        )


def check_out(out: Path, *, force: bool = False) -> Path:
    """Refuse an ``out`` that cannot or must not be written, before any work is done."""
    return check_out_file(out, force=force, option="--out", example="report.html", error=ReportError)
