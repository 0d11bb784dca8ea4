"""Topics: odd-one-out and lecture-claim questions, checked against the records' topics and verdicts."""

from __future__ import annotations

from ssl_kb.quiz.kinds.topics import CLAIM_OPTIONS, true_odd_one_out


def test_the_odd_one_is_the_only_option_outside_the_topic(generated, records: dict, model) -> None:
    names = {r.name: r for r in records.values()}
    for q in generated("odd-one-out"):
        topic = q.basis["topic"]
        outside = [o for o in q.options if topic not in names[o].topics]
        assert outside == [q.answer_text] and names[q.answer_text].id == q.basis["outsider"]
        assert q.topics == (topic,) and records[topic].name in q.prompt
        assert not true_odd_one_out(model, q, "not an option")


def test_claim_questions_follow_the_verdicts(generated, records: dict) -> None:
    questions = generated("claim")
    claims = [(rid, c) for rid in sorted(records) for c in records[rid].lecture_claims]
    assert len(questions) == len(claims)
    by_claim = {(q.basis["record"], q.basis["claim"]): q for q in questions}
    for rid, claim in claims:
        q = by_claim[(rid, claim.claim)]
        assert sorted(q.options) == sorted(CLAIM_OPTIONS)  # in a seeded order
        assert q.answer_text == (CLAIM_OPTIONS[0] if claim.verdict.value == "correct" else CLAIM_OPTIONS[1])
        if claim.correction:
            assert claim.correction in q.explanation
        if records[rid].kind == "topic":
            assert q.topics == (rid,)


def test_first_sentence_of_a_correction() -> None:
    from ssl_kb.quiz.kinds.topics import first_sentence

    assert first_sentence("BEiT is from 2021. It was published in 2022.") == "BEiT is from 2021."
    assert first_sentence("One sentence only") == "One sentence only"
    assert first_sentence('It says 4.2%. "Quoted" next.') == "It says 4.2%."


def test_corrections_key_the_records_correction_and_distract_with_its_misreadings() -> None:
    import random

    from ssl_kb.quiz.kinds import KINDS
    from ssl_kb.quiz.kinds.topics import first_sentence

    from .real import real_model

    model = real_model()
    questions = list(KINDS["correction"].generate(model, lambda k: random.Random(f"0|{k}")))
    assert len(questions) >= 15
    by_claim = {(c.record_id, c.claim): c for c in model.claims}
    for q in questions:
        claim = by_claim[(q.basis["record"], q.basis["claim"])]
        assert claim.verdict in ("wrong", "imprecise") and not claim.commented_out
        assert claim.correction and q.answer_text == first_sentence(claim.correction)
        assert {o for i, o in enumerate(q.options) if i != q.answer} <= set(claim.misreadings)
        assert claim.claim in q.prompt
