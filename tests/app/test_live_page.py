"""The Live page (streamlit.testing AppTest): a trainer starts an exercise and runs its clock; a
dispatcher joins with the code, sees the burst once it is reported, and sends the guard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.test_building_page import MAIN, TIMEOUT_S
from tests.conftest import estate


@pytest.fixture(scope="module")
def live_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("live")


def page(live_dir: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    estate()
    monkeypatch.setenv("DRILLTWIN_LIVE_DIR", str(live_dir))
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT_S)
    at.switch_page("views/live.py")
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def texts(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown) + "\n".join(str(c.value) for c in at.caption)


def table(at: AppTest, *columns: str) -> Any:
    """The first table on the page with these columns (tables have no key), its index a column."""
    found = (t.value.reset_index() for t in at.table)
    return next(t for t in found if set(columns) <= set(t.columns))


@pytest.fixture(scope="module")
def started(live_dir: Path) -> str:
    """An exercise of the demo drill started from the lobby: its join code."""
    mp = pytest.MonkeyPatch()
    try:
        at = page(live_dir, mp)
        assert not at.exception
        assert [s.value for s in at.subheader] == ["Start an exercise (trainer)", "Join an exercise"]
        at.button(key="live_start").click().run()
        assert not at.exception
        code = at.query_params["code"]
        assert at.query_params["role"] == "trainer"
        return str(code[0] if isinstance(code, list) else code)
    finally:
        mp.undo()


def test_the_trainer_gets_a_join_code_a_paused_clock_and_the_plan(started, live_dir, monkeypatch):
    at = page(live_dir, monkeypatch, code=started, role="trainer")
    assert not at.exception
    assert [(m.label, m.value) for m in at.metric] == [("Join code", started), ("Clock", "02:10:00")]
    assert "paused (speed 1×), 00:00 into the exercise, of 6:00:00" in texts(at)
    assert at.button(key="live_resume").label == "Start the clock"
    roster = table(at, "person", "status", "where")
    assert roster.set_index("person").loc["N-SEC1", "status"] == "free"


def test_a_dispatcher_sees_the_burst_only_once_reported_and_sends_the_guard(started, live_dir, monkeypatch):
    disp = page(live_dir, monkeypatch, code=started.lower(), role="dispatcher")
    assert not disp.exception
    assert "Nothing has been reported." in texts(disp)
    trainer = page(live_dir, monkeypatch, code=started, role="trainer")
    # The demo's burst is reported by phone 1293 s (21.6 min) after it happens: jump 15 min
    # twice; at 15 min still nothing, at 30 min the burst and its isolate task.
    trainer.button(key="live_jump_15").click().run()
    disp.run()
    assert "Nothing has been reported." in texts(disp)
    trainer.button(key="live_jump_15").click().run()
    disp.run()
    incidents = table(disp, "incident", "reported")
    assert incidents["incident"].tolist() == ["Burst at Riser B L14"]
    assert incidents["reported"].tolist() == ["02:31:33"]
    # Waiting since the report: 1800 − 1293.5 s = 8 min 26 s.
    assert "**Task 0: isolate at Riser valve B** · storey B1 · red · waiting **08:26**" in texts(disp)
    assert disp.selectbox(key="disp_who_0").value == "N-SEC1"
    disp.button(key="disp_send_0").click().run()
    assert not disp.exception
    assert disp.success[0].value == "N-SEC1 sent to task 0 (about 1.4 min away)."
    trainer.run()
    roster = table(trainer, "person", "status", "where").set_index("person")
    assert roster.loc["N-SEC1", "status"] == "en route"
    actions = table(trainer, "clock", "what")
    assert actions["what"].tolist() == ["assign N-SEC1 → task 0"]
    assert actions["clock"].tolist() == ["02:40:00"]
