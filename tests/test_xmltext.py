"""XML text: every character XML 1.0 cannot carry is replaced, every other one kept."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssl_kb.xmltext import REPLACEMENT, legal


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"]
)
def test_illegal_characters_become_the_replacement(char: str) -> None:
    assert legal(f"a{char}b") == f"a{REPLACEMENT}b"


@pytest.mark.parametrize(
    "char", ["\t", "\n", "\r", " ", "\ud7ff", "\ue000", "\ufffd", "\U00010000", "\U0010ffff", "é"]
)
def test_legal_characters_are_kept(char: str) -> None:
    assert legal(char) == char


def test_non_strings_are_converted() -> None:
    assert legal(12) == "12" and legal(None) == "None"


@given(st.text())
def test_the_result_always_parses_as_xml(text: str) -> None:
    from xml.sax.saxutils import escape

    cleaned = legal(text)
    assert len(cleaned) == len(text)
    root = ET.fromstring(f"<a>{escape(cleaned)}</a>")
    # XML parsers normalise CR and CRLF to LF; everything else comes back as written
    assert (root.text or "") == cleaned.replace("\r\n", "\n").replace("\r", "\n")
