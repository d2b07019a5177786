"""Injects: what a trainer throws into a running exercise, as a registry.

Each inject is registered once (:func:`register_inject`) with its schema (a pydantic model with
``kind: Literal[name]`` and its settings, units in the names), what it does to the running drill
(``apply``) and a one-line label for the trainer's menu; the inject file, the exercise log and
the app ask :data:`INJECTS`. The physics is the hazard kinds' own
(:data:`~twin.scenario.kinds.HAZARDS`): a burst or a storm is that kind's spec, compiled against
the building and started now, not a second model of it.

Built in: ``hazard`` (any scenario hazard, starting now), ``burst``, ``entrapment`` (a car
stopping with passengers), ``generator_fails`` (a power cut the standby set does not start for),
``channel_down`` (a reporting channel lost for a while), ``person_away`` (called away or hurt)
and ``storm_worse``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import simpy
from pydantic import Field

from twin.engine import physics
from twin.engine.hazards.entrapment import entrapment
from twin.engine.hazards.kind import hazard_kind
from twin.engine.hazards.storm import Storm
from twin.engine.tasks import TaskSpec, incident
from twin.errors import PlaceError, TwinError, suggest
from twin.scenario.kinds import HAZARDS, Registry
from twin.scenario.load import FieldError, format_loc
from twin.scenario.schema import Channel, HazardSpec, Quantity, Triangular, _Frozen, draw

if TYPE_CHECKING:
    from twin.engine.core import Proc, Sim
    from twin.engine.run import Running

#: Streams of injected hazards are numbered from here (a scenario's own hazards and background
#: work take the low numbers), so an inject never draws from another hazard's stream.
FIRST_INJECT_INDEX = 10_000


class InjectError(TwinError):
    """An inject that does not fit the building or the drill now (what and why)."""


class InjectSpec(_Frozen):
    """An inject's settings: one kind of :data:`INJECTS`, chosen by ``kind``."""

    kind: str


@dataclass(frozen=True, slots=True)
class Inject:
    """An inject kind, as registered.

    Attributes
    ----------
    name
        Its ``kind``.
    schema
        Its settings (``kind: Literal[name]``).
    apply
        ``(running, spec, index) → what happened`` (one line): changes the running drill now;
        raises :class:`InjectError` when it cannot. ``index`` numbers its random streams.
    label
        What it does, for the trainer's menu.
    """

    name: str
    schema: type[InjectSpec]
    apply: Callable[[Running, Any, int], str]
    label: str


#: Inject kinds by name (the built-ins are this module's).
INJECTS: Registry[Inject] = Registry("inject", "twin.live.injects")


def register_inject(inject: Inject) -> Inject:
    """Make ``inject`` one the exercise, inject files and the app know."""
    return INJECTS.register(inject)


def inject_spec(data: dict[str, Any] | InjectSpec) -> InjectSpec:
    """Validated settings of a registered inject (``pydantic.ValidationError`` otherwise)."""
    spec: InjectSpec = INJECTS.validate(data)  # type: ignore[assignment]
    return spec


def apply_inject(running: Running, spec: InjectSpec, index: int) -> str:
    """Apply a validated inject to the running drill now; one line saying what happened."""
    return INJECTS.of(spec).apply(running, spec, index)


# -- hazards, starting now ----------------------------------------------------------------------


def start_hazard(running: Running, spec: HazardSpec, index: int, *, what: str = "hazard") -> str:
    """Compile a scenario hazard against the building and start its process now."""
    spec = spec.model_copy(update={"start_min": 0.0})
    kind = HAZARDS.of(spec)
    sim = running.sim
    if spec.reported_via not in sim.channels:
        raise InjectError(
            f"{what}.reported_via: unknown channel '{spec.reported_via}'"
            f"{suggest(spec.reported_via, sim.channels)}; channels: {', '.join(sim.channels)}"
        )
    try:
        ref = kind.compile(spec, running.drill.twin, running.drill.plant, (what,))
    except FieldError as exc:
        raise InjectError(f"{format_loc(exc.loc)}: {exc.message}") from None
    running.env.process(kind.process(running.env, running.world, spec, ref, FIRST_INJECT_INDEX + index))
    return f"{hazard_kind(spec.kind).label} starts now"


class HazardInject(InjectSpec):
    """Any hazard a scenario can name (``hazard: {kind: pipe_burst, at: …}``), starting now."""

    kind: Literal["hazard"]
    hazard: dict[str, Any] = Field(description="a scenario hazard; its start_min is ignored (it starts now)")


def _hazard(running: Running, spec: HazardInject, index: int) -> str:
    from pydantic import ValidationError

    try:
        hazard: HazardSpec = HAZARDS.validate({**spec.hazard, "start_min": 0})  # type: ignore[assignment]
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InjectError(f"hazard.{format_loc(tuple(first['loc']))}: {first['msg']}") from None
    return start_hazard(running, hazard, index)


class Burst(InjectSpec):
    """A pipe bursts now (the ``pipe_burst`` hazard)."""

    kind: Literal["burst"]
    at: str = Field(description="the pipe (equipment name or GlobalId) or the space it is in")
    pressure_bar: float = Field(4.5, gt=0, le=16)
    hole_area_cm2: float = Field(5.0, gt=0, le=500)
    valve: str | None = None
    repair_min: Quantity = Triangular(kind="triangular", low=45, mode=90, high=180)
    reported_via: str = "phone"


def _burst(running: Running, spec: Burst, index: int) -> str:
    fields = spec.model_dump(exclude={"kind"})
    burst: HazardSpec = HAZARDS.validate({"kind": "pipe_burst", **fields})  # type: ignore[assignment]
    start_hazard(running, burst, index, what="burst")
    return f"pipe burst at {spec.at}"


class Entrapment(InjectSpec):
    """A lift car stops with passengers in it (the ``entrapment`` incident)."""

    kind: Literal["entrapment"]
    lift: str = Field(description="the lift (its name or GlobalId)")
    storey: str | None = Field(None, description="where the car stopped; none = its lowest stop")
    passengers: int = Field(1, ge=1, le=30)
    rescue_min: float = Field(
        physics.RESCUE_S / 60.0, gt=0, description="the rescue's work; default physics.RESCUE_S"
    )


def _entrapment(running: Running, spec: Entrapment, index: int) -> str:
    sim = running.sim
    model = sim.model
    want = spec.lift.strip().casefold()
    found = [
        k
        for k, car in enumerate(model.lifts)
        if want in {car.name.casefold(), car.id.casefold(), *(a.casefold() for a in car.aliases)}
    ]
    if not found:
        names = [car.name for car in model.lifts]
        raise InjectError(
            f"entrapment.lift: '{spec.lift}' is not a lift{suggest(spec.lift, names)} "
            f"(lifts: {', '.join(names)})"
        )
    lift = found[0]
    storey = -1
    if spec.storey is not None:
        from twin.places import resolve_storey

        try:
            storey = resolve_storey(spec.storey, model)
        except PlaceError as exc:
            raise InjectError(f"entrapment.storey: {exc}") from None
    entrapment(sim, lift, storey, spec.passengers, 60.0 * spec.rescue_min)
    return f"{spec.passengers} trapped in {model.lifts[lift].name}"


class GeneratorFails(InjectSpec):
    """The power fails and the standby generator does not start (the ``power_loss`` hazard with
    a start probability of 0): an electrician must start it by hand."""

    kind: Literal["generator_fails"]
    at: str | None = Field(None, description="the supply or board that fails; none = the first supply")
    duration_min: Quantity | None = Triangular(kind="triangular", low=30, mode=90, high=240)
    reported_via: str = "sensor"


def _generator_fails(running: Running, spec: GeneratorFails, index: int) -> str:
    plant = running.drill.plant
    at = spec.at
    if at is None:
        supplies = [i for i in plant.items("supply") if plant.node[i] >= 0]
        if not supplies:
            raise InjectError("generator_fails.at: the building has no supply reachable on foot; name one")
        at = plant.name[supplies[0]]
    if not plant.items("generator"):
        raise InjectError("generator_fails: the building has no standby generator")
    loss: HazardSpec = HAZARDS.validate(  # type: ignore[assignment]
        {
            "kind": "power_loss",
            "at": at,
            "duration_min": spec.duration_min,
            "generator_start_probability": 0.0,
            "reported_via": spec.reported_via,
        }
    )
    start_hazard(running, loss, index, what="generator_fails")
    return f"power lost at {at}; the generator will not start"


class ChannelDown(InjectSpec):
    """A reporting channel is lost (a phone line down): what is reported through it while it is
    down gets through when it is back, after its usual delay."""

    kind: Literal["channel_down"]
    channel: str = "phone"
    duration_min: float = Field(gt=0, description="how long it is down")


@dataclass(frozen=True, slots=True)
class _UntilBack:
    """A channel's delay while it is down: the time until it is back, then its usual delay (a
    quantity that draws itself, as :func:`~twin.scenario.schema.draw` expects)."""

    sim: Sim
    back_s: float
    usual: Quantity

    def sample(self, rng: Any) -> float:
        return max(self.back_s - float(self.sim.env.now), 0.0) + draw(self.usual, rng)


def _channel_down(running: Running, spec: ChannelDown, index: int) -> str:
    sim = running.sim
    if spec.channel not in sim.channels:
        raise InjectError(
            f"channel_down.channel: unknown channel '{spec.channel}'{suggest(spec.channel, sim.channels)}; "
            f"channels: {', '.join(sim.channels)}"
        )
    usual = sim.channels[spec.channel]
    usual_delay = usual.delay_s
    if isinstance(usual_delay, _UntilBack):  # down again while down: the original delay
        usual_delay = usual_delay.usual
    back = float(sim.env.now) + 60.0 * spec.duration_min
    # A channel whose delay draws itself at report time (no validation: not a scenario quantity).
    down: Any = _UntilBack(sim, back, usual_delay)
    sim.channels[spec.channel] = Channel.model_construct(delay_s=down)
    running.env.process(_channel_back(running.env, sim, spec.channel, back, usual_delay))
    return f"{spec.channel} down for {spec.duration_min:g} min"


def _channel_back(env: simpy.Environment, sim: Sim, channel: str, back_s: float, usual: Quantity) -> Proc:
    yield env.timeout(back_s - env.now)
    current = sim.channels.get(channel)
    if current is not None and isinstance(current.delay_s, _UntilBack) and current.delay_s.back_s == back_s:
        sim.channels[channel] = Channel.model_construct(delay_s=usual)


class PersonAway(InjectSpec):
    """A person is called away or hurt: off their task (it goes back on the board) and never
    sent again (for ``duration_min``, or the rest of the exercise). Hurt, they are also a red
    incident where they are: someone must go to them."""

    kind: Literal["person_away"]
    person: str
    hurt: bool = False
    duration_min: float | None = Field(None, gt=0, description="none = for the rest of the exercise")
    first_aid_min: float = Field(
        20.0,
        gt=0,
        description="the time someone stays with the casualty: about an ambulance's arrival "
        "(NHS England category 2 target: 18 min mean)",
    )


#: Who can attend a hurt colleague: the security guards (first aid trained on most sites) or
#: the front desk.
FIRST_AID = (("security", 1), ("front_desk", 1))


def _person_away(running: Running, spec: PersonAway, index: int) -> str:
    from twin.live.decisions import Decision as _D
    from twin.live.decisions import DecisionError, _take_off, member_of

    sim = running.sim
    try:
        m = member_of(sim, spec.person)
    except DecisionError as exc:
        raise InjectError(f"person_away.person: {exc}") from None
    if m.index in sim.away:
        raise InjectError(f"person_away.person: {m.crew.id} is already out of the exercise")
    if m.task is not None:
        _take_off(sim, m, _D("release", m.crew.id))
    sim.away.add(m.index)
    sim.log("move", node=m.node, person=m.crew.id, detail="hurt" if spec.hurt else "called away")
    if spec.duration_min is not None:
        running.env.process(_back(running.env, sim, m.index, 60.0 * spec.duration_min))
    if spec.hurt:
        incident(
            sim,
            "injury",
            f"{m.crew.name} hurt",
            "red",
            m.node,
            "phone",
            [TaskSpec("first aid", FIRST_AID, m.node, 60.0 * spec.first_aid_min, makes_safe=True)],
            delay_s=0.0,
        )
    return f"{m.crew.id} {'hurt' if spec.hurt else 'called away'}"


def _back(env: simpy.Environment, sim: Sim, person: int, after_s: float) -> Proc:
    yield env.timeout(after_s)
    sim.away.discard(person)
    sim.log("move", node=sim.members[person].node, person=sim.members[person].crew.id, detail="back")
    sim.poke()


class StormWorse(InjectSpec):
    """More rain now: a storm cell on top of whatever falls, its runoff all going to the low
    point (the site's drains are taken by the rain already falling) — the ``storm`` hazard."""

    kind: Literal["storm_worse"]
    peak_mm_h: float = Field(60.0, gt=0, le=500)
    duration_min: float = Field(60.0, gt=0)
    low_point: str = Storm.model_fields["low_point"].default
    reported_via: str = "sensor"


def _storm_worse(running: Running, spec: StormWorse, index: int) -> str:
    rain = Storm(
        kind="storm",
        peak_mm_h=spec.peak_mm_h,
        duration_min=spec.duration_min,
        drain_capacity_l_s=0.0,
        drains_blocked_fraction=0.0,
        low_point=spec.low_point,
        reported_via=spec.reported_via,
    )
    start_hazard(running, rain, index, what="storm_worse")
    return f"{spec.peak_mm_h:g} mm/h more rain for {spec.duration_min:g} min"


register_inject(Inject("hazard", HazardInject, _hazard, "any hazard a scenario can name, starting now"))
register_inject(Inject("burst", Burst, _burst, "a pipe bursts"))
register_inject(Inject("entrapment", Entrapment, _entrapment, "a lift stops with passengers"))
register_inject(
    Inject("generator_fails", GeneratorFails, _generator_fails, "power cut; the generator does not start")
)
register_inject(
    Inject("channel_down", ChannelDown, _channel_down, "a reporting channel (phone line) is down")
)
register_inject(Inject("person_away", PersonAway, _person_away, "a person is called away or hurt"))
register_inject(Inject("storm_worse", StormWorse, _storm_worse, "the storm gets worse"))
