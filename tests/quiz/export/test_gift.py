"""Moodle GIFT export, read back by a GIFT grammar written from Moodle's documentation
(gift_grammar.py) and, where it installs, by pygiftparser, a GIFT parser of its own."""

from __future__ import annotations

import html
import io
import re
from dataclasses import replace

import pytest

from ssl_kb.quiz.export import to_gift
from ssl_kb.quiz.export.base import feedback, flat, name
from ssl_kb.quiz.model import Question

from .gift_grammar import GiftError, category_names, parse, plain, shown

NASTY = (
    "a {b} = c ~ d # e: f \\ g \\: h \\n i",
    "<image> & <script>alert(1)</script> &lt; &&058; [plain] %50% //not a comment ::x::",
)


def in_category(text: str) -> str:
    """A name as a ``$CATEGORY:`` line can carry it: Moodle does not unescape GIFT there, so the
    specials are written as spaces."""
    return flat("".join(" " if ch in "~=#{}:\\" else ch for ch in text))


def check_round_trip(questions: list[Question], title: str) -> None:
    """Every question reads back with its name, text, options, one right answer and feedback."""
    categories, parsed = parse(to_gift(questions, title).decode())
    assert len(parsed) == len(questions)
    topics = [q.topics[0] for q in questions]
    runs = [t for i, t in enumerate(topics) if i == 0 or t != topics[i - 1]]
    assert [category_names(c) for c in categories] == [
        ["ssl-kb", in_category(title), in_category(t)] for t in runs
    ]
    for got, q in zip(parsed, questions, strict=True):
        assert got.category is not None and category_names(got.category)[-1] == in_category(q.topics[0])
        assert got.name is not None and plain(got.name) == name(q)
        assert got.text_format == "html" and shown(got.text, "html") == flat(q.prompt)
        assert [shown(a.text, a.text_format) for a in got.answers] == [flat(o) for o in q.options]
        assert [a.right for a in got.answers] == [i == q.answer for i in range(len(q.options))]
        assert [a.weight for a in got.answers] == [
            100.0 if i == q.answer else 0.0 for i in range(len(q.options))
        ]
        assert [shown(a.feedback, a.text_format) for a in got.answers] == [
            feedback(q, i) for i in range(len(q.options))
        ]
        assert shown(got.general_feedback, "html") == flat(q.explanation)


def test_gift_round_trips_the_fixture_questions(questions: list[Question]) -> None:
    check_round_trip(questions, "Masked *predictions*")


@pytest.mark.parametrize("text", NASTY)
def test_gift_round_trips_nasty_text_in_every_field(questions: list[Question], text: str) -> None:
    q = questions[0]
    nasty = replace(
        q,
        prompt=f"{text} prompt",
        options=tuple(f"{text} {i}" for i in range(len(q.options))),
        explanation=f"{text}\nexplained",
        topics=(f"topic {text}", *q.topics[1:]),
    )
    check_round_trip([nasty], f"title {text}")


def test_html_in_record_text_is_never_markup(questions: list[Question]) -> None:
    q = replace(questions[0], prompt="In BEiT <image>, what is masked?", explanation="<image> tokens")
    text = to_gift([replace(q, topics=("<b>topic</b>",))], "<b>t</b>").decode()
    lines = [line for line in text.splitlines() if not line.startswith("//")]
    assert not [line for line in lines if "<" in line]  # not in a name, a category, a text or an answer
    _, (got,) = parse(text)
    assert plain(got.name or "").startswith("In BEiT <image>, what")  # a raw <image> would be stripped
    assert shown(got.text, "html") == "In BEiT <image>, what is masked?"


def test_a_name_says_what_is_asked_not_just_the_kind(questions: list[Question]) -> None:
    _, parsed = parse(to_gift(questions, "t").decode())
    for got, q in zip(parsed, questions, strict=True):
        assert plain(got.name or "") != q.kind and plain(got.name or "").startswith(flat(q.prompt)[:40])


def test_one_category_line_per_run_of_a_topic(questions: list[Question]) -> None:
    a, b = replace(questions[0], topics=("alpha",)), replace(questions[1], topics=("beta",))
    categories, _ = parse(to_gift([a, replace(a, id="x"), b, replace(a, id="y")], "t").decode())
    assert categories == ["ssl-kb/t/alpha", "ssl-kb/t/beta", "ssl-kb/t/alpha"]


def test_gift_is_deterministic(questions: list[Question]) -> None:
    assert to_gift(questions, "t") == to_gift(list(questions), "t")


def test_the_grammar_rejects_what_moodle_would_misread() -> None:
    """The grammar can fail: each of these breaks one rule of the documented format."""
    for bad in (
        "::a::b {=c} after",  # text after the answers
        "::a::b {=c {d}",  # a brace inside the answers
        "::a b {=c}",  # a name never closed
        "b =c",  # no answers
        "::a::[html]<b>x</b> {=c}",
    ):
        with pytest.raises(GiftError):
            _, parsed = parse(bad)
            for q in parsed:
                shown(q.text, q.text_format)
    assert parse("::n::a\\\\b {=c}")[1][0].text == "a\\b"  # an escaped backslash is one backslash


def check_pygiftparser(questions: list[Question], title: str) -> None:
    """A GIFT parser we did not write (pygiftparser) reads the same names, texts, answers and feedback.

    pygiftparser keeps GIFT's escapes in what it returns (they are resolved here, left to right)
    and turns every ``\\n`` into a line break, even after an escaped backslash (Moodle does not):
    text with a backslash before an ``n`` is not given to it."""
    parser = pytest.importorskip("pygiftparser.parser", reason="pygiftparser is not installed (test extra)")
    assert not [q.id for q in questions if "\\n" in " ".join((q.prompt, q.explanation, *q.options))]
    parsed = parser.parseFile(io.StringIO(to_gift(questions, title).decode()))
    assert len(parsed) == len(questions)

    def back(text: str) -> str:
        return html.unescape(re.sub(r"\\(.)", r"\1", text.strip()))

    for got, q in zip(parsed, questions, strict=True):
        assert got.valid and type(got.answers).__name__ == "SelectSet"
        assert back(got.title) == name(q) and got.markup == "html" and back(got.text) == flat(q.prompt)
        answers = got.answers.answers
        assert [back(a.answer) for a in answers] == [flat(o) for o in q.options]
        assert [a.select for a in answers] == [i == q.answer for i in range(len(q.options))]
        assert [back(a.feedback) for a in answers] == [feedback(q, i) for i in range(len(q.options))]
        assert back(got.generalFeedback) == flat(q.explanation)


def test_pygiftparser_reads_the_same_questions(questions: list[Question]) -> None:
    text = NASTY[0].replace("\\n", "n")
    nasty = replace(
        questions[0], id="claim-000000000000", prompt=text, options=(NASTY[1], *questions[0].options[1:])
    )
    check_pygiftparser([nasty, *questions], "t")
