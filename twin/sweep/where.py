"""Where sweeps come from and where they are written, for the app.

The shipped sweep files; an uploaded sweep file read as if it sat beside them, its ``base:``
taken from the shipped scenarios and every file it names kept within DrillTwin's shipped data;
the folder an interactive run of a sweep writes to; the sweep folders under a folder.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from twin.errors import TwinError
from twin.scenario import ScenarioError, scenarios_dir
from twin.store import folders_holding
from twin.sweep.results import META
from twin.sweep.spec import LoadedSweep, search_sweep


def shipped_sweeps() -> dict[str, Path]:
    """The shipped sweep files by display name (``scenarios/sweeps/night_shift_options.yaml``)."""
    return {f"scenarios/sweeps/{p.name}": p for p in sorted((scenarios_dir() / "sweeps").glob("*.yaml"))}


def uploaded_sweep(text: str, name: str) -> LoadedSweep:
    """An uploaded sweep file called ``name``, read as if it were in ``scenarios/sweeps/``: its
    ``base:`` is a shipped scenario (:func:`shipped_base`) and every file a variant names must
    be shipped data. Nothing is written; errors name the upload.

    Raises
    ------
    ScenarioError
        The sweep is invalid, its base is not a shipped scenario, or it names another file.
    """
    from twin.scenario.edit import set_fields
    from twin.scenario.load import LoadedScenario, shipped_data_dirs, with_files_resolved
    from twin.sweep.spec import parse_sweep

    base = shipped_base(text, name)
    if base is not None:
        text = set_fields(text, {"base": str(base)})
    folder = scenarios_dir() / "sweeps"
    path = folder / name  # never written: where the upload's relative paths start
    try:
        loaded = parse_sweep(text, source=path)
        for v in loaded.variants:
            located = LoadedScenario(v.scenario, path, loaded.lines)
            with_files_resolved(located, folder, inside=shipped_data_dirs())
    except TwinError as exc:
        raise type(exc)(str(exc).replace(str(path), name)) from None
    return dataclasses.replace(loaded, path=Path(name))


def shipped_base(text: str, name: str) -> Path | None:
    """The shipped scenario an uploaded sweep's ``base:`` names, found from ``scenarios/sweeps/``
    or ``scenarios/`` (``None`` when the text has no usable ``base:``: the sweep's own checks
    then say so).

    Raises
    ------
    ScenarioError
        ``base:`` names no shipped scenario (with the upload's line and the shipped names).
    """
    from twin.scenario.load import read_yaml

    try:
        data = read_yaml(text, name)[1]
    except ScenarioError:
        return None  # the sweep's own reading says what is wrong
    if not isinstance(data, dict) or not isinstance(data.get("base"), str):
        return None
    root = scenarios_dir().resolve()
    base = Path(data["base"])
    found = (
        None
        if base.is_absolute()
        else next((p.resolve() for p in (root / "sweeps" / base, root / base) if p.is_file()), None)
    )
    if found is None or not found.is_relative_to(root):
        line = next((i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("base:")), 1)
        shipped = ", ".join(p.name for p in sorted(root.glob("*.yaml")))
        raise ScenarioError(
            f"{name}:{line}: base: no shipped scenario '{data['base']}'; an uploaded sweep's "
            f"base is one of scenarios/ ({shipped}), e.g. base: ../estate_roster.yaml"
        )
    return found


def run_folder(root: Path, loaded: LoadedSweep, stem: str, days: int, replications: int) -> Path:
    """``root/<stem>-<days>d-<replications>r`` — with the sweep's fingerprint added when that
    folder holds another version of the sweep (an edited file), so runs never mix."""
    folder = root / f"{stem}-{days}d-{replications}r"
    meta = folder / META
    if meta.is_file():
        try:
            other = json.loads(meta.read_text(encoding="utf-8")).get("fingerprint")
        except (OSError, ValueError):
            other = None
        # A search's folder records its candidate rosters' fingerprint (its variants); the file
        # alone, without variants, has only its seed's.
        ours = (search_sweep(loaded) if loaded.sweep.search and not loaded.variants else loaded).fingerprint()
        if other != ours:
            folder = folder.with_name(f"{folder.name}-{ours[:8]}")
    return folder


def sweep_folders(root: Path) -> dict[str, Path]:
    """Sweep folders (holding ``sweep.json``) directly under ``root``, newest first, by
    ``<root's name>/<folder>``."""
    return folders_holding(root, META)
