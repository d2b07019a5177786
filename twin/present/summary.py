"""A twin in numbers: the summary ``twin inspect`` prints and the app shows, as plain data."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from twin.navgraph import NodeKind
from twin.roles import is_household
from twin.twin import Twin
from twin.words import plural


def summarize(twin: Twin) -> dict[str, Any]:
    """The JSON object of ``twin inspect --json`` (a contract other tools rely on)."""
    model, graph, audit = twin.model, twin.graph, twin.audit
    spaces_per_storey = Counter(sp.storey for sp in model.spaces)
    return {
        "model": model.name,
        "schema": model.schema,
        "units": model.length_units,
        "sources": [
            {
                "file": s.name,
                "schema": s.schema,
                "units": s.length_unit,
                "metres_per_unit": s.metres_per_unit,
                "sha256": s.sha256,
            }
            for s in model.sources
        ],
        "storeys": [
            {"name": st.name, "elevation_m": round(st.elevation_m, 4), "spaces": spaces_per_storey.get(i, 0)}
            for i, st in enumerate(model.storeys)
        ],
        "spaces": [
            {
                "id": sp.id,
                "name": sp.name,
                "long_name": sp.long_name,
                "storey": model.storeys[sp.storey].name,
                "centroid": [round(c, 3) for c in sp.anchor()],
                "area_m2": round(sp.area_m2, 3),
                "reachable": bool(audit.reachable[i]),
            }
            for i, sp in enumerate(model.spaces)
        ],
        "counts": {
            "spaces": len(model.spaces),
            "doors": len(model.doors),
            "stairs": len(model.stairs),
            "lifts": len(model.lifts),
            "entrances": int(graph.entrances.size),
            "equipment": len(model.equipment),
            "households": sum(is_household(sp) for sp in model.spaces),
        },
        "equipment": dict(sorted(Counter(e.ifc_class for e in model.equipment).items())),
        "systems": [{"name": s.name, "kind": s.kind, "elements": len(s.members)} for s in model.systems],
        "port_links": len(model.port_links),
        "graph": {
            "nodes": graph.n_nodes,
            "edges": graph.n_edges,
            "assumed_edges": int(np.count_nonzero(graph.edge_assumed)),
        },
        "reachability": {
            "reachable_spaces": audit.reachable_spaces,
            "total_spaces": audit.total_spaces,
            "rule": audit.rule,
            "per_storey": [
                {"storey": model.storeys[p.storey].name, "reachable": p.reachable, "total": p.total}
                for p in audit.per_storey
                if p.total
            ],
            "unreachable": [
                {
                    "id": model.spaces[u.space].id,
                    "name": model.spaces[u.space].label,
                    "storey": model.storeys[model.spaces[u.space].storey].name,
                    "reason": u.reason,
                }
                for u in audit.unreachable
            ],
        },
        "walls": {
            "storeys_with_walls": len({w.storey for w in model.walls}),
            "links_through_walls": int(audit.wall_crossings.size),
            "assumed_links_through_walls": audit.assumed_wall_crossings,
        },
        "lifts": [
            {
                "name": lf.name,
                "id": lf.id,
                "found_as": lf.ifc_class,
                "stops": [model.storeys[s].name for s in lf.storeys],
            }
            for lf in model.lifts
        ],
        "stairs": [
            {
                "name": st.name,
                "id": st.id,
                "kind": st.kind,
                "storeys": [model.storeys[s].name for s in st.storeys],
            }
            for st in model.stairs
        ],
        "entrances": [
            {
                "name": model.doors[int(graph.node_ref[n])].name,
                "id": model.doors[int(graph.node_ref[n])].id,
                "storey": model.storeys[int(graph.node_storey[n])].name,
            }
            for n in graph.entrances
            if graph.node_kind[n] == NodeKind.DOOR
        ],
        "mep": mep_summary(twin),
        "notes": list(audit.notes),
    }


#: Names listed per board or valve in ``twin inspect``'s text.
LISTED_FED = 4


def mep_summary(twin: Twin) -> dict[str, Any]:
    """Roles found, how the equipment is connected, what each board feeds and each isolation
    valve shuts (items downstream, their roles)."""
    from twin.engine.plant import build_plant

    model = twin.model
    plant = build_plant(model, twin.graph)
    n = len(model.equipment)
    roles = Counter(plant.role[:n])
    has_ports = bool(len(model.port_links))

    def reach(item: int, medium: str) -> dict[str, Any]:
        down = sorted(plant.downstream([item], medium) - {item})
        e = model.equipment[item]
        return {
            "name": e.name or e.id,
            "id": e.id,
            "storey": model.storeys[e.storey].name,
            "type": e.type_name or e.predefined_type,
            "downstream": len(down),
            "downstream_roles": dict(sorted(Counter(plant.role[i] for i in down).items())),
            "first": [plant.name[i] for i in down[:LISTED_FED]],
        }

    boards = [reach(i, "power") for i in plant.items("board") if i < n]
    valves = [reach(i, "water") for i in plant.items("valve") if i < n]
    if not n:
        topology = "no MEP elements"
    elif not has_ports:
        topology = (
            "none: no ports connect the equipment and no circuit groups a board, so a "
            "burst finds no upstream valve and a board feeds nothing; add links under "
            "the scenario's overlay"
        )
    else:
        topology = f"{len(model.port_links)} connections (ports, or a board to its circuits)"
    return {
        "roles": dict(sorted(roles.items())),
        "topology": topology,
        "boards": boards,
        "isolation_valves": valves,
    }


def format_summary(summary: dict[str, Any]) -> str:
    """The readable form of :func:`summarize` for a terminal."""
    s = summary
    c = s["counts"]
    r = s["reachability"]
    lines = [f"{s['model']}  ({s['schema']}, lengths in {s['units']}, model in metres)", ""]
    lines.append(f"Storeys ({len(s['storeys'])}), lowest first:")
    for st in s["storeys"]:
        lines.append(f"  {st['name']:<28} {st['elevation_m']:>9.2f} m  {plural(st['spaces'], 'space'):>12}")
    lines.append("")
    lines.append(
        f"Spaces {c['spaces']} · doors {c['doors']} · stairs/ramps {c['stairs']} · "
        f"lifts {c['lifts']} · entrances {c['entrances']}"
        + (f" · households {c['households']}" if c["households"] else "")
    )
    if s["equipment"]:
        lines.append("Equipment: " + ", ".join(f"{k} {v}" for k, v in s["equipment"].items()))
    if s["systems"]:
        lines.append(
            "Systems: "
            + ", ".join(f"{x['name']} ({x['kind'] or 'no type'}, {x['elements']})" for x in s["systems"])
        )
        lines.append(f"Port connections: {s['port_links']}")
    g = s["graph"]
    lines.append(
        f"Navigation graph: {g['nodes']} nodes, {g['edges']} edges"
        + (f" ({g['assumed_edges']} assumed)" if g["assumed_edges"] else "")
    )
    w = s.get("walls", {})
    if w:
        lines.append(
            f"Walk links through walls: {w['links_through_walls']}"
            + (
                f" (+{w['assumed_links_through_walls']} assumed, the model has no doors)"
                if w["assumed_links_through_walls"]
                else ""
            )
            + ("" if w["storeys_with_walls"] else " (no wall plans read)")
        )
    lines.append("")
    lines.append(f"Entrances ({len(s['entrances'])}):")
    lines.extend(f"  {e['name']} ({e['storey']})" for e in s["entrances"])
    if not s["entrances"]:
        lines.append("  none found — declare one in the scenario (entrances:)")
    lines.append(f"Lifts ({len(s['lifts'])}):")
    lines.extend(f"  {x['name']} [{x['found_as']}] stops: {', '.join(x['stops'])}" for x in s["lifts"])
    lines.append(f"Stairs and ramps ({len(s['stairs'])}):")
    lines.extend(f"  {x['name']} ({x['kind']}): {', '.join(x['storeys'])}" for x in s["stairs"])
    m = s.get("mep")
    if m:
        lines.append("")
        lines.append("MEP roles: " + (", ".join(f"{k} {v}" for k, v in m["roles"].items()) or "none"))
        lines.append(f"MEP topology: {m['topology']}")
        for label, rows, verb in (
            ("Boards", m["boards"], "feeds"),
            ("Isolation valves", m["isolation_valves"], "shuts"),
        ):
            if not rows:
                continue
            lines.append(f"{label} ({len(rows)}):")
            for row in rows[:25]:
                what = ", ".join(f"{v} {k}" for k, v in row["downstream_roles"].items()) or "nothing"
                lines.append(f"  {row['name']} ({row['storey']}) {verb} {row['downstream']}: {what}")
            if len(rows) > 25:
                lines.append(f"  … and {len(rows) - 25} more (see --json)")
    lines.append("")
    pct = 100 * r["reachable_spaces"] / r["total_spaces"] if r["total_spaces"] else 0.0
    lines.append(
        f"Reachable: {r['reachable_spaces']} of {r['total_spaces']} spaces ({pct:.1f} %), {r['rule']}"
    )
    for p in r["per_storey"]:
        if p["reachable"] < p["total"]:
            lines.append(f"  {p['storey']}: {p['reachable']} of {p['total']}")
    for u in r["unreachable"][:25]:
        lines.append(f"  ✗ {u['name']} ({u['storey']}): {u['reason']}")
    if len(r["unreachable"]) > 25:
        lines.append(f"  … and {len(r['unreachable']) - 25} more (see --json)")
    if s["notes"]:
        lines.append("")
        lines.append("Notes:")
        lines.extend(f"  - {n}" for n in s["notes"])
    return "\n".join(lines)


def building_tables(twin: Twin) -> dict[str, Any]:
    """The twin as tables a person can sort and filter (pandas DataFrames), one per kind of
    thing: ``storeys``, ``spaces``, ``lifts``, ``stairs``, ``equipment``, ``systems`` and
    ``unreachable`` (each unreachable space with the reason). Lengths in metres, areas in m²."""
    import pandas as pd

    model, audit = twin.model, twin.audit
    storey = [s.name for s in model.storeys]

    def storey_name(i: int) -> str:
        return storey[i] if 0 <= i < len(storey) else ""

    def span(storeys: tuple[int, ...]) -> tuple[str, str]:
        return (storey_name(min(storeys)), storey_name(max(storeys))) if storeys else ("", "")

    space_storey = np.array([sp.storey for sp in model.spaces], dtype=int)
    households = np.array([is_household(sp) for sp in model.spaces], bool)
    tables = {
        "storeys": pd.DataFrame(
            {
                "storey": storey,
                "elevation (m)": [round(s.elevation_m, 3) for s in model.storeys],
                "spaces": [int(np.count_nonzero(space_storey == i)) for i in range(len(storey))],
                "reachable": [p.reachable for p in audit.per_storey],
                "households": [
                    int(np.count_nonzero(households & (space_storey == i))) for i in range(len(storey))
                ],
            }
        ),
        "spaces": pd.DataFrame(
            {
                "name": [sp.name for sp in model.spaces],
                "long name": [sp.long_name for sp in model.spaces],
                "type": [sp.object_type for sp in model.spaces],
                "storey": [storey_name(sp.storey) for sp in model.spaces],
                "area (m²)": [round(sp.area_m2, 2) for sp in model.spaces],
                "height (m)": [round(sp.height_m, 2) for sp in model.spaces],
                "reachable": [bool(r) for r in audit.reachable],
                "GlobalId": [sp.id for sp in model.spaces],
            }
        ),
        "lifts": pd.DataFrame(
            {
                "name": [lf.name for lf in model.lifts],
                "found as": [lf.ifc_class for lf in model.lifts],
                "lowest stop": [span(lf.storeys)[0] for lf in model.lifts],
                "highest stop": [span(lf.storeys)[1] for lf in model.lifts],
                "stops": [len(lf.storeys) for lf in model.lifts],
                "GlobalId": [lf.id for lf in model.lifts],
            }
        ),
        "stairs": pd.DataFrame(
            {
                "name": [s.name for s in model.stairs],
                "kind": [s.kind for s in model.stairs],
                "from storey": [span(s.storeys)[0] for s in model.stairs],
                "to storey": [span(s.storeys)[1] for s in model.stairs],
                "rise (m)": [round(s.z_max_m - s.z_min_m, 2) for s in model.stairs],
                "GlobalId": [s.id for s in model.stairs],
            }
        ),
        "equipment": pd.DataFrame(
            {
                "name": [e.name for e in model.equipment],
                "IFC class": [e.ifc_class for e in model.equipment],
                "type": [e.predefined_type for e in model.equipment],
                "storey": [storey_name(e.storey) for e in model.equipment],
                "in space": [
                    model.spaces[e.space].label if 0 <= e.space < len(model.spaces) else ""
                    for e in model.equipment
                ],
                "systems": [", ".join(model.systems[s].name for s in e.systems) for e in model.equipment],
                "x (m)": [round(e.xyz[0], 2) for e in model.equipment],
                "y (m)": [round(e.xyz[1], 2) for e in model.equipment],
                "z (m)": [round(e.xyz[2], 2) for e in model.equipment],
                "GlobalId": [e.id for e in model.equipment],
            }
        ),
        "systems": pd.DataFrame(
            {
                "name": [s.name for s in model.systems],
                "kind": [s.kind for s in model.systems],
                "IFC class": [s.ifc_class for s in model.systems],
                "elements": [len(s.members) for s in model.systems],
                "GlobalId": [s.id for s in model.systems],
            }
        ),
        "unreachable": pd.DataFrame(
            {
                "space": [model.spaces[u.space].label for u in audit.unreachable],
                "storey": [storey_name(model.spaces[u.space].storey) for u in audit.unreachable],
                "reason": [u.reason for u in audit.unreachable],
                "GlobalId": [model.spaces[u.space].id for u in audit.unreachable],
            }
        ),
    }
    return tables
