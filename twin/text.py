"""A user's bytes → text: the one decoding for every text file DrillTwin reads, from disk or uploaded.

A byte-order mark wins: UTF-8's is dropped, UTF-16 and UTF-32 are read as what it says (Windows
Notepad's "Unicode" and Excel's "Unicode text" are UTF-16 with a mark). Without one the text is
UTF-8 unless the caller names another encoding (a work-order mapping's ``encoding:``). Bytes that
do not decode are refused in one line naming the file, the line and the byte, with the fix.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from twin.errors import TwinError

#: Byte-order marks and the codec each one names; UTF-32's first, since UTF-32-LE's mark starts with
#: UTF-16-LE's. The ``utf-16``/``utf-32`` codecs read the mark for the byte order and drop it.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF8, "utf-8-sig"),
)

#: Bytes looked at for NULs when text does not decode: a binary file shows them at once.
NUL_SNIFF_BYTES = 4096


def decode_text(
    data: bytes,
    source: str | Path,
    *,
    fix: str,
    encoding: str = "utf-8",
    error: type[TwinError] = TwinError,
) -> str:
    """The text of ``data``, read from the file ``source`` names.

    Parameters
    ----------
    data
        The file's bytes.
    source
        The file as the user knows it (a path, or an upload's name), first in every message.
    fix
        What the user should do when the bytes are not text (``"save the scenario as UTF-8 YAML"``).
    encoding
        The encoding when there is no byte-order mark.
    error
        The :class:`TwinError` subclass raised.

    Raises
    ------
    TwinError
        (``error``) ``"drill.yaml:6: not UTF-8 text (byte 0xc9: saved as Latin-1 or Windows-1252?); …"``
        or, for bytes with NULs and no mark, ``"drill.yaml: not a text file (…)"``.
    """
    marked = next((codec for bom, codec in BOMS if data.startswith(bom)), None)
    utf8 = codecs.lookup(encoding).name == "utf-8"
    codec = marked or ("utf-8" if utf8 else encoding)
    head = data[:NUL_SNIFF_BYTES]
    wide = codecs.lookup(codec).name.startswith(("utf-16", "utf-32"))  # a mark's, or the caller's
    if not wide and b"\x00" in head and (order := _utf16_order(head)):
        # Plain ASCII in UTF-16 decodes as UTF-8 with a NUL between letters: caught here, not later
        # as a control character the YAML or CSV reader would name.
        raise error(
            f"{source}: not a text file (it looks like UTF-16 ({order}) saved without a byte-order "
            f"mark); {fix}"
        )
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        if marked is None and b"\x00" in head:
            raise error(f"{source}: not a text file (it holds NUL bytes: a binary file?); {fix}") from None
        line = data[: exc.start].decode(codec, errors="replace").count("\n") + 1
        name = "UTF-8" if codecs.lookup(codec).name in ("utf-8", "utf-8-sig") else codec
        guess = ": saved as Latin-1 or Windows-1252?" if name == "UTF-8" else ""
        raise error(
            f"{source}:{line}: not {name} text (byte 0x{data[exc.start]:02x}{guess}); {fix}"
        ) from None


def _utf16_order(head: bytes) -> str | None:
    """The byte order of UTF-16 written without a byte-order mark, as NUL bytes at the start of a
    file suggest it (Latin text in UTF-16 has a NUL in every other byte, always the same half), or
    None. Only for the message: such bytes are not read as UTF-16, since a guess could misread."""
    even, odd = head[0::2], head[1::2]
    for nuls, other, order in ((odd, even, "little-endian"), (even, odd, "big-endian")):
        if len(nuls) >= 2 and nuls.count(0) >= 0.9 * len(nuls) and other.count(0) <= 0.1 * len(other):
            return order
    return None
