"""The limits that keep bad or hostile input from crashing or hanging DrillTwin, in one place.

Every limit has a default with its reason and an environment variable that raises it; the error
that a limit raises names the limit and that variable. The README's "Bad input" section lists them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from twin.errors import TwinError


@dataclass(frozen=True, slots=True)
class Limit:
    """One limit: its default, the environment variable that changes it, and its unit."""

    env: str
    default: float
    unit: str
    why: str

    def value(self) -> float:
        """The limit in force: ``$env`` when set to a positive number, else the default."""
        raw = os.environ.get(self.env, "").strip()
        if not raw:
            return self.default
        try:
            value = float(raw)
        except ValueError:
            raise TwinError(
                f"${self.env}={raw!r} is not a number; set it to a number of {self.unit}"
            ) from None
        if not value > 0:
            raise TwinError(f"${self.env}={raw!r} must be a positive number of {self.unit}")
        return value

    def how_to_raise(self) -> str:
        """``"set DRILLTWIN_MAX_YAML_MB (MB) to raise it"``, for the end of an error message."""
        unit = f" ({self.unit})" if self.unit != "×" else ""
        return f"set {self.env}{unit} to raise it"


#: A YAML file (scenario, sweep, rates) larger than this is refused before parsing: a scenario is
#: a page of YAML, the shipped rates file is 12 kB, and PyYAML parses about 1 MB/s (a 50 MB file
#: took 67 s before this limit).
YAML_MB = Limit("DRILLTWIN_MAX_YAML_MB", 2.0, "MB", "a scenario is a page of YAML")

#: A YAML document whose nodes, with every alias expanded, number more than this is refused
#: before anything walks it (a 520-byte "billion laughs" file expands to nearly 10⁹ nodes). The largest
#: shipped file has about 2,000 nodes.
YAML_NODES = Limit("DRILLTWIN_MAX_YAML_NODES", 100_000, "nodes", "aliases expand exponentially")

#: An ``.ifczip`` member inflating past this is refused while it inflates: ifcopenshell holds the
#: whole text plus its entity graph (about 3× the text), and the largest real models seen are a
#: few hundred MB of STEP text.
INFLATED_MB = Limit("DRILLTWIN_MAX_INFLATED_MB", 1024.0, "MB", "ifcopenshell holds the whole text")

#: An ``.ifczip`` member inflating to more than this many times its compressed size is refused:
#: STEP text deflates 4–7× (the six corpus files and the estate: 4.3–6.7× at zlib level 9); a
#: zip bomb deflates 1,000× or more, so 100× leaves real exports a wide margin.
ZIP_RATIO = Limit("DRILLTWIN_MAX_ZIP_RATIO", 100.0, "×", "STEP text deflates 4–7×")

#: The app reads uploaded IFC files in a child process with this much memory (address space)…
UPLOAD_MEMORY_MB = Limit(
    "DRILLTWIN_UPLOAD_MEMORY_MB", 6144.0, "MB", "an upload must not take the server down"
)

#: … and this much time; past either the child is stopped and the page says why.
UPLOAD_SECONDS = Limit("DRILLTWIN_UPLOAD_SECONDS", 600.0, "s", "an upload must not hang the server")

ALL: tuple[Limit, ...] = (YAML_MB, YAML_NODES, INFLATED_MB, ZIP_RATIO, UPLOAD_MEMORY_MB, UPLOAD_SECONDS)
