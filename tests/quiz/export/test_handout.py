"""JSON and Markdown handouts."""

from __future__ import annotations

import json
import re

from ssl_kb.quiz.export import to_json, to_markdown
from ssl_kb.quiz.model import Question

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


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
