"""What if: the logged incidents re-run through the engine, as recorded and with changes, on
hand-made cases whose answers are walks the routing tables give."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.history.conftest import THREE, incidents
from twin.history.reconstruct import reconstruct
from twin.history.whatif import (
    AS_RECORDED,
    LOGGED,
    POLICY_AS_LOGGED,
    AsLogged,
    WhatIf,
    check_what_if,
    parse_what_if,
    side_by_side,
    what_if,
)
from twin.places import resolve_place
from twin.routing import NORMAL, Router
from twin.scenario import ScenarioError
from twin.scenario.schema import Nearest


def _walk_min(twin, origin: str, target: str, state=NORMAL) -> float:
    g = twin.graph
    a, b = (resolve_place(p, twin.model, g) for p in (origin, target))
    return float(Router(g).times([a], [b], state)[0, 0]) / 60.0


@pytest.fixture(scope="module")
def three(roster, estate_twin):
    return reconstruct(incidents(THREE, estate_twin), roster, twin=estate_twin)


@pytest.fixture(scope="module")
def runs(three):
    changes = [
        WhatIf(name="sensor", reported_via="sensor"),
        WhatIf(name="lifts stopped", lifts="stopped"),
    ]
    return what_if(three, changes, trace_moves=False)


def test_re_run_as_recorded_differs_from_the_log_only_by_the_twins_walk(three, runs):
    """Nobody is busy or off shift here and each is at their base when sent, so the engine's
    person leaves at the logged dispatch and walks the twin's walk: re-run − logged on-site minutes
    = twin walk − logged dispatched → on-site interval, incident by incident."""
    pairs = runs.pairs.set_index("id")
    travel = three.travel.set_index("id").loc[pairs.index]
    gap = pairs[f"{AS_RECORDED}: on site min"] - pairs[f"{LOGGED}: on site min"]
    assert list(gap) == pytest.approx(list(travel["twin_walk_min"] - travel["log_travel_min"]), abs=1e-6)
    assert list(pairs[f"{AS_RECORDED}: who"]) == ["P1", "P2"]  # who went, as logged
    assert list(pairs[f"{LOGGED}: on site min"]) == pytest.approx([34.0, 1.0])
    assert runs.left_out == ("1045",)  # its place is not in the building
    # Side by side, every column counts the same two incidents (the log's without 1045).
    table = side_by_side(runs)
    assert list(table.loc["incidents"]) == [2.0, 2.0, 2.0, 2.0]
    assert table.loc["red_p90_on_site_min", LOGGED] == pytest.approx(34.0)


def test_stopped_lifts_make_the_walk_the_stairs_walk(estate_twin, runs):
    pairs = runs.pairs.set_index("id")
    stairs = _walk_min(estate_twin, "Engineering Office", "C-0306 Flat C-0306", NORMAL.with_lifts_off())
    lift = _walk_min(estate_twin, "Engineering Office", "C-0306 Flat C-0306")
    assert pairs.loc["1043", "lifts stopped: on site min"] == pytest.approx(5.0 + stairs, abs=1e-6)
    assert pairs.loc["1043", f"{AS_RECORDED}: on site min"] == pytest.approx(5.0 + lift, abs=1e-6)
    assert stairs >= lift


def test_a_sensor_reports_the_event_a_phone_call_reported_twelve_minutes_late(runs):
    """As logged the reports came by phone, whose typical delay is the mean of its triangular
    (3, 8, 25) min: 12 min. A sensor reports 5–30 s after the event, so on site comes 12 min
    minus the sensor's delay earlier than re-run as recorded."""
    pairs = runs.pairs.set_index("id")
    earlier = pairs[f"{AS_RECORDED}: on site min"] - pairs["sensor: on site min"]
    assert all(12.0 - 30 / 60 <= e <= 12.0 - 5 / 60 for e in earlier)
    sensor = next(r for r in runs.runs if r.name == "sensor")
    delays = sensor.kpis.incidents["report_delay_min"]
    assert all(5 / 60 <= d <= 30 / 60 for d in delays)


def test_nearest_qualified_sends_the_plumber_waiting_in_the_same_tower(roster, estate_twin):
    """The log sent P1 from the Engineering Office; P2 waits in tower C's lobby on the same
    floor. Nearest qualified sends P2, on site the log's 5 min after the report plus P2's walk."""
    near = roster.model_copy(
        update={
            "people": [
                roster.people[0],
                roster.people[1].model_copy(update={"base": "C-03-LOB Lobby C L03"}),
                roster.people[2],
            ]
        }
    )
    rec = reconstruct(incidents(THREE[:1], estate_twin), near, twin=estate_twin)
    done = what_if(rec, [WhatIf(name="nearest", dispatch=Nearest(kind="nearest"))], trace_moves=False)
    row = done.pairs.iloc[0]
    assert row[f"{LOGGED}: on site min"] == pytest.approx(34.0)
    assert (row[f"{AS_RECORDED}: who"], row["nearest: who"]) == ("P1", "P2")
    lobby = _walk_min(estate_twin, "C-03-LOB Lobby C L03", "C-0306 Flat C-0306")
    office = _walk_min(estate_twin, "Engineering Office", "C-0306 Flat C-0306")
    assert row["nearest: on site min"] == pytest.approx(5.0 + lobby, abs=1e-6)
    assert row[f"{AS_RECORDED}: on site min"] == pytest.approx(5.0 + office, abs=1e-6)
    assert lobby < office
    assert done.runs[1].who_chooses == "nearest" and done.runs[0].who_chooses == "as logged"


def test_a_what_if_file_names_its_line_when_a_change_does_not_fit(roster):
    text = "as_logged: {reported_via: phone}\nwhat_if:\n  - name: by sensor\n    reported_via: sensr\n"
    with pytest.raises(
        ScenarioError, match=r"w.yaml:4: what_if\[0\].reported_via: unknown channel 'sensr'.*sensor"
    ):
        check_what_if(parse_what_if(text, source=__import__("pathlib").Path("w.yaml")), roster)
    text = "what_if:\n  - name: fewer\n    remove: [P9]\n"
    with pytest.raises(ScenarioError, match=r"w.yaml:2: what_if\[0\] \('fewer'\): remove: no person 'P9'"):
        check_what_if(parse_what_if(text, source=__import__("pathlib").Path("w.yaml")), roster)
    loaded = parse_what_if("what_if:\n  - {name: stairs, lifts: stopped}\n")
    assert loaded.spec.what_if[0].lifts == "stopped" and loaded.spec.as_logged == AsLogged()


def test_a_person_added_is_read_against_the_policy_on_the_roster_as_logged(roster, estate_twin):
    """Adding a plumber lets the policy choose who goes, so its pairs are read against the same
    policy on the logged roster (run once more), not against who went: here the added plumber
    waits in tower C's lobby and is sent to 1043 instead of P2, the nearest of the logged roster
    (from the Security Room, a little nearer than P1 in the Engineering Office)."""
    rec = reconstruct(incidents(THREE[:1], estate_twin), roster, twin=estate_twin)
    extra = {"id": "P3", "trades": {"plumber": 2}, "shift": "all day", "base": "C-03-LOB Lobby C L03"}
    done = what_if(rec, [WhatIf.model_validate({"name": "plumber in C", "add": [extra]})], trace_moves=False)
    assert [(r.name, r.against, r.who_chooses) for r in done.runs] == [
        (AS_RECORDED, LOGGED, "as logged"),
        (POLICY_AS_LOGGED, AS_RECORDED, "nearest"),
        ("plumber in C", POLICY_AS_LOGGED, "nearest"),
    ]
    row = done.pairs.iloc[0]
    assert row[f"{POLICY_AS_LOGGED}: who"] == "P2" and row["plumber in C: who"] == "P3"
    guards = _walk_min(estate_twin, "Security Room", "C-0306 Flat C-0306")
    assert row[f"{POLICY_AS_LOGGED}: on site min"] == pytest.approx(5.0 + guards, abs=1e-6)
    lobby = _walk_min(estate_twin, "C-03-LOB Lobby C L03", "C-0306 Flat C-0306")
    assert row["plumber in C: on site min"] == pytest.approx(5.0 + lobby, abs=1e-6)


def test_a_contractor_who_went_is_sent_again_and_its_new_terms_apply(roster, estate_twin):
    """The log says the lift contractor went (its id, not a technician's): re-run as recorded, one
    of its technicians goes, arriving after the contract's drawn delay; with a contract that
    promises a fixed 10 min, on site 10 min plus the walk from the entrance after the dispatch."""
    terms = {"id": "LIFTCO", "trades": {"lift_technician": 3}, "technicians": 2}
    data = roster.model_dump(mode="python") | {"contractors": [terms]}
    with_lifts = type(roster).model_validate(data)
    row = {
        **THREE[0],
        "id": "5001",
        "person": "LIFTCO",
        "trade": "lift_technician",
        "place": "Lift C3 (service)",
    }
    rec = reconstruct(incidents([row], estate_twin), with_lifts, twin=estate_twin)
    assert rec.recorded[0].person == "LIFTCO"
    fixed = WhatIf.model_validate({"name": "10 min", "contractors": {"LIFTCO": {"arrival_delay_min": 10}}})
    done = what_if(rec, [fixed], trace_moves=False)
    pair = done.pairs.iloc[0]
    assert pair[f"{AS_RECORDED}: who"].startswith("LIFTCO-") and pair["10 min: who"].startswith("LIFTCO-")
    f = done.runs[1].log.frame
    sent = f[f["kind"] == "dispatched"]["t_s"].iloc[0]
    came = f[f["kind"] == "callout"]
    assert came["value"].iloc[0] == 600.0 and came["t_s"].iloc[0] == sent
    on_site = f[f["kind"] == "on_site"]["t_s"].iloc[0]
    assert on_site > sent + 600.0


def test_a_person_added_with_a_base_the_building_lacks_is_named_at_its_line(roster, estate_twin):
    text = (
        "what_if:\n  - name: more\n    add:\n"
        "      - {id: P9, trades: {plumber: 1}, shift: all day, base: Engineering Ofice}\n"
    )
    with pytest.raises(ScenarioError, match=r"w.yaml:4: what_if\[0\].add\[0\].base: .*Engineering Ofice"):
        check_what_if(parse_what_if(text, source=Path("w.yaml")), roster, twin=estate_twin)
