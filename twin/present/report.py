"""The after-action report: a run folder → one self-contained HTML page.

Takes a :class:`~twin.store.StoredRun` and the :class:`~twin.twin.Twin` it ran on, gives HTML that
opens with no server and no network (plotly.js inlined once, and three.js for the 3D replay): the
scorecard against the targets, the run summary, a timeline of tasks per person
(:mod:`twin.present.timeline`), plan snapshots at the key moments (:mod:`twin.present.snapshot`:
water depth, people, lifts out of service, incidents and their state), the drill in 3D and the
event log in words. The checks that the run fits the building and the file can be written are
:mod:`twin.present.runcheck`.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from twin import __version__
from twin.events.log import KINDS
from twin.events.tables import task_bars
from twin.kpi import Kpis, compute_kpis
from twin.present.names import clock, name_of, people_names
from twin.present.narrative import event_sentences
from twin.present.replay import build_replay
from twin.present.replay3d import replay3d_html, replay3d_scene
from twin.present.runcheck import ReportError, check_model, check_out
from twin.present.scorecard import LEGEND, priority_figures, scorecard_rows
from twin.present.snapshot import key_moments, snapshot
from twin.present.style import PRIORITY_COLOURS, incident_colour
from twin.present.timeline import timeline_figure
from twin.scenario.schema import Scenario
from twin.store import StoredRun, atomic_write
from twin.twin import Twin
from twin.words import plural

log = logging.getLogger(__name__)

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;margin:0;
 background:#fafafa;line-height:1.45}
main{max-width:1200px;margin:0 auto;padding:24px 28px 60px;background:white}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 8px;border-bottom:2px solid #ddd;
 padding-bottom:4px}h3{font-size:16px;margin:22px 0 4px}
.meta{color:#555;font-size:14px}.note{color:#555;font-size:13px;margin:4px 0 10px}
.intro{background:#f3f6fa;border-left:4px solid #7a9cc6;padding:10px 14px;font-size:14px;margin:14px 0}
nav a{margin-right:14px;font-size:14px}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ok{color:#1b7e2a;font-weight:bold}.miss{color:#c62828;font-weight:bold}
.prio{display:inline-block;padding:1px 7px;border-radius:9px;color:white;font-size:12px}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
ul.summary{padding-left:20px;font-size:14px}ul.summary li{margin:3px 0}
.snap{margin:18px 0 26px;border:1px solid #e4e4e4;padding:6px 8px 2px}
table.log td{font-size:12px;padding:2px 6px}tr.key td{background:#fff6e0}
"""


def _esc(v: Any) -> str:
    return html.escape(str(v))


def _num(v: Any, fmt: str = "{:.1f}") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return fmt.format(float(v))


def _mark(cell: str) -> str:
    """A scorecard cell with its ✓/✗ coloured."""
    text = _esc(cell)
    return text.replace("✓", '<span class="ok">✓</span>').replace("✗", '<span class="miss">✗</span>')


def _scorecard_html(kpis: Kpis) -> str:
    rows = scorecard_rows(kpis)
    if not rows:
        return "<p>No incidents happened in this drill.</p>"
    cols = list(rows[0])
    head = "".join(f"<th>{_esc(c)}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            if c == "priority":
                colour = PRIORITY_COLOURS.get(r[c], "#777")
                cells.append(f'<td><span class="prio" style="background:{colour}">{_esc(r[c])}</span></td>')
            elif c == "incident":
                sw = f'<span class="swatch" style="background:{incident_colour(int(r["#"]))}"></span>'
                cells.append(f"<td>{sw}{_esc(r[c])}</td>")
            else:
                cells.append(f'<td class="num">{_mark(r[c])}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table><tr>{head}</tr>{"".join(body)}</table><p class="note">{_esc(" ".join(LEGEND))}</p>'


def _summary_html(kpis: Kpis, scenario: Scenario) -> str:
    s = kpis.summary
    items = []
    for f in priority_figures(kpis, scenario):
        items.append(
            f"<b>{f.priority}</b>: {plural(f.incidents, 'incident')}, <b>{f.on_site_compliance:.0%}</b> with "
            f"someone on site within {f.target_min:g} min of the report; "
            f"mean {_num(f.mean_min)} min, 90th percentile {_num(f.p90_min)} min"
        )
    if not math.isnan(s["made_safe_compliance"]):
        items.append(
            f"<b>made safe</b> within target: {s['made_safe_compliance']:.0%} of the incidents "
            "that have a made-safe target"
        )
    items.append(
        f"<b>water damage</b>: {s['water_m3']:.1f} m³ let out, {s['wetted_m2h']:.0f} m²·h of "
        f"floor wetted (area × hours), deepest {s['max_depth_m'] * 100:.1f} cm, "
        f"{plural(int(s['spaces_damaged']), 'space')} over 15 cm"
    )
    if s["entrapments"]:
        items.append(
            f"<b>lift entrapments</b>: {int(s['entrapments'])}, longest "
            f"{s['entrapment_max_min']:.1f} min, mean {s['entrapment_mean_min']:.1f} min"
        )
    else:
        items.append("<b>lift entrapments</b>: none")
    items.append(
        f"<b>outages</b>: {s['water_outage_household_h']:.0f} household·hours without water, "
        f"{s['power_outage_household_h']:.0f} without power"
    )
    items.append(
        f"<b>cost</b>: {scenario.currency} {s['cost_total']:,.0f} in all — labour "
        f"{s['cost_labour']:,.0f}, call-outs {s['cost_callout']:,.0f}, contractors "
        f"{s['cost_contractor']:,.0f}; a credit of {s['contractor_penalties']:,.0f} in penalties "
        "contractors owe for arriving late, not taken off the cost"
    )
    return '<ul class="summary">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _people_html(kpis: Kpis, scenario: Scenario) -> str:
    names = people_names(scenario)
    if kpis.people.empty:
        return "<p>Nobody was sent anywhere.</p>"
    rows = "".join(
        f"<tr><td>{_esc(r['person'])}</td><td>{_esc(name_of(names, str(r['person'])))}</td>"
        f'<td class="num">{int(r["tasks"])}</td><td class="num">{r["busy_min"]:.1f}</td>'
        f'<td class="num">{r["utilisation"]:.0%}</td></tr>'
        for r in kpis.people.to_dict("records")
    )
    return (
        "<table><tr><th>person</th><th>name</th><th>tasks done</th><th>busy (min)</th>"
        f"<th>share of the drill busy</th></tr>{rows}</table>"
    )


#: Rows of these kinds are highlighted in the event log.
_KEY_KINDS = {"incident", "reported", "on_site", "made_safe", "resolved", "hazard", "entrapment"}


def _log_html(frame: pd.DataFrame, start: dt.datetime, scenario: Scenario) -> tuple[str, int]:
    shown = frame[frame["kind"] != "move"]
    left_out = len(frame) - len(shown)
    out = [
        '<table class="log"><tr><th>clock</th><th>+min</th><th>kind</th><th>incident</th>'
        "<th>what happened</th></tr>"
    ]
    for t, inc, kind, said in zip(
        shown["t_s"],
        shown["incident"],
        shown["kind"].astype(str),
        event_sentences(shown, scenario),
        strict=True,
    ):
        cls = ' class="key"' if kind in _KEY_KINDS else ""
        out.append(
            f'<tr{cls}><td>{clock(start, t):%H:%M:%S}</td><td class="num">{t / 60:.1f}</td>'
            f'<td>{_esc(kind)}</td><td class="num">{"" if inc < 0 else inc}</td>'
            f"<td>{_esc(said)}</td></tr>"
        )
    out.append("</table>")
    return "".join(out), left_out


def _glossary_html(frame: pd.DataFrame) -> str:
    present = set(frame["kind"].astype(str))
    rows = "".join(f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in KINDS.items() if k in present)
    return f"<table><tr><th>kind</th><th>what it means (and what “value” holds)</th></tr>{rows}</table>"


def _figure_html(fig: go.Figure, div_id: str, **config: Any) -> str:
    return str(
        fig.to_html(
            full_html=False, include_plotlyjs=False, config={**PLOTLY_CONFIG, **config}, div_id=div_id
        )
    )


def report_html(run: StoredRun, twin: Twin, *, kpis: Kpis | None = None) -> str:
    """The whole report as one HTML document (plotly.js inlined once; no network needed)."""
    scenario = run.scenario
    frame = run.log.frame
    kpis = kpis or compute_kpis(run.log, scenario)
    start = scenario.start
    end_s = scenario.duration_s
    seed = run.metadata.get("seed", scenario.seed)
    building = ", ".join(m.get("name", "?") for m in run.metadata.get("model", [])) or twin.model.name

    top_depth = frame.loc[frame["kind"] == "depth", "value"].max()
    top_depth = float(top_depth) if pd.notna(top_depth) and top_depth > 0 else None
    moments = key_moments(frame, end_s=end_s)
    at_moments = build_replay(twin, frame, scenario, times=np.array([m.t_s for m in moments]))
    snaps = [
        snapshot(twin, at_moments, j, m, scenario=scenario, max_depth_m=top_depth)
        for j, m in enumerate(moments)
    ]
    log_table, left_out = _log_html(frame, start, scenario)
    moves = int((frame["kind"] == "move").sum())

    snap_html = []
    for k, s in enumerate(snaps):
        away = (
            f'<p class="note">Not on this plan: {_esc(s.elsewhere)}.</p>'
            if s.elsewhere
            else '<p class="note">Everyone on site is on this plan.</p>'
        )
        snap_html.append(f'<div class="snap">{_figure_html(s.figure, f"fig-plan-{k}")}{away}</div>')

    people_ids = sorted(set(task_bars(frame, end_s=end_s)["person"]))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>After-action report — {_esc(scenario.name)}</title>",
        f"<style>{_CSS}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head><body><main>",
        f"<h1>After-action report: {_esc(scenario.name)}</h1>",
        f'<p class="meta">Drill starting <b>{start:%A %d %B %Y, %H:%M}</b>, running '
        f"{scenario.duration_h:g} h (to {clock(start, end_s):%H:%M}) · random seed <b>{_esc(seed)}</b> · "
        f"building <b>{_esc(building)}</b> ({plural(len(twin.model.storeys), 'storey')}, "
        f"{plural(len(twin.model.spaces), 'space')}) · {plural(len(frame), 'event')} logged</p>",
        f"<p>{_esc(scenario.description.strip())}</p>" if scenario.description.strip() else "",
        '<div class="intro">This is a <b>simulated</b> emergency drill, run by DrillTwin on a digital '
        "model of the building: hazards (burst pipes, storms, power cuts) happen, become known through a "
        "channel (a sensor, a phone call), and the people on the roster are sent to deal with them, "
        "walking the building's corridors, stairs and lifts. Times in the scorecard are "
        "<b>minutes from the moment the incident was reported</b>; each is checked against the "
        "service target of the incident's priority (red is the most urgent).</div>",
        '<nav><a href="#scorecard">Scorecard</a><a href="#summary">Summary</a>'
        '<a href="#timeline">Timeline</a><a href="#plans">Plans at key moments</a>'
        '<a href="#replay3d">In 3D</a><a href="#log">Event log</a></nav>',
        '<h2 id="scorecard">Scorecard</h2>',
        '<p class="note">Per incident: when it happened (minutes into the drill), how long until it '
        "was reported, then minutes from the report until someone was dispatched, was on site, had "
        "made it safe, and had finished every task, each as time / target: ✓ met the target, ✗ "
        "missed it.</p>",
        _scorecard_html(kpis),
        '<h2 id="summary">Summary of the run</h2>',
        _summary_html(kpis, scenario),
        "<h3>People</h3>",
        _people_html(kpis, scenario),
        '<h2 id="timeline">Timeline of tasks per person</h2>',
        '<p class="note">Each bar is one person on one task, coloured by incident: the light part is '
        "the way there (from being dispatched to arriving), the solid part the time on site until the "
        "task was done. Dotted lines mark when each incident was reported. Hover a bar for times.</p>",
        _figure_html(timeline_figure(frame, scenario), "fig-timeline", displayModeBar=False)
        if people_ids
        else "<p>Nobody was sent anywhere.</p>",
        '<h2 id="plans">Plans at key moments</h2>',
        '<p class="note">The storey where each moment happens, seen from above (metres). Grey rooms '
        "are dry, blue ones hold water (darker is deeper; same scale on every plan); stars are "
        "incidents with their state at that moment; dots are people, coloured by the incident they "
        "are working on (grey: not on a task); lift shafts are orange, or red with a cross when out "
        "of service; stairs are outlined green. People are drawn where they are on their route, "
        "as in the replay. Hover for names; drag to zoom, double-click to zoom back.</p>",
        *snap_html,
        '<h2 id="replay3d">The drill in 3D</h2>',
        '<p class="note">The whole building: storeys as outlines at their height (dark where '
        "something happens), lift shafts orange (red with OUT when stopped), stairs green; squares "
        "are wet rooms (darker is deeper), diamonds incidents coloured by state, dots people "
        "coloured by what they are doing. Press ▶ Play; drag to turn, scroll to zoom — the view "
        "stays while it plays.</p>",
        replay3d_html(
            replay3d_scene(twin, build_replay(twin, frame, scenario)), div_id="fig-replay3d", full_html=False
        ),
        '<h2 id="log">Event log</h2>',
        f'<p class="note">{len(frame) - left_out} of {len(frame)} events. Left out: {moves} '
        "“move” rows (a person passing a point of their route; the plans above use them). "
        "Highlighted rows are the steps of an incident. Times are clock time and minutes into the "
        "drill.</p>",
        log_table,
        "<h3>What the kinds of event mean</h3>",
        _glossary_html(frame),
        f'<p class="meta" style="margin-top:30px">Written by DrillTwin {__version__} from the run '
        f"folder {_esc(run.path)} (pipeline {_esc(run.metadata.get('pipeline_version', '?'))}).</p>",
        "</main></body></html>",
    ]
    return "\n".join(p for p in parts if p)


def write_report(run: StoredRun, twin: Twin, out: Path, *, force: bool = False) -> Path:
    """Write the after-action report of ``run`` to ``out`` (an HTML file) and return its path.

    Parameters
    ----------
    run
        A run folder read with :func:`twin.store.read_run`.
    twin
        The building the run was made on (checked against the run's model hashes).
    out
        The HTML file to write; written to a temporary name and renamed, so a failure never
        leaves half a report.
    force
        Overwrite ``out`` when it exists.
    """
    out = check_out(out, force=force)
    check_model(run, twin)
    text = report_html(run, twin)
    try:
        atomic_write(out, lambda p: p.write_text(text, encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"{out}: cannot write the report ({exc.strerror}); choose another --out") from None
    log.info("report: %s (%d kB)", out, len(text) // 1024)
    return out
