"""Moodle GIFT export."""

from __future__ import annotations

from ssl_kb.quiz.export import to_gift
from ssl_kb.quiz.model import Question

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


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
