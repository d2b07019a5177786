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
from pydantic import Field, ValidationError

from twin.engine import physics
from twin.engine.hazards.entrapment import entrapment
from twin.engine.hazards.kind import hazard_kind
from twin.engine.hazards.storm import Storm
from twin.engine.tasks import TaskSpec, incident
from twin.errors import PlaceError, TwinError, suggest
from twin.places import resolve_storey
from twin.scenario.kinds import HAZARDS, Registry
from twin.scenario.load import FieldError, Loc, format_loc
from twin.scenario.schema import Channel, HazardSpec, Quantity, Triangular, _Frozen, draw

if TYPE_CHECKING:
    from twin.engine.core import Proc, Sim
    from twin.engine.run import Running
    from twin.engine.setup import Drill

#: Streams of injected hazards are numbered from here (a scenario's own hazards and background
#: work take the low numbers), so an inject never draws from another hazard's stream.
FIRST_INJECT_INDEX = 10_000


class InjectError(TwinError):
    """An inject that does not fit the building or the drill now: the field (``loc``, within
    the inject's settings) and why."""

    def __init__(self, message: str, loc: Loc = ()) -> None:
        super().__init__(f"{format_loc(loc)}: {message}" if loc else message)
        self.loc = loc
        self.message = message


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
    check
        ``(drill, spec)``: raises the :class:`InjectError` that ``apply`` would for a place,
        person or channel the drill does not have — before the exercise (an inject file).
    """

    name: str
    schema: type[InjectSpec]
    apply: Callable[[Running, Any, int], str]
    label: str
    check: Callable[[Drill, Any], None]


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


def check_inject(drill: Drill, spec: InjectSpec) -> None:
    """The :class:`InjectError` ``spec`` would meet in this drill (places, people, channels)."""
    INJECTS.of(spec).check(drill, spec)


# -- hazards, starting now ----------------------------------------------------------------------


def _compiled(drill: Drill, spec: HazardSpec) -> Any:
    """A hazard's places resolved in the building (its kind's compile); an :class:`InjectError`
    at the field otherwise."""
    channels = drill.scenario.all_channels
    if spec.reported_via not in channels:
        raise InjectError(
            f"unknown channel '{spec.reported_via}'{suggest(spec.reported_via, channels)}; "
            f"channels: {', '.join(channels)}",
            ("reported_via",),
        )
    try:
        return HAZARDS.of(spec).compile(spec, drill.twin, drill.plant, ())
    except FieldError as exc:
        raise InjectError(exc.message, exc.loc) from None


def start_hazard(running: Running, spec: HazardSpec, index: int) -> str:
    """Compile a scenario hazard against the building and start its process now."""
    spec = spec.model_copy(update={"start_min": 0.0})
    ref = _compiled(running.drill, spec)
    kind = HAZARDS.of(spec)
    assert kind.process is not None  # a kind a scenario can name has one
    running.env.process(kind.process(running.env, running.world, spec, ref, FIRST_INJECT_INDEX + index))
    return f"{hazard_kind(spec.kind).label} starts now"


def _hazard_inject(make: Callable[[Any, Drill], HazardSpec], label: str) -> tuple[Any, Any]:
    """``apply`` and ``check`` of an inject that is a hazard spec (``make``), starting now."""

    def apply(running: Running, spec: Any, index: int) -> str:
        start_hazard(running, make(spec, running.drill), index)
        return label.format(spec=spec)

    def check(drill: Drill, spec: Any) -> None:
        _compiled(drill, make(spec, drill))

    return apply, check


class HazardInject(InjectSpec):
    """Any hazard a scenario can name (``hazard: {kind: pipe_burst, at: …}``), starting now."""

    kind: Literal["hazard"]
    hazard: dict[str, Any] = Field(description="a scenario hazard; its start_min is ignored (it starts now)")


def _hazard_of(spec: HazardInject, drill: Drill) -> HazardSpec:
    try:
        hazard: HazardSpec = HAZARDS.validate({**spec.hazard, "start_min": 0})  # type: ignore[assignment]
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InjectError(str(first["msg"]), ("hazard", *first["loc"])) from None
    return hazard


def _hazard_apply(running: Running, spec: HazardInject, index: int) -> str:
    hazard = _hazard_of(spec, running.drill)
    try:
        return start_hazard(running, hazard, index)
    except InjectError as exc:
        raise InjectError(exc.message, ("hazard", *exc.loc)) from None


def _hazard_check(drill: Drill, spec: HazardInject) -> None:
    try:
        _compiled(drill, _hazard_of(spec, drill))
    except InjectError as exc:
        if exc.loc[:1] == ("hazard",):
            raise
        raise InjectError(exc.message, ("hazard", *exc.loc)) from None


class Burst(InjectSpec):
    """A pipe bursts now (the ``pipe_burst`` hazard)."""

    kind: Literal["burst"]
    at: str = Field(description="the pipe (equipment name or GlobalId) or the space it is in")
    pressure_bar: float = Field(4.5, gt=0, le=16)
    hole_area_cm2: float = Field(5.0, gt=0, le=500)
    valve: str | None = None
    repair_min: Quantity = Triangular(kind="triangular", low=45, mode=90, high=180)
    reported_via: str = "phone"


def _burst_of(spec: Burst, drill: Drill) -> HazardSpec:
    burst: HazardSpec = HAZARDS.validate({"kind": "pipe_burst", **spec.model_dump(exclude={"kind"})})  # type: ignore[assignment]
    return burst


class Entrapment(InjectSpec):
    """A lift car stops with passengers in it (the ``entrapment`` incident)."""

    kind: Literal["entrapment"]
    lift: str = Field(description="the lift (its name or GlobalId)")
    storey: str | None = Field(None, description="where the car stopped; none = its lowest stop")
    passengers: int = Field(1, ge=1, le=30)
    rescue_min: float = Field(
        physics.RESCUE_S / 60.0, gt=0, description="the rescue's work; default physics.RESCUE_S"
    )


def _car(drill: Drill, spec: Entrapment) -> tuple[int, int]:
    """(lift, storey: -1 for its lowest stop) named by ``spec``."""
    model = drill.twin.model
    want = spec.lift.strip().casefold()
    found = [
        k
        for k, car in enumerate(model.lifts)
        if want in {car.name.casefold(), car.id.casefold(), *(a.casefold() for a in car.aliases)}
    ]
    if not found:
        names = [car.name for car in model.lifts]
        raise InjectError(
            f"'{spec.lift}' is not a lift{suggest(spec.lift, names)} (lifts: {', '.join(names)})", ("lift",)
        )
    storey = -1
    if spec.storey is not None:
        try:
            storey = resolve_storey(spec.storey, model)
        except PlaceError as exc:
            raise InjectError(str(exc), ("storey",)) from None
    return found[0], storey


def _check_car(drill: Drill, spec: Entrapment) -> None:
    _car(drill, spec)


def _entrapment(running: Running, spec: Entrapment, index: int) -> str:
    lift, storey = _car(running.drill, spec)
    entrapment(running.sim, lift, storey, spec.passengers, 60.0 * spec.rescue_min)
    return f"{spec.passengers} trapped in {running.sim.model.lifts[lift].name}"


class GeneratorFails(InjectSpec):
    """The power fails and the standby generator does not start (the ``power_loss`` hazard with
    a start probability of 0): an electrician must start it by hand."""

    kind: Literal["generator_fails"]
    at: str | None = Field(None, description="the supply or board that fails; none = the first supply")
    duration_min: Quantity | None = Triangular(kind="triangular", low=30, mode=90, high=240)
    reported_via: str = "sensor"


def _loss_of(spec: GeneratorFails, drill: Drill) -> HazardSpec:
    plant = drill.plant
    at = spec.at
    if at is None:
        supplies = [i for i in plant.items("supply") if plant.node[i] >= 0]
        if not supplies:
            raise InjectError("the building has no supply reachable on foot; name one", ("at",))
        at = plant.name[supplies[0]]
    if not plant.items("generator"):
        raise InjectError("the building has no standby generator to fail")
    loss: HazardSpec = HAZARDS.validate(  # type: ignore[assignment]
        {
            "kind": "power_loss",
            "at": at,
            "duration_min": spec.duration_min,
            "generator_start_probability": 0.0,
            "reported_via": spec.reported_via,
        }
    )
    return loss


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


def _check_channel(drill: Drill, spec: ChannelDown) -> None:
    channels = drill.scenario.all_channels
    if spec.channel not in channels:
        raise InjectError(
            f"unknown channel '{spec.channel}'{suggest(spec.channel, channels)}; "
            f"channels: {', '.join(channels)}",
            ("channel",),
        )


def _channel_down(running: Running, spec: ChannelDown, index: int) -> str:
    _check_channel(running.drill, spec)
    sim = running.sim
    usual_delay = sim.channels[spec.channel].delay_s
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


def _check_person(drill: Drill, spec: PersonAway) -> None:
    ids = [c.id for c in drill.crew]
    if spec.person not in ids:
        raise InjectError(f"no person '{spec.person}'{suggest(spec.person, ids)}", ("person",))


def _person_away(running: Running, spec: PersonAway, index: int) -> str:
    from twin.live.decisions import Decision, _take_off, member_of

    _check_person(running.drill, spec)
    sim = running.sim
    m = member_of(sim, spec.person)
    if m.index in sim.away:
        raise InjectError(f"{m.crew.id} is already out of the exercise", ("person",))
    if m.task is not None:
        _take_off(sim, m, Decision("release", m.crew.id))
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


def _rain_of(spec: StormWorse, drill: Drill) -> HazardSpec:
    return Storm(
        kind="storm",
        peak_mm_h=spec.peak_mm_h,
        duration_min=spec.duration_min,
        drain_capacity_l_s=0.0,
        drains_blocked_fraction=0.0,
        low_point=spec.low_point,
        reported_via=spec.reported_via,
    )


_burst_apply, _burst_check = _hazard_inject(_burst_of, "pipe burst at {spec.at}")
_loss_apply, _loss_check = _hazard_inject(_loss_of, "power lost; the generator will not start")
_rain_apply, _rain_check = _hazard_inject(
    _rain_of, "{spec.peak_mm_h:g} mm/h more rain for {spec.duration_min:g} min"
)

register_inject(
    Inject(
        "hazard", HazardInject, _hazard_apply, "any hazard a scenario can name, starting now", _hazard_check
    )
)
register_inject(Inject("burst", Burst, _burst_apply, "a pipe bursts", _burst_check))
register_inject(
    Inject(
        "entrapment",
        Entrapment,
        _entrapment,
        "a lift stops with passengers",
        _check_car,
    )
)
register_inject(
    Inject(
        "generator_fails", GeneratorFails, _loss_apply, "power cut; the generator does not start", _loss_check
    )
)
register_inject(
    Inject(
        "channel_down", ChannelDown, _channel_down, "a reporting channel (phone line) is down", _check_channel
    )
)
register_inject(
    Inject("person_away", PersonAway, _person_away, "a person is called away or hurt", _check_person)
)
register_inject(Inject("storm_worse", StormWorse, _rain_apply, "the storm gets worse", _rain_check))
