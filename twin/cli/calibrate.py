"""twin calibrate LOG --map MAP.yaml [MODEL ...] --out rates.yaml: rates from a work-order history."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from twin.cli.progress import progress_bar
from twin.errors import TwinError

#: Rejected rows listed on screen (all of them are counted).
MAX_REJECTED_SHOWN = 10


class CalibrateError(TwinError):
    """The calibration cannot be written where asked."""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "calibrate",
        help="calibrate background rates from a work-order history (CSV, Excel or JSON export)",
        description=__doc__ + " Prints the import summary (rows read, used and rejected by reason), "
        "then per rate the count, the yearly rate per unit with its 95 % interval beside the default, the "
        "time on the job and what the log could not tell; writes a rates file a scenario's "
        "`background: {rates: FILE}` loads as it is.",
    )
    p.add_argument("log", type=Path, metavar="LOG", help="the work-order export (.csv, .xlsx or .json)")
    p.add_argument("--map", type=Path, required=True, metavar="MAP.yaml", help="the log's mapping file")
    p.add_argument(
        "models",
        nargs="*",
        metavar="MODEL",
        help="IFC file(s) of the site (default: those of the mapping's scenario, else no twin)",
    )
    p.add_argument("--out", type=Path, required=True, help="rates file to write (.yaml)")
    p.add_argument("--from", dest="start", metavar="DATE", help="first day the log covers (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", metavar="DATE", help="last day the log covers (YYYY-MM-DD)")
    p.add_argument("--force", action="store_true", help="overwrite --out when it exists")
    p.add_argument("--no-cache", action="store_true", help="rebuild the model even if cached")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from twin.history import load_mapping, read_history
    from twin.history.calibrate import calibrate, rates_yaml, site_units
    from twin.twin import load_twin

    out = _check_out(args.out, force=args.force)
    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    loaded = load_mapping(args.map)
    scenario = None
    if loaded.mapping.scenario is not None:
        from twin.scenario import load_scenario

        path = loaded.scenario_file()
        assert path is not None
        scenario = load_scenario(path)
    paths = args.models or (scenario.model_paths() if scenario is not None else None)
    twin = None
    if loaded.mapping.has_twin and (args.models or scenario is not None):
        with progress_bar("loading model") as progress:
            twin = load_twin(paths or None, use_cache=not args.no_cache, progress=progress)
    history = read_history(args.log, loaded, twin=twin, scenario=scenario)
    lines = [f"{args.log}: " + history.summary.lines()[0], *history.summary.lines()[1:]]
    shown = history.rejected.head(MAX_REJECTED_SHOWN)
    if len(shown):
        first = f" (the first {len(shown)})" if len(history.rejected) > len(shown) else ""
        lines.append(f"  rejected rows{first}:")
        lines += [
            f"    row {r.row}: {r.column or '(row)'} {r.value!r}: {r.reason} — {r.detail}"
            for r in shown.itertuples(index=False)
        ]
    if twin is None:
        lines.append(
            "  no twin (give MODEL or a scenario: in the mapping): places kept as written, rates per site"
        )
    print("\n".join(lines), flush=True)  # the import's account stands even if nothing can be calibrated
    lines = []
    units = site_units(twin, scenario.scenario) if twin is not None and scenario is not None else None
    cal = calibrate(
        history, units=units, start=start, end=end + dt.timedelta(days=1) if end is not None else None
    )
    lines += ["", _table(cal)]
    lines += ["", _shapes(cal)]
    told = list(cal.notes) + [f"{f.name}: {n}" for f in cal.fits for n in f.notes]
    if told:
        lines += ["", "What the log could not tell (defaults kept there):", *(f"  {t}" for t in told)]
    _write(out, rates_yaml(cal, log_name=args.log.name))
    lines += ["", f"wrote {out} — name it in a scenario: background: {{rates: {out.name}}}"]
    print("\n".join(lines))
    return 0


def _table(cal: Any) -> str:
    """Per rate: rows, the log's yearly rate per unit with its interval, the default and whether
    it lies inside, the time on the job."""
    from twin.history.calibrate import CONFIDENCE, period_text

    head = (
        f"Rates over {period_text(cal.start, cal.end)} ({cal.years:.2f} years), per unit a year "
        f"with the {CONFIDENCE:.0%} interval:"
    )
    rows = [
        ("rate", "per", "rows", "log's rate", "interval", "default", "inside", "written", "time on the job")
    ]
    for f in cal.fits:
        default = "—" if f.default is None else f"{f.default:.4g}"
        inside = "—" if f.default is None else ("yes" if f.covers(f.default) else "NO")
        job = f"median {f.duration.median_min:.0f}, p90 {f.duration.p90_min:.0f} min" if f.duration else "—"
        if f.duration is not None and f.duration.poor:
            job += " (poor fit)"
        rows.append(
            (
                f.name,
                f"{f.per} ×{f.units}",
                str(f.rows),
                f"{f.estimate:.4g}",
                f"{f.low:.4g}–{f.high:.4g}",
                default,
                inside,
                f"{f.per_year:.4g}",
                job,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    text = [
        "  ".join(
            c.ljust(w) if i in (0, 1, 8) else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in rows
    ]
    agree = [f for f in cal.fits if f.default is not None]
    inside_n = sum(f.covers(f.default) for f in agree)
    text.append(f"{inside_n} of {len(agree)} default rates lie inside the log's {CONFIDENCE:.0%} intervals.")
    return "\n".join([head, *text])


def _shapes(cal: Any) -> str:
    """Per rate: whether its months and hours differ from the default's season and day profile."""
    from twin.history.calibrate import SHAPE_P

    def one(name: str, calibrated: bool, p: float) -> str:
        if p != p:  # NaN: not tested
            return f"'{name}' kept (too few rows to test)"
        return f"'{name}' {'from the log' if calibrated else 'kept'} (χ² p = {p:.2g})"

    out = [f"Season and time of day against the defaults' (χ² test; the log's own shape when p < {SHAPE_P}):"]
    for f in cal.fits:
        out.append(
            f"  {f.name}: season {one(f.season, f.season_calibrated, f.season_p)}, "
            f"day {one(f.day, f.day_calibrated, f.day_p)}"
        )
    return "\n".join(out)


def _day(text: str | None, option: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise CalibrateError(f"{option} {text}: not a date; write it as YYYY-MM-DD") from None


def _check_out(out: Path, *, force: bool) -> Path:
    from twin.store import check_out_file

    return check_out_file(out, force=force, option="--out", example="rates.yaml", error=CalibrateError)


def _write(out: Path, text: str) -> None:
    """Write whole or not at all: a temporary file beside it, renamed over it."""
    parent = out.parent if str(out.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
