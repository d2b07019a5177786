"""Live: a trainer runs a drill's clock and throws in what goes wrong while trainees, as the duty
dispatcher, decide who goes where — in other tabs or on other devices, joined with a short code.

The exercise lives in the server (:mod:`twin.live.registry`), not in a browser session: the page
names it in its address (``?code=…&role=…``), so a reload or a second tab finds the same one.
The ticking parts are fragments that rerun on their own every :data:`TICK_S` seconds; each look
advances the exercise to the trainer's clock first.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import shared
import streamlit as st

from twin.errors import TwinError
from twin.isolated import safe_name
from twin.live.clock import SPEEDS, clock_text
from twin.live.registry import Registry, RegistryError, normalise_code, registry
from twin.twin import Twin
from twin.words import plural

#: Seconds between the ticking parts' reruns: at 60× a tick is two simulated minutes.
TICK_S = 2.0
#: The jumps ahead the trainer is offered (minutes).
JUMPS_MIN = (5, 15, 60)
TRAINER, DISPATCHER = "trainer", "dispatcher"
ROLES = {DISPATCHER: "Dispatcher (trainee)", TRAINER: "Trainer"}
#: The exercise's log, in its folder.
LOG_FILE = "exercise.jsonl"
SHIPPED, UPLOADED, STARTER = (
    "A shipped scenario",
    "Upload a scenario file",
    "A starter drill for this building",
)
#: What happened to the last button pressed (an error, or what was done), shown once.
FLASH = "live_flash"


def live_root() -> Path:
    """Where exercises are kept: ``$DRILLTWIN_LIVE_DIR``, else ``live/`` in the working folder
    (beside ``runs/``)."""
    return Path(os.environ.get("DRILLTWIN_LIVE_DIR") or Path.cwd() / "live")


@st.cache_resource(show_spinner=False)
def known_twins() -> dict[str, Twin]:
    """Twins the app has loaded, by cache key: what a resumed exercise runs on."""
    return {}


def _resume(folder: Path) -> Any:
    from twin.live import read_log, resume

    path = folder / LOG_FILE
    want = read_log(path).header.get("model", {}).get("twin", "")
    twin = known_twins().get(want)
    if twin is None:
        raise RegistryError(
            f"{folder.name}: this exercise ran on a building the app has not loaded since it "
            "restarted — choose that building in the sidebar (upload it again) and rejoin"
        )
    return resume(path, twin=twin)


def exercises() -> Registry:
    return registry(live_root(), resume=_resume)


def flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    if found := st.session_state.pop(FLASH, None):
        kind, text = found
        (st.error if kind == "error" else st.success)(text)


def guarded(do: Callable[[], str]) -> None:
    """Run a button's action; its one-line outcome (or the reason it failed) is shown once."""
    try:
        flash("ok", do())
    except TwinError as exc:
        flash("error", str(exc))


# ----------------------------------------------------------------------------------- the lobby


def lobby(twin: Twin) -> None:
    st.caption(
        "A trainer starts an exercise from a scenario and gets a join code; trainees open this "
        "page in another tab or on another device, type the code and take the dispatcher's seat. "
        "The trainer runs the clock and throws in what goes wrong; the dispatcher sees only what "
        "has been reported and sends people."
    )
    show_flash()
    start, join = st.columns(2, gap="large")
    with start:
        st.subheader("Start an exercise (trainer)")
        start_form(twin)
    with join:
        st.subheader("Join an exercise")
        st.text_input("Join code", key="live_join_code", max_chars=9, placeholder="e.g. K7MXQ2")
        st.radio("Role", list(ROLES), format_func=ROLES.__getitem__, key="live_join_role", horizontal=True)
        st.button("Join", icon=":material/login:", key="live_join", on_click=join_exercise)


def join_exercise() -> None:
    try:
        code = normalise_code(st.session_state.get("live_join_code", ""))
        if not exercises().exists(code):
            raise RegistryError(
                f"join code {code}: no exercise with this code on this server — check the code on "
                "the trainer's page"
            )
    except TwinError as exc:
        flash("error", str(exc))
        return
    st.query_params.update(code=code, role=st.session_state.get("live_join_role", DISPATCHER))


def start_form(twin: Twin) -> None:
    mode = st.radio("Scenario", (SHIPPED, UPLOADED, STARTER), key="live_mode")
    text, source = "", ""
    if mode == SHIPPED:
        shipped = shared.shipped_scenarios()
        name = st.selectbox("Shipped scenario", list(shipped), key="live_shipped")
        text, source = shipped[name].read_text(encoding="utf-8"), name
    elif mode == UPLOADED:
        f = st.file_uploader(
            "Scenario file", type=list(shared.SCENARIO_TYPES), key="live_upload", max_upload_size=1
        )
        if f is None:
            st.info("Upload a scenario file (.yaml or .yml).")
            return
        if problem := shared.scenario_upload_problem(f):
            st.error(problem)
            return
        try:
            text, source = shared.uploaded_yaml(f, "the scenario"), safe_name(f.name)
        except TwinError as exc:
            st.error(str(exc), icon=":material/error:")
            return
    else:
        text, source = starter_text(twin), "starter.yaml"
        st.caption("What `twin init` writes for this building: a pipe burst and a power loss.")
    check = shared.check_scenario(twin, text, source)
    for line in check.errors:
        st.error(line, icon=":material/error:")
    if not check.errors:
        sc = check.loaded.scenario
        st.success(
            f"{source}: {sc.name} — {plural(len(sc.people), 'person')}, "
            f"{plural(len(sc.hazards), 'hazard')}, {sc.duration_h:g} h from {sc.start:%H:%M}.",
            icon=":material/check_circle:",
        )
    script = st.file_uploader(
        "Inject file (optional)",
        type=list(shared.SCENARIO_TYPES),
        key="live_script",
        max_upload_size=1,
        help="Scripted injects: when, what, the message the trainees are shown and the action "
        "expected of them (see the README's trainer section).",
    )
    loaded_script = None
    if script is not None:
        from twin.live import parse_script

        try:
            loaded_script = parse_script(
                shared.uploaded_yaml(script, "the inject file"), source=Path(safe_name(script.name))
            )
            st.success(f"{script.name}: {len(loaded_script.script.injects)} scripted injects.")
        except TwinError as exc:
            st.error(str(exc), icon=":material/error:")
            return
    if st.button(
        "Start the exercise",
        type="primary",
        icon=":material/play_circle:",
        key="live_start",
        disabled=bool(check.errors),
    ):
        from twin.live import start_exercise
        from twin.scenario import scenarios_dir
        from twin.scenario.load import shipped_data_dirs

        known_twins()[twin.cache_key] = twin
        # Files an uploaded scenario names resolve among the shipped ones (as on the Drill page).
        path = shared.shipped_scenarios().get(source) or scenarios_dir() / Path(source).name

        def make(folder: Path) -> Any:
            return start_exercise(
                twin,
                text,
                source=path,
                log_path=folder / LOG_FILE,
                script=loaded_script,
                inside=shipped_data_dirs(),
            )

        with st.spinner("Starting the exercise (the first after an install also compiles the water model)…"):
            try:
                code = exercises().create(make)
            except TwinError as exc:
                st.error(str(exc))
                return
        st.query_params.update(code=code, role=TRAINER)
        st.rerun()


@st.cache_data(show_spinner=False, max_entries=4)
def _starter(key: str, names: tuple[str, ...], _twin: Twin) -> str:
    from twin.starter import starter_drill

    return starter_drill(_twin, list(names))


def starter_text(twin: Twin) -> str:
    names = [src.name for src in twin.model.sources] or [twin.model.name]
    return _starter(twin.cache_key, tuple(names), twin)


# ------------------------------------------------------------------------------ one exercise


def header(code: str, role: str) -> None:
    left, right = st.columns([4, 1])
    left.markdown(f"**{ROLES[role]}** in exercise **`{code}`**")
    if right.button("Leave", icon=":material/logout:", key="live_leave"):
        st.query_params.clear()
        st.rerun()


def snapshot_of(ex: Any) -> dict[str, Any]:
    """What a tick of the page reads from the exercise (under its lock): frozen values only."""
    return {
        "now_s": ex.now_s,
        "view": ex.view(),
        "log": ex.event_log(),
        "records": list(ex.records),
        "scenario": ex.loaded.scenario,
        "twin": ex.running.drill.twin,
        "script": ex.script,
        "finished": ex.finished,
    }


def clock_line(look: Any) -> str:
    v = look.value["view"]
    return f"**{v.clock:%H:%M:%S}** ({look.clock.describe(look.wall_s)}, of {clock_text(v.end_s)})"


# --------------------------------------------------------------------------------- trainer


def trainer(code: str) -> None:
    header(code, TRAINER)
    trainer_board(code)
    inject_menu(code)
    review(code)


@st.fragment(run_every=TICK_S)
def trainer_board(code: str) -> None:
    """The trainer's live part: the code, the clock and its controls, the scorecard, the plan
    now, the roster and what has been decided and injected (reruns every :data:`TICK_S`)."""
    look = exercises().look(code, snapshot_of)
    s = {**look.value, "code": code}
    v = s["view"]
    show_flash()
    a, b, c = st.columns([1, 1, 3], gap="medium")
    a.metric("Join code", code, help="Trainees type this on the Live page, as the dispatcher.")
    b.metric("Clock", f"{v.clock:%H:%M:%S}", help="The drill's clock: where the simulation stands.")
    b.caption(f"{look.clock.describe(look.wall_s)}, of {clock_text(v.end_s)}")
    with c:
        clock_controls(code, look.clock)
    scorecard(s)
    plan, side = st.columns([3, 2], gap="medium")
    with plan:
        trainer_plan(s, look.sim_s)
    with side:
        st.markdown("**Roster**")
        st.table(roster_table(v, trades=False).set_index("person"))
        st.markdown("**Decisions and injects**")
        actions = actions_table(s["records"], s["scenario"])
        if actions.empty:
            st.caption("None yet.")
        else:
            st.table(actions.set_index("clock"))
        if s["script"] is not None and s["script"].script.injects:
            st.markdown("**Scripted injects**")
            from twin.present.exercise import script_rows

            rows = script_rows(s["script"], s["records"], s["scenario"])
            st.table(pd.DataFrame(rows).set_index("clock"))


def clock_controls(code: str, clock: Any) -> None:
    reg = exercises()
    a, b = st.columns([1, 2])
    if clock.running:
        a.button("Pause", icon=":material/pause:", key="live_pause", on_click=_clock, args=(reg.pause, code))
    else:
        a.button(
            "Start the clock",
            icon=":material/play_arrow:",
            type="primary",
            key="live_resume",
            on_click=_clock,
            args=(reg.resume, code),
        )
    b.segmented_control(
        "Speed",
        SPEEDS,
        format_func=lambda x: f"{x}×",
        key="live_speed",
        default=int(clock.speed),
        label_visibility="collapsed",
        on_change=_clock,
        args=(lambda k: reg.set_speed(k, st.session_state.get("live_speed") or int(clock.speed)), code),
    )
    for col, minutes in zip(st.columns(len(JUMPS_MIN)), JUMPS_MIN, strict=True):
        col.button(
            f"+{minutes} min",
            key=f"live_jump_{minutes}",
            help=f"Jump {minutes} simulated minutes ahead (the drill runs through them at once).",
            on_click=_clock,
            args=(lambda k, m=minutes: reg.jump(k, 60.0 * m), code),
        )


def _clock(change: Callable[[str], Any], code: str) -> None:
    """A clock button: the change, or the reason it cannot be made shown once."""
    try:
        change(code)
    except TwinError as exc:
        flash("error", str(exc))


# What a tick draws, by exercise, simulation time and log length (a decision or an inject at
# the same time changes it): a paused clock costs nothing, and every tab looking at the same
# moment shares one drawing.


@st.cache_resource(show_spinner=False, max_entries=32)
def _scorecard(code: str, now_s: float, rows: int, _log: Any, _scenario: Any) -> pd.DataFrame:
    from twin.kpi import compute_kpis

    return shared.scorecard_table(compute_kpis(_log, _scenario))


@st.cache_resource(show_spinner=False, max_entries=32)
def _plan(
    code: str, now_s: float, rows: int, storey: int | None, _twin: Twin, _scenario: Any, _log: Any
) -> Any:
    from twin.present.live import plan_now

    return plan_now(_twin, _scenario, _log.frame, now_s, storey=storey)


def scorecard(s: dict[str, Any]) -> None:
    log = s["log"]
    table = _scorecard(s["code"], s["now_s"], len(log), log, s["scenario"])
    st.markdown("**Scorecard so far**")
    if table.empty:
        st.caption("No incident yet.")
    else:
        st.table(table.set_index("#"))


def trainer_plan(s: dict[str, Any], now_s: float) -> None:
    twin, log = s["twin"], s["log"]
    names = [st_.name for st_ in twin.model.storeys]
    auto = "where it happens"
    choice = st.selectbox("Storey", [auto, *names], key="live_storey")
    storey = None if choice == auto else names.index(choice)
    snap = _plan(s["code"], now_s, len(log), storey, twin, s["scenario"], log)
    st.plotly_chart(
        snap.figure, key="live_plan", theme=None, config={"displaylogo": False, "displayModeBar": False}
    )
    if snap.elsewhere:
        st.caption(f"Elsewhere: {snap.elsewhere}.")


def roster_table(v: Any, *, trades: bool = True) -> pd.DataFrame:
    """The roster now: who, their status, where they are (or are walking to), their task."""
    table = pd.DataFrame(
        [
            {
                "person": p.id,
                "name": p.name,
                "status": p.status,
                "where": f"{p.place} ({p.storey})" if p.storey else p.place,
                "task": f"{p.task} {p.task_name}" if p.task >= 0 else "",
                "trades": p.trades,
            }
            for p in v.people
        ]
    )
    return table if trades else table.drop(columns="trades")


def actions_table(records: list[dict[str, Any]], scenario: Any) -> pd.DataFrame:
    rows = []
    for r in records:
        if r.get("type") not in ("decision", "inject"):
            continue
        at = scenario.start + pd.Timedelta(seconds=float(r["t_s"]))
        if r["type"] == "decision":
            d = r["decision"]
            what = f"{d['kind']} {d['person']}" + (f" → task {d['task']}" if d.get("task", -1) >= 0 else "")
        else:
            what = f"inject {r['inject'].get('kind')}: {r.get('result') or r.get('message') or ''}"
        rows.append(
            {
                "clock": f"{at:%H:%M:%S}",
                "what": what,
                "outcome": "done" if r.get("ok", True) else r.get("error", ""),
            }
        )
    return pd.DataFrame(rows, columns=["clock", "what", "outcome"])


def inject_menu(code: str) -> None:
    from twin.live import INJECTS

    st.subheader("Throw something in")
    names = list(INJECTS.names())
    kind = st.selectbox(
        "Inject", names, format_func=lambda n: f"{n} — {INJECTS[n].label}", key="live_inject_kind"
    )
    schema = INJECTS[kind].schema
    with st.form(f"live_inject_{kind}"):
        values = inject_fields(schema, kind)
        message = st.text_input("Message shown to the trainees (optional)", key=f"live_inject_msg_{kind}")
        sent = st.form_submit_button("Inject now", icon=":material/bolt:", type="primary")
    if sent:
        spec = {"kind": kind, **values}
        guarded(lambda: exercises().act(code, lambda ex: ex.inject(spec, message=message)))
        st.rerun()


def inject_fields(schema: Any, kind: str) -> dict[str, Any]:
    """Widgets for an inject's plain settings (text, numbers, yes/no); the others keep their
    defaults. Returns the values given."""
    out: dict[str, Any] = {}
    for name, f in schema.model_fields.items():
        if name == "kind":
            continue
        ann = str(f.annotation)
        key = f"live_inject_{kind}_{name}"
        default = None if f.is_required() else f.default
        help_ = f.description
        if "bool" in ann:
            out[name] = st.checkbox(name.replace("_", " "), value=bool(default), key=key, help=help_)
        elif ann in ("<class 'float'>", "<class 'int'>"):
            number = st.number_input(name.replace("_", " "), value=default, key=key, help=help_)
            if number is not None:
                out[name] = int(number) if ann == "<class 'int'>" else float(number)
        elif "str" in ann and "dict" not in ann:
            text = st.text_input(name.replace("_", " "), value=default or "", key=key, help=help_)
            if text.strip():
                out[name] = text.strip()
    return out


# ------------------------------------------------------------------------- after-action review

REVIEW = "live_review"
REPORT = "live_report_html"


def review(code: str) -> None:
    """The after-action review of the exercise so far: the timeline, each decision against
    nearest, expected actions, the ratings (the trainer may change them), the report, and a
    restart from any decision."""
    st.subheader("After-action review")
    st.caption(
        "Each decision is set against whom the nearest-qualified policy would have sent at that "
        "moment, by running the exercise again from its log both ways; this takes a few seconds "
        "per decision. The clock keeps its state meanwhile."
    )
    if st.button("Review the exercise so far", icon=":material/fact_check:", key="live_review_button"):
        with st.spinner("Running the decisions again…"):
            try:
                st.session_state[REVIEW] = build_review(code)
            except TwinError as exc:
                st.error(str(exc))
                return
    found = st.session_state.get(REVIEW)
    if found is None or found["code"] != code:
        return
    show_review(code, found)


def build_review(code: str) -> dict[str, Any]:
    from twin.live import read_log
    from twin.live.after import propose_ratings, review_decisions, review_injects, timeline
    from twin.present.exercise import exercise_run

    def read(ex: Any) -> tuple[Any, ...]:
        return ex.event_log(), ex.running.drill, int(ex.header["seed"]), ex.now_s, ex.running.events

    log, drill, seed, now_s, events = exercises().look(code, read).value
    record = read_log(live_root() / code / LOG_FILE)
    run = exercise_run(log, drill, seed, now_s=now_s, name=f"live-{code}", events=events)
    decisions = review_decisions(record, twin=drill.twin)
    injects = review_injects(record, run.log)
    return {
        "code": code,
        "now_s": now_s,
        "twin": drill.twin,
        "record": record,
        "run": run,
        "entries": timeline(record, run.log),
        "decisions": decisions,
        "injects": injects,
        "proposed": propose_ratings(run.log, run.scenario, decisions, injects),
    }


def show_review(code: str, r: dict[str, Any]) -> None:
    from twin.live.after import LEVELS
    from twin.present.exercise import (
        decision_rows,
        inject_rows,
        rated,
        rating_rows,
        timeline_figure,
        timeline_rows,
    )
    from twin.present.names import people_names

    scenario = r["run"].scenario
    st.caption(f"As it stood at {clock_text(r['now_s'])} into the exercise.")
    st.markdown("**Injects and decisions**")
    st.plotly_chart(
        timeline_figure(r["entries"], scenario, end_s=r["now_s"]),
        key="live_review_timeline",
        theme=None,
        config={"displaylogo": False, "displayModeBar": False},
    )
    if r["entries"]:
        rows = timeline_rows(r["entries"], scenario.start, r["record"].records)
        st.table(pd.DataFrame(rows).set_index("clock"))
    st.markdown("**Each decision against the nearest qualified person**")
    rows = decision_rows(r["decisions"], scenario, people_names(scenario))
    if rows:
        st.table(pd.DataFrame(rows).set_index("clock"))
    else:
        st.caption("Nobody has been sent yet.")
    rows = inject_rows(r["injects"], scenario)
    if rows:
        st.markdown("**Expected actions**")
        st.table(pd.DataFrame(rows).set_index("clock"))
    st.markdown("**Capability ratings** — proposed from the numbers; change any you judge otherwise.")
    st.caption(
        "Proposed as if the exercise ended at the moment reviewed: an incident nobody had reached "
        "or made safe by then counts as not done."
    )
    proposed = r["proposed"]
    given = proposed
    if proposed:
        table = pd.DataFrame(rating_rows(proposed, proposed)).drop(columns="proposed")
        edited = st.data_editor(
            table,
            hide_index=True,
            disabled=["capability", "basis"],
            key=f"live_ratings_{code}_{r['now_s']:.0f}",
            column_config={"rating": st.column_config.SelectboxColumn(options=list(LEVELS), required=True)},
        )
        given = rated(proposed, dict(zip(edited["capability"], edited["rating"], strict=True)))
    else:
        st.caption("Nothing to rate yet: no incident, decision or expected action.")
    left, right = st.columns(2)
    # Written on request (a few seconds), then offered as a file: a download whose data is made
    # on click is lost when the ticking part of the page reruns meanwhile.
    levels = tuple(x.level for x in given)
    written = st.session_state.get(REPORT)
    if left.button("Write the after-action report", icon=":material/summarize:", key="live_report_write"):
        with st.spinner("Writing the report…"):
            written = (code, r["now_s"], levels, exercise_report(r, given).encode("utf-8"))
        st.session_state[REPORT] = written
    if written is not None and written[:3] == (code, r["now_s"], levels):
        left.download_button(
            "After-action report (.html)",
            data=written[3],
            file_name=f"live-{code}-report.html",
            mime="text/html",
            icon=":material/download:",
            key="live_report",
            on_click="ignore",
            help="One self-contained page that opens offline: the scorecard, this review, the "
            "timeline, plans at key moments, the event log.",
        )
    restart(code, r, right)


def exercise_report(r: dict[str, Any], ratings: Any) -> str:
    from twin.present.exercise import review_sections
    from twin.present.report import report_html

    run = r["run"]
    sections = review_sections(
        r["entries"],
        r["decisions"],
        r["injects"],
        ratings,
        r["proposed"],
        scenario=run.scenario,
        end_s=r["now_s"],
        records=r["record"].records,
    )
    return report_html(run, r["twin"], sections=sections)


def restart(code: str, r: dict[str, Any], box: Any) -> None:
    """Restart from a decision: a new exercise (a new code) whose log stops just before it."""
    choices = {d.record: d for d in r["decisions"]}
    refused = [e for e in r["entries"] if e.type == "decision" and e.record not in choices]
    options = sorted([*choices, *(e.record for e in refused)])
    if not options:
        return
    what = {e.record: e for e in r["entries"]}
    k = box.selectbox(
        "Restart from this moment",
        options,
        format_func=lambda i: f"{clock_text(what[i].t_s)} — {what[i].what}",
        key="live_restart_at",
        help="A new exercise, with a new code, standing just before this decision: everything "
        "before it happens again, the decision is yours to take again.",
    )
    if box.button("Restart here", icon=":material/restart_alt:", key="live_restart"):
        from twin.live import resume
        from twin.live.after import restart_log

        twin = r["twin"]

        def make(folder: Path) -> Any:
            path = restart_log(r["record"], int(k), folder / LOG_FILE)
            return resume(path, twin=twin)

        try:
            new = exercises().create(make)
        except TwinError as exc:
            st.error(str(exc))
            return
        flash(
            "ok",
            f"Restarted from {clock_text(what[k].t_s)} as exercise {new} (the old one, {code}, is kept).",
        )
        st.session_state.pop(REVIEW, None)
        st.query_params.update(code=new, role=TRAINER)
        st.rerun()


# ------------------------------------------------------------------------------ dispatcher


def dispatcher(code: str) -> None:
    header(code, DISPATCHER)
    dispatcher_board(code)


@st.fragment(run_every=TICK_S)
def dispatcher_board(code: str) -> None:
    look = exercises().look(code, snapshot_of)
    s = look.value
    v = s["view"]
    show_flash()
    st.markdown(clock_line(look))
    messages = [r for r in s["records"] if r.get("type") == "inject" and r.get("message")]
    for r in messages[-3:]:
        st.info(f"{clock_text(r['t_s'])} — {r['message']}", icon=":material/campaign:")
    left, right = st.columns([1, 1], gap="medium")
    with left:
        st.markdown("**Reported incidents**")
        if not v.incidents:
            st.caption("Nothing has been reported.")
        else:
            st.table(incidents_table(v).set_index("#"))
        st.markdown("**Open tasks**")
        if not v.open_tasks:
            st.caption("No task is waiting for someone.")
        for t in v.open_tasks:
            open_task(code, t)
    with right:
        st.markdown("**Roster**")
        st.table(roster_table(v).set_index("person"))
        busy = [p for p in v.people if p.task >= 0]
        if busy:
            who = st.selectbox(
                "Take someone off their task (to re-assign them)",
                [p.id for p in busy],
                format_func=lambda i: next(f"{p.id} {p.name} — {p.task_name}" for p in busy if p.id == i),
                key="disp_release_who",
            )
            st.button(
                "Take off task",
                icon=":material/undo:",
                key="disp_release",
                on_click=decide,
                args=(code, "release", who, -1),
            )


def incidents_table(v: Any) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "#": i.id,
                "incident": i.title,
                "priority": i.priority,
                "where": f"{i.place} ({i.storey})",
                "reported": f"{(v.clock - pd.Timedelta(seconds=v.t_s - i.reported_s)):%H:%M:%S}",
                "state": "resolved" if i.resolved else "made safe" if i.made_safe else "open",
                "tasks": ", ".join(
                    f"{t.name}: {t.state}" + (f" ({t.person})" if t.person else "") for t in i.tasks
                ),
            }
            for i in v.incidents
        ]
    )


def open_task(code: str, t: Any) -> None:
    box = st.container(border=True)
    box.markdown(
        f"**Task {t.id}: {t.name}** · storey {t.storey} · {t.priority} · "
        f"waiting **{clock_text(t.waiting_s)}** · needs {t.needs}"
    )
    rows = [
        {"person": c.person, "name": c.name, "status": c.status, "travel": _minutes(c.travel_s)}
        for c in t.candidates
    ]
    if not rows:
        box.caption("Nobody on the roster is qualified for this task.")
        return
    a, b = box.columns([3, 1])
    who = a.selectbox(
        "Send",
        [r["person"] for r in rows],
        format_func=lambda p: next(
            f"{r['person']} {r['name']} — {r['status']}, {r['travel']}" for r in rows if r["person"] == p
        ),
        key=f"disp_who_{t.id}",
        label_visibility="collapsed",
    )
    status = next(r["status"] for r in rows if r["person"] == who)
    kind = "callout" if status in ("on call", "off shift") else "assign"
    b.button(
        "Call out" if kind == "callout" else "Send",
        icon=":material/send:",
        key=f"disp_send_{t.id}",
        on_click=decide,
        args=(code, kind, who, t.id),
        type="primary",
    )


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min away" if math.isfinite(seconds) else "cannot get there"


def decide(code: str, kind: str, person: str, task: int) -> None:
    from twin.live import Decision

    def do(ex: Any) -> str:
        applied = ex.decide(Decision(kind, person, task))  # type: ignore[arg-type]
        if kind == "release":
            return f"{person} taken off task {applied.task}; it is back on the board."
        return f"{person} sent to task {applied.task} (about {applied.expected_s / 60:.1f} min away)."

    guarded(lambda: exercises().act(code, do))


# ------------------------------------------------------------------------------------ page


def show(twin: Twin) -> None:
    st.title("Live exercise")
    known_twins()[twin.cache_key] = twin
    code, role = st.query_params.get("code", ""), st.query_params.get("role", DISPATCHER)
    if not code:
        lobby(twin)
        return
    try:
        code = normalise_code(code)
        exercises().look(code, lambda ex: None)
    except TwinError as exc:
        st.error(str(exc))
        if st.button("Back to the lobby", key="live_back"):
            st.query_params.clear()
            st.rerun()
        return
    if role == TRAINER:
        trainer(code)
    else:
        dispatcher(code)


if (current := shared.current_twin()) is not None:
    show(current)
