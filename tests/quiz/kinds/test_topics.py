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
