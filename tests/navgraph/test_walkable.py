"""The walkable-area fallback: wall sections, slabs minus walls, a grid that routes round walls."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from shapely.geometry import MultiPolygon, Polygon, box

from twin.errors import TwinError
from twin.walkable import WalkableGrid, section_at, walkable_area, walkable_grid

# The 12 triangles of a box whose corners are numbered by bits (x, y, z) = (i & 1, i & 2, i & 4).
BOX_FACES = np.array(
    [
        [0, 2, 1],
        [1, 2, 3],
        [4, 5, 6],
        [5, 7, 6],  # bottom, top
        [0, 1, 4],
        [1, 5, 4],
        [2, 6, 3],
        [3, 6, 7],  # y = lo, y = hi
        [0, 4, 2],
        [2, 4, 6],
        [1, 3, 5],
        [3, 7, 5],
    ]
)  # x = lo, x = hi


def box_mesh(
    x0: float, y0: float, z0: float, x1: float, y1: float, z1: float
) -> tuple[np.ndarray, np.ndarray]:
    i = np.arange(8)
    verts = np.column_stack(
        [np.where(i & 1, x1, x0), np.where(i & 2, y1, y0), np.where(i & 4, z1, z0)]
    ).astype(float)
    return verts, BOX_FACES.copy()


def merged(*meshes: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    verts, faces, offset = [], [], 0
    for v, f in meshes:
        verts.append(v)
        faces.append(f + offset)
        offset += len(v)
    return np.concatenate(verts), np.concatenate(faces)


def wall_with_door_mesh(
    length: float, height: float, thickness: float, door_x0: float, door_x1: float, door_head: float
) -> tuple[np.ndarray, np.ndarray]:
    """One closed mesh: a wall's elevation (x, z) with a door cut from the floor, extruded in y."""
    profile = shapely.difference(box(0, 0, length, height), box(door_x0, 0, door_x1, door_head))
    caps = shapely.get_parts(shapely.constrained_delaunay_triangles(profile))
    tris = np.array([np.asarray(t.exterior.coords)[:3] for t in caps])  # (t, 3, 2) in (x, z)
    ring = np.asarray(profile.exterior.coords)
    sides = []
    for (xa, za), (xb, zb) in itertools.pairwise(ring):
        a0, b0, a1, b1 = (xa, 0, za), (xb, 0, zb), (xa, thickness, za), (xb, thickness, zb)
        sides += [(a0, b0, b1), (a0, b1, a1)]
    front = [[(x, 0.0, z) for x, z in t] for t in tris]
    back = [[(x, thickness, z) for x, z in t[::-1]] for t in tris]
    soup = np.array(front + back + sides, dtype=float).reshape(-1, 3)
    verts, faces = np.unique(soup, axis=0, return_inverse=True)
    return verts, faces.reshape(-1, 3)


def grid_distances(grid: WalkableGrid, source: int) -> np.ndarray:
    n = len(grid.xy)
    graph = coo_array((grid.length_m, (grid.u, grid.v)), shape=(n, n)).tocsr()
    return dijkstra(graph, directed=False, indices=source)


def path_cells(grid: WalkableGrid, source: int, target: int) -> list[int]:
    n = len(grid.xy)
    graph = coo_array((grid.length_m, (grid.u, grid.v)), shape=(n, n)).tocsr()
    _, pred = dijkstra(graph, directed=False, indices=source, return_predecessors=True)
    path = [target]
    while path[-1] != source:
        path.append(int(pred[path[-1]]))
    return path[::-1]


# --- sections -------------------------------------------------------------------------------


def test_a_unit_cube_cut_halfway_up_is_a_unit_square() -> None:
    section = section_at(*box_mesh(0, 0, 0, 1, 1, 1), 0.5)
    assert isinstance(section, Polygon)
    assert section.area == pytest.approx(1.0)
    assert section.bounds == pytest.approx((0, 0, 1, 1))


def test_a_mesh_below_or_above_the_cut_gives_an_empty_section() -> None:
    assert section_at(*box_mesh(0, 0, 0, 1, 1, 1), 1.5).is_empty
    assert section_at(*box_mesh(0, 0, 2, 1, 1, 3), 1.0).is_empty


def test_a_cut_exactly_through_a_ring_of_vertices_still_gives_the_full_square() -> None:
    # Two unit cubes stacked into one 1 x 1 x 2 column: the cut at z = 1 runs through the four
    # side vertices where they meet and along the two squares where they touch.
    column = merged(box_mesh(0, 0, 0, 1, 1, 1), box_mesh(0, 0, 1, 1, 1, 2))
    assert section_at(*column, 1.0).area == pytest.approx(1.0)
    # A cut exactly through a box's top face counts as just below it: the full 2 x 1 face.
    assert section_at(*box_mesh(0, 0, 0, 2, 1, 1), 1.0).area == pytest.approx(2.0)


def test_a_box_inside_a_box_cuts_to_a_square_ring() -> None:
    hollow = merged(box_mesh(0, 0, 0, 4, 4, 3), box_mesh(1, 1, 0, 3, 3, 3))
    section = section_at(*hollow, 1.0)
    assert isinstance(section, Polygon)
    assert len(section.interiors) == 1
    assert section.area == pytest.approx(16 - 4)


def test_a_wall_with_a_door_cuts_to_two_pieces_below_the_head_and_one_above() -> None:
    # A 4 m wall, 3 m high, 0.2 m thick, with a 1 m door from x = 1.5 to 2.5, 2.1 m high.
    verts, faces = wall_with_door_mesh(4, 3, 0.2, 1.5, 2.5, 2.1)
    below = section_at(verts, faces, 1.0)
    assert isinstance(below, MultiPolygon)
    assert sorted(p.area for p in below.geoms) == pytest.approx([1.5 * 0.2, 1.5 * 0.2])
    above = section_at(verts, faces, 2.5)
    assert isinstance(above, Polygon)
    assert above.area == pytest.approx(4 * 0.2)


def test_a_mesh_with_flat_arrays_is_refused_with_a_hint() -> None:
    verts, faces = box_mesh(0, 0, 0, 1, 1, 1)
    with pytest.raises(TwinError, match=r"reshape\(-1, 3\)"):
        section_at(verts.ravel(), faces, 0.5)


# --- walkable area --------------------------------------------------------------------------


def two_rooms(door: bool) -> Polygon | MultiPolygon:
    """Two 4 x 4 m rooms on one 8 x 4 m slab, split by a 0.2 m wall at x = 3.9 … 4.1 with a
    1 m door from y = 2.5 to 3.5 (or none)."""
    if door:
        wall = merged(box_mesh(3.9, 0, 0, 4.1, 2.5, 3), box_mesh(3.9, 3.5, 0, 4.1, 4, 3))
    else:
        wall = box_mesh(3.9, 0, 0, 4.1, 4, 3)
    return walkable_area([box(0, 0, 8, 4)], [section_at(*wall, 1.0)])


def test_two_rooms_with_a_door_make_one_walkable_polygon() -> None:
    area = two_rooms(door=True)
    assert isinstance(area, Polygon)
    # The wall widened by 0.2 m each side is 0.6 m wide; the door's clear gap is 1.0 - 2 x 0.2.
    # Walls: 0.6 x (2.5 + 0.2) below the door and 0.6 x (0.5 + 0.2) above: 32 - 1.62 - 0.42.
    assert area.area == pytest.approx(29.96)


def test_two_rooms_without_a_door_are_two_walkable_pieces() -> None:
    area = two_rooms(door=False)
    assert isinstance(area, MultiPolygon)
    assert sorted(p.area for p in area.geoms) == pytest.approx([3.7 * 4, 3.7 * 4])


def test_a_doorway_in_a_wall_between_two_slabs_gets_its_floor_from_the_wall_plan() -> None:
    # Slabs stop at the faces of a 0.5 m wall (x = 3.75 ... 4.25); 1 m door at y = 2.5 ... 3.5.
    slabs = [box(0, 0, 3.75, 4), box(4.25, 0, 8, 4)]
    wall = merged(box_mesh(3.75, 0, 0, 4.25, 2.5, 3), box_mesh(3.75, 3.5, 0, 4.25, 4, 3))
    section = section_at(*wall, 1.0)
    without = walkable_area(slabs, [section])
    assert isinstance(without, MultiPolygon)
    with_plan = walkable_area(slabs, [section], wall_footprints=[box(3.75, 0, 4.25, 4)])
    assert isinstance(with_plan, Polygon)
    # 32 m2 less the widened wall, 0.9 m wide: 0.9 x 2.7 below the door and 0.9 x 0.7 above.
    assert with_plan.area == pytest.approx(32 - 0.9 * 2.7 - 0.9 * 0.7)


def test_a_strip_thinner_than_a_person_is_dropped() -> None:
    # A wall 0.1 m thick at y = 3.55 … 3.65, widened to 3.35 … 3.85, leaves a 0.15 m strip.
    area = walkable_area([box(0, 0, 4, 4)], [box(0, 3.55, 4, 3.65)])
    assert area.area == pytest.approx(4 * 3.35)


def test_a_seam_between_two_slabs_is_closed() -> None:
    area = walkable_area([box(0, 0, 2, 2), box(2.05, 0, 4, 2)], [])
    assert isinstance(area, Polygon)
    assert area.area == pytest.approx(8.0)


# --- grid -----------------------------------------------------------------------------------


def test_a_three_by_two_rectangle_gives_six_cells_and_eleven_steps() -> None:
    grid = walkable_grid(box(0, 0, 3, 2), spacing_m=1.0)  # 2 m wide: no refinement
    assert grid.xy.tolist() == [[0.5, 0.5], [1.5, 0.5], [2.5, 0.5], [0.5, 1.5], [1.5, 1.5], [2.5, 1.5]]
    # 4 along rows, 3 along columns, 2 x 2 diagonals.
    assert len(grid.u) == 11
    assert np.all(grid.u < grid.v)
    assert np.sort(grid.length_m) == pytest.approx([1.0] * 7 + [np.sqrt(2)] * 4)


def nearest_cells(grid: WalkableGrid, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The grid cell nearest each point in plan, and its distance (m)."""
    distances, indices = cKDTree(grid.xy).query(np.asarray(points, dtype=float)[:, :2])
    return indices, distances


def test_the_grid_routes_through_the_door_and_not_through_the_wall() -> None:
    # The door's clear gap (0.6 m) is narrower than the 1 m spacing: the lattice is refined there.
    grid = walkable_grid(two_rooms(door=True), spacing_m=1.0)
    (a, b), _ = nearest_cells(grid, np.array([[2.0, 2.0], [6.0, 2.0]]))
    straight = np.hypot(*(grid.xy[b] - grid.xy[a]))
    assert straight == pytest.approx(4.0)
    distance = grid_distances(grid, a)[b]
    assert straight < distance < straight + 2.0  # round by the door, but no long detour
    path = grid.xy[path_cells(grid, a, b)]
    assert np.hypot(*(path - [4.0, 3.0]).T).min() < 0.8  # passes by the door's centre
    assert not np.any((path[:, 0] > 3.7) & (path[:, 0] < 4.3) & (path[:, 1] < 2.7))


def test_with_the_door_closed_the_rooms_are_unreachable_from_each_other() -> None:
    grid = walkable_grid(two_rooms(door=False), spacing_m=1.0)
    (a, b), _ = nearest_cells(grid, np.array([[2.0, 2.0], [6.0, 2.0]]))
    assert grid_distances(grid, a)[b] == np.inf


def test_a_doorway_narrower_than_the_spacing_gets_finer_cells_and_only_there() -> None:
    # A 0.4 m doorway (y = 1.55 … 1.95) in a 0.6 m wall (x = 2.7 … 3.3) between two rooms:
    # it lies between the 1 m lattice rows y = 1.5 and 2.5.
    area = shapely.difference(box(0, 0, 6, 3), shapely.union(box(2.7, 0, 3.3, 1.55), box(2.7, 1.95, 3.3, 3)))
    coarse = walkable_grid(area, spacing_m=1.0, min_gap_m=1.0)
    assert len(coarse.xy) == 3 * 6  # no lattice column falls in the wall
    fine = walkable_grid(area, spacing_m=1.0)  # halved twice: 0.25 m in the doorway
    for grid, joined in ((coarse, False), (fine, True)):
        (a, b), _ = nearest_cells(grid, np.array([[0.5, 0.5], [5.5, 0.5]]))
        assert np.isfinite(grid_distances(grid, a)[b]) == joined
    assert {0.25, 0.5, 1.0} <= set(np.round(fine.length_m, 6))
    assert np.all(fine.u < fine.v)
    assert len({*zip(fine.u.tolist(), fine.v.tolist(), strict=True)}) == len(fine.u)
    far = (fine.xy[:, 0] < 0.9) | (fine.xy[:, 0] > 5.1)  # beyond the refined band
    assert np.all(np.isin(fine.xy[far], [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]))


def test_an_empty_area_gives_an_empty_grid() -> None:
    grid = walkable_grid(Polygon(), spacing_m=1.0)
    assert grid.xy.shape == (0, 2)
    assert len(grid.u) == 0
