"""The `twin inspect --json` contract and `twin render` pictures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ifc_builder import two_storey_house
from twin.cli import main


def test_inspect_json_holds_the_fields_other_tools_rely_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(two_storey_house(tmp_path)), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert (s["schema"], s["units"]) == ("IFC4", "m")
    assert s["storeys"] == [
        {"name": "Ground", "elevation_m": 0.0, "spaces": 4},
        {"name": "Upper", "elevation_m": 3.0, "spaces": 2},
    ]
    hall = next(sp for sp in s["spaces"] if sp["name"] == "G1")
    assert hall["centroid"] == [2.0, 2.0, 0.0]
    assert hall["area_m2"] == 16.0
    assert hall["reachable"] is True
    assert {k: s["counts"][k] for k in ("spaces", "doors", "stairs", "lifts", "entrances")} == {
        "spaces": 6,
        "doors": 4,
        "stairs": 1,
        "lifts": 0,
        "entrances": 1,
    }
    assert s["equipment"] == {} and s["systems"] == []
    assert set(s["graph"]) >= {"nodes", "edges"}
    r = s["reachability"]
    assert (r["reachable_spaces"], r["total_spaces"], r["rule"]) == (5, 6, "from an entrance")
    assert [(u["name"], u["storey"]) for u in r["unreachable"]] == [("G4 Store", "Ground")]
    assert r["unreachable"][0]["reason"].startswith("no door or open boundary")


def test_render_draws_a_storey_plan_and_the_3d_view(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = str(two_storey_house(tmp_path))
    plan, view = tmp_path / "plan.png", tmp_path / "view.png"
    assert main(["render", model, "--storey", "ground", "--out", str(plan), "--size", "800x600"]) == 0
    assert main(["render", model, "--out", str(view), "--size", "640x480"]) == 0
    for png in (plan, view):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 5_000


def test_render_names_the_storeys_when_one_is_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = str(two_storey_house(tmp_path))
    assert main(["render", model, "--storey", "Uper", "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "--storey 'Uper': no such storey" in err
    assert "did you mean: Upper" in err


def test_render_and_graph_export_never_write_over_an_existing_file_without_force(
    tmp_path, capsys, monkeypatch
):
    # Both wrote over whatever the path held, silently: a picture or graph made before was lost.
    def no_load(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was loaded although the output was refused")

    monkeypatch.setattr("twin.cli.render.load_models", no_load)
    monkeypatch.setattr("twin.cli.graph.load_models", no_load)
    for argv, name in ((["render", "--out"], "view.png"), (["graph", "--export"], "graph.csv")):
        kept = tmp_path / name
        kept.write_text("made before", encoding="utf-8")
        assert main([*argv, str(kept)]) == 2
        command = argv[0]
        assert capsys.readouterr().err == (
            f"twin {command}: {kept}: already exists; pass --force to overwrite it or choose another name\n"
        )
        assert kept.read_text(encoding="utf-8") == "made before"


def test_an_unwritable_output_path_names_the_option_that_gave_it(tmp_path, capsys, monkeypatch):
    # `twin graph --export FOLDER` said "e.g. --out graph.graphml": graph has no --out.
    def no_load(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was loaded although the output was refused")

    monkeypatch.setattr("twin.cli.render.load_models", no_load)
    monkeypatch.setattr("twin.cli.graph.load_models", no_load)
    missing = tmp_path / "nowhere" / "graph.graphml"
    for argv, example in ((["graph", "--export"], "graph.graphml"), (["render", "--out"], "twin.png")):
        command, option = argv
        assert main([*argv, str(tmp_path)]) == 2
        assert capsys.readouterr().err == (
            f"twin {command}: {tmp_path}: is a folder; give a file name, e.g. {option} {example}\n"
        )
        assert main([*argv, str(missing)]) == 2
        assert capsys.readouterr().err == (
            f"twin {command}: {missing}: folder {missing.parent} does not exist; create it or choose "
            f"another {option}\n"
        )


def test_a_storey_in_three_towers_is_drawn_as_three_panels_at_one_readable_scale(
    estate_twin, tmp_path
) -> None:
    from twin.present.render import plan_panels, render_plan, storey_index

    storey = storey_index(estate_twin.model, "L14")
    panels = plan_panels(estate_twin, storey)
    assert [name for name, _ in panels] == ["A-14", "B-14", "C-14"]
    widths = {round(v[2] - v[0], 6) for _, v in panels}
    # One scale: a tower's 39.6 m of spaces with 2 m margins. On a 1600 px figure that is ~33 px a
    # metre, room for "Flat A-1401" in 8 pt type (~70 px) inside a 6 m flat (~200 px).
    assert widths == {43.601}
    out = render_plan(estate_twin, storey, tmp_path / "l14.png", size=(1600, 1200))
    from PIL import Image

    with Image.open(out) as png:
        width, height = png.size
    assert width == 1600 and height > 2000  # three panels one above the other, not a 1600×400 strip
