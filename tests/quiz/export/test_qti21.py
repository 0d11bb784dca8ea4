"""QTI 2.1 export (an IMS content package), read back by qti_reader.py and, where it installs, by
citolab-qti-convert, which upgrades QTI 2.1 packages to QTI 3.0."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from dataclasses import replace

import pytest

from ssl_kb.quiz.export import BINARY, WRITERS, to_qti21
from ssl_kb.quiz.export.base import feedback, flat, name
from ssl_kb.quiz.model import Question
from ssl_kb.xmltext import legal

from .qti_reader import QtiError, read_qti21
from .test_qti import NASTY


def check_qti21(questions: list[Question], title: str) -> None:
    """The package holds exactly the questions: title, prompt, choices, the one right choice
    scored 1, a feedback per choice and the explanation for all, unique identifiers."""
    package = read_qti21(to_qti21(questions, title))
    assert package.title == legal(flat(title))
    assert len(package.items) == len(questions)
    assert len(package.idents) == len(set(package.idents))
    for item, q in zip(package.items, questions, strict=True):
        assert item.ident == q.id and item.title == legal(name(q)) and item.title != q.kind
        assert item.prompt == legal(flat(q.prompt))
        assert [text for _, text in item.choices] == [legal(flat(o)) for o in q.options]
        assert item.right == [item.choices[q.answer][0]] and item.points == 1.0
        assert [item.feedback[c] for c, _ in item.choices] == [
            legal(feedback(q, i)) for i in range(len(q.options))
        ]
        assert item.general == legal(flat(q.explanation))


def test_qti21_is_a_registered_binary_format() -> None:
    assert WRITERS["qti21"] is to_qti21 and "qti21" in BINARY


def test_qti21_round_trips_the_fixture_questions(questions: list[Question]) -> None:
    check_qti21(questions, "Masked *predictions*")


def test_qti21_carries_any_text_as_text(questions: list[Question]) -> None:
    q = questions[0]
    nasty = replace(
        q,
        prompt=f"{NASTY} prompt",
        options=tuple(f"{NASTY} {i}" for i in range(len(q.options))),
        explanation=NASTY,
    )
    check_qti21([nasty], f"title {NASTY}")


def test_the_package_holds_a_test_and_one_file_per_item(questions: list[Question]) -> None:
    data = to_qti21(questions, "t")
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == sorted(
        ["imsmanifest.xml", "test.xml", *(f"items/{q.id}.xml" for q in questions)]
    )
    assert archive.comment == b"ssl-kb quiz export"
    assert data == to_qti21(list(questions), "t")  # deterministic bytes


def test_the_reader_can_fail(questions: list[Question]) -> None:
    data = to_qti21(questions[:2], "t")
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            text = src.read(info)
            if info.filename == "imsmanifest.xml":
                text = text.replace(b"imsqti_item_xmlv2p1", b"webcontent")
            dst.writestr(info, text)
    with pytest.raises(QtiError):
        read_qti21(broken.getvalue())


def test_citolab_qti_convert_upgrades_the_package(questions: list[Question]) -> None:
    """A QTI tool we did not write (citolab-qti-convert) finds the test and every item by their
    resource types and upgrades them to QTI 3.0 with the same prompt, choices and right choice."""
    convert = pytest.importorskip("qti_convert", reason="citolab-qti-convert is not installed (test extra)")
    nasty = replace(questions[0], id="claim-000000000000", prompt=f"{NASTY} prompt")
    items = [nasty, *questions]
    files = convert.upgrade_package(to_qti21(items, "t")).files

    def xml(path: str) -> ET.Element:
        text = files[path]
        return ET.fromstring(text.encode() if isinstance(text, str) else text)

    v3 = "{http://www.imsglobal.org/xsd/imsqtiasi_v3p0}"
    types = Counter(r.get("type") for r in xml("imsmanifest.xml").iter() if r.tag.endswith("}resource"))
    assert types == {"imsqti_test_xmlv3p0": 1, "imsqti_item_xmlv3p0": len(items)}
    refs = [r.get("href") for r in xml("test.xml").iter(f"{v3}qti-assessment-item-ref")]
    assert refs == [f"items/{q.id}.xml" for q in items]
    for q, ref in zip(items, refs, strict=True):
        item = xml(ref or "")
        choices = list(item.iter(f"{v3}qti-simple-choice"))
        assert "".join(next(item.iter(f"{v3}qti-prompt")).itertext()) == legal(flat(q.prompt))
        assert ["".join(c.itertext()) for c in choices] == [legal(flat(o)) for o in q.options]
        (right,) = [v.text for v in item.iter(f"{v3}qti-value") if v.text and v.text.startswith("i")]
        assert right == choices[q.answer].get("identifier")
