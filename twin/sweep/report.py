"""The planner's answers from a sweep's rows: pure functions of :class:`SweepResults`.

Per variant, over its replications (each one period, independent of the others):

* **compliance** per priority — the share of incidents with a qualified person on site within
  target, pooled over replications (Σ on time / Σ incidents), with a 95 % interval from the
  ratio estimator's linearisation (each replication one cluster: incidents within a year are not
  independent, years are);
* **response** p50/p90/p95 per priority — each replication's percentile, averaged, with a 95 %
  t-interval;
* **damage and cost** per period — means with 95 % t-intervals;
* **paired differences** against the first variant — replication ``r`` of every variant saw the
  same incidents, so the difference is taken replication by replication, and its interval is far
  narrower than the two intervals would suggest.

A variant *meets the targets* when its pooled compliance reaches the sweep's ``meets`` share in
every priority named there; the answer is the cheapest such variant (by mean cost), and whether
it still meets them at the low end of its intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from twin.scenario.schema import PRIORITIES
from twin.sweep.results import SweepResults

#: Figures averaged per variant (mean and 95 % interval), with how the report names them.
MEANS: dict[str, str] = {
    "cost_total": "cost",
    "cost_roster": "roster cost",
    "cost_on_call": "on-call cost",
    "cost_contractor": "contractor cost",
    "water_m3": "water let out, m³",
    "wetted_m2h": "wetted m²·h",
    "water_outage_household_h": "household·h without water",
    "power_outage_household_h": "household·h without power",
    "entrapments": "entrapments",
    "entrapment_max_min": "longest entrapment, min",
}
#: Figures compared pair by pair against the first variant.
PAIRED = ("cost_total", "water_m3", "water_outage_household_h", "red_p90_min")


@dataclass(frozen=True, slots=True)
class Estimate:
    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float | None]:
        return {"value": _clean(self.value), "low": _clean(self.low), "high": _clean(self.high)}


def mean_interval(values: np.ndarray, level: float = 0.95) -> Estimate:
    """Mean with a Student-t interval (NaNs dropped; bounds NaN with fewer than two values)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return Estimate(math.nan, math.nan, math.nan)
    m = float(v.mean())
    if v.size < 2:
        return Estimate(m, math.nan, math.nan)
    half = float(stats.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return Estimate(m, m - half, m + half)


def ratio_interval(hits: np.ndarray, totals: np.ndarray, level: float = 0.95) -> Estimate:
    """Σ hits / Σ totals over replications, with the cluster (linearised) interval, clipped to
    0–1. NaN when there were no incidents at all."""
    h, n = np.asarray(hits, dtype=float), np.asarray(totals, dtype=float)
    if n.sum() == 0:
        return Estimate(math.nan, math.nan, math.nan)
    p = float(h.sum() / n.sum())
    r = n.size
    if r < 2:
        return Estimate(p, math.nan, math.nan)
    z = (h - p * n) / n.mean()
    half = float(stats.t.ppf(0.5 + level / 2, r - 1) * z.std(ddof=1) / math.sqrt(r))
    return Estimate(p, max(0.0, p - half), min(1.0, p + half))


def paired_interval(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> Estimate:
    """Mean of ``a − b`` over replications both have, with a t-interval."""
    return mean_interval(np.asarray(a, float) - np.asarray(b, float), level)


def paired_ratio_interval(
    ha: np.ndarray, na: np.ndarray, hb: np.ndarray, nb: np.ndarray, level: float = 0.95
) -> Estimate:
    """Difference of two pooled shares measured on the same replications, with the interval of
    the paired linearised differences."""
    ha, na, hb, nb = (np.asarray(x, float) for x in (ha, na, hb, nb))
    if na.sum() == 0 or nb.sum() == 0:
        return Estimate(math.nan, math.nan, math.nan)
    pa, pb = ha.sum() / na.sum(), hb.sum() / nb.sum()
    d = float(pa - pb)
    if na.size < 2:
        return Estimate(d, math.nan, math.nan)
    z = (ha - pa * na) / na.mean() - (hb - pb * nb) / nb.mean()
    half = float(stats.t.ppf(0.5 + level / 2, na.size - 1) * z.std(ddof=1) / math.sqrt(na.size))
    return Estimate(d, d - half, d + half)


@dataclass(frozen=True, slots=True, eq=False)
class VariantSummary:
    index: int
    name: str
    runs: int
    incidents: dict[str, float]
    """Mean incidents per period, by priority."""
    compliance: dict[str, Estimate]
    response: dict[str, dict[str, Estimate]]
    """priority → ``p50``/``p90``/``p95`` → minutes."""
    means: dict[str, Estimate]
    meets: bool
    meets_surely: bool
    """Meets the targets even at the low end of every compliance interval."""


@dataclass(frozen=True, slots=True, eq=False)
class SweepReport:
    name: str
    period_days: float
    replications_done: int
    complete: bool
    meets: dict[str, float]
    variants: tuple[VariantSummary, ...]
    differences: tuple[dict[str, Any], ...]
    """Per variant after the first: paired differences against the first."""

    @property
    def cheapest_meeting(self) -> VariantSummary | None:
        ok = [v for v in self.variants if v.meets]
        return min(ok, key=lambda v: v.means["cost_total"].value) if ok else None

    def to_json(self) -> dict[str, Any]:
        best = self.cheapest_meeting
        return {
            "name": self.name,
            "period_days": self.period_days,
            "complete": self.complete,
            "meets": self.meets,
            "cheapest_meeting_targets": best.name if best else None,
            "cheapest_meets_surely": best.meets_surely if best else None,
            "variants": [
                {
                    "index": v.index,
                    "name": v.name,
                    "runs": v.runs,
                    "incidents": {k: _clean(x) for k, x in v.incidents.items()},
                    "compliance": {k: e.as_dict() for k, e in v.compliance.items()},
                    "response_min": {
                        p: {q: e.as_dict() for q, e in d.items()} for p, d in v.response.items()
                    },
                    **{k: e.as_dict() for k, e in v.means.items()},
                    "meets_targets": v.meets,
                    "meets_targets_surely": v.meets_surely,
                }
                for v in self.variants
            ],
            "paired_differences": list(self.differences),
        }


def _clean(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def sweep_report(results: SweepResults) -> SweepReport:
    """Summaries, the cheapest variant meeting the targets, and paired differences."""
    meta, rows = results.meta, results.rows
    meets: dict[str, float] = {k: float(v) for k, v in meta.get("meets", {}).items()}
    summaries: list[VariantSummary] = []
    by_variant = (
        {int(k): g.sort_values("replication") for k, g in rows.groupby("variant")} if len(rows) else {}
    )
    for v in meta["variants"]:
        g = by_variant.get(int(v["index"]))
        if g is None or g.empty:
            continue
        compliance = {p: ratio_interval(g[f"{p}_on_time"], g[f"{p}_incidents"]) for p in PRIORITIES}
        response = {
            p: {f"p{q}": mean_interval(g[f"{p}_p{q}_min"].to_numpy()) for q in (50, 90, 95)}
            for p in PRIORITIES
        }
        means = {k: mean_interval(g[k].to_numpy()) for k in MEANS}
        ok = all(
            not math.isnan(compliance[p].value) and compliance[p].value >= share for p, share in meets.items()
        )
        surely = all(
            not math.isnan(compliance[p].low) and compliance[p].low >= share for p, share in meets.items()
        )
        summaries.append(
            VariantSummary(
                int(v["index"]),
                str(v["name"]),
                len(g),
                {p: float(g[f"{p}_incidents"].mean()) for p in PRIORITIES},
                compliance,
                response,
                means,
                ok,
                surely,
            )
        )
    diffs: list[dict[str, Any]] = []
    if summaries:
        base = by_variant[summaries[0].index]
        for s in summaries[1:]:
            g = by_variant[s.index]
            both = np.intersect1d(base["replication"], g["replication"])
            a = g.set_index("replication").loc[both]
            b = base.set_index("replication").loc[both]
            entry: dict[str, Any] = {
                "variant": s.name,
                "against": summaries[0].name,
                "replications": int(both.size),
            }
            for p in PRIORITIES:
                entry[f"{p}_compliance"] = paired_ratio_interval(
                    a[f"{p}_on_time"], a[f"{p}_incidents"], b[f"{p}_on_time"], b[f"{p}_incidents"]
                ).as_dict()
            for k in PAIRED:
                entry[k] = paired_interval(a[k].to_numpy(), b[k].to_numpy()).as_dict()
            diffs.append(entry)
    return SweepReport(
        name=str(meta.get("name", "")),
        period_days=float(meta.get("period", {}).get("days", math.nan)),
        replications_done=len(rows),
        complete=results.complete,
        meets=meets,
        variants=tuple(summaries),
        differences=tuple(diffs),
    )


def format_report(report: SweepReport) -> str:
    """The report as text for a terminal."""
    lines = [
        f"{report.name} — {report.replications_done} runs of {report.period_days:g} days"
        + ("" if report.complete else " (sweep not finished: figures so far)")
    ]
    prios = [p for p in PRIORITIES if any(v.incidents[p] > 0 for v in report.variants)]
    head = (
        ["variant", "runs"] + [f"{p} on time" for p in prios] + ["red p90 min", "cost", "water m³", "meets"]
    )
    table: list[list[str]] = []
    for v in report.variants:
        cells = [v.name, str(v.runs)]
        for p in prios:
            c = v.compliance[p]
            cells.append(_pct(c))
        cells.append(_num(v.response["red"]["p90"], 1))
        cells.append(_num(v.means["cost_total"], 0, thousands=True))
        cells.append(_num(v.means["water_m3"], 1))
        cells.append("yes" if v.meets_surely else "yes*" if v.meets else "no")
        table.append(cells)
    widths = [max(len(r[i]) for r in [head, *table]) for i in range(len(head))]
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    lines += ["", fmt.format(*head), fmt.format(*["-" * w for w in widths])]
    lines += [fmt.format(*r) for r in table]
    targets = ", ".join(f"{p} ≥ {share:.0%}" for p, share in report.meets.items())
    lines += [
        "",
        f"Targets: on site within target for {targets}. Figures are means per period with 95 % "
        "intervals; yes* meets them on the estimate but not at the low end of the interval.",
    ]
    best = report.cheapest_meeting
    if best is None:
        lines.append("No variant meets the targets.")
    else:
        sure = "" if best.meets_surely else " (on the estimate; more replications would make it sure)"
        lines.append(
            f"Cheapest variant meeting the targets: {best.name}, "
            f"{best.means['cost_total'].value:,.0f} per period{sure}."
        )
    if report.differences:
        lines += ["", f"Paired differences against '{report.variants[0].name}' (same incidents, run by run):"]
        for d in report.differences:
            parts = []
            for p in prios:
                e = d[f"{p}_compliance"]
                if e["value"] is not None:
                    parts.append(f"{p} on time {_signed_pct(e)}")
            e = d["cost_total"]
            if e["value"] is not None:
                parts.append(f"cost {_signed(e, 0)}")
            e = d["red_p90_min"]
            if e["value"] is not None:
                parts.append(f"red p90 {_signed(e, 1)} min")
            e = d["water_outage_household_h"]
            if e["value"] is not None:
                parts.append(f"household·h without water {_signed(e, 0)}")
            lines.append(f"  {d['variant']}: " + "; ".join(parts))
    return "\n".join(lines)


def _pct(e: Estimate) -> str:
    if math.isnan(e.value):
        return "–"
    if math.isnan(e.low):
        return f"{e.value:.1%}"
    return f"{e.value:.1%} ({e.low:.1%}–{e.high:.1%})"


def _num(e: Estimate, digits: int, *, thousands: bool = False) -> str:
    if math.isnan(e.value):
        return "–"
    f = f"{{:,.{digits}f}}" if thousands else f"{{:.{digits}f}}"
    if math.isnan(e.low):
        return f.format(e.value)
    return f"{f.format(e.value)} ±{f.format((e.high - e.low) / 2)}"


def _signed(e: dict[str, float | None], digits: int) -> str:
    v, lo, hi = e["value"], e["low"], e["high"]
    assert v is not None
    text = f"{v:+,.{digits}f}"
    if lo is not None and hi is not None:
        text += f" [{lo:+,.{digits}f}, {hi:+,.{digits}f}]"
    return text


def _signed_pct(e: dict[str, float | None]) -> str:
    v, lo, hi = e["value"], e["low"], e["high"]
    assert v is not None
    text = f"{v * 100:+.1f} pts"
    if lo is not None and hi is not None:
        text += f" [{lo * 100:+.1f}, {hi * 100:+.1f}]"
    return text


def rows_frame(report: SweepReport) -> pd.DataFrame:
    """One row per variant: compliance, p90s and cost with intervals (for the app's chart)."""
    out = []
    for v in report.variants:
        rec: dict[str, Any] = {
            "variant": v.name,
            "runs": v.runs,
            "meets": v.meets,
            "meets_surely": v.meets_surely,
        }
        for p in PRIORITIES:
            c = v.compliance[p]
            rec |= {
                f"{p}_compliance": c.value,
                f"{p}_low": c.low,
                f"{p}_high": c.high,
                f"{p}_p90_min": v.response[p]["p90"].value,
            }
        cost = v.means["cost_total"]
        rec |= {"cost": cost.value, "cost_low": cost.low, "cost_high": cost.high}
        out.append(rec)
    return pd.DataFrame(out)
