"""Where sweeps come from and go, for the app: an uploaded sweep read from its text alone."""

from __future__ import annotations

import dataclasses
import tempfile

import pytest

from tests.conftest import REPO
from twin.scenario import ScenarioError
from twin.sweep.where import run_folder, shipped_sweeps, uploaded_sweep

SHIPPED = REPO / "scenarios" / "sweeps" / "night_shift_options.yaml"


def test_an_uploaded_sweep_is_read_from_its_text_without_writing_a_file(monkeypatch, tmp_path):
    def no_temporary_files(*_a, **_k):
        raise AssertionError("a temporary file was made")

    monkeypatch.setattr(tempfile, "mkstemp", no_temporary_files)
    monkeypatch.setattr(tempfile, "mkdtemp", no_temporary_files)
    loaded = uploaded_sweep(SHIPPED.read_text(encoding="utf-8"), "mine.yaml")
    assert str(loaded.path) == "mine.yaml"
    assert loaded.base.path == REPO / "scenarios" / "estate_roster.yaml"
    assert [v.name for v in loaded.variants] == [
        v.name
        for v in uploaded_sweep(
            SHIPPED.read_text(encoding="utf-8").replace("../estate_roster.yaml", "estate_roster.yaml"),
            "x.yaml",
        ).variants
    ]
    # The folder an interactive run writes to is named by the file, the days and the replications.
    assert run_folder(tmp_path, loaded, "mine", 30, 3) == tmp_path / "mine-30d-3r"
    assert "scenarios/sweeps/night_shift_options.yaml" in shipped_sweeps()


def test_an_upload_naming_no_shipped_base_is_one_line_naming_the_upload():
    text = SHIPPED.read_text(encoding="utf-8").replace("base: ../estate_roster.yaml", "base: ../secret.yaml")
    with pytest.raises(
        ScenarioError, match=r"^mine\.yaml:\d+: base: no shipped scenario '\.\./secret\.yaml'"
    ):
        uploaded_sweep(text, "mine.yaml")


def test_the_folder_of_a_search_run_from_the_app_is_found_again_on_the_next_visit(tmp_path):
    import json

    from twin.sweep.spec import load_sweep, search_sweep, shortened

    search = shortened(
        load_sweep(REPO / "scenarios" / "sweeps" / "night_shift_search.yaml"), days=2, replications=3
    )
    folder = run_folder(tmp_path, search, "night_shift_search", 2, 3)
    assert folder == tmp_path / "night_shift_search-2d-3r"
    # What run_search writes there: its candidate rosters' fingerprint.
    folder.mkdir()
    (folder / "sweep.json").write_text(json.dumps({"fingerprint": search_sweep(search).fingerprint()}))
    assert run_folder(tmp_path, search, "night_shift_search", 2, 3) == folder
    # A larger budget is the same search (it resumes there); another seed is another one.
    s = search.sweep
    assert s.search is not None
    bigger = dataclasses.replace(
        search, sweep=s.model_copy(update={"search": s.search.model_copy(update={"budget_runs": 100})})
    )
    assert run_folder(tmp_path, bigger, "night_shift_search", 2, 3) == folder
    reseeded = dataclasses.replace(search, sweep=s.model_copy(update={"seed": 1}))
    assert run_folder(tmp_path, reseeded, "night_shift_search", 2, 3).name.startswith(
        "night_shift_search-2d-3r-"
    )
