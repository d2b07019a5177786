"""A live exercise's after-action review, for the page and the report.

Takes the analysis of :mod:`twin.live.after` (the timeline, each decision against the nearest
qualified person, each inject's expected action against what happened, the capability ratings)
and gives it in words: rows for tables (:func:`timeline_rows`, :func:`decision_rows`,
:func:`inject_rows`, :func:`rating_rows`; an inject file's injects, fired or not:
:func:`script_rows`), a figure of the timeline (:func:`timeline_figure`)
and the report's extra sections (:func:`review_sections`), which
:func:`twin.present.report.report_html` puts after the summary. :func:`exercise_run` makes the
report's run of an exercise stopped at any moment (its scenario cut there).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from twin.events.log import EventLog
from twin.live.after import LEVELS, DecisionReview, InjectReview, Rating, TimelineEntry
from twin.live.script import LoadedScript
from twin.present.names import clock, name_of
from twin.present.report import Section
from twin.scenario.schema import Scenario
from twin.store import StoredRun

#: Marker per timeline entry type: colour and symbol (refused actions are drawn as crosses).
_MARKS = {"inject": ("#e67e22", "diamond"), "decision": ("#1f77b4", "circle"), "note": ("#888888", "square")}
_LANES = ("note", "decision", "inject")


def _min(v: float) -> str:
    return f"{v:.1f}" if math.isfinite(v) else "—"


def cost_text(cost_min: float, chosen: str, nearest: str) -> str:
    """``cost 3.2 min`` / ``saved 1.0 min`` / ``as nearest`` / why there is no number."""
    if not nearest:
        return "nearest could send nobody"
    if chosen == nearest:
        return "as nearest (the same person)"
    if math.isnan(cost_min):
        return "not comparable (one never got there)"
    if abs(cost_min) < 0.05:
        return "as nearest (the same arrival)"
    return f"cost {cost_min:.1f} min" if cost_min > 0 else f"saved {-cost_min:.1f} min"


def clock_note(r: Mapping[str, Any]) -> str:
    """A trainer's clock change (a ``note`` record of kind ``clock``, written by
    :mod:`twin.live.registry`) in words: ``clock: jumped 15 min ahead (paused, 60×)``."""
    action = str(r.get("action", ""))
    said = {"pause": "paused", "resume": "started", "speed": "speed changed"}.get(action, action)
    if action == "jump":
        said = f"jumped {float(r.get('by_s', 0.0)) / 60:g} min ahead"
    state = "running" if r.get("running") else "paused"
    return f"clock: {said} ({state}, {float(r.get('speed', 1.0)):g}×)"


def timeline_rows(
    entries: Sequence[TimelineEntry], start: dt.datetime, records: Sequence[Mapping[str, Any]] = ()
) -> list[dict[str, str]]:
    """One row per inject, decision and note: ``clock, min, type, what, outcome``; with the
    log's ``records``, clock changes are said in words (:func:`clock_note`)."""
    rows = []
    for e in entries:
        what = e.what
        if e.type == "note" and e.record < len(records) and records[e.record].get("kind") == "clock":
            what = clock_note(records[e.record])
        rows.append(
            {
                "clock": f"{clock(start, e.t_s):%H:%M:%S}",
                "min": f"{e.t_s / 60:.1f}",
                "type": e.type,
                "what": what,
                "outcome": "" if e.type == "note" else ("done" if e.ok else f"refused: {e.error}"),
            }
        )
    return rows


def decision_rows(
    reviews: Sequence[DecisionReview], scenario: Scenario, names: dict[str, str]
) -> list[dict[str, str]]:
    """One row per decision that sent someone: when, the task and how long it had waited, who
    was sent and how soon they were on site, whom nearest would have sent, and the difference."""
    rows = []
    for d in reviews:
        rows.append(
            {
                "clock": f"{clock(scenario.start, d.t_s):%H:%M:%S}",
                "task": f"{d.task} {d.task_name}",
                "waited (min)": _min(d.waited_s / 60),
                "sent": f"{d.chosen} {name_of(names, d.chosen)}",
                "on site after (min)": _min((d.chosen_on_site_s - d.t_s) / 60),
                "nearest would send": f"{d.nearest} {name_of(names, d.nearest)}" if d.nearest else "nobody",
                "nearest on site after (min)": _min((d.nearest_on_site_s - d.t_s) / 60),
                "against nearest": cost_text(d.cost_min, d.chosen, d.nearest),
            }
        )
    return rows


def inject_rows(reviews: Sequence[InjectReview], scenario: Scenario) -> list[dict[str, str]]:
    """One row per inject with an expected action: what was expected, what happened, verdict."""
    rows = []
    for r in reviews:
        expected = r.expected
        if r.expected_person:
            expected += f" ({r.expected_person}"
            expected += (
                f", within {r.expected_within_min:g} min)" if math.isfinite(r.expected_within_min) else ")"
            )
        elif math.isfinite(r.expected_within_min):
            expected += f" (within {r.expected_within_min:g} min)"
        happened = (
            f"{r.first_sent} sent {r.first_sent_min:.1f} min after the report"
            if r.first_sent and math.isfinite(r.first_sent_min)
            else "nobody was sent"
        )
        verdict = {True: "as expected", False: "not as expected", None: "nothing checkable expected"}[r.met]
        rows.append(
            {
                "clock": f"{clock(scenario.start, r.t_s):%H:%M:%S}",
                "inject": r.inject,
                "message": r.message,
                "expected": expected,
                "happened": happened,
                "verdict": verdict,
            }
        )
    return rows


def script_rows(
    script: LoadedScript, records: Sequence[Mapping[str, Any]], scenario: Scenario
) -> list[dict[str, str]]:
    """The inject file's injects in the order they fire: when, what, what the trainees are told,
    what is expected of them, and whether it has fired yet (its record in the exercise log)."""
    fired = {r["script"]: r for r in records if r.get("type") == "inject" and r.get("script") is not None}
    rows = []
    for i in script.order():
        item = script.script.injects[i]
        r = fired.get(i)
        rows.append(
            {
                "clock": f"{clock(scenario.start, 60.0 * item.at_min):%H:%M:%S}",
                "inject": item.inject.kind,
                "message": item.message,
                "expected": item.expected.action if item.expected else "",
                "fired": "not yet" if r is None else "done" if r.get("ok", True) else str(r.get("error", "")),
            }
        )
    return rows


def rating_rows(ratings: Sequence[Rating], proposed: Sequence[Rating]) -> list[dict[str, str]]:
    """One row per capability: the rating given, the one proposed when the trainer changed it,
    and the numbers it was proposed from."""
    first = {r.capability: r.level for r in proposed}
    return [
        {
            "capability": r.capability,
            "rating": r.level,
            "proposed": first.get(r.capability, "") if first.get(r.capability, r.level) != r.level else "",
            "basis": r.basis,
        }
        for r in ratings
    ]


def rated(proposed: Sequence[Rating], levels: dict[str, str]) -> tuple[Rating, ...]:
    """The proposed ratings with the trainer's levels (by capability) put in; a level that is
    not one of :data:`~twin.live.after.LEVELS` is a ``ValueError``."""
    out = []
    for r in proposed:
        level = levels.get(r.capability, r.level)
        if level not in LEVELS:
            raise ValueError(f"rating of {r.capability}: expected one of {', '.join(LEVELS)}, got {level!r}")
        out.append(dataclasses.replace(r, level=level))
    return tuple(out)


def timeline_figure(entries: Sequence[TimelineEntry], scenario: Scenario, *, end_s: float) -> go.Figure:
    """Injects, decisions and notes on the exercise's clock, one lane each; refused ones are
    crosses; hover for what each was."""
    fig = go.Figure()
    for kind in _LANES:
        rows = [e for e in entries if e.type == kind]
        if not rows:
            continue
        colour, symbol = _MARKS[kind]
        fig.add_trace(
            go.Scatter(
                x=[clock(scenario.start, e.t_s) for e in rows],
                y=[kind] * len(rows),
                mode="markers",
                name=f"{kind}s",
                marker={
                    "size": 13,
                    "color": [colour if e.ok else "#c62828" for e in rows],
                    "symbol": [symbol if e.ok else "x" for e in rows],
                    "line": {"width": 1, "color": "white"},
                },
                text=[e.what + ("" if e.ok else f" — refused: {e.error}") for e in rows],
                hovertemplate="%{x|%H:%M:%S} %{text}<extra></extra>",
            )
        )
    fig.update_layout(
        height=200,
        margin={"l": 70, "r": 20, "t": 10, "b": 40},
        plot_bgcolor="white",
        showlegend=False,
        xaxis={
            "range": [scenario.start, clock(scenario.start, end_s)],
            "showgrid": True,
            "gridcolor": "#eee",
            "title": "clock",
        },
        yaxis={"categoryorder": "array", "categoryarray": list(_LANES)},
    )
    return fig


def _table(rows: Sequence[dict[str, str]], empty: str) -> str:
    if not rows:
        return f"<p>{html.escape(empty)}</p>"
    cols = list(rows[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(r[c])}</td>" for c in cols) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def review_sections(
    entries: Sequence[TimelineEntry],
    decisions: Sequence[DecisionReview],
    injects: Sequence[InjectReview],
    ratings: Sequence[Rating],
    proposed: Sequence[Rating],
    *,
    scenario: Scenario,
    end_s: float,
    records: Sequence[Mapping[str, Any]] = (),
) -> list[Section]:
    """The report's sections of a live exercise (see :func:`twin.present.report.report_html`)."""
    names = {p.id: p.name or p.id for p in scenario.people} | {
        c.id: c.name or c.id for c in scenario.contractors
    }
    figure = timeline_figure(entries, scenario, end_s=end_s).to_html(
        full_html=False, include_plotlyjs=False, config={"displaylogo": False, "displayModeBar": False},
        div_id="fig-exercise-timeline",
    )  # fmt: skip
    legend = " ".join(
        f'<span class="swatch" style="background:{colour}"></span>{kind}s'
        for kind, (colour, _) in _MARKS.items()
    )
    return [
        (
            "exercise",
            "The exercise: injects and decisions",
            '<p class="note">What the trainer threw in and what the dispatcher decided, on the '
            f"drill's clock ({legend}; a red cross was refused, with the reason).</p>"
            + figure
            + _table(timeline_rows(entries, scenario.start, records), "Nothing was injected or decided."),
        ),
        (
            "decisions",
            "Each decision against the nearest qualified person",
            '<p class="note">For each person sent, the exercise was run again from its log to the '
            "moment of the decision, once as decided and once sending whom the nearest-qualified "
            "policy would have picked on the same board, each until someone was on site at the "
            "task (later injects replayed, later decisions not). Positive: minutes the decision "
            "cost; negative: minutes it saved.</p>"
            + _table(decision_rows(decisions, scenario, names), "Nobody was sent."),
        ),
        (
            "injects",
            "Expected actions",
            '<p class="note">Per inject that came with an expected action: the first person sent to '
            "what it raised, and how soon after the report.</p>"
            + _table(inject_rows(injects, scenario), "No inject came with an expected action."),
        ),
        (
            "ratings",
            "Capability ratings",
            '<p class="note">In the four-level style of exercise evaluation ('
            + html.escape("; ".join(LEVELS))
            + "). Each was proposed from the numbers beside it; where the trainer changed it, the "
            "proposal is shown too.</p>" + _table(rating_rows(ratings, proposed), "Nothing to rate yet."),
        ),
    ]


def exercise_run(
    log: EventLog, drill: Any, seed: int, *, now_s: float, name: str, events: int = 0
) -> StoredRun:
    """The run a report is written from for an exercise stopped at ``now_s``: its log so far,
    its scenario cut to end there (KPIs count what was not done by then as missed)."""
    from twin.engine.run import RunResult
    from twin.kpi import compute_kpis
    from twin.store import stored_run

    scenario = drill.scenario
    if now_s < scenario.duration_s:
        scenario = scenario.model_copy(update={"duration_h": max(now_s, 60.0) / 3600.0})
    cut = dataclasses.replace(drill, scenario=scenario)
    frame = log.frame
    log = EventLog.from_frame(frame[frame["t_s"] <= scenario.duration_s])
    result = RunResult(log, cut, seed, events, 0.0)
    return stored_run(result, compute_kpis(log, scenario), Path(name).name)
