"""Reading a work-order log: a CSV, Excel or JSON export and its mapping → a :class:`History`.

Takes the export's path, its :class:`~twin.history.mapping.LoadedMapping` and optionally the
twin of the site; gives one row per work order used (:data:`INCIDENT_COLUMNS`) and one per row
left out (:data:`REJECTED_COLUMNS`), with the count of each. **Every row is accounted for**: rows
read = used + rejected, and a rejected row names its row number (as the user sees it: the CSV or
Excel line with the header on line 1, the JSON record counting from 1), the column, the value
and the reason. Rows kept with something implausible — on site before reported, closed before
opened, on site faster than the twin's walk from the person's base, a local time the clocks
skipped or repeated — carry a flag.

Places resolve with the names scenarios use (:mod:`twin.places`: space, equipment, GlobalId,
``NAME @ STOREY``), with "did you mean" in the rejection. Without a twin, or with ``has_twin:
false`` in the mapping, every row keeps its place as written with node -1, so KPIs and
calibration still work.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import math
import zoneinfo
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin.clock import FIRST_YEAR, LAST_YEAR
from twin.errors import TwinError, suggest
from twin.history.mapping import TIME_FIELDS, LoadedMapping, MappingError
from twin.scenario.load import LoadedScenario, load_scenario
from twin.scenario.schema import TRADES
from twin.text import decode_text
from twin.twin import Twin
from twin.words import plural

log = logging.getLogger(__name__)

#: The columns of :attr:`History.incidents`, one row per work order used. The times are
#: tz-aware Timestamps in the site's zone (NaT when the log does not give them); ``row`` is the
#: source row as the user sees it; ``node`` is the twin's graph node (-1: no twin or not
#: resolved); ``kind`` is ``work_order`` or a hazard kind; ``priority`` red / yellow / blue;
#: ``person`` a roster id ("" when unknown); ``flags`` the row's warnings joined by ``;`` (read it
#: as ``frame["flags"]``: ``frame.flags`` is pandas' own attribute).
INCIDENT_COLUMNS = (
    "row",
    "id",
    *TIME_FIELDS,
    "place",
    "node",
    "kind",
    "category",
    "title",
    "trade",
    "priority",
    "person",
    "flags",
)

#: The columns of :attr:`History.rejected`: the row, the log's column at fault, its value, the
#: reason (a key of :data:`REASONS`) and the detail (what to do).
REJECTED_COLUMNS = ("row", "column", "value", "reason", "detail")

#: Why a row is left out, and what that means.
REASONS: dict[str, str] = {
    "malformed row": "the row has a different number of fields from the header",
    "excluded": "the mapping's exclude: leaves rows with this value out (a cancelled work order)",
    "no id": "the id column is empty",
    "duplicate id": "the id was used by an earlier row (the first is kept)",
    "no reported time": "the reported column is empty: the work order cannot be placed in time",
    "unreadable time": "a time that does not match the mapping's date_format",
    "unreadable duration": "the duration is not a number ≥ 0",
    "unknown category": "the category is not in the mapping's categories:",
    "unknown trade": "a work order with no trade, or a trade DrillTwin does not know",
    "unknown priority": "the priority code is not in the mapping's priorities:",
    "no priority": "no priority in the row and none for its category",
    "unknown place": "the place names nothing in the twin",
}

#: What a row's flag says (the text before ``:`` in :attr:`History.incidents`' ``flags``).
FLAGS: dict[str, str] = {
    "dispatched before reported": "the dispatch time is earlier than the report",
    "on site before reported": "the on-site time is earlier than the report",
    "on site before dispatched": "the on-site time is earlier than the dispatch",
    "made safe before reported": "made safe earlier than reported",
    "resolved before reported": "closed before it was opened",
    "resolved before on site": "closed before anyone was on site",
    "faster than the walk": (
        "on site sooner after the report or dispatch than the twin's walk from the person's base"
    ),
    "clocks went forward": "a local time that did not exist (the hour skipped in spring), read as explained",
    "clocks went back": "a local time that happened twice (the hour repeated in autumn), read as explained",
    "unknown person": "the person is neither in the mapping's people: nor a roster id",
}

#: "Faster than the walk" is flagged when the person was on site in less than this share of the
#: twin's walk from their base. The twin walks at 1.3 m/s with a mean lift wait of 30 s
#: (:mod:`twin.travel`); a brisk 1.7 m/s and a car standing ready cover a route in about three
#: quarters of that, so only a time no walk explains is flagged (they may have been elsewhere).
FASTEST_SHARE = 0.75

#: Files read by suffix.
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".json")


class HistoryError(TwinError):
    """A work-order log cannot be read or does not fit its mapping."""


@dataclass(frozen=True, slots=True)
class Summary:
    """What an import did with the log's rows."""

    read: int
    used: int
    rejected: Mapping[str, int]
    """Rows left out, by reason."""
    flagged: Mapping[str, int]
    """Rows used with a flag, by flag."""
    missing: tuple[str, ...] = ()
    """Fields the preset names whose column the log does not have (treated as not given)."""

    def lines(self) -> list[str]:
        """The summary in words, one line each."""
        out = [
            f"{plural(self.read, 'row')} read: {self.used:,} used, {sum(self.rejected.values()):,} rejected"
        ]
        out += [f"  rejected, {reason}: {n:,}" for reason, n in self.rejected.items()]
        out += [f"  flagged, {flag}: {n:,}" for flag, n in self.flagged.items()]
        if self.missing:
            out.append(f"  not in the log (left empty): {', '.join(self.missing)}")
        return out


@dataclass(frozen=True, slots=True, eq=False)
class History:
    """An imported work-order log: the work orders used, the rows left out, and the count."""

    incidents: pd.DataFrame
    """One row per work order used, columns :data:`INCIDENT_COLUMNS`, in the log's order."""
    rejected: pd.DataFrame
    """One row per row left out, columns :data:`REJECTED_COLUMNS`."""
    summary: Summary
    source: Path
    mapping: LoadedMapping
    timezone: str
    scenario: LoadedScenario | None = None
    """The scenario the mapping names (its building, roster, channels and targets)."""


def sample_files() -> tuple[Path, Path]:
    """The shipped sample history of the default estate and its mapping (CSV, YAML); made by
    ``models/make_history.py``."""
    from twin.shipped import shipped_dir

    folder = shipped_dir("scenarios") / "history"
    return folder / "estate_workorders.csv", folder / "estate_workorders.map.yaml"


# -- reading the file -------------------------------------------------------------------------

Record = tuple[int, dict[str, Any] | str]
"""(row number, the row's values by column — or, for a malformed row, what is wrong with it)."""

#: Rows at the top of a spreadsheet searched for the header (a title row, a merged banner or an
#: export note above it is common); the rows above the header are not records.
HEADER_SEARCH_ROWS = 20

#: Field separators a CSV export uses besides the mapping's (European Excel writes ``;``).
OTHER_DELIMITERS = (";", "\t", "|", ",")


def read_table(
    path: Path,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    sheet: str | None = None,
    header_with: str | None = None,
) -> tuple[list[str], list[Record]]:
    """A log file's columns (as written, duplicates kept) and its records with their row numbers,
    values as read (text; Excel dates as datetimes). ``header_with`` is a column the header must
    have (the reported one): an Excel log's sheet and header row are the first that have it."""
    from twin.limits import LOG_MB

    if path.is_dir():
        raise HistoryError(f"{path}: is a folder, not a log file; give the export file itself")
    if not path.is_file():
        raise HistoryError(f"{path}: no such file; check the path")
    size = path.stat().st_size
    if size > LOG_MB.value() * 1_000_000:
        raise HistoryError(
            f"{path}: {size / 1_000_000:.1f} MB is more than the {LOG_MB.value():g} MB a work-order log may "
            f"have; export a shorter period, or {LOG_MB.how_to_raise()}"
        )
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            return _read_csv(path, delimiter, encoding, header_with)
        if suffix in (".xlsx", ".xlsm"):
            return _read_excel(path, sheet, header_with)
        if suffix == ".json":
            return _read_json(path, encoding)
    except PermissionError as exc:
        raise HistoryError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
    raise HistoryError(
        f"{path}: cannot read a '{suffix}' file; export the log as CSV, Excel (.xlsx) or JSON "
        "(a list of records)"
    )


def _decode(path: Path, encoding: str) -> str:
    """The file's text (:func:`twin.text.decode_text`): a byte-order mark wins (Excel's "Unicode
    text" is UTF-16), else ``encoding``."""
    return decode_text(
        path.read_bytes(),
        path,
        encoding=encoding,
        error=HistoryError,
        fix="save the export as UTF-8, or name its encoding in the mapping "
        "(encoding: cp1252 for most Windows exports)",
    )


def _read_csv(
    path: Path, delimiter: str, encoding: str, header_with: str | None
) -> tuple[list[str], list[Record]]:
    text = _decode(path, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise HistoryError(f"{path}: empty file; export the log with a header row") from None
    header = [h.strip() for h in header]
    if len(header) == 1 and header_with is not None and header_with not in header:
        seps = [d for d in OTHER_DELIMITERS if d != delimiter and d in header[0]]
        if seps:
            shown = "\\t" if seps[0] == "\t" else seps[0]
            raise HistoryError(
                f"{path}:1: the header reads as one column; its fields look separated by '{shown}' — "
                f'write delimiter: "{shown}" in the mapping'
            )
    records: list[Record] = []
    line = reader.line_num
    try:
        for values in reader:
            start, line = line + 1, reader.line_num
            if not values:  # a blank line is not a record
                continue
            if len(values) != len(header):
                records.append((start, f"{len(values)} fields where the header has {len(header)}"))
                continue
            records.append((start, dict(zip(header, values, strict=True))))
    except csv.Error as exc:
        raise HistoryError(f"{path}:{reader.line_num}: not valid CSV ({exc}); check quoting") from None
    return header, records


def _read_excel(path: Path, sheet: str | None, header_with: str | None) -> tuple[list[str], list[Record]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise HistoryError(f"{path}: not a readable Excel workbook ({exc}); save it as .xlsx") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise HistoryError(
                f"{path}: no sheet '{sheet}'{suggest(sheet, book.sheetnames)}; its sheets are "
                f"{', '.join(book.sheetnames)} (fix sheet: in the mapping)"
            )
        candidates = [book[sheet]] if sheet is not None else list(book.worksheets)
        chosen, at = candidates[0], 1
        for ws in candidates if header_with is not None else ():
            top = ws.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True)
            hit = next(
                (i for i, r in enumerate(top, 1) if any(str(v).strip() == header_with for v in r if v)), None
            )
            if hit is not None:
                chosen, at = ws, hit
                break
        if chosen is not book.worksheets[0] or at > 1:
            log.info("%s: the log is sheet '%s', header on row %d", path, chosen.title, at)
        rows = chosen.iter_rows(min_row=at, values_only=True)
        header_row = next(rows, None)
        if header_row is None:
            raise HistoryError(f"{path}: sheet '{chosen.title}' is empty; put the header in row 1")
        header = ["" if h is None else str(h).strip() for h in header_row]
        while header and header[-1] == "":
            header.pop()
        records: list[Record] = []
        for number, values in enumerate(rows, start=at + 1):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            extra = sum(v is not None for v in values[len(header) :])
            if extra:
                records.append((number, f"{extra} filled cells right of the header's last column"))
                continue
            cells = list(values[: len(header)]) + [None] * (len(header) - len(values))
            records.append(
                (number, {h: ("" if v is None else v) for h, v in zip(header, cells, strict=True)})
            )
    finally:
        book.close()
    return header, records


def _cell(value: Any) -> Any:
    """A spreadsheet cell or JSON value as the reader takes it: empty for None, a whole number
    as its digits (a priority code 3 stored as 3.0 is "3"), datetimes as they are."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise _DuplicateKey(twice[0])
    return dict(pairs)


class _DuplicateKey(ValueError):
    pass


def _flat(item: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A record with nested objects' fields as ``outer.inner`` columns."""
    out: dict[str, Any] = {}
    for k, v in item.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = _cell(v)
    return out


def _read_json(path: Path, encoding: str) -> tuple[list[str], list[Record]]:
    text = _decode(path, encoding)  # JSON is UTF-8 (RFC 8259), but a Windows tool may write cp1252
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKey as exc:
        raise HistoryError(f"{path}: a record has the field '{exc}' twice; export each field once") from None
    except json.JSONDecodeError as exc:
        raise HistoryError(f"{path}: not valid JSON ({exc}); export a list of records") from None
    if isinstance(data, dict):
        lists = [k for k, v in data.items() if isinstance(v, list)]
        if len(lists) != 1:
            keys = ", ".join(list(data)[:8]) or "none"
            raise HistoryError(
                f"{path}: an object (keys: {keys}), not a list of records; export the records as a list "
                "[{...}, ...], or an object with exactly one list in it"
            )
        log.info("%s: the records are the list under '%s'", path, lists[0])
        data = data[lists[0]]
    if not isinstance(data, list):
        raise HistoryError(f"{path}: expected a list of records ([{{...}}, ...]), got {type(data).__name__}")
    header: dict[str, None] = {}
    records: list[Record] = []
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            records.append((i, f"a {type(item).__name__}, not a record {{...}}"))
            continue
        flat = _flat({str(k): v for k, v in item.items()})
        header.update(dict.fromkeys(flat))
        records.append((i, flat))
    if not header:  # nothing to name a column by: say so, rather than list no columns
        what = "the list is empty" if not data else f"its {len(data):,} items are not records {{...}}"
        raise HistoryError(
            f"{path}: no work orders — {what}; export the period's work orders as a list of records"
        )
    return list(header), records


# -- times ------------------------------------------------------------------------------------


class _Unreadable(ValueError):
    pass


#: The times a log's table can hold (:data:`twin.clock.FIRST_YEAR` to ``LAST_YEAR``): a far-off
#: date in an export is a placeholder (9999-12-31 for "not yet"), not a time.
TIME_RANGE = (dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC), dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC))

#: Excel's day 0 (its serial day numbers count from here, 1900's phantom 29 February included).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def parse_time(value: Any, date_format: str) -> dt.datetime | None:
    """A log's time as a datetime (naive: local; aware when the text has an offset, and for
    ``epoch``), None when empty; :class:`ValueError` when it does not read."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    text = str(value).strip()
    if not text:
        return None
    try:
        if date_format == "iso":
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        if date_format == "excel":
            return EXCEL_EPOCH + dt.timedelta(days=_number(text, 1.0, 2_958_466.0))
        if date_format == "epoch":
            return dt.datetime.fromtimestamp(_number(text, 0.0, 32_503_680_000.0), dt.UTC)
        return dt.datetime.strptime(text, date_format)
    except (ValueError, OverflowError):
        raise _Unreadable(text) from None


def _number(text: str, low: float, high: float) -> float:
    x = float(text)
    if not low <= x < high:
        raise ValueError(text)
    return x


def time_hint(text: str, date_format: str) -> str:
    """What a time that does not read as ``date_format`` looks like instead ("" when unclear)."""
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if date_format != "excel" and 20_000 <= x < 80_000:
        return "; it looks like an Excel serial date: write date_format: excel in the mapping"
    if date_format != "epoch" and 1e8 <= x < 1e10:
        return "; it looks like Unix epoch seconds: write date_format: epoch in the mapping"
    if 1e11 <= x < 1e13:
        return "; it looks like epoch milliseconds: export seconds, or ISO 8601 times"
    if date_format not in ("iso", "excel", "epoch") and math.isnan(x):
        try:
            dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            return ""
        return "; it reads as ISO 8601: write date_format: iso in the mapping"
    return ""


def localize(
    naive: dt.datetime, zone: zoneinfo.ZoneInfo, *, not_before: dt.datetime | None = None
) -> tuple[dt.datetime, str]:
    """A local clock time as an aware datetime in ``zone``, and a flag ("" when plain).

    A time the clocks skipped is read with the offset before the change (what a clock not yet
    put forward showed); a time that happened twice is the first one unless that is earlier than
    ``not_before`` (an earlier step of the same work order), then the second.
    """
    if naive.tzinfo is not None:
        return naive.astimezone(zone), ""
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first, ""
    shown = naive.strftime("%Y-%m-%d %H:%M")
    back = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == naive
    if not back:  # skipped: fold=0 carries the offset in force before the change
        read = first.astimezone(dt.UTC).astimezone(zone)
        return read, f"clocks went forward: {shown} did not exist, read as {read:%H:%M %Z}"
    # Aware datetimes sharing a tzinfo compare by wall time, fold ignored (PEP 495): compare in UTC.
    pick = first
    if not_before is not None:
        before = not_before.astimezone(dt.UTC)
        if first.astimezone(dt.UTC) < before <= second.astimezone(dt.UTC):
            pick = second
    read = pick.astimezone(dt.UTC).astimezone(zone)
    return read, f"clocks went back: {shown} happened twice, read as {read:%H:%M %Z}"


# -- the import -------------------------------------------------------------------------------


class _Reject(Exception):
    def __init__(self, column: str, value: Any, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, "" if value is None else str(value), reason
        self.detail = detail or REASONS[reason]


def read_history(
    path: str | Path,
    mapping: LoadedMapping,
    *,
    twin: Twin | None = None,
    scenario: LoadedScenario | None = None,
) -> History:
    """Read a work-order log through its mapping.

    Parameters
    ----------
    path
        A CSV, Excel (.xlsx) or JSON (a list of records) export.
    mapping
        Its mapping (:func:`twin.history.mapping.load_mapping`).
    twin
        The site's twin: places resolve to its nodes, and "on site faster than the walk" is
        checked. None: every place is kept as written with node -1.
    scenario
        The roster and bases for people; read from the mapping's ``scenario:`` when not given.

    Raises
    ------
    HistoryError
        The file cannot be read.
    MappingError
        The mapping names a column the log does not have, or a person the roster does not have
        (naming the mapping's line).
    """
    source = Path(path)
    m = mapping.mapping
    if scenario is None and m.scenario is not None:
        scenario_path = mapping.scenario_file()
        assert scenario_path is not None
        scenario = load_scenario(scenario_path)
    header, records = read_table(
        source,
        delimiter=m.delimiter,
        encoding=m.encoding,
        sheet=m.sheet,
        header_with=m.columns.reported,
    )
    columns, missing = _columns_present(mapping, header, source)
    roster = _roster(scenario)
    if roster:
        for crew, person in m.people.items():
            if person not in roster:
                raise MappingError(
                    f"{mapping.where(('people', crew))}: '{person}' is not in the roster of "
                    f"{scenario.path if scenario else 'the scenario'}{suggest(person, roster)}"
                )
    zone = zoneinfo.ZoneInfo(m.timezone)
    resolver = _Places(twin if m.has_twin else None)
    rows: list[dict[str, Any]] = []
    rejected: list[tuple[int, str, str, str, str]] = []
    seen: dict[str, int] = {}
    for number, record in records:
        try:
            rows.append(_one_row(number, record, columns, mapping, zone, resolver, roster, seen))
        except _Reject as r:
            rejected.append((number, r.column, r.value, r.reason, r.detail))
    incidents = _frame(rows, zone)
    if twin is not None and m.has_twin and scenario is not None:
        incidents = _flag_walks(incidents, twin, scenario)
    rejected_frame = pd.DataFrame(rejected, columns=list(REJECTED_COLUMNS)).astype({"row": "int64"})
    by_reason = Counter(rejected_frame["reason"])
    flag_keys = Counter(
        key for flags in incidents["flags"] for key in {f.split(":", 1)[0] for f in iter_flags(flags)}
    )
    summary = Summary(
        read=len(records),
        used=len(incidents),
        rejected={r: by_reason[r] for r in REASONS if by_reason[r]},
        flagged={f: flag_keys[f] for f in FLAGS if flag_keys[f]},
        missing=tuple(missing),
    )
    assert summary.read == summary.used + sum(summary.rejected.values())
    log.info("%s: %s", source, "; ".join(summary.lines()))
    return History(incidents, rejected_frame, summary, source, mapping, m.timezone, scenario)


def _columns_present(
    mapping: LoadedMapping, header: list[str], source: Path
) -> tuple[dict[str, str], list[str]]:
    """The mapping's fields whose columns the log has; a column the user named that the log
    lacks is a :class:`MappingError` at its line, one a preset named is left out."""
    have = set(header)
    out: dict[str, str] = {}
    missing: list[str] = []
    named = mapping.mapping.columns.model_dump()
    for name, column in named.items():
        if column is None:
            continue
        if header.count(column) > 1:
            at = [str(i + 1) for i, h in enumerate(header) if h == column]
            raise HistoryError(
                f"{source}:1: the column '{column}' ({name} in the mapping) is in the header "
                f"{len(at)} times (columns {', '.join(at)}); rename the copies in the export"
            )
        if column in have:
            out[name] = column
        elif name in mapping.from_preset and name != "reported":
            missing.append(f"{name} ({column})")
        else:
            raise MappingError(
                f"{mapping.where(('columns', name))}: {source.name} has no column '{column}'"
                f"{suggest(column, header)}; its columns are {', '.join(header[:12])}"
                f"{'…' if len(header) > 12 else ''}"
            )
    for column in mapping.mapping.exclude:
        if column not in have and column not in {c for c in named.values() if c}:
            if mapping.mapping.preset and ("exclude", column) not in mapping.lines:
                continue  # the preset's own exclusion, for a column this export does not have
            raise MappingError(
                f"{mapping.where(('exclude', column))}: {source.name} has no column '{column}'"
                f"{suggest(column, header)}"
            )
    return out, missing


def _roster(scenario: LoadedScenario | None) -> tuple[str, ...]:
    if scenario is None:
        return ()
    sc = scenario.scenario
    return tuple(p.id for p in sc.people) + tuple(c.id for c in sc.contractors)


class _Places:
    """Place text → graph node, each distinct text resolved once (-1 without a twin).

    A log repeats a few thousand flats and rooms; a name that is exactly one space's name, long
    name or label (and no GlobalId) is looked up in an index, which is what
    :func:`twin.places.resolve_place` finds for it first; anything else goes through it.
    """

    def __init__(self, twin: Twin | None) -> None:
        self.twin = twin
        self.known: dict[str, int | str] = {}
        self.spaces: dict[str, list[int]] = {}
        self.ids: set[str] = set()
        if twin is not None:
            model = twin.model
            for i, space in enumerate(model.spaces):
                if space.is_lift:
                    continue
                for key in {space.name.lower(), space.long_name.lower(), space.label.lower()}:
                    self.spaces.setdefault(key, []).append(i)
            self.ids = {
                x.id
                for group in (model.spaces, model.doors, model.equipment, model.lifts, model.stairs)
                for x in group
            }
            self.ids |= {part for lift in model.lifts for part in lift.parts}

    def node(self, text: str) -> int:
        if self.twin is None or not text.strip():
            return -1
        hit = self.known.get(text)
        if hit is None:
            hit = self._resolve(text)
            self.known[text] = hit
        if isinstance(hit, str):
            raise _Reject("", text, "unknown place", hit)
        return hit

    def _resolve(self, text: str) -> int | str:
        assert self.twin is not None
        key = text.strip()
        found = self.spaces.get(key.lower(), [])
        if len(found) == 1 and "@" not in key and key not in self.ids and not key.lower().startswith("node:"):
            node = (
                int(self.twin.graph.space_node[found[0]])
                if found[0] < self.twin.graph.space_node.shape[0]
                else -1
            )
            if node >= 0:
                return node
        from twin.places import resolve_place

        try:
            return resolve_place(text, self.twin.model, self.twin.graph)
        except TwinError as exc:
            return str(exc)


def _one_row(
    number: int,
    record: dict[str, Any] | str,
    columns: dict[str, str],
    mapping: LoadedMapping,
    zone: zoneinfo.ZoneInfo,
    places: _Places,
    roster: tuple[str, ...],
    seen: dict[str, int],
) -> dict[str, Any]:
    m = mapping.mapping
    if isinstance(record, str):
        raise _Reject("", "", "malformed row", f"{record}; fix the row in the export (a stray separator?)")

    def text(name: str) -> str:
        col = columns.get(name)
        return "" if col is None else str(record.get(col, "")).strip()

    for column, values in m.exclude.items():
        value = str(record.get(column, "")).strip()
        if value and value in values:
            raise _Reject(column, value, "excluded", f"excluded by the mapping ({column} is {value})")
    ident = text("id") if "id" in columns else str(number)
    if not ident:
        raise _Reject(columns["id"], "", "no id")
    if ident in seen:
        raise _Reject(
            columns["id"], ident, "duplicate id", f"the id was used on row {seen[ident]}; the first is kept"
        )
    seen[ident] = number

    flags: list[str] = []
    times: dict[str, dt.datetime | None] = {}
    latest: dt.datetime | None = None
    for step in TIME_FIELDS:
        col = columns.get(step)
        if col is None:
            times[step] = None
            continue
        raw = record.get(col, "")
        try:
            stamp = parse_time(raw, m.date_format)
        except _Unreadable:
            fmt = "ISO 8601 (2026-03-02 14:05)" if m.date_format == "iso" else m.date_format
            hint = time_hint(str(raw).strip(), m.date_format)
            raise _Reject(col, raw, "unreadable time", f"'{raw}' does not read as {fmt}{hint}") from None
        if stamp is None:
            times[step] = None
            continue
        try:
            aware, flag = localize(stamp, zone, not_before=latest)
            aware = aware.astimezone(dt.UTC)  # UTC: aware local times compare by wall clock
        except OverflowError:
            aware = TIME_RANGE[0] - dt.timedelta(days=1)  # year 1 in a zone east of UTC
        if not TIME_RANGE[0] <= aware <= TIME_RANGE[1]:
            raise _Reject(
                col,
                raw,
                "unreadable time",
                f"'{str(raw).strip()}' is outside the years {TIME_RANGE[0].year}–{TIME_RANGE[1].year - 1} "
                "a time can have (a placeholder for 'not yet'?); leave the cell empty",
            )
        if flag:
            flags.append(f"{flag} ({col})")
        times[step] = aware
        latest = aware if latest is None else max(latest, aware)
    if times["reported"] is None:
        raise _Reject(columns["reported"], "", "no reported time")
    if "duration" in columns:
        raw = text("duration")
        if raw:
            try:
                amount = float(raw)
            except ValueError:
                amount = math.nan
            if not math.isfinite(amount) or amount < 0:
                raise _Reject(columns["duration"], raw, "unreadable duration")
            start = times[m.duration_from] or times["reported"]
            assert start is not None
            times["resolved"] = start + dt.timedelta(**{m.duration_unit: amount})

    category = text("category")
    kind, name, trade, default_priority = "work_order", category, text("trade").lower(), None
    if m.categories:
        found = m.category_of(category)
        if found is None:
            col = columns.get("category", "")
            raise _Reject(
                col,
                category,
                "unknown category",
                f"'{category}' is not in the mapping's categories"
                f"{suggest(category, m.categories)}; add it there",
            )
        kind, name = found.kind, found.name or category
        trade = found.trade or trade
        default_priority = found.priority
    if kind == "work_order" and trade not in TRADES:
        raise _Reject(
            columns.get("trade", columns.get("category", "")),
            trade,
            "unknown trade",
            f"'{trade}' is not a trade{suggest(trade, TRADES)}; give the category a trade: in the mapping"
            if trade
            else "no trade for this work order; give its category a trade: in the mapping",
        )
    code = text("priority")
    if code:
        priority = m.priority_of(code)
        if priority is None:
            raise _Reject(
                columns["priority"],
                code,
                "unknown priority",
                f"'{code}' is not in the mapping's priorities{suggest(code, m.priorities)}"
                if m.priorities
                else f"'{code}' is not red, yellow or blue; map the codes in priorities:",
            )
    elif default_priority is not None:
        priority = default_priority
    else:
        raise _Reject(columns.get("priority", ""), "", "no priority")

    place = text("place")
    try:
        node = places.node(place)
    except _Reject as r:
        raise _Reject(columns.get("place", ""), place, r.reason, r.detail) from None

    who = text("person")
    person = ""
    if who:
        mapped = m.person_of(who)
        if mapped is not None:
            person = mapped
        elif who in roster or (not roster and not m.people):
            person = who  # a roster id as written (or no roster to check it against)
        else:
            where = "people: nor on the roster" if roster else "people:"
            flags.append(f"unknown person: '{who}' is neither in {where}{suggest(who, roster or m.people)}")
    flags += _order_flags(times)
    return {
        "row": number,
        "id": ident,
        **{step: times[step] for step in TIME_FIELDS},
        "place": place,
        "node": node,
        "kind": kind,
        "category": category,
        "title": text("title") or name,
        "trade": trade if kind == "work_order" else (trade if trade in TRADES else ""),
        "priority": priority,
        "person": person,
        "flags": join_flags(flags),
    }


def _order_flags(times: Mapping[str, dt.datetime | None]) -> list[str]:
    """A flag for each pair of steps in the wrong order (how much earlier, in minutes)."""
    pairs = (
        ("dispatched", "reported", "dispatched before reported"),
        ("arrived", "reported", "on site before reported"),
        ("arrived", "dispatched", "on site before dispatched"),
        ("made_safe", "reported", "made safe before reported"),
        ("resolved", "reported", "resolved before reported"),
        ("resolved", "arrived", "resolved before on site"),
    )
    out = []
    for later, earlier, flag in pairs:
        a, b = times.get(later), times.get(earlier)
        if a is not None and b is not None and a < b:
            out.append(f"{flag}: {(b - a).total_seconds() / 60:.0f} min earlier")
    return out


def _frame(rows: list[dict[str, Any]], zone: zoneinfo.ZoneInfo) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(INCIDENT_COLUMNS))
    for step in TIME_FIELDS:
        utc = [None if r[step] is None else r[step].astimezone(dt.UTC).replace(tzinfo=None) for r in rows]
        stamps = pd.Series(pd.to_datetime(pd.Series(utc, dtype="datetime64[ns]")), index=frame.index)
        frame[step] = stamps.dt.tz_localize("UTC").dt.tz_convert(zone.key)
    text = ["id", "place", "kind", "category", "title", "trade", "priority", "person", "flags"]
    return frame.astype({"row": "int64", "node": "int64", **dict.fromkeys(text, "string")}).reset_index(
        drop=True
    )


def _flag_walks(frame: pd.DataFrame, twin: Twin, scenario: LoadedScenario) -> pd.DataFrame:
    """Flag rows whose person was on site sooner after the report (or dispatch) than anyone could
    walk there from their base (:data:`FASTEST_SHARE` of the twin's walk)."""
    from twin.places import resolve_place
    from twin.routing import Router
    from twin.routing.state import NORMAL

    bases: dict[str, int] = {}
    for p in scenario.scenario.people:
        try:
            bases[p.id] = resolve_place(p.base, twin.model, twin.graph)
        except TwinError:
            continue
    start = frame["dispatched"].fillna(frame["reported"])
    interval_s = (frame["arrived"] - start).dt.total_seconds().to_numpy(float)
    who = frame["person"].astype(str).to_numpy()
    nodes = frame["node"].to_numpy()
    check = np.flatnonzero(
        (nodes >= 0) & np.isfinite(interval_s) & (interval_s >= 0) & np.isin(who, list(bases))
    )
    if check.size == 0:
        return frame
    origins = np.unique([bases[w] for w in who[check]])
    router = Router(twin.graph, origins)
    router.table(NORMAL, "from")  # one search from each base, then every target is a lookup
    targets = np.unique(nodes[check])
    table = router.times(origins, targets)
    row_of = {int(o): i for i, o in enumerate(origins)}
    col_of = {int(t): j for j, t in enumerate(targets)}
    flags = frame["flags"].astype(str).tolist()
    for i in check:
        walk_s = float(table[row_of[bases[who[i]]], col_of[int(nodes[i])]])
        if interval_s[i] < FASTEST_SHARE * walk_s:
            flag = (
                f"faster than the walk: on site {interval_s[i] / 60:.1f} min after the "
                f"{'dispatch' if pd.notna(frame['dispatched'].iat[i]) else 'report'}, and the walk from "
                f"{who[i]}'s base takes {walk_s / 60:.1f} min (were they elsewhere?)"
            )
            flags[i] = f"{flags[i]};{join_flags([flag])}" if flags[i] else join_flags([flag])
    out = frame.copy()
    out["flags"] = pd.Series(flags, dtype="string")
    return out


def join_flags(flags: list[str]) -> str:
    """A row's flags as one text, ``;`` between them (a ``;`` inside one, from the log's own
    values, becomes ``,`` so the text splits back into the same flags)."""
    return ";".join(f.replace(";", ",") for f in flags if f)


def iter_flags(flags: str) -> Iterator[str]:
    """The flags of one row (its ``flags`` text split)."""
    return (f for f in flags.split(";") if f)
