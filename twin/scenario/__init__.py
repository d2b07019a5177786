"""Scenarios: what a drill is — building, roster, hazards, dispatch policy, targets — as data.

:mod:`~twin.scenario.schema` holds the pydantic models (and so the JSON Schema);
:mod:`~twin.scenario.load` reads YAML files into them with errors that name file, line and field.
"""

from __future__ import annotations

from twin.scenario.load import (
    FieldError,
    LoadedScenario,
    ScenarioError,
    default_scenario_path,
    load_scenario,
    parse_scenario,
    scenarios_dir,
    schema_json,
    validation_errors,
)
from twin.scenario.schema import CHANNELS, PRIORITIES, TRADES, Person, Scenario

__all__ = [
    "CHANNELS",
    "PRIORITIES",
    "TRADES",
    "FieldError",
    "LoadedScenario",
    "Person",
    "Scenario",
    "ScenarioError",
    "default_scenario_path",
    "load_scenario",
    "parse_scenario",
    "scenarios_dir",
    "schema_json",
    "validation_errors",
]
