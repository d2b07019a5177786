"""Inject files: a trainer's scripted injects, validated with file:line errors like scenarios.

A YAML file listing, for each inject, when (``at_min`` after the scenario's start), what
(``inject:``, one kind of :data:`~twin.live.injects.INJECTS` with its settings), the message the
trainees are shown and the action expected of them::

    name: Night burst, then the phone line goes
    injects:
      - at_min: 5
        inject: {kind: burst, at: Riser B L14}
        message: Water through the ceiling of flat B-14-03, says a resident on the phone
        expected:
          action: send the valve-trained guard to close the riser valve
          person: N-SEC1
          within_min: 10
      - at_min: 20
        inject: {kind: channel_down, channel: phone, duration_min: 45}
        message: The front desk's phone line is dead

Schema errors name the file and line (:func:`twin.scenario.load.parse_yaml_model`); places,
people and channels the drill does not have are found by :func:`check_script` (each located to
its line too) before an exercise starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import Field

from twin.engine.setup import Drill
from twin.errors import suggest
from twin.live.injects import INJECTS, InjectError, InjectSpec, check_inject
from twin.scenario.load import Loc, ScenarioError, parse_yaml_model, read_text, where_in
from twin.scenario.schema import _Frozen


class Expected(_Frozen):
    """The action expected of the trainees; ``person`` and ``within_min`` make it checkable."""

    action: str = Field(min_length=1, description="in words, for the after-action review")
    person: str | None = Field(None, description="who should be sent (a person's id)")
    within_min: float | None = Field(
        None, gt=0, description="someone on the way within this many minutes of the report"
    )


class ScriptedInject(_Frozen):
    at_min: float = Field(ge=0, description="minutes after the scenario's start")
    inject: Annotated[InjectSpec, INJECTS.field()]
    message: str = Field("", description="what the trainees are told")
    expected: Expected | None = None


class InjectScript(_Frozen):
    name: str = ""
    injects: list[ScriptedInject] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LoadedScript:
    """A validated inject file, its text and where each field is (for located errors)."""

    script: InjectScript
    text: str
    path: Path | None
    lines: dict[Loc, int] = field(default_factory=dict)

    def where(self, loc: Loc) -> str:
        """``"injects.yaml:12: injects[1].inject.at"`` for a field path."""
        return where_in(self.path, self.lines, loc, unnamed="<injects>")

    def order(self) -> list[int]:
        """Indices of the injects in the order they fire (by time, then as listed)."""
        items = self.script.injects
        return sorted(range(len(items)), key=lambda i: (items[i].at_min, i))


def parse_script(text: str, *, source: Path | None = None) -> LoadedScript:
    """Validate inject-file text (``source`` names it in errors): a :class:`ScenarioError`
    ``file:line: field: problem`` otherwise."""
    script, lines = parse_yaml_model(
        text, InjectScript, source=source, what="inject file is a YAML mapping (name:, injects: …)"
    )
    return LoadedScript(script, text, source, lines)


def load_script(path: str | Path) -> LoadedScript:
    """Read and validate an inject file."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: no such inject file")
    return parse_script(read_text(p, "the inject file"), source=p)


def check_script(loaded: LoadedScript, drill: Drill) -> tuple[str, ...]:
    """Every inject of the file that does not fit the drill (a place, lift, person or channel it
    does not have), one line each, located: ``file:line: injects[1].inject.at: …``."""
    out = []
    for i, item in enumerate(loaded.script.injects):
        try:
            check_inject(drill, item.inject)
        except InjectError as exc:
            out.append(f"{loaded.where(('injects', i, 'inject', *exc.loc))}: {exc.message}")
        person = item.expected.person if item.expected is not None else None
        ids = [c.id for c in drill.crew]
        if person is not None and person not in ids:
            out.append(
                f"{loaded.where(('injects', i, 'expected', 'person'))}: no person '{person}'"
                f"{suggest(person, ids)} in the scenario's roster"
            )
        if item.at_min * 60.0 > drill.scenario.duration_s:
            out.append(
                f"{loaded.where(('injects', i, 'at_min'))}: {item.at_min:g} min is after the scenario's end "
                f"({drill.scenario.duration_s / 60:g} min); move it earlier or lengthen the scenario"
            )
    return tuple(out)
