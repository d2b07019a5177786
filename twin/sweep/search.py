"""Searching for the cheapest roster that meets the targets: sequential elimination in cost order.

A sweep file's ``search:`` section names moves on the base roster (staff counts per shift and
post within ranges, options each on or off, groups of alternatives); every combination is a
*candidate* (:func:`twin.sweep.spec.search_sweep`). The procedure:

1. **Screen** — every candidate runs ``screen_replications`` replications. Replication ``r`` is
   the same year of incidents for every candidate (common random numbers), so candidates are
   compared on the same luck.
2. **Judge** — each candidate's share on site within target, per targeted priority, gets the
   report's Clopper–Pearson interval on the effective sample size, at the *Bonferroni-adjusted*
   level ``1 − (1 − confidence) / (candidates × looks)``: it is *feasible* when every interval
   reaches its target (or no incident of that priority happened), *infeasible* when one falls
   wholly short, *undecided* otherwise.
3. **Eliminate** — infeasible candidates are out ("misses red …"); undecided candidates that cost
   at least as much as the cheapest feasible one are out ("dominated").
4. **Allocate** — the remaining undecided candidates, cheapest first, get ``step_replications``
   more each while the budget lasts (none beyond ``max_replications``); back to 2.

It stops when no undecided candidate is cheaper than the cheapest feasible one (the answer), or
the budget or the replication cap is reached (the answer is then the cheapest feasible candidate
found, with the cheaper undecided ones listed as "not enough evidence").

**Guarantee.** If each interval has its nominal coverage (Clopper–Pearson is exact for
independent incidents; the design effect makes it approximate for clustered ones), then with
probability at least ``confidence`` every feasible/infeasible verdict of the whole search is
right at once (Bonferroni over candidates and looks), so the roster named meets the targets and
every roster ruled out as missing does miss them. The cost order is by mean cost over the
replications run; roster cost is fixed, so only call-outs and contractors make it uncertain.

Every round is a pure function of the rows recorded before it, so a search killed at any moment
resumes by replaying its rounds from the folder (:func:`plan`), running only what is missing. The
same holds when the run counts (``budget_runs``, ``screen_replications``, ``step_replications``,
``max_replications``) changed: no run depends on them (run ``r`` of a roster is the same year
whatever they are), so the rounds replayed on the new values use the runs recorded and make only
those they add — a search stopped by its budget continues with a larger one, and the answer is the
one a fresh search with the new values would give. Runs recorded that the new rounds do not ask
for are left out of every verdict.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from twin.scenario.schema import PRIORITIES
from twin.sweep.erlang import TradeBound, erlang_bounds, format_bounds
from twin.sweep.report import design_effect, share_interval, verdict
from twin.sweep.results import SweepFolderError
from twin.sweep.spec import LoadedSweep, Search
from twin.words import plural

if TYPE_CHECKING:
    from twin.sweep.execute import Progress
    from twin.twin import Twin

log = logging.getLogger(__name__)

#: The procedure's name, as reports print it.
PROCEDURE = "sequential elimination in cost order (Bonferroni-adjusted Clopper–Pearson feasibility)"


@dataclass(frozen=True, slots=True)
class Judged:
    """One candidate after a round."""

    index: int
    name: str
    replications: int
    cost: float
    shares: dict[str, tuple[float, float, float, int]]
    """priority → (share, low, high, incidents) at the adjusted level."""
    status: str
    """``feasible``, ``infeasible``, ``dominated``, ``undecided`` (still a contender) or
    ``not enough evidence`` (undecided when the search stopped); ``not run yet`` mid-round."""
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    """Where the search stands, replayed from the recorded rows."""

    pending: list[tuple[int, int]]
    """(candidate, replication) runs the current round still needs; empty when finished."""
    finished: bool
    rounds: list[dict[str, Any]]
    judged: tuple[Judged, ...]
    runs: int
    """Runs the search has used (or planned, in the current round)."""
    stop_reason: str = ""
    level_each: float = math.nan
    enumeration_runs: int = 0
    """Runs enumerating the same candidates at ``max_replications`` each would take."""
    names: tuple[str, ...] = field(default_factory=tuple)

    @property
    def answer(self) -> Judged | None:
        ok = [j for j in self.judged if j.status == "feasible"]
        return min(ok, key=lambda j: (j.cost, j.index)) if ok else None

    def frontier(self, priority: str) -> list[Judged]:
        """The cost–compliance frontier: candidates no cheaper candidate beats on ``priority``'s
        share (estimates), cheapest first."""
        out: list[Judged] = []
        best = -1.0
        for j in sorted(self.judged, key=lambda j: (j.cost, j.index)):
            share = j.shares.get(priority, (math.nan,))[0]
            if j.replications and not math.isnan(share) and share > best:
                out.append(j)
                best = share
        return out

    def to_json(self, meets: dict[str, float]) -> dict[str, Any]:
        best = self.answer
        first = next(iter(meets), "red")
        return {
            "procedure": PROCEDURE,
            "finished": self.finished,
            "stop_reason": self.stop_reason,
            "runs": self.runs,
            "enumeration_runs": self.enumeration_runs,
            "level_each": self.level_each,
            "answer": _judged_json(best) if best else None,
            "frontier": [_judged_json(j) for j in self.frontier(first)],
            "candidates": [_judged_json(j) for j in self.judged],
            "rounds": self.rounds,
        }


def _judged_json(j: Judged) -> dict[str, Any]:
    return {
        "index": j.index,
        "name": j.name,
        "replications": j.replications,
        "cost": None if math.isnan(j.cost) else round(j.cost, 2),
        "shares": {
            p: {"value": _c(v), "low": _c(lo), "high": _c(hi), "incidents": n}
            for p, (v, lo, hi, n) in j.shares.items()
        },
        "status": j.status,
        "reason": j.reason,
    }


def _c(x: float) -> float | None:
    return None if not math.isfinite(x) else round(float(x), 6)


def looks(search: Search) -> int:
    """How many times one candidate can be judged: the screen, then one per step to the cap."""
    return 1 + math.ceil((search.max_replications - search.screen_replications) / search.step_replications)


def judge(index: int, name: str, rows: pd.DataFrame, meets: dict[str, float], level: float) -> Judged:
    """One candidate's verdict on its rows (those of replications run so far)."""
    if len(rows) == 0:
        return Judged(index, name, 0, math.nan, {}, "not run yet", "no replication recorded yet")
    shares: dict[str, tuple[float, float, float, int]] = {}
    words = []
    reasons = []
    for p in meets:
        hits = rows[f"{p}_on_time"].to_numpy(dtype=float) if f"{p}_on_time" in rows else np.zeros(0)
        totals = rows[f"{p}_incidents"].to_numpy(dtype=float) if f"{p}_incidents" in rows else np.zeros(0)
        e = share_interval(hits, totals, level)
        n = int(sum(totals))
        shares[p] = (e.value, e.low, e.high, n)
        word = verdict(e, meets[p])
        words.append(word)
        if word == "misses":
            reasons.append(
                f"misses {p}: {e.value:.1%} ({e.low:.1%}–{e.high:.1%}) of {n} on time < {meets[p]:.0%}"
            )
        elif word == "not enough evidence":
            eff = n / design_effect(hits, totals) if n else 0
            reasons.append(
                f"{p} {e.value:.1%} ({e.low:.1%}–{e.high:.1%}) straddles {meets[p]:.0%} "
                f"({n} incidents, worth {eff:.0f} independent)"
            )
    # The mean alone (NaNs dropped), as bootstrap_mean gives it, without its resamples.
    costs = rows["cost_total"].to_numpy(dtype=float)
    cost = float(np.nanmean(costs)) if np.isfinite(costs).any() else math.nan
    if "misses" in words:
        status = "infeasible"
    elif "not enough evidence" in words:
        status = "undecided"
    else:
        status = "feasible"
        met = [f"{p} (low end {shares[p][1]:.1%})" for p, w in zip(meets, words, strict=True) if w == "meets"]
        none = [p for p, w in zip(meets, words, strict=True) if w == "none happened"]
        if met:
            reasons.append("meets " + ", ".join(met))
        if none:
            reasons.append(
                f"no {' or '.join(none)} incident happened in {plural(len(rows), 'replication')}: "
                "nothing to judge"
            )
    return Judged(index, name, len(rows), cost, shares, status, "; ".join(reasons))


def plan(
    search: Search, meets: dict[str, float], confidence: float, names: list[str], rows: pd.DataFrame
) -> Plan:
    """Replay the search on the recorded ``rows``: the runs the current round needs, or the
    finished search (see the module docs)."""
    k = len(names)
    level_each = 1 - (1 - confidence) / (k * looks(search))
    done = (
        set(zip(rows["variant"].astype(int), rows["replication"].astype(int), strict=True))
        if len(rows)
        else set()
    )
    by_variant = {int(v): g for v, g in rows.groupby("variant")} if len(rows) else {}
    reps = dict.fromkeys(range(k), search.screen_replications)
    rounds: list[dict[str, Any]] = []
    enumeration = k * search.max_replications
    while True:
        need = [(v, r) for v in range(k) for r in range(reps[v]) if (v, r) not in done]
        runs = sum(reps.values())
        judged = []
        for v in range(k):
            g = by_variant.get(v)
            g = g[g["replication"] < reps[v]] if g is not None else pd.DataFrame()
            judged.append(judge(v, names[v], g, meets, level_each))
        if need:  # the round is not complete: the verdicts so far, for progress, decide nothing
            return Plan(need, False, rounds, tuple(judged), runs, "", level_each, enumeration, tuple(names))
        feasible = [j for j in judged if j.status == "feasible"]
        best = min(feasible, key=lambda j: (j.cost, j.index)) if feasible else None
        out: list[Judged] = []
        for j in judged:
            if j.status == "undecided" and best is not None and (j.cost, j.index) >= (best.cost, best.index):
                j = Judged(
                    j.index,
                    j.name,
                    j.replications,
                    j.cost,
                    j.shares,
                    "dominated",
                    f"costs {j.cost:,.0f}, not less than '{best.name}' ({best.cost:,.0f}), which meets "
                    f"the targets; {j.reason}",
                )
            out.append(j)
        contenders = sorted((j for j in out if j.status == "undecided"), key=lambda j: (j.cost, j.index))
        rounds.append(
            {
                "round": len(rounds),
                "runs": runs,
                "feasible": sum(j.status == "feasible" for j in out),
                "infeasible": sum(j.status == "infeasible" for j in out),
                "dominated": sum(j.status == "dominated" for j in out),
                "undecided": len(contenders),
                "best": best.name if best else None,
            }
        )
        growable = [j for j in contenders if reps[j.index] < search.max_replications]
        stop = ""
        if not contenders:
            stop = (
                "no cheaper roster is undecided: the answer is settled"
                if best
                else "every roster misses the targets"
            )
        elif not growable:
            stop = f"the undecided rosters reached max_replications ({search.max_replications})"
        else:
            added = 0
            for j in growable:
                step = min(search.step_replications, search.max_replications - reps[j.index])
                if runs + added + step > search.budget_runs:
                    break
                reps[j.index] += step
                added += step
            if added == 0:
                stop = f"the budget of {search.budget_runs} runs is spent"
        if stop:
            final = tuple(
                Judged(
                    j.index,
                    j.name,
                    j.replications,
                    j.cost,
                    j.shares,
                    "not enough evidence",
                    f"{j.reason}; {stop}",
                )
                if j.status == "undecided"
                else j
                for j in out
            )
            return Plan([], True, rounds, final, runs, stop, level_each, enumeration, tuple(names))


def format_search(p: Plan, meets: dict[str, float], confidence: float, *, erlang: str = "") -> str:
    """The search's answer as text for a terminal."""
    first = next(iter(meets), "red")
    targets = ", ".join(f"{q} ≥ {s:.0%}" for q, s in meets.items())
    lines = [
        f"Search: {len(p.names)} rosters, {PROCEDURE}; targets {targets} at {confidence:.0%} "
        f"confidence (each verdict at {p.level_each:.5f}).",
        f"Runs: {p.runs} (enumerating every roster at max_replications would take "
        f"{p.enumeration_runs}: {p.enumeration_runs / max(p.runs, 1):.1f}×). "
        + ("Finished: " + p.stop_reason + "." if p.finished else "Not finished: figures so far."),
    ]
    best = p.answer
    if p.finished or best:
        lines.append("")
        if best:
            lines.append(
                ("Cheapest roster meeting the targets: " if p.finished else "So far the cheapest feasible: ")
                + f"{best.name} — cost {best.cost:,.0f} per period, "
                f"{best.replications} replications; {best.reason}."
            )
        else:
            lines.append("No roster is shown to meet the targets.")
    lines += ["", f"Cost–compliance frontier ({first}):"]
    for j in p.frontier(first):
        v, lo, hi, n = j.shares[first]
        lines.append(
            f"  {j.cost:>12,.0f}  {v:6.1%} ({lo:.1%}–{hi:.1%}, {n} incidents, {j.replications} reps)  "
            f"{j.name}  [{j.status}]"
        )
    if p.judged:
        lines += ["", "Ruled out, and why:"]
        for j in sorted(p.judged, key=lambda j: (j.cost, j.index)):
            if j.status in ("infeasible", "dominated", "not enough evidence"):
                lines.append(f"  {j.name} ({j.status}, {j.replications} reps): {j.reason}")
    if p.rounds:
        lines += [
            "",
            "Rounds: "
            + "; ".join(
                f"{r['round']}: {r['runs']} runs, {r['feasible']} feasible, {r['infeasible']} out, "
                f"{r['dominated']} dominated, {r['undecided']} undecided"
                for r in p.rounds
            ),
        ]
    if erlang:
        lines += ["", erlang]
    return "\n".join(lines)


def run_search(
    twin: Twin,
    loaded: LoadedSweep,
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Run the sweep file's search in ``out`` (resuming what is recorded there) to its end.

    Raises
    ------
    ScenarioError
        The sweep file has no ``search:``, or a move does not fit the base roster.
    SweepError, SweepFolderError
        A run failed, the cluster is unreachable, or ``out`` holds another sweep.
    """
    from twin.sweep.execute import build_context, check_inputs, folder_lock, open_runner, sweep_meta
    from twin.sweep.results import SweepFolder, read_sweep
    from twin.sweep.spec import search_of, search_sweep

    search = search_of(loaded)
    cands = search_sweep(loaded)
    meets, confidence = dict(loaded.sweep.meets), loaded.sweep.confidence
    names = [v.name for v in cands.variants]
    meta = {
        **sweep_meta(cands, twin),
        "replications": search.max_replications,
        "search": search.model_dump(mode="json"),
        "procedure": PROCEDURE,
    }
    path = Path(out)
    with folder_lock(path) as note_holder:
        check_inputs(path, meta)
        folder = SweepFolder.open(path, meta)
        note_holder()
        # The run counts and `meets:` may change between runs of a search (check_inputs let them
        # through): the rounds are replayed on the new values from the runs recorded, each still
        # valid, so a larger budget continues the search where the old one stopped.
        changed = {k: meta[k] for k in ("search", "meets") if folder.meta.get(k) != meta[k]}
        if changed:
            log.info(
                "%s: %s changed since the search started; its rounds are replayed on the new values, "
                "reusing the %d runs recorded",
                path,
                " and ".join(f"{k}:" for k in changed),
                len(folder.done),
            )
            folder.update_meta(changed)
        current = plan(search, meets, confidence, names, read_sweep(folder.path).rows)
        if current.finished and _answered(folder.path, meta["search"], meets):
            return current
        if progress:
            progress(current.runs - len(current.pending), current.runs, "preparing the rosters")
        ctx = build_context(twin, cands, search.max_replications)
        first = next(iter(meets), "red")
        wait = float(cands.variants[0].scenario.targets.of(first).on_site_min)
        bounds = erlang_bounds(
            ctx.drills[0], seed=loaded.sweep.seed, wait_min=wait, share=meets.get(first, 0.95)
        )
        erlang = {
            "wait_min": wait,
            "share": meets.get(first, 0.95),
            "bounds": [dataclasses.asdict(b) for b in bounds],
        }
        with open_runner(ctx, workers=workers, scheduler=scheduler) as runner:
            while not current.finished:
                done, k = current.runs - len(current.pending), len(current.rounds)
                if progress:
                    progress(done, current.runs, f"round {k}: {len(current.pending)} runs to go in it")
                runner.run(
                    current.pending,
                    folder,
                    cands,
                    progress=_in_round(progress, k) if progress else None,
                    before=done,
                    total=current.runs,
                )
                current = plan(search, meets, confidence, names, read_sweep(folder.path).rows)
        if progress:
            progress(current.runs, current.runs, current.stop_reason)
        return _finish(folder, current, search, meets, erlang)


def _in_round(progress: Progress, k: int) -> Progress:
    """``progress`` for the runs of round ``k``: each finished run reported as it ends, counted
    against the runs the search has planned so far (the next round adds to them)."""

    def said(done: int, total: int, message: str) -> None:
        progress(done, total, f"round {k}: {message} in round")

    return said


def _answered(path: Path, search: dict[str, Any], meets: dict[str, float]) -> bool:
    """Whether the folder's answer (``search.json``) was written for these run counts and
    targets: a search resumed with others replays its rounds and writes it again."""
    try:
        doc = json.loads((path / SEARCH).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("search") == search and doc.get("meets") == meets


def _finish(
    folder: Any, current: Plan, search: Search, meets: dict[str, float], erlang: dict[str, Any]
) -> Plan:
    from twin.store import atomic_write

    doc = json.dumps(
        {
            **current.to_json(meets),
            "search": search.model_dump(mode="json"),
            "meets": meets,
            "erlang_c": erlang,
        },
        indent=2,
        ensure_ascii=False,
    )
    atomic_write(folder.path / SEARCH, lambda f: f.write_text(doc, encoding="utf-8"))
    return current


def erlang_text(path: str | os.PathLike[str]) -> str:
    """The Erlang C table a finished search wrote (empty before it finished)."""
    doc = Path(path) / SEARCH
    if not doc.is_file():
        return ""
    erlang = json.loads(doc.read_text(encoding="utf-8")).get("erlang_c") or {}
    bounds = [TradeBound(**b) for b in erlang.get("bounds", [])]
    return format_bounds(bounds, wait_min=erlang.get("wait_min", 15.0), share=erlang.get("share", 0.95))


def read_search(path: str | os.PathLike[str]) -> Plan:
    """The search recorded in a folder, replayed (finished or not)."""
    from twin.sweep.results import read_sweep

    results = read_sweep(Path(path))
    meta = results.meta
    if "search" not in meta:
        raise SweepFolderError(f"{path}: a sweep folder, not a search's; use 'twin sweep-report'")
    search = Search.model_validate(meta["search"])
    names = [str(v["name"]) for v in meta["variants"]]
    return plan(search, dict(meta["meets"]), float(meta.get("confidence", 0.95)), names, results.rows)


#: The search's answer, written when it finishes.
SEARCH = "search.json"

__all__ = [
    "PRIORITIES",
    "PROCEDURE",
    "Judged",
    "Plan",
    "format_search",
    "judge",
    "looks",
    "plan",
    "read_search",
    "run_search",
]
