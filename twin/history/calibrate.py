"""Calibrating background rates from a work-order history: a :class:`History` → a rates file.

Takes an imported history (:func:`twin.history.read.read_history`), how many units each rate
counts (households, lifts… from the twin) and the defaults; gives a :class:`Calibration`: per
rate (a work order's name in a rates file, or a hazard kind) the yearly rate per unit with its
exact Poisson 95 % interval, its season (12 monthly factors) and day profile (24 hourly
factors), its time on the job (a lognormal fitted by maximum likelihood, with a Lilliefors
Kolmogorov–Smirnov line), its priority mix, and what the log could not tell — and the rates file text
(:func:`rates_yaml`) that a scenario's ``background: {rates: …}`` loads as it is.

The model is the one the generator draws from (:mod:`twin.background.generate`): events of a
rate arrive as a Poisson process of intensity ``per_year × units / 8760 × season[month] ×
day[hour]`` per clock hour, each profile scaled to average 1. So the estimate of ``per_year`` is
the count over its expected count per unit rate, ``N / (units × Σ season·day over the log's
hours / 8760)``, and its interval is the exact (Garwood) interval of a Poisson count,
``χ²(α/2; 2N)/2 … χ²(1−α/2; 2N+2)/2``, over the same exposure. A profile is estimated from the
counts per month (or hour) over the hours the log covers, and written only where the counts
differ from the default's shape (Pearson's χ²); rates too small to test alone are tested
together when they share a default shape. Each work order counts at its report less its
channel's mean delay (the generator draws when things happen, then the channel's delay). With
too few rows, or months the log does not cover, the defaults are kept and the calibration says so.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from twin.background.rates import Rates, WorkOrderRate, default_rates
from twin.history.mapping import Category
from twin.history.read import History, HistoryError
from twin.scenario.kinds import HAZARDS

HOURS_PER_YEAR = 8760.0

#: Confidence of the intervals on rates.
CONFIDENCE = 0.95

#: Fewer events than this and the log's rate does not replace the default: 10 events give a 95 %
#: interval of 4.8–18.4, a factor of 3.8 wide (fewer, wider still: 5 events, 1.6–11.7).
MIN_ROWS_RATE = 10

#: Events needed to test (and estimate) 12 monthly factors: about 10 a month, a relative error of
#: roughly 1/√10 ≈ 30 % per month and enough for the χ² test; fewer and the default season is kept.
MIN_ROWS_SEASON = 120

#: Events needed for 24 hourly factors: about 10 an hour (as for the season).
MIN_ROWS_DAY = 240

#: A season or day profile is estimated from the log only when its counts differ from the
#: default's shape (Pearson's χ² test at this level); otherwise the default — a shape with its
#: reasons — is kept, rather than replaced by the noise of one year of counts.
SHAPE_P = 0.05

#: Jobs with an on-site and a resolved time needed to fit the time on the job.
MIN_ROWS_DURATION = 20

#: A Kolmogorov–Smirnov (Lilliefors) p-value under this says the lognormal fits poorly.
POOR_FIT_P = 0.01

#: Monte Carlo samples of the Lilliefors p-value: its resolution is 1/1000, and its standard
#: error at p = 0.01 is √(0.01·0.99/999) ≈ 0.003 — enough to tell a poor fit at 1 %.
KS_SAMPLES = 999

#: The seed of those samples, so the same log always prints the same p-value.
KS_SEED = 14

#: Share of the most common priority under which a rate's priority mix is called mixed.
MIXED_PRIORITY = 0.9

_Z90 = float(stats.norm.ppf(0.9))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class DurationFit:
    """A lognormal fitted to the time on the job, and how well it fits."""

    n: int
    median_min: float
    p90_min: float
    ks_d: float
    """The Kolmogorov–Smirnov statistic (largest gap between the data's and the fit's CDF)."""
    ks_p: float

    @property
    def poor(self) -> bool:
        return self.ks_p < POOR_FIT_P

    def line(self) -> str:
        verdict = "fits poorly — look at the tail" if self.poor else "no evidence against it"
        return (
            f"lognormal median {self.median_min:.0f} min, p90 {self.p90_min:.0f} min from {self.n} jobs; "
            f"Lilliefors KS D = {self.ks_d:.3f}, p = {self.ks_p:.2g}: {verdict}"
        )


@dataclass(frozen=True, slots=True)
class RateFit:
    """One rate calibrated from the log."""

    name: str
    """The work order's name in a rates file, or the hazard kind."""
    kind: str
    """``work_order`` or a hazard kind."""
    per: str
    units: int
    rows: int
    estimate: float
    """The log's yearly rate per unit."""
    low: float
    high: float
    """The exact Poisson interval of :data:`CONFIDENCE` on the estimate."""
    per_year: float
    """What the rates file says: the estimate, or the default when the log has too few rows."""
    default: float | None
    """The default's yearly rate per unit (None: no default of that name)."""
    season: str
    season_calibrated: bool
    season_p: float
    """χ² test of the months against the default season (NaN: too few rows to test)."""
    day: str
    day_calibrated: bool
    day_p: float
    duration: DurationFit | None
    priorities: Mapping[str, int]
    priority: str
    notes: tuple[str, ...] = ()

    def covers(self, per_year: float) -> bool:
        """Whether a yearly rate lies inside the interval."""
        return self.low <= per_year <= self.high


@dataclass(frozen=True, slots=True, eq=False)
class Calibration:
    """What a history says about the rates, and the rates file that says it."""

    rates: Rates
    fits: tuple[RateFit, ...]
    start: dt.datetime
    end: dt.datetime
    """The period the log covers (local wall time; end excluded)."""
    months_missing: tuple[int, ...]
    seasons: Mapping[str, list[float]]
    days: Mapping[str, list[float]]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def years(self) -> float:
        return (self.end - self.start).total_seconds() / 3600.0 / HOURS_PER_YEAR


def calibrate(
    history: History,
    *,
    units: Mapping[str, int] | None = None,
    defaults: Rates | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> Calibration:
    """The rates a history gives.

    Parameters
    ----------
    history
        The imported log.
    units
        How many of each ``per`` the site has (households, lifts, pumps…), from its twin
        (:func:`site_units`). None: every rate is written per site (the count per year).
    defaults
        The rates kept where the log cannot tell (the shipped ones when None).
    start, end
        The period the log covers, local wall time (end excluded). Default: from midnight of
        the first report's day to midnight after the last report's.
    """
    defaults = defaults or default_rates()
    incidents = history.incidents
    if incidents.empty:
        if history.summary.read == 0:
            raise HistoryError(
                f"{history.source}: a header and no rows; nothing to calibrate — "
                "export the period's work orders"
            )
        reasons = ", ".join(f"{n} {r}" for r, n in history.summary.rejected.items())
        first = history.rejected.iloc[0]
        raise HistoryError(
            f"{history.source}: no work order could be used ({reasons}); nothing to calibrate — e.g. row "
            f"{first['row']}: {first['column'] or '(row)'} {first['value']!r}: {first['detail']}"
        )
    if start is not None and end is not None and end <= start:
        raise HistoryError(f"the period {start:%Y-%m-%d} to {end:%Y-%m-%d} is empty; give --to after --from")
    local = incidents["reported"].dt.tz_localize(None)  # wall-clock time, as rates profiles are
    if start is None:
        start = local.min().to_pydatetime().replace(hour=0, minute=0, second=0, microsecond=0)
    if end is None:
        last = local.max().to_pydatetime().replace(hour=0, minute=0, second=0, microsecond=0)
        end = last + dt.timedelta(days=1)
    assert start is not None and end is not None
    grid = np.arange(np.datetime64(start, "h"), np.datetime64(end, "h"))
    grid_month = grid.astype("datetime64[M]").astype(int) % 12
    grid_hour = (grid - grid.astype("datetime64[D]")).astype(int)
    exposure = np.zeros((12, 24))
    np.add.at(exposure, (grid_month, grid_hour), 1.0)
    missing = tuple(int(m) for m in np.flatnonzero(exposure.sum(axis=1) == 0))
    inside = (local >= pd.Timestamp(start)) & (local < pd.Timestamp(end))
    _covers(history.source, local[inside], local, start, end)
    notes: list[str] = []
    if (~inside).any():
        notes.append(f"{int((~inside).sum())} work orders reported outside the period are not counted")
    if missing:
        notes.append(
            "months the log does not cover: "
            + ", ".join(MONTHS[m] for m in missing)
            + " — every season is kept from the defaults"
        )

    mapping = history.mapping.mapping
    frame = incidents[inside].copy()
    # The log has report times; a rate is for when things happen (the generator adds the
    # channel's delay before the report): count each at its report less its channel's mean delay.
    occurred = local[inside] - pd.to_timedelta(_channel_delays_s(frame, history), unit="s")
    frame["_month"] = occurred.dt.month.to_numpy() - 1
    frame["_hour"] = occurred.dt.hour.to_numpy()
    groups: dict[tuple[str, str], list[int]] = {}
    categories: dict[tuple[str, str], Category | None] = {}
    for i, (kind, category) in enumerate(zip(frame["kind"], frame["category"], strict=True)):
        found = mapping.category_of(str(category)) if mapping.categories else None
        name = str(kind) if kind != "work_order" else (found.name if found and found.name else str(category))
        key = (str(kind), name)
        groups.setdefault(key, []).append(i)
        categories.setdefault(key, found)

    seasons = {k: list(v) for k, v in defaults.seasons.items()}
    days = {k: list(v) for k, v in defaults.day_profiles.items()}
    default_wo = {w.name: w for w in defaults.work_orders}
    fits: list[RateFit] = []
    work_orders: list[dict[str, Any]] = []
    hazards: dict[str, Any] = {}
    group_rows = {key: frame.iloc[index] for key, index in groups.items()}
    bases = {key: _base(key[0], key[1], defaults) for key in groups}
    pooled = _pooled_profiles(group_rows, bases, exposure, missing, seasons, days, notes)
    for (kind, name), rows in group_rows.items():
        category = categories[(kind, name)]
        fit, entry = _fit_rate(
            kind,
            name,
            rows,
            category,
            units,
            defaults,
            default_wo.get(name),
            exposure,
            missing,
            seasons,
            days,
            f"{history.source.name}, {period_text(start, end)}",
            shapes=pooled.get((kind, name), (None, None)),
        )
        fits.append(fit)
        if kind == "work_order":
            work_orders.append(entry)
        else:
            hazards[kind] = entry

    in_log = {f.name for f in fits if f.kind == "work_order"}
    kept = [w for w in defaults.work_orders if w.name not in in_log]
    planned = [w for w in kept if w.schedule is not None]
    reactive = [w for w in kept if w.schedule is None]
    if reactive:
        notes.append(
            f"{len(reactive)} reactive work order kinds of the defaults are not in the log and keep their "
            "default rates: " + ", ".join(w.name for w in reactive)
        )
    if planned:
        notes.append(f"planned work ({len(planned)} schedules) is kept from the defaults")
    absent = [k for k, r in defaults.hazards.items() if r is not None and k not in hazards]
    if absent:
        notes.append("hazards not in the log keep their default rates: " + ", ".join(absent))
    # A kind the mapping names and the log never shows is evidence too: none in the period.
    mapped = {
        c.kind if c.kind != "work_order" else (c.name or code) for code, c in mapping.categories.items()
    }
    for rate in [*(defaults.hazards[k] for k in absent), *reactive]:
        label = getattr(rate, "name", None) or next(k for k, r in defaults.hazards.items() if r is rate)
        if label in mapped and not missing:
            notes.append(_none_seen(label, rate, units, exposure, seasons, days))
    if units is None:
        notes.append("no twin: every rate is per site (the count per year), not per household or unit")
    work_orders += [w.model_dump(mode="json", exclude_defaults=False) for w in kept]
    used_seasons = {w["season"] for w in work_orders} | {h["season"] for h in hazards.values()}
    used_days = {w["day"] for w in work_orders} | {h["day"] for h in hazards.values()}
    used_seasons |= {r.season for r in defaults.hazards.values() if r is not None}
    used_days |= {r.day for r in defaults.hazards.values() if r is not None}
    kept_seasons = {k: v for k, v in seasons.items() if k in used_seasons}
    kept_days = {k: v for k, v in days.items() if k in used_days}
    data = {
        "seasons": kept_seasons,
        "day_profiles": kept_days,
        "work_orders": work_orders,
        "hazards": hazards,
    }
    rates = Rates.model_validate(_merge_hazards(data, defaults))
    return Calibration(
        rates=rates,
        fits=tuple(fits),
        start=start,
        end=end,
        months_missing=missing,
        seasons=kept_seasons,
        days=kept_days,
        notes=tuple(notes),
    )


#: Below this chance, days with no report at an edge of the period are taken to be days the
#: export does not hold (a rate counted over them would be too low), not a quiet spell. Small:
#: only a gap a log's own rate makes all but impossible is refused.
UNCOVERED_P = 1e-6


def _covers(source: object, seen: pd.Series, every: pd.Series, start: dt.datetime, end: dt.datetime) -> None:
    """Refuse a period the log does not hold: no report in it at all, or whole days at its start
    or end without one that the log's own daily rate ``mu`` (its reports in the period, less
    one, over the days between the first and the last) makes all but impossible (a Poisson
    chance ``exp(-mu * days)`` under :data:`UNCOVERED_P`)."""
    held = f"the log's reports run from {every.min():%Y-%m-%d} to {every.max():%Y-%m-%d}"
    if seen.empty:
        raise HistoryError(
            f"{source}: no work order was reported in the period {period_text(start, end)} ({held}); "
            "give --from and --to inside it"
        )
    first, last = seen.min().to_pydatetime(), seen.max().to_pydatetime()
    span_days = (last - first).total_seconds() / 86_400.0
    if seen.size < 2 or span_days <= 0.0:
        return
    mu = (seen.size - 1) / span_days
    for days, edge, fix in (
        ((first - start).days, "starts", f"--from {first:%Y-%m-%d}"),
        ((end - last).days, "ends", f"--to {last:%Y-%m-%d}"),
    ):
        chance = math.exp(-mu * days)
        if chance < UNCOVERED_P:
            said = f"{chance:.0e}" if chance > 0 else "under 1e-300"
            raise HistoryError(
                f"{source}: the period {period_text(start, end)} {edge} {days} days beyond the log's "
                f"reports ({held}); at its {mu:.3g} reports a day, {days} days without one has a "
                f"chance of {said}: the export does not hold them, and rates counted over them "
                f"would be too low — export those days too, or give {fix}"
            )


def _none_seen(
    label: str,
    rate: Any,
    units: Mapping[str, int] | None,
    exposure: np.ndarray,
    seasons: Mapping[str, list[float]],
    days: Mapping[str, list[float]],
) -> str:
    """What 0 events of a mapped rate say: the exact upper bound, against the default kept."""
    per, n_units = str(rate.per), 1
    if units is not None and units.get(per, 0) > 0:
        n_units = int(units[per])
    elif per != "site":
        return f"{label}: none in the log (per {per}, a unit the twin does not count); the default is kept"
    weight = _unit(seasons[rate.season])[:, None] * _unit(days[rate.day])[None, :]
    exposure_years = float((exposure * weight).sum()) / HOURS_PER_YEAR * n_units
    high = float(stats.chi2.ppf(1 - (1 - CONFIDENCE) / 2, 2) / 2) / exposure_years
    verdict = (
        "not enough evidence to replace it"
        if rate.per_year <= high
        else "the log says it is lower: give a rate yourself"
    )
    return (
        f"{label}: none in the log — at most {high:.3g} per {per} a year ({CONFIDENCE:.0%}); "
        f"the default {rate.per_year:g} is kept ({verdict})"
    )


def _merge_hazards(data: dict[str, Any], defaults: Rates) -> dict[str, Any]:
    """The data as the rates file will be loaded: hazards it leaves out keep their defaults."""
    merged = {k: (None if v is None else v.model_dump(mode="json")) for k, v in defaults.hazards.items()}
    return {**data, "hazards": {**merged, **data["hazards"]}}


def _fit_rate(
    kind: str,
    name: str,
    rows: pd.DataFrame,
    category: Category | None,
    units: Mapping[str, int] | None,
    defaults: Rates,
    default_wo: WorkOrderRate | None,
    exposure: np.ndarray,
    missing: tuple[int, ...],
    seasons: dict[str, list[float]],
    days: dict[str, list[float]],
    where: str,
    *,
    shapes: tuple[str | None, str | None] = (None, None),
) -> tuple[RateFit, dict[str, Any]]:
    n = len(rows)
    notes: list[str] = []
    default_hazard = defaults.hazards.get(kind) if kind != "work_order" else None
    base: Any = default_wo if kind == "work_order" else default_hazard
    per: str
    if kind == "work_order":
        per = (category.per if category is not None else None) or (default_wo.per if default_wo else "site")
    elif default_hazard is not None:
        per = default_hazard.per
    else:  # a kind the defaults turn off: its rate's own unit
        rate_model = getattr(HAZARDS[kind].occurrence, "rate", None)
        per = str(rate_model.model_fields["per"].default) if rate_model is not None else "site"
    if kind != "work_order" and category is not None and category.per not in (None, per):
        notes.append(f"per: {category.per} in the mapping is not used: a {kind} rate counts per {per}")
    n_units = int(units.get(per, 0)) if units is not None else 1
    if units is None:
        per = "site"
    if n_units <= 0:
        notes.append(f"the twin has no {per} units: written per site")
        per, n_units = "site", 1

    base_season = base.season if base is not None else "flat"
    base_day = base.day if base is not None else "flat"
    # A profile pooled over several rates (:func:`_pooled_profiles`) stands in for the default.
    default_season, default_day = shapes[0] or base_season, shapes[1] or base_day
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    season_name, day_name = default_season, default_day
    season_p = day_p = math.nan
    if missing:
        notes.append(f"season kept ({default_season}): months missing")
    elif n < MIN_ROWS_SEASON:
        kept = "pooled with other rates" if shapes[0] else "kept"
        notes.append(f"season {kept} ({default_season}): {n} rows (fewer than {MIN_ROWS_SEASON})")
    else:
        weight = _unit(seasons[default_season])[:, None] * _unit(days[default_day])[None, :] * exposure
        season_name, season_p = _profile(
            rows["_month"], weight, exposure, 1, default_season, f"log_{slug}", seasons, notes
        )
    if n < MIN_ROWS_DAY:
        kept = "pooled with other rates" if shapes[1] else "kept"
        notes.append(f"day profile {kept} ({default_day}): {n} rows (fewer than {MIN_ROWS_DAY})")
    else:
        weight = _unit(seasons[season_name])[:, None] * _unit(days[default_day])[None, :] * exposure
        day_name, day_p = _profile(
            rows["_hour"], weight, exposure, 0, default_day, f"log_{slug}", days, notes
        )
    season_ok, day_ok = season_name != base_season, day_name != base_day

    season = np.asarray(seasons[season_name], float)
    day = np.asarray(days[day_name], float)
    season, day = season / season.mean(), day / day.mean()
    exposure_years = float((exposure * season[:, None] * day[None, :]).sum()) / HOURS_PER_YEAR * n_units
    alpha = 1.0 - CONFIDENCE
    low = float(stats.chi2.ppf(alpha / 2, 2 * n) / 2) if n > 0 else 0.0
    high = float(stats.chi2.ppf(1 - alpha / 2, 2 * n + 2) / 2)
    estimate, low, high = n / exposure_years, low / exposure_years, high / exposure_years
    comparable = base is not None and base.per == per and (kind != "work_order" or base.schedule is None)
    default = float(base.per_year) if comparable else None  # per the same unit, or not comparable
    per_year, written_per = estimate, per
    reactive_base = base is not None and (kind != "work_order" or base.schedule is None)
    if n < MIN_ROWS_RATE and reactive_base:
        per_year, written_per = float(base.per_year), str(base.per)
        unit = "" if written_per == per else f" per {written_per}"
        notes.append(f"rate kept at the default {per_year:.4g}{unit}: {n} rows (fewer than {MIN_ROWS_RATE})")

    priorities = {p: int(c) for p, c in rows["priority"].value_counts().items()}
    priority = max(priorities, key=lambda p: priorities[p])
    if priorities[priority] < MIXED_PRIORITY * n:
        mix = ", ".join(f"{100 * c / n:.0f} % {p}" for p, c in priorities.items())
        notes.append(f"priority mixed ({mix}): written as {priority}")

    duration = _fit_duration(rows) if kind == "work_order" else None
    if kind == "work_order" and duration is None:
        notes.append(
            f"time on the job kept from the defaults: fewer than {MIN_ROWS_DURATION} jobs with on-site "
            "and resolved times"
        )
    elif duration is not None and duration.poor:
        notes.append(f"time on the job: {duration.line()}")

    interval = f"{low:.4g}–{high:.4g}"
    found = f"{estimate:.4g} per {per} a year ({CONFIDENCE:.0%} interval {interval})"
    evidence = (
        f"calibrated from {n} work orders in {where}: {found}"
        if per_year == estimate
        else f"the default, kept: {n} work orders in {where} are too few to replace it ({found})"
    )
    if duration is not None:
        evidence += f"; time on the job {duration.line()}"
    if kind == "work_order":
        trades = rows["trade"].value_counts()
        entry: dict[str, Any] = (
            default_wo.model_dump(mode="json")
            if default_wo is not None and default_wo.schedule is None
            else {}
        )
        entry.update(
            {
                "name": name,
                "per": written_per,
                "per_year": round(per_year, 6),
                "priority": priority,
                "trade": (category.trade if category and category.trade else str(trades.index[0])),
                "level": category.level if category is not None else entry.get("level", 1),
                "channel": category.channel if category is not None else entry.get("channel", "phone"),
                "season": season_name,
                "day": day_name,
                "source": evidence,
            }
        )
        entry.pop("schedule", None)
        if duration is not None:
            entry["minutes"] = {
                "kind": "lognormal",
                "median": round(duration.median_min, 1),
                "p90": round(duration.p90_min, 1),
            }
        elif "minutes" not in entry:
            entry["minutes"] = {"kind": "lognormal", "median": 60, "p90": 150}
            notes.append("no default time on the job for this new kind: median 60 min, p90 150 min assumed")
    else:
        entry = default_hazard.model_dump(mode="json") if default_hazard is not None else {}
        entry.update(
            {
                "per_year": round(per_year, 6),
                "per": written_per,
                "season": season_name,
                "day": day_name,
                "source": evidence + "; the physics' draws (sizes, durations) are the defaults'",
            }
        )
    fit = RateFit(
        name=name,
        kind=kind,
        per=per,
        units=n_units,
        rows=n,
        estimate=estimate,
        low=low,
        high=high,
        per_year=per_year,
        default=default,
        season=season_name,
        season_calibrated=season_ok,
        season_p=season_p,
        day=day_name,
        day_calibrated=day_ok,
        day_p=day_p,
        duration=duration,
        priorities=priorities,
        priority=priority,
        notes=tuple(notes),
    )
    return fit, entry


def _channel_delays_s(frame: pd.DataFrame, history: History) -> np.ndarray:
    """Each work order's channel's mean delay from happening to report (s): the mapping's
    category says the channel, the scenario (else the defaults) its delay; 0 for a row whose
    category names none."""
    from twin.scenario.schema import _default_channels, typical

    channels = history.scenario.scenario.all_channels if history.scenario is not None else _default_channels()
    mapping = history.mapping.mapping
    delays = {}
    out = np.zeros(len(frame))
    for i, category in enumerate(frame["category"].astype(str)):
        if category not in delays:
            found = mapping.category_of(category) if mapping.categories else None
            channel = channels.get(found.channel) if found is not None else None
            delays[category] = typical(channel.delay_s) if channel is not None else 0.0
        out[i] = delays[category]
    return out


def _base(kind: str, name: str, defaults: Rates) -> Any:
    """The default rate a calibrated one replaces: the reactive work order of that name, or the
    hazard kind's entry (None: the defaults have none)."""
    if kind != "work_order":
        return defaults.hazards.get(kind)
    return next((w for w in defaults.work_orders if w.name == name and w.schedule is None), None)


def _pooled_profiles(
    group_rows: Mapping[tuple[str, str], pd.DataFrame],
    bases: Mapping[tuple[str, str], Any],
    exposure: np.ndarray,
    missing: tuple[int, ...],
    seasons: dict[str, list[float]],
    days: dict[str, list[float]],
    notes: list[str],
) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """Shapes tested over several rates at once: rates with too few rows to test their own season
    (or day profile) that share a default one are pooled, and when their months (hours) together
    differ from it (χ² at :data:`SHAPE_P`), they share the log's profile ``log_<name>``.

    Under the default each rate's counts fall in a month in proportion to the season there times
    the hours the log covers that month (weighted by its day profile); the pooled expectation is
    the sum over the rates. Returns per rate (season, day) names to use instead of the defaults.
    """
    out: dict[tuple[str, str], tuple[str | None, str | None]] = {}

    def name_of(key: tuple[str, str], which: str) -> str:
        base = bases[key]
        return str(getattr(base, which)) if base is not None else "flat"

    for which, axis, minimum in (("season", 1, MIN_ROWS_SEASON), ("day", 0, MIN_ROWS_DAY)):
        if which == "season" and missing:
            continue
        profiles = seasons if which == "season" else days
        shared: dict[str, list[tuple[str, str]]] = {}
        for key, rows in group_rows.items():
            if len(rows) < minimum:
                shared.setdefault(name_of(key, which), []).append(key)
        for name, keys in shared.items():
            n = sum(len(group_rows[k]) for k in keys)
            if len(keys) < 2 or n < minimum:
                continue
            column = "_month" if which == "season" else "_hour"
            size = exposure.shape[1 - axis]
            counts = sum(np.bincount(group_rows[k][column].to_numpy(int), minlength=size) for k in keys)
            expected = np.zeros(size)
            flat = np.zeros(size)
            for k in keys:
                other = (
                    _unit(days[name_of(k, "day")])
                    if which == "season"
                    else _unit(seasons[name_of(k, "season")])
                )
                reach = (exposure * (other[None, :] if which == "season" else other[:, None])).sum(axis=axis)
                under = _unit(profiles[name]) * reach
                expected += len(group_rows[k]) * under / under.sum()
                flat += len(group_rows[k]) * reach / reach.sum()
            p, chi2 = _shape_test(np.asarray(counts), expected)
            if p >= SHAPE_P:
                continue
            own = f"log_{name}"
            profiles[own] = _normalised(np.divide(counts, flat, out=np.zeros(size), where=flat > 0))
            what = "months" if which == "season" else "hours"
            notes.append(
                f"{len(keys)} rates with too few rows each share the {which} '{name}'; together ({n} rows) "
                f"their {what} differ from it (χ² = {chi2:.1f}, {size - 1} df, p = {p:.2g}): they use {own}"
            )
            for k in keys:
                season, day = out.get(k, (None, None))
                out[k] = (own, day) if which == "season" else (season, own)
    return out


def _profile(
    cells: pd.Series,
    weight: np.ndarray,
    exposure: np.ndarray,
    other_axis: int,
    default: str,
    own: str,
    profiles: dict[str, list[float]],
    notes: list[str],
) -> tuple[str, float]:
    """The profile a rate uses along one axis of the (month, hour) table — the default, or the
    log's own (added to ``profiles`` as ``own``) when its counts differ from the default's shape:
    (its name, the χ² test's p-value)."""
    size = exposure.shape[1 - other_axis]
    counts = np.bincount(cells.to_numpy(int), minlength=size)
    p, chi2 = _shape_test(counts, weight.sum(axis=other_axis))
    if p >= SHAPE_P:
        return default, p
    profiles[own] = _normalised(counts / exposure.sum(axis=other_axis))
    what = "months" if size == 12 else "hours"
    notes.append(
        f"{'season' if size == 12 else 'day profile'} calibrated ({own}): the {what} differ from "
        f"'{default}' (χ² = {chi2:.1f}, {size - 1} df, p = {p:.2g})"
    )
    return own, p


def _unit(factors: list[float]) -> np.ndarray:
    """A profile scaled to average 1, as the generator uses it."""
    a = np.asarray(factors, dtype=float)
    return np.asarray(a / a.mean())


def _shape_test(counts: np.ndarray, weight: np.ndarray) -> tuple[float, float]:
    """Pearson's χ² test of counts per cell against the shape ``weight`` (expected counts ∝
    weight): (p-value, χ²). A count where the shape expects none is a difference (p = 0)."""
    if (counts[weight <= 0] > 0).any():
        return 0.0, math.inf
    keep = weight > 0
    expected = weight[keep] / weight[keep].sum() * counts[keep].sum()
    test = stats.chisquare(counts[keep], expected)
    return float(test.pvalue), float(test.statistic)


def _normalised(factors: np.ndarray) -> list[float]:
    """Factors scaled to average 1, rounded for the file (all zero: flat)."""
    mean = float(factors.mean())
    if mean <= 0:
        return [1.0] * factors.size
    return [round(float(f) / mean, 3) for f in factors]


def _fit_duration(rows: pd.DataFrame) -> DurationFit | None:
    """A lognormal fitted (maximum likelihood) to on site → resolved, in minutes."""
    minutes = (rows["resolved"] - rows["arrived"]).dt.total_seconds().to_numpy(float) / 60.0
    minutes = minutes[np.isfinite(minutes) & (minutes > 0)]
    if minutes.size < MIN_ROWS_DURATION:
        return None
    logs = np.log(minutes)
    mu, sigma = float(logs.mean()), float(logs.std(ddof=0))
    sigma = max(sigma, 1e-9)
    # KS against the lognormal fitted to the same data: the textbook KS p-value assumes the
    # parameters were known and is far too generous. KS is unchanged by the log, so this is the
    # Lilliefors test of normality of log(minutes) (σ with n − 1, as his): its p-value is from the
    # KS statistic's own distribution when μ and σ are re-fitted to each of KS_SAMPLES normal
    # samples of this size (scipy.stats.goodness_of_fit).
    test = stats.goodness_of_fit(
        stats.norm, logs, statistic="ks", n_mc_samples=KS_SAMPLES, rng=np.random.default_rng(KS_SEED)
    )
    return DurationFit(
        n=int(minutes.size),
        median_min=math.exp(mu),
        p90_min=math.exp(mu + _Z90 * sigma),
        ks_d=float(test.statistic),
        ks_p=float(test.pvalue),
    )


# -- the file -----------------------------------------------------------------------------------


def period_text(start: dt.datetime, end: dt.datetime) -> str:
    """``2025-01-01 to 2025-12-31`` for a period whose end is excluded."""
    return f"{start:%Y-%m-%d} to {end - dt.timedelta(seconds=1):%Y-%m-%d}"


def rates_yaml(calibration: Calibration, *, log_name: str) -> str:
    """The calibration as a rates file: a header saying where it comes from and what the log
    could not tell, then ``seasons``, ``day_profiles``, ``work_orders`` and ``hazards``."""
    period = period_text(calibration.start, calibration.end)
    header = [
        f"# Background rates calibrated from {log_name}, {period} ({calibration.years:.2f} years),",
        "# by `twin calibrate`. Each calibrated rate's `source` gives its count, estimate and "
        f"{CONFIDENCE:.0%} interval.",
        "# Name this file in a scenario: background: {rates: THIS_FILE}",
    ]
    told = list(calibration.notes) + [f"{f.name}: {n}" for f in calibration.fits for n in f.notes]
    if told:
        header.append("#")
        header.append("# What the log could not tell (defaults kept there):")
        header += [f"# - {line}" for line in told]
    data = calibration.rates.model_dump(mode="json")
    out = {
        "seasons": dict(calibration.seasons),
        "day_profiles": dict(calibration.days),
        "work_orders": [_tidy(w) for w in data["work_orders"]],
        "hazards": {k: _tidy(v) for k, v in data["hazards"].items() if v is not None},
    }
    text = str(yaml.safe_dump(out, sort_keys=False, default_flow_style=None, width=120, allow_unicode=True))
    return "\n".join(header) + "\n\n" + text


#: The order of a rate's fields in the file (the shipped file's), the rest after them.
_ORDER = (
    "name",
    "per",
    "per_year",
    "schedule",
    "priority",
    "trade",
    "level",
    "minutes",
    "channel",
    "season",
    "day",
)


def _tidy(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry in the shipped file's order, without fields that are None (the schema's default)."""
    first = {k: entry[k] for k in _ORDER if entry.get(k) is not None}
    return first | {k: v for k, v in entry.items() if k not in first and v is not None}


def site_units(twin: Any, scenario: Any) -> dict[str, int]:
    """How many of each ``per`` the site has (households, lifts, pumps…), as the engine counts
    them for the scenario's building (:mod:`twin.engine.catalogue`)."""
    from twin.background.rates import default_rates as shipped
    from twin.engine import compile_drill
    from twin.scenario.schema import Background

    sc = scenario.model_copy(update={"background": scenario.background or Background()})
    drill = compile_drill(twin, sc, rates=shipped())
    return dict(drill.background.units)
