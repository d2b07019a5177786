"""Reading scenario files: YAML text → a validated :class:`Scenario`, errors with file and line.

The I/O edge of the scenario stage. Every error names the file, the line, the field and the fix:
``scenarios/night.yaml:14: people[2].trades: unknown trade 'plumer' (did you mean: plumber?)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from twin.errors import TwinError
from twin.scenario.schema import Scenario

Loc = tuple[str | int, ...]

#: The bundled demo drill, run by ``twin run`` with no scenario.
DEFAULT_SCENARIO = "night_riser_burst.yaml"

#: Scenario files larger than this are refused (a scenario is a page of YAML, not a data dump).
MAX_BYTES = 2_000_000


class ScenarioError(TwinError):
    """A scenario file cannot be read, or says something invalid."""


class FieldError(ScenarioError):
    """A field of a valid scenario that does not fit the building (a place it does not have)."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(f"{format_loc(loc)}: {message}")
        self.loc = loc
        self.message = message


@dataclass(frozen=True, slots=True)
class LoadedScenario:
    """A validated scenario and where it came from, so later errors can name a line."""

    scenario: Scenario
    path: Path | None
    lines: dict[Loc, int] = field(default_factory=dict)

    def where(self, loc: Loc) -> str:
        """``"file.yaml:12: people[0].base"`` for a field path."""
        name = str(self.path) if self.path else "<scenario>"
        line = _nearest_line(self.lines, loc)
        return f"{name}:{line}: {format_loc(loc)}" if line else f"{name}: {format_loc(loc)}"

    def locate_error(self, exc: FieldError) -> ScenarioError:
        """The same error, now naming this scenario's file and line."""
        return ScenarioError(f"{self.where(exc.loc)}: {exc.message}")

    def model_paths(self) -> list[Path]:
        """The scenario's model files, relative to the scenario file's folder."""
        base = self.path.parent if self.path else Path.cwd()
        return [(base / p) if not Path(p).is_absolute() else Path(p) for p in self.scenario.model]


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def scenarios_dir() -> Path:
    """The shipped ``scenarios/`` folder (installed with the package, or the checkout's)."""
    from twin.shipped import shipped_dir

    return shipped_dir("scenarios")


def default_scenario_path() -> Path:
    return scenarios_dir() / DEFAULT_SCENARIO


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read and validate a scenario file."""
    p = Path(path)
    if not p.exists():
        hint = ""
        try:
            shipped = sorted(x.name for x in scenarios_dir().glob("*.yaml"))
            hint = f"; shipped scenarios: {', '.join(shipped)}"
        except TwinError:
            pass
        raise ScenarioError(f"{p}: no such scenario file{hint}")
    loaded = parse_scenario(read_text(p, "the scenario"), source=p)
    bg = loaded.scenario.background
    if bg is not None and bg.rates and not Path(bg.rates).is_absolute():
        # Relative to the scenario file, like its models: fixed now so the scenario can travel
        # (to a worker process) without its folder.
        rates = str((p.parent / bg.rates).resolve())
        scenario = loaded.scenario.model_copy(update={"background": bg.model_copy(update={"rates": rates})})
        loaded = LoadedScenario(scenario, loaded.path, loaded.lines)
    return loaded


def parse_scenario(text: str, *, source: Path | None = None) -> LoadedScenario:
    """Validate scenario YAML text (``source`` names it in errors)."""
    scenario, lines = parse_yaml_model(
        text, Scenario, source=source, what="scenario is a YAML mapping (name:, people:, hazards: …)"
    )
    return LoadedScenario(scenario, source, lines)


M = TypeVar("M", bound=BaseModel)


def parse_yaml_model(
    text: str,
    model: type[M],
    *,
    source: Path | None = None,
    what: str,
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> tuple[M, dict[Loc, int]]:
    """YAML text → a validated ``model`` and the line of every field, or a one-line
    :class:`ScenarioError` naming the file, line and field. ``what`` completes "a … " in the
    error for text that is not a mapping; ``prepare`` may merge defaults into the data."""
    name = str(source) if source else f"<{model.__name__.lower()}>"
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # The context mark is where the broken construct starts (an unclosed "["), which is the
        # line to fix; the problem mark is where the parser gave up.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(
            f"{name}{line}: not valid YAML: {problem}; check indentation and quoting"
        ) from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{name}: a {what}, got {type(data).__name__}")
    lines = _line_map(node)
    try:
        return model.model_validate(prepare(data) if prepare else data), lines
    except ValidationError as exc:
        raise ScenarioError(_first_error(exc, name, lines)) from None


def read_yaml_model(
    path: Path,
    model: type[M],
    *,
    what: str,
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> tuple[M, dict[Loc, int]]:
    """Read a YAML file into ``model``, with the line of every field (see :func:`parse_yaml_model`)."""
    if not path.is_file():
        raise ScenarioError(
            f"{path}: no such file; check the path (relative paths start at the file naming it)"
        )
    return parse_yaml_model(read_text(path, "it"), model, source=path, what=what, prepare=prepare)


def read_text(path: Path, it: str) -> str:
    """A YAML file's text, refused when too large or not UTF-8 (``it`` names it in the fix)."""
    if path.stat().st_size > MAX_BYTES:
        raise ScenarioError(f"{path}: {path.stat().st_size} bytes is too large (limit {MAX_BYTES})")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text; save {it} as UTF-8 YAML") from None


def validation_errors(text: str, *, source: Path | None = None) -> list[str]:
    """Every problem in scenario text, one line each (empty when valid): for editors and the app."""
    name = str(source) if source else "<scenario>"
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        try:
            parse_scenario(text, source=source)
        except ScenarioError as exc:
            return [str(exc)]
        return []
    if not isinstance(data, dict):
        return [f"{name}: a scenario is a YAML mapping (name:, people:, hazards: …)"]
    try:
        Scenario.model_validate(data)
    except ValidationError as exc:
        lines = _line_map(node)
        return [_format_error(err, name, lines) for err in exc.errors()]
    return []


def schema_json() -> str:
    """The JSON Schema of scenario files, for editors (``# yaml-language-server: $schema=…``)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "DrillTwin scenario"
    return json.dumps(schema, indent=2, default=str)


# -- error locations --------------------------------------------------------------------------

_PATH_PREFIX = re.compile(r"^([A-Za-z_]\w*(?:\[\d+\]|\.[A-Za-z_]\w*)*): ")


def _first_error(exc: ValidationError, name: str, lines: dict[Loc, int]) -> str:
    errors = exc.errors()
    first = _format_error(errors[0], name, lines)
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return first + more


def _format_error(err: Any, name: str, lines: dict[Loc, int]) -> str:
    loc = _clean_loc(err["loc"])
    msg = str(err["msg"])
    msg = msg.removeprefix("Value error, ")
    match = _PATH_PREFIX.match(msg)
    if match:
        # A cross-field check names its own field path: use it for the line.
        loc = loc + _parse_loc(match.group(1))
        msg = msg[match.end() :]
    if err["type"] == "extra_forbidden":
        field_name = str(loc[-1]) if loc else ""
        msg = f"unknown field '{field_name}'; remove it or check its spelling (see `twin schema`)"
    elif err["type"] == "missing":
        msg = "required field is missing"
    elif err["type"] == "union_tag_invalid" or err["type"] == "union_tag_not_found":
        msg = msg.replace("Input tag", "kind").replace("found using 'kind'", "")
    line = _nearest_line(lines, loc)
    prefix = f"{name}:{line}" if line else name
    return f"{prefix}: {format_loc(loc)}: {msg}"


def _clean_loc(loc: Sequence[Any]) -> Loc:
    """Drop pydantic's union-member tags (``'pipe_burst'``, ``'float'``) from a location."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and (
            part in ("pipe_burst", "power_loss", "storm", "nearest", "priority", "skill", "manual")
            or part in ("fixed", "uniform", "triangular", "lognormal", "exponential", "float")
            or part.startswith("function-")
        ):
            continue
        out.append(part)
    return tuple(out)


def _parse_loc(text: str) -> Loc:
    out: list[str | int] = []
    for name, index in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", text):
        out.append(int(index) if index else name)
    return tuple(out)


def _line_map(node: Any, loc: Loc = ()) -> dict[Loc, int]:
    """Field path → 1-based line, for every mapping key and sequence item in a YAML tree."""
    out: dict[Loc, int] = {}
    if node is None:
        return out
    out[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*loc, str(key.value))
            out.update(_line_map(value, sub))
            out[sub] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.update(_line_map(item, (*loc, i)))
    return out


def _nearest_line(lines: dict[Loc, int], loc: Loc) -> int | None:
    for k in range(len(loc), -1, -1):
        if loc[:k] in lines:
            return lines[loc[:k]]
    return None
