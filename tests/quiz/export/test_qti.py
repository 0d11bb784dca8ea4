"""QTI 1.2 (Canvas) export, read back as Canvas's importer reads it (qti_reader.py)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace

import pytest

from ssl_kb.quiz.export import qti_manifest, to_qti
from ssl_kb.quiz.export.base import feedback, flat, name
from ssl_kb.quiz.model import Question
from ssl_kb.xmltext import legal

from .qti_reader import QtiError, html_text, read_qti12

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
#: How Canvas's importer sorts feedback by its ident (AssessmentItemConverter#get_feedback): an
#: answer's feedback whose ident matches one of these would become the question's own.
CANVAS_FEEDBACK_WORDS = re.compile(r"wrong|incorrect|_IC$|correct|_C$|solution|general_|_all", re.I)
NASTY = "<image> & <script>x</script> &amp; ]]> \x00 \ufffe \"q\" 'a' {b} \\ #1 é 🙂"


def check_qti12(questions: list[Question], title: str) -> None:
    """The package holds exactly the questions, each as Canvas needs it: title, prompt, options,
    one right answer scored, per-answer and general feedback, points, unique idents."""
    package = read_qti12(to_qti(questions, title))
    assert len(package.items) == len(questions)
    assert len(package.idents) == len(set(package.idents))  # manifest, resources, items, answers
    assert package.meta["title"] == package.title == legal(flat(title))
    assert float(package.meta["points_possible"]) == len(questions) == sum(i.points for i in package.items)
    assert package.meta["quiz_type"] == "assignment"
    for item, q in zip(package.items, questions, strict=True):
        assert item.ident == q.id and item.title == legal(name(q)) and item.title != q.kind
        assert item.meta["question_type"] == "multiple_choice_question"
        assert item.meta["original_answer_ids"].split(",") == [c for c, _ in item.choices]
        assert item.prompt == legal(q.prompt)
        assert [text for _, text in item.choices] == [legal(o) for o in q.options]
        assert item.right == [item.choices[q.answer][0]]
        assert [item.feedback[c] for c, _ in item.choices] == [
            legal(feedback(q, i)) for i in range(len(q.options))
        ]
        assert item.general == legal(q.explanation)
        for choice, _ in item.choices:
            assert not CANVAS_FEEDBACK_WORDS.search(f"{choice}_fb"), choice


def test_qti_round_trips_the_fixture_questions(questions: list[Question]) -> None:
    check_qti12(questions, "Masked *predictions*")


def test_qti_carries_any_text_as_text(questions: list[Question]) -> None:
    q = questions[0]
    nasty = replace(
        q,
        prompt=f"{NASTY} prompt",
        options=tuple(f"{NASTY} {i}" for i in range(len(q.options))),
        explanation=NASTY,
    )
    check_qti12([nasty], f"title {NASTY}")
    item = read_qti12(to_qti([nasty], "t")).items[0]
    assert item.prompt.startswith("<image> & <script>x</script> &amp; ]]> \ufffd \ufffd")


def test_the_package_is_laid_out_as_canvas_exports_it(questions: list[Question]) -> None:
    archive = zipfile.ZipFile(io.BytesIO(to_qti(questions, "t")))
    package = read_qti12(to_qti(questions, "t"))
    assert sorted(archive.namelist()) == sorted(
        ["imsmanifest.xml", f"{package.ident}/{package.ident}.xml", f"{package.ident}/assessment_meta.xml"]
    )
    assert archive.comment == b"ssl-kb quiz export"
    assert {info.date_time for info in archive.infolist()} == {(2020, 1, 1, 0, 0, 0)}
    assert to_qti(questions, "t") == to_qti(list(questions), "t")  # deterministic bytes


def test_a_question_whose_id_says_correct_keeps_its_feedback_apart(questions: list[Question]) -> None:
    """Kind ``correction`` makes ids with "correct" in them; Canvas must not read them as such."""
    q = replace(questions[0], id="correction-0123456789ab", kind="correction")
    check_qti12([q], "t")


def test_the_reader_can_fail(questions: list[Question]) -> None:
    data = to_qti(questions[:2], "t")
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            if not info.filename.endswith("assessment_meta.xml"):
                dst.writestr(info, src.read(info))
    with pytest.raises((QtiError, KeyError)):
        read_qti12(broken.getvalue())
    with pytest.raises(QtiError):
        html_text("a <b>bold</b> move")
    assert "imsqti_xmlv1p2" in qti_manifest("t")
