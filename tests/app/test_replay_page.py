"""The Replay page (streamlit.testing AppTest): a log and its mapping uploaded, the import summary
with the rejected rows, the KPIs, one day, and a what-if side by side."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.app.test_building_page import MAIN, TIMEOUT_S
from tests.conftest import estate

LOG = b"""id,reported,dispatched,on_site,made_safe,resolved,place,category,title,trade,priority,person
1043,2026-03-02 08:00,2026-03-02 08:05,2026-03-02 08:34,2026-03-02 08:50,2026-03-02 09:40,C-0306 Flat C-0306,LEAK,Leak in flat,plumber,1,JS
1044,2026-03-02 08:20,2026-03-02 08:20,2026-03-02 08:31,,2026-03-02 08:52,C-0306 Flat C-0306,LEAK,Dripping tap,plumber,2,AB
1047,not a date,,,,,C-0306 Flat C-0306,LEAK,x,plumber,2,JS
"""

MAP = b"""preset: plain
timezone: Europe/London
scenario: ../estate_roster.yaml
priorities: {1: red, 2: yellow, 3: blue}
people: {JS: D-PLB1, AB: D-HVAC}
"""


def uploaded(mapping: bytes = MAP, log: bytes = LOG) -> AppTest:
    estate()
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT_S)
    at.switch_page("views/replay.py")
    # Straight to the uploads: the page would first read the year-long sample.
    at.session_state["replay_mode"] = "Upload a log and its mapping"
    at.run()
    at.file_uploader(key="replay_log").set_value([("log.csv", log, "text/csv")])
    at.file_uploader(key="replay_map").set_value([("log.map.yaml", mapping, "text/yaml")])
    return at.run()


def frame(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with ``column``."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_an_uploaded_log_shows_its_import_kpis_and_a_what_if_side_by_side():
    at = uploaded()
    assert not at.exception and not at.error
    assert at.title[0].value == "Replay"
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Rows read"], metrics["Used"], metrics["Rejected"]) == ("3", "2", "1")
    rejected = frame(at, "reason")
    assert list(rejected["row"]) == [4] and list(rejected["reason"]) == ["unreadable time"]
    assert metrics["Red: on site within 15 min"] == "0%"  # 1043: on site after 34 min
    at.button(key="replay_run").click().run()
    assert not at.exception and not at.error
    kpis = frame(at, "nearest qualified")
    assert list(kpis.columns) == ["logged", "re-run as recorded", "nearest qualified"]
    assert list(kpis.loc["Incidents"]) == [2, 2, 2]
    pairs = frame(at, "who (logged)")
    assert sorted(pairs["id"]) == ["1043", "1044"]
    assert pairs.set_index("id").loc["1043", "logged"] == 34.0


def test_a_mapping_naming_a_scenario_outside_the_shipped_ones_is_refused():
    at = uploaded(MAP.replace(b"../estate_roster.yaml", b"/etc/roster.yaml"))
    assert not at.exception
    assert any("is not a shipped scenario" in e.value for e in at.error)


def test_a_utf16_mapping_reads_and_a_latin1_log_names_the_upload_its_line_and_the_encoding_to_set():
    # The mapping (Notepad's "Unicode") is read as the CLI reads it; the log's error names the
    # upload, not the temporary folder it is read from.
    at = uploaded(
        MAP.decode().encode("utf-16"), LOG.replace(b"Leak in flat", "Fuite à l'évier".encode("latin-1"))
    )
    assert not at.exception
    assert [e.value for e in at.error] == [
        "log.csv:2: not UTF-8 text (byte 0xe0: saved as Latin-1 or Windows-1252?); save the export as "
        "UTF-8, or name its encoding in the mapping (encoding: cp1252 for most Windows exports)"
    ]
