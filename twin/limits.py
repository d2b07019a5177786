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
    """One limit: the environment variable that changes it, its default and its unit."""

    env: str
    default: float
    unit: str

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
#: a page of YAML, the shipped rates file is 9 kB, and PyYAML parses about 1 MB/s (a 50 MB file
#: took 67 s before this limit).
YAML_MB = Limit("DRILLTWIN_MAX_YAML_MB", 2.0, "MB")

#: A YAML document whose nodes, with every alias expanded, number more than this is refused
#: before anything walks it (a 520-byte "billion laughs" file expands to nearly 10⁹ nodes). The
#: largest shipped file, the rates file, has 728 nodes; a scenario about 300.
YAML_NODES = Limit("DRILLTWIN_MAX_YAML_NODES", 100_000, "nodes")

#: An ``.ifczip`` member inflating past this is refused while it inflates: ifcopenshell holds about
#: 9× the text in memory (institute_var2.ifc: 10.9 MB of text, 96 MB more after parsing), so
#: 500 MB of text needs about 5 GB; the largest real exports seen are a few hundred MB.
INFLATED_MB = Limit("DRILLTWIN_MAX_INFLATED_MB", 500.0, "MB")

#: An ``.ifczip`` member inflating to more than this many times its compressed size is refused:
#: STEP text deflates 4–7× (the six corpus files and the estate: 4.3–6.7×); a
#: zip bomb deflates 1,000× or more, so 100× leaves real exports a wide margin.
ZIP_RATIO = Limit("DRILLTWIN_MAX_ZIP_RATIO", 100.0, "×")

#: The app reads uploaded IFC files in a child process with this much memory (address space: a
#: 500 MB model needs about 5 GB)…
UPLOAD_MEMORY_MB = Limit("DRILLTWIN_UPLOAD_MEMORY_MB", 6144.0, "MB")

#: … and this much time; past either the child is stopped and the page says why.
UPLOAD_SECONDS = Limit("DRILLTWIN_UPLOAD_SECONDS", 600.0, "s")

#: A work-order log (CSV, Excel, JSON) larger than this is refused before it is read: reading
#: takes about 18× the file in memory (the sample year of the 810-household estate, 0.41 MB,
#: peaks at 7.4 MB), so 50 MB — some 120 such estate-years — stays near 1 GB.
LOG_MB = Limit("DRILLTWIN_MAX_LOG_MB", 50.0, "MB")

#: Every limit, for the README's table (a test keeps the two the same).
ALL: tuple[Limit, ...] = (
    YAML_MB,
    YAML_NODES,
    INFLATED_MB,
    ZIP_RATIO,
    UPLOAD_MEMORY_MB,
    UPLOAD_SECONDS,
    LOG_MB,
)
