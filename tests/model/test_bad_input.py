"""A bad model gets one line on stderr naming the file and the problem, exit status 2."""

from __future__ import annotations

from pathlib import Path

import ifcopenshell
import ifcopenshell.api
import pytest

from tests.conftest import shared_ifc
from twin.cli import main


def inspect_error(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, "one line, no traceback"
    assert str(path) in err
    return err


def test_a_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = inspect_error(tmp_path / "nowhere.ifc", capsys)
    assert "no such file — check the path" in err


def test_an_empty_file_says_it_is_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.ifc"
    path.write_bytes(b"")
    assert "the file is empty (0 bytes)" in inspect_error(path, capsys)


def test_a_file_that_is_not_ifc_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plan.ifc"
    path.write_text("%PDF-1.7 this is a drawing, not a model\n")
    assert "not an IFC file (it does not start with 'ISO-10303-21;')" in inspect_error(path, capsys)


def test_a_truncated_step_file_says_it_is_truncated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = shared_ifc("fzk_haus.ifc").read_bytes()
    path = tmp_path / "cut.ifc"
    path.write_bytes(data[: len(data) // 2])
    assert "the IFC file is truncated" in inspect_error(path, capsys)


def test_an_ifc_without_storeys_asks_for_storeys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = ifcopenshell.api.run("project.create_file", version="IFC4")
    ifcopenshell.api.run("root.create_entity", f, ifc_class="IfcProject", name="No storeys")
    path = tmp_path / "nostoreys.ifc"
    f.write(str(path))
    err = inspect_error(path, capsys)
    assert "has no IfcBuildingStorey" in err
    assert "export the building's levels" in err


def test_a_broken_ifczip_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "model.ifczip"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert "broken .ifczip archive" in inspect_error(path, capsys)


def test_an_ifczip_reads_like_the_ifc_inside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    import zipfile

    path = tmp_path / "haus.ifczip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(shared_ifc("fzk_haus.ifc"), "haus.ifc")
    assert main(["inspect", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["counts"]["spaces"] == 7
