#!/usr/bin/env python3
"""Generate DrillTwin's sample work-order history: a year of the default estate, exported the way
a maintenance system (IBM Maximo) would export it.

Run ``python models/make_history.py [--days 365] [--seed 2025] [--out scenarios/history]``; it
writes ``estate_workorders.csv`` (the export) and ``estate_workorders.generated.yaml`` (how it was
made and the rates that made it, so a calibration can be compared with them) next to the
hand-written mapping ``estate_workorders.map.yaml``, and logs one line of counts.

How it is made, from the engine itself:

1. The shipped ordinary-day scenario (``scenarios/estate_roster.yaml``: the estate's roster, its
   ``background:`` with the shipped rates ``twin/background/rates.yaml``) is run for ``--days``
   from 1 January 00:00 with seed ``--seed`` and no movement tracing: every reactive work order,
   pipe burst, power loss, entrapment and storm the rates draw, dispatched and worked by the roster.
2. Every incident reported through a resident, phone or sensor channel becomes a work order;
   planned work (the ``planned`` channel: rounds, tests, maintenance) is left out, as an export of
   reactive work orders would (WORKTYPE EM for red, CM otherwise).
3. Columns: WONUM (from 100001 in report order); REPORTDATE (the report), DISPATCHED (the first
   dispatch), ACTSTART (the first person on site), MADESAFE (hazards only: the hazard under
   control), ACTFINISH (resolved) as local wall-clock time to the second — the engine's clock is
   the site's wall clock, so a time in the hour the clocks skip or repeat appears as a real export
   shows it; LOCATION (the space's name, or the equipment or lift name, as the twin's place names
   have them); PROBLEMCODE (the mapping's code for the work order's rate or the hazard's kind);
   WOPRIORITY (1 red, 2 yellow, 3 blue); LEAD (the labour code of the first person dispatched;
   the mapping's ``people:`` in reverse); STATUS (CLOSE resolved, INPRG on site, APPR otherwise).
4. A handful of messy rows, as real exports have (chosen with the seed, listed in the
   ``.generated.yaml``): a work order exported twice (same WONUM), a date typed as 30 February, a
   location nobody's twin knows, a problem code the mapping does not map, a work order whose
   on-site and report times were swapped, and a duplicate report cancelled (STATUS CAN).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import logging
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from twin.background.generate import hourly_intensity  # noqa: E402
from twin.background.rates import DEFAULT_RATES, default_rates  # noqa: E402
from twin.drill import run_drill  # noqa: E402
from twin.errors import TwinError  # noqa: E402
from twin.events.tables import incident_table  # noqa: E402
from twin.history.mapping import load_mapping  # noqa: E402
from twin.places import resolve_place  # noqa: E402
from twin.scenario import load_scenario  # noqa: E402
from twin.scenario.load import LoadedScenario  # noqa: E402
from twin.twin import Twin, load_twin  # noqa: E402

log = logging.getLogger("make_history")

SCENARIO = ROOT / "scenarios" / "estate_roster.yaml"
OUT = ROOT / "scenarios" / "history"
NAME = "estate_workorders"
COLUMNS = (
    "WONUM",
    "REPORTDATE",
    "DISPATCHED",
    "ACTSTART",
    "MADESAFE",
    "ACTFINISH",
    "LOCATION",
    "WORKTYPE",
    "PROBLEMCODE",
    "WOPRIORITY",
    "LEAD",
    "STATUS",
)
STAMP = "%Y-%m-%d %H:%M:%S"
PRIORITY_CODE = {"red": "1", "yellow": "2", "blue": "3"}


def run_year(twin: Twin, days: float, seed: int) -> tuple[pd.DataFrame, dt.datetime, Any]:
    """The scenario's incidents over the period, with each one's channel and first person."""
    loaded = load_scenario(SCENARIO)
    start = dt.datetime(2025, 1, 1)
    scenario = loaded.scenario.model_copy(update={"start": start, "duration_h": 24.0 * days, "seed": seed})
    result = run_drill(twin, LoadedScenario(scenario, loaded.path, loaded.lines), trace_moves=False)
    frame = result.run.log.frame
    table = incident_table(frame)
    channel = frame[frame["kind"] == "reported"].groupby("incident")["detail"].first()
    first = (
        frame[frame["kind"] == "dispatched"].sort_values("t_s", kind="stable").groupby("incident")["person"]
    )
    table["channel"] = table["incident"].map(channel).astype(str)
    table["lead"] = table["incident"].map(first.first()).fillna("").astype(str)
    return table, start, result.run.drill


def location(twin: Twin, place: str, title: str, kind: str, cache: dict[str, str]) -> str:
    """The shortest name the twin resolves to the same place (a space's own name, not its label)."""
    if kind == "entrapment":
        found = re.search(r"trapped in (.+)$", title)
        return found.group(1) if found else place
    if place in cache:
        return cache[place]
    # A common space's work is at a point inside it ("in B1-GAR-B Garage B"): name the space.
    full = place.removeprefix("in ")
    short = full.split(" ", 1)[0]
    out = full
    try:
        if short != full and resolve_place(short, twin.model, twin.graph) == resolve_place(
            full, twin.model, twin.graph
        ):
            out = short
    except TwinError:
        pass
    cache[place] = out
    return out


def work_orders(
    twin: Twin, table: pd.DataFrame, start: dt.datetime, codes: dict[str, str]
) -> list[dict[str, str]]:
    labour = {person: code for code, person in _people().items()}
    reactive = table[table["channel"] != "planned"].sort_values("reported_s", kind="stable")
    cache: dict[str, str] = {}
    rows = []

    def stamp(t_s: float) -> str:
        return "" if np.isnan(t_s) else (start + dt.timedelta(seconds=float(t_s))).strftime(STAMP)

    for number, r in enumerate(reactive.itertuples(index=False), start=100001):
        key = str(r.title) if r.kind == "work_order" else str(r.kind)
        lead = str(r.lead)
        rows.append(
            {
                "WONUM": str(number),
                "REPORTDATE": stamp(r.reported_s),
                "DISPATCHED": stamp(r.dispatched_s),
                "ACTSTART": stamp(r.on_site_s),
                "MADESAFE": "" if r.kind == "work_order" else stamp(r.made_safe_s),
                "ACTFINISH": stamp(r.resolved_s),
                "LOCATION": location(twin, str(r.place), str(r.title), str(r.kind), cache),
                "WORKTYPE": "EM" if r.priority == "red" else "CM",
                "PROBLEMCODE": codes[key],
                "WOPRIORITY": PRIORITY_CODE[str(r.priority)],
                # A contractor's technician (LIFTCO-1) books under the contractor's code.
                "LEAD": labour.get(lead, labour.get(re.sub(r"-\d+$", "", lead), lead)),
                "STATUS": "CLOSE"
                if not np.isnan(r.resolved_s)
                else ("INPRG" if not np.isnan(r.on_site_s) else "APPR"),
            }
        )
    return rows


def _people() -> dict[str, str]:
    return dict(load_mapping(OUT / f"{NAME}.map.yaml").mapping.people)


def make_messy(
    rows: list[dict[str, str]], rng: np.random.Generator
) -> tuple[list[dict[str, str]], list[str]]:
    """The export with a handful of realistic faults, and what was done to which WONUM."""
    out = [dict(r) for r in rows]
    picks = rng.choice(np.arange(10, len(out) - 10), size=6, replace=False).tolist()
    notes = []
    i = picks[0]
    out.insert(i + 1, dict(out[i]))
    notes.append(f"WONUM {out[i]['WONUM']} exported twice (the second copy is a duplicate id)")
    i = picks[1]
    out[i]["REPORTDATE"] = "2025-02-30 " + out[i]["REPORTDATE"][11:]
    notes.append(f"WONUM {out[i]['WONUM']}: REPORTDATE typed as 30 February (unreadable time)")
    i = picks[2]
    out[i]["LOCATION"] = "Boiler House"
    notes.append(
        f"WONUM {out[i]['WONUM']}: LOCATION 'Boiler House', which the estate does not have (unknown place)"
    )
    i = picks[3]
    out[i]["PROBLEMCODE"] = "MISC"
    notes.append(f"WONUM {out[i]['WONUM']}: PROBLEMCODE 'MISC', not in the mapping (unknown category)")
    i = picks[4]
    if out[i]["ACTSTART"]:
        out[i]["REPORTDATE"], out[i]["ACTSTART"] = out[i]["ACTSTART"], out[i]["REPORTDATE"]
    notes.append(
        f"WONUM {out[i]['WONUM']}: REPORTDATE and ACTSTART swapped (kept, flagged on site before reported)"
    )
    i = picks[5]
    cancelled = {
        **out[i],
        "WONUM": str(200001),
        "DISPATCHED": "",
        "ACTSTART": "",
        "MADESAFE": "",
        "ACTFINISH": "",
    }
    cancelled["LEAD"], cancelled["STATUS"] = "", "CAN"
    out.insert(i + 1, cancelled)
    notes.append("WONUM 200001: the same fault reported again, cancelled (STATUS CAN: excluded)")
    return out, notes


def generating_rates(drill: Any, start: dt.datetime, days: float, names: dict[str, str]) -> dict[str, Any]:
    """The rates behind the sample, per code: what they count, how many units, per year, and the
    season and day profiles (the shipped rates at the time the sample was made)."""
    rates = default_rates()
    units = drill.background.units
    out: dict[str, Any] = {}
    hours = int(days * 24)
    for w in rates.work_orders:
        if w.schedule is None and w.name in names:
            out[names[w.name]] = _rate_entry(rates, w, w.name, units, start, hours)
    for kind, rate in rates.hazards.items():
        if rate is not None and kind in names:
            out[names[kind]] = _rate_entry(rates, rate, kind, units, start, hours)
    return out


def _rate_entry(
    rates: Any, rate: Any, name: str, units: dict[str, int], start: dt.datetime, hours: int
) -> dict[str, Any]:
    n_units = int(units.get(rate.per, 0))
    expected = rate.per_year * n_units * float(hourly_intensity(rates, rate, start, hours).sum()) / 8760.0
    return {
        "name": name,
        "per": rate.per,
        "units": n_units,
        "per_year": float(rate.per_year),
        "season": rate.season,
        "day": rate.day,
        "expected_count": round(expected, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=365.0, help="length of the history (default 365)")
    parser.add_argument("--seed", type=int, default=2025, help="the run's seed (default 2025)")
    parser.add_argument(
        "--out", type=Path, default=OUT, help="folder to write to (default scenarios/history)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    mapping = load_mapping(OUT / f"{NAME}.map.yaml").mapping
    names = {c.name or code: code for code, c in mapping.categories.items() if c.kind == "work_order"}
    names |= {c.kind: code for code, c in mapping.categories.items() if c.kind != "work_order"}
    twin = load_twin()
    table, start, drill = run_year(twin, args.days, args.seed)
    rows = work_orders(twin, table, start, names)
    messy, notes = make_messy(rows, np.random.default_rng(args.seed))
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / f"{NAME}.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(messy)
    meta = {
        "made_by": "python models/make_history.py"
        + (f" --days {args.days:g}" if args.days != 365 else "")
        + (f" --seed {args.seed}" if args.seed != 2025 else ""),
        "scenario": "../estate_roster.yaml",
        "start": start.isoformat(),
        "days": args.days,
        "seed": args.seed,
        "rates_file": "twin/background/rates.yaml",
        "rates_sha256": hashlib.sha256(DEFAULT_RATES.read_bytes()).hexdigest(),
        "work_orders_from_the_engine": len(rows),
        "rows_in_the_export": len(messy),
        "messy_rows": notes,
        "generating_rates": generating_rates(drill, start, args.days, names),
    }
    header = (
        "# How estate_workorders.csv was made (written by models/make_history.py; do not edit).\n"
        "# generating_rates: the rates that drew its work orders, per PROBLEMCODE: per_year per unit,\n"
        "# the units the estate has, the season and day profiles (in the rates file), and the count\n"
        "# they lead one to expect over the period — what `twin calibrate` should find again.\n"
    )
    (args.out / f"{NAME}.generated.yaml").write_text(
        header + yaml.safe_dump(meta, sort_keys=False, width=110)
    )
    size_kb = (args.out / f"{NAME}.csv").stat().st_size / 1000
    log.info(
        "%s: %d work orders from the engine, %d rows with the messy ones, %.0f kB",
        NAME,
        len(rows),
        len(messy),
        size_kb,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
