"""Travel times: how many seconds a person takes over each navigation-graph edge.

Every default lives here, with its unit in the name and where it comes from. Times are derived
from the graph's edge geometry (length, rise) and kind; the graph itself stores no seconds, so
one graph serves every travel mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.navgraph import EdgeKind, NavGraph

#: Smallest edge time (s). Keeps every weight strictly positive: scipy's csgraph treats an
#: explicit 0 in dense input as "no edge", and a 0 s hop is not physical anyway.
MIN_EDGE_S = 1e-3

#: Height of the storey the stair timings below were observed on (m).
REFERENCE_STOREY_M = 3.0


@dataclass(frozen=True, slots=True)
class TravelMode:
    """Speeds and delays of one kind of traveller. Defaults: DESIGN.md, "Crews, dispatch and travel".

    Stair times are given per storey of ``REFERENCE_STOREY_M`` and scale with the real rise.
    """

    name: str = "walking"
    walk_speed_m_s: float = 1.3
    """Walking in corridors: 1.2–1.4 m/s for a crew member with a tool bag."""
    stair_up_s_per_storey: float = 17.5
    """15–20 s per storey climbed with tools."""
    stair_down_s_per_storey: float = 12.5
    """10–15 s per storey descended with tools."""
    ramp_speed_factor: float = 0.9
    """Walking speed on a ramp relative to level floor."""
    lift_wait_s: float = 30.0
    """Mean wait for a car: 0–60 s."""
    lift_doors_s: float = 8.0
    """Doors opening and closing once: ≈ 8 s."""
    lift_speed_m_s: float = 1.75
    """Car speed: 1–2.5 m/s."""
    outside_detour_factor: float = 1.0
    """Walking outside between two entrances: the outside links × this. They follow the
    building's outline 1.5 m out (:mod:`twin.navgraph`), so no detour is added by default; raise
    it for a site whose paths wind round fences and planting."""
    heavy: bool = False
    """Carries heavy equipment (portable pump, generator fuel): cannot use stairs, only lifts
    and ramps."""

    def __post_init__(self) -> None:
        for name in ("walk_speed_m_s", "lift_speed_m_s", "ramp_speed_factor"):
            if getattr(self, name) <= 0:
                raise ValueError(f"TravelMode.{name} must be > 0, got {getattr(self, name)}")


WALKING = TravelMode()
HEAVY = TravelMode(name="heavy equipment", walk_speed_m_s=1.0, heavy=True)


def edge_times_s(graph: NavGraph, mode: TravelMode = WALKING) -> tuple[np.ndarray, np.ndarray]:
    """Seconds to traverse each edge forwards (u → v) and backwards (v → u).

    Returns two float64 arrays of length ``graph.n_edges``; ``inf`` where the mode cannot use
    the edge (stairs for heavy loads). Lift boarding (u = floor, v = car) pays wait + doors;
    getting out costs nothing more than ``MIN_EDGE_S``.
    """
    kind = graph.edge_kind
    length = graph.edge_length_m
    rise = graph.edge_rise_m
    fwd = length / mode.walk_speed_m_s
    rev = fwd.copy()

    stair = kind == EdgeKind.STAIR
    storeys = np.abs(rise) / REFERENCE_STOREY_M
    up_s = storeys * mode.stair_up_s_per_storey
    down_s = storeys * mode.stair_down_s_per_storey
    # Horizontal part of the flight is walked on top of the climb.
    going = np.sqrt(np.maximum(length**2 - rise**2, 0.0)) / mode.walk_speed_m_s
    fwd = np.where(stair, np.where(rise >= 0, up_s, down_s) + going, fwd)
    rev = np.where(stair, np.where(rise >= 0, down_s, up_s) + going, rev)
    if mode.heavy:
        fwd = np.where(stair, np.inf, fwd)
        rev = np.where(stair, np.inf, rev)

    ramp = kind == EdgeKind.RAMP
    ramp_s = length / (mode.walk_speed_m_s * mode.ramp_speed_factor)
    fwd = np.where(ramp, ramp_s, fwd)
    rev = np.where(ramp, ramp_s, rev)

    ride = kind == EdgeKind.LIFT_RIDE
    ride_s = np.abs(rise) / mode.lift_speed_m_s
    fwd = np.where(ride, ride_s, fwd)
    rev = np.where(ride, ride_s, rev)

    board = kind == EdgeKind.LIFT_BOARD
    fwd = np.where(board, mode.lift_wait_s + mode.lift_doors_s + fwd, fwd)
    rev = np.where(board, MIN_EDGE_S, rev)

    outside = kind == EdgeKind.OUTSIDE
    fwd = np.where(outside, fwd * mode.outside_detour_factor, fwd)
    rev = np.where(outside, rev * mode.outside_detour_factor, rev)

    return np.maximum(fwd, MIN_EDGE_S), np.maximum(rev, MIN_EDGE_S)
