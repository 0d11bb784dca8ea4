"""QTI 1.2 (Canvas) export."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

from ssl_kb.quiz.export import to_qti
from ssl_kb.quiz.model import Question

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


def test_qti_is_valid_xml_with_one_correct_response(questions: list[Question]) -> None:
    archive = zipfile.ZipFile(io.BytesIO(to_qti(questions, "t")))
    names = archive.namelist()
    assert "imsmanifest.xml" in names
    ET.fromstring(archive.read("imsmanifest.xml"))
    assessment = ET.fromstring(archive.read(next(n for n in names if n != "imsmanifest.xml")))
    items = assessment.findall(f".//{QTI}item")
    assert len(items) == len(questions)
    for item, q in zip(items, questions, strict=True):
        labels = [label.get("ident") for label in item.findall(f".//{QTI}response_label")]
        correct = item.find(f".//{QTI}varequal").text
        assert labels.index(correct) == q.answer
        assert item.find(f".//{QTI}mattext").text == q.prompt
    assert to_qti(questions, "t") == to_qti(questions, "t")  # deterministic bytes
