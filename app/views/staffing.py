"""Staffing: run a sweep of roster variants (shipped, or an uploaded sweep file) — shortened to a
few replications of a few weeks for an answer while you wait — or load a sweep folder; cost
against target compliance per variant with intervals, the evidence and verdict of each (meets,
misses, not enough evidence, none happened) and what drives it, the cheapest variant meeting the
targets, utilisation per post, the paired differences against the first variant, a search's
progress, answer, frontier and what it ruled out, and the results to download."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd
import shared
import streamlit as st

from twin.errors import TwinError
from twin.isolated import safe_name
from twin.scenario import PRIORITIES
from twin.sweep.figures import cost_compliance_figure, interval_text
from twin.sweep.report import SweepReport, rows_frame, sweep_report
from twin.sweep.results import META, SweepResults, read_sweep
from twin.sweep.spec import LoadedSweep, shortened
from twin.sweep.where import run_folder, shipped_sweeps, sweep_folders, uploaded_sweep

SHIPPED = "A shipped sweep"
UPLOADED = "Upload a sweep file"
FOLDER = "A sweep folder"
#: Where interactive runs are written, and where the page looks for sweep folders to load.
SWEEPS = "sweeps"
#: What an interactive run starts from: a few replications of a month, not the file's years.
DAYS, REPLICATIONS, WORKERS = 30, 3, 2
LAST_RUN = "staffing_last_run"


def show() -> None:
    st.title("Staffing")
    st.caption(
        "Compare rosters over many simulated periods of ordinary work, bursts and outages: every "
        "variant meets the same incidents (common random numbers), so the differences are the "
        "roster's, not luck's. Run a sweep here — shortened to a few replications of a few weeks, "
        "or in full — or load a folder written by `twin sweep FILE --out DIR`."
    )
    mode = st.radio(
        "Sweep",
        (SHIPPED, UPLOADED, FOLDER),
        key="staffing_mode",
        horizontal=True,
        label_visibility="collapsed",
    )
    if mode == FOLDER:
        folder = chosen_folder()
    else:
        loaded = chosen_sweep(mode)
        if loaded is None:
            return
        folder = run_section(loaded)
    if folder is None:
        return
    try:
        res = read_folder(str(folder), _stamp(folder))
        report = sweep_report(res)
    except TwinError as exc:
        st.error(str(exc))
        return
    except (OSError, ValueError, KeyError, TypeError) as exc:  # a damaged folder: a line, not a trace
        detail = " ".join(str(exc).split())
        st.error(
            f"{shown(folder)}: not a readable sweep folder ({type(exc).__name__}: {detail}); "
            "give a folder written by `twin sweep --out` or by this page"
        )
        return
    results(res, report, from_folder=mode == FOLDER)


# ------------------------------------------------------------------------------------- choosing


def chosen_sweep(mode: str) -> LoadedSweep | None:
    """The sweep file chosen (shipped or uploaded), loaded with its variants; ``None`` after
    saying why on the page."""
    try:
        if mode == SHIPPED:
            files = shipped_sweeps()
            if not files:
                st.info("No sweep files are shipped in scenarios/sweeps/: upload one instead.")
                return None
            name = st.selectbox("Shipped sweep", list(files), key="staffing_shipped")
            path = files[name]
            return sweep_from_file(str(path), path.stat().st_mtime)
        f = st.file_uploader(
            "Sweep file",
            type=list(shared.SCENARIO_TYPES),
            key="staffing_upload",
            max_upload_size=1,
            help=f".yaml or .yml, up to {shared.SCENARIO_MAX_BYTES // 1000} kB; read as YAML data only.",
        )
        st.caption(
            "An uploaded sweep's `base:` names a shipped scenario, read as if the sweep file were in "
            "scenarios/sweeps/ beside the shipped sweeps (`base: ../estate_roster.yaml`) or in "
            "scenarios/ (`base: estate_roster.yaml`)."
        )
        if f is None:
            st.info("Upload a sweep file (.yaml or .yml), or choose a shipped sweep.")
            return None
        if problem := upload_problem(f):
            st.error(problem)
            return None
        return sweep_from_upload(shared.uploaded_yaml(f, "the sweep file"), safe_name(f.name))
    except TwinError as exc:
        st.error(str(exc))
        return None


def upload_problem(f: Any) -> str:
    suffix = Path(f.name).suffix.lower().lstrip(".")
    if suffix not in shared.SCENARIO_TYPES:
        return f"{f.name}: expected a .yaml or .yml sweep file, got '.{suffix}'"
    if f.size > shared.SCENARIO_MAX_BYTES:
        return (
            f"{f.name}: {f.size / 1000:.0f} kB is more than the {shared.SCENARIO_MAX_BYTES // 1000} kB "
            "a sweep file may have"
        )
    return ""


@st.cache_resource(show_spinner=False, max_entries=8)
def sweep_from_file(path: str, mtime: float) -> LoadedSweep:
    from twin.sweep.spec import load_sweep

    return with_moves_checked(load_sweep(Path(path)))


@st.cache_resource(show_spinner=False, max_entries=8)
def sweep_from_upload(text: str, name: str) -> LoadedSweep:
    return with_moves_checked(uploaded_sweep(text, name))


def with_moves_checked(loaded: LoadedSweep) -> LoadedSweep:
    """``loaded``, once a search's moves are shown to fit the base roster (building its candidate
    rosters raises ScenarioError with the file's line otherwise), as ``twin validate`` checks them."""
    from twin.sweep.spec import search_sweep

    if loaded.sweep.search is not None:
        search_sweep(loaded)
    return loaded


def run_section(full: LoadedSweep) -> Path | None:
    """The sweep's description, the run's settings and the Run button; the folder of this sweep
    with these settings (``None`` when it holds nothing yet)."""
    s = full.sweep
    st.subheader(s.name)
    if s.description:
        st.markdown(s.description)
    variants = "; ".join(f"**{v.name}**" for v in full.variants)
    targets = targets_text(s.meets, full.base.scenario.targets.model_dump(mode="json"))
    search_only = s.search is not None and not full.variants
    if search_only:
        st.caption(
            f"A search over {s.search.size()} rosters (moves on the base roster), screening each on "
            f"{s.search.screen_replications} replications and spending at most {s.search.budget_runs} "
            f"runs, over {s.period.days:g} days from {s.period.start:%d %b %Y}. {targets}"
        )
    else:
        st.caption(
            f"{len(full.variants)} variants: {variants}. The file asks for {s.replications} "
            f"replications of {s.period.days:g} days from {s.period.start:%d %b %Y} (what `twin "
            f"sweep` runs). {targets}"
        )
    columns = iter(st.columns(3))
    # A search sets its own replications (its screen, steps and cap): nothing to choose here.
    replications = min(REPLICATIONS, s.replications)
    if not search_only:
        replications = int(
            next(columns).number_input(
                "Replications",
                min_value=1,
                max_value=100_000,
                step=1,
                value=replications,
                key=f"staffing_reps_{s.name}",
                help="Runs per variant, each one period on its own random incidents.",
            )
        )
    days = int(
        next(columns).number_input(
            "Period (days)",
            min_value=1,
            max_value=366,
            step=1,
            value=min(DAYS, max(1, int(s.period.days))),
            key=f"staffing_days_{s.name}",
            help=f"From {s.period.start:%d %b %Y}; one run simulates this long.",
        )
    )
    workers = int(
        next(columns).number_input(
            "Worker processes",
            min_value=1,
            max_value=max(8, os.cpu_count() or 1),
            step=1,
            value=WORKERS,
            key="staffing_workers",
            help=f"Runs at the same time (this machine has {os.cpu_count()} cores).",
        )
    )
    loaded = shortened(full, days=days, replications=replications)
    stem = Path(full.path.name if full.path else s.name).stem
    folder = run_folder(Path.cwd() / SWEEPS, loaded, stem, days, replications)
    total = len(loaded.variants) * replications
    if loaded.variants:
        st.caption(
            f"{len(loaded.variants)} variants × {replications} replications = **{total} runs** of "
            f"{days} days, written to `{shown(folder)}` run by run: leave the page and come back, and "
            "Run resumes where it stopped; a finished folder is only read."
        )
    else:
        st.caption(
            f"The search's runs of {days} days are written to `{shown(folder)}` run by run; Run "
            "resumes where it stopped."
        )
    if full.base.scenario.model:
        st.warning(
            f"The base scenario names model file(s) {', '.join(full.base.scenario.model)}; the app "
            "runs the sweep on the building chosen in the sidebar."
        )
    if st.button("Run the sweep", type="primary", icon=":material/play_arrow:", key="staffing_run_button"):
        twin = shared.current_twin()
        if twin is None:
            return None
        run(twin, loaded, folder, workers)
    last = st.session_state.get(LAST_RUN)
    if last is not None and last[0] == str(folder):
        st.success(last[1], icon=":material/check_circle:")
    return folder if (folder / META).is_file() else None


def run(twin: Any, loaded: LoadedSweep, folder: Path, workers: int) -> None:
    """Run what the folder does not hold yet, with a progress bar."""
    from twin.sweep.execute import run_sweep

    bar = st.progress(0.0, "Starting the sweep: compiling the variants…")

    def progress(done: int, total: int, message: str) -> None:
        bar.progress(done / total if total else 1.0, f"{done} of {total} runs — {message}")

    if not loaded.variants and loaded.sweep.search is not None:
        from twin.sweep.search import run_search

        try:
            found = run_search(twin, loaded, folder, workers=workers, progress=progress)
        except TwinError as exc:
            st.error(str(exc))
            return
        finally:
            bar.empty()
        st.session_state[LAST_RUN] = (str(folder), f"The search used {found.runs} runs: {found.stop_reason}.")
        return
    try:
        outcome = run_sweep(twin, loaded, folder, workers=workers, progress=progress)
    except TwinError as exc:
        st.error(str(exc))
        return
    finally:
        bar.empty()
    if outcome.ran == 0:
        text = f"All {outcome.total} runs were already done; nothing to run."
    else:
        rate = outcome.ran / outcome.wall_s if outcome.wall_s else 0.0
        text = (
            f"{outcome.ran} runs in {outcome.wall_s:.1f} s ({rate:.2f} runs/s on {outcome.workers} "
            f"worker processes); {outcome.already_done} were already done."
        )
    st.session_state[LAST_RUN] = (str(folder), text)


def chosen_folder() -> Path | None:
    folders = sweep_folders(Path.cwd() / SWEEPS)
    left, right = st.columns(2)
    typed = right.text_input(
        "Or a folder path",
        key="staffing_folder_path",
        placeholder="sweeps/night",
        help="A folder written by `twin sweep FILE --out DIR` (finished or not); "
        "relative paths start at the folder the app runs in.",
    ).strip()
    if folders:
        name = left.selectbox(
            "Sweep folder (sweeps/)",
            list(folders),
            key="staffing_folder",
            disabled=bool(typed),
            help="Folders under sweeps/ holding a sweep.json, newest first.",
        )
    else:
        name = None
        left.caption(
            "No sweep folders in sweeps/ yet: run a sweep on this page, or "
            "`twin sweep FILE --out sweeps/NAME`."
        )
    if typed:
        return Path(typed).expanduser()
    if name is None:
        st.info("Type the path of a sweep folder, or run a sweep first.")
        return None
    return folders[name]


def _stamp(folder: Path) -> tuple[float, ...]:
    """When the folder's files last changed (a running sweep adds rows: read it again)."""
    return tuple(
        (folder / f).stat().st_mtime if (folder / f).is_file() else 0.0
        for f in (META, "manifest.jsonl", "results.parquet")
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def read_folder(path: str, stamp: tuple[float, ...]) -> SweepResults:
    return read_sweep(Path(path))


def shown(folder: Path) -> str:
    """A folder as the page names it: relative to the current folder when inside it."""
    try:
        return str(folder.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(folder)


def targets_text(meets: dict[str, float], targets: dict[str, Any]) -> str:
    if not meets:
        return "It sets no compliance target."
    parts = [
        f"{share:.0%} of {p} incidents within {targets.get(p, {}).get('on_site_min', math.nan):g} min"
        for p, share in meets.items()
    ]
    return "A variant meets the targets when a qualified person is on site for " + " and ".join(parts) + "."


# -------------------------------------------------------------------------------------- results


def results(res: SweepResults, report: SweepReport, *, from_folder: bool) -> None:
    meta = res.meta
    st.divider()
    st.header(f"Results: {report.name}")
    if from_folder and meta.get("description"):
        st.markdown(str(meta["description"]))
    st.caption(
        f"{report.replications_done} of {res.total_runs} runs of {report.period_days:g} days, from "
        f"`{shown(res.path)}`. Figures are means per period over the replications, with "
        f"{report.confidence:.0%} intervals."
    )
    if not report.variants:
        st.info("No run is recorded in this folder yet.")
        return
    if not report.complete:
        st.warning(
            f"The sweep is not finished ({report.replications_done} of {res.total_runs} runs): the "
            "figures are those of the runs so far. Run it again to finish it."
        )
    if "search" in meta:
        search_results(res, report)
    frame = rows_frame(report)
    answer(report)
    chart(report, frame, meta.get("targets", {}))
    variants_table(report, frame)
    evidence(report)
    utilisation(report)
    differences(report)
    downloads(res, report)


def answer(report: SweepReport) -> None:
    best = report.cheapest_meeting
    level = f"{report.confidence:.0%}"
    undecided = report.cheaper_undecided
    if best is None:
        if undecided:
            names = ", ".join(f"**{u.name}**" for u in undecided[:3])
            st.warning(
                f"Not enough evidence: no variant is shown to meet the targets at {level} confidence "
                f"yet; more replications could still show it for {names}.",
                icon=":material/help:",
            )
        else:
            st.warning(
                f"No variant meets the targets at {level} confidence in these runs.", icon=":material/cancel:"
            )
        return
    cost = best.means["cost_total"].value
    st.success(
        f"Cheapest variant meeting the targets at {level} confidence: **{best.name}**, {cost:,.0f} "
        f"per period. {best.driver}.",
        icon=":material/check_circle:",
    )
    for u in undecided[:3]:
        settle = [e.settle_replications for e in u.evidence.values() if e.verdict == "not enough evidence"]
        more = max((x for x in settle if x is not None), default=None)
        st.info(
            f"Cheaper, but not enough evidence yet: **{u.name}** ({u.means['cost_total'].value:,.0f}) — "
            + (
                f"about {more:,} replication-years would settle it."
                if more
                else "it sits on the target; no number of runs settles it."
            ),
            icon=":material/help:",
        )


def evidence(report: SweepReport) -> None:
    """What each verdict rests on: incidents per targeted priority and what drives the verdict."""
    st.subheader("Evidence behind each verdict")
    rows = []
    for i, v in enumerate(report.variants, 1):
        row: dict[str, Any] = {"#": i, "variant": v.name, "verdict": v.verdict}
        for p, e in v.evidence.items():
            if e.target is None and not e.incidents:
                continue
            row[f"{p} on time / incidents"] = f"{e.on_time} / {e.incidents}"
            row[f"{p} worth (independent)"] = round(e.effective_n, 1)
            row[f"{p} verdict"] = e.verdict + (
                f" ({e.settle_replications:,} reps would settle it)" if e.settle_replications else ""
            )
        row["what drives it"] = v.driver
        rows.append(row)
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        key="staffing_evidence",
        column_config={"variant": st.column_config.TextColumn(pinned=True)},
    )
    st.caption(
        f"Verdicts at {report.confidence:.0%} confidence: *meets* when the whole interval of the "
        "share reaches the target, *misses* when it falls wholly short, *not enough evidence* when it "
        "straddles the target (with the replications that would settle it), *none happened* when no "
        "incident of that priority occurred. Incidents in one replication are not independent: "
        "“worth” is what they count for after the cluster design effect; the interval is "
        "Clopper–Pearson on that effective number."
    )


def utilisation(report: SweepReport) -> None:
    posts = sorted({k for v in report.variants for k in v.utilisation})
    if not posts:
        return
    st.subheader("Utilisation")
    table = pd.DataFrame({"variant": [v.name for v in report.variants]})
    for k in posts:
        table[k.replace(":", " · ")] = [
            100 * v.utilisation[k].value if k in v.utilisation else None for v in report.variants
        ]
    st.dataframe(
        table,
        hide_index=True,
        key="staffing_utilisation",
        column_config={k.replace(":", " · "): st.column_config.NumberColumn(format="%.0f %%") for k in posts},
    )
    st.caption(
        "Share of each shift's post hours spent on tasks (travel and work), mean per period: shift · "
        "post (a person's first trade). Per person in the report download."
    )


def search_results(res: SweepResults, report: SweepReport) -> None:
    """A search folder: its progress, answer, frontier and what it ruled out."""
    from twin.sweep.search import erlang_text, read_search

    meets = dict(res.meta.get("meets", {}))
    found = read_search(res.path)
    st.subheader("Search")
    st.caption(
        f"{res.meta.get('procedure', '')}: {len(found.names)} rosters; {found.runs} runs "
        f"{'used' if found.finished else 'planned so far'} against {found.enumeration_runs} to "
        "enumerate them all at the replication cap."
    )
    if not found.finished:
        # The runs of the rounds so far that are recorded (a folder may hold more: runs a search
        # with other run counts made, which this one's rounds do not use).
        done = found.runs - len(found.pending)
        st.progress(
            min(1.0, done / max(found.runs, 1)),
            f"Round {len(found.rounds)}: {done} of {found.runs} runs done",
        )
    best = found.answer
    if found.finished:
        if best:
            st.success(
                f"The search's answer: **{best.name}**, {best.cost:,.0f} per period ({best.reason}). "
                f"It stopped because {found.stop_reason}.",
                icon=":material/search:",
            )
        else:
            st.warning(
                f"The search found no roster shown to meet the targets: {found.stop_reason}.",
                icon=":material/search_off:",
            )
    first = next(iter(meets), "red")
    front = found.frontier(first)
    if front:
        st.markdown(
            f"**Cost–compliance frontier ({first}):** "
            + " → ".join(f"{j.name} ({j.cost:,.0f}, {j.shares[first][0]:.1%})" for j in front)
        )
    out = [j for j in found.judged if j.status in ("infeasible", "dominated", "not enough evidence")]
    if out:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "roster": j.name,
                        "status": j.status,
                        "replications": j.replications,
                        "cost": j.cost,
                        "why": j.reason,
                    }
                    for j in out
                ]
            ),
            hide_index=True,
            key="staffing_ruled_out",
            column_config={"cost": st.column_config.NumberColumn(format="localized")},
        )
    text = erlang_text(res.path)
    if text:
        st.code(text, language=None)


def priorities_seen(frame: pd.DataFrame) -> list[str]:
    return [p for p in PRIORITIES if frame[f"{p}_compliance"].notna().any()]


def chart(report: SweepReport, frame: pd.DataFrame, targets: dict[str, Any]) -> None:
    st.subheader("Cost against compliance")
    seen = priorities_seen(frame)
    if not seen:
        st.info("No incident happened in these runs: there is no compliance to plot.")
        return
    first = next((p for p in report.meets if p in seen), seen[0])
    prio = st.radio(
        "Priority",
        seen,
        index=seen.index(first),
        key="staffing_priority",
        horizontal=True,
        format_func=lambda p: p + (f" (target {report.meets[p]:.0%})" if p in report.meets else ""),
    )
    minutes = targets.get(prio, {}).get("on_site_min")
    fig = cost_compliance_figure(
        frame,
        prio,
        share=report.meets.get(prio),
        minutes=minutes,
        best=report.cheapest_meeting.name if report.cheapest_meeting else None,
        level=report.confidence,
    )
    st.plotly_chart(fig, key="staffing_chart", theme=None, config={"displaylogo": False})
    st.caption(
        "Each point is a variant, numbered as in the table below: across, its mean cost per period; "
        f"up, the share of its {prio} incidents with a qualified person on site within "
        f"{'target' if minutes is None else f'{minutes:g} min'}, pooled over the replications. The "
        f"bars are {report.confidence:.0%} intervals. Filled circles meet every target of the sweep "
        "at that confidence, open circles miss one, open diamonds lack the evidence to tell; the star "
        "is the cheapest variant meeting them, the dotted line the cost–compliance frontier (each "
        "variant that reaches more than every cheaper one). The dashed line is this priority's target "
        "share. Variants on the same point share a label (“2, 3”): the same cost and cover."
    )


def variants_table(report: SweepReport, frame: pd.DataFrame) -> None:
    st.subheader("Variants")
    seen = priorities_seen(frame)
    table = pd.DataFrame({"#": range(1, len(frame) + 1), "variant": frame["variant"], "runs": frame["runs"]})
    config: dict[str, Any] = {
        "#": st.column_config.NumberColumn(width=40, pinned=True),
        "variant": st.column_config.TextColumn(pinned=True),
        "runs": st.column_config.NumberColumn(width=50),
    }
    for p in seen:
        table[f"{p} on time (%)"] = 100 * frame[f"{p}_compliance"]
        table[f"{p} interval"] = [
            interval_text(lo, hi, scale=100)
            for lo, hi in zip(frame[f"{p}_low"], frame[f"{p}_high"], strict=True)
        ]
        config[f"{p} on time (%)"] = st.column_config.NumberColumn(format="%.1f")
    for p in seen:
        table[f"{p} p90 (min)"] = frame[f"{p}_p90_min"]
        config[f"{p} p90 (min)"] = st.column_config.NumberColumn(format="%.1f")
    table["cost"] = frame["cost"]
    table["cost interval"] = [
        interval_text(lo, hi, digits=0) for lo, hi in zip(frame["cost_low"], frame["cost_high"], strict=True)
    ]
    config["cost"] = st.column_config.NumberColumn(format="localized", step=1)
    table["verdict"] = frame["verdict"]
    st.dataframe(table, hide_index=True, key="staffing_table", column_config=config)
    targets = ", ".join(f"{p} ≥ {s:.0%}" for p, s in report.meets.items()) or "none"
    st.caption(
        f"Intervals at {report.confidence:.0%}. On time: incidents with a qualified person on site "
        "within their priority's target, pooled over the replications (Clopper–Pearson on the "
        "effective number of incidents). p90: the 90th percentile of minutes from report to on site "
        "over every incident of every replication. Cost: roster, on-call and contractor cost per "
        f"period (bootstrap interval over replications). Targets: {targets}."
    )


def _signed(e: dict[str, float | None], *, scale: float = 1.0, digits: int = 1) -> str:
    v, lo, hi = e["value"], e["low"], e["high"]
    if v is None:
        return "–"
    text = f"{scale * v:+,.{digits}f}"
    if lo is not None and hi is not None:
        text += f" [{scale * lo:+,.{digits}f}, {scale * hi:+,.{digits}f}]"
    return text


def differences(report: SweepReport) -> None:
    if not report.differences:
        return
    st.subheader(f"Paired differences against “{report.variants[0].name}”")
    diffs = report.differences
    seen = [p for p in PRIORITIES if any(d[f"{p}_compliance"]["value"] is not None for d in diffs)]
    rows = []
    for d in report.differences:
        row: dict[str, Any] = {"variant": d["variant"], "runs paired": d["replications"]}
        row |= {f"{p} on time (pts)": _signed(d[f"{p}_compliance"], scale=100) for p in seen}
        row |= {
            "cost": _signed(d["cost_total"], digits=0),
            "red p90 (min)": _signed(d["red_p90_min"]),
            "water let out (m³)": _signed(d["water_m3"]),
            "household·h without water": _signed(d["water_outage_household_h"]),
        }
        rows.append(row)
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        key="staffing_differences",
        column_config={"variant": st.column_config.TextColumn(pinned=True)},
    )
    st.caption(
        "Replication r of every variant met the same incidents, so each difference is taken run by "
        f"run — its {report.confidence:.0%} interval [in brackets] is far narrower than the two "
        "variants' intervals suggest. An interval that does not include 0 is a difference the runs "
        "show clearly."
    )


def downloads(res: SweepResults, report: SweepReport) -> None:
    import io

    st.subheader("Take it away")
    name = res.path.name or "sweep"

    def parquet() -> bytes:
        buf = io.BytesIO()
        res.rows.to_parquet(buf, index=False)
        return buf.getvalue()

    a, b, c = st.columns(3)
    a.download_button(
        "Runs (.parquet)",
        data=parquet,
        file_name=f"{name}-results.parquet",
        mime="application/vnd.apache.parquet",
        icon=":material/table:",
        key="staffing_download_parquet",
        help="One row per run: what results.parquet of the sweep folder holds.",
    )
    b.download_button(
        "Runs (.csv)",
        data=lambda: res.rows.to_csv(index=False).encode(),
        file_name=f"{name}-results.csv",
        mime="text/csv",
        icon=":material/csv:",
        key="staffing_download_csv",
        help="The same rows as CSV, for a spreadsheet.",
    )
    c.download_button(
        "Report (.json)",
        data=lambda: json.dumps(report.to_json(), indent=2, ensure_ascii=False),
        file_name=f"{name}-report.json",
        mime="application/json",
        icon=":material/data_object:",
        key="staffing_download_json",
        help="What `twin sweep-report DIR --json` prints.",
    )
    from twin.sweep.report import format_report

    with st.expander("The report as text (`twin sweep-report`)"):
        st.code(format_report(report), language=None)


show()
