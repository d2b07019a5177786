"""The planner's answers from a sweep's rows: pure functions of :class:`SweepResults`.

Per variant, over its replications (each one period, independent of the others; incidents
within one period are not, so each replication is one *cluster*):

* **compliance** per priority — the share of incidents with a qualified person on site within
  target, pooled over replications (Σ on time / Σ incidents), with a **Clopper–Pearson interval
  on the effective sample size**: the cluster design effect (the ratio estimator's linearised
  variance over the binomial variance, at least 1) shrinks the incident count to what
  independent incidents would be worth. It stays in 0–100 %, and 1 of 1 on time is
  "100 % (2.5 %–100 %)", not a certainty;
* a **verdict** per priority at the sweep's confidence: *meets* (the whole interval reaches the
  target), *misses* (the whole interval falls short), *not enough evidence* (the interval
  straddles it; with the replication-years that would settle it at this difference), or
  *none happened* (no incident of that priority in any replication: nothing to judge);
* **response** p50/p90/p95 per priority — percentiles of every incident pooled over the
  replications (nobody on site counts as never), with cluster-bootstrap intervals (replications
  resampled with replacement);
* **damage, cost and utilisation** per period — means with cluster-bootstrap percentile
  intervals, so figures that cannot be negative never get a negative bound;
* **what drives the verdict** — the priority that decides it and the kind of incident behind
  most of its misses;
* **paired differences** against the first variant — replication ``r`` of every variant saw the
  same incidents, so the difference is taken replication by replication (Student t).

A variant *meets the targets* when every priority named in ``meets`` is *meets* or *none
happened*; the answer is the cheapest such variant (by mean cost). :attr:`VariantSummary.meets`
keeps the estimate-only reading (pooled share ≥ target) for comparison.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from twin.scenario.schema import PRIORITIES
from twin.sweep.results import SweepResults

#: Figures averaged per variant (mean and an interval at the sweep's confidence); their names:
#: :data:`twin.kpi.METRICS`.
MEANS = (
    "cost_total",
    "cost_roster",
    "cost_on_call",
    "cost_contractor",
    "water_m3",
    "wetted_m2h",
    "water_outage_household_h",
    "power_outage_household_h",
    "entrapments",
    "entrapment_max_min",
)
#: Figures compared pair by pair against the first variant.
PAIRED = ("cost_total", "water_m3", "water_outage_household_h", "red_p90_min")


#: Resamples of the cluster bootstrap, and its seed (a report is a pure function of the rows).
BOOTSTRAP = 1000
BOOTSTRAP_SEED = 20260101
#: Replication-years beyond which "not enough evidence" says "more than this".
SETTLE_CAP = 100_000


@dataclass(frozen=True, slots=True)
class Estimate:
    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float | None]:
        return {"value": _clean(self.value), "low": _clean(self.low), "high": _clean(self.high)}


def _present(values: np.ndarray) -> np.ndarray:
    """The values as floats, NaNs (a replication that saw none) dropped."""
    v = np.asarray(values, dtype=float)
    return np.asarray(v[~np.isnan(v)])


def _without_interval(v: np.ndarray) -> Estimate:
    """Too few values for an interval: the mean alone (NaN when there are none)."""
    return Estimate(float(v.mean()) if v.size else math.nan, math.nan, math.nan)


def mean_interval(values: np.ndarray, level: float = 0.95) -> Estimate:
    """Mean with a Student-t interval (NaNs dropped; bounds NaN with fewer than two values)."""
    v = _present(values)
    if v.size < 2:
        return _without_interval(v)
    m = float(v.mean())
    half = float(stats.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return Estimate(m, m - half, m + half)


def design_effect(hits: np.ndarray, totals: np.ndarray) -> float:
    """Variance of the pooled share over replications (clusters) relative to independent
    incidents: the linearised cluster variance over p(1−p)/n, at least 1 (1 where it cannot be
    estimated: one replication, or a share of exactly 0 or 1)."""
    h, n = np.asarray(hits, dtype=float), np.asarray(totals, dtype=float)
    total = n.sum()
    if total == 0 or n.size < 2:
        return 1.0
    p = h.sum() / total
    binomial = p * (1 - p) / total
    if binomial <= 0:
        return 1.0
    z = (h - p * n) / n.mean()
    cluster = z.var(ddof=1) / n.size
    return max(1.0, float(cluster / binomial))


def clopper_pearson(successes: float, trials: float, level: float = 0.95) -> tuple[float, float]:
    """The exact binomial (Clopper–Pearson) interval; counts may be fractional (effective)."""
    if trials <= 0:
        return math.nan, math.nan
    a = 1 - level
    low = 0.0 if successes <= 0 else float(stats.beta.ppf(a / 2, successes, trials - successes + 1))
    high = 1.0 if successes >= trials else float(stats.beta.ppf(1 - a / 2, successes + 1, trials - successes))
    return low, high


def share_interval(hits: np.ndarray, totals: np.ndarray, level: float = 0.95) -> Estimate:
    """Σ hits / Σ totals with a Clopper–Pearson interval on the effective sample size
    (Σ totals / design effect). NaN when there were no incidents at all."""
    h, n = np.asarray(hits, dtype=float), np.asarray(totals, dtype=float)
    total = n.sum()
    if total == 0:
        return Estimate(math.nan, math.nan, math.nan)
    p = float(h.sum() / total)
    n_eff = total / design_effect(h, n)
    low, high = clopper_pearson(p * n_eff, n_eff, level)
    return Estimate(p, min(low, p), max(high, p))


def replications_to_settle(
    share: float, target: float, replications: int, effective_n: float, level: float = 0.95
) -> int | None:
    """Replications at which the same share, over proportionally more incidents (the same
    effective incidents per replication), would give a Clopper–Pearson interval that no longer
    straddles ``target``; None when the share sits on the target (no number settles it)."""
    if math.isnan(share) or share == target or replications <= 0 or effective_n <= 0:
        return None
    per_rep = effective_n / replications

    def settled(r: int) -> bool:
        low, high = clopper_pearson(share * per_rep * r, per_rep * r, level)
        return low >= target or high < target

    hi = replications + 1
    while not settled(hi):
        hi *= 2
        if hi > SETTLE_CAP:
            return SETTLE_CAP
    lo = max(replications + 1, hi // 2)
    while lo < hi:
        mid = (lo + hi) // 2
        if settled(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi


def verdict(e: Estimate, target: float) -> str:
    """``meets`` / ``misses`` / ``not enough evidence`` / ``none happened`` (see the module docs)."""
    if math.isnan(e.value):
        return "none happened"
    if e.low >= target:
        return "meets"
    if e.high < target:
        return "misses"
    return "not enough evidence"


def bootstrap_mean(values: np.ndarray, level: float = 0.95) -> Estimate:
    """Mean over replications with a bootstrap percentile interval (NaNs dropped)."""
    v = _present(values)
    if v.size < 2:
        return _without_interval(v)
    m = float(v.mean())
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    means = v[rng.integers(v.size, size=(BOOTSTRAP, v.size))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return Estimate(m, min(float(low), m), max(float(high), m))


def pooled_percentiles(
    per_replication: list[np.ndarray], qs: tuple[int, ...] = (50, 90, 95), level: float = 0.95
) -> dict[str, Estimate]:
    """Percentiles of every value pooled over replications (NaN, nobody came, counts as +inf),
    each with a cluster-bootstrap interval: replications resampled with replacement, the
    percentile of the resampled pool. A percentile is always an observed value (the smallest
    with at least q % of the pool at or below it: no interpolation)."""
    r = len(per_replication)
    sizes = np.array([a.size for a in per_replication], dtype=np.int64)
    if r == 0 or sizes.sum() == 0:
        return {f"p{q}": Estimate(math.nan, math.nan, math.nan) for q in qs}
    values = np.concatenate([np.asarray(a, dtype=float) for a in per_replication])
    values = np.where(np.isnan(values), np.inf, values)
    rep = np.repeat(np.arange(r), sizes)
    order = np.argsort(values, kind="stable")
    values, rep = values[order], rep[order]
    n = values.size

    def rank(weights: np.ndarray, q: int) -> np.ndarray:
        """Index into the pool of the q-th percentile under each row of replication weights:
        a binary search on the weighted count at or below each position."""
        total = weights @ sizes
        need = np.maximum(np.ceil(q / 100 * total), 1)
        lo, hi = np.zeros(len(weights), dtype=np.int64), np.full(len(weights), n - 1, dtype=np.int64)
        while np.any(active := lo < hi):
            mid = (lo + hi) // 2
            counts = np.einsum("br,br->b", weights, below[:, mid].T)
            enough = counts >= need
            hi = np.where(active & enough, mid, hi)
            lo = np.where(active & ~enough, mid + 1, lo)
        return lo

    # below[k, i]: how many values of replication k are at positions ≤ i of the sorted pool.
    below = np.zeros((r, n), dtype=np.int32)
    below[rep, np.arange(n)] = 1
    np.cumsum(below, axis=1, out=below)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    boots = np.stack([np.bincount(rng.integers(r, size=r), minlength=r) for _ in range(BOOTSTRAP)])
    boots = boots[boots @ sizes > 0]  # a resample of only empty replications has no percentile
    out = {}
    for q in qs:
        point = float(values[rank(np.ones((1, r), dtype=np.int64), q)[0]])
        if r < 2:
            out[f"p{q}"] = Estimate(point, math.nan, math.nan)
            continue
        boot = values[rank(boots, q)]
        low, high = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
        out[f"p{q}"] = Estimate(point, min(float(low), point), max(float(high), point))
    return out


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
class PriorityEvidence:
    """What one priority's verdict rests on, for one variant."""

    priority: str
    incidents: int
    """Incidents of this priority over all replications."""
    on_time: int
    effective_n: float
    """Incidents worth as much as this many independent ones (Σ incidents / design effect)."""
    share: Estimate
    target: float | None
    verdict: str
    """``meets`` / ``misses`` / ``not enough evidence`` / ``none happened`` / ``no target``."""
    settle_replications: int | None
    """With ``not enough evidence``: replications (periods) that would settle it at this
    difference (None: the estimate sits on the target; nothing settles it)."""
    missed_by_kind: dict[str, tuple[int, int]]
    """incident kind → (missed, incidents) over all replications."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "incidents": self.incidents,
            "on_time": self.on_time,
            "effective_incidents": _clean(self.effective_n),
            "share": self.share.as_dict(),
            "target": self.target,
            "verdict": self.verdict,
            "replications_to_settle": self.settle_replications,
            "missed_by_kind": {k: {"missed": m, "incidents": n} for k, (m, n) in self.missed_by_kind.items()},
        }


@dataclass(frozen=True, slots=True, eq=False)
class VariantSummary:
    index: int
    name: str
    runs: int
    incidents: dict[str, float]
    """Mean incidents per period, by priority."""
    compliance: dict[str, Estimate]
    response: dict[str, dict[str, Estimate]]
    """priority → ``p50``/``p90``/``p95`` → minutes, pooled over replications."""
    means: dict[str, Estimate]
    meets: bool
    """On the estimate: every targeted priority's pooled share reaches its target (or none
    happened)."""
    meets_surely: bool
    """The verdict at the sweep's confidence: every targeted priority *meets* or *none happened*."""
    evidence: dict[str, PriorityEvidence]
    verdict: str
    """``meets``, ``misses`` or ``not enough evidence`` (over the targeted priorities)."""
    driver: str
    """One line: which priority and which kind of incident decide the verdict."""
    utilisation: dict[str, Estimate]
    """``<shift>:<post>`` → busy share of shift hours (mean over replications)."""
    people: dict[str, Estimate]
    """person → busy share of their shift hours."""


@dataclass(frozen=True, slots=True, eq=False)
class SweepReport:
    name: str
    period_days: float
    replications_done: int
    complete: bool
    meets: dict[str, float]
    confidence: float
    variants: tuple[VariantSummary, ...]
    differences: tuple[dict[str, Any], ...]
    """Per variant after the first: paired differences against the first."""

    @property
    def cheapest_meeting(self) -> VariantSummary | None:
        """The cheapest variant that meets the targets at the sweep's confidence."""
        ok = [v for v in self.variants if v.meets_surely]
        return min(ok, key=lambda v: v.means["cost_total"].value) if ok else None

    @property
    def cheaper_undecided(self) -> tuple[VariantSummary, ...]:
        """Variants cheaper than the answer (or any, with no answer) that more replications
        could still show to meet the targets: *not enough evidence*, cheapest first."""
        best = self.cheapest_meeting
        limit = best.means["cost_total"].value if best else math.inf
        out = [
            v
            for v in self.variants
            if v.verdict == "not enough evidence" and v.means["cost_total"].value < limit
        ]
        return tuple(sorted(out, key=lambda v: v.means["cost_total"].value))

    def to_json(self) -> dict[str, Any]:
        best = self.cheapest_meeting
        return {
            "name": self.name,
            "period_days": self.period_days,
            "complete": self.complete,
            "meets": self.meets,
            "confidence": self.confidence,
            "cheapest_meeting_targets": best.name if best else None,
            "cheaper_with_not_enough_evidence": [v.name for v in self.cheaper_undecided],
            "variants": [
                {
                    "index": v.index,
                    "name": v.name,
                    "runs": v.runs,
                    "incidents": {k: _clean(x) for k, x in v.incidents.items()},
                    "compliance": {k: e.as_dict() for k, e in v.compliance.items()},
                    "evidence": {k: e.as_dict() for k, e in v.evidence.items()},
                    "verdict": v.verdict,
                    "driver": v.driver,
                    "response_min": {
                        p: {q: e.as_dict() for q, e in d.items()} for p, d in v.response.items()
                    },
                    **{k: e.as_dict() for k, e in v.means.items()},
                    "utilisation": {k: e.as_dict() for k, e in v.utilisation.items()},
                    "utilisation_people": {k: e.as_dict() for k, e in v.people.items()},
                    "meets_targets_on_estimate": v.meets,
                    "meets_targets": v.meets_surely,
                }
                for v in self.variants
            ],
            "paired_differences": list(self.differences),
        }


def _clean(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def _kind_counts(g: pd.DataFrame, prio: str) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for col in g.columns:
        if col.startswith(f"{prio}_incidents:"):
            kind = col.split(":", 1)[1]
            n = int(np.nansum(g[col].to_numpy(dtype=float)))
            missed = int(np.nansum(g.get(f"{prio}_missed:{kind}", pd.Series(0.0)).to_numpy(dtype=float)))
            if n:
                out[kind] = (missed, n)
    return dict(sorted(out.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0])))


def evidence_of(g: pd.DataFrame, prio: str, target: float | None, level: float) -> PriorityEvidence:
    """The verdict on one priority for one variant's rows (see the module docs)."""
    hits, totals = g[f"{prio}_on_time"].to_numpy(dtype=float), g[f"{prio}_incidents"].to_numpy(dtype=float)
    share = share_interval(hits, totals, level)
    n = float(totals.sum())
    n_eff = n / design_effect(hits, totals) if n else 0.0
    if target is None:
        word, settle = "no target", None
    else:
        word = verdict(share, target)
        settle = (
            replications_to_settle(share.value, target, len(g), n_eff, level)
            if word == "not enough evidence"
            else None
        )
    return PriorityEvidence(
        prio, int(n), int(hits.sum()), n_eff, share, target, word, settle, _kind_counts(g, prio)
    )


def _driver(evidence: dict[str, PriorityEvidence], verdict_: str) -> str:
    """Which priority decides the verdict, and which kind of incident is behind its misses."""
    targeted = [e for e in evidence.values() if e.target is not None]
    if not targeted:
        return "no targets set"
    if verdict_ == "misses":
        deciding = [e for e in targeted if e.verdict == "misses"]
    elif verdict_ == "not enough evidence":
        deciding = [e for e in targeted if e.verdict == "not enough evidence"]
    else:
        deciding = [e for e in targeted if e.verdict == "meets"] or targeted
    # The deciding priority: the one furthest below its target (or closest to it, if all meet).
    e = min(deciding, key=lambda x: (x.share.low if not math.isnan(x.share.low) else 2) - (x.target or 0))
    if e.verdict == "none happened":
        return f"{e.priority}: none happened in {e.incidents} incidents — nothing to judge"
    missed = sum(m for m, _ in e.missed_by_kind.values())
    head = (
        f"{e.priority}: {e.on_time} of {e.incidents} on time ({e.share.value:.1%}, "
        f"{e.share.low:.1%}–{e.share.high:.1%}) against {e.target:.0%}"
    )
    if missed == 0:
        line = head + "; none missed"
    else:
        kind, (m, n) = next(iter(e.missed_by_kind.items()))
        what = (
            f"the one miss is {kind.replace('_', ' ')}"
            if missed == 1
            else f"{m} of the {missed} misses are {kind.replace('_', ' ')}"
        )
        line = f"{head}; {what} ({n - m} of {n} in time)"
    if e.verdict == "not enough evidence":
        line += (
            f"; about {e.settle_replications:,} replication-years would settle it"
            if e.settle_replications is not None
            else "; it sits on the target: no run count settles it"
        )
    return line


def _utilisation(g: pd.DataFrame, prefix: str, level: float, *, skip: str = "\0") -> dict[str, Estimate]:
    cols = sorted(c for c in g.columns if c.startswith(prefix) and not c.startswith(skip))
    return {c[len(prefix) :]: bootstrap_mean(g[c].to_numpy(dtype=float), level) for c in cols}


def _times(g: pd.DataFrame, prio: str) -> list[np.ndarray]:
    col = f"{prio}_on_site_min_all"
    if col not in g.columns:
        return []
    return [np.asarray(json.loads(x) if isinstance(x, str) else [], dtype=float) for x in g[col]]


def sweep_report(results: SweepResults) -> SweepReport:
    """Summaries, verdicts, the cheapest variant meeting the targets, and paired differences."""
    meta, rows = results.meta, results.rows
    meets: dict[str, float] = {k: float(v) for k, v in meta.get("meets", {}).items()}
    level = float(meta.get("confidence", 0.95))
    summaries: list[VariantSummary] = []
    by_variant = (
        {int(k): g.sort_values("replication") for k, g in rows.groupby("variant")} if len(rows) else {}
    )
    for v in meta["variants"]:
        g = by_variant.get(int(v["index"]))
        if g is None or g.empty:
            continue
        g = g.dropna(axis=1, how="all")
        for p in PRIORITIES:
            for col in (f"{p}_on_time", f"{p}_incidents"):
                if col not in g.columns:
                    g = g.assign(**{col: 0.0})
        evidence = {p: evidence_of(g, p, meets.get(p), level) for p in PRIORITIES}
        compliance = {p: e.share for p, e in evidence.items()}
        response = {
            p: pooled_percentiles(_times(g, p), level=level)
            if _times(g, p)
            else {f"p{q}": Estimate(math.nan, math.nan, math.nan) for q in (50, 90, 95)}
            for p in PRIORITIES
        }
        means = {
            k: bootstrap_mean(g[k].to_numpy(dtype=float), level)
            if k in g.columns
            else Estimate(math.nan, math.nan, math.nan)
            for k in MEANS
        }
        targeted = [evidence[p] for p in meets]
        ok = all(e.verdict == "none happened" or e.share.value >= (e.target or 0) for e in targeted)
        words = {e.verdict for e in targeted}
        overall = (
            "misses"
            if "misses" in words
            else "not enough evidence"
            if "not enough evidence" in words
            else "meets"
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
                overall == "meets",
                evidence,
                overall,
                _driver(evidence, overall),
                _utilisation(g, "utilisation:", level, skip="utilisation:person:"),
                _utilisation(g, "utilisation:person:", level),
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
                    a[f"{p}_on_time"], a[f"{p}_incidents"], b[f"{p}_on_time"], b[f"{p}_incidents"], level
                ).as_dict()
            for k in PAIRED:
                entry[k] = paired_interval(a[k].to_numpy(), b[k].to_numpy(), level).as_dict()
            diffs.append(entry)
    return SweepReport(
        name=str(meta.get("name", "")),
        period_days=float(meta.get("period", {}).get("days", math.nan)),
        replications_done=len(rows),
        complete=results.complete,
        meets=meets,
        confidence=level,
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
    head = ["variant", "runs", *(f"{p} on time" for p in prios), "red p90 min", "cost", "water m³", "verdict"]
    table: list[list[str]] = []
    for v in report.variants:
        cells = [v.name, str(v.runs)]
        for p in prios:
            cells.append(_pct(v.compliance[p]))
        cells.append(_num(v.response["red"]["p90"], 1))
        cells.append(_num(v.means["cost_total"], 0, thousands=True))
        cells.append(_num(v.means["water_m3"], 1))
        cells.append(v.verdict)
        table.append(cells)
    lines += ["", *_table(head, table)]
    targets = ", ".join(f"{p} ≥ {share:.0%}" for p, share in report.meets.items())
    lines += [
        "",
        f"Targets: on site within target for {targets}, judged at {report.confidence:.0%} confidence. "
        "Shares: pooled over replications, Clopper–Pearson interval on the effective number of "
        "incidents (cluster design effect); p90: pooled over every incident, cluster-bootstrap "
        "interval; cost and water: means per period, cluster-bootstrap interval.",
        "",
        "Evidence and what drives each verdict:",
    ]
    for v in report.variants:
        counts = ", ".join(
            f"{p} {e.on_time}/{e.incidents}" + (f" ({e.verdict})" if e.target is not None else "")
            for p, e in v.evidence.items()
            if e.incidents or e.target is not None
        )
        lines.append(f"  {v.name}: {v.verdict} — {counts}")
        lines.append(f"      {v.driver}")
    best = report.cheapest_meeting
    lines.append("")
    if best is None:
        undecided = report.cheaper_undecided
        if undecided:
            lines.append(
                "No variant meets the targets at this confidence; not enough evidence yet for "
                + ", ".join(f"'{u.name}'" for u in undecided[:3])
                + "."
            )
        else:
            lines.append("No variant meets the targets.")
    else:
        lines.append(
            f"Cheapest variant meeting the targets at {report.confidence:.0%} confidence: {best.name}, "
            f"{best.means['cost_total'].value:,.0f} per period."
        )
        for u in report.cheaper_undecided[:3]:
            settle = [
                e.settle_replications for e in u.evidence.values() if e.verdict == "not enough evidence"
            ]
            more = max((x for x in settle if x is not None), default=None)
            lines.append(
                f"  Cheaper, not enough evidence yet: {u.name} ({u.means['cost_total'].value:,.0f}); "
                + (f"about {more:,} replication-years would settle it." if more else "it sits on the target.")
            )
    posts = sorted({k for v in report.variants for k in v.utilisation})
    if posts:
        lines += ["", "Utilisation: share of shift hours on tasks, mean per period:"]
        head = ["variant", *posts]
        rows = [[v.name, *(_pct1(v.utilisation.get(k)) for k in posts)] for v in report.variants]
        lines += _table(head, rows)
    if report.differences:
        lines += [
            "",
            f"Paired differences against '{report.variants[0].name}' (same incidents, run by run; "
            f"{report.confidence:.0%} Student-t intervals in brackets):",
        ]
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
                parts.append(f"red p90 (mean of years) {_signed(e, 1)} min")
            e = d["water_outage_household_h"]
            if e["value"] is not None:
                parts.append(f"household·h without water {_signed(e, 0)}")
            lines.append(f"  {d['variant']}: " + "; ".join(parts))
    return "\n".join(lines)


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    return [fmt.format(*head), fmt.format(*["-" * w for w in widths]), *(fmt.format(*r) for r in rows)]


def _pct1(e: Estimate | None) -> str:
    return "–" if e is None or math.isnan(e.value) else f"{e.value:.0%}"


def _pct(e: Estimate) -> str:
    if math.isnan(e.value):
        return "–"
    if math.isnan(e.low):
        return f"{e.value:.1%}"
    return f"{e.value:.1%} ({e.low:.1%}–{e.high:.1%})"


def _num(e: Estimate, digits: int, *, thousands: bool = False) -> str:
    if math.isnan(e.value):
        return "–"
    if math.isinf(e.value):
        return "never"
    f = f"{{:,.{digits}f}}" if thousands else f"{{:.{digits}f}}"
    if math.isnan(e.low):
        return f.format(e.value)
    high = "never" if math.isinf(e.high) else f.format(e.high)
    return f"{f.format(e.value)} ({f.format(e.low)}–{high})"


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
            "verdict": v.verdict,
            "driver": v.driver,
        }
        for p in PRIORITIES:
            c, e = v.compliance[p], v.evidence[p]
            rec |= {
                f"{p}_compliance": c.value,
                f"{p}_low": c.low,
                f"{p}_high": c.high,
                f"{p}_p90_min": v.response[p]["p90"].value,
                f"{p}_incidents": e.incidents,
                f"{p}_on_time": e.on_time,
                f"{p}_verdict": e.verdict,
                f"{p}_settle_replications": e.settle_replications,
            }
        cost = v.means["cost_total"]
        rec |= {"cost": cost.value, "cost_low": cost.low, "cost_high": cost.high}
        out.append(rec)
    return pd.DataFrame(out)
