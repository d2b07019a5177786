"""Build step that pyproject.toml cannot say: copy the shipped files into the package.

The default estate, the shipped scenarios and the web app stay where people look for them in the
repository (``models/``, ``scenarios/``, ``app/``: one copy in git). Building a wheel copies the
files listed in :data:`twin.shipped.SHIPPED` into ``twin/_shipped/``, where an installed DrillTwin
finds them through ``importlib.resources`` (see ``twin/shipped.py``). Editable installs need no
copy: they read the checkout.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def shipped_table() -> tuple[str, dict[str, tuple[str, ...]]]:
    """PACKAGED and SHIPPED from twin/shipped.py, read without importing twin (whose dependencies
    need not be installed at build time)."""
    values: dict[str, object] = {}
    for node in ast.parse((ROOT / "twin" / "shipped.py").read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            for t in targets:
                if isinstance(t, ast.Name) and t.id in ("SHIPPED", "PACKAGED") and node.value:
                    values[t.id] = ast.literal_eval(node.value)
    return values["PACKAGED"], values["SHIPPED"]  # type: ignore[return-value]


class BuildWithShipped(build_py):
    """build_py, then the shipped files into build_lib/twin/_shipped/."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        packaged, shipped = shipped_table()
        for folder, patterns in shipped.items():
            for pattern in patterns:
                sources = sorted((ROOT / folder).glob(pattern))
                if not sources:
                    raise SystemExit(f"setup.py: {folder}/{pattern} matches no file — the package "
                                     "would ship without it")
                for src in sources:
                    dest = Path(self.build_lib, "twin", packaged, folder, src.relative_to(ROOT / folder))
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, dest)
                    dest.chmod(0o644)


setup(cmdclass={"build_py": BuildWithShipped})
