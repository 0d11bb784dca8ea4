"""Quiz bank: every generated question has exactly one right answer, determinism, stable ids."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from ssl_kb.kb import load
from ssl_kb.quiz.bank import bank_files, draw, generate, verify
from ssl_kb.quiz.kinds import KINDS
from ssl_kb.readmodel import ReadModel
from ssl_kb.store import memory_engine

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "data" / "kb"
REAL = ROOT / "kb"


def facts_for(kb_dir: Path) -> ReadModel:
    kb = load(kb_dir)
    assert kb.ok(), [d.to_text() for d in kb.diagnostics]
    return ReadModel.read(memory_engine(kb.records.values()))


@pytest.fixture(scope="module")
def fixture_facts() -> ReadModel:
    return facts_for(FIXTURE)


@pytest.fixture(scope="module")
def real_facts() -> ReadModel:
    return facts_for(REAL)


@pytest.mark.parametrize("which", ["fixture", "real"])
def test_every_question_has_exactly_one_right_answer(
    which: str, fixture_facts: ReadModel, request: pytest.FixtureRequest
) -> None:
    facts = fixture_facts if which == "fixture" else request.getfixturevalue("real_facts")
    questions = generate(facts)
    assert questions
    for q in questions:
        assert verify(facts, q) == [], (q.id, q.prompt, q.options)
        assert len(set(q.options)) == len(q.options)
        assert 0 <= q.answer < len(q.options)
        assert q.explanation and q.prompt and q.topics and q.provenance
        assert 0 < q.difficulty < 1
        for source in q.provenance:
            assert source.record in facts.rows, source


def test_real_kb_supports_at_least_eight_kinds(real_facts: ReadModel) -> None:
    kinds = Counter(q.kind for q in generate(real_facts))
    assert len(kinds) >= 8, kinds
    assert set(kinds) <= set(KINDS)


def test_verify_catches_a_second_right_answer(fixture_facts: ReadModel) -> None:
    q = next(q for q in generate(fixture_facts) if q.kind == "year")
    wrong_key = q.__class__(**{**q.__dict__, "answer": (q.answer + 1) % len(q.options)})
    assert verify(fixture_facts, wrong_key)
    duplicate = q.__class__(**{**q.__dict__, "options": (q.options[0], q.options[0], *q.options[2:])})
    assert "duplicate options" in verify(fixture_facts, duplicate)


def test_which_year_distractors_are_never_from_the_same_year(fixture_facts: ReadModel) -> None:
    for q in generate(fixture_facts, ["which-year"]):
        years = [fixture_facts.year(fixture_facts.by_name[o]) for o in q.options]
        assert years.count(q.basis["year"]) == 1


def test_distractors_are_plausible(fixture_facts: ReadModel, real_facts: ReadModel) -> None:
    for q in generate(fixture_facts, ["year"]):
        assert all(abs(int(o) - q.basis["year"]) <= 3 for o in q.options)
    for q in generate(fixture_facts, ["result"]):
        values = [float(o.rstrip("%").split()[0]) for o in q.options]
        answer = values[q.answer]
        assert all(0.5 * answer <= v <= 1.5 * answer for v in values), q.options
    for q in generate(fixture_facts, ["hyperparameter"]) + generate(real_facts, ["hyperparameter"]):
        if not q.answer_text.replace(".", "", 1).isdigit():
            continue  # values with units or text
        answer = float(q.answer_text)
        if 0 < answer < 1:  # fractions (ratios, temperatures, weights) get fractions as distractors
            assert all(0 < float(o) < 1 for o in q.options), q.options
    for q in generate(fixture_facts, ["lineage", "description", "which-year", "chronology", "odd-one-out"]):
        assert all(o in fixture_facts.by_name for o in q.options), q.options  # options are methods


def test_same_kb_and_seed_give_the_same_quiz(fixture_facts: ReadModel) -> None:
    a = draw(generate(fixture_facts), 8, seed=7)
    b = draw(generate(facts_for(FIXTURE)), 8, seed=7)
    assert [q.to_dict() for q in a] == [q.to_dict() for q in b]
    c = draw(generate(fixture_facts), 8, seed=8)
    assert [q.id for q in a] != [q.id for q in c]


def test_draw_respects_n_and_kinds(fixture_facts: ReadModel) -> None:
    questions = generate(fixture_facts)
    picked = draw(questions, 5, seed=1, kinds=["year", "authors"])
    assert len(picked) == 5
    assert {q.kind for q in picked} <= {"year", "authors"}
    assert len({q.id for q in picked}) == 5


def test_ids_are_stable_across_edits_elsewhere(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(FIXTURE, kb_dir)
    before = {q.id: q for q in generate(facts_for(kb_dir))}
    simclr = kb_dir / "methods" / "simclr.yaml"
    simclr.write_text(simclr.read_text().replace("value: 76.5", "value: 74.2"))
    after = {q.id: q for q in generate(facts_for(kb_dir))}
    changed = set(before) ^ set(after)
    # only questions built on SimCLR's result changed id; questions about MAE kept theirs
    assert changed, "editing a result must change that result question's id"
    assert all(
        q.provenance[0].record == "simclr"
        for q in list(before.values()) + list(after.values())
        if q.id in changed
    ), changed
    mae_ids = {i for i, q in before.items() if q.provenance[0].record == "mae"}
    assert mae_ids <= set(after)


def test_lecture_claim_questions_explain_the_correction(fixture_facts: ReadModel) -> None:
    claims = [q for q in generate(fixture_facts, ["claim"]) if q.basis["verdict"] != "correct"]
    assert claims
    for q in claims:
        assert q.answer_text == "Not correct as stated"
        assert "Verdict:" in q.explanation and "Source:" in q.explanation


def test_bank_files_cover_every_topic(fixture_facts: ReadModel) -> None:
    kb = load(FIXTURE)
    files = bank_files(ReadModel.read(memory_engine(kb.records.values())))
    assert set(files) == {"index.json", "masked-predictions.json", "contrastive.json"}
    assert files == bank_files(ReadModel.read(memory_engine(kb.records.values())))  # deterministic bytes
