"""The event log is a stage of its own: the KPIs and the run store read logs without the engine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_kpis_the_run_store_and_the_event_stage_load_no_part_of_the_engine():
    code = (
        "import sys, twin.kpi, twin.store, twin.events.log, twin.events.tables, twin.events.state; "
        "print(sorted(m for m in sys.modules if m == 'twin.engine' or m.startswith('twin.engine.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
