"""`pip install .` then the `twin` command from a folder that is not the checkout: the default
estate, the shipped scenarios and the web app come with the package (``twin/_shipped``, read
through importlib.resources), not from the current folder.

Lean for CI: the package is installed with ``pip install --no-deps --no-build-isolation --target``
into a temporary folder (~3 s, no network), using the test environment's dependencies.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.test_browser import free_port, wait_for_url
from tests.conftest import REPO, estate
from twin.shipped import SHIPPED

#: What a source distribution holds (MANIFEST.in): the package, its build files, the shipped files.
SOURCES = ("twin", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md", *SHIPPED)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding DrillTwin installed by pip from a copy of the checkout."""
    pytest.importorskip("setuptools", reason="building the package needs setuptools (pip install setuptools)")
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(path, src / name)
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--no-compile",
            "--quiet",
            "--target",
            str(target),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=src,
    )
    assert done.returncode == 0, done.stderr
    return target


@pytest.fixture
def elsewhere(tmp_path: Path, installed: Path) -> Iterator[dict[str, str]]:
    """Environment for the installed ``twin`` command, run from an empty folder."""
    env = {**os.environ, "PYTHONPATH": str(installed)}
    env.pop("DRILLTWIN_MODEL", None)
    yield env


def twin(installed: Path, cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(installed / "bin" / "twin"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_package_carries_the_estate_the_scenarios_and_the_app(installed: Path) -> None:
    shipped = installed / "twin" / "_shipped"
    assert (shipped / "models" / "estate.ifc").read_bytes() == (REPO / "models" / "estate.ifc").read_bytes()
    assert sorted(p.name for p in (shipped / "scenarios").glob("*.yaml")) == sorted(
        p.name for p in (REPO / "scenarios").glob("*.yaml")
    )
    assert (shipped / "scenarios" / "sweeps" / "night_shift_options.yaml").is_file()
    assert (shipped / "scenarios" / "history" / "estate_workorders.csv").is_file()
    assert (shipped / "scenarios" / "injects" / "night_riser_burst.injects.yaml").is_file()
    assert (shipped / "app" / "main.py").is_file() and (shipped / "app" / "views" / "drill.py").is_file()
    assert not (shipped / "models" / "make_estate.py").exists()  # the generator stays in the repo
    # The 3D replay's three.js bundle and its licence (the report inlines it: no network).
    vendor = Path("twin") / "present" / "vendor"
    assert (installed / vendor / "three-replay3d.min.js").read_bytes() == (
        REPO / vendor / "three-replay3d.min.js"
    ).read_bytes()
    assert "MIT License" in (installed / vendor / "three-LICENSE.txt").read_text()


def test_installed_twin_runs_the_demo_drill_from_an_empty_folder(
    installed: Path, tmp_path: Path, elsewhere: dict[str, str]
) -> None:
    estate()
    done = twin(installed, tmp_path, elsewhere, "run", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["scenario"] == "Night-shift riser burst, tower B L14" and doc["seed"] == 7
    run = tmp_path / "runs" / "night_riser_burst-seed7"
    assert doc["run_dir"] == "runs/night_riser_burst-seed7"
    # Not the checkout's code: the installed package ran.
    meta = json.loads((run / "metadata.json").read_text())
    assert str(installed) in meta["scenario_file"]
    # Ordinary permissions, as any document the team shares: rw-r--r--.
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in run.iterdir()}
    assert modes == {"events.parquet": 0o644, "kpis.parquet": 0o644, "metadata.json": 0o644}


def test_installed_twin_inspects_the_estate_and_validates_a_shipped_scenario(
    installed: Path, tmp_path: Path, elsewhere: dict[str, str]
) -> None:
    estate()
    done = twin(installed, tmp_path, elsewhere, "inspect", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["counts"]["spaces"] == 1362
    scenario = installed / "twin" / "_shipped" / "scenarios" / "day_grid_outage.yaml"
    done = twin(installed, tmp_path, elsewhere, "validate", str(scenario))
    assert done.returncode == 0, done.stdout + done.stderr


def test_installed_twin_app_serves_the_shipped_app_from_an_empty_folder(
    installed: Path, tmp_path: Path, elsewhere: dict[str, str]
) -> None:
    port = free_port()
    log = tmp_path / "app.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(installed / "bin" / "twin"), "app", "--port", str(port), "--headless"],
            cwd=tmp_path,
            env=elsewhere,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        assert wait_for_url(proc, log, port) == f"http://localhost:{port}"
        # `twin app` became the Streamlit server of the app inside the installed package.
        if Path("/proc").is_dir():  # Linux: the server's command line names the script it serves
            argv = Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")
            assert str(installed / "twin" / "_shipped" / "app" / "main.py").encode() in argv
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


def test_installed_twin_init_writes_a_starter_drill_for_the_estate_that_validates_and_runs(
    installed: Path, tmp_path: Path, elsewhere: dict[str, str]
) -> None:
    estate()
    done = twin(installed, tmp_path, elsewhere, "init", "--out", "drill.yaml")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "drill.yaml").is_file()
    done = twin(installed, tmp_path, elsewhere, "validate", "drill.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    done = twin(installed, tmp_path, elsewhere, "run", "drill.yaml", "--out", "starter", "--json")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "starter" / "events.parquet").is_file()


def test_the_installed_apps_allow_list_names_the_installed_shipped_folders(
    installed: Path, tmp_path: Path, elsewhere: dict[str, str]
) -> None:
    code = (
        "from twin.scenario.load import shipped_data_dirs; print('\\n'.join(map(str, shipped_data_dirs())))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=elsewhere, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    shipped = installed / "twin" / "_shipped"
    assert done.stdout.split() == [
        str(shipped / "scenarios"),
        str(shipped / "models"),
        str(installed / "twin" / "background"),
    ]
