"""What a hazard kind declares, once, in its own module — and the registry that holds it.

A kind brings its scenario schema (a :class:`~twin.scenario.schema.HazardSpec` with
``kind: Literal[…]``), its compile step (the spec's places resolved in the building), its SimPy
process (a plain generator function taking ``env`` first), how it occurs at random in background
work (:class:`Occurrence`) and how the replay draws it (:class:`Drawing`). It calls
:func:`register_hazard`; the scenario's validation, the engine, background work and the replay
ask :data:`~twin.scenario.kinds.HAZARDS` and list no kinds of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from twin.scenario.kinds import HAZARDS
from twin.scenario.schema import HazardSpec

if TYPE_CHECKING:
    from twin.background.generate import Arrival
    from twin.background.rates import HazardRate
    from twin.engine.core import Proc, Sim
    from twin.engine.hazards.flooding import Water
    from twin.engine.hazards.power import Power
    from twin.engine.plant import Plant
    from twin.twin import Twin

#: A kind's resolved places: plant items, spaces and nodes by name. ``node`` and ``drain_node``
#: hold graph nodes, ``item``, ``valve``, ``generator`` and ``drain`` plant items: the router
#: keys its first searches on them, so they should be places people are sent to (an item
#: nobody walks to goes under another name, as a burst's ``pipe``).
Ref = dict[str, Any]


@dataclass(frozen=True, slots=True, eq=False)
class World:
    """What a hazard's process acts on: the run's shared state, the water, the power."""

    sim: Sim
    water: Water
    power: Power


class Places(Sequence[Any]):
    """Where a kind can occur in background work: ``count`` places, each worked out when first
    asked for (a building's 800 flats need not be resolved for a run that draws two leaks).

    With ``weights`` (one per place, ≥ 0, not all 0) an event happens at a place with
    probability proportional to its weight (a leak by pipe length and size), chosen by the
    event's uniform ``u``; without, at the unit the event drew, every place alike. ``note``
    says what they are, for the run's ``background`` row.
    """

    def __init__(
        self,
        count: int,
        make: Callable[[int], Any],
        weights: Sequence[float] | None = None,
        *,
        note: str = "",
    ) -> None:
        self._count = count
        self.note = note
        self._make = make
        self._made: dict[int, Any] = {}
        self.weights: np.ndarray | None = None
        self._cumulative: np.ndarray | None = None
        if weights is not None and count:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != (count,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
                raise ValueError(f"weights: {count} finite weights ≥ 0, not all 0, expected")
            self.weights = w
            self._cumulative = np.cumsum(w) / w.sum()

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, k: Any) -> Any:
        if not isinstance(k, int) or not 0 <= k < self._count:
            raise IndexError(k)
        found = self._made.get(k)
        if found is None:
            found = self._made[k] = self._make(k)
        return found

    def __iter__(self) -> Iterator[Any]:
        return (self[k] for k in range(self._count))

    def pick(self, a: Arrival) -> Any:
        """The place of background event ``a``: by weight (its ``u``) when the places have
        weights, else the unit it drew."""
        if self._cumulative is None:
            return self[a.unit % self._count]
        return self[self.index_at(a.values["u"])]

    def index_at(self, u: float) -> int:
        """The place a uniform ``u`` in [0, 1) falls on, by weight (the inverse of the
        cumulative weights)."""
        assert self._cumulative is not None
        k = int(np.searchsorted(self._cumulative, u, side="right"))
        return min(k, self._count - 1)

    def warm(self) -> None:
        """Work every place out now (before the catalogue goes to other processes)."""
        for _ in self:
            pass

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (a sweep's workers, a Dask cluster) as the places themselves, worked out now:
        # the function that makes them may be a closure no pickle can carry.
        return (Places.of, (list(self), self.weights, self.note))

    @classmethod
    def of(cls, items: Sequence[Any], weights: Sequence[float] | None = None, note: str = "") -> Places:
        items = list(items)
        return cls(len(items), items.__getitem__, weights, note=note)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """How a kind occurs at random in background work.

    Attributes
    ----------
    rate
        The rates file's ``hazards.<kind>`` entry (a :class:`~twin.background.rates.HazardRate`:
        per year, season, day, channel, ``per``, and the quantities drawn per event, named in its
        ``DRAWS``).
    places
        ``(twin, plant, rate) → Places``: where it can happen in this building (empty: never).
        ``rate`` is None when the rates turn the kind off. May raise
        :class:`~twin.scenario.FieldError` at ``("background", "rates")``.
    start
        ``(env, world, rate, arrival, place, index)``: raise one event now; ``arrival.values``
        holds the drawn quantities and ``u`` (uniform 0–1) for further choices.
    describe
        ``places → words`` for the run's ``background`` row ("12 lifts").
    numbered
        Takes an index of the run's hazards (its random streams); False for an incident that
        needs none.
    """

    rate: type[HazardRate]
    places: Callable[[Twin, Plant, Any], Places]
    start: Callable[[simpy.Environment, World, Any, Arrival, Any, int], None]
    describe: Callable[[Places], str]
    numbered: bool = True


@dataclass(frozen=True, slots=True)
class Drawing:
    """How the replay marks a scenario's hazard before the drill: at the first of its ``places``
    (fields of the spec naming a space, equipment or GlobalId) that is set, with ``symbol``
    (a plotly marker) and ``label``."""

    places: tuple[str, ...]
    symbol: str = "star"
    label: str = ""


@dataclass(frozen=True, slots=True)
class HazardKind:
    """One hazard kind, as registered (see the module docstring)."""

    name: str
    schema: type[HazardSpec] | None
    """None: a scenario cannot name it (it only follows from others, or background work)."""
    compile: Callable[[Any, Twin, Plant, tuple[str | int, ...]], Ref] | None = None
    """``(spec, twin, plant, loc) → Ref``; raises :class:`~twin.scenario.FieldError` under ``loc``."""
    process: Callable[[simpy.Environment, World, Any, Ref, int], Proc] | None = None
    """``(env, world, spec, ref, index)``: the hazard from its start; ``index`` names its streams."""
    occurrence: Occurrence | None = None
    drawing: Drawing = field(default_factory=lambda: Drawing(places=()))

    @property
    def label(self) -> str:
        return self.drawing.label or self.name.replace("_", " ")


def register_hazard(kind: HazardKind) -> HazardKind:
    """Make ``kind`` a hazard scenarios, drills, background work and the replay know."""
    if kind.schema is not None and (kind.compile is None or kind.process is None):
        raise TypeError(f"hazard kind {kind.name!r}: a kind a scenario can name needs compile and process")
    registered: HazardKind = HAZARDS.register(kind)
    return registered


def hazard_kind(name: str) -> HazardKind:
    """The registered kind called ``name``."""
    found: HazardKind = HAZARDS[name]
    return found
