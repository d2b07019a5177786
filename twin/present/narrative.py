"""The event log in words: one sentence per event, for the people reading a drill afterwards.

Takes an event log frame (:data:`twin.events.log.COLUMNS`) and the scenario (for people's names),
gives a sentence per row — "N-SEC1 · Guard sent to Riser valve B L14 to close the valve (about
1.2 min away)" instead of codes such as ``clean up|general:1 or …`` and ``None``. One function per
kind, in a registry: a new kind is one more entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from twin.events.log import incident_parts, task_fields
from twin.present.names import people_names as roster_names
from twin.scenario.schema import Scenario
from twin.words import plural

#: The facts of one event a sentence is made of.
Row = Mapping[str, Any]


def _who(r: Row) -> str:
    return str(r["who"]) or "someone"


def _at(r: Row) -> str:
    return f" at {r['place']}" if r["place"] else ""


def _minutes(seconds: float) -> str:
    return "" if math.isnan(seconds) else f"{seconds / 60:.1f} min"


def _needs(alternatives: str) -> str:
    """``plumber:1 or general:1`` → ``a plumber (level 1+) or a general hand (level 1+)``."""
    words = []
    for alt in alternatives.split(" or "):
        trade, _, level = alt.partition(":")
        words.append(f"{trade} (level {level}+)" if level else trade)
    return " or ".join(words)


def _task(r: Row) -> str:
    name, needs = task_fields(str(r["detail"]))
    return f"New task “{name}”{_at(r)}, for {_needs(needs)}" if needs else f"New task “{name}”{_at(r)}"


def _incident(r: Row) -> str:
    _, prio, title = incident_parts(str(r["detail"]), r["value"])
    return f"Incident ({prio}): {title}" if not math.isnan(r["value"]) else f"Incident: {title}"


def _switch(on: str, off: str) -> Callable[[Row], str]:
    def sentence(r: Row) -> str:
        what = str(r["detail"]).split(":")[0] or r["place"]
        return f"{what} {on if r['value'] == 1 else off}"

    return sentence


SENTENCES: dict[str, Callable[[Row], str]] = {
    "background": lambda r: (
        f"{plural(int(r['value']), 'background job')} drawn for the period"
        + (f" ({r['detail']})" if r["detail"] else "")
    ),
    "hazard": lambda r: str(r["detail"][:1].upper() + r["detail"][1:]) if r["detail"] else f"Hazard{_at(r)}",
    "incident": _incident,
    "reported": lambda r: "Reported" + (f" by {r['detail']}" if r["detail"] else ""),
    "task": _task,
    "dispatched": lambda r: (
        f"{_who(r)} sent to {r['place']} to {r['detail'] or 'work'}"
        + (f" (about {_minutes(r['value'])} away)" if _minutes(r["value"]) else "")
    ),
    "callout": lambda r: f"{_who(r)} called out; arrives in about {_minutes(r['value'])}",
    "on_site": lambda r: f"{_who(r)} arrives{_at(r)}" + (f" to {r['detail']}" if r["detail"] else ""),
    "work": lambda r: (
        f"{_who(r)} starts work{_at(r)}" + (f", about {_minutes(r['value'])}" if _minutes(r["value"]) else "")
    ),
    "preempted": lambda r: f"{_who(r)} taken off “{r['detail']}” for more urgent work",
    "done": lambda r: f"{_who(r)} finishes “{r['detail']}”" if r["detail"] else f"{_who(r)} finishes",
    "made_safe": lambda r: f"Made safe{_at(r)}",
    "resolved": lambda r: f"Resolved: every task done{_at(r)}",
    "move": lambda r: f"{_who(r)} passes {r['place'] or 'a point of the route'}",
    "rerouted": lambda r: f"Routes change: {r['detail'].removeprefix('building changed: ')}",
    "blocked": lambda r: f"{_who(r)} has no way to {r['place'] or 'the task'} in the building as it is",
    "depth": lambda r: f"Water {r['value'] * 100:.1f} cm deep in {r['place']}",
    "water": lambda r: f"Water {r['detail']}: {r['value']:,.1f} m³",
    "power": _switch("has power again", "loses power"),
    "lift": lambda r: f"{r['detail']} runs again" if r["value"] == 1 else f"{r['detail']} stops{_at(r)}",
    "entrapment": lambda r: f"{plural(int(r['value']), 'person')} trapped in {r['detail']}{_at(r)}",
    "valve": lambda r: f"Valve {r['place']} {'opened' if r['value'] == 1 else 'closed'}",
    "supply": lambda r: f"{plural(int(r['value']), 'household')} without {r['detail']}",
    "cost": lambda r: f"Cost: {r['value']:,.0f} ({r['detail']}" + (f", {r['who']})" if r["who"] else ")"),
    "damage": lambda r: f"Damage tally: {r['detail'].replace('_', ' ')} = {r['value']:,.2f}",
    "end": lambda r: "The drill ends",
}


def people_names(scenario: Scenario) -> dict[str, str]:
    """Person and contractor ids → ``"N-SEC1 · Guard (valve trained)"``."""
    return {k: f"{k} · {v}" if v != k else k for k, v in roster_names(scenario).items()}


def event_sentences(frame: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """One sentence per row of ``frame`` (same index)."""
    names = people_names(scenario)
    out = []
    for kind, person, place, value, detail in zip(
        frame["kind"].astype(str),
        frame["person"].fillna(""),
        frame["place"].fillna(""),
        frame["value"].astype(float),
        frame["detail"].fillna(""),
        strict=True,
    ):
        row = {"who": names.get(person, person), "place": place, "value": value, "detail": str(detail)}
        say = SENTENCES.get(kind)
        out.append(say(row) if say else f"{kind}{_at(row)}")
    return pd.Series(out, index=frame.index, dtype="string")
