"""A bad model gets one line on stderr naming the file and the problem, exit status 2."""

from __future__ import annotations

from pathlib import Path

import ifcopenshell
import ifcopenshell.api
import pytest

from tests.conftest import shared_ifc
from twin.cli import main
from twin.errors import ModelError


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


def test_an_ifc_without_storeys_asks_for_storeys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
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


def test_an_ifczip_reads_like_the_ifc_inside_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json
    import zipfile

    path = tmp_path / "haus.ifczip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(shared_ifc("fzk_haus.ifc"), "haus.ifc")
    assert main(["inspect", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["counts"]["spaces"] == 7


# -- zip bombs, unknown schemas, folders, unreadable files -------------------------------------

STEP_HEAD = (
    b"ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_NAME('','',(''),(''),'','','');\n"
    b"FILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n"
)


def zip_bomb(path: Path, inflated_mb: int) -> Path:
    """An .ifczip whose member is a valid STEP start followed by ``inflated_mb`` MB of spaces:
    deflate squeezes runs of one byte about 1,000×, like the bombs in the wild."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("bomb.ifc", "w") as fh:
        fh.write(STEP_HEAD)
        block = b" " * 1_000_000
        for _ in range(inflated_mb):
            fh.write(block)
        fh.write(b"ENDSEC;\nEND-ISO-10303-21;\n")
    return path


def test_a_zip_bomb_is_refused_by_its_ratio_before_it_is_inflated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = zip_bomb(tmp_path / "bomb.ifczip", 20)
    assert bomb.stat().st_size < 100_000  # 20 MB of text in well under 100 kB
    err = inspect_error(bomb, capsys)
    assert "bomb.ifczip!bomb.ifc: inflates more than 100× its" in err
    assert (
        "a zip bomb, or not IFC text — if this is a real export, set DRILLTWIN_MAX_ZIP_RATIO to raise it"
        in err
    )


def test_the_inflated_size_is_capped_while_streaming_and_the_cap_can_be_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    from twin.ifc import _read_ifczip

    bomb = zip_bomb(tmp_path / "big.ifczip", 6)
    monkeypatch.setenv("DRILLTWIN_MAX_INFLATED_MB", "5")
    err = inspect_error(bomb, capsys)
    assert (
        "big.ifczip!bomb.ifc: inflates to more than 5 MB, the limit for one model — if this is a real "
        "export, set DRILLTWIN_MAX_INFLATED_MB (MB) to raise it" in err
    )
    # The archive's own header may lie about the size: the stream is counted as it inflates.
    lying = tmp_path / "lying.ifczip"
    data = bomb.read_bytes()
    info = zipfile.ZipFile(bomb).infolist()[0]
    true_size = info.file_size.to_bytes(4, "little")
    assert data.count(true_size) >= 1
    monkeypatch.setenv("DRILLTWIN_MAX_INFLATED_MB", "7")
    name, text = _read_ifczip(bomb)  # under the raised cap: read whole
    assert len(text) == info.file_size and str(name).endswith("!bomb.ifc")
    del text
    lying.write_bytes(data.replace(true_size, (1000).to_bytes(4, "little")))
    monkeypatch.setenv("DRILLTWIN_MAX_INFLATED_MB", "5")
    with pytest.raises(ModelError):  # never more than the cap in memory, whatever the header says
        _read_ifczip(lying)


def test_an_unknown_schema_is_named_with_the_schemas_this_reader_knows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "future.ifc"
    path.write_bytes(
        STEP_HEAD.replace(b"IFC4", b"IFC9") + b"#1=IFCPROJECT('0YvctVUKr0kugbFTf53O9L',$,'P',"
        b"$,$,$,$,$,$);\nENDSEC;\nEND-ISO-10303-21;\n"
    )
    err = inspect_error(path, capsys)
    assert (
        "unknown IFC schema 'IFC9' in its FILE_SCHEMA header (this reader knows IFC2X3, IFC4, IFC4X3)" in err
    )


def test_a_folder_or_an_unreadable_file_as_model_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "model.ifc"
    folder.mkdir()
    assert "is a folder, not an IFC file — name the .ifc file inside it" in inspect_error(folder, capsys)
    locked = tmp_path / "locked.ifc"
    locked.write_bytes(STEP_HEAD)
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self == locked:  # as for a file without read permission (tests may run as root)
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refuse)
    assert "locked.ifc: cannot be read (Permission denied) — check the file's permissions" in inspect_error(
        locked, capsys
    )


def test_a_scenario_whose_model_is_a_folder_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "models").mkdir()
    scenario = tmp_path / "drill.yaml"
    scenario.write_text(
        "name: x\nmodel: [models]\npeople:\n  - {id: P1, trades: {plumber: 2}, shift: night}\n",
        encoding="utf-8",
    )
    assert main(["run", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "models: is a folder, not an IFC file" in err


# -- uploads: read in a child process with memory and time limits -------------------------------


def test_an_upload_is_read_in_a_child_and_its_built_twin_is_not_left_on_disk(tmp_path: Path) -> None:
    from tests.ifc_builder import two_storey_house
    from twin import cache
    from twin.isolated import load_twin_isolated

    before = set(cache.cache_dir().glob("*")) if cache.cache_dir().exists() else set()
    steps: list[str] = []
    twin = load_twin_isolated([two_storey_house(tmp_path)], progress=lambda _f, m: steps.append(m))
    assert len(twin.model.spaces) == 6 and twin.audit.reachable_spaces == 5
    assert "reading house.ifc" in steps[0] and steps[-1] == "done"
    after = set(cache.cache_dir().glob("*")) if cache.cache_dir().exists() else set()
    assert after == before  # built in the child's own folder, deleted with it


def test_a_crash_or_a_timeout_in_the_child_is_one_line_naming_the_limit(tmp_path: Path) -> None:
    from tests.ifc_builder import two_storey_house
    from twin.isolated import load_twin_isolated

    house = two_storey_house(tmp_path)
    with pytest.raises(
        ModelError,
        match=r"house\.ifc: reading it took longer than 0\.01 s, the limit for an "
        r"upload — set DRILLTWIN_UPLOAD_SECONDS \(s\) to raise it",
    ):
        load_twin_isolated([house], seconds=0.01)
    # 150 MB of address space: not enough to import the reader, so the child fails however it can.
    with pytest.raises(
        ModelError,
        match=r"house\.ifc: (the IFC reader crashed on this file|reading it needs "
        r"more than the 150 MB).*DRILLTWIN_UPLOAD_MEMORY_MB",
    ):
        load_twin_isolated([house], memory_mb=150)


def test_a_model_with_storeys_and_no_spaces_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = ifcopenshell.api.run("project.create_file", version="IFC4")
    project = ifcopenshell.api.run("root.create_entity", f, ifc_class="IfcProject", name="Shell")
    ifcopenshell.api.run("unit.assign_unit", f, length={"is_metric": True, "raw": "METRES"})
    building = ifcopenshell.api.run("root.create_entity", f, ifc_class="IfcBuilding", name="B")
    storeys = [
        ifcopenshell.api.run("root.create_entity", f, ifc_class="IfcBuildingStorey", name=n)
        for n in ("L0", "L1")
    ]
    ifcopenshell.api.run("aggregate.assign_object", f, products=[building], relating_object=project)
    ifcopenshell.api.run("aggregate.assign_object", f, products=storeys, relating_object=building)
    path = tmp_path / "shell.ifc"
    f.write(str(path))
    assert main(["inspect", str(path)]) == 0
    assert (
        "shell.ifc: 2 storey(s) but no IfcSpace and no floor slab to walk on — crews move between spaces "
        "(rooms); export the spaces too"
    ) in capsys.readouterr().out


def test_a_child_that_closes_its_output_and_runs_past_the_limit_is_one_line_too() -> None:
    import subprocess
    import sys
    import time

    from twin.isolated import _follow

    # Closes stdout at once (the parent sees the end of its output) and goes on for 30 s.
    with subprocess.Popen(
        [sys.executable, "-c", "import os, time; os.close(1); time.sleep(30)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        started = time.monotonic()
        with pytest.raises(
            ModelError,
            match=r"^up\.ifc: reading it took longer than 1 s, the limit for an "
            r"upload",
        ):
            _follow(child, started + 1.0, lambda _f, _m: None, "up.ifc", 1.0)
        assert child.poll() is not None  # stopped, not left running
    assert time.monotonic() - started < 10
