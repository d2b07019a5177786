"""The mapping file: how a work-order export's columns and codes become incidents of the twin.

A mapping is YAML, validated like a scenario (pydantic, unknown fields are errors, every error
names the file, the line and the field). It names the log's own columns (``columns:``), turns its
codes into the twin's words (``categories:`` → incident kinds, ``priorities:`` → red / yellow /
blue, ``people:`` → roster ids), and says how to read its times (``timezone:``, ``date_format:``).
A ``preset:`` (:mod:`twin.history.presets`) fills the column names of a known export::

    preset: maximo
    timezone: Europe/London
    date_format: "%d/%m/%Y %H:%M"
    scenario: ../estate_roster.yaml      # the building, roster, channels and targets that apply
    priorities: {1: red, 2: yellow, 3: blue}
    categories:
      LEAK: {kind: work_order, name: leaking tap or WC, trade: plumber, per: household}
      BURST: pipe_burst
    people: {JSMITH: D-PLB1}

**Daylight saving.** A local time the clocks skipped (01:30 on the last Sunday of March in
Europe/London) is read with the offset in force just before the change — the time a clock not
yet put forward showed, so 01:30 GMT = 02:30 BST. A local time that happened twice (01:30 on the
last Sunday of October) is read as the first (summer-time) one, unless that would put it before
an earlier step of the same work order, then as the second. Either way the row is flagged, so a
person can check it.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BeforeValidator, Field, field_validator, model_validator

from twin.background.rates import Per
from twin.errors import suggest
from twin.history.presets import PRESETS
from twin.scenario.kinds import HAZARDS
from twin.scenario.load import Loc, ScenarioError, format_loc, parse_yaml_model, read_text, read_yaml
from twin.scenario.schema import CHANNELS, PRIORITIES, _check_trade, _Frozen

#: The time columns, in the order a work order's steps happen (``duration`` in ``columns:`` stands
#: in for ``resolved`` when a log gives how long the job took instead of when it ended).
TIME_FIELDS = ("reported", "dispatched", "arrived", "made_safe", "resolved")

Priority = Literal["red", "yellow", "blue"]

#: Clock names a log's users write for a zone (summer or winter half), and an IANA zone that has them.
ZONE_ABBREVIATIONS = {
    "BST": "Europe/London",
    "IST": "Europe/Dublin or Asia/Kolkata",
    "CEST": "Europe/Paris",
    "EEST": "Europe/Athens",
    "EDT": "America/New_York",
    "CDT": "America/Chicago",
    "PDT": "America/Los_Angeles",
    "PST": "America/Los_Angeles",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
}

#: The date_format words besides a strptime format: ISO 8601, Excel serial day numbers (local
#: wall time, days since 1899-12-30 as Excel counts them), Unix epoch seconds (UTC).
DATE_WORDS = ("iso", "excel", "epoch")

T = TypeVar("T")


class MappingError(ScenarioError):
    """A mapping file cannot be read, says something invalid, or does not fit the log."""


class Columns(_Frozen):
    """The log's column for each field (leave out what the log does not have)."""

    id: str | None = Field(None, description="the work order's number")
    reported: str | None = Field(None, description="when it was reported (required)")
    dispatched: str | None = Field(None, description="when someone was dispatched / assigned")
    arrived: str | None = Field(None, description="when the first person was on site")
    made_safe: str | None = Field(None, description="when the hazard was under control")
    resolved: str | None = Field(None, description="when it was resolved / closed")
    duration: str | None = Field(None, description="how long the job took, instead of `resolved`")
    place: str | None = Field(None, description="where: a space, equipment, GlobalId or NAME @ STOREY")
    category: str | None = Field(None, description="the log's category (see `categories:`)")
    title: str | None = Field(None, description="a description")
    trade: str | None = Field(None, description="the trade that did the work")
    priority: str | None = Field(None, description="the log's priority code (see `priorities:`)")
    person: str | None = Field(None, description="who went (see `people:`)")
    status: str | None = Field(None, description="the work order's status (see `exclude:`)")


class Category(_Frozen):
    """What a log category is: an incident kind, and for work orders the rate it counts toward."""

    kind: str = Field(description="`work_order` or a hazard kind (pipe_burst, power_loss, entrapment, storm)")
    name: str | None = Field(
        None, description="work orders: the name in a rates file (default: the category)"
    )
    trade: str | None = Field(None, description="work orders: the trade (default: the log's trade column)")
    level: int = Field(1, ge=1, le=3, description="work orders: the skill level the job needs")
    per: Per | None = Field(
        None,
        description="what a rate counts: household, site, lift, … (default: the default rate's, else site)",
    )
    priority: Priority | None = Field(None, description="when the log gives no priority")
    channel: str = Field("phone", description="how it is reported, for a calibrated rates file")

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        known = ("work_order", *(k.name for k in HAZARDS if getattr(k, "occurrence", None) is not None))
        if value not in known:
            raise ValueError(f"unknown kind '{value}'{suggest(value, known)} (known: {', '.join(known)})")
        return value

    @field_validator("trade")
    @classmethod
    def _trade(cls, value: str | None) -> str | None:
        return None if value is None else _check_trade(value)

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if value not in CHANNELS:
            raise ValueError(
                f"unknown channel '{value}'{suggest(value, CHANNELS)} (known: {', '.join(CHANNELS)})"
            )
        return value


def _category(value: Any) -> Any:
    return {"kind": value} if isinstance(value, str) else value


def _text_keys(value: Any) -> Any:
    """YAML reads ``1: red`` with an integer key; a log's codes are text."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    return value


class Mapping(_Frozen):
    """A work-order log's mapping onto the twin."""

    preset: str | None = Field(None, description="a known export's column names (maximo, plain)")
    scenario: str | None = Field(
        None,
        description="the scenario whose building, roster, channels and targets apply (relative to this file)",
    )
    timezone: str = Field("UTC", description="the site's IANA time zone, e.g. Europe/London")
    date_format: str = Field(
        "iso",
        description="`iso` (2026-03-02 14:05, offsets allowed), a strptime format like %d/%m/%Y %H:%M, "
        "`excel` (serial day numbers, 45717.5 = 2025-03-01 12:00, local) or `epoch` (seconds since 1970 UTC)",
    )
    encoding: str = Field(
        "utf-8",
        description="a CSV or JSON file's text encoding: utf-8 (a BOM is fine), utf-16, cp1252, latin-1…",
    )
    sheet: str | None = Field(
        None, description="an Excel log's sheet (default: the one whose header has the reported column)"
    )
    delimiter: str = Field(",", min_length=1, max_length=1, description="a CSV file's field separator")
    duration_unit: Literal["minutes", "hours"] = "minutes"
    duration_from: Literal["reported", "dispatched", "arrived"] = Field(
        "arrived", description="the step the duration column counts from"
    )
    has_twin: bool = Field(
        True, description="false: the log's places are not the twin's names; keep every row, place unresolved"
    )
    columns: Columns = Columns()
    categories: Annotated[dict[str, Category], BeforeValidator(_text_keys)] = Field(
        default_factory=dict, description="log category → kind (none: every row is a work order)"
    )
    priorities: Annotated[dict[str, Priority], BeforeValidator(_text_keys)] = Field(
        default_factory=dict, description="log priority code → red / yellow / blue"
    )
    people: Annotated[dict[str, str], BeforeValidator(_text_keys)] = Field(
        default_factory=dict, description="log crew name → roster person id"
    )
    exclude: Annotated[dict[str, list[str]], BeforeValidator(_text_keys)] = Field(
        default_factory=dict, description="column → values whose rows are left out (counted as rejected)"
    )

    @field_validator("categories", mode="before")
    @classmethod
    def _short_categories(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): _category(v) for k, v in value.items()}
        return value

    @field_validator("preset")
    @classmethod
    def _preset(cls, value: str | None) -> str | None:
        if value is not None and value not in PRESETS:
            raise ValueError(
                f"unknown preset '{value}'{suggest(value, PRESETS)} (known: {', '.join(PRESETS)})"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            if re.fullmatch(r"(GMT|UTC)\s*[+-]\s*\d{1,2}(:?\d\d)?", value.strip(), re.IGNORECASE):
                raise ValueError(
                    f"'{value}' is a fixed offset, and the IANA name that looks like it (Etc/GMT+1) "
                    "means the opposite sign (1 h behind UTC); give the site's IANA zone "
                    "such as Europe/Paris, so daylight saving is handled"
                ) from None
            if value.strip().upper() in ZONE_ABBREVIATIONS:
                zone = ZONE_ABBREVIATIONS[value.strip().upper()]
                raise ValueError(
                    f"'{value}' is a clock's name for part of the year, not a zone; give the IANA zone, "
                    f"e.g. {zone}, whose clocks change as the site's do"
                ) from None
            zones = sorted(zoneinfo.available_timezones())
            raise ValueError(
                f"unknown time zone '{value}'{suggest(value, zones)}; give an IANA name such as Europe/London"
            ) from None
        return value

    @field_validator("date_format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value not in DATE_WORDS and "%" not in value:
            raise ValueError(
                f"'{value}' is neither {', '.join(DATE_WORDS)} nor a strptime format; "
                "write e.g. %d/%m/%Y %H:%M or iso"
            )
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding '{value}'; give e.g. utf-8, utf-16 or cp1252") from None
        return value

    @model_validator(mode="after")
    def _columns(self) -> Mapping:
        if self.columns.reported is None:
            raise ValueError(
                "columns.reported: name the column holding when each work order was reported "
                "(or give a preset: " + ", ".join(PRESETS) + ")"
            )
        if self.columns.duration is not None and self.columns.resolved is not None:
            raise ValueError("columns.duration: give resolved (an end time) or duration (how long), not both")
        return self

    def category_of(self, value: str) -> Category | None:
        """The category a log value names (exact, then ignoring case and spaces); None if unmapped."""
        return _lookup(self.categories, value)

    def priority_of(self, value: str) -> str | None:
        """red / yellow / blue for a log code (the map, then the words themselves); None if unknown."""
        hit = _lookup(self.priorities, value)
        if hit is not None:
            return hit
        word = value.strip().lower()
        return word if word in PRIORITIES else None

    def person_of(self, value: str) -> str | None:
        """The roster id a log's crew name maps to (None: not in ``people:``)."""
        return _lookup(self.people, value)


def _lookup(table: dict[str, T], value: str) -> T | None:
    if value in table:
        return table[value]
    key = " ".join(value.split()).lower()
    for k, v in table.items():
        if " ".join(k.split()).lower() == key:
            return v
    return None


@dataclass(frozen=True, slots=True)
class LoadedMapping:
    """A validated mapping, where it came from (so errors name its lines) and which of its
    columns came from its preset (those may be absent from a log; the user's own may not)."""

    mapping: Mapping
    path: Path | None
    lines: dict[Loc, int] = field(default_factory=dict)
    from_preset: frozenset[str] = frozenset()

    def where(self, loc: Loc) -> str:
        """``"map.yaml:12: columns.reported"`` for a field path."""
        name = str(self.path) if self.path else "<mapping>"
        line = None
        for k in range(len(loc), -1, -1):
            if loc[:k] in self.lines:
                line = self.lines[loc[:k]]
                break
        return f"{name}:{line}: {format_loc(loc)}" if line else f"{name}: {format_loc(loc)}"

    def scenario_path(self) -> Path | None:
        """The scenario the mapping names, relative to the mapping file's folder."""
        if self.mapping.scenario is None:
            return None
        p = Path(self.mapping.scenario)
        base = self.path.parent if self.path else Path.cwd()
        return p if p.is_absolute() else base / p

    def scenario_file(self) -> Path | None:
        """:meth:`scenario_path`, checked to be a file.

        Raises
        ------
        MappingError
            It is not, naming the mapping's ``scenario:`` line.
        """
        p = self.scenario_path()
        if p is not None and not p.is_file():
            raise MappingError(
                f"{self.where(('scenario',))}: {p} is not a file (the path is relative to the mapping's "
                "folder); fix the path, or leave scenario: out for a log without a twin"
            )
        return p


def _with_preset(data: dict[str, Any]) -> dict[str, Any]:
    """The mapping's data with its preset's columns and exclusions filled in under its own."""
    name = data.get("preset")
    preset = PRESETS.get(name) if isinstance(name, str) else None
    if preset is None:
        return data
    out = dict(data)
    own = data.get("columns")
    if own is None or isinstance(own, dict):
        columns = {**preset.columns, **(own or {})}
        if "duration" in (own or {}) and "resolved" not in (own or {}):
            columns.pop("resolved", None)  # the user's duration stands in for the preset's end time
        out["columns"] = columns
    own_ex = data.get("exclude")
    if own_ex is None or isinstance(own_ex, dict):
        out["exclude"] = {**{k: list(v) for k, v in preset.exclude.items()}, **(own_ex or {})}
    return out


def parse_mapping(text: str, *, source: Path | None = None) -> LoadedMapping:
    """Validate mapping YAML text (``source`` names it in errors).

    Raises
    ------
    MappingError
        Not YAML, not a mapping, or an invalid field — naming the file, the line and the field.
    """
    name = str(source) if source else "<mapping>"
    try:
        codes = _codes_as_written(read_yaml(text, name)[0], name)
        mapping, lines = parse_yaml_model(
            text,
            Mapping,
            source=source,
            what="mapping file (preset:, timezone:, columns:, categories: …)",
            prepare=lambda data: _with_preset({**data, **codes}),
        )
    except MappingError:
        raise
    except ScenarioError as exc:
        raise MappingError(str(exc)) from None
    preset = PRESETS.get(mapping.preset) if mapping.preset else None
    own: set[str] = set()
    node_columns = [k[1] for k in lines if len(k) == 2 and k[0] == "columns"]
    own.update(str(c) for c in node_columns)
    from_preset = frozenset(preset.columns) - own if preset else frozenset()
    return LoadedMapping(mapping, source, lines, from_preset)


#: The sections keyed by the log's own codes: their keys are read as written, because YAML 1.1
#: reads an unquoted ``010`` as the octal number 8, ``0042`` as 34, ``1.10`` as 1.1 and ``1:30``
#: as 90 — a code the log writes ``010`` would then match nothing, and ``1`` and ``01`` would
#: merge into one key, silently.
CODE_SECTIONS = ("categories", "priorities", "people", "exclude")


def _codes_as_written(root: Any, name: str) -> dict[str, dict[str, Any]]:
    """Each code section of the mapping's YAML tree with its keys as written in the file."""
    out: dict[str, dict[str, Any]] = {}
    if not isinstance(root, yaml.MappingNode):
        return out
    builder = yaml.SafeLoader("")
    for key, section in root.value:
        if key.value not in CODE_SECTIONS or not isinstance(section, yaml.MappingNode):
            continue
        if not all(
            isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge" for k, _ in section.value
        ):
            continue  # a merge (<<) or a complex key: left to the schema as YAML built it
        codes: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for k, v in section.value:
            line = k.start_mark.line + 1
            if k.value in codes:
                raise MappingError(
                    f"{name}:{line}: {key.value}: the code '{k.value}' is given twice (first on line "
                    f"{lines[k.value]}); keep one"
                )
            if key.value == "exclude" and isinstance(v, yaml.SequenceNode):
                value: Any = [
                    i.value if isinstance(i, yaml.ScalarNode) else builder.construct_object(i)
                    for i in v.value
                ]
            else:
                value = builder.construct_object(v, deep=True)
            codes[k.value], lines[k.value] = value, line
        out[key.value] = codes
    return out


def load_mapping(path: str | Path) -> LoadedMapping:
    """Read and validate a mapping file (see :func:`parse_mapping`)."""
    p = Path(path)
    if not p.is_file():
        raise MappingError(f"{p}: no such mapping file; check the path")
    try:
        text = read_text(p, "the mapping")
    except ScenarioError as exc:
        raise MappingError(str(exc)) from None
    return parse_mapping(text, source=p)
