"""`twin calibrate` as a user runs it on the shipped sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.cli import main
from twin.history import sample_files


def test_twin_calibrate_prints_the_import_and_the_rates_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], estate_twin: object
) -> None:
    log, mapping = sample_files()
    out = tmp_path / "rates.yaml"
    assert main(["calibrate", str(log), "--map", str(mapping), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "3,424 rows read: 3,419 used, 5 rejected" in printed
    assert "    row 3386: LOCATION 'Boiler House': unknown place — no place called 'Boiler House'" in printed
    assert "14 of 14 default rates lie inside the log's 95% intervals." in printed
    assert "pipe_burst: rate kept at the default 0.006: 4 rows (fewer than 10)" in printed
    assert out.read_text().startswith(
        "# Background rates calibrated from estate_workorders.csv, 2025-01-01 to 2025-12-31"
    )
    assert main(["calibrate", str(log), "--map", str(mapping), "--out", str(out)]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
