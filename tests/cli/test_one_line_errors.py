"""Every bad input to a command is one line on stderr naming the file and the fix, exit status 2:
run folders written whole (a full disk leaves nothing behind), --out refused before the drill
runs, damaged run folders, and the last guard for any file the system refuses."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pandas as pd
import pytest

from twin.cli import main

TINY = """name: tiny
duration_h: 0.5
people:
  - {id: P1, trades: {plumber: 2}, shift: night}
"""


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, f"one line, no traceback: {err}"
    return err


@pytest.fixture()
def tiny(tmp_path: Path, estate_twin: object) -> Path:
    # estate_twin builds the session's twin cache first: a command that builds it prints its
    # progress on stderr, which one_line would count (this file alone failed on a cold cache).
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path


def test_run_refuses_an_existing_out_folder_before_loading_the_model(tiny, tmp_path, capsys, monkeypatch):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")

    def no_load(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was loaded although --out was taken")

    monkeypatch.setattr("twin.twin.load_twin", no_load)
    assert main(["run", str(tiny), "--out", str(out)]) == 2
    assert "taken: already exists and is not empty; a run is never written over another" in one_line(capsys)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_run_refuses_an_out_under_a_file_before_loading_the_model(tiny, tmp_path, capsys, monkeypatch):
    # The folders above --out are made when the run is written; a file among them was found only
    # then ("cannot create the run folder (File exists)"), after the drill had run for nothing.
    notes = tmp_path / "notes.txt"
    notes.write_text("mine", encoding="utf-8")

    def no_load(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was loaded although --out cannot be written")

    monkeypatch.setattr("twin.twin.load_twin", no_load)
    out = notes / "runs" / "night"
    assert main(["run", str(tiny), "--out", str(out)]) == 2
    assert one_line(capsys) == f"twin run: {out}: {notes} is a file, not a folder; choose another --out\n"
    assert notes.read_text(encoding="utf-8") == "mine"


def test_a_full_disk_leaves_no_half_written_run_and_the_same_out_works_after(
    tiny, tmp_path, capsys, monkeypatch
):
    out = tmp_path / "runs" / "tiny"
    real = pd.DataFrame.to_parquet
    calls = {"n": 0}

    def disk_full_on_second_file(self: pd.DataFrame, path: object, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(self, path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pd.DataFrame, "to_parquet", disk_full_on_second_file)
    assert main(["run", str(tiny), "--out", str(out)]) == 2
    assert "tiny: could not write the run (No space left on device); nothing was left behind" in one_line(
        capsys
    )
    assert list(out.parent.iterdir()) == []  # neither the run folder nor its temporary one
    monkeypatch.setattr(pd.DataFrame, "to_parquet", real)
    assert main(["run", str(tiny), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["events.parquet", "kpis.parquet", "metadata.json"]


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        (
            [1, 2],
            "metadata.json: holds no scenario (expected a JSON object with a 'scenario' object, got list)",
        ),
        (
            {"seed": 1},
            "metadata.json: holds no scenario (expected a JSON object with a 'scenario' object, got dict)",
        ),
        ({"scenario": {"name": "x"}}, "metadata.json: its scenario is not valid ("),
    ],
)
def test_a_damaged_run_folder_is_one_line(tmp_path, capsys, metadata, message):
    run = tmp_path / "run"
    run.mkdir()
    pd.DataFrame({"a": [1]}).to_parquet(run / "events.parquet")
    pd.DataFrame({"a": [1]}).to_parquet(run / "kpis.parquet")
    (run / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    assert main(["report", str(run), "--out", str(tmp_path / "r.html")]) == 2
    err = one_line(capsys)
    assert message in err and "it may be damaged — run the drill again" in err


def test_any_file_the_system_refuses_is_one_line_with_a_fix(monkeypatch, capsys):
    def full(args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", "/data/out/x.parquet")

    monkeypatch.setattr("twin.cli.schema.run", full)
    assert main(["schema"]) == 2
    assert one_line(capsys) == (
        "twin schema: /data/out/x.parquet: No space left on device — free some disk "
        "space and run the command again\n"
    )
