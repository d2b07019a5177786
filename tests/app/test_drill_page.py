"""The Drill page (streamlit.testing AppTest): choose, edit, check and run a scenario; the scorecard,
the replay, the timeline and the event log of the run."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.test_building_page import MAIN, TIMEOUT_S
from tests.conftest import REPO, estate

DEMO = REPO / "scenarios" / "night_riser_burst.yaml"
SOURCE = "scenarios/night_riser_burst.yaml"


def drill_page() -> AppTest:
    estate()
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT_S)
    at.switch_page("views/drill.py")
    return at.run()


def editor(at: AppTest) -> Any:
    return at.text_area(key="drill_yaml")


def run_button(at: AppTest) -> Any:
    return at.button(key="drill_run_button")


def chart(at: AppTest, key: str) -> dict[str, Any]:
    found = next(c for c in at.get("plotly_chart") if key in c.proto.id)
    return dict(json.loads(found.proto.spec))


@pytest.fixture(scope="module")
def ran() -> tuple[AppTest, float]:
    """The Drill page after running the demo drill, and the seconds the run's script took (with
    nothing of the run in the app's caches)."""
    import streamlit as st

    st.cache_resource.clear()
    at = drill_page()
    start = time.perf_counter()
    run_button(at).click().run()
    return at, time.perf_counter() - start


def test_the_demo_drill_is_in_the_editor_checked_and_ready_to_run():
    at = drill_page()
    assert not at.exception
    assert at.title[0].value == "Drill"
    assert at.selectbox(key="drill_shipped").value == SOURCE
    assert editor(at).value == DEMO.read_text(encoding="utf-8")
    assert editor(at).label == f"Scenario YAML — {SOURCE}"
    assert at.success[0].value.startswith("Valid: 10 people, 1 contractor, 1 hazard; every place found")
    assert not run_button(at).disabled
    # Nothing run yet: the plan shows where the drill starts.
    assert [
        c.proto.id.endswith("start_plan") or "start_plan" in c.proto.id for c in at.get("plotly_chart")
    ] == [True]
    assert chart(at, "start_plan")["layout"]["title"]["text"].startswith(
        "Where it starts: storey <b>L14</b>, B-14"
    )


def test_running_the_demo_drill_shows_the_scorecard_replay_timeline_and_log(ran):
    at, seconds = ran
    assert not at.exception
    assert at.header[0].value == "Results: Night-shift riser burst, tower B L14"
    scorecard = at.table[0].value
    assert scorecard["incident"].tolist() == ["Burst at Riser B L14"]
    assert scorecard["priority"].tolist() == ["red"] and scorecard["on site"].iloc[0].endswith("✓")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Red on site in time"] == "100.0%"
    assert metrics["Water let out"].endswith(" m³")
    # The guard who closed the valve and cleaned up, the plumber, the guard at the front desk: 3
    # of the scenario's 10 people had a task (the table lists everyone, zeros included).
    assert [e.label for e in at.expander if e.label.startswith("People:")] == [
        "People: time on tasks (3 of 10 worked)"
    ]
    # The replay opens on L14, tower B, with a frame per replay time and a play button.
    run_id = at.session_state["drill_run"].id
    storey = at.selectbox(key=f"replay_storey_{run_id}")
    assert storey.value == 15 and storey.format_func(15).startswith("L14 (+43.50 m): 1 incident · water in ")
    replay = chart(at, "replay_plan")
    assert "storey <b>L14</b>" in replay["layout"]["title"]["text"] and len(replay["frames"]) > 60
    assert replay["layout"]["updatemenus"][0]["buttons"][0]["label"] == "▶ Play"
    timeline = chart(at, "timeline")
    assert {"N-SEC1 · Guard (valve trained)", "N-PLB · Night plumber"} <= {
        y for trace in timeline["data"] for y in trace.get("y", [])
    }
    log = next(df.value for df in at.dataframe if "kind" in df.value.columns)
    assert "move" not in set(log["kind"]) and {"incident", "on_site", "made_safe"} <= set(log["kind"])
    # In words, not codes: no "None", no "trade:level or …" alternatives.
    said = list(log["what happened"])
    assert not any("None" in s or ":1 or " in s for s in said)
    assert "Incident (red): Burst at Riser B L14" in said
    assert "Reported by phone" in said
    assert any(s.startswith("N-SEC1 · Guard (valve trained) sent to ") for s in said)
    assert set(log["incident"]) >= {"#0 Burst at Riser B L14"}
    response = at.session_state["drill_response_s"]
    wall = at.session_state["drill_run"].result.wall_s
    print(
        f"\nDrill page (AppTest): the script of the Run click took {seconds:.2f} s: run() {wall:.2f} s, "
        f"then {response:.2f} s to the scorecard, replay, timeline and log"
    )


def test_the_storey_selector_and_the_log_filters_redraw_only_their_part(ran):
    at, _ = ran
    run_id = at.session_state["drill_run"].id
    at.selectbox(key=f"replay_storey_{run_id}").set_value(
        0
    ).run()  # B1: where the guard closes the riser valve
    assert not at.exception
    assert "storey <b>B1</b> at -4.00 m" in chart(at, "replay_plan")["layout"]["title"]["text"]
    at.multiselect(key=f"log_people_{run_id}").set_value(["N-SEC1"]).run()
    log = next(df.value for df in at.dataframe if "kind" in df.value.columns)
    assert "dispatched" in set(log["kind"])
    assert all("N-SEC1 · Guard (valve trained)" in s for s in log["what happened"])


def test_a_broken_scenario_lists_each_problem_with_its_line_and_cannot_run():
    at = drill_page()
    text = (
        DEMO.read_text(encoding="utf-8")
        .replace("duration_h: 6", "duration_h: -6")
        .replace("seed: 7", "seed: seven")
    )
    editor(at).input(text).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"{SOURCE}:12: duration_h: must be > 0, got -6",
        f"{SOURCE}:13: seed: must be a whole number, got 'seven'",
    ]
    assert run_button(at).disabled
    editor(at).input("name: [unclosed\npeople: []\n").run()
    assert not at.exception
    assert at.error[0].value.startswith(f"{SOURCE}:1: not valid YAML: ")


def test_a_scenario_naming_a_server_file_is_refused_in_one_line_without_reading_it():
    at = drill_page()
    for target in ("/etc/passwd", "/etc/no-such-file"):
        editor(at).input(DEMO.read_text(encoding="utf-8") + f"background: {{rates: {target}}}\n").run()
        assert not at.exception
        assert [e.value for e in at.error] == [
            f"{SOURCE}:{len(DEMO.read_text(encoding='utf-8').splitlines()) + 1}: background.rates: '{target}' "
            "is outside the upload's folder and DrillTwin's shipped data, and the app reads no other file; "
            "name a shipped file or leave the field out (rates: left out uses the default rates)"
        ]
        assert run_button(at).disabled


def test_a_place_the_building_does_not_have_is_named_with_its_line():
    at = drill_page()
    editor(at).input(DEMO.read_text(encoding="utf-8").replace("at: Riser B L14", "at: Riser Q L99")).run()
    assert not at.exception
    assert len(at.error) == 1
    assert at.error[0].value.startswith(
        f"{SOURCE}:57: hazards[0].at: no place called 'Riser Q L99' in estate.ifc (did you mean: "
    )
    assert run_button(at).disabled


def test_the_form_rewrites_the_common_fields_in_the_yaml():
    at = drill_page()
    seed = next(n for n in at.number_input if n.label == "Random seed")
    seed.set_value(8)
    next(s for s in at.selectbox if s.label == "Dispatch policy").set_value("manual")
    next(b for b in at.button if b.label == "Apply to the YAML").click().run()
    assert not at.exception
    lines = editor(at).value.splitlines()
    assert "seed: 8" in lines and "dispatch: {kind: manual}" in lines
    assert "# cuts the water to the whole tower until the pipe is repaired." in lines  # comments kept
    assert at.success  # still valid


def test_an_uploaded_scenario_is_checked_and_an_unusable_one_says_why():
    at = drill_page()
    at.radio(key="drill_mode").set_value("Upload a scenario file").run()
    assert at.info[0].value.startswith("Upload a scenario file (.yaml or .yml)")
    text = DEMO.read_text(encoding="utf-8").replace("at: Riser B L14", "at: Nowhere")
    at.file_uploader(key="drill_upload").set_value(
        [("../../my drill.yaml", text.encode(), "text/yaml")]
    ).run()
    assert not at.exception
    assert editor(at).label == "Scenario YAML — my_drill.yaml"
    assert at.error[0].value.startswith("my_drill.yaml:57: hazards[0].at: no place called 'Nowhere'")

    # Decoded as the CLI decodes a file: a Latin-1 upload names its line and byte, and Notepad's
    # "Unicode" (UTF-16 with its byte-order mark) reads.
    latin = text.replace("name: Night-shift", "name: Équipe de nuit,").encode("latin-1", errors="replace")
    at.file_uploader(key="drill_upload").set_value([("drill.yaml", latin, "text/yaml")]).run()
    assert not at.exception
    assert at.error[0].value == (
        "drill.yaml:6: not UTF-8 text (byte 0xc9: saved as Latin-1 or Windows-1252?); "
        "save the scenario as UTF-8 YAML"
    )
    at.file_uploader(key="drill_upload").set_value(
        [("notepad.yaml", DEMO.read_bytes().decode().encode("utf-16"), "text/yaml")]
    ).run()
    assert not at.exception and not at.error
    assert editor(at).value == DEMO.read_text(encoding="utf-8")
    at.file_uploader(key="drill_upload").set_value([("big.yaml", b"#" * 300_000, "text/yaml")]).run()
    assert at.error[0].value.startswith("big.yaml: 300 kB is more than the 200 kB a scenario may have")
