"""Fixtures of the question-kind tests: the fixture KB's records, its read model, the bank's rng,
and ``generated(kind)``: the kind's questions, each checked for the rules every kind keeps."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from ssl_kb.kb import load
from ssl_kb.quiz.kinds import KINDS
from ssl_kb.quiz.model import Question, question_id
from ssl_kb.readmodel import ReadModel
from ssl_kb.store import memory_engine

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "kb"


@pytest.fixture(scope="session")
def records() -> dict:
    kb = load(FIXTURE)
    assert kb.ok()
    return kb.records


@pytest.fixture(scope="session")
def model(records: dict) -> ReadModel:
    return ReadModel.read(memory_engine(records.values()))


def rng(key: str) -> random.Random:
    return random.Random(f"0|{key}")


@pytest.fixture(scope="session")
def generated(model: ReadModel) -> Callable[[str], list[Question]]:
    """``kind`` -> its questions on the fixture KB, after checking that each has exactly one right
    option (by the kind's own truth test), unique options, an id from its slot (part of its basis),
    and that a second
    run gives the same questions."""

    def run(kind: str) -> list[Question]:
        questions = list(KINDS[kind].generate(model, rng))
        assert questions, f"the fixture KB gives no {kind} question"
        for q in questions:
            assert q.kind == kind
            assert len(set(q.options)) == len(q.options) >= 2, q
            right = [o for o in q.options if KINDS[kind].is_true(model, q, o)]
            assert right == [q.answer_text], (q.prompt, q.options, right)
            assert q.id == question_id(kind, q.slot)
            assert all(q.basis.get(k) == v for k, v in q.slot.items()), q.slot  # no value of its own
            assert 0.05 <= q.difficulty <= 0.95
        assert len({q.id for q in questions}) == len(questions)
        assert list(KINDS[kind].generate(model, rng)) == questions
        return questions

    return run
