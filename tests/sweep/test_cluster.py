"""A real Dask cluster on this machine: `dask scheduler` and two `dask worker` processes on
127.0.0.1, started and stopped by the test; a sweep and a search through `--scheduler` give the
rows of a local run."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import REPO
from tests.sweep.conftest import ROSTER, small_sweep
from tests.sweep.test_search import SEARCH_FILE
from twin.sweep.results import read_sweep

distributed = pytest.importorskip("distributed", reason="dask[distributed] is the 'dask' extra")

#: Columns that measure the machine, not the drill.
TIMING = ["wall_s"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[str]:
    """`dask scheduler` + two `dask worker`s (one process, one thread each) on 127.0.0.1."""
    dask = Path(sys.executable).parent / "dask"
    if not dask.is_file():
        pytest.skip(f"no `dask` command next to {sys.executable} (pip install 'drilltwin[dask]')")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask-logs")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    commands = [
        [str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        *[
            [
                str(dask),
                "worker",
                address,
                "--host",
                "127.0.0.1",
                "--nworkers",
                "1",
                "--nthreads",
                "1",
                "--no-dashboard",
                "--name",
                f"w{i}",
            ]
            for i in range(2)
        ],
    ]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i, cmd in enumerate(commands):
            with open(logs / f"{i}.log", "wb") as sink:
                procs.append(
                    subprocess.Popen(
                        cmd, cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
                    )
                )
            if i == 0:
                time.sleep(1.0)
        with distributed.Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
            assert len(client.scheduler_info()["workers"]) == 2
        yield address
    finally:
        for p in reversed(procs):  # workers first, then the scheduler
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        assert all(p.poll() is not None for p in procs)


def _twin(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "twin", *args, "--json"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def _rows(folder: Path) -> pd.DataFrame:
    return read_sweep(folder).rows.drop(columns=TIMING)


def test_a_sweep_through_a_real_scheduler_and_two_workers_gives_the_local_rows(cluster, tmp_path):
    sweep = small_sweep(tmp_path, days=1, replications=2)
    local = _twin("sweep", str(sweep), "--out", str(tmp_path / "local"), "--workers", "1")
    remote = _twin("sweep", str(sweep), "--out", str(tmp_path / "cluster"), "--scheduler", cluster)
    assert local["ran"] == remote["ran"] == 4
    pd.testing.assert_frame_equal(_rows(tmp_path / "cluster"), _rows(tmp_path / "local"))


def test_a_search_through_a_real_scheduler_and_two_workers_gives_the_local_answer_and_rows(cluster, tmp_path):
    path = tmp_path / "search.yaml"
    path.write_text(SEARCH_FILE.format(base=ROSTER), encoding="utf-8")
    local = _twin("sweep", str(path), "--out", str(tmp_path / "local"), "--workers", "1")
    remote = _twin("sweep", str(path), "--out", str(tmp_path / "cluster"), "--scheduler", cluster)
    assert remote["runs"] == local["runs"] and remote["answer"] == local["answer"]
    assert remote["candidates"] == local["candidates"]
    pd.testing.assert_frame_equal(_rows(tmp_path / "cluster"), _rows(tmp_path / "local"))
