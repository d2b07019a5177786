"""Counts in words: "1 incident", "2 incidents", "1 person", "3 people" — never "incident(s)"."""

from __future__ import annotations

import textwrap

#: Nouns whose plural is not the noun + "s".
IRREGULAR = {"person": "people"}


def plural(n: float, noun: str, many: str | None = None) -> str:
    """``n`` and the noun, singular for exactly one: ``plural(1, "space") == "1 space"``.

    Integers are written with thousands separators (``1,362 spaces``).
    """
    word = noun if n == 1 else (many or IRREGULAR.get(noun) or _regular(noun))
    number = f"{int(n):,}" if float(n).is_integer() else f"{n:g}"
    return f"{number} {word}"


def _regular(noun: str) -> str:
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def shorten(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` characters at a word, with "…" when cut."""
    if len(text) <= width:
        return text
    cut = textwrap.shorten(text, width=width, placeholder="…")
    # One word longer than the width: cut inside it rather than show nothing but "…".
    return text[: width - 1] + "…" if cut == "…" else cut
