"""Editing scenario text: set top-level fields of a scenario's YAML and keep everything else.

Takes scenario YAML text and new values for top-level fields (``name``, ``start``, ``seed``,
``dispatch``…), gives the text with those fields rewritten in place — comments, order and the
layout of every other field untouched — so a form can edit the common fields of a file someone
also edits by hand. The result is still text: validate it as any other scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from twin.scenario.load import ScenarioError

#: Where a field that is not in the text yet goes: after the last of these that is.
FIELD_ORDER = (
    "name",
    "description",
    "model",
    "start",
    "duration_h",
    "seed",
    "targets",
    "shifts",
    "people",
    "contractors",
    "channels",
    "dispatch",
    "hazards",
    "overlay",
)


def field_line(key: str, value: Any) -> str:
    """``key: value`` on one line (collections in flow style: ``dispatch: {kind: manual}``)."""
    dumped = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, allow_unicode=True, width=10**6)
    # A plain scalar comes with an end-of-document marker.
    body = " ".join(ln for ln in dumped.splitlines() if ln.strip() != "...").strip()
    return f"{key}: {body}"


def set_fields(text: str, fields: Mapping[str, Any]) -> str:
    """``text`` with each top-level field in ``fields`` set to its value.

    A field already in the text is rewritten where it stands (on one line, replacing every line
    of its old value); a new one goes after the field before it in :data:`FIELD_ORDER`.

    Raises
    ------
    ScenarioError
        When the text is not a YAML mapping (fix the YAML first).
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ScenarioError(
            f"the scenario is not valid YAML ({str(exc).splitlines()[0]}); fix it before setting fields"
        ) from None
    if root is None:
        lines: list[str] = []
        spans: dict[str, tuple[int, int]] = {}
    else:
        if not isinstance(root, yaml.MappingNode):
            raise ScenarioError(
                "a scenario is a YAML mapping (name:, people:, …); fix it before setting fields"
            )
        lines = text.splitlines()
        spans = {}
        for key, value in root.value:
            first = key.start_mark.line
            end = value.end_mark
            # A block value ends at the start of the next line (column 0): not on that line.
            last = end.line if end.column > 0 else end.line - 1
            # Blank lines and comments before the next field belong to the next field.
            while last > first and (not lines[last].strip() or lines[last].lstrip().startswith("#")):
                last -= 1
            spans[str(key.value)] = (first, max(last, first))
    for key, value in fields.items():
        line = field_line(key, value)
        if key in spans:
            first, last = spans[key]
            lines[first : last + 1] = [line]
            shift = first - last
        else:
            before = (
                [spans[k][1] for k in FIELD_ORDER[: FIELD_ORDER.index(key)] if k in spans]
                if key in FIELD_ORDER
                else []
            )
            at = max(before) + 1 if before else len(lines)
            lines[at:at] = [line]
            first, last, shift = at, at - 1, 1
        # Fields below the edit move with it.
        spans = {k: ((a + shift, b + shift) if a > last else (a, b)) for k, (a, b) in spans.items()}
        spans[key] = (first, first)
    return "\n".join(lines) + ("\n" if text.endswith("\n") or not text else "")
