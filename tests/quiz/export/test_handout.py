"""JSON and Markdown handouts."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace

import pytest

from ssl_kb.quiz.export import to_json, to_markdown
from ssl_kb.quiz.model import LEVELS, Question


def test_json_round_trips(questions: list[Question]) -> None:
    data = json.loads(to_json(questions, "t"))
    assert [Question.from_dict(q) for q in data["questions"]] == questions
    assert all(
        {"id", "kind", "prompt", "options", "answer", "explanation", "topics", "difficulty", "provenance"}
        | {"level", "deck", "links"}
        <= set(q)
        for q in data["questions"]
    )
    assert [q["level"] for q in data["questions"]] == [q.level for q in questions]


def test_markdown_has_an_answer_key(questions: list[Question]) -> None:
    text = to_markdown(questions, "Masked *predictions*").decode()
    assert "# Masked \\*predictions\\*" in text
    head, key = text.split("## Answer key")
    assert head.count("- (a)") == len(questions)
    assert len(re.findall(r"^\d+\. \*\*\([a-d]\)\*\*", key, re.M)) == len(questions)


def test_markdown_gives_each_question_its_level_and_its_explanation(questions: list[Question]) -> None:
    levelled = [
        replace(q, level=LEVELS[i % len(LEVELS)], links=("mae", "beit")) for i, q in enumerate(questions)
    ]
    head, key = to_markdown(levelled, "t").decode().split("## Answer key")
    stems = re.findall(r"^\*\*(\d+)\.\*\* .* \*\((\w+)\)\*$", head, re.M)
    assert stems == [(str(n), q.level) for n, q in enumerate(levelled, 1)]
    markdown = pytest.importorskip("markdown")
    entries = re.findall(r"<li>(.*?)</li>", markdown.markdown(key), re.S)
    assert len(entries) == len(levelled)
    for entry, q in zip(entries, levelled, strict=True):
        shown = html.unescape(re.sub(r"<[^>]+>", "", entry))
        assert " ".join(q.explanation.split()) in shown
        assert shown.endswith(f"(question {q.id}; see mae, beit)")
