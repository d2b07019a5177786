"""Building: what DrillTwin made of the model — storeys, spaces, lifts, stairs, equipment, systems;
a plan per storey with the navigation graph; the building in 3D; what cannot be reached, and why."""

from __future__ import annotations

from typing import Any

import numpy as np
import shared
import streamlit as st

from twin.present.summary import summarize
from twin.twin import Twin


def show(twin: Twin) -> None:
    summary = summarize(twin)
    tables = shared.tables(twin.cache_key, twin)
    overview(twin, summary)
    reachability(twin, summary, tables)
    storey = plan(twin)
    view_3d(twin, storey)
    model_tables(summary, tables)


def overview(twin: Twin, summary: dict[str, Any]) -> None:
    counts = summary["counts"]
    st.title(f"Building: {twin.model.name}")
    source = "read from the cache" if twin.from_cache else "built from the IFC file(s)"
    st.caption(
        f"{summary['schema']}, lengths in the file in {summary['units']}, shown in metres · "
        f"twin {source} in {st.session_state.get('twin_load_s', 0.0):.2f} s · "
        f"navigation graph: {summary['graph']['nodes']:,} nodes, {summary['graph']['edges']:,} edges"
    )
    figures = (
        ("Storeys", len(twin.model.storeys)),
        ("Spaces", counts["spaces"]),
        ("Households", counts["households"]),
        ("Doors", counts["doors"]),
        ("Stairs and ramps", counts["stairs"]),
        ("Lifts", counts["lifts"]),
        ("Equipment", counts["equipment"]),
        ("Entrances", counts["entrances"]),
    )
    for col, (label, value) in zip(st.columns(len(figures)), figures, strict=True):
        col.metric(label, f"{value:,}")


def reachability(twin: Twin, summary: dict[str, Any], tables: dict[str, Any]) -> None:
    st.header("Can every space be reached?")
    reach = summary["reachability"]
    total = reach["total_spaces"]
    share = 100 * reach["reachable_spaces"] / total if total else 0.0
    verdict = (
        f"**{reach['reachable_spaces']:,} of {total:,} spaces** ({share:.1f} %) can be "
        f"reached {reach['rule']}, through doors, open boundaries, stairs and lifts."
    )
    if twin.audit.unreachable:
        st.warning(
            f"{verdict} {len(twin.audit.unreachable):,} cannot: they are listed here with "
            "the reason, and drawn red on the plan and in 3D."
        )
        st.dataframe(tables["unreachable"], hide_index=True)
    else:
        st.success(verdict)
    if twin.audit.notes:
        with st.expander(f"Notes from reading the model ({len(twin.audit.notes)})"):
            st.markdown("\n".join(f"- {n}" for n in twin.audit.notes))


def plan(twin: Twin) -> int:
    """The storey selector and that storey's plan; returns the chosen storey."""
    model, audit, graph = twin.model, twin.audit, twin.graph
    space_storey = np.array([sp.storey for sp in model.spaces], dtype=int)
    unreachable = np.bincount(space_storey[~audit.reachable], minlength=len(model.storeys))
    spaces = np.bincount(space_storey, minlength=len(model.storeys))

    # Open on the first storey with an unreachable space, else the one with the entrances.
    if unreachable.any():
        first = int(np.flatnonzero(unreachable)[0])
    elif graph.entrances.size:
        first = int(np.bincount(graph.node_storey[graph.entrances]).argmax())
    else:
        first = 0

    def label(i: int) -> str:
        s = model.storeys[i]
        bad = f", {unreachable[i]} unreachable" if unreachable[i] else ""
        return f"{s.name} ({s.elevation_m:+.2f} m, {spaces[i]} spaces{bad})"

    st.header("Plan of a storey")
    left, right = st.columns([1, 2])
    storey = left.selectbox(
        "Storey",
        range(len(model.storeys)),
        index=first,
        format_func=label,
        key="storey",
        help="Storeys with unreachable spaces say so; they are red.",
    )
    parts = shared.plan_parts(twin.cache_key, storey, twin)
    view, view_name = None, ""
    if len(parts) > 1:
        # A wide storey (towers apart) is readable part by part; the largest part first.
        choice = right.radio(
            "Show",
            range(len(parts) + 1),
            horizontal=True,
            key=f"plan_part_{len(parts)}",
            index=1 + max(range(len(parts)), key=lambda k: parts[k].spaces),
            format_func=lambda k: "the whole storey" if k == 0 else parts[k - 1].label,
            help="Parts of the storey that stand apart (towers, wings), named by what their "
            "spaces' names share.",
        )
        if choice:
            view, view_name = parts[choice - 1].bounds, parts[choice - 1].label
    st.plotly_chart(
        shared.plan_figure(twin.cache_key, storey, view, view_name, twin),
        key="plan",
        theme=None,
        config={"displaylogo": False, "scrollZoom": True},
    )
    return int(storey)


def view_3d(twin: Twin, storey: int) -> None:
    st.header("The building in 3D")
    st.caption(
        f"Storey {twin.model.storeys[storey].name} (chosen above) is dark blue. Drag to "
        "turn, scroll to zoom, hover for names; click a legend entry to hide it."
    )
    st.plotly_chart(
        shared.building_figure(twin.cache_key, storey, twin),
        key="view3d",
        theme=None,
        config={"displaylogo": False},
    )


def model_tables(summary: dict[str, Any], tables: dict[str, Any]) -> None:
    st.header("What is in the model")
    names = {
        "storeys": "Storeys",
        "spaces": "Spaces",
        "lifts": "Lifts",
        "stairs": "Stairs and ramps",
        "equipment": "Equipment",
        "systems": "Systems",
    }
    tabs = st.tabs([f"{title} ({len(tables[name]):,})" for name, title in names.items()])
    for tab, (name, title) in zip(tabs, names.items(), strict=True):
        with tab:
            if tables[name].empty:
                st.info(f"No {title.lower()} in this model.")
            else:
                st.dataframe(tables[name], hide_index=True)
    if summary["systems"]:
        st.caption(f"{summary['port_links']:,} port connections join the equipment into its systems.")


if (current := shared.current_twin()) is not None:
    show(current)
