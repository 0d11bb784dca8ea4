"""Quiz bank: every generated question has exactly one right answer, determinism, stable ids."""

from __future__ import annotations

import json
import math
import re
import shutil
import sqlite3
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ssl_kb.kb import load
from ssl_kb.quiz.bank import bank_files, draw, generate, verify
from ssl_kb.quiz.kinds import KINDS
from ssl_kb.quiz.model import Question
from ssl_kb.readmodel import ReadModel
from ssl_kb.store import memory_engine, write_store

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


class Oracle:
    """Which options are right, decided by SQL on a store file, from a question's provenance.

    Written from the store's schema and the kinds' prompts, independently of the generators and of
    their ``true_*`` checks (no read model, no formatting helpers): a wrong fact or a wrong rule shared by
    a generator and its check shows up here as a question with no or two right answers.
    """

    CORRECT, NOT_CORRECT = "Correct as stated", "Not correct as stated"

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def one(self, sql: str, *args: object) -> Any:
        rows = self.db.execute(sql, args).fetchall()
        assert len(rows) == 1, (sql, args, rows)
        return rows[0][0]

    def ids_named(self, name: str) -> list[str]:
        """The works (methods and concepts) of this display name: an option names one of them."""
        sql = "SELECT id FROM record WHERE name = ? AND kind IN ('method', 'concept')"
        return [r for (r,) in self.db.execute(sql, (name,))]

    def year(self, rid: str) -> int | None:
        return self.one(
            "SELECT COALESCE(p.year, r.own_year) FROM record r LEFT JOIN paper p ON p.record_id = r.id "
            "WHERE r.id = ?",
            rid,
        )

    def year_of_name(self, name: str) -> int | None:
        ids = self.ids_named(name)
        return self.year(ids[0]) if len(ids) == 1 else None

    @staticmethod
    def position(field: str, prefix: str) -> int:
        match = re.fullmatch(rf"{prefix}\[(\d+)\]", field)
        assert match, field
        return int(match.group(1))

    @staticmethod
    def number(option: str, unit: str | None) -> float | None:
        text = option
        if unit == "%":
            if not text.endswith("%"):
                return None
            text = text[:-1]
        elif unit:
            if not text.endswith(f" {unit}"):
                return None
            text = text[: -len(unit) - 1]
        try:
            return float(text)
        except ValueError:
            return None

    def right(self, q: Question) -> list[int]:
        """Indexes of the options that the store makes right."""
        rid, field = q.provenance[0].record, q.provenance[0].field
        decide = getattr(self, "kind_" + q.kind.replace("-", "_"))
        return [i for i, option in enumerate(q.options) if decide(q, rid, field, option)]

    def kind_year(self, q: Question, rid: str, field: str, option: str) -> bool:
        assert field == "paper.year"
        return option == str(self.year(rid))

    def kind_which_year(self, q: Question, rid: str, field: str, option: str) -> bool:
        year = int(re.search(r"first published in (\d{4})\?$", q.prompt).group(1))  # type: ignore[union-attr]
        return self.year_of_name(option) == year

    def kind_chronology(self, q: Question, rid: str, field: str, option: str) -> bool:
        before = int(re.search(r"published before .+ \((\d{4})\)\?$", q.prompt).group(1))  # type: ignore[union-attr]
        year = self.year_of_name(option)
        return year is not None and year < before

    def kind_authors(self, q: Question, rid: str, field: str, option: str) -> bool:
        assert field == "paper.authors"
        authors = self.db.execute(
            "SELECT a.name FROM paper_author pa JOIN author a ON a.id = pa.author_id WHERE pa.record_id = ?",
            (rid,),
        ).fetchall()
        return (option,) in authors

    def kind_modality(self, q: Question, rid: str, field: str, option: str) -> bool:
        modality = re.search(r"takes (.+) as input\?$", q.prompt).group(1)  # type: ignore[union-attr]
        ids = self.ids_named(option)
        return len(ids) == 1 and bool(
            self.db.execute(
                "SELECT 1 FROM record, json_each(record.modalities) m WHERE record.id = ? AND m.value = ?",
                (ids[0], modality),
            ).fetchone()
        )

    def kind_lineage(self, q: Question, rid: str, field: str, option: str) -> bool:
        assert field == "lineage"
        verbs = {"extend": "extends", "adapt": "adapts", "combine": "combines", "replace": "replaces"}
        verbs |= {"inspired": "inspired-by", "use": "uses"}
        edge_type = next(t for w, t in verbs.items() if re.search(rf"\b{w}\b", q.prompt))
        parents = self.db.execute(
            "SELECT r.name FROM lineage_edge e JOIN record r ON r.id = e.parent_id "
            "WHERE e.child_id = ? AND e.type = ?",
            (rid, edge_type),
        ).fetchall()
        return (option,) in parents

    def kind_description(self, q: Question, rid: str, field: str, option: str) -> bool:
        assert field == "summary"
        summary = self.one("SELECT summary FROM record WHERE id = ?", rid)
        ids = self.ids_named(option)
        return len(ids) == 1 and self.one("SELECT summary FROM record WHERE id = ?", ids[0]) == summary

    def kind_odd_one_out(self, q: Question, rid: str, field: str, option: str) -> bool:
        name = re.search(r"to the topic \u201c(.+)\u201d\?$", q.prompt).group(1)  # type: ignore[union-attr]
        topic = self.one("SELECT id FROM record WHERE kind = 'topic' AND name = ?", name)
        ids = self.ids_named(option)
        return (
            len(ids) == 1
            and not self.db.execute(
                "SELECT 1 FROM record_topic WHERE record_id = ? AND topic_id = ?", (ids[0], topic)
            ).fetchone()
        )

    def kind_result(self, q: Question, rid: str, field: str, option: str) -> bool:
        value, unit = self.db.execute(
            "SELECT value, unit FROM result WHERE record_id = ? AND position = ?",
            (rid, self.position(field, "results")),
        ).fetchone()
        number = self.number(option, unit)
        return number is not None and math.isclose(number, value, rel_tol=0, abs_tol=5e-5)

    def kind_hyperparameter(self, q: Question, rid: str, field: str, option: str) -> bool:
        raw, unit = self.db.execute(
            "SELECT value, unit FROM hyperparameter WHERE record_id = ? AND position = ?",
            (rid, self.position(field, "hyperparameters")),
        ).fetchone()
        value = json.loads(raw) if isinstance(raw, str) else raw  # a JSON column has numeric affinity
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = self.number(option, unit)
            return number is not None and math.isclose(number, value, rel_tol=0, abs_tol=5e-5)
        return option == (f"{value} {unit}" if unit else str(value))

    # ---- the understanding kinds: design facets, ablations, corrections

    def values(self, rid: str, facet: str) -> set[str]:
        rows = self.db.execute(
            "SELECT value FROM design_value WHERE record_id = ? AND facet = ?", (rid, facet)
        ).fetchall()
        return {v for (v,) in rows}

    def value_named(self, facet: str, name: str) -> str | None:
        rows = self.db.execute(
            "SELECT value_id FROM vocabulary_value WHERE vocabulary_id = ? AND name = ?",
            (facet.replace("_", "-"), name),
        ).fetchall()
        return rows[0][0] if len(rows) == 1 else None

    def names_in(self, facet: str, text: str) -> set[str]:
        """Values of ``facet`` whose name appears in ``text``, the longest match winning overlaps."""
        rows = self.db.execute(
            "SELECT value_id, name FROM vocabulary_value WHERE vocabulary_id = ?", (facet.replace("_", "-"),)
        ).fetchall()
        found = [(v, n) for v, n in rows if n in text]
        return {v for v, n in found if not any(n != m and n in m for _, m in found)}

    def kind_mechanism(self, q: Question, rid: str, field: str, option: str) -> bool:
        facet = field.removeprefix("design.")
        if q.basis["form"] == "what":
            return self.value_named(facet, option) in self.values(rid, facet)
        ids = self.ids_named(option)
        return len(ids) == 1 and q.basis["value"] in self.values(ids[0], facet)

    def kind_contrast(self, q: Question, rid: str, field: str, option: str) -> bool:
        facet = field.removeprefix("design.")
        a, b = q.provenance[0].record, q.provenance[1].record
        name_a, name_b = (self.one("SELECT name FROM record WHERE id = ?", r) for r in (a, b))
        first, _, second = option.partition("; ")
        if not (first.startswith(name_a + " ") and second.startswith(name_b + " ")):
            return False
        said_a, said_b = self.names_in(facet, first), self.names_in(facet, second)
        va, vb = self.values(a, facet), self.values(b, facet)
        return len(said_a) == len(said_b) == 1 and said_a <= va - vb and said_b <= vb - va

    def kind_why(self, q: Question, rid: str, field: str, option: str) -> bool:
        facet = field.removeprefix("design.").removesuffix(".rationale")
        rationale = self.one(
            "SELECT rationale FROM design_facet WHERE record_id = ? AND facet = ?", rid, facet
        )
        return rationale is not None and option.rstrip(".").lower() == rationale.strip().rstrip(".").lower()

    def kind_what_if(self, q: Question, rid: str, field: str, option: str) -> bool:
        position = self.position(field, "ablations")
        chosen, unit = self.db.execute(
            "SELECT chosen, unit FROM ablation WHERE record_id = ? AND position = ?", (rid, position)
        ).fetchone()
        points = dict(
            self.db.execute(
                "SELECT setting, value FROM ablation_point WHERE record_id = ? AND ablation_position = ?",
                (rid, position),
            ).fetchall()
        )
        delta = (points[q.basis["setting"]] - points[chosen]) * (100 if unit == "ratio" else 1)
        size = abs(delta)
        if size < 0.3:
            return option.startswith("About the same")
        direction = "Higher" if delta > 0 else "Lower"
        return option.startswith(direction) and (("or more" in option) == (size >= 2.0))

    def kind_scenario(self, q: Question, rid: str, field: str, option: str) -> bool:
        ids = self.ids_named(option)
        return len(ids) == 1 and all(v in self.values(ids[0], f) for f, v in q.basis["wanted"])

    def kind_correction(self, q: Question, rid: str, field: str, option: str) -> bool:
        correction = self.one(
            "SELECT correction FROM lecture_claim WHERE record_id = ? AND position = ?",
            rid,
            self.position(field, "lecture_claims"),
        )
        return correction is not None and correction.startswith(option)

    def kind_claim(self, q: Question, rid: str, field: str, option: str) -> bool:
        verdict = self.one(
            "SELECT verdict FROM lecture_claim WHERE record_id = ? AND position = ?",
            rid,
            self.position(field, "lecture_claims"),
        )
        return option == (self.CORRECT if verdict == "correct" else self.NOT_CORRECT)


@pytest.mark.parametrize("which", ["fixture", "real"])
def test_every_question_has_exactly_one_right_answer(
    which: str, fixture_facts: ReadModel, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    kb_dir = FIXTURE if which == "fixture" else REAL
    facts = fixture_facts if which == "fixture" else request.getfixturevalue("real_facts")
    kb = load(kb_dir)
    store = tmp_path / "ssl-kb.sqlite"
    write_store(kb.records.values(), f"sqlite:///{store}")
    oracle = Oracle(store)
    questions = generate(facts)
    assert questions
    if which == "real":  # the oracle has a rule for every kind, and each is exercised
        assert {q.kind for q in questions} == set(KINDS)
    for q in questions:
        assert oracle.right(q) == [q.answer], (q.id, q.prompt, q.options, q.answer)
        assert len(set(q.options)) == len(q.options)
        assert q.explanation and q.prompt and q.topics and q.provenance
        assert 0 < q.difficulty < 1
        for source in q.provenance:
            assert source.record in facts.rows, source


def test_the_oracle_sees_a_wrong_key(fixture_facts: ReadModel, tmp_path: Path) -> None:
    store = tmp_path / "ssl-kb.sqlite"
    write_store(load(FIXTURE).records.values(), f"sqlite:///{store}")
    oracle = Oracle(store)
    for q in generate(fixture_facts):
        moved = replace(q, answer=(q.answer + 1) % len(q.options))
        assert oracle.right(moved) != [moved.answer], q.id


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


def test_an_id_names_its_slot_so_an_edited_fact_updates_the_same_question(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(FIXTURE, kb_dir)
    before = {q.id: q for q in generate(facts_for(kb_dir))}
    simclr = kb_dir / "methods" / "simclr.yaml"
    simclr.write_text(simclr.read_text().replace("value: 76.5", "value: 74.2"))
    after = {q.id: q for q in generate(facts_for(kb_dir))}
    assert set(before) == set(after)  # no question added or retired by editing a value
    edited = [i for i in before if before[i].answer_text != after[i].answer_text]
    assert edited, "the result question shows the new value"
    assert all(before[i].kind == "result" and before[i].provenance[0].record == "simclr" for i in edited)
    assert all(after[i].answer_text == "74.2%" for i in edited)
    # deleting the fact retires its question
    text = simclr.read_text()
    start = text.index("results:")
    end = text.index("\n", text.index("source:", text.index("value: 74.2")))
    simclr.write_text(text[:start] + "results: []" + text[end:])
    gone = {q.id: q for q in generate(facts_for(kb_dir))}
    assert set(gone) < set(after) and set(edited) <= set(after) - set(gone)


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
