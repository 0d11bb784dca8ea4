"""Anki export."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest

from ssl_kb.quiz.export import WRITERS, anki_guid
from ssl_kb.quiz.model import Question

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


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
