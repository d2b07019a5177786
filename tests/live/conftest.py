"""Fixtures for live exercises: the demo drill's scenario file and a helper to play a session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO

DEMO = REPO / "scenarios" / "night_riser_burst.yaml"


@pytest.fixture
def demo() -> Path:
    return DEMO
