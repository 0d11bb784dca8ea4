"""What every export shares: names of questions and flattened text."""

from __future__ import annotations

from ssl_kb.quiz.export.base import flat, name
from ssl_kb.quiz.model import Question, Source


def question(prompt: str) -> Question:
    return Question("q-1", "year", prompt, ("a", "b"), 0, "e", ("t",), 0.5, (Source("r", "f"),))


def test_flat_puts_any_text_on_one_line() -> None:
    assert flat("a\nb\r\tc\u2028d  e") == "a b c d e"


def test_a_name_says_what_the_question_asks_and_ends_with_its_id() -> None:
    assert name(question("In which year was MAE first published?")) == (
        "In which year was MAE first published? (q-1)"
    )
    long = name(question("word " * 40), width=30)
    assert long.endswith("… (q-1)") and len(long) <= 30 + len(" (q-1)")
