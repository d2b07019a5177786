"""The navigation graph written for networkx and spreadsheets, by file extension."""

from __future__ import annotations

import csv
import dataclasses

import networkx as nx
import numpy as np
import pytest

from twin.graph_export import ExportError, export_graph
from twin.synthetic import graph_from_edges, tower
from twin.travel import HEAVY, edge_times_s


def test_graphml_reads_back_in_networkx_with_coordinates_and_times(tmp_path):
    tw = tower(3, grid=(3, 2))
    out = export_graph(tw.graph, tmp_path / "tower.graphml", model=tw.model)
    g = nx.read_graphml(out, node_type=int)
    assert g.number_of_nodes() == tw.graph.n_nodes
    assert g.number_of_edges() == tw.graph.n_edges
    e = int(np.flatnonzero(tw.graph.edge_kind == 1)[0])  # a stair flight, 17.5 s up, 12.5 down
    u, v = int(tw.graph.edge_u[e]), int(tw.graph.edge_v[e])
    data = g.get_edge_data(u, v)
    assert data["kind"] == "STAIR"
    assert {data["time_forward_s"], data["time_backward_s"]} == {17.5, 12.5}
    assert g.nodes[u]["storey"] == tw.graph.node_storey[u]
    assert g.nodes[u]["z"] == tw.graph.node_xyz[u, 2]
    assert g.nodes[int(tw.graph.entrances[0])]["name"] == "Main entrance"


def test_graphml_keeps_parallel_edges_and_writes_inf_for_stairs_heavy_loads_cannot_take(tmp_path):
    g = graph_from_edges([(0, 0, 0), (0, 0, 3)], [(0, 1), (0, 1)], edge_kind=[0, 1])
    read = nx.read_graphml(export_graph(g, tmp_path / "g.graphml", mode=HEAVY), node_type=int)
    assert isinstance(read, nx.MultiGraph) and read.number_of_edges() == 2
    times = sorted(d["time_forward_s"] for _, _, d in read.edges(data=True))
    assert times[1] == np.inf


def test_names_with_markup_characters_are_escaped(tmp_path):
    tw = tower(1, rooms_per_storey=1)
    space = dataclasses.replace(tw.model.spaces[0], long_name='R&D <lab> "A"')
    model = dataclasses.replace(tw.model, spaces=(space,))
    read = nx.read_graphml(export_graph(tw.graph, tmp_path / "x.graphml", model=model), node_type=int)
    assert read.nodes[int(tw.graph.space_node[0])]["name"] == '0001 R&D <lab> "A"'


def test_csv_has_one_row_per_edge_with_both_ends(tmp_path):
    tw = tower(2, grid=(2, 2))
    out = export_graph(tw.graph, tmp_path / "edges.CSV", model=tw.model)
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == tw.graph.n_edges
    fwd, _ = edge_times_s(tw.graph)
    first = rows[0]
    u = int(first["u"])
    assert float(first["u_x"]) == tw.graph.node_xyz[u, 0]
    assert float(first["time_forward_s"]) == pytest.approx(fwd[0])
    assert first["u_storey_name"] == "Level 0"


def test_an_unknown_extension_says_which_ones_work(tmp_path):
    with pytest.raises(
        ExportError,
        match=r"graph.json: cannot tell the format from '.json'; name the file .graphml or .csv",
    ):
        export_graph(tower(1).graph, tmp_path / "graph.json")


def test_an_unwritable_place_is_a_one_line_error(tmp_path):
    with pytest.raises(ExportError, match="cannot write"):
        export_graph(tower(1).graph, tmp_path / "no" / "such" / "dir.csv")
