"""Quiz exports: JSON, Markdown, GIFT, QTI (valid XML), Anki (stable GUIDs)."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from ssl_kb.kb import load
from ssl_kb.quiz.bank import generate
from ssl_kb.quiz.export import WRITERS, anki_guid, to_gift, to_json, to_markdown, to_qti
from ssl_kb.quiz.model import Question
from ssl_kb.readmodel import ReadModel
from ssl_kb.store import memory_engine

FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "data" / "kb"
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


@pytest.fixture(scope="module")
def questions() -> list[Question]:
    kb = load(FIXTURE)
    return generate(ReadModel.read(memory_engine(kb.records.values())))[:12]


def test_json_round_trips(questions: list[Question]) -> None:
    data = json.loads(to_json(questions, "t"))
    assert [Question.from_dict(q) for q in data["questions"]] == questions
    assert all(
        {"id", "kind", "prompt", "options", "answer", "explanation", "topics", "difficulty", "provenance"}
        <= set(q)
        for q in data["questions"]
    )


def test_markdown_has_an_answer_key(questions: list[Question]) -> None:
    text = to_markdown(questions, "Masked *predictions*").decode()
    assert "# Masked \\*predictions\\*" in text
    head, key = text.split("## Answer key")
    assert head.count("- (a)") == len(questions)
    assert len(re.findall(r"^\d+\. \*\*\([a-d]\)\*\*", key, re.M)) == len(questions)


def test_gift_marks_one_right_answer_and_escapes(questions: list[Question]) -> None:
    hostile = Question(**{**questions[0].__dict__, "prompt": "a {b} = c ~ d # e: f"})
    text = to_gift([hostile, *questions], "t").decode()
    blocks = [b for b in text.split("\n\n") if b.startswith("::")]
    assert len(blocks) == len(questions) + 1
    for block in blocks:
        options = [
            line for line in block.splitlines() if line.startswith("\t") and not line.startswith("\t####")
        ]
        assert sum(line.startswith("\t=") for line in options) == 1
        assert "\t####" in block  # general feedback carries the explanation
    assert "a \\{b\\} \\= c \\~ d \\# e\\: f" in text


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


def test_anki_guids_are_stable_and_in_the_package(questions: list[Question], tmp_path: Path) -> None:
    pytest.importorskip("genanki")
    data = WRITERS["anki"](questions, "t")
    path = tmp_path / "deck.apkg"
    path.write_bytes(data)
    with zipfile.ZipFile(path) as archive:
        (tmp_path / "c.db").write_bytes(archive.read("collection.anki2"))
    guids = {row[0] for row in sqlite3.connect(tmp_path / "c.db").execute("SELECT guid FROM notes")}
    assert guids == {anki_guid(q) for q in questions}
    # an edited question keeps its id, so re-importing updates the same note
    edited = Question(**{**questions[0].__dict__, "explanation": "changed"})
    assert anki_guid(edited) == anki_guid(questions[0])
