"""Fixtures for drill tests: the estate twin (loaded once) and the shipped scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import REPO
from twin.scenario import Scenario, load_scenario

SCENARIOS = REPO / "scenarios"


def shipped(name: str) -> Scenario:
    return load_scenario(SCENARIOS / name).scenario


def variant(scenario: Scenario, **changes: Any) -> Scenario:
    """The scenario with some top-level fields replaced (validated again)."""
    data = scenario.model_dump(mode="json")
    data.update(changes)
    return Scenario.model_validate(data)


def scenario_file(tmp_path: Path, text: str, name: str = "drill.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
