"""Compare: two runs side by side — the same drill with another roster, policy or seed, or two run
folders saved earlier — their scorecards, headline figures, response times and timelines."""

from __future__ import annotations

from typing import Any

import shared
import streamlit as st

from twin.clock import minute_of_day
from twin.errors import TwinError
from twin.present.compare import response_figure, side_by_side
from twin.present.scorecard import LEGEND
from twin.twin import Twin

SIDES = ("A", "B")
FRESH = "Run a shipped scenario"
SAVED = "A saved run folder (runs/)"
DRILL = "The Drill page's last run"
PAIR = "compare_pair"


def show(twin: Twin) -> None:
    st.title("Compare two runs")
    st.caption(
        "Set two runs side by side: the same drill with another roster (start it when another shift "
        "is on), another dispatch policy or another seed — or run folders saved earlier by "
        "`twin run` or the Drill page. Each side starts as its scenario is written; set another "
        "start time under “Change roster time, policy, seed…” to meet the same hazard with the "
        "shift on duty then."
    )
    picks: dict[str, Any] = {}
    for side, col in zip(SIDES, st.columns(2, gap="large"), strict=True):
        with col:
            st.subheader(f"Run {side}")
            picks[side] = pick(side, twin)
    ready = all(p is not None for p in picks.values())
    if st.button(
        "Compare",
        type="primary",
        icon=":material/compare_arrows:",
        key="compare_button",
        disabled=not ready,
        help=None if ready else "Fix what is listed above first.",
    ):
        outcomes = [resolve(side, picks[side], twin) for side in SIDES]
        if all(o is not None for o in outcomes):
            st.session_state[PAIR] = tuple(outcomes)
    pair = st.session_state.get(PAIR)
    if pair is not None:
        compare(*pair)


def pick(side: str, twin: Twin) -> Any:
    """One side's choice: ``("fresh", name, text, prefix, scenario)``, ``("saved", name, path)`` or
    ``("drill",)``; ``None`` (after saying why) when it cannot be used."""
    modes = [FRESH, SAVED] + ([DRILL] if st.session_state.get("drill_run") is not None else [])
    mode = st.radio("Source", modes, key=f"cmp_{side}_mode", horizontal=True, label_visibility="collapsed")
    if mode == DRILL:
        run: shared.DrillRun = st.session_state["drill_run"]
        st.caption(f"{run.label}, from {run.source}.")
        return ("drill",)
    if mode == SAVED:
        runs = shared.saved_runs()
        if not runs:
            st.info(
                "No run folders in runs/ yet: `twin run` writes them, and so does the Drill page's "
                "“Save in runs/” button."
            )
            return None
        name = st.selectbox("Run folder", list(runs), key=f"cmp_{side}_saved")
        return ("saved", name, runs[name])
    from twin.scenario import parse_scenario

    shipped = shared.shipped_scenarios()
    name = st.selectbox("Scenario", list(shipped), key=f"cmp_{side}_scenario")
    text = shipped[name].read_text(encoding="utf-8")
    scenario = parse_scenario(text, source=shipped[name]).scenario
    prefix = f"cmp_{side}_{name}_"
    with st.expander("Change roster time, policy, seed…", expanded=side == "B"):
        shared.field_widgets(scenario, prefix)
    return ("fresh", name, text, prefix, scenario)


def resolve(side: str, choice: Any, twin: Twin) -> shared.Outcome | None:
    """Run or read one side's choice (errors shown on the page)."""
    if choice[0] == "drill":
        return shared.outcome_of(st.session_state["drill_run"])
    if choice[0] == "saved":
        _, name, path = choice
        try:
            return shared.read_outcome(str(path), (path / "metadata.json").stat().st_mtime, name)
        except (TwinError, OSError) as exc:
            st.error(f"Run {side}: {exc}")
            return None
    from twin.scenario.edit import set_fields

    _, name, text, prefix, scenario = choice
    text = set_fields(text, shared.field_changes(scenario, prefix))
    check = shared.check_scenario(twin, text, name)
    if check.errors:
        for line in check.errors:
            st.error(f"Run {side}: {line}")
        return None
    return shared.outcome_of(shared.run_drill(twin, check, text, name, label=f"Running {side}"))


def describe(o: shared.Outcome) -> str:
    s = o.scenario
    on = [p for p in s.people if not p.on_call and s.shifts[p.shift].on_duty(minute_of_day(s.start))]
    return (
        f"{s.start:%a %d %b %Y %H:%M}, {s.duration_h:g} h, seed {o.seed}, dispatch “{s.dispatch.kind}”; "
        f"{len(on)} of {len(s.people)} staff on site at the start ({', '.join(p.id for p in on)}); "
        f"from {o.where}"
    )


def compare(a: shared.Outcome, b: shared.Outcome) -> None:
    st.divider()
    st.header("Scorecards")
    st.caption(" ".join(LEGEND).capitalize() + ".")
    # One above the other at full width: side by side, the made-safe and resolved columns were cut.
    for side, o in zip(SIDES, (a, b), strict=True):
        st.markdown(f"**{side}: {o.label}**")
        st.caption(describe(o))
        table = shared.scorecard_table(o.kpis)
        if table.empty:
            st.info("No incident happened.")
        else:
            st.table(table.set_index("#"))

    st.subheader("Side by side")
    table = side_by_side({"A": a.kpis, "B": b.kpis})
    table = table.rename(columns={"label": "figure", "change": "B − A", "better_run": "better"})
    st.dataframe(
        table.drop(columns=["metric", "help"]),
        hide_index=True,
        key="cmp_table",
        height=35 * (len(table) + 1) + 3,
        column_config={c: st.column_config.NumberColumn(format="%.1f") for c in ("A", "B", "B − A")},
    )

    st.subheader("Response times")
    st.caption(
        "Every incident is a dot (colour: its priority); the box spans the middle half of them, "
        "the line inside is the median. Dashed lines are the on-site targets."
    )
    fig = response_figure(
        {f"A: {a.label}": a.kpis, f"B: {b.label}": b.kpis}, {"A": a.scenario, "B": b.scenario}
    )
    st.plotly_chart(fig, key="cmp_response", theme=None, config={"displaylogo": False})

    st.subheader("Timelines")
    st.caption(
        "Each bar is one person on one task, coloured by incident: light while on the way, solid "
        "while working on site."
    )
    for side, o in zip(SIDES, (a, b), strict=True):
        st.markdown(f"**{side}: {o.label}**")
        fig = shared.timeline_figure(o.id, o.frame, o.scenario)
        if fig is None:
            st.info("Nobody was sent anywhere.")
        else:
            st.plotly_chart(fig, key=f"cmp_timeline_{side}", theme=None, config={"displaylogo": False})


if (current := shared.current_twin()) is not None:
    show(current)
