"""Drill: choose, edit and run a scenario on the building; the scorecard, a replay on the plan,
the timeline of tasks, the event log, and the run folder and after-action report to download."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pandas as pd
import shared
import streamlit as st

from twin.errors import TwinError
from twin.isolated import safe_name
from twin.present.compare import headline
from twin.present.narrative import event_sentences
from twin.present.replay import default_storey, replay_parts, storey_label, storey_overview
from twin.present.scorecard import LEGEND
from twin.twin import Twin
from twin.words import plural

SHIPPED = "A shipped scenario"
UPLOADED = "Upload a scenario file"
YAML = "drill_yaml"
SOURCE = "drill_source_name"
LOADED_FROM = "drill_loaded_from"
RUN = "drill_run"
RESPONSE = "drill_response_s"
#: Event kinds the log table hides until asked (many rows each, drawn by the replay instead).
BUSY_KINDS = ("move", "depth")


def show(twin: Twin) -> None:
    st.title("Drill")
    st.caption(
        f"Run an emergency drill on **{twin.model.name}**: hazards happen, become known, and the "
        "people on the roster are sent through the building to deal with them. Choose a scenario, "
        "change it in the form or the YAML, run it, and see how it went."
    )
    source = scenario_source()
    if source is None:
        return
    text = st.session_state[YAML]
    check = shared.check_scenario(twin, text, source)
    loaded, problems = check.loaded, check.errors
    editor, side = st.columns([3, 2], gap="medium")
    with editor:
        st.text_area(
            f"Scenario YAML — {source}",
            key=YAML,
            height=560,
            help="Checked whenever it changes (click outside it, or Ctrl+Enter): every "
            "problem is listed beside it with its line. `twin schema` prints every field.",
        )
    with side:
        st.markdown("**Check**")
        if problems:
            for line in problems:
                st.error(line, icon=":material/error:")
        else:
            s = loaded.scenario
            st.success(
                f"Valid: {plural(len(s.people), 'person')}, "
                f"{plural(len(s.contractors), 'contractor')}, "
                f"{plural(len(s.hazards), 'hazard')}; every place found in {twin.model.name}.",
                icon=":material/check_circle:",
            )
            if s.model:
                st.warning(
                    f"The scenario names model file(s) {', '.join(s.model)}; the app runs it on "
                    "the building chosen in the sidebar."
                )
        fields(loaded, text)
        clicked = st.button(
            "Run the drill",
            type="primary",
            icon=":material/play_arrow:",
            disabled=bool(problems),
            key="drill_run_button",
            help="Fix the problems listed above first." if problems else None,
        )
        progress = st.container()
        if loaded is not None and not problems:
            s = loaded.scenario
            plan = shared.start_figure(twin.cache_key, s.model_dump_json(), twin, s)
            st.plotly_chart(
                plan, key="start_plan", theme=None, config={"displaylogo": False, "displayModeBar": False}
            )
        if clicked and loaded is not None and not problems:
            with progress:
                st.session_state[RUN] = shared.run_drill(twin, check, text, source)
            st.session_state.pop(RESPONSE, None)
    run: shared.DrillRun | None = st.session_state.get(RUN)
    if run is not None:
        results(run, edited=run.text != text or run.source != source)


def scenario_source() -> str | None:
    """The source chooser; puts the chosen scenario's text in the editor when the choice changes
    and returns its name (``None`` while there is nothing to edit)."""
    shipped = shared.shipped_scenarios()
    left, right = st.columns([1, 2])
    mode = left.radio("Scenario", (SHIPPED, UPLOADED), key="drill_mode", horizontal=False)
    if mode == SHIPPED:
        name = right.selectbox(
            "Shipped scenario",
            list(shipped),
            key="drill_shipped",
            help="The first is the demo drill: a riser bursts at night in tower B.",
        )
        origin: tuple[str, ...] = ("shipped", name)
        if st.session_state.get(LOADED_FROM) != origin or YAML not in st.session_state:
            st.session_state[YAML] = shipped[name].read_text(encoding="utf-8")
            st.session_state[SOURCE] = name
            st.session_state[LOADED_FROM] = origin
        return name
    f = right.file_uploader(
        "Scenario file",
        type=list(shared.SCENARIO_TYPES),
        key="drill_upload",
        max_upload_size=1,
        help=f".yaml or .yml, up to {shared.SCENARIO_MAX_BYTES // 1000} kB; "
        "read as YAML data only and never saved on the server.",
    )
    if f is None:
        st.info("Upload a scenario file (.yaml or .yml), or choose a shipped scenario.")
        return None
    if problem := shared.scenario_upload_problem(f):
        st.error(problem)
        return None
    origin = ("upload", f.name, f.file_id)
    if st.session_state.get(LOADED_FROM) != origin:
        try:
            text = shared.uploaded_yaml(f, "the scenario")
        except TwinError as exc:
            st.error(str(exc))
            return None
        st.session_state[YAML] = text
        st.session_state[SOURCE] = safe_name(f.name)
        st.session_state[LOADED_FROM] = origin
    return str(st.session_state[SOURCE])


def fields(loaded: Any, text: str) -> None:
    """The form for the common fields; applying it rewrites those lines of the YAML."""
    if loaded is None:
        st.caption("The form for the common fields comes back when the YAML is valid.")
        return
    if error := st.session_state.pop("drill_fields_error", ""):
        st.error(error)
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    prefix = f"drill_f_{digest}_"
    with st.form(f"drill_fields_{digest}", border=True):
        st.markdown("**Common fields**")
        shared.field_widgets(loaded.scenario, prefix)
        st.form_submit_button(
            "Apply to the YAML", on_click=apply_fields, args=(loaded, prefix), icon=":material/edit_note:"
        )


def apply_fields(loaded: Any, prefix: str) -> None:
    from twin.scenario import ScenarioError
    from twin.scenario.edit import set_fields

    changes = shared.field_changes(loaded.scenario, prefix)
    if changes:
        try:
            st.session_state[YAML] = set_fields(st.session_state[YAML], changes)
        except ScenarioError as exc:
            st.session_state["drill_fields_error"] = str(exc)


# ------------------------------------------------------------------------------------- results


def results(run: shared.DrillRun, *, edited: bool) -> None:
    scenario = run.scenario
    st.divider()
    st.header(f"Results: {scenario.name}")
    note = " The scenario has been edited since: run it again to see the change." if edited else ""
    st.caption(
        f"Seed {run.result.seed}, {scenario.duration_h:g} h from {scenario.start:%a %d %b %Y %H:%M}, "
        f"on {run.twin.model.name}; {len(run.frame):,} events.{note}"
    )
    timing = st.empty()
    scorecard(run)
    replay(run)
    replay3d(run)
    timeline(run)
    event_log(run)
    downloads(run)
    if RESPONSE not in st.session_state:
        st.session_state[RESPONSE] = time.perf_counter() - run.finished
    timing.caption(
        f"The drill was simulated in {run.result.wall_s:.2f} s ({run.result.events:,} "
        f"simulation events); the scorecard, replay and timeline were ready "
        f"{st.session_state[RESPONSE]:.2f} s after it finished."
    )


def scorecard(run: shared.DrillRun) -> None:
    scenario = run.scenario
    st.subheader("Scorecard")
    t = scenario.targets
    st.caption(
        "One row per incident, " + " ".join(LEGEND) + ". On-site targets: red "
        f"{t.red.on_site_min:g} min, yellow {t.yellow.on_site_min:g} min, blue {t.blue.on_site_min:g} min."
    )
    table = shared.scorecard_table(run.kpis)
    if table.empty:
        st.info("No incident happened in this drill.")
    else:
        st.table(table.set_index("#"))
    figures = headline(run.kpis)
    figures = figures[figures["value"].notna() & (figures["metric"] != "incidents")]
    shown = [
        r
        for r in figures.to_dict("records")
        if r["value"] != 0 or r["metric"] in ("water_m3", "mean_response_min", "cost_total")
    ]
    for start in range(0, len(shown), 5):
        for col, r in zip(st.columns(5), shown[start : start + 5], strict=False):
            unit = f" {r['unit']}" if r["unit"] and r["unit"] != "%" else r["unit"]
            col.metric(
                r["label"], f"{r['value']:,.1f}{unit}" if r["unit"] else f"{r['value']:,.0f}", help=r["help"]
            )
    if len(run.kpis.people):
        worked = int((run.kpis.people["tasks"] > 0).sum())
        with st.expander(f"People: time on tasks ({worked} of {len(run.kpis.people)} worked)"):
            people = run.kpis.people.copy()
            names = {p.id: p.name for p in scenario.people} | {c.id: c.name for c in scenario.contractors}
            people.insert(1, "name", [names.get(p, "") for p in people["person"]])
            people["utilisation"] = (100 * people["utilisation"]).round(1)
            people = people.rename(columns={"busy_min": "busy (min)", "utilisation": "busy (% of drill)"})
            st.dataframe(people, hide_index=True)


@st.fragment
def replay(run: shared.DrillRun) -> None:
    st.subheader("Replay on the plan")
    rp = shared.replay(run.id, run)
    overview = storey_overview(run.twin, rp)
    labels = {int(r["storey"]): storey_label(r) for r in overview.to_dict("records")}
    first = default_storey(overview)
    left, right = st.columns([1, 2])
    storey = left.selectbox(
        "Storey",
        list(labels),
        index=first,
        format_func=labels.__getitem__,
        key=f"replay_storey_{run.id}",
        help="Storeys where something happens say what; the replay opens on the "
        "storey of the first incident.",
    )
    parts, best = replay_parts(run.twin, rp, storey)
    view, view_name = None, ""
    if len(parts) > 1:
        choice = right.radio(
            "Show",
            range(len(parts) + 1),
            horizontal=True,
            index=best + 1,
            key=f"replay_part_{run.id}_{storey}",
            format_func=lambda k: "the whole storey" if k == 0 else parts[k - 1].label,
            help="Parts of the storey that stand apart (towers); it opens on the one where most happens.",
        )
        if choice:
            view, view_name = parts[choice - 1].bounds, parts[choice - 1].label
    fig = shared.replay_figure(run.id, storey, view, view_name, run)
    st.plotly_chart(fig, key="replay_plan", theme=None, config={"displaylogo": False, "scrollZoom": True})
    st.caption(
        "Seen from above, in metres. It opens when someone first reaches this storey after the "
        "report. **▶ Play** runs the drill from the start, or from where you left the slider (one "
        "step is 5 minutes, slowing to 10 seconds while someone walks); drag the slider to any "
        "moment. Rooms turn blue as water spreads (darker is deeper; hover a room for its depth); "
        "stars are incidents, coloured by their state; dots are people, named, coloured by what "
        "they are doing; lift shafts are orange, red with OUT when stopped. People on other storeys "
        "are listed under the clock."
    )


@st.fragment
def replay3d(run: shared.DrillRun) -> None:
    st.subheader("Replay in 3D")
    key = f"replay3d_{run.id}"
    if not st.session_state.get(key):
        st.caption(
            "The whole building at once — where the time went in a tower is mostly vertical: "
            "waiting for a lift, climbing the stairs because the lifts stopped."
        )
        if not st.button("Draw the drill in 3D", icon=":material/view_in_ar:", key="replay3d_button"):
            return
        st.session_state[key] = True
    from twin.present.replay3d import HEIGHT_PX

    with st.spinner("Drawing the drill in 3D…"):
        page = shared.replay3d_html(run.id, run)
    # A page of its own (three.js inlined, nothing fetched): see twin.present.replay3d.replay3d_html.
    st.iframe(page, height=HEIGHT_PX + 40)
    st.caption(
        "Storeys are outlines at their height (dark where something happens), lift shafts orange, "
        "stairs green. **▶ Play** runs the drill; the clock is beside the slider; drag to turn the "
        "building and scroll to zoom — the view stays where you leave it while it plays. Squares are "
        "wet rooms (darker is deeper), diamonds incidents coloured by their state as on the plan, "
        "dots people coloured by what they are doing; a stopped lift's shaft turns red with OUT."
    )


def timeline(run: shared.DrillRun) -> None:
    st.subheader("Timeline of tasks per person")
    fig = shared.timeline_figure(run.id, run.frame, run.scenario)
    if fig is None:
        st.info("Nobody was sent anywhere in this drill.")
        return
    st.plotly_chart(fig, key="timeline", theme=None, config={"displaylogo": False})
    st.caption(
        "Each bar is one person on one task, coloured by incident: the light part is the way "
        "there (from being dispatched to arriving), the solid part the work on site until "
        "the task was done. Dotted lines mark when each incident was reported."
    )


@st.fragment
def event_log(run: shared.DrillRun) -> None:
    from twin.events.log import KINDS

    st.subheader("Event log")
    frame = run.frame
    kinds = [k for k in KINDS if (frame["kind"] == k).any()]
    people = sorted(p for p in frame["person"].dropna().unique() if p)
    incidents = run.kpis.incidents
    titles = {int(i): f"#{i} {t}" for i, t in zip(incidents["incident"], incidents["title"], strict=True)}
    a, b, c = st.columns([3, 2, 2])
    chosen = a.multiselect(
        "Kinds",
        kinds,
        default=[k for k in kinds if k not in BUSY_KINDS],
        key=f"log_kinds_{run.id}",
        help="“move” (a person passing a point of their route) and “depth” (water in a "
        "room) are many rows each, hidden at first; the replay draws them.",
    )
    who = b.multiselect("People", people, key=f"log_people_{run.id}", placeholder="everyone")
    which = c.multiselect(
        "Incidents",
        list(titles),
        format_func=titles.__getitem__,
        key=f"log_incidents_{run.id}",
        placeholder="all, and events of none",
    )
    rows = frame[frame["kind"].isin(chosen)]
    if who:
        rows = rows[rows["person"].isin(who)]
    if which:
        rows = rows[rows["incident"].isin(which)]
    start = pd.Timestamp(run.scenario.start)
    table = pd.DataFrame(
        {
            "clock": (start + pd.to_timedelta(rows["t_s"], unit="s")).dt.strftime("%H:%M:%S"),
            "min": (rows["t_s"] / 60).round(1),
            "kind": rows["kind"],
            "incident": [titles.get(int(i), "") for i in rows["incident"]],
            "what happened": event_sentences(rows, run.scenario),
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        height=380,
        key="event_log",
        column_config={
            "min": st.column_config.NumberColumn("min", help="minutes into the drill"),
            "what happened": st.column_config.TextColumn(width="large"),
        },
    )
    st.caption(
        f"{len(table):,} of {len(frame):,} events; “min” is minutes into the drill. The kinds: "
        + "; ".join(f"**{k}** {KINDS[k].split(' (value')[0].split('; detail')[0]}" for k in chosen)
    )


def downloads(run: shared.DrillRun) -> None:
    st.subheader("Take it away")
    name = shared.folder_name(run)
    a, b, c = st.columns(3)
    a.download_button(
        "Run folder (.zip)",
        data=lambda: shared.run_folder_zip(run),
        file_name=f"{name}.zip",
        mime="application/zip",
        icon=":material/folder_zip:",
        key="download_run",
        help="events.parquet, kpis.parquet and metadata.json — what `twin run --out` writes; "
        "`twin report` reads it.",
    )
    b.download_button(
        "After-action report (.html)",
        data=lambda: shared.report_html(run),
        file_name=f"{name}-report.html",
        mime="text/html",
        icon=":material/summarize:",
        key="download_report",
        help="One self-contained page: scorecard, timeline, plans at key moments, event log.",
    )
    if c.button("Save in runs/ for the Compare page", icon=":material/save:", key="save_run"):
        save(run)


def save(run: shared.DrillRun) -> None:
    from twin.store import default_run_dir, write_run

    root = Path.cwd() / "runs"
    try:
        out = write_run(
            default_run_dir(root, Path(run.source).stem, run.result.seed),
            run.result,
            run.kpis,
            scenario_file=run.source,
        )
    except TwinError as exc:
        st.error(str(exc))
        return
    st.success(f"Saved as runs/{out.name}: open the Compare page to set it beside another run.")


if (current := shared.current_twin()) is not None:
    show(current)
