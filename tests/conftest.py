"""Shared fixtures: the real IFC corpus in ../shared/ifc, a private cache, tiny in-memory IFCs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_IFC = REPO.parent / "shared" / "ifc"
ESTATE = REPO / "models" / "estate.ifc"


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test run gets its own twin cache, so no test reads a stale user cache."""
    os.environ["DRILLTWIN_CACHE_DIR"] = str(tmp_path_factory.mktemp("twin-cache"))


def shared_ifc(name: str) -> Path:
    """Path of a file of the real IFC corpus, or skip the test saying why."""
    path = SHARED_IFC / name
    if not path.exists():
        pytest.skip(
            f"{path} is absent: the real IFC corpus lives in ../shared/ifc beside the "
            "checkout (it is not shipped with the project)"
        )
    return path


def estate() -> Path:
    if not ESTATE.exists():
        pytest.skip(f"{ESTATE} is absent: generate it with `python models/make_estate.py`")
    return ESTATE


@pytest.fixture(scope="session")
def estate_twin() -> object:
    """The default estate's twin, loaded once for the session."""
    from twin.twin import load_twin

    return load_twin([estate()])
