"""Replay: a work-order log rebuilt on the building — the import summary with the rows left out,
the KPIs against the targets, one day on the timeline and the plan, and what if, side by side."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import shared
import streamlit as st

from twin.errors import TwinError
from twin.isolated import safe_name
from twin.twin import Twin
from twin.words import plural

SAMPLE = "The shipped sample"
UPLOADED = "Upload a log and its mapping"
#: Log uploads: the types the reader takes; the size limit is the models' (shared.MAX_UPLOAD_MB).
LOG_TYPES = ("csv", "txt", "xlsx", "json")
WHAT_IF = "replay_what_if_yaml"
RESULT = "replay_what_if_result"


@dataclass(frozen=True, slots=True, eq=False)
class Imported:
    """A log read and rebuilt: what the page shows."""

    key: str
    history: Any
    """:class:`twin.history.read.History`."""
    rec: Any
    """:class:`twin.history.reconstruct.Reconstruction`."""
    kpis: Any


@dataclass(frozen=True, slots=True, eq=False)
class Day:
    """One day of the log as a run, for the shared replay and timeline (they read ``id``,
    ``twin``, ``frame`` and ``scenario``)."""

    id: str
    twin: Twin
    frame: Any
    scenario: Any


def sample_files() -> tuple[Path, Path, Path]:
    """The shipped sample: the export, its mapping and its what-if file."""
    from twin.scenario import scenarios_dir

    folder = scenarios_dir() / "history"
    return (
        folder / "estate_workorders.csv",
        folder / "estate_workorders.map.yaml",
        folder / "estate_workorders.whatif.yaml",
    )


def show(twin: Twin) -> None:
    st.title("Replay")
    st.caption(
        "A work-order log exported from a maintenance system, rebuilt on the building: who went, "
        "from where, how long the twin says the walk takes against what the log says, the KPIs "
        "against the targets — and what if the nearest qualified person had been sent, the lifts "
        "had stopped, a sensor had reported it, another person had been on shift."
    )
    imported = source(twin)
    if imported is None:
        return
    summary(imported)
    kpis(imported)
    one_day(imported)
    what_if(imported)


def source(twin: Twin) -> Imported | None:
    """The chooser; the log read and rebuilt (cached), or ``None`` after saying why."""
    mode = st.radio("Log", (SAMPLE, UPLOADED), key="replay_mode", horizontal=True)
    if mode == SAMPLE:
        log, mapping, what = sample_files()
        if not log.is_file():
            st.error(f"{log}: the sample is missing from this installation")
            return None
        st.caption(
            f"**{log.name}**: a year of the estate's work orders, exported the way IBM Maximo would "
            f"(made by models/make_history.py), with its mapping **{mapping.name}**."
        )
        text = mapping.read_text(encoding="utf-8")
        if WHAT_IF not in st.session_state and what.is_file():
            st.session_state[WHAT_IF] = what.read_text(encoding="utf-8")
        return load(twin, log.read_bytes(), log.name, text, str(mapping))
    left, right = st.columns(2)
    f = left.file_uploader(
        "Work-order log",
        type=list(LOG_TYPES),
        key="replay_log",
        max_upload_size=shared.MAX_UPLOAD_MB,
        help=f"CSV, Excel (.xlsx) or JSON, up to {shared.MAX_UPLOAD_MB} MB; read and never kept on "
        "the server.",
    )
    m = right.file_uploader(
        "Its mapping",
        type=list(shared.SCENARIO_TYPES),
        key="replay_map",
        max_upload_size=1,
        help="YAML naming the log's columns and codes (see scenarios/history/"
        "estate_workorders.map.yaml); its scenario: may name a shipped scenario only.",
    )
    if f is None or m is None:
        st.info("Upload the log and its mapping, or choose the shipped sample.")
        return None
    if f.size > shared.MAX_UPLOAD_MB * 1024 * 1024:
        st.error(f"{f.name}: more than the {shared.MAX_UPLOAD_MB} MB an upload may have")
        return None
    if problem := shared.scenario_upload_problem(m):
        st.error(problem.replace("scenario", "mapping"))
        return None
    try:
        text = shared.uploaded_yaml(m, "the mapping")
    except TwinError as exc:
        st.error(str(exc))
        return None
    from twin.scenario import scenarios_dir

    # Read as if it sat beside the sample: its scenario: resolves among the shipped scenarios.
    return load(
        twin, f.getvalue(), safe_name(f.name), text, str(scenarios_dir() / "history" / safe_name(m.name))
    )


def load(twin: Twin, data: bytes, name: str, mapping_text: str, mapping_source: str) -> Imported | None:
    key = hashlib.sha256(data + mapping_text.encode() + twin.cache_key.encode()).hexdigest()[:16]
    try:
        with st.spinner(f"Reading {name} and rebuilding it on {twin.model.name}…"):
            return _imported(key, data, name, mapping_text, mapping_source, twin)
    except TwinError as exc:
        st.error(str(exc))
        return None


@st.cache_resource(show_spinner=False, max_entries=4)
def _imported(
    key: str, data: bytes, name: str, mapping_text: str, mapping_source: str, _twin: Twin
) -> Imported:
    from twin.history import HistoryError, parse_mapping, read_history
    from twin.history.reconstruct import replay_history
    from twin.kpi import compute_kpis
    from twin.scenario.load import shipped_data_dirs

    mapping = parse_mapping(mapping_text, source=Path(mapping_source))
    scenario_path = mapping.scenario_path()
    if scenario_path is not None:
        inside = [d.resolve() for d in shipped_data_dirs()]
        if not any(scenario_path.resolve().is_relative_to(d) for d in inside):
            raise HistoryError(
                f"{Path(mapping_source).name}: scenario: {mapping.mapping.scenario} is not a shipped "
                "scenario; the app reads only those (e.g. ../estate_roster.yaml) — use `twin replay` "
                "for your own"
            )
    with tempfile.TemporaryDirectory(prefix="drilltwin-replay-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            history = read_history(path, mapping, twin=_twin)
        except TwinError as exc:  # name the upload, not the folder it passed through
            raise type(exc)(str(exc).replace(str(path), name)) from None
    rec = replay_history(history, twin=_twin)
    return Imported(key, history, rec, compute_kpis(rec.log, rec.scenario))


def summary(imp: Imported) -> None:
    st.subheader("Import")
    s = imp.history.summary
    rejected = sum(s.rejected.values())
    a, b, c = st.columns(3)
    a.metric("Rows read", f"{s.read:,}")
    b.metric("Used", f"{s.used:,}")
    c.metric("Rejected", f"{rejected:,}", help="Every row is used or listed below with why.")
    st.markdown("\n".join(f"- {line.strip()}" for line in s.lines()[1:]) or "Every row was used.")
    if rejected:
        with st.expander(f"Rejected rows ({rejected:,})", expanded=rejected <= 10):
            st.dataframe(imp.history.rejected, hide_index=True, key="replay_rejected")


def kpis(imp: Imported) -> None:
    from twin.present.scorecard import priority_figures

    rec, k = imp.rec, imp.kpis
    s = rec.scenario
    st.subheader("Against the targets")
    st.caption(
        f"{plural(len(k.incidents), 'incident')} over {s.duration_h / 24:g} days from "
        f"{s.start:%d %b %Y}, measured from each report as the log times it."
    )
    figures = priority_figures(k, s)
    for col, f in zip(st.columns(max(len(figures), 1)), figures, strict=False):
        col.metric(
            f"{f.priority.capitalize()}: on site within {f.target_min:g} min",
            f"{f.on_site_compliance:.0%}",
            help=f"{plural(f.incidents, 'incident')}; mean {f.mean_min:.1f} min, p90 {f.p90_min:.1f} min",
        )
    travel = rec.travel.dropna(subset=["twin_walk_min", "log_travel_min"])
    fast = travel[travel["faster_than_walk"]]
    gap = round(float((travel["log_travel_min"] - travel["twin_walk_min"]).median()), 1) + 0.0  # no "-0.0"
    st.markdown(
        f"**Travel.** {plural(len(travel), 'dispatch', 'dispatches')} on the twin: the log's "
        f"dispatched → on site is {gap:+.1f} "
        f"min against the twin's walk (median); **{len(fast):,} faster than the walk** from where "
        "the log last places the person, by more than a minute (the import's flag above counts "
        "from their base)."
        if len(travel)
        else "**Travel.** No dispatch with a place on the twin and both times logged."
    )
    with st.expander("Incidents: the log's times, and the twin's walk"):
        table = k.incidents.copy()
        table.insert(1, "id", [rec.ids[i] for i in table["incident"]])
        walk = rec.travel.set_index("incident")
        for col in ("person", "came_from", "log_travel_min", "twin_walk_min", "faster_than_walk"):
            table[col] = walk[col].reindex(table["incident"]).to_numpy()
        st.dataframe(table.drop(columns=["incident"]), hide_index=True, key="replay_incidents")


@st.fragment
def one_day(imp: Imported) -> None:
    from twin.history.reconstruct import busiest_day, days_of
    from twin.history.reconstruct import one_day as day_of

    rec = imp.rec
    st.subheader("One day on the timeline and the plan")
    if rec.twin is None:
        st.info("The log's places are not on a twin (the mapping says has_twin: false): no plan replay.")
        return
    days = days_of(rec)
    labels = {
        int(r["day"]): f"{r['date']:%a %d %b %Y} — {plural(int(r['incidents']), 'incident')}"
        + (f", {int(r['red'])} red" if r["red"] else "")
        for r in days.to_dict("records")
    }
    order = list(labels)
    day = st.selectbox(
        "Day",
        order,
        index=order.index(busiest_day(rec)),
        format_func=labels.__getitem__,
        key=f"replay_day_{imp.key}",
        help="It opens on the day with the most red incidents.",
    )
    log, scenario = day_of(rec, int(day))
    run = Day(f"{imp.key}-day{day}", rec.twin, log.frame, scenario)
    fig = shared.timeline_figure(run.id, run.frame, run.scenario)
    if fig is not None:
        st.plotly_chart(fig, key="replay_timeline", theme=None, config={"displaylogo": False})
        st.caption(
            "Each bar is one person on one work order: light from dispatched to on site, solid the "
            "work until it was done — the log's times. Dotted lines mark the reports."
        )
    from twin.present.replay import default_storey, storey_label, storey_overview

    rp = shared.replay(run.id, run)
    overview = storey_overview(rec.twin, rp)
    storeys = {int(r["storey"]): storey_label(r) for r in overview.to_dict("records")}
    storey = st.selectbox(
        "Storey",
        list(storeys),
        index=default_storey(overview),
        format_func=storeys.__getitem__,
        key=f"replay_storey_{run.id}",
    )
    st.plotly_chart(
        shared.replay_figure(run.id, storey, None, "", run),
        key="replay_plan",
        theme=None,
        config={"displaylogo": False, "scrollZoom": True},
    )
    st.caption(
        "The day on the plan: stars are work orders, dots people walking the twin's route from where "
        "they were to arrive when the log has them on site. **▶ Play** runs the day."
    )


def what_if(imp: Imported) -> None:
    from twin.history.whatif import check_what_if, parse_what_if

    st.subheader("What if")
    st.caption(
        "Each change re-runs the log's incidents through the engine — same report times, places, "
        "kinds and on-site work — first as recorded, then changed. Changes are written as a "
        "staffing sweep's variants (dispatch, staff, add, remove, train, contractors), plus "
        "`lifts: working | stopped` and `reported_via: <channel>`."
    )
    if imp.rec.twin is None:
        st.info("A what-if walks people through the building: it needs the log's places on a twin.")
        return
    st.session_state.setdefault(
        WHAT_IF, "what_if:\n  - name: nearest qualified\n    dispatch: {kind: nearest}\n"
    )
    st.text_area("What-if YAML", key=WHAT_IF, height=260)
    try:
        loaded = parse_what_if(st.session_state[WHAT_IF])
        check_what_if(loaded, imp.rec.scenario, twin=imp.rec.twin)
    except TwinError as exc:
        st.error(str(exc))
        return
    if st.button("Run the what-if", type="primary", icon=":material/play_arrow:", key="replay_run"):
        st.session_state[RESULT] = (imp.key, st.session_state[WHAT_IF], run_what_if(imp, loaded))
    done = st.session_state.get(RESULT)
    if done is None or done[0] != imp.key:
        return
    if done[1] != st.session_state[WHAT_IF]:
        st.caption("The YAML has changed since: run it again to see the change.")
    show_what_if(imp, done[2])


def run_what_if(imp: Imported, loaded: Any) -> Any:
    from twin.history.whatif import what_if as run

    spec = loaded.spec
    bar = st.progress(0.0, "Re-running the log…")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), message)

    try:
        return run(
            imp.rec,
            spec.what_if,
            as_logged=spec.as_logged,
            seed=spec.seed,
            trace_moves=False,
            progress=progress,
        )
    finally:
        bar.empty()


def show_what_if(imp: Imported, result: Any) -> None:
    from twin.history.whatif import AS_RECORDED, LOGGED, metric, side_by_side

    table = side_by_side(result)
    shown = pd.DataFrame(
        {
            name: [
                (m.shown(v) if (m := metric(str(k))) else v)
                for k, v in zip(table.index, table[name], strict=True)
            ]
            for name in table.columns
        },
        index=[
            (f"{m.label} ({m.unit})" if m.unit else m.label) if (m := metric(str(k))) else str(k)
            for k in table.index
        ],
    ).round(1)
    st.markdown("**KPIs side by side** — the log's over the incidents re-run, then each run")
    st.dataframe(shown, key="replay_kpis")
    pairs = result.pairs
    runs = [r.name for r in result.runs]
    changed = st.selectbox(
        "Incident by incident", [n for n in runs if n != AS_RECORDED] or runs, key="replay_pair"
    )
    against = next(r.against for r in result.runs if r.name == changed)
    base = f"{against}: on site min"
    view = pd.DataFrame(
        {
            "id": pairs["id"],
            "priority": pairs["priority"],
            "title": pairs["title"],
            "logged": pairs[f"{LOGGED}: on site min"].round(1),
            "who (logged)": pairs[f"{LOGGED}: who"],
            **({} if against == LOGGED else {against: pairs[base].round(1)}),
            changed: pairs[f"{changed}: on site min"].round(1),
            f"who ({changed})": pairs[f"{changed}: who"],
            "change (min)": (pairs[f"{changed}: on site min"] - pairs[base]).round(1),
        }
    )
    view = view.reindex(view["change (min)"].abs().sort_values(ascending=False, kind="stable").index)
    st.dataframe(view, hide_index=True, key="replay_pairs")
    sooner = int((view["change (min)"] < -0.05).sum())
    later = int((view["change (min)"] > 0.05).sum())
    st.caption(
        f"Minutes from the logged report to the first person on site (below 0: before it — another "
        f"channel knew sooner). Against “{against}”, **{changed}** has someone on site "
        f"sooner at {sooner:,} incidents and later at {later:,}; largest changes first."
        + (
            f" {len(result.left_out):,} incidents are not re-run (not on the twin)."
            if result.left_out
            else ""
        )
    )


if (current := shared.current_twin()) is not None:
    show(current)
