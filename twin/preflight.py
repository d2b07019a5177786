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

from twin.background.rates import scenario_rates
from twin.scenario import FieldError, LoadedScenario
from twin.twin import Twin

#: The list fields of a scenario whose items name places: an item with a bad place is set
#: aside so the check goes on with the rest.
LIST_FIELDS = ("people", "hazards", "contractors")
#: At most this many rounds of setting items aside (a scenario has far fewer bad items).
MAX_ROUNDS = 200


@dataclass(frozen=True, slots=True)
class Preflight:
    errors: tuple[str, ...]
    """Fields that name nothing in the building, each with its file line and fix."""
    cannot: tuple[str, ...]
    """What a drill on this model cannot do, in words a user can act on."""


def preflight(twin: Twin, loaded: LoadedScenario, *, run_drill: bool = True) -> Preflight:
    """Check ``loaded`` against ``twin``; see the module docstring."""
    from twin.engine import compile_drill

    scenario = loaded.scenario
    kept = {name: list(range(len(getattr(scenario, name)))) for name in LIST_FIELDS}
    overlay_kept = {name: list(range(len(getattr(scenario.overlay, name))))
                    for name in ("equipment", "links")}
    errors: list[str] = []
    rates = scenario_rates(scenario)  # read once: the engine reads no files
    current: Any = scenario
    drill = None
    for _ in range(MAX_ROUNDS):
        try:
            drill = compile_drill(twin, current, rates=rates)
            break
        except FieldError as exc:
            loc = list(exc.loc)
            original = _original_loc(loc, kept, overlay_kept)
            errors.append(str(loaded.locate_error(FieldError(tuple(original), exc.message))))
            current = _set_aside(current, loc, kept, overlay_kept)
            if current is None:
                break
    cannot = _cannot(twin, scenario)
    if drill is not None and run_drill and current is not None and current.people:
        cannot += _tasks_nobody_takes(twin, current, drill)
    return Preflight(tuple(errors), tuple(cannot))


def _original_loc(loc: list[Any], kept: dict[str, list[int]],
                  overlay_kept: dict[str, list[int]]) -> list[Any]:
    if len(loc) >= 2 and loc[0] in kept and isinstance(loc[1], int) and loc[1] < len(kept[loc[0]]):
        return [loc[0], kept[loc[0]][loc[1]], *loc[2:]]
    if (len(loc) >= 3 and loc[0] == "overlay" and loc[1] in overlay_kept and isinstance(loc[2], int)
            and loc[2] < len(overlay_kept[loc[1]])):
        return [loc[0], loc[1], overlay_kept[loc[1]][loc[2]], *loc[3:]]
    return loc


def _set_aside(scenario: Any, loc: list[Any], kept: dict[str, list[int]],
               overlay_kept: dict[str, list[int]]) -> Any | None:
    """The scenario without the item a FieldError points at (None when it points at none)."""
    if loc and loc[0] == "contractors" and (len(loc) == 1 or not isinstance(loc[1], int)):
        kept["contractors"] = []
        return scenario.model_copy(update={"contractors": []})
    if len(loc) >= 2 and loc[0] in kept and isinstance(loc[1], int):
        items = list(getattr(scenario, loc[0]))
        del items[loc[1]]
        del kept[loc[0]][loc[1]]
        if loc[0] == "people":
            gone = scenario.people[loc[1]].id
            items = [p.model_copy(update={"backup": None}) if p.backup == gone else p for p in items]
        return scenario.model_copy(update={loc[0]: items})
    if len(loc) >= 3 and loc[0] == "overlay" and loc[1] in overlay_kept and isinstance(loc[2], int):
        items = list(getattr(scenario.overlay, loc[1]))
        del items[loc[2]]
        del overlay_kept[loc[1]][loc[2]]
        overlay = scenario.overlay.model_copy(update={loc[1]: items})
        return scenario.model_copy(update={"overlay": overlay})
    return None


def _cannot(twin: Twin, scenario: Any) -> list[str]:
    model, graph = twin.model, twin.graph
    out = []
    if not model.spaces:
        out.append("the model has no spaces: nobody can be based in a room, and water from a burst "
                   "has no space to fill — federate it with the architecture model "
                   "(twin validate/run take several IFC files)")
    if graph.n_edges == 0:
        out.append("the navigation graph has no links: nobody can walk anywhere — check "
                   "`twin inspect` for the reason")
    if graph.entrances.size == 0:
        who = "contractors and people called out from home" if scenario.contractors or any(
            p.on_call for p in scenario.people) else "contractors"
        out.append(f"the building has no entrance (no door in its façade on the ground floor): "
                   f"{who} have nowhere to arrive — check that the façade doors are exported")
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
    titles = {int(r.incident): str(r.detail).split("|")[-1]
              for r in frame[frame["kind"] == "incident"].itertuples()}
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
        out.append(f"{title}: task '{name}' needs {alts} and nobody on the roster has it — it is "
                   "never done, so the incident is never resolved; add a person with that trade")
    dispatched = set(frame.loc[frame["kind"] == "dispatched", "incident"].astype(int))
    for inc, title in sorted(titles.items()):
        if inc not in dispatched:
            out.append(f"{title}: nobody was dispatched to it in a trial run")
    return out
