"""twin replay LOG --map MAP.yaml [MODEL ...] --out DIR [--what-if FILE.yaml]: replay a work-order log.

Imports the log through its mapping (every row accounted for), rebuilds it on the twin as an event
log, prints the import summary, the KPIs against the targets and how the logged travel compares
with the twin's walk; with --what-if, re-runs the incidents through the engine with each change and
prints them paired with the log. DIR is a run folder like `twin run --out` writes (events.parquet,
kpis.parquet, metadata.json) plus rejected.csv, travel.csv and report.html, and what-if/ holding a
run folder per what-if, pairs.csv and kpis.csv.
"""

from __future__ import annotations

import argparse
import math
import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from twin.cli.progress import progress_bar

#: Rejected rows printed (all are in rejected.csv).
SHOW_REJECTED = 5
#: Incidents whose scorecard rows are printed; more go to incidents.csv only.
SHOW_INCIDENTS = 20
#: Incidents printed per what-if: those it changes most (all are in pairs.csv).
SHOW_PAIRS = 8


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "replay",
        help="replay a work-order log on the twin: import summary, KPIs, what-if",
        description=__doc__,
    )
    p.add_argument("log", type=Path, metavar="LOG", help="the export: CSV, Excel (.xlsx) or JSON")
    p.add_argument("--map", type=Path, required=True, metavar="MAP.yaml", help="the log's mapping file")
    p.add_argument(
        "models",
        nargs="*",
        metavar="MODEL",
        help="IFC file(s) of the site (default: the mapping's scenario's, else the bundled estate)",
    )
    p.add_argument("--out", type=Path, required=True, help="folder to write (absent or empty)")
    p.add_argument("--what-if", type=Path, default=None, metavar="FILE.yaml", help="changes to re-run with")
    p.add_argument("--seed", type=int, default=None, help="the what-if runs' seed (default: the file's)")
    p.add_argument(
        "--from", dest="first", metavar="YYYY-MM-DD", help="replay work orders reported from this day"
    )
    p.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="… up to this day (inclusive)")
    p.add_argument(
        "--day",
        default=None,
        metavar="YYYY-MM-DD",
        help="the day the report shows (default: the one with the most red incidents)",
    )
    p.add_argument("--no-cache", action="store_true", help="rebuild the model even if cached")
    p.set_defaults(run=run)


@dataclass(frozen=True, slots=True)
class _Replayed:
    """A reconstruction as the run store's ``Result`` (a log, the building and scenario)."""

    log: Any
    drill: Any
    seed: int = 0
    events: int = 0
    wall_s: float = 0.0


def run(args: argparse.Namespace) -> int:
    from twin.errors import TwinError
    from twin.history import load_mapping, read_history
    from twin.history.reconstruct import replay_history, reported_between
    from twin.history.whatif import check_what_if, load_what_if
    from twin.kpi import compute_kpis
    from twin.present.scorecard import format_scorecard
    from twin.scenario import load_scenario
    from twin.store import check_run_dir, staged_folder
    from twin.twin import load_twin

    check_run_dir(args.out)  # refused now, not after the import
    first, last = _date(args.first, "--from"), _date(args.last, "--to")
    _date(args.day, "--day")  # its format now; whether the log has that day, after the import
    if first is not None and last is not None and last < first:
        raise TwinError(f"--from {first} is after --to {last}; give --to on or after --from")
    mapping = load_mapping(args.map)
    path = mapping.scenario_path()
    loaded = load_scenario(path) if path is not None else None
    what = load_what_if(args.what_if) if args.what_if else None
    if what is not None and loaded is not None:
        check_what_if(what, loaded.scenario)  # before the slow part
    twin = None
    if mapping.mapping.has_twin:
        models = args.models or (loaded.model_paths() if loaded else None)
        with progress_bar("loading model") as progress:
            twin = load_twin(models or None, use_cache=not args.no_cache, progress=progress)
    if what is not None and loaded is not None and twin is not None:
        check_what_if(what, loaded.scenario, twin=twin)  # the people it adds are in the building
    history = read_history(args.log, mapping, twin=twin, scenario=loaded)
    print(f"{args.log}:")
    for line in history.summary.lines():
        print(f"  {line}")
    if len(history.rejected):
        print(f"  first rejected rows (all in {args.out / 'rejected.csv'}):")
        for r in history.rejected.head(SHOW_REJECTED).to_dict("records"):
            print(f"    row {r['row']}, {r['column']} = {r['value']!r}: {r['reason']}")
    if args.first or args.last:
        history = reported_between(history, first, last)
        span = f"{args.first or 'the start'} to {args.last or 'the end'}"
        print(f"  replayed: {len(history.incidents):,} work orders reported {span}")
    rec = replay_history(history, twin=twin)
    day = _day(args.day, rec) if twin is not None else None  # before anything is written
    if what is not None and loaded is None:
        check_what_if(what, rec.scenario, twin=twin)  # the roster is the log's
    kpis = compute_kpis(rec.log, rec.scenario)
    print()
    card = format_scorecard(kpis, rec.scenario, seed=0).splitlines()
    s = rec.scenario
    card[0] = f"{s.name} — {s.duration_h / 24:g} day(s) from {s.start:%Y-%m-%d}, times as logged"
    if len(kpis.incidents) > SHOW_INCIDENTS:
        # A long history's rows go to incidents.csv; the screen keeps the figures.
        figures = card[card.index("") :]
        card = [card[0], f"{len(kpis.incidents):,} incidents: one row each in {args.out / 'incidents.csv'}"]
        card += figures
    print("\n".join(card))
    print()
    print(_travel_line(rec.travel))
    # Staged beside --out and renamed into place at the end: a what-if that fails (or Ctrl-C)
    # leaves no half folder that a rerun would refuse, and whatever --out held is untouched.
    with staged_folder(args.out, what="replay") as out:
        _write(args, out, rec, history, kpis, twin, day, what)
    print(f"\nreplay folder: {args.out}")
    return 0


#: The building of a log from a site without a twin, for the run folder's metadata.
_NO_TWIN = SimpleNamespace(model=SimpleNamespace(sources=(), name="no twin"), cache_key="")


def _date(text: str | None, option: str) -> Any:
    from twin.errors import TwinError

    if text is None:
        return None
    try:
        return pd.Timestamp(text).date()
    except ValueError:
        raise TwinError(f"{option}: '{text}' is not a date; write it as YYYY-MM-DD") from None


def _day(text: str | None, rec: Any) -> int:
    """The index of the day ``--day`` names, else the busiest."""
    from twin.errors import TwinError
    from twin.history.reconstruct import busiest_day, days_of

    if text is None:
        return busiest_day(rec)
    days = days_of(rec)
    wanted = _date(text, "--day")
    hit = days[days["date"] == wanted]
    if hit.empty:
        first, last = days["date"].iloc[0], days["date"].iloc[-1]
        raise TwinError(f"--day: no incident was reported on {wanted}; the log runs {first} to {last}")
    return int(hit["day"].iloc[0])


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "what-if"


def _travel_line(travel: pd.DataFrame) -> str:
    walked = travel.dropna(subset=["twin_walk_min", "log_travel_min"])
    if walked.empty:
        return "travel: no dispatch with a place on the twin and both times logged; no walk to compare"
    fast = walked[walked["faster_than_walk"]]
    gap = round(float((walked["log_travel_min"] - walked["twin_walk_min"]).median()), 1) + 0.0  # no "-0.0"
    out = (
        f"travel: {len(walked):,} dispatches on the twin; logged dispatched → on site is "
        f"{gap:+.1f} min against the twin's walk (median); {len(fast):,} faster than the walk from "
        "where the log last places the person (the import's flag counts from their base)"
    )
    if len(fast):
        ids = ", ".join(fast["id"].astype(str).head(SHOW_REJECTED))
        out += f": {ids}{'…' if len(fast) > SHOW_REJECTED else ''} (all in travel.csv)"
    return out


def _what_if_lines(result: Any) -> list[str]:
    from twin.history.whatif import LOGGED, metric, side_by_side

    pairs = result.pairs
    logged = pairs[f"{LOGGED}: on site min"]
    lines = [
        f"what if: {len(pairs):,} incidents re-run"
        + (f"; {len(result.left_out):,} left out (not on the twin)" if result.left_out else "")
        + "; minutes from the logged report to the first person on site (below 0: before"
        " it — another channel reported the event sooner)"
    ]
    for r in result.runs:
        col = pairs[f"{r.name}: on site min"]
        base = pairs[f"{r.against}: on site min"]
        change = col - base
        lines.append(f"\n{r.name} (who goes: {r.who_chooses}):")
        if r.against != LOGGED:
            faster, slower = int((change < -0.05).sum()), int((change > 0.05).sum())
            lines.append(f"  against “{r.against}”: {faster} sooner, {slower} later")
        moved = change.abs()
        moved = moved[moved > 0.05]  # 3 s: less is the rounding of a log stamped to the second
        if moved.empty:
            lines.append("  no incident's time to on site moved")
        for i in moved.sort_values(ascending=False, kind="stable").index[:SHOW_PAIRS]:
            row = pairs.loc[i]
            who = f" ({row[f'{r.against}: who'] or '?'} → {row[f'{r.name}: who'] or 'nobody'})"
            # What happened → what if; the counts and which incidents are listed compare with
            # the run `against` names (the same model on both sides).
            lines.append(f"  incident {row['id']}: on site {_min(logged[i])} → {_min(col[i])} min{who}")
    table = side_by_side(result)
    lines.append("\nKPIs side by side (the log's over the incidents re-run):")
    width = max(len(m.label) if (m := metric(str(k))) else len(str(k)) for k in table.index)
    cell = max(12, *(len(str(n)) + 2 for n in table.columns))
    head = "".join(f"{n:>{cell}}" for n in table.columns)
    lines.append(f"  {'':<{width}}{head}")
    for k, row in table.iterrows():
        m = metric(str(k))
        label = m.label if m else str(k).replace("_", " ")
        cells = "".join(f"{_fmt(m.shown(v) if m else v):>{cell}}" for v in row)
        lines.append(f"  {label:<{width}}{cells}")
    return lines


def _min(v: float) -> str:
    return "—" if math.isnan(v) else f"{v:.0f}"


def _fmt(v: float) -> str:
    return "—" if math.isnan(v) else f"{v:,.1f}"


def _write(
    args: argparse.Namespace,
    out: Path,
    rec: Any,
    history: Any,
    kpis: Any,
    twin: Any,
    day: int | None,
    what: Any,
) -> None:
    """Write the replay folder's files into ``out`` (staged, renamed to ``args.out`` once all are
    there) and print the report's and the what-if's lines, naming the files where they will be."""
    from twin.history.reconstruct import one_day
    from twin.history.whatif import side_by_side, what_if
    from twin.kpi import compute_kpis
    from twin.present.report import write_report
    from twin.store import stored_run, write_run, write_run_files

    building = twin if twin is not None else _NO_TWIN
    write_run_files(out, _Replayed(rec.log, SimpleNamespace(twin=building, scenario=rec.scenario)), kpis)
    history.rejected.to_csv(out / "rejected.csv", index=False)
    rec.travel.to_csv(out / "travel.csv", index=False)
    table = kpis.incidents.copy()
    table.insert(1, "id", [rec.ids[i] for i in table["incident"]])
    table.to_csv(out / "incidents.csv", index=False)
    if twin is not None and day is not None:
        log, scenario_of_day = one_day(rec, day)
        day_kpis = compute_kpis(log, scenario_of_day)
        drill = SimpleNamespace(twin=twin, scenario=scenario_of_day)
        stored = stored_run(_Replayed(log, drill), day_kpis, f"{args.out.name}-day")
        write_report(stored, twin, out / "report.html")
        print(
            f"report: {args.out / 'report.html'} — {scenario_of_day.start:%a %d %b %Y}, "
            f"{len(day_kpis.incidents):,} incidents (--day chooses another)"
        )
    if what is not None:
        spec = what.spec
        seed = spec.seed if args.seed is None else int(args.seed)
        with progress_bar("what-if") as progress:
            result = what_if(
                rec, spec.what_if, as_logged=spec.as_logged, seed=seed, trace_moves=False, progress=progress
            )
        print()
        for line in _what_if_lines(result):
            print(line)
        folder = out / "what-if"
        for r in result.runs:
            drill = SimpleNamespace(twin=twin, scenario=r.scenario)
            write_run(folder / _slug(r.name), _Replayed(r.log, drill, seed), r.kpis)
        result.pairs.to_csv(folder / "pairs.csv", index=False)
        side_by_side(result).to_csv(folder / "kpis.csv", index_label="kpi")
