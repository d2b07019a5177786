"""The twin cache: the second load is the same twin, read from safe formats."""

from __future__ import annotations

import gzip
import io
import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

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
            b.id,
            b.name,
            b.storey,
            b.xyz,
            b.width_m,
            b.is_external,
        )
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


def _edit_model_entry(key: str, edit: Callable[[dict[str, Any]], None]) -> None:
    """Change an entry's model file the way a person editing it by hand would (the digest stays)."""
    path = cache.cache_dir() / f"{key}.model.json.gz"
    data = json.loads(gzip.decompress(path.read_bytes()))
    edit(data)
    path.write_bytes(gzip.compress(json.dumps(data).encode()))


def test_an_entry_edited_after_it_was_written_is_rebuilt_not_served(tmp_path: Path) -> None:
    path = two_storey_house(tmp_path)
    first = load_twin([path])
    name = first.model.spaces[0].name

    def rename(data: dict[str, Any]) -> None:
        data["spaces"][0]["name"] = "Renamed by hand"
        data["storeys"][-1]["elevation_m"] = 99.0

    _edit_model_entry(first.cache_key, rename)
    again = load_twin([path])
    assert not again.from_cache
    assert again.model.spaces[0].name == name
    assert again.model.storeys[-1].elevation_m == first.model.storeys[-1].elevation_m == 3.0
    assert load_twin([path]).from_cache  # the rebuilt entry is served again


def test_an_edited_route_length_is_rebuilt_even_with_a_matching_digest(tmp_path: Path) -> None:
    """Arrays that do not fit together are refused whatever the digest says."""
    path = two_storey_house(tmp_path)
    first = load_twin([path])
    graph = cache.cache_dir() / f"{first.cache_key}.graph.npz"
    with np.load(graph, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["edge_v"] = arrays["edge_v"][:-1]  # one end missing
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    graph.write_bytes(buf.getvalue())
    model = (cache.cache_dir() / f"{first.cache_key}.model.json.gz").read_bytes()
    (cache.cache_dir() / f"{first.cache_key}.digest.json").write_text(
        json.dumps(cache._digest(model, buf.getvalue())), encoding="utf-8"
    )
    again = load_twin([path])
    assert not again.from_cache
    assert again.graph.n_edges == first.graph.n_edges
    assert "edge_v has (" in cache.inconsistency(
        first.model, replace(first.graph, edge_v=first.graph.edge_v[:-1])
    )


def test_a_cached_twin_is_reported_under_the_name_the_user_gave(tmp_path: Path) -> None:
    original = two_storey_house(tmp_path)
    copy = tmp_path / "copy" / "my-house.ifc"
    copy.parent.mkdir()
    shutil.copy(original, copy)
    assert load_twin([original]).model.name == original.name
    warm = load_twin([copy])
    assert warm.from_cache and warm.model.name == "my-house.ifc"
