"""Export the navigation graph for networkx, igraph, Gephi or a spreadsheet.

Takes a :class:`~twin.navgraph.NavGraph` (and, for names, its
:class:`~twin.model.BuildingModel`), writes either GraphML or an edge-list CSV with node
coordinates, chosen by the file extension. Written with the standard library, so exporting needs
neither networkx nor igraph.

Edges are undirected, as in the graph; their seconds for one travel mode are given both ways,
``time_forward_s`` from ``source``/``u`` to ``target``/``v`` and ``time_backward_s`` back, with
``INF`` where the mode cannot pass (stairs for heavy loads). Read back with
``networkx.read_graphml(path, node_type=int)`` (a ``MultiGraph`` when rooms share two doors).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from twin.errors import TwinError
from twin.model import BuildingModel
from twin.navgraph import EdgeKind, NavGraph, NodeKind
from twin.travel import WALKING, TravelMode, edge_times_s

FORMATS = (".graphml", ".csv")


class ExportError(TwinError):
    """The graph cannot be written where or how the user asked."""


def export_graph(
    graph: NavGraph,
    path: str | Path,
    *,
    model: BuildingModel | None = None,
    mode: TravelMode = WALKING,
) -> Path:
    """Write ``graph`` to ``path`` as GraphML (``.graphml``) or an edge-list CSV (``.csv``).

    Parameters
    ----------
    graph
        The navigation graph.
    path
        Destination; its extension picks the format.
    model
        The building model, for place and storey names (left out when ``None``).
    mode
        The travel mode the edge times are given for.

    Returns
    -------
    Path
        The file written.
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(
            f"{out}: cannot tell the format from '{suffix or 'no extension'}'; name the file .graphml or .csv"
        )
    writer = write_graphml if suffix == ".graphml" else write_edge_csv
    try:
        with out.open("w", encoding="utf-8", newline="") as f:
            writer(graph, f, model=model, mode=mode)
    except OSError as exc:
        raise ExportError(f"{out}: cannot write ({exc.strerror}); check the folder exists") from None
    return out


def _names(graph: NavGraph, model: BuildingModel | None) -> tuple[list[str], list[str]] | None:
    if model is None:
        return None
    from twin.places import place_name, storey_name

    n = graph.n_nodes
    return (
        [place_name(model, graph, i) for i in range(n)],
        [storey_name(model, graph, i) for i in range(n)],
    )


def _num(x: float) -> str:
    if math.isinf(x):
        return "INF" if x > 0 else "-INF"
    return repr(float(x))


def write_graphml(
    graph: NavGraph,
    f: TextIO,
    *,
    model: BuildingModel | None = None,
    mode: TravelMode = WALKING,
) -> None:
    """Write GraphML to an open text stream (see :func:`export_graph`)."""
    names = _names(graph, model)
    fwd, rev = edge_times_s(graph, mode)
    assumed = graph.edge_assumed
    node_keys = [
        ("x", "double"),
        ("y", "double"),
        ("z", "double"),
        ("storey", "int"),
        ("kind", "string"),
        ("ref", "int"),
    ]
    if names is not None:
        node_keys += [("name", "string"), ("storey_name", "string")]
    edge_keys = [
        ("kind", "string"),
        ("length_m", "double"),
        ("rise_m", "double"),
        ("ref", "int"),
        ("time_forward_s", "double"),
        ("time_backward_s", "double"),
    ]
    edge_keys.append(("assumed", "boolean"))

    f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    f.write(
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    )
    for name, typ in node_keys:
        f.write(f'  <key id="n_{name}" for="node" attr.name="{name}" attr.type="{typ}"/>\n')
    for name, typ in edge_keys:
        f.write(f'  <key id="e_{name}" for="edge" attr.name="{name}" attr.type="{typ}"/>\n')
    f.write(f'  <graph id="navgraph" edgedefault="undirected" mode={quoteattr(mode.name)}>\n')

    kinds = [NodeKind(k).name for k in range(len(NodeKind))]
    xyz = graph.node_xyz.tolist()
    storey, kind, ref = (
        graph.node_storey.tolist(),
        graph.node_kind.tolist(),
        graph.node_ref.tolist(),
    )
    for i in range(graph.n_nodes):
        x, y, z = xyz[i]
        data = [
            ("x", _num(x)),
            ("y", _num(y)),
            ("z", _num(z)),
            ("storey", str(storey[i])),
            ("kind", kinds[kind[i]]),
            ("ref", str(ref[i])),
        ]
        if names is not None:
            data += [("name", names[0][i]), ("storey_name", names[1][i])]
        f.write(f'    <node id="{i}">{_data("n", data)}</node>\n')

    ekinds = [EdgeKind(k).name for k in range(len(EdgeKind))]
    cols = _edge_columns(graph, fwd, rev)
    for e, (u, v, k, length, rise, r, tf, tb) in enumerate(cols):
        data = [
            ("kind", ekinds[k]),
            ("length_m", _num(length)),
            ("rise_m", _num(rise)),
            ("ref", str(r)),
            ("time_forward_s", _num(tf)),
            ("time_backward_s", _num(tb)),
        ]
        data.append(("assumed", "true" if assumed[e] else "false"))
        f.write(f'    <edge id="e{e}" source="{u}" target="{v}">{_data("e", data)}</edge>\n')
    f.write("  </graph>\n</graphml>\n")


def _data(prefix: str, items: Iterable[tuple[str, str]]) -> str:
    return "".join(f'<data key="{prefix}_{k}">{escape(v)}</data>' for k, v in items)


def write_edge_csv(
    graph: NavGraph,
    f: TextIO,
    *,
    model: BuildingModel | None = None,
    mode: TravelMode = WALKING,
) -> None:
    """Write one row per edge, with both ends' coordinates (see :func:`export_graph`)."""
    names = _names(graph, model)
    fwd, rev = edge_times_s(graph, mode)
    header = [
        "edge",
        "u",
        "v",
        "kind",
        "length_m",
        "rise_m",
        "ref",
        "time_forward_s",
        "time_backward_s",
        "u_x",
        "u_y",
        "u_z",
        "u_storey",
        "u_kind",
        "v_x",
        "v_y",
        "v_z",
        "v_storey",
        "v_kind",
    ]
    if names is not None:
        header += ["u_name", "u_storey_name", "v_name", "v_storey_name"]
    w = csv.writer(f, lineterminator="\n")
    w.writerow(header)
    xyz = graph.node_xyz.tolist()
    storey = graph.node_storey.tolist()
    nkinds = [NodeKind(k).name for k in graph.node_kind.tolist()]
    ekinds = [EdgeKind(k).name for k in range(len(EdgeKind))]
    cols = _edge_columns(graph, fwd, rev)
    for e, (u, v, k, length, rise, r, tf, tb) in enumerate(cols):
        row: list[object] = [
            e,
            u,
            v,
            ekinds[k],
            _num(length),
            _num(rise),
            r,
            _num(tf),
            _num(tb),
            *map(_num, xyz[u]),
            storey[u],
            nkinds[u],
            *map(_num, xyz[v]),
            storey[v],
            nkinds[v],
        ]
        if names is not None:
            row += [names[0][u], names[1][u], names[0][v], names[1][v]]
        w.writerow(row)


def _edge_columns(graph: NavGraph, fwd: np.ndarray, rev: np.ndarray) -> Iterator[tuple[Any, ...]]:
    """Per edge: u, v, kind, length (m), rise (m), ref, seconds forwards, seconds backwards."""
    return zip(
        graph.edge_u.tolist(),
        graph.edge_v.tolist(),
        graph.edge_kind.tolist(),
        graph.edge_length_m.tolist(),
        graph.edge_rise_m.tolist(),
        graph.edge_ref.tolist(),
        fwd.tolist(),
        rev.tolist(),
        strict=True,
    )
