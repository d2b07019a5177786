"""Inject files: validated with file:line errors; their injects fire as the clock reaches them."""

from __future__ import annotations

import pytest

from tests.live.conftest import DEMO
from twin.live import load_script, parse_script, start_exercise
from twin.live.script import check_script
from twin.scenario import ScenarioError

SCRIPT = """\
name: Night burst, then the phone line goes
injects:
  - at_min: 20
    inject: {kind: channel_down, channel: phone, duration_min: 45}
    message: The front desk's phone line is dead
  - at_min: 2
    inject:
      kind: burst
      at: Riser A L10
      reported_via: sensor
    message: Water alarm in riser A
    expected: {action: send the valve-trained guard, person: N-SEC1, within_min: 10}
"""


def test_an_inject_file_error_names_its_file_and_line(tmp_path):
    bad = SCRIPT.replace("duration_min: 45", "duration_min: -5").replace("kind: burst", "kind: bust")
    path = tmp_path / "drill_injects.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_script(path)
    # The first problem, at its line; the count of the others.
    assert str(err.value) == (
        f"{path}:4: injects[0].inject.duration_min: must be > 0, got -5 (and 1 more problem)"
    )
    with pytest.raises(
        ScenarioError, match=r":8: injects\[1\]\.inject\.kind: unknown inject 'bust' \(did you mean"
    ):
        parse_script(SCRIPT.replace("kind: burst", "kind: bust"), source=path)


def test_scripted_injects_fire_at_their_time_in_order(estate_twin):
    ex = start_exercise(estate_twin, DEMO, script=SCRIPT)
    ex.advance(3600.0)
    fired = [r for r in ex.records if r["type"] == "inject"]
    assert [(r["t_s"], r["inject"]["kind"], r["script"]) for r in fired] == [
        (120.0, "burst", 1),
        (1200.0, "channel_down", 0),
    ]
    assert fired[0]["expected"]["person"] == "N-SEC1" and fired[0]["message"] == "Water alarm in riser A"
    log = ex.event_log().frame
    hazards = log[log.kind == "hazard"]
    assert list(hazards[hazards.detail.str.contains("Riser A L10")].t_s) == [120.0]  # at 2 min


def test_an_inject_at_a_place_the_building_does_not_have_is_found_before_the_exercise(estate_twin, tmp_path):
    bad = SCRIPT.replace("at: Riser A L10", "at: Riser Q L10").replace("channel: phone", "channel: fax")
    path = tmp_path / "drill_injects.yaml"
    path.write_text(bad, encoding="utf-8")
    drill = start_exercise(estate_twin, DEMO).running.drill
    channel, place = check_script(load_script(path), drill)
    assert (
        channel
        == f"{path}:4: injects[0].inject.channel: unknown channel 'fax'; channels: sensor, resident_app, phone, paper"
    )
    assert place.startswith(f"{path}:9: injects[1].inject.at: ") and "Riser Q L10" in place
    with pytest.raises(ScenarioError, match="unknown channel 'fax'"):
        start_exercise(estate_twin, DEMO, script=load_script(path))


def test_the_shipped_inject_file_fires_its_two_injects_at_15_and_30_minutes_of_the_demo_drill(estate_twin):
    from tests.conftest import REPO
    from twin.present.exercise import script_rows

    script = load_script(REPO / "scenarios" / "injects" / "night_riser_burst.injects.yaml")
    ex = start_exercise(estate_twin, REPO / "scenarios" / "night_riser_burst.yaml", script=script)
    ex.advance(20 * 60)
    rows = script_rows(script, ex.records, ex.loaded.scenario)
    # The demo starts at 02:10: the lift at 02:25 has fired, the hurt guard at 02:40 has not.
    assert [(r["clock"], r["inject"], r["fired"]) for r in rows] == [
        ("02:25:00", "entrapment", "done"),
        ("02:40:00", "person_away", "not yet"),
    ]
    ex.advance(30 * 60)
    assert [r["fired"] for r in script_rows(script, ex.records, ex.loaded.scenario)] == ["done", "done"]
    assert [(r["t_s"], r["result"]) for r in ex.records if r.get("type") == "inject"] == [
        (900.0, "2 trapped in Lift A1"),
        (1800.0, "N-SEC2 hurt"),
    ]
