"""What a scenario asks of a building that the building cannot give: every problem at once.

Takes a twin and a loaded scenario, gives :class:`Preflight`: the scenario's places that name
nothing in the building (all of them, not the first), and what a drill on this model cannot do —
no space water could fill, no entrance to arrive at, a task nobody on the roster can take, an
incident nobody is sent to. The last two come from running the drill once, so they hold for
whatever the hazards and the engine do, with nothing listed twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from twin.scenario import LoadedScenario
from twin.twin import Twin


@dataclass(frozen=True, slots=True)
class Preflight:
    errors: tuple[str, ...]
    """Fields that name nothing in the building, each with its file line and fix."""
    cannot: tuple[str, ...]
    """What a drill on this model cannot do, in words a user can act on."""


def preflight(twin: Twin, loaded: LoadedScenario, *, run_drill: bool = True) -> Preflight:
    """Check ``loaded`` against ``twin``; see the module docstring."""
    from twin.drill import check_drill, variant

    check = check_drill(twin, loaded)
    scenario = loaded.scenario
    cannot = _cannot(twin, scenario)
    drill = check.drill
    current: Any = scenario
    if drill is None and run_drill:
        # The trial run goes on with the items at fault set aside.
        current = _set_aside(scenario, [e.loc for e in check.found])
        drill = None if current is None else check_drill(twin, variant(loaded, current)).drill
    if drill is not None and run_drill and current is not None and current.people:
        cannot += _tasks_nobody_takes(twin, current, drill)
    return Preflight(check.errors, tuple(cannot))


def _set_aside(scenario: Any, locs: list[tuple[str | int, ...]]) -> Any | None:
    """The scenario without the items the field errors at ``locs`` point at (None when one
    points at no item: nothing is left to try)."""
    drop: dict[tuple[str, ...], set[int]] = {}
    for loc in locs:
        if loc and loc[0] == "contractors" and (len(loc) == 1 or not isinstance(loc[1], int)):
            drop.setdefault(("contractors",), set()).add(-1)
        elif len(loc) >= 2 and loc[0] in ("people", "hazards", "contractors") and isinstance(loc[1], int):
            drop.setdefault((str(loc[0]),), set()).add(loc[1])
        elif (
            len(loc) >= 3
            and loc[0] == "overlay"
            and loc[1] in ("equipment", "links")
            and isinstance(loc[2], int)
        ):
            drop.setdefault(("overlay", str(loc[1])), set()).add(loc[2])
        else:
            return None
    update: dict[str, Any] = {}
    overlay: dict[str, Any] = {}
    for where, gone in drop.items():
        owner = scenario.overlay if where[0] == "overlay" else scenario
        items = list(getattr(owner, where[-1]))
        kept = [] if -1 in gone else [x for i, x in enumerate(items) if i not in gone]
        if where[0] == "overlay":
            overlay[where[1]] = kept
        else:
            update[where[0]] = kept
    if "people" in update:
        ids = {p.id for p in update["people"]}
        update["people"] = [
            p if p.backup is None or p.backup in ids else p.model_copy(update={"backup": None})
            for p in update["people"]
        ]
    if overlay:
        update["overlay"] = scenario.overlay.model_copy(update=overlay)
    return scenario.model_copy(update=update)


def _cannot(twin: Twin, scenario: Any) -> list[str]:
    model, graph = twin.model, twin.graph
    out = []
    if not model.spaces:
        out.append(
            "the model has no spaces: nobody can be based in a room, and water from a burst "
            "has no space to fill — federate it with the architecture model "
            "(twin validate/run take several IFC files)"
        )
    if graph.n_edges == 0:
        out.append(
            "the navigation graph has no links: nobody can walk anywhere — check "
            "`twin inspect` for the reason"
        )
    if graph.entrances.size == 0:
        who = (
            "contractors and people called out from home"
            if scenario.contractors or any(p.on_call for p in scenario.people)
            else "contractors"
        )
        out.append(
            f"the building has no entrance (no door in its façade on the ground floor): "
            f"{who} have nowhere to arrive — check that the façade doors are exported"
        )
    return out


def _tasks_nobody_takes(twin: Twin, scenario: Any, drill: Any) -> list[str]:
    """Run the drill once; tasks no one on the roster is qualified for, incidents no one is sent to."""
    from twin.engine import run

    result = run(twin, scenario, drill=drill, trace_moves=False)
    frame = result.log.frame
    levels: dict[str, int] = {}
    for who in (*scenario.people, *scenario.contractors):
        for trade, level in who.trades.items():
            levels[trade] = max(levels.get(trade, 0), int(level))
    titles = {
        int(r.incident): str(r.detail).split("|")[-1] for r in frame[frame["kind"] == "incident"].itertuples()
    }
    out = []
    seen: set[tuple[str, str]] = set()
    for r in frame[frame["kind"] == "task"].itertuples():
        name, _, alts = str(r.detail).partition("|")
        needs = [a.split(":") for a in alts.split(" or ") if ":" in a]
        if any(levels.get(t, 0) >= int(lv) for t, lv in needs):
            continue
        key = (name, alts)
        if key in seen:
            continue
        seen.add(key)
        title = titles.get(int(r.incident), "an incident")
        out.append(
            f"{title}: task '{name}' needs {alts} and nobody on the roster has it — it is "
            "never done, so the incident is never resolved; add a person with that trade"
        )
    dispatched = set(frame.loc[frame["kind"] == "dispatched", "incident"].astype(int))
    for inc, title in sorted(titles.items()):
        if inc not in dispatched:
            out.append(f"{title}: nobody was dispatched to it in a trial run")
    return out
