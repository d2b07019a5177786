"""A small sweep on the default estate: two rosters, a few replications of a few days."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO

ROSTER = REPO / "scenarios" / "estate_roster.yaml"

SMALL = """\
name: Small night-shift sweep
base: {base}
period: {{start: 2026-01-05T00:00:00, days: {days}}}
replications: {replications}
seed: 42
meets: {{red: 0.9, yellow: 0.8}}
variants:
  - name: today
  - name: one night plumber, guards close valves
    staff: {{night: {{plumber: 1}}}}
    train: {{night: {{security: {{plumber: 1}}}}}}
"""


def small_sweep(folder: Path, *, days: float = 3, replications: int = 3, name: str = "small.yaml") -> Path:
    path = folder / name
    path.write_text(SMALL.format(base=ROSTER, days=days, replications=replications), encoding="utf-8")
    return path


@pytest.fixture()
def sweep_file(tmp_path: Path) -> Path:
    return small_sweep(tmp_path)
