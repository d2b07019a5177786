"""Water in the building at run time: sources, pumps, spreading, thresholds, damage.

Wraps the pure :func:`twin.engine.water.step` in one SimPy process that ticks every
:data:`~twin.engine.physics.WATER_STEP_S` (or the scenario's ``physics: {water_step_s}``) while
there is anything to do (a source running, water moving or being pumped) and sleeps otherwise,
waking for new water or to dry what has stood a day. Crossing 5 cm in a space raises a flooding
incident; 30 cm in an electrical room trips its switchgear (the storm → power coupling).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from twin.engine import physics
from twin.engine.core import Proc, Sim
from twin.engine.tasks import TaskSpec, incident
from twin.engine.water import DENSE_MAX, kernel_constants, kernel_floors, step_numpy
from twin.engine.water_kernel import TOO_MANY, advance, after_step, depth_changes
from twin.travel import HEAVY

#: Who may deploy a portable pump or sandbags: any engineer or a guard.
PUMP_CREW = (("general", 1), ("plumber", 1), ("electrician", 1), ("hvac", 1), ("security", 1))


class Water:
    """Water standing in each space of the model, and what adds and removes it."""

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        floors = sim.drill.floors
        self.floors = floors
        n = floors.n
        self.volume = np.zeros(n)
        self.max_depth = np.zeros(n)
        self.sources: dict[Hashable, tuple[int, float, str]] = {}
        """Water flowing in now, by source: (space, m³/s, the kind of source it counts under)."""
        self.pumps: dict[Hashable, tuple[int, float, Callable[[], bool]]] = {}
        """Pumps by key: (space, m³/s, whether it works now). Changed only through
        :meth:`add_pump` (the step's pump array is rebuilt when it is called)."""
        self.released_m3: dict[str, float] = {}
        """Water let in so far, by kind of source (burst, storm)."""
        self.released_by: dict[Hashable, float] = {}
        """Water let in so far, by source."""
        self.pumped_m3 = 0.0
        self.wetted_m2h = 0.0
        self.running = False
        self._sleeps = 0
        """How many times the loop has gone to sleep (a wake-up to dry checks it still sleeps)."""
        self.step_s = sim.drill.scenario.physics.water_step_s or physics.WATER_STEP_S
        """The water model's step (s): the scenario's ``physics: {water_step_s}`` or the default."""
        self._rose_at = np.full(n, -np.inf)
        """When each space's water last rose (s); shallow water dries a day after."""
        self._next_dry = np.inf
        self._pending = np.zeros(n)
        self._pump = np.zeros(n)
        """Pumping capacity working in each space this step (m³/s; refilled when a pump is added
        or one starts or stops working)."""
        self._pumps_added = 0
        self._t_src = 0.0
        self._t_last = 0.0
        self._wet_area = 0.0
        self._crossed: dict[float, np.ndarray] = {
            t: np.zeros(n, dtype=bool)
            for t in (physics.INCIDENT_DEPTH_M, physics.DAMAGE_DEPTH_M, physics.SWITCHGEAR_FLOOD_DEPTH_M)
        }
        self._shallowest_level = min(self._crossed)
        self._logged_depth = np.zeros(n)
        self._step_arrays = (kernel_floors(floors), self.volume, self._pending, self._pump)
        """What :func:`~twin.engine.water_kernel.advance` steps, the same arrays all run long (the
        volumes, what arrived and the pumps are updated in place)."""
        self._kernel_constants = kernel_constants()
        self._storey_of = np.array([sp.storey for sp in sim.model.spaces], dtype=np.int64)
        self.removed_m3 = 0.0
        self._next_log = 0.0
        self.flood_incident: dict[int, int] = {}
        """Storey → the flooding incident raised on it (one per storey)."""
        self.claimed: set[int] = set()
        """Spaces whose water already belongs to an incident (the storm's low point)."""
        self.claimed_storeys: set[int] = set()
        """Storeys whose water already belongs to an incident (a burst's storey)."""
        self.on_switchgear_flooded: Callable[[int], None] | None = None
        self._layouts: dict[bytes, Any] = {}
        """Spreading layouts by the set of spaces giving water (:func:`twin.engine.water.step`)."""

    @property
    def depth_m(self) -> np.ndarray:
        depth: np.ndarray = self.volume / self.floors.area_m2
        return depth

    def set_source(self, key: Hashable, space: int, m3_s: float) -> None:
        """Water flows into ``space`` at ``m3_s`` from now on (0 stops it)."""
        self._accrue()
        if m3_s > 0:
            self.sources[key] = (space, m3_s, str(key[0]) if isinstance(key, tuple) else str(key))
        else:
            self.sources.pop(key, None)
        self.kick()

    def _accrue(self) -> None:
        """Count the water the sources let in since the last call, exactly (not per step)."""
        now = self.sim.env.now
        dt = now - self._t_src
        self._t_src = now
        if dt <= 0:
            return
        pending, released_m3, released_by = self._pending, self.released_m3, self.released_by
        for key, (space, q, kind) in self.sources.items():
            pending[space] += q * dt
            released_m3[kind] = released_m3.get(kind, 0.0) + q * dt
            released_by[key] = released_by.get(key, 0.0) + q * dt

    def add_pump(
        self,
        key: Hashable,
        space: int,
        m3_s: float,
        works: Callable[[], bool] = lambda: True,
        *,
        kick: bool = True,
    ) -> None:
        """A pump taking up to ``m3_s`` out of ``space`` whenever ``works()`` says it can."""
        self.pumps[key] = (space, m3_s, works)
        self._pumps_added += 1
        if kick:
            self.kick()

    def kick(self) -> None:
        if not self.running:
            self.running = True
            self._tally()
            self.sim.env.process(self._loop())

    def _tally(self) -> None:
        now = self.sim.env.now
        self.wetted_m2h += self._wet_area * (now - self._t_last) / 3600.0
        self._t_last = now

    def _loop(self) -> Proc:
        env = self.sim.env
        sources, pumps, volume, pump = self.sources, self.pumps, self.volume, self._pump
        step_arrays, constants = self._step_arrays, self._kernel_constants
        working: tuple[int, tuple[bool, ...]] = (-1, ())
        while True:
            # Steps of the scenario's size while water arrives or is pumped; longer ones while it
            # only settles (the implicit step is stable at any size; this only trades detail).
            flowing = bool(sources) or any(
                volume[space] > 0 and works() for space, _, works in pumps.values()
            )
            dt = self.step_s if flowing else self.step_s * physics.WATER_SETTLE_STEPS
            yield env.timeout(dt)
            now = env.now
            self._accrue()
            # The pumps that work now (their power); the array is rebuilt only when that changes.
            now_working = (self._pumps_added, tuple(works() for _, _, works in pumps.values()))
            if now_working != working:
                working = now_working
                pump.fill(0.0)
                for (space, q, _), on in zip(pumps.values(), working[1], strict=True):
                    if on:
                        pump[space] += q
            self._tally()  # the wetted area up to now, before the step changes it
            pumped, exchanged, self._wet_area, deepest, in_play = advance(
                *step_arrays,
                dt,
                constants,
                DENSE_MAX,
                self._rose_at,
                self.max_depth,
                now,
                physics.WET_DEPTH_M,
            )
            if in_play == TOO_MANY:  # a wide flood: solved sparse
                before = self.volume
                result = step_numpy(self.floors, before, self._pending / dt, pump, dt, layouts=self._layouts)
                before = before.copy()
                self.volume[:] = result.volume_m3
                pumped, exchanged = result.pumped_m3, result.exchanged_m3
                self._wet_area, deepest = after_step(
                    before,
                    self.volume,
                    self.floors.area_m2,
                    self._rose_at,
                    self.max_depth,
                    now,
                    physics.WET_DEPTH_M,
                )
            self._pending.fill(0.0)
            self.pumped_m3 += pumped
            if deepest >= self._shallowest_level:
                self._thresholds(self.depth_m, deepest)
            if now >= self._next_log:
                self._log_depths()
                self._next_log = now + physics.DEPTH_LOG_S
                if not math.isfinite(self._next_dry):
                    self._plan_dry()
            if now >= self._next_dry:
                self._dry()
            idle = not sources and pumped < physics.SETTLED_M3_S * dt
            settled = exchanged < physics.SETTLED_M3_S * dt or deepest < physics.SPREAD_DEPTH_M
            if idle and settled:
                self._log_depths()
                self.running = False
                self._sleeps += 1
                self._plan_dry()
                if math.isfinite(self._next_dry):
                    env.process(self._wake_to_dry(self._sleeps))
                return

    def _shallow(self) -> np.ndarray:
        """Spaces holding water no incident will pump out: wet, and under the incident depth."""
        return (self.volume > 0.0) & (self.depth_m < physics.INCIDENT_DEPTH_M)

    def _plan_dry(self) -> None:
        shallow = self._shallow()
        self._next_dry = float(self._rose_at[shallow].min()) + physics.DRY_OUT_S if shallow.any() else np.inf

    def _dry(self) -> None:
        """Water under the incident depth that has not risen for a day is gone: the cleaners mop
        it or it dries. Deeper water has a flooding incident, whose crew pumps it out."""
        now = self.sim.env.now
        gone = self._shallow() & (self._rose_at + physics.DRY_OUT_S <= now)
        if gone.any():
            self._tally()
            dried = float(self.volume[gone].sum())
            self.volume[gone] = 0.0
            self.removed_m3 += dried
            self._wet_area = float(self.floors.area_m2[self.depth_m > physics.WET_DEPTH_M].sum())
            self.sim.log("water", value=dried, detail="dried")
            self._log_depths()
        self._plan_dry()

    def _wake_to_dry(self, sleeps: int) -> Proc:
        """While the water sleeps, wake when the oldest shallow water has stood a day."""
        env = self.sim.env
        yield env.timeout(max(self._next_dry - env.now, 0.0))
        if self.running or sleeps != self._sleeps:
            return  # the loop woke since; it dries as it steps
        self._dry()
        if math.isfinite(self._next_dry):
            env.process(self._wake_to_dry(sleeps))

    def _log_depths(self) -> None:
        """Log the depth of each space whose water changed by a step of the replay's scale."""
        sim, graph = self.sim, self.sim.graph
        changed, shown = depth_changes(
            self.volume,
            self.floors.area_m2,
            self._logged_depth,
            physics.WET_DEPTH_M,
            physics.DEPTH_LOG_STEP_M,
        )
        for s, depth in zip(changed.tolist(), shown.tolist(), strict=True):
            node = int(graph.space_node[s])
            sim.log(
                "depth",
                node=node if node >= 0 else -1,
                value=depth,
                detail=sim.model.spaces[s].label if node < 0 else "",
            )

    def mop_up(self, storey: int) -> float:
        """Remove the standing water on a storey (a clean-up crew's wet vacuums); returns m³."""
        on = self._storey_of == storey
        removed = float(self.volume[on].sum())
        if removed > 0:
            self.volume[on] = 0.0
            self.removed_m3 += removed
            self.sim.log("water", value=removed, detail="mopped up")
            self._log_depths()
            self._plan_dry()
            self.kick()
        return removed

    def _thresholds(self, depth: np.ndarray, deepest: float) -> None:
        sim = self.sim
        for level, crossed in self._crossed.items():
            if deepest < level:
                continue  # nowhere that deep: no space can have crossed it
            new = (depth >= level) & ~crossed
            if not new.any():
                continue
            crossed |= new
            for found in np.flatnonzero(new):
                s = int(found)
                node = int(sim.graph.space_node[s])
                sim.log("depth", node=node, value=float(depth[s]), detail=f"over {level * 100:.0f} cm")
                storey = sim.model.spaces[s].storey
                if (
                    level == physics.INCIDENT_DEPTH_M
                    and s not in self.claimed
                    and node >= 0
                    and storey not in self.claimed_storeys
                    and storey not in self.flood_incident
                ):
                    self._flood_incident(s, node)
                tripped = level == physics.SWITCHGEAR_FLOOD_DEPTH_M and s in sim.drill.electrical_rooms
                if tripped and self.on_switchgear_flooded is not None:
                    self.on_switchgear_flooded(s)

    def _flood_incident(self, space: int, node: int) -> None:
        sim = self.sim
        label = sim.model.spaces[space].label
        storey = sim.model.spaces[space].storey

        def deploy() -> None:
            self.add_pump(("portable", space), space, physics.PORTABLE_PUMP_L_S / 1000.0)

        inc = incident(
            sim,
            "flooding",
            f"Flooding on {sim.model.storeys[storey].name}, first in {label}",
            "red",
            node,
            _channel_for(sim, space),
            [
                TaskSpec(
                    "pump out",
                    PUMP_CREW,
                    node,
                    physics.DEPLOY_PUMP_S,
                    makes_safe=True,
                    effect=deploy,
                    mode=HEAVY,
                )
            ],
        )
        self.flood_incident[storey] = inc.id

    def finalize(self) -> None:
        """Close the damage tally at the end of the run and log it."""
        self._accrue()
        self.volume += self._pending  # arrived since the last step, not yet spread
        self._pending.fill(0.0)
        self._tally()
        sim = self.sim
        sim.log("damage", value=self.wetted_m2h, detail="wetted_m2h")
        sim.log("damage", value=sum(self.released_m3.values()), detail="volume_m3")
        sim.log("damage", value=float(self.max_depth.max(initial=0.0)), detail="max_depth_m")
        damaged = int((self.max_depth >= physics.DAMAGE_DEPTH_M).sum())
        sim.log("damage", value=damaged, detail="spaces_damaged")
        sim.log("water", value=self.pumped_m3, detail="pumped")
        sim.log("water", value=self.removed_m3, detail="mopped")
        for kind, vol in sorted(self.released_m3.items()):
            sim.log("water", value=vol, detail=kind)
        sim.log("water", value=float(self.volume.sum()), detail="standing")


def _channel_for(sim: Sim, space: int) -> str:
    """A sensor reports water where one is installed; elsewhere someone phones it in."""
    for e in sim.model.equipment:
        if e.space == space and e.ifc_class == "IfcSensor":
            return "sensor"
    return "phone"
