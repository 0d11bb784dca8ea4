"""The questions the export tests write: a dozen from the fixture KB."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssl_kb.kb import load
from ssl_kb.quiz.bank import generate
from ssl_kb.quiz.model import Question
from ssl_kb.readmodel import ReadModel
from ssl_kb.store import memory_engine

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "kb"


@pytest.fixture(scope="module")
def questions() -> list[Question]:
    kb = load(FIXTURE)
    return generate(ReadModel.read(memory_engine(kb.records.values())))[:12]
