"""How smoothly the 3D replay plays in Chromium: frame intervals while playing, and the camera.

    python bench/replay3d.py [SCENARIO] [--seconds 8] [--json]

Runs the drill (default: the storm drill on the default estate), builds the 3D replay, writes it
as one offline HTML page (plotly.js inlined: no network) and plays it in the system's Chromium
(/usr/bin/chromium, headless, software WebGL). It records the time of every frame plotly draws
(``plotly_animatingframe``) and reports the intervals against the frame duration asked for
(``FRAME_MS``), for two ways of building the frames:

- ``changing traces only`` (what DrillTwin uses): each frame holds the four traces that change
  (water, lifts out, incidents, people) and names them with ``traces=``;
- ``every trace`` : each frame also repeats the building's context (storeys, shafts, stairs).

It also turns the camera before pressing Play and checks that it is where it was left after
playing (``uirevision``). Say the machine load (printed) next to the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import plotly.io as pio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from twin.engine import run as run_drill
from twin.present.replay import FRAME_MS, build_replay
from twin.present.replay3d import replay3d_figure
from twin.scenario import load_scenario
from twin.shipped import shipped_dir
from twin.twin import load_twin

CHROMIUM = "/usr/bin/chromium"
CAMERA = {"eye": {"x": -1.8, "y": 0.9, "z": 0.6}, "up": {"x": 0, "y": 0, "z": 1},
          "center": {"x": 0, "y": 0, "z": 0}}

RECORD = """() => new Promise(resolve => {
  const gd = document.querySelector('.plotly-graph-div');
  window.__frames = [];
  gd.on('plotly_animatingframe', () => window.__frames.push(performance.now()));
  resolve(true);
})"""


def with_every_trace(fig: dict) -> dict:
    """The same figure, but every frame repeats every trace (the context too)."""
    context = fig["data"][:-4]
    frames = [{**f, "data": [*context, *f["data"]], "traces": list(range(len(fig["data"])))}
              for f in fig["frames"]]
    return {**fig, "frames": frames}


def play(page, html: Path, seconds: float) -> dict[str, float]:
    page.goto(html.as_uri())
    page.locator(".plotly-graph-div .main-svg").first.wait_for(timeout=120_000)
    page.wait_for_timeout(1500)
    page.evaluate(RECORD)
    page.evaluate("(cam) => Plotly.relayout(document.querySelector('.plotly-graph-div'), "
                  "{'scene.camera': cam})", CAMERA)
    page.wait_for_timeout(500)
    title_before = page.locator("g.slider-container text").first.text_content()
    page.get_by_text("▶ Play").click()
    page.wait_for_timeout(int(seconds * 1000))
    page.get_by_text("❚❚ Pause").click()
    page.wait_for_timeout(500)
    stamps = np.array(page.evaluate("() => window.__frames"), dtype=float)
    eye = page.evaluate("() => document.querySelector('.plotly-graph-div')._fullLayout.scene.camera.eye")
    gaps = np.diff(stamps)
    return {
        "frames drawn": int(stamps.size),
        "frames/s": round(stamps.size / seconds, 2),
        "interval median ms": round(float(np.median(gaps)), 1) if gaps.size else float("nan"),
        "interval p95 ms": round(float(np.percentile(gaps, 95)), 1) if gaps.size else float("nan"),
        "interval max ms": round(float(gaps.max()), 1) if gaps.size else float("nan"),
        "asked ms": FRAME_MS,
        "camera kept": bool(all(abs(eye[k] - CAMERA["eye"][k]) < 1e-6 for k in "xyz")),
        "clock moved": title_before != page.locator("g.slider-container text").first.text_content(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    storm = shipped_dir("scenarios") / "storm_basement_cascade.yaml"
    ap.add_argument("scenario", nargs="?", default=str(storm))
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    loaded = load_scenario(args.scenario)
    twin = load_twin(loaded.model_paths() or None)
    result = run_drill(twin, loaded.scenario, loaded.scenario.seed)
    t0 = time.perf_counter()
    replay = build_replay(twin, result.log.frame, loaded.scenario)
    fig = replay3d_figure(twin, replay).to_dict()
    build_s = time.perf_counter() - t0
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        for name, figure in (("changing traces only", fig), ("every trace", with_every_trace(fig))):
            html = Path(tmp) / "replay3d.html"
            html.write_text(pio.to_html(figure, include_plotlyjs=True, full_html=True, validate=False))
            rows[name] = {"page MB": round(html.stat().st_size / 1e6, 1), **play(page, html, args.seconds)}
        browser.close()
    load = os.getloadavg()
    doc = {"scenario": loaded.scenario.name, "frames": len(fig["frames"]),
           "figure build s": round(build_s, 2),
           "load average (1, 5, 15 min)": [round(v, 2) for v in load], "runs": rows}
    if args.json:
        print(json.dumps(doc, indent=2))
        return 0
    print(f"{doc['scenario']}: {doc['frames']} frames, built in {doc['figure build s']} s; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    cols = list(next(iter(rows.values())))
    print(" | ".join(["frames hold", *cols]))
    for name, r in rows.items():
        print(" | ".join([name, *(str(r[c]) for c in cols)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
