"""The scenario file, as pydantic models: what a drill is, validated once, frozen.

Units are in the field names (``duration_h``, ``callout_delay_min``); hazards and dispatch
policies are discriminated unions on ``kind:``; unknown fields are errors. Places (``base``,
``at``) are names, GlobalIds or equipment ids of the twin; they are checked against the building
when the drill is compiled (:mod:`twin.engine.setup`), not here, so one scenario can be validated
without loading its model.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import re
import typing
from typing import Annotated, Any, ClassVar, Literal, Self

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.config import JsonDict

from twin.errors import suggest
from twin.scenario.kinds import HAZARDS, POLICIES

#: Trades a person or contractor can hold (DESIGN.md, "Domain facts"). ``general`` is a handy
#: person with no licensed trade (cleaning up, sandbags).
TRADES: tuple[str, ...] = (
    "plumber",
    "electrician",
    "hvac",
    "controls",
    "lift_technician",
    "fire_systems",
    "security",
    "front_desk",
    "general",
)

#: Skill levels: 1 = trained to make safe (close a valve, start a generator by hand),
#: 2 = qualified to repair, 3 = senior / supervisor.
LEVELS = (1, 2, 3)

PRIORITIES: tuple[str, ...] = ("red", "yellow", "blue")

#: Reporting channels every scenario has; a scenario may override their delays or add more.
CHANNELS: tuple[str, ...] = ("sensor", "resident_app", "phone", "paper")


class _Frozen(BaseModel):
    # No NaN or infinity anywhere: a number in a scenario, sweep or rates file is a finite
    # quantity (a NaN passes every `ge`/`le` check and then poisons times and scorecards).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_yes_no(cls, data: Any) -> Any:
        # YAML 1.1 reads unquoted yes/no/on/off/true/false as booleans, and pydantic turns a
        # boolean into 1 or 0 for a number (`seed: yes` ran seed 1, `plumber: yes` was level 1).
        if not isinstance(data, dict):
            return data
        rules = _yes_no_rules(cls)
        for name, value in data.items():
            if (rule := rules.get(name)) is None:
                continue
            deep, expected, fix = rule
            if value.__class__ is bool:
                found: tuple[str, bool] | None = ("", value)
            elif deep and isinstance(value, dict | list):
                found = _first_bool(value)
            else:
                continue
            if found is None:
                continue
            where, flag = found
            said = f"{str(flag).lower()}{f' at {where}' if where else ''}"
            raise ValueError(
                f"{name}: a yes/no ({said}) where {expected} is expected — YAML reads unquoted yes, "
                f"no, on, off, true and false as yes/no; {fix}"
            )
        return data

    #: Chains of fields whose values must not decrease in the order named (a field left out,
    #: ``None``, is skipped): ``(("low", "high"),)``. The one check of every min/max pair in every
    #: file the schemas read; a model lists its pairs here and writes no validator of its own.
    ORDERED: ClassVar[tuple[tuple[str, ...], ...]] = ()

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        for chain in self.ORDERED:
            given = [(name, getattr(self, name)) for name in chain if getattr(self, name) is not None]
            for (first, low), (then, high) in itertools.pairwise(given):
                if high < low:
                    raise ValueError(
                        f"{then}: {high:g} is below {first} ({low:g}); {then} must be at least "
                        f"{first} — raise {then} or lower {first}"
                    )
        return self


@functools.cache
def _yes_no_rules(model: type[BaseModel]) -> dict[str, tuple[bool, str, str]]:
    """The fields of a model that take no yes/no, each with whether to look for one inside its
    mappings and lists (not when it holds a model: that model checks its own fields), what is
    expected and the fix."""
    rules: dict[str, tuple[bool, str, str]] = {}
    for name, field in model.model_fields.items():
        seen: list[Any] = []

        def walk(tp: Any, seen: list[Any] = seen) -> None:
            seen.append(tp)
            args = typing.get_args(tp)
            if typing.get_origin(tp) is Literal:
                seen.extend(type(a) for a in args)
                return
            if typing.get_origin(tp) is Annotated:
                args = args[:1]
            for arg in args:
                walk(arg)

        walk(field.annotation)
        if any(tp is bool or tp is Any for tp in seen):
            continue
        holds_model = any(isinstance(tp, type) and issubclass(tp, BaseModel) for tp in seen)
        if any(tp in (int, float) for tp in seen):
            expected = ("a number", "write the number")
        elif dt.datetime in seen:
            expected = ("a date and time", "write it as 2026-01-05T08:00:00")
        else:
            expected = ("text", "put the text in quotes")
        rules[name] = (not holds_model, *expected)
    return rules


def _first_bool(value: Any, where: str = "") -> tuple[str, bool] | None:
    """The first yes/no in a value and where it is (``plumber``, ``night.plumber``, ``[1]``),
    looking inside mappings and lists."""
    if value.__class__ is bool:
        return where, value
    if isinstance(value, dict):
        inner: Any = ((f"{where}.{k}" if where else str(k), v) for k, v in value.items())
    elif isinstance(value, list | tuple):
        inner = ((f"{where}[{i}]", v) for i, v in enumerate(value))
    else:
        return None
    for at, v in inner:
        if (found := _first_bool(v, at)) is not None:
            return found
    return None


#: Marks a field that names a file (``json_schema_extra=FILE``): the one list of the files a
#: scenario reads (:func:`twin.scenario.load.file_references`), so the app can confine them.
FILE: JsonDict = {"x-drilltwin-file": True}


def _check_trade(name: str) -> str:
    if name not in TRADES:
        raise ValueError(f"unknown trade '{name}'{suggest(name, TRADES)}; known trades: {', '.join(TRADES)}")
    return name


# -- random quantities ------------------------------------------------------------------------
# Each distribution draws itself (``sample``) and says what value to expect (``typical``), so no
# caller switches on its kind; :func:`draw` and :func:`typical` take a plain number as itself.

#: The standard normal's 90th percentile: a lognormal's σ from its median and p90.
_Z90 = 1.2815515655446004


class Fixed(_Frozen):
    kind: Literal["fixed"] = "fixed"
    value: float = Field(ge=0)

    def sample(self, rng: np.random.Generator) -> float:
        return float(self.value)

    def typical(self) -> float:
        return float(self.value)


class Uniform(_Frozen):
    kind: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    ORDERED = (("low", "high"),)

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))

    def typical(self) -> float:
        return (self.low + self.high) / 2


class Triangular(_Frozen):
    kind: Literal["triangular"]
    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(ge=0)

    ORDERED = (("low", "mode", "high"),)

    def sample(self, rng: np.random.Generator) -> float:
        if self.low == self.high:  # numpy refuses a degenerate triangle
            return float(self.low)
        return float(rng.triangular(self.low, self.mode, self.high))

    def typical(self) -> float:
        return (self.low + self.mode + self.high) / 3


class LogNormal(_Frozen):
    """Right-skewed delays (arrival of a contractor): given by the median and the 90th percentile."""

    kind: Literal["lognormal"]
    median: float = Field(gt=0)
    p90: float = Field(gt=0)

    ORDERED = (("median", "p90"),)

    def sample(self, rng: np.random.Generator) -> float:
        sigma = math.log(self.p90 / self.median) / _Z90
        return float(self.median * math.exp(sigma * rng.standard_normal()))

    def typical(self) -> float:
        """The median (what a dispatcher expects of a skewed delay, not its mean)."""
        return float(self.median)


class Exponential(_Frozen):
    kind: Literal["exponential"]
    mean: float = Field(gt=0)

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.exponential(self.mean))

    def typical(self) -> float:
        return float(self.mean)


Distribution = Annotated[Fixed | Uniform | Triangular | LogNormal | Exponential, Field(discriminator="kind")]
#: A fixed number (≥ 0: every quantity is a time, a delay or a size), or a distribution drawn
#: from the scenario's seed (whose parameters are ≥ 0 too).
Quantity = Annotated[float, Field(ge=0)] | Distribution


def draw(q: Quantity, rng: np.random.Generator) -> float:
    """One draw of a scenario quantity (a number is itself)."""
    return float(q) if isinstance(q, int | float) else q.sample(rng)


def typical(q: Quantity) -> float:
    """The value to expect of a scenario quantity (a number is itself)."""
    return float(q) if isinstance(q, int | float) else q.typical()


def _no_offset(value: dt.datetime) -> dt.datetime:
    """A start on the building's clock: shifts, the background's hour profiles and every time a
    log shows are the building's local wall-clock time, and the twin knows no time zone to turn
    an offset into it (``08:00+02:00`` ran as 08:00 and kept the offset in the run's metadata)."""
    if value.tzinfo is None:
        return value
    wall = value.replace(tzinfo=None)
    raise ValueError(
        f"{value.isoformat(sep=' ', timespec='minutes')} has a UTC offset; give the building's local "
        f"time without one ({wall.isoformat(timespec='seconds')} if {wall:%H:%M} is the time on the "
        "building's clocks): shifts, the background's hours and the logs all use the building's clock"
    )


#: A moment on the building's clock (a scenario's ``start``, a sweep's ``period.start``).
LocalTime = Annotated[dt.datetime, AfterValidator(_no_offset)]


def _non_negative(value: Quantity) -> Quantity:
    if isinstance(value, int | float) and value < 0:
        raise ValueError(f"must be ≥ 0, got {value}")
    return value


# -- targets, shifts, people ------------------------------------------------------------------


class Target(_Frozen):
    """Service targets of one priority class, in minutes from the report."""

    on_site_min: float = Field(gt=0, description="first qualified person on site within this")
    on_site_max_min: float | None = Field(None, gt=0, description="hard limit (red: 30 min)")
    made_safe_min: float | None = Field(None, gt=0)
    resolved_min: float | None = Field(None, gt=0)

    # The hard limit is a later bound on the same arrival; made safe and resolved follow the
    # arrival in the work order's life cycle (DESIGN.md), so a shorter target for a later step is
    # a slip (``resolved_min: 8`` meant 8 h).
    ORDERED = (("on_site_min", "on_site_max_min"), ("on_site_min", "made_safe_min", "resolved_min"))


class Targets(_Frozen):
    """Per priority class. On-site targets from DESIGN.md (red 15 min, 30 at most; yellow 2 h;
    blue 24 h); the made-safe (red 1 h) and resolved targets (red 8 h, yellow 24 h, blue 72 h)
    are assumed by this project — set your own service-level agreement's."""

    red: Target = Target(on_site_min=15, on_site_max_min=30, made_safe_min=60, resolved_min=480)
    yellow: Target = Target(on_site_min=120, on_site_max_min=None, made_safe_min=None, resolved_min=1440)
    blue: Target = Target(on_site_min=1440, on_site_max_min=None, made_safe_min=None, resolved_min=4320)

    def of(self, priority: str) -> Target:
        target: Target = getattr(self, priority)
        return target


_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def clock_text(value: Any) -> Any:
    """A clock time as its text; an unquoted ``19:00`` that YAML read as a number refused with
    the fix. YAML 1.1 (PyYAML) reads ``H:MM`` with a first digit 1–9 as a base-60 integer
    (``19:00`` → 1140), while ``07:00`` stays text — so one shift of a pair breaks unseen."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value >= 60:
            hours, minutes = divmod(value, 60)
            raise ValueError(
                f"YAML read the unquoted {hours}:{minutes:02d} as the number {value} (base 60); "
                f'write the time in quotes, "{hours:02d}:{minutes:02d}"'
            )
        raise ValueError(
            f'the number {value} is not a time of day; write it in quotes as "HH:MM", e.g. "07:00"'
        )
    return value


class Shift(_Frozen):
    """Hours on site, local time ``HH:MM``; a shift may run past midnight (19:00–07:00)."""

    start: str
    end: str

    @field_validator("start", "end", mode="before")
    @classmethod
    def _quoted(cls, value: Any) -> Any:
        return clock_text(value)

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"'{value}' is not a time of day; write it as HH:MM, e.g. 07:00")
        return value

    def minutes(self) -> tuple[int, int]:
        """(start, end) in minutes after midnight."""
        return _span(self.start, self.end)

    def on_duty(self, minute_of_day: Any) -> Any:
        """Whether the shift covers this minute of the day (:func:`twin.clock.minute_of_day`),
        or each minute of an array of them. The one definition of "on duty"."""
        start, end = _span(self.start, self.end)
        if start == end:
            return np.ones(np.shape(minute_of_day), dtype=bool) if np.ndim(minute_of_day) else True
        if start < end:
            return (minute_of_day >= start) & (minute_of_day < end)
        return (minute_of_day >= start) | (minute_of_day < end)


@functools.cache
def _span(start: str, end: str) -> tuple[int, int]:
    """A shift's ``HH:MM`` start and end in minutes after midnight, parsed once per pair: the
    engine asks who is on duty at every dispatch decision (a pydantic private attribute would
    cost microseconds a read)."""
    h0, m0 = start.split(":")
    h1, m1 = end.split(":")
    return int(h0) * 60 + int(m0), int(h1) * 60 + int(m1)


def _default_shifts() -> dict[str, Shift]:
    return {"day": Shift(start="07:00", end="19:00"), "night": Shift(start="19:00", end="07:00")}


class Person(_Frozen):
    """A member of the property's own staff."""

    id: str = Field(min_length=1)
    name: str = ""
    trades: dict[str, int] = Field(
        min_length=1, description="trade → level (1 make safe, 2 repair, 3 senior)"
    )
    shift: str = Field(description="a name from `shifts`")
    base: str = Field("Engineering Office", description="where they wait: a space name or GlobalId")
    on_call: bool = Field(False, description="off shift, can be called out from home")
    callout_delay_min: Quantity = Field(
        45.0,
        description="from the call to arriving at an entrance (min); default the middle of "
        "DESIGN.md's 30–60 min call-out delay",
    )
    callout_fee: float = Field(0.0, ge=0, description="per call-out, in the scenario's currency")
    hourly_rate: float = Field(
        30.0,
        ge=0,
        description="cost per hour on shift or called out, in the scenario's currency; 30 is "
        "assumed by this project (a technician's loaded hourly cost) — set your own",
    )
    backup: str | None = Field(None, description="id of the person who covers this post (A/B post)")

    @field_validator("trades")
    @classmethod
    def _trades(cls, value: dict[str, int]) -> dict[str, int]:
        for trade, level in value.items():
            _check_trade(trade)
            if level not in LEVELS:
                raise ValueError(f"{trade}: level must be 1, 2 or 3, got {level}")
        return value

    _nonneg = field_validator("callout_delay_min")(_non_negative)


class Contractor(_Frozen):
    """An outside firm called when needed: arrives at the site entrance after a drawn delay."""

    id: str = Field(min_length=1)
    name: str = ""
    trades: dict[str, int] = Field(min_length=1)
    technicians: int = Field(1, ge=1, le=20)
    arrival_delay_min: Quantity = Field(
        LogNormal(kind="lognormal", median=40, p90=70),
        description="from the call to arriving at the site entrance (min); the default (median "
        "40, p90 70) is assumed by this project: a van from the firm's depot, later than its "
        "contract's 30 min more often than not — set it from your contractor's record",
    )
    contract_arrival_min: float = Field(
        30.0,
        gt=0,
        description="arrival promised by the contract (min); 30 as DESIGN.md's lift-maintenance rule",
    )
    penalty_per_breach: float = Field(
        0.0, ge=0, description="charged to the contractor per late arrival, in the scenario's currency"
    )
    callout_fee: float = Field(
        150.0,
        ge=0,
        description="per call-out, in the scenario's currency; 150 assumed by this project — "
        "set your contract's",
    )
    hourly_rate: float = Field(
        85.0,
        ge=0,
        description="per technician-hour on site, in the scenario's currency; 85 assumed by this "
        "project — set your contract's",
    )
    arrives_at: str | None = Field(
        None,
        min_length=1,
        description="where its technicians arrive and sign in (a door or space name, "
        "'NAME @ STOREY' or a GlobalId: the security lodge, the loading bay); none = the "
        "entrance nearest the job",
    )

    _trades = field_validator("trades")(Person._trades.__func__)  # type: ignore[attr-defined]
    _nonneg = field_validator("arrival_delay_min")(_non_negative)


class Channel(_Frozen):
    """How an incident becomes known: the delay from the event to the report."""

    delay_s: Quantity

    _nonneg = field_validator("delay_s")(_non_negative)


def _default_channels() -> dict[str, Channel]:
    # DESIGN.md "Reporting channels": IoT sensor seconds; resident app minutes; phone to the
    # front desk then relay, minutes more; paper ticket hours.
    return {
        "sensor": Channel(delay_s=Uniform(kind="uniform", low=5, high=30)),
        "resident_app": Channel(delay_s=Triangular(kind="triangular", low=60, mode=240, high=900)),
        "phone": Channel(delay_s=Triangular(kind="triangular", low=180, mode=480, high=1500)),
        "paper": Channel(delay_s=Uniform(kind="uniform", low=3600, high=6 * 3600)),
    }


# -- dispatch policies ------------------------------------------------------------------------


class PolicySpec(_Frozen):
    """A scenario's ``dispatch:`` — one policy of :data:`~twin.scenario.kinds.POLICIES`, chosen
    by ``kind``."""

    kind: str


class Nearest(PolicySpec):
    """The nearest qualified free person by travel time; tasks in order of priority, then report."""

    kind: Literal["nearest"]


class PriorityFirst(PolicySpec):
    """As ``nearest``, and a red task with nobody free takes a person off lower-priority work."""

    kind: Literal["priority"]
    preempt: list[Literal["yellow", "blue"]] = ["blue"]


class SkillAware(PolicySpec):
    """Nearest, but each level above what the task needs costs ``level_penalty_s`` seconds, so the
    senior plumber is not sent to close a valve a trained guard can close."""

    kind: Literal["skill"]
    level_penalty_s: float = Field(
        180.0,
        ge=0,
        description="seconds of travel a level above need costs; 180 (3 min) is assumed by this "
        "project: a senior walks a little further rather than be tied up on a junior's task",
    )


class Manual(PolicySpec):
    """A human dispatcher: decides after ``latency_s`` and by habit — the first qualified person
    on the roster who is free (the A post, then their backup) — not by travel time."""

    kind: Literal["manual"]
    latency_s: Quantity = Field(
        120.0,
        description="from a task being ready to the dispatcher's decision (s); 120 is assumed by "
        "this project: read the alarm or ticket, pick someone, phone or radio them",
    )

    _nonneg = field_validator("latency_s")(_non_negative)


class Live(PolicySpec):
    """Nobody is sent by the engine: a person dispatches, in a live exercise (:mod:`twin.live`);
    run without one, open tasks wait."""

    kind: Literal["live"]


#: A dispatch policy, validated by the schema of the registered policy its ``kind`` names.
Dispatch = Annotated[PolicySpec, POLICIES.field()]


# -- hazards ----------------------------------------------------------------------------------


class HazardSpec(_Frozen):
    """A scenario's hazard: one kind of :data:`~twin.scenario.kinds.HAZARDS`, chosen by ``kind``.
    Each kind's schema (``PipeBurst``, ``PowerLoss``, ``Storm`` in :mod:`twin.engine.hazards`)
    adds its own fields."""

    start_min: float = Field(0.0, ge=0, description="minutes after the scenario start")
    reported_via: str = Field("phone", description="a channel name")
    kind: str


#: A hazard, validated by the schema of the registered kind its ``kind`` names.
Hazard = Annotated[HazardSpec, HAZARDS.field()]


# -- overlay: what a real IFC file lacks --------------------------------------------------------

EquipmentRole = Literal[
    "valve", "board", "supply", "generator", "booster_pump", "sump_pump", "pipe", "lift_feed"
]


class OverlayEquipment(_Frozen):
    """A piece of equipment the model does not hold, placed at a space or piece of equipment."""

    id: str = Field(min_length=1, description="the name other fields refer to it by")
    role: EquipmentRole
    at: str
    capacity_l_s: float | None = Field(None, gt=0, description="sump pumps")


class OverlayLink(_Frozen):
    """``source`` feeds ``target`` (water or power flows that way); ids, names or GlobalIds.
    A target that is a lift makes the lift fed from ``source``."""

    source: str
    target: str


class Overlay(_Frozen):
    equipment: list[OverlayEquipment] = Field(default_factory=list)
    links: list[OverlayLink] = Field(default_factory=list)


# -- background work ------------------------------------------------------------------------


class Background(_Frozen):
    """Routine and urgent work orders and random hazards drawn over the drill's period from a
    rates file, so crews are busy when the emergency hits (and a year can be simulated)."""

    rates: str | None = Field(
        None,
        description="a rates file, relative to the scenario; none = the shipped defaults "
        "(twin/background/rates.yaml)",
        json_schema_extra=FILE,
    )
    work_orders: bool = Field(True, description="draw work orders")
    hazards: bool = Field(True, description="draw random pipe bursts, power losses, entrapments, storms")
    scale: float = Field(1.0, gt=0, le=100, description="multiplies every rate")


# -- physics --------------------------------------------------------------------------------


class Physics(_Frozen):
    """Numerical settings of the hazard models, so a user can check that a result converges."""

    water_step_s: float | None = Field(
        None,
        gt=0,
        le=600,
        description="step (s) of the water on floors while water arrives or is pumped; none = the "
        "engine's default (twin/engine/physics.py WATER_STEP_S, 30 s). Run again at 1 s to check "
        "convergence",
    )


# -- the scenario -----------------------------------------------------------------------------


class Scenario(_Frozen):
    """One drill: a building, a roster, hazards, the dispatch policy and the targets."""

    name: str = Field(min_length=1)
    description: str = ""
    model: list[str] = Field(
        default_factory=list,
        description="IFC file(s), relative to the scenario file; none = the bundled default estate",
        json_schema_extra=FILE,
    )
    start: LocalTime = dt.datetime(2026, 1, 1, 2, 0)
    duration_h: float = Field(8.0, gt=0, le=24 * 366)
    seed: int = Field(0, ge=0)
    targets: Targets = Targets()
    shifts: dict[str, Shift] = Field(default_factory=_default_shifts)
    people: list[Person] = Field(min_length=1)
    contractors: list[Contractor] = Field(default_factory=list)
    channels: dict[str, Channel] = Field(
        default_factory=dict, description="added to or overriding the defaults"
    )
    dispatch: Dispatch = Field(Nearest(kind="nearest"))
    hazards: list[Hazard] = Field(default_factory=list)
    overlay: Overlay = Overlay()
    entrances: list[str] = Field(
        default_factory=list,
        description="where people arriving from outside (contractors, staff called out) come in: "
        "door or space names or GlobalIds; none = the doors found in the building's façade",
    )
    background: Background | None = Field(
        None, description="work orders and random hazards over the period (twin/background/rates.yaml)"
    )
    physics: Physics = Physics()
    currency: str = Field(
        "EUR",
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 code of every money figure in the scenario (rates, fees, penalties) "
        "and in its results",
    )

    @property
    def all_channels(self) -> dict[str, Channel]:
        return {**_default_channels(), **self.channels}

    @model_validator(mode="after")
    def _within_years(self) -> Scenario:
        from twin.clock import FIRST_YEAR, LAST_YEAR

        end = self.start + dt.timedelta(hours=self.duration_h) if self.start.year < 9999 else self.start
        if self.start.year < FIRST_YEAR or end.year > LAST_YEAR:
            raise ValueError(
                f"start: {self.start.isoformat(sep=' ', timespec='minutes')} (and the {self.duration_h:g} h "
                f"after it) is outside the years {FIRST_YEAR}–{LAST_YEAR} a drill's times can have; "
                "give a date within them"
            )
        return self

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        ids = [p.id for p in self.people] + [c.id for c in self.contractors]
        seen: set[str] = set()
        for i, pid in enumerate(ids):
            if pid in seen:
                where = f"people[{i}]" if i < len(self.people) else f"contractors[{i - len(self.people)}]"
                raise ValueError(f"{where}.id: '{pid}' is used twice; give every person a unique id")
            seen.add(pid)
        for i, p in enumerate(self.people):
            if p.shift not in self.shifts:
                raise ValueError(
                    f"people[{i}].shift: unknown shift '{p.shift}'{suggest(p.shift, self.shifts)}; "
                    f"shifts: {', '.join(self.shifts)}"
                )
            if p.backup is not None and p.backup not in seen:
                raise ValueError(
                    f"people[{i}].backup: no person with id '{p.backup}'{suggest(p.backup, ids)}"
                )
            if p.backup == p.id:
                raise ValueError(f"people[{i}].backup: a person cannot be their own backup")
        channels = self.all_channels
        for i, h in enumerate(self.hazards):
            if h.reported_via not in channels:
                raise ValueError(
                    f"hazards[{i}].reported_via: unknown channel '{h.reported_via}'"
                    f"{suggest(h.reported_via, channels)}; channels: {', '.join(channels)}"
                )
        return self

    @property
    def duration_s(self) -> float:
        return self.duration_h * 3600.0
