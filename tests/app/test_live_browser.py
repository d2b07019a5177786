"""A live exercise in Chromium with two browser contexts (two people on two devices): the trainer
starts an exercise and injects a burst; the dispatcher sees it only once it has been reported,
sends the valve-trained guard; the trainer sees the guard en route and the scorecard move on; a
reload keeps it all; the after-action report lists the decision.

`twin app` runs on a free port with its exercises in a temporary folder; screenshots go to
``$DRILLTWIN_SCREENSHOTS`` when set (the README's picture of the Live page is taken here).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.test_browser import CHROMIUM, FIRST_LOAD_MS, LOAD_MS, free_port, stop_app, wait_for_url
from tests.conftest import REPO, estate

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent: this test never downloads a browser"
)

#: The demo's night shift with nothing going wrong: whatever happens, the trainer throws in.
QUIET = (REPO / "scenarios" / "night_riser_burst.yaml").read_text(encoding="utf-8")
QUIET = QUIET[: QUIET.index("hazards:")].replace(
    "name: Night-shift riser burst, tower B L14", "name: Quiet night, tower B"
)
VIEWPORT = {"width": 1500, "height": 1100}
#: The running app's log (printed when the test fails).
LOG: list[Path] = []


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`twin app` on a free port, keeping its exercises in a temporary folder."""
    folder = tmp_path_factory.mktemp("live-app")
    log = folder / "twin-app.log"
    port = free_port()
    env = {**os.environ, "DRILLTWIN_LIVE_DIR": str(folder / "live")}
    LOG[:] = [log]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "twin", "app", "--port", str(port), "--headless"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield wait_for_url(proc, log, port)
    finally:
        stop_app(proc)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test extra")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM))
        yield b
        b.close()


def shots_folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DRILLTWIN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def no_exception_shown(page: Any) -> None:
    boxes = page.locator("[data-testid=stException]")
    assert boxes.count() == 0, boxes.first.inner_text()


def row(page: Any, table: int, first_cell: str) -> Any:
    """The row of the ``table``-th table on the page whose first cell is ``first_cell``."""
    return (
        page.locator("[data-testid=stTable]")
        .nth(table)
        .locator("tr")
        .filter(has=page.locator("th", has_text=re.compile(f"^{re.escape(first_cell)}$")))
    )


def choose(page: Any, label: str, option: str) -> None:
    """Pick ``option`` in the select box labelled ``label`` (opened again when a rerun that
    was still under way closed the list)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(5):
        page.get_by_label(label, exact=True).click()
        try:
            page.get_by_role("option", name=option).click(timeout=5000)
            return
        except PlaywrightTimeout:
            if attempt == 4:
                raise
            page.keyboard.press("Escape")


def test_a_trainer_and_a_dispatcher_run_a_live_exercise_in_two_browsers(
    live_app: str, chromium: Any, tmp_path: Path
) -> None:
    estate()
    shots = shots_folder(tmp_path)
    scenario = tmp_path / "quiet_night.yaml"
    scenario.write_text(QUIET, encoding="utf-8")
    began = time.perf_counter()
    laps: list[tuple[str, float]] = []

    def lap(what: str) -> None:
        """Mark the start of a step; the time the last step took is printed (``-s`` shows it)."""
        now = time.perf_counter()
        if laps:
            print(f"  {now - laps[-1][1]:6.1f} s  {laps[-1][0]}")
        laps.append((what, now))

    lap("start + inject")
    # The trainer starts an exercise from an uploaded scenario and injects a burst.
    trainer = chromium.new_context(viewport=VIEWPORT).new_page()
    dispatcher = chromium.new_context(viewport=VIEWPORT).new_page()
    try:
        trainer.goto(f"{live_app}/live")
        trainer.get_by_role("heading", name="Start an exercise (trainer)").wait_for(timeout=FIRST_LOAD_MS)
        trainer.get_by_text("Upload a scenario file").click()
        uploader = trainer.locator("[data-testid=stFileUploader]").filter(has_text="Scenario file")
        uploader.locator("input[type=file]").set_input_files(str(scenario))
        trainer.get_by_text("quiet_night.yaml: Quiet night, tower B — 10 people, 0 hazards").wait_for(
            timeout=LOAD_MS
        )
        trainer.get_by_role("button", name="Start the exercise").click()
        join = trainer.locator("[data-testid=stMetric]").filter(has_text="Join code")
        join.wait_for(timeout=LOAD_MS)
        code = join.locator("[data-testid=stMetricValue]").inner_text().strip()
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", code), code
        assert f"code={code}" in trainer.url and "role=trainer" in trainer.url

        choose(trainer, "Inject", "burst — a pipe bursts")
        trainer.get_by_label("at", exact=True).fill("Riser B L14")
        trainer.get_by_role("button", name="Inject now").click()
        trainer.get_by_text("Burst at Riser B L14", exact=False).first.wait_for(timeout=LOAD_MS)

        lap("dispatcher joins")
        # The dispatcher joins with the code; the burst has happened but nobody has phoned yet.
        dispatcher.goto(f"{live_app}/live")
        dispatcher.get_by_label("Join code").fill(code.lower())
        dispatcher.get_by_role("button", name="Join").click()
        dispatcher.get_by_text("Nothing has been reported.").wait_for(timeout=LOAD_MS)

        lap("jump to the report")
        # Fifteen minutes on, still nobody has phoned; fifteen more and the report has come through
        # (the burst's phone delay is drawn: 21.6 min with this seed). The dispatcher's page is not
        # touched: it shows each moment as its ticking part reruns.
        trainer.get_by_role("button", name="+15 min").click()
        trainer.locator("[data-testid=stMetric]").filter(has_text="02:25:00").wait_for(timeout=LOAD_MS)
        dispatcher.wait_for_timeout(2500)  # at least one tick of the dispatcher's page since
        dispatcher.get_by_text("Nothing has been reported.").wait_for(timeout=LOAD_MS)
        trainer.get_by_role("button", name="+15 min").click()
        reported = row(dispatcher, 0, "0")
        reported.get_by_text("Burst at Riser B L14").wait_for(timeout=LOAD_MS)
        when = reported.locator("td").nth(3).inner_text()
        assert when > "02:10:00", f"reported at {when}, not after the burst"

        lap("send the guard")
        # The valve-trained guard is the first candidate for the isolate task: send him.
        send = dispatcher.get_by_role("combobox", name="Send")
        send.wait_for(timeout=LOAD_MS)
        assert send.input_value().startswith("N-SEC1 Guard (valve trained) — free, ")
        dispatcher.get_by_role("button", name="Send").click()
        dispatcher.get_by_text("N-SEC1 sent to task 0").wait_for(timeout=LOAD_MS)
        no_exception_shown(dispatcher)

        lap("trainer sees en route")
        # The trainer's view: the guard en route, the decision listed, the scorecard's dispatch time.
        row(trainer, 1, "N-SEC1").get_by_text("en route").wait_for(timeout=LOAD_MS)
        trainer.get_by_text("assign N-SEC1 → task 0").wait_for(timeout=LOAD_MS)
        scorecard = row(trainer, 0, "#0")
        assert scorecard.locator("td").nth(4).inner_text().strip() not in ("", "—")
        no_exception_shown(trainer)
        # Pictures for the README: the trainer's page down to the inject menu, the dispatcher's.
        trainer.set_viewport_size({"width": 1500, "height": 1560})
        trainer.mouse.move(5, 5)  # no tooltip of the last button clicked
        dispatcher.mouse.move(5, 5)
        trainer.wait_for_timeout(2500)
        trainer.screenshot(path=str(shots / "live-trainer.png"))
        trainer.set_viewport_size(VIEWPORT)
        dispatcher.screenshot(path=str(shots / "live-dispatcher.png"))

        lap("reload")
        # A reload is the same exercise, as it stood.
        trainer.reload()
        row(trainer, 1, "N-SEC1").get_by_text("en route").wait_for(timeout=FIRST_LOAD_MS)
        trainer.get_by_text("assign N-SEC1 → task 0").wait_for(timeout=LOAD_MS)
        no_exception_shown(trainer)

        lap("review + report")
        # The after-action report lists the decision, set against nearest.
        trainer.get_by_role("button", name="Review the exercise so far").click()
        trainer.get_by_text("as nearest (the same person)").wait_for(timeout=LOAD_MS)
        trainer.get_by_role("button", name="Write the after-action report").click()
        with trainer.expect_download(timeout=LOAD_MS) as download:
            trainer.get_by_role("button", name="After-action report (.html)").click(timeout=FIRST_LOAD_MS)
        report = Path(download.value.path()).read_text(encoding="utf-8")
        assert "assign N-SEC1 to task 0 &#x27;isolate at Riser valve B&#x27;" in report
        assert "Each decision against the nearest qualified person" in report
        no_exception_shown(trainer)
        lap("end")
        print(f"live exercise in two browsers: {time.perf_counter() - began:.1f} s")
    except BaseException:
        # What each page showed when it failed, for whoever reads the failure (CI keeps no files).
        for name, page in (("trainer", trainer), ("dispatcher", dispatcher)):
            page.screenshot(path=str(shots / f"live-failed-{name}.png"))
            print(f"--- the {name}'s page when it failed:\n{page.locator('body').inner_text(timeout=10_000)}")
        print(f"--- the app's log:\n{LOG[0].read_text(errors='replace')[-4000:]}")
        raise
