"""Running sweeps: the same rows on any executor, durable through kill -9, nothing run twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pandas as pd
import pytest

from tests.sweep.conftest import small_sweep
from twin.sweep.execute import build_context, run_sweep
from twin.sweep.results import SweepFolderError, read_sweep
from twin.sweep.spec import load_sweep

#: Columns that are measurements of the machine, not of the drill.
TIMING = ["wall_s"]


def _rows(folder: Path) -> pd.DataFrame:
    return read_sweep(folder).rows.drop(columns=TIMING)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, estate_twin):
    """The small sweep run once on one local worker: what every other way must reproduce."""
    tmp = tmp_path_factory.mktemp("reference")
    loaded = load_sweep(small_sweep(tmp))
    ctx = build_context(estate_twin, loaded)
    outcome = run_sweep(estate_twin, loaded, tmp / "out", workers=1, context=ctx)
    assert outcome.ran == 6
    return loaded, ctx, _rows(tmp / "out")


def test_the_sweep_records_one_row_per_variant_and_replication(reference):
    _, _, rows = reference
    assert list(zip(rows["variant"], rows["replication"], strict=True)) == [
        (0, 0),
        (0, 1),
        (0, 2),
        (1, 0),
        (1, 1),
        (1, 2),
    ]
    assert (rows["blue_incidents"] > 5).all()  # three days of background work


def test_every_variant_sees_the_same_incidents_in_a_replication(reference):
    _, _, rows = reference
    today, thin = rows[rows["variant"] == 0], rows[rows["variant"] == 1]
    # The same work orders arrive for both rosters (common random numbers)…
    assert today["blue_incidents"].tolist() == thin["blue_incidents"].tolist()
    # …and the thin roster costs less: one night plumber fewer for 3 nights of 12 h at 38/h.
    saving = today["cost_roster"].to_numpy() - thin["cost_roster"].to_numpy()
    assert saving == pytest.approx([3 * 12 * 38] * 3)


def test_two_local_workers_give_the_same_rows_as_one(reference, estate_twin, tmp_path):
    loaded, ctx, rows = reference
    run_sweep(estate_twin, loaded, tmp_path / "two", workers=2, context=ctx)
    pd.testing.assert_frame_equal(_rows(tmp_path / "two"), rows)


def test_a_local_dask_cluster_gives_the_same_rows_as_one_worker(
    reference, estate_twin, tmp_path, monkeypatch
):
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is the 'dask' extra")
    loaded, ctx, rows = reference
    # Dask starts workers with "spawn", which re-runs the parent's __main__ in each; after the
    # app's page tests that is app/main.py (AppTest runs pages as __main__). A bare __main__, as
    # under the `twin` command, keeps the workers clean.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        outcome = run_sweep(
            estate_twin, loaded, tmp_path / "dask", scheduler=cluster.scheduler_address, context=ctx
        )
    assert outcome.executor.startswith("dask") and outcome.workers == 2
    pd.testing.assert_frame_equal(_rows(tmp_path / "dask"), rows)


def test_a_finished_sweep_run_again_does_nothing(reference, estate_twin, tmp_path):
    loaded, ctx, _ = reference
    out = tmp_path / "again"
    run_sweep(estate_twin, loaded, out, workers=1, context=ctx)
    before = {p.name: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    outcome = run_sweep(estate_twin, loaded, out, workers=1, context=ctx)
    assert (outcome.ran, outcome.already_done) == (0, 6)
    assert {p.name: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


def test_more_replications_extend_a_finished_sweep_without_running_the_old_ones(estate_twin, tmp_path):
    first = load_sweep(small_sweep(tmp_path, days=1, replications=2))
    run_sweep(estate_twin, first, tmp_path / "out", workers=1)
    more = load_sweep(small_sweep(tmp_path, days=1, replications=3))
    outcome = run_sweep(estate_twin, more, tmp_path / "out", workers=1)
    assert (outcome.ran, outcome.already_done) == (2, 4)
    assert len(read_sweep(tmp_path / "out").rows) == 6


def test_a_folder_of_another_sweep_is_refused(reference, estate_twin, tmp_path):
    loaded, ctx, _ = reference
    run_sweep(estate_twin, loaded, tmp_path / "out", workers=1, context=ctx)
    other = load_sweep(small_sweep(tmp_path, days=2, name="other.yaml"))
    with pytest.raises(SweepFolderError, match="holds the results of another sweep"):
        run_sweep(estate_twin, other, tmp_path / "out", workers=1)


def test_a_torn_last_manifest_line_is_dropped_and_that_run_done_again(reference, estate_twin, tmp_path):
    loaded, ctx, rows = reference
    out = tmp_path / "torn"
    run_sweep(estate_twin, loaded, out, workers=1, context=ctx)
    manifest = out / "manifest.jsonl"
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    manifest.write_text("".join(lines[:4]) + lines[4][:10], encoding="utf-8")  # a crash mid-write
    (out / "results.parquet").unlink()
    outcome = run_sweep(estate_twin, loaded, out, workers=1, context=ctx)
    assert (outcome.ran, outcome.already_done) == (2, 4)
    entries = [json.loads(x) for x in manifest.read_text(encoding="utf-8").splitlines()]
    assert len(entries) == 6 and len({(e["variant"], e["replication"]) for e in entries}) == 6
    pd.testing.assert_frame_equal(_rows(out), rows)


def test_a_sweep_killed_mid_way_resumes_to_exactly_the_rows_of_an_uninterrupted_one(tmp_path, estate_twin):
    sweep = small_sweep(tmp_path, days=20, replications=5)
    command = [
        sys.executable,
        "-c",
        "import sys; from twin.cli import main; sys.exit(main())",
        "sweep",
        str(sweep),
        "--workers",
        "1",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    killed = tmp_path / "killed"
    log = tmp_path / "killed.log"
    with open(log, "w") as sink:
        proc = subprocess.Popen(
            [*command, "--out", str(killed)],
            env=env,
            start_new_session=True,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    manifest = killed / "manifest.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.is_file() and len(manifest.read_text(encoding="utf-8").splitlines()) >= 3:
            break
        time.sleep(0.01)
    assert proc.poll() is None, f"the sweep ended before it could be killed: {log.read_text()[-500:]}"
    os.killpg(proc.pid, signal.SIGKILL)  # the whole group: the CLI and its worker processes
    proc.wait()
    recorded = len(manifest.read_text(encoding="utf-8").splitlines())
    assert 3 <= recorded < 10
    assert not (killed / "results.parquet").exists()

    resumed = subprocess.run(
        [*command, "--out", str(killed), "--json"], env=env, capture_output=True, text=True, check=True
    )
    summary = json.loads(resumed.stdout)
    assert summary["already_done"] == recorded and summary["ran"] == 10 - recorded

    whole = tmp_path / "whole"
    subprocess.run([*command, "--out", str(whole)], env=env, capture_output=True, check=True)
    pd.testing.assert_frame_equal(_rows(killed), _rows(whole))
    entries = [json.loads(x) for x in manifest.read_text(encoding="utf-8").splitlines()]
    assert len(entries) == 10 and len({(e["variant"], e["replication"]) for e in entries}) == 10
