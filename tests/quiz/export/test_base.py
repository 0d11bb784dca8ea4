"""What every export shares: names, flattened text, feedback, idents, XML and zip packages."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile

from ssl_kb.quiz.export.base import (
    ZIP_COMMENT,
    ZIP_DATE,
    element,
    feedback,
    flat,
    ident,
    name,
    xml_document,
    zip_package,
)
from ssl_kb.quiz.model import Question, Source


def question(prompt: str) -> Question:
    return Question("q-1", "year", prompt, ("a", "b"), 0, "e", ("t",), 0.5, (Source("r", "f"),))


def test_flat_puts_any_text_on_one_line() -> None:
    assert flat("a\nb\r\tc\u2028d  e") == "a b c d e"


def test_a_name_says_what_the_question_asks_and_ends_with_its_id() -> None:
    assert name(question("In which year was MAE first published?")) == (
        "In which year was MAE first published? (q-1)"
    )
    long = name(question("word " * 40), width=30)
    assert long.endswith("… (q-1)") and len(long) <= 30 + len(" (q-1)")


def test_feedback_says_right_or_names_the_answer() -> None:
    q = question("p")
    assert feedback(q, 0) == "Right."
    assert feedback(q, 1) == "No: the answer is a."


def test_idents_are_stable_xml_names_without_words() -> None:
    assert ident("t") == ident("t") != ident("t", "meta")
    assert re.fullmatch(r"i[0-9a-f]{16}", ident("title \ud800 <&>"))


def test_elements_carry_any_text_as_text() -> None:
    root = element(None, "r", "a\x00<b>&", attr="\uffff\"'")
    element(root, "c", "]]>")
    back = ET.fromstring(xml_document(root).encode())
    assert back.text == "a\ufffd<b>&" and back.get("attr") == "\ufffd\"'" and back[0].text == "]]>"


def test_zip_packages_are_deterministic_and_signed() -> None:
    data = zip_package({"b.xml": "<b/>", "a.xml": "<a/>"})
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == ["b.xml", "a.xml"] and archive.comment == ZIP_COMMENT
    assert {i.date_time for i in archive.infolist()} == {ZIP_DATE}
    assert data == zip_package({"b.xml": "<b/>", "a.xml": "<a/>"})
