"""The twin cache: the second load is the same twin, read from safe formats."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.ifc_builder import two_storey_house
from twin import cache
from twin.twin import load_twin


def test_the_second_load_comes_from_the_cache_and_equals_the_first(tmp_path: Path) -> None:
    path = two_storey_house(tmp_path)
    cold = load_twin([path])
    warm = load_twin([path])
    assert not cold.from_cache and warm.from_cache
    assert warm.model.storeys == cold.model.storeys
    for a, b in zip(cold.model.doors, warm.model.doors, strict=True):
        assert (a.id, a.name, a.storey, a.xyz, a.width_m, a.is_external) == (
            b.id, b.name, b.storey, b.xyz, b.width_m, b.is_external)
        assert a.footprint is not None and b.footprint is not None
        assert a.footprint.equals(b.footprint)
    assert warm.model.stairs[0].storeys == cold.model.stairs[0].storeys
    for a, b in zip(cold.model.spaces, warm.model.spaces, strict=True):
        assert a.footprint.equals(b.footprint)
        assert (a.id, a.name, a.storey, a.declared_area_m2) == (b.id, b.name, b.storey, b.declared_area_m2)
    np.testing.assert_array_equal(cold.graph.edge_u, warm.graph.edge_u)
    np.testing.assert_array_equal(cold.graph.edge_length_m, warm.graph.edge_length_m)
    assert warm.graph.notes == cold.graph.notes
    np.testing.assert_array_equal(cold.audit.reachable, warm.audit.reachable)


def test_the_cache_holds_no_pickles(tmp_path: Path) -> None:
    path = two_storey_house(tmp_path)
    twin = load_twin([path])
    graph_file = cache.cache_dir() / f"{twin.cache_key}.graph.npz"
    with np.load(graph_file, allow_pickle=False) as data:  # raises on any object array
        assert "edge_u" in data.files


def test_a_damaged_cache_entry_is_rebuilt(tmp_path: Path) -> None:
    path = two_storey_house(tmp_path)
    first = load_twin([path])
    (cache.cache_dir() / f"{first.cache_key}.model.json.gz").write_bytes(b"garbage")
    again = load_twin([path])
    assert not again.from_cache
    assert len(again.model.spaces) == len(first.model.spaces)


def test_editing_the_file_changes_the_cache_key(tmp_path: Path) -> None:
    path = two_storey_house(tmp_path)
    first = load_twin([path])
    path.write_bytes(path.read_bytes().replace(b"Kitchen", b"Larder"))
    second = load_twin([path])
    assert second.cache_key != first.cache_key
    assert any(sp.long_name == "Larder" for sp in second.model.spaces)
