"""Sweep files: a base scenario, the roster variants to compare, replications and the period.

A variant is the base scenario with changes applied — counts per trade per shift, cross-training,
contractor terms, the dispatch policy, people added or removed — given as a list, as a grid (every
combination of the options on each axis), or both. Applying changes is a pure function of the
base scenario; the result is validated as any scenario is, so a variant that names a shift or
person the base lacks fails with the sweep file's line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator

from twin.errors import suggest
from twin.scenario.load import (
    LoadedScenario,
    Loc,
    ScenarioError,
    _nearest_line,
    format_loc,
    load_scenario,
    parse_yaml_model,
    read_text,
)
from twin.scenario.schema import (
    Background,
    Dispatch,
    LocalTime,
    Person,
    Quantity,
    Scenario,
    _check_trade,
    _Frozen,
)
from twin.words import plural


class ContractTerms(_Frozen):
    """Changes to a contractor's terms (fields left out keep the base scenario's)."""

    technicians: int | None = Field(None, ge=1, le=20)
    arrival_delay_min: Quantity | None = None
    contract_arrival_min: float | None = Field(None, gt=0)
    penalty_per_breach: float | None = Field(None, ge=0)
    callout_fee: float | None = Field(None, ge=0)
    hourly_rate: float | None = Field(None, ge=0)


class Change(_Frozen):
    """What a variant (or one option of a grid axis) changes in the base scenario."""

    name: str = Field(min_length=1)
    staff: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="shift → trade → how many people hold that post (their first trade); "
        "extra people are removed from the end of the roster, missing ones copied from the first",
    )
    train: dict[str, dict[str, dict[str, int]]] = Field(
        default_factory=dict,
        description="shift → post trade → trades (with level) everyone in that post gains",
    )
    contractors: dict[str, ContractTerms] = Field(
        default_factory=dict, description="contractor id → new terms"
    )
    dispatch: Dispatch | None = None
    remove: list[str] = Field(default_factory=list, description="ids of people to take off the roster")
    add: list[Person] = Field(default_factory=list, description="people to add")
    cost_per_year: float = Field(
        0.0,
        ge=0,
        description="a yearly cost the simulation does not see (training, a dearer contract), "
        "added to the variant's cost pro rata over the period",
    )

    @field_validator("staff")
    @classmethod
    def _staff(cls, value: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        for shift, counts in value.items():
            for trade, n in counts.items():
                _check_trade(trade)
                if not 0 <= n <= 50:
                    raise ValueError(f"{shift}.{trade}: a count from 0 to 50, got {n}")
        return value

    @field_validator("train")
    @classmethod
    def _train(cls, value: dict[str, dict[str, dict[str, int]]]) -> dict[str, dict[str, dict[str, int]]]:
        for shift, posts in value.items():
            for post, gains in posts.items():
                _check_trade(post)
                for trade, level in gains.items():
                    _check_trade(trade)
                    if level not in (1, 2, 3):
                        raise ValueError(f"{shift}.{post}.{trade}: level must be 1, 2 or 3, got {level}")
        return value


class Period(_Frozen):
    start: LocalTime = dt.datetime(2026, 1, 1, 0, 0)
    days: float = Field(365.0, gt=0, le=366)


class Search(_Frozen):
    """Moves on the base roster to search for the cheapest roster meeting the targets."""

    staff: dict[str, dict[str, tuple[int, int]]] = Field(
        default_factory=dict,
        description="shift → post (trade) → [fewest, most] people in that post; "
        "every count in between is tried",
    )
    options: list[Change] = Field(
        default_factory=list, description="changes each tried on and off (cross-training, a dispatch policy…)"
    )
    choose_one: list[list[Change]] = Field(
        default_factory=list,
        description="groups of alternatives, exactly one of each group applies (contract terms…); "
        "list today's terms first",
    )
    screen_replications: int = Field(3, ge=2, le=1000, description="replications every roster gets first")
    step_replications: int = Field(
        3, ge=1, le=1000, description="replications added to a contender per round"
    )
    max_replications: int = Field(30, ge=2, le=100_000, description="at most this many for one roster")
    budget_runs: int = Field(300, ge=1, le=10_000_000, description="runs the search may spend in all")

    @field_validator("staff")
    @classmethod
    def _ranges(cls, value: dict[str, dict[str, tuple[int, int]]]) -> dict[str, dict[str, tuple[int, int]]]:
        for shift, posts in value.items():
            for trade, (lo, hi) in posts.items():
                _check_trade(trade)
                if not 0 <= lo <= hi <= 50:
                    raise ValueError(
                        f"{shift}.{trade}: [fewest, most] with 0 ≤ fewest ≤ most ≤ 50, got [{lo}, {hi}]"
                    )
        return value

    ORDERED = (("screen_replications", "max_replications"),)

    @model_validator(mode="after")
    def _sizes(self) -> Search:
        n = self.size()
        if n > MAX_CANDIDATES:
            raise ValueError(
                f"the moves make {n:,} rosters, more than {MAX_CANDIDATES:,}; "
                "narrow the staff ranges or options"
            )
        if n * self.screen_replications > self.budget_runs:
            raise ValueError(
                f"budget_runs ({self.budget_runs}) cannot screen {n} rosters × {self.screen_replications} "
                f"replications; raise it to at least {n * self.screen_replications}"
            )
        return self

    def size(self) -> int:
        n = 2 ** len(self.options)
        for posts in self.staff.values():
            for lo, hi in posts.values():
                n *= hi - lo + 1
        for group in self.choose_one:
            n *= max(1, len(group))
        return int(n)

    def candidates(self) -> list[tuple[Change, ...]]:
        """Every roster the moves make, as changes on the base: staff counts first (the fewest
        first), then the options (off before on), then one of each group."""
        axes: list[list[Change]] = []
        for shift, posts in self.staff.items():
            for trade, (lo, hi) in posts.items():
                label = trade.replace("_", " ")
                axes.append(
                    [
                        Change(name=plural(n, f"{shift} {label}"), staff={shift: {trade: n}})
                        for n in range(lo, hi + 1)
                    ]
                )
        options: list[list[Change | None]] = [[None, option] for option in self.options]
        options += [list(group) for group in self.choose_one if group]
        out = []
        for combo in itertools.product(*axes, *options):
            chosen = tuple(c for c in combo if c is not None)
            out.append(chosen or (Change(name="base roster"),))
        return out


#: Most rosters a search may enumerate.
MAX_CANDIDATES = 4096


class Sweep(_Frozen):
    """Many runs of roster variants over a period, compared on the same random incidents."""

    name: str = Field(min_length=1)
    description: str = ""
    base: str = Field(description="the base scenario file, relative to the sweep file")
    period: Period = Period()
    replications: int = Field(20, ge=1, le=100_000, description="runs per variant (each a period)")
    seed: int = Field(0, ge=0, description="root of the replications' seeds (SeedSequence.spawn)")
    background: Background | None = Field(
        Background(),
        description="background work during the period (given here, it replaces the base "
        "scenario's); null = only the base scenario's hazards",
    )
    meets: dict[str, float] = Field(
        default_factory=lambda: {"red": 0.95},
        description="priority → the share on site within target a variant must reach to meet the targets",
    )
    confidence: float = Field(
        0.95, gt=0.5, lt=1, description="how sure a verdict must be: the level of its intervals"
    )
    variants: list[Change] = Field(default_factory=list)
    grid: list[list[Change]] = Field(default_factory=list, description="axes; every combination is a variant")
    search: Search | None = Field(
        None, description="moves on the base roster: search for the cheapest roster"
    )

    @field_validator("meets")
    @classmethod
    def _meets(cls, value: dict[str, float]) -> dict[str, float]:
        for prio, share in value.items():
            if prio not in ("red", "yellow", "blue"):
                raise ValueError(
                    f"{prio}: unknown priority{suggest(prio, ('red', 'yellow', 'blue'))}; "
                    "use red, yellow or blue"
                )
            if not 0 <= share <= 1:
                raise ValueError(f"{prio}: a share from 0 to 1, got {share}")
        return value

    @model_validator(mode="after")
    def _unique(self) -> Sweep:
        names = [variant_name(c) for c in self.variant_changes()]
        seen: set[str] = set()
        for n in names:
            if n in seen:
                raise ValueError(f"variants: two variants are called '{n}'; give each its own name")
            seen.add(n)
        return self

    def variant_changes(self) -> list[tuple[Change, ...]]:
        """Every variant as the changes it applies, in order: the list, then the grid."""
        out: list[tuple[Change, ...]] = [(c,) for c in self.variants]
        if self.grid:
            out += list(itertools.product(*self.grid))
        return out or ([] if self.search else [(Change(name="base"),)])


@dataclass(frozen=True, slots=True)
class Variant:
    index: int
    name: str
    scenario: Scenario
    cost_per_year: float = 0.0
    """Yearly cost the simulation does not see (the changes' ``cost_per_year``)."""


@dataclass(frozen=True, slots=True)
class LoadedSweep:
    sweep: Sweep
    path: Path | None
    base: LoadedScenario
    variants: tuple[Variant, ...]
    lines: dict[Loc, int] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """What makes two sweeps the same sweep (replications may grow): the variants' scenarios,
        the seed and the period."""
        doc = {
            "seed": self.sweep.seed,
            "variants": [
                [v.name, v.scenario.model_dump(mode="json"), *([v.cost_per_year] if v.cost_per_year else [])]
                for v in self.variants
            ],
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]

    def model_paths(self) -> list[Path]:
        return self.base.model_paths()


def shortened(loaded: LoadedSweep, *, days: float, replications: int) -> LoadedSweep:
    """The sweep over ``days`` from the same start, with ``replications`` runs per variant."""
    s = loaded.sweep
    sweep = s.model_copy(
        update={"replications": replications, "period": s.period.model_copy(update={"days": float(days)})}
    )
    hours = days * 24.0
    variants = tuple(
        dataclasses.replace(v, scenario=v.scenario.model_copy(update={"duration_h": hours}))
        for v in loaded.variants
    )
    return dataclasses.replace(loaded, sweep=sweep, variants=variants)


def variant_name(changes: tuple[Change, ...]) -> str:
    return " + ".join(c.name for c in changes)


def apply_changes(base: Scenario, changes: tuple[Change, ...]) -> Scenario:
    """The base scenario with ``changes`` applied in order (validated again).

    Raises
    ------
    ValueError
        A change names a shift, person or contractor the base does not have.
    """
    data = base.model_dump(mode="python")
    people: list[dict[str, Any]] = data["people"]
    for change in changes:
        for pid in change.remove:
            ids = [p["id"] for p in people]
            if pid not in ids:
                raise ValueError(f"remove: no person '{pid}' in the base scenario{suggest(pid, ids)}")
            people = [p for p in people if p["id"] != pid]
        people += [p.model_dump(mode="python") for p in change.add]
        for shift, counts in change.staff.items():
            if shift not in data["shifts"]:
                raise ValueError(
                    f"staff.{shift}: no shift '{shift}' in the base scenario"
                    f"{suggest(shift, data['shifts'])}; shifts: {', '.join(data['shifts'])}"
                )
            for trade, count in counts.items():
                people = _set_count(people, shift, trade, count)
        for shift, posts in change.train.items():
            if shift not in data["shifts"]:
                raise ValueError(
                    f"train.{shift}: no shift '{shift}' in the base scenario{suggest(shift, data['shifts'])}"
                )
            for post, gains in posts.items():
                holders = [p for p in people if _post(p) == post and p["shift"] == shift and not p["on_call"]]
                if not holders:
                    raise ValueError(f"train.{shift}.{post}: nobody on the {shift} shift holds a {post} post")
                for p in holders:
                    p["trades"] = {
                        **p["trades"],
                        **{t: max(lv, p["trades"].get(t, 0)) for t, lv in gains.items()},
                    }
        contractors = {c["id"]: c for c in data["contractors"]}
        for cid, terms in change.contractors.items():
            if cid not in contractors:
                raise ValueError(
                    f"contractors.{cid}: no contractor '{cid}' in the base scenario"
                    f"{suggest(cid, contractors)}"
                )
            contractors[cid].update(terms.model_dump(mode="python", exclude_none=True))
        if change.dispatch is not None:
            data["dispatch"] = change.dispatch.model_dump(mode="python")
    on_roster = {p["id"] for p in people}
    for p in people:
        if p.get("backup") and p["backup"] not in on_roster:
            p["backup"] = None  # their backup was taken off the roster
    data["people"] = people
    return Scenario.model_validate(data)


def _post(person: dict[str, Any]) -> str:
    """A person's post: the first trade listed."""
    return str(next(iter(person["trades"])))


def _set_count(people: list[dict[str, Any]], shift: str, trade: str, count: int) -> list[dict[str, Any]]:
    holders = [
        i for i, p in enumerate(people) if _post(p) == trade and p["shift"] == shift and not p["on_call"]
    ]
    if len(holders) > count:
        drop = set(holders[count:])
        return [p for i, p in enumerate(people) if i not in drop]
    if len(holders) == count:
        return people
    template = people[holders[0]] if holders else _new_post(people, shift, trade)
    taken = {p["id"] for p in people}
    added: list[dict[str, Any]] = []
    k = 0
    while len(holders) + len(added) < count:
        k += 1
        new_id = f"{template['id']}+{k}" if holders else f"{shift}-{trade}-{k}"
        if new_id in taken:
            continue
        name = (
            f"{template.get('name') or template['id']} +{k}"
            if holders
            else f"{trade.replace('_', ' ').capitalize()} ({shift}) {k}"
        )
        added.append({**template, "id": new_id, "name": name, "backup": None})
    return people + added


def _new_post(people: list[dict[str, Any]], shift: str, trade: str) -> dict[str, Any]:
    """A person for a post no one on the shift holds: level 2 in the trade, based where others of
    that trade are (else where the shift is based), paid as others of that trade."""
    same_trade = [p for p in people if _post(p) == trade]
    same_shift = [p for p in people if p["shift"] == shift]
    like = (same_trade or same_shift or people)[0]
    return {
        **Person(id=f"{shift}-{trade}", trades={trade: 2}, shift=shift).model_dump(mode="python"),
        "base": like["base"],
        "hourly_rate": like["hourly_rate"],
    }


def load_sweep(path: str | Path) -> LoadedSweep:
    """Read a sweep file, its base scenario, and build every variant.

    Raises
    ------
    ScenarioError
        The sweep or its base scenario is missing or invalid; a variant changes something the
        base does not have (naming the sweep file's line).
    """
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: no such file; check the path (relative paths start at the file naming it)")
    return parse_sweep(read_text(p, "it"), source=p)


def parse_sweep(text: str, *, source: Path) -> LoadedSweep:
    """A sweep file's text, read as :func:`load_sweep` reads the file ``source`` (its base and
    rates resolve from ``source``'s folder; errors name it)."""
    p = source
    sweep, lines = parse_yaml_model(text, Sweep, source=p, what="sweep file (name:, base:, variants: …)")
    base_path = Path(sweep.base)
    if not base_path.is_absolute():
        base_path = p.parent / base_path
    if not base_path.is_file():
        raise ScenarioError(
            f"{p}:{lines.get(('base',), 1)}: base: no scenario file {base_path}; "
            "give a path relative to the sweep file"
        )
    base = load_scenario(base_path)
    scenario = _period_scenario(LoadedSweep(sweep, p, base, (), lines))
    return LoadedSweep(sweep, p, base, _variants(sweep, scenario, sweep.variant_changes(), p, lines), lines)


def search_sweep(loaded: LoadedSweep) -> LoadedSweep:
    """The sweep of every roster the ``search:`` moves make (its variants are the candidates).

    Raises
    ------
    ScenarioError
        The file has no ``search:``; a move names a shift, post or contractor the base does not
        have (with the file's line).
    """
    s = loaded.sweep
    scenario = _period_scenario(loaded)
    variants = _variants(
        s,
        scenario,
        search_of(loaded).candidates(),
        loaded.path or Path("sweep"),
        loaded.lines,
        where=("search",),
    )
    return dataclasses.replace(loaded, variants=variants)


def search_of(loaded: LoadedSweep) -> Search:
    """The sweep file's ``search:`` section.

    Raises
    ------
    ScenarioError
        The file has none (with what to do).
    """
    if loaded.sweep.search is None:
        raise ScenarioError(
            f"{loaded.path}: search: the sweep has no search: section; add one (see "
            "scenarios/sweeps/night_shift_search.yaml) or run its variants with `twin sweep`"
        )
    return loaded.sweep.search


def _period_scenario(loaded: LoadedSweep) -> Scenario:
    """The base scenario over the sweep's period (with its background), before any change."""
    s = loaded.sweep
    over: dict[str, Any] = {"start": s.period.start, "duration_h": s.period.days * 24.0}
    background = s.background
    p = loaded.path or Path(".")
    if background is not None and background.rates and not Path(background.rates).is_absolute():
        background = background.model_copy(update={"rates": str((p.parent / background.rates).resolve())})
    if "background" in s.model_fields_set:
        # The sweep file says which background: it replaces the base scenario's (null: none).
        over["background"] = background
    elif loaded.base.scenario.background is None:
        over["background"] = background
    return loaded.base.scenario.model_copy(update=over)


def _variants(
    sweep: Sweep,
    scenario: Scenario,
    all_changes: list[tuple[Change, ...]],
    p: Path,
    lines: dict[Loc, int],
    *,
    where: Loc | None = None,
) -> tuple[Variant, ...]:
    variants = []
    for i, changes in enumerate(all_changes):
        name = variant_name(changes)
        try:
            variants.append(
                Variant(i, name, apply_changes(scenario, changes), sum(c.cost_per_year for c in changes))
            )
        except (ValueError, ValidationError) as exc:
            loc = where or _variant_loc(sweep, changes)
            line = _nearest_line(lines, loc)
            msg = (
                str(exc).splitlines()[0]
                if not isinstance(exc, ValidationError)
                else f"{format_loc(tuple(exc.errors()[0]['loc']))}: {exc.errors()[0]['msg']}"
            )
            raise ScenarioError(f"{p}:{line}: {format_loc(loc)} ('{name}'): {msg}") from None
    return tuple(variants)


def _variant_loc(sweep: Sweep, changes: tuple[Change, ...]) -> Loc:
    for i, c in enumerate(sweep.variants):
        if (c,) == changes:
            return ("variants", i)
    for a, axis in enumerate(sweep.grid):
        for o, option in enumerate(axis):
            if option in changes and (option.staff or option.train or option.contractors or option.remove):
                return ("grid", a, o)
    return ("grid",)
