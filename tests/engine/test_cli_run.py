"""twin run: the scorecard, the run folder, --json, and never writing over a run."""

from __future__ import annotations

import json

import pandas as pd

from tests.engine.conftest import SCENARIOS
from twin.cli import main
from twin.events.log import COLUMNS
from twin.store import read_run


def test_twin_run_writes_a_run_folder_and_prints_the_scorecard(tmp_path, capsys):
    out = tmp_path / "night"
    assert main(["run", str(SCENARIOS / "night_riser_burst.yaml"), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Burst at Riser B L14" in text and "run folder:" in text
    run = read_run(out)
    assert list(run.log.frame.columns) == list(COLUMNS)
    assert run.metadata["seed"] == 7 and run.metadata["model"][0]["name"] == "estate.ifc"
    assert len(run.metadata["model"][0]["sha256"]) == 64
    assert run.scenario.name == "Night-shift riser burst, tower B L14"
    kpis = run.kpis
    assert set(kpis.columns) == {"scope", "key", "label", "metric", "value"}
    on_site = kpis[(kpis.scope == "incident") & (kpis.metric == "on_site_min")].value.iloc[0]
    assert 0 < on_site < 2


def test_twin_run_json_prints_one_object_and_the_seed_flag_wins(tmp_path, capsys):
    assert main(["run", "--seed", "3", "--json", "--out", str(tmp_path / "r")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["seed"] == 3 and doc["summary"]["incidents"] >= 1
    assert doc["incidents"][0]["kind"] == "pipe_burst"


def test_twin_run_never_writes_over_an_existing_run(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", "--out", str(out)]) == 0
    before = pd.read_parquet(out / "events.parquet")
    capsys.readouterr()
    assert main(["run", "--seed", "99", "--out", str(out)]) == 2
    assert "already exists and is not empty" in capsys.readouterr().err
    pd.testing.assert_frame_equal(pd.read_parquet(out / "events.parquet"), before)


def test_a_negative_seed_flag_is_one_line_and_writes_no_run(tmp_path, capsys):
    # SeedSequence refuses negative numbers; the flag skips the scenario's own check (seed ≥ 0),
    # so `twin run --seed -1` ended in numpy's ValueError traceback.
    out = tmp_path / "run"
    assert main(["run", str(SCENARIOS / "night_riser_burst.yaml"), "--seed", "-1", "--out", str(out)]) == 2
    assert capsys.readouterr().err == "twin run: seed: must be a whole number ≥ 0, got -1; give 0 or more\n"
    assert not out.exists()
