"""The Compare page (streamlit.testing AppTest): two runs side by side."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.test_building_page import MAIN, TIMEOUT_S
from tests.conftest import estate
from twin.cli import main


def compare_page() -> AppTest:
    estate()
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT_S)
    at.switch_page("views/compare.py")
    return at.run()


def test_the_night_and_the_day_shift_meet_the_same_burst_side_by_side():
    at = compare_page()
    assert not at.exception
    assert at.title[0].value == "Compare two runs"
    # The day shift's drill is the demo drill started at 14:10, set in B's form in plain view.
    [t for t in at.time_input if t.label == "Start time"][1].set_value(dt.time(14, 10))
    [t for t in at.text_input if t.label == "Name"][1].set_value("Day-shift riser burst, tower B L14")
    at.button(key="compare_button").click().run()
    assert not at.exception and not at.error
    captions = [c.value for c in at.caption]
    assert any(
        c.startswith("Sat 21 Nov 2026 02:10, 6 h, seed 7, dispatch “nearest”; 5 of 10 staff on site")
        for c in captions
    )
    assert any(
        c.startswith("Sat 21 Nov 2026 14:10, 6 h, seed 7, dispatch “nearest”; 4 of 10 staff on site")
        for c in captions
    )
    a, b = (at.table[i].value for i in (0, 1))
    assert a["incident"].tolist() == b["incident"].tolist() == ["Burst at Riser B L14"]
    table = at.dataframe[0].value.set_index("figure")
    assert list(table.columns) == ["unit", "A", "B", "B − A", "better"]
    assert table.loc["Incidents", "A"] == table.loc["Incidents", "B"] == 1
    charts = {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    response = next(spec for key, spec in charts.items() if "cmp_response" in key)
    assert [t["x"][0].split("<br>")[0] for t in response["data"] if t.get("boxpoints") is False] == [
        "A: Night-shift riser burst, tower B L14 — Sat 02:10, seed 7",
        "B: Day-shift riser burst, tower B L14 — Sat 14:10, seed 7",
    ]
    assert sum("cmp_timeline" in key for key in charts) == 2


def test_another_policy_and_seed_come_from_the_form(monkeypatch: pytest.MonkeyPatch):
    at = compare_page()
    seed = [n for n in at.number_input if n.label == "Random seed"][1]  # side B
    seed.set_value(11)
    [s for s in at.selectbox if s.label == "Dispatch policy"][1].set_value("manual")
    at.button(key="compare_button").click().run()
    assert not at.exception
    # B keeps its scenario's own start: nothing moved it to another shift behind the user's back.
    assert any(
        c.value.startswith("Sat 21 Nov 2026 02:10, 6 h, seed 11, dispatch “manual”; 5 of 10 staff")
        for c in at.caption
    )


def test_saved_run_folders_can_be_compared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--seed", "7"]) == 0
    assert main(["run", "--seed", "8"]) == 0
    at = compare_page()
    for side, folder in (("A", "runs/night_riser_burst-seed7"), ("B", "runs/night_riser_burst-seed8")):
        at.radio(key=f"cmp_{side}_mode").set_value("A saved run folder (runs/)").run()
        at.selectbox(key=f"cmp_{side}_saved").set_value(folder).run()
    at.button(key="compare_button").click().run()
    assert not at.exception and not at.error
    assert any(c.value.endswith("from runs/night_riser_burst-seed8") for c in at.caption)
    table = at.dataframe[0].value.set_index("figure")
    assert table.loc["Incidents", ["A", "B"]].tolist() == [1, 1]


def test_with_no_saved_runs_the_page_says_where_they_come_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    at = compare_page()
    at.radio(key="cmp_A_mode").set_value("A saved run folder (runs/)").run()
    assert not at.exception
    assert at.info[0].value.startswith("No run folders in runs/ yet")
    assert at.button(key="compare_button").disabled


def test_the_drill_pages_run_can_be_one_side():
    estate()
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT_S)
    at.switch_page("views/drill.py").run()
    at.button(key="drill_run_button").click().run()
    at.switch_page("views/compare.py").run()
    at.radio(key="cmp_A_mode").set_value("The Drill page's last run").run()
    at.button(key="compare_button").click().run()
    assert not at.exception
    assert any(c.value.endswith("from scenarios/night_riser_burst.yaml") for c in at.caption)
