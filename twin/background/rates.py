"""The rates file: how often background work and random hazards happen, as pydantic models.

The shipped defaults (``rates.yaml`` next to this module) carry the reason for every figure. A
user's file names only what it changes: seasons and day profiles add to or replace the defaults
by name, ``work_orders`` replaces the list, each hazard replaces the default of its kind (``null``
turns it off). Errors name the file, the line and the field, as scenario errors do.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from twin.errors import suggest
from twin.scenario.kinds import HAZARDS
from twin.scenario.schema import Quantity, Scenario, Shift, _check_trade, _Frozen, _non_negative, clock_text

#: The shipped defaults.
DEFAULT_RATES = Path(__file__).with_name("rates.yaml")

#: What a rate counts. Equipment roles are those of :mod:`twin.engine.plant`.
Per = Literal[
    "household", "site", "lift", "booster_pump", "sump_pump", "board", "generator", "valve", "drain"
]


class _Rate(_Frozen):
    per_year: float = Field(ge=0, description="events per unit (`per`) per year")
    season: str = Field("flat", description="a name from `seasons`")
    day: str = Field("flat", description="a name from `day_profiles`")
    channel: str = Field("phone", description="how it is reported: a channel of the scenario")
    source: str = Field("", description="where the figure comes from, or why it is plausible")


class Schedule(_Frozen):
    """Planned work at fixed times: each unit is visited every ``every_days`` days, once at each
    clock time of ``at``; the units' first visits are spread evenly over the first cycle."""

    every_days: float = Field(gt=0, le=3660, description="days between two visits to one unit")
    at: list[str] = Field(
        default_factory=lambda: ["09:00"],
        min_length=1,
        description="clock times (HH:MM) a visit starts; one visit per time per cycle",
    )

    @field_validator("at", mode="before")
    @classmethod
    def _quoted(cls, value: Any) -> Any:
        return [clock_text(t) for t in value] if isinstance(value, list) else value

    @field_validator("at")
    @classmethod
    def _clock(cls, value: list[str]) -> list[str]:
        for t in value:
            Shift(start=t, end=t)  # the scenario's HH:MM check and message
        return value

    def minutes_of_day(self) -> list[int]:
        return [Shift(start=t, end=t).minutes()[0] for t in self.at]


class WorkOrderRate(_Rate):
    """One kind of work order: one task for one trade, at the unit it comes from. Reactive work
    has a yearly rate (``per_year``: a Poisson process); planned work a ``schedule``."""

    per_year: float = Field(0.0, ge=0, description="events per unit (`per`) per year; 0 with a schedule")
    schedule: Schedule | None = Field(
        None, description="planned work at fixed times instead of a rate (season and day are ignored)"
    )
    name: str = Field(min_length=1)
    per: Per
    priority: Literal["red", "yellow", "blue"]
    trade: str
    level: int = Field(1, ge=1, le=3)
    minutes: Quantity = Field(description="time on the job")

    _trade = field_validator("trade")(_check_trade)
    _nonneg = field_validator("minutes")(_non_negative)

    @model_validator(mode="after")
    def _one_clock(self) -> WorkOrderRate:
        if self.schedule is not None and self.per_year > 0:
            raise ValueError(
                f"'{self.name}': give per_year (reactive work) or schedule (planned work), not both"
            )
        return self

    def visits_per_year(self, units: int) -> float:
        """How many jobs a year ``units`` units give (the rate, or the schedule's count)."""
        if self.schedule is None:
            return self.per_year * units
        return units * len(self.schedule.at) * 365.0 / self.schedule.every_days


class HazardRate(_Rate):
    """A hazard kind's entry under ``hazards:``: each kind's module (:mod:`twin.engine.hazards`)
    subclasses it with its ``per`` and the quantities drawn per event, named in ``DRAWS``."""

    DRAWS: ClassVar[tuple[str, ...]] = ()
    """The rate's quantities drawn for each event, in order."""
    per: str = "site"


def _hazard_rates(value: Any) -> Any:
    """``hazards:`` entries, each checked by its kind's rate (null turns a kind off)."""
    if not isinstance(value, dict):
        return value  # the dict type's own error follows
    out: dict[str, HazardRate | None] = {}
    errors: list[InitErrorDetails] = []
    for kind, entry in value.items():
        if isinstance(entry, HazardRate) or entry is None:
            out[kind] = entry
            continue
        occurrence = getattr(HAZARDS[kind], "occurrence", None) if kind in HAZARDS else None
        if occurrence is None:
            known = [k.name for k in HAZARDS if getattr(k, "occurrence", None) is not None]
            errors.append(
                InitErrorDetails(
                    type=PydanticCustomError(
                        "unknown_kind",
                        f"unknown hazard kind '{kind}'{suggest(str(kind), known)} "
                        f"(known: {', '.join(known)})",
                    ),
                    loc=(kind,),
                    input=entry,
                )
            )
            continue
        try:
            out[kind] = occurrence.rate.model_validate(entry)
        except ValidationError as exc:
            errors += [
                InitErrorDetails(
                    type=PydanticCustomError(e["type"], e["msg"], e.get("ctx")),
                    loc=(kind, *e["loc"]),
                    input=e["input"],
                )
                for e in exc.errors()
            ]
    if errors:
        raise ValidationError.from_exception_data("hazards", errors)
    return out


class Rates(_Frozen):
    """Background work orders and random hazards, per year, spread by season and time of day."""

    seasons: dict[str, list[float]] = Field(description="12 monthly factors, January first")
    day_profiles: dict[str, list[float]] = Field(description="24 hourly factors, from 00:00")
    work_orders: list[WorkOrderRate] = Field(default_factory=list)
    hazards: Annotated[dict[str, Any], BeforeValidator(_hazard_rates)] = Field(
        default_factory=dict, description="per hazard kind, how often it happens (null: never)"
    )

    @field_validator("seasons")
    @classmethod
    def _seasons(cls, value: dict[str, list[float]]) -> dict[str, list[float]]:
        return _check_profiles(value, 12, "monthly")

    @field_validator("day_profiles")
    @classmethod
    def _days(cls, value: dict[str, list[float]]) -> dict[str, list[float]]:
        return _check_profiles(value, 24, "hourly")

    @model_validator(mode="after")
    def _names(self) -> Rates:
        rates: list[tuple[str, _Rate]] = [(f"work_orders[{i}]", w) for i, w in enumerate(self.work_orders)]
        rates += [(f"hazards.{k}", rate) for k, rate in self.hazards.items()]
        seen: set[str] = set()
        for where, rate in rates:
            if rate is None:
                continue
            if rate.season not in self.seasons:
                raise ValueError(
                    f"{where}.season: unknown season '{rate.season}'"
                    f"{suggest(rate.season, self.seasons)}; seasons: {', '.join(self.seasons)}"
                )
            if rate.day not in self.day_profiles:
                raise ValueError(
                    f"{where}.day: unknown day profile '{rate.day}'"
                    f"{suggest(rate.day, self.day_profiles)}; profiles: {', '.join(self.day_profiles)}"
                )
            if isinstance(rate, WorkOrderRate):
                if rate.name in seen:
                    raise ValueError(
                        f"{where}.name: '{rate.name}' is used twice; give each work order its own name"
                    )
                seen.add(rate.name)
        return self


def _check_profiles(value: dict[str, list[float]], length: int, what: str) -> dict[str, list[float]]:
    for name, factors in value.items():
        if len(factors) != length:
            raise ValueError(f"{name}: needs {length} {what} factors, got {len(factors)}")
        if any(f < 0 for f in factors) or sum(factors) <= 0:
            raise ValueError(f"{name}: factors must be ≥ 0 and not all 0")
    return value


def scenario_rates(scenario: Scenario) -> Rates | None:
    """The rates a scenario's background uses, read from its file or the shipped defaults
    (None: it has no background)."""
    bg = scenario.background
    if bg is None:
        return None
    return load_rates(bg.rates) if bg.rates else default_rates()


@cache
def default_rates() -> Rates:
    """The shipped rates (read once)."""
    return load_rates(DEFAULT_RATES, merge=False)


def load_rates(path: str | Path, *, merge: bool = True) -> Rates:
    """Read a rates file; with ``merge``, sections it leaves out keep the shipped defaults.

    Raises
    ------
    ScenarioError
        The file is missing, not YAML, or says something invalid (naming file, line and field).
    """
    from twin.scenario.load import read_yaml_model  # the YAML edge, shared with scenarios

    base = default_rates().model_dump(mode="json") if merge else None

    def over_defaults(data: dict[str, Any]) -> dict[str, Any]:
        if base is None:
            return data
        out = {**base, **data}
        for key in ("seasons", "day_profiles", "hazards"):
            if isinstance(data.get(key), dict):
                out[key] = {**base[key], **data[key]}
        return out

    return read_yaml_model(
        Path(path),
        Rates,
        what="rates file (seasons:, day_profiles:, work_orders:, hazards:)",
        prepare=over_defaults,
    )[0]
