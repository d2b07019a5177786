"""What DrillTwin ships with it: the default estate, the shipped scenarios and the web app.

In the repository they live at the top level (``models/``, ``scenarios/``, ``app/``) — one copy in
git. Building the package (``setup.py``) copies them into the package as ``twin/_shipped/…``, so an
installed DrillTwin reads them through :mod:`importlib.resources` from any folder. Run from a
checkout (or an editable install) there is no ``twin/_shipped``, and the checkout's own folders
are used. This module is the one place that knows both layouts.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from twin.errors import TwinError

#: Top-level folders of the repository that the package ships, and the files of each it takes
#: (glob patterns relative to the folder). ``setup.py`` reads this table to build the package.
SHIPPED: dict[str, tuple[str, ...]] = {
    "models": ("estate.ifc",),
    "scenarios": (
        "*.yaml",
        "scenario.schema.json",
        "sweeps/*.yaml",
        "history/*.yaml",
        "history/*.csv",
        "injects/*.yaml",
    ),
    "app": ("*.py", "views/*.py"),
}
#: The folder inside the package that holds the copies.
PACKAGED = "_shipped"
CHECKOUT = Path(__file__).resolve().parent.parent


def shipped_dir(name: str) -> Path:
    """The folder ``name`` (a key of :data:`SHIPPED`) as installed, else as in the checkout.

    Raises
    ------
    TwinError
        When neither the package nor the checkout holds it (a broken install).
    """
    if name not in SHIPPED:
        raise KeyError(f"{name}: not a shipped folder (shipped: {', '.join(SHIPPED)})")
    packaged = resources.files("twin").joinpath(PACKAGED, name)
    if packaged.is_dir():
        # A package installed from a wheel is on the file system; a zipped one (zipimport) is not
        # supported: IFC readers and Streamlit need real files.
        if not isinstance(packaged, Path):
            raise TwinError(
                f"{packaged}: DrillTwin's shipped files are inside an archive — install "
                "DrillTwin with pip into a folder (not a zip) to use them"
            )
        return packaged
    in_checkout = CHECKOUT / name
    if in_checkout.is_dir():
        return in_checkout
    raise TwinError(
        f"{name}/: DrillTwin's shipped files are missing from {CHECKOUT} — "
        "reinstall DrillTwin (`pip install --force-reinstall drilltwin`)"
    )
