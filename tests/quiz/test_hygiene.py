"""Item hygiene over the whole bank of the real KB: the automatable rules of multiple-choice item
writing (Haladyna, Downing and Rodriguez 2002, "A review of multiple-choice item-writing
guidelines"), plus the decks and Bloom levels.

Each rule is checked on every question the real kb/ gives, so a record edit that makes a
question leak its key or a kind that starts putting its key first fails here.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from ssl_kb.kb import load
from ssl_kb.quiz.bank import MIN_UNDERSTANDING, deck, draw, generate
from ssl_kb.quiz.kinds import KINDS
from ssl_kb.quiz.kinds.base import LENGTH_RATIO
from ssl_kb.quiz.model import DECKS, LEVELS, Question
from ssl_kb.readmodel import ReadModel
from ssl_kb.store import memory_engine

REAL = Path(__file__).resolve().parents[2] / "kb"
#: chi-square critical values at p = 0.001 by degrees of freedom (options - 1)
CHI2_CRITICAL = {1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467}
STOP = {
    "about",
    "after",
    "their",
    "there",
    "these",
    "which",
    "while",
    "with",
    "without",
    "where",
    "other",
    "every",
    "images",
    "image",
    "model",
    "method",
    "methods",
    "learning",
    "training",
    "trained",
}
UNDERSTANDING_KINDS = ("mechanism", "contrast", "why", "what-if", "scenario", "correction")


@pytest.fixture(scope="module")
def model() -> ReadModel:
    kb = load(REAL)
    assert kb.ok(), [d.to_text() for d in kb.diagnostics][:5]
    return ReadModel.read(memory_engine(kb.records.values()))


@pytest.fixture(scope="module")
def bank(model: ReadModel) -> list[Question]:
    return generate(model)


def chi_square(positions: list[int], n_options: int) -> float:
    expected = len(positions) / n_options
    counts = Counter(positions)
    return sum((counts.get(i, 0) - expected) ** 2 / expected for i in range(n_options))


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z0-9-]{4,}", text.lower()) if w not in STOP}


def test_the_bank_has_the_six_understanding_kinds(bank: list[Question]) -> None:
    counts = Counter(q.kind for q in bank)
    for kind in UNDERSTANDING_KINDS:
        assert counts[kind] >= 3, (kind, counts)


def test_every_question_has_a_level_and_a_deck(bank: list[Question]) -> None:
    for q in bank:
        assert q.level in LEVELS, q.id
        assert q.deck in DECKS, q.id
        assert q.deck == KINDS[q.kind].deck
    for kind in ("year", "which-year", "chronology", "authors", "result", "hyperparameter", "odd-one-out"):
        assert KINDS[kind].deck == "recall", kind  # years, names, slide membership, exact numbers


def test_the_key_position_is_uniform_over_the_bank_and_within_each_kind(bank: list[Question]) -> None:
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for q in bank:
        groups[("bank", len(q.options))].append(q.answer)
        groups[(q.kind, len(q.options))].append(q.answer)
    tested = 0
    for (name, n_options), positions in sorted(groups.items()):
        if len(positions) < 5 * n_options:
            continue  # too few for the test (expected count per cell below 5)
        statistic = chi_square(positions, n_options)
        assert statistic < CHI2_CRITICAL[n_options - 1], (name, n_options, Counter(positions))
        tested += 1
    assert tested >= 5


def test_the_chi_square_test_sees_a_key_always_first() -> None:
    assert chi_square([0] * 40, 4) > CHI2_CRITICAL[3]
    assert chi_square([0, 1, 2, 3] * 10, 4) == 0


def test_no_stem_gives_its_key_away(bank: list[Question], model: ReadModel) -> None:
    for q in bank:
        stem = q.prompt.lower()
        key_id = model.by_name.get(q.answer_text)
        if key_id is not None:  # the key is a work: neither its name nor an alias is in the stem
            row = model.rows[key_id]
            for name in [row.name, row.full_name or "", *row.aliases]:
                if len(name) >= 3:
                    assert not re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", stem), (q.id, name)
        # a distinctive word of the key (in no distractor) is not in the stem
        others = set().union(*(words(o) for i, o in enumerate(q.options) if i != q.answer))
        leaked = (words(q.answer_text) - others) & words(q.prompt)
        if q.kind not in ("correction",):  # a correction quotes the claim it corrects
            assert not leaked, (q.id, q.prompt, q.answer_text, leaked)
        if q.kind == "hyperparameter":
            assert q.answer_text.lower() not in stem, q.id


def test_a_description_never_names_the_work_or_its_parents(bank: list[Question], model: ReadModel) -> None:
    for q in bank:
        if q.kind != "description":
            continue
        rid = q.basis["record"]
        for other in [rid, *model.parents(rid)]:
            row = model.rows[other]
            for name in [row.name, row.full_name or "", *row.aliases]:
                if len(name) >= 3:
                    pattern = rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])"
                    assert not re.search(pattern, q.prompt.lower()), (q.id, name)


def test_options_are_homogeneous(bank: list[Question], model: ReadModel) -> None:
    for q in bank:
        lengths = [len(o) for o in q.options]
        if all(o in model.by_name for o in q.options):
            continue  # names of works: their length is no clue
        assert max(lengths) <= LENGTH_RATIO * min(lengths) or max(lengths) <= 24, (q.id, q.options)
        numbers = [re.fullmatch(r"(\d+)(?:\.(\d+))?( ?%| [a-zA-Z]+)?", o) for o in q.options]
        if all(numbers):
            decimals = {len(m.group(2) or "") for m in numbers if m}
            assert len(decimals) == 1, (q.id, q.options)  # numbers at one precision


def test_no_duplicate_or_near_duplicate_stems(bank: list[Question]) -> None:
    def norm(text: str) -> str:
        return " ".join(re.sub(r"[^\w%]+", " ", text.lower()).split())

    stems = Counter(norm(q.prompt) for q in bank)
    assert not [s for s, n in stems.items() if n > 1]
    # near-duplicates: the same item reworded. Same kind and key, and either the same options or
    # the same subject record, with stems sharing 80% (90% for the same subject) of their words
    seen: dict[tuple[str, str], list[tuple[set[str], frozenset[str], str]]] = defaultdict(list)
    for q in bank:
        tokens = set(norm(q.prompt).split())
        options, subject = frozenset(q.options), q.provenance[0].record
        for other, other_options, other_subject in seen[(q.kind, q.answer_text)]:
            overlap = len(tokens & other) / len(tokens | other)
            assert not (options == other_options and overlap >= 0.8), (q.id, q.prompt)
            assert not (subject == other_subject and overlap >= 0.9), (q.id, q.prompt)
        seen[(q.kind, q.answer_text)].append((tokens, options, subject))


def test_each_lecture_claim_is_asked_once(bank: list[Question]) -> None:
    asked = Counter(
        " ".join(q.basis["claim"].lower().split()) for q in bank if q.kind in ("claim", "correction")
    )
    assert asked and not [c for c, n in asked.items() if n > 1]


def test_typos_and_commented_out_slides_stay_out_of_the_default_deck(
    bank: list[Question], model: ReadModel
) -> None:
    hidden = {(c.record_id, c.claim) for c in model.claims if c.commented_out}
    typos = {(c.record_id, c.claim) for c in model.claims if c.verdict == "typo"}
    assert hidden and typos
    for q in deck(bank):
        if q.kind in ("claim", "correction"):
            assert (q.basis["record"], q.basis["claim"]) not in hidden | typos, q.id
    for q in bank:
        if q.kind in ("claim", "correction"):
            assert (q.basis["record"], q.basis["claim"]) not in hidden, q.id


def test_lineage_wording_follows_the_edge_type(bank: list[Question], model: ReadModel) -> None:
    verbs = {
        "extends": "extend",
        "adapts": "adapt",
        "combines": "combine",
        "replaces": "replace",
        "inspired-by": "inspired",
        "uses": "use",
    }
    lineage = [q for q in bank if q.kind == "lineage"]
    assert lineage
    for q in lineage:
        assert verbs[q.basis["type"]] in q.prompt, (q.basis["type"], q.prompt)
        assert "directly build" not in q.prompt
        rid = q.basis["record"]
        for i, option in enumerate(q.options):
            if i == q.answer:
                continue
            oid = model.by_name[option]
            assert oid not in model.parents(rid), (q.id, option)  # another parent would be defensible
            assert rid not in model.parents(oid), (q.id, option)


def test_results_name_their_setting_so_versions_do_not_clash(bank: list[Question], model: ReadModel) -> None:
    results = [q for q in bank if q.kind == "result"]
    assert results
    for q in results:
        rows = [r for r in model.results_of[q.basis["record"]] if r.variant == q.basis["variant"]]
        assert any(r.variant in q.prompt and (r.setting or "") in q.prompt for r in rows), q.prompt


def test_the_default_deck_is_mostly_understanding_wherever_it_can_be(
    bank: list[Question], model: ReadModel
) -> None:
    checked = 0
    for topic in model.topic_order:
        questions = deck(bank, topic=topic)
        high = [q for q in questions if q.understanding]
        if not high:
            continue
        assert len(high) >= MIN_UNDERSTANDING * len(questions), (topic, len(high), len(questions))
        quiz = draw([q for q in bank if topic in q.topics and q.deck == "understanding"], 10, seed=3)
        share = sum(q.understanding for q in quiz) / len(quiz)
        assert share >= MIN_UNDERSTANDING or len(high) < math.ceil(MIN_UNDERSTANDING * len(quiz)), topic
        checked += 1
    assert checked >= len(model.topic_order) // 2
    assert all(q.deck == "recall" for q in deck(bank, "recall"))
    assert len(deck(bank, "all")) == len(bank)


def test_explanations_teach(bank: list[Question], model: ReadModel) -> None:
    for q in bank:
        if q.kind not in UNDERSTANDING_KINDS:
            continue
        assert len(q.explanation) >= 80, q.id
        assert q.links and all(link in model.rows for link in q.links), q.id
        if q.kind == "mechanism" and q.basis["form"] == "what":
            # every distractor is explained ("Not X: ...")
            for i, option in enumerate(q.options):
                if i != q.answer:
                    assert f"Not {option}:" in q.explanation, (q.id, option)
        if q.kind == "scenario":
            for i, option in enumerate(q.options):
                if i != q.answer:
                    assert f"{option} does not" in q.explanation, (q.id, option)
