"""How smoothly the 3D replay plays in Chromium: frames a second, the three.js player against the plotly one.

    python bench/replay3d.py [SCENARIO] [--frames 40] [--seconds 8] [--rounds 2] [--baseline REV] [--json]

Runs the drill (default: the storm drill on the default estate), builds the 3D replay and writes
it as an offline page in two ways, then opens each in the system's Chromium (/usr/bin/chromium,
headless, software WebGL: SwiftShader, no GPU) at 1400 × 900:

- ``three.js`` (what DrillTwin ships, :func:`twin.present.replay3d.replay3d_html`): the context
  drawn with plain line segments, the four changing layers refilled in place, a frame drawn once;
- ``plotly`` (the previous release's player, ``twin/present/replay3d.py`` at ``--baseline``, read
  from git): the same player loop over ``Plotly.restyle`` of the four changing traces.

Both ask for a frame every :data:`~twin.present.replay3d.FRAME_MS` ms. For each page:

- **ms per frame**: from asking for a frame to its being on screen (the call, then two animation
  frames of the browser), for ``--frames`` consecutive frames from the first incident, the same
  driver for both; with the CPU time Chromium's page and GPU processes spent on them (figures the
  machine's load changes less than the wall-clock one);
- **frames/s while playing**: a viewer's drag turns the building (the mouse, on the view), then
  ▶ Play for ``--seconds``: frames that reached the screen per second; and whether the clock
  moved and the camera stayed where the drag left it.

The pages are measured in turn, ``--rounds`` times (three.js, plotly, three.js, plotly, …) so a
change of load hits both; the machine's load average is printed beside them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from twin.background.rates import scenario_rates
from twin.engine import run as run_drill
from twin.present.replay import build_replay
from twin.present.replay3d import FRAME_MS, replay3d_html, replay3d_scene
from twin.scenario import load_scenario
from twin.shipped import shipped_dir
from twin.twin import load_twin

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1400, "height": 900}
#: The commit whose replay3d.py is the plotly player (the last one before three.js).
BASELINE = "233f77f"
#: Where each page keeps its player (``el.replay3d``) and how to read its camera back.
PLAYER = {"three.js": ".r3d-view", "plotly": ".js-plotly-plot"}
CAMERA = {
    "three.js": "(el) => el.replay3d.camera()",
    "plotly": "(gd) => { const c = gd._fullLayout.scene._scene.getCamera();"
    " return [c.eye.x, c.eye.y, c.eye.z, c.center.x, c.center.y, c.center.z]; }",
}
DRIVE = """async (el, [j0, n]) => {
    const out = [];
    for (let j = j0; j < j0 + n; j++) out.push(await el.replay3d.draw(j));
    return out; }"""


def baseline_module(rev: str) -> ModuleType:
    """``twin/present/replay3d.py`` as it was at ``rev`` (from git), imported under another name."""
    try:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{rev}:twin/present/replay3d.py"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(
            f"bench/replay3d.py: cannot read the baseline {rev} from git ({exc}); pass --baseline"
        ) from None
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location("replay3d_baseline", f.name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    os.unlink(f.name)
    return module


def measure(
    page: Any, cpu: Any, kind: str, html: Path, *, first: int, frames: int, seconds: float
) -> dict[str, Any]:
    page.goto(html.as_uri(), timeout=180_000)  # a loaded machine parses 5.7 MB slowly
    el = page.locator(PLAYER[kind]).first
    page.wait_for_function(
        f"() => {{ const e = document.querySelector('{PLAYER[kind]}'); return e && e.replay3d; }}",
        timeout=180_000,
    )
    page.wait_for_timeout(1500)
    before = cpu()
    ms = el.evaluate(DRIVE, [first, frames])
    after = cpu()
    per_frame = {k: (after[k] - before[k]) * 1000 / frames for k in ("renderer", "GPU")}
    # A viewer turns the building: drag across the view, then let go.
    box = el.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    start_camera = el.evaluate(CAMERA[kind])
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(x - 15 * k, y + 4 * k)
        page.wait_for_timeout(30)
    page.mouse.up()
    page.mouse.move(5, 5)
    page.wait_for_timeout(1000)
    turned = el.evaluate(CAMERA[kind])
    el.evaluate(DRIVE, [first, 1])
    clock = page.locator(".r3d-clock").first
    clock_before = clock.text_content()
    played_before = len(el.evaluate("(el) => el.replay3d.updates"))
    page.get_by_text("▶ Play").click()
    page.wait_for_timeout(int(seconds * 1000))
    page.get_by_text("❚❚ Pause").click()
    page.wait_for_timeout(1000)
    played = len(el.evaluate("(el) => el.replay3d.updates")) - played_before
    kept = el.evaluate(CAMERA[kind])
    return {
        "ms": ms,
        "cpu ms": per_frame,
        "played fps": played / seconds,
        "turned": any(abs(a - b) > 1e-3 for a, b in zip(start_camera, turned, strict=True)),
        "clock moved": clock_before != clock.text_content(),
        "camera kept": all(abs(a - b) < 1e-6 for a, b in zip(turned, kept, strict=True)),
    }


def summary(runs: list[dict[str, Any]], page_mb: float) -> dict[str, Any]:
    ms = sorted(m for r in runs for m in r["ms"])
    return {
        "page MB": round(page_mb, 1),
        "ms per frame, median": round(statistics.median(ms)),
        "ms per frame, p95": round(ms[int(0.95 * (len(ms) - 1))]),
        "page CPU ms per frame": round(statistics.mean(r["cpu ms"]["renderer"] for r in runs)),
        "GPU process CPU ms per frame": round(statistics.mean(r["cpu ms"]["GPU"] for r in runs)),
        "frames/s possible": round(1000 / statistics.median(ms), 1),
        "frames/s while playing": round(statistics.mean(r["played fps"] for r in runs), 1),
        "clock moved": all(r["clock moved"] for r in runs),
        "camera kept after a drag": all(r["turned"] and r["camera kept"] for r in runs),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    storm = shipped_dir("scenarios") / "storm_basement_cascade.yaml"
    ap.add_argument("scenario", nargs="?", default=str(storm))
    ap.add_argument("--frames", type=int, default=40, help="frames timed one by one per page and round")
    ap.add_argument("--seconds", type=float, default=8.0, help="seconds of Play per page and round")
    ap.add_argument("--rounds", type=int, default=2, help="times each page is measured, in turn")
    ap.add_argument("--baseline", default=BASELINE, help="git revision of the plotly player")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    old = baseline_module(args.baseline)
    loaded = load_scenario(args.scenario)
    twin = load_twin(loaded.model_paths() or None)
    result = run_drill(twin, loaded.scenario, loaded.scenario.seed, rates=scenario_rates(loaded.scenario))
    replay = build_replay(twin, result.log.frame, loaded.scenario)
    t0 = time.perf_counter()
    view = replay3d_scene(twin, replay)
    build_s = time.perf_counter() - t0
    n = len(view.frames)
    first = min(view.initial + 1, max(0, n - args.frames - 1))
    load_before = os.getloadavg()
    runs: dict[str, list[dict[str, Any]]] = {"three.js": [], "plotly": []}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        pages = {kind: Path(tmp) / f"{kind}.html" for kind in runs}
        pages["three.js"].write_text(replay3d_html(view))
        pages["plotly"].write_text(old.replay3d_html(old.replay3d_figure(twin, replay, frame_ms=FRAME_MS)))
        browser = p.chromium.launch(executable_path=CHROMIUM)
        cdp = browser.new_browser_cdp_session()

        def cpu() -> Counter[str]:
            """CPU seconds used so far by this browser's processes, by type (renderer, GPU, …)."""
            used: Counter[str] = Counter()
            for proc in cdp.send("SystemInfo.getProcessInfo")["processInfo"]:
                used[proc["type"]] += proc["cpuTime"]
            return used

        page = browser.new_page(viewport=VIEWPORT)
        for _ in range(args.rounds):
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
        "scene build s": round(build_s, 2),
        "asked ms per frame": FRAME_MS,
        "baseline": args.baseline,
        "cpus": os.cpu_count(),
        "load average before (1, 5, 15 min)": [round(v, 2) for v in load_before],
        "load average after": [round(v, 2) for v in load_after],
        "speed-up of the median": round(
            rows["plotly"]["ms per frame, median"] / rows["three.js"]["ms per frame, median"], 1
        ),
        "runs": rows,
    }
    if args.json:
        print(json.dumps(doc, indent=2))
        return 0
    print(
        f"{doc['scenario']}: {n} frames, scene built in {doc['scene build s']} s; "
        f"Play asks {FRAME_MS} ms a frame; plotly player from {args.baseline}; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after ({os.cpu_count()} CPUs)"
    )
    cols = list(rows["three.js"])
    print(" | ".join(["page", *cols]))
    for kind, r in rows.items():
        print(" | ".join([kind, *(str(r[c]) for c in cols)]))
    print(f"the three.js player draws a frame {doc['speed-up of the median']}× faster (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
