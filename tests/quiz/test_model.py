"""Question model: the answer's text, a lossless dict round trip, and ids from the deciding facts only."""

from __future__ import annotations

import json

import pytest

from ssl_kb.quiz.model import LETTERS, Question, Source, question_id


def question(**changes: object) -> Question:
    base = dict(
        id="year-abc",
        kind="year",
        prompt="When?",
        options=("2020", "2021", "2022"),
        answer=1,
        explanation="Because.",
        topics=("t",),
        difficulty=0.5,
        provenance=(Source("mae", "paper.year"),),
        links=("mae",),
        basis={"record": "mae", "year": 2021},
    )
    return Question(**{**base, **changes})  # type: ignore[arg-type]


def test_answer_text_is_the_option_at_the_answer() -> None:
    assert question().answer_text == "2021"
    assert question(answer=0).answer_text == "2020"


def test_to_dict_is_json_and_round_trips() -> None:
    q = question()
    data = json.loads(json.dumps(q.to_dict()))
    assert data["options"] == ["2020", "2021", "2022"] and data["answer_text"] == "2021"
    assert data["provenance"] == [{"record": "mae", "field": "paper.year"}]
    back = Question.from_dict(data)
    assert back == q and back.basis == q.basis and back.links == q.links


def test_from_dict_fills_the_optional_fields() -> None:
    data = question().to_dict()
    del data["links"], data["basis"]
    back = Question.from_dict(data)
    assert back.links == () and back.basis == {}


def test_basis_is_not_part_of_equality() -> None:
    assert question(basis={}) == question()
    assert question(answer=0) != question()


def test_question_id_depends_on_kind_and_facts_only() -> None:
    a = question_id("year", {"record": "mae", "year": 2021})
    assert a == question_id("year", {"year": 2021, "record": "mae"})  # key order does not matter
    assert a.startswith("year-") and len(a) == len("year-") + 12
    assert a != question_id("year", {"record": "mae", "year": 2022})
    assert a != question_id("which-year", {"record": "mae", "year": 2021})


def test_question_id_accepts_values_json_cannot_hold() -> None:
    from datetime import date

    assert question_id("x", {"when": date(2021, 1, 1)}) == question_id("x", {"when": "2021-01-01"})


def test_letters_cover_the_largest_question() -> None:
    assert LETTERS == "abcdefghij" and len(set(LETTERS)) == 10


def test_questions_are_frozen() -> None:
    with pytest.raises(AttributeError):
        question().answer = 0  # type: ignore[misc]
