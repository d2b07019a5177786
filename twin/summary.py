"""A twin in numbers: the summary ``twin inspect`` prints and the app shows, as plain data."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from twin.twin import Twin

#: Spaces whose ObjectType is this are households (the default estate marks its flats so).
HOUSEHOLD_TYPE = "apartment"


def summarize(twin: Twin) -> dict[str, Any]:
    """The JSON object of ``twin inspect --json`` (a contract other tools rely on)."""
    model, graph, audit = twin.model, twin.graph, twin.audit
    spaces_per_storey = Counter(sp.storey for sp in model.spaces)
    return {
        "model": model.name,
        "schema": model.schema,
        "units": model.length_units,
        "sources": [
            {"file": s.name, "schema": s.schema, "units": s.length_unit,
             "metres_per_unit": s.metres_per_unit, "sha256": s.sha256}
            for s in model.sources
        ],
        "storeys": [
            {"name": st.name, "elevation_m": round(st.elevation_m, 4),
             "spaces": spaces_per_storey.get(i, 0)}
            for i, st in enumerate(model.storeys)
        ],
        "spaces": [
            {"id": sp.id, "name": sp.name, "long_name": sp.long_name,
             "storey": model.storeys[sp.storey].name,
             "centroid": [round(c, 3) for c in sp.anchor()],
             "area_m2": round(sp.area_m2, 3), "reachable": bool(audit.reachable[i])}
            for i, sp in enumerate(model.spaces)
        ],
        "counts": {
            "spaces": len(model.spaces),
            "doors": len(model.doors),
            "stairs": len(model.stairs),
            "lifts": len(model.lifts),
            "entrances": int(graph.entrances.size),
            "equipment": len(model.equipment),
            "households": sum(sp.object_type.lower() == HOUSEHOLD_TYPE for sp in model.spaces),
        },
        "equipment": dict(sorted(Counter(e.ifc_class for e in model.equipment).items())),
        "systems": [
            {"name": s.name, "kind": s.kind, "elements": len(s.members)} for s in model.systems
        ],
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
                {"storey": model.storeys[p.storey].name, "reachable": p.reachable,
                 "total": p.total}
                for p in audit.per_storey if p.total
            ],
            "unreachable": [
                {"id": model.spaces[u.space].id, "name": model.spaces[u.space].label,
                 "storey": model.storeys[model.spaces[u.space].storey].name, "reason": u.reason}
                for u in audit.unreachable
            ],
        },
        "notes": list(audit.notes),
    }


def format_summary(summary: dict[str, Any]) -> str:
    """The readable form of :func:`summarize` for a terminal."""
    s = summary
    c = s["counts"]
    r = s["reachability"]
    lines = [f"{s['model']}  ({s['schema']}, lengths in {s['units']}, model in metres)", ""]
    lines.append(f"Storeys ({len(s['storeys'])}), lowest first:")
    for st in s["storeys"]:
        lines.append(f"  {st['name']:<28} {st['elevation_m']:>9.2f} m  {st['spaces']:>5} spaces")
    lines.append("")
    lines.append(
        f"Spaces {c['spaces']} · doors {c['doors']} · stairs/ramps {c['stairs']} · "
        f"lifts {c['lifts']} · entrances {c['entrances']}"
        + (f" · households {c['households']}" if c["households"] else "")
    )
    if s["equipment"]:
        lines.append("Equipment: " + ", ".join(f"{k} {v}" for k, v in s["equipment"].items()))
    if s["systems"]:
        lines.append("Systems: " + ", ".join(
            f"{x['name']} ({x['kind'] or 'no type'}, {x['elements']})" for x in s["systems"]))
        lines.append(f"Port connections: {s['port_links']}")
    g = s["graph"]
    lines.append(f"Navigation graph: {g['nodes']} nodes, {g['edges']} edges"
                 + (f" ({g['assumed_edges']} assumed)" if g["assumed_edges"] else ""))
    lines.append("")
    pct = 100 * r["reachable_spaces"] / r["total_spaces"] if r["total_spaces"] else 0.0
    lines.append(f"Reachable: {r['reachable_spaces']} of {r['total_spaces']} spaces "
                 f"({pct:.1f} %), {r['rule']}")
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
