"""How smoothly the 3D replay plays in Chromium: milliseconds per frame, the player against plotly's frames.

    python bench/replay3d.py [SCENARIO] [--frames 30] [--seconds 8] [--json]

Runs the drill (default: the storm drill on the default estate), builds the 3D replay and writes
it as an offline page (plotly.js inlined: no network) in two ways, then opens each in the
system's Chromium (/usr/bin/chromium, headless, software WebGL) at 1400 × 900:

- ``player`` (what DrillTwin ships, :func:`twin.replay3d.replay3d_html`): its own Play and slider
  restyle the four changing traces (``Plotly.restyle``), at one canvas pixel per screen pixel;
- ``plotly frames`` (the previous approach, rebuilt here from the same figure): one plotly
  animation frame per replay time holding the four changing traces (``traces=``), plotly's own
  slider (one step per frame), Play/Pause buttons and legend, plotly's default pixel ratio.

For each: **ms per frame** — from asking for a frame to its being on screen (the call, then two
animation frames of the browser), for ``--frames`` consecutive frames, the same driver for both;
with the CPU time all of Chromium's processes spent on them (browser, page, GPU: a figure the
machine's load changes less than the wall-clock one); then it turns the camera, presses Play for
``--seconds`` and checks that the clock moved and that the camera is where it was turned to.
(Frames *started* per second while playing is no measure: plotly's animation starts frames that
never reach the screen.) At most 1000 / ``FRAME_MS`` frames a second are asked for.
Both pages are measured in one run, one after the other, twice (player, frames, player, frames)
so a change of load hits both; the machine's load average is printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import plotly.io as pio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from twin.background.rates import scenario_rates
from twin.engine import run as run_drill
from twin.present.replay import FRAME_MS, build_replay
from twin.present.replay3d import Replay3DFigure, replay3d_figure, replay3d_html
from twin.present.replay_figure import play_buttons
from twin.scenario import load_scenario
from twin.shipped import shipped_dir
from twin.twin import load_twin

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1400, "height": 900}
EYE = {"x": -1.6, "y": 0.7, "z": 0.5}
ON_SCREEN = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"

# Frames start at the replay's first frame after `initial`, where people move.
DRIVE = {
    "player": """async ([j0, n]) => {
        const gd = document.querySelector('.js-plotly-plot'), out = [];
        for (let j = j0; j < j0 + n; j++) out.push(await gd.replay3d.draw(j));
        return out; }""",
    "plotly frames": """async ([j0, n]) => {
        const gd = document.querySelector('.js-plotly-plot'), out = [];
        const onScreen = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        for (let j = j0; j < j0 + n; j++) {
            const t0 = performance.now();
            await Plotly.animate(gd, [String(j)], {mode: 'immediate', frame: {duration: 0, redraw: true},
                                                   transition: {duration: 0}});
            await onScreen();
            out.push(performance.now() - t0);
        }
        return out; }""",
}
CLOCK = {"player": ".r3d-clock", "plotly frames": "g.slider-container text"}


def _nested(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "scatter3d"}
    for path, v in values.items():
        head, _, tail = path.partition(".")
        if tail:
            out.setdefault(head, {})[tail] = v
        else:
            out[head] = v
    return out


def with_plotly_frames(view: Replay3DFigure) -> dict[str, Any]:
    """The same replay as the previous release drew it: plotly animation frames of the changing
    traces, plotly's slider, buttons and legend (see the module's docstring)."""
    fig = view.figure.to_dict()
    frames = [
        {"name": str(j), "traces": view.dynamic, "data": [_nested(v) for v in frame]}
        for j, frame in enumerate(view.frames)
    ]
    steps = [
        {
            "method": "animate",
            "label": clock,
            "args": [
                [str(j)],
                {
                    "mode": "immediate",
                    "frame": {"duration": 0, "redraw": True},
                    "transition": {"duration": 0},
                },
            ],
        }
        for j, clock in enumerate(view.clocks)
    ]
    fig["layout"].update(
        height=720,
        margin={"l": 0, "r": 0, "t": 100, "b": 80},
        showlegend=True,
        title={"text": "The drill in 3D", "x": 0.01, "xanchor": "left"},
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "showactive": False,
                "x": 0,
                "y": 0,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 10, "r": 10},
                "buttons": play_buttons(view.frame_ms),
            }
        ],
        sliders=[
            {
                "active": view.initial,
                "steps": steps,
                "x": 0.16,
                "len": 0.84,
                "y": 0,
                "yanchor": "top",
                "font": {"color": "rgba(0,0,0,0)", "size": 1},
                "currentvalue": {"prefix": "clock ", "xanchor": "left"},
            }
        ],
    )
    return {**fig, "frames": frames}


def measure(
    page: Any, cpu: Any, kind: str, html: Path, *, first: int, frames: int, seconds: float
) -> dict[str, Any]:
    page.goto(html.as_uri())
    gd = page.locator(".js-plotly-plot").first
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=180_000)
    page.wait_for_timeout(1500)
    before = cpu()
    ms = page.evaluate(DRIVE[kind], [first, frames])
    cpu_ms = (cpu() - before) * 1000 / frames
    gd.evaluate("(gd, eye) => Plotly.relayout(gd, {'scene.camera.eye': eye})", EYE)
    page.wait_for_timeout(500)
    # Play from the first frame measured, as a viewer who pressed Play there.
    page.evaluate(DRIVE[kind], [first, 1])
    clock_before = page.locator(CLOCK[kind]).first.text_content()
    page.get_by_text("▶ Play").click()
    page.wait_for_timeout(int(seconds * 1000))
    page.get_by_text("❚❚ Pause").click()
    page.wait_for_timeout(1000)
    eye = gd.evaluate("(gd) => gd._fullLayout.scene.camera.eye")
    return {
        "ms": ms,
        "cpu ms": cpu_ms,
        "clock moved": clock_before != page.locator(CLOCK[kind]).first.text_content(),
        "camera kept": all(abs(eye[k] - EYE[k]) < 1e-6 for k in "xyz"),
    }


def summary(runs: list[dict[str, Any]], page_mb: float) -> dict[str, Any]:
    ms = sorted(m for r in runs for m in r["ms"])
    return {
        "page MB": round(page_mb, 1),
        "ms per frame, median": round(statistics.median(ms)),
        "ms per frame, p95": round(ms[int(0.95 * (len(ms) - 1))]),
        "Chromium CPU ms per frame": round(statistics.mean(r["cpu ms"] for r in runs)),
        "frames/s possible": round(1000 / statistics.median(ms), 1),
        "clock moved": all(r["clock moved"] for r in runs),
        "camera kept": all(r["camera kept"] for r in runs),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    storm = shipped_dir("scenarios") / "storm_basement_cascade.yaml"
    ap.add_argument("scenario", nargs="?", default=str(storm))
    ap.add_argument("--frames", type=int, default=30, help="frames timed one by one per page and round")
    ap.add_argument("--seconds", type=float, default=8.0, help="seconds of Play per page and round")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    loaded = load_scenario(args.scenario)
    twin = load_twin(loaded.model_paths() or None)
    result = run_drill(twin, loaded.scenario, loaded.scenario.seed, rates=scenario_rates(loaded.scenario))
    t0 = time.perf_counter()
    view = replay3d_figure(twin, build_replay(twin, result.log.frame, loaded.scenario))
    build_s = time.perf_counter() - t0
    n = len(view.frames)
    first = min(view.initial + 1, max(0, n - args.frames - 1))
    load_before = os.getloadavg()
    runs: dict[str, list[dict[str, Any]]] = {"player": [], "plotly frames": []}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        pages = {"player": Path(tmp) / "player.html", "plotly frames": Path(tmp) / "frames.html"}
        pages["player"].write_text(replay3d_html(view))
        pages["plotly frames"].write_text(
            pio.to_html(with_plotly_frames(view), include_plotlyjs=True, full_html=True, validate=False)
        )
        browser = p.chromium.launch(executable_path=CHROMIUM)
        cdp = browser.new_browser_cdp_session()

        def cpu() -> float:
            """CPU seconds used so far by this browser's processes (browser, renderers, GPU)."""
            return sum(x["cpuTime"] for x in cdp.send("SystemInfo.getProcessInfo")["processInfo"])

        page = browser.new_page(viewport=VIEWPORT)
        for _ in range(2):
            for kind, html in pages.items():
                runs[kind].append(
                    measure(
                        page,
                        cpu,
                        kind,
                        html,
                        first=first,
                        frames=min(args.frames, n - first),
                        seconds=args.seconds,
                    )
                )
        browser.close()
        sizes = {kind: html.stat().st_size / 1e6 for kind, html in pages.items()}
    load_after = os.getloadavg()
    rows = {kind: summary(r, sizes[kind]) for kind, r in runs.items()}
    doc = {
        "scenario": loaded.scenario.name,
        "frames": n,
        "figure build s": round(build_s, 2),
        "asked ms per frame": FRAME_MS,
        "cpus": os.cpu_count(),
        "load average before (1, 5, 15 min)": [round(v, 2) for v in load_before],
        "load average after": [round(v, 2) for v in load_after],
        "speed-up of the median": round(
            rows["plotly frames"]["ms per frame, median"] / rows["player"]["ms per frame, median"], 1
        ),
        "runs": rows,
    }
    if args.json:
        print(json.dumps(doc, indent=2))
        return 0
    print(
        f"{doc['scenario']}: {n} frames, built in {doc['figure build s']} s; "
        f"Play asks {FRAME_MS} ms a frame; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after ({os.cpu_count()} CPUs)"
    )
    cols = list(rows["player"])
    print(" | ".join(["page", *cols]))
    for kind, r in rows.items():
        print(" | ".join([kind, *(str(r[c]) for c in cols)]))
    print(f"the player draws a frame {doc['speed-up of the median']}× faster (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
