"""Background work in a run: the process raising the period's events.

:func:`background` draws the period's events (:func:`twin.background.generate.generate`) from
the run's streams, at the places the drill's :class:`~twin.engine.catalogue.Catalogue` lists, and
raises each at its time: a work order is an incident with one task; a hazard is started by its
kind's :attr:`~twin.engine.hazards.kind.Occurrence.start`, the same physics as a scenario's.
"""

from __future__ import annotations

import simpy

from twin.background.generate import Arrival, generate
from twin.engine.catalogue import Catalogue, hazard_of
from twin.engine.core import Proc, Sim
from twin.engine.hazards.kind import World
from twin.engine.tasks import TaskSpec, incident
from twin.scenario.schema import draw


def arrivals(sim: Sim, cat: Catalogue) -> list[Arrival]:
    """The run's background events, from its streams (the same for every roster on one seed)."""
    choices = {per: int(n.size) for per, n in cat.nodes.items()}
    # A hazard picks among its own places; none where the building has none.
    choices |= {kind: len(places) for kind, places in cat.hazards.items()}
    opts = cat.options
    return generate(
        cat.rates,
        cat.units,
        choices,
        sim.start,
        sim.drill.scenario.duration_s,
        sim.rng,
        draw,
        work_orders=opts.work_orders,
        hazards=opts.hazards,
        scale=opts.scale,
    )


def background(env: simpy.Environment, world: World, cat: Catalogue, first_hazard: int) -> Proc:
    """Raise each background event at its time. Hazards are numbered from ``first_hazard`` (after
    the scenario's own) for their random streams."""
    sim = world.sim
    rates = cat.rates
    hazard_index = first_hazard
    channels = sim.channels
    found = arrivals(sim, cat)
    sim.log("background", value=len(found), detail=cat.describe())
    for a in found:
        if a.t_s > env.now:
            yield env.timeout(a.t_s - env.now)
        if a.kind == "work_order":
            w = rates.work_orders[a.rate]
            node = int(cat.nodes[w.per][a.unit])
            delay = (
                draw(channels[w.channel].delay_s, sim.rng(f"background:report:{w.name}"))
                if w.channel in channels
                else 0.0
            )
            incident(
                sim,
                "work_order",
                w.name,
                w.priority,
                node,
                w.channel,
                [TaskSpec(w.name, ((w.trade, w.level),), node, 60.0 * a.values["minutes"])],
                delay_s=delay,
            )
            continue
        occurrence = hazard_of(a.kind).occurrence
        assert occurrence is not None
        places = cat.hazards[a.kind]
        i = hazard_index
        if occurrence.numbered:
            hazard_index += 1
        occurrence.start(env, world, rates.hazards[a.kind], a, places.pick(a), i)
