"""The README shows what `twin run` really prints (regenerate with `python docs/readme_sample.py`)."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from tests.conftest import REPO, estate


def readme_sample_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_sample", REPO / "docs" / "readme_sample.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_sample_output_is_what_twin_run_prints() -> None:
    estate()
    script = readme_sample_script()
    readme = script.readme_sample(script.README.read_text(encoding="utf-8"))
    printed = script.twin_run_output()
    assert printed.startswith("Night-shift riser burst, tower B L14 — seed 7")
    assert "run folder: runs/night_riser_burst-seed7  (" in printed
    assert script.same_but_time(readme, printed), (
        "README.md's sample output is stale: run `python docs/readme_sample.py`\n"
        f"--- README\n{readme}--- twin run\n{printed}"
    )


def test_only_the_wall_clock_time_may_differ_from_the_readme() -> None:
    script = readme_sample_script()
    a = "x\nrun folder: runs/r  (283 events logged, 221 simulated, 0.03 s)\n"
    assert script.same_but_time(a, a.replace("0.03 s", "12.50 s"))
    assert not script.same_but_time(a, a.replace("283 events", "284 events"))
