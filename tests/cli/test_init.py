"""`twin init`: a starter drill that validates and runs on each building, someone reaching the
incident."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import shared_ifc
from tests.ifc_builder import two_storey_house
from twin.cli import main
from twin.engine import compile_drill, run
from twin.scenario import load_scenario
from twin.twin import load_twin

WITH_SPACES = [
    "fzk_haus.ifc",
    "duplex_a.ifc",
    "office_a.ifc",
    "institute_var2.ifc",
    "hvac_heating_with_building.ifc",
]


def _init_and_run(model: Path, out: Path) -> tuple[str, object]:
    assert main(["init", str(model), "--out", str(out)]) == 0
    loaded = load_scenario(out)
    twin = load_twin(loaded.model_paths())
    drill = compile_drill(twin, loaded.scenario)
    result = run(twin, loaded.scenario, drill=drill, trace_moves=False)
    return out.read_text(encoding="utf-8"), result


@pytest.mark.parametrize("name", WITH_SPACES)
def test_the_starter_drill_of_a_public_file_runs_and_someone_reaches_the_burst(
    name: str, tmp_path: Path
) -> None:
    text, result = _init_and_run(shared_ifc(name), tmp_path / "drill.yaml")
    on_site = result.log.of("on_site")  # type: ignore[attr-defined]
    assert len(on_site) >= 1
    assert "pipe_burst" in text
    # Every line that sets something says what it is.
    settings = [
        ln
        for ln in text.splitlines()
        if ln.strip()
        and not ln.lstrip().startswith("#")
        and ":" in ln
        and not ln.rstrip().endswith(":")
        and not ln.startswith("  ")
    ]
    assert all("#" in ln for ln in settings if not ln.startswith(("name:", "description:")))


def test_a_model_with_real_pipes_and_valves_gets_a_burst_at_a_real_pipe(tmp_path: Path) -> None:
    text, _ = _init_and_run(shared_ifc("hvac_heating_with_building.ifc"), tmp_path / "d.yaml")
    assert "overlay:" not in text and "A real pipe of the model" in text


def test_a_model_without_mep_gets_an_overlay_pipe_and_stopcock_and_init_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    house = two_storey_house(tmp_path)
    out = tmp_path / "drill.yaml"
    text, result = _init_and_run(house, out)
    assert "role: pipe" in text and "role: valve" in text
    assert len(result.log.of("on_site")) >= 1  # type: ignore[attr-defined]
    before = out.read_text(encoding="utf-8")
    assert main(["init", str(house), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == before


def test_an_out_under_a_file_or_a_folder_is_refused_before_the_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It said "…/notes.txt: File exists — check the path and try again" after loading the model.
    notes = tmp_path / "notes.txt"
    notes.write_text("mine", encoding="utf-8")
    missing_model = str(tmp_path / "never-read.ifc")  # the model is not even looked at
    assert main(["init", missing_model, "--out", str(notes / "drill.yaml")]) == 2
    assert capsys.readouterr().err == (
        f"twin init: {notes / 'drill.yaml'}: {notes} is a file, not a folder; choose another --out\n"
    )
    assert main(["init", missing_model, "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"twin init: {tmp_path}: is a folder; give a file name, e.g. --out drill.yaml\n"
    )


@pytest.mark.parametrize(
    "name", ['Room 1: "big" #2', "Küche 住宅", "C:\\models\\a.ifc", "two\nlines", "tab\there"]
)
def test_a_name_the_starter_writes_reads_back_as_the_same_text(name):
    import yaml

    from twin.starter import _q

    assert yaml.safe_load(f"base: {_q(name)}") == {"base": name}
    assert yaml.safe_load(f"- {{id: P, base: {_q(name)}}}") == [{"id": "P", "base": name}]
