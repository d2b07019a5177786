"""End to end in a real browser: `twin app` on a free port, driven with Playwright in the system's
Chromium (never a downloaded browser). Screenshots go to ``$DRILLTWIN_SCREENSHOTS`` when set (to
keep them), else to a temporary folder; the page-load times measured go beside them in
``timings.json``.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.app.test_staffing_page import FOUR_VARIANTS, sweep_folder
from tests.conftest import REPO, estate
from tests.ifc_builder import two_storey_house
from twin.present.style import ACTIVITY_COLOURS
from twin.sweep.report import sweep_report
from twin.sweep.results import read_sweep

CHROMIUM = Path("/usr/bin/chromium")
#: The first page of a test session may build the estate's twin into the session's empty cache.
FIRST_LOAD_MS = 180_000
LOAD_MS = 60_000
VIEWPORT = {"width": 1600, "height": 1200}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is absent: install it with `apt-get install -y chromium` (.ci/run does) — "
    "this test never downloads a browser",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`twin app --port PORT --headless` running; its URL, as the command printed it."""
    log = tmp_path_factory.mktemp("twin-app") / "twin-app.log"
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "twin", "app", "--port", str(port), "--headless"],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = wait_for_url(proc, log, port)
        yield url
    finally:
        # `twin app` became the Streamlit server; stop its process group (ours alone).
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def wait_for_url(proc: subprocess.Popen[bytes], log: Path, port: int, timeout_s: float = 60) -> str:
    deadline = time.monotonic() + timeout_s
    url = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`twin app` exited with status {proc.returncode}:\n{log.read_text()}")
        if not url:
            printed = [ln for ln in log.read_text().splitlines() if ln.startswith("DrillTwin app: ")]
            url = printed[0].split()[2] if printed else ""
        if url:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        assert url == f"http://localhost:{port}"
                        return url
            except OSError:
                pass
        time.sleep(0.2)
    pytest.fail(f"`twin app` did not answer on port {port} within {timeout_s:.0f} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test extra")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM))
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("DRILLTWIN_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def css_rgb(colour: str) -> tuple[int, ...]:
    """A CSS colour, "#rrggbb" or "rgb(r,g,b)", as its three 0-255 values."""
    if colour.startswith("#"):
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(int(v) for v in colour[colour.index("(") + 1 : -1].split(","))


def record_timing(shots: Path, name: str, seconds: float) -> None:
    path = shots / "timings.json"
    timings = json.loads(path.read_text()) if path.exists() else {}
    timings[name] = round(seconds, 2)
    path.write_text(json.dumps(timings, indent=2) + "\n")
    print(f"{name}: {seconds:.2f} s")


def chart(page: Any, n: int) -> Any:
    """The n-th plotly chart on the page, scrolled into view (Streamlit draws charts lazily).

    A rerun that starts late (a loaded machine) can replace the chart between finding it and
    scrolling to it; then it is found again."""
    from playwright.sync_api import Error as PlaywrightError

    box = page.locator("[data-testid=stPlotlyChart]").nth(n)
    for attempt in range(5):
        try:
            box.wait_for(timeout=LOAD_MS)
            box.scroll_into_view_if_needed(timeout=LOAD_MS)
            return box
        except PlaywrightError as exc:
            if "not attached" not in str(exc) or attempt == 4:
                raise
            page.wait_for_timeout(500)
    return box


def wait_until_idle(page: Any) -> None:
    """Until Streamlit's "running" indicator is gone: the script has finished."""
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=LOAD_MS)


def no_exception_shown(page: Any) -> None:
    boxes = page.locator("[data-testid=stException]")
    assert boxes.count() == 0, boxes.first.inner_text()


def test_the_building_page_shows_the_estate_in_chromium(app_url: str, browser: Any, shots: Path) -> None:
    estate()
    page = browser.new_page(viewport=VIEWPORT)
    start = time.perf_counter()
    page.goto(app_url)
    # A real element, not the loading skeleton: the title and the first figures of the estate.
    page.get_by_role("heading", name="Building: estate.ifc").wait_for(timeout=FIRST_LOAD_MS)
    page.get_by_text("1,362 of 1,362 spaces").wait_for(timeout=LOAD_MS)
    plan = chart(page, 0)
    plan.locator("text=Storey GF").first.wait_for(timeout=LOAD_MS)
    view = chart(page, 1)
    view.locator("canvas").first.wait_for(timeout=LOAD_MS)
    view.locator("text=29 storeys").first.wait_for(timeout=LOAD_MS)
    page.get_by_role("tab", name="Storeys (29)").wait_for(timeout=LOAD_MS)
    wait_until_idle(page)
    record_timing(
        shots, "building page, estate: first load to plan + 3D + tables", time.perf_counter() - start
    )
    no_exception_shown(page)

    page.wait_for_timeout(1000)  # let WebGL finish its first frame before the picture
    plan.screenshot(path=str(shots / "building-plan.png"))
    view.screenshot(path=str(shots / "building-3d.png"))
    page.set_viewport_size({"width": 1600, "height": 3400})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(shots / "building-page.png"))

    # Reloading is what a second visitor sees: everything comes from the app's caches.
    page.set_viewport_size(VIEWPORT)
    start = time.perf_counter()
    page.reload()
    page.get_by_role("heading", name="Building: estate.ifc").wait_for(timeout=LOAD_MS)
    chart(page, 1).locator("canvas").first.wait_for(timeout=LOAD_MS)
    wait_until_idle(page)
    record_timing(
        shots, "building page, estate: reload (cached) to plan + 3D + tables", time.perf_counter() - start
    )
    no_exception_shown(page)
    page.close()


def test_an_uploaded_model_shows_its_unreachable_room_and_a_broken_one_a_message(
    app_url: str, browser: Any, shots: Path, tmp_path: Path
) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(app_url)
    page.get_by_role("heading", name="Building: ").wait_for(timeout=FIRST_LOAD_MS)
    page.get_by_text("Upload IFC file(s)").click()
    page.get_by_text("Upload the IFC file(s) of a building in the sidebar").wait_for(timeout=LOAD_MS)

    page.locator("[data-testid=stSidebar] input[type=file]").set_input_files(str(two_storey_house(tmp_path)))
    page.get_by_role("heading", name="Building: house.ifc").wait_for(timeout=LOAD_MS)
    page.get_by_text("5 of 6 spaces").wait_for(timeout=LOAD_MS)
    plan = chart(page, 0)
    plan.locator("text=UNREACHABLE").first.wait_for(timeout=LOAD_MS)
    wait_until_idle(page)
    no_exception_shown(page)
    page.wait_for_timeout(500)
    plan.screenshot(path=str(shots / "upload-unreachable-plan.png"))
    page.screenshot(path=str(shots / "upload-unreachable-page.png"))
    page.close()

    page = browser.new_page(viewport=VIEWPORT)
    page.goto(app_url)
    page.get_by_role("heading", name="Building: ").wait_for(timeout=LOAD_MS)
    page.get_by_text("Upload IFC file(s)").click()
    broken = tmp_path / "broken.ifc"
    broken.write_bytes(b"this is not a building")
    page.locator("[data-testid=stSidebar] input[type=file]").set_input_files(str(broken))
    error = page.locator("[data-testid=stAlertContentError]")
    error.wait_for(timeout=LOAD_MS)
    wait_until_idle(page)
    assert error.inner_text().startswith("broken.ifc: not an IFC file")
    no_exception_shown(page)
    page.screenshot(path=str(shots / "upload-broken.png"))
    page.close()


def seconds_in(text: str, before: str) -> float:
    """The number of seconds written just before ``before`` in ``text`` ("… in 0.45 s (…")."""
    head = text.split(before)[0].split()
    return float(head[-2] if head[-1] == "s" else head[-1].rstrip("s"))


def test_the_drill_page_runs_the_demo_drill_and_replays_it_in_chromium(
    app_url: str, browser: Any, shots: Path
) -> None:
    estate()
    page = browser.new_page(viewport=VIEWPORT)
    outside: list[str] = []  # nothing may come from the internet (the favicon came from a CDN)
    page.on(
        "request",
        lambda r: (
            outside.append(r.url) if not r.url.startswith((app_url, "data:", "blob:", "about:")) else None
        ),
    )
    page.goto(f"{app_url}/drill")
    page.get_by_role("heading", name="Drill", exact=True).wait_for(timeout=FIRST_LOAD_MS)
    page.get_by_text("Valid: 10 people, 1 contractor, 1 hazard").wait_for(timeout=LOAD_MS)
    chart(page, 0).locator(".gtitle").get_by_text("Where it starts", exact=False).wait_for(timeout=LOAD_MS)
    run = page.get_by_role("button", name="Run the drill")
    wait_until_idle(page)
    no_exception_shown(page)

    start = time.perf_counter()
    run.click()
    # Real elements, not the skeleton: the scorecard's row of the burst and the replay's plan.
    scorecard = page.locator("[data-testid=stTable]").first
    scorecard.get_by_text("Burst at Riser B L14").wait_for(timeout=LOAD_MS)
    replay = chart(page, 1)  # under the plan of where it starts
    replay.locator(".gtitle").get_by_text("storey L14", exact=False).wait_for(timeout=LOAD_MS)
    replay.locator(".legendtext").get_by_text("person working on a task").wait_for(timeout=LOAD_MS)
    drawn = time.perf_counter() - start
    timeline = chart(page, 2)
    timeline.get_by_text("N-SEC1 · Guard (valve trained)").wait_for(timeout=LOAD_MS)
    wait_until_idle(page)
    idle = time.perf_counter() - start
    no_exception_shown(page)
    caption = page.get_by_text("The drill was simulated in").inner_text()
    simulated = seconds_in(caption, "(")
    record_timing(shots, "drill page, demo drill: click Run to scorecard + replay drawn", drawn)
    record_timing(shots, "drill page, demo drill: of which the simulation", simulated)
    record_timing(
        shots, "drill page, demo drill: response after the run (drawn - simulated)", drawn - simulated
    )
    record_timing(shots, "drill page, demo drill: click Run to page idle (timeline, log too)", idle)
    record_timing(
        shots,
        "drill page, demo drill: server side after the run (as the page says)",
        seconds_in(caption, "after it finished"),
    )

    page.wait_for_timeout(500)
    results = page.get_by_role("heading", name="Results: ")
    results.scroll_into_view_if_needed()
    top = results.bounding_box()
    bottom = page.get_by_role("heading", name="Replay on the plan").bounding_box()
    assert top is not None and bottom is not None
    page.screenshot(
        path=str(shots / "drill-scorecard.png"),
        clip={"x": top["x"] - 20, "y": top["y"] - 10, "width": 1240, "height": bottom["y"] - top["y"]},
    )
    replay.scroll_into_view_if_needed()
    page.mouse.move(0, 0)
    replay.screenshot(path=str(shots / "drill-replay.png"))
    timeline.scroll_into_view_if_needed()
    timeline.screenshot(path=str(shots / "drill-timeline.png"))

    page.set_viewport_size({"width": 1600, "height": 5600})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(shots / "drill-page.png"))
    # The results as a reader first meets them: the scorecard over the replay.
    top = page.get_by_role("heading", name="Results: ").bounding_box()
    bottom = page.get_by_role("heading", name="Timeline of tasks per person").bounding_box()
    assert top is not None and bottom is not None
    page.screenshot(
        path=str(shots / "drill-results.png"),
        clip={"x": top["x"] - 30, "y": top["y"] - 20, "width": 1260, "height": bottom["y"] - top["y"]},
    )
    page.set_viewport_size(VIEWPORT)
    page.wait_for_timeout(500)

    # Play: the clock in the replay's title moves on without a round trip to the server.
    replay.scroll_into_view_if_needed()
    before = replay.locator(".gtitle").text_content() or ""
    replay.get_by_text("▶ Play").click()
    page.wait_for_timeout(2500)
    replay.get_by_text("❚❚ Pause").click()
    page.mouse.move(0, 0)  # no mode bar in the picture
    page.wait_for_timeout(2000)
    after = replay.locator(".gtitle").text_content() or ""
    assert after != before and "storey L14" in after
    replay.screenshot(path=str(shots / "drill-replay-playing.png"))
    no_exception_shown(page)

    # The 3D replay: drawn on request, in a page of its own; turn the building with the mouse,
    # press Play: the clock moves and the view stays where it was turned to.
    page.get_by_role("button", name="Draw the drill in 3D").click()
    page.get_by_role("heading", name="Replay in 3D").wait_for(timeout=LOAD_MS)
    view3d = page.locator("iframe").last
    view3d.wait_for(timeout=FIRST_LOAD_MS)
    inner = view3d.content_frame
    clock = inner.locator(".r3d-clock")
    graph = inner.locator(".r3d-view").first
    graph.locator("canvas").first.wait_for(timeout=FIRST_LOAD_MS)
    wait_until_idle(page)
    no_exception_shown(page)
    view3d.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    camera = "(view) => view.replay3d.camera()"  # eye x, y, z, then the point looked at
    start_camera = graph.evaluate(camera)
    box = graph.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(x - 12 * k, y - 2 * k)
    page.mouse.up()
    page.mouse.move(0, 0)
    page.wait_for_timeout(500)
    turned = graph.evaluate(camera)
    assert turned != pytest.approx(start_camera, abs=0.1), "the drag did not turn the building"
    assert turned[3:] == pytest.approx(start_camera[3:])  # turned about the same point
    clock_before = clock.text_content()
    inner.get_by_role("button", name="▶ Play").click(timeout=LOAD_MS)
    page.wait_for_timeout(4000)
    inner.get_by_role("button", name="❚❚ Pause").click(timeout=LOAD_MS)
    page.mouse.move(0, 0)
    page.wait_for_timeout(1000)
    clock_after = clock.text_content()
    assert clock_before and clock_after and clock_before != clock_after, (clock_before, clock_after)
    assert clock_after.startswith("clock ")
    assert graph.evaluate(camera) == pytest.approx(turned)  # the camera stayed where it was turned to
    # A person's dot is drawn in the plan's colour for what they do (three.js works in linear
    # colour: a shader that did not convert back drew the plan's grey as near-black).
    person = graph.evaluate("(view) => view.replay3d.onView(3, 0)")
    drawn = Image.open(io.BytesIO(graph.screenshot())).convert("RGB")
    assert drawn.getpixel((round(person[0]), round(person[1]))) in {css_rgb(c) for c in ACTIVITY_COLOURS}
    # Hovering a person's dot names them.
    page.mouse.move(box["x"] + person[0], box["y"] + person[1])
    tip = inner.locator(".r3d-tip")
    tip.wait_for(state="visible", timeout=LOAD_MS)
    assert re.match(r"N-\w+ · .+: ", tip.text_content() or ""), tip.text_content()
    page.mouse.move(0, 0)
    # Each frame shown while playing: from refilling the moving layers until it is on screen.
    updates = sorted(graph.evaluate("(view) => view.replay3d.updates"))
    assert updates, "Play showed no frame"
    record_timing(
        shots,
        "drill page, 3D replay: median time to draw a frame while playing",
        updates[len(updates) // 2] / 1000,
    )
    record_timing(
        shots,
        "drill page, 3D replay: 95th percentile time to draw a frame",
        updates[int(0.95 * (len(updates) - 1))] / 1000,
    )
    view3d.screenshot(path=str(shots / "drill-replay3d-playing.png"))
    no_exception_shown(page)
    assert not outside, f"the app fetched from outside this machine: {outside}"
    page.close()


def test_the_compare_page_sets_two_runs_side_by_side_in_chromium(
    app_url: str, browser: Any, shots: Path
) -> None:
    estate()
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{app_url}/compare")
    page.get_by_role("heading", name="Compare two runs").wait_for(timeout=FIRST_LOAD_MS)
    wait_until_idle(page)
    page.get_by_role("button", name="Compare", exact=True).click()
    page.get_by_role("heading", name="Response times").wait_for(timeout=LOAD_MS)
    chart(page, 0).locator(".xtick").first.wait_for(timeout=LOAD_MS)
    chart(page, 1).get_by_text("N-SEC1 · Guard (valve trained)").wait_for(timeout=LOAD_MS)  # A: night
    chart(page, 2).locator(".ytick").first.wait_for(timeout=LOAD_MS)
    wait_until_idle(page)
    no_exception_shown(page)
    assert page.locator("[data-testid=stTable]").count() == 2
    page.set_viewport_size({"width": 1600, "height": 3600})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(shots / "compare-page.png"))
    page.close()


def _cross(a: list[float], b: list[float]) -> bool:
    """Two boxes (left, top, right, bottom, px) share more than an edge."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_the_staffing_page_plots_a_sweep_folder_in_chromium(
    app_url: str, browser: Any, shots: Path, tmp_path: Path
) -> None:
    # The shipped sweep's four variants over a week, three replications: quick, and enough to draw.
    # Targets every variant meets at 95 % (yellow 44 of 51 on time, low end 73.6 %; blue 1,069–1,070
    # of 1,071, low end 99.0 %), so the page names a winner and draws its star.
    folder = sweep_folder(
        tmp_path, days=7, replications=3, variants=FOUR_VARIANTS, meets="{yellow: 0.6, blue: 0.95}", workers=2
    )
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{app_url}/staffing")
    page.get_by_role("heading", name="Staffing", exact=True).wait_for(timeout=FIRST_LOAD_MS)
    page.get_by_role("heading", name="Night-shift options").wait_for(timeout=LOAD_MS)
    page.get_by_role("button", name="Run the sweep").wait_for(timeout=LOAD_MS)
    wait_until_idle(page)
    no_exception_shown(page)
    page.screenshot(path=str(shots / "staffing-run-form.png"))
    page.get_by_text("A sweep folder", exact=True).click()
    path = page.get_by_role("textbox", name="Or a folder path")
    path.fill(str(folder))
    path.press("Enter")
    page.get_by_role("heading", name="Results: Tiny night-shift sweep").wait_for(timeout=LOAD_MS)
    plot = chart(page, 0)
    plot.locator(".xtick").first.wait_for(timeout=LOAD_MS)
    best = sweep_report(read_sweep(folder)).cheapest_meeting
    assert best is not None
    plot.get_by_text("meeting the targets").wait_for(timeout=LOAD_MS)  # the star's label
    page.get_by_role("heading", name="Evidence behind each verdict").wait_for(timeout=LOAD_MS)
    wait_until_idle(page)
    no_exception_shown(page)
    assert page.locator("[data-testid=stAlertContentError]").count() == 0
    answer = page.locator("[data-testid=stAlertContentSuccess]").first
    assert f"Cheapest variant meeting the targets at 95% confidence: {best.name}" in answer.inner_text()
    # As drawn: the star (the largest marker) inside the plot area, and no label over another.
    drawn = plot.evaluate("""el => {
        const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
        return {area: box(el.querySelector('.nsewdrag')),
                points: [...el.querySelectorAll('.scatterlayer path.point')].map(box),
                labels: [...el.querySelectorAll('.scatterlayer .textpoint text')].filter(t => t.textContent)
                    .map(box)};
    }""")
    star = max(drawn["points"], key=lambda b: b[2] - b[0])
    area = drawn["area"]
    assert area[0] <= star[0] and star[2] <= area[2] and area[1] <= star[1] and star[3] <= area[3]
    labels = drawn["labels"]
    assert len(labels) >= 2
    for i, a in enumerate(labels):
        assert not any(_cross(a, b) for b in labels[i + 1 :]), (a, labels)
    page.mouse.move(0, 0)
    page.wait_for_timeout(500)
    plot.screenshot(path=str(shots / "staffing-chart.png"))
    page.set_viewport_size({"width": 1600, "height": 2600})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(shots / "staffing-page.png"))

    # Another priority: the chart follows, with that priority's target line.
    page.get_by_text("blue (target 95%)").click()
    page.wait_for_timeout(300)
    wait_until_idle(page)
    plot = chart(page, 0)
    plot.locator(".gtitle").get_by_text("blue incidents reached within 1440 min", exact=False).wait_for(
        timeout=LOAD_MS
    )
    plot.get_by_text("target: 95% of blue incidents").wait_for(timeout=LOAD_MS)
    wait_until_idle(page)
    no_exception_shown(page)
    page.mouse.move(0, 0)
    plot.screenshot(path=str(shots / "staffing-chart-blue.png"))
    page.close()
