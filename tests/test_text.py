"""The one decoding of a user's bytes (twin/text.py), used by files read from disk and uploads alike."""

from __future__ import annotations

import pytest

from twin.errors import TwinError
from twin.history import HistoryError
from twin.scenario import ScenarioError
from twin.scenario.load import decode_yaml
from twin.text import decode_text

TEXT = "name: Équipe de nuit\nseed: 7\nstart: 2026-11-21T02:10:00\n"
FIX = "save it as UTF-8"


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_utf8_and_any_text_a_byte_order_mark_names_read_the_same(codec):
    data = TEXT.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data  # the big-endian codec writes no mark of its own
    assert decode_text(data, "a.yaml", fix=FIX) == TEXT


def test_latin1_bytes_name_the_file_the_line_and_the_byte_with_the_fix():
    data = ("seed: 7\n# line two\nname: Équipe\n").encode("latin-1")
    with pytest.raises(
        TwinError,
        match=r"^a\.yaml:3: not UTF-8 text \(byte 0xc9: saved as Latin-1 or Windows-1252\?\); save it as UTF-8$",
    ):
        decode_text(data, "a.yaml", fix=FIX)


def test_a_named_encoding_reads_its_text_and_its_own_bad_bytes_are_named_by_line():
    assert decode_text(TEXT.encode("cp1252"), "log.csv", fix=FIX, encoding="cp1252") == TEXT
    # 0x81 is one of the five bytes cp1252 leaves undefined.
    with pytest.raises(HistoryError, match=r"^log\.csv:2: not cp1252 text \(byte 0x81\); save it as UTF-8$"):
        decode_text(b"a,b\n\x81,c\n", "log.csv", fix=FIX, encoding="cp1252", error=HistoryError)


def test_utf16_with_a_broken_character_names_the_line_counted_in_characters_not_bytes():
    data = "one\ntwo\nthree\n".encode("utf-16") + b"\x00\xd8"  # a lone high surrogate on line 4
    with pytest.raises(TwinError, match=r"^u\.yaml:4: not utf-16 text \(byte 0x00\); save it as UTF-8$"):
        decode_text(data, "u.yaml", fix=FIX)


def test_bytes_with_nuls_and_no_mark_are_not_a_text_file():
    with pytest.raises(
        TwinError, match=r"^z\.yaml: not a text file \(it holds NUL bytes: a binary file\?\); "
    ):
        decode_text(b"PK\x03\x04\x00\x00\xff", "z.yaml", fix=FIX)


@pytest.mark.parametrize(("codec", "order"), [("utf-16-le", "little-endian"), ("utf-16-be", "big-endian")])
def test_utf16_without_a_byte_order_mark_is_named_as_such_not_as_a_binary_file(codec, order):
    # "seed: 7" in UTF-16 without a mark: a NUL in every other byte, the same half each time.
    with pytest.raises(
        TwinError,
        match=rf"^u\.yaml: not a text file \(it looks like UTF-16 \({order}\) saved without a byte-order "
        r"mark\); save it as UTF-8$",
    ):
        decode_text("seed: 7\nname: Équipe\n".encode(codec), "u.yaml", fix=FIX)
    # Plain ASCII in UTF-16 would decode as UTF-8, a NUL between letters: named the same way.
    with pytest.raises(TwinError, match=rf"^u\.yaml: not a text file \(it looks like UTF-16 \({order}\)"):
        decode_text("seed: 7\nname: crew\n".encode(codec), "u.yaml", fix=FIX)
    # A caller that names the encoding (a work-order mapping's `encoding:`) reads it as named.
    assert decode_text("a,b\n".encode(codec), "log.csv", fix=FIX, encoding=codec) == "a,b\n"


def test_an_uploaded_yaml_is_decoded_like_a_file_on_disk_and_names_the_upload():
    assert decode_yaml(TEXT.encode("utf-16"), "upload.yaml", "the scenario") == TEXT
    with pytest.raises(
        ScenarioError,
        match=r"^upload\.yaml:1: not UTF-8 text \(byte 0xc9: .*\); save the scenario as UTF-8 YAML$",
    ):
        decode_yaml("name: É".encode("latin-1"), "upload.yaml", "the scenario")
