"""The one family of errors DrillTwin raises for bad input.

Every message names the thing (file, field, place), what was expected, what arrived and what to
do; the CLI prints it as one line and exits with status 2, with no traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class TwinError(ValueError):
    """Base class: bad input a user can fix."""


class ModelError(TwinError):
    """An IFC file cannot be read or yields no usable building."""


class PlaceError(TwinError):
    """A place name, GlobalId or equipment id names nothing in the twin."""


def suggest(word: str, known: Iterable[str], *, n: int = 3) -> str:
    """Return ``" (did you mean: a, b?)"`` for the closest known names, or ``""``."""
    close = difflib.get_close_matches(word, list(known), n=n, cutoff=0.5)
    return f" (did you mean: {', '.join(close)}?)" if close else ""
