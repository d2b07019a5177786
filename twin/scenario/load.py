"""Reading scenario files: YAML text → a validated :class:`Scenario`, errors with file and line.

The I/O edge of the scenario stage. Every error names the file, the line, the field and the fix:
``scenarios/night.yaml:14: people[2].trades: unknown trade 'plumer' (did you mean: plumber?)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from twin.errors import TwinError
from twin.scenario.schema import FILE, Scenario
from twin.text import decode_text
from twin.words import plural

Loc = tuple[str | int, ...]

#: The bundled demo drill, run by ``twin run`` with no scenario.
DEFAULT_SCENARIO = "night_riser_burst.yaml"


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
        return where_in(self.path, self.lines, loc, unnamed="<scenario>")

    def locate_error(self, exc: FieldError) -> ScenarioError:
        """The same error, now naming this scenario's file and line."""
        return ScenarioError(f"{self.where(exc.loc)}: {exc.message}")

    def model_paths(self) -> list[Path]:
        """The scenario's model files, relative to the scenario file's folder."""
        base = self.path.parent if self.path else Path.cwd()
        return [(base / p) if not Path(p).is_absolute() else Path(p) for p in self.scenario.model]


def where_in(path: Path | None, lines: dict[Loc, int], loc: Loc, *, unnamed: str) -> str:
    """``"file.yaml:12: people[0].base"``: a field path in a YAML file read with its ``lines``
    (``unnamed`` stands for a text that came from no file)."""
    name = str(path) if path else unnamed
    line = _nearest_line(lines, loc)
    return f"{name}:{line}: {format_loc(loc)}" if line else f"{name}: {format_loc(loc)}"


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
    if p.is_dir():
        raise ScenarioError(f"{p}: is a folder, not a scenario file — name the .yaml file inside it")
    return with_files_resolved(parse_scenario(read_text(p, "the scenario"), source=p), p.parent)


def with_files_resolved(
    loaded: LoadedScenario, folder: Path, *, inside: Sequence[Path] | None = None
) -> LoadedScenario:
    """The scenario with its rates file made absolute, relative to ``folder`` (fixed now so the
    scenario can travel to a worker process without its folder).

    With ``inside`` (the app), every file the scenario names must resolve within those folders;
    one that does not is a :class:`ScenarioError` naming its line — and it is never opened, so
    the answer says nothing about the server's files.
    """
    if inside is not None:
        roots = [r.resolve() for r in inside]
        for loc, value in file_references(loaded.scenario):
            target = (folder / value).resolve()
            if not any(target.is_relative_to(r) for r in roots):
                raise ScenarioError(
                    f"{loaded.where(loc)}: '{value}' is outside the upload's folder and DrillTwin's shipped "
                    "data, and the app reads no other file; name a shipped file or leave the field out "
                    "(rates: left out uses the default rates)"
                )
    bg = loaded.scenario.background
    if bg is not None and bg.rates and not Path(bg.rates).is_absolute():
        rates = str((folder / bg.rates).resolve())
        scenario = loaded.scenario.model_copy(update={"background": bg.model_copy(update={"rates": rates})})
        loaded = LoadedScenario(scenario, loaded.path, loaded.lines)
    return loaded


def file_references(obj: BaseModel, loc: Loc = ()) -> list[tuple[Loc, str]]:
    """Every file a scenario (or sweep, or any model of the schema) names, with its field path:
    the fields marked with :data:`twin.scenario.schema.FILE`."""
    out: list[tuple[Loc, str]] = []
    for name, info in type(obj).model_fields.items():
        value = getattr(obj, name)
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get(next(iter(FILE))):
            values = value if isinstance(value, list) else [value]
            out += [
                ((*loc, name, i) if isinstance(value, list) else (*loc, name), str(v))
                for i, v in enumerate(values)
                if v is not None
            ]
        else:
            items = (
                value.items()
                if isinstance(value, dict)
                else enumerate(value)
                if isinstance(value, list | tuple)
                else [(None, value)]
            )
            for key, item in items:
                if isinstance(item, BaseModel):
                    sub = (*loc, name) if key is None else (*loc, name, key)
                    out += file_references(item, sub)
    return out


def shipped_data_dirs() -> list[Path]:
    """The folders of data shipped with DrillTwin: scenarios, models and the default rates."""
    from twin.shipped import shipped_dir

    return [scenarios_dir(), shipped_dir("models"), Path(__file__).resolve().parents[1] / "background"]


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
    node, data = read_yaml(text, name)
    if not isinstance(data, dict):
        raise ScenarioError(f"{name}: a {what}, got {type(data).__name__}")
    lines = _line_map(node)
    try:
        return model.model_validate(prepare(data) if prepare else data), lines
    except ValidationError as exc:
        raise ScenarioError(_first_error(exc, name, lines)) from None


def read_yaml(text: str, name: str) -> tuple[Any, Any]:
    """YAML text → (its node tree, its data), for every YAML file DrillTwin reads.

    The one guard against hostile YAML: text over the size limit is refused before parsing, a
    tree whose aliases expand past the node limit (:mod:`twin.limits`) before anything walks or
    builds it, and every parse error — bad syntax, a tag that is not plain data, an impossible
    date, nesting too deep — is a :class:`ScenarioError` naming the file and line.
    """
    from twin.limits import YAML_NODES

    _check_size(name, len(text.encode("utf-8", errors="replace")))
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # checked first, character by character
        at = text.count("\n", 0, exc.position) + 1
        raise ScenarioError(
            f"{name}:{at}: not valid YAML: character #x{exc.character:04x} is not allowed in YAML "
            "text (a control character, pasted or from a binary file); delete it"
        ) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise ScenarioError(_yaml_problem(exc, name)) from None
        except RecursionError:
            raise ScenarioError(f"{name}: the YAML is nested too deeply to read; flatten it") from None
        try:
            _count_nodes(node, int(YAML_NODES.value()), name)
        except RecursionError:
            raise ScenarioError(f"{name}: the YAML is nested too deeply to read; flatten it") from None
        _no_duplicate_keys(node, name)
        try:
            data = loader.construct_document(node) if node is not None else None
        except yaml.YAMLError as exc:
            raise ScenarioError(_yaml_problem(exc, name)) from None
        except (ValueError, TypeError, OverflowError) as exc:
            # A value PyYAML's resolver took for a date or number but cannot build (2026-02-30).
            bad = _unbuildable_scalar(node)
            line = f":{bad.start_mark.line + 1}" if bad is not None else ""
            value = f" '{bad.value}'" if bad is not None else ""
            raise ScenarioError(
                f"{name}{line}: cannot read the value{value} ({exc}); write a real date as YYYY-MM-DD "
                "or quote the value"
            ) from None
    finally:
        loader.dispose()
    return node, data


def _check_size(name: str, size: int) -> None:
    from twin.limits import YAML_MB

    if size > YAML_MB.value() * 1_000_000:
        raise ScenarioError(
            f"{name}: {size / 1_000_000:.1f} MB is more than the {YAML_MB.value():g} MB a YAML file may have "
            f"(a scenario is a page of YAML) — if it really is that long, {YAML_MB.how_to_raise()}"
        )


def _yaml_problem(exc: yaml.YAMLError, name: str) -> str:
    # The context mark is where the broken construct starts (an unclosed "["), which is the line
    # to fix; the problem mark is where the parser gave up.
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    line = f":{mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if isinstance(exc, yaml.constructor.ConstructorError):
        return f"{name}{line}: {problem}; a scenario holds plain data only — remove the tag"
    return f"{name}{line}: not valid YAML: {problem}; check indentation and quoting"


def _count_nodes(root: Any, limit: int, name: str) -> int:
    """The number of nodes in the tree with every alias expanded, computed once per distinct
    node (so a billion-laughs tree costs its own few nodes), refused past ``limit``."""
    from twin.limits import YAML_NODES

    sizes: dict[int, int] = {}
    busy: set[int] = set()

    def size(node: Any) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in busy:
            raise ScenarioError(
                f"{name}:{node.start_mark.line + 1}: an alias refers to a node that contains it; "
                "a scenario is a tree — write the value out"
            )
        busy.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        if total > limit:
            raise ScenarioError(
                f"{name}:{node.start_mark.line + 1}: its aliases (*name) expand to more than {limit:,} "
                f"YAML nodes; write the values out instead of nesting aliases — "
                f"{YAML_NODES.how_to_raise()}"
            )
        busy.discard(key)
        sizes[key] = total
        return total

    return size(root) if root is not None else 0


def _nodes(root: Any) -> Iterator[Any]:
    """Every distinct node of a YAML tree once (an alias's target only the first time), in the
    order of the document."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, yaml.MappingNode):
            stack.extend(v for pair in reversed(node.value) for v in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))


def _no_duplicate_keys(root: Any, name: str) -> None:
    """Refuse a mapping that gives one key twice: PyYAML keeps the last silently, so a second
    ``seed:`` or ``hazards:`` pasted below the first would replace it unseen."""
    for node in _nodes(root):
        if not isinstance(node, yaml.MappingNode):
            continue
        first: dict[tuple[str, str], int] = {}
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                line = key.start_mark.line + 1
                if (key.tag, key.value) in first:
                    raise ScenarioError(
                        f"{name}:{line}: '{key.value}' is given twice (first on line "
                        f"{first[key.tag, key.value]}); YAML keeps only the last, silently — "
                        "delete or merge one of them"
                    )
                first[key.tag, key.value] = line


def _unbuildable_scalar(root: Any) -> Any | None:
    """The first scalar in the tree that PyYAML cannot build, or ``None``."""
    constructor = yaml.SafeLoader("")
    for node in _nodes(root):
        if isinstance(node, yaml.ScalarNode):
            try:
                constructor.construct_object(node, deep=True)
            except Exception:
                return node
    return None


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
    """A YAML file's text, refused when too large (before reading it), not a readable file, or
    not text (:func:`decode_yaml`; ``it`` names it in the fix)."""
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder, not a YAML file — name the file inside it")
    try:
        _check_size(str(path), path.stat().st_size)  # before reading a byte of it
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(
            f"{path}: cannot be read ({exc.strerror}); check the file and its permissions"
        ) from None
    return decode_yaml(data, path, it)


def decode_yaml(data: bytes, source: str | Path, it: str) -> str:
    """The text of a YAML file's bytes (read from disk or uploaded in the app), decoded by
    :func:`twin.text.decode_text`: UTF-8, or UTF-16 with its byte-order mark; else a
    :class:`ScenarioError` naming ``source``, the line and the byte, and saying to save ``it`` as
    UTF-8 YAML."""
    return decode_text(data, source, fix=f"save {it} as UTF-8 YAML", error=ScenarioError)


def validation_errors(text: str, *, source: Path | None = None) -> list[str]:
    """Every problem in scenario text, one line each (empty when valid): for editors and the app."""
    name = str(source) if source else "<scenario>"
    try:
        node, data = read_yaml(text, name)
    except ScenarioError as exc:
        return [str(exc)]
    if not isinstance(data, dict):
        return [f"{name}: a scenario is a YAML mapping (name:, people:, hazards: …)"]
    try:
        Scenario.model_validate(data)
    except ValidationError as exc:
        lines = _line_map(node)
        return list(dict.fromkeys(_format_error(err, name, lines) for err in _one_per_field(exc)))
    return []


def schema_json() -> str:
    """The JSON Schema of scenario files, for editors (``# yaml-language-server: $schema=…``)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "DrillTwin scenario"
    return json.dumps(schema, indent=2, default=str)


# -- error locations --------------------------------------------------------------------------

_PATH_PREFIX = re.compile(r"^([A-Za-z_]\w*(?:\[\d+\]|\.[A-Za-z_]\w*)*): ")


#: pydantic error types that only say "this value is not of that member of a union".
_MISMATCH = {
    "float_type",
    "float_parsing",
    "int_type",
    "int_parsing",
    "model_attributes_type",
    "dict_type",
    "model_type",
    "string_type",
}


def _is_branch(part: Any) -> bool:
    return isinstance(part, str) and (
        part in ("float", "int", "str", "constrained-float", "constrained-int")
        or part.startswith(("tagged-union[", "function-", "union["))
    )


def _one_per_field(exc: ValidationError) -> list[Any]:
    """pydantic's errors, one per problem: a value that fits no member of a union (a number or a
    distribution) gets an error from each member; keep the one about the member the value was
    meant for (a range error over "not a number"), else the first."""
    errors = exc.errors()
    by_union: dict[Loc, list[Any]] = {}
    for err in errors:
        raw = tuple(err["loc"])
        cut = next((i for i, part in enumerate(raw) if _is_branch(part)), None)
        key = _clean_loc(raw[:cut]) if cut is not None else ("", *_clean_loc(raw))
        by_union.setdefault(key, []).append(err)
    out: dict[Loc, Any] = {}
    for group in by_union.values():
        meant = [e for e in group if e["type"] not in _MISMATCH] or group[:1]
        for err in meant:
            out.setdefault(_clean_loc(err["loc"]), err)
    return list(out.values())


def _first_error(exc: ValidationError, name: str, lines: dict[Loc, int]) -> str:
    errors = _one_per_field(exc)
    first = _format_error(errors[0], name, lines)
    more = f" (and {plural(len(errors) - 1, 'more problem')})" if len(errors) > 1 else ""
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
    else:
        msg = _reworded(err, msg, str(loc[-1]) if loc else "")
    line = _nearest_line(lines, loc)
    prefix = f"{name}:{line}" if line else name
    return f"{prefix}: {format_loc(loc)}: {msg}"


#: Unit suffixes of field names (``repair_min``), spelt out in the fix for a number written with
#: its unit (``"15 min"``).
UNITS = {
    "min": "minutes",
    "s": "seconds",
    "h": "hours",
    "m": "metres",
    "m2": "square metres",
    "bar": "bar",
    "cm2": "square centimetres",
    "l_s": "litres per second",
    "mm_h": "mm per hour",
}


def _reworded(err: Any, msg: str, field_name: str = "") -> str:
    """pydantic's wording ("Input should be greater than 0") as the allowed range and a fix."""
    kind, ctx, got = err["type"], err.get("ctx") or {}, err.get("input")
    shown = repr(got) if isinstance(got, str) else str(got)
    bounds = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<", "less_than_equal": "≤"}
    if kind in bounds:
        bound = next(iter(ctx.values()), "")
        return (
            f"must be {bounds[kind]} {bound:g}, got {shown}"
            if isinstance(bound, int | float)
            else f"must be {bounds[kind]} {bound}, got {shown}"
        )
    if kind == "finite_number":
        return f"must be a finite number, got {shown}; give a number (not .nan or .inf)"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        whole = "a whole number" if kind.startswith("int") else "a number"
        unit = next(
            (
                u
                for suffix, u in sorted(UNITS.items(), key=lambda kv: -len(kv[0]))
                if field_name.endswith(f"_{suffix}")
            ),
            "",
        )
        fix = f"; write the number alone, in {unit} (the field's name gives the unit)" if unit else ""
        return f"must be {whole}, got {shown}{fix}"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false, got {shown}"
    if kind in ("datetime_parsing", "datetime_type", "datetime_from_date_parsing"):
        return f"must be a date and time like 2026-01-15 02:10, got {shown}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} item(s)"
    if kind in ("string_type", "dict_type", "list_type", "model_type", "model_attributes_type"):
        want = {
            "string_type": "text",
            "dict_type": "a mapping (key: value lines)",
            "list_type": "a list (- item lines)",
        }.get(kind, "a mapping of fields")
        return f"must be {want}, got {type(got).__name__} {shown}"
    return msg.replace("Input should be", "must be")


def _clean_loc(loc: Sequence[Any]) -> Loc:
    """Drop pydantic's union-member tags (``'pipe_burst'``, ``'float'``) from a location."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and (
            part in ("fixed", "uniform", "triangular", "lognormal", "exponential") or _is_branch(part)
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
