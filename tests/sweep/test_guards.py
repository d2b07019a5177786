"""A sweep folder never mixes results: what the runs depend on is recorded and checked, one sweep
at a time holds the folder, a resume clears what a killed one left, workers die with their
parent, and damaged folders are one line (or the damaged run made again)."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import REPO
from tests.sweep.conftest import small_sweep
from twin.cli import main
from twin.sweep.execute import build_context, folder_lock, run_sweep, sweep_meta
from twin.sweep.report import sweep_report
from twin.sweep.results import SweepFolder, SweepFolderError, part_name, read_sweep
from twin.sweep.spec import load_sweep


@pytest.fixture(scope="module")
def finished(tmp_path_factory, estate_twin):
    """A finished sweep of two variants × one replication of one day, and its loaded file."""
    tmp = tmp_path_factory.mktemp("finished")
    loaded = load_sweep(small_sweep(tmp, days=1, replications=1))
    ctx = build_context(estate_twin, loaded)
    out = tmp / "out"
    assert run_sweep(estate_twin, loaded, out, workers=1, context=ctx).ran == 2
    return loaded, ctx, out


def started(loaded, twin, out: Path) -> Path:
    """A sweep folder opened by ``loaded`` on ``twin`` (its sweep.json written), no run made."""
    SweepFolder.open(out, sweep_meta(loaded, twin))
    return out


def test_a_changed_model_is_refused_naming_what_changed(finished, estate_twin, tmp_path):
    loaded, _, _ = finished
    out = started(loaded, estate_twin, tmp_path / "out")
    src = estate_twin.model.sources[0]
    edited = dataclasses.replace(
        estate_twin,
        model=dataclasses.replace(estate_twin.model, sources=(dataclasses.replace(src, sha256="0" * 64),)),
    )
    with pytest.raises(
        SweepFolderError,
        match=r"out: holds the results of another sweep — changed since it "
        r"was started: the building model's contents; its runs would mix",
    ):
        run_sweep(edited, loaded, out, workers=1)
    assert not (out / "manifest.jsonl").exists()


def test_a_changed_rates_file_is_refused_naming_it(estate_twin, tmp_path):
    rates = tmp_path / "rates.yaml"
    rates.write_text("work_orders: []\n", encoding="utf-8")
    base = tmp_path / "roster.yaml"
    text = (REPO / "scenarios" / "estate_roster.yaml").read_text(encoding="utf-8")
    assert "background: {}" in text
    base.write_text(text.replace("background: {}", f"background: {{rates: {rates.name}}}"), encoding="utf-8")
    path = small_sweep(tmp_path, days=1, replications=1)
    path.write_text(
        path.read_text(encoding="utf-8").replace(str(REPO / "scenarios" / "estate_roster.yaml"), str(base)),
        encoding="utf-8",
    )
    loaded = load_sweep(path)
    out = started(loaded, estate_twin, tmp_path / "out")
    rates.write_text("work_orders: []\n# edited\n", encoding="utf-8")
    with pytest.raises(
        SweepFolderError,
        match=r"changed since it was started: the background rates files' "
        r"contents;",
    ):
        run_sweep(estate_twin, load_sweep(path), out, workers=1)


def test_a_new_program_version_is_refused_with_both_versions(finished, estate_twin, tmp_path, monkeypatch):
    loaded, _, _ = finished
    out = started(loaded, estate_twin, tmp_path / "out")
    monkeypatch.setattr("twin.sweep.execute.__version__", "99.0")
    with pytest.raises(SweepFolderError, match=r"the DrillTwin version \(0\.1\.0 → 99\.0\)"):
        run_sweep(estate_twin, loaded, out, workers=1)


def test_a_changed_meets_is_allowed_and_the_report_uses_it(finished, estate_twin, tmp_path):
    loaded, ctx, out = finished
    strict = dataclasses.replace(loaded, sweep=loaded.sweep.model_copy(update={"meets": {"red": 1.0}}))
    outcome = run_sweep(estate_twin, strict, out, workers=1, context=ctx)
    assert outcome.ran == 0
    assert json.loads((out / "sweep.json").read_text(encoding="utf-8"))["meets"] == {"red": 1.0}
    assert sweep_report(read_sweep(out)).meets == {"red": 1.0}
    run_sweep(estate_twin, loaded, out, workers=1, context=ctx)  # and back
    assert sweep_report(read_sweep(out)).meets == {"red": 0.9, "yellow": 0.8}


def test_a_resume_clears_the_temporary_files_a_killed_sweep_left(finished, estate_twin):
    loaded, ctx, out = finished
    left = [out / "parts" / ".v000-r000000.parquet.k2j3h4", out / ".sweep.json.x8y9z0"]
    for f in left:
        f.write_bytes(b"half a file")
    run_sweep(estate_twin, loaded, out, workers=1, context=ctx)
    assert not any(f.exists() for f in left)
    assert len(read_sweep(out).rows) == 2


HOLD = """
import sys, time
from pathlib import Path
from twin.sweep.execute import folder_lock
with folder_lock(Path(sys.argv[1])) as note:
    note()
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_second_sweep_on_a_folder_in_use_is_refused_naming_the_holder(
    finished, estate_twin, tmp_path, monkeypatch, capsys
):
    loaded, ctx, _ = finished
    out = tmp_path / "busy"
    with subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True, cwd=REPO
    ) as holder:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(
            SweepFolderError,
            match=rf"busy: another sweep is running in this folder \(pid "
            rf"{holder.pid}, since .*\); wait for it to finish",
        ):
            run_sweep(estate_twin, loaded, out, workers=1, context=ctx)
        # The command says so before it loads the model.
        monkeypatch.setattr("twin.twin.load_twin", lambda *a, **k: pytest.fail("the model was loaded"))
        assert main(["sweep", str(loaded.path), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"(pid {holder.pid}, since " in err
        holder.kill()
    # The lock ends with its holder however that ends (here: SIGKILL).
    with folder_lock(out) as note:
        note()


ORPHAN = """
import os, sys, time, multiprocessing
from concurrent.futures import ProcessPoolExecutor
from twin.sweep.execute import _init_worker
pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"), initializer=_init_worker,
                           initargs=(None, os.getpid()))
print(pool.submit(os.getpid).result(), flush=True)
pool.submit(time.sleep, 120)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has exited (and waits for a parent to reap it)


def test_pool_workers_exit_within_a_second_when_the_sweep_parent_is_killed():
    with subprocess.Popen(
        [sys.executable, "-c", ORPHAN], stdout=subprocess.PIPE, text=True, cwd=REPO
    ) as parent:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        assert _alive(worker)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 3.0
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the worker outlived its parent by 3 s"


# -- damaged sweep folders ------------------------------------------------------------------------


def damaged_folder(tmp_path: Path) -> Path:
    """A sweep folder of one variant × two replications, written by hand."""
    out = tmp_path / "sweep"
    (out / "parts").mkdir(parents=True)
    meta = {"name": "x", "variants": [{"index": 0, "name": "base"}], "replications": 2}
    (out / "sweep.json").write_text(json.dumps(meta), encoding="utf-8")
    lines = []
    for r in range(2):
        pd.DataFrame([{"variant": 0, "replication": r, "value": 10.0 + r}]).to_parquet(out / part_name(0, r))
        lines.append(json.dumps({"variant": 0, "replication": r, "part": part_name(0, r)}))
    (out / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def test_damaged_manifest_lines_are_not_recorded_runs(tmp_path):
    out = damaged_folder(tmp_path)
    pd.DataFrame([{"variant": 99, "replication": 0, "value": 1.0}]).to_parquet(out / part_name(99, 0))
    with open(out / "manifest.jsonl", "ab") as fh:
        fh.write(b'{"variant": 0, "replication": 1}\n')  # no part
        fh.write(b'\xff\xfe{"variant": 0}\n')  # not UTF-8
        fh.write(json.dumps({"variant": 99, "replication": 0, "part": part_name(99, 0)}).encode() + b"\n")
        fh.write(json.dumps({"variant": 0, "replication": 0, "part": "../../etc/passwd"}).encode() + b"\n")
    rows = read_sweep(out).rows
    assert rows[["variant", "replication", "value"]].values.tolist() == [[0, 0, 10.0], [0, 1, 11.0]]


def test_a_truncated_results_file_is_read_again_from_the_parts(tmp_path):
    out = damaged_folder(tmp_path)
    (out / "results.parquet").write_bytes(b"PAR1 cut short")
    assert read_sweep(out).rows["value"].tolist() == [10.0, 11.0]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda out: (out / part_name(0, 1)).write_bytes((out / part_name(0, 1)).read_bytes()[:40]),
            r"parts/v000-r000001\.parquet: damaged \(.*\); delete it and run the same 'twin sweep' command again",
        ),
        (
            lambda out: (out / "sweep.json").write_text("[1, 2]", encoding="utf-8"),
            r"sweep\.json: not a sweep description \(no 'variants' list and 'replications' count\); it is damaged",
        ),
    ],
)
def test_a_damaged_part_or_description_is_one_line_naming_the_file(tmp_path, capsys, damage, message):
    out = damaged_folder(tmp_path)
    damage(out)
    assert main(["sweep-report", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert pytest.importorskip("re").search(message, err)
