"""`twin route` and `twin graph` on a synthetic twin: the words and the JSON a user sees."""

from __future__ import annotations

import json
import sys
import types

import pytest

from twin import cli
from twin.synthetic import tower


@pytest.fixture
def synthetic_twin(monkeypatch):
    tw = tower(6, grid=(3, 1), rooms_per_storey=1, stairs=((0, 0),), lifts=((2, 0),))
    seen: list[object] = []

    def load_twin(paths=None, *, use_cache=True, progress=None):
        seen.append(paths)
        return types.SimpleNamespace(model=tw.model, graph=tw.graph, audit=None)

    monkeypatch.setitem(sys.modules, "twin.twin", types.SimpleNamespace(load_twin=load_twin))
    monkeypatch.setitem(cli.COMMANDS, "route", "route")
    monkeypatch.setitem(cli.COMMANDS, "graph", "graph")
    return seen


def test_route_json_has_time_distance_storeys_and_the_path(synthetic_twin, capsys):
    assert cli.main(["route", "--from", "Main entrance", "--to", "0501", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"time_s", "distance_m", "storeys_crossed", "path"}
    assert out["storeys_crossed"] == 5
    assert out["path"][0]["name"] == "Main entrance" and out["path"][-1]["storey"] == "Level 5"
    assert synthetic_twin == [None]  # no MODEL: the default estate


def test_lifts_off_makes_the_same_trip_slower(synthetic_twin, capsys):
    cli.main(["route", "--from", "Main entrance", "--to", "0501", "--json"])
    on = json.loads(capsys.readouterr().out)["time_s"]
    cli.main(["route", "--from", "Main entrance", "--to", "0501", "--lifts", "off", "--json"])
    off = json.loads(capsys.readouterr().out)["time_s"]
    # Five flights (5 x 17.5 s) and 7.1 m on the level, instead of the lift.
    assert off == pytest.approx(5 * 17.5 + (2 + 1.3 + 1.3 + 2.5) / 1.3, abs=1e-3)
    assert on < off


def test_route_prints_a_readable_summary(synthetic_twin, capsys):
    assert cli.main(["route", "m.ifc", "--from", "0001", "--to", "Valve L2", "--closed", "Lift 1"]) == 0
    text = capsys.readouterr().out
    assert "from      0001 Room 1 (Level 0)" in text
    assert "storeys   2 crossed" in text
    assert "state     walking; 1 lift off" in text
    assert "Stair A" in text
    assert synthetic_twin == [["m.ifc"]]


def test_an_unknown_place_is_one_line_and_exit_status_2(synthetic_twin, capsys):
    assert cli.main(["route", "--from", "Roon 1 @ Level 0", "--to", "0501"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("twin route: no place called 'Roon 1' on storey 'Level 0' (did you mean: Room 1")
    assert err.count("\n") == 1


def test_no_route_is_one_line_and_exit_status_2(synthetic_twin, capsys):
    assert cli.main(["route", "--from", "0001", "--to", "0501", "--closed", "Level 3", "--lifts", "off"]) == 2
    assert capsys.readouterr().err == (
        "twin route: no route from 0001 Room 1 (Level 0) to 0501 Room 1 (Level 5) "
        "(walking; all lifts off; 1 storey closed); "
        "something on the way is closed, locked or off\n"
    )


def test_graph_export_writes_the_file_and_says_so(synthetic_twin, capsys, tmp_path):
    out = tmp_path / "g.graphml"
    assert cli.main(["graph", "--export", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"wrote      {out}" in text and out.exists()
    assert cli.main(["graph", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["node_kinds"]["lift"] == 6 and summary["entrances"] == 1
