"""The scorecard: a run's KPIs as the text table a trainer reads after a drill.

Takes :class:`~twin.kpi.Kpis` and the scenario, gives plain text (the CLI prints it; the app
shows the same rows as a table through :func:`scorecard_rows`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from twin.kpi import Kpis
from twin.scenario.schema import Scenario
from twin.words import plural, shorten


def _m(v: Any) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{float(v):.1f}"


def _ok(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return " "
    return "✓" if bool(v) else "✗"


def _against(v: Any, target: Any, met: Any, *, mark: str = "") -> str:
    """A time against its target: ``1.3 / 15 ✓``; just the time when there is no target."""
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return f"{_m(v)}{mark}"
    return f"{_m(v)}{mark} / {float(target):g} {_ok(met)}"


#: The scorecard's columns and what each means (printed under the title; the app and the report
#: show the same words).
COLUMNS: dict[str, str] = {
    "#": "incident number",
    "priority": "red emergency, yellow urgent, blue routine",
    "incident": "what happened and where",
    "began": "minutes into the drill when it began",
    "reported after": "minutes from its beginning until someone reported it",
    "dispatched": "minutes from the report until someone was sent",
    "on site": "minutes from the report until the first qualified person arrived, against the target",
    "made safe": "minutes from the report until it was made safe (isolated), against the target",
    "resolved": "minutes from the report until it was resolved, against the target",
}
LEGEND = (
    "times in minutes: “began” from the start of the drill, “reported after” from the incident's beginning;",
    "dispatched, on site, made safe and resolved from the report, as time / target: ✓ met, ✗ missed, — never",
)
#: Widest incident title the text scorecard prints; longer ones are cut at a word and given in
#: full under the table.
TITLE_WIDTH = 40


@dataclass(frozen=True, slots=True)
class PriorityFigures:
    """Response to the incidents of one priority, as the scorecard and the report word it."""

    priority: str
    incidents: int
    on_site_compliance: float
    target_min: float
    mean_min: float
    p90_min: float


def priority_figures(kpis: Kpis, scenario: Scenario) -> list[PriorityFigures]:
    """Per priority that had incidents: how many, the share on site within the target, the
    target, and the mean and 90th percentile of minutes from report to on site."""
    s = kpis.summary
    return [
        PriorityFigures(
            p,
            int(s[f"{p}_incidents"]),
            s[f"{p}_on_site_compliance"],
            scenario.targets.of(p).on_site_min,
            s[f"{p}_mean_on_site_min"],
            s[f"{p}_p90_on_site_min"],
        )
        for p in ("red", "yellow", "blue")
        if int(s[f"{p}_incidents"])
    ]


def scorecard_rows(kpis: Kpis) -> list[dict[str, str]]:
    """One row per incident (keys :data:`COLUMNS`): what happened, when, and each time against
    its target."""
    rows = []
    for r in kpis.incidents.to_dict("records"):
        rows.append(
            {
                "#": str(r["incident"]),
                "priority": str(r["priority"]),
                "incident": str(r["title"]),
                "began": _m(r["event_min"]),
                "reported after": _m(r["report_delay_min"]),
                "dispatched": _m(r["dispatch_min"]),
                "on site": _against(r["on_site_min"], r["target_on_site_min"], r["on_site_met"]),
                "made safe": _against(
                    r["made_safe_min"],
                    r.get("target_made_safe_min"),
                    r["made_safe_met"],
                    mark="*" if r.get("safe_before_report") else "",
                ),
                "resolved": _against(r["resolved_min"], r.get("target_resolved_min"), r["resolved_met"]),
            }
        )
    return rows


def format_scorecard(kpis: Kpis, scenario: Scenario, *, seed: int) -> str:
    rows = scorecard_rows(kpis)
    lines = [f"{scenario.name} — seed {seed}, {scenario.duration_h:g} h from {scenario.start:%Y-%m-%d %H:%M}"]
    lines.extend(LEGEND)
    cut: list[str] = []
    if rows:
        cols = list(rows[0])
        for r in rows:
            short = shorten(r["incident"], TITLE_WIDTH)
            if short != r["incident"]:
                cut.append(f"  #{r['#']} {r['incident']}")
            r["incident"] = short
        width = {c: max(len(c), *(len(r[c]) for r in rows)) for c in cols}
        text_cols = ("#", "priority", "incident")

        def line(cells: dict[str, str]) -> str:
            return "  ".join(
                cells[c].ljust(width[c]) if c in text_cols else cells[c].rjust(width[c]) for c in cols
            ).rstrip()

        lines.append(line({c: c for c in cols}))
        lines.extend(line(r) for r in rows)
        if cut:
            lines.append("in full:")
            lines.extend(cut)
        if any(r["made safe"].split(" ")[0].endswith("*") for r in rows):
            lines.append(
                "* made safe before it was reported (e.g. the standby generator took the load "
                "at once): counted as 0"
            )
    else:
        lines.append("(no incidents)")
    s = kpis.summary
    money = scenario.currency
    lines.append("")
    for f in priority_figures(kpis, scenario):
        lines.append(
            f"{f.priority:<7} {plural(f.incidents, 'incident')}: {f.on_site_compliance:.0%} on site within "
            f"{f.target_min:g} min; mean {_m(f.mean_min)} min, p90 {_m(f.p90_min)} min"
        )
    lines.append(
        f"water   {s['water_m3']:.1f} m³ let out, {s['wetted_m2h']:.0f} m²·h wetted, deepest "
        f"{s['max_depth_m'] * 100:.1f} cm, {plural(int(s['spaces_damaged']), 'space')} over 15 cm"
    )
    if s["entrapments"]:
        lines.append(
            f"lifts   {plural(int(s['entrapments']), 'entrapment')}, "
            f"longest {s['entrapment_max_min']:.1f} min"
        )
    lines.append(
        f"outage  {s['water_outage_household_h']:.0f} household·h without water, "
        f"{s['power_outage_household_h']:.0f} without power"
    )
    busy = post_utilisation_text(s)
    if busy:
        lines.append(f"busy    {busy}")
    lines.append(
        f"cost    {money} {s['cost_total']:,.0f} (labour {s['cost_labour']:,.0f}, call-outs "
        f"{s['cost_callout']:,.0f}, contractors {s['cost_contractor']:,.0f})"
    )
    if s["contractor_penalties"]:
        lines.append(
            f"credit  {money} {s['contractor_penalties']:,.0f} in penalties late contractors owe "
            "(not taken off the cost)"
        )
    return "\n".join(lines)


def post_utilisation_text(summary: dict[str, float]) -> str:
    """``day: plumber 34%, electrician 41%; night: …`` from the ``utilisation:<shift>:<post>``
    figures (share of the post's shift hours on tasks)."""
    by_shift: dict[str, list[str]] = {}
    for key, value in summary.items():
        if key.startswith("utilisation:"):
            _, shift, post = key.split(":", 2)
            by_shift.setdefault(shift, []).append(f"{post} {_pct(value)}")
    if not by_shift:
        return ""
    return (
        "; ".join(f"{shift}: {', '.join(posts)}" for shift, posts in by_shift.items())
        + " of shift hours on tasks"
    )


def _pct(v: float) -> str:
    return "—" if math.isnan(v) else f"{v:.0%}"
